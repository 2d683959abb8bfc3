// The pieces of a session that watch the gateway, against a real gateway and the built-in noop model on
// 127.0.0.1: the watchdog (idle, completion cap; driven by a hand clock, so no sleeps), the records digest of a real records.jsonl, and the
// built-in model source.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSubmitConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { startGateway, type GatewayHandle } from '../../../src/gateway/index.js';
import { NOOP_ANSWER } from '../../../src/gateway/models/index.js';
import { silentLogger } from '../../../src/logger.js';
import { openModelSource, type ModelSource } from '../../../src/run/model-source.js';
import { digestRecords, isTextOnly, trajectoryMessages } from '../../../src/run/records-digest.js';
import { startWatchdog } from '../../../src/run/watchdog.js';
import { handClock } from '../../helpers/hand-clock.js';

let dir: string;
let model: ModelSource;
let gw: GatewayHandle;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-watch-test-'));
  model = await openModelSource(resolveSubmitConfig({ flags: { harness: ['x'], model: 'noop' } }), [], { logger: silentLogger });
  gw = await startGateway({ upstreamUrl: model.upstreamUrl, recordsDir: dir });
});
afterAll(async () => {
  await gw?.close({ graceMs: 0 });
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function chat(baseUrl: string, token: string): Promise<number> {
  const r = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model: 'anything', messages: [{ role: 'user', content: 'fix the bug' }] }),
  });
  await r.text();
  return r.status;
}

/** Waits (for real) until the gateway has finished `count` completions: counted, and no longer in flight. */
async function settled(sessionId: string, count: number): Promise<void> {
  const done = () => {
    const st = gw.sessions.get(sessionId)!;
    return st.in_flight === 0 && st.record_count === count;
  };
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

const lastActivity = (sessionId: string) => Date.parse(gw.sessions.get(sessionId)!.last_activity);

describe('watchdog (hand clock: checks run when the test advances it)', () => {
  it('fires "cap" once the gateway refuses a request at the completion cap', async () => {
    const recordsPath = path.join(dir, 'cap', 'records.jsonl');
    const creds = gw.sessions.create({ sessionId: 'cap-session', maxCompletions: 1, recordsPath });
    const clock = handClock(Date.now());
    const ticks: number[] = [];
    const dog = startWatchdog({ sessions: gw.sessions, sessionId: creds.session_id, idleMs: 0, lastOutputAt: () => 0, intervalMs: 20, clock, onTick: (s) => ticks.push(s.record_count) });
    try {
      expect(await chat(creds.base_url, creds.token)).toBe(200);
      await settled(creds.session_id, 1);
      clock.advance(60_000); // idleMs 0: no idle check, however long it is quiet
      expect(dog.signal.aborted).toBe(false);
      expect(ticks).toHaveLength(3000);
      expect(ticks.at(-1)).toBe(1);
      expect(await chat(creds.base_url, creds.token)).toBe(400);
      expect(dog.signal.aborted).toBe(false); // only a check fires it
      clock.advance(20);
      expect(dog.signal.aborted).toBe(true);
      expect(dog.reason()).toBe('cap');
    } finally {
      dog.stop();
    }
    await gw.sessions.close(creds.session_id);
    const d = await digestRecords(recordsPath);
    expect(d.count).toBe(1);
    expect(d.errors).toBe(0);
    expect(isTextOnly(d.lastTurn)).toBe(true);
    expect(d.lastTurn?.response?.content).toBe(NOOP_ANSWER);
    expect(d.firstStartMs).toBeGreaterThan(Date.now() - 60_000);
    const messages = trajectoryMessages(d.lastTurn);
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: NOOP_ANSWER });
    expect(messages[0]).toMatchObject({ role: 'user', content: 'fix the bug' });
  });

  it('fires "idle" just past the limit without output or completion, not while output flows', () => {
    const quiet = gw.sessions.create({ sessionId: 'idle-quiet' });
    const busy = gw.sessions.create({ sessionId: 'idle-busy' });
    const clock = handClock(Date.now());
    const a = startWatchdog({ sessions: gw.sessions, sessionId: quiet.session_id, idleMs: 300, lastOutputAt: () => 0, intervalMs: 1, clock });
    const b = startWatchdog({ sessions: gw.sessions, sessionId: busy.session_id, idleMs: 300, lastOutputAt: () => clock.now(), intervalMs: 1, clock });
    try {
      clock.advance(300);
      expect(a.signal.aborted).toBe(false);
      clock.advance(1);
      expect(a.reason()).toBe('idle');
      expect(a.signal.reason).toBe('idle');
      clock.advance(10_000);
      expect(b.signal.aborted).toBe(false);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it('a completion counts as activity: the idle limit runs from the last one', async () => {
    const creds = gw.sessions.create({ sessionId: 'idle-chatty' });
    const created = lastActivity(creds.session_id);
    const clock = handClock(created);
    const dog = startWatchdog({ sessions: gw.sessions, sessionId: creds.session_id, idleMs: 400, lastOutputAt: () => 0, intervalMs: 1, clock });
    try {
      while (Date.now() <= created) await new Promise((r) => setTimeout(r, 1)); // the completion lands at a later ms
      expect(await chat(creds.base_url, creds.token)).toBe(200);
      await settled(creds.session_id, 1);
      const completed = lastActivity(creds.session_id);
      expect(completed).toBeGreaterThan(created);
      clock.advance(401); // past the limit counted from the start, within it counted from the completion
      expect(dog.signal.aborted).toBe(false);
      clock.advance(completed + 400 - clock.now());
      expect(dog.signal.aborted).toBe(false);
      clock.advance(1);
      expect(dog.reason()).toBe('idle');
    } finally {
      dog.stop();
    }
  });

  it('stop() ends the checks', () => {
    const creds = gw.sessions.create({ sessionId: 'stopped' });
    const clock = handClock(Date.now());
    let ticks = 0;
    const dog = startWatchdog({ sessions: gw.sessions, sessionId: creds.session_id, idleMs: 100, lastOutputAt: () => 0, intervalMs: 10, clock, onTick: () => ticks++ });
    clock.advance(50);
    expect(ticks).toBe(5);
    dog.stop();
    clock.advance(1000);
    expect(ticks).toBe(5);
    expect(dog.signal.aborted).toBe(false);
  });
});

describe('records digest', () => {
  it('a missing file is an empty digest; a torn last line is counted, not fatal', async () => {
    expect((await digestRecords(path.join(dir, 'none.jsonl'))).count).toBe(0);
    const { writeFileSync } = await import('node:fs');
    const file = path.join(dir, 'torn.jsonl');
    writeFileSync(file, '{"seq":1,"kind":"turn","status":"ok","attempts":[],"timings":{"start":"x"}}\n{"seq":2,"kin');
    const d = await digestRecords(file);
    expect(d.count).toBe(1);
    expect(d.unreadable).toBe(1);
  });
});

describe('model source', () => {
  it('an upstream key variable that is not set is a ConfigError', async () => {
    const config = resolveSubmitConfig({ flags: { harness: ['x'], upstream: 'http://127.0.0.1:9/v1', upstream_api_key_env: 'SWEBENCH_TEST_UNSET_KEY' } });
    await expect(openModelSource(config, [], { logger: silentLogger, env: {} })).rejects.toBeInstanceOf(ConfigError);
    const ok = await openModelSource(config, [], { logger: silentLogger, env: { SWEBENCH_TEST_UNSET_KEY: 'sk-abc-123' } });
    expect(ok.upstreamApiKey).toBe('sk-abc-123');
    expect(JSON.stringify(ok.description)).not.toContain('sk-abc-123');
  });
});
