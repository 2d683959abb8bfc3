// `swebench submit` as a library call: tasks × harnesses × samples, each a session (session.ts) run under a
// concurrency limit behind one embedded gateway, with resume, cancellation and the run directory's shared files.
// Cancellation: no new session starts; running ones stop at their next phase boundary (the agent and the tests
// are interrupted, their process trees killed), write CANCELLED ses files and remove their containers.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { hostResources, memoryWarning, resourcesLine, type HostResources } from '../config/host-defaults.js';
import type { SubmitConfig } from '../config/submit-schema.js';
import { imageForTask, loadTasks, selectTasks, validateImageTemplate, type DownloadProgress, type Task } from '../dataset/index.js';
import { CancelledError, ConfigError, throwIfAborted } from '../errors.js';
import { loadRepoSpecs, type RepoSpecTable } from '../eval/eval-script.js';
import { startGateway, type GatewayHandle } from '../gateway/start.js';
import type { TrainerHandler } from '../gateway/trainer/types.js';
import { ensureBundle } from '../harness/bundle.js';
import type { Harness } from '../harness/types.js';
import { silentLogger, type Logger } from '../logger.js';
import { createDockerRuntime } from '../runtime/index.js';
import type { Runtime } from '../runtime/types.js';
import { harnessFiles, resolveHarnesses } from './harnesses.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { defaultRunId, sessionIdFor, sessionPaths } from './layout.js';
import { checkResumable, configHash, hostInfo, readManifest, redactConfig, writeManifest, SWEBENCH_VERSION, type RunManifest } from './manifest.js';
import { ImagePipeline, type ImageStats } from './images.js';
import { envSecret, openModelSource, type ModelSource } from './model-source.js';
import { preflightUpstream } from '../doctor/preflight.js';
import { loadPromptTemplate, type PromptTemplate } from './prompt.js';
import { readFinishedSes, removeSessionFiles, RunResults } from './results.js';
import type { SesFile } from './ses-file.js';
import { buildSesFile, notStartedState } from './ses-build.js';
import { runSession } from './session.js';
import type { SessionEnv, SessionPlan, SessionRef, SubmitReporter, SubmitSummary } from './types.js';
import { networkWarnings } from './agent-network.js';

export interface SubmitDeps {
  signal?: AbortSignal;
  logger?: Logger;
  reporter?: SubmitReporter;
  /** @default createDockerRuntime() */
  runtime?: Runtime;
  /** Continue the run in `<output_dir>/<run_id>` instead of refusing an existing directory. */
  resume?: boolean;
  onDownload?: (p: DownloadProgress) => void;
  /** The machine the resource line and the memory warning speak of. @default hostResources() */
  host?: HostResources;
  /**
   * With `upstream: trainer`: answer every completion in-process with this callback instead of through the pull API
   * (the library form of trainer-owned inference; see startGateway's `upstream`).
   */
  trainer?: TrainerHandler;
}

/** How long the end-of-run container sweep may take. */
const SWEEP_DEADLINE_MS = 120_000;

/** Runs (or resumes) a whole submit run. Config errors and an unreachable Docker engine throw; session failures are data. */
export async function runSubmit(config: SubmitConfig, deps: SubmitDeps = {}): Promise<SubmitSummary> {
  const ctx = runContext(config, deps);
  ctx.logger.info(resourcesLine(resources(config), ctx.host));
  if (ctx.memoryWarning) ctx.logger.warn(ctx.memoryWarning);
  // Everything that can be wrong with the input fails in prepare(), before Docker, downloads or containers.
  const input = await prepare(ctx, deps);
  const planned = await plan(ctx, input, deps);
  const { kept, pending } = await partitionForResume(ctx, input.existing, planned);
  const manifest = newManifest(ctx, input, planned);
  const outcome = await execute(ctx, { input, planned, kept, pending, manifest }, deps);
  return {
    ...outcome.results.report,
    run_dir: ctx.runDir,
    status: outcome.status,
    kept_sessions: kept.length,
    ran_sessions: pending.length,
    duration_ms: Date.now() - ctx.started,
    report_path: outcome.results.reportPath,
    predictions_path: outcome.results.predictionsPath,
    images: outcome.images,
  };
}

