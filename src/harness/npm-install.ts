// `npm install --prefix <dir>` with progress lines on the logger, cancellation through the AbortSignal, and npm's
// failures turned into errors that say what to do (an unknown version is bad input, an unreachable or failing
// registry a network error, anything else an install error).
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { CancelledError, ConfigError, EXIT_CODES, NetworkError, SwebenchError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';

/** npm failed for a reason other than a bad package spec or the network (a full disk, a broken package). */
export class HarnessInstallError extends SwebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_HARNESS_INSTALL', exitCode: EXIT_CODES.internal, hint: opts.hint, cause: opts.cause });
  }
}

/** How npm is asked to install (defaults: everything optional included, no scripts). */
export interface NpmInstallOptions {
  /** Skip optional dependencies (platform packages of other OSes, native add-ons). @default false */
  omitOptional?: boolean;
  /** Run install scripts. @default false */
  scripts?: boolean;
  /** A directory put first on npm's PATH: its `node` runs npm, the engine checks and the install scripts. */
  nodeBinDir?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** How often a "still installing" line is logged. @default 15000 */
  tickMs?: number;
}

/**
 * npm's error codes for a registry it could not reach or that failed (`npm error code E503`, `… ECONNREFUSED`):
 * the registry's trouble, not the input's. `npm ERR!` is how npm < 10 spelled it.
 */
const REGISTRY_DOWN = /^npm (?:error|ERR!) code (E5\d\d|E429|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT)\b/m;

/** Lines of npm output worth showing at info level: the tarball downloads (the slow part). */
const TARBALL_FETCH = /^npm http fetch GET (\d+) (\S+\.tgz) (\d+)ms/;

/** Installs `specs` (`name@version`) into `prefix` with the system npm. */
export async function npmInstall(prefix: string, specs: string[], opts: NpmInstallOptions = {}): Promise<void> {
  const logger = opts.logger ?? silentLogger;
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel=http'];
  if (!opts.scripts) args.push('--ignore-scripts');
  if (opts.omitOptional) args.push('--omit=optional');
  args.push(...specs);
  const started = Date.now();
  const child = execa('npm', args, {
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2000, // npm finishes its in-flight request on SIGTERM; do not wait for it
    reject: false,
    all: true,
    stdin: 'ignore',
    env: {
      npm_config_update_notifier: 'false',
      npm_config_progress: 'false',
      ...(opts.nodeBinDir ? { PATH: [opts.nodeBinDir, process.env.PATH].filter(Boolean).join(path.delimiter) } : {}),
    },
  });
  const onLine = (line: string) => {
    const fetched = TARBALL_FETCH.exec(line);
    if (fetched) logger.info(`  downloaded ${fetched[2]!.split('/').pop()} (HTTP ${fetched[1]}, ${(Number(fetched[3]) / 1000).toFixed(1)} s)`);
    else if (line.trim()) logger.debug(`  npm: ${line}`);
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream as Readable }).on('line', onLine);
  const ticker = setInterval(() => {
    logger.info(`  still installing ${specs.join(' ')} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, opts.tickMs ?? 15_000);
  ticker.unref();
  let result;
  try {
    result = await child;
  } finally {
    clearInterval(ticker);
  }
  if (result.isCanceled || opts.signal?.aborted) throw new CancelledError(`npm install of ${specs.join(' ')} cancelled`);
  if (result.exitCode === 0) return;
  const output = String(result.all ?? '');
  const tail = output.split('\n').filter((l) => /npm error/.test(l)).slice(-8).join('\n') || output.slice(-2000);
  if (/\b(ETARGET|E404)\b/.test(output)) {
    const names = specs.map((s) => s.replace(/@[^@/]+$/, '')).join(' ');
    throw new ConfigError(`npm has no ${specs.join(' ')}:\n${tail}`, {
      code: 'E_HARNESS_VERSION',
      hint: `List the published versions with \`npm view ${names} versions\` and pass one with --version.`,
    });
  }
  const down = REGISTRY_DOWN.exec(output);
  if (down) {
    throw new NetworkError(`npm install ${specs.join(' ')} failed: the registry is unreachable or failing (${down[1]}):\n${tail}`, {
      code: 'E_HARNESS_INSTALL',
      hint: 'Check that the npm registry is reachable (npm ping; npm_config_registry, proxy settings) and retry.',
    });
  }
  throw new HarnessInstallError(`npm install ${specs.join(' ')} failed (exit ${result.exitCode ?? result.signal}):\n${tail}`, {
    hint: 'Check that the cache directory has free space (SWEBENCH_CACHE_DIR) and that the npm registry is reachable (npm ping).',
  });
}
