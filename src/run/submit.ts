// `swebench submit` as a library call: tasks × harnesses × samples, each a session (session.ts) run under a
// concurrency limit behind one embedded gateway, with resume, cancellation and the run directory's shared files.
// Cancellation: no new session starts; running ones stop at their next phase boundary (the agent and the tests
// are interrupted, their process trees killed), write CANCELLED ses files and remove their containers.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import type { SubmitConfig } from '../config/submit-schema.js';
import { imageForTask, loadTasks, selectTasks, validateImageTemplate, type DownloadProgress, type Task } from '../dataset/index.js';
import { CancelledError, ConfigError, throwIfAborted } from '../errors.js';
import { loadRepoSpecs } from '../eval/eval-script.js';
import { startGateway, type GatewayHandle } from '../gateway/start.js';
import { ensureBundle } from '../harness/bundle.js';
import type { Harness } from '../harness/types.js';
import { silentLogger, type Logger } from '../logger.js';
import { createDockerRuntime } from '../runtime/index.js';
import type { Runtime } from '../runtime/types.js';
import { harnessFiles, resolveHarnesses } from './harnesses.js';
import { defaultRunId, sessionIdFor, sessionPaths, writeJsonAtomic } from './layout.js';
import { checkResumable, configHash, hostInfo, readManifest, redactConfig, writeManifest, SWEBENCH_VERSION, type RunManifest } from './manifest.js';
import { openModelSource, type ModelSource } from './model-source.js';
import { loadPromptTemplate } from './prompt.js';
import type { RunReport } from '../report/types.js';
import { readFinishedSes, removeSessionFiles, RunResults } from './results.js';
import type { SesFile, SessionPhase } from './ses-file.js';
import { buildSesFile, notStartedState } from './ses-build.js';
import { runSession, type SessionEnv, type SessionPlan } from './session.js';
import { networkWarnings } from './agent-network.js';

/** Identifies a session in progress updates. */
export interface SessionRef {
  sessionId: string;
  instanceId: string;
  harness: string;
  sampleIndex: number;
}

/** What a caller (the CLI's progress display) hears while a run goes on. */
export interface SubmitReporter {
  onRunStart?(info: { runId: string; runDir: string; total: number; kept: number; toRun: number; keptResolved: number }): void;
  onSessionStart?(s: SessionRef): void;
  onSessionPhase?(s: SessionRef, phase: SessionPhase): void;
  onSessionCompletions?(s: SessionRef, count: number): void;
  onSessionDone?(ses: SesFile): void;
}

/** The result of runSubmit: report.json plus where things are and how the run ended. */
export type SubmitSummary = RunReport & {
  run_dir: string;
  /** finished: every planned session has a ses file; cancelled: stopped by the signal. */
  status: 'finished' | 'cancelled';
  kept_sessions: number;
  ran_sessions: number;
  duration_ms: number;
  report_path: string;
  predictions_path: string;
};

export interface SubmitDeps {
  signal?: AbortSignal;
  logger?: Logger;
  reporter?: SubmitReporter;
  /** @default createDockerRuntime() */
  runtime?: Runtime;
  /** Continue the run in `<output_dir>/<run_id>` instead of refusing an existing directory. */
  resume?: boolean;
  onDownload?: (p: DownloadProgress) => void;
}

/** How long the end-of-run container sweep may take. */
const SWEEP_DEADLINE_MS = 120_000;

