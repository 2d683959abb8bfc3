// Token handling for the gateway: where each CLI puts its key, constant-time comparison, random tokens,
// and the header scrubbing that keeps credentials out of records.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { registerSecretShape } from '../logger.js';

/** Headers that carry credentials: never recorded, never logged. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'set-cookie',
]);

/** Every token the request presents: `Authorization: Bearer` (claude, openai SDKs), `x-api-key` (anthropic), `x-goog-api-key` (gemini). */
export function presentedTokens(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) out.push(m[1].trim());
  }
  for (const name of ['x-api-key', 'x-goog-api-key'] as const) {
    const v = headers[name];
    if (typeof v === 'string' && v.trim()) out.push(v.trim());
  }
  return out;
}

/** Constant-time string equality (hashing first hides the length of the expected value too). */
export function safeEqual(a: string, b: string): boolean {
  // one-shot hash(): no Hash object per call (this runs on every request)
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}

/** True when any presented token equals `expected`. */
export function hasToken(headers: IncomingHttpHeaders, expected: string): boolean {
  let ok = false;
  for (const t of presentedTokens(headers)) ok = safeEqual(t, expected) || ok;
  return ok;
}

/** True when the request carries `Authorization: Bearer <expected>` (the admin API accepts nothing else). */
export function hasBearer(headers: IncomingHttpHeaders, expected: string): boolean {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return safeEqual(m?.[1]?.trim() ?? '', expected) && Boolean(m);
}

/**
 * A random token with a recognisable prefix (so a leaked one can be identified). Every token of that shape is
 * redacted from logs and written files from now on: a harness echoing its config into agent.log leaks nothing.
 */
export function randomToken(prefix: string, bytes = 32): string {
  const body = randomBytes(bytes).toString('base64url');
  registerSecretShape(prefix, body.length);
  return `${prefix}${body}`;
}

/** Request headers minus credentials, for records. */
export function scrubHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || SECRET_HEADERS.has(k.toLowerCase())) continue;
    out[k] = v;
  }
  return out;
}
