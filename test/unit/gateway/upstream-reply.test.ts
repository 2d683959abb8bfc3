// The dispatch-API upstream reply (no Readable per response) against a real HTTP server on 127.0.0.1:
// paused bodies, capped error bodies, aborts before the headers, and bodies that break.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSseReply } from '../../../src/gateway/sse.js';
import { dispatchReply } from '../../../src/gateway/upstream-reply.js';

let server: http.Server;
let pool: Pool;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-many': ['a', 'b'] });
      res.write('data: {"n":1}\n\n');
      setTimeout(() => res.end('data: {"n":2}\n\ndata: [DONE]\n\n'), 20);
    } else if (req.url === '/big') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(1_000_000));
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 5000).unref();
    } else if (req.url === '/reads') {
      // Three network reads: two events, one event, then a last event without its blank line.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\ndata: 2\n\n');
      setTimeout(() => res.write('data: 3\n\n'), 40);
      setTimeout(() => res.end('data: 4'), 80);
    } else if (req.url === '/utf8') {
      // every byte its own write, a few ms apart: multi-byte characters cut across network reads
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from('data: 日本語 ✓\n\ndata: [DONE]\n\n', 'utf8');
      let i = 0;
      const next = (): void => {
        if (i === bytes.length) return void res.end();
        res.write(bytes.subarray(i, ++i));
        setTimeout(next, 2);
      };
      next();
    } else if (req.url === '/sse-break') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: x\n\n');
      setTimeout(() => res.destroy(), 20);
    } else if (req.url === '/break') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.destroy(), 20);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await pool.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, signal = new AbortController().signal) => dispatchReply(pool, { method: 'GET', path }, signal);

describe('dispatchReply', () => {
  it('streams an SSE body with headers parsed, pausing while the reader waits', async () => {
    const reply = await get('/sse');
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/event-stream');
    expect(reply.headers['x-many']).toEqual(['a', 'b']);
    const seen: string[] = [];
    await readSseReply(reply, (events) => {
      seen.push(...events.map((e) => e.data));
      return sleep(30); // backpressure: the body stays paused meanwhile
    });
    expect(seen).toEqual(['{"n":1}', '{"n":2}', '[DONE]']);
    expect(reply.ended).toBe(true);
  });

  it('hands each network read to the handler as one batch, pausing the reply while the handler waits', async () => {
    const reply = await get('/reads');
    const seen: string[][] = [];
    let waiting = false;
    let calledWhileWaiting = false;
    await readSseReply(reply, (events) => {
      if (waiting) calledWhileWaiting = true;
      seen.push(events.map((e) => e.data));
      if (seen.length !== 1) return undefined;
      waiting = true; // the server sends reads 2 and 3 during this wait: they must be held back
      return sleep(150).then(() => {
        waiting = false;
      });
    });
    expect(calledWhileWaiting).toBe(false);
    expect(seen.flat()).toEqual(['1', '2', '3', '4']);
    expect(seen[0]).toEqual(['1', '2']);
  });

  it('decodes UTF-8 characters cut across network reads', async () => {
    const seen: string[] = [];
    await readSseReply(await get('/utf8'), (events) => void seen.push(...events.map((e) => e.data)));
    expect(seen).toEqual(['日本語 ✓', '[DONE]']);
  });

  it("stops at 'stop', and rejects when the body breaks mid-stream", async () => {
    const seen: string[] = [];
    const reply = await get('/reads');
    await readSseReply(reply, (events) => {
      seen.push(...events.map((e) => e.data));
      return 'stop';
    });
    expect(seen).toEqual(['1', '2']);
    reply.destroy();
    const broken: string[] = [];
    await expect(readSseReply(await get('/sse-break'), (events) => void broken.push(...events.map((e) => e.data)))).rejects.toThrow();
    expect(broken).toEqual(['x']);
  });

  it('caps an error body and drops the rest', async () => {
    const reply = await get('/big');
    expect(reply.statusCode).toBe(500);
    const text = await reply.textCapped(1000);
    expect(text).toBe('x'.repeat(1000));
    expect(reply.ended).toBe(false);
  });

  it('rejects when the signal aborts before the headers', async () => {
    const ac = new AbortController();
    const pending = get('/slow', ac.signal);
    setTimeout(() => ac.abort(new Error('client left')), 30);
    await expect(pending).rejects.toThrow('client left');
    const already = new AbortController();
    already.abort(new Error('gone already'));
    await expect(get('/sse', already.signal)).rejects.toThrow('gone already');
  });

  it('rejects text() of a body that breaks, and textCapped() keeps what arrived', async () => {
    await expect((await get('/break')).text()).rejects.toThrow();
    expect(await (await get('/break')).textCapped(1000)).toBe('{"partial":');
  });
});
