// The built-in OpenAI-compatible model server (node:http): `GET /v1/models` and `POST /v1/chat/completions`
// (streaming and not) with vLLM's extensions and error shapes. Policies decide the answer; this file only
// validates requests, applies faults and writes bytes. Paths match by suffix, so any prefix (`/s/<id>/v1`) works.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, GatewayError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { isObject, type Json } from '../protocols/body-fields.js';
import type { ChatRequest } from '../protocols/types.js';
import { stableId } from './messages.js';
import { isModelPolicyName, MODEL_POLICIES } from './registry.js';
import { renderChunks, renderCompletion, sseFrame, type RenderContext } from './render.js';
import { countTokens, promptText } from './tokens.js';
import { ModelRequestError, type ModelPolicy, type ModelServerOptions, type PolicyRequest, type PolicyResult } from './types.js';
import { AUTO_TOOL_CHOICE_REFUSED, contextLengthBody, ERROR_TYPES, errorBody } from './vllm-errors.js';

/** A running model server. `url` is the OpenAI base URL (ends in `/v1`). */
export interface ModelServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Header names the gateway uses to tell the model which task and session a request belongs to. */
export const INSTANCE_HEADER = 'x-swebench-instance-id';
export const SESSION_HEADER = 'x-swebench-session-id';
/** What the gateway classified the request as (turn, compaction, title, auxiliary): the record's kind. */
export const KIND_HEADER = 'x-swebench-kind';

/** Largest request body accepted (agent histories grow large, but not this large). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };


function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, message: string, headers?: Record<string, string>, type?: string): void {
  sendJson(res, status, errorBody(status, type ?? ERROR_TYPES[status] ?? 'InternalServerError', message), headers);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ModelRequestError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'RequestTooLargeError'));
      } else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Parses and checks a chat request the way vLLM does before anything else; throws a 400 ModelRequestError. */
export function parseChatRequest(raw: string): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw new ModelRequestError(400, `Invalid JSON in request body: ${(err as Error).message}`);
  }
  if (!isObject(body)) throw new ModelRequestError(400, 'The request body must be a JSON object.');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new ModelRequestError(400, 'messages: Field required: a non-empty array of chat messages.');
  }
  body.messages.forEach((m, i) => {
    if (!isObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      throw new ModelRequestError(400, `messages[${i}].role: expected one of ${[...ROLES].join(', ')}.`);
    }
  });
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw new ModelRequestError(400, 'tools: expected an array.');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw new ModelRequestError(400, 'stream: expected a boolean.');
  // vLLM's own checks (ChatCompletionRequest validators)
  if (body.stream === true && body.prompt_logprobs !== undefined && body.prompt_logprobs !== null) {
    throw new ModelRequestError(400, '`prompt_logprobs` are not available when `stream=True`.');
  }
  if (body.stream !== true && body.stream_options !== undefined && body.stream_options !== null) {
    throw new ModelRequestError(400, 'Stream options can only be defined when `stream=True`.');
  }
  return body as ChatRequest;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim() : undefined;
}

