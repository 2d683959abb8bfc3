// The verdict rules: our own limits first, then "never called the gateway", then the last record's error, then
// the harness's reading, then a bare exit code; a text-only last turn with an empty patch is an early exit.
import { describe, expect, it } from 'vitest';
import type { CompletionRecord } from '../../../src/gateway/records.js';
import { describeGateway, diagnoseAgent, diagnoseEarlyExit, outputTail, STATUS_OF, type AgentEnd } from '../../../src/run/diagnose.js';
import { addRecord, emptyDigest, trajectoryMessages, type RecordsDigest } from '../../../src/run/records-digest.js';
import { nudgeReason } from '../../../src/run/nudge.js';
import { INFRA_ERROR_CLASSES, type ErrorClass } from '../../../src/run/ses-file.js';
import { conversationIdOf } from '../../../src/run/session.js';

const end = (over: Partial<AgentEnd> = {}): AgentEnd => ({
  exitCode: 0, durationMs: 4100, killedBy: null, timeoutSec: 1800, idleTimeoutSec: 300, maxCompletions: 50, refused: 0, outputTail: '', ...over,
});

function rec(over: Partial<CompletionRecord> & { tools?: string[]; text?: string } = {}): CompletionRecord {
  const { tools, text, ...rest } = over;
  return {
    session_id: 's', instance_id: 'i', seq: 1, kind: 'turn', client_protocol: 'openai_chat',
    client_request: { method: 'POST', path: '/s/s/v1/chat/completions', headers: {} },
    upstream_request: { messages: [{ role: 'user', content: 'fix it' }] },
    response: {
      id: 'c', model: 'm', created: 0, content: text ?? '', reasoning: '',
      tool_calls: (tools ?? []).map((name, i) => ({ id: `call_${i}`, name, arguments: '{"command":"ls"}' })),
      finish_reason: tools?.length ? 'tool_calls' : 'stop',
    },
    status: 'ok', http_status: 200, attempts: [{ n: 1, status: 200, usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } }],
    timings: { start: '2025-01-01T00:00:02.000Z', ttft_ms: 5, total_ms: 9 },
    ...rest,
  } as CompletionRecord;
}

function digest(...records: CompletionRecord[]): RecordsDigest {
  const d = emptyDigest();
  for (const r of records) addRecord(d, r);
  return d;
}

const failed = (kind: string, message: string) => rec({ status: 'error', response: null, http_status: 502, error: { status: 502, kind, message } });

describe('diagnoseAgent', () => {
  it('a healthy run has no verdict', () => {
    expect(diagnoseAgent(end(), digest(rec({ tools: ['bash'] }), rec({ text: 'done' })))).toBeNull();
  });

  it('zero records: "no completions" even when the harness explains itself', () => {
    const v = diagnoseAgent(end({ exitCode: 1 }), digest(), { errorClass: 'infra_error', error: 'opencode: base URL missing' });
    expect(v).toEqual({ status: 'FAILED', errorClass: 'no_completions', error: 'no completions' });
    // …except a prompt the harness itself refused as too long for its window
    const tooLong = { errorClass: 'context_length_exceeded' as const, error: 'claude-code: Prompt is too long' };
    expect(diagnoseAgent(end({ exitCode: 1 }), digest(), tooLong)).toEqual({ status: 'FAILED', errorClass: 'context_length_exceeded', error: 'claude-code: Prompt is too long' });
  });

  it('our limits win over everything they caused', () => {
    expect(diagnoseAgent(end({ killedBy: 'timeout', exitCode: 124 }), digest())).toMatchObject({ status: 'TIMEOUT', errorClass: 'agent_timeout' });
    expect(diagnoseAgent(end({ killedBy: 'idle' }), digest(rec()))).toMatchObject({ status: 'TIMEOUT', errorClass: 'idle_timeout', error: expect.stringMatching(/300 s/) });
    expect(diagnoseAgent(end({ killedBy: 'cap' }), digest(rec()))).toMatchObject({ status: 'FAILED', errorClass: 'completion_cap' });
    // a harness that ended by itself after the gateway refused it is still capped
    expect(diagnoseAgent(end({ exitCode: 1, refused: 2 }), digest(rec()))).toMatchObject({ errorClass: 'completion_cap', error: expect.stringMatching(/cap of 50/) });
  });

  it('the last record\'s error classifies the run', () => {
    expect(diagnoseAgent(end({ exitCode: 1 }), digest(rec(), failed('context_length_exceeded', 'maximum context length is 32768'))))
      .toMatchObject({ errorClass: 'context_length_exceeded', error: 'last completion failed: maximum context length is 32768' });
    expect(diagnoseAgent(end({ exitCode: 1 }), digest(rec(), failed('upstream_error', 'HTTP 503'))))
      .toMatchObject({ status: 'FAILED', errorClass: 'upstream_error', error: 'last completion failed (upstream_error): HTTP 503' });
    // an error the agent recovered from does not
    expect(diagnoseAgent(end(), digest(failed('rate_limit', '429'), rec({ text: 'done' })))).toBeNull();
  });

  it('then the harness\'s own reading, then a bare non-zero exit with the last output line', () => {
    expect(diagnoseAgent(end({ exitCode: 1 }), digest(rec()), { errorClass: 'upstream_error', error: 'codex: high demand' }))
      .toMatchObject({ errorClass: 'upstream_error', error: 'codex: high demand' });
    expect(diagnoseAgent(end({ exitCode: 2, outputTail: 'step 1\nTraceback...\nKeyError: x\n\n' }), digest(rec())))
      .toEqual({ status: 'FAILED', errorClass: 'agent_crash', error: 'the harness exited with code 2: KeyError: x' });
  });
});

