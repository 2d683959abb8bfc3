// Context pressure with every real harness CLI: the built-in agentic model gets a small max_model_len (vLLM's exact
// context-length 400 beyond it) and each harness a context window a little below it, so a ~12-completion session
// does not fit. Each CLI's own compaction runs (opencode's summarization agent, codex's checkpoint compaction,
// claude-code's auto-compact, qwen-code's compression), the gateway records it as `kind: compaction`, the model goes
// on from the progress its summary states, and the session resolves. The window each CLI needs differs (claude-code
// reserves ~13k tokens below its window plus the output; the others compact near the window), hence one per harness.
// Without headroom codex, which never compacts after a 400, ends context_length_exceeded, classified, in seconds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
/** Per harness: the window it is told and the model's max_model_len (tokens; max output 1000). */
const PRESSURE: Record<string, { window: number; maxLen: number }> = {
  opencode: { window: 5000, maxLen: 6500 },
  codex: { window: 7000, maxLen: 8500 },
  'claude-code': { window: 22000, maxLen: 24000 },
  'qwen-code': { window: 12000, maxLen: 14000 },
};

describe.skipIf(!fixturesDir)('context pressure: each real harness compacts its context and still resolves', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-pressure-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = (harness: string, window: number, maxLen: number, runId: string) =>
    submit([
      '--harness', harness, '--model', 'agentic', '--agentic-seed', '7', '--dataset', path.join(fixturesDir!, 'tasks.jsonl'),
      '--instance-ids', 'fixtures__calc-1', '--context-window', String(window), '--model-max-len', String(maxLen),
      '--max-output-tokens', '1000', '--output-dir', out, '--run-id', runId, '--timeout', '300', '--json',
    ]);

  it('opencode, codex, claude-code, qwen-code: ≥ 1 compaction recorded, resolved', async () => {
    const names = Object.keys(PRESSURE);
    const results = await Promise.all(names.map((h) => run(h, PRESSURE[h]!.window, PRESSURE[h]!.maxLen, `pressure-${h}`)));
    const lines: string[] = [];
    names.forEach((harness, i) => {
      expect(results[i]!.exitCode, results[i]!.stderr.slice(-3000)).toBe(0);
      const runDir = path.join(out, `pressure-${harness}`);
      const [s] = readSesFiles(runDir);
      const kinds = readFileSync(path.join(runDir, s!.artifacts.records), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
      const why = `${harness}: ${s!.status} ${s!.error_class} ${s!.error} kinds ${kinds.join(',')}`;
      expect(s!.resolved, why).toBe(true);
      expect(s!.status, why).toBe('COMPLETED');
      expect(s!.compactions, why).toBeGreaterThanOrEqual(1);
      expect(kinds.filter((k) => k === 'compaction'), why).toHaveLength(s!.compactions);
      lines.push(`${harness}: resolved, ${s!.compactions} compaction(s) in ${s!.record_count} completions, ${(s!.run_ms / 1000).toFixed(1)} s`);
    });
    for (const h of names) expect(await runContainers(`pressure-${h}`)).toEqual([]);
    process.stdout.write(`${lines.join('\n')}\n`);
  });

  it('codex told the full window compacts too late, gets the 400, does not compact after it: context_length_exceeded, classified', async () => {
    const r = await run('codex', 8500, 8500, 'pressure-codex-full');
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const [s] = readSesFiles(path.join(out, 'pressure-codex-full'));
    expect(s).toMatchObject({ status: 'FAILED', error_class: 'context_length_exceeded', resolved: false });
    expect(s!.error).toMatch(/maximum context length is 8500 tokens/);
    expect(s!.diagnosis?.gateway).toMatch(/context_length_exceeded/);
    expect(s!.run_ms).toBeLessThan(300_000);
  });
});
