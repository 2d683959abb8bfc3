// The static viewer site of a run: the run page (render-html.ts) as index.html, one page per session and one
// comparison page per instance run by more than one session. Every page is scrubbed of secrets before the write.
//
//   <site>/index.html                     the run page, linking to the session and comparison pages
//   <site>/sessions/ses_<session_id>.html  one session: header, conversation, patch, grading, raw files
//   <site>/compare/task_<instance>.html    the instance's sessions side by side
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { throwIfAborted } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { redact, registerSecretShape } from '../../logger.js';
import { taskDirName } from '../../run/layout.js';
import { aggregateRun } from '../aggregate.js';
import { renderHtml } from '../render-html.js';
import { loadRun, type LoadedRun } from '../run-dir.js';
import { esc as escText, page as renderPage } from './assets.js';
import { buildConversation, parseRecords } from './conversation.js';
import { renderComparePage, type CompareEntry } from './render-compare.js';
import { renderSessionPage } from './render-session.js';

/** The gateway's token shapes (sessions.ts, start.ts: prefix + 32 random bytes in base64url), scrubbed from pages. */
registerSecretShape('sk-swebench-', 43);
registerSecretShape('swebench-admin-', 43);

/** Lines of eval/test_output.txt shown on a session page. */
const TEST_TAIL_LINES = 60;

export interface SiteOptions {
  signal?: AbortSignal;
  /** Adds a meta refresh to every page (a run still in progress, served by `swebench view`). */
  refreshSeconds?: number;
  /** The run page's file name (`report --format html --out <dir>/<name>`). @default 'index.html' */
  index?: string;
}

export interface SiteResult {
  index: string;
  sessions: number;
  comparisons: number;
}

/** Page paths inside the site, relative to its root. */
export const sitePaths = {
  index: 'index.html',
  session: (sessionId: string) => `sessions/ses_${sessionId}.html`,
  compare: (instanceId: string) => `compare/${taskDirName(instanceId)}.html`,
};

/** Writes the site of `runDir` into `outDir` (created); returns the index page's path. */
export async function writeSite(runDir: string, outDir: string, opts: SiteOptions = {}): Promise<SiteResult> {
  const run = await loadRun(runDir, { signal: opts.signal });
  const indexName = opts.index ?? sitePaths.index;
  const report = aggregateRun(run);
  const rel = (from: string) => path.relative(path.join(outDir, path.dirname(from)), runDir).split(path.sep).join('/') || '.';
  const byInstance = groupByInstance(run);
  const compared = new Set([...byInstance].filter(([, s]) => s.length > 1).map(([id]) => id));

  const index = renderHtml(report, {
    color: false,
    linkBase: rel(sitePaths.index),
    sessionHref: (row) => sitePaths.session(row.session_id),
    compareHref: (id) => (compared.has(id) ? sitePaths.compare(id) : null),
  });
  await write(outDir, indexName, index, opts.refreshSeconds);

  for (const { ses, file } of run.sessions) {
    throwIfAborted(opts.signal);
    const page = sitePaths.session(ses.session_id);
    const records = await readFile(path.join(runDir, ses.artifacts.records), 'utf8').catch(() => '');
    const tail = ses.artifacts.eval_dir ? await readTail(path.join(runDir, ses.artifacts.eval_dir, 'test_output.txt')) : null;
    const html = renderSessionPage({
      ses, file, turns: buildConversation(parseRecords(records)), testOutputTail: tail,
      runBase: rel(page), indexHref: `../${indexName}`, compareHref: compared.has(ses.instance_id) ? `../${sitePaths.compare(ses.instance_id)}` : null,
      refreshSeconds: opts.refreshSeconds,
    });
    await write(outDir, page, html);
  }
  for (const id of compared) {
    const entries: CompareEntry[] = byInstance.get(id)!.map((s) => ({ ses: s, href: `../${sitePaths.session(s.session_id)}`, source: s.run_id }));
    await write(outDir, sitePaths.compare(id), renderComparePage(id, entries, `../${indexName}`));
  }
  return { index: path.join(outDir, indexName), sessions: run.sessions.length, comparisons: compared.size };
}

function groupByInstance(run: LoadedRun): Map<string, LoadedRun['sessions'][number]['ses'][]> {
  const out = new Map<string, LoadedRun['sessions'][number]['ses'][]>();
  for (const { ses } of run.sessions) out.set(ses.instance_id, [...(out.get(ses.instance_id) ?? []), ses]);
  for (const list of out.values()) list.sort((a, b) => a.harness.name.localeCompare(b.harness.name) || a.model.name.localeCompare(b.model.name) || a.sample_index - b.sample_index);
  return out;
}

async function readTail(file: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  return text.replace(/\n+$/, '').split('\n').slice(-TEST_TAIL_LINES).join('\n');
}

/** Writes one page with every registered secret and token shape redacted (records are scrubbed already; this is the backstop). */
async function write(outDir: string, rel: string, html: string, refreshSeconds?: number): Promise<void> {
  let out = redact(html);
  if (refreshSeconds && rel.endsWith('.html') && !rel.includes('/')) out = out.replace('<head>', `<head><meta http-equiv="refresh" content="${refreshSeconds}">`);
  await writeFileAtomic(path.join(outDir, rel), out, { mkdir: true });
}

/**
 * The viewer over several runs (`swebench compare <run-dir>… --site DIR`): each run's site under `DIR/run-<n>/`, and
 * `DIR/compare/task_<instance>.html` for every instance with sessions in more than one place, across all runs.
 */
export async function writeCompareSite(runDirs: string[], outDir: string, opts: SiteOptions = {}): Promise<SiteResult> {
  const byInstance = new Map<string, CompareEntry[]>();
  const runLinks: string[] = [];
  for (const [i, runDir] of runDirs.entries()) {
    const sub = `run-${i + 1}`;
    await writeSite(runDir, path.join(outDir, sub), opts);
    const run = await loadRun(runDir, { signal: opts.signal });
    const label = run.meta?.run_id ?? path.basename(path.resolve(runDir));
    runLinks.push(`<li><a href="${sub}/${sitePaths.index}">${escText(label)}</a> <span class="meta">${escText(runDir)}</span></li>`);
    for (const { ses } of run.sessions) {
      const entry = { ses, href: `../${sub}/${sitePaths.session(ses.session_id)}`, source: label };
      byInstance.set(ses.instance_id, [...(byInstance.get(ses.instance_id) ?? []), entry]);
    }
  }
  const compared = [...byInstance].filter(([, e]) => e.length > 1).sort(([a], [b]) => a.localeCompare(b));
  for (const [id, entries] of compared) await write(outDir, sitePaths.compare(id), renderComparePage(id, entries, `../${sitePaths.index}`));
  const list = compared.map(([id, e]) => `<li><a href="${sitePaths.compare(id)}">${escText(id)}</a> <span class="meta">${e.length} session(s)</span></li>`).join('');
  await write(outDir, sitePaths.index, renderIndexPage(`${runDirs.length} run(s) compared`, `<h2>Runs</h2><ul>${runLinks.join('')}</ul><h2>Instances</h2><ul>${list}</ul>`));
  return { index: path.join(outDir, sitePaths.index), sessions: [...byInstance.values()].reduce((a, e) => a + e.length, 0), comparisons: compared.length };
}

function renderIndexPage(title: string, body: string): string {
  return renderPage(title, `<h1>${escText(title)}</h1>${body}`, { script: false });
}
