// The gateway's request router. Routes:
//   GET  /healthz                                200 while the process serves HTTP (liveness)
//   GET  /readyz                                 200 once the upstream model is known, else 503 and why
//   *    /admin/...                              admin API (admin.ts); /admin/trainer/... the pull API (trainer/routes.ts)
//   POST /s/<session>/v1/chat/completions        openai_chat
//   POST /s/<session>/v1/responses               openai_responses
//   POST /s/<session>/v1/messages[?beta=true]    anthropic_messages
//   GET  /s/<session>/v1/models[/<id>]           the client-facing model
//   POST /s/<session>/v1beta/models/<model>:generateContent               gemini (the model may contain `/`; ignored)
//   POST /s/<session>/v1beta/models/<model>:streamGenerateContent?alt=sse gemini, streaming (the action decides)
// Client routes check, in order: session exists (404), token (401), route (404), method (405), upstream ready (503
// with Retry-After), session open and under its cap (410 / 400), each error in the route's protocol shape (Gemini's
// own codes for the last two: 403 / 400, which gemini-cli does not retry).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { handleAdmin } from './admin.js';
import type { TrainerQueue } from './trainer/pull.js';
import { hasToken } from './auth.js';
import { serveCompletion, type CompletionDeps, type CompletionRoute } from './completion.js';
import { sendJson } from './http-io.js';
import { GEMINI_ACTIONS } from './protocols/gemini.js';
import { PROTOCOLS } from './protocols/index.js';
import type { UpstreamReadiness } from './readiness.js';
import { errorReply, type ClientProtocol, type Protocol, type ProtocolError } from './protocols/types.js';
import { AbortReason, type SessionRegistry } from './sessions.js';

/** Completion endpoints under `/s/<session>/v1/`. */
const COMPLETION_ROUTES: Record<string, ClientProtocol> = {
  'chat/completions': 'openai_chat',
  responses: 'openai_responses',
  messages: 'anthropic_messages',
};

/** Error shape for paths that are not completion routes, by their first segment (e.g. `messages/count_tokens`). */
const ERROR_SHAPE_BY_PREFIX: Record<string, ClientProtocol> = { messages: 'anthropic_messages', responses: 'openai_responses' };

/** `models/<model>:<action>` under `/v1beta/`: the model may contain `/` (gemini-cli puts it in raw). */
const GEMINI_PATH = /^models\/(.+):([A-Za-z]+)$/;

/** What a path under `/s/<session>/` names: a completion, the model list, or nothing; each with its error shape. */
interface ClientTarget {
  protocol: Protocol;
  /** Set for completion endpoints. */
  completion?: CompletionRoute;
  models?: boolean;
  /** The path as the client's messages show it (`/v1/…`, `/v1beta/…`). */
  shown: string;
}

/** Resolves `/<version>/<rest>` under a session: Gemini's `v1beta` actions, the `/v1` completion routes, the model list. */
function clientTarget(version: string, rest: string): ClientTarget {
  const shown = `/${version}/${rest}`;
  if (version === 'v1beta') {
    const action = GEMINI_PATH.exec(rest)?.[2];
    const protocol = PROTOCOLS.gemini;
    return action !== undefined && Object.hasOwn(GEMINI_ACTIONS, action) ? { protocol, completion: { protocol, action }, shown } : { protocol, shown };
  }
  const completion = COMPLETION_ROUTES[rest];
  if (completion) return { protocol: PROTOCOLS[completion], completion: { protocol: PROTOCOLS[completion] }, shown };
  const protocol = PROTOCOLS[ERROR_SHAPE_BY_PREFIX[rest.split('/')[0] ?? ''] ?? 'openai_chat'];
  return { protocol, models: rest === 'models' || rest.startsWith('models/'), shown };
}

/** Everything the router needs. */
export interface GatewayState {
  sessions: SessionRegistry;
  /** The upstream model, once known; completions wait for it. */
  upstream: UpstreamReadiness;
  deps: Omit<CompletionDeps, 'upstreamModel'>;
  adminToken: string;
  logger: Logger;
  /** Set when close() began: new completions get a 503. */
  closing: boolean;
  /** The pull queue when the trainer owns inference over HTTP (its routes live under /admin/trainer/). */
  trainer?: TrainerQueue;
}

