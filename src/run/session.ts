// One session, end to end: task container → gateway session → harness config → headless agent under a
// timeout, an idle watchdog and a completion cap → `git diff <base_commit>` → container removed → evaluation
// in a fresh container → exactly one ses file, written atomically in `finally` whatever happened.
// Per-session failures are data (status/error_class/error); only the ses file write itself can throw.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { parseMemory, type SubmitConfig } from '../config/submit-schema.js';
import { CancelledError, throwIfAborted } from '../errors.js';
import { runInstance, type InstanceOutcome } from '../eval/run-instance.js';
import { BUNDLE_MOUNT, type HarnessContext, type HarnessFailure, type HarnessLaunch } from '../harness/types.js';
import { redactValue, type Logger } from '../logger.js';
import { LABELS, type Sandbox } from '../runtime/types.js';
import { checkAlive, harnessFailure, runAgent, SESSION_HOME, WORKDIR } from './agent.js';
import { openAgentNetwork, type AgentNetwork } from './agent-network.js';
import { diagnoseAgent, diagnoseEarlyExit, verdict, type AgentEnd, type Verdict } from './diagnose.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { sessionPaths, type SessionPaths } from './layout.js';
import { nudgeWhileEarly } from './nudge.js';
import { extractPatch } from './patch.js';
import { renderPrompt } from './prompt.js';
import { digestRecords, emptyDigest, type RecordsDigest } from './records-digest.js';
import { buildSesFile, type SessionState } from './ses-build.js';
import type { SesFile, SesNudge, SessionPhase } from './ses-file.js';
import type { SessionEnv, SessionHooks, SessionPlan } from './types.js';

export { SESSION_HOME, WORKDIR };

/** How long removing a container or closing a gateway session may take before we move on (the run sweeps later). */
const CLEANUP_DEADLINE_MS = 60_000;

type Timings = SesFile['timings_ms'];

/** What every phase of one session knows. */
interface SessionContext {
  plan: SessionPlan;
  env: SessionEnv;
  signal: AbortSignal;
  logger: Logger;
  hooks?: SessionHooks;
  paths: SessionPaths;
}

/** What must be released when the session ends, however it ends. */
interface Held {
  sandbox?: Sandbox;
  net?: AgentNetwork;
  gatewayOpen: boolean;
}

/** What the session got to: one typed result per phase that finished (the ses file is built from this). */
interface Reached {
  /** Set the moment the harness process starts (also when the agent phase is then cancelled). */
  launchedAtMs: number | null;
  agent?: { end: AgentEnd; failure: HarnessFailure | undefined };
  /** Continuations of the harness after early stops (`--nudge`). */
  nudges: SesNudge[];
  digest?: RecordsDigest;
  patch?: string;
  evalOutcome?: InstanceOutcome;
}

/** How the phases ended: all ran, cancelled, or an infrastructure error, with the phase it happened in. */
type Ending = { kind: 'ran' } | { kind: 'cancelled'; phase: SessionPhase } | { kind: 'infra'; phase: SessionPhase; message: string };

/** Runs one session and returns the ses file it wrote. Cancellation (signal) ends it as CANCELLED at the next phase boundary. */
export async function runSession(plan: SessionPlan, env: SessionEnv, deps: { signal: AbortSignal; logger: Logger; hooks?: SessionHooks }): Promise<SesFile> {
  const ctx: SessionContext = { plan, env, ...deps, paths: sessionPaths(env.runDir, plan.task.instance_id, plan.sessionId) };
  const startedAt = new Date();
  const phases = new PhaseClock(deps.signal, deps.hooks);
  const held: Held = { gatewayOpen: false };
  const reached: Reached = { launchedAtMs: null, nudges: [] };
  let ending: Ending = { kind: 'ran' };
  try {
    await mkdir(ctx.paths.abs.dir, { recursive: true });
    await runPhases(ctx, phases, held, reached);
  } catch (err) {
    ending = err instanceof CancelledError || deps.signal.aborted
      ? { kind: 'cancelled', phase: phases.current }
      : { kind: 'infra', phase: phases.current, message: (err as Error)?.message ?? String(err) };
  } finally {
    await release(ctx, held);
  }
  return writeSesFile(ctx, { reached, ending, startedAt, timings: phases.timings });
}

