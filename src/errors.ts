// Typed errors with stable codes and fix-it text, and the one exit-code table the CLI uses.

/** Process exit codes. The CLI's top-level catch is the only place that maps errors to them. */
export const EXIT_CODES = {
  ok: 0,
  /** An unexpected internal failure (a bug). */
  internal: 1,
  /** Bad input: a flag, a config file, a dataset row, a predictions file. */
  config: 2,
  /** No Docker engine reachable, an image missing, or a container operation (exec, file copy, patch extraction) failed. */
  docker: 3,
  /** The gateway or an upstream model server failed in a way that stops the whole command. */
  gateway: 4,
  /** `--fail-under` was not met. */
  failUnder: 5,
  /** `--max-infra-errors` was exceeded. */
  infraErrors: 6,
  /** A registry or download host (HuggingFace, npm) could not be reached or failed (DNS, refused, timeout, 5xx). */
  network: 7,
  /** Cancelled by the user (Ctrl-C). */
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base class: every error the CLI expects carries a stable code, an exit code and optional fix-it text. */
export class SwebenchError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  constructor(message: string, opts: { code: string; exitCode: ExitCode; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.exitCode = opts.exitCode;
    this.hint = opts.hint;
  }
}

/** Invalid user input. `source` names the file (or flag), `path` the location inside it. */
export class ConfigError extends SwebenchError {
  readonly source?: string;
  readonly path?: string;
  constructor(message: string, opts: { source?: string; path?: string; hint?: string; code?: string; cause?: unknown } = {}) {
    const where = [opts.source, opts.path].filter(Boolean).join(': ');
    super(where ? `${where}: ${message}` : message, {
      code: opts.code ?? 'E_CONFIG',
      exitCode: EXIT_CODES.config,
      hint: opts.hint,
      cause: opts.cause,
    });
    this.source = opts.source;
    this.path = opts.path;
  }
}

/** No Docker engine answered, or the engine refused what we asked for. */
export class DockerUnavailableError extends SwebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_DOCKER_UNAVAILABLE', exitCode: EXIT_CODES.docker, hint: opts.hint, cause: opts.cause });
  }
}

/** A Docker image could not be found locally nor pulled. */
/** A Docker-side problem that stops the command (e.g. not enough disk for the images). */
export class DockerError extends SwebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_DOCKER', exitCode: EXIT_CODES.docker, hint: opts.hint, cause: opts.cause });
  }
}

export class ImageNotFoundError extends SwebenchError {
  /** `reason`: the engine's own words (e.g. `manifest unknown`), appended to the message. */
  constructor(readonly image: string, opts: { hint?: string; cause?: unknown; reason?: string } = {}) {
    super(`Docker image ${image} is not available locally and could not be pulled${opts.reason ? `: ${opts.reason}` : ''}`, {
      code: 'E_IMAGE_NOT_FOUND',
      exitCode: EXIT_CODES.docker,
      hint: opts.hint ?? `Build or pull it first (docker pull ${image}), or pass --image-template.`,
      cause: opts.cause,
    });
  }
}

/** The gateway or the upstream model server failed for the whole command. */
export class GatewayError extends SwebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown; code?: string } = {}) {
    super(message, { code: opts.code ?? 'E_GATEWAY', exitCode: EXIT_CODES.gateway, hint: opts.hint, cause: opts.cause });
  }
}

/** A registry or download host failed us (unreachable, timed out, 5xx): retry later; the input was fine. */
export class NetworkError extends SwebenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown; code?: string } = {}) {
    super(message, { code: opts.code ?? 'E_NETWORK', exitCode: EXIT_CODES.network, hint: opts.hint, cause: opts.cause });
  }
}

/** An operation was cancelled through its AbortSignal. */
export class CancelledError extends SwebenchError {
  constructor(message = 'cancelled') {
    super(message, { code: 'E_CANCELLED', exitCode: EXIT_CODES.cancelled });
  }
}

/** A command or exec exceeded its time budget; retry logic and classifiers can tell it apart. */
export class TimeoutError extends SwebenchError {
  constructor(message: string, readonly timeoutMs: number) {
    super(message, { code: 'E_TIMEOUT', exitCode: EXIT_CODES.internal });
  }
}

/** Throws CancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
