// `swebench submit --model agentic` with every real harness CLI in one run: with the text-only and wrong-patch rates
// at 0, a correct harness integration resolves every task, each session takes about a dozen completions (exploring,
// editing, testing, reviewing, answering), and each harness has used at least one of its own non-shell tools.
// Every fixture task, which between them cover the three edit routes: one-hunk text edits (calc: the harness's edit
// tool), a binary patch (palette: the shell fallback) and a multi-file patch with a deletion (shapes: apply_patch or
// the shell).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findShellTool } from '../../src/gateway/models/index.js';
import { readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
// gemini-cli here is the Gemini protocol's multi-turn tool loop with the real CLI (its own read_file, grep_search, replace, …)
const HARNESSES = ['opencode', 'codex', 'claude-code', 'qwen-code', 'gemini-cli'];
const TASKS = fixturesDir
  ? readFileSync(path.join(fixturesDir, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { instance_id: string }).instance_id)
  : [];
const RUN_ID = 'agentic';

interface Figures {
  resolved: number;
  sessions: number;
  meanCompletions: number;
  nonShellTools: string[];
  textOnly: number;
}

/** Tool calls of every recorded completion, split into the shell tool and the harness's other advertised tools. */
function toolUse(recordsFile: string): { nonShell: Set<string>; textOnly: number } {
  const nonShell = new Set<string>();
  let textOnly = 0;
  const records = readFileSync(recordsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          kind: string;
          upstream_request?: { tools?: Array<{ function?: { name?: string } }> };
          response?: { tool_calls?: Array<{ name: string }> };
        },
    )
    .filter((r) => r.kind === 'turn');
  records.forEach((r, i) => {
    const tools = r.upstream_request?.tools ?? [];
    const advertised = new Set(tools.map((t) => t.function?.name));
    const shell = findShellTool(tools as never)?.name;
    const calls = r.response?.tool_calls ?? [];
    if (calls.length === 0 && i < records.length - 1) textOnly++;
    for (const c of calls) if (c.name !== shell && advertised.has(c.name)) nonShell.add(c.name);
  });
  return { nonShell, textOnly };
}

describe.skipIf(!fixturesDir)('submit --model agentic with each real harness resolves every task, like an agent would', () => {
  let out: string;
  const figures: Record<string, Figures> = {};

  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-agentic-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it(`${HARNESSES.join(', ')}: 100% resolved, ≥ 10 completions per session, own tools used`, async () => {
    const config = path.join(out, 'agentic.yaml');
    writeFileSync(config, 'agentic:\n  text_rate: 0\n  wrong_patch_rate: 0\n');
    const r = await submit([
      '--config', config, '--agentic-seed', '7', '--harness', HARNESSES.join(','), '--model', 'agentic',
      '--dataset', path.join(fixturesDir!, 'tasks.jsonl'), '--instance-ids', TASKS.join(','),
      '--output-dir', out, '--run-id', RUN_ID, '--concurrency', '4', '--timeout', '300', '--json',
    ]);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const runDir = path.join(out, RUN_ID);
    expect(readJson(path.join(runDir, 'run.json')).config.agentic).toEqual({ seed: '7', text_rate: 0, wrong_patch_rate: 0 });
    const sessions = readSesFiles(runDir);
    expect(TASKS.length).toBeGreaterThanOrEqual(8);
    expect(sessions).toHaveLength(HARNESSES.length * TASKS.length);

    for (const harness of HARNESSES) {
      const mine = sessions.filter((s) => s.harness.name === harness);
      expect(mine.map((s) => s.instance_id).sort()).toEqual([...TASKS].sort());
      const used = new Set<string>();
      let textOnly = 0;
      for (const s of mine) {
        const why = `${harness} ${s.instance_id}: ${s.status} ${s.error_class} ${s.error} (${s.record_count} completions)`;
        expect(s.status, why).toBe('COMPLETED');
        expect(s.resolved, why).toBe(true);
        expect(s.record_count, why).toBeGreaterThanOrEqual(8);
        const use = toolUse(path.join(runDir, s.artifacts.records));
        for (const t of use.nonShell) used.add(t);
        textOnly += use.textOnly;
      }
      const meanCompletions = mine.reduce((n, s) => n + s.record_count, 0) / mine.length;
      figures[harness] = {
        resolved: mine.filter((s) => s.resolved).length,
        sessions: mine.length,
        meanCompletions,
        nonShellTools: [...used].sort(),
        textOnly,
      };
      expect(meanCompletions, harness).toBeGreaterThanOrEqual(10);
      expect(meanCompletions, harness).toBeLessThanOrEqual(16);
      expect([...used], `${harness} used none of its own non-shell tools`).not.toEqual([]);
      expect(textOnly, `${harness}: text-only turns with text_rate 0`).toBe(0);
    }
    const report = readJson(path.join(runDir, 'report.json')) as { groups: Array<{ key: string; resolve_rate: number }> };
    for (const g of report.groups) expect(g.resolve_rate, g.key).toBe(1);
    expect(await runContainers(RUN_ID)).toEqual([]);

    const summary = JSON.parse(r.stdout) as { duration_ms: number };
    process.stdout.write(`agentic, ${TASKS.length} tasks × ${HARNESSES.length} harnesses in ${(summary.duration_ms / 1000).toFixed(1)} s\n`);
    for (const [h, f] of Object.entries(figures)) {
      process.stdout.write(
        `${h}: ${f.resolved}/${f.sessions} resolved, ${f.meanCompletions.toFixed(1)} completions per session, non-shell tools: ${f.nonShellTools.join(', ')}\n`,
      );
    }
  });
});
