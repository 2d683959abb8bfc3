// The claude-code and qwen-code presets without a container: what they write, set and run for one session, their
// bundle layouts, and failure classification. The output samples are trimmed copies of what claude 2.1.329 and
// qwen 0.24.4 printed in the Docker suite (test/docker/harness-claude-qwen.test.ts) and the reference probes.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { CLAUDE_MODEL_CAPABILITIES } from '../../../src/harness/claude-code.js';
import { BUNDLE_MOUNT, getHarness, HARNESSES, type HarnessContext, type HarnessExit } from '../../../src/harness/index.js';
import { QWEN_ENTRY } from '../../../src/harness/qwen-code.js';
import { streamJsonDiagnostics } from '../../../src/harness/stream-json.js';

const ctx: HarnessContext = {
  baseUrl: 'http://127.0.0.1:4321/s/sess1/v1',
  rootUrl: 'http://127.0.0.1:4321/s/sess1',
  apiKey: 'swebench-sess-token',
  modelName: 'Qwen/Qwen3-32B',
  prompt: '--help is not an option here.\nFix "the" bug with $VAR and `backticks`.\n',
  workdir: '/testbed',
  home: '/root/swebench-home',
  bundleDir: BUNDLE_MOUNT,
  maxTurns: 50,
  timeoutSec: 1800,
  contextWindow: 32768,
  maxOutputTokens: 4096,
  resumable: false,
  conversationId: '0b7c4f5e-0d6a-4c1e-9a55-2f1d7c3b9e10',
};

const claude = HARNESSES['claude-code'];
const qwen = HARNESSES['qwen-code'];

describe('registry entries', () => {
  it('pins versions, declares protocols and is reachable by name', () => {
    expect(claude).toMatchObject({ name: 'claude-code', package: '@anthropic-ai/claude-code', version: '2.1.329', protocol: 'anthropic_messages' });
    expect(qwen).toMatchObject({ name: 'qwen-code', package: '@qwen-code/qwen-code', version: '0.24.4', protocol: 'openai_chat' });
    expect(getHarness('claude-code')).toBe(claude);
    expect(getHarness('qwen-code')).toBe(qwen);
  });

  it('claude-code bundles only the native binary of the glibc platform package', () => {
    const pkg = process.arch === 'arm64' ? 'claude-code-linux-arm64' : 'claude-code-linux-x64';
    expect(claude.bundle).toEqual({ copy: [{ from: `node_modules/@anthropic-ai/${pkg}/claude`, to: 'bin/claude', mode: 0o755 }], entry: 'bin/claude' });
  });

  it('qwen-code bundles the package directory with node, rg and the entry made executable before the tree moves', () => {
    const dir = 'node_modules/@qwen-code/qwen-code';
    const rg = `${dir}/vendor/ripgrep/${process.arch === 'arm64' ? 'arm64-linux' : 'x64-linux'}/rg`;
    expect(qwen.bundle).toEqual({
      copy: [
        { from: rg, to: rg, mode: 0o755 },
        { from: `${dir}/cli-entry.js`, to: `${dir}/cli-entry.js`, mode: 0o755 },
        { from: dir, to: dir },
      ],
      needsNode: true,
      entry: `${dir}/cli-entry.js`,
    });
  });
});

