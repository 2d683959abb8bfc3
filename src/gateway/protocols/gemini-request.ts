// Gemini `generateContent` request (what gemini-cli sends) -> upstream chat-completions request. The mapping is the
// one verified end to end against gemini-cli 0.61.0 (reference/harness-more.md §2c); the URL's model is ignored.
import {
  cappedMaxTokens,
  describe,
  expectArray,
  expectObject,
  expectString,
  isObject,
  lookup,
  optNumber,
  optString,
  type Json,
} from './body-fields.js';
import { ChatBuilder, OMITTED } from './chat-builder.js';
import { ProtocolRequestError, type ChatRequest, type ChatTool, type TranslateContext } from './types.js';

/** The fields that make a part what it is, in the order they are looked for. */
const PART_FIELDS = ['functionCall', 'functionResponse', 'text', 'inlineData', 'fileData', 'executableCode', 'codeExecutionResult'] as const;
type PartKind = (typeof PART_FIELDS)[number];
// Media the text-only upstream cannot receive (a placeholder says so). Google-run code execution parts have no chat
// form and are skipped.
const OMITTED_PARTS: Partial<Record<PartKind, string>> = { inlineData: 'inline data', fileData: 'file' };

// functionCallingConfig.mode -> chat tool_choice (VALIDATED is AUTO with constrained decoding).
const TOOL_CHOICES: Record<string, string | undefined> = { AUTO: 'auto', VALIDATED: 'auto', ANY: 'required', NONE: 'none', MODE_UNSPECIFIED: undefined };

// Gemini Schema integer fields are int64, which JSON carries as strings ("5").
const INT64_KEYS: ReadonlySet<string> = new Set(['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties']);
// Gemini Schema keys with no JSON Schema meaning (`nullable` is folded into `type`).
const GEMINI_ONLY_KEYS: ReadonlySet<string> = new Set(['nullable', 'propertyOrdering', 'example']);

/** Translates a Gemini body; `ProtocolRequestError` (→ 400) names the offending path. */
export function geminiToChat(body: unknown, ctx: TranslateContext): ChatRequest {
  const b = expectObject(body, 'body');
  const chat = new ChatBuilder();
  const system = systemInstructionText(b.systemInstruction);
  if (system) chat.systemText(system);
  const contents = expectArray(b.contents, 'body.contents');
  if (contents.length === 0) throw new ProtocolRequestError('body.contents: expected at least one content');
  const calls = new CallLedger();
  contents.forEach((c, i) => addContent(chat, calls, c, i, ctx));
  return { model: ctx.upstreamModel, messages: chat.build(), ...toolFields(b), ...generationFields(b, ctx) };
}

/** `systemInstruction` as one text: a Content (gemini-cli), a bare Part, or a string. */
export function systemInstructionText(si: unknown): string {
  if (si === undefined || si === null) return '';
  if (typeof si === 'string') return si;
  const o = expectObject(si, 'body.systemInstruction');
  if (o.parts === undefined && typeof o.text === 'string') return o.text;
  return textParts(o.parts, 'body.systemInstruction.parts').join('\n\n');
}

/** The text of a parts array (other parts skipped), for prompts and kind detection. */
export function textParts(parts: unknown, path: string): string[] {
  return expectArray(parts, path).flatMap((p, i) => {
    const part = expectObject(p, `${path}[${i}]`);
    const text = optString(part, 'text', `${path}[${i}]`);
    return text && part.thought !== true ? [text] : [];
  });
}

function addContent(chat: ChatBuilder, calls: CallLedger, raw: unknown, i: number, ctx: TranslateContext): void {
  const path = `body.contents[${i}]`;
  const c = expectObject(raw, path);
  const role = optString(c, 'role', path) ?? 'user';
  const parts = expectArray(c.parts, `${path}.parts`).map((p, j) => expectObject(p, `${path}.parts[${j}]`));
  if (role === 'model') return addModelParts(chat, calls, parts, i, ctx);
  // `function` is the role older clients give to function responses
  if (role === 'user' || role === 'function') return addUserParts(chat, calls, parts, i);
  throw new ProtocolRequestError(`${path}.role: expected user or model, got ${describe(role)}`);
}

