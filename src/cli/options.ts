// Small helpers shared by command files: numeric flag parsing with precise errors, and Ctrl-C → AbortSignal.
import { ConfigError, EXIT_CODES } from '../errors.js';
import type { Logger } from '../logger.js';

/** Parses an integer flag, failing with the flag name and the accepted range. */
export function parseIntOption(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value === undefined || !/^-?\d+$/.test(String(value).trim()) || n < min || n > max) {
    throw new ConfigError(`expected an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`}, got "${value}"`, { source: flag });
  }
  return n;
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
