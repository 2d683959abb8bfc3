// exportRun on synthetic run directories whose records exercise every rule of the three formats: token lines and
// the reward line, drift, chain filters, skipped records; OpenAI chat pairing; ATIF steps (tool results as
// observations, sub-agent and side chains embedded, a compaction boundary, non-JSON arguments) validated against
// the ATIF-v1.7 schema; and the errors (bad run dir, format, chains, a broken ses file: nothing at --out).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { exportRun, type ExportConfig, type RlLine, type SessionLine } from '../../../src/export/index.js';
import type { CompletionRecord } from '../../../src/gateway/records.js';
import type { ChatMessage } from '../../../src/gateway/protocols/types.js';
import { atifProblems } from '../../helpers/atif.js';
import { buildRunDir } from '../../helpers/run-dir.js';

const SYS = { role: 'system', content: 'You are the agent.' } as const;
const SUB_SYS = { role: 'system', content: 'You are a sub-agent.' } as const;
const USER = { role: 'user', content: 'Fix the bug.' } as const;
const TOOLS = [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }];

interface RecSpec {
  seq: number;
  chain?: CompletionRecord['chain'];
  chain_id?: string;
  turn?: number;
  kind?: CompletionRecord['kind'];
  messages: ChatMessage[];
  content?: string;
  calls?: Array<{ id: string; name: string; arguments: string }>;
  tokens?: boolean;
  prefix?: CompletionRecord['prefix'];
  status?: 'ok' | 'error';
}

/** A record as the gateway writes it (only the fields export reads are meaningful). */
function rec(s: RecSpec): CompletionRecord {
  const chain = s.chain ?? 'main';
  const r: CompletionRecord = {
    session_id: 'x', instance_id: 'x', seq: s.seq, kind: s.kind ?? 'turn', chain, chain_id: s.chain_id ?? chain, turn: s.turn ?? s.seq,
    client_protocol: 'openai_chat', client_request: { method: 'POST', path: '/v1/chat/completions', headers: {} },
    upstream_request: { model: 'm', messages: s.messages, tools: TOOLS },
    response: s.status === 'error' ? null : {
      id: `c${s.seq}`, model: 'policy-model', created: 0, content: s.content ?? '', reasoning: s.seq === 1 ? 'thinking…' : '',
      tool_calls: s.calls ?? [], finish_reason: s.calls?.length ? 'tool_calls' : 'stop',
      usage: { prompt_tokens: 10 * s.seq, completion_tokens: 3, total_tokens: 10 * s.seq + 3 },
    },
    weight_version: s.tokens === false ? null : 7,
    status: s.status ?? 'ok', http_status: 200, attempts: [{ n: 1, status: 200 }],
    timings: { start: `2026-01-01T00:00:0${s.seq % 10}.000Z`, ttft_ms: 1, total_ms: 2 },
  };
  if (s.tokens !== false && r.status === 'ok') {
    r.tokens = { prompt_ids: [1, 2, s.seq], completion_ids: [10 + s.seq, 20 + s.seq, 30 + s.seq], completion_logprobs: [-0.1, -0.2, -0.3] };
    r.prefix = s.prefix ?? { verdict: 'first', parent_seq: null, mismatch_at: null, parent_len: null, parent_prompt_len: null };
  }
  return r;
}

const call1 = { id: 'call_1', name: 'bash', arguments: '{"command":"ls"}' };
const call2 = { id: 'call_2', name: 'bash', arguments: 'not json' };
const a1: ChatMessage = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] };
const t1: ChatMessage = { role: 'tool', tool_call_id: 'call_1', content: 'a.py\nb.py' };
const a2: ChatMessage = { role: 'assistant', content: 'Now the fix.', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'bash', arguments: 'not json' } }] };
const t2: ChatMessage = { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'ok' }] };
const extends1 = { verdict: 'extends' as const, parent_seq: 1, mismatch_at: null, parent_len: 6, parent_prompt_len: 3 };

