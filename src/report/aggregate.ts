// Recomputes every figure of a run from its ses files (never from report.json): per harness × model rates, pass@k,
// error classes, time and token figures, and the official summary fields.
import { makeRunSummary, type RunSummary } from '../eval/summary.js';
import type { InstanceReport } from '../eval/report-types.js';
import { ERROR_CLASSES, INFRA_ERROR_CLASSES, SESSION_STATUSES, type ErrorClass, type SesFile } from '../run/ses-file.js';
import type { LoadedRun, LoadedSession } from './run-dir.js';
import { describe, passAtK, wilsonInterval } from './stats.js';
import { REPORT_SCHEMA_VERSION, type CellOutcome, type GroupReport, type InstanceRow, type RunReport, type SessionRow } from './types.js';

/** Error classes after which no official report can exist for the patch. */
const NO_REPORT_CLASSES: ReadonlySet<ErrorClass> = new Set(['patch_apply_failed', 'eval_error', 'eval_timeout']);

/** The group key, `<harness>__<model>` (predictions.jsonl's model_name_or_path). */
export function groupKey(ses: { harness: { name: string }; model: { name: string } }): string {
  return `${ses.harness.name}__${ses.model.name}`;
}

/** True for sessions that failed for infrastructure reasons (excluded from resolve_rate_excluding_infra). */
export function isInfraError(ses: Pick<SesFile, 'error_class'>): boolean {
  return ses.error_class !== null && INFRA_ERROR_CLASSES.has(ses.error_class);
}

/** One harness × model as the report names it: from run.json's plan, else from its first ses file. */
interface GroupId {
  key: string;
  harness: string;
  harness_version: string;
  model: string;
  upstream_model: string;
}

/**
 * Builds the report of a run: what `swebench report` prints and what `submit` writes as report.json (the one report
 * model). Rates are over planned sessions: the plan's systems × tasks × num_samples when run.json records a plan,
 * else the systems and samples the ses files show.
 */
export function aggregateRun(run: LoadedRun): RunReport {
  const order = new Map(run.instanceIds.map((id, i) => [id, i]));
  const byGroup = new Map<string, LoadedSession[]>();
  const ids = new Map<string, GroupId>();
  for (const g of run.plan?.groups ?? []) {
    const key = groupKey({ harness: { name: g.harness }, model: { name: g.model } });
    ids.set(key, { key, ...g });
    byGroup.set(key, []);
  }
  for (const s of run.sessions) {
    const key = groupKey(s.ses);
    if (!ids.has(key)) ids.set(key, { key, harness: s.ses.harness.name, harness_version: s.ses.harness.version, model: s.ses.model.name, upstream_model: s.ses.model.upstream });
    let list = byGroup.get(key);
    if (!list) byGroup.set(key, (list = []));
    list.push(s);
  }
  const keys = [...ids.values()].sort((x, y) => cmp(x.harness, y.harness) || cmp(x.model, y.model)).map((g) => g.key);
  const sessionOrder = (a: LoadedSession, b: LoadedSession) =>
    (order.get(a.ses.instance_id) ?? 0) - (order.get(b.ses.instance_id) ?? 0) || a.ses.sample_index - b.ses.sample_index;
  // Per group, per instance: built once so a report over thousands of sessions stays linear.
  const cells = new Map(keys.map((k) => [k, byInstance(byGroup.get(k)!.sort(sessionOrder))]));
  const groups = keys.map((k) => aggregateGroup(ids.get(k)!, byGroup.get(k)!, cells.get(k)!, run.instanceIds, run.plan?.num_samples));
  const sessions = keys.flatMap((k) => byGroup.get(k)!.map(sessionRow));
  const instances = run.instanceIds.map((id): InstanceRow => ({
    instance_id: id,
    cells: Object.fromEntries(keys.map((k) => [k, cellFor(cells.get(k)!.get(id) ?? [])])),
  }));
  const sum = (f: (g: GroupReport) => number) => groups.reduce((s, g) => s + f(g), 0);
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    kind: 'swebench-report',
    run: {
      dir: run.dir,
      run_id: run.meta?.run_id ?? run.sessions[0]?.ses.run_id ?? null,
      started_at: run.meta?.started_at ?? null,
      finished_at: run.meta?.finished_at ?? null,
      task_set_source: run.taskSetSource,
      tasks: run.instanceIds.length,
    },
    groups,
    totals: {
      planned_sessions: sum((g) => g.planned_sessions),
      sessions: sum((g) => g.sessions),
      resolved: sum((g) => g.resolved),
      infra_errors: sum((g) => g.infra_errors),
      empty_patches: sum((g) => g.empty_patches),
    },
    instances,
    sessions,
  };
}

function byInstance(sessions: readonly LoadedSession[]): Map<string, LoadedSession[]> {
  const out = new Map<string, LoadedSession[]>();
  for (const s of sessions) {
    let list = out.get(s.ses.instance_id);
    if (!list) out.set(s.ses.instance_id, (list = []));
    list.push(s);
  }
  return out;
}