/** The phases in order; each returns what the next needs, and what the ses file needs goes into `reached`. */
async function runPhases(ctx: SessionContext, phases: PhaseClock, held: Held, reached: Reached): Promise<void> {
  const sandbox = await phases.run('container_start', () => startContainer(ctx, held));
  const harness = await phases.run('harness_setup', () => setUpHarness(ctx, sandbox, held));
  await phases.run('agent', () => runAgentPhase(ctx, sandbox, harness, reached));
  await closeGateway(ctx, held);
  reached.digest = await digestRecords(ctx.paths.abs.records);
  ctx.hooks?.onCompletions?.(reached.digest.count);
  const patch = await phases.run('patch', () => extractPatchPhase(ctx, sandbox));
  reached.patch = patch;
  await removeSandbox(ctx, held);
  // after the container: removing a bind mount's source under a live container breaks docker's archive API
  await held.net?.close();
  if (ctx.env.config.eval && patch !== '') reached.evalOutcome = await phases.run('eval', () => evaluatePhase(ctx, patch));
}

/** Times each phase and reports it; a phase starts only while the session is not cancelled. */
class PhaseClock {
  current: SessionPhase = 'container_start';
  readonly timings: Timings = { container_start: 0, harness_setup: 0, agent: 0, patch: 0, eval: 0 };

  constructor(
    private readonly signal: AbortSignal,
    private readonly hooks: SessionHooks | undefined,
  ) {}

  async run<T>(phase: SessionPhase, fn: () => Promise<T>): Promise<T> {
    throwIfAborted(this.signal);
    this.current = phase;
    this.hooks?.onPhase?.(phase);
    const t = Date.now();
    try {
      return await fn();
    } finally {
      this.timings[phase] += Date.now() - t;
    }
  }
}

/** Pulls the image if needed, sets up the session's network and starts the task container. */
async function startContainer(ctx: SessionContext, held: Held): Promise<Sandbox> {
  const { plan, env } = ctx;
  await env.ensureImage(plan.image, ctx.signal);
  held.net = await openAgentNetwork(env.config.agent_network, env.gateway, plan.sessionId);
  // Short phases run to their end on cancellation; the boundary check of the next phase stops the session after them.
  held.sandbox = await env.runtime.create({
    image: plan.image,
    workdir: WORKDIR,
    network: held.net.network,
    user: 'root',
    labels: { [LABELS.runId]: env.runId, [LABELS.instanceId]: plan.task.instance_id, [LABELS.sessionId]: plan.sessionId, [LABELS.role]: 'agent' },
    limits: limitsOf(env.config),
    mounts: [...(plan.bundleDir ? [{ hostPath: plan.bundleDir, containerPath: BUNDLE_MOUNT, readOnly: true }] : []), ...held.net.mounts],
  });
  return held.sandbox;
}

/**
 * The harness, headless, under the timeout, the idle watchdog and the completion cap; then its own reading of its
 * exit. Its end is kept before the container is checked, so a container that died still leaves the agent's exit.
 * With `--nudge`, an early stop is continued (nudge.ts) and the last continuation's end is the agent's end.
 */
async function runAgentPhase(ctx: SessionContext, sandbox: Sandbox, harness: PreparedHarness, reached: Reached): Promise<void> {
  const { launch, harnessCtx } = harness;
  const onLaunch = (t: number) => (reached.launchedAtMs = t);
  const timeoutMs = ctx.env.config.timeout * 1000;
  const end = await runAgent({ plan: ctx.plan, env: ctx.env, sandbox, launch, agentLog: ctx.paths.abs.agentLog, timeoutMs, signal: ctx.signal, hooks: ctx.hooks, onLaunch });
  reached.agent = { end, failure: undefined };
  await checkAlive(sandbox, end);
  reached.agent.failure = harnessFailure(ctx.plan.harness, end);
  reached.agent = await nudgeWhileEarly({ ...ctx, sandbox, harnessCtx, launch }, reached.agent, reached.nudges);
}