/** What every phase of a run knows from the start. */
interface RunContext {
  started: number;
  logger: Logger;
  signal: AbortSignal;
  runId: string;
  runDir: string;
  /** The config with its run id filled in (what run.json records). */
  config: SubmitConfig;
  host: HostResources;
  /** Set when the containers' memory limits add up to more than the host has (logged at start, kept in run.json). */
  memoryWarning: string | undefined;
}

const resources = (config: SubmitConfig) => ({ concurrency: config.concurrency, cpus: config.limits.cpus, memory: config.limits.memory });

function runContext(config: SubmitConfig, deps: SubmitDeps): RunContext {
  const runId = config.run_id ?? defaultRunId();
  const resolved: SubmitConfig = { ...config, run_id: runId };
  const host = deps.host ?? hostResources();
  return {
    host,
    memoryWarning: memoryWarning(resources(config), host),
    started: Date.now(),
    logger: deps.logger ?? silentLogger,
    signal: deps.signal ?? new AbortController().signal,
    runId,
    runDir: path.resolve(resolved.output_dir, runId),
    config: resolved,
  };
}

/** The validated input of a run. */
interface Prepared {
  /** run.json of the run being resumed; null for a new run. */
  existing: RunManifest | null;
  prompt: PromptTemplate;
  specs: RepoSpecTable | undefined;
  harnesses: Harness[];
  /** Every task of the dataset (the built-in models look up gold patches there), and the selected ones. */
  all: Task[];
  tasks: Task[];
}

/** Phase 1: reads and checks every input (resume state, prompt, specs, harnesses, dataset and selection). */
async function prepare(ctx: RunContext, deps: SubmitDeps): Promise<Prepared> {
  const { config, runDir, logger, signal } = ctx;
  const existing = await readManifest(runDir);
  if (existing && !deps.resume) {
    throw new ConfigError(`run directory ${runDir} already exists`, { source: '--run-id', hint: 'Pass --resume to continue that run, or choose another --run-id.' });
  }
  if (existing) checkResumable(existing, config, runDir);
  if (config.image_template !== undefined) validateImageTemplate(config.image_template);
  const prompt = await loadPromptTemplate(config.prompt_template);
  const specs = config.specs === undefined ? undefined : loadRepoSpecs(config.specs);
  const harnesses = await resolveHarnesses(config.harness, harnessFiles(config.harness_files), logger);
  const { all, tasks } = await selectedTasks(config, { signal, logger, onProgress: deps.onDownload });
  return { existing, prompt, specs, harnesses, all, tasks };
}

/** The dataset and the tasks the config selects (at least one). */
export async function selectedTasks(
  config: SubmitConfig,
  deps: { signal?: AbortSignal; logger: Logger; onProgress?: (p: DownloadProgress) => void },
): Promise<{ all: Task[]; tasks: Task[] }> {
  const all = await loadTasks(config.dataset, { split: config.split, signal: deps.signal, logger: deps.logger, onProgress: deps.onProgress });
  const tasks = selectTasks(all, {
    instanceIds: config.instance_ids,
    filter: config.filter,
    slice: config.slice,
    shard: config.shard,
    maxTasks: config.max_tasks,
  });
  if (tasks.length === 0) throw new ConfigError('the selection matched no task', { source: '--instance-ids/--filter/--slice/--shard', hint: 'Check the selection with `swebench tasks list`.' });
  return { all, tasks };
}

/** The machinery a run needs and the sessions it plans. */
interface Planned {
  runtime: Runtime;
  bundles: Map<string, { dir: string | null; version: string }>;
  plans: SessionPlan[];
}

/** Phase 2: the Docker engine answers, every harness bundle is installed, every session is planned. */
async function plan(ctx: RunContext, input: Prepared, deps: SubmitDeps): Promise<Planned> {
  const runtime = deps.runtime ?? createDockerRuntime({ logger: ctx.logger });
  await runtime.ping();
  const bundles: Planned['bundles'] = new Map();
  for (const h of input.harnesses) {
    throwIfAborted(ctx.signal);
    bundles.set(h.name, await ensureBundle(h, { version: ctx.config.harness_overrides[h.name]?.version, logger: ctx.logger, signal: ctx.signal }));
  }
  return { runtime, bundles, plans: planSessions(ctx.runId, input.tasks, input.harnesses, bundles, ctx.config) };
}

