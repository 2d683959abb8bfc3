// The library API for scripts and RL trainers. Core functions take a config and { signal, logger, reporter }.
export * from './errors.js';
export * from './logger.js';
export { loadTasks, selectTasks, imageForTask, defaultImageFor, type LoadTasksOptions, type TaskSelection } from './dataset/index.js';
export type { Task } from './dataset/types.js';
export { loadPredictions, type Prediction } from './eval/predictions.js';
export { evaluatePredictions, instanceDirFor, type EvaluateConfig, type EvaluateReporter, type EvaluateResult } from './eval/evaluate.js';
export { runInstance, applyPatch, GIT_APPLY_CMDS, type InstanceOutcome } from './eval/run-instance.js';
export { gradeInstance, type GradingMode, type InstanceReport, type InstanceReportEntry } from './eval/grading.js';
export { evalScriptFor } from './eval/eval-script.js';
export { loadRepoSpecs, type RepoSpecTable } from './eval/repo-specs.js';
export { makeRunSummary, type RunSummary } from './eval/summary.js';
export { LOG_PARSERS, parserFor, type LogParser, type TestStatus } from './eval/parsers/index.js';
export { regrade, type RegradeConfig } from './eval/regrade.js';
export { createDockerRuntime, LABELS, type Runtime, type Sandbox, type SandboxSpec, type ExecOptions, type ExecResult } from './runtime/index.js';
export {
  startGateway, openGateway, serveGateway, RECORD_CHAINS, PREFIX_VERDICTS,
  type GatewayHandle, type GatewayServer, type GatewayOptions, type CompletionRecord, type RecordChain, type PrefixRecord, type PrefixVerdict, type TokenRecord,
  type TrainerHandler, type TrainerRequest, type TrainerReply, type TrainerContext, type TrainerPoll, type TrainerCancellation, type ChatObject,
} from './gateway/index.js';
export { startModelServer, MODEL_POLICIES, type ModelServer, type ModelPolicyName } from './gateway/models/index.js';
export {
  runSubmit, runSession, readManifest, sessionIdFor, sessionPaths, RUN_FILES, INFRA_ERROR_CLASSES, ERROR_CLASSES, SESSION_STATUSES,
  SesFileSchema, sesJsonSchema,
  type SubmitDeps, type SubmitReporter, type SubmitSummary, type RunManifest, type SesFile, type ErrorClass, type SessionStatus,
} from './run/index.js';
export { resolveSubmitConfig, readConfigFile } from './config/load.js';
export { HARNESSES, getHarness, type HarnessName } from './harness/index.js';
export { ensureBundle } from './harness/bundle.js';
export type { Harness, HarnessContext, HarnessLaunch } from './harness/types.js';
export * from './report/index.js';
export {
  exportRun, EXPORT_FORMATS, ATIF_SCHEMA_VERSION, sessionReward,
  type ExportConfig, type ExportDeps, type ExportSummary, type ExportFormatName, type RlLine, type SessionLine, type AtifTrajectory,
} from './export/index.js';
