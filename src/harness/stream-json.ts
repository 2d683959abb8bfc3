// claude-code, qwen-code and gemini-cli all print `--output-format stream-json`: one JSON event per line
// (system/init, assistant, user = tool results, retries, and a final `result`). Failures are told by the
// `result` event (`is_error`, `subtype` or gemini's `status: "error"`, `terminal_reason`, the `result` text or
// `error.message`), by retry events and by gemini's `error` events, never by assistant/user/tool events, which
// carry whatever the model wrote and the repository's commands printed. This turns such output into the plain
// text lines the shared classifier (classify.ts) reads.

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** One plain line for a failed `result` event: `result <subtype> (<terminal_reason>): <why>`. */
function resultLine(e: Json): string | undefined {
  if (e.is_error !== true && e.status !== 'error' && !/error/i.test(String(e.subtype ?? ''))) return undefined;
  const error = e.error as Json | undefined;
  const errors = Array.isArray(e.errors) ? e.errors.filter((x): x is string => typeof x === 'string') : [];
  const why = str(e.result) ?? str(error?.message) ?? (errors.length ? errors.join('; ') : undefined) ?? 'no message';
  const reason = str(e.terminal_reason);
  return `result ${String(e.subtype ?? 'error')}${reason ? ` (${reason})` : ''}: ${why}`;
}

/** One plain line for a retry event (claude `system/api_retry`, qwen `system/retry`). */
function retryLine(e: Json): string {
  const data = (e.data as Json | undefined) ?? e;
  const info = (data.retryInfo as Json | undefined) ?? data;
  const attempt = info.attempt ?? data.attempt;
  const max = info.max_retries ?? info.maxRetries ?? data.max_retries ?? data.maxRetries;
  const status = e.error_status ?? '';
  const what = [status, str(e.error), str(info.message)].filter((x) => x !== undefined && x !== '').join(' ');
  return `api retry ${String(attempt ?? '?')}/${String(max ?? '?')}${what ? `: ${what}` : ''}`;
}

/** The first line of an output tail cut inside an event (`…"content":"…"}`): not something the CLI printed. */
function looksLikeCutEvent(line: string): boolean {
  return /"\w+":/.test(line) && /[}\]]$/.test(line);
}

/**
 * The failure-relevant text of a stream-json output: non-JSON lines (stderr) as they are, failed `result`
 * events and retry events as one plain line each, every other event dropped (and a first line that is the rest
 * of an event cut by output truncation).
 */
export function streamJsonDiagnostics(output: string): string {
  const lines: string[] = [];
  let first = true;
  for (const raw of output.split(/\r?\n/)) {
    const t = raw.trim();
    if (!t) continue;
    const head = first;
    first = false;
    let event: unknown;
    try {
      event = t.startsWith('{') ? JSON.parse(t) : undefined;
    } catch {
      event = undefined;
    }
    if (!event || typeof event !== 'object' || Array.isArray(event)) {
      if (!(head && looksLikeCutEvent(t))) lines.push(t);
      continue;
    }
    const e = event as Json;
    if (e.type === 'result') {
      const line = resultLine(e);
      if (line) lines.push(line);
    } else if (e.type === 'system' && /retry/i.test(String(e.subtype ?? ''))) {
      lines.push(retryLine(e));
    } else if (e.type === 'error') {
      // gemini-cli: `{"type":"error","severity":"warning"|"error","message":…}` (its loop detector, a bad reply)
      lines.push(`error${str(e.severity) ? ` (${String(e.severity)})` : ''}: ${str(e.message) ?? 'no message'}`);
    }
  }
  return lines.join('\n');
}
