// The Gemini route through the real gateway over HTTP on 127.0.0.1, against the scripted fake upstream: the requests
// gemini-cli sends (x-goog-api-key, `:streamGenerateContent?alt=sse`, a model id with `/` in the path) and the edge
// cases every translated route meets. Statuses and codes follow gemini-cli 0.61.0's retry rules (429/499/5xx retried,
// everything else final); a failure after output aborts the connection, since gemini-cli ignores in-stream errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionRecord } from '../../../src/gateway/index.js';
import { checkGeminiStream } from '../../helpers/protocol-shapes.js';
import { chunk, reasoningOnlyStream, textStream, toolCallStream } from '../../helpers/fake-upstream.js';
import { setup, type Harness } from './core-setup.js';

type Json = Record<string, any>;
type Session = ReturnType<Harness['session']>;

let h: Harness;
beforeAll(async () => {
  h = await setup(); // 2 gateway retries, 10–40 ms backoff
});
afterAll(async () => {
  await h.close();
});

const MODEL = 'Qwen/Qwen3-Coder-30B-A3B-Instruct'; // gemini-cli puts GEMINI_MODEL into the path raw
const CONTEXT_400 = {
  object: 'error',
  message:
    "This model's maximum context length is 16384 tokens. However, you requested 122946 tokens (112946 in the messages, 10000 in the completion). Please reduce the length of the messages or completion.",
  type: 'BadRequestError',
  param: null,
  code: 400,
};
const BROKEN_STREAM = { kind: 'stream' as const, events: textStream('partial answer that breaks', { pieces: 4 }), disconnectAfter: 3 };

function geminiBody(extra: Json = {}): Json {
  return {
    contents: [{ role: 'user', parts: [{ text: '<session_context>…</session_context>' }, { text: 'hi' }] }],
    systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI.' }] },
    generationConfig: { temperature: 1, topP: 0.95, topK: 64, thinkingConfig: { includeThoughts: true } },
    ...extra,
  };
}