/** Runs (or resumes) a whole submit run. Config errors and an unreachable Docker engine throw; session failures are data. */
export async function runSubmit(config: SubmitConfig, deps: SubmitDeps = {}): Promise<SubmitSummary> {
  const started = Date.now();
  const logger = deps.logger ?? silentLogger;
  const signal = deps.signal ?? new AbortController().signal;
  const runId = config.run_id ?? defaultRunId();
  const resolved: SubmitConfig = { ...config, run_id: runId };
  const runDir = path.resolve(resolved.output_dir, runId);

  // Everything that can be wrong with the input fails here, before Docker, downloads or containers.
  const existing = await readManifest(runDir);
  if (existing && !deps.resume) {
    throw new ConfigError(`run directory ${runDir} already exists`, { source: '--run-id', hint: 'Pass --resume to continue that run, or choose another --run-id.' });
  }
  if (existing) checkResumable(existing, resolved, runDir);
  if (resolved.image_template !== undefined) validateImageTemplate(resolved.image_template);
  const prompt = await loadPromptTemplate(resolved.prompt_template);
  const specs = resolved.specs === undefined ? undefined : loadRepoSpecs(resolved.specs);
  const harnesses = await resolveHarnesses(resolved.harness, harnessFiles(resolved.harness_files), logger);
  const all = await loadTasks(resolved.dataset, { split: resolved.split, signal, logger, onProgress: deps.onDownload });
  const tasks = selectTasks(all, {
    instanceIds: resolved.instance_ids,
    filter: resolved.filter,
    slice: resolved.slice,
    shard: resolved.shard,
    maxTasks: resolved.max_tasks,
  });
  if (tasks.length === 0) throw new ConfigError('the selection matched no task', { source: '--instance-ids/--filter/--slice/--shard', hint: 'Check the selection with `swebench tasks list`.' });

  const runtime = deps.runtime ?? createDockerRuntime({ logger });
  await runtime.ping();
  const bundles = new Map<string, { dir: string | null; version: string }>();
  for (const h of harnesses) {
    throwIfAborted(signal);
    bundles.set(h.name, await ensureBundle(h, { version: resolved.harness_overrides[h.name]?.version, logger, signal }));
  }

  const plans = planSessions(runId, tasks, harnesses, bundles, resolved);
  if (existing) {
    const swept = await runtime.cleanup({ runId });
    if (swept.length > 0) logger.info(`removed ${swept.length} container(s) left by the interrupted run`);
  }
  const kept: SesFile[] = [];
  const pending: SessionPlan[] = [];
  for (const p of plans) {
    const key = { sessionId: p.sessionId, instanceId: p.task.instance_id };
    const ses = existing ? await readFinishedSes(runDir, key) : null;
    if (ses) kept.push(ses);
    else {
      await removeSessionFiles(runDir, key);
      pending.push(p);
    }
  }

  const manifest: RunManifest = {
    schema_version: 1,
    run_id: runId,
    swebench_version: SWEBENCH_VERSION,
    status: 'running',
    started_at: existing?.started_at ?? new Date(started).toISOString(),
    finished_at: null,
    resumed_at: existing ? [...existing.resumed_at, new Date(started).toISOString()] : [],
    host: hostInfo(),
    config: redactConfig(resolved),
    config_hash: configHash(resolved),
    harnesses: harnesses.map((h) => ({ name: h.name, package: h.package, version: bundles.get(h.name)!.version, protocol: h.protocol, bundle_dir: bundles.get(h.name)!.dir })),
    model: existing?.model ?? { name: null, upstream: null, source: null },
    dataset: { source: resolved.dataset, split: resolved.split, tasks: tasks.length },
    instance_ids: tasks.map((t) => t.instance_id),
    sessions: plans.length,
  };
  const warnings = networkWarnings(resolved);
  if (warnings.length > 0) manifest.warnings = warnings;
  for (const w of warnings) logger.warn(w);

  let model: ModelSource | undefined;
  let gateway: GatewayHandle | undefined;
  let status: SubmitSummary['status'] = 'finished';
  let results: RunResults | undefined;
  let failed = true;
  let written = false;
  try {
    // The run directory appears once the model answers: a run that cannot start leaves nothing to --resume.
    if (pending.length > 0) {
      model = await openModelSource(resolved, all, { logger });
      gateway = await startGateway({
        upstreamUrl: model.upstreamUrl,
        upstreamApiKey: model.upstreamApiKey,
        upstreamModel: model.upstreamModel,
        recordsDir: runDir,
        captureTokens: resolved.capture_tokens,
        maxOutputTokens: resolved.max_output_tokens,
        logger,
        signal,
      });
      manifest.model = { name: resolved.model_name ?? gateway.upstreamModel, upstream: gateway.upstreamModel, source: model.description };
    }
    await mkdir(runDir, { recursive: true });
    await writeManifest(runDir, manifest);
    written = true;
    const modelName = manifest.model.name ?? resolved.model_name ?? 'unknown';
    results = new RunResults(runDir, manifest, kept);
    await results.init();
    deps.reporter?.onRunStart?.({
      runId, runDir, total: plans.length, kept: kept.length, toRun: pending.length, keptResolved: kept.filter((s) => s.resolved).length,
    });
    if (gateway) {
      const env: SessionEnv = {
        runId, runDir, config: resolved, runtime, gateway, modelName, upstreamModel: gateway.upstreamModel, prompt, specs,
        ensureImage: imageCache(runtime, logger),
      };
      const cancelled = await runQueue(pending, env, results, { signal, logger, reporter: deps.reporter });
      if (cancelled) status = 'cancelled';
    }
    failed = false;
  } finally {
    await gateway?.close({ graceMs: 0 }).catch((e: unknown) => logger.warn(`gateway close: ${(e as Error).message}`));
    await model?.close().catch(() => {});
    await sweep(runtime, runId, logger);
    if (signal.aborted) status = 'cancelled';
    manifest.status = failed && !signal.aborted ? 'failed' : status;
    manifest.finished_at = new Date().toISOString();
    if (written) await writeManifest(runDir, manifest).catch((e: unknown) => logger.warn(`cannot update run.json: ${(e as Error).message}`));
    await results?.finish().catch((e: unknown) => logger.warn(`cannot write report.json: ${(e as Error).message}`));
  }
  if (!results) throw new Error('internal: the run ended without results');
  return {
    ...results.report,
    run_dir: runDir,
    status,
    kept_sessions: kept.length,
    ran_sessions: pending.length,
    duration_ms: Date.now() - started,
    report_path: results.reportPath,
    predictions_path: results.predictionsPath,
  };
}

