// Order and shape rules of the four streaming wire formats the gateway serves, checked on the raw SSE bytes a
// client received (reference: gateway-protocols.md §1–2, harness probes). Each checker returns the problems it
// found (empty = conforming) plus the parsed events, so a test can assert `problems` is `[]` and inspect events,
// and a negative test can show that a doctored stream is rejected.

type Json = Record<string, any>;

/** One SSE frame as sent: its optional `event:` name and its `data:` payload. */
export interface RawFrame {
  event?: string;
  data: string;
}

/** The checked stream: every parsed event (`data` as JSON, or the raw string for `[DONE]`) and the problems. */
export interface ShapeReport {
  events: Array<{ event?: string; data: Json }>;
  problems: string[];
}

/**
 * Splits SSE text into frames, requiring the exact framing the gateway promises: LF line endings, every frame
 * ended by a blank line, only `event:` and `data:` lines, one `data:` line per frame.
 */
export function rawFrames(text: string, problems: string[]): RawFrame[] {
  if (!text.endsWith('\n\n')) problems.push('stream does not end with a blank line (last frame unterminated)');
  if (text.includes('\r')) problems.push('stream uses CR line endings');
  const blocks = text.split('\n\n');
  if (blocks.at(-1) === '') blocks.pop();
  return blocks.map((block, i) => {
    const lines = block.split('\n');
    const frame: RawFrame = { data: '' };
    let dataLines = 0;
    for (const line of lines) {
      if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) {
        frame.data = line.slice(6);
        dataLines++;
      } else problems.push(`frame ${i}: unexpected line ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (dataLines !== 1) problems.push(`frame ${i}: expected exactly one data line, got ${dataLines}`);
    return frame;
  });
}

function parseData(frame: RawFrame, i: number, problems: string[]): Json {
  try {
    const v: unknown = JSON.parse(frame.data);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
    problems.push(`frame ${i}: data is not a JSON object`);
  } catch {
    problems.push(`frame ${i}: data is not JSON: ${frame.data.slice(0, 80)}`);
  }
  return {};
}

/** Named frames (`event: X` + `data: {"type":"X",…}`), as Responses and Anthropic Messages send them. */
function namedEvents(text: string, problems: string[]): Array<{ event: string; data: Json }> {
  return rawFrames(text, problems).map((f, i) => {
    const data = parseData(f, i, problems);
    if (f.event === undefined) problems.push(`frame ${i}: no event line`);
    else if (data.type !== f.event) problems.push(`frame ${i}: event ${f.event} carries data.type ${String(data.type)}`);
    return { event: f.event ?? '', data };
  });
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const TERMINAL = /^response\.(completed|incomplete|failed)$/;
// Events that belong to one output item and carry its item_id / output_index.
const ITEM_EVENT = /^response\.(content_part|output_text|refusal|function_call_arguments|reasoning_summary_part|reasoning_summary_text|reasoning_text|custom_tool_call_input)\./;

/**
 * OpenAI Responses stream rules: `response.created` first, strictly increasing `sequence_number`, every
 * `output_item.added` closed by one `output_item.done` with the same unique `output_index` and item id, item
 * events only inside their open item and naming its `item_id`, text/argument deltas adding up to their `.done`,
 * exactly one terminal event and it is last; a completed response lists the done items in order and carries
 * usage with `input_tokens_details.cached_tokens` and `output_tokens_details.reasoning_tokens`.
 */
export function checkResponsesStream(text: string): ShapeReport {
  const problems: string[] = [];
  const events = namedEvents(text, problems);
  if (events[0]?.event !== 'response.created') problems.push(`first event is ${events[0]?.event}, not response.created`);
  if (events[0]?.data.response?.status !== 'in_progress') problems.push('response.created is not in_progress');
  let lastSeq = -1;
  const open = new Map<number, { id: string; type: string; text: Map<number, string>; args: string }>();
  const done: Json[] = [];
  const seenIndexes = new Set<number>();
  const responseId = events[0]?.data.response?.id;
  events.forEach(({ event, data }, i) => {
    const at = `event ${i} (${event})`;
    if (!Number.isInteger(data.sequence_number) || data.sequence_number <= lastSeq) {
      problems.push(`${at}: sequence_number ${data.sequence_number} does not increase (previous ${lastSeq})`);
    } else lastSeq = data.sequence_number;
    if (data.response && data.response.id !== responseId) problems.push(`${at}: response id changed`);
    if (TERMINAL.test(event) && i !== events.length - 1) problems.push(`${at}: terminal event is not last`);
    if (event === 'response.output_item.added') {
      const idx = data.output_index;
      if (!Number.isInteger(idx) || seenIndexes.has(idx)) problems.push(`${at}: output_index ${idx} is not new`);
      else if (idx !== seenIndexes.size) problems.push(`${at}: output_index ${idx} skips (expected ${seenIndexes.size})`);
      seenIndexes.add(idx);
      if (typeof data.item?.id !== 'string' || !data.item.id) problems.push(`${at}: item has no id`);
      open.set(idx, { id: data.item?.id, type: data.item?.type, text: new Map(), args: '' });
    } else if (event === 'response.output_item.done') {
      const item = open.get(data.output_index);
      if (!item) problems.push(`${at}: output_index ${data.output_index} is not open`);
      else {
        if (data.item?.id !== item.id) problems.push(`${at}: item id ${data.item?.id} differs from the added ${item.id}`);
        if (data.item?.type !== item.type) problems.push(`${at}: item type ${data.item?.type} differs from the added ${item.type}`);
        if (item.type === 'function_call' && data.item.arguments !== item.args) problems.push(`${at}: item arguments differ from the deltas`);
        if (item.type === 'message' && data.item.content?.[0]?.text !== (item.text.get(0) ?? '')) problems.push(`${at}: message text differs from the deltas`);
        open.delete(data.output_index);
        done[data.output_index] = data.item;
      }
    } else if (ITEM_EVENT.test(event)) {
      const item = open.get(data.output_index);
      if (!item) problems.push(`${at}: output_index ${data.output_index} is not an open item`);
      else if (data.item_id !== item.id) problems.push(`${at}: item_id ${data.item_id} is not the open item's ${item.id}`);
      if (item && event === 'response.output_text.delta') {
        item.text.set(data.content_index, (item.text.get(data.content_index) ?? '') + data.delta);
        if (!Array.isArray(data.logprobs)) problems.push(`${at}: logprobs is not a list`);
      }
      if (item && event === 'response.output_text.done' && data.text !== (item.text.get(data.content_index) ?? '')) {
        problems.push(`${at}: text differs from the concatenated deltas`);
      }
      if (item && event === 'response.function_call_arguments.delta') item.args += data.delta;
      if (item && event === 'response.function_call_arguments.done' && data.arguments !== item.args) {
        problems.push(`${at}: arguments differ from the concatenated deltas`);
      }
    }
  });
  const last = events.at(-1);
  if (!last || !TERMINAL.test(last.event)) problems.push(`last event is ${last?.event}, not a terminal response event`);
  if (last?.event === 'response.completed') {
    if (open.size > 0) problems.push(`items still open at response.completed: ${[...open.keys()].join(', ')}`);
    const r = last.data.response ?? {};
    if (r.status !== 'completed') problems.push(`response.completed has status ${r.status}`);
    if (JSON.stringify(r.output) !== JSON.stringify(done)) problems.push('response.completed output differs from the done items');
    const u = r.usage ?? {};
    for (const [k, v] of Object.entries({
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      total_tokens: u.total_tokens,
      'input_tokens_details.cached_tokens': u.input_tokens_details?.cached_tokens,
      'output_tokens_details.reasoning_tokens': u.output_tokens_details?.reasoning_tokens,
    })) {
      if (!isNum(v)) problems.push(`response.completed usage.${k} is not a number`);
    }
  }
  return { events, problems };
}

