// Classifies every way the upstream can fail into the one ProtocolError the client will see, and whether
// a retry (before the client saw a byte) may help. Tables, not branches, so the mapping reads at a glance.
import { redact } from '../logger.js';
import type { ProtocolError } from './protocols/types.js';

/** A classified upstream failure. */
export interface UpstreamFailure {
  error: ProtocolError;
  retryable: boolean;
  /** Upstream HTTP status, or null when no response arrived. */
  upstreamStatus: number | null;
  /** From a `Retry-After` header. */
  retryAfterMs?: number;
}

/** vLLM's only signal for a context overflow is this sentence (there is no symbolic code). */
export const CONTEXT_LENGTH_RE = /maximum context length is (\d+) tokens/i;
// Other servers' wordings (OpenAI's code, SGLang, Anthropic-style backends).
const CONTEXT_LENGTH_CODE_RE = /context_length_exceeded|prompt is too long|longer than the model's context length|exceeds the model's (maximum )?context length/i;

/** The token figures of a context-overflow message (vLLM's and similar wordings), for clients that parse their own wording. */
export function contextLengthFigures(message: string): { used: string; max: string } | undefined {
  const max = CONTEXT_LENGTH_RE.exec(message)?.[1];
  const used =
    /(\d+) in the messages/i.exec(message)?.[1] ?? /has (\d+) input tokens/i.exec(message)?.[1] ?? /requested (\d+) tokens/i.exec(message)?.[1];
  return max && used ? { used, max } : undefined;
}

/** Network-level error codes worth a retry: nothing reached the model, or the connection dropped. */
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Upstream statuses the client sees as something else (our key or our server failing is not the client's fault). */
const STATUS_TABLE: Array<{ match: (s: number) => boolean; status: (s: number) => number; kind: string; retryable: boolean }> = [
  { match: (s) => s === 429, status: () => 429, kind: 'rate_limit', retryable: true },
  { match: (s) => s === 408, status: () => 504, kind: 'upstream_error', retryable: true },
  { match: (s) => s === 401 || s === 403, status: () => 502, kind: 'upstream_error', retryable: false },
  { match: (s) => s === 503 || s === 529, status: () => 503, kind: 'upstream_error', retryable: true },
  { match: (s) => s >= 500, status: () => 502, kind: 'upstream_error', retryable: true },
  { match: (s) => s >= 400, status: (s) => s, kind: 'invalid_request', retryable: false },
  { match: () => true, status: () => 502, kind: 'upstream_error', retryable: false },
];

/** Pulls a human message out of an upstream error body (`{error:{message}}`, vLLM `{message}`, `{detail}`, text). */
export function upstreamMessage(body: unknown, fallback: string): string {
  let text: string | undefined;
  const obj = typeof body === 'string' ? tryJson(body) : body;
  if (obj && typeof obj === 'object') {
    const o = obj as Record<string, unknown>;
    const err = o.error;
    if (typeof err === 'string') text = err;
    else if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') {
      text = (err as Record<string, unknown>).message as string;
    } else if (typeof o.message === 'string') text = o.message;
    else if (typeof o.detail === 'string') text = o.detail;
  }
  if (text === undefined && typeof body === 'string' && body.trim()) text = body.trim();
  // redact before cutting: a cut through a secret would leave a fragment `redact` no longer recognises
  return redact(text ?? fallback).slice(0, 4000);
}

/** A non-200 upstream response. */
export function failureFromStatus(status: number, body: string, retryAfter?: string | string[]): UpstreamFailure {
  const message = upstreamMessage(body, `upstream answered HTTP ${status}`);
  if (status === 400 || status === 413) {
    if (CONTEXT_LENGTH_RE.test(message) || CONTEXT_LENGTH_CODE_RE.test(body)) {
      return { error: { status: 400, kind: 'context_length_exceeded', message }, retryable: false, upstreamStatus: status };
    }
  }
  const row = STATUS_TABLE.find((r) => r.match(status))!;
  const prefix = status === 401 || status === 403 ? 'the upstream rejected the gateway credentials: ' : '';
  const failure: UpstreamFailure = {
    error: { status: row.status(status), kind: row.kind, message: prefix + message },
    retryable: row.retryable,
    upstreamStatus: status,
  };
  const after = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (after !== undefined) failure.retryAfterMs = after;
  return failure;
}

/** An `error` object inside a 200 SSE stream (vLLM's `create_streaming_error_response`). */
export function failureFromStreamError(error: unknown): UpstreamFailure {
  const message = upstreamMessage({ error }, 'upstream reported an error inside the stream');
  const code = error && typeof error === 'object' ? (error as Record<string, unknown>).code : undefined;
  if (CONTEXT_LENGTH_RE.test(message) || CONTEXT_LENGTH_CODE_RE.test(message)) {
    return { error: { status: 400, kind: 'context_length_exceeded', message }, retryable: false, upstreamStatus: 200 };
  }
  const numeric = typeof code === 'number' ? code : Number.parseInt(String(code ?? ''), 10);
  if (numeric >= 400 && numeric < 500 && numeric !== 429) {
    return { error: { status: numeric, kind: 'invalid_request', message }, retryable: false, upstreamStatus: 200 };
  }
  return { error: { status: 502, kind: 'upstream_error', message }, retryable: false, upstreamStatus: 200 };
}

/** A thrown network error (no response, or the body broke off). */
export function failureFromException(err: unknown, midStream: boolean): UpstreamFailure {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  const detail = redact(`${code ? `${code}: ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`);
  if (midStream) {
    return {
      error: { status: 502, kind: 'stream_interrupted', message: `upstream stream interrupted (${detail})` },
      retryable: true,
      upstreamStatus: 200,
    };
  }
  const refused = code === 'ECONNREFUSED';
  return {
    error: {
      status: 502,
      kind: 'upstream_error',
      message: refused ? `cannot connect to the upstream model server (${detail})` : `upstream request failed (${detail})`,
    },
    retryable: RETRYABLE_ERROR_CODES.has(code),
    upstreamStatus: null,
  };
}

/** `Retry-After` as seconds or an HTTP date, in ms. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
