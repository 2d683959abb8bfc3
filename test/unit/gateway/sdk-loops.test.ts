// Acceptance: the official SDKs run whole agent tool loops through the gateway against the built-in oracle model,
// the way the harnesses do. Each loop advertises the harness's real shell tool, executes the call the oracle makes
// with real bash in a temp git repo, sends the result back in the protocol's own format, and ends on a final text.
// The gold patch must then be in the repo, and the records file must hold one line per completion. A raw fetch of
// every request also checks the SSE bytes against the order and shape rules of the reference notes. Gemini has no
// SDK among the dev dependencies: its loop is raw HTTP in the exact shape gemini-cli 0.61.0 sends.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type ClientProtocol, type CompletionRecord, type GatewayHandle, type SessionCredentials } from '../../../src/gateway/index.js';
import { startModelServer, type ModelServer } from '../../../src/gateway/models/index.js';
import { createLogger } from '../../../src/logger.js';
import { checkChatStream, checkGeminiStream, checkMessagesStream, checkResponsesStream } from '../../helpers/protocol-shapes.js';
import { HARNESS_TOOLS, makeRepo, makeTask, ORIGINAL } from '../models/helpers.js';

const UPSTREAM_KEY = `sk-upstream-SECRET-${Math.random().toString(36).slice(2)}`;
const task = makeTask('demo__calc-1');
const repo = makeRepo();
let model: ModelServer;
let gw: GatewayHandle;
let recordsDir = '';
let log = '';

beforeAll(async () => {
  model = await startModelServer({ policy: 'oracle', tasks: [task], oracleWorkdir: repo.dir });
  recordsDir = mkdtempSync(path.join(os.tmpdir(), 'gw-sdk-loops-'));
  const stream = new Writable({
    write(c, _e, cb) {
      log += String(c);
      cb();
    },
  });
  gw = await startGateway({ upstreamUrl: model.url, upstreamApiKey: UPSTREAM_KEY, recordsDir, logger: createLogger({ level: 'debug', stream }) });
});

afterAll(async () => {
  await gw?.close({ graceMs: 0 });
  await model?.close();
  repo.cleanup();
  rmSync(recordsDir, { recursive: true, force: true });
});

beforeEach(() => {
  execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: repo.dir });
  expect(readFileSync(path.join(repo.dir, 'calc.py'), 'utf8')).toBe(ORIGINAL);
});

// ---------------------------------------------------------------------------------------------------------------
// What a harness does between two model calls, and what every loop must leave behind.

/** Runs a tool call's command like the harness would: a script through bash, an argv directly. */
function runShell(command: unknown, cwd = repo.dir): string {
  const argv = Array.isArray(command) ? command.map(String) : ['bash', '-c', String(command)];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8' });
  expect(r.status, `tool command failed: ${r.stderr}`).toBe(0);
  return `${r.stdout}${r.stderr}`;
}

function expectGoldPatchApplied(): void {
  const diff = execFileSync('git', ['diff'], { cwd: repo.dir, encoding: 'utf8' });
  expect(diff).not.toBe('');
  expect(diff).toBe(task.patch);
}

function records(sessionId: string): CompletionRecord[] {
  return readFileSync(gw.sessions.recordsPath(sessionId)!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CompletionRecord);
}

/** One line per completion, in order, all ok, with the protocol, the finish reasons, and the tool result sent upstream. */
function expectRecords(sessionId: string, protocol: ClientProtocol, toolOutput: string): void {
  const recs = records(sessionId);
  expect(recs).toHaveLength(2);
  expect(recs.map((r) => r.seq)).toEqual([1, 2]);
  expect(recs.map((r) => r.client_protocol)).toEqual([protocol, protocol]);
  expect(recs.map((r) => [r.status, r.kind, r.http_status])).toEqual([
    ['ok', 'turn', 200],
    ['ok', 'turn', 200],
  ]);
  expect(recs.every((r) => r.instance_id === task.instance_id && r.session_id === sessionId)).toBe(true);
  expect(recs.map((r) => r.response?.finish_reason)).toEqual(['tool_calls', 'stop']);
  const upstreamMessages = (recs[1]!.upstream_request as { messages: Array<{ role: string; content: unknown }> }).messages;
  expect(upstreamMessages.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual([toolOutput]);
}

function session(): SessionCredentials {
  return gw.sessions.create({ instanceId: task.instance_id });
}

/** POSTs a streaming request with plain fetch and returns the raw SSE text. */
async function rawSse(url: string, headers: Record<string, string>, body: unknown): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return text;
}

