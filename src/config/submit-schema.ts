// The `submit` configuration: one schema for the YAML file, the flags and run.json, so a value means the same
// thing wherever it was written. Keys are the flag names in snake_case (`--idle-timeout` ↔ `idle_timeout`).
import { z } from 'zod';
import { GRADING_MODES } from '../eval/grading.js';
import { upstreamUrlProblem } from './upstream-url.js';
import { CHAOS_FAULTS } from '../gateway/models/chaos.js';

const name = z.string().trim().min(1, 'expected a non-empty string');
const seconds = z.int('expected a whole number of seconds').positive('expected a positive number of seconds');
const count = z.int('expected an integer').positive('expected a positive integer');

/** Container networks: `sealed` (only the gateway session: agents; nothing: grading) or the host's (an opt-in). */
export const NETWORK_MODES = ['sealed', 'host'] as const;

/** `8g`, `512m`, `1.5g`, or a number of bytes. */
const MEMORY_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses a memory size (`8g`, `512m`, bytes) into bytes; undefined when it does not parse. */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
  const m = MEMORY_RE.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}

/** A list, also written as one comma-separated string (`harness: opencode,codex`). */
const list = (min: number, what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
    z.array(name).min(min, `expected at least ${min} ${what}`),
  );

const memory = z.union([z.number(), z.string()]).refine((v) => parseMemory(v) !== undefined, 'expected a size such as 8g, 512m or a number of bytes');

