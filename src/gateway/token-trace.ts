// Token-level records for RL: the token ids and logprobs an upstream (vLLM's `return_token_ids`, `logprobs`,
// `prompt_logprobs`) or a trainer returned, pulled out of the assembled response into one normalised block, and the
// prefix check that tells a trainer whether a turn can be trained on-policy: does its prompt begin with the token ids
// of the turn it continues (that turn's prompt + completion)? Retokenization drift (a chat template that renders an
// earlier answer differently from how it was generated) breaks that, at a position this module finds.
import type { AssembledCompletion } from './protocols/types.js';

/** Token ids and logprobs of one completion (the record's `tokens`). */
export interface TokenRecord {
  /** The prompt as the upstream tokenized it (vLLM `prompt_token_ids`). */
  prompt_ids: number[];
  /** The generated tokens (vLLM `token_ids`, concatenated over the stream). */
  completion_ids: number[];
  /** Log-probability of each generated token, aligned with completion_ids; null when the upstream sent none. */
  completion_logprobs: number[] | null;
  /** Log-probability of each prompt token (null for the first, which has none); only when prompt logprobs were asked. */
  prompt_logprobs?: Array<number | null>;
}

/** How a completion's prompt relates to the completion it continues (the record's `prefix`). */
export const PREFIX_VERDICTS = ['first', 'extends', 'diverges', 'reset'] as const;
export type PrefixVerdict = (typeof PREFIX_VERDICTS)[number];

/**
 * `first`: no earlier completion of its chain had token ids. `extends`: the prompt begins with the parent's prompt +
 * completion ids (on-policy safe). `diverges`: it does not (retokenization drift, or a client that rewrote its
 * history) and `mismatch_at` is the first differing position. `reset`: a main-chain prompt that does not extend its
 * parent because the harness compacted its context in between (expected: a new trajectory starts there).
 */
export interface PrefixRecord {
  verdict: PrefixVerdict;
  /** Seq of the completion this one continues (among its chain's recent ones, the longest common prefix); null for `first`. */
  parent_seq: number | null;
  /** First index where the prompt ids differ from the parent's prompt + completion ids; null unless diverges/reset. */
  mismatch_at: number | null;
  /** Length of the parent's prompt + completion ids (a mismatch at or past parent_prompt_len is in the parent's answer or after it). */
  parent_len: number | null;
  parent_prompt_len: number | null;
}

/** The token block of an assembled response, or undefined when it carries no token ids. */
export function tokenRecordOf(a: AssembledCompletion): TokenRecord | undefined {
  if (!a.prompt_token_ids && !a.token_ids) return undefined;
  const out: TokenRecord = {
    prompt_ids: a.prompt_token_ids ?? [],
    completion_ids: a.token_ids ?? [],
    completion_logprobs: a.logprobs ? a.logprobs.map(logprobOf) : null,
  };
  if (a.prompt_logprobs) out.prompt_logprobs = promptLogprobs(a.prompt_logprobs, out.prompt_ids);
  return out;
}

/** The response as recorded next to a token block: without the token fields the block already holds. */
export function withoutTokens(a: AssembledCompletion): AssembledCompletion {
  const { prompt_token_ids: _p, token_ids: _t, logprobs: _l, prompt_logprobs: _pl, ...rest } = a;
  return rest;
}

function logprobOf(entry: unknown): number {
  const v = (entry as { logprob?: unknown } | null)?.logprob;
  return typeof v === 'number' ? v : Number.NaN;
}

/** vLLM's `prompt_logprobs` ([null, {"<id>": {logprob, rank, decoded_token}}, …]) as the logprob of each actual prompt token. */
function promptLogprobs(raw: unknown[], ids: number[]): Array<number | null> {
  return raw.map((entry, i) => {
    if (!entry || typeof entry !== 'object') return null;
    const hit = (entry as Record<string, { logprob?: unknown } | undefined>)[String(ids[i])];
    return typeof hit?.logprob === 'number' ? hit.logprob : null;
  });
}

/** Length of the common prefix of two id sequences. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

interface Remembered {
  seq: number;
  /** prompt + completion ids. */
  ids: number[];
  promptLen: number;
  /** Compactions of the session recorded before this completion. */
  epoch: number;
}

/**
 * Per session: the last few successful completions with token ids of each chain, to check each new prompt against.
 * Several per chain because parallel sub-agents share a chain id; memory is bounded by chains × RECENT × the context.
 */
export class PrefixTracker {
  private static readonly RECENT = 4;
  private readonly recent = new Map<string, Remembered[]>();
  private compactions = 0;

  /** Counts a compaction: main-chain prompts that no longer extend their parent are `reset` from here on. */
  noteCompaction(): void {
    this.compactions++;
  }

  /** The verdict for a prompt of `chainId` (parent: the recent completion of the chain with the longest common prefix). */
  check(chainId: string, prompt: readonly number[]): PrefixRecord {
    let best: Remembered | undefined;
    let bestLen = -1;
    for (const r of this.recent.get(chainId) ?? []) {
      const n = commonPrefix(prompt, r.ids);
      if (n >= bestLen) {
        best = r;
        bestLen = n;
      }
    }
    if (!best) return { verdict: 'first', parent_seq: null, mismatch_at: null, parent_len: null, parent_prompt_len: null };
    const parent = { parent_seq: best.seq, parent_len: best.ids.length, parent_prompt_len: best.promptLen };
    if (bestLen === best.ids.length) return { verdict: 'extends', mismatch_at: null, ...parent };
    const verdict = chainId === 'main' && best.epoch < this.compactions ? 'reset' : 'diverges';
    return { verdict, mismatch_at: bestLen, ...parent };
  }

  /** Remembers a successful completion as a possible parent of later ones. */
  remember(seq: number, chainId: string, tokens: TokenRecord): void {
    let list = this.recent.get(chainId);
    if (!list) this.recent.set(chainId, (list = []));
    list.push({ seq, ids: [...tokens.prompt_ids, ...tokens.completion_ids], promptLen: tokens.prompt_ids.length, epoch: this.compactions });
    if (list.length > PrefixTracker.RECENT) list.shift();
  }
}
