// Shell scripts the agentic model runs through the harness's shell tool: the repository overview, the task's
// FAIL_TO_PASS tests (the way the evaluation runs them: test patch applied, then reverted so it never ends up in
// the agent's diff), and the interactive reproduction. All POSIX sh, all quoting-safe (payloads go as base64).
import type { Task } from '../../dataset/types.js';
import { END_TEST_OUTPUT, START_TEST_OUTPUT } from '../../eval/constants.js';
import { builtinRepoSpecs, resolveRepoSpec, testDirectives } from '../../eval/eval-script.js';

/** Where the test run writes the task's test patch while the tests run. */
export const TEST_PATCH_FILE = '/tmp/swebench_agentic_tests.patch';

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Activates the SWE-bench `testbed` conda env when the image has one (silently a no-op elsewhere). */
const ACTIVATE = 'if [ -f /opt/miniconda3/bin/activate ]; then . /opt/miniconda3/bin/activate >/dev/null 2>&1 && conda activate testbed >/dev/null 2>&1; fi';

/**
 * The command that runs the task's tests: the lines between the test-output markers of the row's eval_script,
 * else the repo spec table's test command with the test files as directives, else pytest on the FAIL_TO_PASS ids.
 */
export function testCommandFor(task: Task): string {
  if (task.eval_script) {
    const lines = task.eval_script.split('\n');
    const start = lines.findIndex((l) => l.includes(START_TEST_OUTPUT));
    const end = lines.findIndex((l, i) => i > start && l.includes(END_TEST_OUTPUT));
    if (start >= 0 && end > start + 1) return lines.slice(start + 1, end).join('\n');
  }
  try {
    const spec = resolveRepoSpec(builtinRepoSpecs(), task.repo, task.version, task.instance_id);
    return [spec.test_cmd, ...testDirectives(task)].join(' ');
  } catch {
    const ids = task.FAIL_TO_PASS.filter((t) => t.includes('::'));
    return ['python -m pytest -q', ...ids.map(shellQuote)].join(' ');
  }
}

/**
 * Runs the FAIL_TO_PASS tests in `workdir` with the test patch applied, reverts the test patch whatever happens,
 * prints the last `tailLines` lines of the output and the exit status. `before` runs first (e.g. a fallback apply).
 */
export function testRunScript(task: Task, workdir: string, opts: { before?: string; tailLines?: number } = {}): string {
  const out = '/tmp/swebench_agentic_tests.log';
  const tail = opts.tailLines ?? 120;
  const parts = [`cd ${shellQuote(workdir)}`];
  if (opts.before) parts.push(`{ ${opts.before}; }`, `cd ${shellQuote(workdir)}`);
  parts.push(ACTIVATE, 'export PYTHONDONTWRITEBYTECODE=1', 'applied=0');
  if (task.test_patch.trim()) {
    const b64 = Buffer.from(task.test_patch, 'utf8').toString('base64');
    parts.push(`echo '${b64}' | base64 -d > ${TEST_PATCH_FILE}`, `if git apply ${TEST_PATCH_FILE}; then applied=1; fi`);
  }
  parts.push(
    `( ${testCommandFor(task)}\n) > ${out} 2>&1`,
    'status=$?',
    `if [ "$applied" = 1 ]; then git apply -R ${TEST_PATCH_FILE}; fi`,
    `tail -n ${tail} ${out}`,
    'echo "tests exited with status $status"',
  );
  return parts.join('\n');
}

/** A module name to import for a repository path (`src/pkg/mod.py` → `pkg.mod`), or undefined for non-Python files. */
export function pythonModuleOf(file: string): string | undefined {
  if (!file.endsWith('.py')) return undefined;
  const parts = file.slice(0, -3).split('/').filter(Boolean);
  if (parts[0] === 'src' || parts[0] === 'lib') parts.shift();
  if (parts.at(-1) === '__init__') parts.pop();
  return parts.length > 0 && parts.every((p) => /^[A-Za-z_]\w*$/.test(p)) ? parts.join('.') : undefined;
}

/** What the agent types into an interactive Python session to look at the module it is about to change. */
export function replInput(file: string): string {
  const mod = pythonModuleOf(file);
  const lines = mod
    ? [`import ${mod} as m`, `print(m.__file__)`, `print(sorted(n for n in dir(m) if not n.startswith('_')))`]
    : ['import sys', 'print(sys.version)'];
  return [...lines, 'exit()', ''].join('\n');
}

/** The same inspection as a one-shot command, for when no interactive session is running. */
export function replFallbackScript(file: string, workdir: string): string {
  const code = replInput(file).replace(/\nexit\(\)\n$/, '\n');
  const b64 = Buffer.from(code, 'utf8').toString('base64');
  return `cd ${shellQuote(workdir)} && ${ACTIVATE}; echo '${b64}' | base64 -d | python - 2>&1 | tail -n 40`;
}

/** Starts an interactive Python session in the repository (codex's exec_command keeps it open as a session). */
export function replStartCommand(workdir: string): string {
  return `cd ${shellQuote(workdir)} && ${ACTIVATE}; exec "$(command -v python || command -v python3)" -q -i`;
}
