import { describe, expect, it } from 'vitest';
import { geminiProtocol } from '../../../src/gateway/protocols/gemini.js';
import type { ProtocolError } from '../../../src/gateway/protocols/types.js';
import { checkGeminiStream } from '../../helpers/protocol-shapes.js';
import { assemble, chunk, run, testCtx, tool, usageChunk } from './responses-fixtures.js';

const ctx = testCtx();
const stream = () => geminiProtocol.createStream(null, ctx);

/** The events of a conforming stream. */
function events(sse: string): any[] {
  const r = checkGeminiStream(sse);
  expect(r.problems).toEqual([]);
  return r.events.map((e) => e.data);
}
const partsOf = (evs: any[]) => evs.map((e) => e.candidates[0].content.parts);

describe('gemini stream', () => {
  it('text: one event per text delta, then a final event with finishReason and usage (no [DONE])', () => {
    const chunks = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usageChunk(25, 15, 5)];
    const sse = run(stream(), chunks);
    expect(sse).not.toContain('[DONE]');
    const evs = events(sse);
    expect(partsOf(evs)).toEqual([[{ text: 'Hel' }], [{ text: 'lo' }], []]);
    expect(evs[0]).toEqual({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] }, index: 0 }], modelVersion: 'upstream-model', responseId: 'chatcmpl-1' });
    expect(evs.at(-1)).toEqual({
      candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 25, candidatesTokenCount: 15, totalTokenCount: 40, cachedContentTokenCount: 5 },
      modelVersion: 'upstream-model',
      responseId: 'chatcmpl-1',
    });
  });

  it('reasoning: thought parts as they come, reasoning tokens counted as thoughts', () => {
    const usage = { ...usageChunk(10, 30), usage: { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, completion_tokens_details: { reasoning_tokens: 12 } } };
    const chunks = [chunk({ reasoning_content: 'Let me ' }), chunk({ reasoning: 'think.' }), chunk({ reasoning_content: '!', content: 'Answer' }), chunk({}, 'stop'), usage];
    const evs = events(run(stream(), chunks));
    expect(partsOf(evs)).toEqual([[{ text: 'Let me ', thought: true }], [{ text: 'think.', thought: true }], [{ text: '!', thought: true }, { text: 'Answer' }], []]);
    expect(evs.at(-1).usageMetadata).toEqual({ promptTokenCount: 10, candidatesTokenCount: 18, totalTokenCount: 40, thoughtsTokenCount: 12 });
  });

  it('two tool calls with interleaved argument deltas: whole functionCalls in the last event, the reasoning sealed on the first', () => {
    const chunks = [
      chunk({ reasoning_content: 'two things' }),
      chunk({ content: 'On it.' }),
      tool(0, { id: 'call_A', name: 'run_shell_command', args: '' }),
      tool(1, { id: 'call_B', name: 'write_file', args: '{"file_' }),
      tool(0, { args: '{"command": "ls' }),
      tool(1, { args: 'path": "a.txt", "content": ""}' }),
      tool(0, { args: ' -la"}' }),
      chunk({}, 'tool_calls'),
      usageChunk(5, 5),
    ];
    const evs = events(run(stream(), chunks));
    expect(partsOf(evs).slice(0, -1)).toEqual([[{ text: 'two things', thought: true }], [{ text: 'On it.' }]]);
    const last = evs.at(-1).candidates[0];
    expect(last.finishReason).toBe('STOP');
    expect(last.content.parts).toEqual([
      { functionCall: { id: 'call_A', name: 'run_shell_command', args: { command: 'ls -la' } }, thoughtSignature: expect.any(String) },
      { functionCall: { id: 'call_B', name: 'write_file', args: { file_path: 'a.txt', content: '' } } },
    ]);
    expect(ctx.unsealReasoning(last.content.parts[0].thoughtSignature)).toBe('two things');

    // gemini-cli's next request: thoughts dropped, the call part kept with its signature → the reasoning is restored
    const next = geminiProtocol.toChat(
      {
        contents: [
          { role: 'user', parts: [{ text: 'go' }] },
          { role: 'model', parts: [{ text: 'On it.' }, ...last.content.parts] },
          { role: 'user', parts: last.content.parts.map((p: any) => ({ functionResponse: { id: p.functionCall.id, name: p.functionCall.name, response: { output: 'ok' } } })) },
        ],
      },
      ctx,
    );
    expect(next.messages[1]).toMatchObject({ role: 'assistant', content: 'On it.', reasoning_content: 'two things' });
    expect(next.messages.slice(2).map((m) => m.tool_call_id)).toEqual(['call_A', 'call_B']);
  });

  it('a tool call without reasoning has no thoughtSignature; unparsable arguments become {}', () => {
    const chunks = [tool(0, { id: 'call_X', name: 'f', args: '{"a": ' }), chunk({}, 'tool_calls')];
    const evs = events(run(stream(), chunks));
    expect(partsOf(evs)).toEqual([[{ functionCall: { id: 'call_X', name: 'f', args: {} } }]]);
  });

  it('no usage from the upstream: no usageMetadata', () => {
    const evs = events(run(stream(), [chunk({ content: 'hi' }), chunk({}, 'stop')]));
    expect(evs.some((e) => 'usageMetadata' in e)).toBe(false);
  });

  it('finish reasons: length → MAX_TOKENS, content_filter → SAFETY, tool_calls → STOP, unknown → OTHER', () => {
    const finish = (reason: string) => events(run(stream(), [chunk({ content: 'x' }), chunk({}, reason)])).at(-1).candidates[0].finishReason;
    expect(['stop', 'length', 'content_filter', 'tool_calls', 'abort'].map(finish)).toEqual(['STOP', 'MAX_TOKENS', 'SAFETY', 'STOP', 'OTHER']);
  });

  it('errors: before any output an in-stream Google error (an empty answer to gemini-cli); after output none (the sink aborts)', () => {
    const err: ProtocolError = { status: 502, kind: 'empty_output', message: 'reasoning only' };
    expect(stream().error(err)).toBe('data: {"error":{"code":502,"message":"reasoning only","status":"UNAVAILABLE"}}\n\n');
    const s = stream();
    expect(s.chunk(chunk({ content: 'partial' }))).toContain('partial');
    expect(s.error({ status: 502, kind: 'stream_interrupted', message: 'cut' })).toBeUndefined();
  });
});

