// What bin/swebench runs: the Node.js version check first, then the CLI. main.js is imported only after the check
// because its static imports would fail to link on a too-old Node before any of its code could say why.
import { nodeVersionError } from './node-check.js';

const tooOld = nodeVersionError();
if (tooOld) {
  process.stderr.write(`error: ${tooOld.message}\nhint: ${tooOld.hint}\n`);
  process.exitCode = tooOld.exitCode;
} else {
  await import('./main.js');
}
