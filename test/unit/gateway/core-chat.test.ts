// Chat-completions passthrough through the real gateway with the official openai SDK: streaming and not,
// model rewrite both ways, include_usage honoured, output cap, tool calls, token capture, record kinds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, textStream, toolCallStream, usageChunk } from '../../helpers/fake-upstream.js';
import { chatBody, postInit, setup, sseData, type Harness } from './core-setup.js';

let h: Harness;
beforeAll(async () => {
  h = await setup({ maxOutputTokens: 1000 });
});
afterAll(async () => {
  await h.close();
});

describe('chat passthrough', () => {
  it('streams through the openai SDK with the client model name, rewriting the upstream model', async () => {
    const s = h.session({ instanceId: 'sympy__sympy-42' });
    h.upstream.script({ kind: 'stream', events: textStream('Hello, streaming world!', { pieces: 4 }) });
    const stream = await s.client.chat.completions.create({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const chunks = [];
    for await (const c of stream) {
      chunks.push(c);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Hello, streaming world!');
    expect(chunks.every((c) => c.model === 'client-model')).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    // not asked for: no usage chunk, no usage field
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);

    const up = h.upstream.requests.at(-1)!;
    expect(up.body.model).toBe('upstream-model');
    expect(up.body.stream).toBe(true);
    expect(up.body.stream_options).toEqual({ include_usage: true });
    expect(up.headers['x-swebench-instance-id']).toBe('sympy__sympy-42');
    expect(up.headers['x-swebench-session-id']).toBe(s.id);
    expect(up.headers.authorization).toMatch(/^Bearer sk-upstream-SECRET-/);

    const [rec] = h.records(s.id);
    expect(rec).toMatchObject({ status: 'ok', kind: 'turn', client_protocol: 'openai_chat', http_status: 200, instance_id: 'sympy__sympy-42' });
    expect(rec!.response).toMatchObject({ content: 'Hello, streaming world!', finish_reason: 'stop', usage: { total_tokens: 18 } });
  });

  it('passes the usage chunk to clients that ask for include_usage', async () => {
    const s = h.session();
    h.upstream.script({ kind: 'stream', events: textStream('abc') });
    const stream = await s.client.chat.completions.create({
      model: 'client-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(last.model).toBe('client-model');
  });

  it('answers non-streaming requests from a streamed upstream', async () => {
    const s = h.session();
    h.upstream.script({ kind: 'stream', events: textStream('complete answer', { reasoning: 'thinking first' }) });
    const res = await s.client.chat.completions.create({ model: 'my-alias', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('my-alias');
    expect(res.choices[0]!.message.content).toBe('complete answer');
    expect((res.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content).toBe('thinking first');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(h.upstream.requests.at(-1)!.body.stream).toBe(true);
  });

  it('passes tool calls through, streaming and not', async () => {
    const s = h.session();
    const args = '{"command":"echo hi > /tmp/x.txt"}';
    h.upstream.script({ kind: 'stream', events: toolCallStream('bash', args) }, { kind: 'stream', events: toolCallStream('bash', args) });
    const stream = await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'go' }], stream: true, tools: [] });
    let streamedArgs = '';
    let name = '';
    for await (const c of stream) {
      const tc = c.choices[0]?.delta?.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      streamedArgs += tc?.function?.arguments ?? '';
    }
    expect(name).toBe('bash');
    expect(streamedArgs).toBe(args);
    const res = await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'go' }] });
    const call = res.choices[0]!.message.tool_calls![0]! as { id: string; function: { name: string; arguments: string } };
    expect(call).toMatchObject({ id: 'call_fake1', function: { name: 'bash', arguments: args } });
    expect(res.choices[0]!.message.content).toBeNull();
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('caps max_tokens / max_completion_tokens and sets max_tokens when absent', async () => {
    const s = h.session();
    await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 32000 });
    expect(h.upstream.requests.at(-1)!.body.max_tokens).toBe(1000);
    await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 50 });
    expect(h.upstream.requests.at(-1)!.body.max_completion_tokens).toBe(50);
    expect(h.upstream.requests.at(-1)!.body.max_tokens).toBeUndefined();
    await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(h.upstream.requests.at(-1)!.body.max_tokens).toBe(1000);
  });

  it('keeps unknown request fields and tags opencode title and compaction requests', async () => {
    const s = h.session();
    const title = chatBody({ messages: [{ role: 'system', content: 'You are a title generator. You output ONLY a thread title.' }, { role: 'user', content: 'x' }], top_k: 20 });
    expect((await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, title))).status).toBe(200);
    expect(h.upstream.requests.at(-1)!.body.top_k).toBe(20);
    const summary = chatBody({ messages: [{ role: 'system', content: 'You are a context summarization agent.' }, { role: 'user', content: 'x' }] });
    expect((await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, summary))).status).toBe(200);
    expect(h.upstream.requests.at(-1)!.headers['x-swebench-kind']).toBe('compaction');
    // qwen-code 0.24's compression: its cache-sharing form carries the prompt as the last user message
    const qwen = chatBody({ messages: [{ role: 'user', content: 'fix it' }, { role: 'user', content: 'You are the component that summarizes a conversation when its context window is about to overflow. …' }] });
    expect((await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, qwen))).status).toBe(200);
    expect((await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody()))).status).toBe(200);
    expect(h.upstream.requests.at(-1)!.headers['x-swebench-kind']).toBe('turn');
    expect(h.records(s.id).map((r) => r.kind)).toEqual(['title', 'compaction', 'compaction', 'turn']);
  });

  it('serves a streaming client from an upstream that answered plain JSON, and parses CRLF streams', async () => {
    const s = h.session();
    h.upstream.script({
      kind: 'json',
      body: {
        id: 'chatcmpl-json',
        object: 'chat.completion',
        created: 1,
        model: 'upstream-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'json body' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
    });
    const r = await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody({ stream: true })));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const data = sseData(r.text);
    expect(data.at(-1)).toBe('[DONE]');
    expect(JSON.parse(data[0]!).choices[0].delta.content).toBe('json body');

    h.upstream.script({ kind: 'stream', events: textStream('crlf ok'), crlf: true });
    const res = await s.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).toBe('crlf ok');
  });
});

