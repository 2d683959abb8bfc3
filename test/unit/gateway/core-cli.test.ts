// `swebench gateway` without a subprocess: flag validation, model discovery, the announced JSON line, the
// generated admin token, and a graceful stop on the signal.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayOptionsFromFlags } from '../../../src/cli/gateway.js';
import { ConfigError, GatewayError } from '../../../src/errors.js';
import { serveGateway, startGateway } from '../../../src/gateway/index.js';
import { closedPort, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

const FLAGS = { upstream: 'http://127.0.0.1:1', host: '127.0.0.1', port: '0', recordsDir: 'gateway-records' };

function sink(): { stream: Writable; text(): string } {
  let text = '';
  return {
    stream: new Writable({
      write(c, _e, cb) {
        text += String(c);
        cb();
      },
    }),
    text: () => text,
  };
}

describe('gatewayOptionsFromFlags', () => {
  it('reads secrets from the named environment variables', () => {
    const o = gatewayOptionsFromFlags(
      { ...FLAGS, upstreamApiKeyEnv: 'UP_KEY', adminTokenEnv: 'ADM', maxOutputTokens: '4096', captureTokens: true, upstreamModel: 'qwen' },
      { UP_KEY: 'k-123', ADM: 'a-456' },
    );
    expect(o).toMatchObject({ upstreamApiKey: 'k-123', adminToken: 'a-456', maxOutputTokens: 4096, captureTokens: true, upstreamModel: 'qwen', port: 0 });
  });

  it('--upstream trainer: the trainer owns inference (the pull API), no URL', () => {
    const o = gatewayOptionsFromFlags({ ...FLAGS, upstream: 'trainer' }, {});
    expect(o.upstream).toBe('trainer');
    expect(o.upstreamUrl).toBeUndefined();
  });

  it('rejects bad flags with the flag named', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...FLAGS, upstream: 'localhost:8000' }, /--upstream/],
      [{ ...FLAGS, port: '70000' }, /--port/],
      [{ ...FLAGS, maxOutputTokens: '0' }, /--max-output-tokens/],
      [{ ...FLAGS, upstreamApiKeyEnv: 'MISSING_VAR' }, /--upstream-api-key-env.*MISSING_VAR/],
    ];
    for (const [flags, re] of bad) {
      expect(() => gatewayOptionsFromFlags(flags, {})).toThrow(ConfigError);
      expect(() => gatewayOptionsFromFlags(flags, {})).toThrow(re);
    }
  });
});

describe('serveGateway', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ['Qwen/Qwen3-8B', 'other'] });
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('discovers the model, announces one JSON line, prints a generated admin token once, stops on the signal', async () => {
    const out = sink();
    const err = sink();
    const ac = new AbortController();
    const recordsDir = mkdtempSync(path.join(os.tmpdir(), 'gw-cli-'));
    const done = serveGateway({ upstreamUrl: `${upstream.url}/v1/`, recordsDir }, { signal: ac.signal, stdout: out.stream, stderr: err.stream });
    while (!out.text().includes('\n')) await new Promise((r) => setTimeout(r, 5));
    const line = JSON.parse(out.text());
    expect(line).toMatchObject({ upstream_model: 'Qwen/Qwen3-8B', ready: true, records_dir: recordsDir, admin_token_hint: 'generated; printed once on stderr' });
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = /admin token \(shown only here\): (\S+)/.exec(err.text())?.[1];
    expect(token).toBeTruthy();
    expect(out.text()).not.toContain(token!);

    const created = await fetch(`${line.url}/admin/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(created.status).toBe(201);
    const creds = (await created.json()) as { base_url: string; token: string };
    const chat = await fetch(`${creds.base_url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.token}` },
      body: JSON.stringify({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect(upstream.requests.at(-1)!.body.model).toBe('Qwen/Qwen3-8B');

    ac.abort();
    await done;
    await expect(fetch(`${line.url}/healthz`)).rejects.toThrow();
    rmSync(recordsDir, { recursive: true, force: true });
  });

  it('hints where a configured admin token comes from, without printing it', async () => {
    const out = sink();
    const err = sink();
    const ac = new AbortController();
    ac.abort();
    await serveGateway(
      { upstreamUrl: upstream.url, upstreamModel: 'other', adminToken: 'configured-admin-token' },
      { signal: ac.signal, stdout: out.stream, stderr: err.stream, adminTokenSource: 'env GW_ADMIN' },
    );
    expect(JSON.parse(out.text())).toMatchObject({ admin_token_hint: 'from env GW_ADMIN', upstream_model: 'other', ready: true });
    expect(out.text() + err.text()).not.toContain('configured-admin-token');
  });

  it('fails with a GatewayError when the models endpoint is unreachable', async () => {
    await expect(startGateway({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` })).rejects.toThrow(GatewayError);
    await expect(startGateway({ upstreamUrl: 'ftp://x' })).rejects.toThrow(/expected an http\(s\) URL/);
  });

  it('a library caller gets the CLI\'s rule: credentials in the upstream URL are refused, not dropped', async () => {
    const err = await startGateway({ upstreamUrl: 'http://user:s3cret@127.0.0.1:1/v1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as Error).message).toMatch(/carries credentials/);
    expect((err as Error).message).not.toContain('s3cret');
  });
});
