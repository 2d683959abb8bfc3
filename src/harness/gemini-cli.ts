// The gemini-cli preset (@google/gemini-cli, a pure-JS bundle speaking the Gemini API), configured per the
// verified headless setup in reference/harness-claude-qwen-gemini.md §4a and harness-more.md §2:
// `GOOGLE_GEMINI_BASE_URL` points at the gateway session (the CLI appends `/v1beta/models/<model>:…`, which the
// gateway's Gemini route translates), a ~/.gemini/settings.json that selects API-key auth (anything else is
// refused with exit 41), turns off usage statistics (Clearcut beacons to play.googleapis.com), telemetry and
// auto-update, caps the session turns and bounds the retry loop (10 attempts with backoff by default: > 200 s
// against an unreachable endpoint). The model is always explicit: the default `auto` makes routing side calls
// and picks a model of its own. The bundle is the package directory plus the host's node binary.
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { isPlainObject, mergeConfig } from './config-merge.js';
import { envWithOverride } from './env-override.js';
import { streamJsonDiagnostics } from './stream-json.js';
import type { BundleSpec, Harness, HarnessContext, HarnessExit, HarnessFailure, HarnessLaunch } from './types.js';

/** The package directory, at the same relative place in the install tree and in the bundle. */
export const GEMINI_PACKAGE_DIR = 'node_modules/@google/gemini-cli';
/** The official bin (`gemini`), a single-file bundle. */
export const GEMINI_ENTRY = `${GEMINI_PACKAGE_DIR}/bundle/gemini.js`;

const BUNDLE: BundleSpec = {
  copy: [
    { from: GEMINI_ENTRY, to: GEMINI_ENTRY, mode: 0o755 },
    { from: GEMINI_PACKAGE_DIR, to: GEMINI_PACKAGE_DIR },
  ],
  needsNode: true,
  entry: GEMINI_ENTRY,
};

/** Attempts per request (the CLI's cap is 10): one retry, so a dead gateway fails in seconds. */
const MAX_ATTEMPTS = 2;

/** The ~/.gemini/settings.json the preset generates. */
export function geminiSettings(ctx: HarnessContext): Record<string, unknown> {
  return {
    security: { auth: { selectedType: 'gemini-api-key' } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: MAX_ATTEMPTS },
    model: { name: ctx.modelName, maxSessionTurns: ctx.maxTurns },
  };
}

/** The environment the preset generates. */
export function geminiEnv(ctx: HarnessContext): Record<string, string> {
  return {
    HOME: ctx.home,
    GEMINI_API_KEY: ctx.apiKey, // sent as x-goog-api-key
    GOOGLE_GEMINI_BASE_URL: ctx.rootUrl,
    GEMINI_MODEL: ctx.modelName,
    GEMINI_CLI_TRUST_WORKSPACE: 'true', // else "not running in a trusted directory", exit 55
    TMPDIR: `${ctx.home}/tmp`, // its error reports (gemini-client-error-*.json) stay with the session
  };
}

/**
 * `configOverride` for gemini-cli has two parts: `settings` merges over ~/.gemini/settings.json, `env` over the
 * environment (a string, number or boolean sets a variable, null removes it).
 */
function resolvedConfig(ctx: HarnessContext): { settings: Record<string, unknown>; env: Record<string, string> } {
  const { env: envOverride, ...rest } = ctx.configOverride ?? {};
  const settings = mergeConfig(geminiSettings(ctx), isPlainObject(rest.settings) ? rest.settings : undefined);
  const env = envWithOverride('gemini-cli', geminiEnv(ctx), isPlainObject(envOverride) ? envOverride : undefined, '{"env": {"GEMINI_CLI_TRUST_WORKSPACE": null}}');
  return { settings, env };
}

/** What gemini-cli prints for each failure (reference §4c, harness-more §2c), most specific first. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /Loop detected, stopping execution/i, errorClass: 'agent_crash', reason: "gemini-cli's loop detection stopped the run (the model repeated a tool call)" },
  { match: /Reached max session turns|maximum session turns/i, errorClass: 'completion_cap', reason: 'the session turn limit (model.maxSessionTurns) was reached' },
  { match: /Invalid auth method|GEMINI_API_KEY|API key not valid|UNAUTHENTICATED|\b401\b/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /trusted (directory|folder)/i, errorClass: 'infra_error', reason: 'the workspace is not trusted' },
  { match: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|Connection error/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  {
    match: /malformed function call|empty response|RESOURCE_EXHAUSTED|UNAVAILABLE|INTERNAL|\b(429|50[0-4])\b|rate limit|overloaded|quota/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint kept failing',
  },
];

/** gemini-cli's own exit codes (reference §4c), for when the output that explains them was cut off. */
const EXIT_CODES: Record<number, Omit<HarnessFailure, 'error'> & { reason: string }> = {
  41: { errorClass: 'infra_error', reason: 'the auth configuration was refused (exit 41)' },
  42: { errorClass: 'infra_error', reason: 'the input was refused (exit 42)' },
  53: { errorClass: 'completion_cap', reason: 'the session turn limit was reached (exit 53)' },
  55: { errorClass: 'infra_error', reason: 'the workspace is not trusted (exit 55)' },
  // stream-json exits with the HTTP status & 0xFF of a failed request
  144: { errorClass: 'upstream_error', reason: 'the gateway answered 400 (exit 144)' },
  145: { errorClass: 'infra_error', reason: 'the gateway answered 401 (exit 145)' },
  147: { errorClass: 'infra_error', reason: 'the gateway answered 403 (exit 147)' },
  173: { errorClass: 'upstream_error', reason: 'the gateway answered 429 (exit 173)' },
  244: { errorClass: 'upstream_error', reason: 'the gateway answered 500 (exit 244)' },
};

/**
 * gemini-cli exits 0 after some failures (a malformed or empty model reply, its loop detector), saying so only
 * in stream-json (`result.status: "error"`, `type: "error"` events): those are read whatever the exit code.
 */
function classifyGemini(exit: HarnessExit): HarnessFailure | undefined {
  const diagnostics = streamJsonDiagnostics(exit.output);
  const failedQuietly = exit.exitCode === 0 && /^(result error|error)\b/m.test(diagnostics);
  const failure = classifyExit('gemini-cli', { ...exit, exitCode: failedQuietly ? 1 : exit.exitCode, output: diagnostics }, PATTERNS);
  const byCode = EXIT_CODES[exit.exitCode];
  if (failure?.errorClass === 'agent_crash' && byCode && !exit.timedOut) return { errorClass: byCode.errorClass, error: `gemini-cli: ${byCode.reason}` };
  return failure;
}

export const geminiCli = {
  name: 'gemini-cli',
  package: '@google/gemini-cli',
  version: '0.61.0',
  protocol: 'gemini',
  bundle: BUNDLE,

  launch(ctx: HarnessContext): HarnessLaunch {
    const { settings, env } = resolvedConfig(ctx);
    return {
      files: [
        { path: `${ctx.home}/.gemini/settings.json`, content: JSON.stringify(settings, null, 2) + '\n', mode: 0o600 },
        { path: `${ctx.home}/tmp/.keep`, content: '' },
      ],
      env,
      // No -p: with stdin not a TTY the prompt is read from stdin (no argv size cap, no leading-dash surprises).
      command: [`${ctx.bundleDir}/bin/node`, `${ctx.bundleDir}/${GEMINI_ENTRY}`, '--yolo', '--output-format', 'stream-json'],
      stdin: ctx.prompt,
    };
  },

  classify: classifyGemini,
} satisfies Harness;