// ---------------------------------------------------------------------------------------------------------------

describe('openai chat streaming (opencode: bash tool)', () => {
  const tools = [...HARNESS_TOOLS['opencode bash']] as OpenAI.Chat.Completions.ChatCompletionFunctionTool[];

  it('runs the tool loop with client.chat.completions.stream and applies the gold patch', async () => {
    const s = session();
    const client = new OpenAI({ apiKey: s.token, baseURL: s.base_url, maxRetries: 0 });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are opencode, an interactive CLI tool that helps users with software engineering tasks.' },
      { role: 'user', content: task.problem_statement },
    ];
    const params = { model: 'opencode-model', max_tokens: 4096, tools, tool_choice: 'auto' as const, stream_options: { include_usage: true } };

    const first = await client.chat.completions.stream({ ...params, messages }).finalChatCompletion();
    const choice1 = first.choices[0]!;
    expect(choice1.finish_reason).toBe('tool_calls');
    expect(choice1.message.tool_calls).toHaveLength(1);
    const call = choice1.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('bash');
    const args = JSON.parse(call.function.arguments) as { command: string; description: string };
    expect(typeof args.description).toBe('string'); // required by opencode's schema

    const output = runShell(args.command);
    expect(output).toContain('calc.py');
    expectGoldPatchApplied();
    messages.push({ role: 'assistant', content: '', tool_calls: [{ id: call.id, type: 'function', function: { name: 'bash', arguments: call.function.arguments } }] });
    messages.push({ role: 'tool', tool_call_id: call.id, content: output });

    const second = await client.chat.completions.stream({ ...params, messages }).finalChatCompletion();
    const choice2 = second.choices[0]!;
    expect(choice2.finish_reason).toBe('stop');
    expect(choice2.message.tool_calls ?? []).toHaveLength(0);
    expect(choice2.message.content).toContain(`I applied the gold patch of ${task.instance_id}`);
    expect(second.usage?.total_tokens).toBeGreaterThan(0);
    expectGoldPatchApplied();
    expectRecords(s.session_id, 'openai_chat', output);

    // the same two requests, raw: chunks then [DONE]
    const raw = session();
    const auth = { authorization: `Bearer ${raw.token}` };
    const firstRaw = checkChatStream(await rawSse(`${raw.base_url}/chat/completions`, auth, { ...params, messages: messages.slice(0, 2), stream: true }));
    expect(firstRaw.problems).toEqual([]);
    expect(firstRaw.events.some((e) => e.data.choices[0]?.delta?.tool_calls?.[0]?.function?.name === 'bash')).toBe(true);
    const secondRaw = checkChatStream(await rawSse(`${raw.base_url}/chat/completions`, auth, { ...params, messages, stream: true }));
    expect(secondRaw.problems).toEqual([]);
    expect(secondRaw.events.at(-1)!.data.usage.total_tokens).toBeGreaterThan(0);
    expect(records(raw.session_id).map((r) => r.response?.finish_reason)).toEqual(['tool_calls', 'stop']);
  });
});