/**
 * A model turn -> one assistant message. Reasoning comes back from our sealed `thoughtSignature` (authoritative), else
 * from visible thought parts; other signatures (gemini-cli's "skip_thought_signature_validator") restore nothing.
 */
function addModelParts(chat: ChatBuilder, calls: CallLedger, parts: Json[], i: number, ctx: TranslateContext): void {
  calls.newTurn();
  const sealed: string[] = [];
  const visible: string[] = [];
  parts.forEach((part, j) => {
    const path = `body.contents[${i}].parts[${j}]`;
    const signature = optString(part, 'thoughtSignature', path);
    const restored = signature ? ctx.unsealReasoning(signature) : undefined;
    if (restored !== undefined) sealed.push(restored);
    const kind = partKind(part, path);
    if (kind === 'text' && part.thought === true) visible.push(expectString(part, 'text', path));
    else if (kind === 'text') chat.assistantText(expectString(part, 'text', path));
    else if (kind === 'functionCall') {
      const fc = expectObject(part.functionCall, `${path}.functionCall`);
      const name = expectString(fc, 'name', `${path}.functionCall`);
      const id = calls.call(optString(fc, 'id', `${path}.functionCall`), name, `${i}_${j}`);
      chat.assistantToolCall(id, name, JSON.stringify(fc.args ?? {}));
    } else if (kind === 'functionResponse') throw new ProtocolRequestError(`${path}.functionResponse: a model turn cannot carry a function response`);
    else if (OMITTED_PARTS[kind]) chat.assistantText(OMITTED(OMITTED_PARTS[kind]));
  });
  chat.assistantReasoning((sealed.length > 0 ? sealed : visible).join('\n'));
}

/** A user turn: function responses first (chat wants them right after the calls), then the text. */
function addUserParts(chat: ChatBuilder, calls: CallLedger, parts: Json[], i: number): void {
  const texts: string[] = [];
  parts.forEach((part, j) => {
    const path = `body.contents[${i}].parts[${j}]`;
    const kind = partKind(part, path);
    if (kind === 'functionResponse') {
      const fr = expectObject(part.functionResponse, `${path}.functionResponse`);
      const name = expectString(fr, 'name', `${path}.functionResponse`);
      chat.tool(calls.response(optString(fr, 'id', `${path}.functionResponse`), name, `${i}_${j}`), responseText(fr, `${path}.functionResponse`));
    } else if (kind === 'text') texts.push(expectString(part, 'text', path));
    else if (kind === 'functionCall') throw new ProtocolRequestError(`${path}.functionCall: a user turn cannot carry a function call`);
    else if (OMITTED_PARTS[kind]) texts.push(OMITTED(OMITTED_PARTS[kind]));
  });
  if (texts.length > 0) chat.user(texts.join('\n'));
}

function partKind(part: Json, path: string): PartKind {
  const kind = PART_FIELDS.find((f) => part[f] !== undefined && part[f] !== null);
  if (!kind) throw new ProtocolRequestError(`${path}: expected a part with one of ${PART_FIELDS.join(', ')}`);
  return kind;
}

/** What the tool said: gemini-cli puts it in `response.output`, a failure in `response.error`; anything else as JSON. */
function responseText(fr: Json, path: string): string {
  const r = fr.response === undefined || fr.response === null ? {} : expectObject(fr.response, `${path}.response`);
  const { output, error } = r;
  if (error !== undefined && error !== null) {
    const text = typeof error === 'string' ? error : JSON.stringify(error);
    // Chat tool messages have no error flag: say it in the text unless the tool already did.
    return /^\s*error/i.test(text) ? text : `Error: ${text}`;
  }
  if (output !== undefined && output !== null) return typeof output === 'string' ? output : JSON.stringify(output);
  return JSON.stringify(r);
}

