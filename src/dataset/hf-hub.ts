// Downloads a HuggingFace dataset split as Parquet (the hub's auto-converted files) into the cache, once, atomically.
//
// Layout used (the hub's documented API, as the `datasets` viewer and hub clients use it):
//   GET {endpoint}/api/datasets/{name}/parquet      → {"<config>": {"<split>": ["<url of shard 0>", …]}}
//   GET {endpoint}/api/datasets/{name}/parquet/{config}/{split}/{n}.parquet
//       → 302 to {endpoint}/datasets/{name}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet
// Cache: {cacheDir}/hf/{owner}/{name}/{split}/{nnnn}.parquet + manifest.json (written last; its presence means complete).
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { z } from 'zod';
import { CancelledError, ConfigError, NetworkError, throwIfAborted } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';

/** The hub every client talks to unless `HF_ENDPOINT` names a mirror. */
export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

/** Download progress of one file; `total` is absent when the server sends no length. */
export interface DownloadProgress {
  file: string;
  bytes: number;
  total?: number;
}

export interface HfDownloadOptions {
  split: string;
  /** Cache root; files land in `{cacheDir}/hf/{dataset}/{split}/`. */
  cacheDir: string;
  /** @default DEFAULT_HF_ENDPOINT */
  endpoint?: string;
  /** Bearer token for gated datasets; sent only to the endpoint's own origin. */
  token?: string;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (p: DownloadProgress) => void;
}

/** `owner/name` (the only shape of a hub dataset id we accept, so that typos in file paths are not sent to the network). */
export function isHfDatasetName(source: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(source);
}

const listingSchema = z.record(z.string(), z.record(z.string(), z.array(z.string())));
const manifestSchema = z.object({
  dataset: z.string(),
  split: z.string(),
  config: z.string(),
  files: z.array(z.object({ name: z.string(), url: z.string(), bytes: z.number() })),
});
type Manifest = z.infer<typeof manifestSchema>;

const DOWNLOAD_HINT = 'Check the network and HF_ENDPOINT (and HF_TOKEN for gated datasets), or pass a local .parquet/.jsonl file with --dataset.';

function downloadError(dataset: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(message, { source: `HuggingFace dataset ${dataset}`, hint: DOWNLOAD_HINT, code: 'E_DATASET_DOWNLOAD', cause });
}

/** The hub (or the host it redirects to) failed us: unreachable, cut off, 5xx, rate-limited. Same code, other exit code. */
function hubDown(dataset: string, message: string, cause?: unknown): NetworkError {
  return new NetworkError(`HuggingFace dataset ${dataset}: ${message}`, {
    hint: 'The HuggingFace hub (or HF_ENDPOINT) did not answer properly: retry later, or pass a local .parquet/.jsonl file with --dataset.',
    code: 'E_DATASET_DOWNLOAD',
    cause,
  });
}

/** 5xx and 429 are the server's trouble (an outage, a rate limit), not a bad dataset name. */
const serverSide = (status: number): boolean => status >= 500 || status === 429;

