// What the pi, kilo and copilot presets write, set and run for one session (pure: no container), and how their
// failures are classified. Output samples are what the real CLIs printed in the Docker suite
// (test/docker/harness-pi-kilo-copilot.test.ts) and in the probes of reference/harness-more.md §1d, §4d, §5d.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { BUNDLE_MOUNT, HARNESSES, type HarnessContext } from '../../../src/harness/index.js';
import { specHash } from '../../../src/harness/bundle.js';
import { NODE_24 } from '../../../src/harness/node-runtime.js';

const ctx: HarnessContext = {
  baseUrl: 'http://127.0.0.1:4321/s/sess1/v1',
  rootUrl: 'http://127.0.0.1:4321/s/sess1',
  apiKey: 'sk-swebench-0123456789abcdef',
  modelName: 'Qwen/Qwen3-32B',
  prompt: '--help is in the issue.\nLine two with $VAR and `backticks`.\n',
  workdir: '/testbed',
  home: '/opt/swebench/home',
  bundleDir: BUNDLE_MOUNT,
  maxTurns: 50,
  timeoutSec: 1800,
  contextWindow: 32768,
  maxOutputTokens: 4096,
  resumable: false,
  conversationId: '0b7c4f5e-0d6a-4c1e-9a55-2f1d7c3b9e10',
};

const fileOf = (files: { path: string; content: string }[], p: string): string => {
  const f = files.find((x) => x.path === p);
  expect(f, `${p} among ${files.map((x) => x.path).join(', ')}`).toBeDefined();
  return f!.content;
};
const exit = (exitCode: number, lines: string[], timedOut = false) => ({ exitCode, output: lines.join('\n') + '\n', timedOut });
const CAP_MSG = 'session 24020008cbadcb21 reached its completion cap (1 completions); no further requests are served';

describe('registry entries', () => {
  it('pins pi 1.6.0 (on node 24 from the registry), kilo 7.7.7 (7.8.1 does not install), copilot 1.0.102, all on chat completions, none resumable', () => {
    expect(HARNESSES.pi).toMatchObject({ package: '@earendil-works/pi-coding-agent', version: '1.6.0', protocol: 'openai_chat' });
    expect(HARNESSES.kilo).toMatchObject({ package: '@kilocode/cli', version: '7.7.7', protocol: 'openai_chat' });
    expect(HARNESSES.copilot).toMatchObject({ package: '@github/copilot', version: '1.0.102', protocol: 'openai_chat' });
    for (const h of [HARNESSES.pi, HARNESSES.kilo, HARNESSES.copilot]) expect(h).not.toHaveProperty('resume');
  });

  it('bundles: pi = node_modules + host node; kilo = the platform bin/ dir + rg; copilot = the binary, its unpacked package and CA roots', () => {
    expect(HARNESSES.pi.bundle).toMatchObject({ copy: [{ from: 'node_modules', to: 'node_modules' }], node: { version: NODE_24 }, entry: 'node_modules/@earendil-works/pi-coding-agent/dist/cli.js' });
    expect(HARNESSES.kilo.bundle.copy[0]).toMatchObject({ to: 'bin' });
    expect(HARNESSES.kilo.bundle.entry).toBe('bin/kilo');
    const cp = HARNESSES.copilot.bundle;
    expect(cp.entry).toBe('bin/copilot');
    expect(cp.prepare).toMatchObject({ command: ['{bundle}/bin/copilot', '--version'], keep: [{ from: expect.stringMatching(/^cache\/copilot\/pkg\/linux-(x64|arm64)\/\{version\}$/), to: 'pkg' }] });
    expect(cp.files?.[0]?.to).toBe('etc/ca-certificates.pem');
    expect(cp.files?.[0]?.content).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // the prepare step is part of the spec hash: changing it rebuilds the bundle
    expect(specHash({ ...cp, prepare: { ...cp.prepare!, command: ['{bundle}/bin/copilot', '--help'] } })).not.toBe(specHash(cp));
  });
});