// Anthropic delta types allowed inside each block type.
const DELTAS_BY_BLOCK: Record<string, string[]> = {
  text: ['text_delta'],
  tool_use: ['input_json_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
};

/**
 * Anthropic Messages stream rules: `message_start` first, blocks opened one at a time with indexes 0, 1, 2…,
 * deltas only inside the open block and of its type, every block stopped, tool input JSON that parses to an
 * object, then one `message_delta` with a `stop_reason` and usage, and `message_stop` last (pings allowed).
 */
export function checkMessagesStream(text: string): ShapeReport {
  const problems: string[] = [];
  const events = namedEvents(text, problems);
  if (events[0]?.event !== 'message_start') problems.push(`first event is ${events[0]?.event}, not message_start`);
  const start = events[0]?.data.message;
  if (start && (start.role !== 'assistant' || !Array.isArray(start.content) || start.content.length !== 0 || !isNum(start.usage?.input_tokens))) {
    problems.push('message_start.message is not an empty assistant message with usage');
  }
  let open: { index: number; type: string; json: string } | undefined;
  let next = 0;
  let deltas = 0;
  events.forEach(({ event, data }, i) => {
    const at = `event ${i} (${event})`;
    switch (event) {
      case 'message_start':
        if (i !== 0) problems.push(`${at}: message_start repeated`);
        break;
      case 'ping':
        break;
      case 'content_block_start':
        if (open) problems.push(`${at}: block ${open.index} is still open`);
        if (data.index !== next) problems.push(`${at}: index ${data.index}, expected ${next}`);
        if (deltas > 0) problems.push(`${at}: block after message_delta`);
        open = { index: data.index, type: data.content_block?.type, json: '' };
        next++;
        break;
      case 'content_block_delta':
        if (!open || data.index !== open.index) problems.push(`${at}: index ${data.index} is not the open block`);
        else if (!(DELTAS_BY_BLOCK[open.type] ?? []).includes(data.delta?.type)) problems.push(`${at}: ${data.delta?.type} inside a ${open.type} block`);
        else if (data.delta.type === 'input_json_delta') open.json += data.delta.partial_json;
        break;
      case 'content_block_stop':
        if (!open || data.index !== open.index) problems.push(`${at}: index ${data.index} is not the open block`);
        else if (open.type === 'tool_use') {
          try {
            const input: unknown = JSON.parse(open.json);
            if (!input || typeof input !== 'object' || Array.isArray(input)) problems.push(`${at}: tool input is not an object`);
          } catch {
            problems.push(`${at}: tool input is not JSON: ${open.json.slice(0, 80)}`);
          }
        }
        open = undefined;
        break;
      case 'message_delta':
        deltas++;
        if (open) problems.push(`${at}: block ${open.index} still open`);
        if (typeof data.delta?.stop_reason !== 'string') problems.push(`${at}: no stop_reason`);
        if (!isNum(data.usage?.output_tokens)) problems.push(`${at}: usage.output_tokens is not a number`);
        break;
      case 'message_stop':
        if (i !== events.length - 1) problems.push(`${at}: not last`);
        break;
      default:
        problems.push(`${at}: unexpected event`);
    }
  });
  if (deltas !== 1) problems.push(`expected one message_delta, got ${deltas}`);
  if (events.at(-1)?.event !== 'message_stop') problems.push(`last event is ${events.at(-1)?.event}, not message_stop`);
  return { events, problems };
}

/**
 * Chat-completions stream rules: unnamed `data:` frames, every one a `chat.completion.chunk` of the same id
 * (the finish chunk exactly once, a usage chunk only after it with `choices: []`), then `data: [DONE]` last.
 */
export function checkChatStream(text: string): ShapeReport {
  const problems: string[] = [];
  const frames = rawFrames(text, problems);
  if (frames.at(-1)?.data !== '[DONE]') problems.push('last frame is not data: [DONE]');
  const events: ShapeReport['events'] = [];
  let id: unknown;
  let finishes = 0;
  frames.forEach((f, i) => {
    if (f.event !== undefined) problems.push(`frame ${i}: chat chunks carry no event line`);
    if (f.data === '[DONE]') {
      if (i !== frames.length - 1) problems.push(`frame ${i}: [DONE] is not last`);
      return;
    }
    const data = parseData(f, i, problems);
    events.push({ data });
    if (data.object !== 'chat.completion.chunk') problems.push(`frame ${i}: object is ${data.object}`);
    id ??= data.id;
    if (data.id !== id) problems.push(`frame ${i}: id changed`);
    if (!Array.isArray(data.choices)) return void problems.push(`frame ${i}: no choices list`);
    if (data.choices.length === 0) {
      if (!data.usage) problems.push(`frame ${i}: empty choices without usage`);
      else if (finishes === 0) problems.push(`frame ${i}: usage chunk before the finish chunk`);
      return;
    }
    if (finishes > 0) problems.push(`frame ${i}: choice delta after the finish chunk`);
    if (data.choices[0].finish_reason) finishes++;
  });
  if (finishes !== 1) problems.push(`expected one finish chunk, got ${finishes}`);
  return { events, problems };
}

const GEMINI_FINISH = new Set(['STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', 'OTHER', 'MALFORMED_FUNCTION_CALL']);

/** A Gemini part's problems: exactly one of text / functionCall, `thought` only on text, args an object. */
function geminiPartProblems(part: Json, at: string): string[] {
  const kinds = ['text', 'functionCall'].filter((k) => part[k] !== undefined);
  if (kinds.length !== 1) return [`${at}: expected exactly one of text, functionCall, got ${kinds.join(', ') || 'none'}`];
  const out: string[] = [];
  if (part.text !== undefined && typeof part.text !== 'string') out.push(`${at}: text is not a string`);
  if (part.thought !== undefined && (part.thought !== true || part.text === undefined)) out.push(`${at}: thought must be true and on a text part`);
  if (part.thoughtSignature !== undefined && typeof part.thoughtSignature !== 'string') out.push(`${at}: thoughtSignature is not a string`);
  const fc = part.functionCall;
  if (fc !== undefined && (typeof fc.name !== 'string' || !fc.args || typeof fc.args !== 'object' || Array.isArray(fc.args))) {
    out.push(`${at}: functionCall needs a name and an args object`);
  }
  return out;
}

/**
 * Gemini `streamGenerateContent?alt=sse` rules (reference harness-more.md §2c): unnamed `data:` frames, no `[DONE]`;
 * each a GenerateContentResponse with one candidate (index 0, role model, valid parts) and the same modelVersion and
 * responseId; `finishReason` and `usageMetadata` only on the last event, which has the finishReason. An in-stream
 * `{error:{code,message,status}}` may only be the sole event (what gemini-cli takes for an empty answer).
 */
export function checkGeminiStream(text: string): ShapeReport {
  const problems: string[] = [];
  const frames = rawFrames(text, problems);
  const events: ShapeReport['events'] = frames.map((f, i) => {
    if (f.event !== undefined) problems.push(`frame ${i}: Gemini frames carry no event line`);
    if (f.data === '[DONE]') problems.push(`frame ${i}: Gemini streams have no [DONE]`);
    return { data: f.data === '[DONE]' ? {} : parseData(f, i, problems) };
  });
  if (events.length === 0) problems.push('no events');
  const first = events[0]?.data ?? {};
  events.forEach(({ data }, i) => {
    const at = `event ${i}`;
    const last = i === events.length - 1;
    if (data.error !== undefined) {
      const e = data.error;
      if (events.length !== 1) problems.push(`${at}: an error event must be the only event`);
      if (!isNum(e?.code) || typeof e?.message !== 'string' || typeof e?.status !== 'string') problems.push(`${at}: error is not {code, message, status}`);
      return;
    }
    if (!Array.isArray(data.candidates) || data.candidates.length !== 1) return void problems.push(`${at}: expected one candidate`);
    const c = data.candidates[0];
    if (c.index !== 0 || c.content?.role !== 'model' || !Array.isArray(c.content?.parts)) problems.push(`${at}: candidate is not {content:{role:model, parts:[]}, index:0}`);
    (c.content?.parts ?? []).forEach((p: Json, j: number) => problems.push(...geminiPartProblems(p, `${at} part ${j}`)));
    if (c.finishReason !== undefined && !last) problems.push(`${at}: finishReason before the last event`);
    if (last && !GEMINI_FINISH.has(c.finishReason)) problems.push(`${at}: last event has no known finishReason (${c.finishReason})`);
    if (data.usageMetadata !== undefined) {
      if (!last) problems.push(`${at}: usageMetadata before the last event`);
      const u = data.usageMetadata;
      if (!isNum(u.promptTokenCount) || !isNum(u.candidatesTokenCount) || !isNum(u.totalTokenCount)) problems.push(`${at}: usageMetadata counts are not numbers`);
    }
    if (typeof data.modelVersion !== 'string' || data.modelVersion !== first.modelVersion) problems.push(`${at}: modelVersion missing or changed`);
    if (typeof data.responseId !== 'string' || data.responseId !== first.responseId) problems.push(`${at}: responseId missing or changed`);
  });
  return { events, problems };
}