/** `git diff <base_commit>` inside the container, kept as patch.diff. */
async function extractPatchPhase(ctx: SessionContext, sandbox: Sandbox): Promise<string> {
  const diff = await extractPatch(sandbox, { workdir: WORKDIR, baseCommit: ctx.plan.task.base_commit });
  await writeFile(ctx.paths.abs.patch, diff);
  return diff.toString('utf8');
}

/** Grades the patch in a fresh container from the same image. */
function evaluatePhase(ctx: SessionContext, patch: string): Promise<InstanceOutcome> {
  const { plan, env } = ctx;
  const { config } = env;
  return runInstance(
    {
      task: plan.task,
      patch,
      image: plan.image,
      instanceDir: ctx.paths.abs.evalDir,
      runId: env.runId,
      timeoutMs: config.eval_timeout * 1000,
      grading: config.grading,
      network: config.eval_network === 'host' ? 'host' : 'none',
      specs: env.specs,
      labels: { [LABELS.sessionId]: plan.sessionId },
    },
    { runtime: env.runtime, signal: ctx.signal, logger: ctx.logger },
  );
}

/** Closes the gateway session, removes the container and the network, each under a deadline; never throws. */
async function release(ctx: SessionContext, held: Held): Promise<void> {
  await closeGateway(ctx, held).catch(() => {});
  await removeSandbox(ctx, held).catch(() => {});
  await held.net?.close().catch(() => {});
}

async function closeGateway(ctx: SessionContext, held: Held): Promise<void> {
  if (!held.gatewayOpen) return;
  held.gatewayOpen = false;
  const id = ctx.plan.sessionId;
  await deadline(ctx.env.gateway.sessions.close(id), CLEANUP_DEADLINE_MS, `close gateway session ${id}`, ctx.logger);
}

async function removeSandbox(ctx: SessionContext, held: Held): Promise<void> {
  const sb = held.sandbox;
  held.sandbox = undefined;
  if (sb) await deadline(sb.remove(), CLEANUP_DEADLINE_MS, `remove container ${sb.name}`, ctx.logger);
}

/** The session's verdict from what it reached: an infra error or cancellation first, then the agent, then the evaluation. */
function judge(reached: Reached, ending: Ending): { verdict: Verdict | null; failedPhase: SessionPhase | undefined; cancelled: boolean } {
  if (ending.kind === 'cancelled') return { verdict: null, failedPhase: ending.phase, cancelled: true };
  if (ending.kind === 'infra') return { verdict: verdict('infra_error', `${ending.phase}: ${ending.message}`), failedPhase: ending.phase, cancelled: false };
  const { agent, digest, patch, evalOutcome } = reached;
  const ofAgent = agent && digest ? (diagnoseAgent(agent.end, digest, agent.failure) ?? (patch !== undefined ? diagnoseEarlyExit(digest, patch) : null)) : null;
  if (ofAgent) return { verdict: ofAgent, failedPhase: 'agent', cancelled: false };
  const err = evalOutcome?.error;
  if (err) return { verdict: verdict(err.class, err.message), failedPhase: 'eval', cancelled: false };
  return { verdict: null, failedPhase: undefined, cancelled: false };
}