describe('pi launch', () => {
  const launch = HARNESSES.pi.launch(ctx);
  const models = JSON.parse(fileOf(launch.files, '/opt/swebench/home/.pi/agent/models.json'));
  const settings = JSON.parse(fileOf(launch.files, '/opt/swebench/home/.pi/agent/settings.json'));

  it('points an openai-completions provider at the session, with the model limits', () => {
    expect(models).toEqual({
      providers: {
        gw: {
          baseUrl: ctx.baseUrl,
          api: 'openai-completions',
          apiKey: ctx.apiKey,
          compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
          models: [{ id: 'Qwen/Qwen3-32B', contextWindow: 32768, maxTokens: 4096 }],
        },
      },
    });
  });

  it('bounds retries (one agent retry, no SDK retries) and turns install telemetry off', () => {
    expect(settings).toEqual({ retry: { enabled: true, maxRetries: 1, baseDelayMs: 1000, provider: { maxRetries: 0 } }, enableInstallTelemetry: false, quietStartup: true });
  });

  it('runs -p on the bundle node with discovery off, offline, the prompt on stdin byte-exact', () => {
    expect(launch.env).toEqual({ HOME: '/opt/swebench/home', PI_OFFLINE: '1', PI_TELEMETRY: '0' });
    expect(launch.command).toEqual([
      `${BUNDLE_MOUNT}/bin/node`, `${BUNDLE_MOUNT}/node_modules/@earendil-works/pi-coding-agent/dist/cli.js`, '-p', '--model', 'gw/Qwen/Qwen3-32B',
      '--no-extensions', '--no-skills', '--no-prompt-templates', '--no-themes', '--no-context-files',
    ]);
    expect(launch.stdin).toBe(ctx.prompt);
  });

  it('configOverride merges over models.json, and its `settings` key over settings.json', () => {
    const l = HARNESSES.pi.launch({ ...ctx, configOverride: { providers: { gw: { baseUrl: null } }, settings: { retry: { maxRetries: 3 } } } });
    const m = JSON.parse(fileOf(l.files, '/opt/swebench/home/.pi/agent/models.json'));
    const s = JSON.parse(fileOf(l.files, '/opt/swebench/home/.pi/agent/settings.json'));
    expect(m.providers.gw).not.toHaveProperty('baseUrl');
    expect(m).not.toHaveProperty('settings');
    expect(s.retry).toEqual({ enabled: true, maxRetries: 3, baseDelayMs: 1000, provider: { maxRetries: 0 } });
  });
});

