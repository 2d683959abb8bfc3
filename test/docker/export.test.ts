// `swebench export` on real runs: opencode on fixture tasks with the built-in oracle and --capture-tokens (real
// Docker, the real CLI, the real gateway), exported through the built CLI. rl-jsonl has one line per completion,
// reward 1 on the final main turn of each resolved session and no drift; with --tokenizer-drift the second main turn
// is marked drifting at the parent's last completion token. atif validates against the ATIF-v1.7 schema;
// sessions-jsonl lines are OpenAI chat conversations (roles, tool_calls answered by tool_call_id).
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RlLine, SessionLine } from '../../src/export/index.js';
import type { CompletionRecord } from '../../src/gateway/records.js';
import { atifProblems } from '../helpers/atif.js';
import { CLI, readSesFiles, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const TASKS = fixturesDir
  ? readFileSync(path.join(fixturesDir, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { instance_id: string }).instance_id).slice(0, 2)
  : [];

function exportCli(args: string[]) {
  return execa('node', [CLI, 'export', ...args], { reject: false, env: { CI: 'true' } });
}

function jsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** Problems with a list of messages read as OpenAI chat: roles, content types, every tool result answering an earlier call. */
function chatProblems(messages: SessionLine['messages']): string[] {
  const out: string[] = [];
  const calls = new Set<string>();
  messages.forEach((m, i) => {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) out.push(`${i}: role ${m.role}`);
    if (m.content !== null && m.content !== undefined && typeof m.content !== 'string' && !Array.isArray(m.content)) out.push(`${i}: content`);
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) {
      if (c.type !== 'function' || typeof c.id !== 'string' || typeof c.function?.name !== 'string' || typeof c.function.arguments !== 'string') out.push(`${i}: tool call ${JSON.stringify(c)}`);
      calls.add(c.id);
    }
    if (m.role === 'tool' && !calls.has(m.tool_call_id ?? '')) out.push(`${i}: tool result for unknown call ${m.tool_call_id}`);
    if (m.role !== 'tool' && m.tool_call_id !== undefined) out.push(`${i}: tool_call_id on ${m.role}`);
  });
  return out;
}

