// RunResults writes report.json through the one report model while sessions finish: whatever the interleaving, the
// report a caller awaits includes its session, and the rate is always over the planned sessions of run.json.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSubmitConfig } from '../../../src/config/load.js';
import type { RunManifest } from '../../../src/run/manifest.js';
import { RunResults } from '../../../src/run/results.js';
import { makeSes } from '../../helpers/run-dir.js';

const ids = Array.from({ length: 8 }, (_, i) => `o__r-${i + 1}`);

function manifest(runId: string): RunManifest {
  return {
    schema_version: 1, run_id: runId, swebench_version: 'test', status: 'running', started_at: '2026-01-01T00:00:00.000Z', finished_at: null,
    resumed_at: [], host: { hostname: 'h', platform: 'linux', arch: 'x64', node: 'v20', cpus: 2, memory_bytes: 1 },
    config: resolveSubmitConfig({ flags: { harness: ['noop'], model: 'oracle', run_id: runId } }), config_hash: 'x',
    harnesses: [{ name: 'noop', package: '', version: '1.0.0', protocol: 'openai_chat', bundle_dir: null }],
    model: { name: 'oracle', upstream: 'oracle-upstream', source: null }, dataset: { source: 'd', split: 'test', tasks: ids.length },
    instance_ids: ids, sessions: ids.length,
  };
}

describe('RunResults', () => {
  it('every awaited add is in report.json, with sessions finishing in bursts; rates over the 8 planned sessions', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-results-'));
    const results = new RunResults(dir, manifest('burst'), []);
    await results.init();
    const read = () => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(read().groups[0]).toMatchObject({ key: 'noop__oracle', planned_sessions: 8, sessions: 0, resolve_rate: 0, not_run_sessions: 8 });

    const first = makeSes({ instance_id: ids[0]!, resolved: true, model: 'oracle' }, 'burst');
    await results.add(first);
    expect(read().groups[0]).toMatchObject({ sessions: 1, resolved: 1, resolve_rate: 1 / 8 });

    // five at once, not awaited one by one: each add's promise resolves only once a report holding it is written
    const burst = ids.slice(1, 6).map((id, i) => makeSes({ instance_id: id, resolved: i % 2 === 0, model: 'oracle' }, 'burst'));
    await Promise.all(burst.map(async (ses) => {
      await results.add(ses);
      expect(read().sessions.map((s: { session_id: string }) => s.session_id)).toContain(ses.session_id);
    }));
    await results.finish();
    const g = read().groups[0];
    expect(g).toMatchObject({ sessions: 6, resolved: 4, planned_sessions: 8, resolve_rate: 4 / 8, not_run_sessions: 2 });
    expect(results.report.groups[0]).toEqual(g);
    const predictions = readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8').trim().split('\n');
    expect(predictions).toHaveLength(6);
  });
});
