// `swebench export` through the built CLI (bin/swebench → dist): data on stdout only, the summary on stderr, exit 2
// with the file/flag, what was expected and the fix for a bad run directory, format or chain list, and nothing left
// at --out. Build first: npm run build.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built.js';
import { buildRunDir } from '../helpers/run-dir.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
let tmp = '';
let run = '';

function cli(args: string[]) {
  return execa('node', [BIN, ...args], { cwd: tmp, reject: false, env: { NO_COLOR: '1', CI: 'true' } });
}

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-e2e-export-'));
  run = buildRunDir({ runId: 'r', sessions: [{ instance_id: 'e2e__a-1', resolved: true }] }, tmp, 'r');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('swebench export', () => {
  it('writes data to stdout and the summary to stderr', async () => {
    const r = await cli(['export', run, '--format', 'sessions-jsonl']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(''); // the synthetic session has no records: nothing to export, counted
    expect(r.stderr).toMatch(/export sessions-jsonl: 1 session\(s\); sessions_without_main_completions 1/);
  });

  it.each([
    [['export', 'missing-dir', '--format', 'rl-jsonl', '--out', 'o.jsonl'], /error: run directory not found: missing-dir\nhint: Pass the directory `swebench submit` wrote/],
    [['export', '.', '--format', 'rl-jsonl', '--out', 'o.jsonl'], /error: \. is not a run directory \(no run\.json, no rollout_results\/\)/],
    [['export', 'r', '--format', 'parquet', '--out', 'o.jsonl'], /error: --format: unknown format "parquet"\nhint: Use one of: rl-jsonl, sessions-jsonl, atif\./],
    [['export', 'r', '--format', 'rl-jsonl', '--chains', 'main,tools', '--out', 'o.jsonl'], /error: --chains: unknown chain "tools"\nhint: Use a comma-separated list of: main, subagent, compaction, title, auxiliary\./],
    [['export', 'r', '--format', 'atif', '--chains', 'subagent', '--out', 'o'], /error: --chains: atif needs the main chain/],
  ])('%j → exit 2, a clear error, nothing at --out', async (args, message) => {
    const r = await cli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(path.join(tmp, 'o.jsonl'))).toBe(false);
    expect(existsSync(path.join(tmp, 'o'))).toBe(false);
  });

  it('--format is required', async () => {
    const r = await cli(['export', run]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/required option '--format <format>' not specified/);
  });

  it('--out FILE: written whole', async () => {
    const r = await cli(['export', run, '--format', 'rl-jsonl', '--out', 'x/rl.jsonl', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr)).toMatchObject({ format: 'rl-jsonl', sessions: 1, out: 'x/rl.jsonl', counts: {} });
    expect(readFileSync(path.join(tmp, 'x/rl.jsonl'), 'utf8')).toBe('');
  });
});
