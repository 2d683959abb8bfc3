// Hand-made logs, one per quirk of the official v4.1.0 parsers (ported bug-for-bug).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { LOG_PARSERS, parserFor } from '../../../src/eval/parsers/index.js';
import { pySplit, pyStrip } from '../../../src/eval/parsers/py-text.js';
import type { Task } from '../../../src/dataset/types.js';

const parse = (name: keyof typeof LOG_PARSERS, lines: string[]) => ({ ...LOG_PARSERS[name](lines.join('\n')) });

describe('Python str semantics', () => {
  it('split() splits on Python whitespace, which is not JS whitespace', () => {
    expect(pySplit('  a \t b\r\n')).toEqual(['a', 'b']);
    expect(pySplit('a\x1cb\x85c')).toEqual(['a', 'b', 'c']); // Python whitespace, not JS \s
    expect(pySplit('a\ufeffb')).toEqual(['a\ufeffb']); // JS \s, not Python whitespace
    expect(pySplit('')).toEqual([]);
    expect(pySplit('   ')).toEqual([]);
    expect(pyStrip('\x1f ok \ufeff')).toBe('ok \ufeff');
  });
});

describe('parse_log_pytest', () => {
  it('reads -rA summary lines; later lines overwrite earlier ones', () => {
    expect(parse('parse_log_pytest', ['PASSED t.py::a', 'FAILED t.py::b - assert 1 == 2', 'PASSED t.py::b', 'XFAIL t.py::c - reason', 'ERROR t.py::d'])).toEqual({
      't.py::a': 'PASSED',
      't.py::b': 'PASSED',
      't.py::c': 'XFAIL',
      't.py::d': 'ERROR',
    });
  });
  it('cuts ids at the first whitespace (why dataset ids are truncated), after FAILED loses every " - "', () => {
    expect(parse('parse_log_pytest', ['PASSED t.py::a[x y]', 'FAILED t.py::b[p - q] - boom'])).toEqual({ 't.py::a[x': 'PASSED', 't.py::b[p': 'FAILED' });
  });
  it('records the skip summary under "[1]", ignores bare statuses and indented lines, copies odd tokens', () => {
    expect(parse('parse_log_pytest', ['SKIPPED [1] t.py:3: no numpy', 'PASSED', '  PASSED t.py::x', 'ERROR: pip failed', 'PASSED\tt.py::tab\r'])).toEqual({
      '[1]': 'SKIPPED',
      pip: 'ERROR:',
      't.py::tab': 'PASSED',
    });
  });
  it('keeps ids such as constructor or __proto__ as ordinary keys', () => {
    const map = LOG_PARSERS.parse_log_pytest('PASSED constructor\nFAILED __proto__');
    expect(Object.keys(map)).toEqual(['constructor', '__proto__']);
    expect(map.constructor).toBe('PASSED');
  });
});

describe('parse_log_pytest_options', () => {
  it('shortens absolute-path options to their last component', () => {
    expect(
      parse('parse_log_pytest_options', [
        'PASSED t.py::a[/tmp/x/y.txt]',
        'PASSED t.py::b[//net/share]',
        'PASSED t.py::c[/tmp/*.py]',
        'PASSED t.py::d[rel/path]',
        'FAILED t.py::e[/a/b] - boom',
      ]),
    ).toEqual({ 't.py::a[/y.txt]': 'PASSED', 't.py::b[//net/share]': 'PASSED', 't.py::c[/tmp/*.py]': 'PASSED', 't.py::d[rel/path]': 'PASSED', 't.py::e[/b]': 'FAILED' });
  });
  it('drops text after the last "]" (search, not fullmatch) and keeps nested brackets', () => {
    expect(parse('parse_log_pytest_options', ['PASSED t.py::a[x]tail', 'PASSED t.py::b[x[1]]', 'PASSED t.py::plain'])).toEqual({
      't.py::a[x]': 'PASSED',
      't.py::b[x[1]]': 'PASSED',
      't.py::plain': 'PASSED',
    });
  });
});

describe('parse_log_pytest_v2', () => {
  it('strips colour codes and control characters', () => {
    expect(parse('parse_log_pytest_v2', ['\x1b[32mPASSED\x1b[0m t.py::a', '\x1b[1m\x1b[31mFAILED\x1b[0m t.py::b - x', 'PASSED t.py::c[\u0663m]'])).toEqual({
      't.py::a': 'PASSED',
      't.py::b': 'FAILED',
      't.py::c]': 'PASSED', // "[٣m" is a colour code to Python: its \d matches the Arabic-Indic digit
    });
  });
  it('deletes a tab before splitting, so "PASSED<TAB>id" is one token and records nothing', () => {
    expect(parse('parse_log_pytest_v2', ['PASSED\tt.py::a'])).toEqual({});
  });
  it('reads old -v lines that end with the status, taking the second token as the status', () => {
    expect(parse('parse_log_pytest_v2', ['t.py::a PASSED', 't.py::b FAILED', 't.py::c odd XFAIL', 'PASSED'])).toEqual({
      't.py::a': 'PASSED',
      't.py::b': 'FAILED',
      't.py::c': 'odd',
    });
  });
});

