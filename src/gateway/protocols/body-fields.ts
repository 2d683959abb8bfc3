// Typed readers for loosely shaped client bodies: each names the JSON path it rejects, so a bad request
// becomes a 400 that says exactly which field was wrong and what was expected.
import { ProtocolRequestError } from './types.js';

export type Json = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an object, or a ProtocolRequestError naming `path`. */
export function expectObject(v: unknown, path: string): Json {
  if (!isObject(v)) throw new ProtocolRequestError(`${path}: expected an object, got ${describe(v)}`);
  return v;
}

/** The value as an array, or a ProtocolRequestError naming `path`. */
export function expectArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ProtocolRequestError(`${path}: expected an array, got ${describe(v)}`);
  return v;
}

/** A required string field. */
export function expectString(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ProtocolRequestError(`${path}.${key}: expected a string, got ${describe(v)}`);
  return v;
}

/** An optional string field (null and undefined both mean absent). */
export function optString(o: Json, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ProtocolRequestError(`${path}.${key}: expected a string, got ${describe(v)}`);
  return v;
}

/** An optional finite number field. */
export function optNumber(o: Json, key: string, path: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ProtocolRequestError(`${path}.${key}: expected a number, got ${describe(v)}`);
  }
  return v;
}

/** An optional boolean field. */
export function optBoolean(o: Json, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ProtocolRequestError(`${path}.${key}: expected true or false, got ${describe(v)}`);
  return v;
}

/** The client's max output tokens, capped by the gateway's limit; the limit alone when the client gave none. */
export function cappedMaxTokens(requested: number | undefined, cap: number | undefined): number | undefined {
  if (requested === undefined) return cap;
  return cap === undefined ? requested : Math.min(requested, cap);
}

/** Tool arguments as the JSON text chat upstreams expect: objects serialised, an empty string as `{}`. */
export function argumentsText(v: unknown): string {
  if (typeof v === 'string') return v.trim() === '' ? '{}' : v;
  return JSON.stringify(v ?? {});
}

/** Tool arguments as the object Anthropic's `input` and Gemini's `args` must be; unparsable text becomes `{}` (the tool then reports it). */
export function argumentsObject(args: string): Json {
  try {
    const parsed: unknown = JSON.parse(args === '' ? '{}' : args);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string ("${v.slice(0, 40)}…")` : `"${v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** A table lookup that never reaches Object.prototype (client-controlled keys such as "constructor"). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}
