// The per-instance comparison page: every session of one instance (several harnesses, models, samples or runs)
// side by side — outcome, completions, tokens, time — with their diffs next to each other.
import type { SesFile } from '../../run/ses-file.js';
import { attr, esc, ms, page, renderDiff } from './assets.js';

export interface CompareEntry {
  ses: SesFile;
  /** The session page, relative to the comparison page. */
  href: string;
  /** Where the session comes from when several runs are compared (the run id otherwise). */
  source: string;
}

export function renderComparePage(instanceId: string, entries: CompareEntry[], indexHref: string): string {
  const title = `${instanceId}: ${entries.length} session(s) compared`;
  const label = (e: CompareEntry) => `${e.ses.harness.name} · ${e.ses.model.name}${e.ses.sample_index ? ` #${e.ses.sample_index}` : ''}`;
  const outcome = (s: SesFile) => (s.resolved ? '<b class="ok">resolved</b>' : s.error_class ? `<b class="bad">${esc(s.error_class)}</b>` : '<b class="warn">unresolved</b>');
  const rows: Array<[string, (e: CompareEntry) => string]> = [
    ['session', (e) => `<a href="${attr(e.href)}">${esc(label(e))}</a>`],
    ['run', (e) => esc(e.source)],
    ['harness version', (e) => esc(e.ses.harness.version)],
    ['outcome', (e) => `${esc(e.ses.status)} · ${outcome(e.ses)}`],
    ['completions', (e) => String(e.ses.record_count)],
    ['tokens', (e) => `${e.ses.usage.total_tokens} (${e.ses.usage.prompt_tokens} + ${e.ses.usage.completion_tokens})`],
    ['time', (e) => `${ms(e.ses.run_ms)} (agent ${ms(e.ses.timings_ms.agent)})`],
    ['patch', (e) => `${e.ses.patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l)).length} changed line(s)`],
    ['tests', (e) => tests(e.ses)],
  ];
  const table = `<table class="cmp-table"><tbody>${rows.map(([k, f]) => `<tr><th>${k}</th>${entries.map((e) => `<td>${f(e)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const diffs = `<div class="cmp">${entries.map((e) => `<div><b>${esc(label(e))}</b>${renderDiff(e.ses.patch)}</div>`).join('')}</div>`;
  return page(title, `<p class="meta"><a href="${attr(indexHref)}">← run</a></p><h1>${esc(title)}</h1>${table}<h2>Diffs</h2>${diffs}`, { script: false });
}

function tests(s: SesFile): string {
  const ts = s.trajectory.metadata.evaluation.report?.tests_status;
  if (!ts) return '–';
  const f2p = ts.FAIL_TO_PASS;
  const p2p = ts.PASS_TO_PASS;
  return `FAIL_TO_PASS ${f2p.success.length}/${f2p.success.length + f2p.failure.length} · PASS_TO_PASS ${p2p.success.length}/${p2p.success.length + p2p.failure.length}`;
}
