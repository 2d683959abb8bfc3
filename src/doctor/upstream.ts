// Preflight of the model server, in the order a run would find each problem: it answers and lists the model, its
// max_model_len holds the context window the harnesses are told, a streaming completion works, a completion with a
// tool returns a tool call (a vLLM started without --enable-auto-tool-choice refuses `tool_choice: "auto"` with a
// 400, and then every harness fails), and which reasoning field it fills. Each problem comes with its fix.
import { isObject, type Json } from '../gateway/protocols/body-fields.js';
import { errorDetail, parseUpstreamUrl } from '../gateway/upstream.js';
import { redact } from '../logger.js';
import { check, type CheckResult } from './types.js';

export interface UpstreamProbe {
  /** OpenAI base URL (ends in /v1, as --upstream takes it). */
  url: string;
  apiKey?: string;
  /** --upstream-model: the model that must be listed (else the first listed is used). */
  model?: string;
  contextWindow: number;
  /** A selected task, sent as x-swebench-instance-id so built-in models know what to answer (vLLM ignores it). */
  instanceId?: string;
  /** Per request. @default 30 s */
  timeoutMs?: number;
}

/** The whole probe's result: the checks, and the model they were run against. */
export interface UpstreamReport {
  checks: CheckResult[];
  model?: string;
}

const ENABLE_TOOLS_FIX =
  'Restart vLLM with --enable-auto-tool-choice --tool-call-parser <parser for the model> (e.g. hermes for Qwen, llama3_json for Llama 3.1); every harness sends tool_choice "auto".';

/** A shell tool every harness-like client would send. */
const PROBE_TOOL = {
  type: 'function',
  function: {
    name: 'bash',
    description: 'Run a shell command and return its output.',
    parameters: { type: 'object', properties: { command: { type: 'string', description: 'The command to run' } }, required: ['command'] },
  },
};


/** fetch() wraps the socket error (ECONNREFUSED, …) as the cause of a bare "fetch failed". */
const why = (err: unknown): string => redact(errorDetail((err as { cause?: unknown })?.cause ?? err));

/** The server's error text from an error body (`{error:{message}}`, `{message}`, or the raw text). */
function errorText(text: string): string {
  try {
    const v = JSON.parse(text) as unknown;
    if (isObject(v) && isObject(v.error) && typeof v.error.message === 'string') return v.error.message;
    if (isObject(v) && typeof v.message === 'string') return v.message;
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 300) || '(empty body)';
}

/** The tool-call names and the reasoning field of an answer, streamed (server-sent events) or one JSON body. */
function assemble(text: string): { toolCalls: string[]; reasoningField?: string } {
  const parts: Json[] = [];
  const datas = [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!).filter((d) => d.trim() !== '[DONE]');
  for (const d of datas.length > 0 ? datas : [text]) {
    try {
      const v = JSON.parse(d) as { choices?: Array<{ delta?: Json; message?: Json }> };
      for (const c of v.choices ?? []) {
        const part = c.delta ?? c.message;
        if (isObject(part)) parts.push(part);
      }
    } catch {
      /* a keep-alive or a broken line */
    }
  }
  const toolCalls = parts.flatMap((p) => (Array.isArray(p.tool_calls) ? p.tool_calls : [])).map((c) => (isObject(c) && isObject(c.function) ? c.function.name : undefined)).filter((n): n is string => typeof n === 'string' && n !== '');
  const reasoningField = ['reasoning_content', 'reasoning'].find((k) => parts.some((p) => typeof p[k] === 'string' && p[k] !== ''));
  return { toolCalls, ...(reasoningField ? { reasoningField } : {}) };
}

