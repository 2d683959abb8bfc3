// OpenAI chat completions passthrough (opencode, qwen-code): the upstream already speaks it, so requests only
// get the upstream model and the output cap, and responses only get the client's model name back and lose
// what the gateway asked for on its own behalf (the usage chunk, token ids, logprobs).
import { capOutputTokens } from '../upstream-request.js';
import { isObject, type Json } from './body-fields.js';
import { topLevelStringSpan } from './raw-json.js';
import {
  ProtocolRequestError,
  type AssembledCompletion,
  type ChatChunk,
  type ChatRequest,
  type Protocol,
  type ProtocolError,
  type RecordKind,
  type StreamTranslator,
  type TranslateContext,
} from './types.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** OpenAI error `type` per ProtocolError kind (the kind itself goes into `code`). */
const ERROR_TYPES: Record<string, string> = {
  invalid_request: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  max_completions: 'invalid_request_error',
  authentication: 'authentication_error',
  not_found: 'not_found_error',
  session_closed: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  upstream_error: 'server_error',
  empty_output: 'server_error',
  stream_interrupted: 'server_error',
};

/** Auxiliary-completion markers of the chat-speaking CLIs (opencode title and compaction, qwen-code compression and memory agents). */
const KIND_MARKERS: Array<{ kind: RecordKind; re: RegExp }> = [
  { kind: 'title', re: /You are a title generator/i },
  // qwen-code 0.24: "…summarizes a conversation when its context window is about to overflow" (system prompt, or the
  // last user message of its cache-sharing form) and "…produce the <state_snapshot> XML."
  { kind: 'compaction', re: /context summarization agent|summarizes internal chat history|summarizes a conversation when its context window is about to overflow|produce the <state_snapshot> XML|CONTEXT CHECKPOINT COMPACTION|Provide a detailed prompt for continuing our conversation/i },
  { kind: 'auxiliary', re: /managed memory (extraction|dream)|memory extraction subagent/i },
];

/** The model name the client asked for (echoed back so the client sees what it configured). */
function clientModel(body: unknown, ctx: TranslateContext): string {
  const m = isObject(body) ? body.model : undefined;
  return typeof m === 'string' && m ? m : ctx.upstreamModel;
}