function geminiUrl(s: Session, stream: boolean, model = MODEL): string {
  const root = s.baseURL.replace(/\/v1$/, '');
  return `${root}/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}

// gemini-cli's headers: the key in x-goog-api-key, its user agent and client header
function headers(token: string): Record<string, string> {
  return {
    'x-goog-api-key': token,
    'content-type': 'application/json',
    'user-agent': 'GeminiCLI-tui/0.61.0/Qwen/Qwen3-Coder-30B-A3B-Instruct (linux; x64; terminal)',
    'x-goog-api-client': 'google-genai-sdk/1.30.0 gl-node/v20.20.2',
  };
}

function post(s: Session, stream: boolean, body: Json = geminiBody(), token = s.token) {
  return h.fetchText(geminiUrl(s, stream), { method: 'POST', headers: headers(token), body: JSON.stringify(body) });
}

/** Reads a response until it ends or the connection is cut: what arrived, and whether it was cut. */
async function readToAbort(s: Session, body: Json = geminiBody()): Promise<{ status: number; text: string; aborted: boolean }> {
  const res = await fetch(geminiUrl(s, true), { method: 'POST', headers: headers(s.token), body: JSON.stringify(body) });
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(piece, { stream: true });
    return { status: res.status, text, aborted: false };
  } catch {
    return { status: res.status, text, aborted: true };
  }
}

function events(text: string): Json[] {
  const r = checkGeminiStream(text);
  expect(r.problems).toEqual([]);
  return r.events.map((e) => e.data);
}

/** The events of a stream cut short: conforming except that no event ends it. */
function cutEvents(text: string): Json[] {
  const r = checkGeminiStream(text);
  expect(r.problems.filter((p) => !/last event has no known finishReason/.test(p))).toEqual([]);
  return r.events.map((e) => e.data);
}

const streamedText = (evs: Json[]) =>
  evs
    .flatMap((e) => e.candidates[0].content.parts)
    .filter((p: Json) => typeof p.text === 'string' && !p.thought)
    .map((p: Json) => p.text)
    .join('');

function hits(): number {
  return h.upstream.requests.length;
}

function onlyRecord(s: Session): CompletionRecord {
  const recs = h.records(s.id);
  expect(recs).toHaveLength(1);
  return recs[0]!;
}

describe('1. the route, streaming and not', () => {
  it('streams text as Gemini SSE, answers a whole GenerateContentResponse, records client_protocol gemini', async () => {
    const s = h.session();
    const r = await post(s, true);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const evs = events(r.text);
    expect(streamedText(evs)).toBe('hello from upstream');
    expect(evs.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 }, modelVersion: 'upstream-model' });

    const whole = await post(s, false);
    expect(whole.status).toBe(200);
    expect(JSON.parse(whole.text)).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'hello from upstream' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { totalTokenCount: 18 },
    });

    const recs = h.records(s.id);
    expect(recs.map((x) => [x.client_protocol, x.kind, x.status, x.http_status])).toEqual(Array(2).fill(['gemini', 'turn', 'ok', 200]));
    expect(recs[0]!.client_request.path).toBe(`/s/${s.id}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    expect(recs[0]!.client_request.headers).not.toHaveProperty('x-goog-api-key');
    expect(recs[0]!.upstream_request).toMatchObject({
      model: 'upstream-model',
      stream: true,
      temperature: 1,
      top_p: 0.95,
      messages: [
        { role: 'system', content: 'You are Gemini CLI.' },
        { role: 'user', content: '<session_context>…</session_context>\nhi' },
      ],
    });
    expect(recs[0]!.upstream_request).not.toHaveProperty('top_k');
  });

  it('a tool call reaches gemini-cli as a functionCall with the upstream id; the recorded kind of a compression is compaction', async () => {
    const s = h.session();
    h.upstream.script({ kind: 'stream', events: toolCallStream('run_shell_command', '{"command": "ls"}') });
    const evs = events((await post(s, true)).text);
    expect(evs.at(-1)!.candidates[0].content.parts).toEqual([{ functionCall: { id: 'call_fake1', name: 'run_shell_command', args: { command: 'ls' } } }]);

    // compression goes to :generateContent with a hard-coded model in the URL, which is ignored
    const compress = geminiBody({ systemInstruction: { parts: [{ text: 'You are a specialized system component responsible for distilling chat history into a structured XML <state_snapshot>.' }] } });
    const url = geminiUrl(s, false, 'gemini-3-pro-preview');
    expect((await h.fetchText(url, { method: 'POST', headers: headers(s.token), body: JSON.stringify(compress) })).status).toBe(200);
    expect(h.records(s.id).map((r) => [r.kind, r.response?.finish_reason])).toEqual([
      ['turn', 'tool_calls'],
      ['compaction', 'stop'],
    ]);
    expect(h.upstream.requests.at(-1)!.body.model).toBe('upstream-model');
  });
});

