// Assembles the ses file (ses-file.ts) from whatever a session got to: every field is filled on every path,
// from a clean COMPLETED run to a session cancelled before its container started.
import type { InstanceOutcome } from '../eval/run-instance.js';
import type { HarnessFailure } from '../harness/types.js';
import { describeGateway, oneLine, outputTail, type AgentEnd, type Verdict } from './diagnose.js';
import type { SessionPaths } from './layout.js';
import { emptyDigest, trajectoryMessages, type RecordsDigest } from './records-digest.js';
import { SES_SCHEMA_VERSION, SesFileSchema, type EvaluationReport, type SesFile, type SesNudge, type SessionPhase } from './ses-file.js';
import type { SessionEnv, SessionPlan } from './types.js';

type Timings = SesFile['timings_ms'];

/** What the pipeline knew when the session ended. */
export interface SessionState {
  agentEnd: AgentEnd | null;
  failure: HarnessFailure | undefined;
  launchedAtMs: number | null;
  nudges: SesNudge[];
  digest: RecordsDigest;
  patch: string;
  patchExtracted: boolean;
  evalOutcome: InstanceOutcome | null;
  verdict: Verdict | null;
  cancelled: boolean;
  failedPhase: SessionPhase | undefined;
  startedAt: Date;
  timings: Timings;
  paths: SessionPaths;
}

/** What a session knows before anything ran: the state of a session cancelled before it started. */
export function notStartedState(paths: SessionPaths, startedAt = new Date()): SessionState {
  return {
    agentEnd: null, failure: undefined, launchedAtMs: null, nudges: [], digest: emptyDigest(), patch: '', patchExtracted: false,
    evalOutcome: null, verdict: null, cancelled: true, failedPhase: undefined, startedAt,
    timings: { container_start: 0, harness_setup: 0, agent: 0, patch: 0, eval: 0 }, paths,
  };
}

/** Assembles the ses file from what the session got to, checked against the one ses schema (a writer bug throws here). */
export function buildSesFile(plan: SessionPlan, env: Pick<SessionEnv, 'runId' | 'modelName' | 'upstreamModel'>, s: SessionState): SesFile {
  const finishedAt = new Date();
  const { task } = plan;
  const d = s.digest;
  const report = s.evalOutcome?.report?.[task.instance_id];
  const emptyGeneration = s.patchExtracted && s.patch === '';
  const evaluated = report ? { ...report, empty_generation: false } : emptyGeneration ? emptyReport() : null;
  const resolved = !s.cancelled && report?.resolved === true;
  const status: SesFile['status'] = s.cancelled ? 'CANCELLED' : (s.verdict?.status ?? 'COMPLETED');
  const ses: SesFile = {
    schema_version: SES_SCHEMA_VERSION,
    run_id: env.runId,
    instance_id: task.instance_id,
    session_id: plan.sessionId,
    sample_index: plan.sampleIndex,
    harness: { name: plan.harness.name, version: plan.harnessVersion },
    model: { name: env.modelName, upstream: env.upstreamModel },
    status,
    error: s.cancelled ? (s.failedPhase ? `cancelled during ${s.failedPhase}` : 'cancelled before it started') : (s.verdict?.error ?? null),
    error_class: s.cancelled ? null : (s.verdict?.errorClass ?? null),
    empty_generation: emptyGeneration,
    record_count: d.count,
    compactions: d.compactions,
    chains: { ...d.chains },
    tokens: d.tokens.records > 0 ? structuredClone(d.tokens) : null,
    weight_versions: [...d.weightVersions],
    nudges: s.nudges,
    trace_count: d.count,
    run_ms: finishedAt.getTime() - s.startedAt.getTime(),
    started_at: s.startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    timings_ms: s.timings,
    usage: d.usage,
    exit_code: s.agentEnd && s.agentEnd.killedBy !== 'idle' && s.agentEnd.killedBy !== 'cap' ? s.agentEnd.exitCode : null,
    patch: s.patch,
    reward: resolved ? 1 : 0,
    resolved,
    trajectory: {
      messages: trajectoryMessages(d.lastTurn),
      metadata: {
        api_type: plan.harness.protocol,
        evaluation: { report: evaluated, ...(s.evalOutcome?.error ? { error_class: s.evalOutcome.error.class } : {}) },
      },
    },
    artifacts: {
      records: s.paths.rel.records,
      agent_log: s.paths.rel.agentLog,
      patch: s.paths.rel.patch,
      eval_dir: s.evalOutcome ? s.paths.rel.evalDir : null,
    },
    patch_extracted: s.patchExtracted,
    agent_first_request_ms: d.firstStartMs !== null && s.launchedAtMs !== null ? Math.max(0, d.firstStartMs - s.launchedAtMs) : null,
    image: plan.image,
  };
  if (s.failedPhase && status !== 'COMPLETED') ses.failed_phase = s.failedPhase;
  if (s.evalOutcome) {
    const t = s.evalOutcome.timings_ms;
    ses.eval_timings_ms = { container_start: t.container_start, apply: t.apply, eval: t.eval };
  }
  if (status !== 'COMPLETED' || d.count === 0) {
    ses.diagnosis = {
      agent_output_tail: outputTail(s.agentEnd?.outputTail ?? ''),
      gateway: describeGateway(s.agentEnd, d, s.launchedAtMs),
      ...(s.failure ? { harness: oneLine(s.failure.error) } : {}),
    };
  }
  const checked = SesFileSchema.safeParse(ses);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(`internal: ses file of session ${plan.sessionId} breaks the schema at "${issue.path.join('.')}": ${issue.message}`);
  }
  return ses;
}

/** The evaluation entry of an empty patch (never run, like the official harness's empty_patch instances). */
function emptyReport(): EvaluationReport {
  return { patch_is_None: false, patch_exists: false, patch_successfully_applied: false, resolved: false, empty_generation: true };
}