describe('openai Responses streaming (codex: exec_command tool)', () => {
  // codex's tool list, as Responses function tools (`strict: false`, flat name/parameters).
  const tools: OpenAI.Responses.FunctionTool[] = HARNESS_TOOLS['codex exec_command (string cmd)'].map((t) => ({
    type: 'function',
    name: t.function.name,
    description: t.function.description,
    strict: false,
    parameters: t.function.parameters as Record<string, unknown>,
  }));
  const base = {
    model: 'codex-model',
    tools,
    tool_choice: 'auto' as const,
    parallel_tool_calls: true,
    reasoning: { summary: 'auto' as const },
    store: false,
    include: ['reasoning.encrypted_content' as const],
    prompt_cache_key: 'thread-0001',
  };
  const prompt: OpenAI.Responses.ResponseInputItem[] = [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are a coding agent running in the Codex CLI.' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: task.problem_statement }] },
  ];

  it('runs the tool loop with client.responses.stream, replaying the output items, and applies the gold patch', async () => {
    const s = session();
    const client = new OpenAI({ apiKey: s.token, baseURL: s.base_url, maxRetries: 0 });

    const first = await client.responses.stream({ ...base, input: prompt }).finalResponse();
    expect(first.status).toBe('completed');
    type OutputItem = (typeof first.output)[number];
    const calls = first.output.filter((i): i is Extract<OutputItem, { type: 'function_call' }> => i.type === 'function_call');
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.name).toBe('exec_command');
    expect(call.call_id).toBeTruthy();
    const args = JSON.parse(call.arguments) as { cmd: string; workdir?: string };
    expect(first.usage?.input_tokens_details.cached_tokens).toBe(0);
    expect(first.usage?.output_tokens_details.reasoning_tokens).toBe(0);

    const output = runShell(args.cmd, args.workdir ?? repo.dir);
    expectGoldPatchApplied();
    // codex replays every output item of the turn (reasoning included, when there is any), then the tool output
    const input: OpenAI.Responses.ResponseInputItem[] = [
      ...prompt,
      ...(first.output as OpenAI.Responses.ResponseInputItem[]),
      { type: 'function_call_output', call_id: call.call_id, output },
    ];

    const second = await client.responses.stream({ ...base, input }).finalResponse();
    expect(second.status).toBe('completed');
    expect(second.output.map((i) => i.type)).toEqual(['message']);
    expect(second.output_text).toContain(`I applied the gold patch of ${task.instance_id}`);
    expectGoldPatchApplied();
    expectRecords(s.session_id, 'openai_responses', output);

    // the same two requests, raw
    const raw = session();
    const auth = { authorization: `Bearer ${raw.token}` };
    const firstRaw = checkResponsesStream(await rawSse(`${raw.base_url}/responses`, auth, { ...base, input: prompt, stream: true }));
    expect(firstRaw.problems).toEqual([]);
    const argDeltas = firstRaw.events.filter((e) => e.event === 'response.function_call_arguments.delta').length;
    expect(argDeltas).toBeGreaterThan(1); // arguments arrive in pieces, as from a real backend
    expect(firstRaw.events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...Array<string>(argDeltas).fill('response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const secondRaw = checkResponsesStream(await rawSse(`${raw.base_url}/responses`, auth, { ...base, input, stream: true }));
    expect(secondRaw.problems).toEqual([]);
    const types = secondRaw.events.map((e) => e.event);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-5)).toEqual([
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(records(raw.session_id).map((r) => r.response?.finish_reason)).toEqual(['tool_calls', 'stop']);
  });
});

describe('anthropic messages (claude: Bash tool)', () => {
  // claude-code's tools in Anthropic form: name, description, input_schema (with its $schema key).
  const tools: Anthropic.Messages.Tool[] = HARNESS_TOOLS['claude Bash'].map((t) => ({
    name: t.function.name,
    description: t.function.description,
    input_schema: t.function.parameters as Anthropic.Messages.Tool.InputSchema,
  }));
  const params = {
    model: 'claude-sonnet-4-6',
    max_tokens: 8192,
    system: [{ type: 'text' as const, text: "You are a Claude agent, built on Anthropic's Claude Agent SDK." }],
    tools,
  };
  const client = (s: SessionCredentials) => new Anthropic({ apiKey: s.token, baseURL: s.base_url.replace(/\/v1$/, ''), maxRetries: 0 });

  /** One claude-style loop; `call` makes one model call (streaming or not) and returns the final message. */
  async function loop(s: SessionCredentials, call: (messages: Anthropic.Messages.MessageParam[]) => Promise<Anthropic.Messages.Message>) {
    const messages: Anthropic.Messages.MessageParam[] = [{ role: 'user', content: task.problem_statement }];
    const first = await call(messages);
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
    expect(uses).toHaveLength(1);
    const use = uses[0]!;
    expect(use.name).toBe('Bash');
    expect(use.id).toMatch(/^toolu_/);
    const output = runShell((use.input as { command: string }).command);
    expectGoldPatchApplied();
    // claude echoes the assistant content verbatim, then answers with a tool_result block
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: output, is_error: false }] });
    const second = await call(messages);
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content.map((b) => b.type)).toEqual(['text']);
    expect((second.content[0] as Anthropic.Messages.TextBlock).text).toContain(`I applied the gold patch of ${task.instance_id}`);
    expect(second.usage.output_tokens).toBeGreaterThan(0);
    expectGoldPatchApplied();
    expectRecords(s.session_id, 'anthropic_messages', output);
    return { messages, output };
  }

  it('runs the tool loop with client.messages.stream and applies the gold patch', async () => {
    const s = session();
    const c = client(s);
    const { messages } = await loop(s, (m) => c.messages.stream({ ...params, messages: [...m] }).finalMessage());

    // the same two requests, raw (claude sends x-api-key and anthropic-version)
    const raw = session();
    const headers = { 'x-api-key': raw.token, 'anthropic-version': '2023-06-01' };
    const firstRaw = checkMessagesStream(await rawSse(`${raw.base_url}/messages?beta=true`, headers, { ...params, messages: messages.slice(0, 1), stream: true }));
    expect(firstRaw.problems).toEqual([]);
    expect(firstRaw.events.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.type)).toEqual(['tool_use']);
    expect(firstRaw.events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
    const secondRaw = checkMessagesStream(await rawSse(`${raw.base_url}/messages`, headers, { ...params, messages, stream: true }));
    expect(secondRaw.problems).toEqual([]);
    expect(secondRaw.events.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.type)).toEqual(['text']);
    expect(secondRaw.events.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('end_turn');
    expect(records(raw.session_id).map((r) => r.response?.finish_reason)).toEqual(['tool_calls', 'stop']);
  });

  it('runs the tool loop with non-streaming client.messages.create and applies the gold patch', async () => {
    const s = session();
    const c = client(s);
    await loop(s, (m) => c.messages.create({ ...params, messages: [...m] }));
    const recs = records(s.session_id);
    expect(recs.every((r) => (r.client_request.body as { stream?: unknown }).stream === undefined)).toBe(true);
    // the gateway still streams from the upstream, and records usage
    expect(recs.every((r) => (r.upstream_request as { stream: boolean }).stream === true)).toBe(true);
  });
});

