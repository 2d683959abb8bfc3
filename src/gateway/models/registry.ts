// The one registry of built-in models: `--policy <name>` / `--model oracle` resolve through it.
import { ConfigError } from '../../errors.js';
import { createAgenticPolicy } from './agentic.js';
import { createChaosPolicy } from './chaos.js';
import { createLoopPolicy } from './loop.js';
import { createNoopPolicy } from './noop.js';
import { createOraclePolicy } from './oracle.js';
import { createReplayPolicy } from './replay.js';
import type { ModelPolicy, ModelServerOptions } from './types.js';

/** Builds a policy from the server options (may read files, e.g. replay records). */
export type PolicyFactory = (opts: ModelServerOptions) => ModelPolicy | Promise<ModelPolicy>;

function requireTasks(opts: ModelServerOptions): void {
  if (!opts.tasks) {
    throw new ConfigError(`the ${opts.policy} model needs the tasks it serves`, {
      source: '--dataset',
      hint: `Pass --dataset <file|huggingface name> so the ${opts.policy} model can find each task's gold patch.`,
    });
  }
}

/** Policies chaos can wrap. */
const INNER_POLICIES = {
  oracle: (opts) => {
    requireTasks(opts);
    return createOraclePolicy(opts);
  },
  noop: () => createNoopPolicy(),
  replay: (opts) => createReplayPolicy(opts),
} satisfies Record<string, PolicyFactory>;

/** Every built-in model by name. */
export const MODEL_POLICIES = {
  ...INNER_POLICIES,
  agentic: (opts) => {
    requireTasks(opts);
    try {
      return createAgenticPolicy(opts);
    } catch (err) {
      if (err instanceof RangeError) throw new ConfigError(err.message, { source: 'agentic', hint: 'Rates are probabilities in [0, 1]; turns and lengths are whole numbers ≥ 0.' });
      throw err;
    }
  },
  loop: (opts) => createLoopPolicy(opts),
  chaos: async (opts) => createChaosPolicy(opts.chaos ?? {}, await INNER_POLICIES[opts.chaos?.inner ?? 'oracle'](opts)),
} satisfies Record<ModelServerOptions['policy'], PolicyFactory>;

export type ModelPolicyName = keyof typeof MODEL_POLICIES;

/** True when `name` is a built-in model. */
export function isModelPolicyName(name: string): name is ModelPolicyName {
  return Object.hasOwn(MODEL_POLICIES, name);
}
