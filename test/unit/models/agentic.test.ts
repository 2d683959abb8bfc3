// The agentic model over real HTTP with the official openai SDK, driven through whole sessions with the tool lists
// the real harness CLIs advertise (captured in fixtures/harness-tools.json): the test plays the harness, running
// shell calls with bash in a real git repo and read/grep/edit calls on its files, and checks the trajectory —
// reasoning on every turn, schema-valid calls of the harness's own tools, parallel calls, about a dozen
// completions, the gold patch in place at the end — plus determinism per seed and session, and every knob.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigLayerSchema } from '../../../src/config/submit-schema.js';
import { ConfigError } from '../../../src/errors.js';
import {
  AGENTIC_DEFAULTS,
  findShellTool,
  INSTANCE_HEADER,
  parseDiff,
  SESSION_HEADER,
  startModelServer,
  toApplyPatch,
  wrongPatchFor,
  type AgenticOptions,
  type ModelServer,
} from '../../../src/gateway/models/index.js';
import { collect, FIXED, makeRepo, makeTask, ORIGINAL, schemaProblems } from './helpers.js';

type Tool = OpenAI.Chat.Completions.ChatCompletionFunctionTool;
type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;
const HARNESS_TOOLS = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/harness-tools.json'), 'utf8')) as Record<string, Tool[]>;
const HARNESSES = ['opencode', 'codex', 'claude-code', 'qwen-code', 'openclaw'] as const;

const task = makeTask('demo__calc-1');
const repo = makeRepo();
const servers: ModelServer[] = [];

async function serve(agentic: AgenticOptions = {}): Promise<OpenAI> {
  const server = await startModelServer({ policy: 'agentic', tasks: [task], oracleWorkdir: repo.dir, agentic });
  servers.push(server);
  return new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  repo.cleanup();
});

function resetRepo(): void {
  execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: repo.dir });
  execFileSync('git', ['clean', '-qfd'], { cwd: repo.dir });
  expect(repo.read()).toBe(ORIGINAL);
}

/** Runs one tool call the way the harness would, against the real repo. */
function execute(harness: string, name: string, args: Record<string, unknown>): string {
  const file = String(args.filePath ?? args.file_path ?? args.path ?? '');
  switch (name) {
    case 'read':
    case 'Read':
    case 'read_file':
      return readFileSync(file, 'utf8').split('\n').map((l, i) => `${i + 1}: ${l}`).join('\n');
    case 'grep':
    case 'grep_search':
      return spawnSync('grep', ['-rnI', '--exclude-dir=.git', '-e', String(args.pattern), String(args.path ?? repo.dir)], { encoding: 'utf8' }).stdout || 'No matches found';
    case 'glob':
    case 'ls':
      return readdirSync(repo.dir).join('\n');
    case 'edit':
    case 'Edit': {
      const text = readFileSync(file, 'utf8');
      const old = String(args.oldString ?? args.old_string);
      if (text.split(old).length !== 2) return 'Error: oldString not found or not unique';
      writeFileSync(file, text.replace(old, () => String(args.newString ?? args.new_string)));
      return name === 'Edit' ? `The file ${file} has been updated successfully.` : 'Edit applied successfully.';
    }
    case 'apply_patch':
      return 'apply_patch verification failed: this test harness does not implement apply_patch';
    case 'write_stdin':
      return 'Chunk ID: 1\nWall time: 0.1 seconds\nProcess exited with code 0\nOutput:\n>>> done\n';
    default: {
      const command = String(args.command ?? args.cmd);
      if (args.tty === true) return 'Chunk ID: 1\nWall time: 2.0 seconds\nProcess running with session ID 42\nOutput:\n>>> ';
      const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
      const output = `${r.stdout}${r.stderr}`;
      return harness === 'codex' ? `Chunk ID: 1\nWall time: 0.1 seconds\nProcess exited with code ${r.status}\nOutput:\n${output}` : output;
    }
  }
}

interface Turn {
  content: string;
  reasoning: string;
  calls: Array<{ id: string; name: string; args: Record<string, unknown> }>;
  finish: string | null;
}

/** Plays a whole session: asks, runs the calls, sends the results back, until an answer without tool calls (or, with
 * `stopAtText: false`, says "Continue." after an intermediate text-only message, as a chat user would). */
