// The pi preset (@earendil-works/pi-coding-agent, formerly @mariozechner/pi-coding-agent: pure JS on node, speaking
// Chat Completions), per reference/harness-more.md §1: a custom `openai-completions` provider in
// ~/.pi/agent/models.json (pi has no base-URL variable), retries bounded in settings.json (default: 3 SDK tries × 4
// agent tries, 20 s against a dead endpoint), no repo context files, extensions, skills or themes, PI_OFFLINE and
// PI_TELEMETRY off (no pi.dev version check, install report or rg/fd download). Text print mode (`-p`), because
// `--mode json` exits 0 on API errors; the prompt goes on stdin. pi has no approval system and no turn cap.
// Its engines need node ≥ 22.19 (1.x fail on node 20: "node:fs does not provide an export named 'globSync'"), so
// the bundle carries node 24 from the npm registry (BundleSpec.node), as openclaw's does.
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { isPlainObject, mergeConfig } from './config-merge.js';
import { NODE_24 } from './node-runtime.js';
import type { BundleSpec, Harness, HarnessContext, HarnessLaunch } from './types.js';

/** Provider id in models.json; the model is addressed as `gw/<model>` (ids may contain `/` and `:`). */
export const PI_PROVIDER = 'gw';
/** The CLI inside the bundle (the package's bin `pi`); it needs the whole node_modules tree next to it. */
export const PI_ENTRY = 'node_modules/@earendil-works/pi-coding-agent/dist/cli.js';

/** The whole install tree (native add-ons optional and unused in `-p`) plus node 24 from the registry. */
const BUNDLE: BundleSpec = {
  copy: [{ from: 'node_modules', to: 'node_modules' }], // npm sets the bin's exec bit even with --ignore-scripts
  node: { version: NODE_24 },
  entry: PI_ENTRY,
};

/** ~/.pi/agent/models.json: the gateway session as the only provider. */
export function piModels(ctx: HarnessContext): Record<string, unknown> {
  return {
    providers: {
      [PI_PROVIDER]: {
        baseUrl: ctx.baseUrl,
        api: 'openai-completions',
        apiKey: ctx.apiKey, // a literal (pi also takes an env var name or "!command")
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [{ id: ctx.modelName, contextWindow: ctx.contextWindow, maxTokens: ctx.maxOutputTokens }],
      },
    },
  };
}

/** ~/.pi/agent/settings.json: one agent retry, none in the SDK (the gateway already retries the upstream). */
export function piSettings(): Record<string, unknown> {
  return {
    retry: { enabled: true, maxRetries: 1, baseDelayMs: 1000, provider: { maxRetries: 0 } },
    enableInstallTelemetry: false,
    quietStartup: true,
  };
}

/**
 * `configOverride` deep-merges over models.json, except its `settings` key, which merges over settings.json
 * (models.json has no such key), e.g. `{providers: {gw: {baseUrl: null}}}` or `{settings: {retry: {maxRetries: 3}}}`.
 */
function splitOverride(override: Record<string, unknown> | undefined): { models?: Record<string, unknown>; settings?: Record<string, unknown> } {
  if (!override) return {};
  const { settings, ...models } = override;
  return { models, ...(isPlainObject(settings) ? { settings } : {}) };
}

/** What pi prints on stderr in `-p` mode for each failure (reference §1d), most specific first. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  // models.json unreadable or the provider invalid (e.g. no baseUrl): pi finds no such model and stops
  { match: /Model "[^"]*" not found|No models available|Unknown provider/i, errorClass: 'infra_error', reason: 'the gw provider in models.json is missing or invalid' },
  { match: /\b401\b|Unauthorized|No API key/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /Connection error|ECONNREFUSED|fetch failed/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  {
    match: /\b(429|50[0-4])\b|rate limit|overloaded|Internal Server Error|Bad Gateway|Service Unavailable|terminated/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint kept failing',
  },
];

export const pi = {
  name: 'pi',
  package: '@earendil-works/pi-coding-agent',
  version: '1.6.0',
  protocol: 'openai_chat',
  bundle: BUNDLE,

  launch(ctx: HarnessContext): HarnessLaunch {
    const dir = `${ctx.home}/.pi/agent`;
    const override = splitOverride(ctx.configOverride);
    const models = mergeConfig(piModels(ctx), override.models);
    const settings = mergeConfig(piSettings(), override.settings);
    return {
      files: [
        { path: `${dir}/models.json`, content: JSON.stringify(models, null, 2) + '\n', mode: 0o600 },
        { path: `${dir}/settings.json`, content: JSON.stringify(settings, null, 2) + '\n', mode: 0o600 },
      ],
      // pi writes only under $HOME/.pi/agent (auth.json, sessions/): no TMPDIR needed
      env: { HOME: ctx.home, PI_OFFLINE: '1', PI_TELEMETRY: '0' },
      // The prompt on stdin (print mode reads piped stdin). Discovery of repo-provided AGENTS.md/CLAUDE.md,
      // .pi/extensions, skills, prompt templates and themes is off: the task repo must not reconfigure the agent.
      command: [
        `${ctx.bundleDir}/bin/node`, `${ctx.bundleDir}/${PI_ENTRY}`, '-p', '--model', `${PI_PROVIDER}/${ctx.modelName}`,
        '--no-extensions', '--no-skills', '--no-prompt-templates', '--no-themes', '--no-context-files',
      ],
      stdin: ctx.prompt,
    };
  },

  classify: (exit) => classifyExit('pi', exit, PATTERNS),
} satisfies Harness;
