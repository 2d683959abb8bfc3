// Failure classification shared by the harness presets: each harness lists what its CLI prints for each kind of
// failure (a table, read top to bottom, first match wins), and this turns an exit into a HarnessFailure whose
// text quotes the output line that gave it away.
import type { HarnessExit, HarnessFailure } from './types.js';

/** One row of a harness's failure table. */
export interface FailurePattern {
  match: RegExp;
  errorClass: HarnessFailure['errorClass'];
  /** Short human reason, prefixed to the quoted output line. */
  reason: string;
}

/** Exit codes that mean the same for every CLI (the shell's and the kernel's, not the agent's). */
const EXIT_CODE_TABLE: Record<number, { errorClass: HarnessFailure['errorClass']; reason: string }> = {
  126: { errorClass: 'infra_error', reason: 'the harness binary is not executable (exit 126)' },
  127: { errorClass: 'infra_error', reason: 'the harness binary was not found (exit 127; is the bundle mounted?)' },
  137: { errorClass: 'agent_crash', reason: 'killed by SIGKILL (exit 137; out of memory?)' },
  139: { errorClass: 'agent_crash', reason: 'segmentation fault (exit 139)' },
};

/** Longest quoted output excerpt. */
const MAX_QUOTE = 400;

/** Strips ANSI colour codes so patterns and quotes see plain text. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

type Json = Record<string, unknown>;

/** Every `message` string (and string `error`) inside an event, depth-first. */
function messagesOf(v: unknown, out: string[]): string[] {
  if (Array.isArray(v)) for (const x of v) messagesOf(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Json)) {
      if ((k === 'message' || k === 'error') && typeof x === 'string') out.push(x);
      else messagesOf(x, out);
    }
  }
  return out;
}

/** True for an event object that is (or holds an item that is) an error or a failure. */
function isErrorEvent(e: Json): boolean {
  const item = e.item as Json | undefined;
  return [e.type, item?.type].some((t) => typeof t === 'string' && /error|fail/i.test(t));
}

/**
 * The part of a harness's output that speaks about failures: plain-text lines (stderr, panics) as they are, and
 * of JSONL event lines (`--format json`, `--json`) only the messages of error/failure events. Tool-call events,
 * which carry whatever the repository's commands printed, are left out so they cannot look like agent failures.
 */
export function diagnosticText(output: string): string {
  const lines: string[] = [];
  for (const line of stripAnsi(output).split(/\r?\n/)) {
    const t = line.trim();
    if (!t) continue;
    if (!t.startsWith('{')) {
      lines.push(t);
      continue;
    }
    let event: unknown;
    try {
      event = JSON.parse(t);
    } catch {
      lines.push(t);
      continue;
    }
    if (event && typeof event === 'object' && !Array.isArray(event) && isErrorEvent(event as Json)) {
      const msgs = messagesOf(event, []);
      lines.push(...(msgs.length ? msgs.flatMap((m) => m.split(/\r?\n/)) : [t]));
    }
  }
  return lines.join('\n');
}

/** The line of `text` holding the last match of `re`, trimmed and cut to a quotable length. */
function lastMatchingLine(text: string, re: RegExp): string | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (re.test(line)) return quote(line);
  }
  return undefined;
}

function quote(line: string): string {
  const t = line.trim();
  return t.length > MAX_QUOTE ? `${t.slice(0, MAX_QUOTE)}…` : t;
}

/** The last non-empty output line (what a crash usually says last). */
function lastLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : quote(last);
}

/**
 * Classifies a harness exit from its diagnostic text (see `diagnosticText`):
 * - exit 0 (not timed out): healthy, `undefined` (the pipeline judges empty or text-only runs from the records);
 * - a row of `patterns` matching the output: that class, quoting the matching line (for timed-out runs too, so
 *   an agent stuck reconnecting to a dead gateway reads as `upstream_error`, not only as a timeout);
 * - timed out without a telling pattern: `undefined` (the pipeline records `agent_timeout`);
 * - a known shell/kernel exit code (126, 127, 137, 139): its class;
 * - any other non-zero exit: `agent_crash` with the last output line.
 */
export function classifyExit(name: string, exit: HarnessExit, patterns: readonly FailurePattern[]): HarnessFailure | undefined {
  if (exit.exitCode === 0 && !exit.timedOut) return undefined;
  const output = diagnosticText(exit.output);
  for (const p of patterns) {
    const line = lastMatchingLine(output, p.match);
    if (line !== undefined) return { errorClass: p.errorClass, error: `${name}: ${p.reason}: ${line}` };
  }
  if (exit.timedOut) return undefined;
  const tail = lastLine(output);
  const known = EXIT_CODE_TABLE[exit.exitCode];
  if (known) return { errorClass: known.errorClass, error: `${name}: ${known.reason}${tail ? `: ${tail}` : ''}` };
  return {
    errorClass: 'agent_crash',
    error: `${name} exited with code ${exit.exitCode}${tail ? `: ${tail}` : ' and printed nothing'}`,
  };
}

/**
 * A context overflow, in the words of vLLM ("maximum context length", "reduce the length of the messages"), the
 * Anthropic and Gemini shapes the gateway sends ("prompt is too long", "exceeds the maximum number of tokens") and
 * the CLIs' own messages. One row for every preset, so they cannot drift apart.
 */
export const CONTEXT_OVERFLOW: FailurePattern = {
  match: /maximum context length|context_length_exceeded|context (window|length|overflow)|prompt is too long|prompt_too_long|reduce the length of the messages|exceeds the maximum number of tokens|prompt token count/i,
  errorClass: 'context_length_exceeded',
  reason: 'the conversation outgrew the model context',
};

/** Patterns every preset shares: what the swebench gateway itself answers (see src/gateway/sessions.ts). */
export const GATEWAY_PATTERNS: readonly FailurePattern[] = [
  { match: /reached its completion cap/i, errorClass: 'completion_cap', reason: 'the session hit its completion cap' },
  { match: /session \S+ is closed/i, errorClass: 'infra_error', reason: 'the gateway session was closed under the agent' },
  { match: /invalid or missing token for session|unknown session \S+/i, errorClass: 'infra_error', reason: 'the gateway refused the session credentials' },
];
