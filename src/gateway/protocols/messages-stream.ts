// Upstream chat chunks -> Anthropic Messages SSE (message_start, content blocks, message_delta, message_stop).
// Anthropic blocks are strictly sequential while chat tool-call deltas may interleave across indexes, so one
// tool block streams live and every other tool (and anything after it) is buffered and replayed in order.
import { contextLengthFigures } from '../upstream-errors.js';
import { isObject, lookup } from './body-fields.js';
import { newId, toAnthropicToolId } from './ids.js';
import { sseEvent } from './sse.js';
import type {
  AssembledCompletion,
  ChatChunk,
  ChatUsage,
  ProtocolError,
  StreamTranslator,
  TranslateContext,
} from './types.js';

// chat finish_reason -> Anthropic stop_reason (content_filter as refusal, so claude-code does not re-ask).
export const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  length: 'max_tokens',
  content_filter: 'refusal',
};

/** The stop_reason for a finished completion: tool calls win over a plain `stop` (some backends say stop). */
export function stopReason(finish: string | null, hasToolCalls: boolean): string {
  const mapped = lookup(STOP_REASONS, finish) ?? 'end_turn';
  return mapped === 'end_turn' && hasToolCalls ? 'tool_use' : mapped;
}

/** Anthropic usage: input_tokens excludes cache reads, which are reported separately. */
export function messagesUsage(u: ChatUsage | null | undefined): {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
} {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached),
    output_tokens: u?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

type Segment = { kind: 'text' | 'thinking'; text: string } | { kind: 'tool'; tool: ToolState };
interface ToolState {
  index: number;
  id?: string;
  name?: string;
  /** Argument fragments in arrival order (replayed one delta each when the block is buffered). */
  fragments: string[];
  placement?: 'live' | 'pending';
}
type Live = { kind: 'text' | 'thinking'; index: number; text: string } | { kind: 'tool'; index: number; tool: ToolState };

/** Streams one upstream completion as Anthropic Messages events. */
export class MessagesStream implements StreamTranslator {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private live: Live | undefined;
  private readonly pending: Segment[] = [];
  private readonly tools = new Map<number, ToolState>();
  private usage: ChatUsage | undefined;
  private readonly model: string;

  constructor(body: unknown, private readonly ctx: TranslateContext) {
    this.model = isObject(body) && typeof body.model === 'string' ? body.model : ctx.upstreamModel;
  }

