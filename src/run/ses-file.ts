// The session result written to rollout_results/task_<instance_id>/ses_<session_id>.json, defined once: a zod
// schema from which the TypeScript type is inferred, the status and error-class enums, and the JSON Schema that
// `swebench schema ses` prints for other languages. The writer (ses-build.ts), the reader (report/run-dir.ts,
// resume) and the tests all import this module. Field names that downstream tools already read are kept (status,
// error, record_count, run_ms, trace_count, trajectory.messages, trajectory.metadata.api_type,
// trajectory.metadata.evaluation.report). Where it lives in a run directory: RESULTS_LAYOUT in layout.ts.
import { z } from 'zod';
import { RECORD_CHAINS, type RecordChain } from '../gateway/chains.js';
import type { ClientProtocol } from '../gateway/protocols/types.js';
import { PREFIX_VERDICTS, type PrefixVerdict } from '../gateway/token-trace.js';

/** Terminal statuses of a session (DESIGN.md decision 7), in report order. */
export const SESSION_STATUSES = ['COMPLETED', 'FAILED', 'TIMEOUT', 'ERROR', 'CANCELLED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Every error class (DESIGN.md decision 7), in DESIGN.md order: the stable key order of the report's counts. */
export const ERROR_CLASSES = [
  'no_completions', 'early_exit_text_only', 'agent_crash', 'agent_timeout', 'idle_timeout', 'completion_cap',
  'context_length_exceeded', 'upstream_error', 'patch_apply_failed', 'eval_error', 'eval_timeout', 'infra_error',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Error classes caused by the infrastructure rather than the agent (excluded from the "excluding infra" rate). */
export const INFRA_ERROR_CLASSES: ReadonlySet<ErrorClass> = new Set(['infra_error', 'eval_error', 'eval_timeout']);

/** The pipeline's phases, in order (the keys of `timings_ms`). */
export const SESSION_PHASES = ['container_start', 'harness_setup', 'agent', 'patch', 'eval'] as const;
export type SessionPhase = (typeof SESSION_PHASES)[number];

/** The client protocols a harness speaks (`trajectory.metadata.api_type`). */
export const API_TYPES = ['openai_chat', 'openai_responses', 'anthropic_messages', 'gemini'] as const satisfies readonly ClientProtocol[];

/**
 * Version 4 adds `chains`, `tokens` and `weight_versions` (RL rollouts); version 3 added `nudges` and `compactions`;
 * version 2 made the file strict with a top-level `empty_generation`. Files of earlier versions are upgraded on read.
 */
export const SES_SCHEMA_VERSION = 4;

/** Why a session was nudged: it ended on a text-only answer with nothing changed, or exited 0 with no patch. */
export const NUDGE_REASONS = ['early_exit_text_only', 'no_patch'] as const;

const count = z.number().int().min(0);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date');
/** One continuation of the harness's own session after an early stop (`--nudge`). */
const nudge = z.strictObject({
  /** 1 for the first nudge of the session. */
  index: z.number().int().min(1),
  reason: z.enum(NUDGE_REASONS),
  /** Completions recorded before this nudge (the continuation's completions follow in the same records.jsonl). */
  after_completions: count,
  /** The message the harness was continued with. */
  message: z.string().min(1),
  /** The continuation's exit code (null when one of our limits killed it) and wall time. */
  exit_code: z.number().int().nullable(),
  duration_ms: count,
});

/** Records per chain of the message tree (gateway/chains.ts). */
const chains = z.strictObject(Object.fromEntries(RECORD_CHAINS.map((c) => [c, count])) as Record<RecordChain, typeof count>);

/** The session's token-level summary: how its records' prompt ids continue each other (gateway/token-trace.ts). */
const tokens = z.strictObject({
  /** Records carrying token ids (their `tokens` block). */
  records: count,
  /** Successful records without token ids (the upstream or trainer did not send them). */
  missing: count,
  /** Records per prefix verdict: first of its chain, extends its parent, diverges from it, reset by a compaction. */
  prefix: z.strictObject(Object.fromEntries(PREFIX_VERDICTS.map((v) => [v, count])) as Record<PrefixVerdict, typeof count>),
  /** The first record (by seq) whose prompt diverges from its parent's prompt + completion ids, and where; null when none. */
  first_divergence: z.strictObject({ seq: z.number().int().min(1), chain_id: z.string().min(1), mismatch_at: count }).nullable(),
});

const testResults = z.strictObject({ success: z.array(z.string()), failure: z.array(z.string()) });

/** The official per-instance report entry (SWE-bench's report.json value) plus `empty_generation`. */
const evaluationReport = z.strictObject({
  patch_is_None: z.boolean(),
  patch_exists: z.boolean(),
  patch_successfully_applied: z.boolean(),
  resolved: z.boolean(),
  tests_status: z
    .strictObject({ FAIL_TO_PASS: testResults, PASS_TO_PASS: testResults, FAIL_TO_FAIL: testResults, PASS_TO_FAIL: testResults })
    .optional(),
  empty_generation: z.boolean(),
});

const sesObject = z.strictObject({
  schema_version: z.literal(SES_SCHEMA_VERSION),
  run_id: z.string().min(1),
  instance_id: z.string().min(1),
  /** sessionIdFor(): 16 hex digits of a hash of (run, instance, harness, sample). */
  session_id: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits'),
  sample_index: count,
  harness: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  /** The model name the harness was told, and the upstream model that served it. */
  model: z.strictObject({ name: z.string().min(1), upstream: z.string().min(1) }),
  status: z.enum(SESSION_STATUSES),
  /** One line; null when COMPLETED without problems. */
  error: z.string().min(1).nullable(),
  error_class: z.enum(ERROR_CLASSES).nullable(),
  /** True when the agent's patch was extracted and is empty (also under trajectory.metadata.evaluation.report). */
  empty_generation: z.boolean(),
  /** Number of gateway records (completions) of this session. */
  record_count: count,
  /** How many of them were the harness's context compactions (records of kind `compaction`). */
  compactions: count,
  /** Continuations after an early stop (`--nudge N`), in order; empty when none happened or nudging was off. */
  nudges: z.array(nudge),
  /** Records per chain (main, subagent, compaction, title, auxiliary); null in files written before version 4. */
  chains: chains.nullable(),
  /** Token ids and prefix consistency (--capture-tokens); null when no record carried token ids. */
  tokens: tokens.nullable(),
  /** Distinct policy versions the records report (`weight_version`), in order of first use; empty when none did. */
  weight_versions: z.array(z.union([z.string().min(1), z.number()])),
  /** Same as record_count (kept for tools that read trace_count). */
  trace_count: count,
  /** Wall time of the whole session in milliseconds. */
  run_ms: count,
  started_at: iso,
  finished_at: iso,
  timings_ms: z.strictObject({ container_start: count, harness_setup: count, agent: count, patch: count, eval: count }),
  usage: z.strictObject({ prompt_tokens: count, completion_tokens: count, total_tokens: count }),
  exit_code: z.number().int().nullable(),
  /** The extracted `git diff <base_commit>` (empty string when nothing changed or nothing was extracted). */
  patch: z.string(),
  /** 1 when resolved, else 0. */
  reward: z.union([z.literal(0), z.literal(1)]),
  resolved: z.boolean(),
  /** Tail of the harness output and what the gateway saw, for diagnosis (sessions that failed or made no completion). */
  diagnosis: z
    .strictObject({
      agent_output_tail: z.string(),
      gateway: z.string().min(1),
      /** The harness's own reading of its exit and output (`Harness.classify`), when it had one. */
      harness: z.string().optional(),
    })
    .optional(),
  /** The phase the session was in when it failed, was cancelled or hit an infrastructure error. */
  failed_phase: z.enum(SESSION_PHASES).optional(),
  /** True when `git diff` ran: `patch` is the agent's result (and a predictions.jsonl line exists). */
  patch_extracted: z.boolean(),
  /** Harness launch → first request at the gateway, in ms (the harness's start-up time); null without requests. */
  agent_first_request_ms: count.nullable(),
  /** The evaluation's own steps (the test run is `eval_timings_ms.eval`). */
  eval_timings_ms: z.strictObject({ container_start: count, apply: count, eval: count }).optional(),
  /** The task image the agent and the evaluation ran in. */
  image: z.string().min(1),
  trajectory: z.strictObject({
    /** The conversation as the gateway saw it (last completion's request messages + its response). */
    messages: z.array(z.unknown()),
    metadata: z.strictObject({
      api_type: z.enum(API_TYPES),
      evaluation: z.strictObject({
        /** The official per-instance report entry plus empty_generation; null when not evaluated. */
        report: evaluationReport.nullable(),
        error_class: z.string().optional(),
      }),
    }),
  }),
  /** Paths of the artifacts, relative to the run directory. */
  artifacts: z.strictObject({ records: z.string(), agent_log: z.string(), patch: z.string(), eval_dir: z.string().nullable() }),
});

/** The ses file: its fields plus the rules that tie them together (checked on write and on read). */
export const SesFileSchema = sesObject.superRefine((s, ctx) => {
  const fail = (message: string, path: string[]) => ctx.addIssue({ code: 'custom', message, path });
  if (s.trace_count !== s.record_count) fail('must equal record_count', ['trace_count']);
  if (s.compactions > s.record_count) fail('cannot exceed record_count', ['compactions']);
  if (s.chains && Object.values(s.chains).reduce((a, b) => a + b, 0) !== s.record_count) fail('must add up to record_count', ['chains']);
  if (s.tokens && s.tokens.records + s.tokens.missing > s.record_count) fail('records with and without token ids cannot exceed record_count', ['tokens']);
  if (s.tokens && Object.values(s.tokens.prefix).reduce((a, b) => a + b, 0) !== s.tokens.records) fail('must add up to tokens.records', ['tokens', 'prefix']);
  s.nudges.forEach((n, i) => {
    if (n.index !== i + 1) fail(`must be ${i + 1} (nudges are numbered in order)`, ['nudges', String(i), 'index']);
    if (n.after_completions > s.record_count) fail('cannot exceed record_count', ['nudges', String(i), 'after_completions']);
  });
  if (s.reward !== (s.resolved ? 1 : 0)) fail('must be 1 when resolved, else 0', ['reward']);
  if (s.status === 'COMPLETED' && s.error !== null) fail('must be null when status is COMPLETED', ['error']);
  if (s.status === 'COMPLETED' && s.error_class !== null) fail('must be null when status is COMPLETED', ['error_class']);
  if (s.status !== 'COMPLETED' && s.error === null) fail(`must say why the session ended ${s.status}`, ['error']);
  if (['FAILED', 'TIMEOUT', 'ERROR'].includes(s.status) && s.error_class === null) fail(`must be set when status is ${s.status}`, ['error_class']);
  if (s.patch !== '' && !s.patch_extracted) fail('a patch was recorded without extraction', ['patch_extracted']);
  if (s.patch !== '' && !s.patch.endsWith('\n')) fail('a git diff ends with a newline', ['patch']);
  if (s.empty_generation !== (s.patch_extracted && s.patch === '')) fail('must be true exactly when an extracted patch is empty', ['empty_generation']);
  const report = s.trajectory.metadata.evaluation.report;
  if (report && report.empty_generation !== s.empty_generation) fail('must equal the top-level empty_generation', ['trajectory', 'metadata', 'evaluation', 'report', 'empty_generation']);
  if (Date.parse(s.finished_at) < Date.parse(s.started_at)) fail('is before started_at', ['finished_at']);
});

export type SesFile = z.infer<typeof SesFileSchema>;

/**
 * Validates a ses file as read from disk. Files of earlier versions are upgraded first (1 → 2 → 3), so run
 * directories of earlier releases still report.
 */
export function parseSesFile(data: unknown): ReturnType<typeof SesFileSchema.safeParse> {
  let v = data;
  const version = () => (typeof v === 'object' && v !== null ? (v as { schema_version?: unknown }).schema_version : undefined);
  if (version() === 1) v = upgradeV1(v as Record<string, unknown>);
  if (version() === 2) v = upgradeV2(v as Record<string, unknown>);
  if (version() === 3) v = upgradeV3(v as Record<string, unknown>);
  return SesFileSchema.safeParse(v);
}

/** Version 1 was written before empty_generation stood at the top level and before every field was required. */
function upgradeV1(v1: Record<string, unknown>): Record<string, unknown> {
  const patchExtracted = v1.patch_extracted ?? v1.status !== 'CANCELLED';
  return {
    ...v1,
    schema_version: 2,
    patch_extracted: patchExtracted,
    empty_generation: patchExtracted === true && v1.patch === '',
    agent_first_request_ms: v1.agent_first_request_ms ?? null,
  };
}

/** Version 2 had no nudges (there were none) and did not count compactions (unknown: 0). */
function upgradeV2(v2: Record<string, unknown>): Record<string, unknown> {
  return { ...v2, schema_version: 3, nudges: [], compactions: 0 };
}

/** Version 3 did not sort records into chains (unknown: null) nor record token ids or policy versions. */
function upgradeV3(v3: Record<string, unknown>): Record<string, unknown> {
  return { ...v3, schema_version: SES_SCHEMA_VERSION, chains: null, tokens: null, weight_versions: [] };
}
export type EvaluationReport = z.infer<typeof evaluationReport>;
export type SesNudge = z.infer<typeof nudge>;
export type SesTokens = z.infer<typeof tokens>;
export type SesChains = z.infer<typeof chains>;

/** The ses file as JSON Schema (draft 2020-12), for consumers in other languages; the cross-field rules are zod-only. */
export function sesJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(sesObject, { io: 'output' }),
    $id: `urn:swebench:ses-file:${SES_SCHEMA_VERSION}`,
    title: 'swebench session result (rollout_results/task_<instance_id>/ses_<session_id>.json)',
  };
}
