// The model server's wire behaviour over real HTTP: chunk order and shapes, usage, vLLM token ids and
// logprobs, error bodies (bad JSON, missing messages, context length), /v1/models, and the noop model.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, fakeTokenIds, promptTokens, SPECIAL_TOKENS, INSTANCE_HEADER, NOOP_ANSWER, startModelServer, type ModelServer } from '../../../src/gateway/models/index.js';
import { collect, HARNESS_TOOLS, makeTask } from './helpers.js';

const task = makeTask('demo__calc-2');
const tools = [...HARNESS_TOOLS['opencode bash']] as OpenAI.Chat.Completions.ChatCompletionTool[];
const messages = [{ role: 'user' as const, content: 'fix add()' }];
let oracle: ModelServer;
let client: OpenAI;

beforeAll(async () => {
  oracle = await startModelServer({ policy: 'oracle', tasks: [task], maxModelLen: 500 });
  client = new OpenAI({ baseURL: oracle.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => oracle.close());

async function rawSse(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; frames: string[] }> {
  const res = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, frames: text.split('\n\n').filter(Boolean).map((f) => f.replace(/^data: /, '')) };
}

describe('streaming chunks', () => {
  it('role first, tool-call header then argument pieces, finish, usage, [DONE]', async () => {
    const { status, frames } = await rawSse(
      oracle.url,
      { model: 'x', messages, tools, stream: true, stream_options: { include_usage: true } },
      { [INSTANCE_HEADER]: task.instance_id },
    );
    expect(status).toBe(200);
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.id).toBe(chunks[0].id);
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const toolDeltas = chunks.filter((c) => c.choices[0]?.delta.tool_calls).map((c) => c.choices[0].delta.tool_calls[0]);
    expect(toolDeltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'bash', arguments: '' } });
    expect(toolDeltas[0].id).toMatch(/^call_/);
    expect(toolDeltas.length).toBeGreaterThan(3);
    for (const d of toolDeltas.slice(1)) expect(Object.keys(d).sort()).toEqual(['function', 'index']);
    const finish = chunks.at(-2);
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + usage.usage.completion_tokens);
    expect(usage.usage.prompt_tokens).toBe(countTokens(JSON.stringify(messages)));
  });

  it('no usage chunk unless stream_options.include_usage', async () => {
    const got = await collect(await client.chat.completions.create({ model: 'x', messages, stream: true }));
    expect(got.usage).toBeUndefined();
    expect(got.finishReason).toBe('stop');
  });

  it('return_token_ids: prompt_token_ids on the first chunk, token_ids per chunk, consistent with usage', async () => {
    const body = { model: 'x', messages, tools, stream: true, stream_options: { include_usage: true }, return_token_ids: true };
    const { frames } = await rawSse(oracle.url, body, { [INSTANCE_HEADER]: task.instance_id });
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
    // the toy chat template: each message <|im_start|> role \n body <|im_end|>, then the generation prompt
    expect(chunks[0].prompt_token_ids).toEqual(promptTokens({ model: 'x', messages } as never).map((t) => t.id));
    expect(chunks[0].prompt_token_ids.slice(0, 3)).toEqual([SPECIAL_TOKENS['<|im_start|>'], ...fakeTokenIds(messages[0]!.role), SPECIAL_TOKENS['\n']]);
    expect(chunks.slice(1).every((c) => c.prompt_token_ids === undefined)).toBe(true);
    const ids = chunks.filter((c) => c.choices.length > 0).flatMap((c) => c.choices[0].token_ids as number[]);
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    expect(chunks.at(-1).usage.completion_tokens).toBe(ids.length);
    expect(chunks.at(-1).usage.prompt_tokens).toBe(chunks[0].prompt_token_ids.length);
    // Deterministic: the same request gives the same ids.
    const again = (await rawSse(oracle.url, body, { [INSTANCE_HEADER]: task.instance_id })).frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(again.filter((c) => c.choices.length > 0).flatMap((c) => c.choices[0].token_ids)).toEqual(ids);
  });

  it('no token ids or logprobs unless asked', async () => {
    const { frames } = await rawSse(oracle.url, { model: 'x', messages, stream: true });
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks.some((c) => 'prompt_token_ids' in c || 'token_ids' in (c.choices[0] ?? {}))).toBe(false);
    expect(chunks.every((c) => c.choices[0].logprobs === null)).toBe(true);
  });

  it('logprobs with top_logprobs, per streamed token', async () => {
    const got = await collect(
      await client.chat.completions.create({ model: 'x', messages, stream: true, logprobs: true, top_logprobs: 2 }),
    );
    const entries = got.chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
    // one entry per generated token, the end-of-turn token included
    expect(entries.at(-1)!.token).toBe('<|im_end|>');
    expect(entries.slice(0, -1).map((e) => e.token).join('')).toBe(got.content);
    for (const e of entries) {
      expect(e.logprob).toBeLessThanOrEqual(0);
      expect(e.top_logprobs).toHaveLength(2);
    }
  });
});

