// Load generator (child process): N concurrent sessions, each issuing streaming chat completions back to back
// for a fixed time. Measures time to first content byte (TTFT: request sent → first chunk whose delta has
// non-empty `content`) and completions per second, and checks that every stream ends with `data: [DONE]`.
// It parses nothing but that one pattern, so that its own CPU cost stays small and equal for every target.
import { Pool } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../dist/report/stats.js';
import { serveParent } from './child.mjs';

/**
 * The messages of a request: one short user turn, or (bodyKb > 0) an agent conversation of about that many KiB:
 * a system prompt, then user/assistant turns with tool calls and tool results of ~2 KiB each.
 */
function conversation(bodyKb) {
  if (bodyKb <= 0) return [{ role: 'user', content: 'Say a few words.' }];
  const line = 'def handler(request):\n    return respond(request.args.get("q", ""), status=200)  # line of source\n';
  const messages = [{ role: 'system', content: `You are a coding agent. ${'Follow the rules. '.repeat(40)}` }];
  for (let i = 0; JSON.stringify(messages).length < bodyKb * 1024; i++) {
    const id = `call_${i}`;
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: `sed -n ${i * 20},${i * 20 + 20}p src/app.py` }) } }] });
    messages.push({ role: 'tool', tool_call_id: id, content: line.repeat(20) });
  }
  messages.push({ role: 'user', content: 'Continue.' });
  return messages;
}

const FIRST_CONTENT = /"content":"[^"]/;
const DONE_TAIL = 'data: [DONE]';
const TIMEOUT_MS = 30_000;

/** One streaming completion; resolves with [TTFT, request sent → end of stream] (ms) or throws. */
function completion(pool, target, body) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    pool.request({ method: 'POST', path: target.path, headers: target.headers, body }).then(({ statusCode, body: stream }) => {
      let ttft = -1;
      let carry = '';
      let text = '';
      stream.on('data', (buf) => {
        const s = buf.toString('latin1');
        if (statusCode !== 200) text += s;
        if (ttft < 0) {
          if (FIRST_CONTENT.test(carry + s)) ttft = performance.now() - t0;
        }
        carry = (carry + s).slice(-32);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        if (statusCode !== 200) return reject(new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`));
        if (ttft < 0) return reject(new Error('stream without content'));
        if (!carry.trimEnd().endsWith(DONE_TAIL)) return reject(new Error(`stream did not end with [DONE]: ${JSON.stringify(carry)}`));
        resolve([ttft, performance.now() - t0]);
      });
    }, reject);
  });
}

/**
 * Runs the load. `targets[i]` = {origin, path, headers} of session i; completions finishing inside
 * [warmup end, deadline] count for throughput, and those that also started after warm-up give TTFT samples.
 */
async function run({ targets, durationMs, warmupMs, maxPerSession = 1_000_000, model = 'bench-model', staggerMs = 0, thinkMs = 0, seed = 1, bodyKb = 0 }) {
  globalThis.gc?.(); // with --expose-gc: the previous run's garbage is not collected during this one
  const body = JSON.stringify({
    model,
    messages: conversation(bodyKb),
    stream: true,
    stream_options: { include_usage: true },
  });
  const pools = new Map();
  for (const t of targets) {
    if (!pools.has(t.origin)) {
      const n = targets.filter((x) => x.origin === t.origin).length;
      pools.set(t.origin, new Pool(t.origin, { connections: n, pipelining: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, keepAliveTimeout: 60_000 }));
    }
  }
  const start = performance.now();
  const windowStart = start + warmupMs;
  const deadline = windowStart + durationMs;
  const ttfts = [];
  const totals = [];
  let completed = 0;
  let total = 0;
  let errors = 0;
  let firstError;
  const session = async (t, k) => {
    const pool = pools.get(t.origin);
    const random = seededRandom(seed * 100_003 + k); // session k: the same think times whatever the target
    // session k starts k/N of the way into the stagger window, so that sessions do not arrive in lockstep
    if (staggerMs > 0) await sleep((k / targets.length) * staggerMs);
    for (let i = 0; i < maxPerSession && performance.now() < deadline; i++) {
      // the agent's tool call between two completions: uniform in [0, 2 × thinkMs)
      if (i > 0 && thinkMs > 0) await sleep(random() * 2 * thinkMs);
      const began = performance.now();
      try {
        const [ttft, whole] = await completion(pool, t, body);
        const ended = performance.now();
        total++;
        if (ended >= windowStart && ended <= deadline) completed++;
        if (began >= windowStart && ended <= deadline) {
          ttfts.push(ttft);
          totals.push(whole);
        }
      } catch (err) {
        errors++;
        firstError ??= String(err?.message ?? err);
        if (errors > 1000) break;
      }
    }
  };
  await Promise.all(targets.map((t, k) => session(t, k)));
  await Promise.all([...pools.values()].map((p) => p.close()));
  return { ttfts, totals, completed, total, seconds: durationMs / 1000, errors, firstError };
}

serveParent({ run });