describe.skipIf(!fixturesDir)('swebench export on real --capture-tokens runs (real Docker, opencode, oracle)', () => {
  let out = '';
  let dataset = '';

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-export-'));
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    const common = ['--harness', 'opencode', '--model', 'oracle', '--capture-tokens', '--dataset', dataset, '--instance-ids', TASKS.join(','), '--output-dir', out, '--concurrency', '2', '--timeout', '300'];
    for (const [runId, extra] of [['tok', []], ['drift', ['--tokenizer-drift']]] as const) {
      const r = await submit([...common, ...extra, '--run-id', runId]);
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    }
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('rl-jsonl: one line per completion, reward 1 on the final main turn of each resolved session, no drift', async () => {
    const run = path.join(out, 'tok');
    const file = path.join(out, 'tok.rl.jsonl');
    const r = await exportCli([run, '--format', 'rl-jsonl', '--out', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = jsonl<RlLine>(file);
    const sessions = readSesFiles(run);
    expect(sessions).toHaveLength(TASKS.length);
    let completions = 0;
    for (const s of sessions) {
      expect(s.resolved).toBe(true);
      const recs = jsonl<CompletionRecord>(path.join(run, s.artifacts.records));
      expect(recs.every((x) => x.tokens)).toBe(true);
      completions += recs.length;
      const mine = lines.filter((l) => l.session_id === s.session_id);
      expect(mine.map((l) => l.seq)).toEqual(recs.map((x) => x.seq));
      const lastMain = recs.filter((x) => x.chain === 'main').at(-1)!;
      expect(mine.filter((l) => l.reward !== null)).toMatchObject([{ seq: lastMain.seq, final: true, reward: 1, chain: 'main' }]);
      for (const l of mine) {
        const x = recs.find((y) => y.seq === l.seq)!;
        expect(l).toMatchObject({ instance_id: s.instance_id, harness: 'opencode', drift: false, mismatch_at: null, chain: x.chain, turn: x.turn, prompt_ids: x.tokens!.prompt_ids, completion_ids: x.tokens!.completion_ids });
        expect(l.loss_mask).toEqual(x.tokens!.completion_ids.map(() => 1));
        expect(l.completion_logprobs).toHaveLength(l.completion_ids.length);
      }
    }
    expect(lines).toHaveLength(completions);
    expect(r.stderr).toContain(`lines ${completions}`);
    process.stdout.write(`export rl-jsonl: ${lines.length} lines for ${completions} completions of ${sessions.length} resolved sessions; rewards ${JSON.stringify(lines.map((l) => l.reward))}; drift ${lines.filter((l) => l.drift).length}\n`);
  });

  it('rl-jsonl of a --tokenizer-drift run: the second main turn drifts at the parent\'s last completion token', async () => {
    const r = await exportCli([path.join(out, 'drift'), '--format', 'rl-jsonl']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as RlLine);
    for (const session of new Set(lines.map((l) => l.session_id))) {
      const main = lines.filter((l) => l.session_id === session && l.chain === 'main');
      expect(main.map((l) => l.drift)).toEqual([false, ...main.slice(1).map(() => true)]);
      const [t1, t2] = main as [RlLine, RlLine];
      expect(t2).toMatchObject({ turn: 2, prefix_verdict: 'diverges', parent_seq: t1.seq, mismatch_at: t1.prompt_ids.length + t1.completion_ids.length - 1 });
      // the prompt really does differ there, and only from there
      expect(t2.prompt_ids.slice(0, t2.mismatch_at!)).toEqual([...t1.prompt_ids, ...t1.completion_ids].slice(0, t2.mismatch_at!));
      expect(t2.prompt_ids[t2.mismatch_at!]).not.toBe(t1.completion_ids.at(-1));
      expect(main.at(-1)).toMatchObject({ final: true, reward: 1 });
      process.stdout.write(`export rl-jsonl (--tokenizer-drift): turn 2 drift at ${t2.mismatch_at} = ${t1.prompt_ids.length} + ${t1.completion_ids.length} − 1\n`);
    }
  });

  it('atif: one trajectory per session, valid against the ATIF-v1.7 schema, token ids in the agent steps', async () => {
    const dir = path.join(out, 'atif');
    const r = await exportCli([path.join(out, 'tok'), '--format', 'atif', '--out', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const trials = readdirSync(dir);
    expect(trials).toHaveLength(TASKS.length);
    for (const t of trials) {
      const doc = JSON.parse(readFileSync(path.join(dir, t, 'agent/trajectory.json'), 'utf8'));
      expect(atifProblems(doc), t).toEqual([]);
      expect(doc).toMatchObject({ schema_version: 'ATIF-v1.7', agent: { name: 'opencode' }, extra: { swebench: { resolved: true, reward: 1 } } });
      const agentSteps = doc.steps.filter((s: { source: string }) => s.source === 'agent');
      expect(agentSteps.length).toBeGreaterThanOrEqual(2);
      for (const s of agentSteps) expect(s.metrics.completion_token_ids.length).toBe(s.metrics.logprobs.length);
      // the oracle's shell call is answered in the next request: its output is the step's observation
      const withCall = agentSteps.find((s: { tool_calls?: unknown[] }) => s.tool_calls?.length);
      expect(withCall.observation.results[0].source_call_id).toBe(withCall.tool_calls[0].tool_call_id);
    }
    process.stdout.write(`export atif: ${trials.length} trajectories, each valid against the ATIF-v1.7 schema\n`);
  });

  it('sessions-jsonl: each line an OpenAI chat conversation ending in the final reply, with the tools offered', async () => {
    const r = await exportCli([path.join(out, 'tok'), '--format', 'sessions-jsonl']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SessionLine);
    expect(lines).toHaveLength(TASKS.length);
    for (const l of lines) {
      expect(chatProblems(l.messages)).toEqual([]);
      expect(l.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
      expect(l.messages.at(-1)).toMatchObject({ role: 'assistant' });
      expect(l.tools.map((t) => t.function.name)).toContain('bash');
      expect(l).toMatchObject({ harness: 'opencode', resolved: true, reward: 1, status: 'COMPLETED', error_class: null });
    }
  });
});
