// The pull API's routes, on the admin side (admin token required), served when the gateway's upstream is `trainer`:
//   GET  /admin/trainer/requests?wait=<s>&max=<n>   long-poll: {requests: [TrainerRequest…], cancelled: [{id, reason}…]}
//                                                   (waits up to `wait` seconds, default 30, at most 300, for at least
//                                                   one; returns at once when something is there; `max` default 16)
//   GET  /admin/trainer/requests/:id                {id, state}: pending | taken | answering | answered | cancelled | timed_out | failed
//   POST /admin/trainer/requests/:id/response       the answer: `application/json` (one chat.completion, or {error})
//                                                   or `text/event-stream` (chat.completion.chunk events, `data: [DONE]`),
//                                                   streamed to the agent as it arrives; `x-weight-version` header or a
//                                                   `weight_version` field. 200 {ok, id} once read; 409 {error, state}
//                                                   when the request was cancelled meanwhile; 404 when unknown.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-io.js';
import type { TrainerQueue } from './pull.js';

/** Longest long-poll, in seconds. */
const MAX_WAIT_S = 300;
const DEFAULT_WAIT_S = 30;
const DEFAULT_MAX = 16;

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { error: { type, message } });
}

/** Serves `/admin/trainer/...` (`parts` = the path's segments after `admin`, `trainer`). */
export async function handleTrainer(req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams, queue: TrainerQueue | undefined): Promise<void> {
  if (!queue) return fail(res, 404, 'not_found_error', 'this gateway has no trainer upstream (start it with upstream "trainer" to use the pull API)');
  const method = req.method ?? 'GET';
  if (parts[0] !== 'requests' || parts.length > 3) return fail(res, 404, 'not_found_error', `no trainer route /admin/trainer/${parts.join('/')}`);
  const id = parts[1];
  if (id === undefined) {
    if (method !== 'GET') return fail(res, 405, 'invalid_request_error', `${method} is not allowed on /admin/trainer/requests`);
    const wait = numberParam(query, 'wait', DEFAULT_WAIT_S, 0, MAX_WAIT_S);
    const max = numberParam(query, 'max', DEFAULT_MAX, 1, 1024, true);
    if (wait === undefined || max === undefined) return fail(res, 400, 'invalid_request_error', `wait must be 0-${MAX_WAIT_S} seconds and max a whole number 1-1024`);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const poll = await queue.poll(max, wait * 1000, gone.signal);
    return sendJson(res, 200, poll);
  }
  const action = parts[2];
  if (action === undefined) {
    if (method !== 'GET') return fail(res, 405, 'invalid_request_error', `${method} is not allowed on /admin/trainer/requests/${id}`);
    const state = queue.state(id);
    return state ? sendJson(res, 200, { id, state }) : fail(res, 404, 'not_found_error', `unknown trainer request ${id}`);
  }
  if (action !== 'response') return fail(res, 404, 'not_found_error', `no trainer route /admin/trainer/requests/${id}/${action}`);
  if (method !== 'POST') return fail(res, 405, 'invalid_request_error', `${method} is not allowed on /admin/trainer/requests/${id}/response`);
  queue.answer(id, req, res);
}

function numberParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number, integer = false): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n)) ? n : undefined;
}