/**
 * Chat ids for function calls and responses. gemini-cli sends ids (inventing them when the model gave none) and
 * may prefix them with `<name>__`; other clients may send none, so a call gets a stable id from its position and a
 * response takes the first unanswered call of its name in the latest model turn.
 */
class CallLedger {
  private open: Array<{ id: string; name: string }> = [];

  newTurn(): void {
    this.open = [];
  }

  call(id: string | undefined, name: string, position: string): string {
    const callId = id ? ownId(id, name) : `call_${position}`;
    this.open.push({ id: callId, name });
    return callId;
  }

  response(id: string | undefined, name: string, position: string): string {
    const wanted = id ? ownId(id, name) : undefined;
    const at = this.open.findIndex((c) => (wanted === undefined ? c.name === name : c.id === wanted));
    const paired = at < 0 ? undefined : this.open.splice(at, 1)[0]!.id;
    return wanted ?? paired ?? `call_${position}`;
  }
}

/** The upstream's id again, without the `<name>__` prefix gemini-cli's context management adds. */
function ownId(id: string, name: string): string {
  return id.startsWith(`${name}__`) && id.length > name.length + 2 ? id.slice(name.length + 2) : id;
}

function toolFields(b: Json): Pick<ChatRequest, 'tools' | 'tool_choice'> {
  let tools = b.tools === undefined || b.tools === null ? [] : declarations(expectArray(b.tools, 'body.tools'));
  const config = b.toolConfig === undefined || b.toolConfig === null ? {} : expectObject(b.toolConfig, 'body.toolConfig');
  const fcc = config.functionCallingConfig === undefined || config.functionCallingConfig === null ? {} : expectObject(config.functionCallingConfig, 'body.toolConfig.functionCallingConfig');
  const path = 'body.toolConfig.functionCallingConfig';
  const mode = optString(fcc, 'mode', path);
  if (mode !== undefined && !Object.hasOwn(TOOL_CHOICES, mode)) {
    throw new ProtocolRequestError(`${path}.mode: expected AUTO, ANY, NONE or VALIDATED, got ${describe(mode)}`);
  }
  const allowed = fcc.allowedFunctionNames === undefined || fcc.allowedFunctionNames === null ? undefined : stringArray(fcc.allowedFunctionNames, `${path}.allowedFunctionNames`);
  // chat cannot name a subset of tools, so a subset is expressed by sending only those tools
  if (allowed && allowed.length > 0) tools = tools.filter((t) => allowed.includes(t.function.name));
  if (tools.length === 0) return {};
  const choice = mode === 'ANY' && allowed?.length === 1 ? { type: 'function', function: { name: allowed[0] } } : lookup(TOOL_CHOICES, mode);
  return choice === undefined ? { tools } : { tools, tool_choice: choice };
}

/** Every `functionDeclarations` entry as a chat tool; Google-run tools (googleSearch, codeExecution, …) are skipped. */
function declarations(tools: unknown[]): ChatTool[] {
  return tools.flatMap((raw, i) => {
    const t = expectObject(raw, `body.tools[${i}]`);
    if (t.functionDeclarations === undefined || t.functionDeclarations === null) return [];
    return expectArray(t.functionDeclarations, `body.tools[${i}].functionDeclarations`).map((d, j) => declaration(d, `body.tools[${i}].functionDeclarations[${j}]`));
  });
}

function declaration(raw: unknown, path: string): ChatTool {
  const d = expectObject(raw, path);
  const fn: ChatTool['function'] = { name: expectString(d, 'name', path), parameters: parametersOf(d, path) };
  const description = optString(d, 'description', path);
  if (description !== undefined) fn.description = description;
  return { type: 'function', function: fn };
}