describe('diagnoseEarlyExit', () => {
  it('text-only last turn + empty patch', () => {
    expect(diagnoseEarlyExit(digest(rec({ text: 'I will not make any changes.' })), '')).toMatchObject({ status: 'FAILED', errorClass: 'early_exit_text_only' });
    expect(diagnoseEarlyExit(digest(rec({ text: 'done' })), 'diff --git a/x b/x\n')).toBeNull();
    expect(diagnoseEarlyExit(digest(rec({ tools: ['bash'] })), '')).toBeNull();
    expect(diagnoseEarlyExit(digest(), '')).toBeNull();
    // a title or compaction record after the last turn does not hide it
    expect(diagnoseEarlyExit(digest(rec({ text: 'bye' }), rec({ kind: 'title', tools: [] , text: 'Title' })), '')).not.toBeNull();
  });
});

describe('describeGateway', () => {
  it('says when the harness never called', () => {
    expect(describeGateway(end({ exitCode: 1 }), digest(), 0)).toBe('harness exited (code 1) after 4.1 s without calling the gateway');
    expect(describeGateway(end({ killedBy: 'timeout', timeoutSec: 3, durationMs: 3500 }), digest(), 0)).toBe(
      'the harness was killed by the 3 s timeout after 3.5 s without calling the gateway',
    );
    expect(describeGateway(null, digest(), null)).toBe('the harness never started');
  });

  it('summarises what the gateway saw', () => {
    const launched = Date.parse('2025-01-01T00:00:00.000Z');
    const text = describeGateway(end({ refused: 1 }), digest(rec({ tools: ['bash'] }), failed('upstream_error', 'HTTP 500 from upstream')), launched);
    expect(text).toBe(
      '2 completion(s) (1 failed: upstream_error ×1); first request 2.0 s after launch; last completion: failed (upstream_error: HTTP 500 from upstream); ' +
        '1 request(s) refused by the completion cap (50); harness exited (code 0) after 4.1 s',
    );
  });
});

describe('tables and helpers', () => {
  it('ERROR exactly for the infrastructure classes', () => {
    for (const [cls, status] of Object.entries(STATUS_OF)) expect(status === 'ERROR', cls).toBe(INFRA_ERROR_CLASSES.has(cls as ErrorClass));
  });

  it('outputTail keeps the last lines', () => {
    const out = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\r\n');
    expect(outputTail(out, 3)).toBe('line 97\nline 98\nline 99');
    expect(outputTail('x'.repeat(10_000), 40, 100)).toHaveLength(100);
  });

  it('the trajectory is the last turn\'s messages plus its answer', () => {
    const d = digest(rec({ tools: ['bash'] }));
    expect(trajectoryMessages(d.lastTurn)).toEqual([
      { role: 'user', content: 'fix it' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] },
    ]);
    expect(d.usage).toEqual({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  });
});

describe('when --nudge continues a session', () => {
  const run = (over: Partial<AgentEnd> = {}, failure?: { errorClass: 'agent_crash'; error: string }) => ({ end: end(over), failure });

  it('a clean stop with the tree unchanged: text-only last answer or no patch', () => {
    expect(nudgeReason(run(), digest(rec({ tools: ['bash'] }), rec({ text: 'So far: I looked around.' })), false)).toBe('early_exit_text_only');
    expect(nudgeReason(run(), digest(rec({ tools: ['bash'] })), false)).toBe('no_patch');
  });

  it('never after a change, our limits, a failed last completion, a harness failure, a crash or no completions', () => {
    const ok = digest(rec({ tools: ['bash'] }), rec({ text: 'done' }));
    expect(nudgeReason(run(), ok, true)).toBeNull();
    for (const killedBy of ['timeout', 'idle', 'cap'] as const) expect(nudgeReason(run({ killedBy }), ok, false), killedBy).toBeNull();
    expect(nudgeReason(run(), digest(rec(), failed('upstream_error', 'HTTP 500')), false)).toBeNull();
    expect(nudgeReason(run({}, { errorClass: 'agent_crash', error: 'boom' }), ok, false)).toBeNull();
    expect(nudgeReason(run({ exitCode: 1 }), ok, false)).toBeNull();
    expect(nudgeReason(run(), digest(), false)).toBeNull();
  });

  it('the conversation id a CLI is started under is a v4-shaped UUID fixed by the session id', () => {
    const id = conversationIdOf('0123456789abcdef');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(conversationIdOf('0123456789abcdef')).toBe(id);
    expect(conversationIdOf('0123456789abcdee')).not.toBe(id);
  });
});
