// `swebench view <run-dir>`: generates the viewer site of a run and serves it on 127.0.0.1 until Ctrl-C.
import type { Command } from 'commander';
import { createLogger } from '../logger.js';
import { serveViewer } from '../report/viewer/serve.js';
import { cancelSignalFromSigint, parseIntOption } from './options.js';

export function registerView(program: Command): void {
  program
    .command('view')
    .description('Serve a run\'s viewer (run page, one page per session, per-instance comparisons) on 127.0.0.1 and print its URL; pages refresh while the run is in progress.')
    .argument('<run-dir>', 'a run directory written by `swebench submit`')
    .option('--port <n>', 'port to listen on (0 = a random free port)', '0')
    .action(async (runDir: string, opts: { port: string }) => {
      const logger = createLogger();
      const cancel = cancelSignalFromSigint(logger);
      const server = await serveViewer(runDir, { port: parseIntOption('--port', opts.port, 0), logger, signal: cancel.signal });
      process.stdout.write(`${server.url}\n`);
      logger.info('serving the viewer on 127.0.0.1; Ctrl-C to stop');
      await new Promise<void>((resolve) => cancel.signal.addEventListener('abort', () => resolve(), { once: true }));
      await server.close();
      cancel.dispose();
    });
}
