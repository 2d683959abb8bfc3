// The gemini-cli preset without a container: what it writes, sets and runs for one session, its bundle layout,
// and failure classification, including the failures gemini-cli reports with exit 0 (reference
// harness-more.md §2c: a malformed or empty reply, its loop detector). Output samples follow the stream-json
// events gemini-cli 0.61.0 printed in the reference probes and the Docker suite.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { GEMINI_ENTRY } from '../../../src/harness/gemini-cli.js';
import { BUNDLE_MOUNT, HARNESSES, type HarnessContext, type HarnessExit } from '../../../src/harness/index.js';

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

const gemini = HARNESSES['gemini-cli'];
const j = (o: unknown) => JSON.stringify(o);
const exit = (exitCode: number, lines: string[], timedOut = false): HarnessExit => ({ exitCode, output: lines.join('\n'), timedOut });
const prefix = [
  j({ type: 'init', timestamp: '2026-12-04T21:00:00.000Z', session_id: 's1', model: 'Qwen/Qwen3-32B' }),
  j({ type: 'tool_result', tool_id: 'run_shell_command__x', status: 'error', output: 'ECONNREFUSED printed by the tests, not the CLI' }),
];
const failed = (message: string, type = 'Error') => j({ type: 'result', timestamp: 't', status: 'error', error: { type, message }, stats: {} });

describe('gemini-cli preset', () => {
  it('pins its version, speaks gemini, bundles the package directory with node and an executable entry', () => {
    expect(gemini).toMatchObject({ package: '@google/gemini-cli', version: '0.61.0', protocol: 'gemini' });
    expect(gemini.bundle).toMatchObject({ needsNode: true, entry: GEMINI_ENTRY });
    expect(gemini.bundle.copy[0]).toEqual({ from: GEMINI_ENTRY, to: GEMINI_ENTRY, mode: 0o755 });
  });

  const launch = gemini.launch(ctx);
  const settings = JSON.parse(launch.files.find((f) => f.path === '/root/swebench-home/.gemini/settings.json')!.content);

  it('writes settings.json: API-key auth, no stats/telemetry/update, the explicit model, the turn cap, bounded retries', () => {
    expect(settings).toEqual({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 2 },
      model: { name: 'Qwen/Qwen3-32B', maxSessionTurns: 50 },
    });
  });

  it('points the Gemini client at the session root (it appends /v1beta/…), trusts the workspace, keeps TMPDIR in the session', () => {
    expect(launch.env).toEqual({
      HOME: ctx.home,
      GEMINI_API_KEY: ctx.apiKey,
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:4321/s/sess1',
      GEMINI_MODEL: 'Qwen/Qwen3-32B',
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      TMPDIR: '/root/swebench-home/tmp',
    });
    expect(launch.files.map((f) => f.path)).toContain('/root/swebench-home/tmp/.keep');
  });

  it('runs the bundle node on the entry with --yolo and stream-json; the prompt goes on stdin byte-exact', () => {
    expect(launch.command).toEqual([`${BUNDLE_MOUNT}/bin/node`, `${BUNDLE_MOUNT}/${GEMINI_ENTRY}`, '--yolo', '--output-format', 'stream-json']);
    expect(launch.stdin).toBe(ctx.prompt);
  });

  it('configOverride merges over settings and env; null removes; a non-scalar env value is a ConfigError', () => {
    const l = gemini.launch({ ...ctx, configOverride: { settings: { general: { maxAttempts: 5 } }, env: { GOOGLE_GEMINI_BASE_URL: null, DEBUG: 1 } } });
    expect(JSON.parse(l.files[0]!.content).general.maxAttempts).toBe(5);
    expect(l.env.GOOGLE_GEMINI_BASE_URL).toBeUndefined();
    expect(l.env.DEBUG).toBe('1');
    expect(() => gemini.launch({ ...ctx, configOverride: { env: { X: { nested: true } } } })).toThrow(ConfigError);
  });
});

describe('gemini-cli.classify', () => {
  const cases: Array<[string, HarnessExit, string | undefined, RegExp?]> = [
    ['a clean exit', exit(0, [...prefix, j({ type: 'result', status: 'success', stats: {} })]), undefined],
    [
      'exit 0 after a malformed function call (it retried, then gave up)',
      exit(0, [...prefix, j({ type: 'error', severity: 'error', message: 'Model stream ended with malformed function call.' }), failed('Model stream ended with malformed function call.')]),
      'upstream_error',
      /model endpoint kept failing: .*malformed function call/,
    ],
    [
      'exit 0 after its loop detector stopped the run',
      exit(0, [...prefix, j({ type: 'error', severity: 'warning', message: 'Loop detected, stopping execution' }), j({ type: 'result', status: 'success', stats: {} })]),
      'agent_crash',
      /loop detection/,
    ],
    ['the turn limit (exit 53)', exit(53, [...prefix, failed('Reached max session turns for this session.')]), 'completion_cap', /turn limit/],
    ['exit 53 with the explanation cut off', exit(53, []), 'completion_cap', /exit 53/],
    [
      'the gateway completion cap (HTTP 400 → exit 144)',
      exit(144, [...prefix, failed('[API Error: session 4f16 reached its completion cap (6 completions); no further requests are served]')]),
      'completion_cap',
      /completion cap/,
    ],
    [
      'a context overflow (exit 144)',
      exit(144, [failed("This model's maximum context length is 250 tokens. However, you requested 16928 tokens.")]),
      'context_length_exceeded',
      /outgrew the model context/,
    ],
    ['a wrong token (exit 145)', exit(145, [failed('invalid or missing token for session 4c65')]), 'infra_error', /refused the session credentials/],
    ['a 500 after its retries (exit 244)', exit(244, [failed('Internal error', 'INTERNAL')]), 'upstream_error', /kept failing/],
    ['no base URL: the Google host cannot be resolved', exit(1, [...prefix, 'Error when talking to Gemini API: fetch failed (getaddrinfo ENOTFOUND generativelanguage.googleapis.com)']), 'upstream_error', /cannot reach the gateway/],
    ['auth refused (exit 41)', exit(41, ['Invalid auth method selected.']), 'infra_error', /credentials/],
    ['a timeout with nothing telling', exit(124, prefix, true), undefined],
  ];

  for (const [name, e, cls, text] of cases) {
    it(name, () => {
      const failure = gemini.classify(e);
      expect(failure?.errorClass).toBe(cls);
      if (text) expect(failure?.error).toMatch(text);
      if (failure) expect(failure.error.startsWith('gemini-cli')).toBe(true);
    });
  }
});
