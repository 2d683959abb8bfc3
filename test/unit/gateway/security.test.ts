// Security acceptance, beyond what core-auth / core-admin / core-records already pin down:
// - the official SDKs see a foreign session's token refused as an authentication error on every route;
// - the admin token opens no session, a session token opens no admin route, and no admin route answers without
//   the admin token (status, records and close included);
// - session tokens work from every header a CLI uses on every route, and never travel upstream;
// - an upstream that echoes the gateway's Authorization header back, in every way an upstream can fail, never gets
//   the key (whole, or cut in half by a length limit) into a record, a log line or anything a client receives.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/gateway/index.js';
import { chunk, textStream, type Script } from '../../helpers/fake-upstream.js';
import { UPSTREAM_KEY, chatBody, postInit, setup, type Harness } from './core-setup.js';

const ADMIN = 'admin-token-security-suite';
let h: Harness;
let defaultFallback: Harness['upstream']['fallback'];
beforeAll(async () => {
  h = await setup({ adminToken: ADMIN, retry: { maxRetries: 1, initialDelayMs: 5, maxDelayMs: 10 } });
  defaultFallback = h.upstream.fallback;
});
afterAll(async () => {
  await h.close();
});

/** The random part of the key: no 8 characters of it in a row may appear anywhere (catches a key cut in half). */
const SECRET_PART = UPSTREAM_KEY.slice('sk-upstream-SECRET-'.length);
function leaks(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= SECRET_PART.length; i++) {
    const piece = SECRET_PART.slice(i, i + 8);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

/** Padding that puts the echoed `Bearer <key>` across a `limit`-character cut, 8 characters into its random part. */
const padToCut = (limit: number) => 'x'.repeat(limit - 'Bearer sk-upstream-SECRET-'.length - 8);

// Every completion route: where it is under a session and a body for it (Gemini streams by its URL, the rest by the body).
const ROUTES = {
  'chat/completions': { path: () => 'v1/chat/completions', body: (stream: boolean) => chatBody({ stream }) },
  responses: { path: () => 'v1/responses', body: (stream: boolean) => ({ model: 'client-model', input: 'hi', stream }) },
  messages: { path: () => 'v1/messages', body: (stream: boolean) => ({ model: 'client-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream }) },
  gemini: {
    path: (stream: boolean) => `v1beta/models/client-model:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: () => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  },
} as const;
type Route = keyof typeof ROUTES;
const ROUTE_NAMES = Object.keys(ROUTES) as Route[];

/** The URL of a route in a session (its base URL ends in `/v1`). */
function routeUrl(s: { baseURL: string }, route: Route, stream: boolean): string {
  return `${s.baseURL.replace(/\/v1$/, '')}/${ROUTES[route].path(stream)}`;
}

/** fetchText that keeps what arrived when the gateway cuts the connection (Gemini's failure after output). */
async function fetchUntilCut(url: string, init: RequestInit): Promise<{ status: number; text: string; headers: Headers; cut: boolean }> {
  const res = await fetch(url, init);
  const decoder = new TextDecoder();
  let text = '';
  let cut = false;
  try {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(piece, { stream: true });
  } catch {
    cut = true;
  }
  h.seen.push(text);
  return { status: res.status, text, headers: res.headers, cut };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('session tokens through the real SDKs', () => {
  it('a foreign session token is an AuthenticationError on chat, Responses, Messages and models', async () => {
    const mine = h.session();
    const other = h.session();
    const before = h.upstream.requests.length;
    const openai = new OpenAI({ apiKey: other.token, baseURL: mine.baseURL, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: other.token, baseURL: mine.baseURL.replace(/\/v1$/, ''), maxRetries: 0 });
    const bearerAnthropic = new Anthropic({ authToken: other.token, apiKey: null, baseURL: mine.baseURL.replace(/\/v1$/, ''), maxRetries: 0 });
    const messages = { model: 'claude-x', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hi' }] };

    // each call, the error class the SDK must raise, and the fields it must have parsed from the protocol's error body
    const chatShape = { code: 'authentication' };
    const responsesShape = { code: 'invalid_api_key', type: 'authentication_error' };
    const anthropicShape = { error: { type: 'error', error: { type: 'authentication_error' } } };
    const calls: Array<[string, () => Promise<unknown>, typeof OpenAI.AuthenticationError | typeof Anthropic.AuthenticationError, Record<string, unknown>]> = [
      ['chat', () => openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.AuthenticationError, chatShape],
      ['chat stream', () => openai.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion(), OpenAI.AuthenticationError, chatShape],
      ['responses', () => openai.responses.create({ model: 'm', input: 'hi' }), OpenAI.AuthenticationError, responsesShape],
      ['responses stream', () => openai.responses.stream({ model: 'm', input: 'hi' }).finalResponse(), OpenAI.AuthenticationError, responsesShape],
      ['models', () => openai.models.list(), OpenAI.AuthenticationError, chatShape],
      ['messages (x-api-key)', () => anthropic.messages.create(messages), Anthropic.AuthenticationError, anthropicShape],
      ['messages stream (x-api-key)', () => anthropic.messages.stream(messages).finalMessage(), Anthropic.AuthenticationError, anthropicShape],
      ['messages (Bearer)', () => bearerAnthropic.messages.create(messages), Anthropic.AuthenticationError, anthropicShape],
    ];
    for (const [name, call, errorClass, shape] of calls) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(errorClass);
      expect(err, name).toMatchObject({ status: 401, ...shape });
      expect((err as Error).message, name).toMatch(/invalid or missing token for session/);
    }
    expect(h.upstream.requests.length).toBe(before);
    expect(h.records(mine.id)).toHaveLength(0);
    expect(h.records(other.id)).toHaveLength(0);
  });

  it('the token works from Authorization, x-api-key and x-goog-api-key on every completion route', async () => {
    const s = h.session();
    let n = 0;
    for (const route of ROUTE_NAMES) {
      const variants: Array<Record<string, string>> = [{ authorization: `Bearer ${s.token}` }, { 'x-api-key': s.token }, { 'x-goog-api-key': s.token }];
      for (const headers of variants) {
        const r = await h.fetchText(routeUrl(s, route, false), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(ROUTES[route].body(false)) });
        expect(r.status, `${route} ${Object.keys(headers)[0]}`).toBe(200);
        n++;
      }
    }
    expect(h.records(s.id)).toHaveLength(n);
    const models = await h.fetchText(`${s.baseURL}/models`, { headers: { 'x-goog-api-key': s.token } });
    expect(models.status).toBe(200);
  });

  it('client credentials never travel upstream: the upstream sees only the gateway key', async () => {
    const s = h.session();
    const from = h.upstream.requests.length;
    for (const route of ROUTE_NAMES) {
      const r = await h.fetchText(routeUrl(s, route, true), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${s.token}`,
          'x-api-key': s.token,
          'x-goog-api-key': s.token,
          cookie: `session=${s.token}`,
          'proxy-authorization': `Basic ${s.token}`,
        },
        body: JSON.stringify(ROUTES[route].body(true)),
      });
      expect(r.status).toBe(200);
    }
    const sent = h.upstream.requests.slice(from);
    expect(sent).toHaveLength(ROUTE_NAMES.length);
    for (const q of sent) {
      expect(q.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      for (const name of ['x-api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization']) expect(q.headers[name]).toBeUndefined();
      expect(JSON.stringify(q.headers) + JSON.stringify(q.body)).not.toContain(s.token);
    }
  });
});

