// Trainer-owned inference in real submit runs (real Docker, real harness CLIs): with `--upstream trainer` a separate
// trainer process (test/fixtures/trainer.mjs) answers every completion of codex (Responses), claude-code (Messages)
// and opencode (chat) on the fixture tasks through the gateway's pull API, replaying the oracle; every session
// resolves and every record carries token ids, a prefix verdict without drift, and the trainer's weight_version.
// The same through the library: runSubmit with a trainer callback. And a built-in model that re-tokenizes history on
// purpose: the ses files point at the first divergence, where the records say it is.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveSubmitConfig } from '../../src/config/load.js';
import { loadTasks } from '../../src/dataset/index.js';
import type { CompletionRecord } from '../../src/gateway/records.js';
import { startModelServer, type ModelServer } from '../../src/gateway/models/index.js';
import type { ChatObject, TrainerHandler } from '../../src/gateway/trainer/types.js';
import { runSubmit } from '../../src/run/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const HARNESSES = ['codex', 'claude-code', 'opencode'];
const PROTOCOLS = ['openai_responses', 'anthropic_messages', 'openai_chat'];
const TASKS = fixturesDir
  ? readFileSync(path.join(fixturesDir, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { instance_id: string }).instance_id)
  : [];
const TRAINER = path.join(REPO_ROOT, 'test/fixtures/trainer.mjs');

