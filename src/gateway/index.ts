// The gateway's public API: start one in-process (what `submit` embeds), or run it standalone.
export { openGateway, startGateway, type GatewayHandle, type GatewayServer } from './start.js';
export type { UpstreamReadiness, UpstreamState } from './readiness.js';
export { serveGateway, type StandaloneIo } from './standalone.js';
export { DEFAULT_RETRY, type GatewayOptions, type RetryPolicy } from './options.js';
export type { CreateSessionOptions, GatewaySessions, SessionCredentials, SessionStatus } from './sessions.js';
export type { AttemptRecord, CompletionRecord } from './records.js';
export { RECORD_CHAINS, type RecordChain, type ChainRef } from './chains.js';
export { PREFIX_VERDICTS, type PrefixRecord, type PrefixVerdict, type TokenRecord } from './token-trace.js';
export { TRAINER_REQUEST_HEADER, type ChatObject, type TrainerContext, type TrainerHandler, type TrainerReply, type TrainerRequest } from './trainer/types.js';
export type { TrainerCancellation, TrainerPoll, TrainerRequestState } from './trainer/pull.js';
export { createSealer, type Sealer } from './seal.js';
export { PROTOCOLS } from './protocols/index.js';
export type { ClientProtocol, RecordKind, AssembledCompletion, ProtocolError } from './protocols/types.js';
