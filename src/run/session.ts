// One session, end to end: task container → gateway session → harness config → headless agent under a
// timeout, an idle watchdog and a completion cap → `git diff <base_commit>` → container removed → evaluation
// in a fresh container → exactly one ses file, written atomically in `finally` whatever happened.
// Per-session failures are data (status/error_class/error); only the ses file write itself can throw.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { parseMemory, type SubmitConfig } from '../config/submit-schema.js';
import type { Task } from '../dataset/types.js';
import { CancelledError, throwIfAborted } from '../errors.js';
import type { RepoSpecTable } from '../eval/eval-script.js';
import { runInstance, type InstanceOutcome } from '../eval/run-instance.js';
import type { GatewayHandle } from '../gateway/start.js';
import { BUNDLE_MOUNT, type Harness, type HarnessContext, type HarnessFailure, type HarnessLaunch } from '../harness/types.js';
import { redactValue, type Logger } from '../logger.js';
import { LABELS, type Runtime, type Sandbox } from '../runtime/types.js';
import { checkAlive, runAgent, SESSION_HOME, WORKDIR } from './agent.js';
import { openAgentNetwork, type AgentNetwork } from './agent-network.js';
import { diagnoseAgent, diagnoseEarlyExit, verdict, type AgentEnd, type Verdict } from './diagnose.js';
import { sessionPaths, writeJsonAtomic, type SessionPaths } from './layout.js';
import { extractPatch } from './patch.js';
import { renderPrompt, type PromptTemplate } from './prompt.js';
import { digestRecords, emptyDigest, type RecordsDigest } from './records-digest.js';
import { buildSesFile } from './ses-build.js';
import type { SesFile, SessionPhase } from './ses-file.js';

export { SESSION_HOME, WORKDIR };

/** How long removing a container or closing a gateway session may take before we move on (the run sweeps later). */
const CLEANUP_DEADLINE_MS = 60_000;

/** One planned session. */
export interface SessionPlan {
  sessionId: string;
  task: Task;
  image: string;
  harness: Harness;
  harnessVersion: string;
  /** Host directory mounted read-only at BUNDLE_MOUNT; null for harnesses without a bundle. */
  bundleDir: string | null;
  sampleIndex: number;
}

/** What every session of a run shares. */
export interface SessionEnv {
  runId: string;
  runDir: string;
  config: SubmitConfig;
  runtime: Runtime;
  gateway: GatewayHandle;
  /** The model name the harness is told, and the upstream model behind the gateway. */
  modelName: string;
  upstreamModel: string;
  prompt: PromptTemplate;
  specs?: RepoSpecTable;
  /** Pulls the image once per run (shared between sessions). */
  ensureImage(image: string, signal: AbortSignal): Promise<void>;
}

/** Live updates for the progress display. */
export interface SessionHooks {
  onPhase?(phase: SessionPhase): void;
  onCompletions?(count: number): void;
}

type Timings = SesFile['timings_ms'];

