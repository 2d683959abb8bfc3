// Where upstream chunks go for one client. The streaming sink holds back the HTTP headers and every chunk
// until the first visible output (text or a tool call), so that failures and reasoning-only attempts can
// still be retried silently or answered with a proper HTTP error; once committed, failures become
// protocol-valid terminal events in the stream, or an aborted connection where the protocol has no such event
// that its client heeds (Gemini).
import type { ServerResponse } from 'node:http';
import { hasVisibleDelta } from './assemble.js';
import { drained, sendJson, startSse } from './http-io.js';
import { errorReply, type AssembledCompletion, type ChatChunk, type Protocol, type ProtocolError, type StreamTranslator, type TranslateContext } from './protocols/types.js';

/**
 * The client side of one completion. `finish`/`fail` prepare the terminal part of the response (the JSON body,
 * or the stream's final events) and return the HTTP status the client gets; `end()` sends it once the record
 * is on disk, so a client that saw the end of its completion can rely on the record being there.
 */
export interface Sink {
  /** True once bytes went to the client (no retry is possible after that). */
  readonly committed: boolean;
  /** Forgets held-back chunks of a failed or discarded attempt. */
  reset(): void;
  /** Takes one upstream chunk (with its JSON text when it came from a stream); its client bytes are buffered until `flush()`. */
  chunk(chunk: ChatChunk, raw?: string): void;
  /** Sends what `chunk` buffered (one socket write per upstream read); a promise only when it must wait for `drain`. */
  flush(): Promise<void> | undefined;
  finish(assembled: AssembledCompletion): Promise<number>;
  fail(err: ProtocolError): Promise<number>;
  end(): void;
}

/** Base of both sinks: a whole-JSON reply, or the terminal events of a stream, kept until `end()`. */
abstract class BaseSink {
  protected pending: { status: number; body: unknown } | undefined;
  protected tail = '';

  constructor(
    protected readonly res: ServerResponse,
    protected readonly protocol: Protocol,
    protected readonly body: unknown,
    protected readonly ctx: TranslateContext,
  ) {}

  /** An error as JSON with its status (nothing to send if the client is gone). */
  protected jsonError(err: ProtocolError): number {
    if (this.res.destroyed) return this.res.headersSent ? this.res.statusCode : 499;
    this.pending = errorReply(this.protocol, err);
    return this.pending.status;
  }

  end(): void {
    if (this.pending) sendJson(this.res, this.pending.status, this.pending.body);
    else if (!this.res.writableEnded) this.res.end(this.res.destroyed ? undefined : this.tail || undefined);
    this.pending = undefined;
    this.tail = '';
  }
}

/** Non-streaming client: answers once, with `protocol.toResponse`. */
export class JsonSink extends BaseSink implements Sink {
  readonly committed = false;

  reset(): void {}

  chunk(): void {}

  flush(): undefined {
    return undefined;
  }

  async finish(assembled: AssembledCompletion): Promise<number> {
    if (this.res.destroyed) return 499;
    this.pending = { status: 200, body: this.protocol.toResponse(assembled, this.body, this.ctx) };
    return 200;
  }

  async fail(err: ProtocolError): Promise<number> {
    return this.jsonError(err);
  }
}

/**
 * Failures a streaming Responses, Messages or Gemini client gets as the protocol's in-stream terminal event
 * (`response.failed` / `event: error` / `data: {"error"}`) even when nothing was sent yet: a reasoning-only answer is a model
 * failure inside a healthy HTTP exchange. Transport failures (429, 5xx, refused) keep their HTTP status.
 */
const IN_STREAM_BEFORE_OUTPUT: ReadonlySet<string> = new Set(['empty_output']);

/** One chunk through a translator, by its raw-text fast path when it has one and the text is known. */
function translate(t: StreamTranslator, chunk: ChatChunk, raw: string | undefined): string {
  return raw !== undefined && t.chunkRaw ? t.chunkRaw(chunk, raw) : t.chunk(chunk);
}

/** Streaming client: SSE through the protocol's StreamTranslator. */
export class StreamSink extends BaseSink implements Sink {
  private held: Array<{ chunk: ChatChunk; raw: string | undefined }> = [];
  private translator: StreamTranslator | undefined;
  /** Translated bytes not yet written. */
  private out = '';
  /** The failure has no in-stream form in this protocol: `end()` aborts the connection instead of ending the stream. */
  private abortAtEnd = false;

  get committed(): boolean {
    return this.translator !== undefined;
  }

  reset(): void {
    if (!this.committed) this.held = [];
  }

  chunk(chunk: ChatChunk, raw?: string): void {
    if (this.translator) {
      this.out += translate(this.translator, chunk, raw);
      return;
    }
    this.held.push({ chunk, raw });
    if (hasVisibleDelta(chunk)) this.commit();
  }

  flush(): Promise<void> | undefined {
    if (!this.out) return undefined;
    const text = this.out;
    this.out = '';
    if (this.res.destroyed || this.res.writableEnded) return undefined;
    return this.res.write(text) ? undefined : drained(this.res);
  }

  private commit(): StreamTranslator {
    if (this.translator) return this.translator;
    const t = this.protocol.createStream(this.body, this.ctx);
    this.translator = t;
    startSse(this.res);
    for (const h of this.held) this.out += translate(t, h.chunk, h.raw);
    this.held = [];
    return t;
  }

  // The last unflushed bytes go out with the terminal events in end(): one write for the end of the stream.
  async finish(assembled: AssembledCompletion): Promise<number> {
    if (this.res.destroyed) return this.res.headersSent ? 200 : 499;
    const t = this.commit();
    this.tail = this.out + t.end(assembled);
    this.out = '';
    return 200;
  }

  async fail(err: ProtocolError): Promise<number> {
    if (!this.translator) {
      if (!IN_STREAM_BEFORE_OUTPUT.has(err.kind) || this.protocol.name === 'openai_chat' || this.res.destroyed) return this.jsonError(err);
      this.held = []; // the discarded reasoning must not reach the client
      this.commit();
    }
    if (!this.res.destroyed) {
      const events = this.translator!.error(err);
      this.abortAtEnd = events === undefined;
      this.tail = this.out + (events ?? '');
    }
    this.out = '';
    return 200;
  }

  override end(): void {
    if (!this.abortAtEnd) return super.end();
    // What was produced still reaches the client (destroy() would drop unsent bytes, headers included); then the
    // connection closes without the stream's terminating chunk, which the client sees as a transport failure.
    const socket = this.res.socket;
    if (this.tail && !this.res.destroyed) this.res.write(this.tail);
    this.tail = '';
    if (socket && !socket.destroyed) socket.end(() => socket.destroy());
    else this.res.destroy();
  }
}
