// `configOverride` for presets configured through environment variables (claude-code, copilot; gemini-cli's `env`
// part): there is no config file to merge into, so the override merges into the environment the preset generates.
import { ConfigError } from '../errors.js';
import { mergeConfig } from './config-merge.js';

/**
 * `env` with `override` merged in: string, number and boolean values set a variable, `null` removes one, anything
 * else is a ConfigError naming the variable (`example` is the fix-it hint's sample override).
 */
export function envWithOverride(harness: string, env: Record<string, string>, override: Record<string, unknown> | undefined, example: string): Record<string, string> {
  const merged = mergeConfig<Record<string, unknown>>(env, override);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else {
      throw new ConfigError(`must be a string, number, boolean or null, got ${Array.isArray(value) ? 'an array' : typeof value}`, {
        source: `configOverride (${harness})`,
        path: key,
        hint: `For ${harness}, configOverride sets environment variables, e.g. ${example}.`,
      });
    }
  }
  return out;
}