async function session(
  client: OpenAI,
  harness: string,
  opts: { sessionId?: string; parallel?: boolean; stopAtText?: boolean; compactAfter?: number; summaries?: string[] } = {},
): Promise<Turn[]> {
  const tools = HARNESS_TOOLS[harness]!;
  const messages: Msg[] = [
    { role: 'system', content: `You are ${harness}.` },
    { role: 'user', content: task.problem_statement },
  ];
  const headers = { [INSTANCE_HEADER]: task.instance_id, [SESSION_HEADER]: opts.sessionId ?? `s-${harness}` };
  const turns: Turn[] = [];
  for (let i = 0; i < 40; i++) {
    if (i === opts.compactAfter) {
      // the harness summarises its context (the gateway tags the request), then goes on from the summary alone
      const ask: Msg[] = [...messages, { role: 'user', content: 'Your task is to create a detailed summary of the conversation so far.' }];
      const summary = await client.chat.completions.create({ model: 'm', messages: ask, tools }, { headers: { ...headers, 'x-swebench-kind': 'compaction' } });
      const text = summary.choices[0]!.message.content ?? '';
      opts.summaries?.push(text);
      messages.splice(2, messages.length - 2, { role: 'user', content: `Summary of the work so far:\n${text}` });
    }
    const body = { model: 'm', messages, tools, stream: true as const, ...(opts.parallel === false ? { parallel_tool_calls: false } : {}) };
    const got = await collect(await client.chat.completions.create(body, { headers }));
    const calls = got.toolCalls.map((c) => ({ id: c.id!, name: c.name!, args: JSON.parse(c.arguments) as Record<string, unknown> }));
    turns.push({ content: got.content, reasoning: got.reasoning, calls, finish: got.finishReason });
    messages.push({
      role: 'assistant',
      content: got.content,
      ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args) } })) } : {}),
      reasoning_content: got.reasoning,
    } as Msg);
    if (calls.length === 0) {
      if (opts.stopAtText !== false || !got.content.startsWith('So far:')) return turns;
      messages.push({ role: 'user', content: 'Continue.' });
      continue;
    }
    for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: execute(harness, c.name, c.args) });
  }
  throw new Error('the session did not end');
}

describe('agentic: whole sessions with each real harness tool list', () => {
  for (const harness of HARNESSES) {
    it(`${harness}: explores with its own tools, edits, tests, reviews and resolves in ${AGENTIC_DEFAULTS.turns + 4} completions`, async () => {
      resetRepo();
      const client = await serve({ seed: 1 });
      const turns = await session(client, harness);
      const tools = HARNESS_TOOLS[harness]!;
      const shell = findShellTool(tools)!.name;
      expect(turns).toHaveLength(AGENTIC_DEFAULTS.turns + 4);
      for (const t of turns) {
        expect(t.reasoning.length).toBeGreaterThan(AGENTIC_DEFAULTS.reasoningChars * 0.8);
        expect(t.reasoning.length).toBeLessThanOrEqual(AGENTIC_DEFAULTS.reasoningChars);
        for (const c of t.calls) {
          const tool = tools.find((x) => x.function.name === c.name);
          expect(tool, `${c.name} is advertised`).toBeDefined();
          expect(schemaProblems(c.args, tool!.function.parameters as Record<string, unknown>), c.name).toEqual([]);
        }
      }
      expect(turns.slice(0, -1).every((t) => t.finish === 'tool_calls' && t.calls.length > 0)).toBe(true);
      expect(turns.at(-1)!.calls).toEqual([]);
      expect(turns.at(-1)!.content).toMatch(/fixed the issue with a change to calc\.py/);
      expect(turns.some((t) => t.calls.length > 1), 'a parallel tool call').toBe(true);
      const nonShell = new Set(turns.flatMap((t) => t.calls.map((c) => c.name)).filter((n) => n !== shell));
      expect([...nonShell].length, 'own non-shell tools').toBeGreaterThan(0);
      if (harness === 'codex') expect([...nonShell]).toEqual(['write_stdin']);
      else expect(nonShell).toContain({ opencode: 'edit', 'claude-code': 'Edit', 'qwen-code': 'edit', openclaw: 'apply_patch' }[harness]);
      expect(repo.read()).toBe(FIXED);
      // The tests ran through the shell tool, after the edit.
      const testTurn = turns.at(-3)!;
      expect(testTurn.calls[0]!.name).toBe(shell);
      expect(JSON.stringify(testTurn.calls[0]!.args)).toContain('tests exited with status');
    });
  }

  it('codex: apply_patch in the shell failing here (no apply_patch binary) falls back to the patch before the tests', async () => {
    resetRepo();
    const turns = await session(await serve({ seed: 1 }), 'codex');
    const edit = turns.at(-4)!;
    expect(String(edit.calls[0]!.args.cmd)).toContain("apply_patch <<'SWEBENCH_AGENTIC_PATCH'\n*** Begin Patch\n*** Update File: calc.py");
    expect(String(turns.at(-3)!.calls[0]!.args.cmd)).toContain('base64 -d > /tmp/swebench_gold.patch');
    expect(repo.read()).toBe(FIXED);
  });

  it('codex with an apply_patch tool (its freeform tool, as the gateway offers it upstream): the edit goes there; an error falls back', async () => {
    resetRepo();
    const applyPatch: Tool = { type: 'function', function: { name: 'apply_patch', parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } } };
    HARNESS_TOOLS['codex+apply_patch'] = [...HARNESS_TOOLS.codex!, applyPatch];
    const turns = await session(await serve({ seed: 1 }), 'codex+apply_patch');
    const edit = turns.at(-4)!;
    expect(edit.calls).toEqual([{ id: expect.any(String), name: 'apply_patch', args: { input: expect.stringMatching(/^\*\*\* Begin Patch\n\*\*\* Update File: calc\.py\n@@/) } }]);
    expect(String(turns.at(-3)!.calls[0]!.args.cmd)).toContain('base64 -d > /tmp/swebench_gold.patch');
    expect(repo.read()).toBe(FIXED);
  });

  it('without parallel_tool_calls every message carries one call', async () => {
    resetRepo();
    const turns = await session(await serve(), 'opencode', { parallel: false });
    expect(turns.every((t) => t.calls.length <= 1)).toBe(true);
    expect(repo.read()).toBe(FIXED);
  });
});

