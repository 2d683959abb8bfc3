// The claude-code preset (@anthropic-ai/claude-code, a Bun-compiled native binary speaking Anthropic Messages),
// configured per the verified headless setup in reference/harness-claude-qwen-gemini.md §2a: everything is
// environment (no settings.json is written: a settings `env` block would override the process environment, and
// the fresh HOME has none), IS_SANDBOX=1 because containers run as root, no non-essential traffic
// (api.anthropic.com), the "vLLM-friendly" block that makes the request classic Messages (no betas, thinking,
// effort or tool search), every model alias mapped to the served model, and the real context window.
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { envWithOverride } from './env-override.js';
import { streamJsonDiagnostics } from './stream-json.js';
import type { BundleSpec, Harness, HarnessContext, HarnessExit, HarnessLaunch } from './types.js';

/** Host arch → the glibc platform package npm installs next to @anthropic-ai/claude-code (binary `claude`). */
const PLATFORM_PACKAGES: Record<string, string> = {
  x64: '@anthropic-ai/claude-code-linux-x64',
  arm64: '@anthropic-ai/claude-code-linux-arm64',
};

/** Only the native binary runs (the main package's bin is a stub that its postinstall replaces). */
function bundleSpec(arch: string): BundleSpec {
  const pkg = PLATFORM_PACKAGES[arch] ?? PLATFORM_PACKAGES.x64!;
  return { copy: [{ from: `node_modules/${pkg}/claude`, to: 'bin/claude', mode: 0o755 }], entry: 'bin/claude' };
}

/** Model capabilities switched off so an unknown model gets plain Messages requests (reference §2a). */
export const CLAUDE_MODEL_CAPABILITIES = '-mid_conv_system,-mid_conv_tool_change,-adaptive_thinking,-context_management,-effort,-per_turn_effort';

/** The environment the preset generates (before `configOverride`). */
export function claudeEnv(ctx: HarnessContext): Record<string, string> {
  return {
    HOME: ctx.home,
    IS_SANDBOX: '1', // root: else --dangerously-skip-permissions refuses to start
    ANTHROPIC_BASE_URL: ctx.rootUrl, // the client appends /v1/messages
    ANTHROPIC_API_KEY: ctx.apiKey, // sent as x-api-key
    ANTHROPIC_MODEL: ctx.modelName,
    // side requests and sub-agents ask for "haiku"/"sonnet"/"opus": serve them all with the one model
    ANTHROPIC_SMALL_FAST_MODEL: ctx.modelName,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: ctx.modelName,
    ANTHROPIC_DEFAULT_SONNET_MODEL: ctx.modelName,
    ANTHROPIC_DEFAULT_OPUS_MODEL: ctx.modelName,
    CLAUDE_CODE_SUBAGENT_MODEL: ctx.modelName,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_TMPDIR: `${ctx.home}/tmp`, // else /tmp/claude-<uid> and /tmp/cc-socks
    CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1',
    CLAUDE_CODE_DISABLE_THINKING: '1',
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: String(ctx.maxOutputTokens),
    // the window of a model claude does not know (else it assumes 1M tokens and never compacts in time)
    CLAUDE_CODE_MAX_CONTEXT_TOKENS: String(ctx.contextWindow),
    CLAUDE_CODE_MODEL_CAPABILITIES: CLAUDE_MODEL_CAPABILITIES,
    ENABLE_TOOL_SEARCH: 'false',
    CLAUDE_CODE_MAX_RETRIES: '2', // the gateway already retries the upstream
  };
}

/** What claude prints for each failure (reference §2c), read from its stream-json `result` and stderr. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /error_max_turns|maximum number of turns/i, errorClass: 'completion_cap', reason: 'the --max-turns limit was reached' },
  { match: /cannot be used with root\/sudo/i, errorClass: 'infra_error', reason: 'root without IS_SANDBOX=1' },
  { match: /Not logged in|Invalid API key|Failed to authenticate|API Error: 401/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /requires --verbose|unknown option|error: option/i, errorClass: 'infra_error', reason: 'the command line was refused' },
  { match: /ECONNREFUSED|Connection refused|connection_failed|Unable to connect/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  { match: /API Error|api retry|overloaded|rate limit/i, errorClass: 'upstream_error', reason: 'the model endpoint kept failing' },
];

/** `claude -p`, headless, against the session's gateway URL. */
/** `claude -p`, headless, from the bundle: stream-json needs --verbose with -p; --max-turns is hidden from --help but honoured. */
function claudeCommand(ctx: HarnessContext): string[] {
  return [
    `${ctx.bundleDir}/bin/claude`, '-p', '--dangerously-skip-permissions',
    '--output-format', 'stream-json', '--verbose', '--max-turns', String(ctx.maxTurns),
  ];
}

export const claudeCode = {
  name: 'claude-code',
  package: '@anthropic-ai/claude-code',
  version: '2.1.329',
  protocol: 'anthropic_messages',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    return {
      files: [],
      // configOverride applies to the environment (no config file is written)
      env: envWithOverride('claude-code', claudeEnv(ctx), ctx.configOverride, '{"CLAUDE_CODE_MAX_RETRIES": 5} or {"IS_SANDBOX": null}'),
      // The prompt goes on stdin: an argument is capped at 128 KiB by the kernel and one starting with "-" would
      // read as an option.
      command: [...claudeCommand(ctx), ...(ctx.resumable ? ['--session-id', ctx.conversationId] : [])],
      stdin: ctx.prompt,
    };
  },

  // --resume <id> (run from the same cwd and HOME: the transcript lives under ~/.claude/projects/<cwd>/); --continue
  // from another cwd silently starts a new conversation, so the id is fixed at launch instead.
  resume: {
    sessionRef: (ctx) => ctx.conversationId,
    continueWith: (ctx, ref, message) => ({ command: [...claudeCommand(ctx), '--resume', ref], stdin: message }),
  },

  classify: (exit: HarnessExit) => classifyExit('claude-code', { ...exit, output: streamJsonDiagnostics(exit.output) }, PATTERNS),
} satisfies Harness;
