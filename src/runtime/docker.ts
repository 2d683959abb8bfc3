// The Docker Engine backend of the Runtime seam, on dockerode (local socket or remote DOCKER_HOST).
import { statfs } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { CancelledError, DockerUnavailableError, ImageNotFoundError, SwebenchError, throwIfAborted } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { engineMessage, isUnreachable, resolveDockerTarget, statusOf, unavailableError, type DockerTarget } from './docker-host.js';
import { DockerSandbox } from './docker-sandbox.js';
import { pullImage } from './pull.js';
import { LABELS, type PullProgress, type Runtime, type Sandbox, type SandboxSpec } from './types.js';

export interface DockerRuntimeOptions {
  /** `unix:///path`, `tcp://host:port`, `https://…`, `ssh://user@host`. @default $DOCKER_HOST, else the local socket */
  dockerHost?: string;
  /** @default silentLogger */
  logger?: Logger;
  /** How long `ping` waits for an answer before declaring the engine unreachable. @default 10000 */
  pingTimeoutMs?: number;
}

// The container's idle main process; work happens in execs. docker-init (Init) reaps orphans.
const IDLE_CMD = ['tail', '-f', '/dev/null'];

function safeNamePart(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[-.]+/, '').slice(0, 40);
}

/** Runtime backed by a Docker Engine. Every method checks (once) that the engine answers. */
export class DockerRuntime implements Runtime {
  readonly docker: Dockerode;
  private readonly target: DockerTarget | undefined;
  private readonly targetError: unknown;
  private readonly logger: Logger;
  private readonly pingTimeoutMs: number;
  private alive: Promise<void> | undefined;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 10_000;
    let target: DockerTarget | undefined;
    try {
      target = resolveDockerTarget(opts.dockerHost);
    } catch (err) {
      this.targetError = err;
    }
    this.target = target;
    this.docker = new Dockerode(target?.options ?? {});
  }

  /** The engine address in use, e.g. `unix:///var/run/docker.sock`. */
  get url(): string {
    return this.target?.url ?? '(invalid DOCKER_HOST)';
  }

  async ping(): Promise<void> {
    if (!this.target) throw this.targetError;
    const timeout = AbortSignal.timeout(this.pingTimeoutMs);
    try {
      // dockerode accepts { abortSignal } on ping; @types/dockerode does not declare it.
      await (this.docker.ping as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(this.docker, { abortSignal: timeout });
    } catch (err) {
      const why = timeout.aborted ? new Error(`no answer within ${this.pingTimeoutMs} ms`) : err;
      throw unavailableError(this.target, why);
    }
  }

  /** Pings once and remembers success; a failure is retried on the next call. */
  private ready(): Promise<void> {
    this.alive ??= this.ping().catch((err: unknown) => {
      this.alive = undefined;
      throw err;
    });
    return this.alive;
  }

  /** Runs a Docker call after the liveness check, turning engine failures into typed errors. */
  private readonly guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    await this.ready();
    try {
      return await fn();
    } catch (err) {
      throw this.translate(err, what);
    }
  };

  private translate(err: unknown, what: string): Error {
    if (err instanceof SwebenchError) return err;
    if ((err as Error | null)?.name === 'AbortError') return new CancelledError(`${what}: cancelled`);
    if (isUnreachable(err) && this.target) return unavailableError(this.target, err);
    return new DockerUnavailableError(`Docker engine failed to ${what}: ${engineMessage(err)}`, { cause: err });
  }

  async ensureImage(image: string, opts: { signal?: AbortSignal; onProgress?: (p: PullProgress) => void } = {}): Promise<void> {
    await this.ready();
    throwIfAborted(opts.signal);
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw this.translate(err, `inspect image ${image}`);
    }
    this.logger.info(`pulling ${image}`);
    try {
      await pullImage(this.docker, image, opts);
      await this.docker.getImage(image).inspect();
    } catch (err) {
      if (err instanceof SwebenchError) throw err;
      if (isUnreachable(err) && this.target) throw unavailableError(this.target, err);
      throw new ImageNotFoundError(image, { reason: engineMessage(err), cause: err });
    }
  }

  async imageSize(image: string): Promise<number | null> {
    return this.guard(`inspect image ${image}`, async () => {
      try {
        const info = (await this.docker.getImage(image).inspect()) as { Size?: number };
        return info.Size ?? 0;
      } catch (err) {
        if (statusOf(err) === 404) return null;
        throw err;
      }
    });
  }

  async dataRootFreeBytes(): Promise<number | null> {
    const info = (await this.guard('docker info', () => this.docker.info())) as { DockerRootDir?: string };
    try {
      const s = await statfs(info.DockerRootDir ?? '/var/lib/docker');
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  }

  async removeImage(image: string): Promise<void> {
    await this.guard(`remove image ${image}`, () => this.docker.getImage(image).remove({ noprune: false }));
  }

  async create(spec: SandboxSpec, opts: { signal?: AbortSignal } = {}): Promise<Sandbox> {
    await this.ready();
    throwIfAborted(opts.signal);
    const role = spec.labels?.[LABELS.role];
    const name = spec.name ?? `swebench-${role ? `${safeNamePart(role)}-` : ''}${randomBytes(4).toString('hex')}`;
    const user = spec.user ?? 'root';
    const container = await this.guard(`create container ${name} from ${spec.image}`, async () => {
      try {
        return await this.docker.createContainer({
          name,
          Image: spec.image,
          Entrypoint: [''],
          Cmd: IDLE_CMD,
          WorkingDir: spec.workdir,
          Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
          User: user,
          Labels: { ...spec.labels, [LABELS.managed]: '1' },
          HostConfig: {
            NetworkMode: spec.network ?? 'none',
            Init: true,
            NanoCpus: spec.limits?.cpus === undefined ? undefined : Math.round(spec.limits.cpus * 1e9),
            Memory: spec.limits?.memoryBytes,
            PidsLimit: spec.limits?.pids,
            Mounts: spec.mounts?.map((m) => ({ Type: 'bind' as const, Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly ?? true })),
          },
        });
      } catch (err) {
        if (statusOf(err) === 404 && /no such image/i.test(engineMessage(err))) {
          throw new ImageNotFoundError(spec.image, { reason: engineMessage(err), cause: err });
        }
        throw err;
      }
    });
    const sandbox = new DockerSandbox(container, container.id, name, this.guard, user);
    try {
      throwIfAborted(opts.signal);
      await this.guard(`start container ${name}`, () => container.start());
      throwIfAborted(opts.signal);
    } catch (err) {
      await sandbox.remove().catch(() => {});
      throw err;
    }
    this.logger.debug(`started ${name} from ${spec.image}`);
    return sandbox;
  }

  async cleanup(filter: { runId?: string } = {}): Promise<string[]> {
    const label = [`${LABELS.managed}=1`, ...(filter.runId ? [`${LABELS.runId}=${filter.runId}`] : [])];
    const found = await this.guard('list containers', () => this.docker.listContainers({ all: true, filters: { label } }));
    const names = await Promise.all(
      found.map(async (c) => {
        const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
        await this.guard(`remove ${name}`, async () => {
          try {
            await this.docker.getContainer(c.Id).remove({ force: true, v: true });
          } catch (err) {
            if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
          }
        });
        this.logger.debug(`removed ${name}`);
        return name;
      }),
    );
    return names.sort();
  }
}

/** The runtime the CLI and the pipeline use. */
export function createDockerRuntime(opts: DockerRuntimeOptions = {}): DockerRuntime {
  return new DockerRuntime(opts);
}