/** Returns the local Parquet files of `dataset`'s split, downloading them on first use and reusing the cache afterwards. */
export async function downloadHfSplit(dataset: string, opts: HfDownloadOptions): Promise<string[]> {
  const logger = opts.logger ?? silentLogger;
  const dir = path.join(opts.cacheDir, 'hf', ...dataset.split('/'), opts.split);
  const cached = await readCompleteManifest(dir);
  if (cached) {
    logger.debug(`using cached ${dataset} [${opts.split}] from ${dir} (delete it to download again)`);
    return cached.files.map((f) => path.join(dir, f.name));
  }
  const endpoint = (opts.endpoint ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const http = { endpoint, token: opts.token, signal: opts.signal, dataset };
  const listing = await fetchListing(http);
  const config = pickConfig(dataset, listing);
  const urls = listing[config]?.[opts.split];
  if (!urls || urls.length === 0) {
    const available = Object.keys(listing[config] ?? {}).join(', ') || 'none';
    throw new ConfigError(`split "${opts.split}" not found in HuggingFace dataset ${dataset} (available: ${available})`, {
      source: '--split',
      hint: `Pass one of the available splits with --split.`,
    });
  }
  await mkdir(dir, { recursive: true });
  logger.info(`downloading ${dataset} [${opts.split}] (${urls.length} Parquet file(s)) into ${dir}`);
  const files: Manifest['files'] = [];
  for (const [i, url] of urls.entries()) {
    const name = `${String(i).padStart(4, '0')}.parquet`;
    const bytes = await downloadFile(url, path.join(dir, name), name, http, opts.onProgress);
    files.push({ name, url, bytes });
  }
  const manifest: Manifest = { dataset, split: opts.split, config, files };
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return files.map((f) => path.join(dir, f.name));
}

interface HttpContext {
  endpoint: string;
  token?: string;
  signal?: AbortSignal;
  dataset: string;
}

async function readCompleteManifest(dir: string): Promise<Manifest | undefined> {
  let parsed: Manifest;
  try {
    parsed = manifestSchema.parse(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
  } catch {
    return undefined;
  }
  for (const f of parsed.files) {
    const size = await stat(path.join(dir, f.name)).then((s) => s.size, () => -1);
    if (size !== f.bytes) return undefined;
  }
  return parsed;
}

async function fetchListing(http: HttpContext): Promise<z.infer<typeof listingSchema>> {
  const url = `${http.endpoint}/api/datasets/${http.dataset}/parquet`;
  const res = await fetchFollowing(url, http);
  if (res.status === 404) {
    await res.body?.cancel();
    throw new ConfigError(`HuggingFace dataset not found: ${http.dataset} (${url} answered 404)`, {
      hint: 'Check the dataset name (e.g. SWE-bench/SWE-bench_Verified), or pass a local .json/.jsonl/.parquet file.',
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (serverSide(res.status)) throw hubDown(http.dataset, `listing ${url} failed with HTTP ${res.status}`);
    const gated = res.status === 401 || res.status === 403 ? ' (gated or private: set HF_TOKEN)' : '';
    throw downloadError(http.dataset, `listing ${url} failed with HTTP ${res.status}${gated}`);
  }
  const body: unknown = await res.json().catch((err: unknown) => {
    throw downloadError(http.dataset, `listing ${url} did not return JSON`, err);
  });
  const parsed = listingSchema.safeParse(body);
  if (!parsed.success) throw downloadError(http.dataset, `listing ${url} returned an unexpected shape (expected {config: {split: [urls]}})`);
  return parsed.data;
}

// Datasets without named configs are published under "default"; otherwise a single config is unambiguous.
function pickConfig(dataset: string, listing: Record<string, unknown>): string {
  const configs = Object.keys(listing);
  if (configs.includes('default')) return 'default';
  if (configs.length === 1) return configs[0]!;
  throw new ConfigError(`HuggingFace dataset ${dataset} has ${configs.length} configs (${configs.join(', ') || 'none'}) and none is "default"`, {
    hint: 'Download the config you want as Parquet and pass the file with --dataset.',
  });
}

/** GET with redirects followed by hand, so the token never leaves the endpoint's origin (the hub redirects to a CDN). */
async function fetchFollowing(url: string, http: HttpContext): Promise<Response> {
  const origin = new URL(http.endpoint).origin;
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    throwIfAborted(http.signal);
    const headers: Record<string, string> = { 'user-agent': 'swebench-cli' };
    if (http.token && new URL(current).origin === origin) headers.authorization = `Bearer ${http.token}`;
    let res: Response;
    try {
      res = await fetch(current, { headers, redirect: 'manual', signal: http.signal });
    } catch (err) {
      if (http.signal?.aborted) throw new CancelledError();
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw hubDown(http.dataset, `could not reach ${current} (${cause})`, err);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return res;
  }
  throw downloadError(http.dataset, `too many redirects from ${url}`);
}

async function downloadFile(
  url: string,
  dest: string,
  name: string,
  http: HttpContext,
  onProgress?: (p: DownloadProgress) => void,
): Promise<number> {
  const res = await fetchFollowing(url, http);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    if (serverSide(res.status)) throw hubDown(http.dataset, `downloading ${url} failed with HTTP ${res.status}`);
    throw downloadError(http.dataset, `downloading ${url} failed with HTTP ${res.status}`);
  }
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  try {
    onProgress?.({ file: name, bytes, total });
    for await (const chunk of res.body) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      onProgress?.({ file: name, bytes, total });
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (total !== undefined && bytes !== total) throw new Error(`received ${bytes} of ${total} bytes`);
    // Proxies and rate limiters answer 200 with an HTML page: the host's trouble, like a cut-off body.
    if (!(await hasParquetMagic(tmp))) throw new Error('the response is not a Parquet file');
    await rename(tmp, dest);
    return bytes;
  } catch (err) {
    // the file may still be opening (the open is asynchronous): wait for the stream to close, then remove it
    await new Promise<void>((resolve) => {
      if (out.closed) resolve();
      else out.once('close', () => resolve()).destroy();
    });
    await rm(tmp, { force: true });
    if (http.signal?.aborted) throw new CancelledError();
    if (err instanceof ConfigError || err instanceof NetworkError) throw err;
    const message = `downloading ${url} failed (${(err as Error).message})`;
    // the cache file could not be written (a full disk, no permission): ours to fix, not the hub's
    if (typeof (err as NodeJS.ErrnoException).syscall === 'string') throw downloadError(http.dataset, message, err);
    // a body cut short, a reset mid-stream, an HTML page instead of Parquet: the host failed, the input was fine
    throw hubDown(http.dataset, message, err);
  }
}

// Proxies and rate limiters answer 200 with an HTML page; never cache that as a dataset file.
async function hasParquetMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) return false;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 4, size - 4);
    return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1';
  } finally {
    await handle.close();
  }
}


