// Small readers of the canonical chat shapes a record holds (upstream_request: a chat request; response: the
// assembled completion), shared by sessions-jsonl and atif.
import type { CompletionRecord } from '../gateway/records.js';
import type { ChatMessage, ChatRequest, ChatTool } from '../gateway/protocols/types.js';

/** The chat request of a record, when it was translated (null before translation or when not an object). */
export function requestOf(rec: CompletionRecord): ChatRequest | null {
  const r = rec.upstream_request;
  if (typeof r !== 'object' || r === null || !Array.isArray((r as ChatRequest).messages)) return null;
  return r as ChatRequest;
}

/** True for a record whose request and answer are both there: the completions a conversation is made of. */
export function isAnswered(rec: CompletionRecord): boolean {
  return rec.status === 'ok' && rec.response !== null && requestOf(rec) !== null;
}

/** The assistant message of a record's response, in OpenAI chat format (reasoning as vLLM's `reasoning_content`). */
export function assistantMessage(rec: CompletionRecord): ChatMessage {
  const r = rec.response!;
  const msg: ChatMessage = { role: 'assistant', content: r.content === '' && r.tool_calls.length > 0 ? null : r.content };
  if (r.tool_calls.length > 0) {
    msg.tool_calls = r.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  }
  if (r.reasoning) msg.reasoning_content = r.reasoning;
  return msg;
}

/** The tools a request offered (empty when none). */
export function toolsOf(rec: CompletionRecord): ChatTool[] {
  return requestOf(rec)?.tools ?? [];
}

/** The text of a message's content: a string as is, the text parts of an array joined, '' otherwise. */
export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}
