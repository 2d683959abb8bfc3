// Defaults that fit the machine: how many sessions run at once and what each task container may use, derived from
// the host's cores and memory for whatever the user leaves unset. One pure rule, applied when the config is resolved
// (so run.json stores the values and `--resume` compares like with like), and the lines `submit` logs about it.
import os from 'node:os';
import { parseMemory } from './submit-schema.js';

/** What the rule looks at: usable cores and total memory. */
export interface HostResources {
  cores: number;
  memBytes: number;
}

/** This machine (the cores this process may use, not just the cores present). */
export function hostResources(): HostResources {
  return { cores: os.availableParallelism(), memBytes: os.totalmem() };
}

const GiB = 1024 ** 3;

/**
 * The budget of one session. While its tests run a SWE-bench task container keeps about 2 cores busy (the agent
 * phase mostly waits on the model) and needs a few GB (django ~1, a scikit-learn or matplotlib build ~3); 4 GiB
 * leaves room for the host's share (Docker, the gateway, the page cache). Halving the cores also stays under the
 * official harness's guidance, max_workers ≤ min(0.75 × cores, 24), whose cap of 24 we keep: past it the Docker
 * engine itself becomes the bottleneck.
 */
export const SESSION_BUDGET = { cores: 2, memGiB: 4, maxConcurrency: 24 } as const;

/**
 * Per-container limits split the host among the sessions that run at once: all the cores (a CPU cap only slows a
 * container down), but only ¾ of the memory (the rest stays with the host, so even every container at its cap does
 * not push the host into swap or its own OOM killer), in whole GiB and at least 2 GiB (less breaks test runs).
 */
export const CONTAINER_SHARE = { memFraction: 0.75, minMemGiB: 2 } as const;

/** What the user set (flags, config file, or a resumed run's stored config); undefined = derive it. */
export interface ExplicitResources {
  concurrency?: number;
  cpus?: number;
  memory?: string | number;
}

/** The resolved values (`memory` as a size such as `17g`, what `--memory` takes). */
export interface ResolvedResources {
  concurrency: number;
  cpus?: number;
  memory?: string | number;
}

/**
 * The concurrency and per-container limits for `host`, keeping every explicit value; each unset one is derived
 * (the limits from the resolved concurrency). `deriveLimits: false` keeps unset limits unset: a resumed run keeps
 * the limits it started with, even none (a run.json from before limits were derived).
 * @default deriveLimits true
 */
export function hostDefaults(host: HostResources, explicit: ExplicitResources, opts: { deriveLimits?: boolean } = {}): ResolvedResources {
  const memGiB = host.memBytes / GiB;
  const concurrency =
    explicit.concurrency ??
    Math.max(1, Math.min(Math.floor(host.cores / SESSION_BUDGET.cores), Math.floor(memGiB / SESSION_BUDGET.memGiB), SESSION_BUDGET.maxConcurrency));
  const out: ResolvedResources = { concurrency };
  const derive = opts.deriveLimits ?? true;
  const cpus = explicit.cpus ?? (derive ? Math.max(1, Math.floor(host.cores / concurrency)) : undefined);
  const memory =
    explicit.memory ?? (derive ? `${Math.max(CONTAINER_SHARE.minMemGiB, Math.floor((memGiB * CONTAINER_SHARE.memFraction) / concurrency))}g` : undefined);
  if (cpus !== undefined) out.cpus = cpus;
  if (memory !== undefined) out.memory = memory;
  return out;
}

/** `23.5 GiB`, `64 GiB`. */
const gib = (bytes: number): string => `${Number((bytes / GiB).toFixed(1))} GiB`;

/** The one line `submit` logs at start: what runs at once, each container's limits, and the host they came from. */
export function resourcesLine(resources: ResolvedResources, host: HostResources): string {
  const limit = (flag: string, value: string | number | undefined) => (value === undefined ? `no ${flag} limit` : `${flag} ${value}`);
  return (
    `concurrency ${resources.concurrency} (host: ${host.cores} core${host.cores === 1 ? '' : 's'}, ${gib(host.memBytes)}; --concurrency to change), ` +
    `per container ${limit('--cpus', resources.cpus)} ${limit('--memory', resources.memory)}`
  );
}

/** The warning when the containers together may hold more memory than the host has (explicit values included). */
export function memoryWarning(resources: ResolvedResources, host: HostResources): string | undefined {
  const bytes = resources.memory === undefined ? undefined : parseMemory(resources.memory);
  if (bytes === undefined || resources.concurrency * bytes <= host.memBytes) return undefined;
  return (
    `--concurrency ${resources.concurrency} × --memory ${resources.memory} = ${gib(resources.concurrency * bytes)} exceeds this host's ` +
    `${gib(host.memBytes)}: sessions may be OOM-killed`
  );
}
