// Pure pieces of the gateway core: SSE parsing of upstream streams, and sealing of reasoning blobs.
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../../src/gateway/sse.js';
import { createSealer } from '../../../src/gateway/seal.js';

function feedAll(parts: string[]): Array<{ event?: string; data: string }> {
  const p = new SseParser();
  return [...parts.flatMap((t) => p.push(t)), ...p.end()];
}

describe('SseParser', () => {
  it('splits events on blank lines with LF, CRLF and CR line endings', () => {
    expect(feedAll(['data: a\n\ndata: b\n\n'])).toEqual([{ data: 'a' }, { data: 'b' }]);
    expect(feedAll(['data: a\r\n\r\ndata: b\r\n\r\n'])).toEqual([{ data: 'a' }, { data: 'b' }]);
    expect(feedAll(['data: a\r\rdata: b\r\r'])).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  it('joins multi-line data, keeps event names, ignores comments and unknown fields', () => {
    const evs = feedAll([': keep-alive\n\nevent: error\nid: 7\ndata: {"a":\ndata: 1}\nretry: 10\n\n']);
    expect(evs).toEqual([{ event: 'error', data: '{"a":\n1}' }]);
    expect(JSON.parse(evs[0]!.data)).toEqual({ a: 1 });
  });

  it('handles events cut at every possible position, including inside CRLF', () => {
    const text = 'data: {"x":"héllo"}\r\n\r\ndata: [DONE]\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(feedAll([text.slice(0, cut), text.slice(cut)])).toEqual([{ data: '{"x":"héllo"}' }, { data: '[DONE]' }]);
    }
    expect(feedAll(text.split(''))).toEqual([{ data: '{"x":"héllo"}' }, { data: '[DONE]' }]);
  });

  it('flushes a last event that has no terminating blank line', () => {
    expect(feedAll(['data: tail'])).toEqual([{ data: 'tail' }]);
    expect(feedAll(['data: a\n\n', '   '])).toEqual([{ data: 'a' }]);
  });
});

describe('createSealer', () => {
  it('round-trips text, with a fresh IV per seal', () => {
    const s = createSealer();
    const text = 'step 1: think 🤔\nstep 2: act';
    const a = s.seal(text);
    const b = s.seal(text);
    expect(a).not.toBe(b);
    expect(a).not.toContain('think');
    expect(s.unseal(a)).toBe(text);
    expect(s.unseal(b)).toBe(text);
    expect(s.unseal(s.seal(''))).toBe('');
  });

  it('rejects tampered, foreign and garbage blobs', () => {
    const s = createSealer();
    const blob = s.seal('secret reasoning');
    const i = blob.length - 5;
    const tampered = blob.slice(0, i) + (blob[i] === 'A' ? 'B' : 'A') + blob.slice(i + 1);
    expect(s.unseal(tampered)).toBeUndefined();
    expect(createSealer().unseal(blob)).toBeUndefined();
    expect(s.unseal('not a blob')).toBeUndefined();
    expect(s.unseal('swgr1.')).toBeUndefined();
    expect(s.unseal('swgr1.!!!!')).toBeUndefined();
  });

  it('opens blobs across instances when given the same fixed secret', () => {
    const blob = createSealer('fixed-secret').seal('kept across restarts');
    expect(createSealer('fixed-secret').unseal(blob)).toBe('kept across restarts');
    expect(createSealer('other-secret').unseal(blob)).toBeUndefined();
  });
});
