// The run module's public surface: `runSubmit` and what its callers read (reporter hooks, summary, ses files,
// the run-directory layout).
export { runSubmit, type SubmitDeps } from './submit.js';
export { runSession, WORKDIR, SESSION_HOME } from './session.js';
export type { SessionEnv, SessionHooks, SessionPlan, SessionRef, SubmitReporter, SubmitSummary } from './types.js';
export { createSubmitProgress, sessionOutcome, type SubmitProgress } from './progress.js';
export { hasPrediction, predictionLine } from './predictions.js';
export { RUN_FILES, sessionIdFor, sessionPaths, taskDirName } from './layout.js';
export { readManifest, type RunManifest } from './manifest.js';
export { STATUS_OF } from './diagnose.js';
export {
  ERROR_CLASSES, INFRA_ERROR_CLASSES, SESSION_PHASES, SESSION_STATUSES, SesFileSchema, sesJsonSchema,
  type ErrorClass, type SesFile, type SessionPhase, type SessionStatus,
} from './ses-file.js';
