// `swebench doctor`: will this run work? The engine, the selected tasks' images, the harness bundles and the model
// server, each checked in seconds with a fix per failure.
import type { SubmitConfig } from '../config/submit-schema.js';
import { imageForTask } from '../dataset/index.js';
import type { Logger } from '../logger.js';
import { harnessFiles, resolveHarnesses } from '../run/harnesses.js';
import { openModelSource } from '../run/model-source.js';
import { selectedTasks } from '../run/submit.js';
import { createDockerRuntime } from '../runtime/docker.js';
import { checkBundles, checkEngine, checkImages } from './docker.js';
import { probeOf } from './preflight.js';
import type { CheckResult } from './types.js';
import { probeUpstream } from './upstream.js';

export { check, failed, type CheckResult, type CheckStatus } from './types.js';
export { probeUpstream, type UpstreamProbe } from './upstream.js';
export { preflightUpstream } from './preflight.js';
export { parseImageRef, registryLookup } from './docker.js';

/** Runs every check for the run this config describes; never throws for a failed check (they are results). */
export async function runDoctor(config: SubmitConfig, deps: { signal?: AbortSignal; logger: Logger; dockerHost?: string }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { tasks, all } = await selectedTasks(config, deps);
  const runtime = createDockerRuntime({ logger: deps.logger, ...(deps.dockerHost ? { dockerHost: deps.dockerHost } : {}), pingTimeoutMs: 5_000 });
  const engine = await checkEngine(runtime);
  results.push(...engine.checks);
  if (engine.ok) results.push(...(await checkImages(runtime, tasks.map((t) => imageForTask(t, config.image_template)))));
  const harnesses = await resolveHarnesses(config.harness, harnessFiles(config.harness_files), deps.logger);
  const versions = Object.fromEntries(Object.entries(config.harness_overrides).map(([name, o]) => [name, o.version]));
  results.push(...checkBundles(harnesses, versions));
  const model = await openModelSource(config, all, { logger: deps.logger });
  try {
    // a trainer upstream has no server to probe: the trainer connects to the run's gateway once it runs
    if (!('trainer' in model)) results.push(...(await probeUpstream(probeOf(config, model, tasks[0]?.instance_id), deps.signal)).checks);
  } finally {
    await model.close();
  }
  return results;
}
