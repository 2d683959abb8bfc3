// Incremental Server-Sent-Events parsing for upstream chat streams: events split on blank lines (LF, CRLF or
// CR), multi-line `data:` fields joined with "\n", comments and other fields ignored, chunks cut anywhere.
import type { UpstreamReply } from './upstream-reply.js';

/** One SSE event: its `data` text (lines joined with "\n") and its `event` name when present. */
export interface SseEvent {
  event?: string;
  data: string;
}

// An event ends at the first blank line; a line ends at LF, CRLF or a lone CR.
const EVENT_END = /\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n/;

/** Stateful parser: feed it decoded text as it arrives, it returns the events completed so far. */
export class SseParser {
  private buffer = '';

  /** Adds text and returns every event whose terminating blank line has arrived. */
  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    // Hot path: without a CR anywhere, the only event end is "\n\n" (a plain indexOf, no regex).
    const lfOnly = !this.buffer.includes('\r');
    for (;;) {
      let at: number;
      let len: number;
      if (lfOnly) {
        at = this.buffer.indexOf('\n\n');
        len = 2;
      } else {
        const m = EVENT_END.exec(this.buffer);
        at = m ? m.index : -1;
        len = m ? m[0].length : 0;
      }
      if (at < 0) break;
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + len);
      const ev = parseBlock(block);
      if (ev) events.push(ev);
    }
    return events;
  }

  /** Flushes a final event that was not followed by a blank line (a stream that ended without one). */
  end(): SseEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    const ev = rest.trim() ? parseBlock(rest) : undefined;
    return ev ? [ev] : [];
  }
}

function parseBlock(block: string): SseEvent | undefined {
  // Hot path: one `data: …` line, the shape of every chat-completions chunk.
  if (block.startsWith('data:') && !block.includes('\n') && !block.includes('\r')) {
    return { data: block.charCodeAt(5) === 32 ? block.slice(6) : block.slice(5) };
  }
  const data: string[] = [];
  let event: string | undefined;
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length === 0) return undefined;
  return event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
}

/** What `readSseReply`'s handler returns: nothing (go on), a promise (pause the body until it settles), or 'stop'. */
export type SseBatchResult = void | Promise<void> | 'stop';

/**
 * Reads an upstream reply (undici's dispatch API, no Readable in between) as SSE, handing `onBatch` the events of
 * each network read together. While a promise returned by `onBatch` is pending the reply is paused (client
 * backpressure); 'stop' ends reading at once (the caller destroys the reply). Rejects with the reply's error, or
 * what `onBatch` threw.
 */
export function readSseReply(reply: UpstreamReply, onBatch: (events: SseEvent[]) => SseBatchResult): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const run = (events: SseEvent[]): Promise<void> | undefined => {
      if (events.length === 0) return undefined;
      let r: SseBatchResult;
      try {
        r = onBatch(events);
      } catch (err) {
        settle(err);
        return undefined;
      }
      if (r === 'stop') {
        settle();
        return undefined;
      }
      return r ?? undefined;
    };
    reply.read({
      data: (bytes) => {
        if (settled) return false;
        const wait = run(parser.push(decoder.decode(bytes, { stream: true })));
        if (!wait) return !settled;
        wait.then(() => {
          if (!settled) reply.resume();
        }, settle);
        return false;
      },
      end: () => {
        if (settled) return;
        const wait = run([...parser.push(decoder.decode()), ...parser.end()]);
        if (wait) wait.then(() => settle(), settle);
        else settle();
      },
      error: settle,
    });
  });
}

