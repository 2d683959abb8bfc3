// A session's conversation rebuilt from its records.jsonl: one entry per completion, with the messages that are new
// since the previous completion of the same chain (tool results, user turns) and the assistant's reply. Each
// record's upstream request holds the whole context in the OpenAI chat shape, so "new" is the tail after the
// previous request's messages plus its reply; a shorter context (a compaction) starts the chain over.
import type { CompletionRecord } from '../../gateway/records.js';
import type { ChatMessage } from '../../gateway/protocols/types.js';

/** One completion as the session page shows it. */
export interface ConversationTurn {
  seq: number;
  kind: string;
  chain: string;
  chain_id: string;
  turn: number;
  status: 'ok' | 'error';
  error: string | null;
  /** Messages new in this request (the whole context for a chain's first request or after a reset). */
  incoming: ChatMessage[];
  /** True when the context did not extend the chain's previous request (first request, compaction). */
  reset: boolean;
  reply: { content: string; reasoning: string; tool_calls: Array<{ id: string; name: string; arguments: string }>; finish_reason: string | null } | null;
  usage: { prompt: number; completion: number } | null;
  ttft_ms: number | null;
  total_ms: number;
  attempts: number;
}

/** Parses records.jsonl text (blank and unparsable lines are skipped: a crash can leave a partial last line). */
export function parseRecords(text: string): CompletionRecord[] {
  const out: CompletionRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as CompletionRecord);
    } catch {
      // a torn last line of a session still in progress
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

function messagesOf(r: CompletionRecord): ChatMessage[] {
  const req = r.upstream_request as { messages?: unknown } | null;
  if (req && Array.isArray(req.messages)) return req.messages as ChatMessage[];
  const body = r.client_request.body as { messages?: unknown } | undefined;
  return body && Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
}

/** Builds the turns in arrival order. */
export function buildConversation(records: CompletionRecord[]): ConversationTurn[] {
  const lastLen = new Map<string, number>();
  return records.map((r) => {
    const chainId = r.chain_id ?? r.kind ?? 'main';
    const msgs = messagesOf(r);
    const prev = lastLen.get(chainId);
    // the previous request's messages plus its reply are the prefix of this one
    const reset = prev === undefined || msgs.length < prev;
    const incoming = reset ? msgs : msgs.slice(Math.min(prev + 1, msgs.length));
    lastLen.set(chainId, msgs.length);
    const res = r.response;
    const u = res?.usage;
    return {
      seq: r.seq,
      kind: r.kind ?? 'turn',
      chain: r.chain ?? (r.kind === 'turn' ? 'main' : (r.kind ?? 'main')),
      chain_id: chainId,
      turn: r.turn ?? 0,
      status: r.status,
      error: r.status === 'error' ? (r.error ? `${r.error.kind}: ${r.error.message}` : `HTTP ${r.http_status}`) : null,
      incoming,
      reset,
      reply: res ? { content: res.content ?? '', reasoning: res.reasoning ?? '', tool_calls: res.tool_calls ?? [], finish_reason: res.finish_reason ?? null } : null,
      usage: u ? { prompt: u.prompt_tokens, completion: u.completion_tokens } : null,
      ttft_ms: r.timings?.ttft_ms ?? null,
      total_ms: r.timings?.total_ms ?? 0,
      attempts: r.attempts?.length ?? 0,
    };
  });
}

/** The text of a message's content (string, or the text parts of a content array). */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (typeof p.text === 'string' ? p.text : typeof p.type === 'string' ? `[${p.type}]` : ''))
    .filter(Boolean)
    .join('\n');
}
