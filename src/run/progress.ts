// Live progress of a submit run on stderr: on a TTY a cli-progress MultiBar — an overall bar (done/total,
// resolved so far, ETA) and one line per running session (instance, harness, phase, completions, elapsed);
// otherwise (CI, a pipe, NO_COLOR) one plain log line per event.
import cliProgress from 'cli-progress';
import type { Logger } from '../logger.js';
import { redact } from '../logger.js';
import { isInteractive } from '../tty.js';
import type { SesFile, SessionPhase } from './ses-file.js';
import type { SessionRef, SubmitReporter } from './types.js';

export interface SubmitProgress extends SubmitReporter {
  /** Log through this while the bars are shown (lines go above the bars instead of through them). */
  readonly logger: Logger;
  stop(): void;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One-line outcome of a session, for logs and the final listing. */
export function sessionOutcome(ses: SesFile): string {
  const verdict = ses.status === 'COMPLETED' ? (ses.resolved ? 'resolved' : 'unresolved') : `${ses.status}${ses.error_class ? ` ${ses.error_class}` : ''}`;
  const extra = ses.status !== 'COMPLETED' && ses.resolved ? ', resolved' : '';
  return `${verdict}${extra} (${ses.record_count} completion(s), ${secs(ses.run_ms)})${ses.error && ses.status !== 'CANCELLED' ? `: ${ses.error}` : ''}`;
}

interface Running {
  ref: SessionRef;
  phase: SessionPhase | 'queued';
  completions: number;
  startedAt: number;
  bar?: cliProgress.SingleBar;
}

/** Creates the display; `logger` is the plain logger used when stderr is not a TTY. */
export function createSubmitProgress(opts: { logger: Logger; stream?: NodeJS.WriteStream; tty?: boolean }): SubmitProgress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? isInteractive(stream);
  const running = new Map<string, Running>();
  let multi: cliProgress.MultiBar | undefined;
  let overall: cliProgress.SingleBar | undefined;
  let images: cliProgress.SingleBar | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let done = 0;
  let total = 0;
  let resolved = 0;

  const line = (r: Running) =>
    `  ${r.ref.instanceId}  ${r.ref.harness}${r.ref.sampleIndex > 0 ? `#${r.ref.sampleIndex}` : ''}  ${r.phase}  ${r.completions} completion(s)  ${secs(Date.now() - r.startedAt)}`;
  const refresh = () => {
    for (const r of running.values()) r.bar?.update(0, { line: line(r) });
  };
  const barLogger: Logger = {
    debug: (m) => opts.logger.debug(m),
    info: (m) => (multi ? multi.log(`${redact(m)}\n`) : opts.logger.info(m)),
    warn: (m) => (multi ? multi.log(`warn: ${redact(m)}\n`) : opts.logger.warn(m)),
    error: (m) => (multi ? multi.log(`error: ${redact(m)}\n`) : opts.logger.error(m)),
  };

  return {
    logger: barLogger,
    onRunStart(info) {
      total = info.total;
      done = info.kept;
      resolved = info.keptResolved;
      opts.logger.info(
        `run ${info.runId}: ${info.total} session(s)${info.kept ? `, ${info.kept} kept from before` : ''}, ${info.toRun} to run → ${info.runDir}`,
      );
      if (!tty || info.toRun === 0) return;
      multi = new cliProgress.MultiBar({ stream, hideCursor: true, clearOnComplete: false, autopadding: true, format: '  {line}' }, cliProgress.Presets.shades_classic);
      overall = multi.create(total, done, { resolved }, { format: 'submit [{bar}] {value}/{total} | resolved {resolved} | ETA {eta_formatted}' });
      ticker = setInterval(refresh, 1000);
      ticker.unref();
    },
    onSessionStart(ref) {
      const r: Running = { ref, phase: 'queued', completions: 0, startedAt: Date.now() };
      running.set(ref.sessionId, r);
      if (multi) r.bar = multi.create(1, 0, { line: line(r) });
      else opts.logger.debug(`start ${ref.instanceId} ${ref.harness}#${ref.sampleIndex} (${ref.sessionId})`);
    },
    onSessionPhase(ref, phase) {
      const r = running.get(ref.sessionId);
      if (!r) return;
      r.phase = phase;
      r.bar?.update(0, { line: line(r) });
    },
    onSessionCompletions(ref, count) {
      const r = running.get(ref.sessionId);
      if (!r) return;
      r.completions = count;
      r.bar?.update(0, { line: line(r) });
    },
    onSessionDone(ses) {
      done++;
      if (ses.resolved) resolved++;
      const r = running.get(ses.session_id);
      running.delete(ses.session_id);
      if (r?.bar) multi?.remove(r.bar);
      overall?.update(done, { resolved });
      const text = `[${done}/${total}] ${ses.instance_id} ${ses.harness.name}${ses.sample_index > 0 ? `#${ses.sample_index}` : ''}: ${sessionOutcome(ses)}`;
      if (multi) multi.log(`${redact(text)}\n`);
      else opts.logger.info(text);
    },
    // one aggregated line for the run's pulls (plain mode: the pipeline logs a line per image instead)
    onImages(s) {
      const toPull = s.total - s.presentBefore;
      if (!multi || toPull === 0) return;
      const payload = { bytes: (s.pulledBytes / 1e9).toFixed(2), held: (s.heldBytes / 1e9).toFixed(2), removed: s.removed, failed: s.failed };
      images ??= multi.create(toPull, 0, payload, { format: 'images [{bar}] {value}/{total} pulled ({bytes} GB) | {held} GB held | removed {removed} | failed {failed}' });
      images.update(s.pulled + s.failed, payload);
    },
    stop() {
      clearInterval(ticker);
      ticker = undefined;
      // MultiBar.log() only queues a line for the next redraw and stop() does not flush the queue: redraw once, or
      // the last session's `[N/N]` line (logged just before the run ends) never reaches the terminal.
      multi?.update();
      multi?.stop();
      multi = undefined;
      overall = undefined;
      images = undefined;
    },
  };
}
