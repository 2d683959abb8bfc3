// The main job with each of the newer agent CLIs (gemini-cli, pi, openclaw, kilo, copilot), real CLI from its
// cached npm bundle, real Docker, the built-in models: one table row per CLI and four runs each.
// - `--model oracle` on every fixture task: 100% resolved, every ses file COMPLETED, ≥ 2 records, its api_type;
// - `--model noop`: an early text-only exit with an empty generation;
// - a broken preset (the base URL removed through `harness_overrides`): no completions, the CLI's own words in
//   the output tail;
// - `--model loop` (a shell call every turn; these CLIs have no turn cap of their own): stopped by the
//   gateway's completion cap and classified `completion_cap`, well within the timeout.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const ONE_TASK = 'fixtures__calc-1';
const TIMEOUT_S = 300;
const CAP = 6;

/** What differs per CLI. */
interface Row {
  apiType: string;
  /** `harness_overrides.<name>.config` that removes the gateway base URL. */
  broken: Record<string, unknown>;
  /** What the CLI prints when it has no base URL (matched against diagnosis.agent_output_tail). */
  brokenOutput: RegExp;
}

const ROWS: Record<string, Row> = {
  'gemini-cli': {
    apiType: 'gemini',
    broken: { env: { GOOGLE_GEMINI_BASE_URL: null } },
    brokenOutput: /generativelanguage\.googleapis\.com|fetch failed/,
  },
  pi: { apiType: 'openai_chat', broken: { providers: { gw: { baseUrl: null } } }, brokenOutput: /Model "gw\/swebench-oracle" not found/ },
  openclaw: {
    apiType: 'openai_chat',
    broken: { models: { providers: { gw: { baseUrl: null } } } },
    brokenOutput: /custom model providers must declare baseUrl/,
  },
  kilo: { apiType: 'openai_chat', broken: { provider: { gw: { options: { baseURL: null } } } }, brokenOutput: /cannot be parsed as a URL/ },
  copilot: { apiType: 'openai_chat', broken: { COPILOT_PROVIDER_BASE_URL: null }, brokenOutput: /Offline mode requires a local model provider/ },
};

describe.skipIf(!fixturesDir)('submit with the newer agent CLIs (real CLIs, real Docker)', () => {
  let out: string;
  let dataset: string;
  let ids: string[];

  beforeAll(() => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    ids = readFileSync(dataset, 'utf8').trim().split('\n').map((l) => JSON.parse(l).instance_id as string);
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-more-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = (harness: string, runId: string, args: string[]) =>
    submit(['--harness', harness, '--dataset', dataset, '--output-dir', out, '--run-id', runId, '--timeout', String(TIMEOUT_S), ...args]);

  for (const [harness, row] of Object.entries(ROWS)) {
    describe(harness, () => {
      it(`--model oracle: 100% resolved, COMPLETED, record_count ≥ 2, api_type ${row.apiType}`, async () => {
        const runId = `${harness}-oracle`;
        const r = await run(harness, runId, ['--model', 'oracle', '--concurrency', '2', '--json']);
        expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
        const sessions = readSesFiles(path.join(out, runId));
        expect(sessions.map((s) => s.instance_id).sort()).toEqual([...ids].sort());
        for (const s of sessions) {
          const why = `${s.instance_id}: ${s.status} ${s.error_class} ${s.error} ${s.diagnosis?.agent_output_tail?.slice(-600)}`;
          expect(s.status, why).toBe('COMPLETED');
          expect(s.resolved, why).toBe(true);
          expect(s.record_count, why).toBeGreaterThanOrEqual(2);
          expect(s.trajectory.metadata.api_type).toBe(row.apiType);
          expect(s.trajectory.metadata.evaluation.report?.empty_generation).toBe(false);
        }
        const [group] = readJson(path.join(out, runId, 'report.json')).groups as Array<{ resolved: number; resolve_rate: number }>;
        expect(group!.resolve_rate).toBe(1);
        expect(await runContainers(runId)).toEqual([]);
        const summary = JSON.parse(r.stdout) as { duration_ms: number };
        process.stdout.write(`${harness}: ${group!.resolved}/${ids.length} resolved in ${(summary.duration_ms / 1000).toFixed(1)} s\n`);
      });

      it('--model noop: early_exit_text_only, empty_generation', async () => {
        const runId = `${harness}-noop`;
        const r = await run(harness, runId, ['--model', 'noop', '--instance-ids', ONE_TASK]);
        expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
        const [s] = readSesFiles(path.join(out, runId));
        expect(s, r.stderr.slice(-3000)).toMatchObject({ status: 'FAILED', error_class: 'early_exit_text_only', resolved: false, patch: '' });
        expect(s!.record_count).toBeGreaterThanOrEqual(1);
        expect(s!.trajectory.metadata.evaluation.report?.empty_generation).toBe(true);
        expect(s!.trajectory.metadata.api_type).toBe(row.apiType);
      });

      it('a broken preset (no base URL) → no_completions with the CLI output tail', async () => {
        const runId = `${harness}-broken`;
        const yaml = path.join(out, `${runId}.yaml`);
        // YAML is a superset of JSON: the override goes in as written
        writeFileSync(yaml, `${JSON.stringify({ harness: [harness], model: 'oracle', harness_overrides: { [harness]: { config: row.broken } } })}\n`);
        const r = await submit(['--config', yaml, '--dataset', dataset, '--instance-ids', ONE_TASK, '--output-dir', out, '--run-id', runId, '--timeout', String(TIMEOUT_S)]);
        expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
        const [s] = readSesFiles(path.join(out, runId));
        expect(s, r.stderr.slice(-3000)).toMatchObject({ status: 'FAILED', error_class: 'no_completions', record_count: 0, resolved: false });
        expect(s!.diagnosis?.agent_output_tail).toMatch(row.brokenOutput);
        process.stdout.write(`${harness} broken: ${s!.diagnosis?.harness ?? s!.error} (${(s!.timings_ms.agent / 1000).toFixed(1)} s)\n`);
      });

      it(`--model loop: stopped by the completion cap (${CAP}), classified completion_cap`, async () => {
        const runId = `${harness}-loop`;
        const r = await run(harness, runId, ['--model', 'loop', '--instance-ids', ONE_TASK, '--max-completions', String(CAP)]);
        expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
        const [s] = readSesFiles(path.join(out, runId));
        expect(s, r.stderr.slice(-3000)).toMatchObject({ status: 'FAILED', error_class: 'completion_cap', resolved: false });
        expect(s!.record_count).toBeGreaterThanOrEqual(CAP);
        expect(s!.timings_ms.agent).toBeLessThan(TIMEOUT_S * 1000);
        expect(await runContainers(runId)).toEqual([]);
        process.stdout.write(`${harness} loop: ${s!.record_count} records, stopped after ${(s!.timings_ms.agent / 1000).toFixed(1)} s\n`);
      });
    });
  }
});
