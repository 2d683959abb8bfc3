// The host's node binary, copied next to code that runs inside task containers (harness bundles, the sealed
// network's forwarder): task images are not guaranteed to have node, and the copy pins the version we tested.
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Copies `process.execPath` to `<binDir>/node` (executable) and returns that path. */
export async function copyNodeBinary(binDir: string): Promise<string> {
  const dest = path.join(binDir, 'node');
  await mkdir(binDir, { recursive: true });
  await copyFile(process.execPath, dest);
  await chmod(dest, 0o755);
  return dest;
}
