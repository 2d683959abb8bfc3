// The Gemini API protocol (gemini-cli): `v1beta/models/<model>:generateContent` and `:streamGenerateContent?alt=sse`.
// Whether to stream is the URL's action, not a body field; side calls are recognised by their prompts.
import { isObject } from './body-fields.js';
import { geminiToChat, systemInstructionText, textParts } from './gemini-request.js';
import { GeminiStream, geminiErrorBody, geminiErrorStatus, geminiResponse } from './gemini-stream.js';
import type { Protocol, RecordKind } from './types.js';

/** The URL actions served, and whether each streams. */
export const GEMINI_ACTIONS: Readonly<Record<string, boolean>> = { generateContent: false, streamGenerateContent: true };

// gemini-cli side requests, recognised by their prompts (first match wins; prompts read in its 0.61.0 bundle).
const KIND_RULES: Array<{ kind: RecordKind; where: 'system' | 'last_user'; pattern: RegExp }> = [
  // chat compression (and its verification pass): `getCompressionPrompt`
  { kind: 'compaction', where: 'system', pattern: /distilling chat history into a structured XML <state_snapshot>/i },
  // the `auto` model router's classifier
  { kind: 'auxiliary', where: 'system', pattern: /Task Routing AI/ },
  // tool-output summarizer
  { kind: 'auxiliary', where: 'last_user', pattern: /^Summarize the following tool output/ },
];

/** Gemini ⇄ chat translator served at `/v1beta/models/<model>:<action>`. */
export const geminiProtocol: Protocol = {
  name: 'gemini',

  toChat: geminiToChat,

  isStream(_body, action) {
    return action !== undefined && GEMINI_ACTIONS[action] === true;
  },

  kind(body) {
    if (!isObject(body)) return 'turn';
    const texts = { system: safeText(() => systemInstructionText(body.systemInstruction)), last_user: safeText(() => lastUserText(body.contents)) };
    for (const rule of KIND_RULES) if (rule.pattern.test(texts[rule.where])) return rule.kind;
    // gemini-cli's agent turns always carry its tools; its JSON helpers (loop check, edit fixes, …) never do
    return !hasFunctions(body.tools) && isJsonRequest(body.generationConfig) ? 'auxiliary' : 'turn';
  },

  // the replies are built from the completion alone
  replyBody: () => null,

  createStream(_body, ctx) {
    return new GeminiStream(ctx);
  },

  toResponse(assembled, _body, ctx) {
    return geminiResponse(assembled, ctx);
  },

  errorBody: geminiErrorBody,
  errorStatus: geminiErrorStatus,
};

/** A text for kind detection; malformed input is toChat's to report. */
function safeText(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

function lastUserText(contents: unknown): string {
  if (!Array.isArray(contents)) return '';
  const last: unknown = contents.findLast((c: unknown) => isObject(c) && (c.role ?? 'user') === 'user');
  return isObject(last) ? textParts(last.parts, 'contents').join('\n') : '';
}

function hasFunctions(tools: unknown): boolean {
  return Array.isArray(tools) && tools.some((t: unknown) => isObject(t) && Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0);
}

function isJsonRequest(config: unknown): boolean {
  return isObject(config) && config.responseMimeType === 'application/json';
}