/** Phase 3 (resume): finished sessions are kept as they are; everything else is cleared and runs again. */
async function partitionForResume(ctx: RunContext, existing: RunManifest | null, planned: Planned): Promise<{ kept: SesFile[]; pending: SessionPlan[] }> {
  const kept: SesFile[] = [];
  const pending: SessionPlan[] = [];
  if (!existing) return { kept, pending: planned.plans };
  const swept = await planned.runtime.cleanup({ runId: ctx.runId });
  if (swept.length > 0) ctx.logger.info(`removed ${swept.length} container(s) left by the interrupted run`);
  for (const p of planned.plans) {
    const key = { sessionId: p.sessionId, instanceId: p.task.instance_id };
    const ses = await readFinishedSes(ctx.runDir, key);
    if (ses) kept.push(ses);
    else {
      await removeSessionFiles(ctx.runDir, key);
      pending.push(p);
    }
  }
  return { kept, pending };
}

/** run.json as the run starts (the model is filled in once it answers; status and end time at the end). */
function newManifest(ctx: RunContext, input: Prepared, planned: Planned): RunManifest {
  const { config, runId, logger } = ctx;
  const { existing, harnesses, tasks } = input;
  const startedAt = new Date(ctx.started).toISOString();
  const manifest: RunManifest = {
    schema_version: 1,
    run_id: runId,
    swebench_version: SWEBENCH_VERSION,
    status: 'running',
    started_at: existing?.started_at ?? startedAt,
    finished_at: null,
    resumed_at: existing ? [...existing.resumed_at, startedAt] : [],
    host: hostInfo(),
    config: redactConfig(config),
    config_hash: configHash(config),
    harnesses: harnesses.map((h) => ({ name: h.name, package: h.package, version: planned.bundles.get(h.name)!.version, protocol: h.protocol, bundle_dir: planned.bundles.get(h.name)!.dir })),
    model: existing?.model ?? { name: null, upstream: null, source: null },
    dataset: { source: config.dataset, split: config.split, tasks: tasks.length },
    instance_ids: tasks.map((t) => t.instance_id),
    sessions: planned.plans.length,
  };
  const warnings = networkWarnings(config);
  for (const w of warnings) logger.warn(w);
  if (ctx.memoryWarning) warnings.push(ctx.memoryWarning);
  if (warnings.length > 0) manifest.warnings = warnings;
  return manifest;
}

/** Everything the last phase works from. */
interface Execution {
  input: Prepared;
  planned: Planned;
  kept: SesFile[];
  pending: SessionPlan[];
  manifest: RunManifest;
}

/**
 * Phase 4: open the model and the gateway, write run.json, run the queue, and finalize whatever happened (close the
 * gateway and the model, sweep containers, record the end in run.json, write the last report.json).
 */
async function execute(ctx: RunContext, run: Execution, deps: SubmitDeps): Promise<{ results: RunResults; status: SubmitSummary['status']; images: ImageStats | null }> {
  const { config, runId, runDir, logger, signal } = ctx;
  const { input, planned, kept, pending, manifest } = run;
  let opened: { model: ModelSource; gateway: GatewayHandle } | undefined;
  let status: SubmitSummary['status'] = 'finished';
  let imageStats: ImageStats | null = null;
  let results: RunResults | undefined;
  let failed = true;
  let written = false;
  try {
    // The run directory appears once the model answers: a run that cannot start leaves nothing to --resume.
    if (pending.length > 0) {
      opened = await openModelAndGateway(ctx, input.all, deps);
      manifest.model = { name: config.model_name ?? opened.gateway.upstreamModel, upstream: opened.gateway.upstreamModel, source: opened.model.description };
    }
    await mkdir(runDir, { recursive: true });
    await writeManifest(runDir, manifest);
    written = true;
    results = new RunResults(runDir, manifest, kept);
    await results.init();
    deps.reporter?.onRunStart?.({
      runId, runDir, total: planned.plans.length, kept: kept.length, toRun: pending.length, keptResolved: kept.filter((s) => s.resolved).length,
    });
    if (opened) {
      const images = new ImagePipeline(planned.runtime, pending.map((p) => p.image), {
        pullConcurrency: config.pull_concurrency,
        prefetch: config.prefetch,
        remove: config.images === 'remove',
        ...(config.max_image_disk === undefined ? {} : { budgetBytes: config.max_image_disk * 1e9 }),
        logger,
        onStats: (s) => deps.reporter?.onImages?.(s),
      }, signal);
      await images.init();
      const env: SessionEnv = {
        runId, runDir, config, runtime: planned.runtime, gateway: opened.gateway,
        modelName: manifest.model.name ?? 'unknown', upstreamModel: opened.gateway.upstreamModel,
        prompt: input.prompt, specs: input.specs,
        ensureImage: (image, s) => images.ensure(image, s),
        releaseImage: (image) => images.release(image),
      };
      if (await runQueue(pending, env, results, { signal, logger, reporter: deps.reporter })) status = 'cancelled';
      imageStats = images.snapshot;
    }
    failed = false;
  } finally {
    await opened?.gateway.close({ graceMs: 0 }).catch((e: unknown) => logger.warn(`gateway close: ${(e as Error).message}`));
    await opened?.model.close().catch(() => {});
    await sweep(planned.runtime, runId, logger);
    if (signal.aborted) status = 'cancelled';
    manifest.status = failed && !signal.aborted ? 'failed' : status;
    manifest.finished_at = new Date().toISOString();
    if (written) await writeManifest(runDir, manifest).catch((e: unknown) => logger.warn(`cannot update run.json: ${(e as Error).message}`));
    await results?.finish().catch((e: unknown) => logger.warn(`cannot write report.json: ${(e as Error).message}`));
  }
  if (!results) throw new Error('internal: the run ended without results');
  return { results, status, images: imageStats };
}

