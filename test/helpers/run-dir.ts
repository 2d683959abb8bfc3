// Builds synthetic run directories (run.json + schema-conformant ses files) in temp dirs, for report/compare/merge tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ErrorClass, SesFile, SessionStatus } from '../../src/run/ses-file.js';

/** The few fields a test cares about; everything else gets a plausible default. */
export interface SesSpec {
  instance_id: string;
  harness?: string;
  model?: string;
  sample_index?: number;
  status?: SessionStatus;
  error_class?: ErrorClass | null;
  error?: string | null;
  resolved?: boolean;
  /** Default: a one-line diff; '' for an empty patch. */
  patch?: string;
  run_ms?: number;
  record_count?: number;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
  /** Default: an official entry when a non-empty patch was graded (no infra/apply error), else {empty_generation} or null. */
  report?: SesFile['trajectory']['metadata']['evaluation']['report'];
  session_id?: string;
  /** false when the session never reached `git diff` (no prediction). @default true, false for CANCELLED */
  patch_extracted?: boolean;
  nudges?: SesFile['nudges'];
  compactions?: number;
}

let counter = 0;

/** A full SesFile from a spec. */
export function makeSes(spec: SesSpec, runId = 'test-run'): SesFile {
  const harness = spec.harness ?? 'noop';
  const model = spec.model ?? 'oracle';
  const resolved = spec.resolved ?? false;
  const patch = spec.patch ?? 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
  const errorClass = spec.error_class ?? null;
  const sid = spec.session_id ?? (++counter).toString(16).padStart(16, '0');
  const status = spec.status ?? 'COMPLETED';
  const extracted = spec.patch_extracted ?? status !== 'CANCELLED';
  const emptyGeneration = extracted && patch === '';
  const noReport = errorClass === 'patch_apply_failed' || errorClass === 'eval_error' || errorClass === 'eval_timeout' || errorClass === 'infra_error';
  const report =
    spec.report !== undefined
      ? spec.report
      : emptyGeneration
        ? { patch_is_None: false, patch_exists: false, patch_successfully_applied: false, resolved: false, empty_generation: true }
        : noReport || status === 'CANCELLED' || !extracted
          ? null
          : { patch_is_None: false, patch_exists: true, patch_successfully_applied: true, resolved, empty_generation: false };
  const usage = spec.usage ?? { prompt_tokens: 100, completion_tokens: 10 };
  const dir = `rollout_results/task_${spec.instance_id}/ses_${sid}`;
  const recordCount = spec.record_count ?? 2;
  return {
    schema_version: 4,
    run_id: runId,
    instance_id: spec.instance_id,
    session_id: sid,
    sample_index: spec.sample_index ?? 0,
    harness: { name: harness, version: '1.0.0' },
    model: { name: model, upstream: `${model}-upstream` },
    status,
    error: spec.error ?? (errorClass ? `${errorClass.replace(/_/g, ' ')}` : status === 'COMPLETED' ? null : status.toLowerCase()),
    error_class: errorClass,
    empty_generation: emptyGeneration,
    record_count: recordCount,
    compactions: spec.compactions ?? 0,
    nudges: spec.nudges ?? [],
    chains: { main: recordCount, subagent: 0, compaction: 0, title: 0, auxiliary: 0 },
    tokens: null,
    weight_versions: [],
    trace_count: recordCount,
    run_ms: spec.run_ms ?? 1000,
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:00:01.000Z',
    timings_ms: { container_start: 10, harness_setup: 5, agent: 500, patch: 5, eval: 400 },
    usage: { ...usage, total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens },
    exit_code: 0,
    patch,
    reward: resolved ? 1 : 0,
    resolved,
    trajectory: { messages: [], metadata: { api_type: 'openai_chat', evaluation: { report } } },
    artifacts: { records: `${dir}/records.jsonl`, agent_log: `${dir}/agent.log`, patch: `${dir}/patch.diff`, eval_dir: report ? `${dir}/eval` : null },
    patch_extracted: extracted,
    agent_first_request_ms: null,
    image: 'swebench-fixture:latest',
  };
}

export interface RunDirSpec {
  runId?: string;
  /** run.json instance_ids; null = no instance_ids field; undefined = the sessions' ids in first-seen order. */
  instanceIds?: string[] | null;
  config?: Record<string, unknown>;
  /** false = no run.json at all. @default true */
  runJson?: boolean;
  sessions: SesSpec[];
}

/** Writes a run directory under `parent` (a fresh temp dir when omitted) and returns its path. */
export function buildRunDir(spec: RunDirSpec, parent?: string, name?: string): string {
  const base = parent ?? mkdtempSync(path.join(os.tmpdir(), 'swebench-report-'));
  const runId = spec.runId ?? name ?? 'test-run';
  const dir = path.join(base, name ?? runId);
  mkdirSync(dir, { recursive: true });
  const sessions = spec.sessions.map((s) => makeSes(s, runId));
  if (spec.runJson !== false) {
    const ids = spec.instanceIds === undefined ? [...new Set(sessions.map((s) => s.instance_id))] : spec.instanceIds;
    const runJson: Record<string, unknown> = {
      run_id: runId,
      config: spec.config ?? { harness: ['noop'], model: 'oracle', num_samples: 1 },
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T01:00:00.000Z',
    };
    if (ids !== null) runJson.instance_ids = ids;
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(runJson, null, 2));
  }
  for (const ses of sessions) {
    const taskDir = path.join(dir, 'rollout_results', `task_${ses.instance_id}`);
    mkdirSync(path.join(taskDir, `ses_${ses.session_id}`), { recursive: true });
    writeFileSync(path.join(taskDir, `ses_${ses.session_id}.json`), JSON.stringify(ses, null, 2));
    writeFileSync(path.join(dir, ses.artifacts.agent_log), `agent output of ${ses.session_id}\n`);
    writeFileSync(path.join(dir, ses.artifacts.patch), ses.patch);
    writeFileSync(path.join(dir, ses.artifacts.records), '');
    if (ses.artifacts.eval_dir) mkdirSync(path.join(dir, ses.artifacts.eval_dir));
  }
  return dir;
}
