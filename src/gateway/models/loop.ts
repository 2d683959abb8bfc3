// The loop model: calls the harness's shell tool on every turn and never answers, like a model stuck in a
// tool loop. Most CLIs have no turn cap in headless mode (pi, kilo, copilot, openclaw ran hundreds of requests
// in 30 s against such a model), so it proves that the gateway's completion cap and the pipeline's
// process-group kill end the session, and that it is classified `completion_cap`.
import { stableId } from './messages.js';
import { buildShellArguments, findShellTool } from './shell-tool.js';
import type { ModelPolicy, ModelServerOptions } from './types.js';
import { DEFAULT_ORACLE_WORKDIR } from './oracle.js';

/** Creates the loop policy. */
export function createLoopPolicy(opts: Pick<ModelServerOptions, 'oracleWorkdir'> = {}): ModelPolicy {
  const workdir = opts.oracleWorkdir ?? DEFAULT_ORACLE_WORKDIR;
  return {
    respond(req) {
      const tool = Array.isArray(req.body.tools) ? findShellTool(req.body.tools) : undefined;
      if (!tool) return { reply: { content: 'loop: no shell tool advertised; nothing to loop on.', finish_reason: 'stop' } };
      // A different command each turn: gemini-cli and qwen-code stop a run that repeats one tool call verbatim.
      const n = req.requestIndex + 1;
      const args = buildShellArguments(tool, `echo loop step ${n}`, { workdir, description: `Loop step ${n}` });
      const id = `call_${stableId('loop', req.sessionKey, String(n))}`;
      return { reply: { content: '', tool_calls: [{ id, name: tool.name, arguments: JSON.stringify(args) }], finish_reason: 'tool_calls' } };
    },
  };
}