describe('agentic: determinism and knobs', () => {
  it('the same seed and session give the same session; another session or seed a different one', async () => {
    const a = await serve({ seed: 5 });
    resetRepo();
    const first = await session(a, 'claude-code', { sessionId: 'x' });
    resetRepo();
    const again = await session(a, 'claude-code', { sessionId: 'x' });
    expect(again).toEqual(first);
    resetRepo();
    const other = await session(a, 'claude-code', { sessionId: 'y' });
    expect(other.map((t) => t.reasoning)).not.toEqual(first.map((t) => t.reasoning));
    resetRepo();
    const otherSeed = await session(await serve({ seed: 6 }), 'claude-code', { sessionId: 'x' });
    expect(otherSeed.map((t) => t.reasoning)).not.toEqual(first.map((t) => t.reasoning));
  });

  it('text_rate 1: a text-only message after the first exploration step; told to continue, it works on without pausing again', async () => {
    resetRepo();
    const client = await serve({ textRate: 1, turns: 3 });
    const ended = await session(client, 'qwen-code');
    expect(ended).toHaveLength(2);
    expect(ended[1]!.calls).toEqual([]);
    expect(ended[1]!.finish).toBe('stop');
    expect(ended[1]!.content).toMatch(/^So far:/);
    resetRepo();
    const continued = await session(client, 'qwen-code', { stopAtText: false });
    // 3 exploration steps, one pause (then "Continue."), edit, test, review, final
    expect(continued.filter((t) => t.calls.length === 0).map((t) => t.content.slice(0, 8))).toEqual(['So far: ', continued.at(-1)!.content.slice(0, 8)]);
    expect(continued).toHaveLength(3 + 1 + 4);
    expect(repo.read()).toBe(FIXED);
  });

  it('after a compaction it goes on from the progress its summary states, not from the start', async () => {
    resetRepo();
    const client = await serve({ seed: 1 });
    const summaries: string[] = [];
    const turns = await session(client, 'opencode', { compactAfter: 5, sessionId: 's-compact', summaries });
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(/agentic-progress: 5 steps done/);
    expect(turns[5]!.calls.every((c) => c.id.endsWith('_p5'))).toBe(true);
    expect(turns).toHaveLength(AGENTIC_DEFAULTS.turns + 4);
    expect(repo.read()).toBe(FIXED);
    expect(turns.at(-1)!.content).toMatch(/fixed the issue/);
  });

  it('wrong_patch_rate 1: a comment where the gold patch changes the code, which fixes nothing', async () => {
    resetRepo();
    const turns = await session(await serve({ wrongPatchRate: 1 }), 'opencode');
    const text = repo.read();
    expect(text).not.toBe(FIXED);
    expect(text).toContain('# TODO: revisit add');
    expect(text.replace(/^\s*# TODO.*\n/m, '')).toBe(ORIGINAL);
    expect(turns.at(-1)!.content).toMatch(/left a note/);
  });

  it('turns, reasoning and output lengths', async () => {
    resetRepo();
    const turns = await session(await serve({ turns: 2, reasoningChars: 0, outputChars: 40 }), 'opencode');
    expect(turns).toHaveLength(2 + 4);
    expect(turns.every((t) => t.reasoning === '')).toBe(true);
    expect(turns.slice(0, -1).every((t) => t.content.length <= 40)).toBe(true);
    expect(repo.read()).toBe(FIXED);
  });

  it('refuses knobs out of range, and a config layer validates them', async () => {
    await expect(startModelServer({ policy: 'agentic', tasks: [task], agentic: { textRate: 2 } })).rejects.toThrow(ConfigError);
    await expect(startModelServer({ policy: 'agentic', agentic: {} })).rejects.toThrow(/needs the tasks/);
    expect(ConfigLayerSchema.safeParse({ agentic: { seed: 3, turns: 10, text_rate: 0.1, wrong_patch_rate: 0.2, reasoning_chars: 100, output_chars: 50 } }).success).toBe(true);
    expect(ConfigLayerSchema.safeParse({ agentic: { text_rate: 1.5 } }).success).toBe(false);
    expect(ConfigLayerSchema.safeParse({ agentic: { turn: 3 } }).success).toBe(false);
  });

  it('answers side requests without tools with text, and refuses an unknown task', async () => {
    const client = await serve();
    const aux = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Summarise.' }] });
    expect(aux.choices[0]!.message.content).toMatch(/Working on/);
    const tools = HARNESS_TOOLS.opencode!;
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools }, { headers: { [INSTANCE_HEADER]: 'nope' } }),
    ).rejects.toThrow(/unknown instance id "nope"/);
  });
});