function instanceIdOf(req: http.IncomingMessage, body: ChatRequest): string | undefined {
  const meta = isObject(body.metadata) ? body.metadata : {};
  for (const v of [header(req, INSTANCE_HEADER), meta.instance_id, meta.swebench_instance_id, body.user]) {
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

function sessionKeyOf(req: http.IncomingMessage, pathname: string): string {
  return header(req, SESSION_HEADER) ?? /\/s\/([^/]+)\//.exec(pathname)?.[1] ?? 'global';
}

/** Starts a built-in model server and resolves once it listens. */
export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const logger: Logger = opts.logger ?? silentLogger;
  if (!isModelPolicyName(opts.policy)) {
    throw new ConfigError(`unknown model policy "${String(opts.policy)}"`, { source: '--policy', hint: `Choose one of ${Object.keys(MODEL_POLICIES).join(', ')}.` });
  }
  const policy: ModelPolicy = await MODEL_POLICIES[opts.policy](opts);
  const modelName = opts.modelName ?? `swebench-${opts.policy}`;
  const host = opts.host ?? '127.0.0.1';
  const counters = new Map<string, number>();
  const created = Math.floor(Date.now() / 1000);
  const maxLen = opts.maxModelLen === undefined ? {} : { max_model_len: opts.maxModelLen };

  const handleChat = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> => {
    const body = parseChatRequest((await readBody(req)).toString('utf8'));
    const sessionKey = sessionKeyOf(req, pathname);
    const requestIndex = counters.get(sessionKey) ?? 0;
    counters.set(sessionKey, requestIndex + 1);
    const kind = header(req, KIND_HEADER);
    const preq: PolicyRequest = { body, headers: req.headers, instanceId: instanceIdOf(req, body), sessionKey, requestIndex, ...(kind ? { kind } : {}) };

    const autoTools = Array.isArray(body.tools) && body.tools.length > 0 && (body.tool_choice === undefined || body.tool_choice === 'auto');
    if (opts.refuseTools && autoTools) return sendError(res, 400, AUTO_TOOL_CHOICE_REFUSED);
    if (opts.maxModelLen !== undefined) {
      const promptTokens = countTokens(promptText(body));
      const completion = Number(body.max_completion_tokens ?? body.max_tokens ?? 0) || 0;
      // vLLM refuses prompt + requested completion beyond max_model_len outright (vllm#20409), before generating.
      if (promptTokens + completion > opts.maxModelLen) {
        sendJson(res, 400, contextLengthBody(opts.maxModelLen, promptTokens, completion));
        return;
      }
    }
    const result = await policy.respond(preq);
    const ctx: RenderContext = {
      id: `chatcmpl-${stableId(opts.policy, sessionKey, requestIndex)}`,
      model: modelName,
      created: Math.floor(Date.now() / 1000),
      body,
      ...(opts.tokenizerDrift ? { drift: true } : {}),
    };
    logger.debug(`model ${opts.policy}: ${sessionKey}#${requestIndex} ${preq.instanceId ?? '-'} -> ${summarize(result)}`);
    await writeResult(req, res, result, ctx, body.stream === true && !opts.noStream);
  };

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const run = async () => {
      if (pathname.endsWith('/chat/completions')) {
        if (req.method !== 'POST') return sendError(res, 405, `Method ${req.method} not allowed; use POST.`);
        return handleChat(req, res, pathname);
      }
      if (req.method === 'GET' && pathname.endsWith('/models')) {
        return sendJson(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', created, owned_by: 'swebench', root: modelName, parent: null, ...maxLen }] });
      }
      if (req.method === 'GET' && (pathname === '/health' || pathname.endsWith('/health'))) return sendJson(res, 200, { status: 'ok' });
      return sendError(res, 404, `Not found: ${req.method} ${pathname}`);
    };
    run().catch((err: unknown) => {
      if (err instanceof ModelRequestError) return sendError(res, err.status, err.message, undefined, err.type);
      logger.error(`model ${opts.policy}: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, 500, `internal error in the ${opts.policy} model: ${(err as Error)?.message ?? String(err)}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new GatewayError(`the ${opts.policy} model cannot listen on ${host}:${opts.port ?? 0}: ${err.message}`, { cause: err, hint: 'Pick another --port, or 0 for a free one.' })),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`;
  logger.debug(`model ${opts.policy} (${modelName}) listening on ${url}`);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function summarize(result: PolicyResult): string {
  const r = result.reply;
  const what = r.tool_calls?.length ? `tool_calls ${r.tool_calls.map((c) => c.name).join(',')}` : `text (${r.content.length} chars)`;
  return `${what}, finish ${r.finish_reason}${result.fault ? `, fault ${result.fault.kind}` : ''}`;
}

function sleepUnlessClosed(ms: number, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
    res.on('close', done);
  });
}

/** Writes a policy result: faults first (slow, HTTP error, disconnect, in-stream error), else the answer. */
async function writeResult(req: http.IncomingMessage, res: http.ServerResponse, result: PolicyResult, ctx: RenderContext, stream: boolean): Promise<void> {
  const headers = result.headers ?? {};
  const fault = result.fault;
  if (fault?.kind === 'slow') {
    await sleepUnlessClosed(fault.delayMs, res);
    if (res.destroyed || req.socket.destroyed) return;
  }
  if (fault?.kind === 'http') return sendError(res, fault.status, fault.message, { ...headers, ...fault.headers }, fault.type);
  if (!stream) {
    if (fault?.kind === 'disconnect') return void req.socket.destroy();
    if (fault?.kind === 'sse-error') return sendError(res, 500, fault.message, headers);
    return sendJson(res, 200, renderCompletion(result.reply, ctx), headers);
  }
  const chunks = renderChunks(result.reply, ctx);
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (fault?.kind === 'disconnect' || fault?.kind === 'sse-error') {
    const finishIndex = chunks.findIndex((c) => (c.choices as Array<{ finish_reason?: unknown }>)[0]?.finish_reason);
    const head = chunks.slice(0, Math.min(fault.afterChunks, finishIndex)).map(sseFrame).join('');
    if (fault.kind === 'sse-error') {
      res.end(head + sseFrame(errorBody(500, 'InternalServerError', fault.message)) + sseFrame('[DONE]'));
      return;
    }
    res.write(head, () => res.destroy());
    return;
  }
  res.end(chunks.map(sseFrame).join('') + sseFrame('[DONE]'));
}
