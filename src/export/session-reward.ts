// The grade an exported session carries, defined once for every format: the ses file's reward (1 resolved, 0 not),
// except where the grade is unknown — a cancelled session or an infrastructure error (infra_error, eval_error,
// eval_timeout: the patch was never fairly graded) — where it is null, so a trainer does not learn 0 from a broken
// container.
import { INFRA_ERROR_CLASSES, type SesFile } from '../run/ses-file.js';

/** 1, 0, or null when the session was not fairly graded. */
export function sessionReward(ses: Pick<SesFile, 'reward' | 'status' | 'error_class'>): 0 | 1 | null {
  if (ses.status === 'CANCELLED') return null;
  if (ses.error_class !== null && INFRA_ERROR_CLASSES.has(ses.error_class)) return null;
  return ses.reward;
}
