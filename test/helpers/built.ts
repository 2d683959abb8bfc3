// The suites that spawn the built CLI (bin/swebench → dist/) test dist/, not src/: a missing or stale build would
// make them pass or fail on old code. One guard for all of them, called in beforeAll (or the Docker global setup).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './shared-data.js';

/** Source files (relative to src/) whose dist/ output is missing or older than they are. */
export function staleBuilds(root: string = REPO_ROOT): string[] {
  const src = path.join(root, 'src');
  const stale: string[] = [];
  for (const e of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
    const file = path.join(e.parentPath, e.name);
    const rel = path.relative(src, file);
    const built = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(file).mtimeMs > statSync(built).mtimeMs) stale.push(rel);
  }
  return stale.sort();
}

/** Throws unless every src/ file has a dist/ output at least as new as itself. */
export function assertBuilt(): void {
  const stale = staleBuilds();
  if (stale.length === 0) return;
  const shown = stale.slice(0, 5).map((f) => `src/${f}`).join(', ');
  throw new Error(`dist/ is missing or older than ${shown}${stale.length > 5 ? ` and ${stale.length - 5} more` : ''}: run \`npm run build\` first`);
}
