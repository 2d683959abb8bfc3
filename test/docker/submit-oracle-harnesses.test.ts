// The main job end to end with every real harness CLI: `swebench submit --model oracle` on all fixture tasks
// (including rows that carry the official eval_script and the /testbed + conda-shim image conventions).
// A correct harness integration resolves 100%: every session COMPLETED, ≥ 2 completions recorded (the tool call,
// then the final answer), the harness's wire protocol as api_type, and a non-empty generation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SesFileSchema } from '../../src/run/ses-file.js';
import { readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const API_TYPE: Record<string, string> = {
  opencode: 'openai_chat',
  codex: 'openai_responses',
  'claude-code': 'anthropic_messages',
  'qwen-code': 'openai_chat',
};

describe.skipIf(!fixturesDir)('submit --model oracle with each real harness resolves every fixture task', () => {
  let out: string;
  let dataset: string;
  let ids: string[];

  beforeAll(() => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    ids = readFileSync(dataset, 'utf8').trim().split('\n').map((l) => JSON.parse(l).instance_id as string);
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-oracle-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  for (const harness of Object.keys(API_TYPE)) {
    it(`${harness}: 100% resolved, COMPLETED, record_count ≥ 2, api_type ${API_TYPE[harness]}`, async () => {
      const r = await submit(['--harness', harness, '--model', 'oracle', '--dataset', dataset, '--output-dir', out,
        '--run-id', harness, '--concurrency', '2', '--timeout', '300', '--json']);
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
      const sessions = readSesFiles(path.join(out, harness));
      expect(sessions.map((s) => s.instance_id).sort()).toEqual([...ids].sort());
      for (const s of sessions) {
        const { file: _file, ...ses } = s;
        SesFileSchema.parse(ses);
        const why = `${s.instance_id}: ${s.status} ${s.error_class} ${s.error}`;
        expect(s.status, why).toBe('COMPLETED');
        expect(s.resolved, why).toBe(true);
        expect(s.record_count, why).toBeGreaterThanOrEqual(2);
        expect(s.trajectory.metadata.api_type).toBe(API_TYPE[harness]);
        expect(s.trajectory.metadata.evaluation.report?.empty_generation).toBe(false);
        expect(s.trajectory.metadata.evaluation.report?.resolved).toBe(true);
      }
      const [group] = readJson(path.join(out, harness, 'report.json')).groups as Array<{ resolved: number; resolve_rate: number; official: { resolved_instances: number } }>;
      expect(group!.official.resolved_instances).toBe(ids.length);
      expect(group!.resolve_rate).toBe(1);
      expect(await runContainers(harness)).toEqual([]);
      const summary = JSON.parse(r.stdout);
      process.stdout.write(`${harness}: ${group!.resolved}/${ids.length} resolved in ${(summary.duration_ms / 1000).toFixed(1)} s\n`);
    });
  }
});
