// The harness registry: one entry per preset, so `--harness <name>`, `harness list` and `submit` all read the
// same table (STYLE.md rule 2), plus the bundle API the pipeline calls before it starts containers.
import { ConfigError } from '../errors.js';
import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import { copilot } from './copilot.js';
import { geminiCli } from './gemini-cli.js';
import { kilo } from './kilo.js';
import { noop } from './noop.js';
import { openclaw } from './openclaw.js';
import { opencode } from './opencode.js';
import { pi } from './pi.js';
import { qwenCode } from './qwen-code.js';
import type { Harness } from './types.js';

/** Every harness preset, by name. */
export const HARNESSES = {
  opencode,
  codex,
  'claude-code': claudeCode,
  'qwen-code': qwenCode,
  'gemini-cli': geminiCli,
  pi,
  openclaw,
  kilo,
  copilot,
  noop,
} satisfies Record<string, Harness>;

/** A registered preset name (the `--harness` values). */
export type HarnessName = keyof typeof HARNESSES;

/** Names of the presets, in registry order. */
export const HARNESS_NAMES = Object.keys(HARNESSES) as HarnessName[];

/** True when `name` is a registered preset. */
export function isHarnessName(name: string): name is HarnessName {
  return Object.hasOwn(HARNESSES, name);
}

/** The preset called `name`; a ConfigError listing the valid names otherwise. */
export function getHarness(name: string, source = '--harness'): Harness {
  if (isHarnessName(name)) return HARNESSES[name];
  throw new ConfigError(`unknown harness "${name}"`, {
    source,
    code: 'E_UNKNOWN_HARNESS',
    hint: `Valid harnesses: ${HARNESS_NAMES.join(', ')} (see \`swebench harness list\`).`,
  });
}

export { BUNDLE_MOUNT } from './types.js';
export type { BundlePrepare, BundleSpec, Harness, HarnessContext, HarnessExit, HarnessFailure, HarnessFile, HarnessLaunch } from './types.js';
export { bundleDirFor, bundleStatus, ensureBundle, harnessCacheRoot, type BundleRef, type BundleStatus, type EnsureBundleOptions } from './bundle.js';
export { mergeConfig } from './config-merge.js';
export { HarnessInstallError } from './npm-install.js';
