// The report's data model: what `swebench report --format json` prints (stable, documented in docs below) and what
// every renderer, the CI gates and `compare` consume.
import type { RunSummary } from '../eval/summary.js';
import type { ErrorClass, SessionStatus } from '../run/ses-file.js';
import type { Distribution, Interval } from './stats.js';

/** Bumped on any incompatible change of RunReport's JSON. */
export const REPORT_SCHEMA_VERSION = 1;

/** How one (instance, harness × model) pair turned out: at least one sample resolved, an infra/ERROR failure, no session, or else unresolved. */
export type CellOutcome = 'resolved' | 'unresolved' | 'error' | 'missing';

/**
 * One harness × model of a run. Rates count every planned session (tasks × num_samples): a session that is missing
 * or CANCELLED counts as unresolved; `resolve_rate_excluding_infra` drops sessions whose error_class is an infra class
 * (infra_error, eval_error, eval_timeout) from the denominator.
 */
export interface GroupReport {
  /** `<harness>__<model>`, the `model_name_or_path` of predictions.jsonl. */
  key: string;
  harness: string;
  harness_version: string;
  /** The model name the harness was told. */
  model: string;
  /** The upstream model that served it. */
  upstream_model: string;
  /** Size of the run's task set. */
  tasks: number;
  /** run.json's num_samples; without a plan, max(sample_index) + 1 over this group's sessions (1 when it has none). */
  num_samples: number;
  /** tasks × num_samples. */
  planned_sessions: number;
  /** Ses files found. */
  sessions: number;
  /** Resolved sessions. */
  resolved: number;
  /** Tasks with at least one resolved sample. */
  resolved_tasks: number;
  /** resolved / planned_sessions. */
  resolve_rate: number;
  /** Wilson 95% interval of resolve_rate. */
  resolve_rate_ci95: Interval;
  /** Sessions whose error_class is an infra class. */
  infra_errors: number;
  /** resolved / (planned_sessions − infra_errors); null when nothing is left. */
  resolve_rate_excluding_infra: number | null;
  resolve_rate_excluding_infra_ci95: Interval | null;
  /**
   * Unbiased pass@k averaged over all tasks (a task with no non-cancelled sample scores 0), for k = 1, 2, 4, 8, … and
   * the largest k every sampled task supports. With one sample per task pass@1 = resolved tasks / tasks.
   */
  pass_at_k: Record<string, number>;
  /** Sessions whose extracted patch is empty (`empty_generation`). */
  empty_patches: number;
  /** Sessions continued at least once after an early stop (`--nudge`), the continuations in all, and how many of those sessions resolved. */
  nudged_sessions: number;
  nudges: number;
  resolved_after_nudge: number;
  /** Context compactions (records of kind `compaction`) summed over the sessions. */
  compactions: number;
  /** Planned sessions that did not run: CANCELLED, or no ses file yet (a run in progress, or killed hard). */
  not_run_sessions: number;
  /** Sessions by status (every status present, 0 when none). */
  statuses: Record<SessionStatus, number>;
  /** Sessions by error_class (every class present, plus `none` for sessions without one). */
  error_classes: Record<ErrorClass | 'none', number>;
  /** run_ms of the sessions. */
  session_time_ms: Distribution;
  /** record_count (completions) of the sessions. */
  completions_per_session: Distribution;
  /** Token usage summed over the sessions. */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /**
   * The official SWE-bench summary (makeRunSummary, schema_version 2) over the task set from the sample-0 sessions,
   * exactly as the pipeline's report.json: no sample-0 session, CANCELLED or patch never extracted → incomplete; empty
   * patch → empty_patch; an official evaluation report → completed (resolved or not); otherwise error.
   */
  official: RunSummary;
}

/** One session as the renderers and JUnit need it. */
export interface SessionRow {
  group: string;
  instance_id: string;
  session_id: string;
  sample_index: number;
  status: SessionStatus;
  error_class: ErrorClass | null;
  error: string | null;
  resolved: boolean;
  empty_patch: boolean;
  run_ms: number;
  record_count: number;
  /** Continuations after early stops, and context compactions, in this session. */
  nudges: number;
  compactions: number;
  total_tokens: number;
  /** The ses file, relative to the run directory. */
  file: string;
  /** Artifact paths relative to the run directory (as in the ses file). */
  artifacts: { records: string; agent_log: string; patch: string; eval_dir: string | null };
}

/** One instance across the groups. */
export interface InstanceRow {
  instance_id: string;
  /** By group key: samples = non-cancelled sessions, resolved = how many of them resolved. */
  cells: Record<string, { samples: number; resolved: number; outcome: CellOutcome }>;
}

export interface RunReport {
  schema_version: typeof REPORT_SCHEMA_VERSION;
  kind: 'swebench-report';
  run: {
    dir: string;
    run_id: string | null;
    started_at: string | null;
    finished_at: string | null;
    /** Where the task set came from: run.json's instance_ids, or the ses files found. */
    task_set_source: 'run.json' | 'ses_files';
    tasks: number;
  };
  /** Sorted by harness, then model. */
  groups: GroupReport[];
  totals: { planned_sessions: number; sessions: number; resolved: number; infra_errors: number; empty_patches: number };
  /** In task-set order. */
  instances: InstanceRow[];
  /** By group, then task-set order, then sample_index. */
  sessions: SessionRow[];
}