/** Runs one session and returns the ses file it wrote. Cancellation (signal) ends it as CANCELLED at the next phase boundary. */
export async function runSession(plan: SessionPlan, env: SessionEnv, deps: { signal: AbortSignal; logger: Logger; hooks?: SessionHooks }): Promise<SesFile> {
  const { task, harness } = plan;
  const { config, gateway } = env;
  const { signal, logger } = deps;
  const paths = sessionPaths(env.runDir, task.instance_id, plan.sessionId);
  const startedAt = new Date();
  const timings: Timings = { container_start: 0, harness_setup: 0, agent: 0, patch: 0, eval: 0 };
  const s = {
    phase: 'container_start' as SessionPhase,
    sandbox: undefined as Sandbox | undefined,
    net: undefined as AgentNetwork | undefined,
    gatewayOpen: false,
    agentEnd: null as AgentEnd | null,
    failure: undefined as HarnessFailure | undefined,
    launchedAtMs: null as number | null,
    digest: null as RecordsDigest | null,
    patch: '',
    patchExtracted: false,
    evalOutcome: null as InstanceOutcome | null,
    verdict: null as Verdict | null,
    cancelled: false,
    failedPhase: undefined as SessionPhase | undefined,
  };

  const timed = async <T>(phase: SessionPhase, fn: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    s.phase = phase;
    deps.hooks?.onPhase?.(phase);
    const t = Date.now();
    try {
      return await fn();
    } finally {
      timings[phase] += Date.now() - t;
    }
  };
  const closeGateway = async () => {
    if (!s.gatewayOpen) return;
    s.gatewayOpen = false;
    await deadline(gateway.sessions.close(plan.sessionId), CLEANUP_DEADLINE_MS, `close gateway session ${plan.sessionId}`, logger);
  };
  const removeSandbox = async () => {
    const sb = s.sandbox;
    s.sandbox = undefined;
    if (sb) await deadline(sb.remove(), CLEANUP_DEADLINE_MS, `remove container ${sb.name}`, logger);
  };

  try {
    await mkdir(paths.abs.dir, { recursive: true });
    s.sandbox = await timed('container_start', async () => {
      await env.ensureImage(plan.image, signal);
      s.net = await openAgentNetwork(config.agent_network, gateway, plan.sessionId);
      // Short phases run to their end on cancellation; the boundary check in timed() stops the session after them.
      return env.runtime.create(
        {
          image: plan.image,
          workdir: WORKDIR,
          network: s.net.network,
          user: 'root',
          labels: { [LABELS.runId]: env.runId, [LABELS.instanceId]: task.instance_id, [LABELS.sessionId]: plan.sessionId, [LABELS.role]: 'agent' },
          limits: limitsOf(config),
          mounts: [...(plan.bundleDir ? [{ hostPath: plan.bundleDir, containerPath: BUNDLE_MOUNT, readOnly: true }] : []), ...s.net.mounts],
        },
      );
    });
    const launch = await timed('harness_setup', () => setUpHarness(plan, env, s.sandbox!, s.net!, paths, () => (s.gatewayOpen = true), signal));
    await timed('agent', async () => {
      const end = await runAgent({
        plan, env, sandbox: s.sandbox!, launch, agentLog: paths.abs.agentLog, signal, hooks: deps.hooks, onLaunch: (t) => (s.launchedAtMs = t),
      });
      s.agentEnd = end;
      await checkAlive(s.sandbox!, end);
      s.failure = harness.classify({ exitCode: end.exitCode, output: end.outputTail, timedOut: end.killedBy === 'timeout' });
    });
    await closeGateway();
    s.digest = await digestRecords(paths.abs.records);
    deps.hooks?.onCompletions?.(s.digest.count);
    s.verdict = diagnoseAgent(s.agentEnd!, s.digest, s.failure);
    if (s.verdict) s.failedPhase = 'agent';

    const patch = await timed('patch', async () => {
      const diff = await extractPatch(s.sandbox!, { workdir: WORKDIR, baseCommit: task.base_commit });
      await writeFile(paths.abs.patch, diff);
      return diff.toString('utf8');
    });
    s.patch = patch;
    s.patchExtracted = true;
    await removeSandbox();
    // after the container: removing a bind mount's source under a live container breaks docker's archive API
    await s.net?.close();
    if (!s.verdict) {
      s.verdict = diagnoseEarlyExit(s.digest, patch);
      if (s.verdict) s.failedPhase = 'agent';
    }

    if (config.eval && patch !== '') {
      s.evalOutcome = await timed('eval', () =>
        runInstance(
          {
            task,
            patch,
            image: plan.image,
            instanceDir: paths.abs.evalDir,
            runId: env.runId,
            timeoutMs: config.eval_timeout * 1000,
            grading: config.grading,
            network: config.eval_network === 'host' ? 'host' : 'none',
            specs: env.specs,
            labels: { [LABELS.sessionId]: plan.sessionId },
          },
          { runtime: env.runtime, signal, logger },
        ),
      );
      const err = s.evalOutcome.error;
      if (err && !s.verdict) {
        s.verdict = verdict(err.class, err.message);
        s.failedPhase = 'eval';
      }
    }
  } catch (err) {
    if (err instanceof CancelledError || signal.aborted) {
      s.cancelled = true;
    } else {
      s.verdict = verdict('infra_error', `${s.phase}: ${(err as Error)?.message ?? String(err)}`);
    }
    s.failedPhase = s.phase;
  } finally {
    await closeGateway().catch(() => {});
    await removeSandbox().catch(() => {});
    await s.net?.close().catch(() => {});
  }
  // Every session that opened a gateway session has a records.jsonl, empty when the harness never called.
  if (s.phase !== 'container_start') await appendFile(paths.abs.records, '').catch(() => {});

  s.digest ??= await digestRecords(paths.abs.records).catch(() => emptyDigest());
  // The object returned is the redacted one written: predictions.jsonl and report.json are built from it.
  const ses = redactValue(buildSesFile(plan, env, { ...s, digest: s.digest, startedAt, timings, paths }));
  await writeJsonAtomic(paths.abs.sesFile, ses);
  return ses;
}

/** Opens the gateway session, renders the prompt, asks the harness for its launch and writes its files. */
async function setUpHarness(
  plan: SessionPlan, env: SessionEnv, sandbox: Sandbox, net: AgentNetwork, paths: SessionPaths, opened: () => void, signal: AbortSignal,
): Promise<HarnessLaunch> {
  const { config } = env;
  const creds = env.gateway.sessions.create({
    sessionId: plan.sessionId,
    instanceId: plan.task.instance_id,
    labels: { run_id: env.runId, harness: plan.harness.name, sample_index: String(plan.sampleIndex) },
    maxCompletions: config.max_completions,
    recordsPath: paths.abs.records,
  });
  opened();
  const baseUrl = await net.connect(sandbox, creds.base_url, signal);
  const ctx: HarnessContext = {
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
    ...(config.harness_overrides[plan.harness.name]?.config ? { configOverride: config.harness_overrides[plan.harness.name]!.config } : {}),
  };
  const launch = plan.harness.launch(ctx);
  const mk = await sandbox.exec(['mkdir', '-p', SESSION_HOME], { user: 'root' });
  if (mk.exitCode !== 0) throw new Error(`cannot create ${SESSION_HOME}: ${mk.output.trim()}`);
  for (const f of launch.files) await sandbox.putFile(f.path, f.content, f.mode);
  return launch;
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
