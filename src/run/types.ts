// The run module's shared types, in one place below every other file of src/run (no import cycles): what a session
// is planned as, what every session of a run shares, and what a caller hears while a run goes on.
import type { SubmitConfig } from '../config/submit-schema.js';
import type { Task } from '../dataset/types.js';
import type { RepoSpecTable } from '../eval/eval-script.js';
import type { GatewayHandle } from '../gateway/start.js';
import type { Harness } from '../harness/types.js';
import type { RunReport } from '../report/types.js';
import type { Runtime } from '../runtime/types.js';
import type { PromptTemplate } from './prompt.js';
import type { ImageStats } from './images.js';
import type { SesFile, SessionPhase } from './ses-file.js';

/** One planned session. */
export interface SessionPlan {
  sessionId: string;
  task: Task;
  image: string;
  harness: Harness;
  harnessVersion: string;
  /** Host directory mounted read-only at BUNDLE_MOUNT; null for harnesses without a bundle. */
  bundleDir: string | null;
  sampleIndex: number;
}

/** What every session of a run shares. */
export interface SessionEnv {
  runId: string;
  runDir: string;
  config: SubmitConfig;
  runtime: Runtime;
  gateway: GatewayHandle;
  /** The model name the harness is told, and the upstream model behind the gateway. */
  modelName: string;
  upstreamModel: string;
  prompt: PromptTemplate;
  specs?: RepoSpecTable;
  /** Resolves once the session's image is local (pulled once per run, ahead of time where possible). */
  ensureImage(image: string, signal: AbortSignal): Promise<void>;
  /** The session that used the image is done (its evaluation included). */
  releaseImage?(image: string): Promise<void>;
}

/** Live updates of one session for the progress display. */
export interface SessionHooks {
  onPhase?(phase: SessionPhase): void;
  onCompletions?(count: number): void;
}

/** Identifies a session in progress updates. */
export interface SessionRef {
  sessionId: string;
  instanceId: string;
  harness: string;
  sampleIndex: number;
}

/** What a caller (the CLI's progress display) hears while a run goes on. */
export interface SubmitReporter {
  onRunStart?(info: { runId: string; runDir: string; total: number; kept: number; toRun: number; keptResolved: number }): void;
  onSessionStart?(s: SessionRef): void;
  onSessionPhase?(s: SessionRef, phase: SessionPhase): void;
  onSessionCompletions?(s: SessionRef, count: number): void;
  onSessionDone?(ses: SesFile): void;
  /** The run's images changed (pulled, failed, removed). */
  onImages?(stats: ImageStats): void;
  /**
   * `upstream: trainer` over HTTP: the pull API is up at `url` (`<gateway>/admin/trainer`); poll it with `adminToken`.
   * `generated`: nobody else knows the token yet (no trainer_token_env), so it must be shown to the trainer.
   */
  onTrainerReady?(info: { url: string; adminToken: string; generated: boolean }): void;
}

/** The result of runSubmit: report.json (the one report model) plus where things are and how the run ended. */
export type SubmitSummary = RunReport & {
  run_dir: string;
  /** finished: every planned session has a ses file; cancelled: stopped by the signal. */
  status: 'finished' | 'cancelled';
  kept_sessions: number;
  ran_sessions: number;
  duration_ms: number;
  report_path: string;
  predictions_path: string;
  /** What the run's image handling did; null when no session ran. */
  images: ImageStats | null;
};
