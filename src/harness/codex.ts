// The codex preset (@openai/codex, a static musl Rust binary that only speaks the Responses API in 0.169.0),
// configured per the verified headless setup in reference/harness-opencode-codex.md §3a: a custom provider with
// wire_api = "responses" at the gateway session, plugins/analytics/agents off (no network lookups, no
// non-standard tools), unbounded_connection_retries off (else a dead endpoint means reconnecting forever),
// CODEX_HOME outside /tmp, and `codex exec --json` with the prompt on stdin (codex reads stdin to EOF anyway).
import path from 'node:path';
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { mergeConfig } from './config-merge.js';
import { toToml } from './toml.js';
import type { BundleSpec, Harness, HarnessContext, HarnessLaunch } from './types.js';

/** Provider id in config.toml. */
export const CODEX_PROVIDER = 'gw';
/** Env var holding the session token (config.toml names it in `env_key`; codex sends it as a Bearer token). */
export const CODEX_KEY_ENV = 'SWEBENCH_GATEWAY_KEY';

/** Host arch → codex platform package and its vendor dir (Rust target triple). */
const PLATFORMS: Record<string, { pkg: string; triple: string }> = {
  x64: { pkg: '@openai/codex-linux-x64', triple: 'x86_64-unknown-linux-musl' },
  arm64: { pkg: '@openai/codex-linux-arm64', triple: 'aarch64-unknown-linux-musl' },
};

/**
 * The vendor dir's layout is kept (bin/codex finds ../codex-path/rg and puts it first on the PATH of the commands
 * it runs). Dropped: bin/codex-code-mode-host (67 MB, only used with features.code_mode_host) and
 * codex-resources/voice (51 MB, realtime voice). bwrap stays (small; used only by the non-full-access sandboxes).
 */
function bundleSpec(arch: string): BundleSpec {
  const p = PLATFORMS[arch] ?? PLATFORMS.x64!;
  const vendor = `node_modules/${p.pkg}/vendor/${p.triple}`;
  return {
    copy: [
      { from: `${vendor}/bin/codex`, to: 'bin/codex', mode: 0o755 },
      { from: `${vendor}/codex-path`, to: 'codex-path' },
      { from: `${vendor}/codex-resources/bwrap`, to: 'codex-resources/bwrap' },
      { from: `${vendor}/codex-package.json`, to: 'codex-package.json' },
    ],
    entry: 'bin/codex',
  };
}

/** The config.toml content the preset generates (before `configOverride`), as an object. */
export function codexConfig(ctx: HarnessContext): Record<string, unknown> {
  return {
    model: ctx.modelName,
    model_provider: CODEX_PROVIDER,
    model_context_window: ctx.contextWindow,
    approval_policy: 'never',
    sandbox_mode: 'danger-full-access',
    web_search: 'disabled',
    check_for_update_on_startup: false,
    features: {
      plugins: false, // no github.com / chatgpt.com marketplace sync
      goals: false, // no get_goal/create_goal/update_goal tools
      view_image: false,
      unbounded_connection_retries: false, // an unreachable gateway fails in ~1 s instead of reconnecting forever
    },
    analytics: { enabled: false },
    agents: { enabled: false }, // drops the non-standard multi_agent_v1 namespace tool
    model_providers: {
      [CODEX_PROVIDER]: {
        name: 'swebench gateway',
        base_url: ctx.baseUrl,
        env_key: CODEX_KEY_ENV,
        wire_api: 'responses',
        request_max_retries: 1,
        stream_max_retries: 1,
        stream_idle_timeout_ms: 300_000,
      },
    },
  };
}

/** What codex prints for each failure (reference §3c), most specific first. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  {
    match: /Error loading config\.toml|Missing environment variable|Not inside a trusted directory|unexpected status 401/i,
    errorClass: 'infra_error',
    reason: 'codex is misconfigured',
  },
  {
    match: /stream disconnected|Reconnecting\.\.\.|Connection failed|error sending request|exceeded retry limit|unexpected status \d+|high demand|stream closed before response\.completed|Incomplete response returned/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint failed',
  },
];

/** codex exec, headless, against the session's gateway URL. */
export const codex = {
  name: 'codex',
  package: '@openai/codex',
  version: '0.169.0',
  protocol: 'openai_responses',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    const codexHome = path.posix.join(ctx.home, '.codex');
    const config = mergeConfig(codexConfig(ctx), ctx.configOverride);
    return {
      files: [{ path: path.posix.join(codexHome, 'config.toml'), content: toToml(config), mode: 0o600 }],
      env: { CODEX_HOME: codexHome, [CODEX_KEY_ENV]: ctx.apiKey },
      // The prompt goes on stdin (read to EOF, then closed by the runtime); --ephemeral: no rollout files, unless
      // the session may be resumed (an ephemeral thread cannot be: `exec resume <id>` exits 1).
      command: [codexBin(ctx), 'exec', '--json', ...(ctx.resumable ? [] : ['--ephemeral']), '--skip-git-repo-check'],
      stdin: ctx.prompt,
    };
  },

  classify: (exit) => classifyExit('codex', exit, PATTERNS),

  resume: {
    // `--json` starts with {"type":"thread.started","thread_id":"…"}; the pipeline keeps the output's head for it.
    sessionRef: (_ctx, output) => /"type"\s*:\s*"thread\.started"\s*,\s*"thread_id"\s*:\s*"([0-9a-f-]{36})"/.exec(output)?.[1],
    continueWith: (ctx, ref, message) => ({
      command: [codexBin(ctx), 'exec', 'resume', '--json', '--skip-git-repo-check', ref, '-'],
      stdin: message,
    }),
  },
} satisfies Harness;

function codexBin(ctx: HarnessContext): string {
  return path.posix.join(ctx.bundleDir, 'bin', 'codex');
}
