// Acceptance test for secrets: a real `submit` run (the leaky plug-in harness, which prints its environment and its
// config, and sends its session token in its prompt) against `swebench model serve --policy oracle` started as a
// separate process and reached with an upstream key; then every file of the run directory, agent.log included, is
// searched for the session token and the upstream key. The harness also prints the token hex-encoded, so the test
// knows the value without the run directory having to hold it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI, readSesFiles, submit } from './submit-helpers.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const fixturesDir = inject('fixturesDir');
const LEAKY = path.join(REPO_ROOT, 'test/fixtures/harnesses/leaky.mjs');
const TOKEN_PREFIX = 'sk-swebench-';

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

describe.skipIf(!fixturesDir)('no secret in any file of a run directory (real Docker, real model server process)', () => {
  let tmp: string;
  let model: ResultPromise | undefined;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-secrets-test-'));
  });
  afterAll(async () => {
    if (model && model.exitCode === null) model.kill('SIGTERM');
    await model?.catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  });

  it('neither the session token nor the upstream key appears in any file, agent.log included', async () => {
    const dataset = path.join(fixturesDir!, 'tasks.jsonl');
    model = execa('node', [CLI, 'model', 'serve', '--policy', 'oracle', '--dataset', dataset, '--port', '0'], { reject: false, env: { NO_COLOR: '1' } });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('swebench model serve did not announce itself within 30 s')), 30_000);
      model!.stdout!.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
        }
      });
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const key = `sk-upstream-${randomBytes(24).toString('hex')}`;
    const out = path.join(tmp, 'results');
    const r = await submit(
      ['--harness', 'leaky', '--harness-file', LEAKY, '--upstream', url, '--upstream-api-key-env', 'SWEBENCH_TEST_UPSTREAM_KEY',
        '--dataset', dataset, '--output-dir', out, '--run-id', 'secrets', '--instance-ids', 'fixtures__calc-1', '--json'],
      { env: { SWEBENCH_TEST_UPSTREAM_KEY: key } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const runDir = path.join(out, 'secrets');
    const [ses] = readSesFiles(runDir);
    // a real run: the oracle (behind the key) resolved the task through the leaky harness
    expect(ses).toMatchObject({ status: 'COMPLETED', resolved: true, harness: { name: 'leaky' } });
    expect(ses!.record_count).toBeGreaterThanOrEqual(2);

    // the harness printed its secrets: the token is learnt from its hex form, and its printed forms are redacted
    const log = readFileSync(path.join(runDir, ses!.artifacts.agent_log), 'utf8');
    const hex = /^leaky: token-hex=([0-9a-f]+)$/m.exec(log)?.[1];
    expect(hex, log).toBeDefined();
    const token = Buffer.from(hex!, 'hex').toString('utf8');
    expect(token).toMatch(/^sk-swebench-[A-Za-z0-9_-]{43}$/);
    const body = token.slice(TOKEN_PREFIX.length);
    expect(key.length).toBeGreaterThan(40);
    expect(log).toContain('leaky: env\n');
    expect(log).toMatch(/^PYAGENT_API_KEY=\[REDACTED\]$/m);
    expect(log).toContain('"apiKey": "[REDACTED]"');
    expect(log).toContain('leaky: split token [REDACTED]\n');
    // the prompt carried it too: the trajectory shows where it was
    expect(JSON.stringify(ses!.trajectory.messages)).toContain('apiKey=[REDACTED]');

    const files = filesUnder(runDir);
    const names = files.map((f) => path.relative(runDir, f));
    for (const must of ['run.json', 'predictions.jsonl', 'report.json', ses!.artifacts.agent_log, ses!.artifacts.records, ses!.artifacts.patch]) {
      expect(names).toContain(must);
    }
    const leaks: string[] = [];
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const [what, secret] of [['session token', token], ['session token body', body], ['upstream key', key]] as const) {
        if (text.includes(secret)) leaks.push(`${path.relative(runDir, f)}: ${what}`);
      }
    }
    expect(leaks).toEqual([]);
    // nor in what the command printed
    for (const secret of [token, body, key]) expect(`${r.stdout}\n${r.stderr}`).not.toContain(secret);
  });
});
