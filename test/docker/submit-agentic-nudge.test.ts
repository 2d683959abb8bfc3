// `--nudge N` with every real harness CLI: under `--model agentic` with a 30% text-only rate each CLI ends its run at
// an intermediate text-only answer (headless, every one of them does), leaving the repository unchanged; nudged, each
// continues its own conversation through its own resume in the same container and resolves. Without --nudge the same
// session ends early_exit_text_only. The ses files list the nudges, agent.log marks them, reports count them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI, readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const HARNESSES = ['opencode', 'codex', 'claude-code', 'qwen-code'];
const TASKS = ['fixtures__calc-1', 'fixtures__shapes-1'];

describe.skipIf(!fixturesDir)('submit --nudge 2 continues each real harness after an early text-only stop', () => {
  let out: string;
  let config: string;
  const common = () => ['--config', config, '--agentic-seed', '7', '--model', 'agentic', '--dataset', path.join(fixturesDir!, 'tasks.jsonl'), '--output-dir', out, '--timeout', '300', '--json'];

  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-nudge-'));
    config = path.join(out, 'agentic.yaml');
    writeFileSync(config, 'agentic:\n  text_rate: 0.3\n  wrong_patch_rate: 0\n');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('without --nudge the session stops early: early_exit_text_only, empty patch, no nudges', async () => {
    const r = await submit([...common(), '--harness', 'codex', '--instance-ids', 'fixtures__calc-1', '--run-id', 'plain']);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const [s] = readSesFiles(path.join(out, 'plain'));
    expect(s).toMatchObject({ status: 'FAILED', error_class: 'early_exit_text_only', empty_generation: true, nudges: [] });
  });

  it('with --nudge 2 every harness resolves every task, and every nudge is recorded', async () => {
    const r = await submit([...common(), '--harness', HARNESSES.join(','), '--instance-ids', TASKS.join(','), '--run-id', 'nudged', '--concurrency', '3', '--nudge', '2']);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const runDir = path.join(out, 'nudged');
    expect(readJson(path.join(runDir, 'run.json')).config.nudge).toBe(2);
    const sessions = readSesFiles(runDir);
    expect(sessions).toHaveLength(HARNESSES.length * TASKS.length);
    const lines: string[] = [];
    for (const harness of HARNESSES) {
      const mine = sessions.filter((s) => s.harness.name === harness);
      for (const s of mine) {
        const why = `${harness} ${s.instance_id}: ${s.status} ${s.error_class} ${s.error} (${s.record_count} completions, nudges ${JSON.stringify(s.nudges)})`;
        expect(s.resolved, why).toBe(true);
        const log = readFileSync(path.join(runDir, s.artifacts.agent_log), 'utf8');
        const records = readFileSync(path.join(runDir, s.artifacts.records), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
        expect(records, why).toHaveLength(s.record_count);
        s.nudges.forEach((n, i) => {
          expect(n, why).toMatchObject({ index: i + 1, reason: 'early_exit_text_only', exit_code: 0 });
          expect(n.after_completions, why).toBeLessThan(s.record_count);
          expect(log, why).toContain(`--- swebench: nudge ${n.index} of 2 (early_exit_text_only) after ${n.after_completions} completion(s)`);
        });
      }
      const nudged = mine.filter((s) => s.nudges.length > 0);
      expect(nudged.length, `${harness}: no session stopped early with seed 7`).toBeGreaterThan(0);
      lines.push(`${harness}: ${mine.filter((s) => s.resolved).length}/${mine.length} resolved, ${nudged.length} nudged (${mine.reduce((n, s) => n + s.nudges.length, 0)} nudges)`);
    }
    const report = readJson(path.join(runDir, 'report.json')) as { groups: Array<{ key: string; harness: string; resolve_rate: number; nudged_sessions: number; resolved_after_nudge: number }> };
    for (const g of report.groups) {
      expect(g.resolve_rate, g.key).toBe(1);
      expect(g.resolved_after_nudge, g.key).toBe(g.nudged_sessions);
    }
    const table = await execa(CLI, ['report', runDir], { reject: false });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/nudged/);
    expect(await runContainers('nudged')).toEqual([]);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
});
