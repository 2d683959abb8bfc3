// The one-line reason of a failed apply, from real output: the official chain (git apply → --reject → patch
// --fuzz) run for real in a temp git repo on a patch that half fits, and git apply on a broken patch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFailureMessage, applyFailureReason } from '../../../src/eval/apply-reason.js';
import { GIT_APPLY_CMDS } from '../../../src/eval/run-instance.js';

let dir: string;
const sh = (command: string) => {
  const r = spawnSync('sh', ['-c', `${command} 2>&1`], { cwd: dir, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: r.stdout };
};
const numbered = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, k) => f(k + 1)).join('\n') + '\n';

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-apply-reason-'));
  // a 4-hunk patch against a.py, then a.py moved on: shifted by 5 lines (hunk 1 applies with fuzz), hunks 2 and 4 conflict
  writeFileSync(path.join(dir, 'a.py'), numbered(200, (i) => `line ${i}`));
  expect(sh('git init -q . && git add a.py && git -c user.email=t@t -c user.name=t commit -qm base').status).toBe(0);
  const changed = (i: number) => ([10, 70, 120, 180].includes(i) ? `changed ${i}` : `line ${i}`);
  writeFileSync(path.join(dir, 'a.py'), numbered(200, changed));
  expect(sh('git diff > model.diff && git checkout -q a.py').status).toBe(0);
  const drifted = (i: number) => ({ 8: 'ctx 8 differs', 12: 'ctx 12 differs', 70: 'other 70', 180: 'other 180' })[i] ?? `line ${i}`;
  writeFileSync(path.join(dir, 'a.py'), numbered(5, (i) => `new header ${i}`) + numbered(200, drifted));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('applyFailureReason on real apply output', () => {
  it('the official chain on a half-fitting patch: the FAILED summary, not the hunk that succeeded with fuzz', () => {
    let last = { status: null as number | null, output: '' };
    for (const cmd of GIT_APPLY_CMDS) last = sh(`${cmd} model.diff`); // no reset in between, like applyPatch
    expect(last.status).not.toBe(0);
    // the sample shows the trap: the last five lines start with a success
    const tail = last.output.trimEnd().split('\n').slice(-5);
    expect(tail[0]).toMatch(/^Hunk #1 succeeded at \d+ with fuzz \d/);
    expect(applyFailureReason(last.output)).toMatch(/^\d out of 4 hunks FAILED -- saving rejects to file a\.py\.rej$/);
    const message = applyFailureMessage(last.output).split('\n');
    expect(message[0]).toBe(applyFailureReason(last.output));
    expect(message.slice(1)).toEqual(tail.filter((l) => !/out of 4 hunks FAILED/.test(l)));
  });

  it('git apply alone: the "does not apply" verdict, not the first error line', () => {
    const r = sh('git apply --verbose model.diff');
    expect(r.status).not.toBe(0);
    expect(r.output.split('\n')[1]).toBe('error: while searching for:');
    expect(applyFailureReason(r.output)).toBe('error: a.py: patch does not apply');
  });

  it('a corrupt patch, and output with no recognisable reason', () => {
    const text = readFileSync(path.join(dir, 'model.diff'), 'utf8');
    writeFileSync(path.join(dir, 'cut.diff'), text.split('\n').slice(0, 8).join('\n').replace(/^@@ .*$/m, '@@ -7,7 +7,7 @@ oops'));
    const r = sh('git apply --verbose cut.diff');
    expect(r.status).not.toBe(0);
    expect(applyFailureReason(r.output)).toMatch(/^error: corrupt patch at line \d+$/);
    expect(applyFailureReason('Checking patch a.py...\nsomething odd\n')).toBe('something odd');
    expect(applyFailureReason('')).toBe('the patch did not apply (no output)');
  });
});