describe('token capture', () => {
  let c: Harness;
  beforeAll(async () => {
    c = await setup({ captureTokens: true });
  });
  afterAll(async () => {
    await c.close();
  });

  it('asks for token ids and logprobs, records them, and keeps them from clients that did not ask', async () => {
    const s = c.session();
    const lp = (t: string) => ({ content: [{ token: t, logprob: -0.5, bytes: [], top_logprobs: [] }] });
    c.upstream.script({
      kind: 'stream',
      events: [
        chunk({ role: 'assistant', content: '' }, null, { prompt_token_ids: [1, 2, 3] }),
        { ...(chunk({ content: 'ab' }) as object), choices: [{ index: 0, delta: { content: 'ab' }, finish_reason: null, logprobs: lp('ab'), token_ids: [10, 11] }] },
        { ...(chunk({ content: 'c' }) as object), choices: [{ index: 0, delta: { content: 'c' }, finish_reason: null, logprobs: lp('c'), token_ids: [12] }] },
        chunk({}, 'stop'),
        usageChunk(),
      ],
    });
    const r = await c.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody({ stream: true })));
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/token_ids|"logprob"/);
    const up = c.upstream.requests.at(-1)!.body;
    expect(up.return_token_ids).toBe(true);
    expect(up.logprobs).toBe(true);
    const [rec] = c.records(s.id);
    // the token fields move from the response into the record's one token block
    expect(rec!.response).toMatchObject({ content: 'abc' });
    expect(rec!.response).not.toHaveProperty('token_ids');
    expect(rec!.response).not.toHaveProperty('logprobs');
    expect(rec!.tokens).toEqual({ prompt_ids: [1, 2, 3], completion_ids: [10, 11, 12], completion_logprobs: [-0.5, -0.5] });
    expect(rec!.prefix).toEqual({ verdict: 'first', parent_seq: null, mismatch_at: null, parent_len: null, parent_prompt_len: null });
    expect(rec).toMatchObject({ chain: 'main', chain_id: 'main', turn: 1, weight_version: null });
    expect(rec!.client_request.body).toEqual(chatBody({ stream: true }));
  });
});