describe('2. edge cases', () => {
  it('finish_reason length → MAX_TOKENS, streaming and not', async () => {
    const s = h.session();
    for (const stream of [true, false]) {
      h.upstream.script({ kind: 'stream', events: textStream('cut off here', { finish: 'length' }) });
      const r = await post(s, stream);
      const last = stream ? events(r.text).at(-1)! : JSON.parse(r.text);
      expect(last.candidates[0].finishReason).toBe('MAX_TOKENS');
    }
    expect(h.records(s.id).map((r) => r.response?.finish_reason)).toEqual(['length', 'length']);
  });

  it('reasoning-only output is retried once silently: the client sees only the real answer', async () => {
    const s = h.session();
    const before = hits();
    h.upstream.script({ kind: 'stream', events: reasoningOnlyStream() }, { kind: 'stream', events: textStream('real answer', { reasoning: 'ok', pieces: 1 }) });
    const r = await post(s, true);
    expect(r.text).not.toContain('let me think');
    const evs = events(r.text);
    expect(streamedText(evs)).toBe('real answer');
    expect(evs[0]!.candidates[0].content.parts).toEqual([{ text: 'ok', thought: true }]);
    expect(hits() - before).toBe(2);
    expect(onlyRecord(s)).toMatchObject({ status: 'ok', attempts: [{ n: 1, discarded: true }, { n: 2, status: 200 }] });
  });

  it('reasoning-only twice → streaming: a lone in-stream error (an empty answer to gemini-cli); not streaming: 502 UNAVAILABLE', async () => {
    const s = h.session();
    h.upstream.script(...Array(4).fill({ kind: 'stream', events: reasoningOnlyStream() }));
    const streamed = await post(s, true);
    expect(streamed.status).toBe(200);
    expect(streamed.text).not.toContain('let me think');
    expect(events(streamed.text)).toEqual([{ error: { code: 502, status: 'UNAVAILABLE', message: expect.stringMatching(/reasoning but neither an answer nor a tool call/) } }]);
    const whole = await post(s, false);
    expect(whole.status).toBe(502);
    expect(JSON.parse(whole.text)).toEqual({ error: { code: 502, status: 'UNAVAILABLE', message: expect.stringMatching(/reasoning but neither/) } });
    expect(h.records(s.id).map((x) => [x.error?.kind, x.attempts.length])).toEqual(Array(2).fill(['empty_output', 2]));
  });

  it('vLLM context-length 400 → 400 INVALID_ARGUMENT in the Gemini API\'s wording, not retried', async () => {
    const s = h.session();
    for (const stream of [true, false]) {
      const before = hits();
      h.upstream.script({ kind: 'status', status: 400, body: CONTEXT_400 });
      const r = await post(s, stream);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'The input token count (112946) exceeds the maximum number of tokens allowed (16384).' } });
      expect(hits() - before).toBe(1);
    }
    expect(h.records(s.id).map((x) => x.error?.kind)).toEqual(['context_length_exceeded', 'context_length_exceeded']);
  });

  const upstreamFailures = [
    { upstream: 429, client: 429, status: 'RESOURCE_EXHAUSTED' },
    { upstream: 503, client: 503, status: 'UNAVAILABLE' },
    { upstream: 500, client: 502, status: 'UNAVAILABLE' },
  ];
  for (const c of upstreamFailures) {
    it(`upstream ${c.upstream}: 3 upstream hits (2 retries), then ${c.client} ${c.status} (which gemini-cli retries itself)`, async () => {
      const s = h.session();
      for (const stream of [true, false]) {
        const before = hits();
        h.upstream.script(...[1, 2, 3].map(() => ({ kind: 'status' as const, status: c.upstream, body: { error: { message: `boom ${c.upstream}` } } })));
        const r = await post(s, stream);
        expect(hits() - before).toBe(3);
        expect(r.status).toBe(c.client);
        expect(JSON.parse(r.text)).toEqual({ error: { code: c.client, status: c.status, message: `boom ${c.upstream}` } });
      }
    });
  }

  it('upstream drop mid-stream after text: the connection is aborted (no error event), the record says stream_interrupted', async () => {
    const s = h.session();
    const before = hits();
    h.upstream.script(BROKEN_STREAM);
    const r = await readToAbort(s);
    expect(r).toMatchObject({ status: 200, aborted: true });
    expect(streamedText(cutEvents(r.text))).toBe('partial answer');
    expect(r.text).not.toContain('"error"');
    expect(r.text).not.toContain('finishReason');
    expect(hits() - before).toBe(1); // the client saw bytes: no retry
    expect(onlyRecord(s)).toMatchObject({ status: 'error', http_status: 200, error: { kind: 'stream_interrupted' } });
  });

  it('an upstream error object inside the stream after text also aborts the connection, after the text', async () => {
    const s = h.session();
    // one write, so one gateway read: the text is still unsent when the failure comes
    const sameRead = `data: ${JSON.stringify(chunk({ role: 'assistant', content: 'some text' }))}\n\ndata: ${JSON.stringify({ error: { message: 'tool parser crashed', code: 500 } })}\n\n`;
    h.upstream.script({ kind: 'stream', events: [sameRead] });
    const r = await readToAbort(s);
    expect(r).toMatchObject({ status: 200, aborted: true });
    // the text came in the same upstream read as the error: it still reaches the client before the cut
    expect(streamedText(cutEvents(r.text))).toBe('some text');
    expect(onlyRecord(s)).toMatchObject({ status: 'error', error: { kind: 'upstream_error', message: 'tool parser crashed' } });
  });

  it('a non-streaming client saw nothing yet: the broken attempt is retried and it gets the whole answer', async () => {
    const s = h.session();
    const before = hits();
    h.upstream.script(BROKEN_STREAM);
    const r = await post(s, false);
    expect(JSON.parse(r.text).candidates[0].content.parts).toEqual([{ text: 'hello from upstream' }]);
    expect(hits() - before).toBe(2);
  });
});