describe('kilo launch', () => {
  const launch = HARNESSES.kilo.launch(ctx);
  const config = JSON.parse(fileOf(launch.files, '/opt/swebench/home/.swebench/kilo.json'));

  it('points an openai-compatible provider at the session, the only enabled provider', () => {
    expect(config.provider.gw).toEqual({
      npm: '@ai-sdk/openai-compatible',
      name: 'swebench gateway',
      options: { baseURL: ctx.baseUrl, apiKey: ctx.apiKey },
      models: { 'Qwen/Qwen3-32B': { name: 'Qwen/Qwen3-32B', tool_call: true, limit: { context: 32768, output: 4096 } } },
    });
    expect(config).toMatchObject({ model: 'gw/Qwen/Qwen3-32B', small_model: 'gw/Qwen/Qwen3-32B', enabled_providers: ['gw'], autoupdate: false, share: 'disabled', snapshot: false });
    expect(config.permission).toEqual({ edit: 'allow', bash: 'allow', webfetch: 'deny', external_directory: 'allow' });
  });

  it('sets HOME, a session TMPDIR (created), telemetry off, one session retry; runs `kilo run` from the bundle bin on PATH', () => {
    fileOf(launch.files, '/opt/swebench/home/tmp/.keep');
    expect(launch.env).toEqual({
      HOME: '/opt/swebench/home',
      TMPDIR: '/opt/swebench/home/tmp',
      KILO_CONFIG: '/opt/swebench/home/.swebench/kilo.json',
      KILO_DISABLE_MODELS_FETCH: '1',
      KILO_DISABLE_AUTOUPDATE: '1',
      KILO_DISABLE_LSP_DOWNLOAD: '1',
      KILO_TELEMETRY_LEVEL: 'off',
      KILO_SESSION_RETRY_LIMIT: '1',
    });
    expect(launch.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(launch.command[2]).toContain(`PATH=${BUNDLE_MOUNT}/bin:"$PATH"`);
    expect(launch.command.slice(4)).toEqual(['kilo', 'run', '--auto', '--title', 'task', '--format', 'json', '-m', 'gw/Qwen/Qwen3-32B']);
    expect(launch.stdin).toBe(ctx.prompt);
  });

  it('configOverride deep-merges over kilo.json', () => {
    const l = HARNESSES.kilo.launch({ ...ctx, configOverride: { provider: { gw: { options: { baseURL: null } } } } });
    expect(JSON.parse(fileOf(l.files, '/opt/swebench/home/.swebench/kilo.json')).provider.gw.options).toEqual({ apiKey: ctx.apiKey });
  });
});

describe('copilot launch', () => {
  const launch = HARNESSES.copilot.launch(ctx);

  it('configures BYOK by environment: offline, the unpacked package and CA roots from the bundle, per-session state', () => {
    expect(launch.env).toEqual({
      HOME: '/opt/swebench/home',
      COPILOT_HOME: '/opt/swebench/home/.copilot',
      XDG_CACHE_HOME: '/opt/swebench/home/.cache',
      TMPDIR: '/opt/swebench/home/tmp',
      SSL_CERT_FILE: `${BUNDLE_MOUNT}/etc/ca-certificates.pem`,
      COPILOT_CLI_DIST_DIR: `${BUNDLE_MOUNT}/pkg`,
      COPILOT_OFFLINE: 'true',
      COPILOT_AUTO_UPDATE: 'false',
      COPILOT_PROVIDER_BASE_URL: ctx.baseUrl,
      COPILOT_PROVIDER_API_KEY: ctx.apiKey,
      COPILOT_MODEL: 'Qwen/Qwen3-32B',
      COPILOT_PROVIDER_MAX_PROMPT_TOKENS: '32768',
      COPILOT_PROVIDER_MAX_OUTPUT_TOKENS: '4096',
    });
    expect(launch.files).toEqual([{ path: '/opt/swebench/home/tmp/.keep', content: '' }]);
  });

  it('runs the binary fully autonomous with JSONL output, the prompt on stdin (no -p)', () => {
    expect(launch.command).toEqual([
      `${BUNDLE_MOUNT}/bin/copilot`, '--allow-all-tools', '--allow-all-paths', '--no-auto-update', '--disable-client-telemetry', '--no-ask-user', '--output-format', 'json',
    ]);
    expect(launch.stdin).toBe(ctx.prompt);
    expect(launch.env).not.toHaveProperty('COPILOT_ALLOW_ALL'); // "true" would also trust the repo's hooks and MCP servers
  });

  it('configOverride merges into the environment; non-scalars are a ConfigError naming the variable', () => {
    const l = HARNESSES.copilot.launch({ ...ctx, configOverride: { COPILOT_PROVIDER_BASE_URL: null, COPILOT_PROVIDER_WIRE_API: 'responses' } });
    expect(l.env).not.toHaveProperty('COPILOT_PROVIDER_BASE_URL');
    expect(l.env.COPILOT_PROVIDER_WIRE_API).toBe('responses');
    expect(() => HARNESSES.copilot.launch({ ...ctx, configOverride: { X: [1] } })).toThrow(ConfigError);
    expect(() => HARNESSES.copilot.launch({ ...ctx, configOverride: { X: [1] } })).toThrow(/configOverride \(copilot\): X: must be a string/);
  });
});

// [what, exit, expected class, expected text] per CLI
type Case = [string, ReturnType<typeof exit>, string | undefined, RegExp?];

const kiloErr = (message: string, name = 'APIError') => JSON.stringify({ type: 'error', timestamp: 1, sessionID: 'ses_1', error: { name, data: { message } } });
const kiloTool = (output: string) => JSON.stringify({ type: 'tool_use', part: { type: 'tool', tool: 'bash', state: { status: 'completed', input: { command: 'pytest' }, output } } });
const cpError = (message: string, errorType = 'query') => JSON.stringify({ type: 'session.error', data: { errorType, message, statusCode: 400 } });
const cpTool = (content: string) => JSON.stringify({ type: 'tool.execution_complete', data: { success: true, result: { content } } });
const cpResult = (code: number) => JSON.stringify({ type: 'result', sessionId: 's', exitCode: code, usage: {} });

const CASES: Record<'pi' | 'kilo' | 'copilot', Case[]> = {
  pi: [
    ['a clean exit', exit(0, ['Done: applied the fix.']), undefined],
    ['the completion cap (stderr after the refusal)', exit(1, [`400 ${CAP_MSG}`]), 'completion_cap', /completion cap \(1 completions\)/],
    ['no baseUrl in models.json', exit(1, ['Error: Model "gw/oracle-model" not found. Use --list-models to see available models.']), 'infra_error', /models\.json.*not found/],
    ['an unreachable gateway', exit(1, ['Connection error.']), 'upstream_error', /cannot reach the gateway: Connection error\./],
    ['a vLLM context overflow', exit(1, ["400 This model's maximum context length is 32768 tokens. However, you requested 40000 tokens."]), 'context_length_exceeded'],
    ['retries exhausted on 5xx', exit(1, ['500 upstream request failed']), 'upstream_error', /kept failing/],
    ['a crash', exit(1, ['TypeError: cannot read properties of undefined']), 'agent_crash', /pi exited with code 1: TypeError/],
  ],
  kilo: [
    ['a clean exit', exit(0, [kiloTool('ok')]), undefined],
    ['the completion cap', exit(1, [kiloTool('x'), `\u001b[91m\u001b[1mError: \u001b[0m${CAP_MSG}`, kiloErr(CAP_MSG)]), 'completion_cap', /completion cap/],
    ['no baseURL', exit(1, ['\u001b[91m\u001b[1mError: \u001b[0m"undefined/chat/completions" cannot be parsed as a URL.', kiloErr('"undefined/chat/completions" cannot be parsed as a URL.', 'UnknownError')]), 'infra_error', /base URL.*cannot be parsed/],
    ['an unreachable gateway', exit(1, [kiloErr('Cannot connect to API: Unable to connect. Is the computer able to access the url?')]), 'upstream_error', /cannot reach the gateway/],
    ['a context overflow', exit(1, [kiloErr("This model's maximum context length is 32768 tokens.")]), 'context_length_exceeded'],
    ['tool output that looks like a failure is not one', exit(0, [kiloTool('HTTP 500 Internal Server Error; maximum context length')]), undefined],
  ],
  copilot: [
    ['a clean exit', exit(0, [cpTool('ok'), cpResult(0)]), undefined],
    ['the completion cap', exit(1, [cpTool('x'), cpError(`400 ${CAP_MSG}`), cpResult(1)]), 'completion_cap', /completion cap/],
    ['no base URL', exit(1, ['Offline mode requires a local model provider. Set COPILOT_PROVIDER_BASE_URL to configure one.']), 'infra_error', /no BYOK provider base URL/],
    ['no CA roots in the image', exit(1, [cpError('Execution failed: Invalid native model HTTP root certificate: no trust roots available for proxy TLS'), cpResult(1)]), 'infra_error', /CA certificates/],
    ['a 401', exit(1, [cpError('Authentication failed with provider at http://127.0.0.1:1/v1 (HTTP 401)', 'authentication'), cpResult(1)]), 'infra_error'],
    ['an unreachable gateway', exit(1, [cpError('Could not connect to local model provider at http://127.0.0.1:9/v1'), cpResult(1)]), 'upstream_error', /cannot reach the gateway/],
    ['5xx retried out', exit(1, [cpError('Request failed with status 500 (retried 5 times)'), cpResult(1)]), 'upstream_error', /kept failing/],
    ['a context overflow', exit(1, [cpError("400 This model's maximum context length is 32768 tokens."), cpResult(1)]), 'context_length_exceeded'],
    ['tool output that looks like a failure is not one', exit(0, [cpTool('HTTP 500; Could not connect'), cpResult(0)]), undefined],
  ],
};

for (const [name, cases] of Object.entries(CASES) as Array<[keyof typeof CASES, Case[]]>) {
  describe(`${name}.classify`, () => {
    for (const [what, ex, cls, text] of cases) {
      it(`classifies ${what}`, () => {
        const f = HARNESSES[name].classify(ex);
        expect(f?.errorClass).toBe(cls);
        if (text) expect(f?.error).toMatch(text);
      });
    }
  });
}
