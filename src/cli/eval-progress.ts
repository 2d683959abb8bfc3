// Progress for `swebench eval`: a cli-progress bar on stderr when it is a TTY, plain lines otherwise.
import cliProgress from 'cli-progress';
import type { EvaluateReporter } from '../eval/evaluate.js';
import type { Logger } from '../logger.js';
import { isInteractive } from '../tty.js';

export interface EvalProgress extends EvaluateReporter {
  stop(): void;
}

export function createEvalProgress(logger: Logger): EvalProgress {
  const tty = isInteractive(process.stderr);
  let done = 0;
  let resolved = 0;
  let total = 0;
  let bar: cliProgress.SingleBar | undefined;
  return {
    onStart({ total: t, toRun }) {
      total = t;
      if (tty) {
        bar = new cliProgress.SingleBar(
          { format: 'eval [{bar}] {value}/{total} | resolved {resolved} | ETA {eta_formatted}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { resolved: 0 });
      } else {
        logger.info(`evaluating ${toRun} of ${t} predictions (${t - toRun} empty patches)`);
      }
    },
    onInstanceDone(o) {
      done++;
      let line: string;
      if ('empty_patch' in o) line = 'empty patch';
      else if (o.error) line = `error (${o.error.class}): ${o.error.message.split('\n')[0]}`;
      else {
        if (o.resolved) resolved++;
        line = `${o.resolved ? 'resolved' : 'unresolved'}${o.reused ? ' (reused)' : ''} in ${(o.timings_ms.total / 1000).toFixed(1)} s`;
      }
      if (bar) bar.update(done, { resolved });
      else logger.info(`[${done}/${total}] ${o.instance_id}: ${line}`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
