// Upstream chat chunks -> Gemini `GenerateContentResponse`s: one SSE event per chunk with text or thought parts, and a
// last event with the function calls (whole: Gemini has no argument deltas), the finish reason and the usage. The
// same envelope is the non-streaming answer. Errors take Google's `{error:{code,message,status}}` shape.
import { randomUUID } from 'node:crypto';
import { contextLengthFigures } from '../upstream-errors.js';
import { argumentsObject, lookup, type Json } from './body-fields.js';
import type { AssembledCompletion, ChatChunk, ChatUsage, ProtocolError, StreamTranslator, TranslateContext } from './types.js';

// chat finish_reason -> Gemini finishReason. gemini-cli tells a tool call from an answer by its parts, and Gemini
// itself ends a function-call turn with STOP.
const FINISH_REASONS: Record<string, string> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  function_call: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

/** The Gemini finishReason of a finished completion (an unknown reason is OTHER). */
export function finishReason(finish: string | null): string {
  return finish === null ? 'STOP' : (lookup(FINISH_REASONS, finish) ?? 'OTHER');
}

/** Gemini usage: candidates exclude thoughts, which are counted apart; the prompt count includes cached tokens. */
export function usageMetadata(u: ChatUsage | null | undefined): Json | undefined {
  if (!u) return undefined;
  const thoughts = u.completion_tokens_details?.reasoning_tokens ?? 0;
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    promptTokenCount: u.prompt_tokens,
    candidatesTokenCount: Math.max(0, u.completion_tokens - thoughts),
    totalTokenCount: u.total_tokens,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
  };
}

/**
 * The function calls as parts. Ids round-trip (gemini-cli echoes `functionCall.id` in `functionResponse.id`), and the
 * sealed reasoning rides on the first call's `thoughtSignature`, the one part gemini-cli keeps in its history.
 */
function functionCallParts(a: AssembledCompletion, ctx: TranslateContext): Json[] {
  return a.tool_calls.map((tc, i) => ({
    functionCall: { id: tc.id, name: tc.name, args: argumentsObject(tc.arguments) },
    ...(i === 0 && a.reasoning ? { thoughtSignature: ctx.sealReasoning(a.reasoning) } : {}),
  }));
}

interface Envelope {
  parts: Json[];
  finishReason?: string;
  usage?: Json | undefined;
  model: string;
  responseId: string;
}

/** One `GenerateContentResponse`, keys in the order Gemini sends them. */
function response(e: Envelope): Json {
  return {
    candidates: [{ content: { role: 'model', parts: e.parts }, ...(e.finishReason ? { finishReason: e.finishReason } : {}), index: 0 }],
    ...(e.usage ? { usageMetadata: e.usage } : {}),
    modelVersion: e.model,
    responseId: e.responseId,
  };
}

function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** The upstream completion id when there is one, so a client-visible responseId leads to its record. */
function responseIdOf(id: string | undefined): string {
  return id || randomUUID().replaceAll('-', '');
}

/** The non-streaming answer. */
export function geminiResponse(a: AssembledCompletion, ctx: TranslateContext): Json {
  const parts: Json[] = [];
  if (a.reasoning) parts.push({ text: a.reasoning, thought: true });
  if (a.content) parts.push({ text: a.content });
  parts.push(...functionCallParts(a, ctx));
  return response({ parts, finishReason: finishReason(a.finish_reason), usage: usageMetadata(a.usage), model: ctx.upstreamModel, responseId: responseIdOf(a.id) });
}

/** Streams one upstream completion as Gemini SSE events (`data:` lines only, no `[DONE]`). */
export class GeminiStream implements StreamTranslator {
  private responseId: string | undefined;
  private sent = false;
  private finished = false;

  constructor(private readonly ctx: TranslateContext) {}

  chunk(chunk: ChatChunk): string {
    this.responseId ??= responseIdOf(chunk.id);
    const delta = chunk.choices[0]?.delta;
    if (this.finished || !delta) return '';
    const parts: Json[] = [];
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) parts.push({ text: reasoning, thought: true });
    if (delta.content) parts.push({ text: delta.content });
    return parts.length > 0 ? this.event({ parts }) : '';
  }

  end(a: AssembledCompletion): string {
    if (this.finished) return '';
    this.finished = true;
    return this.event({ parts: functionCallParts(a, this.ctx), finishReason: finishReason(a.finish_reason), usage: usageMetadata(a.usage) });
  }

  /**
   * Before any output, an in-stream error reads to gemini-cli as an empty answer, which it retries a few times and then
   * reports (reference §2c). After output it would keep the partial text as the answer, so the connection is aborted.
   */
  error(err: ProtocolError): string | undefined {
    if (this.finished) return '';
    this.finished = true;
    return this.sent ? undefined : sseData(geminiErrorBody(err));
  }

  private event(e: Omit<Envelope, 'model' | 'responseId'>): string {
    this.sent = true;
    return sseData(response({ ...e, model: this.ctx.upstreamModel, responseId: (this.responseId ??= responseIdOf(undefined)) }));
  }
}

// Google's status name per HTTP code (google.rpc.Code's HTTP mapping); other 5xx are INTERNAL, other 4xx INVALID_ARGUMENT.
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

// Gateway refusals that must stop gemini-cli: it retries 429, 499 and every 5xx (up to 10 times, minutes of backoff)
// and gives up at once on the rest. A closed session's 410 has no Google status; 403 says the same.
const KIND_ERRORS: Record<string, { code: number; status: string }> = {
  max_completions: { code: 400, status: 'FAILED_PRECONDITION' },
  session_closed: { code: 403, status: 'PERMISSION_DENIED' },
};

/** The HTTP status (= the body's `code`) of a gateway error for a Gemini client. */
export function geminiErrorStatus(err: ProtocolError): number {
  return lookup(KIND_ERRORS, err.kind)?.code ?? err.status;
}

/** Google's error body for a gateway error. */
export function geminiErrorBody(err: ProtocolError): { error: { code: number; message: string; status: string } } {
  const code = geminiErrorStatus(err);
  const status = lookup(KIND_ERRORS, err.kind)?.status ?? lookup(GOOGLE_STATUS, String(code)) ?? (code >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
  return { error: { code, message: geminiErrorMessage(err), status } };
}

/** Context overflow in the Gemini API's own words (its 400 for a prompt over the model's limit). */
function geminiErrorMessage(err: ProtocolError): string {
  const figures = err.kind === 'context_length_exceeded' ? contextLengthFigures(err.message) : undefined;
  if (!figures) return err.message;
  return `The input token count (${figures.used}) exceeds the maximum number of tokens allowed (${figures.max}).`;
}