describe('claude-code launch', () => {
  const launch = claude.launch(ctx);

  it('is all environment: the session URL without /v1, the key, IS_SANDBOX, no traffic, the vLLM-friendly block', () => {
    expect(launch.files).toEqual([]); // no ~/.claude/settings.json, so no `env` block can override these
    expect(launch.env).toEqual({
      HOME: '/root/swebench-home',
      IS_SANDBOX: '1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4321/s/sess1',
      ANTHROPIC_API_KEY: 'swebench-sess-token',
      ANTHROPIC_MODEL: 'Qwen/Qwen3-32B',
      ANTHROPIC_SMALL_FAST_MODEL: 'Qwen/Qwen3-32B',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'Qwen/Qwen3-32B',
      ANTHROPIC_DEFAULT_SONNET_MODEL: 'Qwen/Qwen3-32B',
      ANTHROPIC_DEFAULT_OPUS_MODEL: 'Qwen/Qwen3-32B',
      CLAUDE_CODE_SUBAGENT_MODEL: 'Qwen/Qwen3-32B',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_TMPDIR: '/root/swebench-home/tmp',
      CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1',
      CLAUDE_CODE_DISABLE_THINKING: '1',
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '4096',
      CLAUDE_CODE_MAX_CONTEXT_TOKENS: '32768',
      CLAUDE_CODE_MODEL_CAPABILITIES: CLAUDE_MODEL_CAPABILITIES,
      ENABLE_TOOL_SEARCH: 'false',
      CLAUDE_CODE_MAX_RETRIES: '2',
    });
    expect(CLAUDE_MODEL_CAPABILITIES.split(',')).toEqual(['-mid_conv_system', '-mid_conv_tool_change', '-adaptive_thinking', '-context_management', '-effort', '-per_turn_effort']);
  });

  it('runs `claude -p` from the bundle in stream-json with --verbose and the turn cap; the prompt goes on stdin', () => {
    expect(launch.command).toEqual([
      `${BUNDLE_MOUNT}/bin/claude`, '-p', '--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', '--max-turns', '50',
    ]);
    expect(launch.stdin).toBe(ctx.prompt);
    expect(launch.command.join(' ')).not.toContain('Fix');
  });

  it('configOverride merges into the environment: values are stringified, null removes a variable', () => {
    const l = claude.launch({ ...ctx, configOverride: { ANTHROPIC_API_KEY: null, CLAUDE_CODE_MAX_RETRIES: 5, DISABLE_TELEMETRY: true, EXTRA: 'x' } });
    expect(l.env).not.toHaveProperty('ANTHROPIC_API_KEY');
    expect(l.env).toMatchObject({ CLAUDE_CODE_MAX_RETRIES: '5', DISABLE_TELEMETRY: 'true', EXTRA: 'x', IS_SANDBOX: '1' });
  });

  it('configOverride values that are not scalars are a ConfigError naming the variable', () => {
    expect(() => claude.launch({ ...ctx, configOverride: { ANTHROPIC_CUSTOM_HEADERS: { a: 1 } } })).toThrow(ConfigError);
    expect(() => claude.launch({ ...ctx, configOverride: { X: [1] } })).toThrow(/configOverride \(claude-code\): X: must be a string, number, boolean or null, got an array/);
  });
});

describe('qwen-code launch', () => {
  const launch = qwen.launch(ctx);
  const settingsFile = launch.files.find((f) => f.path === '/root/swebench-home/.qwen/settings.json');
  const settings = JSON.parse(settingsFile?.content ?? '{}');

  it('writes ~/.qwen/settings.json: openai auth, no stats/telemetry/update/memory agents, window and bounded retries, no modelProviders', () => {
    expect(launch.files.map((f) => f.path)).toEqual(['/root/swebench-home/.qwen/settings.json']);
    expect(settingsFile?.mode).toBe(0o600);
    expect(settings).toEqual({
      security: { auth: { selectedType: 'openai' } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { enableAutoUpdate: false },
      memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false },
      model: { generationConfig: { contextWindowSize: 32768, maxRetries: 2, retryInitialDelayMs: 2000, retryMaxDelayMs: 10_000 } },
    });
    expect(settingsFile?.content).not.toContain(ctx.apiKey);
  });

  it('points the OpenAI env at the session (with /v1) and clamps the output', () => {
    expect(launch.env).toEqual({
      HOME: '/root/swebench-home',
      OPENAI_BASE_URL: 'http://127.0.0.1:4321/s/sess1/v1',
      OPENAI_API_KEY: 'swebench-sess-token',
      OPENAI_MODEL: 'Qwen/Qwen3-32B',
      QWEN_USAGE_STATISTICS_ENABLED: '0',
      QWEN_CODE_SUPPRESS_YOLO_WARNING: '1',
      QWEN_CODE_MAX_OUTPUT_TOKENS: '4096',
    });
    expect(launch.env).not.toHaveProperty('PATH'); // the image's PATH (conda, its own node) stays untouched
  });

  it('runs the bundle node on the official entry with --yolo, stream-json, the turn cap and the wall budget; prompt on stdin', () => {
    expect(launch.command).toEqual([
      `${BUNDLE_MOUNT}/bin/node`, `${BUNDLE_MOUNT}/${QWEN_ENTRY}`,
      '--yolo', '--output-format', 'stream-json', '--max-session-turns', '50', '--max-wall-time', '1800s',
    ]);
    expect(launch.stdin).toBe(ctx.prompt);
    expect(qwen.launch({ ...ctx, timeoutSec: 0.4 }).command.at(-1)).toBe('1s'); // qwen rejects sub-second budgets
    expect(qwen.launch({ ...ctx, timeoutSec: 90.7 }).command.at(-1)).toBe('90s');
  });

  it('configOverride deep-merges over settings.json; null removes a key', () => {
    const l = qwen.launch({ ...ctx, configOverride: { memory: { enableManagedAutoDream: null }, model: { generationConfig: { maxRetries: 5 } }, ui: { theme: 'x' } } });
    const s = JSON.parse(l.files[0]!.content);
    expect(s.memory).toEqual({ enableManagedAutoMemory: false });
    expect(s.model.generationConfig).toEqual({ contextWindowSize: 32768, maxRetries: 5, retryInitialDelayMs: 2000, retryMaxDelayMs: 10_000 });
    expect(s.ui).toEqual({ theme: 'x' });
  });
});

