// The admin API of a standalone gateway (guarded by the admin token): open, inspect, read and close sessions.
//   POST /admin/sessions                 {instance_id?, labels?, max_completions?} -> 201 {session_id, token, base_url}
//   GET  /admin/sessions                 -> {sessions: [status…]}
//   GET  /admin/sessions/:id             -> status
//   GET  /admin/sessions/:id/records     -> records.jsonl (application/x-ndjson)
//   POST /admin/sessions/:id/close       -> status (after in-flight completions were aborted and recorded)
//   *    /admin/trainer/...              the pull API of trainer-owned inference (trainer/routes.ts)
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { hasBearer } from './auth.js';
import { BodyError, readBody, sendJson } from './http-io.js';
import type { SessionRegistry } from './sessions.js';
import type { TrainerQueue } from './trainer/pull.js';
import { handleTrainer } from './trainer/routes.js';

const CreateSessionBody = z
  .object({
    instance_id: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    max_completions: z.number().int().positive().optional(),
  })
  .strict();

const ADMIN_BODY_LIMIT = 1024 * 1024;

function adminError(res: ServerResponse, status: number, type: string, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { error: { type, message } }, headers);
}

/** Serves one `/admin/...` request. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  sessions: SessionRegistry,
  adminToken: string,
  extra: { trainer?: TrainerQueue; query?: string } = {},
): Promise<void> {
  if (!hasBearer(req.headers, adminToken)) {
    adminError(res, 401, 'authentication_error', 'admin token required: send "Authorization: Bearer <admin token>"', {
      'www-authenticate': 'Bearer',
    });
    return;
  }
  const parts = pathname.split('/').filter(Boolean); // ['admin', 'sessions', id?, action?]
  if (parts[1] === 'trainer') return handleTrainer(req, res, parts.slice(2), new URLSearchParams(extra.query ?? ''), extra.trainer);
  if (parts[1] !== 'sessions' || parts.length > 4) return adminError(res, 404, 'not_found_error', `no admin route ${pathname}`);
  const method = req.method ?? 'GET';
  const id = parts[2];
  const action = parts[3];

  if (id === undefined) {
    if (method === 'POST') return createSession(req, res, sessions);
    if (method === 'GET') return sendJson(res, 200, { sessions: sessions.list() });
    return adminError(res, 405, 'invalid_request_error', `${method} is not allowed on /admin/sessions`);
  }
  const status = sessions.get(id);
  if (!status) return adminError(res, 404, 'not_found_error', `unknown session ${id}`);
  const route = `${method} ${action ?? ''}`;
  switch (route) {
    case 'GET ':
      return sendJson(res, 200, status);
    case 'GET records':
      return sendRecords(res, sessions, id);
    case 'POST close':
      return sendJson(res, 200, await sessions.close(id));
    default:
      return adminError(res, action && !['records', 'close'].includes(action) ? 404 : 405, 'invalid_request_error', `${method} ${pathname} is not an admin route`);
  }
}

async function createSession(req: IncomingMessage, res: ServerResponse, sessions: SessionRegistry): Promise<void> {
  let raw: string;
  try {
    raw = await readBody(req, ADMIN_BODY_LIMIT);
  } catch (err) {
    const status = err instanceof BodyError ? err.status : 400;
    return adminError(res, status, 'invalid_request_error', (err as Error).message);
  }
  let json: unknown = {};
  if (raw.trim()) {
    try {
      json = JSON.parse(raw);
    } catch (err) {
      return adminError(res, 400, 'invalid_request_error', `request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = CreateSessionBody.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return adminError(res, 400, 'invalid_request_error', `invalid session request: ${detail} (expected {instance_id?: string, labels?: {string: string}, max_completions?: positive integer})`);
  }
  const b = parsed.data;
  const creds = sessions.create({
    ...(b.instance_id === undefined ? {} : { instanceId: b.instance_id }),
    ...(b.labels === undefined ? {} : { labels: b.labels }),
    ...(b.max_completions === undefined ? {} : { maxCompletions: b.max_completions }),
  });
  sendJson(res, 201, creds);
}

/** Streams records.jsonl as it is now (only whole lines: pending writes are flushed first). */
async function sendRecords(res: ServerResponse, sessions: SessionRegistry, id: string): Promise<void> {
  const session = sessions.lookup(id)!;
  await session.flushRecords();
  const file = session.recordsPath;
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': size });
  if (size === 0) return void res.end();
  await pipeline(createReadStream(file, { start: 0, end: size - 1 }), res);
}
