// Public surface of the built-in models (oracle, noop, replay, chaos, agentic) for the CLI, `submit` and tests.
export { startModelServer, parseChatRequest, INSTANCE_HEADER, SESSION_HEADER, type ModelServer } from './server.js';
export { MODEL_POLICIES, isModelPolicyName, type ModelPolicyName, type PolicyFactory } from './registry.js';
export { createOraclePolicy, goldPatchScript, GOLD_PATCH_FILE, DEFAULT_ORACLE_WORKDIR } from './oracle.js';
export { createNoopPolicy, NOOP_ANSWER } from './noop.js';
export { createReplayPolicy, loadReplayEntries, parseReplayLine, REPLAY_EXHAUSTED, type ReplayEntry } from './replay.js';
export { createChaosPolicy, chaosDecision, chaosRandom, validateChaosRates, CHAOS_FAULTS, CHAOS_HEADER, DEFAULT_SLOW_MS, type ChaosFault } from './chaos.js';
export { findShellTool, buildShellArguments, SHELL_TOOL_NAMES, COMMAND_PROPERTIES, type ShellTool } from './shell-tool.js';
export { fakeTokenIds, countTokens, promptTokens, assistantBodyTokens, textTokens, SPECIAL_TOKENS, END_OF_TURN, type FakeToken } from './tokens.js';
export * from './types.js';
export { createAgenticPolicy, agenticKnobs, agenticRandom } from './agentic.js';
export { AGENTIC_DEFAULTS, buildPlan, capabilitiesOf, type Plan, type Step, type Action } from './agentic-plan.js';
export { parseDiff, toApplyPatch, wrongPatchFor, type DiffFile } from './diff.js';
