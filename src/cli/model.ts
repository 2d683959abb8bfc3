// `swebench model serve`: runs a built-in OpenAI-compatible model (oracle, noop, replay, chaos, agentic, loop) until
// Ctrl-C / SIGTERM; prints one JSON line {url, policy} on stdout once listening, logs go to stderr.
import type { Command } from 'commander';
import { loadTasks } from '../dataset/index.js';
import type { Task } from '../dataset/types.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import {
  AGENTIC_DEFAULTS,
  CHAOS_FAULTS,
  DEFAULT_ORACLE_WORKDIR,
  DEFAULT_SLOW_MS,
  isModelPolicyName,
  MODEL_POLICIES,
  startModelServer,
  type AgenticOptions,
  type ChaosRates,
  type ModelServerOptions,
} from '../gateway/models/index.js';
import { cancelSignalFromSigint, parseIntOption } from './options.js';
import { downloadProgressReporter } from './selection.js';

const INNER_POLICIES = ['oracle', 'noop', 'replay'] as const;

/** commander's camelCase key of each `--rate-<fault>` flag. */
const rateKey = (fault: string): string => `rate${fault.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`;

function parseRate(flag: string, value: unknown): number {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ConfigError(`expected a probability between 0 and 1, got "${String(value)}"`, { source: flag });
  }
  return n;
}

/** Turns the parsed flags into server options (validation at the edge; the dataset is loaded separately). */
export function modelServeOptions(opts: Record<string, unknown>): Omit<ModelServerOptions, 'tasks' | 'logger'> {
  const policy = String(opts.policy);
  if (!isModelPolicyName(policy)) {
    throw new ConfigError(`unknown policy "${policy}"`, { source: '--policy', hint: `Choose one of ${Object.keys(MODEL_POLICIES).join(', ')}.` });
  }
  const inner = String(opts.innerPolicy);
  if (!(INNER_POLICIES as readonly string[]).includes(inner)) {
    throw new ConfigError(`chaos cannot wrap "${inner}"`, { source: '--inner-policy', hint: `Choose one of ${INNER_POLICIES.join(', ')}.` });
  }
  const rates: ChaosRates = {};
  for (const fault of CHAOS_FAULTS) {
    const raw = opts[rateKey(fault)];
    if (raw !== undefined) rates[fault] = parseRate(`--rate-${fault}`, raw);
  }
  const out: Omit<ModelServerOptions, 'tasks' | 'logger'> = {
    policy,
    host: String(opts.host),
    port: parseIntOption('--port', String(opts.port), 0, 65535),
    chaos: {
      inner: inner as (typeof INNER_POLICIES)[number],
      seed: opts.seed === undefined ? 0 : String(opts.seed),
      rates,
      slowMs: parseIntOption('--slow-ms', String(opts.slowMs), 0),
    },
  };
  const agentic: AgenticOptions = { seed: opts.seed === undefined ? 0 : String(opts.seed) };
  if (opts.agenticTurns !== undefined) agentic.turns = parseIntOption('--agentic-turns', String(opts.agenticTurns), 1);
  if (opts.agenticTextRate !== undefined) agentic.textRate = parseRate('--agentic-text-rate', opts.agenticTextRate);
  if (opts.agenticWrongPatchRate !== undefined) agentic.wrongPatchRate = parseRate('--agentic-wrong-patch-rate', opts.agenticWrongPatchRate);
  if (opts.agenticReasoningChars !== undefined) agentic.reasoningChars = parseIntOption('--agentic-reasoning-chars', String(opts.agenticReasoningChars), 0);
  if (opts.agenticOutputChars !== undefined) agentic.outputChars = parseIntOption('--agentic-output-chars', String(opts.agenticOutputChars), 0);
  out.agentic = agentic;
  if (typeof opts.modelName === 'string') out.modelName = opts.modelName;
  if (typeof opts.replay === 'string') out.replayFile = opts.replay;
  if (typeof opts.oracleWorkdir === 'string') out.oracleWorkdir = opts.oracleWorkdir;
  if (opts.maxModelLen !== undefined) out.maxModelLen = parseIntOption('--max-model-len', String(opts.maxModelLen), 1);
  if (opts.refuseTools === true) out.refuseTools = true;
  if (opts.stream === false) out.noStream = true; // commander: --no-stream sets stream=false
  const needsReplay = policy === 'replay' || (policy === 'chaos' && inner === 'replay');
  if (needsReplay && !out.replayFile) throw new ConfigError('the replay model needs recorded completions', { source: '--replay', hint: 'Pass --replay <records.jsonl|dir>.' });
  return out;
}

