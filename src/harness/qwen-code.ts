// The qwen-code preset (@qwen-code/qwen-code, a pure-JS bundle speaking Chat Completions), configured per the
// verified headless setup in reference/harness-claude-qwen-gemini.md §3a: env-only OpenAI mode (no
// `modelProviders`, whose baseUrl would win over the session URL) plus a ~/.qwen/settings.json that turns off the
// background memory agents (extra completions), usage statistics (Aliyun RUM beacon) and auto-update, tells qwen
// the real context window, and bounds its retry loops (60 s → 5 min backoff by default; the gateway already
// retries the upstream). The bundle is the package directory plus the host's node binary; qwen starts every
// child node process from `process.execPath`, so the image needs no node and PATH is left as the image has it.
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { mergeConfig } from './config-merge.js';
import { streamJsonDiagnostics } from './stream-json.js';
import type { BundleSpec, Harness, HarnessContext, HarnessExit, HarnessFailure, HarnessLaunch } from './types.js';

/** The package directory, at the same relative place in the install tree and in the bundle. */
export const QWEN_PACKAGE_DIR = 'node_modules/@qwen-code/qwen-code';
/** The official bin (`qwen`): it re-spawns `process.execPath --expose-gc cli.js`. */
export const QWEN_ENTRY = `${QWEN_PACKAGE_DIR}/cli-entry.js`;

/** Host arch → qwen's vendored ripgrep build. */
const RG_DIRS: Record<string, string> = { x64: 'x64-linux', arm64: 'arm64-linux' };

function bundleSpec(arch: string): BundleSpec {
  const rg = `${QWEN_PACKAGE_DIR}/vendor/ripgrep/${RG_DIRS[arch] ?? RG_DIRS.x64!}/rg`;
  return {
    copy: [
      // moved first so their modes stick: npm ships rg without the exec bit (qwen then falls back to a slow grep)
      { from: rg, to: rg, mode: 0o755 },
      { from: QWEN_ENTRY, to: QWEN_ENTRY, mode: 0o755 },
      { from: QWEN_PACKAGE_DIR, to: QWEN_PACKAGE_DIR },
    ],
    needsNode: true,
    entry: QWEN_ENTRY,
  };
}

/** The ~/.qwen/settings.json the preset generates (before `configOverride`). */
export function qwenSettings(ctx: HarnessContext): Record<string, unknown> {
  return {
    security: { auth: { selectedType: 'openai' } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false },
    memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false },
    model: {
      generationConfig: {
        contextWindowSize: ctx.contextWindow,
        // SDK retries and the rate-limit/5xx loop (default 10 retries starting at 60 s)
        maxRetries: 2,
        retryInitialDelayMs: 2000,
        retryMaxDelayMs: 10_000,
      },
    },
  };
}

/** The environment the preset generates. */
export function qwenEnv(ctx: HarnessContext): Record<string, string> {
  return {
    HOME: ctx.home,
    OPENAI_BASE_URL: ctx.baseUrl, // the client appends /chat/completions
    OPENAI_API_KEY: ctx.apiKey, // sent as Authorization: Bearer
    OPENAI_MODEL: ctx.modelName,
    QWEN_USAGE_STATISTICS_ENABLED: '0',
    QWEN_CODE_SUPPRESS_YOLO_WARNING: '1',
    QWEN_CODE_MAX_OUTPUT_TOKENS: String(ctx.maxOutputTokens),
  };
}

/** What qwen prints for each failure (reference §3c), read from its stream-json `result` and stderr. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  // qwen's always-on loop detection (e.g. global_tool_call_duplicate) ends the run; its last line then reads "api retry ?/?"
  { match: /Loop detection halted the run|global_tool_call_duplicate/i, errorClass: 'agent_crash', reason: "qwen-code's loop detection stopped the run (the model repeated a tool call)" },
  { match: /Reached max session turns/i, errorClass: 'completion_cap', reason: 'the --max-session-turns limit was reached' },
  { match: /wall-clock budget|--max-wall-time/i, errorClass: 'agent_timeout', reason: 'the --max-wall-time budget ran out' },
  { match: /tool-call budget|--max-tool-calls/i, errorClass: 'completion_cap', reason: 'the tool-call budget ran out' },
  { match: /API Error: 401|Incorrect API key|invalid api key/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /Connection error|ECONNREFUSED|fetch failed/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  { match: /API Error|api retry|without a finish reason|rate limit|overloaded/i, errorClass: 'upstream_error', reason: 'the model endpoint kept failing' },
];

/** qwen's own exit codes, for when the output that explains them was cut off. */
const EXIT_CODES: Record<number, Omit<HarnessFailure, 'error'> & { reason: string }> = {
  53: { errorClass: 'completion_cap', reason: 'the session turn limit was reached (exit 53)' },
  55: { errorClass: 'agent_timeout', reason: 'a run budget (--max-wall-time) ran out (exit 55)' },
};

function classifyQwen(exit: HarnessExit): HarnessFailure | undefined {
  const failure = classifyExit('qwen-code', { ...exit, output: streamJsonDiagnostics(exit.output) }, PATTERNS);
  const byCode = EXIT_CODES[exit.exitCode];
  if (failure?.errorClass === 'agent_crash' && byCode && !exit.timedOut) return { errorClass: byCode.errorClass, error: `qwen-code: ${byCode.reason}` };
  return failure;
}

/** `qwen --yolo`, headless, against the session's gateway URL; `configOverride` deep-merges over settings.json. */
function qwenCommand(ctx: HarnessContext): string[] {
  return [
    `${ctx.bundleDir}/bin/node`, `${ctx.bundleDir}/${QWEN_ENTRY}`, '--yolo', '--output-format', 'stream-json',
    '--max-session-turns', String(ctx.maxTurns), '--max-wall-time', `${Math.max(1, Math.floor(ctx.timeoutSec))}s`,
  ];
}

export const qwenCode = {
  name: 'qwen-code',
  package: '@qwen-code/qwen-code',
  version: '0.24.4',
  protocol: 'openai_chat',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    const settings = mergeConfig(qwenSettings(ctx), ctx.configOverride);
    return {
      files: [{ path: `${ctx.home}/.qwen/settings.json`, content: JSON.stringify(settings, null, 2) + '\n', mode: 0o600 }],
      env: qwenEnv(ctx),
      // No prompt argument: qwen reads the prompt from stdin when stdin is not a TTY (no 128 KiB argv cap, no
      // leading-dash surprises). --max-wall-time makes qwen stop itself (exit 55) before the pipeline kills it.
      command: [...qwenCommand(ctx), ...(ctx.resumable ? ['--session-id', ctx.conversationId] : [])],
      stdin: ctx.prompt,
    };
  },

  // --resume <id> reloads the recorded chat (~/.qwen/projects/<cwd>/chats/); the message goes on stdin only
  // (a positional prompt would be joined with stdin).
  resume: {
    sessionRef: (ctx) => ctx.conversationId,
    continueWith: (ctx, ref, message) => ({ command: [...qwenCommand(ctx), '--resume', ref], stdin: message }),
  },

  classify: classifyQwen,
} satisfies Harness;
