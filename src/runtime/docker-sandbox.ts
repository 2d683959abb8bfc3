// A running container seen through the Sandbox seam: exec, file copy in and out, removal.
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { SwebenchError, EXIT_CODES } from '../errors.js';
import { engineMessage, statusOf } from './docker-host.js';
import { runExec } from './exec.js';
import { packFile, unpack } from './tar.js';
import type { ExecOptions, ExecResult, Sandbox } from './types.js';

/** Wraps a Docker call so engine failures surface as typed errors (supplied by the runtime). */
export type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** Thrown by `getFile` when the path does not exist (or is not a regular file) in the container: a sandbox failure, not a bug. */
export class SandboxFileError extends SwebenchError {
  constructor(message: string, readonly containerPath: string) {
    super(message, { code: 'E_SANDBOX_FILE', exitCode: EXIT_CODES.docker });
  }
}

const MAX_SYMLINK_HOPS = 8;

function absolute(p: string): string {
  if (!path.posix.isAbsolute(p)) throw new TypeError(`container path must be absolute, got "${p}"`);
  return path.posix.normalize(p);
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

// A 404 from the archive endpoints means "no such path" unless the engine says the container is gone.
const missingPath = (err: unknown) => statusOf(err) === 404 && !/no such container/i.test(engineMessage(err));

/** The docker-backed Sandbox. Created by `DockerRuntime.create`. */
export class DockerSandbox implements Sandbox {
  private removed = false;
  constructor(
    private readonly container: Dockerode.Container,
    readonly id: string,
    readonly name: string,
    private readonly guard: Guard,
    private readonly user: string,
  ) {}

  exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.guard(`exec in ${this.name}`, () => runExec(this.container, cmd, { ...opts, defaultUser: this.user }));
  }

  async putFile(containerPath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const target = absolute(containerPath);
    const dir = path.posix.dirname(target);
    const archive = packFile(path.posix.basename(target), Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), mode);
    await this.guard(`copy ${target} into ${this.name}`, async () => {
      try {
        await this.container.putArchive(archive, { path: dir });
      } catch (err) {
        if (!missingPath(err)) throw err;
        const mk = await runExec(this.container, ['mkdir', '-p', '--', dir], { user: '0' });
        if (mk.exitCode !== 0) throw new SandboxFileError(`cannot create ${dir} in ${this.name}: ${mk.output.trim()}`, target);
        await this.container.putArchive(archive, { path: dir });
      }
    });
  }

  async getFile(containerPath: string): Promise<Buffer> {
    let target = absolute(containerPath);
    for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
      const entry = await this.guard(`copy ${target} out of ${this.name}`, async () => {
        try {
          return unpack(await collect((await this.container.getArchive({ path: target })) as Readable))[0];
        } catch (err) {
          if (missingPath(err)) throw new SandboxFileError(`no such file in container ${this.name}: ${target}`, target);
          throw err;
        }
      });
      if (entry?.type === 'file') return entry.data;
      if (entry?.type !== 'symlink') {
        throw new SandboxFileError(`not a regular file in container ${this.name}: ${target} (${entry?.type ?? 'empty archive'})`, target);
      }
      target = path.posix.resolve(path.posix.dirname(target), entry.linkName);
    }
    throw new SandboxFileError(`too many symlinks resolving ${containerPath} in container ${this.name}`, containerPath);
  }

  async running(): Promise<boolean> {
    if (this.removed) return false;
    return this.guard(`inspect ${this.name}`, async () => {
      try {
        const info = await this.container.inspect();
        return info.State.Running === true && info.State.Restarting !== true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw err;
      }
    });
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    await this.guard(`remove ${this.name}`, async () => {
      try {
        await this.container.remove({ force: true, v: true });
      } catch (err) {
        const gone = statusOf(err) === 404 || (statusOf(err) === 409 && /already in progress/i.test(engineMessage(err)));
        if (!gone) throw err;
      }
    });
    this.removed = true;
  }
}