describe('gemini (gemini-cli: run_shell_command), raw HTTP in the shape gemini-cli 0.61.0 sends', () => {
  // gemini-cli's shell, edit and write tools as it declares them (reference harness-more.md §2c)
  const functionDeclarations = [
    {
      name: 'run_shell_command',
      description: 'This tool executes a given shell command as `bash -c <command>`.',
      parametersJsonSchema: {
        type: 'object',
        properties: { command: { type: 'string' }, description: { type: 'string' }, dir_path: { type: 'string' }, is_background: { type: 'boolean' }, delay_ms: { type: 'integer' } },
        required: ['command'],
      },
    },
    {
      name: 'replace',
      description: 'Replaces text within a file.',
      parametersJsonSchema: {
        type: 'object',
        properties: { file_path: { type: 'string' }, instruction: { type: 'string' }, old_string: { type: 'string' }, new_string: { type: 'string' }, allow_multiple: { type: 'boolean' } },
        required: ['file_path', 'instruction', 'old_string', 'new_string'],
      },
    },
    {
      name: 'write_file',
      description: 'Writes content to a specified file.',
      parametersJsonSchema: { type: 'object', properties: { file_path: { type: 'string' }, content: { type: 'string' } }, required: ['file_path', 'content'] },
    },
  ];
  const base = {
    systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI, an interactive CLI agent specializing in software engineering tasks.' }] },
    tools: [{ functionDeclarations }],
    generationConfig: { temperature: 1, topP: 0.95, topK: 64, thinkingConfig: { includeThoughts: true } },
  };
  const prompt = { role: 'user', parts: [{ text: '<session_context>\nThis is the Gemini CLI.\n</session_context>' }, { text: task.problem_statement }] };
  const url = (s: SessionCredentials, action: string) => `${s.base_url.replace(/\/v1$/, '')}/v1beta/models/Qwen/Qwen3-Coder-30B-A3B-Instruct:${action}`;
  const headers = (s: SessionCredentials) => ({ 'x-goog-api-key': s.token });

  /** A streamed turn's events, shape-checked. */
  async function streamTurn(s: SessionCredentials, contents: unknown[]): Promise<Array<Record<string, any>>> {
    const report = checkGeminiStream(await rawSse(url(s, 'streamGenerateContent?alt=sse'), headers(s), { ...base, contents }));
    expect(report.problems).toEqual([]);
    return report.events.map((e) => e.data);
  }

  it('runs the tool loop over :streamGenerateContent, echoing the functionCall id back, and applies the gold patch', async () => {
    const s = session();
    const first = await streamTurn(s, [prompt]);
    const parts = first.flatMap((e) => e.candidates[0].content.parts) as Array<Record<string, any>>;
    const calls = parts.filter((p) => p.functionCall);
    expect(calls).toHaveLength(1);
    const call = calls[0]!.functionCall as { id: string; name: string; args: { command: string } };
    expect(call.name).toBe('run_shell_command');
    expect(call.id).toBeTruthy();
    expect(first.at(-1)!.candidates[0].finishReason).toBe('STOP');
    const output = runShell(call.args.command);
    expectGoldPatchApplied();

    // gemini-cli's history: the call part with its synthetic signature, then the response in its untrusted_context wrapper
    const wrapped = `<untrusted_context>\nOutput: ${output.trim() || '(empty)'}\nProcess Group PGID: 4242\n</untrusted_context>`;
    const contents = [
      prompt,
      { role: 'model', parts: [{ functionCall: call, thoughtSignature: 'skip_thought_signature_validator' }] },
      { role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: wrapped } } }] },
    ];
    const second = await streamTurn(s, contents);
    const text = second.flatMap((e) => e.candidates[0].content.parts).map((p: Record<string, any>) => p.text ?? '').join('');
    expect(text).toContain(`I applied the gold patch of ${task.instance_id}`);
    expect(second.at(-1)!.usageMetadata.totalTokenCount).toBeGreaterThan(0);
    expectGoldPatchApplied();
    expectRecords(s.session_id, 'gemini', wrapped);
    expect(records(s.session_id).map((r) => r.client_request.path)).toEqual(Array(2).fill(`/s/${s.session_id}/v1beta/models/Qwen/Qwen3-Coder-30B-A3B-Instruct:streamGenerateContent?alt=sse`));

    // the same two turns over non-streaming :generateContent
    const whole = session();
    const post = async (c: unknown[]) => {
      const res = await fetch(url(whole, 'generateContent'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers(whole) }, body: JSON.stringify({ ...base, contents: c }) });
      expect(res.status).toBe(200);
      return (await res.json()) as { candidates: Array<{ content: { parts: Array<Record<string, any>> }; finishReason: string }> };
    };
    const w1 = await post([prompt]);
    expect(w1.candidates[0]!.content.parts.map((p) => p.functionCall?.name)).toEqual(['run_shell_command']);
    const w2 = await post(contents);
    expect(w2.candidates[0]!.content.parts).toEqual([{ text: expect.stringContaining(`I applied the gold patch of ${task.instance_id}`) }]);
    expect(records(whole.session_id).map((r) => r.response?.finish_reason)).toEqual(['tool_calls', 'stop']);
  });
});