/** `parametersJsonSchema` (JSON Schema, what gemini-cli sends) or `parameters` (Gemini's typed Schema). */
function parametersOf(d: Json, path: string): Json {
  if (d.parametersJsonSchema !== undefined && d.parametersJsonSchema !== null) {
    const { $schema: _ignored, ...schema } = expectObject(d.parametersJsonSchema, `${path}.parametersJsonSchema`);
    return schema;
  }
  if (d.parameters !== undefined && d.parameters !== null) return fromGeminiSchema(expectObject(d.parameters, `${path}.parameters`));
  return { type: 'object', properties: {} };
}

/** Gemini's OpenAPI-style Schema -> JSON Schema: `OBJECT` -> `object`, `nullable` as a null type, int64 strings as numbers. */
export function fromGeminiSchema(schema: Json): Json {
  const entries = Object.entries(schema).flatMap(([k, v]): Array<[string, unknown]> => {
    if (GEMINI_ONLY_KEYS.has(k)) return [];
    if (k === 'type' && typeof v === 'string') return v === 'TYPE_UNSPECIFIED' ? [] : [[k, v.toLowerCase()]];
    if (k === 'properties' && isObject(v)) return [[k, Object.fromEntries(Object.entries(v).map(([name, s]) => [name, isObject(s) ? fromGeminiSchema(s) : s]))]];
    if (k === 'items' && isObject(v)) return [[k, fromGeminiSchema(v)]];
    if (k === 'anyOf' && Array.isArray(v)) return [[k, v.map((s: unknown) => (isObject(s) ? fromGeminiSchema(s) : s))]];
    if (INT64_KEYS.has(k) && typeof v === 'string' && /^\d+$/.test(v)) return [[k, Number(v)]];
    return [[k, v]];
  });
  const out = Object.fromEntries(entries);
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** generationConfig -> sampling fields; topK, thinkingConfig, candidateCount and the like have no chat meaning here. */
function generationFields(b: Json, ctx: TranslateContext): Partial<ChatRequest> {
  const path = 'body.generationConfig';
  const gc = b.generationConfig === undefined || b.generationConfig === null ? {} : expectObject(b.generationConfig, path);
  const out: Partial<ChatRequest> = {};
  const maxTokens = cappedMaxTokens(optNumber(gc, 'maxOutputTokens', path), ctx.maxOutputTokens);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  for (const [from, to] of SAMPLING_FIELDS) {
    const v = optNumber(gc, from, path);
    if (v !== undefined) out[to] = v;
  }
  if (gc.stopSequences !== undefined && gc.stopSequences !== null) {
    const stops = stringArray(gc.stopSequences, `${path}.stopSequences`);
    if (stops.length > 0) out.stop = stops;
  }
  const format = responseFormat(gc, path);
  if (format) out.response_format = format;
  return out;
}

const SAMPLING_FIELDS: Array<[string, string]> = [
  ['temperature', 'temperature'],
  ['topP', 'top_p'],
  ['presencePenalty', 'presence_penalty'],
  ['frequencyPenalty', 'frequency_penalty'],
  ['seed', 'seed'],
];

/** `responseMimeType: application/json` -> json_schema when a schema came with it, else json_object. */
function responseFormat(gc: Json, path: string): Json | undefined {
  if (optString(gc, 'responseMimeType', path) !== 'application/json') return undefined;
  let schema: Json | undefined;
  if (gc.responseJsonSchema !== undefined && gc.responseJsonSchema !== null) {
    const { $schema: _ignored, ...rest } = expectObject(gc.responseJsonSchema, `${path}.responseJsonSchema`);
    schema = rest;
  } else if (gc.responseSchema !== undefined && gc.responseSchema !== null) {
    schema = fromGeminiSchema(expectObject(gc.responseSchema, `${path}.responseSchema`));
  }
  return schema ? { type: 'json_schema', json_schema: { name: 'response', schema } } : { type: 'json_object' };
}

function stringArray(v: unknown, path: string): string[] {
  const arr = expectArray(v, path);
  if (!arr.every((s) => typeof s === 'string')) throw new ProtocolRequestError(`${path}: expected an array of strings`);
  return arr as string[];
}