/** Runs every upstream check; stops after the first one that makes the rest meaningless (unreachable, no model). */
export async function probeUpstream(p: UpstreamProbe, signal?: AbortSignal): Promise<UpstreamReport> {
  const endpoint = parseUpstreamUrl(p.url);
  const base = `${endpoint.origin}${endpoint.basePath}/v1`;
  const shown = base;
  const timeoutMs = p.timeoutMs ?? 30_000;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-swebench-session-id': 'doctor-probe' };
  if (p.apiKey) headers.authorization = `Bearer ${p.apiKey}`;
  if (p.instanceId) headers['x-swebench-instance-id'] = p.instanceId;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const s = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: s });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  // 1. reachable, authenticated, the model listed
  let models: Json[];
  try {
    const r = await call('GET', '/models');
    if (r.status === 401 || r.status === 403) {
      return { checks: [check('upstream.models', 'fail', `${shown}/models answered HTTP ${r.status}: ${errorText(r.text)}`, 'Pass the key with --upstream-api-key-env VAR (the name of an environment variable holding it).')] };
    }
    if (r.status !== 200) return { checks: [check('upstream.models', 'fail', `${shown}/models answered HTTP ${r.status}: ${errorText(r.text)}`, 'Check that --upstream is the OpenAI base URL of the model server, ending in /v1.')] };
    const body = JSON.parse(r.text) as unknown;
    models = isObject(body) && Array.isArray(body.data) ? body.data.filter(isObject) : [];
  } catch (err) {
    const reason = signal?.aborted ? 'cancelled' : why(err);
    return { checks: [check('upstream.models', 'fail', `cannot reach ${shown}: ${reason}`, 'Start the model server, or fix --upstream (host, port, and the /v1 suffix).')] };
  }
  const ids = models.map((m) => String(m.id));
  const entry = p.model === undefined ? models[0] : models.find((m) => m.id === p.model);
  if (!entry) {
    const fix = ids.length === 0 ? 'Check that the server has loaded a model.' : `Pass --upstream-model with one of: ${ids.join(', ')}.`;
    return { checks: [check('upstream.models', 'fail', p.model === undefined ? `${shown}/models lists no model` : `${shown}/models does not list model "${p.model}" (it lists ${ids.join(', ') || 'none'})`, fix)] };
  }
  const model = String(entry.id);
  const checks: CheckResult[] = [check('upstream.models', 'ok', `${shown} serves ${model}`)];

  // 2. the context window the harnesses are told fits the model
  const maxLen = typeof entry.max_model_len === 'number' ? entry.max_model_len : undefined;
  if (maxLen === undefined) checks.push(check('upstream.context', 'warn', `${model}: /v1/models does not report max_model_len; cannot compare with --context-window ${p.contextWindow}`, 'Make sure --context-window is at most the server\'s context limit.'));
  else if (maxLen < p.contextWindow) {
    checks.push(check('upstream.context', 'fail', `${model}: max_model_len ${maxLen} is below --context-window ${p.contextWindow}: harnesses would overflow the context before they compact`, `Pass --context-window ${maxLen} or less (a little less leaves room for compaction), or restart vLLM with --max-model-len ${p.contextWindow} or more.`));
  } else checks.push(check('upstream.context', 'ok', `${model}: max_model_len ${maxLen} ≥ --context-window ${p.contextWindow}`));

  const messages = [{ role: 'user', content: 'Run `echo ok` with the bash tool.' }];
  // 3. streaming
  try {
    const r = await call('POST', '/chat/completions', { model, messages: [{ role: 'user', content: 'Say OK.' }], max_tokens: 16, stream: true });
    if (r.status !== 200) checks.push(check('upstream.stream', 'fail', `a streaming completion failed: HTTP ${r.status}: ${errorText(r.text)}`, 'Check the model server log for this request.'));
    else if (!r.type.includes('text/event-stream')) checks.push(check('upstream.stream', 'warn', `stream: true was answered with one ${r.type || 'untyped'} body, not server-sent events`, 'The gateway copes, but time to first token is not measured; use a server that streams (vLLM does).'));
    else if (!/^data: \[DONE\]/m.test(r.text)) checks.push(check('upstream.stream', 'warn', 'the event stream ended without data: [DONE]', 'Check the model server log: the stream was cut short.'));
    else checks.push(check('upstream.stream', 'ok', 'a streaming completion works'));
  } catch (err) {
    checks.push(check('upstream.stream', 'fail', `a streaming completion failed: ${why(err)}`, 'Check the model server log for this request.'));
  }

  // 4. tool calling with tool_choice "auto" (streamed, as the harnesses ask), and the reasoning field
  try {
    const r = await call('POST', '/chat/completions', { model, messages, tools: [PROBE_TOOL], tool_choice: 'auto', max_tokens: 256, stream: true });
    if (r.status !== 200) {
      const msg = errorText(r.text);
      const noAuto = /enable-auto-tool-choice|tool-call-parser/.test(msg);
      checks.push(check('upstream.tools', 'fail', `a completion with tools (tool_choice "auto") failed: HTTP ${r.status}: ${msg}`, noAuto ? ENABLE_TOOLS_FIX : 'Check the model server log for this request.'));
    } else {
      const answer = assemble(r.text);
      checks.push(
        answer.toolCalls.length > 0
          ? check('upstream.tools', 'ok', `a completion with tools returned a tool call (${answer.toolCalls.join(', ')})`)
          : check('upstream.tools', 'warn', 'asked to run a command with the bash tool, the model answered without a tool call', 'Check that --tool-call-parser matches the model (vLLM then returns the call in tool_calls, not as text).'),
      );
      checks.push(check('upstream.reasoning', 'ok', answer.reasoningField ? `reasoning arrives in "${answer.reasoningField}"` : 'no reasoning field in the answer (no reasoning parser, or the model did not think)'));
    }
  } catch (err) {
    checks.push(check('upstream.tools', 'fail', `a completion with tools failed: ${why(err)}`, 'Check the model server log for this request.'));
  }
  return { checks, model };
}
