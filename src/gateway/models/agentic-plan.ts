// The agentic model's plan for one session: which steps it takes (explore, maybe pause with a text-only message,
// edit, run the tests, review, answer) and what it says on each, decided up front from the task, the advertised
// tools and seeded draws, so that the step to answer is just "how many of my turns does the conversation hold".
import type { Task } from '../../dataset/types.js';
import { modifiedFiles } from '../../eval/eval-script.js';
import { findRoleTool, type RoleTool } from './agent-tools.js';
import { parseDiff, wrongPatchFor, type DiffFile } from './diff.js';
import { findShellTool, type ShellTool } from './shell-tool.js';
import type { ChatTool } from '../protocols/types.js';
import type { AgenticOptions } from './types.js';

/** One tool use the model makes while exploring. */
export type Action =
  | { kind: 'list' }
  | { kind: 'history' }
  | { kind: 'grep'; pattern: string }
  | { kind: 'read'; path: string; binary: boolean }
  | { kind: 'log'; path: string }
  | { kind: 'ls'; path: string }
  | { kind: 'repl-start'; path: string }
  | { kind: 'repl-type'; path: string };

/** One assistant turn of the plan. */
export type Step =
  | { kind: 'explore'; actions: Action[] }
  | { kind: 'text' }
  | { kind: 'edit' }
  | { kind: 'test' }
  | { kind: 'review' }
  | { kind: 'final' };

/** The tools the harness advertises, by role. */
export interface Capabilities {
  shell?: ShellTool;
  read?: RoleTool<'read'>;
  grep?: RoleTool<'grep'>;
  glob?: RoleTool<'glob'>;
  list?: RoleTool<'list'>;
  edit?: RoleTool<'edit'>;
  patch?: RoleTool<'patch'>;
  stdin?: RoleTool<'stdin'>;
  /** Several tool calls in one message (unless the request says `parallel_tool_calls: false`). */
  parallel: boolean;
  /** The shell tool can keep an interactive session open (codex exec_command `tty`) and write_stdin types into it. */
  repl: boolean;
}

/** Resolved knobs (defaults applied). */
export type AgenticKnobs = Required<Omit<AgenticOptions, 'seed'>>;

/** Defaults of the agentic knobs: every correct harness integration resolves every task with these. */
export const AGENTIC_DEFAULTS: AgenticKnobs = { turns: 8, textRate: 0, wrongPatchRate: 0, reasoningChars: 600, outputChars: 160 };

export interface Plan {
  steps: Step[];
  /** The patch the model means to make: the gold patch, or a wrong one. */
  patch: string;
  wrong: boolean;
  files: DiffFile[];
  identifiers: string[];
}

/** Which roles the advertised tools can play, and whether calls may go several to a message. */
export function capabilitiesOf(tools: ChatTool[] | undefined, parallelToolCalls: unknown): Capabilities {
  const shell = findShellTool(tools);
  const stdin = findRoleTool(tools, 'stdin');
  const shellProps = (shell?.schema.properties ?? {}) as Record<string, unknown>;
  return {
    shell,
    read: findRoleTool(tools, 'read'),
    grep: findRoleTool(tools, 'grep'),
    glob: findRoleTool(tools, 'glob'),
    list: findRoleTool(tools, 'list'),
    edit: findRoleTool(tools, 'edit'),
    patch: findRoleTool(tools, 'patch'),
    stdin,
    parallel: parallelToolCalls !== false,
    repl: !!stdin && 'tty' in shellProps,
  };
}

const STOP_WORDS = new Set(
  'and assert async await break class continue def del elif else except false finally for from global if import in is lambda none nonlocal not or pass print raise return self true try while with yield the this that should instead returns return value values error errors when which would could'.split(' '),
);

