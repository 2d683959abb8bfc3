// The TOML emitter: exact output for the codex config shape, escaping, and a round trip through a real TOML
// parser (python3's tomllib) so "valid TOML" is checked by something other than this emitter.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { toToml } from '../../../src/harness/toml.js';

/** Parses TOML with python3's tomllib (3.11+). A missing python3 fails the test: the round trip is the only check
 * of "valid TOML" that is not this emitter's own opinion, so it must not pass quietly without its parser. */
function pythonTomlParse(text: string): unknown {
  try {
    const out = execFileSync('python3', ['-c', 'import sys, json, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text });
    return JSON.parse(out.toString());
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new Error('python3 not found: the TOML round trip needs python3 ≥ 3.11 (tomllib) on PATH');
    throw err;
  }
}

describe('toToml', () => {
  it('writes root keys first, then [tables] and [dotted.tables] after their parent keys', () => {
    const text = toToml({
      model: 'm',
      retries: 1,
      on: false,
      features: { plugins: false },
      model_providers: { gw: { base_url: 'http://127.0.0.1:1/s/a/v1', wire_api: 'responses' } },
      empty: {},
    });
    expect(text).toBe(
      [
        'model = "m"',
        'retries = 1',
        'on = false',
        '',
        '[features]',
        'plugins = false',
        '',
        '[model_providers.gw]',
        'base_url = "http://127.0.0.1:1/s/a/v1"',
        'wire_api = "responses"',
        '',
        '[empty]',
        '',
      ].join('\n'),
    );
  });

  it('escapes strings and quotes keys that are not bare', () => {
    const text = toToml({ 'a.b': 'quote " backslash \\ newline \n tab \t del \u007f é', 'x y': [1, 'two', { z: true }], f: 1.5 });
    expect(text).toContain('"a.b" = "quote \\" backslash \\\\ newline \\n tab \\t del \\u007F é"');
    expect(text).toContain('"x y" = [1, "two", { z = true }]');
    expect(text).toContain('f = 1.5');
  });

  it('skips null and undefined values, and refuses values TOML cannot hold', () => {
    expect(toToml({ a: null, b: undefined, c: 1 })).toBe('c = 1\n');
    expect(() => toToml({ n: Number.NaN })).toThrow(/n is NaN/);
    expect(() => toToml({ t: { f: () => 1 } })).toThrow(/t\.f has unsupported type function/);
  });

  it('round-trips through a real TOML parser', () => {
    const doc = {
      model: 'Qwen/Qwen3-32B',
      model_context_window: 32768,
      features: { plugins: false, unbounded_connection_retries: false },
      model_providers: { gw: { name: 'swebench gateway', base_url: 'http://127.0.0.1:5/s/x/v1', request_max_retries: 1 } },
      weird: { 'key with "quotes"': 'line1\nline2\u0001', list: ['a', 2, true] },
    };
    expect(pythonTomlParse(toToml(doc))).toEqual(doc);
  });
});
