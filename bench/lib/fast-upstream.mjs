// A minimal, fast OpenAI-compatible chat-completions server (child process): answers every streaming request
// with a role chunk and the first content chunk at once, then `--chunks` - 1 more content chunks (back to back,
// or `--chunk-delay-ms` apart: a model decoding at 1000/delay tokens/s), a finish chunk, the usage chunk when
// asked for, and [DONE]. Non-streaming requests get one chat.completion. It is the "upstream" of
// bench/gateway.mjs: as cheap as a server can be, so that what is measured is the proxy. The parent can change
// the delay between runs (`delay` command).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveParent } from './child.mjs';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '20' },
    'chunk-delay-ms': { type: 'string', default: '0' },
    model: { type: 'string', default: 'bench-model' },
  },
});
const chunks = Number(values.chunks);
let delayMs = Number(values['chunk-delay-ms']);
const model = values.model;
const created = Math.floor(Date.now() / 1000);
let served = 0;

const frame = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model };
const choice = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
const words = Array.from({ length: chunks }, (_, i) => `tok${i} `);
const usage = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks };
// Pre-rendered frames: the server's per-request work is reading the body and writing bytes.
const HEAD = frame(choice({ role: 'assistant', content: '' }));
const BODY = words.map((w) => frame(choice({ content: w })));
const FINISH = frame(choice({}, 'stop'));
const USAGE = frame({ ...base, choices: [], usage });
const DONE = 'data: [DONE]\n\n';
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, logprobs: null, finish_reason: 'stop' }],
  usage,
});
const MODELS = JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created, owned_by: 'bench' }] });

async function stream(res, withUsage) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(HEAD);
  for (let i = 0; i < BODY.length; i++) {
    if (delayMs > 0 && i > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.write(BODY[i]);
  }
  res.end(withUsage ? FINISH + USAGE + DONE : FINISH + DONE);
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.method === 'GET' && req.url.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(MODELS);
  }
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return void res.end('{"error":{"message":"not found"}}');
  }
  const parts = [];
  req.on('data', (b) => parts.push(b));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end('{"error":{"message":"invalid JSON"}}');
    }
    served++;
    if (body.stream === true) void stream(res, body.stream_options?.include_usage === true);
    else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(COMPLETION);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const commands = {
    served: () => served,
    // with --expose-gc: collect now (between two measured cells)
    gc: () => Boolean(globalThis.gc?.()),
    delay: ({ ms }) => {
      delayMs = ms;
      return delayMs;
    },
  };
  serveParent(commands, { url: `http://127.0.0.1:${port}`, port, model }, async () => {
    server.closeAllConnections();
    server.close();
  });
});
