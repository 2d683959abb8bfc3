// The gateway's hot path as bench/gateway.mjs tuned it: batched SSE writes (one socket write per upstream read;
// the batching itself is tested in upstream-reply.test.ts),
// records through a kept-open file, and records that survive bodies JSON.stringify cannot serialise.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordWriter, recordJson, type CompletionRecord } from '../../../src/gateway/records.js';
import { textStream } from '../../helpers/fake-upstream.js';
import { chatBody, postInit, sseData, setup, type Harness } from './core-setup.js';

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h.close();
});

function record(seq: number): CompletionRecord {
  return {
    session_id: 's',
    instance_id: null,
    seq,
    kind: 'turn',
    client_protocol: 'openai_chat',
    client_request: { method: 'POST', path: '/s/s/v1/chat/completions', headers: {} },
    upstream_request: null,
    response: null,
    status: 'ok',
    http_status: 200,
    attempts: [],
    timings: { start: new Date(0).toISOString(), ttft_ms: null, total_ms: 0 },
  };
}

describe('records', () => {
  it('keeps the record of a body nested deeper than JSON.stringify can go (and still answers 400)', async () => {
    const s = h.session();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, deep));
    expect(r.status).toBe(400);
    const ok = await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody()));
    expect(ok.status).toBe(200);
    const recs = h.records(s.id);
    expect(recs.map((x) => x.seq)).toEqual([1, 2]);
    expect(recs[0]!.http_status).toBe(400);
    // the body went into the record as the client sent it: all 100,000 levels
    let depth = 0;
    for (let v: unknown = recs[0]!.client_request.body; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(100_000);
    expect(recs[1]!.status).toBe('ok');
  });

  it('serialises a record whose raw parts cannot be spliced (not parsed, or on several lines) the slow way', () => {
    const deep: unknown[] = [];
    let v = deep;
    for (let i = 0; i < 100_000; i++) v = (v[0] = []) as unknown[];
    const rec = { ...record(1), client_request: { ...record(1).client_request, body: deep } };
    expect(String((JSON.parse(recordJson(rec)) as CompletionRecord).client_request.body)).toMatch(/^\[not recorded: .*call stack/);
    expect(String((JSON.parse(recordJson(rec, { clientBody: '[\n]' })) as CompletionRecord).client_request.body)).toMatch(/^\[not recorded/);
  });

  it('splices the raw client body and upstream request into the line, which parses to the same record', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'a "quoted" \u2028 line\\n with \u0000 and é' }], n: 1.5e300 };
    const upstream = { ...body, model: 'up', stream: true };
    const rec: CompletionRecord = { ...record(7), client_request: { ...record(7).client_request, body }, upstream_request: upstream };
    const bodyText = ` ${JSON.stringify(body)}\t`; // whitespace around the value is still one JSON text
    const line = recordJson(rec, { clientBody: bodyText, upstreamRequest: JSON.stringify(upstream) });
    expect(line).toContain(bodyText);
    expect(line).not.toMatch(/[\n\r]/);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(rec)));
    // a pretty-printed body (raw line breaks) is serialised instead, so that the record stays one line
    const pretty = recordJson(rec, { clientBody: JSON.stringify(body, null, 2) });
    expect(pretty).not.toMatch(/[\n\r]/);
    expect(JSON.parse(pretty)).toEqual(JSON.parse(JSON.stringify(rec)));
    // a client that sends the placeholder text itself gets it recorded verbatim
    const sneaky = { ...rec, client_request: { ...rec.client_request, body: { x: '\u0000swebench-body-0000' } } };
    expect(JSON.parse(recordJson(sneaky, { clientBody: JSON.stringify(sneaky.client_request.body) }))).toEqual(JSON.parse(JSON.stringify(sneaky)));
  });

  it('appends through one writer across close() and reports write failures', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-writer-'));
    try {
      const w = new RecordWriter(path.join(dir, 'a', 'records.jsonl'));
      await w.append(record(1));
      await w.append(record(2));
      await w.close();
      await w.append(record(3));
      await w.close();
      const lines = readFileSync(path.join(dir, 'a', 'records.jsonl'), 'utf8').split('\n').filter(Boolean);
      expect(lines.map((l) => (JSON.parse(l) as CompletionRecord).seq)).toEqual([1, 2, 3]);
      // a record over 64 KiB is written from the thread pool, still in order with the small ones around it
      const big = { ...record(4), client_request: { ...record(4).client_request, body: { text: 'x'.repeat(200_000) } } };
      const appended = [w.append(big, { clientBody: JSON.stringify(big.client_request.body) }), w.append(record(5)), w.append(big), w.append(record(6))];
      await Promise.all(appended);
      await w.close();
      const after = readFileSync(path.join(dir, 'a', 'records.jsonl'), 'utf8').split('\n').filter(Boolean);
      const recs = after.map((l) => JSON.parse(l) as CompletionRecord);
      expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 4, 6]);
      expect((recs[3]!.client_request.body as { text: string }).text).toHaveLength(200_000);
      expect(recs[5]).toEqual(recs[3]);
      const broken = new RecordWriter(dir); // a directory: open() fails
      await expect(broken.append(record(1))).rejects.toThrow(/EISDIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('streaming', () => {
  it('sends a completion that arrives in one upstream read whole, in order, with its record written first', async () => {
    const s = h.session();
    h.upstream.script({ kind: 'stream', events: textStream('one two three four five six', { pieces: 6 }) });
    const r = await h.fetchText(`${s.baseURL}/chat/completions`, postInit(s.token, chatBody({ stream: true })));
    expect(r.status).toBe(200);
    const data = sseData(r.text);
    expect(data.at(-1)).toBe('[DONE]');
    const text = data
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { choices: Array<{ delta?: { content?: string } }> })
      .map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('one two three four five six');
    // the client has read the whole stream: its record is on disk already
    expect(h.records(s.id)).toHaveLength(1);
  });
});