describe('parse_log_matplotlib', () => {
  it('rewrites MouseButton names before parsing', () => {
    expect(parse('parse_log_matplotlib', ['PASSED t.py::a[MouseButton.LEFT]', 'FAILED t.py::b[MouseButton.RIGHT-x] - e'])).toEqual({
      't.py::a[1]': 'PASSED',
      't.py::b[3-x]': 'FAILED',
    });
  });
});

describe('parse_log_seaborn', () => {
  it('records FAILED and PASSED only, in both line styles', () => {
    expect(
      parse('parse_log_seaborn', [
        'FAILED t.py::a - boom',
        't.py::b PASSED [ 10%]',
        'PASSED t.py::c',
        'x y PASSED z',
        'SKIPPED t.py::d',
        'ERROR t.py::e',
        'XFAIL t.py::f',
        'FAILED',
        ' PASSED ',
      ]),
    ).toEqual({ 't.py::a': 'FAILED', 't.py::b': 'PASSED', 't.py::c': 'PASSED' });
  });
});

describe('parse_log_sympy', () => {
  it('reads verdict suffixes and failure headers; the last test of a file ("ok [OK]") is not recorded', () => {
    expect(
      parse('parse_log_sympy', [
        'sympy/core/tests/test_basic.py[4] ',
        'test_a ok',
        '  test_b F',
        'test_c E',
        'test_d f',
        'test_e s',
        'test_f ok      [OK]',
        '________ sympy/core/tests/test_basic.py:test_b ________',
      ]),
    ).toEqual({
      'sympy/core/tests/test_basic.py:test_b': 'FAILED',
      test_a: 'PASSED',
      test_b: 'FAILED',
      test_c: 'ERROR',
    });
  });
});

describe('parse_log_django', () => {
  it('reads verbosity-2 verdicts, FAIL:/ERROR: headers (name only) and docstring ids', () => {
    expect(
      parse('parse_log_django', [
        'test_a (m.C) ... ok',
        'test_b (m.C) ... OK',
        'test_c (m.C) ...  OK',
        "test_d (m.C) ... skipped 'no db'",
        'test_e (m.C) ... FAIL',
        'test_f (m.C) ... ERROR',
        'FAIL: test_g (m.C)',
        'ERROR: test_h (m.C.test_h)',
        'Named URLs should be reversible ... ok',
        '   test_i (m.C) ... ok   ',
        'FAIL:',
      ]),
    ).toEqual({
      'test_a (m.C)': 'PASSED',
      'test_b (m.C)': 'PASSED',
      'test_c (m.C)': 'PASSED',
      'test_d (m.C)': 'SKIPPED',
      'test_e (m.C)': 'FAILED',
      'test_f (m.C)': 'ERROR',
      test_g: 'FAILED',
      test_h: 'ERROR',
      'Named URLs should be reversible': 'PASSED',
      'test_i (m.C)': 'PASSED',
    });
  });
  it('passes the last "name ... " when output separates it from its "ok"', () => {
    expect(parse('parse_log_django', ['ok', 'test_a (m.C) ... printed output', 'more output', 'ok'])).toEqual({ 'test_a (m.C)': 'PASSED' });
  });
  it('handles the django-7188 migration prefix and the --version special case', () => {
    expect(
      parse('parse_log_django', ['Applying sites.0002_alter_domain_unique...test_no_migrations (m.C) ... ok', 'test_version (m.C) ... --version is equivalent to version']),
    ).toEqual({ 'test_no_migrations (m.C)': 'PASSED', '--version is equivalent to version': 'PASSED' });
  });
  it('applies the multi-line patterns over the whole log', () => {
    const map = parse('parse_log_django', [
      "test_a (m.C) ... Testing against Django installed in '/x'",
      'Creating table x ... done',
      'System check identified no issues (0 silenced).',
      'ok',
      'test_b (m.C) ... Internal Server Error: /err/',
      'ok',
    ]);
    // Line logic alone would pass only "Creating table x" (the last " ... " seen); the first pattern finds test_a.
    expect(map).toEqual({ 'Creating table x': 'PASSED', 'test_a (m.C)': 'PASSED', 'test_b (m.C)': 'PASSED' });
  });
});

describe('parserFor', () => {
  const task = (over: Partial<Task>) => ({ instance_id: 'x__y-1', repo: 'django/django', ...over });
  it('prefers the log_parser column, else maps the repo through the spec table', () => {
    expect(parserFor(task({ log_parser: 'parse_log_sphinx' }))).toBe(LOG_PARSERS.parse_log_pytest_v2);
    expect(parserFor(task({}))).toBe(LOG_PARSERS.parse_log_django);
    expect(parserFor(task({ repo: 'psf/requests' }))).toBe(LOG_PARSERS.parse_log_pytest_options);
  });
  it('rejects unknown parser names and unknown repos with fix-it text', () => {
    expect(() => parserFor(task({ log_parser: 'parse_log_nope' }))).toThrow(ConfigError);
    expect(() => parserFor(task({ log_parser: 'parse_log_nope' }))).toThrow(/x__y-1: log_parser: unknown log_parser "parse_log_nope"/);
    expect(() => parserFor(task({ repo: 'acme/widgets' }))).toThrow(expect.objectContaining({ hint: expect.stringMatching(/--repo-specs|log_parser column/) }));
  });
});
