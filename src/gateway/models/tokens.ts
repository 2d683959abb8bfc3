// A fake but deterministic "tokenizer" (4 characters per token) so the built-in models can answer
// vLLM's `return_token_ids` / `logprobs` extensions and report usage that matches the ids they send.
import type { ChatRequest } from '../protocols/types.js';

/** Characters per fake token; usage is therefore ceil(chars / 4). */
export const CHARS_PER_TOKEN = 4;

/** Splits text into fake tokens (fixed 4-character pieces). */
export function fakeTokens(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHARS_PER_TOKEN) out.push(text.slice(i, i + CHARS_PER_TOKEN));
  return out;
}

/** Stable id of a fake token: FNV-1a over its UTF-16 units, folded into a 150k vocabulary. */
export function fakeTokenId(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 150_000;
}

/** Token ids of a text, consistent with `fakeTokens`. */
export function fakeTokenIds(text: string): number[] {
  return fakeTokens(text).map(fakeTokenId);
}

/** Number of fake tokens in a text without materialising them. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The text the prompt is "tokenized" from (the serialized messages; tools are not counted). */
export function promptText(body: ChatRequest): string {
  return JSON.stringify(body.messages);
}

/** OpenAI/vLLM `logprobs.content` entries for a text, with deterministic fake log-probabilities. */
export function fakeLogprobs(text: string, opts: { topLogprobs?: number; tokensAsIds?: boolean }): unknown[] {
  return fakeTokens(text).map((tok) => {
    const id = fakeTokenId(tok);
    const label = opts.tokensAsIds ? `token_id:${id}` : tok;
    const logprob = -((id % 1000) / 10_000);
    const entry = { token: label, logprob, bytes: [...Buffer.from(tok, 'utf8')] };
    const top = Array.from({ length: Math.max(0, opts.topLogprobs ?? 0) }, (_, k) =>
      k === 0 ? entry : { token: opts.tokensAsIds ? `token_id:${(id + k) % 150_000}` : `<alt${k}>`, logprob: logprob - k, bytes: null },
    );
    return { ...entry, top_logprobs: top };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A toy chat template (ChatML-like) over the fake tokenizer, for `return_token_ids`: each message is rendered as
// <|im_start|> role \n body <|im_end|>, the prompt ends with the generation prompt <|im_start|> assistant \n, and a
// completion is the assistant body plus <|im_end|>. Bodies are tokenized per part, so the prompt of the next turn
// begins with this turn's prompt + completion ids exactly when the client sends the answer back unchanged: what a
// trainer checks for retokenization drift. `drift` renders earlier assistant messages with an extra \n token before
// their <|im_end|> (as templates that add whitespace around the content do, which the model never generated), so each
// turn's prompt departs from the previous prompt + completion at that completion's last token (its <|im_end|>).

/** One fake token: its id and the text it stands for. */
export interface FakeToken {
  id: number;
  text: string;
}

/** Special tokens, above the 150k vocabulary of `fakeTokenId`. */
export const SPECIAL_TOKENS = {
  '<|im_start|>': 150_001,
  '<|im_end|>': 150_002,
  '<think>': 150_003,
  '</think>': 150_004,
  '<tool_call>': 150_005,
  '</tool_call>': 150_006,
  '\n': 150_007,
} as const;

type Special = keyof typeof SPECIAL_TOKENS;
const special = (text: Special): FakeToken => ({ id: SPECIAL_TOKENS[text], text });

/** Text as fake tokens (4 characters each). */
export function textTokens(text: string): FakeToken[] {
  return fakeTokens(text).map((t) => ({ id: fakeTokenId(t), text: t }));
}

/** What an assistant turn holds, as generated or as sent back in the history. */
export interface AssistantParts {
  reasoning?: string;
  content: string;
  tool_calls?: Array<{ name: string; arguments: string }>;
}

/** Tool arguments as the template renders them from a history (parsed and serialised again, like `tojson`). */
function canonicalArguments(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args));
  } catch {
    return args;
  }
}

/** The tokens of an assistant body; `history` renders tool arguments the template's way instead of as generated. */
export function assistantBodyTokens(parts: AssistantParts, history: boolean): FakeToken[] {
  const out: FakeToken[] = [];
  if (parts.reasoning) out.push(special('<think>'), ...textTokens(parts.reasoning), special('</think>'));
  out.push(...textTokens(parts.content));
  for (const call of parts.tool_calls ?? []) {
    out.push(special('<tool_call>'), ...textTokens(call.name), special('\n'));
    out.push(...textTokens(history ? canonicalArguments(call.arguments) : call.arguments), special('</tool_call>'));
  }
  return out;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

/** The assistant parts of a history message. */
function historyParts(m: ChatRequest['messages'][number]): AssistantParts {
  const reasoning = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : '';
  return {
    ...(reasoning ? { reasoning } : {}),
    content: contentText(m.content),
    tool_calls: (m.tool_calls ?? []).map((c) => ({ name: c.function?.name ?? '', arguments: c.function?.arguments ?? '' })),
  };
}

/** The prompt tokens of a chat request under the toy template. */
export function promptTokens(body: ChatRequest, opts: { drift?: boolean } = {}): FakeToken[] {
  const out: FakeToken[] = [];
  for (const m of body.messages) {
    out.push(special('<|im_start|>'), ...textTokens(m.role), special('\n'));
    out.push(...(m.role === 'assistant' ? assistantBodyTokens(historyParts(m), true) : textTokens(contentText(m.content))));
    if (opts.drift && m.role === 'assistant') out.push(special('\n'));
    out.push(special('<|im_end|>'));
  }
  out.push(special('<|im_start|>'), ...textTokens('assistant'), special('\n'));
  return out;
}

/** The end-of-turn token a completion ends with (not after a `length` cut). */
export const END_OF_TURN: FakeToken = special('<|im_end|>');

/** Deterministic fake logprob entries (vLLM `logprobs.content`) for tokens. */
export function tokenLogprobs(tokens: FakeToken[], opts: { topLogprobs?: number; tokensAsIds?: boolean }): unknown[] {
  return tokens.map((tok) => {
    const label = opts.tokensAsIds ? `token_id:${tok.id}` : tok.text;
    const logprob = -((tok.id % 1000) / 10_000);
    const entry = { token: label, logprob, bytes: [...Buffer.from(tok.text, 'utf8')] };
    const top = Array.from({ length: Math.max(0, opts.topLogprobs ?? 0) }, (_, k) =>
      k === 0 ? entry : { token: opts.tokensAsIds ? `token_id:${(tok.id + k) % 150_000}` : `<alt${k}>`, logprob: logprob - k, bytes: null },
    );
    return { ...entry, top_logprobs: top };
  });
}

/** vLLM `prompt_logprobs` for prompt tokens: null for the first, then {"<id>": {logprob, rank, decoded_token}}. */
export function promptLogprobEntries(tokens: FakeToken[]): unknown[] {
  return tokens.map((tok, i) => (i === 0 ? null : { [String(tok.id)]: { logprob: -((tok.id % 997) / 10_000), rank: 1, decoded_token: tok.text } }));
}