/** Identifiers worth grepping for: call-like names in code spans, the functions the patch touches, other code words. */
export function identifiersOf(task: Task, files: DiffFile[]): string[] {
  const found: string[] = [];
  const push = (id: string) => {
    if (id.length >= 3 && !STOP_WORDS.has(id.toLowerCase()) && !/^\d/.test(id) && !found.includes(id)) found.push(id);
  };
  const spans = [...task.problem_statement.matchAll(/`([^`\n]{1,120})`/g)].map((m) => m[1]!);
  for (const s of spans) for (const m of s.matchAll(/([A-Za-z_]\w*)\s*\(/g)) push(m[1]!);
  for (const m of task.problem_statement.matchAll(/\b([A-Za-z_]\w*)\(/g)) push(m[1]!);
  for (const f of files) for (const h of f.hunks) {
    const m = /(?:def|class|function|func|fn|sub|struct|interface)\s+([A-Za-z_]\w*)/.exec(h.section);
    if (m) push(m[1]!);
  }
  for (const s of spans) for (const m of s.matchAll(/[A-Za-z_]\w*/g)) push(m[0]);
  for (const m of task.problem_statement.matchAll(/\b([A-Za-z_]\w*(?:_\w+|[a-z][A-Z]\w*))\b/g)) push(m[1]!);
  if (found.length === 0) for (const f of files) push(f.path.split('/').pop()!.replace(/\..*$/, ''));
  return found;
}

interface Unit {
  steps: Action[][];
  mandatory: boolean;
}

/** Every exploration step the model would like to take, in order; reading the files to edit is mandatory (edit tools insist). */
function explorationUnits(task: Task, caps: Capabilities, files: DiffFile[], ids: string[]): { units: Unit[]; fillers: Action[][] } {
  const targets = files.filter((f) => f.kind !== 'add').map((f) => ({ path: f.path, binary: f.binary }));
  const tests = modifiedFiles(task.test_patch).filter((p) => p !== '/dev/null');
  const units: Unit[] = [];
  const one = (actions: Action[], mandatory = false): Unit => ({ steps: [actions], mandatory });
  const bundle = (actions: Action[], mandatory = false): Unit[] =>
    actions.length === 0 ? [] : caps.parallel ? [one(actions, mandatory)] : actions.map((a) => one([a], mandatory));

  units.push(...bundle([{ kind: 'list' }, { kind: 'history' }]));
  const greps: Action[] = ids.slice(0, 3).map((pattern) => ({ kind: 'grep', pattern }));
  if (greps[0]) units.push(one([greps[0]]));
  units.push(...bundle(targets.map((t) => ({ kind: 'read', ...t }) as Action), true));
  if (caps.repl && targets[0]) units.push({ steps: [[{ kind: 'repl-start', path: targets[0].path }], [{ kind: 'repl-type', path: targets[0].path }]], mandatory: false });
  units.push(...bundle(greps.slice(1)));
  if (tests.length > 0) units.push(...bundle(tests.slice(0, 2).map((path) => ({ kind: 'read', path, binary: false }) as Action)));

  const fillers: Action[][] = [];
  for (const t of targets) fillers.push([{ kind: 'log', path: t.path }]);
  for (const dir of new Set(targets.map((t) => t.path.split('/').slice(0, -1).join('/') || '.'))) fillers.push([{ kind: 'ls', path: dir }]);
  for (const id of ids.slice(3)) fillers.push([{ kind: 'grep', pattern: id }]);
  for (const t of targets) if (!t.binary) fillers.push([{ kind: 'read', ...t }]);
  fillers.push([{ kind: 'history' }]);
  return { units, fillers };
}

/** Exactly `turns` exploration steps where possible: the mandatory ones, then as many others as fit, then fillers. */
function explorationSteps(units: Unit[], fillers: Action[][], turns: number): Action[][] {
  const steps: Action[][] = [];
  let mandatoryLeft = units.filter((u) => u.mandatory).reduce((n, u) => n + u.steps.length, 0);
  for (const u of units) {
    if (u.mandatory) mandatoryLeft -= u.steps.length;
    if (u.mandatory || steps.length + u.steps.length + mandatoryLeft <= turns) steps.push(...u.steps);
  }
  for (let i = 0; steps.length < turns; i++) steps.push(fillers[i % fillers.length]!);
  return steps;
}

/** Builds the session's plan. `rand(label, i)` is the seeded uniform draw in [0, 1). */
export function buildPlan(task: Task, caps: Capabilities, knobs: AgenticKnobs, rand: (label: string, i: number) => number): Plan {
  const gold = parseDiff(task.patch);
  const ids = identifiersOf(task, gold);
  const wrong = rand('wrong-patch', 0) < knobs.wrongPatchRate;
  const patch = wrong ? wrongPatchFor(gold, `TODO: revisit ${ids[0] ?? 'this'} (see the issue report)`) : task.patch;
  const { units, fillers } = explorationUnits(task, caps, gold, ids);
  const steps: Step[] = [];
  explorationSteps(units, fillers, Math.max(1, knobs.turns)).forEach((actions, i) => {
    if (i > 0 && rand('text-only', i) < knobs.textRate) steps.push({ kind: 'text' });
    steps.push({ kind: 'explore', actions });
  });
  steps.push({ kind: 'edit' }, { kind: 'test' }, { kind: 'review' }, { kind: 'final' });
  return { steps, patch, wrong, files: parseDiff(patch), identifiers: ids };
}
