// `swebench gateway`: runs the recording LLM gateway standalone (admin API + per-session client routes) until
// Ctrl-C / SIGTERM; prints one JSON line {url, admin_token_hint, …} on stdout once listening. It starts even
// when the upstream is not up yet (GET /readyz says when it is).
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkUpstreamUrl } from '../config/upstream-url.js';
import { TRAINER_UPSTREAM } from '../config/submit-schema.js';
import { createLogger } from '../logger.js';
import type { GatewayOptions } from '../gateway/options.js';
import { serveGateway } from '../gateway/standalone.js';
import { cancelSignalFromSigint, parseIntOption } from './options.js';

/** Reads a secret from the environment variable a flag names; a named but missing variable is an error. */
function secretFromEnv(flag: string, name: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (name === undefined) return undefined;
  const value = env[String(name)];
  if (!value) {
    throw new ConfigError(`environment variable ${String(name)} is not set or empty`, {
      source: flag,
      hint: `Export ${String(name)}, or drop ${flag}.`,
    });
  }
  return value;
}

/** Turns the parsed flags (and the environment they name) into gateway options. */
export function gatewayOptionsFromFlags(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): GatewayOptions {
  const trainer = opts.upstream === TRAINER_UPSTREAM;
  const out: GatewayOptions = {
    ...(trainer ? { upstream: 'trainer' as const } : { upstreamUrl: checkUpstreamUrl(String(opts.upstream ?? ''), '--upstream') }),
    host: String(opts.host),
    port: parseIntOption('--port', String(opts.port), 0, 65535),
    recordsDir: String(opts.recordsDir),
    captureTokens: opts.captureTokens === true,
  };
  const apiKey = secretFromEnv('--upstream-api-key-env', opts.upstreamApiKeyEnv, env);
  if (apiKey) out.upstreamApiKey = apiKey;
  const adminToken = secretFromEnv('--admin-token-env', opts.adminTokenEnv, env);
  if (adminToken) out.adminToken = adminToken;
  const sealSecret = secretFromEnv('--seal-secret-env', opts.sealSecretEnv, env);
  if (sealSecret) out.sealSecret = sealSecret;
  if (typeof opts.upstreamModel === 'string') out.upstreamModel = opts.upstreamModel;
  if (opts.maxOutputTokens !== undefined) out.maxOutputTokens = parseIntOption('--max-output-tokens', String(opts.maxOutputTokens), 1);
  if (opts.maxRetries !== undefined) out.retry = { maxRetries: parseIntOption('--max-retries', String(opts.maxRetries), 0, 100) };
  return out;
}

/** Registers `gateway`. */
export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('Run the recording LLM gateway standalone: sessions via the admin API, every completion recorded')
    .requiredOption('--upstream <url>', 'OpenAI-compatible upstream (vLLM, SGLang, OpenAI, `swebench model serve`), e.g. http://127.0.0.1:8000, or "trainer" (the pull API under /admin/trainer)')
    .option('--upstream-api-key-env <name>', 'environment variable holding the upstream API key')
    .option('--upstream-model <name>', 'model name sent upstream; GET <upstream>/v1/models must list it (default: its first id)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = a random free port)', '0')
    .option('--admin-token-env <name>', 'environment variable holding the admin token (default: generate one, printed once on stderr)')
    .option('--records-dir <dir>', 'records go to <dir>/<session_id>/records.jsonl', 'gateway-records')
    .option('--max-output-tokens <n>', 'cap max_tokens / max_completion_tokens of every request')
    .option('--capture-tokens', 'ask the upstream (vLLM) for token ids and logprobs and record them')
    .option('--seal-secret-env <name>', 'environment variable holding a fixed secret for sealed reasoning blobs (survives restarts)')
    .option('--max-retries <n>', 'retries of a transient upstream failure before the client sees an error', '3')
    .action(async (opts: Record<string, unknown>) => {
      const logger = createLogger();
      const options = gatewayOptionsFromFlags(opts, process.env);
      const cancel = cancelSignalFromSigint(logger);
      try {
        await serveGateway(
          { ...options, logger },
          {
            signal: cancel.signal,
            stdout: process.stdout,
            stderr: process.stderr,
            ...(opts.adminTokenEnv === undefined ? {} : { adminTokenSource: `env ${String(opts.adminTokenEnv)}` }),
          },
        );
      } finally {
        cancel.dispose();
      }
    });
}
