// Turns how the harness ended (exit, timers, cap) and what the gateway recorded into one verdict: status,
// error_class and a one-line error, plus a sentence on what the gateway saw. Pure, so every rule is unit-tested.
import type { HarnessFailure } from '../harness/types.js';
import type { ErrorClass, SessionStatus } from './ses-file.js';
import { isTextOnly, type RecordsDigest } from './records-digest.js';

/** The status each error class implies: ERROR exactly for the infrastructure classes, TIMEOUT for the agent's timers. */
export const STATUS_OF: Record<ErrorClass, Exclude<SessionStatus, 'COMPLETED' | 'CANCELLED'>> = {
  no_completions: 'FAILED',
  early_exit_text_only: 'FAILED',
  agent_crash: 'FAILED',
  agent_timeout: 'TIMEOUT',
  idle_timeout: 'TIMEOUT',
  completion_cap: 'FAILED',
  context_length_exceeded: 'FAILED',
  upstream_error: 'FAILED',
  patch_apply_failed: 'FAILED',
  eval_error: 'ERROR',
  eval_timeout: 'ERROR',
  infra_error: 'ERROR',
};

/** A session problem. */
export interface Verdict {
  status: Exclude<SessionStatus, 'COMPLETED' | 'CANCELLED'>;
  errorClass: ErrorClass;
  error: string;
}

export const verdict = (errorClass: ErrorClass, error: string): Verdict => ({ status: STATUS_OF[errorClass], errorClass, error: oneLine(error) });

/** How the agent phase ended. */
export interface AgentEnd {
  exitCode: number;
  durationMs: number;
  /** Which of our limits killed it, if any. */
  killedBy: 'timeout' | 'idle' | 'cap' | null;
  timeoutSec: number;
  idleTimeoutSec: number;
  maxCompletions: number;
  /** Requests the gateway refused because the cap was reached. */
  refused: number;
  /** Tail of the combined harness output. */
  outputTail: string;
  /** Its first bytes (where CLIs print their session id). */
  outputHead?: string;
}

// Gateway error kinds that come from the model server (or from translating for it), not from the harness.
const UPSTREAM_KINDS = new Set(['upstream_error', 'rate_limit', 'overloaded', 'stream_interrupted', 'empty_output', 'not_found', 'authentication', 'invalid_request']);

/**
 * The verdict on the agent phase, or null when it looks healthy. Precedence: our own limits (they explain
 * everything after them), then "never called the gateway", then the last recorded completion's error, then the
 * harness's own reading of its output (`failure`, from `Harness.classify`), then a bare non-zero exit.
 */
export function diagnoseAgent(end: AgentEnd, records: RecordsDigest, failure?: HarnessFailure): Verdict | null {
  if (end.killedBy === 'timeout') return verdict('agent_timeout', `the harness exceeded the ${end.timeoutSec} s timeout and was killed`);
  if (end.killedBy === 'idle') {
    return verdict('idle_timeout', `no completion and no output for ${end.idleTimeoutSec} s; the harness was killed`);
  }
  if (end.killedBy === 'cap' || end.refused > 0) {
    return verdict('completion_cap', `the session reached its cap of ${end.maxCompletions} completions`);
  }
  if (records.count === 0) {
    // claude-code refuses a prompt over its window locally ("Prompt is too long"), without a request: a context problem
    if (failure?.errorClass === 'context_length_exceeded') return verdict('context_length_exceeded', failure.error);
    return verdict('no_completions', 'no completions');
  }
  const last = records.last;
  if (last?.status === 'error' && last.error) {
    const kind = last.error.kind;
    if (kind === 'context_length_exceeded') return verdict('context_length_exceeded', `last completion failed: ${last.error.message}`);
    if (kind === 'max_completions') return verdict('completion_cap', last.error.message);
    if (UPSTREAM_KINDS.has(kind)) return verdict('upstream_error', `last completion failed (${kind}): ${last.error.message}`);
  }
  if (failure) return verdict(failure.errorClass, failure.error);
  if (end.exitCode !== 0) {
    const line = lastLine(end.outputTail);
    return verdict('agent_crash', `the harness exited with code ${end.exitCode}${line ? `: ${line}` : ''}`);
  }
  return null;
}

/** After the patch is known: a text-only last turn that changed nothing is an early exit. */
export function diagnoseEarlyExit(records: RecordsDigest, patch: string): Verdict | null {
  if (patch !== '' || !isTextOnly(records.lastTurn)) return null;
  return verdict('early_exit_text_only', 'the agent ended with a text-only answer and changed nothing (empty patch)');
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One sentence on what the gateway saw, for `diagnosis.gateway`. */
export function describeGateway(end: AgentEnd | null, records: RecordsDigest, launchedAtMs: number | null): string {
  const how = !end
    ? 'the harness never started'
    : end.killedBy === 'timeout'
      ? `the harness was killed by the ${end.timeoutSec} s timeout after ${secs(end.durationMs)}`
      : end.killedBy === 'idle'
        ? `the harness was killed by the idle watchdog (${end.idleTimeoutSec} s without output or completion) after ${secs(end.durationMs)}`
        : end.killedBy === 'cap'
          ? `the harness was stopped at the completion cap after ${secs(end.durationMs)}`
          : `harness exited (code ${end.exitCode}) after ${secs(end.durationMs)}`;
  if (!end && records.count === 0) return how;
  if (records.count === 0) {
    return `${how} without calling the gateway${end && end.refused > 0 ? ` (${end.refused} request(s) refused)` : ''}`;
  }
  const parts: string[] = [];
  const failed = Object.entries(records.errorKinds).map(([k, n]) => `${k} ×${n}`).join(', ');
  parts.push(`${records.count} completion(s)${records.errors ? ` (${records.errors} failed: ${failed})` : ''}`);
  if (records.firstStartMs !== null && launchedAtMs !== null) parts.push(`first request ${secs(Math.max(0, records.firstStartMs - launchedAtMs))} after launch`);
  const last = records.last;
  if (last) {
    const r = last.response;
    const what =
      last.status === 'error'
        ? `failed (${last.error?.kind ?? 'error'}: ${oneLine(last.error?.message ?? '', 160)})`
        : r && (r.tool_calls?.length ?? 0) > 0
          ? `tool call(s) ${r.tool_calls.map((c) => c.name).join(', ')}`
          : `text only, finish ${r?.finish_reason ?? 'unknown'}`;
    parts.push(`last completion: ${what}`);
  }
  if (end && end.refused > 0) parts.push(`${end.refused} request(s) refused by the completion cap (${end.maxCompletions})`);
  parts.push(how);
  return parts.join('; ');
}

/** The last `maxLines` lines (at most `maxChars` characters) of the harness output. */
export function outputTail(output: string, maxLines = 40, maxChars = 4000): string {
  const lines = output.replace(/\r\n?/g, '\n').trimEnd().split('\n').slice(-maxLines).join('\n');
  return lines.length > maxChars ? lines.slice(-maxChars) : lines;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return oneLine(lines[lines.length - 1] ?? '', 300);
}

/** Collapses whitespace and caps the length: `error` is one line. */
export function oneLine(text: string, max = 500): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