  chunk(chunk: ChatChunk): string {
    if (this.finished) return '';
    if (chunk.usage) this.usage = chunk.usage;
    let out = this.start();
    const delta = chunk.choices[0]?.delta;
    if (!delta) return out;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) out += this.textLike('thinking', reasoning);
    if (delta.content) out += this.textLike('text', delta.content);
    for (const tc of delta.tool_calls ?? []) out += this.toolDelta(tc.index, tc.id, tc.function?.name, tc.function?.arguments);
    return out;
  }

  end(assembled: AssembledCompletion): string {
    if (this.finished) return '';
    let out = this.start();
    if (this.nextIndex === 0 && this.pending.length === 0 && this.tools.size === 0) out += this.replay(assembled);
    const ordered = [...this.tools.values()].sort((a, b) => a.index - b.index);
    for (const tool of ordered) {
      tool.name ??= assembled.tool_calls[tool.index]?.name ?? 'unknown_tool';
      tool.id ??= assembled.tool_calls[tool.index]?.id;
    }
    out += this.closeLive();
    for (const seg of this.pending) out += this.emitWhole(seg);
    for (const tool of ordered) if (!tool.placement) out += this.emitWhole({ kind: 'tool', tool });
    this.finished = true;
    const usage = messagesUsage(assembled.usage ?? this.usage);
    out += sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason(assembled.finish_reason, this.tools.size > 0), stop_sequence: null },
      usage,
    });
    return out + sseEvent('message_stop', { type: 'message_stop' });
  }

  error(err: ProtocolError): string {
    if (this.finished) return '';
    this.finished = true;
    return this.start() + sseEvent('error', messagesErrorBody(err));
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: messagesUsage(this.usage),
    };
    return sseEvent('message_start', { type: 'message_start', message });
  }

  /** Nothing was streamed (the core had a non-streaming upstream answer): emit the assembled completion. */
  private replay(a: AssembledCompletion): string {
    let out = '';
    if (a.reasoning) out += this.textLike('thinking', a.reasoning);
    if (a.content) out += this.textLike('text', a.content);
    a.tool_calls.forEach((tc, i) => (out += this.toolDelta(i, tc.id, tc.name, tc.arguments)));
    return out;
  }

  private textLike(kind: 'text' | 'thinking', text: string): string {
    if (this.live?.kind === 'tool') {
      const last = this.pending.at(-1);
      if (last && last.kind === kind) last.text += text;
      else this.pending.push({ kind, text });
      return '';
    }
    let out = '';
    if (this.live?.kind !== kind) {
      out += this.closeLive();
      this.live = { kind, index: this.nextIndex++, text: '' };
      out += blockStart(this.live.index, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
    }
    const live = this.live;
    live.text += text;
    return out + blockDelta(live.index, kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text });
  }

  private toolDelta(index: number, id: string | undefined, name: string | undefined, args: string | undefined): string {
    let tool = this.tools.get(index);
    if (!tool) {
      tool = { index, fragments: [] };
      this.tools.set(index, tool);
    }
    if (id && !tool.id) tool.id = id;
    if (name && !tool.name) tool.name = name;
    const fragment = args ?? '';
    if (fragment !== '') tool.fragments.push(fragment);
    if (tool.placement === 'live') return fragment === '' ? '' : blockDelta(this.liveIndex(), jsonDelta(fragment));
    if (tool.placement === 'pending') return '';
    if (this.live?.kind === 'tool') {
      tool.placement = 'pending';
      this.pending.push({ kind: 'tool', tool });
      return '';
    }
    if (!tool.name) return ''; // wait for the name: a tool_use block cannot start without it
    let out = this.closeLive();
    tool.placement = 'live';
    this.live = { kind: 'tool', index: this.nextIndex++, tool };
    out += blockStart(this.live.index, toolBlock(tool));
    for (const f of tool.fragments) out += blockDelta(this.live.index, jsonDelta(f));
    return out;
  }

  private liveIndex(): number {
    return this.live?.index ?? 0;
  }

  private closeLive(): string {
    const live = this.live;
    this.live = undefined;
    if (!live) return '';
    let out = '';
    if (live.kind === 'thinking') out += blockDelta(live.index, { type: 'signature_delta', signature: this.ctx.sealReasoning(live.text) });
    // A call without arguments still needs a parsable input.
    if (live.kind === 'tool' && live.tool.fragments.length === 0) out += blockDelta(live.index, jsonDelta('{}'));
    return out + sseEvent('content_block_stop', { type: 'content_block_stop', index: live.index });
  }

  /** A buffered segment as one complete block (tool fragments replayed in their original order). */
  private emitWhole(seg: Segment): string {
    if (seg.kind === 'tool') {
      seg.tool.placement = 'live';
      this.live = { kind: 'tool', index: this.nextIndex++, tool: seg.tool };
      let out = blockStart(this.live.index, toolBlock(seg.tool));
      for (const f of seg.tool.fragments) out += blockDelta(this.live.index, jsonDelta(f));
      return out + this.closeLive();
    }
    return this.textLike(seg.kind, seg.text) + this.closeLive();
  }
}

/** The Anthropic error body (`{type:'error', error:{type, message}}`) for a gateway error. */
export function messagesErrorBody(err: ProtocolError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: lookup(MESSAGES_ERROR_TYPES, err.kind) ?? 'api_error', message: messagesErrorMessage(err) } };
}

// Gateway error kinds -> Anthropic error types. 429/529-style types are retried by claude-code; a session
// that hit its completion cap or was closed should stop it, hence billing/permission errors.
export const MESSAGES_ERROR_TYPES: Record<string, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  not_found: 'not_found_error',
  rate_limit: 'rate_limit_error',
  context_length_exceeded: 'invalid_request_error',
  max_completions: 'billing_error',
  session_closed: 'permission_error',
  upstream_error: 'api_error',
  overloaded: 'overloaded_error',
  empty_output: 'api_error',
  stream_interrupted: 'api_error',
};

/** Context overflow in Anthropic's words ("prompt is too long: N tokens > M maximum"), which claude-code recognises. */
function messagesErrorMessage(err: ProtocolError): string {
  if (err.kind !== 'context_length_exceeded' || /^prompt is too long/i.test(err.message)) return err.message;
  const figures = contextLengthFigures(err.message);
  if (figures) return `prompt is too long: ${figures.used} tokens > ${figures.max} maximum`;
  return `prompt is too long: ${err.message}`;
}

function blockStart(index: number, block: Record<string, unknown>): string {
  return sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
}

function blockDelta(index: number, delta: Record<string, unknown>): string {
  return sseEvent('content_block_delta', { type: 'content_block_delta', index, delta });
}

function jsonDelta(partial: string): Record<string, unknown> {
  return { type: 'input_json_delta', partial_json: partial };
}

function toolBlock(tool: ToolState): Record<string, unknown> {
  return { type: 'tool_use', id: toAnthropicToolId(tool.id), name: tool.name ?? 'unknown_tool', input: {} };
}
