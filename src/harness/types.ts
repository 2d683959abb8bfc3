// The harness seam: one object per coding-agent CLI describing how to install it once on the host (bundle),
// how to configure and launch it headless inside a task container against a gateway session, and how to read
// its failures. Everything that differs per harness is data here, not branches in the pipeline.
import type { ClientProtocol } from '../gateway/protocols/types.js';

/** Where the read-only bundle is mounted inside every task container. */
export const BUNDLE_MOUNT = '/opt/swebench/harness';

/** What the pipeline knows about one session when it asks a harness to prepare its launch. */
export interface HarnessContext {
  /** Gateway session base URL including `/v1`, e.g. `http://127.0.0.1:PORT/s/<sid>/v1`. */
  baseUrl: string;
  /** The same without the trailing `/v1` (Anthropic clients append `/v1/messages` themselves). */
  rootUrl: string;
  /** The session token (sent as the client's API key). */
  apiKey: string;
  /** The model name the harness is told (`--model-name`). */
  modelName: string;
  /** The full prompt (rendered from the prompt template with the problem statement). */
  prompt: string;
  /** Repository directory inside the container. @default '/testbed' */
  workdir: string;
  /** A writable per-session directory inside the container for HOME/config/state (not under /tmp for codex). */
  home: string;
  /** Where the bundle is mounted (BUNDLE_MOUNT). */
  bundleDir: string;
  /** Turn cap passed to harnesses that have one. */
  maxTurns: number;
  /** Wall-clock budget in seconds (passed to harnesses that take one, e.g. qwen --max-wall-time). */
  timeoutSec: number;
  /** Context window and max output tokens the harness should assume. */
  contextWindow: number;
  maxOutputTokens: number;
  /** Deep-merged over the harness's generated config file (e.g. to test a broken preset). */
  configOverride?: Record<string, unknown>;
  /**
   * The session may be continued later (`--nudge`): the harness keeps what its resume needs (codex drops
   * `--ephemeral`; claude-code and qwen-code are started under `conversationId`). False: launched as always.
   */
  resumable: boolean;
  /** A UUID fixed per session, for CLIs that take their session id up front (`--session-id`). */
  conversationId: string;
}

export interface HarnessFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
  mode?: number;
}

/** Everything needed to start the harness in the container. */
export interface HarnessLaunch {
  files: HarnessFile[];
  env: Record<string, string>;
  /** argv, run in `workdir`. */
  command: string[];
  /** Written to the process's stdin (the prompt, for harnesses that read it there); stdin is closed either way. */
  stdin?: string;
}

/** How a finished harness process looked, for failure classification. */
export interface HarnessExit {
  exitCode: number;
  /** Combined stdout+stderr (possibly truncated to its tail). */
  output: string;
  timedOut: boolean;
}

/** A failure class (DESIGN.md decision 7) plus a one-line reason, or undefined when the run looks healthy. */
export interface HarnessFailure {
  errorClass: 'agent_crash' | 'agent_timeout' | 'context_length_exceeded' | 'upstream_error' | 'completion_cap' | 'infra_error';
  error: string;
}

/** How to cut a runnable bundle out of the npm-installed package tree. */
export interface BundleSpec {
  /**
   * Files or directories to copy, relative to the install prefix (`<prefix>/node_modules/...`) → relative to the
   * bundle root. Directories are copied recursively; symlinks are resolved.
   */
  copy: Array<{
    from: string;
    to: string;
    mode?: number;
    /** Tried in order when `from` does not exist (e.g. `opencode-linux-x64` → `opencode-linux-x64-baseline`). */
    alternatives?: string[];
  }>;
  /** Also copy the host's node binary to `bin/node` (pure-JS harnesses that run on the node swebench runs on). */
  needsNode?: boolean;
  /**
   * A pinned node runtime from the npm registry (`node-linux-<arch>@<version>`) as `bin/node` instead of the host's,
   * for packages whose `engines` need a newer node. The package's npm install runs with it first on PATH, so
   * engine checks, optional native dependencies and install scripts see the node the harness will run on.
   */
  node?: { version: string };
  /** The entry point inside the bundle, used by `harness list` to verify the install. */
  entry: string;
  /**
   * Further npm packages (`name@version`) installed with `--omit=optional` into `<prefix>/extra`, so that `copy`
   * can take files from `extra/node_modules/...` (e.g. a static `rg` vendored by another package).
   */
  extraPackages?: string[];
  /**
   * Run the package's install scripts (postinstall). Off by default: bundles copy the platform binaries directly.
   * @default false
   */
  installScripts?: boolean;
  /** Files written into the bundle (e.g. a CA bundle for a binary that needs trust roots the image may lack). */
  files?: Array<{ to: string; content: string }>;
  /** A command run once on the cut bundle before it is published (see BundlePrepare). Part of the spec hash. */
  prepare?: BundlePrepare;
}

/**
 * A one-time step after the cut, for CLIs that unpack or generate files on first run (copilot unpacks its 235 MB
 * JS package into ~/.cache): run the CLI once on the host with a scratch HOME, keep what it wrote inside the
 * bundle, and point sessions at it, so the bundle stays read-only and sessions never unpack. In `command`, `env`
 * and `keep`, `{bundle}` is the bundle being cut, `{scratch}` an empty directory removed afterwards, and
 * `{version}` the package version.
 */
export interface BundlePrepare {
  /** argv, run with cwd `{scratch}`. */
  command: string[];
  /** The whole environment besides PATH (the host's) and HOME (`{scratch}` unless set here). */
  env?: Record<string, string>;
  /** Moved from `{scratch}` into the bundle afterwards (`from` relative to `{scratch}`, `to` to the bundle root). */
  keep: Array<{ from: string; to: string }>;
  /** Longest the command may take, in ms. @default 120000 */
  timeoutMs?: number;
}

/**
 * How a CLI continues its own session in the same container with a new user message (its resume mechanism, as
 * verified by running each CLI: codex `exec resume`, claude-code and qwen-code `--resume`, opencode `--session`).
 */
export interface HarnessResume {
  /** The CLI's id of the session to continue: fixed by the launch, or read from the first run's output; undefined if absent. */
  sessionRef(ctx: HarnessContext, output: string): string | undefined;
  /** argv and stdin that continue session `ref` with `message`; run with the first launch's env in `workdir`. */
  continueWith(ctx: HarnessContext, ref: string, message: string): Pick<HarnessLaunch, 'command' | 'stdin'>;
}

export interface Harness {
  readonly name: string;
  /** npm package and pinned version. */
  readonly package: string;
  readonly version: string;
  /** Wire protocol the CLI speaks to the gateway (→ trajectory.metadata.api_type). */
  readonly protocol: ClientProtocol;
  readonly bundle: BundleSpec | null;
  /** Files, env and argv for one session. */
  launch(ctx: HarnessContext): HarnessLaunch;
  /** Classifies a failed or suspicious exit from the harness's exit code and output. */
  classify(exit: HarnessExit): HarnessFailure | undefined;
  /** How to continue a session that stopped early (`--nudge`); absent: the harness is never nudged. */
  readonly resume?: HarnessResume;
}
