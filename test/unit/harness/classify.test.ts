// Failure classification from exit code and output. Samples are the shapes the real CLIs print: opencode's
// `--format json` error event (captured from opencode 1.18.33 in the Docker suite), codex `--json` events and
// plain-text errors from reference/harness-opencode-codex.md §2c/§3c.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyExit, diagnosticText } from '../../../src/harness/classify.js';
import { HARNESSES } from '../../../src/harness/index.js';
import { openclawDiagnostics } from '../../../src/harness/openclaw.js';

const oc = (message: string, name = 'UnknownError') =>
  JSON.stringify({ type: 'error', timestamp: 1, sessionID: 'ses_1', error: { name, data: { message } } });
const ocTool = (output: string) =>
  JSON.stringify({ type: 'tool_use', part: { type: 'tool', tool: 'bash', state: { status: 'completed', input: { command: 'pytest' }, output } } });
const cxError = (message: string) => JSON.stringify({ type: 'error', message });
const cxFailed = (message: string) => JSON.stringify({ type: 'turn.failed', error: { message } });
const cxCommand = (out: string) =>
  JSON.stringify({ type: 'item.completed', item: { id: 'item_1', type: 'command_execution', aggregated_output: out, exit_code: 1, status: 'completed' } });

const exit = (exitCode: number, lines: string[], timedOut = false) => ({ exitCode, output: lines.join('\n') + '\n', timedOut });

describe('opencode.classify', () => {
  const classify = HARNESSES.opencode.classify;

  const cases: Array<[string, ReturnType<typeof exit>, string | undefined, RegExp?]> = [
    ['a clean exit', exit(0, [ocTool('ok')]), undefined],
    ['the missing baseURL (zero-completion bug)', exit(1, [oc('"undefined/chat/completions" cannot be parsed as a URL.')]), 'infra_error', /cannot be parsed as a URL/],
    ['an unreachable gateway', exit(1, [oc('Cannot connect to API: connect ECONNREFUSED 127.0.0.1:9', 'APIError')]), 'upstream_error', /Cannot connect to API/],
    [
      'a vLLM context overflow',
      exit(1, [oc("This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.", 'APIError')]),
      'context_length_exceeded',
      /maximum context length is 32768/,
    ],
    [
      'the gateway completion cap',
      exit(1, [ocTool('x'), oc('session abc reached its completion cap (20 completions); no further requests are served', 'APIError')]),
      'completion_cap',
      /completion cap/,
    ],
    ['retries exhausted on 5xx', exit(1, [oc('Bad Gateway: upstream request failed', 'APIError')]), 'upstream_error', /Bad Gateway/],
    ['a crash printed on stderr', exit(2, ['panic: something broke in bun']), 'agent_crash', /exited with code 2: panic: something broke in bun/],
  ];
  for (const [what, ex, cls, text] of cases) {
    it(`classifies ${what}`, () => {
      const f = classify(ex);
      expect(f?.errorClass).toBe(cls);
      if (text) expect(f?.error).toMatch(text);
    });
  }

  it('ignores what the repository printed through the tools (tool events are not diagnostics)', () => {
    const f = classify(exit(1, [ocTool('HTTP 500 Internal Server Error; maximum context length; Cannot connect to API'), 'Segmentation fault']));
    expect(f).toEqual({ errorClass: 'agent_crash', error: 'opencode exited with code 1: Segmentation fault' });
  });
});

describe('codex.classify', () => {
  const classify = HARNESSES.codex.classify;

  it('classifies each failure codex prints', () => {
    expect(classify(exit(0, ['Reading prompt from stdin...', JSON.stringify({ type: 'turn.completed' })]))).toBeUndefined();
    expect(classify(exit(1, [cxError('stream disconnected before completion: error sending request'), cxFailed('stream disconnected before completion')]))?.errorClass).toBe('upstream_error');
    expect(
      classify(exit(1, [cxFailed("Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.")])),
    ).toEqual({
      errorClass: 'context_length_exceeded',
      error: "codex: the conversation outgrew the model context: Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.",
    });
    expect(classify(exit(1, [cxError('unexpected status 400 Bad Request: {"error":{"code":"context_length_exceeded"}}')]))?.errorClass).toBe('context_length_exceeded');
    expect(classify(exit(1, ['Error loading config.toml: `wire_api = "chat"` is no longer supported.']))?.errorClass).toBe('infra_error');
    expect(classify(exit(1, [cxError('Missing environment variable: `SWEBENCH_GATEWAY_KEY`.')]))?.errorClass).toBe('infra_error');
    expect(classify(exit(1, [cxError('exceeded retry limit, last status: 429 Too Many Requests')]))?.errorClass).toBe('upstream_error');
    expect(
      classify(exit(1, [cxError('unexpected status 400 Bad Request: session s1 reached its completion cap (5 completions); no further requests are served')]))
        ?.errorClass,
    ).toBe('completion_cap');
  });

  it('names a dead endpoint even when the run timed out, and leaves a plain timeout to the pipeline', () => {
    expect(classify(exit(124, [cxError('Reconnecting... 2/5 (stream disconnected before completion)')], true))?.errorClass).toBe('upstream_error');
    expect(classify(exit(124, [cxCommand('pytest: 3 failed')], true))).toBeUndefined();
  });

  it('maps shell exit codes: 127 is a missing binary (infra), 137 a kill', () => {
    expect(classify(exit(127, ['sh: 1: /opt/swebench/harness/bin/codex: not found']))).toEqual({
      errorClass: 'infra_error',
      error: 'codex: the harness binary was not found (exit 127; is the bundle mounted?): sh: 1: /opt/swebench/harness/bin/codex: not found',
    });
    expect(classify(exit(137, [cxCommand('Reconnecting... fake text inside tool output')]))?.errorClass).toBe('agent_crash');
  });
});

