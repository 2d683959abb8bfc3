// The gateway's public API: start one in-process (what `submit` embeds), or run it standalone.
export { openGateway, startGateway, type GatewayHandle, type GatewayServer } from './start.js';
export type { UpstreamReadiness, UpstreamState } from './readiness.js';
export { serveGateway, type StandaloneIo } from './standalone.js';
export { DEFAULT_RETRY, type GatewayOptions, type RetryPolicy } from './options.js';
export type { CreateSessionOptions, GatewaySessions, SessionCredentials, SessionStatus } from './sessions.js';
export type { AttemptRecord, CompletionRecord } from './records.js';
export { createSealer, type Sealer } from './seal.js';
export { PROTOCOLS } from './protocols/index.js';
export type { ClientProtocol, RecordKind, AssembledCompletion, ProtocolError } from './protocols/types.js';
