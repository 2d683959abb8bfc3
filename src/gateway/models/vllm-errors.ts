// Error bodies exactly as vLLM sends them, so the gateway's error classification is tested against
// the real shapes (including the context-length 400 that carries no symbolic code, only its wording).

/** `{error:{message,type,param,code}}`: vLLM's (and OpenAI's) error body for HTTP errors and in-stream errors. */
export function errorBody(status: number, type: string, message: string): { error: Record<string, unknown> } {
  return { error: { message, type, param: null, code: status } };
}

/** vLLM's context-overflow 400 body (vllm#20409): the gateway must recognise it by its message text. */
export function contextLengthBody(maxTokens: number, promptTokens: number, completionTokens: number): Record<string, unknown> {
  const requested = promptTokens + completionTokens;
  return {
    object: 'error',
    message:
      `This model's maximum context length is ${maxTokens} tokens. However, you requested ${requested} tokens ` +
      `(${promptTokens} in the messages, ${completionTokens} in the completion). ` +
      'Please reduce the length of the messages or completion.',
    type: 'BadRequestError',
    param: null,
    code: 400,
  };
}

/** What vLLM answers (400) to `tool_choice: "auto"` when started without auto tool choice. */
export const AUTO_TOOL_CHOICE_REFUSED = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';

/** vLLM-ish error type names per HTTP status. */
export const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  413: 'RequestTooLargeError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};
