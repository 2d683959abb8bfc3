// merge: shards become one run directory whose report equals the unsharded run's; overlapping shards, shards with
// different configs and a non-empty output directory are refused.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { aggregateRun } from '../../../src/report/aggregate.js';
import { diffPaths, mergeRuns, stripShardKeys } from '../../../src/report/merge.js';
import { loadRun } from '../../../src/report/run-dir.js';
import { buildRunDir, type SesSpec } from '../../helpers/run-dir.js';

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-merge-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ids = ['m__a-1', 'm__b-2', 'm__c-3', 'm__d-4', 'm__e-5'];
const specs: SesSpec[] = [
  { instance_id: ids[0]!, resolved: true, run_ms: 100 },
  { instance_id: ids[1]!, resolved: false, run_ms: 200 },
  { instance_id: ids[2]!, status: 'ERROR', error_class: 'infra_error', patch: '', run_ms: 300 },
  { instance_id: ids[3]!, resolved: true, run_ms: 400 },
  { instance_id: ids[4]!, status: 'FAILED', error_class: 'no_completions', patch: '', run_ms: 500 },
];
const config = (shard: string | null) => ({ harness: ['noop'], model: 'oracle', num_samples: 1, max_tasks: 5, shard, run_id: `r-${shard}`, output_dir: `out/${shard}`, concurrency: shard ? 2 : 4 });

describe('mergeRuns', () => {
  it('the union of shard 1/2 and 2/2 reports exactly like the unsharded run', async () => {
    const s1 = buildRunDir({ runId: 's1', instanceIds: ids.slice(0, 2), config: config('1/2'), sessions: specs.slice(0, 2) }, tmp, 's1');
    const s2 = buildRunDir({ runId: 's2', instanceIds: ids.slice(2), config: config('2/2'), sessions: specs.slice(2) }, tmp, 's2');
    const whole = buildRunDir({ runId: 'whole', instanceIds: ids, config: config(null), sessions: specs }, tmp, 'whole');
    const out = path.join(tmp, 'merged');
    const result = await mergeRuns({ dirs: [s1, s2], out }, { logger: silentLogger });
    expect(result).toMatchObject({ dir: out, sessions: 5, instances: 5 });

    const merged = aggregateRun(await loadRun(out));
    const unsharded = aggregateRun(await loadRun(whole));
    expect(merged.groups).toEqual(unsharded.groups);
    expect(merged.groups[0]!.official.resolved_ids).toEqual([ids[0], ids[3]]);
    expect(merged.instances).toEqual(unsharded.instances);
    expect(merged.run.task_set_source).toBe('run.json');

    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.run_id).toBe('merged');
    expect(runJson.instance_ids).toEqual(ids);
    expect(runJson.merged_from.map((m: { run_id: string; shard: string; sessions: number }) => [m.run_id, m.shard, m.sessions])).toEqual([['s1', '1/2', 2], ['s2', '2/2', 3]]);
    expect(runJson.finished_at).toBe('2026-01-01T01:00:00.000Z');

    const preds = readFileSync(path.join(out, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(preds.map((p: { instance_id: string }) => p.instance_id)).toEqual(ids);
    expect(preds[0]).toMatchObject({ model_name_or_path: 'noop__oracle', harness: 'noop', sample_index: 0 });
    expect(preds[2].model_patch).toBe('');

    // Artifacts keep their relative paths, and report.json is the recomputed report.
    const ses = merged.sessions[0]!;
    expect(readFileSync(path.join(out, ses.artifacts.agent_log), 'utf8')).toContain(ses.session_id);
    // report.json is the one report model: exactly what `swebench report --json` gives for the merged directory.
    expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(merged)));
    expect(merged.groups[0]!.official.total_instances).toBe(5);
    expect(runJson.config).not.toHaveProperty('shard');
    expect(runJson).not.toHaveProperty('config_hash');
  });

  it('refuses overlapping shards (same instance in two task sets, or the same session twice)', async () => {
    const p1 = buildRunDir({ runId: 'o1', instanceIds: ids.slice(0, 3), config: config('1/2'), sessions: specs.slice(0, 3) }, tmp, 'o1');
    const p2 = buildRunDir({ runId: 'o2', instanceIds: ids.slice(2), config: config('2/2'), sessions: specs.slice(2) }, tmp, 'o2');
    await expect(mergeRuns({ dirs: [p1, p2], out: path.join(tmp, 'o-out') }, { logger: silentLogger })).rejects.toThrow(
      /instance m__c-3 is in the task set of both .*o1 and .*o2: the shards overlap/,
    );
    const q1 = buildRunDir({ runId: 'q1', instanceIds: null, config: config('1/2'), sessions: specs.slice(0, 2) }, tmp, 'q1');
    const q2 = buildRunDir({ runId: 'q2', instanceIds: null, config: config('2/2'), sessions: specs.slice(1, 3) }, tmp, 'q2');
    await expect(mergeRuns({ dirs: [q1, q2], out: path.join(tmp, 'q-out') }, { logger: silentLogger })).rejects.toThrow(
      /session of noop\/oracle on m__b-2 \(sample 0\) is in both/,
    );
    expect(existsSync(path.join(tmp, 'o-out'))).toBe(false);
  });

  it('refuses shards run with different configs, naming the differing keys', async () => {
    const c1 = buildRunDir({ runId: 'c1', instanceIds: ids.slice(0, 2), config: config('1/2'), sessions: specs.slice(0, 2) }, tmp, 'c1');
    const c2 = buildRunDir({ runId: 'c2', instanceIds: ids.slice(2), config: { ...config('2/2'), model: 'noop', num_samples: 2 }, sessions: specs.slice(2) }, tmp, 'c2');
    await expect(mergeRuns({ dirs: [c1, c2], out: path.join(tmp, 'c-out') }, { logger: silentLogger })).rejects.toThrow(
      /was run with a different config than .*c1: model, num_samples/,
    );
  });

  it('refuses a non-empty output directory and a shard without run.json', async () => {
    const d1 = buildRunDir({ runId: 'd1', instanceIds: ids.slice(0, 2), config: config('1/2'), sessions: specs.slice(0, 2) }, tmp, 'd1');
    const d2 = buildRunDir({ runId: 'd2', instanceIds: ids.slice(2), config: config('2/2'), sessions: specs.slice(2) }, tmp, 'd2');
    const full = path.join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'x'), '');
    await expect(mergeRuns({ dirs: [d1, d2], out: full }, { logger: silentLogger })).rejects.toThrow(/output directory .* is not empty/);
    const e2 = buildRunDir({ runJson: false, sessions: specs.slice(2) }, tmp, 'e2');
    await expect(mergeRuns({ dirs: [d1, e2], out: path.join(tmp, 'e-out') }, { logger: silentLogger })).rejects.toThrow(/has no run.json/);
    await expect(mergeRuns({ dirs: [d1], out: path.join(tmp, 'f-out') }, { logger: silentLogger })).rejects.toThrow(/at least two/);
  });

  it('config comparison ignores shard-specific keys at any depth', () => {
    expect(stripShardKeys({ a: 1, shard: '1/2', nested: { shard: '1/2', b: [1, { resume: true, c: 2 }] } })).toEqual({ a: 1, nested: { b: [1, { c: 2 }] } });
    expect(diffPaths({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2, d: 4 }, e: 5 }, [])).toEqual(['b.d', 'e']);
  });
});
