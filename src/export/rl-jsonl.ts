// `export --format rl-jsonl`: one line per completion that carries token ids (`--capture-tokens`), the shape an RL
// trainer consumes: who produced it (session, instance, harness, model, sample), where it sits in the message tree
// (chain, chain_id, turn, seq), which policy produced it (weight_version), the token ids and logprobs, a loss mask,
// the session's grade on the final main-chain completion, and the prefix check (drift) from token-trace.ts.
import type { CompletionRecord } from '../gateway/records.js';
import type { SesFile } from '../run/ses-file.js';
import { sessionReward } from './session-reward.js';
import { count, type ExportContext, type ExportFormat, type ExportSession } from './types.js';

/** One line of rl-jsonl (README "rl-jsonl" lists the rules). */
export interface RlLine {
  run_id: string;
  session_id: string;
  instance_id: string;
  harness: string;
  harness_version: string;
  /** The model name the harness was told, and the upstream model that answered. */
  model: string;
  upstream_model: string;
  sample_index: number;
  seq: number;
  chain: string;
  chain_id: string;
  turn: number;
  kind: string;
  status: 'ok' | 'error';
  finish_reason: string | null;
  weight_version: string | number | null;
  prompt_ids: number[];
  completion_ids: number[];
  /** One per completion id; null when the upstream sent no logprobs (NaN entries, unparsable ones, become null in JSON). */
  completion_logprobs: number[] | null;
  /** Only when the run asked for prompt logprobs (`--prompt-logprobs`). */
  prompt_logprobs?: Array<number | null>;
  /** One per completion id: 1 (every completion token was sampled by the policy). Prompt tokens get no mask: 0. */
  loss_mask: number[];
  /** The session's grade on its final main-chain line; null on every other line (and when the grade is unknown). */
  reward: 0 | 1 | null;
  /** True on the session's last main-chain line with token ids: the one that carries the reward. */
  final: boolean;
  resolved: boolean;
  session_status: SesFile['status'];
  error_class: SesFile['error_class'];
  /** The prefix check: `diverges` (retokenization drift or rewritten history) sets drift and mismatch_at. */
  prefix_verdict: string | null;
  drift: boolean;
  mismatch_at: number | null;
  parent_seq: number | null;
}

export const rlJsonl: ExportFormat = {
  description: 'one line per completion with token ids: ids, logprobs, loss mask, reward on the final main turn, drift',
  output: 'lines',
  chainsFlag: true,
  async exportSession(session: ExportSession, ctx: ExportContext): Promise<void> {
    const finalSeq = await finalMainSeq(session);
    const reward = sessionReward(session.ses);
    for await (const rec of session.records()) {
      if (!rec.tokens) {
        count(ctx.counts, 'records_without_token_ids');
        continue;
      }
      if (!ctx.chains.has(rec.chain)) {
        count(ctx.counts, 'records_in_other_chains');
        continue;
      }
      await ctx.sink.write(rlLine(session.ses, rec, rec.seq === finalSeq ? reward : null, rec.seq === finalSeq), '');
      count(ctx.counts, 'lines');
    }
  },
};

/**
 * Seq of the session's last main-chain record with token ids (null when none): the reward goes there. A first pass
 * over the file, so that lines stay in seq order without holding a session's records back.
 */
async function finalMainSeq(session: ExportSession): Promise<number | null> {
  let last: number | null = null;
  for await (const rec of session.records({ uncounted: true })) if (rec.chain === 'main' && rec.tokens) last = rec.seq;
  return last;
}

/** The line of one record with token ids. */
export function rlLine(ses: SesFile, rec: CompletionRecord, reward: 0 | 1 | null, final: boolean): RlLine {
  const t = rec.tokens!;
  const p = rec.prefix;
  const line: RlLine = {
    run_id: ses.run_id,
    session_id: ses.session_id,
    instance_id: ses.instance_id,
    harness: ses.harness.name,
    harness_version: ses.harness.version,
    model: ses.model.name,
    upstream_model: ses.model.upstream,
    sample_index: ses.sample_index,
    seq: rec.seq,
    chain: rec.chain,
    chain_id: rec.chain_id,
    turn: rec.turn,
    kind: rec.kind,
    status: rec.status,
    finish_reason: rec.response?.finish_reason ?? null,
    weight_version: rec.weight_version ?? null,
    prompt_ids: t.prompt_ids,
    completion_ids: t.completion_ids,
    completion_logprobs: t.completion_logprobs,
    loss_mask: t.completion_ids.map(() => 1),
    reward,
    final,
    resolved: ses.resolved,
    session_status: ses.status,
    error_class: ses.error_class,
    prefix_verdict: p?.verdict ?? null,
    drift: p?.verdict === 'diverges',
    mismatch_at: p?.verdict === 'diverges' ? p.mismatch_at : null,
    parent_seq: p?.parent_seq ?? null,
  };
  if (t.prompt_logprobs) line.prompt_logprobs = t.prompt_logprobs;
  return line;
}