function readRecords(runDir: string, file: string): CompletionRecord[] {
  return readFileSync(path.join(runDir, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CompletionRecord);
}

/** Every session resolved; every record with token ids, the policy version, and no retokenization drift. */
function expectTrainedRun(runDir: string, harnesses: string[], tasks: string[], weightVersion: string | number): CompletionRecord[] {
  const sessions = readSesFiles(runDir);
  expect(sessions).toHaveLength(harnesses.length * tasks.length);
  const all: CompletionRecord[] = [];
  for (const s of sessions) {
    const why = `${s.harness.name} ${s.instance_id}: ${s.status} ${s.error_class} ${s.error} (${s.record_count} completions)`;
    expect(s.status, why).toBe('COMPLETED');
    expect(s.resolved, why).toBe(true);
    expect(s.weight_versions, why).toEqual([weightVersion]);
    expect(s.tokens, why).toMatchObject({ records: s.record_count, missing: 0, first_divergence: null });
    expect(s.tokens!.prefix.diverges, why).toBe(0);
    expect(s.chains!.main, why).toBeGreaterThanOrEqual(2);
    const recs = readRecords(runDir, s.artifacts.records);
    expect(recs).toHaveLength(s.record_count);
    for (const r of recs) {
      expect(r, why).toMatchObject({ status: 'ok', weight_version: weightVersion });
      expect(r.tokens!.prompt_ids.length, why).toBeGreaterThan(0);
      expect(r.tokens!.completion_ids.length, why).toBeGreaterThan(0);
      expect(r.tokens!.completion_logprobs, why).toHaveLength(r.tokens!.completion_ids.length);
      expect(r.attempts.at(-1)!.trainer_request_id, why).toMatch(/^treq_/);
    }
    // the main agent's turns continue each other token for token
    const main = recs.filter((r) => r.chain === 'main');
    expect(main.map((r) => r.prefix!.verdict), why).toEqual(['first', ...main.slice(1).map(() => 'extends')]);
    all.push(...recs);
  }
  return all;
}

describe.skipIf(!fixturesDir)('trainer-owned inference in submit runs (real Docker, real harness CLIs)', () => {
  let out: string;
  let dataset: string;

  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-trainer-'));
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it(`--upstream trainer: a trainer process answers ${HARNESSES.join(', ')} over the pull API; all resolved, token ids and weight_version on every record`, async () => {
    const token = `trainer-token-${Math.random().toString(36).slice(2)}`;
    const runId = 'pull';
    const trainerLog = path.join(out, 'trainer.jsonl');
    const run = submit(
      [
        '--harness', HARNESSES.join(','), '--upstream', 'trainer', '--trainer-token-env', 'TRAINER_TOKEN', '--capture-tokens',
        '--dataset', dataset, '--instance-ids', TASKS.join(','), '--output-dir', out, '--run-id', runId,
        '--concurrency', '4', '--timeout', '300', '--json',
      ],
      { env: { TRAINER_TOKEN: token } },
    );
    // the pull API is announced on stderr once the gateway listens; the trainer starts from that line
    const api = await new Promise<string>((resolve, reject) => {
      let seen = '';
      run.stderr!.on('data', (b: Buffer) => {
        seen += String(b);
        const m = /trainer pull API at (\S+) .*admin token: from --trainer-token-env/.exec(seen);
        if (m) resolve(m[1]!);
      });
      void run.then((r) => reject(new Error(`submit ended before announcing the pull API: ${r.stderr.slice(-2000)}`)));
    });
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/trainer$/);
    expect(api).not.toContain(token);
    let trainer: ResultPromise | undefined;
    try {
      trainer = execa('node', [TRAINER, '--api', api, '--dataset', dataset, '--weight-version', 'policy-7', '--log', trainerLog], {
        env: { SWEBENCH_TRAINER_TOKEN: token },
        reject: false,
      });
      const r = await run;
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
      expect(r.stderr).not.toContain(token);
    } finally {
      trainer?.kill('SIGTERM');
      await trainer;
    }
    const runDir = path.join(out, runId);
    const records = expectTrainedRun(runDir, HARNESSES, TASKS, 'policy-7');
    expect(new Set(records.map((r) => r.client_protocol))).toEqual(new Set(PROTOCOLS));

    // the trainer answered every attempt the records name, streamed and whole, and was never refused
    const events = readFileSync(trainerLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const answered = events.filter((e) => e.event === 'answered');
    expect(answered.every((e) => e.status === 200)).toBe(true);
    expect(new Set(answered.map((e) => e.id))).toEqual(new Set(records.flatMap((r) => r.attempts.map((a) => a.trainer_request_id))));
    expect(new Set(answered.map((e) => e.streamed))).toEqual(new Set([true, false]));
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).model).toMatchObject({ upstream: 'trainer', source: { kind: 'trainer', token_env: 'TRAINER_TOKEN' } });
    expect(await runContainers(runId)).toEqual([]);
    const streamed = answered.filter((e) => e.streamed === true).length;
    process.stdout.write(
      `trainer pull API: ${HARNESSES.length * TASKS.length} sessions resolved (${HARNESSES.join(', ')}), ${records.length} records over ${[...new Set(records.map((x) => x.client_protocol))].join(', ')}, ` +
        `each with token ids and weight_version policy-7; the trainer answered ${answered.length} requests (${streamed} streamed)\n`,
    );
  });

  it('the library form: runSubmit with a trainer callback answers every request, same guarantees', async () => {
    const tasks = TASKS.slice(0, 3);
    let engine: ModelServer | undefined;
    let calls = 0;
    try {
      engine = await startModelServer({ policy: 'oracle', tasks: await loadTasks(dataset) });
      const url = engine.url;
      const trainer: TrainerHandler = async (r, ctx) => {
        calls++;
        const res = await fetch(`${url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-swebench-session-id': r.session_id, 'x-swebench-instance-id': r.instance_id ?? '', 'x-swebench-kind': r.kind },
          body: JSON.stringify({ ...r.request, stream: false, stream_options: undefined }),
          signal: ctx.signal,
        });
        return { ...((await res.json()) as ChatObject), weight_version: 41 };
      };
      const config = resolveSubmitConfig({
        flags: { harness: HARNESSES, upstream: 'trainer', capture_tokens: true, dataset, instance_ids: tasks, output_dir: out, run_id: 'callback', concurrency: 3, timeout: 300 },
      });
      const summary = await runSubmit(config, { trainer });
      expect(summary.status).toBe('finished');
    } finally {
      await engine?.close();
    }
    const records = expectTrainedRun(path.join(out, 'callback'), HARNESSES, tasks, 41);
    expect(calls).toBe(records.reduce((n, r) => n + r.attempts.length, 0));
    process.stdout.write(`trainer callback: ${HARNESSES.length * tasks.length} sessions resolved, ${records.length} records, each with token ids and weight_version 41\n`);
  });

  it('--tokenizer-drift: the built-in model re-renders history differently; ses files name the first divergence', async () => {
    const tasks = TASKS.slice(0, 2);
    const r = await submit([
      '--harness', 'opencode', '--model', 'oracle', '--capture-tokens', '--tokenizer-drift', '--dataset', dataset, '--instance-ids', tasks.join(','),
      '--output-dir', out, '--run-id', 'drift', '--concurrency', '2', '--timeout', '300',
    ]);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const runDir = path.join(out, 'drift');
    for (const s of readSesFiles(runDir)) {
      expect(s.resolved).toBe(true);
      const recs = readRecords(runDir, s.artifacts.records);
      const turn2 = recs.find((x) => x.chain === 'main' && x.turn === 2)!;
      const parent = recs.find((x) => x.seq === turn2.prefix!.parent_seq)!;
      const at = parent.tokens!.prompt_ids.length + parent.tokens!.completion_ids.length - 1;
      expect(turn2.prefix).toMatchObject({ verdict: 'diverges', mismatch_at: at });
      expect(s.tokens!.prefix.diverges).toBeGreaterThanOrEqual(1);
      expect(s.tokens!.first_divergence).not.toBeNull();
      expect(s.weight_versions).toEqual([]);
      process.stdout.write(`tokenizer drift: ${s.instance_id}: main turn 2 diverges at token ${at} (parent prompt ${parent.tokens!.prompt_ids.length} + completion ${parent.tokens!.completion_ids.length} − 1)\n`);
    }
  });
});
