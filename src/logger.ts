// One logger for the whole tool: human lines to stderr (never stdout, which is for data), secrets redacted.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

const secrets = new Set<string>();
/** Token shapes (prefix + fixed-length base64url body), keyed by prefix: what every minted token of that kind looks like. */
const shapes = new Map<string, { re: RegExp; length: number }>();
/** The longest text a secret can span, so a stream can hold back just enough to never split one. */
let longest = 0;

/** Registers a secret (an API key, a token) so that no log line ever prints it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4 && !secrets.has(value)) {
    secrets.add(value);
    longest = Math.max(longest, value.length);
  }
}

/**
 * Registers the shape of tokens this process mints by the thousand (one per gateway session): `prefix` followed by
 * `bodyLength` base64url characters. Matching the shape instead of each value keeps redaction's cost the same for
 * one session or ten thousand, and also catches such tokens minted before a restart.
 */
export function registerSecretShape(prefix: string, bodyLength: number): void {
  if (shapes.has(prefix)) return;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  shapes.set(prefix, { re: new RegExp(`${escaped}[A-Za-z0-9_-]{${bodyLength}}`, 'g'), length: prefix.length + bodyLength });
  longest = Math.max(longest, prefix.length + bodyLength);
}

/** Replaces every registered secret (and every token of a registered shape) in `text` with `[REDACTED]`. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  for (const [prefix, { re }] of shapes) if (out.includes(prefix)) out = out.replace(re, '[REDACTED]');
  return out;
}

/** A deep copy of a JSON value with every string (keys included) redacted: what a file about to be written holds. */
export function redactValue<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Redacts a stream of text chunks (a harness's output on its way to agent.log), where a secret may arrive split
 * across two chunks: `push` returns what is safe to write now and holds back the last few characters, `end`
 * returns the rest.
 */
export function createStreamRedactor(): { push(chunk: string): string; end(): string } {
  let held = '';
  return {
    push(chunk) {
      const text = redact(held + chunk);
      // anything that could be the start of a secret still arriving stays back (a secret fully inside is redacted)
      const keep = Math.min(text.length, Math.max(0, longest - 1));
      held = text.slice(text.length - keep);
      return text.slice(0, text.length - keep);
    },
    end() {
      const rest = redact(held);
      held = '';
      return rest;
    },
  };
}

/** A logger writing `level: message` lines to a stream (stderr by default). */
export function createLogger(opts: { level?: LogLevel; stream?: NodeJS.WritableStream } = {}): Logger {
  const min = ORDER[opts.level ?? (process.env.SWEBENCH_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
  const stream = opts.stream ?? process.stderr;
  const write = (level: Exclude<LogLevel, 'silent'>, msg: string) => {
    if (ORDER[level] < min) return;
    stream.write(`${level === 'info' ? '' : `${level}: `}${redact(msg)}\n`);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
