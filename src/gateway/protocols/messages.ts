// The Anthropic Messages protocol (claude-code): request translation, streaming and non-streaming output,
// errors, and which requests are side traffic (titles, compaction, small-model calls).
import { argumentsObject, isObject, type Json } from './body-fields.js';
import { toAnthropicToolId, newId } from './ids.js';
import { messagesToChat, systemText } from './messages-request.js';
import { MessagesStream, messagesErrorBody, messagesUsage, stopReason } from './messages-stream.js';
import type { AssembledCompletion, Protocol, RecordKind, TranslateContext } from './types.js';

// claude-code side requests, recognised by their prompts (first match wins; see reference notes §2b).
const KIND_RULES: Array<{ kind: RecordKind; where: 'system' | 'last_user'; pattern: RegExp }> = [
  { kind: 'compaction', where: 'last_user', pattern: /create a detailed summary of the conversation so far/i },
  { kind: 'compaction', where: 'system', pattern: /tasked with summarizing conversations/i },
  { kind: 'title', where: 'system', pattern: /indicates a new conversation topic|title (and git branch name )?for (a|this) coding session|sentence-case title/i },
  { kind: 'title', where: 'last_user', pattern: /generate a (concise )?title|succinct title and git branch name/i },
];

/** Messages ⇄ chat translator served at `/v1/messages`. */
export const messagesProtocol: Protocol = {
  name: 'anthropic_messages',

  toChat: messagesToChat,

  isStream(body) {
    return isObject(body) && body.stream === true;
  },

  kind(body) {
    if (!isObject(body)) return 'turn';
    let system = '';
    try {
      system = systemText(body.system);
    } catch {
      // malformed system: toChat reports it
    }
    const texts = { system, last_user: lastUserText(body.messages) };
    for (const rule of KIND_RULES) if (rule.pattern.test(texts[rule.where])) return rule.kind;
    // claude-code's small fast model (haiku) without tools: topic/summary helpers, never an agent turn.
    const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
    if (!hasTools && typeof body.model === 'string' && /haiku/i.test(body.model)) return 'auxiliary';
    return 'turn';
  },

  createStream(body, ctx) {
    return new MessagesStream(body, ctx);
  },

  toResponse(assembled, body, ctx) {
    return messageObject(assembled, body, ctx);
  },

  errorBody: messagesErrorBody,
};

/** The complete non-streaming message (claude-code falls back to it after a stream error). */
function messageObject(a: AssembledCompletion, body: unknown, ctx: TranslateContext): Json {
  const content: Json[] = [];
  if (a.reasoning) content.push({ type: 'thinking', thinking: a.reasoning, signature: ctx.sealReasoning(a.reasoning) });
  if (a.content) content.push({ type: 'text', text: a.content });
  for (const tc of a.tool_calls) {
    content.push({ type: 'tool_use', id: toAnthropicToolId(tc.id), name: tc.name, input: argumentsObject(tc.arguments) });
  }
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: isObject(body) && typeof body.model === 'string' ? body.model : ctx.upstreamModel,
    content,
    stop_reason: stopReason(a.finish_reason, a.tool_calls.length > 0),
    stop_sequence: null,
    usage: messagesUsage(a.usage),
  };
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (!isObject(m) || m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (!Array.isArray(m.content)) return '';
    return m.content.map((b: unknown) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('\n');
  }
  return '';
}
