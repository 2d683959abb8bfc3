// Viewer benchmark: a synthetic session of N completions (default 200; each a tool call whose 4 KiB result comes back
// in the next request, the context growing as a real agent's does) written as a run directory, its site generated
// with the built library (dist/), and the session page loaded in headless Chromium from file://. Prints the
// generation time, the page size and the browser's load time (navigation start → load event, median of 3).
// Usage: npm run build && node bench/viewer.mjs [completions]
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeSite } from '../dist/report/viewer/site.js';

const N = Number(process.argv[2] ?? 200);
const CHROMIUM = process.env.SWEBENCH_CHROMIUM ?? '/usr/bin/chromium';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-viewer-bench-'));
const run = path.join(tmp, 'run');
const sid = '0123456789abcdef';
const rel = `rollout_results/task_bench__pkg-1/ses_${sid}`;
mkdirSync(path.join(run, rel, 'eval'), { recursive: true });

const system = { role: 'system', content: 'You are a coding agent.\n'.repeat(400) };
const user = { role: 'user', content: 'Fix the issue described below.\n'.repeat(20) };
const messages = [system, user];
const lines = [];
for (let i = 1; i <= N; i++) {
  const call = { id: `call_${i}`, name: 'bash', arguments: JSON.stringify({ command: `grep -rn "needle_${i}" src/ | head -50\ncat src/module_${i}.py` }) };
  const response = { id: `c${i}`, model: 'bench', created: 0, content: i % 5 === 0 ? `Step ${i}: looking at module ${i}.` : '', reasoning: `I should look at module ${i} next because `.repeat(8), tool_calls: i < N ? [call] : [], finish_reason: i < N ? 'tool_calls' : 'stop', usage: { prompt_tokens: 3000 + i * 1100, completion_tokens: 120, total_tokens: 3120 + i * 1100 } };
  lines.push(JSON.stringify({ session_id: sid, instance_id: 'bench__pkg-1', seq: i, kind: 'turn', chain: 'main', chain_id: 'main', turn: i, client_protocol: 'openai_chat', client_request: { method: 'POST', path: '/v1/chat/completions', headers: {} }, upstream_request: { model: 'bench', messages }, response, weight_version: null, status: 'ok', http_status: 200, attempts: [{ n: 1, status: 200 }], timings: { start: new Date(0).toISOString(), ttft_ms: 300, total_ms: 1200 } }));
  messages.push({ role: 'assistant', content: response.content, tool_calls: response.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) });
  messages.push({ role: 'tool', tool_call_id: call.id, content: `src/module_${i}.py:${i}: needle_${i} = compute(${i})\n`.repeat(90) });
}
writeFileSync(path.join(run, rel, 'records.jsonl'), `${lines.join('\n')}\n`);
const patch = 'diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n';
const tests = { success: ['tests/test_a.py::test_x'], failure: [] };
const none = { success: [], failure: [] };
const ses = {
  schema_version: 4, run_id: 'bench', instance_id: 'bench__pkg-1', session_id: sid, sample_index: 0, harness: { name: 'bench', version: '1' }, model: { name: 'bench', upstream: 'bench' },
  status: 'COMPLETED', error: null, error_class: null, empty_generation: false, record_count: N, compactions: 0, chains: { main: N, subagent: 0, compaction: 0, title: 0, auxiliary: 0 },
  tokens: null, weight_versions: [], nudges: [], trace_count: N, run_ms: N * 1300, started_at: new Date(0).toISOString(), finished_at: new Date(N * 1300).toISOString(),
  timings_ms: { container_start: 500, harness_setup: 700, agent: N * 1200, patch: 200, eval: 2000 }, usage: { prompt_tokens: N * 100_000, completion_tokens: N * 120, total_tokens: N * 100_120 },
  exit_code: 0, patch, reward: 1, resolved: true,
  trajectory: { messages: [], metadata: { api_type: 'openai_chat', evaluation: { report: { patch_is_None: false, patch_exists: true, patch_successfully_applied: true, resolved: true, tests_status: { FAIL_TO_PASS: tests, PASS_TO_PASS: none, FAIL_TO_FAIL: none, PASS_TO_FAIL: none }, empty_generation: false } } } },
  artifacts: { records: `${rel}/records.jsonl`, agent_log: `${rel}/agent.log`, patch: `${rel}/patch.diff`, eval_dir: `${rel}/eval` },
  patch_extracted: true, agent_first_request_ms: 400, image: 'bench:latest',
};
writeFileSync(path.join(run, `${rel}.json`), JSON.stringify(ses));

const t0 = performance.now();
await writeSite(run, path.join(tmp, 'site'));
const genMs = performance.now() - t0;
const pagePath = path.join(tmp, 'site', 'sessions', `ses_${sid}.html`);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const loads = [];
let shown = 0;
for (let k = 0; k < 3; k++) {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const start = performance.now();
  await tab.goto(pathToFileURL(pagePath).href, { waitUntil: 'load' });
  const wall = performance.now() - start;
  const nav = await tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
  shown = await tab.locator('.completion').count();
  loads.push({ wall, nav });
  await tab.close();
}
await browser.close();
const pageBytes = statSync(pagePath).size;
rmSync(tmp, { recursive: true, force: true });
const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`viewer bench: ${N} completions (${shown} shown); records.jsonl ${(lines.join('\n').length / 1048576).toFixed(1)} MiB → session page ${(pageBytes / 1048576).toFixed(1)} MiB`);
console.log(`  site generation ${genMs.toFixed(0)} ms; page load in Chromium (median of 3): ${med(loads.map((l) => l.nav)).toFixed(0)} ms to the load event, ${med(loads.map((l) => l.wall)).toFixed(0)} ms wall`);
