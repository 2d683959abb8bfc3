// Where the gateway sends completions: an upstream OpenAI-compatible server (--upstream), or a built-in model
// started in-process (--model oracle|noop|chaos|agentic|loop|replay:<run-dir>) on 127.0.0.1, so a run needs no GPU.
import path from 'node:path';
import { parseBuiltinModel, DEFAULT_CHAOS_RATES, TRAINER_UPSTREAM, type SubmitConfig } from '../config/submit-schema.js';
import type { Task } from '../dataset/types.js';
import { ConfigError } from '../errors.js';
import { startModelServer, type AgenticOptions } from '../gateway/models/index.js';
import { registerSecret, type Logger } from '../logger.js';

/** A model server the gateway sends completions to (built-in or --upstream URL). */
export interface UrlModelSource {
  upstreamUrl: string;
  upstreamApiKey?: string;
  upstreamModel?: string;
  /** What run.json records (never a key). */
  description: { kind: 'builtin'; policy: string; replay?: string } | { kind: 'upstream'; url: string; api_key_env?: string };
  close(): Promise<void>;
}

/** The trainer owns inference (`--upstream trainer`): it polls the embedded gateway's pull API with the admin token. */
export interface TrainerModelSource {
  trainer: true;
  upstreamModel?: string;
  /** From `trainer_token_env`; undefined: the gateway generates one (shown to the trainer through the reporter). */
  adminToken?: string;
  description: { kind: 'trainer'; token_env?: string };
  close(): Promise<void>;
}

export type ModelSource = UrlModelSource | TrainerModelSource;

/** Strips credentials and query from a URL before it is written anywhere. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** The `agentic:` config keys (snake_case) as the policy's options. */
function agenticOptions(c: SubmitConfig['agentic']): AgenticOptions {
  const out: AgenticOptions = {};
  if (c.seed !== undefined) out.seed = c.seed;
  if (c.turns !== undefined) out.turns = c.turns;
  if (c.text_rate !== undefined) out.textRate = c.text_rate;
  if (c.wrong_patch_rate !== undefined) out.wrongPatchRate = c.wrong_patch_rate;
  if (c.reasoning_chars !== undefined) out.reasoningChars = c.reasoning_chars;
  if (c.output_chars !== undefined) out.outputChars = c.output_chars;
  return out;
}

/**
 * The secret held by environment variable `name` (a config `*_env` key, given as `flag`), registered for redaction;
 * undefined when no variable is named; a ConfigError with `hint` when it is named but unset or empty.
 */
export function envSecret(env: NodeJS.ProcessEnv, name: string | undefined, flag: string, hint: string): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set`, { source: flag, hint });
  registerSecret(value);
  return value;
}

/** Starts the built-in model, or checks the upstream (or trainer) settings; `close()` stops what was started. */
export async function openModelSource(config: SubmitConfig, tasks: Task[], deps: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<ModelSource> {
  const env = deps.env ?? process.env;
  if (config.upstream === TRAINER_UPSTREAM) {
    const token = envSecret(env, config.trainer_token_env, '--trainer-token-env',
      `Export the admin token the trainer polls with as ${config.trainer_token_env}, or drop --trainer-token-env to have one generated.`);
    return {
      trainer: true,
      ...(config.upstream_model === undefined ? {} : { upstreamModel: config.upstream_model }),
      ...(token === undefined ? {} : { adminToken: token }),
      description: { kind: 'trainer', ...(config.trainer_token_env ? { token_env: config.trainer_token_env } : {}) },
      close: async () => {},
    };
  }
  if (config.upstream !== undefined) {
    const key = envSecret(env, config.upstream_api_key_env, '--upstream-api-key-env',
      `Export the API key as ${config.upstream_api_key_env}, or drop --upstream-api-key-env for a server without a key.`);
    return {
      upstreamUrl: config.upstream,
      upstreamApiKey: key,
      upstreamModel: config.upstream_model,
      description: { kind: 'upstream', url: displayUrl(config.upstream), ...(config.upstream_api_key_env ? { api_key_env: config.upstream_api_key_env } : {}) },
      close: async () => {},
    };
  }
  const builtin = parseBuiltinModel(config.model!)!;
  const replay = builtin.policy === 'replay' ? path.resolve(builtin.runDir) : undefined;
  const server = await startModelServer({
    policy: builtin.policy,
    tasks,
    replayFile: replay,
    chaos: {
      inner: config.chaos.inner ?? 'oracle',
      seed: config.chaos.seed ?? 0,
      rates: config.chaos.rates ?? { ...DEFAULT_CHAOS_RATES },
      ...(config.chaos.slow_ms === undefined ? {} : { slowMs: config.chaos.slow_ms }),
    },
    agentic: agenticOptions(config.agentic),
    ...(config.model_max_len === undefined ? {} : { maxModelLen: config.model_max_len }),
    ...(config.tokenizer_drift ? { tokenizerDrift: true } : {}),
    logger: deps.logger,
  });
  deps.logger.debug(`built-in ${builtin.policy} model on ${server.url}`);
  return {
    upstreamUrl: server.url,
    description: { kind: 'builtin', policy: builtin.policy, ...(replay ? { replay } : {}) },
    close: () => server.close(),
  };
}
