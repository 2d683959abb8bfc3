// Small helpers shared by command files: the one integer and choice flag parsers (precise errors naming the flag),
// and Ctrl-C → AbortSignal.
import { ConfigError, EXIT_CODES } from '../errors.js';
import type { Logger } from '../logger.js';

/** Parses an integer flag, failing with the flag name and the accepted range. */
export function parseIntOption(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = value === undefined ? '' : String(value).trim();
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max !== Number.MAX_SAFE_INTEGER ? `an integer in ${min}..${max}` : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`;
    throw new ConfigError(`expected ${range}, got "${raw}"`, { source: flag });
  }
  return n;
}

/** Parses a flag whose value is one of `choices`, failing with the flag name and every choice. */
export function parseChoice<const C extends string>(flag: string, value: unknown, choices: readonly C[]): C {
  if (choices.includes(value as C)) return value as C;
  const quoted = choices.map((c) => `"${c}"`);
  const expected = quoted.length === 2 ? quoted.join(' or ') : `one of ${quoted.join(', ')}`;
  throw new ConfigError(`expected ${expected}, got "${String(value)}"`, { source: flag });
}

/** First Ctrl-C aborts the returned signal (graceful: running work stops, cleanup runs); a second exits at once. */
export function cancelSignalFromSigint(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      logger.error('second interrupt: exiting now');
      process.exit(EXIT_CODES.cancelled);
    }
    logger.warn('interrupt: cancelling (press Ctrl-C again to force)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}