describe('gemini non-streaming response and errors', () => {
  it('one GenerateContentResponse: thought, text and call parts, finish reason, usage', () => {
    const a = assemble([chunk({ reasoning_content: 'hmm' }), chunk({ content: 'Done.' }), tool(0, { id: 'call_1', name: 'f', args: '{"x":1}' }), chunk({}, 'length'), usageChunk(3, 4)]);
    const body = geminiProtocol.toResponse(a, null, ctx) as any;
    expect(body).toEqual({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'Done.' }, { functionCall: { id: 'call_1', name: 'f', args: { x: 1 } }, thoughtSignature: expect.any(String) }] },
          finishReason: 'MAX_TOKENS',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      modelVersion: 'upstream-model',
      responseId: 'chatcmpl-1',
    });
  });

  it("gateway error kinds → Google's code and status; the cap and a closed session get codes gemini-cli does not retry", () => {
    const reply = (kind: string, status: number, message = 'm') => {
      const err = { status, kind, message };
      return [geminiProtocol.errorStatus!(err), (geminiProtocol.errorBody(err) as any).error.status];
    };
    expect(reply('invalid_request', 400)).toEqual([400, 'INVALID_ARGUMENT']);
    expect(reply('invalid_request', 413)).toEqual([413, 'INVALID_ARGUMENT']);
    expect(reply('authentication', 401)).toEqual([401, 'UNAUTHENTICATED']);
    expect(reply('not_found', 404)).toEqual([404, 'NOT_FOUND']);
    expect(reply('rate_limit', 429)).toEqual([429, 'RESOURCE_EXHAUSTED']);
    expect(reply('max_completions', 400)).toEqual([400, 'FAILED_PRECONDITION']);
    expect(reply('session_closed', 410)).toEqual([403, 'PERMISSION_DENIED']);
    expect(reply('upstream_error', 502)).toEqual([502, 'UNAVAILABLE']);
    expect(reply('upstream_error', 503)).toEqual([503, 'UNAVAILABLE']);
    expect(reply('upstream_error', 504)).toEqual([504, 'DEADLINE_EXCEEDED']);
    expect(reply('overloaded', 503)).toEqual([503, 'UNAVAILABLE']);
    expect(reply('internal', 500)).toEqual([500, 'INTERNAL']);
    expect(reply('stream_interrupted', 502)).toEqual([502, 'UNAVAILABLE']);
    const overflow = {
      status: 400,
      kind: 'context_length_exceeded',
      message: "This model's maximum context length is 16384 tokens. However, you requested 122946 tokens (112946 in the messages, 10000 in the completion).",
    };
    expect(geminiProtocol.errorBody(overflow)).toEqual({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: 'The input token count (112946) exceeds the maximum number of tokens allowed (16384).' },
    });
  });
});