// ---- failure classification --------------------------------------------------------------------------------

const j = (o: unknown) => JSON.stringify(o);
const exit = (exitCode: number, lines: string[], timedOut = false): HarnessExit => ({ exitCode, output: lines.join('\n') + '\n', timedOut });

/** Events every claude run prints before it fails, including a tool result full of misleading words. */
const claudePrefix = [
  j({ type: 'system', subtype: 'init', cwd: '/testbed', session_id: 's1', tools: ['Bash', 'Edit'], model: 'oracle-model' }),
  '[claude-code:unrecognized_model] {"model":"oracle-model","query_source":"sdk"}',
  j({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'pytest -x' } }] } }),
  j({
    type: 'user',
    message: { role: 'user', content: [{ tool_use_id: 'toolu_1', type: 'tool_result', content: 'ConnectionRefusedError: ECONNREFUSED\nprompt is too long\nAPI Error: 500', is_error: false }] },
  }),
];
const claudeResult = (extra: Record<string, unknown>) =>
  j({ type: 'result', subtype: 'success', is_error: true, num_turns: 2, session_id: 's1', permission_denials: [], terminal_reason: 'api_error', ...extra });

describe('claude-code.classify', () => {
  const cases: Array<[string, HarnessExit, string | undefined, RegExp?]> = [
    ['a clean exit', exit(0, [...claudePrefix, j({ type: 'result', subtype: 'success', is_error: false, result: 'Done.', terminal_reason: 'completed' })]), undefined],
    [
      'the turn limit',
      exit(1, [...claudePrefix, claudeResult({ subtype: 'error_max_turns', terminal_reason: 'max_turns', errors: ['Reached maximum number of turns (1)'], stop_reason: 'tool_use' })]),
      'completion_cap',
      /--max-turns limit was reached: result error_max_turns \(max_turns\): Reached maximum number of turns \(1\)/,
    ],
    [
      'a context overflow (the gateway speaks Anthropic: "prompt is too long")',
      exit(1, [...claudePrefix, claudeResult({ terminal_reason: 'prompt_too_long', api_error_status: 400, result: 'Prompt is too long · the request is ~4335 tokens (limit 250)' })]),
      'context_length_exceeded',
      /Prompt is too long · the request is ~4335 tokens/,
    ],
    [
      'the gateway completion cap',
      exit(1, [...claudePrefix, claudeResult({ api_error_status: 400, api_error_type: 'billing_error', result: 'API Error: 400 session 740b reached its completion cap (1 completions); no further requests are served' })]),
      'completion_cap',
      /session hit its completion cap: .*API Error: 400 session 740b reached its completion cap/,
    ],
    [
      'retries exhausted on 5xx',
      exit(1, [
        ...claudePrefix,
        j({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 2, retry_delay_ms: 593, error_status: 502, error: 'server_error' }),
        j({ type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 2, retry_delay_ms: 1221, error_status: 502, error: 'server_error' }),
        claudeResult({ api_error_status: 502, result: 'API Error: 502 chaos: injected HTTP 500. This is a server-side issue, usually temporary' }),
      ]),
      'upstream_error',
      /model endpoint kept failing: result success \(api_error\): API Error: 502 chaos/,
    ],
    ['no key (not logged in)', exit(1, [...claudePrefix, claudeResult({ api_error_status: null, result: 'Not logged in · Please run /login' })]), 'infra_error', /Not logged in/],
    ['the gateway refused the token', exit(1, [...claudePrefix, claudeResult({ result: 'Invalid API key · Fix external API key' })]), 'infra_error', /no usable credentials/],
    ['root without IS_SANDBOX', exit(1, ['--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons']), 'infra_error', /IS_SANDBOX/],
    [
      'an unreachable gateway',
      exit(1, [...claudePrefix, claudeResult({ api_error: 'connection_failed', result: 'API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)' })]),
      'upstream_error',
      /cannot reach the gateway: result success \(api_error\): API Error: Connection refused/,
    ],
    ['a crash, with misleading words only inside tool results', exit(1, [...claudePrefix, 'TypeError: undefined is not an object']), 'agent_crash', /exited with code 1: TypeError: undefined is not an object/],
    ['a timeout with nothing telling', exit(124, claudePrefix, true), undefined],
    [
      'a timeout while retrying',
      exit(124, [...claudePrefix, j({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 2, error_status: 529, error: 'overloaded' })], true),
      'upstream_error',
      /api retry 1\/2: 529 overloaded/,
    ],
  ];

  for (const [name, e, cls, text] of cases) {
    it(name, () => {
      const failure = claude.classify(e);
      expect(failure?.errorClass).toBe(cls);
      if (text) expect(failure?.error).toMatch(text);
      if (failure) expect(failure.error.startsWith('claude-code')).toBe(true);
    });
  }
});