/** tasks × harnesses × samples; the harness varies fastest so the systems compared progress together. */
function planSessions(runId: string, tasks: Task[], harnesses: Harness[], bundles: Map<string, { dir: string | null; version: string }>, config: SubmitConfig): SessionPlan[] {
  const plans: SessionPlan[] = [];
  for (let sample = 0; sample < config.num_samples; sample++) {
    for (const task of tasks) {
      const image = imageForTask(task, config.image_template);
      for (const harness of harnesses) {
        const b = bundles.get(harness.name)!;
        plans.push({ sessionId: sessionIdFor(runId, task.instance_id, harness.name, sample), task, image, harness, harnessVersion: b.version, bundleDir: b.dir, sampleIndex: sample });
      }
    }
  }
  return plans;
}

/** Runs the pending sessions; returns true when cancelled (the sessions that never started get CANCELLED ses files). */
async function runQueue(
  pending: SessionPlan[],
  env: SessionEnv,
  results: RunResults,
  deps: { signal: AbortSignal; logger: Logger; reporter?: SubmitReporter },
): Promise<boolean> {
  const { signal, logger, reporter } = deps;
  const queue = new PQueue({ concurrency: env.config.concurrency });
  const started = new Set<string>();
  // No signal on add(): p-queue would settle a running job at the abort instead of when its session has written
  // its CANCELLED ses file. A job that starts after the abort returns at once (its ses file is written below).
  const jobs = pending.map((plan) =>
    queue.add(async () => {
      if (signal.aborted) return;
      started.add(plan.sessionId);
      const ref: SessionRef = { sessionId: plan.sessionId, instanceId: plan.task.instance_id, harness: plan.harness.name, sampleIndex: plan.sampleIndex };
      reporter?.onSessionStart?.(ref);
      const ses = await runSession(plan, env, {
        signal,
        logger,
        hooks: { onPhase: (p) => reporter?.onSessionPhase?.(ref, p), onCompletions: (n) => reporter?.onSessionCompletions?.(ref, n) },
      });
      await results.add(ses);
      reporter?.onSessionDone?.(ses);
    }),
  );
  const settled = await Promise.allSettled(jobs);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  if (!signal.aborted) return false;
  for (const plan of pending) {
    if (started.has(plan.sessionId)) continue;
    const paths = sessionPaths(env.runDir, plan.task.instance_id, plan.sessionId);
    const ses = buildSesFile(plan, env, notStartedState(paths));
    await mkdir(path.dirname(paths.abs.sesFile), { recursive: true });
    await writeJsonAtomic(paths.abs.sesFile, ses);
    await results.add(ses);
  }
  logger.debug(`cancelled: ${pending.length - started.size} session(s) never started`);
  return true;
}

/** One pull per image per run, shared by its sessions; a cancelled pull is forgotten so it can be retried. */
function imageCache(runtime: Runtime, logger: Logger): SessionEnv['ensureImage'] {
  const pulls = new Map<string, Promise<void>>();
  return (image, signal) => {
    let p = pulls.get(image);
    if (!p) {
      p = runtime.ensureImage(image, { signal, onProgress: (pr) => logger.debug(`pull ${pr.image}: ${pr.status}`) });
      pulls.set(image, p);
      p.catch((err: unknown) => {
        if (err instanceof CancelledError) pulls.delete(image);
      });
    }
    return p;
  };
}

/** Removes every container still carrying the run's label (a session's own removal timed out, or a crash). */
async function sweep(runtime: Runtime, runId: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), SWEEP_DEADLINE_MS)));
  try {
    const removed = await Promise.race([runtime.cleanup({ runId }), late]);
    if (removed.length > 0) logger.warn(`removed ${removed.length} leftover container(s) of run ${runId}: ${removed.join(', ')}`);
  } catch (err) {
    logger.warn(`could not sweep the containers of run ${runId}: ${(err as Error).message} (run \`swebench cleanup --run-id ${runId}\`)`);
  } finally {
    clearTimeout(timer);
  }
}

