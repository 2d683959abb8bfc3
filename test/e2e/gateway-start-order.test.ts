// The gateway does not depend on start order (compose/k8s start it together with a model server that loads for
// minutes): the BUILT `swebench gateway` (build first: npm run build) is started against a port where nothing
// listens yet; it is alive (/healthz), not ready (/readyz 503 with the reason), and answers client completions
// with a 503 in each protocol's shape; then `swebench model serve --policy noop` comes up on that port, /readyz
// turns 200 and a completion goes through, all without restarting the gateway.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/fake-upstream.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
const ADMIN_TOKEN = `admin-e2e-${Math.random().toString(36).slice(2)}`;
/** Bound of every wait below (a failure, not a timing assertion). */
const DEADLINE_MS = 60_000;
let tmp = '';
const procs: Array<{ child: ResultPromise; err: () => string }> = [];

beforeAll(() => {
  for (const f of ['cli/gateway.js', 'gateway/readiness.js', 'gateway/server.js', 'gateway/start.js']) {
    const built = path.join(REPO_ROOT, 'dist', f);
    const src = path.join(REPO_ROOT, 'src', f.replace(/\.js$/, '.ts'));
    if (!existsSync(built) || statSync(src).mtimeMs > statSync(built).mtimeMs) throw new Error(`${built} is missing or stale: npm run build first`);
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-e2e-start-order-'));
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.child));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Starts `node bin/swebench <args>` and resolves with its first stdout line as JSON (its announcement). */
async function start(args: string[], env: Record<string, string> = {}) {
  const child = execa('node', [BIN, ...args], { cwd: tmp, reject: false, env: { NO_COLOR: '1', SWEBENCH_CACHE_DIR: path.join(tmp, 'cache'), ...env } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const proc = { child, err: () => err };
  procs.push(proc);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no announcement; stderr:\n${err}`)), DEADLINE_MS);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${r.exitCode}) before announcing itself; stderr:\n${err}`));
    });
  });
  return { proc, line: JSON.parse(line) as Record<string, any> };
}

async function http(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any>, retryAfter: res.headers.get('retry-after') };
}

/** Polls until `check` returns true, failing after DEADLINE_MS. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${DEADLINE_MS} ms`);
    await sleep(100);
  }
}

describe('swebench gateway started before its upstream', () => {
  it('is alive but not ready, answers 503 in each protocol shape, then serves once the model server is up', async () => {
    const port = await closedPort();
    const upstream = `http://127.0.0.1:${port}`;
    const gateway = await start(['gateway', '--upstream', upstream, '--admin-token-env', 'E2E_ADMIN_TOKEN', '--records-dir', path.join(tmp, 'records')], {
      E2E_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const gw = gateway.line;
    expect(gw).toMatchObject({ upstream_model: null, ready: false });

    // alive, not ready, and why
    const health = await http(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', ready: false, upstream_model: null });
    const notReady = await http(`${gw.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.json()).toEqual({ ready: false, reason: expect.stringMatching(new RegExp(`${upstream}/v1/models.*ECONNREFUSED`)) });

    // the admin API works before the upstream is up
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await http(`${gw.url}/admin/sessions`, { method: 'POST', headers: admin, body: JSON.stringify({ instance_id: 'demo__start-order-1' }) });
    expect(created.status).toBe(201);
    const creds = created.json() as { session_id: string; token: string; base_url: string };
    expect((await http(`${gw.url}/admin/sessions/${creds.session_id}`, { headers: admin })).status).toBe(200);

    // each client protocol gets its own 503 shape, with Retry-After
    const client = { authorization: `Bearer ${creds.token}`, 'x-api-key': creds.token, 'content-type': 'application/json' };
    const chatBody = JSON.stringify({ model: 'any', messages: [{ role: 'user', content: 'hi' }] });
    const chat = await http(`${creds.base_url}/chat/completions`, { method: 'POST', headers: client, body: chatBody });
    expect(chat.status).toBe(503);
    expect(Number(chat.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(chat.json()).toEqual({ error: { type: 'server_error', code: 'overloaded', param: null, message: expect.stringMatching(/waiting for the upstream.*ECONNREFUSED/) } });
    const responses = await http(`${creds.base_url}/responses`, { method: 'POST', headers: client, body: JSON.stringify({ model: 'any', input: 'hi' }) });
    expect(responses.status).toBe(503);
    expect(responses.retryAfter).toMatch(/^\d+$/);
    expect(responses.json().error).toMatchObject({ type: 'server_error', message: expect.stringMatching(/waiting for the upstream/) });
    const messages = await http(`${creds.base_url}/messages?beta=true`, {
      method: 'POST',
      headers: client,
      body: JSON.stringify({ model: 'any', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(messages.status).toBe(503);
    expect(messages.retryAfter).toMatch(/^\d+$/);
    expect(messages.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/waiting for the upstream/) } });
    expect((await http(`${creds.base_url}/models`, { headers: client })).status).toBe(503);
    // a refusal is not a completion: nothing recorded, nothing counted
    expect((await http(`${gw.url}/admin/sessions/${creds.session_id}`, { headers: admin })).json()).toMatchObject({ record_count: 0 });

    // the model server comes up on that port; the same gateway process becomes ready and serves
    const model = await start(['model', 'serve', '--policy', 'noop', '--port', String(port)]);
    expect(model.line.url).toBe(`${upstream}/v1`);
    await until('/readyz 200', async () => (await http(`${gw.url}/readyz`)).status === 200);
    expect((await http(`${gw.url}/readyz`)).json()).toEqual({ ready: true, upstream_model: 'swebench-noop' });
    expect((await http(`${gw.url}/healthz`)).json()).toMatchObject({ ready: true, upstream_model: 'swebench-noop' });
    const ok = await http(`${creds.base_url}/chat/completions`, { method: 'POST', headers: client, body: chatBody });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json().choices[0].message.content).toBe('I will not make any changes.');
    expect((await http(`${gw.url}/admin/sessions/${creds.session_id}`, { headers: admin })).json()).toMatchObject({ record_count: 1, error_count: 0 });

    // logged once per state change, not once per attempt
    const log = gateway.proc.err();
    expect(log.match(/upstream not ready: .*ECONNREFUSED/g)).toHaveLength(1);
    expect(log).toMatch(/upstream http:\/\/127\.0\.0\.1:\d+\/v1 ready, model swebench-noop \(attempt \d+\)/);

    gateway.proc.child.kill('SIGTERM');
    model.proc.child.kill('SIGTERM');
    const [gwExit, modelExit] = await Promise.all([gateway.proc.child, model.proc.child]);
    expect(gwExit.exitCode, gateway.proc.err()).toBe(0);
    expect(modelExit.exitCode, model.proc.err()).toBe(0);
  });
});