/** A resolved session: 3 main turns (the 3rd drifts), a sub-agent, a title without token ids, then a compaction and a rewritten main turn. */
const RESOLVED: CompletionRecord[] = [
  rec({ seq: 1, turn: 1, messages: [SYS, USER], calls: [call1] }),
  rec({ seq: 2, chain: 'subagent', chain_id: 'subagent:abc', turn: 1, messages: [SUB_SYS, { role: 'user', content: 'Find the file.' }], content: 'It is a.py.' }),
  rec({ seq: 3, turn: 2, messages: [SYS, USER, a1, t1], content: 'Now the fix.', calls: [call2], prefix: extends1 }),
  rec({ seq: 4, chain: 'title', kind: 'title', turn: 1, messages: [{ role: 'user', content: 'Title this.' }], content: 'Bug fix', tokens: false }),
  rec({ seq: 5, turn: 3, messages: [SYS, USER, a1, t1, a2, t2, { role: 'user', content: 'Continue.' }], content: 'Done.', prefix: { verdict: 'diverges', parent_seq: 3, mismatch_at: 4, parent_len: 6, parent_prompt_len: 3 } }),
  rec({ seq: 6, chain: 'compaction', kind: 'compaction', turn: 1, messages: [{ role: 'system', content: 'Summarise.' }, USER], content: 'Summary: fixed.' }),
  rec({ seq: 7, turn: 4, messages: [SYS, { role: 'user', content: 'Summary: fixed.' }, USER], content: 'Confirmed.', prefix: { verdict: 'reset', parent_seq: 5, mismatch_at: 2, parent_len: 6, parent_prompt_len: 3 } }),
  rec({ seq: 8, turn: 5, messages: [SYS, USER], status: 'error' }),
];
const INFRA: CompletionRecord[] = [rec({ seq: 1, turn: 1, messages: [SYS, USER], content: 'Done.' })];

let tmp = '';
let runDir = '';
let ids: { resolved: string; failed: string; infra: string; none: string };

function writeRecords(dir: string, sesRel: string, records: CompletionRecord[], extra = ''): void {
  const ses = JSON.parse(readFileSync(path.join(dir, sesRel), 'utf8')) as { artifacts: { records: string } };
  writeFileSync(path.join(dir, ses.artifacts.records), records.map((r) => JSON.stringify(r)).join('\n') + '\n' + extra);
}

function sesFileOf(dir: string, instance: string): string {
  const task = path.join('rollout_results', `task_${instance}`);
  return path.join(task, readdirSync(path.join(dir, task)).find((n) => n.endsWith('.json'))!);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-export-'));
  runDir = buildRunDir({
    runId: 'exp',
    sessions: [
      { instance_id: 'ex__a-1', resolved: true, record_count: 8 },
      { instance_id: 'ex__b-2', resolved: false, record_count: 8 },
      { instance_id: 'ex__c-3', status: 'ERROR', error_class: 'eval_error', error: 'eval died', record_count: 1 },
      { instance_id: 'ex__d-4', status: 'FAILED', error_class: 'no_completions', error: 'no completions', patch: '', record_count: 0 },
    ],
  }, tmp, 'exp');
  writeRecords(runDir, sesFileOf(runDir, 'ex__a-1'), RESOLVED, 'half a line {"seq":\n');
  writeRecords(runDir, sesFileOf(runDir, 'ex__b-2'), RESOLVED);
  writeRecords(runDir, sesFileOf(runDir, 'ex__c-3'), INFRA);
  rmSync(path.join(runDir, JSON.parse(readFileSync(path.join(runDir, sesFileOf(runDir, 'ex__d-4')), 'utf8')).artifacts.records));
  const sid = (i: string) => path.basename(sesFileOf(runDir, i)).slice(4, -5);
  ids = { resolved: sid('ex__a-1'), failed: sid('ex__b-2'), infra: sid('ex__c-3'), none: sid('ex__d-4') };
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs an export to a captured stdout and returns its JSONL lines and the summary. */
async function toStdout<T>(config: Omit<ExportConfig, 'runDir'>): Promise<{ lines: T[]; summary: Awaited<ReturnType<typeof exportRun>> }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (b: Buffer) => chunks.push(b));
  const summary = await exportRun({ runDir, ...config }, { stdout });
  const text = Buffer.concat(chunks).toString('utf8');
  return { lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T), summary };
}