/** What the client asked for itself (vs what the gateway requested upstream for its records). */
function wants(body: unknown): { usage: boolean; tokenIds: boolean; logprobs: boolean } {
  const b = isObject(body) ? body : {};
  const so = isObject(b.stream_options) ? b.stream_options : {};
  return { usage: so.include_usage === true, tokenIds: b.return_token_ids === true, logprobs: b.logprobs === true };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** Re-emits upstream chunks with the client's model name, minus the fields only the gateway asked for. */
class ChatStream implements StreamTranslator {
  private readonly model: string;
  private readonly modelJson: string;
  private readonly want: ReturnType<typeof wants>;

  constructor(body: unknown, ctx: TranslateContext) {
    this.model = clientModel(body, ctx);
    this.modelJson = JSON.stringify(this.model);
    this.want = wants(body);
  }

  // Hot path: a chunk that needs no edit but its model name is sent as the upstream wrote it, with only the
  // model's value replaced (the same JSON value as chunk() gives, without re-serialising the whole chunk).
  chunkRaw(chunk: ChatChunk, raw: string): string {
    // A multi-line `data:` field (joined with "\n") would need re-framing: re-serialise it.
    if (this.needsEdit(chunk) || raw.includes('\n')) return this.chunk(chunk);
    if (chunk.model === this.model) return `data: ${raw}\n\n`;
    const span = topLevelStringSpan(raw, 'model');
    if (!span) return this.chunk(chunk);
    return `data: ${raw.slice(0, span[0])}${this.modelJson}${raw.slice(span[1])}\n\n`;
  }

  /** True when chunk() would drop or change more than the model name. */
  private needsEdit(chunk: ChatChunk): boolean {
    if (!this.want.usage && chunk.usage !== undefined) return true;
    if (!this.want.tokenIds && chunk.prompt_token_ids !== undefined) return true;
    return !Array.isArray(chunk.choices) || chunk.choices.some((c) => this.strips(c));
  }

  chunk(chunk: ChatChunk): string {
    if (!this.want.usage && (chunk.choices?.length ?? 0) === 0 && chunk.usage) return '';
    const out: Json = { ...chunk, model: this.model };
    // Hot path (every streamed chunk): `undefined` instead of `delete` (JSON.stringify drops both, and the
    // object keeps its fast shape), and choices are copied only when they carry something to strip.
    if (!this.want.usage && out.usage !== undefined) out.usage = undefined;
    if (!this.want.tokenIds && out.prompt_token_ids !== undefined) out.prompt_token_ids = undefined;
    if (Array.isArray(chunk.choices) && chunk.choices.some((c) => this.strips(c))) {
      out.choices = chunk.choices.map((c) => {
        if (!this.strips(c)) return c;
        const copy: Json = { ...c };
        if (!this.want.tokenIds) copy.token_ids = undefined;
        if (!this.want.logprobs && 'logprobs' in copy) copy.logprobs = null;
        return copy;
      });
    }
    return `data: ${JSON.stringify(out)}\n\n`;
  }

  /** True when a choice carries token ids or logprobs the client did not ask for. */
  private strips(c: ChatChunk['choices'][number]): boolean {
    const o = c as Json;
    return (!this.want.tokenIds && o.token_ids !== undefined) || (!this.want.logprobs && o.logprobs !== undefined && o.logprobs !== null);
  }

  end(_assembled: AssembledCompletion): string {
    return 'data: [DONE]\n\n';
  }

  error(err: ProtocolError): string {
    return `data: ${JSON.stringify(chatProtocol.errorBody(err))}\n\ndata: [DONE]\n\n`;
  }
}

/** The `openai_chat` protocol. */
export const chatProtocol: Protocol = {
  name: 'openai_chat',

  toChat(body: unknown, ctx: TranslateContext): ChatRequest {
    if (!isObject(body)) throw new ProtocolRequestError('the request body must be a JSON object');
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new ProtocolRequestError('`messages` must be a non-empty array');
    }
    messages.forEach((m, i) => {
      if (!isObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) {
        throw new ProtocolRequestError(`messages[${i}].role must be one of ${[...ROLES].join(', ')}`);
      }
    });
    if (body.n !== undefined && body.n !== null && body.n !== 1) {
      throw new ProtocolRequestError('`n` other than 1 is not supported by the gateway');
    }
    return capOutputTokens({ ...(body as ChatRequest), model: ctx.upstreamModel }, ctx.maxOutputTokens);
  },

  isStream(body: unknown): boolean {
    return isObject(body) && body.stream === true;
  },

  kind(body: unknown): RecordKind {
    if (!isObject(body) || !Array.isArray(body.messages)) return 'turn';
    const msgs = body.messages.filter(isObject);
    const system = msgs.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content));
    const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
    const haystack = [...system, textOf(lastUser?.content)].join('\n');
    return KIND_MARKERS.find((k) => k.re.test(haystack))?.kind ?? 'turn';
  },

  replyBody(body: unknown): unknown {
    if (!isObject(body)) return body;
    // what clientModel() and wants() read
    return { model: body.model, stream_options: body.stream_options, return_token_ids: body.return_token_ids, logprobs: body.logprobs };
  },

  createStream(body: unknown, ctx: TranslateContext): StreamTranslator {
    return new ChatStream(body, ctx);
  },

  toResponse(a: AssembledCompletion, body: unknown, ctx: TranslateContext): unknown {
    const want = wants(body);
    const message: Json = { role: 'assistant', content: a.content === '' && a.tool_calls.length > 0 ? null : a.content };
    if (a.reasoning) message.reasoning_content = a.reasoning;
    if (a.tool_calls.length > 0) {
      message.tool_calls = a.tool_calls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    }
    const choice: Json = { index: 0, message, logprobs: want.logprobs ? { content: a.logprobs ?? [] } : null, finish_reason: a.finish_reason ?? 'stop' };
    if (want.tokenIds && a.token_ids) choice.token_ids = a.token_ids;
    const out: Json = { id: a.id || 'chatcmpl-gateway', object: 'chat.completion', created: a.created, model: clientModel(body, ctx), choices: [choice] };
    if (a.usage) out.usage = a.usage;
    if (want.tokenIds && a.prompt_token_ids) out.prompt_token_ids = a.prompt_token_ids;
    return out;
  },

  errorBody(err: ProtocolError): unknown {
    return { error: { message: err.message, type: ERROR_TYPES[err.kind] ?? 'server_error', param: null, code: err.kind } };
  },
};
