// The host half of the sealed agent network, over real sockets on this machine: the gateway's per-session Unix
// socket (only that session's paths are served) and the forwarder script (run by this node, as it runs in a
// container) in front of it — streaming, many connections at once, half-close, client hang-ups, big bodies.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionOfPath, type SessionSocket } from '../../../src/gateway/session-socket.js';
import { FORWARDER_SOURCE } from '../../../src/runtime/forwarder-source.js';
import { textStream } from '../../helpers/fake-upstream.js';
import { setup, type Harness } from '../gateway/core-setup.js';

/** GET/POST over a Unix socket; resolves with the status and body. */
function viaSocket(socketPath: string, p: string, opts: { token?: string; method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: p,
        method: opts.method ?? 'GET',
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function run(argv: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe('sealed network, host side', () => {
  let h: Harness;
  let tmp: string;
  let script: string;
  const pids: number[] = [];

  beforeAll(async () => {
    h = await setup();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'sealed-net-test-'));
    script = path.join(tmp, 'forward.mjs');
    writeFileSync(script, FORWARDER_SOURCE);
  });
  afterAll(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    }
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts a forwarder to the socket the way the pipeline does; returns its port. */
  async function forwarder(sock: SessionSocket, probe: string): Promise<number> {
    const port = await freePort();
    const r = await run([script, 'start', String(port), sock.path, probe, path.join(tmp, 'forwarder.log')]);
    expect(r.code, r.out).toBe(0);
    const m = /\(pid (\d+), probe HTTP (\d+)\)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    pids.push(Number(m![1]));
    expect(m![2]).toBe('401'); // the probe carries no token: the gateway answered, through the socket
    return port;
  }

  it('parses the session of a path as the router does', () => {
    expect(sessionOfPath('/s/abc/v1/chat/completions?x=1')).toBe('abc');
    expect(sessionOfPath('//s//abc//v1/models')).toBe('abc');
    expect(sessionOfPath('/s/a%62c/v1/models')).toBe('abc');
    expect(sessionOfPath('/healthz')).toBeUndefined();
    expect(sessionOfPath('/s/abc')).toBeUndefined();
    expect(sessionOfPath('/admin/sessions')).toBeUndefined();
  });

  it("a session's socket serves that session only: other sessions, /healthz and the admin API are refused", async () => {
    const mine = h.session();
    const other = h.session();
    const sock = await h.gw.sessionSockets.listen(mine.id);
    expect(path.basename(sock.path)).toBe('gateway.sock');
    expect(existsSync(sock.path)).toBe(true);

    expect((await viaSocket(sock.path, `/s/${mine.id}/v1/models`, { token: mine.token })).status).toBe(200);
    expect((await viaSocket(sock.path, `/s/${mine.id}/v1/models`)).status).toBe(401);
    // another session with its own valid token: refused before the router sees it
    const cross = await viaSocket(sock.path, `/s/${other.id}/v1/models`, { token: other.token });
    expect(cross.status).toBe(403);
    expect(cross.body).toContain(`serves session ${mine.id} only`);
    expect((await viaSocket(sock.path, `//s/${encodeURIComponent(other.id)}/v1/models`, { token: other.token })).status).toBe(403);
    expect((await viaSocket(sock.path, '/healthz')).status).toBe(403);
    expect((await viaSocket(sock.path, '/admin/sessions', { token: h.gw.adminToken })).status).toBe(403);
    // the same requests on the TCP port are served (the socket is the restriction)
    expect((await fetch(`${h.gw.url}/s/${other.id}/v1/models`, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(200);

    await h.gw.sessionSockets.close(mine.id);
    expect(existsSync(sock.dir)).toBe(false);
    await expect(viaSocket(sock.path, `/s/${mine.id}/v1/models`, { token: mine.token })).rejects.toThrow(/ENOENT/);
    await h.gw.sessionSockets.close(mine.id); // twice is fine
  });

  it('the forwarder carries streamed completions, many at once, to the session socket', async () => {
    const s = h.session();
    const sock = await h.gw.sessionSockets.listen(s.id);
    const port = await forwarder(sock, `/s/${s.id}/v1/models`);
    const client = new OpenAI({ apiKey: s.token, baseURL: `http://127.0.0.1:${port}/s/${s.id}/v1`, maxRetries: 0 });
    h.upstream.fallback = () => ({ kind: 'stream', events: textStream('hello through the forwarder', { pieces: 7 }), delayMs: 2 });
    const texts = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
        let text = '';
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
        return text;
      }),
    );
    expect(texts).toEqual(Array(24).fill('hello through the forwarder'));
    expect(h.records(s.id).filter((r) => r.status === 'ok')).toHaveLength(24);

    // a 2 MiB request body arrives whole (backpressure both ways)
    const big = 'x'.repeat(2 * 1024 * 1024);
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: big }] });
    expect(res.choices[0]?.message.content).toBe('hello through the forwarder');
    expect(h.upstream.requests.at(-1)!.body.messages[0].content).toHaveLength(big.length);
    await h.gw.sessionSockets.close(s.id);
  });

  it('passes a half-close on and a client hang-up through (the gateway records the disconnect)', async () => {
    const s = h.session();
    const sock = await h.gw.sessionSockets.listen(s.id);
    const port = await forwarder(sock, `/s/${s.id}/v1/models`);

    // half-close: the client sends its request and FIN at once, and still reads the whole answer
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
        c.end(`GET /s/${s.id}/v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.token}\r\nConnection: close\r\n\r\n`);
      });
      let got = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => (got += d));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"object":"list"');

    // hang-up mid-stream: the upstream stream is aborted and the record says the client went away
    h.upstream.script({ kind: 'stream', events: textStream('never ends', { pieces: 2 }), hang: true });
    const ac = new AbortController();
    const client = new OpenAI({ apiKey: s.token, baseURL: `http://127.0.0.1:${port}/s/${s.id}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await h.upstream.requests.at(-1)!.closed;
    expect(h.upstream.requests.at(-1)!.aborted).toBe(true);
    await h.gw.sessions.close(s.id);
    expect(h.records(s.id).at(-1)).toMatchObject({ status: 'error', error: { kind: 'client_disconnected' } });
    await h.gw.sessionSockets.close(s.id);
  });

  it('start fails with the reason when the socket is not there', async () => {
    const port = await freePort();
    const r = await run([script, 'start', String(port), path.join(tmp, 'missing.sock'), '/s/x/v1/models', path.join(tmp, 'f.log')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/forwarder: probe \/s\/x\/v1\/models failed/);
  });
});
