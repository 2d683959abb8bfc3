// Loads and merges the `submit` configuration: defaults ← stored run config (--resume) ← YAML file ← flags.
// Each layer is validated on its own so an error names where the bad value was written: the file with its
// key path and line, or the flag.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { validateChaosRates } from '../gateway/models/chaos.js';
import { hostDefaults, hostResources, type HostResources } from './host-defaults.js';
import {
  ConfigLayerSchema,
  parseBuiltinModel,
  SUBMIT_DEFAULTS,
  TRAINER_UPSTREAM,
  type ConfigLayer,
  type SubmitConfig,
} from './submit-schema.js';

const KNOWN_KEYS = Object.keys(ConfigLayerSchema.shape);
const KEYS_HINT = `Known keys: ${KNOWN_KEYS.join(', ')} (the flag names in snake_case).`;

/** `--idle-timeout` for `idle_timeout`. */
export const flagOf = (key: string): string => `--${key.replaceAll('_', '-')}`;

/** Reads one YAML config file into a validated layer; errors carry the file, the key path and the line. */
export async function readConfigFile(file: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file: ${(err as Error).message}`, { source: file, hint: 'Pass an existing YAML file to --config.' });
  }
  return parseConfigText(text, file);
}

/** Parses YAML text as a config layer (exported for tests and for configs embedded elsewhere). */
export function parseConfigText(text: string, source: string): ConfigLayer {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lines.linePos(yamlError.pos[0]);
    throw new ConfigError(`invalid YAML: ${yamlError.message.split('\n')[0]}`, {
      source,
      path: at.line > 0 ? `line ${at.line}, column ${at.col}` : undefined,
      hint: 'Fix the YAML syntax (indentation with spaces, "key: value" pairs).',
    });
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('expected a mapping of keys to values at the top level', { source, hint: KEYS_HINT });
  }
  const parsed = ConfigLayerSchema.safeParse(value);
  if (!parsed.success) throw layerError(parsed.error, source, (p) => locate(doc, lines, p));
  return parsed.data;
}

/** Validates the layer the CLI built from flags; errors name the flag. */
export function validateFlagLayer(layer: Record<string, unknown>): ConfigLayer {
  const parsed = ConfigLayerSchema.safeParse(layer);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  throw new ConfigError(issueText(issue), { source: key ? flagOf(key) : 'flags' });
}

/** Validates a config stored in run.json (resume): a damaged file is named as such. */
export function validateStoredLayer(value: unknown, source: string): ConfigLayer {
  const parsed = ConfigLayerSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw layerError(parsed.error, source, () => undefined, 'The stored run config is damaged: start a new run (another --run-id).');
}

/**
 * Merges the layers over the defaults, fills in what is derived from the host (concurrency, container cpus and
 * memory: host-defaults.ts) and checks what no single layer can (one model source, chaos rates).
 */
export function resolveSubmitConfig(layers: {
  stored?: ConfigLayer;
  file?: ConfigLayer;
  fileSource?: string;
  flags?: ConfigLayer;
  /** @default hostResources() */
  host?: HostResources;
}): SubmitConfig {
  let merged: Record<string, unknown> = structuredClone(SUBMIT_DEFAULTS);
  for (const layer of [layers.stored, layers.file, layers.flags]) if (layer) merged = deepMerge(merged, layer);
  const config = merged as SubmitConfig;
  // Derived here, so run.json records them and a resumed run reads them back as its stored layer instead of deriving
  // them again (on a host that may differ). A stored config without limits (older than this rule) keeps none.
  const { cpus, memory } = config.limits;
  const resources = hostDefaults(layers.host ?? hostResources(), { concurrency: config.concurrency, cpus, memory }, { deriveLimits: !layers.stored });
  config.concurrency = resources.concurrency;
  if (resources.cpus !== undefined) config.limits.cpus = resources.cpus;
  if (resources.memory !== undefined) config.limits.memory = resources.memory;
  const where = (key: string) => (layers.flags && key in layers.flags ? flagOf(key) : layers.file && key in layers.file ? layers.fileSource : flagOf(key));

  if (!config.harness || config.harness.length === 0) {
    throw new ConfigError('no harness given', { source: '--harness', hint: 'Pass --harness <name>[,<name>…] (e.g. --harness opencode), or set `harness:` in the config file.' });
  }
  if (config.model !== undefined && config.upstream !== undefined) {
    throw new ConfigError('both a built-in model and an upstream are set', {
      source: `${where('model')} / ${where('upstream')}`,
      hint: 'Use --model oracle|noop|chaos|agentic|loop|replay:<run-dir> for a built-in model, or --upstream <url> for a model server, not both.',
    });
  }
  if (config.model === undefined && config.upstream === undefined) {
    throw new ConfigError('no model given', {
      source: '--model / --upstream',
      hint: 'Pass --upstream <url> (an OpenAI-compatible server such as vLLM), or --model oracle to check the pipeline without a GPU.',
    });
  }
  if (config.model !== undefined && !parseBuiltinModel(config.model)) {
    throw new ConfigError(`unknown built-in model "${config.model}"`, { source: where('model'), hint: 'Choose oracle, noop, chaos, agentic or replay:<run-dir>.' });
  }
  if (config.chaos.rates) {
    try {
      validateChaosRates(config.chaos.rates);
    } catch (err) {
      throw new ConfigError((err as Error).message.replace(/^[^:]*: /, ''), { source: where('chaos'), path: 'chaos.rates' });
    }
  }
  if (config.max_output_tokens >= config.context_window) {
    // a harness would reserve the whole window for the answer: opencode then compacts after every turn
    throw new ConfigError(`the context window (${config.context_window}) must be larger than max output tokens (${config.max_output_tokens})`, {
      source: `${where('context_window')} / ${where('max_output_tokens')}`,
      hint: 'Lower --max-output-tokens (e.g. to a quarter of the window) or raise --context-window.',
    });
  }
  if (config.max_image_disk !== undefined && config.images !== 'remove') {
    throw new ConfigError('max_image_disk needs images: remove (a budget is kept by removing images the run is done with)', { source: where('max_image_disk'), hint: 'Add --images remove.' });
  }
  if (config.model_max_len !== undefined && config.model === undefined) {
    throw new ConfigError('model_max_len only applies to a built-in model', { source: where('model_max_len'), hint: 'Use it with --model agentic|oracle|…; an upstream server has its own limit (vLLM --max-model-len).' });
  }
  for (const key of ['upstream_api_key_env', 'upstream_model'] as const) {
    if (config[key] !== undefined && config.upstream === undefined) {
      throw new ConfigError(`${key} only applies to an upstream model server`, { source: where(key), hint: 'Also pass --upstream <url>, or drop it.' });
    }
  }
  const trainer = config.upstream === TRAINER_UPSTREAM;
  if (trainer && config.upstream_api_key_env !== undefined) {
    throw new ConfigError('upstream_api_key_env does not apply to a trainer upstream', { source: where('upstream_api_key_env'), hint: 'The trainer authenticates with the admin token (--trainer-token-env); drop --upstream-api-key-env.' });
  }
  for (const key of ['trainer_token_env', 'trainer_timeout'] as const) {
    if (config[key] !== undefined && !trainer) {
      throw new ConfigError(`${key} only applies to --upstream ${TRAINER_UPSTREAM}`, { source: where(key), hint: `Also pass --upstream ${TRAINER_UPSTREAM}, or drop it.` });
    }
  }
  if (config.prompt_logprobs !== undefined && !config.capture_tokens) {
    throw new ConfigError('prompt_logprobs needs capture_tokens', { source: where('prompt_logprobs'), hint: 'Add --capture-tokens.' });
  }
  if (config.tokenizer_drift !== undefined && config.model === undefined) {
    throw new ConfigError('tokenizer_drift only applies to a built-in model', { source: where('tokenizer_drift'), hint: 'Use it with --model oracle|agentic|…' });
  }
  return config;
}

type Issue = z.core.$ZodIssue;

function issueText(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

function layerError(error: z.ZodError, source: string, at: (path: PropertyKey[]) => string | undefined, hint?: string): ConfigError {
  const issue = error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const dotted = path.map(String).join('.');
  const line = at(path);
  const unknownTop = issue.code === 'unrecognized_keys' && issue.path.length === 0;
  return new ConfigError(issueText(issue), {
    source,
    path: [dotted, line].filter(Boolean).join(' ') || undefined,
    hint: hint ?? (unknownTop ? KEYS_HINT : undefined),
  });
}

/** `(line 7)` for a key path, pointing at the value (or at the key itself when the value is missing). */
function locate(doc: Document, lines: LineCounter, path: PropertyKey[]): string | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1).map(String), true) : doc.contents;
  const last = path[path.length - 1];
  let offset: number | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    const node = (pair?.value ?? pair?.key) as { range?: [number, number, number] } | undefined;
    offset = node?.range?.[0];
  } else {
    const node = doc.getIn(path.map(String), true) as { range?: [number, number, number] } | undefined;
    offset = node?.range?.[0];
  }
  if (offset === undefined) return undefined;
  const { line } = lines.linePos(offset);
  return line > 0 ? `(line ${line})` : undefined;
}

const isPlain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Objects merge key by key; everything else (arrays included) is replaced; `undefined` never overrides. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}
