// The submit progress display on a terminal, written to a stand-in TTY stream (a Writable with isTTY: the bars
// only need a stream that says it is a terminal): every session's `[n/N]` line reaches it, the last one included.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { createSubmitProgress } from '../../../src/run/progress.js';
import type { SesFile } from '../../../src/run/ses-file.js';

/** A stream that says it is a terminal and keeps what it was sent, ANSI control sequences removed. */
function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 160, rows: 40 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('').replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '') };
}

/** The fields of a ses file the display reads. */
const ses = (n: number, resolved: boolean) =>
  ({
    session_id: `s${n}`,
    instance_id: `demo__demo-${n}`,
    harness: { name: 'noop' },
    sample_index: 0,
    status: 'COMPLETED',
    resolved,
    error_class: null,
    error: null,
    record_count: 2,
    run_ms: 1500,
  }) as unknown as SesFile;

describe('submit progress on a TTY', () => {
  it('every session line, the last one included, is on the terminal when stop() returns', () => {
    const tty = fakeTty();
    const progress = createSubmitProgress({ logger: silentLogger, stream: tty.stream, tty: true });
    progress.onRunStart!({ runId: 'r', runDir: '/tmp/r', total: 3, kept: 0, toRun: 3, keptResolved: 0 });
    for (const n of [1, 2, 3]) {
      progress.onSessionStart!({ sessionId: `s${n}`, instanceId: `demo__demo-${n}`, harness: 'noop', sampleIndex: 0 });
      progress.onSessionDone!(ses(n, n !== 2));
    }
    progress.stop();
    const out = tty.text();
    const lines = [1, 2, 3].map((n) => out.indexOf(`[${n}/3] demo__demo-${n} noop: `));
    expect(lines.every((i) => i >= 0), out).toBe(true);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(out).toContain('[3/3] demo__demo-3 noop: resolved (2 completion(s), 1.5 s)');
    expect(out).toContain('[2/3] demo__demo-2 noop: unresolved (2 completion(s), 1.5 s)');
    // the overall bar's final state is drawn after the lines
    expect(out.lastIndexOf('3/3 | resolved 2')).toBeGreaterThan(lines[2]!);
  });

  it("one aggregated line for the run's image pulls: done/total, bytes, held, removed, failed", () => {
    const tty = fakeTty();
    const progress = createSubmitProgress({ logger: silentLogger, stream: tty.stream, tty: true });
    progress.onRunStart!({ runId: 'r', runDir: '/tmp/r', total: 4, kept: 0, toRun: 4, keptResolved: 0 });
    const stats = { total: 4, presentBefore: 1, pulled: 0, failed: 0, removed: 0, pulledBytes: 0, heldBytes: 0, peakHeldBytes: 0, waitMs: 0 };
    progress.onImages!(stats);
    progress.onImages!({ ...stats, pulled: 2, removed: 1, failed: 1, pulledBytes: 2.5e9, heldBytes: 1.25e9 });
    progress.stop();
    expect(tty.text()).toContain('3/3 pulled (2.50 GB) | 1.25 GB held | removed 1 | failed 1');
  });
});