describe('3. sessions, tokens and routes in Google\'s error shape', () => {
  it('a foreign or missing token: 401 UNAUTHENTICATED, no upstream call, no record in either session', async () => {
    const mine = h.session();
    const other = h.session();
    const before = hits();
    for (const token of [other.token, '']) {
      const r = await post(mine, true, geminiBody(), token);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text)).toEqual({ error: { code: 401, status: 'UNAUTHENTICATED', message: expect.stringMatching(/x-goog-api-key/) } });
      expect(r.text).not.toContain(other.token);
    }
    expect(hits()).toBe(before);
    expect([h.records(mine.id), h.records(other.id)]).toEqual([[], []]);
  });

  it('the completion cap → 400 FAILED_PRECONDITION, a closed session → 403 PERMISSION_DENIED: final for gemini-cli, nothing upstream', async () => {
    const s = h.session({ maxCompletions: 1 });
    expect((await post(s, true)).status).toBe(200);
    const before = hits();
    for (const stream of [true, false]) {
      const r = await post(s, stream);
      expect([r.status, JSON.parse(r.text)]).toEqual([400, { error: { code: 400, status: 'FAILED_PRECONDITION', message: expect.stringMatching(/completion cap \(1/) } }]);
    }
    await h.gw.sessions.close(s.id);
    const closed = await post(s, true);
    expect([closed.status, JSON.parse(closed.text)]).toEqual([403, { error: { code: 403, status: 'PERMISSION_DENIED', message: expect.stringMatching(/is closed/) } }]);
    expect(hits()).toBe(before);
    expect(h.records(s.id)).toHaveLength(1);
  });

  it('unknown v1beta paths and sessions → 404 NOT_FOUND; another method → 405', async () => {
    const s = h.session();
    const root = s.baseURL.replace(/\/v1$/, '');
    const get = (url: string, init: RequestInit = {}) => h.fetchText(url, { headers: headers(s.token), ...init });
    const countTokens = await get(`${root}/v1beta/models/${MODEL}:countTokens`, { method: 'POST', body: '{}' });
    expect([countTokens.status, JSON.parse(countTokens.text)]).toEqual([404, { error: { code: 404, status: 'NOT_FOUND', message: `the gateway does not serve /v1beta/models/${MODEL}:countTokens` } }]);
    expect((await get(`${root}/v1beta/models`)).status).toBe(404);
    const wrongMethod = await get(geminiUrl(s, true));
    expect([wrongMethod.status, JSON.parse(wrongMethod.text).error.status]).toEqual([405, 'INVALID_ARGUMENT']);
    const unknown = await h.fetchText(`${root.replace(s.id, 'nope')}/v1beta/models/m:generateContent`, { method: 'POST', headers: headers(s.token), body: '{}' });
    expect([unknown.status, JSON.parse(unknown.text)]).toEqual([404, { error: { code: 404, status: 'NOT_FOUND', message: 'unknown session nope' } }]);
  });

  it('a malformed body → 400 INVALID_ARGUMENT naming the field, recorded, nothing upstream', async () => {
    const s = h.session();
    const before = hits();
    const r = await post(s, true, { contents: [{ role: 'user', parts: [{}] }] });
    expect([r.status, JSON.parse(r.text)]).toEqual([400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/^body\.contents\[0\]\.parts\[0\]: expected a part/) } }]);
    expect(hits()).toBe(before);
    expect(onlyRecord(s)).toMatchObject({ client_protocol: 'gemini', status: 'error', http_status: 400, error: { kind: 'invalid_request' } });
  });
});