/** The node:http request listener. Never throws (an unexpected error becomes a 500). */
export function createRequestHandler(state: GatewayState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(state, req, res).catch((err: unknown) => {
      state.logger.error(`gateway: unhandled error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'server_error', message: 'internal gateway error' } });
      else res.destroy();
    });
  };
}

async function route(state: GatewayState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = (q < 0 ? url : url.slice(0, q)).replace(/\/{2,}/g, '/');
  if (pathname === '/healthz') {
    return sendJson(res, 200, { status: state.closing ? 'closing' : 'ok', ready: state.upstream.state.ready, upstream_model: state.upstream.model ?? null });
  }
  if (pathname === '/readyz') return readyz(state, res);
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    return handleAdmin(req, res, pathname, state.sessions, state.adminToken, { trainer: state.trainer, query: q < 0 ? '' : url.slice(q + 1) });
  }
  const m = /^\/s\/([^/]+)\/(v1|v1beta)\/(.*?)\/?$/.exec(pathname);
  if (!m) return sendJson(res, 404, { error: { type: 'not_found_error', message: `no route ${pathname}` } });
  return clientRoute(state, req, res, safeDecode(m[1]!), clientTarget(m[2]!, m[3]!));
}

// For orchestrators (k8s readinessProbe, compose healthcheck): not ready while the upstream is loading, or closing.
function readyz(state: GatewayState, res: ServerResponse): void {
  const upstream = state.upstream.state;
  if (state.closing) return sendJson(res, 503, { ready: false, reason: 'the gateway is shutting down' });
  if (!upstream.ready) return sendJson(res, 503, { ready: false, reason: upstream.reason }, { 'retry-after': String(state.upstream.retryAfterSeconds()) });
  return sendJson(res, 200, { ready: true, upstream_model: upstream.model });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function clientRoute(state: GatewayState, req: IncomingMessage, res: ServerResponse, sessionId: string, target: ClientTarget): Promise<void> {
  const { protocol, completion, shown } = target;
  const fail = (error: ProtocolError, headers?: Record<string, string>) => {
    const reply = errorReply(protocol, error);
    sendJson(res, reply.status, reply.body, headers);
  };

  const session = state.sessions.lookup(sessionId);
  if (!session) return fail({ status: 404, kind: 'not_found', message: `unknown session ${sessionId}` });
  if (!hasToken(req.headers, session.token)) {
    return fail({
      status: 401,
      kind: 'authentication',
      message: `invalid or missing token for session ${sessionId} (send it as "Authorization: Bearer", "x-api-key" or "x-goog-api-key")`,
    });
  }
  const method = req.method ?? 'GET';
  const upstreamModel = state.upstream.model;
  // overloaded: a 503 that client SDKs and agent CLIs retry, after Retry-After (the next discovery attempt)
  const notReady = () => {
    const upstream = state.upstream.state;
    const message = `the gateway is waiting for the upstream model server${upstream.ready ? '' : `: ${upstream.reason}`}`;
    return fail({ status: 503, kind: 'overloaded', message }, { 'retry-after': String(state.upstream.retryAfterSeconds()) });
  };
  if (target.models) {
    if (method !== 'GET') return fail({ status: 405, kind: 'invalid_request', message: `${method} is not allowed on ${shown}` });
    if (upstreamModel === undefined) return notReady();
    const model = { id: upstreamModel, object: 'model', created: 0, owned_by: 'swebench-gateway' };
    return sendJson(res, 200, shown === '/v1/models' ? { object: 'list', data: [model] } : model);
  }
  if (!completion) return fail({ status: 404, kind: 'not_found', message: `the gateway does not serve ${shown}` });
  if (method !== 'POST') return fail({ status: 405, kind: 'invalid_request', message: `${method} is not allowed on ${shown}` });
  if (state.closing) return fail({ status: 503, kind: 'overloaded', message: 'the gateway is shutting down' });
  if (upstreamModel === undefined) return notReady();

  const admitted = session.admit();
  if (!admitted.ok) {
    state.logger.debug(`gateway: ${sessionId} refused: ${admitted.error.message}`);
    return fail(admitted.error);
  }
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) {
      controller.abort(new AbortReason({ status: 499, kind: 'client_disconnected', message: 'the client closed the connection' }));
    }
  });
  await session.run(controller, () => serveCompletion({ ...state.deps, upstreamModel }, completion, session, admitted.seq, req, res, controller.signal));
}
