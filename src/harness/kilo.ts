// The kilo preset (@kilocode/cli, an opencode fork: a Bun single-file binary speaking Chat Completions), per
// reference/harness-more.md §4: opencode's headless setup with KILO_* names — a custom `@ai-sdk/openai-compatible`
// provider at the gateway session (without baseURL kilo fails with `"undefined/chat/completions" cannot be parsed
// as a URL`), `enabled_providers: ["gw"]` (else it calls api.kilo.ai), KILO_TELEMETRY_LEVEL=off (else posthog),
// KILO_SESSION_RETRY_LIMIT=1 (else it retries a dead endpoint for minutes), a per-session TMPDIR (each run
// unpacks a 5.5 MB native library there), `rg` on PATH, and the prompt on stdin (an argument gets quoted).
// Pinned at 7.7.7: 7.8.1's platform packages are not published, so it does not install.
import path from 'node:path';
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { mergeConfig } from './config-merge.js';
import { withPathPrefix } from './launch-utils.js';
import { staticRg } from './static-rg.js';
import type { BundleSpec, Harness, HarnessContext, HarnessLaunch } from './types.js';

/** Provider id in kilo.json; the model is addressed as `gw/<model>`. */
export const KILO_PROVIDER = 'gw';

/** Host arch → kilo's glibc platform packages (x64 also has a no-AVX2 baseline build). */
const PLATFORMS: Record<string, string[]> = {
  x64: ['@kilocode/cli-linux-x64', '@kilocode/cli-linux-x64-baseline'],
  arm64: ['@kilocode/cli-linux-arm64'],
};

/** The platform package's whole bin/ dir: the binary plus what it loads next to it (tree-sitter, sandbox helpers, console). */
function bundleSpec(arch: string): BundleSpec {
  const [first, ...rest] = (PLATFORMS[arch] ?? PLATFORMS.x64!).map((pkg) => `node_modules/${pkg}/bin`);
  // kilo downloads ripgrep from GitHub when `rg` is not on PATH (same static build as the opencode preset)
  const rg = staticRg(arch);
  return {
    copy: [{ from: first!, alternatives: rest, to: 'bin' }, ...rg.copy],
    extraPackages: rg.extraPackages,
    entry: 'bin/kilo',
  };
}

/** The kilo.json the preset generates (before `configOverride`). */
export function kiloConfig(ctx: HarnessContext): Record<string, unknown> {
  return {
    $schema: 'https://app.kilo.ai/config.json',
    provider: {
      [KILO_PROVIDER]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'swebench gateway',
        options: { baseURL: ctx.baseUrl, apiKey: ctx.apiKey },
        models: {
          [ctx.modelName]: { name: ctx.modelName, tool_call: true, limit: { context: ctx.contextWindow, output: ctx.maxOutputTokens } },
        },
      },
    },
    model: `${KILO_PROVIDER}/${ctx.modelName}`,
    small_model: `${KILO_PROVIDER}/${ctx.modelName}`,
    enabled_providers: [KILO_PROVIDER],
    autoupdate: false,
    share: 'disabled',
    snapshot: false,
    permission: { edit: 'allow', bash: 'allow', webfetch: 'deny', external_directory: 'allow' },
  };
}

/** What kilo prints for each failure (its `--format json` error events and stderr; reference §4d). */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /cannot be parsed as a URL/i, errorClass: 'infra_error', reason: 'the provider base URL is missing or invalid in kilo.json' },
  { match: /Model not found|ProviderModelNotFound|provider .* not found/i, errorClass: 'infra_error', reason: 'the gw provider or model is missing from kilo.json' },
  { match: /Cannot connect to API|ECONNREFUSED|Unable to connect/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  {
    match: /\b(429|50[0-4])\b|Too Many Requests|rate limit|Internal Server Error|Bad Gateway|Service Unavailable|overloaded|upstream/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint kept failing',
  },
];

export const kilo = {
  name: 'kilo',
  package: '@kilocode/cli',
  version: '7.7.7',
  protocol: 'openai_chat',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    const configPath = path.posix.join(ctx.home, '.swebench', 'kilo.json');
    const tmp = path.posix.join(ctx.home, 'tmp');
    const config = mergeConfig(kiloConfig(ctx), ctx.configOverride);
    return {
      files: [
        { path: configPath, content: JSON.stringify(config, null, 2) + '\n', mode: 0o600 },
        { path: path.posix.join(tmp, '.keep'), content: '' }, // TMPDIR must exist
      ],
      env: {
        HOME: ctx.home,
        TMPDIR: tmp,
        KILO_CONFIG: configPath,
        KILO_DISABLE_MODELS_FETCH: '1',
        KILO_DISABLE_AUTOUPDATE: '1',
        KILO_DISABLE_LSP_DOWNLOAD: '1',
        KILO_TELEMETRY_LEVEL: 'off',
        KILO_SESSION_RETRY_LIMIT: '1', // the gateway already retries the upstream
      },
      // --title skips the title completion; --auto approves `ask` rules; --format json: JSONL events in agent.log.
      command: withPathPrefix(path.posix.join(ctx.bundleDir, 'bin'), [
        'kilo', 'run', '--auto', '--title', 'task', '--format', 'json', '-m', `${KILO_PROVIDER}/${ctx.modelName}`,
      ]),
      stdin: ctx.prompt,
    };
  },

  classify: (exit) => classifyExit('kilo', exit, PATTERNS),
} satisfies Harness;
