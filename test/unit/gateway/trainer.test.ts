// Trainer-owned inference over real HTTP: agents speaking each protocol (chat, Responses, Messages, Gemini) through
// the gateway, a trainer answering them through the pull API (long-poll, then the answer posted streamed or whole) or
// the library callback, with the built-in oracle model as its inference engine (over HTTP too). Also: cancellation
// when the agent goes away at every stage (nothing left in the queue or in flight, the trainer told), a timed-out
// request retried, and the prefix check finding deliberate retokenization drift at the right position.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type CompletionRecord, type GatewayHandle, type SessionCredentials } from '../../../src/gateway/index.js';
import { END_OF_TURN, SPECIAL_TOKENS, startModelServer, type ModelServer } from '../../../src/gateway/models/index.js';
import type { TrainerPoll } from '../../../src/gateway/trainer/pull.js';
import type { ChatObject, TrainerHandler, TrainerRequest } from '../../../src/gateway/trainer/types.js';
import { digestRecords } from '../../../src/run/records-digest.js';
import { HARNESS_TOOLS, makeTask } from '../models/helpers.js';

const task = makeTask('demo__calc-1');
let model: ModelServer;
let driftModel: ModelServer;
const dirs: string[] = [];

beforeAll(async () => {
  model = await startModelServer({ policy: 'oracle', tasks: [task] });
  driftModel = await startModelServer({ policy: 'oracle', tasks: [task], tokenizerDrift: true });
});
afterAll(async () => {
  await model?.close();
  await driftModel?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function recordsDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'gw-trainer-'));
  dirs.push(d);
  return d;
}

function records(gw: GatewayHandle, sessionId: string): CompletionRecord[] {
  return readFileSync(gw.sessions.recordsPath(sessionId)!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CompletionRecord);
}

// ---------------------------------------------------------------------------------------------------------------
// One first turn per client protocol, each advertising its harness's shell tool (the oracle answers with a call to it).

interface ClientCase {
  protocol: CompletionRecord['client_protocol'];
  shell: string;
  send(s: SessionCredentials, signal?: AbortSignal): Promise<Response>;
}

const post = (url: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
const bearer = (s: SessionCredentials) => ({ authorization: `Bearer ${s.token}` });
const fnTool = (name: string) => {
  const all = Object.values(HARNESS_TOOLS).flat() as Array<{ function: { name: string; parameters: Record<string, unknown> } }>;
  return all.find((t) => t.function.name === name)!.function;
};

const CLIENTS: ClientCase[] = [
  {
    protocol: 'openai_chat',
    shell: 'bash',
    send: (s, signal) =>
      post(`${s.base_url}/chat/completions`, bearer(s), { model: 'm', stream: true, tools: HARNESS_TOOLS['opencode bash'], messages: [{ role: 'system', content: 'You are opencode.' }, { role: 'user', content: task.problem_statement }] }, signal),
  },
  {
    protocol: 'openai_responses',
    shell: 'exec_command',
    send: (s, signal) =>
      post(
        `${s.base_url}/responses`,
        bearer(s),
        { model: 'm', stream: true, instructions: 'You are codex.', tools: [{ type: 'function', name: 'exec_command', strict: false, parameters: fnTool('exec_command').parameters }], input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: task.problem_statement }] }] },
        signal,
      ),
  },
  {
    protocol: 'anthropic_messages',
    shell: 'Bash',
    send: (s, signal) =>
      post(`${s.base_url}/messages`, { 'x-api-key': s.token }, { model: 'm', max_tokens: 1024, stream: true, system: 'You are Claude Code.', tools: [{ name: 'Bash', input_schema: fnTool('Bash').parameters }], messages: [{ role: 'user', content: task.problem_statement }] }, signal),
  },
  {
    protocol: 'gemini',
    shell: 'run_shell_command',
    send: (s, signal) =>
      post(
        `${s.base_url.replace(/\/v1$/, '')}/v1beta/models/m:streamGenerateContent?alt=sse`,
        { 'x-goog-api-key': s.token },
        {
          systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI.' }] },
          tools: [{ functionDeclarations: [{ name: 'run_shell_command', parametersJsonSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }] }],
          contents: [{ role: 'user', parts: [{ text: task.problem_statement }] }],
        },
        signal,
      ),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The trainer's side: its inference engine is the built-in oracle over HTTP.

/** Asks the engine for the canonical request, as a trainer's generate() would; streamed or whole. */
async function generate(r: TrainerRequest, stream: boolean, engine = model): Promise<Response> {
  const body: Record<string, unknown> = { ...r.request };
  if (!stream) {
    body.stream = false;
    delete body.stream_options;
  }
  const res = await post(`${engine.url}/chat/completions`, { 'x-swebench-instance-id': r.instance_id ?? '', 'x-swebench-session-id': r.session_id }, body);
  expect(res.status).toBe(200);
  return res;
}

/** Chunk objects of an SSE body, as an async iterable (the callback form's streamed answer). */
async function* sseObjects(res: Response): AsyncIterable<ChatObject> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(part, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i).replace(/^data: /, '');
      buf = buf.slice(i + 2);
      if (frame !== '[DONE]') yield JSON.parse(frame) as ChatObject;
    }
  }
}