describe('admin API guard', () => {
  it('the admin token opens no session', async () => {
    const s = h.session();
    for (const route of ROUTE_NAMES) {
      const r = await h.fetchText(routeUrl(s, route, false), postInit(ADMIN, ROUTES[route].body(false)));
      expect(r.status, route).toBe(401);
    }
    expect(h.records(s.id)).toHaveLength(0);
  });

  it('no admin route answers without the admin token: status, records and close included', async () => {
    const s = h.session();
    const ok = await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody()));
    expect(ok.status).toBe(200);
    const sessionsBefore = h.gw.sessions.list().length;
    const routes: Array<[string, string]> = [
      ['GET', '/admin/sessions'],
      ['POST', '/admin/sessions'],
      ['GET', `/admin/sessions/${s.id}`],
      ['GET', `/admin/sessions/${s.id}/records`],
      ['POST', `/admin/sessions/${s.id}/close`],
      ['GET', '/admin/nope'],
      ['GET', `/admin/sessions/${s.id}/records?token=${ADMIN}`],
    ];
    const badHeaders: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${s.token}` },
      { authorization: `Bearer ${ADMIN}x` },
      { authorization: `Bearer ${ADMIN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}` },
      { 'x-api-key': ADMIN },
      { 'x-goog-api-key': ADMIN },
      { cookie: `token=${ADMIN}` },
    ];
    for (const [method, url] of routes) {
      for (const headers of badHeaders) {
        const what = `${method} ${url} ${JSON.stringify(Object.keys(headers))}`;
        const r = await h.fetchText(`${h.gw.url}${url}`, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(r.status, what).toBe(401);
        expect(r.headers.get('www-authenticate'), what).toBe('Bearer');
        expect(JSON.parse(r.text).error.type, what).toBe('authentication_error');
        expect(r.text, what).not.toContain('hello from upstream');
      }
    }
    expect(h.gw.sessions.list()).toHaveLength(sessionsBefore);
    expect(h.gw.sessions.get(s.id)!.status).toBe('open');
    // the positive control: the same routes with the admin token
    const admin = { authorization: `Bearer ${ADMIN}` };
    const records = await h.fetchText(`${h.gw.url}/admin/sessions/${s.id}/records`, { headers: admin });
    expect(records.status).toBe(200);
    expect(records.text).toContain('hello from upstream');
    expect((await h.fetchText(`${h.gw.url}/admin/sessions/${s.id}/close`, { method: 'POST', headers: admin })).status).toBe(200);
    expect(h.gw.sessions.get(s.id)!.status).toBe('closed');
  });
});

// Upstream behaviours that put the Authorization header they received into what they send back.
const ECHOES: Record<string, { script: (auth: string) => Script; inStream?: true }> = {
  '401 JSON error': { script: (a) => ({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${a}`, type: 'invalid_request_error', code: 'invalid_api_key' } } }) },
  '403 text body': { script: (a) => ({ kind: 'status', status: 403, body: `forbidden for ${a}` }) },
  '401 with the key at the message length limit': { script: (a) => ({ kind: 'status', status: 401, body: { error: { message: `${padToCut(4000)}${a}` } } }) },
  '400 vLLM error': { script: (a) => ({ kind: 'status', status: 400, body: { object: 'error', message: `bad request (auth ${a})`, type: 'BadRequestError', param: null, code: 400 } }) },
  '400 context length': {
    script: (a) => ({
      kind: 'status',
      status: 400,
      body: { object: 'error', message: `This model's maximum context length is 100 tokens. However, you requested 200 tokens (190 in the messages, 10 in the completion). ${a}`, type: 'BadRequestError', code: 400 },
    }),
  },
  '503, retried': { script: (a) => ({ kind: 'status', status: 503, body: { error: { message: `overloaded, ${a}` } } }) },
  '429 with retry-after, retried': { script: (a) => ({ kind: 'status', status: 429, body: { error: { message: `slow down ${a}` } }, headers: { 'retry-after': '0' } }) },
  '500 plain text': { script: (a) => ({ kind: 'status', status: 500, body: `Internal Server Error\nAuthorization: ${a}` }) },
  'error object in a 200 stream, before output': { script: (a) => ({ kind: 'stream', events: [chunk({ role: 'assistant', content: '' }), { error: { message: `boom ${a}`, code: 500 } }] }) },
  'error object in a 200 stream, after output': {
    inStream: true,
    script: (a) => ({ kind: 'stream', events: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'partial answer' }), { error: { message: `boom ${a}`, type: 'InternalServerError', code: 500 } }] }),
  },
  'malformed stream event': { script: (a) => ({ kind: 'stream', events: [chunk({ role: 'assistant', content: '' }), `data: not json ${a}\n\n`] }) },
  'malformed stream event with the key at the excerpt limit': { script: (a) => ({ kind: 'stream', events: [chunk({ role: 'assistant', content: '' }), `data: ${padToCut(200)}${a}\n\n`] }) },
  'error object in a 200 JSON body': { script: (a) => ({ kind: 'json', body: { error: { message: `json error for ${a}` } } }) },
};

