// The run directory's shared files, written one at a time: each finished session appends its predictions.jsonl
// line and rewrites report.json atomically; on resume, kept ses files are loaded, partial sessions removed, and
// predictions.jsonl rebuilt from the kept ones (so it never holds a duplicate or a line without a ses file).
import { appendFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../fs-atomic.js';
import { RUN_FILES, sessionPaths } from './layout.js';
import { aggregateRun } from '../report/aggregate.js';
import { runPlanOf } from '../report/run-dir.js';
import type { RunReport } from '../report/types.js';
import type { RunManifest } from './manifest.js';
import { hasPrediction, predictionLine } from './predictions.js';
import { parseSesFile, type SesFile } from './ses-file.js';

/** A planned session's identity (what resume matches ses files by). */
export interface SessionKey {
  sessionId: string;
  instanceId: string;
}

/** A ses file that may be kept on resume: parses, is ours, and ended in a terminal status other than CANCELLED. */
export async function readFinishedSes(runDir: string, key: SessionKey): Promise<SesFile | null> {
  const file = sessionPaths(runDir, key.instanceId, key.sessionId).abs.sesFile;
  try {
    const parsed = parseSesFile(JSON.parse(await readFile(file, 'utf8')));
    const ses = parsed.success ? parsed.data : null;
    return ses && ses.session_id === key.sessionId && ses.status !== 'CANCELLED' ? ses : null;
  } catch {
    return null;
  }
}

/** Deletes whatever a session left (its ses file and its directory) so it can be run again from scratch. */
export async function removeSessionFiles(runDir: string, key: SessionKey): Promise<void> {
  const p = sessionPaths(runDir, key.instanceId, key.sessionId).abs;
  await rm(p.sesFile, { force: true });
  await rm(p.dir, { recursive: true, force: true });
}

/** Serialises writes of predictions.jsonl and report.json; report.json is the one report model (report/aggregate.ts). */
export class RunResults {
  private readonly sessions = new Map<string, SesFile>();
  private chain: Promise<void> = Promise.resolve();
  private queuedReport: Promise<void> | undefined;
  private latest: RunReport;

  /** `manifest` is read at every report write, so report.json carries the run's latest start/end times. */
  constructor(
    readonly runDir: string,
    private readonly manifest: RunManifest,
    kept: readonly SesFile[],
  ) {
    for (const s of kept) this.sessions.set(s.session_id, s);
    this.latest = this.compute();
  }

  get predictionsPath(): string {
    return path.join(this.runDir, RUN_FILES.predictions);
  }

  get reportPath(): string {
    return path.join(this.runDir, RUN_FILES.report);
  }

  /** The last report written. */
  get report(): RunReport {
    return this.latest;
  }

  /** Rewrites predictions.jsonl from the kept sessions and writes report.json (start of a run or a resume). */
  init(): Promise<void> {
    return this.enqueue(async () => {
      const lines = [...this.sessions.values()].filter(hasPrediction).map(predictionLine).join('');
      await writeFileAtomic(this.predictionsPath, lines);
      await this.writeReport();
    });
  }

  /** Records one finished session: its prediction line, and a report.json write that includes it. */
  add(ses: SesFile): Promise<void> {
    // Known at once: a report write already queued (it computes when it runs) includes this session.
    this.sessions.set(ses.session_id, ses);
    const appended = hasPrediction(ses) ? this.enqueue(() => appendFile(this.predictionsPath, predictionLine(ses))) : Promise.resolve();
    return Promise.all([appended, this.queueReport()]).then(() => {});
  }

  /** Writes report.json once more (the run's end: the manifest now has its finish time) and waits for every write. */
  async finish(): Promise<void> {
    await this.queueReport();
    await this.chain;
  }

  // Sessions that finish while a report write waits in the queue share it (it computes when it starts): one write per
  // burst, not per session. A write that already started gets a successor.
  private queueReport(): Promise<void> {
    if (this.queuedReport) return this.queuedReport;
    this.queuedReport = this.enqueue(async () => {
      this.queuedReport = undefined;
      await this.writeReport();
    });
    return this.queuedReport;
  }

  private compute(): RunReport {
    const sessions = [...this.sessions.values()].map((ses) => ({ ses, file: sessionPaths(this.runDir, ses.instance_id, ses.session_id).rel.sesFile }));
    const m = this.manifest;
    return aggregateRun({
      dir: this.runDir,
      meta: { run_id: m.run_id, instance_ids: m.instance_ids, config: m.config, started_at: m.started_at, finished_at: m.finished_at, raw: { ...m } },
      sessions,
      instanceIds: m.instance_ids,
      taskSetSource: 'run.json',
      plan: runPlanOf(m),
    });
  }

  private async writeReport(): Promise<void> {
    this.latest = this.compute();
    await writeJsonAtomic(this.reportPath, this.latest);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {});
    return next;
  }
}
