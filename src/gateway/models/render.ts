// Renders a policy's ModelReply into vLLM-shaped chat-completions output: `chat.completion.chunk`s for
// streaming clients (role first, content/reasoning pieces, tool-call header then argument pieces, finish,
// usage) or one `chat.completion`; both carry the same fake token ids so recorders can check them.
import type { ChatRequest, ChatUsage } from '../protocols/types.js';
import { CHARS_PER_TOKEN, countTokens, END_OF_TURN, promptLogprobEntries, promptText, promptTokens, SPECIAL_TOKENS, textTokens, tokenLogprobs, type FakeToken } from './tokens.js';
import type { ModelReply } from './types.js';

/** Identity of one completion. */
export interface RenderContext {
  id: string;
  model: string;
  created: number;
  body: ChatRequest;
  /** Render the history with retokenization drift (tokens.ts `promptTokens`). */
  drift?: boolean;
}

interface PlannedDelta {
  delta: Record<string, unknown>;
  /** Generated tokens this delta stands for (its `token_ids`, its `logprobs`). */
  tokens: FakeToken[];
  finish_reason?: string;
}

/**
 * Splits text into several pieces (at most ~8, at least 8 characters each) so streams look real; every piece but the
 * last is a whole number of fake tokens, so the pieces' token ids add up to the text's.
 */
export function splitPieces(text: string): string[] {
  if (text.length === 0) return [];
  if (text.length <= 16) return [text];
  const size = Math.ceil(Math.max(8, Math.ceil(text.length / 8)) / CHARS_PER_TOKEN) * CHARS_PER_TOKEN;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The deltas of a reply; their tokens, in order, are exactly `assistantBodyTokens(reply)` plus the end of turn. */
function planDeltas(reply: ModelReply): PlannedDelta[] {
  const plan: PlannedDelta[] = [{ delta: { role: 'assistant', content: '' }, tokens: [] }];
  const reasoning = splitPieces(reply.reasoning ?? '');
  reasoning.forEach((p, i) => {
    const tokens = textTokens(p);
    if (i === 0) tokens.unshift({ id: SPECIAL_TOKENS['<think>'], text: '<think>' });
    if (i === reasoning.length - 1) tokens.push({ id: SPECIAL_TOKENS['</think>'], text: '</think>' });
    plan.push({ delta: { reasoning_content: p }, tokens });
  });
  for (const p of splitPieces(reply.content)) plan.push({ delta: { content: p }, tokens: textTokens(p) });
  (reply.tool_calls ?? []).forEach((call, index) => {
    const header = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    const open = [{ id: SPECIAL_TOKENS['<tool_call>'], text: '<tool_call>' }, ...textTokens(call.name), { id: SPECIAL_TOKENS['\n'], text: '\n' }];
    plan.push({ delta: { tool_calls: [header] }, tokens: open });
    for (const p of splitPieces(call.arguments)) plan.push({ delta: { tool_calls: [{ index, function: { arguments: p } }] }, tokens: textTokens(p) });
    plan.at(-1)!.tokens.push({ id: SPECIAL_TOKENS['</tool_call>'], text: '</tool_call>' });
  });
  plan.push({ delta: {}, tokens: reply.finish_reason === 'length' ? [] : [END_OF_TURN], finish_reason: reply.finish_reason });
  return plan;
}

function wantsTokenIds(body: ChatRequest): boolean {
  return body.return_token_ids === true;
}

function logprobOpts(body: ChatRequest): { topLogprobs?: number; tokensAsIds?: boolean } | undefined {
  if (body.logprobs !== true) return undefined;
  const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
  return { topLogprobs: top, tokensAsIds: body.return_tokens_as_token_ids === true };
}

/**
 * Usage: the toy template's counts when token ids are asked (so usage matches the ids sent), else the plain character
 * estimate (what the context-pressure behaviour of the built-in models was tuned on).
 */
function usageOf(reply: ModelReply, ctx: RenderContext, plan: PlannedDelta[]): ChatUsage {
  if (reply.usage) return reply.usage;
  const ids = wantsTokenIds(ctx.body);
  const prompt = ids ? promptTokens(ctx.body, { drift: ctx.drift }).length : countTokens(promptText(ctx.body));
  const completion = ids ? plan.reduce((n, d) => n + d.tokens.length, 0) : plan.reduce((n, d) => n + d.tokens.reduce((k, t) => k + (t.id >= 150_000 ? 0 : countTokens(t.text)), 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function promptIds(ctx: RenderContext): number[] {
  return promptTokens(ctx.body, { drift: ctx.drift }).map((t) => t.id);
}

/** vLLM answers `prompt_logprobs` only unstreamed. */
function promptLogprobsOf(ctx: RenderContext): unknown[] | undefined {
  const n = ctx.body.prompt_logprobs;
  return typeof n === 'number' && n >= 0 ? promptLogprobEntries(promptTokens(ctx.body, { drift: ctx.drift })) : undefined;
}

/** The chunk objects of a streamed answer (without the final `[DONE]`). */
export function renderChunks(reply: ModelReply, ctx: RenderContext): Array<Record<string, unknown>> {
  const { body } = ctx;
  const plan = planDeltas(reply);
  const lp = logprobOpts(body);
  const base = { id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model };
  const chunks: Array<Record<string, unknown>> = plan.map((d, i) => {
    const choice: Record<string, unknown> = { index: 0, delta: d.delta, logprobs: null, finish_reason: d.finish_reason ?? null };
    if (lp) choice.logprobs = { content: tokenLogprobs(d.tokens, lp) };
    if (wantsTokenIds(body)) choice.token_ids = d.tokens.map((t) => t.id);
    const chunk: Record<string, unknown> = { ...base, choices: [choice] };
    if (i === 0 && wantsTokenIds(body)) chunk.prompt_token_ids = promptIds(ctx);
    return chunk;
  });
  const opts = body.stream_options;
  if (opts && typeof opts === 'object' && opts.include_usage === true) {
    chunks.push({ ...base, choices: [], usage: usageOf(reply, ctx, plan) });
  }
  return chunks;
}

/** The non-streaming `chat.completion` body of an answer. */
export function renderCompletion(reply: ModelReply, ctx: RenderContext): Record<string, unknown> {
  const { body } = ctx;
  const plan = planDeltas(reply);
  const calls = reply.tool_calls ?? [];
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: reply.content === '' && calls.length > 0 ? null : reply.content,
  };
  if (reply.reasoning) message.reasoning_content = reply.reasoning;
  if (calls.length > 0) {
    message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  const lp = logprobOpts(body);
  const tokens = plan.flatMap((d) => d.tokens);
  const choice: Record<string, unknown> = {
    index: 0,
    message,
    logprobs: lp ? { content: tokenLogprobs(tokens, lp) } : null,
    finish_reason: reply.finish_reason,
  };
  if (wantsTokenIds(body)) choice.token_ids = tokens.map((t) => t.id);
  const out: Record<string, unknown> = {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices: [choice],
    usage: usageOf(reply, ctx, plan),
  };
  if (wantsTokenIds(body)) out.prompt_token_ids = promptIds(ctx);
  const promptLogprobs = promptLogprobsOf(ctx);
  if (promptLogprobs) out.prompt_logprobs = promptLogprobs;
  return out;
}

/** One SSE frame. */
export function sseFrame(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
