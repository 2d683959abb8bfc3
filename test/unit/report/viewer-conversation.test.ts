// The session page's conversation: new messages per completion (tool results from the next request), other chains
// kept apart, a shorter context (compaction) starting its chain over; and the page itself: one block per completion,
// escaped text, folded long outputs, a coloured diff.
import { describe, expect, it } from 'vitest';
import type { CompletionRecord } from '../../../src/gateway/records.js';
import { buildConversation, parseRecords } from '../../../src/report/viewer/conversation.js';
import { foldable, renderDiff } from '../../../src/report/viewer/assets.js';

function rec(seq: number, chain_id: string, messages: unknown[], reply: { content?: string; tool?: string } = {}): CompletionRecord {
  return {
    session_id: 's', instance_id: 'i', seq, kind: chain_id === 'title' ? 'title' : 'turn', chain: chain_id === 'title' ? 'title' : 'main', chain_id, turn: seq,
    client_protocol: 'openai_chat', client_request: { method: 'POST', path: '/', headers: {} }, upstream_request: { model: 'm', messages },
    response: { id: 'x', model: 'm', created: 0, content: reply.content ?? '', reasoning: '', tool_calls: reply.tool ? [{ id: 'c1', name: reply.tool, arguments: '{"command":"ls"}' }] : [], finish_reason: 'stop', usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } },
    weight_version: null, status: 'ok', http_status: 200, attempts: [{ n: 1, status: 200 }], timings: { start: '', ttft_ms: 5, total_ms: 9 },
  };
}

describe('buildConversation', () => {
  const sys = { role: 'system', content: 'S' };
  const user = { role: 'user', content: 'fix it' };
  const a1 = { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'bash', arguments: '{}' } }] };
  const t1 = { role: 'tool', tool_call_id: 'c1', content: 'out' };

  it('shows the whole context first, then only what is new (the tool result), per chain', () => {
    const turns = buildConversation([rec(1, 'main', [sys, user], { tool: 'bash' }), rec(2, 'title', [{ role: 'user', content: 'title?' }]), rec(3, 'main', [sys, user, a1, t1], { content: 'done' })]);
    expect(turns.map((t) => [t.seq, t.chain_id, t.reset, t.incoming.map((m) => m.role)])).toEqual([
      [1, 'main', true, ['system', 'user']],
      [2, 'title', true, ['user']],
      [3, 'main', false, ['tool']],
    ]);
    expect(turns[0]!.reply!.tool_calls[0]!.name).toBe('bash');
  });

  it('starts a chain over when its context shrinks (a compaction)', () => {
    const turns = buildConversation([rec(1, 'main', [sys, user, a1, t1]), rec(2, 'main', [sys, { role: 'user', content: 'summary' }])]);
    expect(turns[1]!.reset).toBe(true);
    expect(turns[1]!.incoming).toHaveLength(2);
  });

  it('parses records.jsonl in seq order and skips a torn last line', () => {
    const text = `${JSON.stringify(rec(2, 'main', []))}\n${JSON.stringify(rec(1, 'main', []))}\n{"seq":3,`;
    expect(parseRecords(text).map((r) => r.seq)).toEqual([1, 2]);
  });
});

describe('page helpers', () => {
  it('folds long output behind its size and escapes markup', () => {
    expect(foldable('<b>x</b>')).toBe('<pre>&lt;b&gt;x&lt;/b&gt;</pre>');
    expect(foldable('line\n'.repeat(100), { label: 'tool output' })).toMatch(/^<details><summary>tool output: 101 lines, 500 B/);
  });

  it('colours a diff by line kind', () => {
    const html = renderDiff('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
    expect(html).toContain('<span class="d-del">-a</span>');
    expect(html).toContain('<span class="d-add">+b</span>');
    expect(html).toContain('<span class="d-hunk">@@ -1 +1 @@</span>');
  });
});