function aggregateGroup(id: GroupId, sessions: LoadedSession[], cells: Map<string, LoadedSession[]>, instanceIds: string[], plannedSamples: number | undefined): GroupReport {
  const all = sessions.map((s) => s.ses);
  const tasks = instanceIds.length;
  const numSamples = plannedSamples ?? Math.max(1, ...all.map((s) => s.sample_index + 1));
  const planned = tasks * numSamples;
  const resolved = all.filter((s) => s.resolved).length;
  const infra = all.filter(isInfraError).length;
  const perTask = instanceIds.map((iid) => (cells.get(iid) ?? []).map((s) => s.ses));
  const remaining = planned - infra;
  return {
    ...id,
    tasks,
    num_samples: numSamples,
    planned_sessions: planned,
    sessions: all.length,
    resolved,
    resolved_tasks: perTask.filter((ss) => ss.some((s) => s.resolved)).length,
    resolve_rate: planned === 0 ? 0 : resolved / planned,
    resolve_rate_ci95: wilsonInterval(resolved, planned),
    infra_errors: infra,
    resolve_rate_excluding_infra: remaining > 0 ? resolved / remaining : null,
    resolve_rate_excluding_infra_ci95: remaining > 0 ? wilsonInterval(resolved, remaining) : null,
    pass_at_k: passAtKTable(perTask.map((ss) => ss.filter((s) => s.status !== 'CANCELLED'))),
    empty_patches: all.filter((s) => s.empty_generation).length,
    nudged_sessions: all.filter((s) => s.nudges.length > 0).length,
    nudges: all.reduce((n, s) => n + s.nudges.length, 0),
    resolved_after_nudge: all.filter((s) => s.nudges.length > 0 && s.resolved).length,
    compactions: all.reduce((n, s) => n + s.compactions, 0),
    not_run_sessions: Math.max(0, planned - all.filter((s) => s.status !== 'CANCELLED').length),
    statuses: countBy(SESSION_STATUSES, all.map((s) => s.status)),
    error_classes: countBy([...ERROR_CLASSES, 'none'] as const, all.map((s) => s.error_class ?? 'none')),
    session_time_ms: describe(all.map((s) => s.run_ms)),
    completions_per_session: describe(all.map((s) => s.record_count)),
    usage: {
      prompt_tokens: all.reduce((n, s) => n + s.usage.prompt_tokens, 0),
      completion_tokens: all.reduce((n, s) => n + s.usage.completion_tokens, 0),
      total_tokens: all.reduce((n, s) => n + s.usage.total_tokens, 0),
    },
    official: officialSummary(all, instanceIds),
  };
}

/** pass@k for k = 1, 2, 4, … and kmax = the fewest samples of any task that has some; unsampled tasks score 0. */
function passAtKTable(perTask: SesFile[][]): Record<string, number> {
  const sampled = perTask.filter((ss) => ss.length > 0);
  if (perTask.length === 0) return {};
  const kmax = sampled.length === 0 ? 1 : Math.min(...sampled.map((ss) => ss.length));
  const ks: number[] = [];
  for (let k = 1; k <= kmax; k *= 2) ks.push(k);
  if (ks[ks.length - 1] !== kmax) ks.push(kmax);
  const table: Record<string, number> = {};
  for (const k of ks) {
    const total = perTask.reduce((sum, ss) => (ss.length === 0 ? sum : sum + passAtK(ss.length, ss.filter((s) => s.resolved).length, k)), 0);
    table[String(k)] = total / perTask.length;
  }
  return table;
}

/**
 * The official summary over sample 0, as the pipeline's report.json computes it: a session has a prediction unless it
 * was cancelled or its patch was never extracted; a prediction is graded when its evaluation wrote an official report.
 */
function officialSummary(sessions: SesFile[], instanceIds: string[]): RunSummary {
  const predictions: Array<{ instance_id: string; model_patch: string }> = [];
  const reports = new Map<string, InstanceReport | null>();
  for (const s of sessions) {
    if (s.sample_index !== 0 || s.status === 'CANCELLED' || s.patch_extracted === false) continue;
    predictions.push({ instance_id: s.instance_id, model_patch: s.patch });
    const r = s.trajectory.metadata.evaluation.report;
    const graded = r !== null && !r.empty_generation && typeof r.resolved === 'boolean' && !(s.error_class !== null && NO_REPORT_CLASSES.has(s.error_class));
    reports.set(
      s.instance_id,
      graded
        ? { [s.instance_id]: { patch_is_None: false, patch_exists: true, patch_successfully_applied: r.patch_successfully_applied ?? true, resolved: r.resolved === true } }
        : null,
    );
  }
  return makeRunSummary({ tasks: instanceIds.map((instance_id) => ({ instance_id })), predictions, reports });
}

function cellFor(sessions: LoadedSession[]): InstanceRow['cells'][string] {
  const ran = sessions.map((s) => s.ses).filter((s) => s.status !== 'CANCELLED');
  const resolved = ran.filter((s) => s.resolved).length;
  const outcome: CellOutcome =
    ran.length === 0 ? 'missing' : resolved > 0 ? 'resolved' : ran.some((s) => isInfraError(s) || s.status === 'ERROR') ? 'error' : 'unresolved';
  return { samples: ran.length, resolved, outcome };
}

function sessionRow({ ses, file }: LoadedSession): SessionRow {
  return {
    group: groupKey(ses),
    instance_id: ses.instance_id,
    session_id: ses.session_id,
    sample_index: ses.sample_index,
    status: ses.status,
    error_class: ses.error_class,
    error: ses.error,
    resolved: ses.resolved,
    empty_patch: ses.empty_generation,
    run_ms: ses.run_ms,
    record_count: ses.record_count,
    nudges: ses.nudges.length,
    compactions: ses.compactions,
    total_tokens: ses.usage.total_tokens,
    file,
    artifacts: { records: ses.artifacts.records, agent_log: ses.artifacts.agent_log, patch: ses.artifacts.patch, eval_dir: ses.artifacts.eval_dir },
  };
}

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) out[v] += 1;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

