// What each preset writes, sets and runs for one session (pure: no container), and the registry.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { BUNDLE_MOUNT, getHarness, HARNESS_NAMES, HARNESSES, type HarnessContext } from '../../../src/harness/index.js';
import { CODEX_KEY_ENV } from '../../../src/harness/codex.js';

const ctx: HarnessContext = {
  baseUrl: 'http://127.0.0.1:4321/s/sess1/v1',
  rootUrl: 'http://127.0.0.1:4321/s/sess1',
  apiKey: 'swebench-sess-token',
  modelName: 'Qwen/Qwen3-32B',
  prompt: 'Fix "the" bug.\nLine two with $VAR and `backticks`.\n',
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

function fileOf(files: { path: string; content: string }[], p: string): string {
  const f = files.find((x) => x.path === p);
  expect(f, `${p} among ${files.map((x) => x.path).join(', ')}`).toBeDefined();
  return f!.content;
}

describe('registry', () => {
  it('lists every preset under its own name, and getHarness refuses unknown names with the valid ones', () => {
    expect(HARNESS_NAMES).toEqual(expect.arrayContaining(['opencode', 'codex', 'noop']));
    for (const n of HARNESS_NAMES) expect(HARNESSES[n].name).toBe(n);
    expect(getHarness('codex')).toBe(HARNESSES.codex);
    expect(() => getHarness('claude')).toThrow(ConfigError);
    expect(() => getHarness('nope')).toThrow(
      expect.objectContaining({ message: '--harness: unknown harness "nope"', hint: expect.stringContaining('opencode, codex') }),
    );
    expect(() => getHarness('toString')).toThrow(ConfigError);
  });

  it('pins versions and declares protocols', () => {
    expect(HARNESSES.opencode).toMatchObject({ package: 'opencode-ai', version: '1.18.33', protocol: 'openai_chat' });
    expect(HARNESSES.codex).toMatchObject({ package: '@openai/codex', version: '0.169.0', protocol: 'openai_responses' });
    expect(HARNESSES.noop.bundle).toBeNull();
  });
});

describe('opencode launch', () => {
  const launch = HARNESSES.opencode.launch(ctx);
  const config = JSON.parse(fileOf(launch.files, '/root/swebench-home/.swebench/opencode.json'));

  it('points a custom openai-compatible provider at the session, with model limits and tool calls', () => {
    expect(config.provider.gw).toEqual({
      npm: '@ai-sdk/openai-compatible',
      name: 'swebench gateway',
      options: { baseURL: ctx.baseUrl, apiKey: ctx.apiKey },
      models: { 'Qwen/Qwen3-32B': { name: 'Qwen/Qwen3-32B', tool_call: true, limit: { context: 32768, output: 4096 } } },
    });
    expect(config.model).toBe('gw/Qwen/Qwen3-32B');
    expect(config.small_model).toBe('gw/Qwen/Qwen3-32B');
    expect(config).toMatchObject({ autoupdate: false, share: 'disabled', snapshot: false });
    expect(config.permission).toEqual({ edit: 'allow', bash: 'allow', webfetch: 'deny', external_directory: 'allow' });
  });

  it('pre-seeds the plugin dir so opencode does not npm-install at start', () => {
    const lock = JSON.parse(fileOf(launch.files, '/root/swebench-home/.config/opencode/package-lock.json'));
    expect(lock.packages[''].dependencies['@opencode-ai/plugin']).toBe('*');
    fileOf(launch.files, '/root/swebench-home/.config/opencode/node_modules/.keep');
  });

  it('sets HOME, the config path and the offline switches, and sends the prompt on stdin byte-exact', () => {
    expect(launch.env).toEqual({
      HOME: '/root/swebench-home',
      OPENCODE_CONFIG: '/root/swebench-home/.swebench/opencode.json',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    });
    expect(launch.stdin).toBe(ctx.prompt);
    expect(launch.command.slice(4)).toEqual(['opencode', 'run', '--auto', '--title', 'task', '--format', 'json', '-m', 'gw/Qwen/Qwen3-32B']);
    expect(launch.command.join(' ')).not.toContain('Fix');
  });

  it('puts the bundle bin (opencode, rg) first on the PATH the image already has', () => {
    const out = execFileSync(launch.command[0]!, [...launch.command.slice(1, 4), 'sh', '-c', 'echo "$PATH"'], {
      env: { PATH: '/opt/conda/bin:/usr/bin:/bin' },
    }).toString();
    expect(out.trim()).toBe(`${BUNDLE_MOUNT}/bin:/opt/conda/bin:/usr/bin:/bin`);
  });

  it('configOverride deep-merges over opencode.json; null removes a key', () => {
    const broken = HARNESSES.opencode.launch({ ...ctx, configOverride: { provider: { gw: { options: { baseURL: null } } }, snapshot: true } });
    const c = JSON.parse(fileOf(broken.files, '/root/swebench-home/.swebench/opencode.json'));
    expect(c.provider.gw.options).toEqual({ apiKey: ctx.apiKey });
    expect(c.snapshot).toBe(true);
    expect(c.provider.gw.models['Qwen/Qwen3-32B'].limit.output).toBe(4096);
  });
});

describe('codex launch', () => {
  const launch = HARNESSES.codex.launch(ctx);
  const toml = fileOf(launch.files, '/root/swebench-home/.codex/config.toml');

  it('writes config.toml in CODEX_HOME (not under /tmp) with the Responses provider at the session', () => {
    expect(launch.env).toEqual({ CODEX_HOME: '/root/swebench-home/.codex', [CODEX_KEY_ENV]: ctx.apiKey });
    expect(toml).toContain('model = "Qwen/Qwen3-32B"\nmodel_provider = "gw"\nmodel_context_window = 32768\n');
    expect(toml).toContain('approval_policy = "never"\nsandbox_mode = "danger-full-access"\n');
    expect(toml).toContain('[features]\nplugins = false\ngoals = false\nview_image = false\nunbounded_connection_retries = false\n');
    expect(toml).toContain('[analytics]\nenabled = false\n');
    expect(toml).toContain('[agents]\nenabled = false\n');
    expect(toml).toContain(
      `[model_providers.gw]\nname = "swebench gateway"\nbase_url = "${ctx.baseUrl}"\nenv_key = "${CODEX_KEY_ENV}"\nwire_api = "responses"\n` +
        'request_max_retries = 1\nstream_max_retries = 1\nstream_idle_timeout_ms = 300000\n',
    );
    expect(toml).not.toContain(ctx.apiKey);
  });

  it('runs codex exec --json from the bundle with the prompt on stdin', () => {
    expect(launch.command).toEqual([`${BUNDLE_MOUNT}/bin/codex`, 'exec', '--json', '--ephemeral', '--skip-git-repo-check']);
    expect(launch.stdin).toBe(ctx.prompt);
  });

  it('configOverride applies to the TOML (null removes, values replace)', () => {
    const l = HARNESSES.codex.launch({ ...ctx, configOverride: { model_providers: { gw: { wire_api: 'chat', env_key: null } }, features: { goals: true } } });
    const t = fileOf(l.files, '/root/swebench-home/.codex/config.toml');
    expect(t).toContain('wire_api = "chat"');
    expect(t).not.toContain('env_key');
    expect(t).toContain('goals = true');
  });
});

describe('openclaw launch', () => {
  const launch = HARNESSES.openclaw.launch(ctx);
  const configPath = '/root/swebench-home/.swebench/openclaw.json';
  const config = JSON.parse(fileOf(launch.files, configPath));

  it('replaces every provider with one, gw, at the session (openai-completions, model limits), and keeps exec in the foreground for 120 s', () => {
    expect(config.models).toEqual({
      mode: 'replace',
      providers: {
        gw: {
          baseUrl: ctx.baseUrl,
          apiKey: ctx.apiKey,
          api: 'openai-completions',
          models: [
            {
              id: 'Qwen/Qwen3-32B',
              name: 'Qwen/Qwen3-32B',
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 32768,
              maxTokens: 4096,
            },
          ],
        },
      },
    });
    expect(config.agents).toEqual({ defaults: { model: { primary: 'gw/Qwen/Qwen3-32B' } } });
    expect(config.tools).toEqual({ exec: { backgroundMs: 120_000 } });
  });

  it('bounds same-model retries in the agent settings of its kept state dir, and gives it a TMPDIR under HOME', () => {
    const settings = JSON.parse(fileOf(launch.files, '/root/swebench-home/.swebench/openclaw-state/agents/main/agent/settings.json'));
    expect(settings).toEqual({ retry: { provider: { maxRetries: 1 } } });
    fileOf(launch.files, '/root/swebench-home/tmp/.keep');
    expect(launch.env).toEqual({ HOME: '/root/swebench-home', TMPDIR: '/root/swebench-home/tmp', NO_COLOR: '1' });
  });

  it('runs agent exec on the bundle node: direct tools, the session timeout, --json, the prompt on stdin byte-exact', () => {
    expect(launch.command).toEqual([
      `${BUNDLE_MOUNT}/bin/node`, `${BUNDLE_MOUNT}/node_modules/openclaw/openclaw.mjs`, 'agent', 'exec',
      '--config', configPath, '--state-dir', '/root/swebench-home/.swebench/openclaw-state', '--model', 'gw/Qwen/Qwen3-32B',
      '--cwd', '/testbed', '--code-mode', 'direct', '--timeout', '1800', '--message-file', '-', '--json',
    ]);
    expect(launch.stdin).toBe(ctx.prompt);
    expect(HARNESSES.openclaw.launch({ ...ctx, timeoutSec: 0.4 }).command).toContain('1'); // never --timeout 0
  });

  it('bundles the install tree with node 24 from the registry, install scripts on; no resume', () => {
    expect(HARNESSES.openclaw).toMatchObject({ package: 'openclaw', version: '2026.9.6', protocol: 'openai_chat' });
    expect(HARNESSES.openclaw.bundle).toEqual({
      copy: [{ from: 'node_modules', to: 'node_modules' }],
      node: { version: '24.22.3' },
      installScripts: true,
      entry: 'node_modules/openclaw/openclaw.mjs',
    });
    expect('resume' in HARNESSES.openclaw).toBe(false);
  });

  it('configOverride deep-merges over openclaw.json; null removes the base URL (the broken preset)', () => {
    const broken = HARNESSES.openclaw.launch({ ...ctx, configOverride: { models: { providers: { gw: { baseUrl: null } } } } });
    const c = JSON.parse(fileOf(broken.files, configPath));
    expect(c.models.providers.gw.baseUrl).toBeUndefined();
    expect(c.models.providers.gw.apiKey).toBe(ctx.apiKey);
    expect(c.models.mode).toBe('replace');
  });
});

describe('noop launch', () => {
  it('exits 0 without files or a bundle; configOverride can make it print, sleep and fail', () => {
    const l = HARNESSES.noop.launch(ctx);
    expect(l.files).toEqual([]);
    expect(execFileSync(l.command[0]!, l.command.slice(1)).toString()).toBe('noop harness: nothing to do\n');
    const failing = HARNESSES.noop.launch({ ...ctx, configOverride: { exitCode: 3, output: "it's broken" } });
    let status: number | null = null;
    let stdout = '';
    try {
      execFileSync(failing.command[0]!, failing.command.slice(1));
    } catch (err) {
      status = (err as { status: number }).status;
      stdout = String((err as { stdout: Buffer }).stdout);
    }
    expect(status).toBe(3);
    expect(stdout).toBe("it's broken\n");
    expect(HARNESSES.noop.classify({ exitCode: 3, output: stdout, timedOut: false })).toEqual({
      errorClass: 'agent_crash',
      error: "noop exited with code 3: it's broken",
    });
  });
});

describe('resume (--nudge): each CLI continues its own session with the message on stdin', () => {
  const resumable = { ...ctx, resumable: true };
  const argvOf = (name: string, c: HarnessContext) => HARNESSES[name as keyof typeof HARNESSES].launch(c).command;

  it('not resumable: launched as always; resumable: codex keeps its thread, claude-code and qwen-code get a fixed id', () => {
    expect(argvOf('codex', ctx)).toContain('--ephemeral');
    expect(argvOf('codex', resumable)).not.toContain('--ephemeral');
    for (const name of ['claude-code', 'qwen-code']) {
      expect(argvOf(name, ctx), name).not.toContain('--session-id');
      expect(argvOf(name, resumable).join(' '), name).toContain(`--session-id ${ctx.conversationId}`);
    }
    expect(argvOf('opencode', resumable)).toEqual(argvOf('opencode', ctx));
  });

  it('finds the session id: codex from thread.started, opencode from any event, claude-code and qwen-code from the launch', () => {
    const thread = '019a1b2c-3d4e-7f60-8a9b-0c1d2e3f4a5b';
    const codexOut = `{"type":"thread.started","thread_id":"${thread}"}\n{"type":"turn.started"}\n`;
    expect(HARNESSES.codex.resume!.sessionRef(resumable, codexOut)).toBe(thread);
    expect(HARNESSES.codex.resume!.sessionRef(resumable, '{"type":"turn.started"}')).toBeUndefined();
    const ocOut = '{"type":"step_start","timestamp":1,"sessionID":"ses_4f2a9c1bffe3AbCdEf","part":{}}\n';
    expect(HARNESSES.opencode.resume!.sessionRef(resumable, ocOut)).toBe('ses_4f2a9c1bffe3AbCdEf');
    expect(HARNESSES['claude-code'].resume!.sessionRef(resumable, '')).toBe(ctx.conversationId);
    expect(HARNESSES['qwen-code'].resume!.sessionRef(resumable, '')).toBe(ctx.conversationId);
    expect(HARNESSES.noop.resume).toBeUndefined();
  });

  it('continues with the verified resume commands', () => {
    const cont = (name: keyof typeof HARNESSES, ref: string) => HARNESSES[name].resume!.continueWith(resumable, ref, 'Keep going.');
    const codex = cont('codex', 'T1');
    expect(codex.command.slice(1)).toEqual(['exec', 'resume', '--json', '--skip-git-repo-check', 'T1', '-']);
    expect(codex.stdin).toBe('Keep going.');
    expect(cont('claude-code', 'U1').command.slice(-2)).toEqual(['--resume', 'U1']);
    expect(cont('claude-code', 'U1').command).toContain('-p');
    expect(cont('qwen-code', 'U1').command.slice(-2)).toEqual(['--resume', 'U1']);
    expect(cont('opencode', 'ses_1').command.slice(-2)).toEqual(['--session', 'ses_1']);
    for (const name of ['codex', 'claude-code', 'qwen-code', 'opencode'] as const) expect(cont(name, 'x').stdin, name).toBe('Keep going.');
  });
});