describe('an upstream that echoes the gateway key', () => {
  it('never gets the key into a client response, a record or a log line, whatever it echoes it in', async () => {
    const s = h.session();
    const from = h.upstream.requests.length;
    let n = 0;
    for (const [name, echo] of Object.entries(ECHOES)) {
      h.upstream.fallback = (req) => echo.script(String(req.headers.authorization));
      for (const route of ROUTE_NAMES) {
        for (const stream of [false, true]) {
          const what = `${name} / ${route} / stream ${stream}`;
          const r = await fetchUntilCut(routeUrl(s, route, stream), postInit(s.token, ROUTES[route].body(stream)));
          h.seen.push(JSON.stringify([...r.headers]));
          n++;
          // an error reached the client: an HTTP error, or (once output was streamed) an in-stream error or, for
          // Gemini, a cut connection
          if (echo.inStream && stream) {
            expect(r.status, what).toBe(200);
            if (route === 'gemini') expect(r.cut, what).toBe(true);
            else expect(r.text, what).toMatch(/error|failed/);
          } else {
            expect(r.status, what).toBeGreaterThanOrEqual(400);
          }
          expect(leaks(r.text), what).toEqual([]);
        }
      }
    }
    h.upstream.fallback = defaultFallback;

    // the key really was sent, and really came back
    const sent = h.upstream.requests.slice(from);
    expect(sent.length).toBeGreaterThanOrEqual(n);
    expect(sent.every((q) => q.headers.authorization === `Bearer ${UPSTREAM_KEY}`)).toBe(true);
    const recs = h.records(s.id);
    expect(recs).toHaveLength(n);
    expect(recs.every((r) => r.status === 'error' && JSON.stringify(r).includes('[REDACTED]'))).toBe(true);
    expect(recs.some((r) => r.attempts.length === 2)).toBe(true); // 503 / 429 were retried, and echoed twice
  });

  it('a model-discovery failure that echoes the key does not put it in the error', async () => {
    const echo = createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}` } }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      const err = (await startGateway({ upstreamUrl: url, upstreamApiKey: UPSTREAM_KEY }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { message: string; hint?: string; stack?: string } | undefined;
      expect(err?.message).toMatch(/HTTP 401: Incorrect API key provided: Bearer \[REDACTED\]/);
      h.seen.push(`${err?.message}\n${err?.hint}\n${err?.stack}`);
    } finally {
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });

  it('the grep: no piece of the key in any records file, log line or response body of this suite', () => {
    const written = filesUnder(h.recordsDir).map((f) => readFileSync(f, 'utf8'));
    expect(written.length).toBeGreaterThan(3);
    const everything = [...written, h.logs(), ...h.seen].join('\n');
    expect(everything.length).toBeGreaterThan(50_000);
    expect(everything).not.toContain(UPSTREAM_KEY);
    expect(leaks(everything)).toEqual([]);
    expect(everything).toContain('Bearer [REDACTED]');
    expect(h.logs()).not.toContain(ADMIN);
  });
});
