// The agent phase: the harness runs headless in the task's workdir with its output streamed (redacted: harnesses
// echo their env and config, session token included) to agent.log, under
// the wall-clock timeout (exec timeoutMs), the idle watchdog and the completion cap (watchdog.ts); whichever fires
// kills the whole process tree. Afterwards the container is probed, so a harness whose container died reads as
// an infrastructure failure rather than a crash.
import { createWriteStream } from 'node:fs';
import { CancelledError } from '../errors.js';
import type { Harness, HarnessFailure, HarnessLaunch } from '../harness/types.js';
import { createStreamRedactor } from '../logger.js';
import type { Sandbox } from '../runtime/types.js';
import type { AgentEnd } from './diagnose.js';
import type { SessionEnv, SessionHooks, SessionPlan } from './types.js';
import { startWatchdog, type WatchdogReason } from './watchdog.js';

/** The repository inside every SWE-bench image. */
export const WORKDIR = '/testbed';
/** The harness's writable HOME inside the task container (outside /tmp: codex refuses helpers under /tmp). */
export const SESSION_HOME = '/opt/swebench/home';
/** How much harness output is kept in memory for the diagnosis (tail), and from its start (head: ids printed first). */
const TAIL_BYTES = 64 * 1024;
const HEAD_BYTES = 16 * 1024;

/** Runs the harness headless; our limits kill its whole process tree. Output streams to agent.log. */
export async function runAgent(a: {
  plan: SessionPlan;
  env: SessionEnv;
  sandbox: Sandbox;
  launch: HarnessLaunch;
  /** Host path of agent.log, and whether to append to it (a continuation) rather than start it. */
  agentLog: string;
  appendLog?: boolean;
  /** Wall-clock budget of this run (the session's timeout, or what a continuation has left of it). */
  timeoutMs: number;
  signal: AbortSignal;
  hooks?: SessionHooks;
  /** Called with the launch time (ms since epoch), for the harness-ready measurement. */
  onLaunch(atMs: number): void;
}): Promise<AgentEnd> {
  const { plan, env, sandbox, launch, signal, hooks } = a;
  const { config } = env;
  const log = createWriteStream(a.agentLog, { flags: a.appendLog ? 'a' : 'w' });
  const logDone = new Promise<void>((resolve) => log.once('close', () => resolve()));
  log.on('error', () => {});
  const redactor = createStreamRedactor();
  let tail = '';
  let head = '';
  let lastOutputAt = Date.now();
  let lastCount = -1;
  const watchdog = startWatchdog({
    sessions: env.gateway.sessions,
    sessionId: plan.sessionId,
    idleMs: config.idle_timeout * 1000,
    lastOutputAt: () => lastOutputAt,
    onTick: (st) => {
      if (st.record_count !== lastCount) hooks?.onCompletions?.((lastCount = st.record_count));
    },
  });
  const started = Date.now();
  a.onLaunch(started);
  let exitCode = -1;
  let killedBy: AgentEnd['killedBy'] = null;
  try {
    const r = await sandbox.exec(launch.command, {
      workdir: WORKDIR,
      env: launch.env,
      user: 'root',
      timeoutMs: a.timeoutMs,
      signal: AbortSignal.any([signal, watchdog.signal]),
      ...(launch.stdin === undefined ? {} : { stdin: launch.stdin }),
      onOutput: (chunk) => {
        log.write(redactor.push(chunk));
        tail = (tail + chunk).slice(-TAIL_BYTES);
        if (head.length < HEAD_BYTES) head = (head + chunk).slice(0, HEAD_BYTES);
        lastOutputAt = Date.now();
      },
    });
    exitCode = r.exitCode;
    if (r.timedOut) killedBy = 'timeout';
  } catch (err) {
    const why: WatchdogReason | null = watchdog.reason();
    if (!(err instanceof CancelledError) || signal.aborted || !why) throw err;
    killedBy = why;
    exitCode = -1;
  } finally {
    watchdog.stop();
    log.end(redactor.end());
    await logDone;
  }
  const st = env.gateway.sessions.get(plan.sessionId);
  return {
    exitCode,
    durationMs: Date.now() - started,
    killedBy,
    timeoutSec: config.timeout,
    idleTimeoutSec: config.idle_timeout,
    maxCompletions: config.max_completions,
    refused: st?.completions_refused ?? 0,
    outputTail: tail,
    outputHead: head,
  };
}

/** How long a harness exit by signal is watched for its container dying too. */
const ABNORMAL_EXIT_WATCH_MS = 2_000;

/** The harness's own reading of how a run of it ended (its exit code and output tail; our timeout counts). */
export function harnessFailure(harness: Harness, end: AgentEnd): HarnessFailure | undefined {
  return harness.classify({ exitCode: end.exitCode, output: end.outputTail, timedOut: end.killedBy === 'timeout' });
}

/** A harness that "exited" because its container died is an infrastructure failure, not an agent crash. */
export async function checkAlive(sandbox: Sandbox, end: AgentEnd): Promise<void> {
  // A harness that died by a signal (or whose exec vanished) may have died with its container: docker can still
  // report the container running for a moment after a kill, so such exits are watched a little longer.
  const abnormal = end.killedBy === null && (end.exitCode < 0 || end.exitCode >= 128);
  const watchUntil = Date.now() + (abnormal ? ABNORMAL_EXIT_WATCH_MS : 0);
  for (;;) {
    let why: string | undefined;
    try {
      if (!(await sandbox.running())) why = 'the container is not running';
      else {
        const r = await sandbox.exec(['true'], { user: 'root', timeoutMs: 30_000 });
        if (r.exitCode !== 0) why = `a probe command exited ${r.exitCode}`;
      }
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      why = (err as Error)?.message ?? String(err);
    }
    if (why !== undefined) throw new Error(`the task container stopped while the harness ran (exit ${end.exitCode}): ${why}`);
    if (Date.now() >= watchUntil) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