class PullTrainer {
  constructor(private readonly gw: GatewayHandle) {}

  private get admin() {
    return { authorization: `Bearer ${this.gw.adminToken}` };
  }

  async poll(wait = 30): Promise<TrainerPoll> {
    const res = await fetch(`${this.gw.url}/admin/trainer/requests?wait=${wait}`, { headers: this.admin });
    expect(res.status).toBe(200);
    return (await res.json()) as TrainerPoll;
  }

  /** Polls until a request arrives (cancellations seen meanwhile are returned too). */
  async next(): Promise<{ request: TrainerRequest; cancelled: TrainerPoll['cancelled'] }> {
    const cancelled: TrainerPoll['cancelled'] = [];
    for (;;) {
      const p = await this.poll();
      cancelled.push(...p.cancelled);
      if (p.requests[0]) return { request: p.requests[0], cancelled };
    }
  }

  /** Posts an answer body (streamed as it is read when it is a stream). */
  answer(id: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
    return fetch(`${this.gw.url}/admin/trainer/requests/${id}/response`, { method: 'POST', headers: { ...this.admin, ...headers }, body, duplex: 'half' } as RequestInit);
  }

  /** Answers with the engine's output: streamed with the version in a header, or whole with it as a field. */
  async serve(r: TrainerRequest, stream: boolean, weightVersion: string | number): Promise<Response> {
    const res = await generate(r, stream);
    if (stream) return this.answer(r.id, res.body!, { 'content-type': 'text/event-stream', 'x-weight-version': String(weightVersion) });
    const whole = (await res.json()) as ChatObject;
    return this.answer(r.id, JSON.stringify({ ...whole, weight_version: weightVersion }), { 'content-type': 'application/json' });
  }

  async state(id: string): Promise<string> {
    const res = await fetch(`${this.gw.url}/admin/trainer/requests/${id}`, { headers: this.admin });
    return ((await res.json()) as { state: string }).state;
  }
}

function expectTrainerRecord(rec: CompletionRecord, r: TrainerRequest, c: ClientCase, weightVersion: string | number): void {
  expect(rec).toMatchObject({ status: 'ok', kind: 'turn', chain: 'main', chain_id: 'main', turn: 1, client_protocol: c.protocol, weight_version: weightVersion });
  expect(rec.attempts).toEqual([expect.objectContaining({ n: 1, status: 200, trainer_request_id: r.id })]);
  expect(rec.response?.tool_calls.map((t) => t.name)).toEqual([c.shell]);
  expect(rec.tokens!.prompt_ids.length).toBeGreaterThan(10);
  expect(rec.tokens!.completion_ids.length).toBeGreaterThan(5);
  expect(rec.tokens!.completion_logprobs).toHaveLength(rec.tokens!.completion_ids.length);
  expect(rec.prefix).toMatchObject({ verdict: 'first', parent_seq: null });
  expect(rec.upstream_request).toEqual(r.request);
}