describe('rl-jsonl', () => {
  it('one line per record with token ids; reward on the last main-chain line; drift from the prefix verdict', async () => {
    const { lines, summary } = await toStdout<RlLine>({ format: 'rl-jsonl' });
    const res = lines.filter((l) => l.session_id === ids.resolved);
    // seq 4 (no ids) and seq 8 (failed, no ids) are skipped
    expect(res.map((l) => [l.seq, l.chain, l.chain_id, l.turn])).toEqual([
      [1, 'main', 'main', 1], [2, 'subagent', 'subagent:abc', 1], [3, 'main', 'main', 2], [5, 'main', 'main', 3], [6, 'compaction', 'compaction', 1], [7, 'main', 'main', 4],
    ]);
    expect(res.map((l) => l.reward)).toEqual([null, null, null, null, null, 1]);
    expect(res.map((l) => l.final)).toEqual([false, false, false, false, false, true]);
    expect(lines.filter((l) => l.session_id === ids.failed).map((l) => l.reward)).toEqual([null, null, null, null, null, 0]);
    // an eval error is not a grade: null even on the final line
    expect(lines.filter((l) => l.session_id === ids.infra)).toMatchObject([{ final: true, reward: null, error_class: 'eval_error' }]);
    const first = res[0]!;
    expect(first).toMatchObject({
      run_id: 'exp', instance_id: 'ex__a-1', harness: 'noop', harness_version: '1.0.0', model: 'oracle', upstream_model: 'oracle-upstream', sample_index: 0,
      kind: 'turn', status: 'ok', finish_reason: 'tool_calls', weight_version: 7, prompt_ids: [1, 2, 1], completion_ids: [11, 21, 31],
      completion_logprobs: [-0.1, -0.2, -0.3], loss_mask: [1, 1, 1], prefix_verdict: 'first', drift: false, mismatch_at: null, parent_seq: null,
      resolved: true, session_status: 'COMPLETED', error_class: null,
    });
    expect(res.map((l) => [l.prefix_verdict, l.drift, l.mismatch_at])).toEqual([
      ['first', false, null], ['first', false, null], ['extends', false, null], ['diverges', true, 4], ['first', false, null], ['reset', false, null],
    ]);
    expect(summary).toMatchObject({ format: 'rl-jsonl', sessions: 4, counts: { lines: 13, records_without_token_ids: 4, unreadable_record_lines: 1 } });
  });

  it('--chains keeps only the chains asked for (the reward stays on the last main line)', async () => {
    const { lines, summary } = await toStdout<RlLine>({ format: 'rl-jsonl', chains: ['subagent', 'compaction'] });
    expect(new Set(lines.map((l) => l.chain))).toEqual(new Set(['subagent', 'compaction']));
    expect(lines.every((l) => l.reward === null)).toBe(true);
    expect(summary.counts.records_in_other_chains).toBe(9);
  });
});

describe('sessions-jsonl', () => {
  it('one OpenAI chat conversation per session: the last answered main request + its reply, tools, grade', async () => {
    const { lines, summary } = await toStdout<SessionLine>({ format: 'sessions-jsonl' });
    expect(lines.map((l) => l.instance_id)).toEqual(['ex__a-1', 'ex__b-2', 'ex__c-3']);
    expect(summary.counts).toMatchObject({ lines: 3, sessions_without_main_completions: 1 });
    const s = lines[0]!;
    expect(s).toMatchObject({ session_id: ids.resolved, resolved: true, reward: 1, status: 'COMPLETED', error_class: null, source_seq: 7, api_type: 'openai_chat', tools: TOOLS });
    expect(s.messages).toEqual([SYS, { role: 'user', content: 'Summary: fixed.' }, USER, { role: 'assistant', content: 'Confirmed.' }]);
    expect(lines[2]).toMatchObject({ reward: null, error_class: 'eval_error' });
  });

  it('--chains does not apply', async () => {
    await expect(exportRun({ runDir, format: 'sessions-jsonl', chains: ['main'] }, { stdout: new PassThrough() })).rejects.toThrow(/--chains does not apply to sessions-jsonl/);
  });
});

