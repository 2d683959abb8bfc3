// The one HTTP client to the upstream chat-completions server: a keep-alive undici Pool, the gateway's
// credentials and headers, model discovery. Failure classification lives in upstream-errors.ts.
import { Pool, type Dispatcher } from 'undici';
import { upstreamUrlProblem } from '../config/upstream-url.js';
import { GatewayError } from '../errors.js';
import { redact } from '../logger.js';
import { upstreamMessage } from './upstream-errors.js';
import { dispatchReply, type UpstreamReply } from './upstream-reply.js';
import type { ClientProtocol, RecordKind } from './protocols/types.js';
import type { RecordChain } from './chains.js';

/** Where the upstream lives: `http://host:port[/prefix]`, with the OpenAI `/v1` appended per endpoint. */
export interface UpstreamEndpoint {
  origin: string;
  /** Path prefix before `/v1`, without a trailing slash ('' for none). */
  basePath: string;
}

/** Parses `--upstream`: accepts `http://h:p`, `http://h:p/`, `http://h:p/v1`, `http://h:p/prefix/v1/`. */
export function parseUpstreamUrl(url: string): UpstreamEndpoint {
  // The same rule as the CLI's (library callers included): credentials in the URL are refused, never dropped.
  const problem = upstreamUrlProblem(url);
  if (problem) throw new GatewayError(`upstream URL: ${problem}`, { hint: 'Pass an http(s) URL without credentials, such as http://127.0.0.1:8000/v1.' });
  const u = new URL(url);
  const basePath = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { origin: u.origin, basePath };
}

/** Extra request headers telling the model which task a request belongs to (real backends ignore them). */
export interface UpstreamRequestMeta {
  sessionId: string;
  instanceId?: string;
  /** What the request is for (the record's kind): lets the built-in models answer a compaction as one. */
  kind?: RecordKind;
  /** The record's chain (main, subagent, …): shown to a trainer that owns inference. */
  chain?: RecordChain;
  /** The record's seq (1-based arrival order in the session), its turn in its chain, and the attempt number. */
  seq?: number;
  turn?: number;
  attempt?: number;
  /** The client protocol the agent spoke (the trainer sees the canonical chat request either way). */
  clientProtocol?: ClientProtocol;
}

/**
 * Where completions go: an OpenAI-compatible server over HTTP (UpstreamClient) or a trainer that owns inference
 * (trainer/). Either answers a canonical chat request with a reply whose body is a chat SSE stream or one JSON body.
 */
export interface Upstream {
  /** The upstream as shown in log lines (no credentials). */
  readonly displayUrl: string;
  /** Sends one chat request; the caller owns the returned reply (read or destroy its body). */
  chat(body: string, meta: UpstreamRequestMeta, signal: AbortSignal): Promise<UpstreamReply>;
  /** Lets in-flight requests finish, then releases everything. */
  close(): Promise<void>;
  /** Releases everything now. */
  destroy(): Promise<void>;
}

/** Keep-alive client for `/v1/chat/completions` and `/v1/models`. */
export class UpstreamClient implements Upstream {
  private readonly pool: Pool;
  private readonly endpoint: UpstreamEndpoint;

  constructor(
    url: string,
    private readonly apiKey: string | undefined,
    timeoutMs: number,
  ) {
    this.endpoint = parseUpstreamUrl(url);
    this.pool = new Pool(this.endpoint.origin, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: 10_000 },
    });
  }

  /** Base URL as shown to people (no credentials). */
  get displayUrl(): string {
    return `${this.endpoint.origin}${this.endpoint.basePath}/v1`;
  }

  /** POSTs a chat request; the caller owns the returned reply (read or destroy its body). */
  chat(body: string, meta: UpstreamRequestMeta, signal: AbortSignal): Promise<UpstreamReply> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-swebench-session-id': headerSafe(meta.sessionId),
    };
    if (meta.instanceId) headers['x-swebench-instance-id'] = headerSafe(meta.instanceId);
    if (meta.kind) headers['x-swebench-kind'] = meta.kind;
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return dispatchReply(this.pool, { method: 'POST', path: `${this.endpoint.basePath}/v1/chat/completions`, headers, body }, signal);
  }

  /** `GET /v1/models` → model ids, in the server's order. */
  async models(signal?: AbortSignal): Promise<string[]> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const url = `${this.displayUrl}/models`;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({ method: 'GET', path: `${this.endpoint.basePath}/v1/models`, headers, signal });
    } catch (err) {
      throw new GatewayError(`cannot list upstream models at ${url}: ${redact(errorDetail(err))}`, {
        hint: 'Check that the model server is running, or pass --upstream-model.',
        cause: err,
      });
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new GatewayError(`cannot list upstream models at ${url}: HTTP ${res.statusCode}: ${upstreamMessage(text, '')}`, {
        hint: 'Pass --upstream-model, or fix the upstream API key.',
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GatewayError(`upstream ${url} did not answer JSON`, { hint: 'Pass --upstream-model.' });
    }
    const data = (parsed as { data?: unknown })?.data;
    const ids = Array.isArray(data) ? data.map((m) => (m as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string') : [];
    return ids;
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Drops every connection now. */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * The one model discovery, for both starts: the configured model, or the first id the upstream lists. With
 * `verify`, a configured model is not taken on trust: the upstream must answer `/v1/models` and list it (the
 * standalone gateway's readiness, so that a wrong `--upstream-model` shows in `/readyz` instead of as a 404 per
 * completion). Without it (`submit`), a configured model needs no request at all, as before.
 */
export async function discoverUpstreamModel(
  client: UpstreamClient,
  configured: string | undefined,
  opts: { verify: boolean },
  signal?: AbortSignal,
): Promise<string> {
  if (configured && !opts.verify) return configured;
  const ids = await client.models(signal);
  if (configured) {
    if (ids.includes(configured)) return configured;
    throw new GatewayError(`upstream ${client.displayUrl}/models does not list model ${JSON.stringify(configured)} (it lists ${listed(ids)})`, {
      hint: 'Fix --upstream-model, or wait for the model server to load it.',
    });
  }
  const first = ids[0];
  if (!first) {
    throw new GatewayError(`upstream ${client.displayUrl}/models lists no model`, { hint: 'Pass --upstream-model.' });
  }
  return first;
}

function listed(ids: string[]): string {
  if (ids.length === 0) return 'none';
  const shown = ids.slice(0, 5).map((id) => JSON.stringify(id)).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

// Node's happy-eyeballs connect (e.g. to `localhost`) fails with an AggregateError whose message is empty.
export function errorDetail(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  return code && !message.includes(code) ? `${code}${message ? `: ${message}` : ''}` : message;
}

// Header values must be visible ASCII; anything else is percent-encoded.
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
