// The seam between the gateway core (HTTP, sessions, upstream, retries, records) and the per-protocol
// translators (pure code: client request -> upstream chat request, upstream chat chunks -> client events).

/** Wire protocol a client speaks; also the ses file's `trajectory.metadata.api_type`. */
export type ClientProtocol = 'openai_chat' | 'openai_responses' | 'anthropic_messages' | 'gemini';

/** What a completion was for: a normal agent turn, a context compaction, a title, or other side traffic. */
export type RecordKind = 'turn' | 'compaction' | 'title' | 'auxiliary';

/** An OpenAI chat-completions request body as sent upstream (loosely typed: passthrough keeps unknown fields). */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: ChatTool[];
  tool_choice?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  parallel_tool_calls?: boolean;
  [extra: string]: unknown;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | null | Array<Record<string, unknown>>;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  name?: string;
  /** vLLM/DeepSeek style reasoning text on assistant messages (restored from signatures / encrypted_content). */
  reasoning_content?: string;
  [extra: string]: unknown;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** One upstream `chat.completion.chunk` (the fields the translators read). */
export interface ChatChunk {
  id?: string;
  model?: string;
  created?: number;
  choices: Array<{
    index: number;
    delta: {
      role?: string;
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }>;
    };
    finish_reason?: string | null;
    logprobs?: unknown;
    token_ids?: number[];
  }>;
  usage?: ChatUsage | null;
  prompt_token_ids?: number[];
  /** vLLM `prompt_logprobs` (non-streaming responses only): null, then one {"<token id>": {logprob, …}} per prompt token. */
  prompt_logprobs?: unknown[];
  /** The policy version that produced the chunk, when the upstream (a trainer) says. */
  weight_version?: string | number;
  /** vLLM may send an error object inside a 200 SSE stream. */
  error?: unknown;
}

/** The upstream response assembled from a stream (or taken from a non-streaming body). */
export interface AssembledCompletion {
  id: string;
  model: string;
  created: number;
  content: string;
  reasoning: string;
  tool_calls: Array<{ id: string; name: string; arguments: string }>;
  finish_reason: string | null;
  usage?: ChatUsage;
  prompt_token_ids?: number[];
  token_ids?: number[];
  logprobs?: unknown[];
  prompt_logprobs?: unknown[];
  /** From a `weight_version` field of the body or a chunk, else the reply's `x-weight-version` header. */
  weight_version?: string | number;
}

/** An error to send to the client in its protocol's shape. */
export interface ProtocolError {
  /** HTTP status when sent before the first byte (non-streaming or pre-stream). */
  status: number;
  /**
   * Machine-readable class: 'invalid_request' | 'authentication' | 'not_found' | 'rate_limit' | 'upstream_error'
   * | 'context_length_exceeded' | 'max_completions' | 'session_closed' | 'empty_output' | 'overloaded' | 'stream_interrupted'.
   */
  kind: string;
  message: string;
}

/** Per-request context the core hands to a translator. */
export interface TranslateContext {
  /** The upstream model name (client model names are rewritten to it). */
  upstreamModel: string;
  /** Cap for max output tokens, when configured. */
  maxOutputTokens?: number;
  /** Seal/unseal reasoning text into a gateway-owned opaque string (HMAC'd with a gateway secret). */
  sealReasoning(text: string): string;
  /** Returns the original reasoning text, or undefined when the blob is not ours or was tampered with. */
  unsealReasoning(blob: string): string | undefined;
}

/** Incremental translator of one upstream stream into client SSE text. Every method returns text to write. */
export interface StreamTranslator {
  /** Upstream chunk (already parsed). */
  chunk(chunk: ChatChunk): string;
  /**
   * Optional fast path: the same chunk with `raw`, the JSON text it was parsed from (unchanged since), so a
   * passthrough can edit the text instead of re-serialising the object. Must send the same JSON value as `chunk`.
   */
  chunkRaw?(chunk: ChatChunk, raw: string): string;
  /** The upstream finished normally; emit the terminal events (completed / incomplete on `length`). */
  end(assembled: AssembledCompletion): string;
  /**
   * A failure after the stream started (or before, for streaming clients): emit protocol-valid terminal error events.
   * `undefined` when the protocol cannot carry this failure inside the stream (gemini-cli takes an in-stream error
   * after output for a normal end): the sink then aborts the connection, which the client sees as a transport failure.
   */
  error(err: ProtocolError): string | undefined;
}

/** One client protocol: request translation, streaming and non-streaming response translation, error shapes. */
export interface Protocol {
  readonly name: ClientProtocol;
  /** Translate the client body into an upstream chat request. Throws ProtocolRequestError on invalid input. */
  toChat(body: unknown, ctx: TranslateContext): ChatRequest;
  /** Whether the client wants SSE: from the body, or from the URL's `action` where the protocol puts it there (Gemini). */
  isStream(body: unknown, action?: string): boolean;
  /** What the request is for (compaction, title, …) from its body and headers. */
  kind(body: unknown, headers: Record<string, string | string[] | undefined>): RecordKind;
  /**
   * The part of the client body that `createStream` and `toResponse` read, kept for the whole completion in
   * place of the body (whose messages can be hundreds of KiB). Without it the whole body is kept.
   */
  replyBody?(body: unknown): unknown;
  createStream(body: unknown, ctx: TranslateContext): StreamTranslator;
  /** Non-streaming response body. */
  toResponse(assembled: AssembledCompletion, body: unknown, ctx: TranslateContext): unknown;
  /** Non-streaming error body (sent with `errorStatus(err)`, else `err.status`). */
  errorBody(err: ProtocolError): unknown;
  /** The HTTP status of an error where the protocol's clients need another one than `err.status` (Gemini's codes). */
  errorStatus?(err: ProtocolError): number;
}

/** An error as the protocol answers it before streaming: HTTP status and body. */
export function errorReply(protocol: Protocol, err: ProtocolError): { status: number; body: unknown } {
  return { status: protocol.errorStatus?.(err) ?? err.status, body: protocol.errorBody(err) };
}

/** Thrown by `toChat` when the client body is malformed: becomes a 400 in the protocol's error shape. */
export class ProtocolRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolRequestError';
  }
}
