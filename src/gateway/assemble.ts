// Folds upstream chat chunks into one AssembledCompletion (what records keep and non-streaming clients get),
// and turns a non-streaming upstream body into chunks so that both paths share one pipeline.
import { randomBytes } from 'node:crypto';
import type { AssembledCompletion, ChatChunk, ChatUsage } from './protocols/types.js';

type Choice = ChatChunk['choices'][number];

/** True when a chunk carries visible output (text or a tool call): the moment a streaming client may see bytes. */
export function hasVisibleDelta(chunk: ChatChunk): boolean {
  const c = chunk.choices?.[0];
  if (!c?.delta) return false;
  return (typeof c.delta.content === 'string' && c.delta.content.length > 0) || (Array.isArray(c.delta.tool_calls) && c.delta.tool_calls.length > 0);
}

/** True when a chunk carries any generated delta (reasoning included), for time-to-first-token. */
export function hasAnyDelta(chunk: ChatChunk): boolean {
  const d = chunk.choices?.[0]?.delta;
  return Boolean(d && (d.content || d.reasoning_content || d.reasoning || d.tool_calls?.length));
}

/** Reasoning but no content and no tool calls: a turn the agent cannot use (retried once, then an error). */
export function isReasoningOnly(a: AssembledCompletion): boolean {
  return a.content.trim() === '' && a.tool_calls.length === 0 && a.reasoning.trim() !== '';
}

/** Accumulates one upstream stream (choice 0 only; the gateway rejects n > 1). */
export class CompletionAssembler {
  private readonly a: AssembledCompletion = {
    id: '',
    model: '',
    created: 0,
    content: '',
    reasoning: '',
    tool_calls: [],
    finish_reason: null,
  };
  private readonly toolsByIndex = new Map<number, { id: string; name: string; arguments: string }>();
  private finished = false;

  /** Adds one chunk. */
  add(chunk: ChatChunk): void {
    const a = this.a;
    if (!a.id && typeof chunk.id === 'string') a.id = chunk.id;
    if (!a.model && typeof chunk.model === 'string') a.model = chunk.model;
    if (!a.created && typeof chunk.created === 'number') a.created = chunk.created;
    if (chunk.usage) a.usage = chunk.usage as ChatUsage;
    if (Array.isArray(chunk.prompt_token_ids) && !a.prompt_token_ids) a.prompt_token_ids = chunk.prompt_token_ids;
    if (Array.isArray(chunk.prompt_logprobs) && !a.prompt_logprobs) a.prompt_logprobs = chunk.prompt_logprobs;
    if (isVersion(chunk.weight_version)) a.weight_version = chunk.weight_version;
    const choice = chunk.choices?.find((c) => (c?.index ?? 0) === 0);
    if (choice) this.addChoice(choice);
  }

  private addChoice(c: Choice): void {
    const a = this.a;
    const d = c.delta ?? {};
    if (typeof d.content === 'string') a.content += d.content;
    const reasoning = d.reasoning_content ?? d.reasoning;
    if (typeof reasoning === 'string') a.reasoning += reasoning;
    for (const tc of d.tool_calls ?? []) {
      const index = typeof tc.index === 'number' ? tc.index : this.toolsByIndex.size;
      let slot = this.toolsByIndex.get(index);
      if (!slot) {
        slot = { id: '', name: '', arguments: '' };
        this.toolsByIndex.set(index, slot);
        a.tool_calls.push(slot);
      }
      if (tc.id && !slot.id) slot.id = tc.id;
      if (tc.function?.name && !slot.name) slot.name = tc.function.name;
      if (typeof tc.function?.arguments === 'string') slot.arguments += tc.function.arguments;
    }
    if (Array.isArray(c.token_ids)) (a.token_ids ??= []).push(...c.token_ids);
    const lp = c.logprobs as { content?: unknown } | null | undefined;
    if (lp && Array.isArray(lp.content)) (a.logprobs ??= []).push(...lp.content);
    else if (lp) (a.logprobs ??= []).push(lp);
    if (c.finish_reason) {
      a.finish_reason = c.finish_reason;
      this.finished = true;
    }
  }

  /** True once choice 0 reported a finish_reason. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** The assembled completion (tool calls without an upstream id get one). */
  result(): AssembledCompletion {
    for (const tc of this.a.tool_calls) if (!tc.id) tc.id = `call_${randomBytes(12).toString('hex')}`;
    if (!this.a.created) this.a.created = Math.floor(Date.now() / 1000);
    return this.a;
  }
}

/** A policy version as a trainer may send it: a non-empty string or a finite number. */
export function isVersion(v: unknown): v is string | number {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
}

/** A non-streaming upstream `chat.completion` body as the chunks a stream would have carried. */
export function completionToChunks(body: unknown): ChatChunk[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const choice = (Array.isArray(b.choices) ? b.choices[0] : undefined) as Record<string, unknown> | undefined;
  const msg = (choice?.message ?? {}) as Record<string, unknown>;
  const base = { id: b.id as string | undefined, model: b.model as string | undefined, created: b.created as number | undefined };
  const toolCalls = Array.isArray(msg.tool_calls) ? (msg.tool_calls as Array<Record<string, unknown>>) : [];
  const first: ChatChunk = {
    ...base,
    choices: [
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: typeof msg.content === 'string' ? msg.content : null,
          reasoning_content: (msg.reasoning_content ?? msg.reasoning ?? null) as string | null,
          ...(toolCalls.length
            ? {
                tool_calls: toolCalls.map((tc, index) => ({
                  index,
                  id: tc.id as string,
                  type: 'function' as const,
                  function: tc.function as { name?: string; arguments?: string },
                })),
              }
            : {}),
        },
        finish_reason: (choice?.finish_reason as string | null | undefined) ?? 'stop',
        ...(choice?.logprobs ? { logprobs: choice.logprobs } : {}),
        ...(Array.isArray(choice?.token_ids) ? { token_ids: choice.token_ids as number[] } : {}),
      },
    ],
    ...(Array.isArray(b.prompt_token_ids) ? { prompt_token_ids: b.prompt_token_ids as number[] } : {}),
    ...(Array.isArray(b.prompt_logprobs) ? { prompt_logprobs: b.prompt_logprobs as unknown[] } : {}),
    ...(isVersion(b.weight_version) ? { weight_version: b.weight_version } : {}),
  };
  const chunks: ChatChunk[] = [first];
  if (b.usage) chunks.push({ ...base, choices: [], usage: b.usage as ChatUsage });
  return chunks;
}