/**
 * The model source (built-in, upstream URL or the trainer) and the embedded gateway in front of it; the model is closed
 * if the gateway cannot start. With a trainer, the reporter learns where the pull API is (and a generated token).
 */
async function openModelAndGateway(ctx: RunContext, all: Task[], deps: SubmitDeps): Promise<{ model: ModelSource; gateway: GatewayHandle }> {
  const { config, runDir, logger, signal } = ctx;
  const model = await openModelSource(config, all, { logger });
  try {
    const sealSecret = envSecret(process.env, config.seal_secret_env, '--seal-secret-env', `Export the seal secret as ${config.seal_secret_env}, or drop --seal-secret-env for a random one.`);
    const common = {
      upstreamModel: model.upstreamModel,
      ...(sealSecret === undefined ? {} : { sealSecret }),
      recordsDir: runDir,
      captureTokens: config.capture_tokens,
      ...(config.prompt_logprobs === undefined ? {} : { promptLogprobs: config.prompt_logprobs }),
      maxOutputTokens: config.max_output_tokens,
      logger,
      signal,
    };
    if ('trainer' in model) {
      const gateway = await startGateway({
        ...common,
        upstream: deps.trainer ?? 'trainer',
        ...(model.adminToken === undefined ? {} : { adminToken: model.adminToken }),
        ...(config.trainer_timeout === undefined ? {} : { trainerTimeoutMs: config.trainer_timeout * 1000 }),
      });
      if (!deps.trainer) {
        const url = `${gateway.url}/admin/trainer`;
        logger.info(`the trainer owns inference: poll ${url}/requests with the admin token (${model.description.token_env ? `$${model.description.token_env}` : 'generated, given to the reporter'})`);
        deps.reporter?.onTrainerReady?.({ url, adminToken: gateway.adminToken, generated: model.adminToken === undefined });
      }
      return { model, gateway };
    }
    if (deps.trainer) throw new ConfigError('a trainer callback was given but the upstream is not "trainer"', { source: '--upstream', hint: 'Set upstream: trainer to have the callback answer.' });
    // an upstream that cannot serve a harness (unreachable, wrong model, tools refused, window too small) fails here,
    // once, before any container; the built-in models are known to answer
    if (config.upstream !== undefined) await preflightUpstream(config, model, all[0]?.instance_id, { signal, logger });
    const gateway = await startGateway({ ...common, upstreamUrl: model.upstreamUrl, upstreamApiKey: model.upstreamApiKey });
    return { model, gateway };
  } catch (err) {
    await model.close().catch(() => {});
    throw err;
  }
}

/** tasks × harnesses × samples; the harness varies fastest so the systems compared progress together. */
function planSessions(runId: string, tasks: Task[], harnesses: Harness[], bundles: Map<string, { dir: string | null; version: string }>, config: SubmitConfig): SessionPlan[] {
  const plans: SessionPlan[] = [];
  for (let sample = 0; sample < config.num_samples; sample++) {
    for (const task of tasks) {
      const image = `${config.image_registry ?? ''}${imageForTask(task, config.image_template)}`;
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
      await env.releaseImage?.(plan.image);
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

