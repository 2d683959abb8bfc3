// Vitest globalSetup of the Docker suites: builds the fixture dataset and its images once per run
// (content-cached, so usually a few seconds) and hands the dataset directory to the suites.
// No Docker engine: suites skip themselves, unless SWEBENCH_REQUIRE_DOCKER=1 (CI), which fails here.
import { execFile } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { buildFixtures } from '../fixtures/build-fixtures.mjs';
import { assertBuilt } from '../helpers/built.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory with the fixture tasks.jsonl and variants.json; null when no Docker engine answers. */
    fixturesDir: string | null;
  }
}

function dockerInfo(): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve(err ? { ok: false, detail: (stderr || err.message).trim() } : { ok: true, detail: stdout.trim() });
    });
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const docker = await dockerInfo();
  if (!docker.ok) {
    if (process.env.SWEBENCH_REQUIRE_DOCKER === '1') {
      throw new Error(`Docker is not reachable (${docker.detail}) and SWEBENCH_REQUIRE_DOCKER=1: start dockerd or set DOCKER_HOST`);
    }
    project.provide('fixturesDir', null);
    return;
  }
  assertBuilt(); // the submit, eval and report suites spawn bin/swebench
  const { outDir } = await buildFixtures({
    outDir: process.env.SWEBENCH_FIXTURES_DIR || undefined,
    log: (line) => process.stderr.write(`[fixtures] ${line}\n`),
  });
  process.env.SWEBENCH_FIXTURES_DIR = outDir;
  project.provide('fixturesDir', outDir);
}
