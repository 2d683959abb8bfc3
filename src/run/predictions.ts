// predictions.jsonl: one line per session that produced a patch, in the official harness's input format.
import { groupKey } from '../report/aggregate.js';
import type { SesFile } from './ses-file.js';

/** True when the session produced a prediction (its patch was extracted and it was not cancelled). */
export const hasPrediction = (s: SesFile): boolean => s.status !== 'CANCELLED' && s.patch_extracted;

/** One predictions.jsonl line: the official three fields plus which session produced it. */
export function predictionLine(s: SesFile): string {
  return `${JSON.stringify({
    instance_id: s.instance_id,
    model_name_or_path: groupKey(s),
    model_patch: s.patch,
    harness: s.harness.name,
    session_id: s.session_id,
    sample_index: s.sample_index,
  })}\n`;
}