describe('the shape checkers reject broken streams (so the checks above can fail)', () => {
  it('flag a reordered, truncated or renumbered Responses stream', async () => {
    const s = session();
    const text = await rawSse(`${s.base_url}/responses`, { authorization: `Bearer ${s.token}` }, { model: 'm', input: 'hi', stream: true });
    expect(checkResponsesStream(text).problems).toEqual([]);
    const frames = text.split('\n\n').filter(Boolean);
    const join = (f: string[]) => `${f.join('\n\n')}\n\n`;
    expect(checkResponsesStream(join(frames.slice(0, -1))).problems.join('\n')).toMatch(/not a terminal response event/);
    expect(checkResponsesStream(join(frames.filter((f) => !f.startsWith('event: response.output_item.done')))).problems.join('\n')).toMatch(/output differs|still open/);
    expect(checkResponsesStream(join([frames[1]!, frames[0]!, ...frames.slice(2)])).problems.join('\n')).toMatch(/first event|does not increase/);
    expect(checkResponsesStream(text.replace('"sequence_number":3', '"sequence_number":1')).problems.join('\n')).toMatch(/does not increase/);
    expect(checkResponsesStream(text.replace(/("type":"response\.completed".*?)"cached_tokens":0/, '$1"cached":0')).problems.join('\n')).toMatch(/cached_tokens/);
    expect(checkResponsesStream(text.slice(0, -1)).problems.join('\n')).toMatch(/unterminated/);
  });

  it('flag an Anthropic stream with an unbalanced block or misplaced events', async () => {
    const s = session();
    const text = await rawSse(`${s.base_url}/messages`, { 'x-api-key': s.token }, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(checkMessagesStream(text).problems).toEqual([]);
    const frames = text.split('\n\n').filter(Boolean);
    const join = (f: string[]) => `${f.join('\n\n')}\n\n`;
    expect(checkMessagesStream(join(frames.filter((f) => !f.startsWith('event: content_block_stop')))).problems.join('\n')).toMatch(/still open/);
    expect(checkMessagesStream(join(frames.slice(0, -1))).problems.join('\n')).toMatch(/not message_stop/);
    expect(checkMessagesStream(join(frames.slice(1))).problems.join('\n')).toMatch(/not message_start/);
    expect(checkMessagesStream(text.replace('event: message_delta', 'event: message_deltaX')).problems.join('\n')).toMatch(/carries data.type/);
  });

  it('flag a chat stream without [DONE] or with two finish chunks', async () => {
    const s = session();
    const text = await rawSse(`${s.base_url}/chat/completions`, { authorization: `Bearer ${s.token}` }, { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(checkChatStream(text).problems).toEqual([]);
    expect(checkChatStream(text.replace('data: [DONE]\n\n', '')).problems.join('\n')).toMatch(/\[DONE\]/);
    const frames = text.split('\n\n').filter(Boolean);
    const finish = frames.find((f) => f.includes('"finish_reason":"stop"'))!;
    expect(checkChatStream(`${[finish, ...frames].join('\n\n')}\n\n`).problems.join('\n')).toMatch(/finish/);
  });

  it('flag a Gemini stream with [DONE], an event line, an early finishReason or a bad part', async () => {
    const s = session();
    const url = `${s.base_url.replace(/\/v1$/, '')}/v1beta/models/m:streamGenerateContent?alt=sse`;
    const text = await rawSse(url, { 'x-goog-api-key': s.token }, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    expect(checkGeminiStream(text).problems).toEqual([]);
    const frames = text.split('\n\n').filter(Boolean);
    const join = (f: string[]) => `${f.join('\n\n')}\n\n`;
    expect(checkGeminiStream(`${text}data: [DONE]\n\n`).problems.join('\n')).toMatch(/no \[DONE\]/);
    expect(checkGeminiStream(`event: message\n${text}`).problems.join('\n')).toMatch(/no event line/);
    expect(checkGeminiStream(join([frames.at(-1)!, ...frames])).problems.join('\n')).toMatch(/finishReason before the last event/);
    expect(checkGeminiStream(join(frames.slice(0, -1))).problems.join('\n')).toMatch(/no known finishReason/);
    expect(checkGeminiStream(text.replace('"text":', '"txt":')).problems.join('\n')).toMatch(/exactly one of text, functionCall/);
  });
});

describe('after all loops', () => {
  it('the upstream key never reached a record or a log line', () => {
    const written = gw.sessions.list().map((st) => readFileSync(st.records_path, 'utf8'));
    expect(written.join('').length).toBeGreaterThan(1000);
    expect(written.join('\n') + log).not.toContain(UPSTREAM_KEY);
    expect(log).toMatch(/openai_responses turn -> 200 ok/);
  });
});
