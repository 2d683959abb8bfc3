// Preflight of the machine side of a run: the Docker engine (version, storage driver, free space in its data root),
// the selected tasks' images (present, or pullable: a registry manifest check with no download, and their size when
// the registry says) and the harness bundles.
import { bundleStatus } from '../harness/bundle.js';
import type { Harness } from '../harness/types.js';
import type { DockerRuntime } from '../runtime/docker.js';
import { check, type CheckResult } from './types.js';

/** `81.3 GB` (decimal gigabytes, as Docker reports sizes). */
export const gb = (bytes: number, digits = 1): string => `${(bytes / 1e9).toFixed(digits)} GB`;

/** Engine reachable, its version and storage driver, and the free space where images go. */
export async function checkEngine(runtime: DockerRuntime): Promise<{ checks: CheckResult[]; ok: boolean }> {
  try {
    await runtime.ping();
  } catch (err) {
    const msg = (err as Error).message;
    return { ok: false, checks: [check('docker.engine', 'fail', msg.split('\n')[0]!, (err as { hint?: string }).hint ?? 'Start the Docker engine (dockerd), or point DOCKER_HOST at one.')] };
  }
  const info = (await runtime.docker.info()) as { ServerVersion?: string; Driver?: string; DockerRootDir?: string };
  const checks = [check('docker.engine', 'ok', `Docker ${info.ServerVersion ?? '?'} at ${runtime.url}, storage driver ${info.Driver ?? '?'}`)];
  const root = info.DockerRootDir ?? '/var/lib/docker';
  const free = await runtime.dataRootFreeBytes();
  checks.push(
    free === null
      ? check('docker.disk', 'skip', `cannot read the free space of ${root} from here (a remote engine, or no permission)`)
      : check('docker.disk', 'ok', `${gb(free)} free in the Docker data root ${root}`),
  );
  return { ok: true, checks };
}

/** A parsed image reference: the registry to ask, the repository and the tag or digest. */
export function parseImageRef(image: string): { registry: string; repository: string; reference: string } {
  const at = image.indexOf('@');
  const [name, digest] = at >= 0 ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  // the first component names a registry when it has a dot or a port, or is localhost (docker's rule)
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let repository = hasRegistry ? name.slice(slash + 1) : name;
  const colon = repository.lastIndexOf(':');
  let tag = 'latest';
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  if (!hasRegistry && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, reference: digest ?? tag };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** Loopback registries speak plain HTTP (Docker treats 127.0.0.0/8 as insecure by default). */
const schemeFor = (registry: string) => (/^(127\.|localhost(:|$)|\[::1\])/.test(registry) ? 'http' : 'https');

/** Whether the registry has the image, and its compressed size when the manifest says (no layer is downloaded). */
export async function registryLookup(image: string, timeoutMs = 15_000): Promise<{ found: boolean; bytes?: number; error?: string }> {
  const { registry, repository, reference } = parseImageRef(image);
  const base = `${schemeFor(registry)}://${registry}/v2/${repository}/manifests/`;
  let auth: string | undefined;
  const get = async (ref: string): Promise<Response> => {
    const headers: Record<string, string> = { accept: MANIFEST_TYPES, ...(auth ? { authorization: auth } : {}) };
    let res = await fetch(base + ref, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const challenge = res.headers.get('www-authenticate');
    if (res.status === 401 && !auth && challenge?.startsWith('Bearer ')) {
      // anonymous pull token (Docker Hub, ghcr.io, …): realm?service=…&scope=repository:<repo>:pull
      const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      const url = new URL(params.realm ?? '');
      if (params.service) url.searchParams.set('service', params.service);
      url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
      const token = (await (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).json()) as { token?: string; access_token?: string };
      auth = `Bearer ${token.token ?? token.access_token ?? ''}`;
      res = await fetch(base + ref, { headers: { ...headers, authorization: auth }, signal: AbortSignal.timeout(timeoutMs) });
    }
    return res;
  };
  try {
    const res = await get(reference);
    if (res.status === 404) return { found: false };
    if (res.status !== 200) return { found: false, error: `HTTP ${res.status} from ${registry}` };
    let manifest = (await res.json()) as { manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>; layers?: Array<{ size?: number }>; config?: { size?: number } };
    if (manifest.manifests) {
      const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
      const pick = manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
      if (!pick) return { found: true };
      manifest = (await (await get(pick.digest)).json()) as typeof manifest;
    }
    const bytes = (manifest.layers ?? []).reduce((n, l) => n + (l.size ?? 0), manifest.config?.size ?? 0);
    return { found: true, ...(bytes > 0 ? { bytes } : {}) };
  } catch (err) {
    return { found: false, error: `${registry}: ${((err as { cause?: Error }).cause ?? (err as Error)).message}` };
  }
}

/** Every distinct image: present locally, else pullable; the ones that are neither fail the check (a few named). */
export async function checkImages(runtime: DockerRuntime, images: readonly string[], concurrency = 8): Promise<CheckResult[]> {
  const distinct = [...new Set(images)];
  let local = 0;
  let pullable = 0;
  let pullBytes = 0;
  let sized = 0;
  const missing: string[] = [];
  const queue = [...distinct];
  const worker = async () => {
    for (let image = queue.shift(); image !== undefined; image = queue.shift()) {
      const present = await runtime.docker.getImage(image).inspect().then(() => true, () => false);
      if (present) {
        local++;
        continue;
      }
      const r = await registryLookup(image);
      if (!r.found) missing.push(r.error ? `${image} (${r.error})` : image);
      else {
        pullable++;
        if (r.bytes !== undefined) {
          pullBytes += r.bytes;
          sized++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, distinct.length) }, worker));
  const size = pullable === 0 ? '' : sized === pullable ? `, ${gb(pullBytes)} to pull` : sized > 0 ? `, ≥ ${gb(pullBytes)} to pull` : '';
  const summary = `${distinct.length} image(s): ${local} local, ${pullable} pullable${size}`;
  if (missing.length === 0) return [check('images', 'ok', summary)];
  const named = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
  return [check('images', 'fail', `${summary}, ${missing.length} neither local nor pullable: ${named}`, 'Build or pull them first, or point --image-template at a registry that has them (e.g. a local mirror).')];
}

/** Each harness's bundle is installed in the cache (else `submit` installs it from npm first). */
export function checkBundles(harnesses: readonly Harness[], versions: Record<string, string | undefined> = {}): CheckResult[] {
  return harnesses.map((h) => {
    const version = versions[h.name];
    const s = bundleStatus(h, version ? { version } : {});
    if (s.state === 'built-in') return check(`bundle.${h.name}`, 'ok', `${h.name}: no bundle needed`);
    if (s.state === 'installed') return check(`bundle.${h.name}`, 'ok', `${h.name} ${s.version} installed (${s.dir})`);
    const what = s.state === 'stale' ? `is stale (${s.reason ?? 'damaged'})` : 'is not installed yet';
    return check(`bundle.${h.name}`, 'warn', `${h.name} ${s.version} ${what}`, `submit installs it from npm before the first session; to do it now: swebench harness install ${h.name}`);
  });
}
