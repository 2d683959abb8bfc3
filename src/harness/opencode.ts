// The opencode preset (opencode-ai, a Bun single-file binary speaking Chat Completions), configured per the
// verified headless setup in reference/harness-opencode-codex.md §2: a custom `@ai-sdk/openai-compatible`
// provider whose options.baseURL/apiKey point at the gateway session (without baseURL opencode fails with
// `"undefined/chat/completions" cannot be parsed as a URL` — the classic zero-completion bug), explicit model
// limits (else max_tokens = 32000), a pre-seeded plugin dir and no models.dev fetch (no network at start),
// `rg` on PATH (else it downloads ripgrep from GitHub), and the prompt on stdin (an argument gets quoted).
import path from 'node:path';
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { mergeConfig } from './config-merge.js';
import { withPathPrefix } from './launch-utils.js';
import { staticRg } from './static-rg.js';
import type { BundleSpec, Harness, HarnessContext, HarnessLaunch } from './types.js';

/** Provider id in opencode.json; the model is addressed as `gw/<model>`. */
export const OPENCODE_PROVIDER = 'gw';

/** Host arch → opencode platform packages (baseline = no AVX2; npm installs both on x64). */
const PLATFORMS: Record<string, string[]> = {
  x64: ['opencode-linux-x64', 'opencode-linux-x64-baseline'],
  arm64: ['opencode-linux-arm64'],
};

function bundleSpec(arch: string): BundleSpec {
  const [first, ...rest] = (PLATFORMS[arch] ?? PLATFORMS.x64!).map((pkg) => `node_modules/${pkg}/bin/opencode`);
  const rg = staticRg(arch);
  return {
    copy: [{ from: first!, alternatives: rest, to: 'bin/opencode', mode: 0o755 }, ...rg.copy],
    extraPackages: rg.extraPackages,
    entry: 'bin/opencode',
  };
}

/** The opencode.json the preset generates (before `configOverride`). */
export function opencodeConfig(ctx: HarnessContext): Record<string, unknown> {
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      [OPENCODE_PROVIDER]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'swebench gateway',
        options: { baseURL: ctx.baseUrl, apiKey: ctx.apiKey },
        models: {
          [ctx.modelName]: {
            name: ctx.modelName,
            tool_call: true,
            limit: { context: ctx.contextWindow, output: ctx.maxOutputTokens },
          },
        },
      },
    },
    model: `${OPENCODE_PROVIDER}/${ctx.modelName}`,
    small_model: `${OPENCODE_PROVIDER}/${ctx.modelName}`,
    autoupdate: false,
    share: 'disabled',
    snapshot: false,
    permission: { edit: 'allow', bash: 'allow', webfetch: 'deny', external_directory: 'allow' },
  };
}

/** What opencode prints for each failure (reference §2c), most specific first. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /cannot be parsed as a URL/i, errorClass: 'infra_error', reason: 'the provider base URL is missing or invalid in opencode.json' },
  { match: /Cannot connect to API|ECONNREFUSED|Unable to connect/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  {
    match: /\b(429|50[0-4])\b|Too Many Requests|rate limit|Internal Server Error|Bad Gateway|Service Unavailable|overloaded|upstream/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint kept failing',
  },
];

/** opencode run, headless, against the session's gateway URL. */
function opencodeRun(ctx: HarnessContext, extra: string[]): string[] {
  return withPathPrefix(path.posix.join(ctx.bundleDir, 'bin'), [
    'opencode', 'run', '--auto', '--title', 'task', '--format', 'json', '-m', `${OPENCODE_PROVIDER}/${ctx.modelName}`, ...extra,
  ]);
}

export const opencode = {
  name: 'opencode',
  package: 'opencode-ai',
  version: '1.18.33',
  protocol: 'openai_chat',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    const home = ctx.home;
    const configPath = path.posix.join(home, '.swebench', 'opencode.json');
    const pluginDir = path.posix.join(home, '.config', 'opencode');
    const config = mergeConfig(opencodeConfig(ctx), ctx.configOverride);
    return {
      files: [
        { path: configPath, content: JSON.stringify(config, null, 2) + '\n', mode: 0o600 },
        // Pre-seed: with node_modules/ present and the plugin listed in the lock file, opencode skips its
        // background `npm install @opencode-ai/plugin` (reference §2d).
        { path: path.posix.join(pluginDir, 'node_modules', '.keep'), content: '' },
        { path: path.posix.join(pluginDir, 'package-lock.json'), content: JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }) + '\n' },
      ],
      env: {
        HOME: home,
        OPENCODE_CONFIG: configPath,
        OPENCODE_DISABLE_MODELS_FETCH: '1',
        OPENCODE_DISABLE_AUTOUPDATE: '1',
        OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      },
      // --title skips the title completion; --auto approves `ask` rules; --format json: JSONL events in agent.log.
      command: opencodeRun(ctx, []),
      stdin: ctx.prompt,
    };
  },

  classify: (exit) => classifyExit('opencode', exit, PATTERNS),

  // Every --format json event carries the session's "sessionID"; `run --session <id>` continues it (same HOME:
  // the conversation is in ~/.local/share/opencode/opencode.db).
  resume: {
    sessionRef: (_ctx, output) => /"sessionID"\s*:\s*"(ses_[A-Za-z0-9]+)"/.exec(output)?.[1],
    continueWith: (ctx, ref, message) => ({ command: opencodeRun(ctx, ['--session', ref]), stdin: message }),
  },
} satisfies Harness;