/** Writes exactly one ses file (redacted; the object returned is the one written: predictions and reports use it). */
async function writeSesFile(
  ctx: SessionContext,
  s: { reached: Reached; ending: Ending; startedAt: Date; timings: Timings },
): Promise<SesFile> {
  const { paths } = ctx;
  const { reached, ending } = s;
  // Every session that opened a gateway session has a records.jsonl, empty when the harness never called.
  const openedGateway = ending.kind === 'ran' || ending.phase !== 'container_start';
  if (openedGateway) await appendFile(paths.abs.records, '').catch(() => {});
  const digest = reached.digest ?? (await digestRecords(paths.abs.records).catch(() => emptyDigest()));
  const state: SessionState = {
    ...judge(reached, ending),
    agentEnd: reached.agent?.end ?? null,
    failure: reached.agent?.failure,
    launchedAtMs: reached.launchedAtMs,
    nudges: reached.nudges,
    digest,
    patch: reached.patch ?? '',
    patchExtracted: reached.patch !== undefined,
    evalOutcome: reached.evalOutcome ?? null,
    startedAt: s.startedAt,
    timings: s.timings,
    paths,
  };
  const ses = redactValue(buildSesFile(ctx.plan, ctx.env, state));
  await writeJsonAtomic(paths.abs.sesFile, ses);
  return ses;
}

/** The harness's launch and the context it was made from (a continuation is made from the same context). */
interface PreparedHarness {
  launch: HarnessLaunch;
  harnessCtx: HarnessContext;
}

/** A UUID fixed by the session id, for CLIs that take their conversation id up front. */
export function conversationIdOf(sessionId: string): string {
  const h = createHash('sha256').update(`swebench-conversation:${sessionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Opens the gateway session, renders the prompt, asks the harness for its launch and writes its files. */
async function setUpHarness(ctx: SessionContext, sandbox: Sandbox, held: Held): Promise<PreparedHarness> {
  const { plan, env, paths, signal } = ctx;
  const { config } = env;
  const creds = env.gateway.sessions.create({
    sessionId: plan.sessionId,
    instanceId: plan.task.instance_id,
    labels: { run_id: env.runId, harness: plan.harness.name, sample_index: String(plan.sampleIndex) },
    maxCompletions: config.max_completions,
    recordsPath: paths.abs.records,
  });
  held.gatewayOpen = true;
  const baseUrl = await held.net!.connect(sandbox, creds.base_url, signal);
  const harnessCtx: HarnessContext = {
    baseUrl,
    rootUrl: baseUrl.replace(/\/v1\/?$/, ''),
    apiKey: creds.token,
    modelName: env.modelName,
    prompt: renderPrompt(env.prompt, plan.task, WORKDIR),
    workdir: WORKDIR,
    home: SESSION_HOME,
    bundleDir: BUNDLE_MOUNT,
    maxTurns: config.max_turns ?? config.max_completions,
    timeoutSec: config.timeout,
    contextWindow: config.context_window,
    maxOutputTokens: config.max_output_tokens,
    resumable: config.nudge > 0 && plan.harness.resume !== undefined,
    conversationId: conversationIdOf(plan.sessionId),
    ...(config.harness_overrides[plan.harness.name]?.config ? { configOverride: config.harness_overrides[plan.harness.name]!.config } : {}),
  };
  const launch = plan.harness.launch(harnessCtx);
  const mk = await sandbox.exec(['mkdir', '-p', SESSION_HOME], { user: 'root' });
  if (mk.exitCode !== 0) throw new Error(`cannot create ${SESSION_HOME}: ${mk.output.trim()}`);
  for (const f of launch.files) await sandbox.putFile(f.path, f.content, f.mode);
  return { launch, harnessCtx };
}

function limitsOf(config: SubmitConfig) {
  const { cpus, memory, pids } = config.limits;
  const bytes = memory === undefined ? undefined : parseMemory(memory);
  return { ...(cpus === undefined ? {} : { cpus }), ...(bytes === undefined ? {} : { memoryBytes: bytes }), ...(pids === undefined ? {} : { pids }) };
}

/** Awaits a cleanup step for at most `ms`; a step that hangs is logged and left behind (the run sweeps its containers). */
async function deadline(p: Promise<unknown>, ms: number, what: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    const r = await Promise.race([p.then(() => 'ok' as const), late]);
    if (r === 'late') logger.warn(`${what}: no answer after ${ms / 1000} s, moving on`);
  } catch (err) {
    logger.warn(`${what}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