/** Every field, none defaulted: what one layer (defaults, file, flags) may set. */
const FIELDS = {
  /** Harness names (several run side by side for comparison). */
  harness: list(1, 'harness name'),
  /** JS modules exporting extra Harness objects (plug-ins, test presets). */
  harness_files: list(0, 'module path'),
  /** Per harness: a pinned version and a config object deep-merged over the generated harness config. */
  harness_overrides: z.record(
    name,
    z.strictObject({ version: name.optional(), config: z.record(z.string(), z.unknown()).optional() }),
  ),
  dataset: name,
  split: name,
  instance_ids: list(1, 'instance id'),
  filter: name,
  slice: name,
  shard: name,
  max_tasks: count,
  num_samples: count,
  concurrency: count,
  /** Built-in model started in-process: oracle | noop | chaos | agentic | replay:<run-dir>. */
  model: name,
  /** The model name the harness is told. @default the upstream model */
  model_name: name,
  /** A model server URL, or `trainer`: the trainer owns inference and answers through the gateway's pull API. */
  upstream: z.string().superRefine((url, ctx) => {
    if (url === TRAINER_UPSTREAM) return;
    const problem = upstreamUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (or "${TRAINER_UPSTREAM}" for trainer-owned inference)` });
  }),
  /** With `upstream: trainer`: environment variable holding the admin token the trainer polls with (else one is generated and printed). */
  trainer_token_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  /** With `upstream: trainer`: seconds a request may wait for the trainer's answer to start (and between two pieces of it) before it is retried. */
  trainer_timeout: seconds,
  /** With capture_tokens: also ask for prompt logprobs (vLLM `prompt_logprobs`, this many alternatives; requests then go upstream unstreamed). */
  prompt_logprobs: z.int().min(0, 'expected 0 or more alternatives per prompt token'),
  /** Built-in models: render the history with retokenization drift on purpose (for testing drift detection). */
  tokenizer_drift: z.boolean(),
  /**
   * Name of the environment variable holding the secret the gateway seals reasoning with (else a random one per run):
   * a fixed secret lets another gateway open the blobs. Never stored.
   */
  seal_secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  /** Name of the environment variable holding the upstream API key (the key itself is never stored). */
  upstream_api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  upstream_model: name,
  chaos: z.strictObject({
    seed: z.union([z.int(), z.string()]).optional(),
    inner: z.enum(['oracle', 'noop']).optional(),
    rates: z.partialRecord(z.enum(CHAOS_FAULTS), z.number().min(0).max(1)).optional(),
    slow_ms: z.int().min(0).optional(),
  }),
  /** Knobs of `--model agentic` (see AgenticOptions). */
  agentic: z.strictObject({
    seed: z.union([z.int(), z.string()]).optional(),
    turns: z.int().min(1).optional(),
    text_rate: z.number().min(0).max(1).optional(),
    wrong_patch_rate: z.number().min(0).max(1).optional(),
    reasoning_chars: z.int().min(0).optional(),
    output_chars: z.int().min(0).optional(),
  }),
  /** Context limit of the built-in model in tokens: longer prompts get vLLM's context-length 400 (off: unlimited). */
  model_max_len: count,
  /** Agent wall-clock budget per session, seconds. */
  timeout: seconds,
  /** Continue a harness that stopped early with an empty patch up to this many times (its own resume); 0: never. */
  nudge: z.int().min(0, 'expected 0 (off) or a positive number of nudges'),
  /** Kill the agent after this many seconds without a completion and without output; 0 turns it off. */
  idle_timeout: z.int().min(0, 'expected 0 (off) or a positive number of seconds'),
  max_completions: count,
  max_turns: count,
  context_window: count,
  max_output_tokens: count,
  capture_tokens: z.boolean(),
  eval: z.boolean(),
  eval_timeout: seconds,
  grading: z.enum(GRADING_MODES),
  /** Extra repo spec table (YAML) merged over configs/repo-specs.yaml. */
  specs: name,
  image_template: name,
  /** Prefix put before every image name (a registry mirror), e.g. `127.0.0.1:5000/`. */
  image_registry: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:_\/-]*\/$/, 'expected a registry prefix ending in "/", e.g. 127.0.0.1:5000/'),
  /** Image pulls at once, and how many sessions ahead of the running ones get their image pulled. */
  pull_concurrency: count,
  prefetch: z.int().min(0, 'expected 0 (no prefetch) or a number of sessions'),
  /** `keep` the images the run pulled, or `remove` each once its last session is done (images present before are kept). */
  images: z.enum(['keep', 'remove']),
  /** Most GB the images this run pulled may hold at once (with `images: remove`). */
  max_image_disk: z.number().positive(),
  prompt_template: name,
  /** `sealed`: the agent reaches its gateway session and nothing else; `host`: the host's network (opt-in). */
  agent_network: z.enum(NETWORK_MODES),
  /** `sealed`: grading runs with no network at all; `host`: the host's network (opt-in). */
  eval_network: z.enum(NETWORK_MODES),
  limits: z.strictObject({ cpus: z.number().positive().optional(), memory: memory.optional(), pids: count.optional() }),
  output_dir: name,
  run_id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only'),
};

/** One layer of configuration (a YAML file, the flags, a stored run config): every key optional, unknown keys refused. */
export const ConfigLayerSchema = z.strictObject(FIELDS).partial();
export type ConfigLayer = z.infer<typeof ConfigLayerSchema>;

/** Keys every resolved config has (from the defaults). */
type Defaulted =
  | 'harness_files' | 'harness_overrides' | 'dataset' | 'split' | 'num_samples' | 'concurrency' | 'chaos' | 'agentic' | 'timeout'
  | 'nudge' | 'idle_timeout' | 'max_completions' | 'context_window' | 'max_output_tokens' | 'capture_tokens' | 'eval'
  | 'eval_timeout' | 'grading' | 'agent_network' | 'eval_network' | 'limits' | 'output_dir' | 'pull_concurrency' | 'prefetch' | 'images';

/** The resolved configuration of one `submit` run (concurrency from the layers or derived from the host: host-defaults.ts). */
export type SubmitConfig = Omit<ConfigLayer, Defaulted | 'harness'> & Required<Pick<ConfigLayer, Defaulted | 'harness'>>;

/** Fault rates of `--model chaos` unless the config sets `chaos.rates`. */
export const DEFAULT_CHAOS_RATES = { '429': 0.1, '5xx': 0.1, disconnect: 0.1, 'reasoning-only': 0.05, length: 0.05, 'sse-error': 0.05, slow: 0.05 } as const;

/**
 * The bottom layer. Concurrency and the containers' cpus and memory are not here: when no layer sets them they are
 * derived from the host (host-defaults.ts) as the config is resolved.
 */
export const SUBMIT_DEFAULTS = {
  harness_files: [],
  harness_overrides: {},
  dataset: 'SWE-bench/SWE-bench_Verified',
  split: 'test',
  num_samples: 1,
  chaos: {},
  agentic: {},
  timeout: 1800,
  nudge: 0,
  idle_timeout: 300,
  max_completions: 250,
  context_window: 131072,
  max_output_tokens: 8192,
  capture_tokens: false,
  eval: true,
  eval_timeout: 1800,
  grading: 'official',
  agent_network: 'sealed',
  eval_network: 'sealed',
  limits: { pids: 4096 },
  output_dir: 'results',
  pull_concurrency: 2,
  prefetch: 8,
  images: 'keep',
} satisfies Pick<SubmitConfig, Exclude<Defaulted, 'concurrency'>>;

/**
 * Keys that do not change what a session produces, so `--resume` accepts them changed: where results go, how many
 * sessions run at once.
 */
export const RESUME_FREE_KEYS: ReadonlySet<string> = new Set(['run_id', 'output_dir', 'concurrency', 'pull_concurrency', 'prefetch', 'images', 'max_image_disk', 'seal_secret_env']);

/** The `upstream` value meaning the trainer owns inference (the pull API, or a callback given to runSubmit). */
export const TRAINER_UPSTREAM = 'trainer';

/** The parsed `model` value. */
export type BuiltinModel = { policy: 'oracle' | 'noop' | 'chaos' | 'agentic' | 'loop' } | { policy: 'replay'; runDir: string };

const PLAIN_MODELS: ReadonlySet<string> = new Set(['oracle', 'noop', 'chaos', 'agentic', 'loop']);

/** Parses `oracle | noop | chaos | agentic | loop | replay:<run-dir>`; undefined when it is none of these. */
export function parseBuiltinModel(model: string): BuiltinModel | undefined {
  if (PLAIN_MODELS.has(model)) return { policy: model as Exclude<BuiltinModel['policy'], 'replay'> };
  const m = /^replay:(.+)$/.exec(model);
  return m ? { policy: 'replay', runDir: m[1]! } : undefined;
}
