// Harness bundles (DESIGN.md decision 5): npm-install a harness package once on the host, keep only what runs,
// and hand the pipeline a directory to bind-mount read-only at /opt/swebench/harness. No node, no network and no
// per-task install inside the container.
//
// <cacheDir()>/harness/
//   <name>/<version>/
//     bundle/              what gets mounted; appears atomically (rename) once complete
//       .complete          JSON marker: package, version, spec hash, size, install time
//       bin/…              per the harness's BundleSpec (bin/node: the host's, or BundleSpec.node's)
//     .install-<rand>/     npm's install tree while installing (deleted after the cut)
//       runtime/           BundleSpec.node's node package, installed first
//     .bundle-<rand>/      the bundle being cut (renamed to bundle/)
//     .prepare-<rand>/     scratch HOME of the spec's prepare command (deleted after it)
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../config/paths.js';
import { ConfigError, throwIfAborted } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { copyNodeBinary } from '../runtime/node-binary.js';
import { installNodeRuntime } from './node-runtime.js';
import { HarnessInstallError, npmInstall } from './npm-install.js';
import type { BundlePrepare, BundleSpec, Harness } from './types.js';

/** What the pipeline mounts: the bundle directory (null for harnesses without a bundle, e.g. noop) and its version. */
export interface BundleRef {
  dir: string | null;
  version: string;
}

/** Which bundle: the version and the cache root (both defaulted, so tests can point elsewhere). */
export interface BundleOptions {
  /** Package version to use instead of the harness's pinned one. @default harness.version */
  version?: string;
  /** Root of the bundle cache. @default `<cacheDir()>/harness` */
  root?: string;
}

/** An install logs progress and can be cancelled. */
export interface EnsureBundleOptions extends BundleOptions {
  logger?: Logger;
  signal?: AbortSignal;
}

/** The `.complete` marker written into every finished bundle. */
export interface BundleMarker {
  schema_version: 1;
  harness: string;
  package: string;
  version: string;
  /** Hash of the BundleSpec the bundle was cut with; a different spec means the bundle is rebuilt. */
  spec_hash: string;
  installed_at: string;
  files: number;
  bytes: number;
}

/** What `harness list` shows for one harness. */
export interface BundleStatus {
  harness: string;
  package: string;
  /** The version asked about (pinned unless overridden). */
  version: string;
  protocol: Harness['protocol'];
  /** `built-in`: the harness needs no bundle; `stale`: cut with another BundleSpec or damaged (reinstalled on use). */
  state: 'installed' | 'missing' | 'stale' | 'built-in';
  /** Bundle directory of `version` (whether or not it exists); null for built-in harnesses. */
  dir: string | null;
  bytes: number | null;
  installed_at: string | null;
  /** Every version with a complete bundle in the cache. */
  installed_versions: string[];
  /** Why the bundle is stale. */
  reason?: string;
}

const MARKER = '.complete';
const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** Leftover temp dirs older than this are from crashed installs and get removed. */
const STALE_TEMP_MS = 6 * 3600_000;

const inflight = new Map<string, Promise<BundleRef>>();

/** The default bundle cache root. */
export function harnessCacheRoot(): string {
  return path.join(cacheDir(), 'harness');
}

/** `<root>/<name>/<version>/bundle`, after checking that the version is an exact npm version. */
export function bundleDirFor(harness: Harness, opts: BundleOptions = {}): string {
  const version = checkVersion(harness, opts.version ?? harness.version);
  return path.join(opts.root ?? harnessCacheRoot(), harness.name, version, 'bundle');
}

function checkVersion(harness: Harness, version: string): string {
  if (!VERSION_RE.test(version)) {
    throw new ConfigError(`"${version}" is not an exact version of ${harness.package}`, {
      source: '--version',
      hint: `Pass an exact version such as ${harness.version} (\`npm view ${harness.package} versions\` lists them); tags like "latest" are not cached.`,
    });
  }
  return version;
}