describe('classifyExit / diagnosticText', () => {
  it('keeps plain lines and error-event messages, drops other events, and strips ANSI colours', () => {
    const text = diagnosticText(
      ['\u001b[31mError:\u001b[0m boom', cxCommand('noise'), cxError('first\nsecond'), '{not json', JSON.stringify({ type: 'item.completed', item: { type: 'error', message: 'warn' } })].join('\n'),
    );
    expect(text).toBe('Error: boom\nfirst\nsecond\n{not json\nwarn');
  });

  it('quotes the last matching line, cut to a readable length', () => {
    const long = 'x'.repeat(1000);
    const f = classifyExit('h', exit(1, [`upstream failed ${long}`]), [{ match: /upstream/, errorClass: 'upstream_error', reason: 'r' }]);
    expect(f!.error.length).toBeLessThan(420);
    expect(f!.error.startsWith('h: r: upstream failed xxx')).toBe(true);
  });

  it('an exit with no output still says so', () => {
    expect(classifyExit('h', exit(3, []), [])).toEqual({ errorClass: 'agent_crash', error: 'h exited with code 3 and printed nothing' });
  });
});

// Real openclaw 2026.9.6 `agent exec --json` output (stderr, then the pretty-printed envelope on stdout): from the
// Docker runs (no-base-url, oracle-ok, completion-cap) and from host runs of the bundle against the built-in
// models or a scripted endpoint on 127.0.0.1 (unreachable with colours, 401, vLLM's context 400, a 429 cap).
describe('openclaw.classify (real outputs)', () => {
  const classify = HARNESSES.openclaw.classify;
  const real = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures/openclaw', `${name}.txt`), 'utf8');

  const cases: Array<[string, number, string | undefined, RegExp?]> = [
    ['oracle-ok', 0, undefined],
    ['no-base-url', 1, 'infra_error', /openclaw\.json is invalid: - models\.providers\.gw\.baseUrl: custom model providers must declare baseUrl/],
    ['unreachable', 2, 'upstream_error', /LLM request failed: network connection error/],
    ['auth-401', 1, 'infra_error', /refused the session credentials: .*invalid or missing token for session/],
    ['context-overflow', 1, 'context_length_exceeded', /maximum context length is 1024 tokens/],
    ['completion-cap', 1, 'completion_cap', /reached its completion cap \(6 completions\)/],
    ['completion-cap-429', 1, 'completion_cap', /reached its completion cap/],
  ];
  for (const [name, code, errorClass, quote] of cases) {
    it(`${name} (exit ${code}) → ${errorClass ?? 'healthy'}`, () => {
      const f = classify({ exitCode: code, output: real(name), timedOut: false });
      expect(f?.errorClass).toBe(errorClass);
      if (quote) expect(f!.error).toMatch(quote);
    });
  }

  it('reads the envelope as one line and never the final text the model wrote', () => {
    expect(openclawDiagnostics(real('unreachable'))).toContain('envelope timeout (timeout): LLM request failed: network connection error.');
    const envelope = JSON.stringify({ ok: true, status: 'ok', final: 'LLM request failed: HTTP 401 maximum context length', payloads: [] }, null, 2);
    expect(openclawDiagnostics(`a stderr line\n${envelope}\n`)).toBe('a stderr line\n');
    // exit 1 with that envelope and nothing else telling: a crash, not the model's words
    expect(classify({ exitCode: 1, output: `boom\n${envelope}\n`, timedOut: false })?.errorClass).toBe('agent_crash');
  });

  it("its own --timeout is agent_timeout; a bare exit 2 (status timeout) is a model request that timed out", () => {
    expect(classify({ exitCode: 1, output: '[agent] embedded run timeout: runId=x; cleanup did not settle\n⚠️ Exec failed\n', timedOut: false })?.errorClass).toBe('agent_timeout');
    expect(classify({ exitCode: 2, output: 'something unexpected\n', timedOut: false })).toEqual({
      errorClass: 'upstream_error',
      error: 'openclaw: a model request timed out (exit 2): something unexpected',
    });
  });
});
