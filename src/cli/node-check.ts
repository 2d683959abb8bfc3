// The Node.js version floor, checked before the CLI loads anything else: on an older Node the CLI's imports
// (crypto.hash, Dirent.parentPath: 20.12; undici 7: 20.18.1) fail while linking, with an error that names no fix.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** The lowest Node.js version swebench runs on: package.json's `engines.node` (">=X.Y.Z"), the one place it is written. */
export const NODE_FLOOR: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error(`package.json: engines.node must read ">=X.Y.Z", got ${JSON.stringify(pkg.engines?.node)}`);
  return m[1]!;
})();

const parts = (v: string) => v.replace(/^v/, '').split(/[.-]/, 3).map(Number);

/** True when `version` (e.g. "v20.5.0") is at least `floor` ("20.18.1"). */
export function nodeAtLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The error to stop with when this Node.js is older than the floor, else null. */
export function nodeVersionError(version: string = process.version, floor: string = NODE_FLOOR): ConfigError | null {
  if (nodeAtLeast(version, floor)) return null;
  return new ConfigError(`swebench needs Node.js ≥ ${floor} (this is ${version}): install a newer Node.js`, {
    code: 'E_NODE_VERSION',
    hint: 'Install the current LTS from https://nodejs.org (or `nvm install --lts`), then run swebench again.',
  });
}
