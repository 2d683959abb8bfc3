// The registry of client protocols the gateway serves, keyed by wire-protocol name (= ses `api_type`).
import { chatProtocol } from './chat.js';
import { geminiProtocol } from './gemini.js';
import { messagesProtocol } from './messages.js';
import { responsesProtocol } from './responses.js';
import type { ClientProtocol, Protocol } from './types.js';

/** Every client protocol, one translator each. */
export const PROTOCOLS = {
  openai_chat: chatProtocol,
  openai_responses: responsesProtocol,
  anthropic_messages: messagesProtocol,
  gemini: geminiProtocol,
} satisfies Record<ClientProtocol, Protocol>;

export type { ClientProtocol, Protocol } from './types.js';