/** Hash of the spec a bundle is cut with (so changing a preset's BundleSpec rebuilds old bundles). */
export function specHash(spec: BundleSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** The marker of a complete bundle matching the harness's current spec, or why there is none. */
function inspect(harness: Harness, dir: string): { marker: BundleMarker } | { missing: true } | { stale: string } {
  const spec = harness.bundle!;
  let marker: BundleMarker;
  try {
    marker = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as BundleMarker;
  } catch {
    return existsSync(dir) ? { stale: 'no readable .complete marker' } : { missing: true };
  }
  if (marker.spec_hash !== specHash(spec)) return { stale: 'cut with a different bundle layout' };
  try {
    if ((statSync(path.join(dir, spec.entry)).mode & 0o111) === 0) return { stale: `${spec.entry} is not executable` };
  } catch {
    return { stale: `${spec.entry} is missing` };
  }
  return { marker };
}

/** Install state of a harness's bundle (synchronous: a few stats). */
export function bundleStatus(harness: Harness, opts: BundleOptions = {}): BundleStatus {
  const version = opts.version ?? harness.version;
  const base = { harness: harness.name, package: harness.package, version, protocol: harness.protocol };
  if (!harness.bundle) {
    return { ...base, state: 'built-in', dir: null, bytes: null, installed_at: null, installed_versions: [] };
  }
  const root = path.join(opts.root ?? harnessCacheRoot(), harness.name);
  const dir = bundleDirFor(harness, { ...opts, version });
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => VERSION_RE.test(v) && 'marker' in inspect(harness, path.join(root, v, 'bundle')));
  } catch {
    // no cache yet
  }
  const state = inspect(harness, dir);
  if ('marker' in state) {
    return { ...base, state: 'installed', dir, bytes: state.marker.bytes, installed_at: state.marker.installed_at, installed_versions: versions };
  }
  const out: BundleStatus = { ...base, state: 'missing' in state ? 'missing' : 'stale', dir, bytes: null, installed_at: null, installed_versions: versions };
  if ('stale' in state) out.reason = state.stale;
  return out;
}

/**
 * Returns the harness's bundle, installing it first when missing or stale. Concurrent calls for the same bundle
 * share one install; concurrent processes each install and the first rename wins.
 */
export function ensureBundle(harness: Harness, opts: EnsureBundleOptions = {}): Promise<BundleRef> {
  const version = opts.version ?? harness.version;
  if (!harness.bundle) return Promise.resolve({ dir: null, version });
  const dir = bundleDirFor(harness, { ...opts, version });
  if ('marker' in inspect(harness, dir)) return Promise.resolve({ dir, version });
  let pending = inflight.get(dir);
  if (!pending) {
    pending = install(harness, version, dir, opts).finally(() => inflight.delete(dir));
    inflight.set(dir, pending);
  }
  return pending;
}

