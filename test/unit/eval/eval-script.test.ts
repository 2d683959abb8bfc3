// The v4.1.0 eval-script builder on small hand-made tasks, and the repo spec table (YAML, zod, merge).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/dataset/types.js';
import { ConfigError } from '../../../src/errors.js';
import {
  BUILTIN_REPO_SPECS_URL,
  buildEvalScript,
  evalScriptFor,
  loadRepoSpecs,
  modifiedFiles,
  resolveRepoSpec,
  testDirectives,
} from '../../../src/eval/eval-script.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';

const diff = (file: string, body = '@@ -1,2 +1,2 @@\n context\n-old\n+new\n') => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n${body}`;
const newFile = (file: string) => `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1 @@\n+x\n`;

function task(over: Partial<Task>): Task {
  return {
    instance_id: 'django__django-1',
    repo: 'django/django',
    base_commit: 'base123',
    patch: '',
    test_patch: diff('tests/auth_tests/test_validators.py'),
    problem_statement: '',
    hints_text: '',
    created_at: '',
    version: '2.2',
    environment_setup_commit: '',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
    ...over,
  };
}

describe('buildEvalScript', () => {
  it('writes the v4.1.0 script: header, eval_commands, install, checkout, heredoc, markers, revert', () => {
    const t = task({});
    expect(buildEvalScript(t, loadRepoSpecs())).toBe(
      [
        '#!/bin/bash',
        'set -uxo pipefail',
        'source /opt/miniconda3/bin/activate',
        'conda activate testbed',
        'cd /testbed',
        'export LANG=en_US.UTF-8',
        'export LC_ALL=en_US.UTF-8',
        'export PYTHONIOENCODING=utf8',
        'export LANGUAGE=en_US:en',
        'git config --global --add safe.directory /testbed',
        'cd /testbed',
        'git status',
        'git show',
        'git -c core.fileMode=false diff base123',
        'source /opt/miniconda3/bin/activate',
        'conda activate testbed',
        'python setup.py install',
        'git checkout base123 tests/auth_tests/test_validators.py',
        "git apply -v - <<'EOF_114329324912'",
        t.test_patch,
        'EOF_114329324912',
        ": '>>>>> Start Test Output'",
        './tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 auth_tests.test_validators',
        ": '>>>>> End Test Output'",
        'git checkout base123 tests/auth_tests/test_validators.py',
        '',
      ].join('\n'),
    );
  });

  it('keeps a bare "git checkout <base> " when the test patch only adds files (SWE-bench#518)', () => {
    const script = buildEvalScript(task({ repo: 'sympy/sympy', version: '1.7', test_patch: newFile('sympy/x/tests/test_new.py') }), loadRepoSpecs());
    expect(script.split('\n').filter((l) => l.startsWith('git checkout'))).toEqual(['git checkout base123 ', 'git checkout base123 ']);
    expect(script).toContain("\nPYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose sympy/x/tests/test_new.py\n");
  });

  it('applies per-version overrides (django 1.9 runs without --parallel; 4.x has no eval_commands)', () => {
    const specs = loadRepoSpecs();
    expect(resolveRepoSpec(specs, 'django/django', '1.9')).toEqual({
      parser: 'parse_log_django',
      test_cmd: './tests/runtests.py --verbosity 2',
      install: 'python setup.py install',
      eval_commands: ['export LANG=en_US.UTF-8', 'export LC_ALL=en_US.UTF-8', 'export PYTHONIOENCODING=utf8', 'export LANGUAGE=en_US:en'],
    });
    expect(resolveRepoSpec(specs, 'django/django', '4.2').eval_commands).toEqual([]);
    expect(resolveRepoSpec(specs, 'astropy/astropy', '1.3').test_cmd).toBe('pytest -rA -vv -o console_output_style=classic --tb=no');
  });

  it('returns the row eval_script verbatim when present', () => {
    expect(evalScriptFor(task({ eval_script: '#!/bin/bash\necho hi\n' }))).toBe('#!/bin/bash\necho hi\n');
  });

  it('names the task and lists known repos for a repo without a spec', () => {
    expect(() => evalScriptFor(task({ repo: 'acme/widgets' }))).toThrow(ConfigError);
    expect(() => evalScriptFor(task({ repo: 'acme/widgets' }))).toThrow(/django__django-1: no eval spec for repository "acme\/widgets"/);
  });
});

describe('testDirectives', () => {
  it('drops data files (including the dotless "csv" suffix) and keeps other paths as they are', () => {
    const patch = [diff('tests/test_a.py'), diff('tests/data.json'), diff('tests/table.csv'), diff('tests/datacsv'), diff('tests/roots/x/index.rst'), diff('doc/readme.md')].join('');
    expect(testDirectives({ repo: 'sphinx-doc/sphinx', test_patch: patch })).toEqual(['tests/test_a.py', 'tests/roots/x/index.rst']);
  });
  it('turns Django test paths into dotted modules', () => {
    const patch = [diff('tests/a/b/test_c.py'), diff('django/tests_helper.py'), diff('tests/templates/x.html')].join('');
    expect(testDirectives({ repo: 'django/django', test_patch: patch })).toEqual(['a.b.test_c', 'django.tests_helper', 'templates.x.html']);
  });
});

describe('modifiedFiles', () => {
  it('lists modified and deleted files, not new ones, in patch order', () => {
    const deleted = 'diff --git a/t/old.py b/t/old.py\ndeleted file mode 100644\n--- a/t/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n';
    const renamed = 'diff --git a/t/r1.py b/t/r2.py\nsimilarity index 100%\nrename from t/r1.py\nrename to t/r2.py\n';
    expect(modifiedFiles(diff('t/a.py') + newFile('t/new.py') + deleted + renamed + diff('t/b.py'))).toEqual(['t/a.py', 't/old.py', 't/r1.py', 't/b.py']);
  });
  it('skips hunk bodies by their counts, so a removed "-- " line is not a file header', () => {
    const body = '@@ -1,3 +1,2 @@\n keep\n--- a/not/a/file.py\n+++ b/neither.py\n-gone\n';
    expect(modifiedFiles(diff('t/a.py', body) + diff('t/b.py'))).toEqual(['t/a.py', 't/b.py']);
  });
  it('reads plain (non-git) unified diffs', () => {
    expect(modifiedFiles('--- a/x.py\t2020-01-01\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n')).toEqual(['x.py']);
  });
});

describe('repo spec table', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-specs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('loads the built-in table from the package configs/ folder', () => {
    expect(fileURLToPath(BUILTIN_REPO_SPECS_URL)).toBe(path.join(REPO_ROOT, 'configs', 'repo-specs.yaml'));
    expect(Object.keys(loadRepoSpecs()).sort()).toHaveLength(12);
  });

  it('merges a user file: repo fields apply to every version, user overrides win, new repos need parser and test_cmd', () => {
    const specs = loadRepoSpecs(
      file(
        'ok.yaml',
        [
          'django/django:',
          '  test_cmd: ./runtests.sh',
          '  overrides:',
          '    - versions: [3.0]', // unquoted: still the string "3.0"
          '      test_cmd: ./runtests-30.sh',
          'acme/widgets:',
          '  parser: parse_log_pytest',
          '  test_cmd: pytest -q',
        ].join('\n'),
      ),
    );
    expect(resolveRepoSpec(specs, 'django/django', '1.9').test_cmd).toBe('./runtests.sh');
    expect(resolveRepoSpec(specs, 'django/django', '1.9').install).toBe('python setup.py install');
    expect(resolveRepoSpec(specs, 'django/django', '3.0').test_cmd).toBe('./runtests-30.sh');
    expect(resolveRepoSpec(specs, 'acme/widgets', '1.0')).toEqual({ parser: 'parse_log_pytest', test_cmd: 'pytest -q', install: undefined, eval_commands: [] });
    expect(resolveRepoSpec(loadRepoSpecs(), 'django/django', '1.9').test_cmd).toBe('./tests/runtests.py --verbosity 2');
  });

  it.each([
    ['new repo without test_cmd', 'acme/widgets:\n  parser: parse_log_pytest\n', /acme\/widgets: a new repository needs both "parser" and "test_cmd"/],
    ['unknown parser', 'django/django:\n  parser: parse_log_nope\n', /django\/django\.parser: must be one of: parse_log_pytest/],
    ['unknown field', 'django/django:\n  overrides:\n    - versions: ["1.9"]\n      tset_cmd: x\n', /django\/django\.overrides\[0\]/],
    ['empty versions', 'django/django:\n  overrides:\n    - versions: []\n', /overrides\[0\]\.versions: lists at least one version/],
    ['bad repo key', 'django:\n  test_cmd: x\n', /owner\/name/],
    ['broken YAML', 'django/django: [unclosed\n', /invalid YAML/],
  ])('rejects a %s with the file, the path and a hint', (_name, text, message) => {
    const p = file('bad.yaml', text);
    let err: unknown;
    try {
      loadRepoSpecs(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(p);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).hint).toBeTruthy();
  });

  it('reports a missing file', () => {
    expect(() => loadRepoSpecs(path.join(dir, 'absent.yaml'))).toThrow(/cannot read repo spec file/);
  });
});
