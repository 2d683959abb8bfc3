// bin/swebench on a Node.js older than the floor: it stops before loading the CLI, with the versions and the fix on
// stderr and the config exit code. The old Node is this one with process.version rewritten by an --import preload.
import { execa } from 'execa';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_FLOOR } from '../../src/cli/node-check.js';
import { EXIT_CODES } from '../../src/errors.js';
import { assertBuilt } from '../helpers/built.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
const pretend = (version: string) => `data:text/javascript,Object.defineProperty(process,"version",{value:"${version}"})`;

beforeAll(assertBuilt);

describe('bin/swebench Node.js version check', () => {
  it('v20.5.0: exit 2, "needs Node.js ≥ floor (this is v20.5.0)", nothing on stdout', async () => {
    const r = await execa('node', ['--import', pretend('v20.5.0'), BIN, 'tasks', 'list'], { reject: false });
    expect(r.exitCode).toBe(EXIT_CODES.config);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: swebench needs Node.js ≥ ${NODE_FLOOR} (this is v20.5.0): install a newer Node.js\n` +
        'hint: Install the current LTS from https://nodejs.org (or `nvm install --lts`), then run swebench again.',
    );
  });

  it('at the floor it runs the CLI', async () => {
    const r = await execa('node', ['--import', pretend(`v${NODE_FLOOR}`), BIN, '--version'], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