const qwenPrefix = [
  j({ type: 'system', subtype: 'init', session_id: 'q1', cwd: '/testbed', tools: ['run_shell_command'] }),
  j({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'run_shell_command', input: { command: 'cat notes.txt' } }] } }),
  j({
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', is_error: false, content: 'Reached max session turns\nwall-clock budget\nmaximum context length\nConnection error' }] },
  }),
];
const qwenResult = (message: string) =>
  j({ type: 'result', subtype: 'error_during_execution', session_id: 'q1', is_error: true, num_turns: 1, permission_denials: [], error: { message } });

describe('qwen-code.classify', () => {
  const cases: Array<[string, HarnessExit, string | undefined, RegExp?]> = [
    ['a clean exit', exit(0, [...qwenPrefix, j({ type: 'result', subtype: 'success', is_error: false, result: 'Done.' })]), undefined],
    [
      'the turn limit (exit 53, no result event)',
      exit(53, [...qwenPrefix, 'Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns in settings.json.']),
      'completion_cap',
      /--max-session-turns limit was reached: Reached max session turns for this session/,
    ],
    ['exit 53 with the explanation cut off', exit(53, qwenPrefix), 'completion_cap', /turn limit was reached \(exit 53\)/],
    ['the wall budget (exit 55)', exit(55, [...qwenPrefix, 'Run aborted: wall-clock budget of 2s exceeded (--max-wall-time).']), 'agent_timeout', /wall-clock budget of 2s exceeded/],
    ['exit 55 with the explanation cut off', exit(55, []), 'agent_timeout', /exit 55/],
    [
      'a vLLM context overflow',
      exit(1, [...qwenPrefix, qwenResult("[API Error: 400 This model's maximum context length is 250 tokens. However, you requested 16928 tokens (8736 in the messages, 8192 in the completion).]")]),
      'context_length_exceeded',
      /result error_during_execution: \[API Error: 400 This model's maximum context length is 250 tokens/,
    ],
    [
      'the gateway completion cap',
      exit(1, [...qwenPrefix, qwenResult('[API Error: 400 session 4f16 reached its completion cap (1 completions); no further requests are served]')]),
      'completion_cap',
      /reached its completion cap \(1 completions\)/,
    ],
    [
      'a wrong session token',
      exit(1, [qwenResult('[API Error: 401 invalid or missing token for session 4c65 (send it as "Authorization: Bearer", "x-api-key" or "x-goog-api-key")]')]),
      'infra_error',
      /refused the session credentials/,
    ],
    ['an unreachable gateway', exit(1, [...qwenPrefix, qwenResult('[API Error: Connection error. (cause: fetch failed)]')]), 'upstream_error', /cannot reach the gateway/],
    [
      'a stream without finish reason, retried',
      exit(1, [
        j({ type: 'system', subtype: 'retry', data: { reason: 'retry', attempt: 1, maxRetries: 2, delayMs: 2000 } }),
        qwenResult('[API Error: Model stream ended without a finish reason.]'),
      ]),
      'upstream_error',
      /model endpoint kept failing: result error_during_execution: \[API Error: Model stream ended without a finish reason/,
    ],
    ['a crash, with misleading words only inside tool results', exit(1, [...qwenPrefix, 'Error: boom']), 'agent_crash', /exited with code 1: Error: boom/],
    ['the bundle not mounted', exit(127, ['sh: 1: /opt/swebench/harness/bin/node: not found']), 'infra_error', /exit 127/],
    ['a timeout with nothing telling', exit(124, qwenPrefix, true), undefined],
  ];

  for (const [name, e, cls, text] of cases) {
    it(name, () => {
      const failure = qwen.classify(e);
      expect(failure?.errorClass).toBe(cls);
      if (text) expect(failure?.error).toMatch(text);
      if (failure) expect(failure.error.startsWith('qwen-code')).toBe(true);
    });
  }
});

describe('streamJsonDiagnostics', () => {
  it('keeps stderr lines, turns failed results and retries into one line each, drops every other event', () => {
    const out = [
      '"content":"ECONNREFUSED in a tool result cut by the output tail"}]}}',
      ...claudePrefix,
      j({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 2, error_status: 429, error: 'rate_limit' }),
      j({ type: 'result', subtype: 'success', is_error: false, result: 'all good' }),
      claudeResult({ subtype: 'error_max_turns', terminal_reason: 'max_turns', errors: ['a', 'b'] }),
      'plain stderr line',
      '{not json',
    ].join('\n');
    expect(streamJsonDiagnostics(out).split('\n')).toEqual([
      '[claude-code:unrecognized_model] {"model":"oracle-model","query_source":"sdk"}',
      'api retry 1/2: 429 rate_limit',
      'result error_max_turns (max_turns): a; b',
      'plain stderr line',
      '{not json',
    ]);
  });
});
