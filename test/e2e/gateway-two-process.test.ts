// `swebench model serve --policy oracle` and `swebench gateway` as two real processes of the BUILT CLI (bin/swebench
// → dist; build first: npx tsc -p tsconfig.json): a session opened over the admin API, a full Responses tool loop over
// raw HTTP (the tool call executed by bash in a temp git repo), exactly one record per completion from
// `GET /admin/sessions/:id/records`, a graceful SIGTERM stop, and the upstream key in no output of either process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponsesStream } from '../helpers/protocol-shapes.js';
import { assertBuilt } from '../helpers/built.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { makeRepo, makeTask } from '../unit/models/helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
const UPSTREAM_KEY = `sk-upstream-SECRET-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const ADMIN_TOKEN = `admin-e2e-${Math.random().toString(36).slice(2)}`;
const task = makeTask('demo__calc-e2e');
const repo = makeRepo();
let tmp = '';

/** A CLI process with everything it printed. */
interface Proc {
  child: ResultPromise;
  out: () => string;
  err: () => string;
}
const procs: Proc[] = [];
/** Every response body the test received, for the secret grep. */
const seen: string[] = [];

/** Starts `node bin/swebench <args>` and resolves with its first stdout line as JSON (its startup announcement). */
async function start(args: string[], env: Record<string, string> = {}): Promise<{ proc: Proc; line: Record<string, any> }> {
  const child = execa('node', [BIN, ...args], { cwd: tmp, reject: false, env: { NO_COLOR: '1', SWEBENCH_CACHE_DIR: path.join(tmp, 'cache'), ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const proc: Proc = { child, out: () => out, err: () => err };
  procs.push(proc);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no startup line within 20 s; stderr:\n${err}`)), 20_000);
    const check = () => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    };
    child.stdout!.on('data', check);
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${r.exitCode}) before announcing itself; stderr:\n${err}`));
    });
  });
  return { proc, line: JSON.parse(line) as Record<string, any> };
}

async function http(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  seen.push(text);
  return { status: res.status, text };
}

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-e2e-gateway-'));
  writeFileSync(path.join(tmp, 'tasks.jsonl'), `${JSON.stringify(task)}\n`);
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.child));
  repo.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('swebench gateway + swebench model serve --policy oracle, two processes', () => {
  it('serves a Responses tool loop over raw HTTP, records one line per completion, stops cleanly, leaks no key', async () => {
    const model = await start(['model', 'serve', '--policy', 'oracle', '--dataset', path.join(tmp, 'tasks.jsonl'), '--port', '0', '--oracle-workdir', repo.dir]);
    expect(model.line).toMatchObject({ policy: 'oracle' });
    expect(model.line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const recordsDir = path.join(tmp, 'records');
    const gateway = await start(
      ['gateway', '--upstream', model.line.url, '--admin-token-env', 'E2E_ADMIN_TOKEN', '--records-dir', recordsDir, '--upstream-api-key-env', 'E2E_UPSTREAM_KEY'],
      { E2E_ADMIN_TOKEN: ADMIN_TOKEN, E2E_UPSTREAM_KEY: UPSTREAM_KEY, SWEBENCH_LOG_LEVEL: 'debug' },
    );
    const gw = gateway.line;
    expect(gw).toMatchObject({ admin_token_hint: 'from env E2E_ADMIN_TOKEN', upstream_model: 'swebench-oracle', records_dir: recordsDir });
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // a session over the admin API (and none without the admin token)
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    expect((await http(`${gw.url}/admin/sessions`, { method: 'POST', body: '{}' })).status).toBe(401);
    const created = await http(`${gw.url}/admin/sessions`, { method: 'POST', headers: admin, body: JSON.stringify({ instance_id: task.instance_id, labels: { harness: 'codex' } }) });
    expect(created.status).toBe(201);
    const creds = JSON.parse(created.text) as { session_id: string; token: string; base_url: string };
    expect(creds.base_url).toBe(`${gw.url}/s/${creds.session_id}/v1`);

    // a codex-shaped Responses loop, parsed by hand from the raw SSE
    const headers = { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json', accept: 'text/event-stream' };
    const base = {
      model: 'codex-model',
      stream: true,
      tools: [
        {
          type: 'function',
          name: 'exec_command',
          description: 'Runs a command in a PTY, returning output or a session ID for ongoing interaction.',
          strict: false,
          parameters: { type: 'object', properties: { cmd: { type: 'string' }, workdir: { type: 'string' }, yield_time_ms: { type: 'number' } }, required: ['cmd'], additionalProperties: false },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { summary: 'auto' },
      store: false,
      include: ['reasoning.encrypted_content'],
    };
    const prompt = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are a coding agent running in the Codex CLI.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: task.problem_statement }] },
    ];
    const turn = async (input: unknown[]) => {
      const r = await http(`${creds.base_url}/responses`, { method: 'POST', headers, body: JSON.stringify({ ...base, input }) });
      expect(r.status, r.text).toBe(200);
      const report = checkResponsesStream(r.text);
      expect(report.problems).toEqual([]);
      const last = report.events.at(-1)!;
      expect(last.event).toBe('response.completed');
      return last.data.response as { status: string; output: Array<Record<string, any>> };
    };

    const first = await turn(prompt);
    const call = first.output.find((i) => i.type === 'function_call')!;
    expect(call).toMatchObject({ name: 'exec_command', status: 'completed' });
    const args = JSON.parse(call.arguments as string) as { cmd: string; workdir?: string };
    const ran = spawnSync('bash', ['-c', args.cmd], { cwd: args.workdir ?? repo.dir, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    const output = `${ran.stdout}${ran.stderr}`;
    const second = await turn([...prompt, ...first.output, { type: 'function_call_output', call_id: call.call_id, output }]);
    expect(second.output.map((i) => i.type)).toEqual(['message']);
    expect(second.output[0]!.content[0].text).toContain(`I applied the gold patch of ${task.instance_id}`);
    expect(execFileSync('git', ['diff'], { cwd: repo.dir, encoding: 'utf8' })).toBe(task.patch);

    // exactly one record per completion, over the admin API and on disk
    const recs = await http(`${gw.url}/admin/sessions/${creds.session_id}/records`, { headers: admin });
    expect(recs.status).toBe(200);
    const lines = recs.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => [l.seq, l.client_protocol, l.status, l.instance_id, l.response.finish_reason])).toEqual([
      [1, 'openai_responses', 'ok', task.instance_id, 'tool_calls'],
      [2, 'openai_responses', 'ok', task.instance_id, 'stop'],
    ]);
    expect(readFileSync(path.join(recordsDir, creds.session_id, 'records.jsonl'), 'utf8')).toBe(recs.text);
    const status = JSON.parse((await http(`${gw.url}/admin/sessions/${creds.session_id}`, { headers: admin })).text);
    expect(status).toMatchObject({ record_count: 2, error_count: 0, in_flight: 0, status: 'open', labels: { harness: 'codex' } });

    // a graceful stop on SIGTERM, both processes
    gateway.proc.child.kill('SIGTERM');
    model.proc.child.kill('SIGTERM');
    const [gwExit, modelExit] = await Promise.all([gateway.proc.child, model.proc.child]);
    expect(gwExit.exitCode, gateway.proc.err()).toBe(0);
    expect(modelExit.exitCode, model.proc.err()).toBe(0);
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();

    // the grep: the upstream key in no record, log line or response; the admin token not printed either
    expect(gateway.proc.err()).toMatch(/openai_responses turn -> 200 ok/); // debug lines were on
    const printed = [gateway.proc.out(), gateway.proc.err(), model.proc.out(), model.proc.err()].join('\n');
    const everything = [readFileSync(path.join(recordsDir, creds.session_id, 'records.jsonl'), 'utf8'), printed, ...seen].join('\n');
    expect(everything).not.toContain(UPSTREAM_KEY);
    expect(everything).not.toContain(UPSTREAM_KEY.slice(-12));
    expect(printed).not.toContain(ADMIN_TOKEN);
  });
});