describe('the pull API: a trainer answers every protocol over HTTP', () => {
  let gw: GatewayHandle;
  let trainer: PullTrainer;
  beforeAll(async () => {
    gw = await startGateway({ upstream: 'trainer', upstreamModel: 'policy', captureTokens: true, recordsDir: recordsDir() });
    trainer = new PullTrainer(gw);
  });
  afterAll(() => gw?.close({ graceMs: 0 }));

  for (const c of CLIENTS) {
    for (const stream of [true, false]) {
      it(`${c.protocol}: the trainer sees the canonical chat request and answers it ${stream ? 'streamed' : 'whole'}`, async () => {
        const s = gw.sessions.create({ instanceId: task.instance_id });
        const client = c.send(s);
        const { request: r } = await trainer.next();
        expect(r).toMatchObject({ session_id: s.session_id, instance_id: task.instance_id, seq: 1, turn: 1, attempt: 1, kind: 'turn', chain: 'main', client_protocol: c.protocol });
        expect(r.id).toMatch(/^treq_[0-9a-f]{24}$/);
        // translated before the trainer sees it: chat, the upstream model, and what --capture-tokens asks for
        expect(r.request).toMatchObject({ model: 'policy', stream: true, return_token_ids: true, logprobs: true });
        expect(r.request.messages.at(-1)).toMatchObject({ role: 'user' });
        expect(r.request.tools?.map((t) => t.function.name)).toContain(c.shell);

        const weightVersion = stream ? 'step-12' : 12;
        const answered = await trainer.serve(r, stream, weightVersion);
        expect(answered.status).toBe(200);
        expect(await answered.json()).toEqual({ ok: true, id: r.id });
        const res = await client;
        const text = await res.text();
        expect(res.status, text).toBe(200);
        expect(text).toContain(c.shell);
        expect(await trainer.state(r.id)).toBe('answered');
        const [rec] = records(gw, s.session_id);
        expectTrainerRecord(rec!, r, c, weightVersion);
      });
    }
  }

  it('refuses the trainer without the admin token, and an answer to an unknown request', async () => {
    expect((await fetch(`${gw.url}/admin/trainer/requests?wait=0`)).status).toBe(401);
    const res = await trainer.answer('treq_nope', '{}', { 'content-type': 'application/json' });
    expect(res.status).toBe(404);
    expect((await fetch(`${gw.url}/admin/trainer/requests?wait=999`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).status).toBe(400);
  });
});

describe('the library callback: startGateway({ upstream: async (request, ctx) => reply })', () => {
  let gw: GatewayHandle;
  const seen: TrainerRequest[] = [];
  const handler: TrainerHandler = async (r) => {
    seen.push(r);
    // odd seqs streamed (an async iterable of chunks), even ones whole (a chat.completion)
    const stream = seen.length % 2 === 1;
    const res = await generate(r, stream);
    if (!stream) return { ...((await res.json()) as ChatObject), weight_version: 'v-whole' };
    return (async function* () {
      for await (const chunk of sseObjects(res)) yield { ...chunk, weight_version: 'v-stream' };
    })();
  };
  beforeAll(async () => {
    gw = await startGateway({ upstream: handler, captureTokens: true, recordsDir: recordsDir() });
  });
  afterAll(() => gw?.close({ graceMs: 0 }));

  for (const [i, c] of CLIENTS.entries()) {
    for (const round of [0, 1]) {
      it(`${c.protocol}: the callback answers ${round === 0 ? 'streamed' : 'whole'}`, async () => {
        const s = gw.sessions.create({ instanceId: task.instance_id });
        const res = await c.send(s);
        const text = await res.text();
        expect(res.status, text).toBe(200);
        expect(text).toContain(c.shell);
        const r = seen.at(-1)!;
        expect(seen).toHaveLength(i * 2 + round + 1);
        expect(r).toMatchObject({ session_id: s.session_id, client_protocol: c.protocol, request: { model: 'trainer', return_token_ids: true } });
        const [rec] = records(gw, s.session_id);
        expectTrainerRecord(rec!, r, c, round === 0 ? 'v-stream' : 'v-whole');
      });
    }
  }
});

describe('an agent that goes away while the trainer holds its request', () => {
  let gw: GatewayHandle;
  let trainer: PullTrainer;
  beforeAll(async () => {
    gw = await startGateway({ upstream: 'trainer', captureTokens: true, recordsDir: recordsDir() });
    trainer = new PullTrainer(gw);
  });
  afterAll(() => gw?.close({ graceMs: 0 }));

  /** No completion in flight, nothing queued or untold, one error record (200 when the agent's stream had started). */
  async function expectNothingLeft(s: SessionCredentials, httpStatus = 499): Promise<CompletionRecord> {
    const status = await gw.sessions.settle(s.session_id);
    expect(status).toMatchObject({ in_flight: 0, record_count: 1, error_count: 1 });
    expect(await trainer.poll(0)).toEqual({ requests: [], cancelled: [] });
    const [rec] = records(gw, s.session_id);
    expect(rec).toMatchObject({ status: 'error', http_status: httpStatus, error: { kind: 'client_disconnected' } });
    return rec!;
  }

  it('taken, not answered: the waiting long-poll returns the cancellation, a late answer gets 409', async () => {
    const s = gw.sessions.create({ instanceId: task.instance_id });
    const agent = new AbortController();
    const client = CLIENTS[1]!.send(s, agent.signal).catch(() => undefined);
    const { request: r } = await trainer.next();
    const waiting = trainer.poll(60);
    agent.abort();
    await client;
    expect(await waiting).toEqual({ requests: [], cancelled: [{ id: r.id, reason: 'client_disconnected' }] });
    expect(await trainer.state(r.id)).toBe('cancelled');
    const late = await trainer.serve(r, true, 1);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ state: 'cancelled', error: { type: 'cancelled' } });
    await expectNothingLeft(s);
  });

  it('while the trainer streams its answer: the upload gets 409 and the trainer is told', async () => {
    const s = gw.sessions.create({ instanceId: task.instance_id });
    const agent = new AbortController();
    const client = CLIENTS[2]!.send(s, agent.signal);
    const { request: r } = await trainer.next();
    // the first chunk of a stream the trainer keeps open (its engine still generating)
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const upload = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
    const answering = trainer.answer(r.id, upload, { 'content-type': 'text/event-stream', 'x-weight-version': '3' });
    const first = { id: 'c1', object: 'chat.completion.chunk', model: 'policy', choices: [{ index: 0, delta: { role: 'assistant', content: 'Looking at it' }, finish_reason: null }] };
    push.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(first)}\n\n`));
    const res = await client;
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seenText = '';
    while (!seenText.includes('Looking at it')) seenText += new TextDecoder().decode((await reader.read()).value);
    const waiting = trainer.poll(60);
    agent.abort();
    const answered = await answering;
    expect(answered.status).toBe(409);
    expect(await answered.json()).toMatchObject({ state: 'cancelled' });
    push.close();
    expect(await waiting).toEqual({ requests: [], cancelled: [{ id: r.id, reason: 'client_disconnected' }] });
    await expectNothingLeft(s, 200);
  });

  it('still queued: it leaves the queue and the trainer never sees it', async () => {
    const s = gw.sessions.create({ instanceId: task.instance_id });
    const agent = new AbortController();
    const client = CLIENTS[0]!.send(s, agent.signal).catch(() => undefined);
    // the request is queued once the session has it in flight
    while (gw.sessions.get(s.session_id)!.in_flight === 0) await new Promise((r) => setImmediate(r));
    agent.abort();
    await client;
    await expectNothingLeft(s);
  });

  it('the callback form: the handler sees its signal fire', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let aborted: unknown;
    const cb = await startGateway({
      upstream: (_r, ctx) =>
        new Promise((_, reject) => {
          entered();
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            reject(new Error('generation aborted'));
          });
        }),
      recordsDir: recordsDir(),
    });
    try {
      const s = cb.sessions.create({ instanceId: task.instance_id });
      const agent = new AbortController();
      const client = CLIENTS[0]!.send(s, agent.signal).catch(() => undefined);
      await inHandler;
      agent.abort();
      await client;
      expect(await cb.sessions.settle(s.session_id)).toMatchObject({ in_flight: 0, record_count: 1 });
      expect(aborted).toBeDefined();
    } finally {
      await cb.close({ graceMs: 0 });
    }
  });
});

describe('a trainer that does not answer in time', () => {
  it('the attempt times out (the trainer is told), a new attempt is queued and its answer reaches the agent', async () => {
    const gw = await startGateway({ upstream: 'trainer', captureTokens: true, trainerTimeoutMs: 300, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 }, recordsDir: recordsDir() });
    try {
      const trainer = new PullTrainer(gw);
      const s = gw.sessions.create({ instanceId: task.instance_id });
      const client = CLIENTS[0]!.send(s);
      const first = await trainer.next();
      expect(first.request.attempt).toBe(1);
      const second = await trainer.next();
      expect(second.cancelled).toContainEqual({ id: first.request.id, reason: 'timeout' });
      expect(second.request).toMatchObject({ attempt: 2, seq: 1, session_id: s.session_id });
      expect((await trainer.serve(second.request, true, 'v2')).status).toBe(200);
      const res = await client;
      expect(res.status).toBe(200);
      await res.text();
      const [rec] = records(gw, s.session_id);
      expect(rec!.attempts.map((a) => [a.n, a.trainer_request_id])).toEqual([
        [1, first.request.id],
        [2, second.request.id],
      ]);
      expect(rec!.attempts[0]!.error).toMatch(/did not answer/);
      expect(rec).toMatchObject({ status: 'ok', weight_version: 'v2' });
    } finally {
      await gw.close({ graceMs: 0 });
    }
  });
});

describe('prefix consistency over a two-turn tool loop (chat, the oracle, --capture-tokens)', () => {
  /** Turn 1 (the oracle's tool call), the tool result sent back, turn 2 (its final answer); returns both records. */
  async function twoTurns(engine: ModelServer): Promise<{ recs: CompletionRecord[]; file: string }> {
    const gw = await startGateway({ upstreamUrl: engine.url, captureTokens: true, recordsDir: recordsDir() });
    try {
      const s = gw.sessions.create({ instanceId: task.instance_id });
      const messages: Array<Record<string, unknown>> = [
        { role: 'system', content: 'You are opencode.' },
        { role: 'user', content: task.problem_statement },
      ];
      const turn = async () => {
        const res = await post(`${s.base_url}/chat/completions`, bearer(s), { model: 'm', tools: HARNESS_TOOLS['opencode bash'], messages });
        expect(res.status).toBe(200);
        return ((await res.json()) as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]!.message;
      };
      const answer = await turn();
      const call = (answer.tool_calls as Array<{ id: string }>)[0]!;
      messages.push(answer, { role: 'tool', tool_call_id: call.id, content: 'patched calc.py' });
      await turn();
      const file = gw.sessions.recordsPath(s.session_id)!;
      await gw.sessions.settle(s.session_id);
      return { recs: records(gw, s.session_id), file };
    } finally {
      await gw.close({ graceMs: 0 });
    }
  }

  it('without drift, turn 2 extends turn 1 (prompt + completion ids are its prompt prefix)', async () => {
    const { recs, file } = await twoTurns(model);
    const [one, two] = recs;
    expect(two!.prefix).toEqual({ verdict: 'extends', parent_seq: 1, mismatch_at: null, parent_len: one!.tokens!.prompt_ids.length + one!.tokens!.completion_ids.length, parent_prompt_len: one!.tokens!.prompt_ids.length });
    expect(two!.tokens!.prompt_ids.slice(0, two!.prefix!.parent_len!)).toEqual([...one!.tokens!.prompt_ids, ...one!.tokens!.completion_ids]);
    expect((await digestRecords(file)).tokens).toEqual({ records: 2, missing: 0, prefix: { first: 1, extends: 1, diverges: 0, reset: 0 }, first_divergence: null });
  });

  it('with the drifting template, turn 2 diverges at the last token of turn 1 (its end of turn, re-rendered)', async () => {
    const { recs, file } = await twoTurns(driftModel);
    const [one, two] = recs;
    const parentLen = one!.tokens!.prompt_ids.length + one!.tokens!.completion_ids.length;
    expect(one!.tokens!.completion_ids.at(-1)).toBe(END_OF_TURN.id);
    expect(two!.prefix).toEqual({ verdict: 'diverges', parent_seq: 1, mismatch_at: parentLen - 1, parent_len: parentLen, parent_prompt_len: one!.tokens!.prompt_ids.length });
    expect(two!.tokens!.prompt_ids[parentLen - 1]).toBe(SPECIAL_TOKENS['\n']);
    expect((await digestRecords(file)).tokens).toEqual({
      records: 2,
      missing: 0,
      prefix: { first: 1, extends: 0, diverges: 1, reset: 0 },
      first_divergence: { seq: 2, chain_id: 'main', mismatch_at: parentLen - 1 },
    });
  });
});

describe('prompt logprobs (--prompt-logprobs)', () => {
  it('are asked for unstreamed (vLLM refuses them with stream: true), recorded per prompt token; the agent still streams', async () => {
    const gw = await startGateway({ upstreamUrl: model.url, captureTokens: true, promptLogprobs: 1, recordsDir: recordsDir() });
    try {
      const s = gw.sessions.create({ instanceId: task.instance_id });
      const res = await CLIENTS[0]!.send(s);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await res.text()).toContain('bash');
      await gw.sessions.settle(s.session_id);
      const [rec] = records(gw, s.session_id);
      expect(rec!.upstream_request).toMatchObject({ stream: false, prompt_logprobs: 1, return_token_ids: true });
      expect(rec!.upstream_request).not.toHaveProperty('stream_options');
      const lp = rec!.tokens!.prompt_logprobs!;
      expect(lp).toHaveLength(rec!.tokens!.prompt_ids.length);
      expect(lp[0]).toBeNull();
      expect(lp.slice(1).every((v) => typeof v === 'number' && v <= 0)).toBe(true);
      expect(rec!.response).not.toHaveProperty('prompt_logprobs');
    } finally {
      await gw.close({ graceMs: 0 });
    }
  });
});
