// `--nudge N`: a harness that stopped early — exit 0 (or a text-only last answer) with the repository unchanged —
// is continued in the same container, same HOME and same gateway session through its own resume mechanism
// (Harness.resume) with a short "keep going" message, up to N times while time and completions remain. Off by
// default, so comparisons stay faithful to each CLI; every continuation is a `nudges` entry of the ses file.
import { appendFile } from 'node:fs/promises';
import type { HarnessContext, HarnessFailure, HarnessLaunch } from '../harness/types.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../runtime/types.js';
import { checkAlive, harnessFailure, runAgent, WORKDIR } from './agent.js';
import { diagnoseAgent, type AgentEnd } from './diagnose.js';
import type { SessionPaths } from './layout.js';
import { workingTreeChanged } from './patch.js';
import { digestRecords, isTextOnly, type RecordsDigest } from './records-digest.js';
import type { SesNudge } from './ses-file.js';
import type { SessionEnv, SessionHooks, SessionPlan } from './types.js';

/** What the harness is told when it is continued. */
export const NUDGE_MESSAGE =
  'You stopped before the issue was fixed: the repository is still unchanged. Continue working on the task until the issue is fixed: make the code change, check it, then finish.';

/** A continuation needs at least this much of the session's timeout left to be worth starting. */
export const MIN_NUDGE_BUDGET_MS = 15_000;

export type NudgeReason = SesNudge['reason'];

/** One agent run's end and the harness's reading of it. */
export interface AgentRun {
  end: AgentEnd;
  failure: HarnessFailure | undefined;
}

/**
 * Why a finished agent run may be continued, or null: only a clean stop (none of our limits, no failed last
 * completion, no failure the harness reports, exit 0) that left the working tree unchanged.
 */
export function nudgeReason(run: AgentRun, digest: RecordsDigest, treeChanged: boolean): NudgeReason | null {
  if (treeChanged || diagnoseAgent(run.end, digest, run.failure) !== null) return null;
  return isTextOnly(digest.lastTurn) ? 'early_exit_text_only' : 'no_patch';
}

/** What the nudge loop needs from the session. */
export interface NudgeContext {
  plan: SessionPlan;
  env: SessionEnv;
  sandbox: Sandbox;
  harnessCtx: HarnessContext;
  launch: HarnessLaunch;
  paths: SessionPaths;
  signal: AbortSignal;
  logger: Logger;
  hooks?: SessionHooks;
}

/** The combined end of every run (first and continuations): the last run's exit, their total time, the first output's head. */
function combine(first: AgentEnd, last: AgentEnd, totalMs: number): AgentEnd {
  return { ...last, durationMs: totalMs, outputHead: first.outputHead };
}

/**
 * Continues the harness while it stopped early, up to `config.nudge` times; returns the final run (combined) and
 * appends each nudge to `nudges` as it starts (so a session cancelled meanwhile still lists it). A harness without
 * `resume`, or whose session id cannot be found, is left as it ended.
 */
export async function nudgeWhileEarly(n: NudgeContext, first: AgentRun, nudges: SesNudge[]): Promise<AgentRun> {
  const { plan, env, sandbox, paths } = n;
  const { config } = env;
  const resume = plan.harness.resume;
  let run = first;
  if (!resume || config.nudge === 0) return run;
  const budgetMs = config.timeout * 1000;
  let spentMs = first.end.durationMs;
  const ref = resume.sessionRef(n.harnessCtx, `${first.end.outputHead ?? ''}\n${first.end.outputTail}`);
  for (let index = 1; index <= config.nudge; index++) {
    await env.gateway.sessions.settle(plan.sessionId);
    const digest = await digestRecords(paths.abs.records);
    const changed = await workingTreeChanged(sandbox, { workdir: WORKDIR, baseCommit: plan.task.base_commit, signal: n.signal });
    const reason = nudgeReason(run, digest, changed);
    if (!reason) break;
    const left = budgetMs - spentMs;
    const why = !ref ? `its session id was not found in its output` : left < MIN_NUDGE_BUDGET_MS ? `only ${Math.round(left / 1000)} s of the timeout left` : digest.count >= config.max_completions ? 'no completions left' : null;
    if (why) {
      await appendFile(paths.abs.agentLog, `\n--- swebench: not nudged (${reason}): ${why} ---\n`);
      break;
    }
    const cont = resume.continueWith(n.harnessCtx, ref!, NUDGE_MESSAGE);
    await appendFile(paths.abs.agentLog, `\n--- swebench: nudge ${index} of ${config.nudge} (${reason}) after ${digest.count} completion(s): ${NUDGE_MESSAGE} ---\n`);
    n.logger.debug(`session ${plan.sessionId}: nudge ${index} (${reason})`);
    const nudge: SesNudge = { index, reason, after_completions: digest.count, message: NUDGE_MESSAGE, exit_code: null, duration_ms: 0 };
    nudges.push(nudge);
    const end = await runAgent({
      plan, env, sandbox, launch: { ...cont, files: [], env: n.launch.env }, agentLog: paths.abs.agentLog, appendLog: true,
      timeoutMs: left, signal: n.signal, hooks: n.hooks, onLaunch: () => {},
    });
    spentMs += end.durationMs;
    nudge.exit_code = end.killedBy === null ? end.exitCode : null;
    nudge.duration_ms = end.durationMs;
    const combined = combine(first.end, end, spentMs);
    run = { end: combined, failure: undefined };
    await checkAlive(sandbox, end);
    run.failure = harnessFailure(plan.harness, end);
  }
  return run;
}