describe('non-streaming', () => {
  it('chat.completion with token ids, logprobs and usage', async () => {
    const res = (await client.chat.completions.create({
      model: 'x',
      messages,
      logprobs: true,
      // vLLM extension, passed through by the SDK
      ...({ return_token_ids: true } as object),
    })) as OpenAI.Chat.Completions.ChatCompletion & { prompt_token_ids: number[]; choices: Array<{ token_ids: number[] }> };
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('swebench-oracle');
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.token_ids).toHaveLength(res.usage!.completion_tokens);
    expect(res.prompt_token_ids).toHaveLength(res.usage!.prompt_tokens);
    expect(choice.logprobs!.content!.map((e) => e.token).join('')).toBe(`${choice.message.content}<|im_end|>`);
  });
});

describe('errors like vLLM', () => {
  it('bad JSON → 400 {error:{message,type:BadRequestError,code:400}}', async () => {
    const res = await fetch(`${oracle.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "x", "messa' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'BadRequestError', code: 400, param: null });
    expect(String(body.error.message)).toMatch(/JSON/);
  });

  it('missing messages → 400 through the SDK', async () => {
    const err = await client.chat.completions.create({ model: 'x' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as OpenAI.APIError).message).toContain('messages');
  });

  it('context length: the exact vLLM 400 body', async () => {
    const long = [{ role: 'user', content: 'x'.repeat(3000) }];
    const res = await fetch(`${oracle.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', messages: long, max_tokens: 100, stream: true }),
    });
    expect(res.status).toBe(400);
    const prompt = countTokens(JSON.stringify(long));
    expect(await res.text()).toBe(
      JSON.stringify({
        object: 'error',
        message: `This model's maximum context length is 500 tokens. However, you requested ${prompt + 100} tokens (${prompt} in the messages, 100 in the completion). Please reduce the length of the messages or completion.`,
        type: 'BadRequestError',
        param: null,
        code: 400,
      }),
    );
  });

  it('unknown path → 404, wrong method → 405', async () => {
    expect((await fetch(`${oracle.url}/completions`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${oracle.url}/chat/completions`)).status).toBe(405);
  });
});

describe('models list and noop', () => {
  it('GET /v1/models lists the served name', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['swebench-oracle']);
  });

  it('noop: text only, never tool calls, even with a shell tool advertised', async () => {
    const noop = await startModelServer({ policy: 'noop', modelName: 'nothing' });
    try {
      const c = new OpenAI({ baseURL: noop.url, apiKey: 'x', maxRetries: 0 });
      const streamed = await collect(await c.chat.completions.create({ model: 'nothing', messages, tools, stream: true }));
      expect(streamed).toMatchObject({ content: NOOP_ANSWER, toolCalls: [], finishReason: 'stop' });
      const plain = await c.chat.completions.create({ model: 'nothing', messages, tools });
      expect(plain.choices[0]!.message).toMatchObject({ role: 'assistant', content: NOOP_ANSWER });
      expect(plain.choices[0]!.message.tool_calls).toBeUndefined();
      expect(plain.model).toBe('nothing');
    } finally {
      await noop.close();
    }
  });
});
