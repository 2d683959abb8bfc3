// The agentic model: works a task the way an agentic LLM does — reasoning on every turn, several exploration
// steps with the harness's own read/search tools (parallel calls where allowed, whole files read), optionally a
// text-only message, the edit through the harness's edit tool (the gold patch, or at a configured rate a wrong one),
// the FAIL_TO_PASS tests through the shell tool, a review, and a final answer. The step to answer is read from the
// conversation: the number of its own turns, or — after the harness compacted its context — the progress its
// summary states and the step tags of its tool-call ids. Seeded draws depend on (seed, session, task).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Task } from '../../dataset/types.js';
import type { ChatMessage } from '../protocols/types.js';
import { roleArguments } from './agent-tools.js';
import { AGENTIC_DEFAULTS, buildPlan, capabilitiesOf, type Action, type AgenticKnobs, type Capabilities, type Plan, type Step } from './agentic-plan.js';
import { replFallbackScript, replInput, replStartCommand, shellQuote, testRunScript } from './agentic-scripts.js';
import { fitLength, stepWords } from './agentic-text.js';
import { editableByReplace, expressibleAsApplyPatch, hunkTexts, toApplyPatch } from './diff.js';
import { contentText, stableId } from './messages.js';
import { DEFAULT_ORACLE_WORKDIR, goldPatchScript, taskForRequest } from './oracle.js';
import { buildShellArguments, SHELL_TOOL_NAMES } from './shell-tool.js';
import type { AgenticOptions, ModelPolicy, ModelReply, ModelServerOptions, PolicyRequest } from './types.js';

/** One assistant turn found in the conversation, with the tool results that answer it. */
interface Turn {
  message: ChatMessage;
  results: string[];
  /** A user message came after it (the user answered: e.g. a "continue" after a text-only pause). */
  answered: boolean;
}

type Call = { name: string; args: Record<string, unknown> };

/** How the edit is made: the harness's patch tool, its string-replace edit tool, codex's apply_patch in the shell, or a patch script. */
type EditRoute = 'patch-tool' | 'edit-tool' | 'apply-patch-shell' | 'patch-script';

/** Delimiter of the apply_patch heredoc (never a line of a patch). */
const HEREDOC = 'SWEBENCH_AGENTIC_PATCH';
/** Consecutive polls of a running command before the model moves on anyway. */
const MAX_POLLS = 10;

/** What the model writes into a compaction summary, and reads back from the summarised conversation. */
const PROGRESS_RE = /agentic-progress: (\d+) steps? done/g;
/** Its tool-call ids end in the plan step they belong to (`…_p7`), which survives a compaction that keeps them. */
const STEP_TAG_RE = /_p(\d+)$/;

/** Steps done according to the summaries and the step-tagged tool calls in the conversation. */
function progressOf(messages: ChatMessage[]): number {
  let done = 0;
  for (const m of messages) {
    for (const x of contentText(m.content).matchAll(PROGRESS_RE)) done = Math.max(done, Number(x[1]));
    for (const c of m.tool_calls ?? []) {
      const tag = STEP_TAG_RE.exec(c.id ?? '');
      if (tag) done = Math.max(done, Number(tag[1]) + 1);
    }
  }
  return done;
}

/** Uniform [0, 1) from SHA-256 of the parts: the stateless seeded PRNG (as chaos does it). */
export function agenticRandom(...parts: Array<string | number>): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}

/** Validated knobs with defaults applied; throws on values out of range. */
export function agenticKnobs(opts: AgenticOptions = {}): AgenticKnobs {
  const k = { ...AGENTIC_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([key, v]) => key !== 'seed' && v !== undefined)) } as AgenticKnobs;
  for (const key of ['textRate', 'wrongPatchRate'] as const) {
    if (!(k[key] >= 0 && k[key] <= 1)) throw new RangeError(`agentic ${key} must be between 0 and 1, got ${String(k[key])}`);
  }
  for (const key of ['turns', 'reasoningChars', 'outputChars'] as const) {
    if (!Number.isInteger(k[key]) || k[key] < 0) throw new RangeError(`agentic ${key} must be a whole number ≥ 0, got ${String(k[key])}`);
  }
  return k;
}

