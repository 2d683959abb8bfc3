// The message tree of a session, coarse but explicit: every completion belongs to one chain, so a trainer can drop or
// weight side traffic. A chain is the record's kind for side requests (compaction, title, auxiliary); agent turns are
// `main` while they carry the session's first system prompt and `subagent` otherwise (a sub-agent runs with its own
// system prompt: claude-code's Task agents, opencode's task sessions), one chain id per distinct system prompt.
import { createHash } from 'node:crypto';
import type { ChatRequest, RecordKind } from './protocols/types.js';

/** What a completion belongs to, in the order reports list them. */
export const RECORD_CHAINS = ['main', 'subagent', 'compaction', 'title', 'auxiliary'] as const;
export type RecordChain = (typeof RECORD_CHAINS)[number];

/** A record's place in the message tree. */
export interface ChainRef {
  chain: RecordChain;
  /** `main`, `compaction`, `title`, `auxiliary`, or `subagent:<12 hex digits of its system prompt's hash>`. */
  chain_id: string;
  /** 1-based position of the completion in its chain (by arrival). */
  turn: number;
}

/** Hash of the system/developer text of a canonical chat request ('' without one): what tells agents apart. */
export function systemFingerprint(req: Pick<ChatRequest, 'messages'>): string {
  const text = (req.messages ?? [])
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')))
    .join('\n');
  return text === '' ? '' : createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Assigns chains within one session; the first agent turn fixes what `main` looks like. */
export class ChainTracker {
  private main: string | undefined;
  private readonly turns = new Map<string, number>();

  chainOf(kind: RecordKind, fingerprint: string): ChainRef {
    const [chain, chain_id] = this.place(kind, fingerprint);
    const turn = (this.turns.get(chain_id) ?? 0) + 1;
    this.turns.set(chain_id, turn);
    return { chain, chain_id, turn };
  }

  private place(kind: RecordKind, fingerprint: string): [RecordChain, string] {
    if (kind !== 'turn') return [kind, kind];
    this.main ??= fingerprint;
    return fingerprint === this.main ? ['main', 'main'] : ['subagent', `subagent:${fingerprint || 'none'}`];
  }
}