/** Registers `model serve`. */
export function registerModel(program: Command): void {
  const model = program.command('model').description('Built-in OpenAI-compatible models for checking harnesses without a GPU.');
  const serve = model
    .command('serve')
    .description('Serve a built-in model (oracle | noop | replay | chaos | agentic | loop) until Ctrl-C; prints {"url","policy"} on stdout.')
    .requiredOption('--policy <name>', `model policy: ${Object.keys(MODEL_POLICIES).join(' | ')}`)
    .option('--dataset <src>', 'tasks for the oracle and agentic models: .json/.jsonl/.parquet file or HuggingFace name (required by both)')
    .option('--split <name>', 'dataset split (HuggingFace names)', 'test')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = a free port)', '0')
    .option('--model-name <name>', 'served model name (default: swebench-<policy>)')
    .option('--replay <file|dir>', 'records.jsonl (or a directory of them) for the replay model')
    .option('--oracle-workdir <dir>', 'repository directory the oracle and agentic models work in', DEFAULT_ORACLE_WORKDIR)
    .option('--max-model-len <tokens>', "context limit (4-character tokens): vLLM's context-length 400 when messages + max_tokens exceed it")
    .option('--refuse-tools', 'misconfiguration: answer tools with tool_choice "auto" with vLLM\'s 400 (a vLLM without --enable-auto-tool-choice)')
    .option('--no-stream', 'misconfiguration: answer stream:true with one JSON body')
    .option('--inner-policy <name>', `policy chaos wraps: ${INNER_POLICIES.join(' | ')}`, 'oracle')
    .option('--seed <seed>', 'PRNG seed of chaos and agentic', '0')
    .option('--slow-ms <ms>', 'chaos: first-byte delay of the slow fault', String(DEFAULT_SLOW_MS));
  for (const fault of CHAOS_FAULTS) serve.option(`--rate-${fault} <p>`, `chaos: probability of the ${fault} fault per request`);
  const a = AGENTIC_DEFAULTS;
  serve
    .option('--agentic-turns <n>', `agentic: exploration steps before the edit (default: ${a.turns})`)
    .option('--agentic-text-rate <p>', `agentic: probability per exploration step of a text-only message first (default: ${a.textRate})`)
    .option('--agentic-wrong-patch-rate <p>', `agentic: probability per session of a wrong patch (default: ${a.wrongPatchRate})`)
    .option('--agentic-reasoning-chars <n>', `agentic: reasoning_content characters per turn (default: ${a.reasoningChars})`)
    .option('--agentic-output-chars <n>', `agentic: visible text characters per turn (default: ${a.outputChars})`);

  serve.action(async (opts: Record<string, unknown>) => {
    const logger = createLogger();
    const options = modelServeOptions(opts);
    const cancel = cancelSignalFromSigint(logger);
    try {
      const needsTasks = options.policy === 'oracle' || options.policy === 'agentic' || (options.policy === 'chaos' && options.chaos?.inner === 'oracle');
      let tasks: Task[] | undefined;
      if (typeof opts.dataset === 'string') {
        tasks = await loadTasks(opts.dataset, { split: String(opts.split), signal: cancel.signal, logger, onProgress: downloadProgressReporter() });
        logger.info(`loaded ${tasks.length} task(s) from ${opts.dataset}`);
      } else if (needsTasks) {
        throw new ConfigError(`the ${options.policy === 'agentic' ? 'agentic' : 'oracle'} model needs the tasks it serves`, { source: '--dataset', hint: 'Pass --dataset <file|HuggingFace name>.' });
      }
      const server = await startModelServer({ ...options, tasks, logger });
      process.stdout.write(JSON.stringify({ url: server.url, policy: options.policy }) + '\n');
      logger.info(`${options.policy} model listening on ${server.url} (Ctrl-C to stop)`);
      if (!cancel.signal.aborted) await new Promise((resolve) => cancel.signal.addEventListener('abort', resolve, { once: true }));
      await server.close();
      logger.info('model server stopped');
    } finally {
      cancel.dispose();
    }
  });
}