describe('diff reader', () => {
  const multi = [
    'diff --git a/a.py b/a.py',
    'index 1..2 100644',
    '--- a/a.py',
    '+++ b/a.py',
    '@@ -1,3 +1,3 @@ def f():',
    ' x = 1',
    '-y = 2',
    '+y = 3',
    ' z = 4',
    'diff --git a/old.py b/old.py',
    'deleted file mode 100644',
    '--- a/old.py',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-gone',
    'diff --git a/new.txt b/new.txt',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/new.txt',
    '@@ -0,0 +1,2 @@',
    '+hello',
    '+world',
    'diff --git a/p.bin b/p.bin',
    'GIT binary patch',
    'literal 3',
    'Kcmb',
    '',
  ].join('\n');

  it('reads kinds, hunks and binaries, and writes codex apply_patch envelopes', () => {
    const files = parseDiff(multi);
    expect(files.map((f) => [f.path, f.kind, f.binary, f.hunks.length])).toEqual([
      ['a.py', 'modify', false, 1],
      ['old.py', 'delete', false, 1],
      ['new.txt', 'add', false, 1],
      ['p.bin', 'modify', true, 0],
    ]);
    expect(toApplyPatch(files.slice(0, 3))).toBe(
      ['*** Begin Patch', '*** Update File: a.py', '@@ def f():', ' x = 1', '-y = 2', '+y = 3', ' z = 4', '*** Delete File: old.py', '*** Add File: new.txt', '+hello', '+world', '*** End Patch'].join('\n'),
    );
  });

  it('a wrong patch applies cleanly to the base and is not the gold patch', () => {
    resetRepo();
    const wrong = wrongPatchFor(parseDiff(task.patch), 'TODO: check');
    expect(spawnSync('git', ['apply', '--check', '-'], { cwd: repo.dir, input: wrong }).status).toBe(0);
    expect(wrong).toContain('+    # TODO: check');
    const notes = wrongPatchFor(parseDiff(multi).slice(3), 'TODO: check');
    expect(notes).toContain('+++ b/SWEBENCH_NOTES.md');
  });
});