describe('atif', () => {
  it('one ATIF-v1.7 trajectory per session under --out DIR, valid against the schema', async () => {
    const out = path.join(tmp, 'atif');
    const summary = await exportRun({ runDir, format: 'atif', out });
    expect(summary.counts).toMatchObject({ trajectories: 3, sessions_without_main_completions: 1, records_without_answer: 2 });
    const dirs = readdirSync(out).sort();
    expect(dirs).toEqual([`ex__a-1__${ids.resolved}`, `ex__b-2__${ids.failed}`, `ex__c-3__${ids.infra}`]);
    for (const d of dirs) {
      const doc = JSON.parse(readFileSync(path.join(out, d, 'agent/trajectory.json'), 'utf8')) as Record<string, unknown>;
      expect(atifProblems(doc), d).toEqual([]);
    }
    const doc = JSON.parse(readFileSync(path.join(out, dirs[0]!, 'agent/trajectory.json'), 'utf8'));
    expect(doc).toMatchObject({ schema_version: 'ATIF-v1.7', session_id: ids.resolved, agent: { name: 'noop', version: '1.0.0', model_name: 'oracle-upstream', tool_definitions: TOOLS } });
    expect(doc.extra.swebench).toMatchObject({ reward: 1, resolved: true, instance_id: 'ex__a-1' });
    const steps = doc.steps as Array<Record<string, any>>;
    expect(steps.map((s) => s.source)).toEqual(['system', 'user', 'agent', 'agent', 'user', 'agent', 'system', 'system', 'user', 'user', 'agent']);
    // the first answer: reasoning, the parsed call, metrics with ids and logprobs; its result as the observation
    expect(steps[2]).toMatchObject({
      reasoning_content: 'thinking…', tool_calls: [{ tool_call_id: 'call_1', function_name: 'bash', arguments: { command: 'ls' } }],
      observation: { results: [{ source_call_id: 'call_1', content: 'a.py\nb.py' }] },
      metrics: { prompt_tokens: 10, completion_tokens: 3, prompt_token_ids: [1, 2, 1], completion_token_ids: [11, 21, 31], logprobs: [-0.1, -0.2, -0.3] },
      llm_call_count: 1, extra: { swebench: { seq: 1, chain_id: 'main', turn: 1, weight_version: 7 } },
    });
    // arguments that are not a JSON object are kept as text in extra; the array content of a tool result is its text
    expect(steps[3]).toMatchObject({ message: 'Now the fix.', tool_calls: [{ tool_call_id: 'call_2', arguments: {}, extra: { raw_arguments: 'not json' } }], observation: { results: [{ source_call_id: 'call_2', content: 'ok' }] } });
    expect(steps[4]).toMatchObject({ source: 'user', message: 'Continue.' });
    // the compaction rewrote the context: a boundary, then the new request's messages, those seen before flagged
    expect(steps[6]).toMatchObject({ source: 'system', extra: { context_management: { type: 'compaction', boundary: 'replace' } } });
    expect(steps.slice(7).map((s) => [s.source, s.is_copied_context ?? false])).toEqual([['system', true], ['user', false], ['user', true], ['agent', false]]);
    expect(doc.final_metrics).toEqual({ total_prompt_tokens: 10 + 30 + 50 + 70, total_completion_tokens: 12, total_steps: 11 });
    // the other chains, embedded by chain id (the title has no token ids but is a completion all the same)
    expect((doc.subagent_trajectories as Array<{ trajectory_id: string }>).map((t) => t.trajectory_id)).toEqual(['subagent:abc', 'title', 'compaction']);
    expect(doc.subagent_trajectories[0].steps.map((s: { source: string }) => s.source)).toEqual(['system', 'user', 'agent']);
  });

  it('the validator catches what Harbor would reject', () => {
    const bad = { schema_version: 'ATIF-v1.7', agent: { name: 'a', version: '1' }, steps: [
      { step_id: 1, source: 'user', message: 'hi', metrics: { prompt_tokens: 1 } },
      { step_id: 3, source: 'agent', message: '', tool_calls: [{ tool_call_id: 'x', function_name: 'f', arguments: {} }], observation: { results: [{ source_call_id: 'y' }] } },
    ] };
    expect(atifProblems(bad).join('\n')).toMatch(/must be null/);
    const { metrics: _m, ...fixed } = bad.steps[0]!;
    expect(atifProblems({ ...bad, steps: [fixed, bad.steps[1]] })).toEqual([
      'steps[1].step_id: expected 2, got 3',
      'step 3: source_call_id y is not among its tool_calls',
    ]);
    expect(atifProblems({ ...bad, steps: [{ ...fixed, bogus: 1 }] }).join('\n')).toMatch(/additional properties/);
  });

  it('--chains must keep main (the root trajectory)', async () => {
    await expect(exportRun({ runDir, format: 'atif', out: path.join(tmp, 'nope'), chains: ['subagent'] })).rejects.toThrow(/atif needs the main chain/);
    expect(existsSync(path.join(tmp, 'nope'))).toBe(false);
  });
});

describe('errors', () => {
  it('a missing or non-run directory, an unknown format or chain: ConfigError, nothing written', async () => {
    const out = path.join(tmp, 'err.jsonl');
    await expect(exportRun({ runDir: path.join(tmp, 'missing'), format: 'rl-jsonl', out })).rejects.toThrow(/run directory not found/);
    await expect(exportRun({ runDir: tmp, format: 'rl-jsonl', out })).rejects.toThrow(/is not a run directory/);
    await expect(exportRun({ runDir, format: 'parquet' as 'atif', out })).rejects.toThrow(ConfigError);
    expect(existsSync(out)).toBe(false);
  });

  it('a broken ses file half-way: the error names the file and field, and --out keeps its old content', async () => {
    const broken = buildRunDir({ runId: 'broken', sessions: [{ instance_id: 'ex__a-1', resolved: true }, { instance_id: 'ex__b-2' }] }, tmp, 'broken');
    writeRecords(broken, sesFileOf(broken, 'ex__a-1'), RESOLVED);
    const bad = path.join(broken, sesFileOf(broken, 'ex__b-2'));
    writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(bad, 'utf8')), status: 'DONE' }));
    const out = path.join(tmp, 'broken.jsonl');
    writeFileSync(out, 'old\n');
    const err = await exportRun({ runDir: broken, format: 'rl-jsonl', out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/ses_.*\.json: field "status"/);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    expect(readdirSync(tmp).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const dir = path.join(tmp, 'broken-atif');
    await expect(exportRun({ runDir: broken, format: 'atif', out: dir })).rejects.toThrow(ConfigError);
    expect(existsSync(dir)).toBe(false);
  });

  it('atif refuses a non-empty --out directory', async () => {
    await expect(exportRun({ runDir, format: 'atif', out: runDir })).rejects.toThrow(/is not empty/);
  });
});
