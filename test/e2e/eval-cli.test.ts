// `swebench eval` bad input through the built CLI: every case fails before any container starts, with the exact
// message, a non-zero exit code from the one exit-code table, and nothing written.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built.js';
import { hasSharedData, REPO_ROOT, VERIFIED_JSONL } from '../helpers/shared-data.js';

const CLI = path.join(REPO_ROOT, 'bin/swebench');
let dir = '';
const run = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [CLI, 'eval', '--output-dir', path.join(dir, 'out'), ...args], { reject: false, env: { CI: 'true', ...env } });

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-eval-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasSharedData())('swebench eval: bad input', () => {
  it('no Docker engine reachable → exit 3, the socket named, a fix-it hint, no run directory', async () => {
    const r = await run(['--dataset', VERIFIED_JSONL, '--predictions', 'gold', '--instance-ids', 'sympy__sympy-20590', '--run-id', 'nodocker'],
      { DOCKER_HOST: `unix://${path.join(dir, 'missing.sock')}` });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`error: No Docker engine answered at unix://${path.join(dir, 'missing.sock')} (ENOENT: socket not found)`);
    expect(r.stderr).toMatch(/hint: Start the Docker daemon/);
    expect(existsSync(path.join(dir, 'out', 'nodocker'))).toBe(false);
  });

  it('a prediction for an unknown instance → exit 2 naming the file and line', async () => {
    const preds = path.join(dir, 'preds.jsonl');
    writeFileSync(preds, `${JSON.stringify({ instance_id: 'sympy__sympy-20590', model_name_or_path: 'm', model_patch: '' })}\n${JSON.stringify({ instance_id: 'nope__nope-1', model_name_or_path: 'm', model_patch: 'x' })}\n`);
    const r = await run(['--dataset', VERIFIED_JSONL, '--predictions', preds, '--run-id', 'unknown']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: prediction for unknown instance nope__nope-1 (${preds}:2)`);
    expect(existsSync(path.join(dir, 'out', 'unknown'))).toBe(false);
  });

  it('a missing dataset file → exit 2 with the accepted sources', async () => {
    const r = await run(['--dataset', path.join(dir, 'nope.jsonl'), '--predictions', 'gold', '--run-id', 'nodata']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: dataset file not found: ${path.join(dir, 'nope.jsonl')}`);
    expect(r.stderr).toContain('hint: --dataset accepts a .json, .jsonl or .parquet file');
  });

  it('a bad --grading value → exit 2', async () => {
    const r = await run(['--dataset', VERIFIED_JSONL, '--predictions', 'gold', '--run-id', 'g', '--grading', 'lenient']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --grading: expected "official" or "strict", got "lenient"');
  });
});