/** Our turns: every assistant message and the tool messages right after it. */
function turnsOf(messages: ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'assistant') turns.push({ message: m, results: [], answered: false });
    else if (m.role === 'tool' && turns.length > 0) turns.at(-1)!.results.push(contentText(m.content));
    else if (m.role === 'user' && turns.length > 0) turns.at(-1)!.answered = true;
  }
  return turns;
}

function argsOf(call: { function: { arguments: string } }): Record<string, unknown> {
  try {
    const v = JSON.parse(call.function.arguments) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A poll: only write_stdin calls with nothing to type (it waits for a running command's output). */
function isPoll(turn: Turn): boolean {
  const calls = turn.message.tool_calls ?? [];
  return calls.length > 0 && calls.every((c) => c.function.name === 'write_stdin' && !argsOf(c).chars);
}

const RUNNING = /Process running with session ID (\d+)/;
const APPLIED = /success|has been updated|updated the following|applied|modified|replaced|edited/i;
const EDIT_FAILED = /\berror\b|failed|not found|no match|could not|exited with code [1-9]|must read|has not been read|not unique|multiple (matches|occurrences)|found \d+ matches/i;

function looksApplied(result: string): boolean {
  const head = result.slice(0, 400);
  return APPLIED.test(head) && !EDIT_FAILED.test(head);
}

function editRoute(plan: Plan, caps: Capabilities): EditRoute {
  if (caps.patch && expressibleAsApplyPatch(plan.files)) return 'patch-tool';
  if (caps.edit && editableByReplace(plan.files) && (plan.files.length === 1 || caps.parallel)) return 'edit-tool';
  if (caps.repl && expressibleAsApplyPatch(plan.files)) return 'apply-patch-shell';
  return 'patch-script';
}

/** The agentic policy over the given tasks. */
export function createAgenticPolicy(opts: Pick<ModelServerOptions, 'tasks' | 'oracleWorkdir' | 'agentic'>): ModelPolicy {
  const tasks = new Map<string, Task>((opts.tasks ?? []).map((t) => [t.instance_id, t]));
  const workdir = opts.oracleWorkdir ?? DEFAULT_ORACLE_WORKDIR;
  const knobs = agenticKnobs(opts.agentic);
  const seed = opts.agentic?.seed ?? 0;
  // The highest step answered per session: a summariser that gets the conversation flattened into text (opencode)
  // loses the step tags, and the summary must still say how far the work got.
  const answered = new Map<string, number>();

  return {
    respond(req) {
      const { body } = req;
      if (req.kind === 'compaction') {
        const done = Math.max(progressOf(body.messages), answered.get(req.sessionKey) ?? 0);
        return { reply: { content: compactionSummary(req.instanceId ?? 'the task', done), finish_reason: 'stop' } };
      }
      if (!Array.isArray(body.tools) || body.tools.length === 0) {
        return { reply: { content: `Working on ${req.instanceId ?? 'the task'}: exploring the code, then fixing it.`, finish_reason: 'stop' } };
      }
      const task = taskForRequest(req, tasks, 'agentic');
      const caps = capabilitiesOf(body.tools, body.parallel_tool_calls);
      if (!caps.shell) {
        return { reply: { content: `agentic: no shell tool among the advertised tools (looked for ${SHELL_TOOL_NAMES.join(', ')}); I cannot work on ${task.instance_id}.`, finish_reason: 'stop' } };
      }
      const rand = (label: string, i: number) => agenticRandom(seed, req.sessionKey, task.instance_id, label, i);
      const plan = buildPlan(task, caps, knobs, rand);
      const session = new Session(task, plan, caps, knobs, workdir, req, rand);
      const reply = session.reply();
      answered.set(req.sessionKey, Math.max(answered.get(req.sessionKey) ?? 0, session.position + 1));
      return { reply };
    },
  };
}

/** The summary a compaction gets: in the tags the CLIs ask for (analysis/summary, qwen's state_snapshot), with the progress. */
function compactionSummary(instanceId: string, done: number): string {
  const progress = `agentic-progress: ${done} steps done`;
  return (
    `<analysis>Working on ${instanceId}; ${progress}.</analysis>\n` +
    `<summary>Working on ${instanceId}. ${progress}; continue with the next step of the plan.</summary>\n` +
    `<state_snapshot><current_plan>${progress}</current_plan></state_snapshot>`
  );
}

/** One request's view of the session: the plan, where the conversation is in it, and how to say the next step. */
class Session {
  private readonly turns: Turn[];
  private readonly counted: Turn[];
  /** The plan's steps as this conversation goes: once the user answered a text-only pause, no further pauses. */
  private readonly steps: Step[];
  /** Plan steps done before the first turn the conversation still holds (> 0 after a compaction). */
  private readonly offset: number;
  /** The step this request answers. */
  readonly position: number;

  constructor(
    private readonly task: Task,
    private readonly plan: Plan,
    private readonly caps: Capabilities,
    private readonly knobs: AgenticKnobs,
    private readonly workdir: string,
    private readonly req: PolicyRequest,
    private readonly rand: (label: string, i: number) => number,
  ) {
    this.turns = turnsOf(req.body.messages);
    this.counted = this.turns.filter((t) => !isPoll(t));
    this.position = Math.max(this.counted.length, progressOf(req.body.messages));
    this.offset = this.position - this.counted.length;
    // An LLM told to keep going (a nudge, or the harness's own "continue") works on without pausing again.
    const told = this.counted.findIndex((t) => t.answered && !(t.message.tool_calls?.length));
    const keep = this.offset + told + 1;
    this.steps = told < 0 ? plan.steps : [...plan.steps.slice(0, keep), ...plan.steps.slice(keep).filter((s) => s.kind !== 'text')];
  }

  /** The turn that took plan step `i`: by its step tag, else by position (undefined once compacted away). */
  private turnOfStep(i: number): Turn | undefined {
    return this.counted.find((t) => (t.message.tool_calls ?? []).some((c) => STEP_TAG_RE.exec(c.id ?? '')?.[1] === String(i))) ?? this.counted[i - this.offset];
  }

  reply(): ModelReply {
    const position = this.position;
    const poll = this.pollCall();
    if (poll) return this.say({ kind: 'test' }, position, [poll], 'The command is still running; let me wait for its output.');
    const step = this.steps[position] ?? { kind: 'final' };
    switch (step.kind) {
      case 'explore':
        return this.say(step, position, step.actions.map((a) => this.actionCall(a, position)));
      case 'text':
        return this.say(step, position, []);
      case 'edit':
        return this.say(step, position, this.editCalls());
      case 'test':
        return this.say(step, position, [this.testCall()]);
      case 'review':
        return this.say(step, position, [this.shell('git status --short && git diff --stat && git diff | head -n 200', 'Review the diff')]);
      case 'final':
        return this.final(position);
    }
  }

  /** write_stdin with nothing to type while the last command still runs (not after starting the REPL: typing comes next). */
  private pollCall(): Call | undefined {
    const stdin = this.caps.stdin;
    const last = this.turns.at(-1);
    if (!stdin || !last) return undefined;
    const session = last.results.map((r) => RUNNING.exec(r)?.[1]).find(Boolean);
    if (!session) return undefined;
    const lastStep = isPoll(last) ? undefined : this.steps[this.position - 1];
    if (lastStep?.kind === 'explore' && lastStep.actions.some((a) => a.kind === 'repl-start')) return undefined;
    let polls = 0;
    for (let i = this.turns.length - 1; i >= 0 && isPoll(this.turns[i]!); i--) polls++;
    if (polls >= MAX_POLLS) return undefined;
    return { name: stdin.name, args: this.withExtras(roleArguments(stdin, { session: Number(session), chars: '' }, this.fill('Wait for output')), stdin.schema, { yield_time_ms: 30_000 }) };
  }

  private fill(description: string) {
    return { workdir: this.workdir, description };
  }

  /** Sets optional properties the schema has (e.g. codex's `tty`, `yield_time_ms`), leaves the others out. */
  private withExtras(args: Record<string, unknown>, schema: Record<string, unknown>, extras: Record<string, unknown>): Record<string, unknown> {
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(extras)) if (k in props) args[k] = v;
    return args;
  }

  private shell(script: string, description: string, extras: Record<string, unknown> = {}): Call {
    const shell = this.caps.shell!;
    const args = buildShellArguments(shell, `cd ${shellQuote(this.workdir)} && ${script}`, this.fill(description));
    return { name: shell.name, args: this.withExtras(args, shell.schema, extras) };
  }

  private abs(file: string): string {
    return path.posix.join(this.workdir, file);
  }

  private actionCall(a: Action, position: number): Call {
    const { caps } = this;
    switch (a.kind) {
      case 'list': {
        if (caps.list) return { name: caps.list.name, args: roleArguments(caps.list, { path: this.workdir }, this.fill('List the repository')) };
        const ext = path.posix.extname(this.plan.files[0]?.path ?? '') || '.py';
        if (caps.glob) return { name: caps.glob.name, args: roleArguments(caps.glob, { pattern: `**/*${ext}`, path: this.workdir }, this.fill('Find source files')) };
        return this.shell('git ls-files | head -n 300', 'List the repository files');
      }
      case 'history':
        return this.shell('git log --oneline -n 5 && git status --short', 'Show recent commits and the working tree');
      case 'grep':
        if (caps.grep) return { name: caps.grep.name, args: roleArguments(caps.grep, { pattern: a.pattern, path: this.workdir }, this.fill(`Search for ${a.pattern}`)) };
        return this.shell(`grep -rnI --exclude-dir=.git -e ${shellQuote(a.pattern)} . | head -n 80`, `Search for ${a.pattern}`);
      case 'read':
        if (a.binary) return this.shell(`od -A d -t x1 ${shellQuote(a.path)} | head -n 40`, `Dump ${a.path}`);
        if (caps.read) return { name: caps.read.name, args: roleArguments(caps.read, { path: this.abs(a.path) }, this.fill(`Read ${a.path}`)) };
        return this.shell(`cat -n ${shellQuote(a.path)}`, `Read ${a.path}`);
      case 'log':
        return this.shell(`git log -n 3 --stat --format='%h %an %s' -- ${shellQuote(a.path)}`, `History of ${a.path}`);
      case 'ls':
        if (caps.list) return { name: caps.list.name, args: roleArguments(caps.list, { path: this.abs(a.path) }, this.fill(`List ${a.path}`)) };
        return this.shell(`ls -la ${shellQuote(a.path)}`, `List ${a.path}`);
      case 'repl-start': {
        const args = buildShellArguments(caps.shell!, replStartCommand(this.workdir), this.fill('Start a Python session'));
        return { name: caps.shell!.name, args: this.withExtras(args, caps.shell!.schema, { tty: true, yield_time_ms: 2000 }) };
      }
      case 'repl-type': {
        const started = this.counted[position - 1]?.results.map((r) => RUNNING.exec(r)?.[1]).find(Boolean);
        if (!started || !caps.stdin) return this.shell(replFallbackScript(a.path, this.workdir), `Inspect ${a.path}`);
        const args = roleArguments(caps.stdin, { session: Number(started), chars: replInput(a.path) }, this.fill(`Inspect ${a.path}`));
        return { name: caps.stdin.name, args: this.withExtras(args, caps.stdin.schema, { yield_time_ms: 3000 }) };
      }
    }
  }

  private editCalls(): Call[] {
    const { caps, plan } = this;
    switch (editRoute(plan, caps)) {
      case 'patch-tool':
        return [{ name: caps.patch!.name, args: roleArguments(caps.patch!, { input: toApplyPatch(plan.files) }, this.fill('Edit the code')) }];
      case 'edit-tool':
        return plan.files.map((f) => {
          const { oldText, newText } = hunkTexts(f.hunks[0]!);
          return { name: caps.edit!.name, args: roleArguments(caps.edit!, { path: this.abs(f.path), old: oldText, new: newText }, this.fill(`Edit ${f.path}`)) };
        });
      case 'apply-patch-shell':
        return [this.shell(`apply_patch <<'${HEREDOC}'\n${toApplyPatch(plan.files)}\n${HEREDOC}`, 'Edit the code')];
      case 'patch-script':
        return [this.patchScriptCall()];
    }
  }

  private patchScriptCall(): Call {
    const shell = this.caps.shell!;
    return { name: shell.name, args: buildShellArguments(shell, goldPatchScript(this.plan.patch, this.workdir), this.fill('Apply the change as a patch')) };
  }

  /** True when the edit went through a tool and a result says it did not land. */
  private editFailed(): boolean {
    const route = editRoute(this.plan, this.caps);
    if (route === 'patch-script') return false;
    const turn = this.turnOfStep(this.steps.findIndex((s) => s.kind === 'edit'));
    if (!turn) return true;
    const calls = turn.message.tool_calls?.length ?? 0;
    return turn.results.length < calls || turn.results.some((r) => !looksApplied(r));
  }

  private testCall(): Call {
    const before = this.editFailed() ? goldPatchScript(this.plan.patch, this.workdir) : undefined;
    const script = testRunScript(this.task, this.workdir, { before });
    const shell = this.caps.shell!;
    const args = buildShellArguments(shell, script, this.fill(before ? 'Re-apply the change as a patch and run the tests' : 'Run the tests'));
    return { name: shell.name, args: this.withExtras(args, shell.schema, { yield_time_ms: 30_000 }) };
  }

  private say(step: Step, position: number, calls: Call[], extraReasoning?: string): ModelReply {
    const title = this.task.problem_statement.trim().split('\n')[0]!.slice(0, 120);
    const words = stepWords(step, this.plan, title);
    const u = this.rand('say', position);
    const reasoning = fitLength(extraReasoning ?? words.reasoning, this.knobs.reasoningChars, u);
    const content = extraReasoning ? '' : fitLength(words.content, this.knobs.outputChars, this.rand('out', position));
    const reply: ModelReply = { content, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' };
    if (reasoning) reply.reasoning = reasoning;
    if (calls.length > 0) {
      const polls = this.turns.length - this.counted.length;
      // A poll (the only reply with extra reasoning) waits within the previous step: it takes no step tag.
      const tag = extraReasoning === undefined ? `_p${position}` : '';
      reply.tool_calls = calls.map((c, i) => ({
        id: `call_${stableId('agentic', this.req.sessionKey, this.task.instance_id, position, polls, i, c.name)}${tag}`,
        name: c.name,
        arguments: JSON.stringify(c.args),
      }));
    }
    return reply;
  }

  private final(position: number): ModelReply {
    const testTurn = this.turnOfStep(this.steps.findIndex((s) => s.kind === 'test'));
    const output = (testTurn?.results ?? []).join('\n');
    const status = /tests exited with status (\d+)/.exec(output)?.[1];
    const summaryLine = output.split('\n').reverse().find((l) => /\b(passed|failed|error|OK|FAILED)\b/.test(l) && !l.startsWith('tests exited'));
    const files = this.plan.files.map((f) => f.path).join(', ');
    const what = this.plan.wrong ? `I left a note in ${files} where the problem seems to be` : `I fixed the issue with a change to ${files}`;
    const tests = status === undefined ? 'I could not read the test results.' : `The tests exited with status ${status}${summaryLine ? ` (${summaryLine.trim()})` : ''}.`;
    const base = `${what}. ${tests}`;
    const words = stepWords({ kind: 'final' }, this.plan, '');
    const reasoning = fitLength(words.reasoning, this.knobs.reasoningChars, this.rand('say', position));
    const reply: ModelReply = { content: fitLength(base, Math.max(this.knobs.outputChars, base.length), this.rand('out', position)), finish_reason: 'stop' };
    if (reasoning) reply.reasoning = reasoning;
    return reply;
  }
}
