// The container runtime seam: the pipeline and the evaluator talk to a Sandbox, never to dockerode.

export interface ResourceLimits {
  /** Number of CPUs (fractional allowed), e.g. 2 or 0.5. */
  cpus?: number;
  /** Memory limit in bytes. */
  memoryBytes?: number;
  /** Maximum number of processes. */
  pids?: number;
}

export interface SandboxSpec {
  image: string;
  /** Working directory for the container and the default for exec. @default image WORKDIR */
  workdir?: string;
  env?: Record<string, string>;
  /** `none` (default: the container's own loopback only) or `host`. Containers never get a bridge network. */
  network?: 'host' | 'none';
  limits?: ResourceLimits;
  /** Labels added to the container (run id, instance id, …) in addition to `swebench.managed=1`. */
  labels?: Record<string, string>;
  /** Read-only (default) or read-write bind mounts: host path → container path. */
  mounts?: Array<{ hostPath: string; containerPath: string; readOnly?: boolean }>;
  /** Container name; a unique one is generated when absent. */
  name?: string;
  /** User to run as. @default 'root' */
  user?: string;
}

export interface ExecOptions {
  workdir?: string;
  env?: Record<string, string>;
  user?: string;
  /** Kill the exec'd process tree after this many milliseconds and resolve with `timedOut: true`, exit code 124. */
  timeoutMs?: number;
  /** Kill the exec'd process tree when aborted; the exec rejects with CancelledError. */
  signal?: AbortSignal;
  /** Called with each chunk of combined stdout+stderr, in arrival order. */
  onOutput?: (chunk: string) => void;
  /** Data written to the process's stdin, then stdin is closed. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  exitCode: number;
  /** stdout and stderr merged in arrival order. */
  output: string;
  timedOut: boolean;
  durationMs: number;
}

/** One running container. */
export interface Sandbox {
  readonly id: string;
  readonly name: string;
  /** Runs `argv` (or `bash -c cmd` when given a string) inside the container; stderr is merged into stdout. */
  exec(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
  putFile(containerPath: string, content: string | Buffer, mode?: number): Promise<void>;
  getFile(containerPath: string): Promise<Buffer>;
  /** True while the container is running (false once it stopped, was killed, or is gone). */
  running(): Promise<boolean>;
  /** Stops and removes the container; safe to call twice. */
  remove(): Promise<void>;
}

export interface PullProgress {
  image: string;
  status: string;
  /** 0..1 when known. */
  fraction?: number;
}

/** Creates sandboxes. The docker backend is the one implementation today. */
export interface Runtime {
  /** Fails with DockerUnavailableError when no engine answers. */
  ping(): Promise<void>;
  /** Pulls the image when missing; no-op when present. */
  ensureImage(image: string, opts?: { signal?: AbortSignal; onProgress?: (p: PullProgress) => void }): Promise<void>;
  /** The image's size in bytes as the engine reports it, or null when it is not present. */
  imageSize(image: string): Promise<number | null>;
  /** Removes the image (not forced: an image a container still uses stays, with an error). */
  removeImage(image: string): Promise<void>;
  /** Free bytes where the engine keeps images, or null when that cannot be read from here (a remote engine). */
  dataRootFreeBytes(): Promise<number | null>;
  create(spec: SandboxSpec, opts?: { signal?: AbortSignal }): Promise<Sandbox>;
  /** Removes every container carrying the managed label (and the run id label when given). Returns their names. */
  cleanup(filter?: { runId?: string }): Promise<string[]>;
}

/** Label keys put on everything the runtime creates. */
export const LABELS = {
  managed: 'swebench.managed',
  runId: 'swebench.run_id',
  instanceId: 'swebench.instance_id',
  sessionId: 'swebench.session_id',
  role: 'swebench.role',
} as const;