async function install(harness: Harness, version: string, dir: string, opts: EnsureBundleOptions): Promise<BundleRef> {
  const logger = opts.logger ?? silentLogger;
  const spec = harness.bundle!;
  const versionDir = path.dirname(dir);
  await mkdir(versionDir, { recursive: true });
  await sweepTemps(versionDir);
  const tag = randomBytes(4).toString('hex');
  const prefix = path.join(versionDir, `.install-${tag}`);
  const cut = path.join(versionDir, `.bundle-${tag}`);
  const scratch = path.join(versionDir, `.prepare-${tag}`);
  const started = Date.now();
  logger.info(`installing ${harness.package}@${version} for harness ${harness.name} (npm, one time; cached in ${versionDir})`);
  try {
    const node = spec.node ? await installNodeRuntime(path.join(prefix, 'runtime'), spec.node.version, { logger, signal: opts.signal }) : undefined;
    await npmInstall(prefix, [`${harness.package}@${version}`], {
      scripts: spec.installScripts ?? false,
      ...(node ? { nodeBinDir: path.dirname(node) } : {}),
      logger,
      signal: opts.signal,
    });
    if (spec.extraPackages?.length) {
      await npmInstall(path.join(prefix, 'extra'), spec.extraPackages, { omitOptional: true, logger, signal: opts.signal });
    }
    throwIfAborted(opts.signal);
    await cutBundle(spec, prefix, cut, node);
    if (spec.prepare) {
      logger.info(`preparing the ${harness.name} bundle: ${spec.prepare.command.join(' ')}`);
      await prepareBundle(spec.prepare, { bundle: cut, scratch, version }, opts.signal);
    }
    const totals = await sizeOf(cut);
    const marker: BundleMarker = {
      schema_version: 1,
      harness: harness.name,
      package: harness.package,
      version,
      spec_hash: specHash(spec),
      installed_at: new Date().toISOString(),
      ...totals,
    };
    await writeFile(path.join(cut, MARKER), JSON.stringify(marker, null, 2) + '\n');
    await publish(harness, cut, dir);
    logger.info(`harness ${harness.name} ${version} ready: ${(totals.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
    return { dir, version };
  } finally {
    await rm(prefix, { recursive: true, force: true });
    await rm(cut, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
    await rmdir(versionDir).catch(() => {}); // only succeeds when the install failed and left nothing
  }
}

/** Renames the finished cut into place; an existing complete bundle (another process won) is kept. */
async function publish(harness: Harness, cut: string, dir: string): Promise<void> {
  const current = inspect(harness, dir);
  if ('marker' in current) return;
  if ('stale' in current) {
    const aside = `${path.dirname(dir)}/.stale-${randomBytes(4).toString('hex')}`;
    await rename(dir, aside).catch(() => {});
    await rm(aside, { recursive: true, force: true });
  }
  try {
    await rename(cut, dir);
  } catch (err) {
    if ('marker' in inspect(harness, dir)) return; // a concurrent install finished first
    throw new HarnessInstallError(`cannot move the bundle into ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** Moves (or, through symlinks, copies) every `copy` entry from the install tree into the bundle, writes its `files`, and adds its node. */
async function cutBundle(spec: BundleSpec, prefix: string, cut: string, node: string | undefined): Promise<void> {
  await mkdir(cut, { recursive: true });
  for (const entry of spec.copy) {
    const candidates = [entry.from, ...(entry.alternatives ?? [])];
    const from = candidates.map((c) => path.join(prefix, c)).find((p) => existsSync(p));
    if (!from) {
      throw new HarnessInstallError(`the installed package has none of ${candidates.join(', ')}`, {
        hint: 'This version of the package may be laid out differently, or not ship a build for this platform; try the pinned version.',
      });
    }
    const to = path.join(cut, entry.to);
    await moveTree(from, to);
    if (entry.mode !== undefined) await chmod(to, entry.mode);
  }
  for (const f of spec.files ?? []) {
    await mkdir(path.dirname(path.join(cut, f.to)), { recursive: true });
    await writeFile(path.join(cut, f.to), f.content);
  }
  if (node) await moveTree(node, path.join(cut, 'bin', 'node'));
  else if (spec.needsNode) await copyNodeBinary(path.join(cut, 'bin'));
  if (!existsSync(path.join(cut, spec.entry))) throw new HarnessInstallError(`the cut bundle has no entry point ${spec.entry}`);
}

/** Runs the spec's prepare command on the cut bundle and moves what it kept from the scratch dir into it. */
async function prepareBundle(prep: BundlePrepare, vars: { bundle: string; scratch: string; version: string }, signal: AbortSignal | undefined): Promise<void> {
  const sub = (s: string) => s.replace(/\{(bundle|scratch|version)\}/g, (_, k: keyof typeof vars) => vars[k]);
  await mkdir(vars.scratch, { recursive: true });
  const [file, ...args] = prep.command.map(sub);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: vars.scratch, ...Object.fromEntries(Object.entries(prep.env ?? {}).map(([k, v]) => [k, sub(v)])) };
  const r = await execa(file!, args, {
    cwd: vars.scratch,
    env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    reject: false,
    timeout: prep.timeoutMs ?? 120_000,
    cancelSignal: signal,
    forceKillAfterDelay: 2000,
  });
  throwIfAborted(signal);
  if (r.exitCode !== 0) {
    const why = r.timedOut ? `timed out after ${(prep.timeoutMs ?? 120_000) / 1000} s` : `exited ${r.exitCode ?? r.signal}`;
    throw new HarnessInstallError(`preparing the bundle failed: ${prep.command.join(' ')} ${why}:\n${String(r.all ?? '').slice(-2000)}`);
  }
  for (const k of prep.keep) {
    const from = path.join(vars.scratch, sub(k.from));
    if (!existsSync(from)) {
      throw new HarnessInstallError(`preparing the bundle produced no ${sub(k.from)} (ran ${prep.command.join(' ')})`, {
        hint: 'This version of the CLI may unpack elsewhere; try the pinned version.',
      });
    }
    await moveTree(from, path.join(vars.bundle, sub(k.to)));
  }
}

/**
 * Moves a tree file by file (same filesystem, so instant), replacing symlinks by copies of their targets. Links are
 * resolved before anything moves: a link into the same tree (`node_modules/.bin/pi` → `../pkg/dist/cli.js`) would
 * dangle once its target had gone.
 */
async function moveTree(src: string, dst: string): Promise<void> {
  await materializeLinks(src);
  await moveFiles(src, dst);
}

async function materializeLinks(p: string): Promise<void> {
  const st = await lstat(p);
  if (st.isSymbolicLink()) {
    const copy = `${p}.swebench-link`;
    await cp(await realpath(p), copy, { recursive: true, dereference: true });
    await rm(p);
    await rename(copy, p);
  } else if (st.isDirectory()) {
    for (const name of await readdir(p)) await materializeLinks(path.join(p, name));
  }
}

async function moveFiles(src: string, dst: string): Promise<void> {
  const st = await lstat(src);
  if (st.isDirectory()) {
    await mkdir(dst, { recursive: true });
    for (const name of await readdir(src)) await moveFiles(path.join(src, name), path.join(dst, name));
  } else if (st.isFile()) {
    await mkdir(path.dirname(dst), { recursive: true });
    await rename(src, dst);
  }
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return { files, bytes };
}

/** Removes temp dirs that crashed installs left behind (old enough not to belong to a running install). */
async function sweepTemps(versionDir: string): Promise<void> {
  for (const name of await readdir(versionDir)) {
    if (!/^\.(install|bundle|prepare|stale)-/.test(name)) continue;
    const p = path.join(versionDir, name);
    const age = Date.now() - (await stat(p).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (name.startsWith('.stale-') || age > STALE_TEMP_MS) await rm(p, { recursive: true, force: true });
  }
}
