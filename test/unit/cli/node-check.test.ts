// The Node.js floor: written once (package.json engines.node), at least what every dependency declares, compared
// numerically, and turned into a ConfigError with the fix.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLOOR, nodeAtLeast, nodeVersionError } from '../../../src/cli/node-check.js';
import { ConfigError, EXIT_CODES } from '../../../src/errors.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { engines?: { node?: string }; dependencies?: Record<string, string> };

/** True when `floor` satisfies `range` in the forms dependencies use (">=X", "^X.Y.Z", joined by "||"); throws on others. */
function floorSatisfies(range: string, floor: string): boolean {
  return range.split('||').some((alt) => {
    const a = alt.trim();
    const ge = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(a);
    if (ge) return nodeAtLeast(floor, ge[1]!);
    const caret = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(a);
    if (caret) return floor.split('.')[0] === caret[1] && nodeAtLeast(floor, `${caret[1]}.${caret[2]}.${caret[3]}`);
    throw new Error(`cannot read the engines.node range "${range}": check it by hand and extend this test`);
  });
}

describe('Node.js floor', () => {
  it('is package.json engines.node', () => {
    expect(`>=${NODE_FLOOR}`).toBe(readJson(path.join(REPO_ROOT, 'package.json')).engines?.node);
  });

  it('meets the engines.node of every runtime dependency', () => {
    const deps = Object.keys(readJson(path.join(REPO_ROOT, 'package.json')).dependencies ?? {});
    expect(deps.length).toBeGreaterThan(0);
    for (const dep of deps) {
      const range = readJson(path.join(REPO_ROOT, 'node_modules', dep, 'package.json')).engines?.node;
      if (range) expect(floorSatisfies(range, NODE_FLOOR), `${dep} needs node ${range}`).toBe(true);
    }
  });

  it('compares versions numerically', () => {
    expect(nodeAtLeast('v20.18.1', '20.18.1')).toBe(true);
    expect(nodeAtLeast('v20.9.0', '20.18.1')).toBe(false); // 9 < 18, though "9" > "1" as text
    expect(nodeAtLeast('v20.18.0', '20.18.1')).toBe(false);
    expect(nodeAtLeast('v22.0.0', '20.18.1')).toBe(true);
    expect(nodeAtLeast('v20.19.0-nightly2025', '20.18.1')).toBe(true);
    expect(nodeAtLeast(process.version, NODE_FLOOR)).toBe(true);
  });

  it('an older Node.js is a ConfigError naming both versions and the fix; a recent one is fine', () => {
    const err = nodeVersionError('v20.5.0', '20.18.1');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toBe('swebench needs Node.js ≥ 20.18.1 (this is v20.5.0): install a newer Node.js');
    expect(err!.exitCode).toBe(EXIT_CODES.config);
    expect(err!.code).toBe('E_NODE_VERSION');
    expect(nodeVersionError('v22.11.0', '20.18.1')).toBeNull();
    expect(nodeVersionError()).toBeNull();
  });
});
