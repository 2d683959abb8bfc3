// `swebench submit`: run harnesses on tasks through the recording gateway and grade every patch. Flags and the
// YAML file (--config) set the same keys; flags win. Exit codes: 0 the run finished (whatever the resolve rate),
// 2 bad input, 3 no Docker engine or a missing image, 4 the model endpoint failed for the whole run, 130 cancelled.
import path from 'node:path';
import type { Command } from 'commander';
import { flagOf, readConfigFile, resolveSubmitConfig, validateFlagLayer, validateStoredLayer } from '../config/load.js';
import { SUBMIT_DEFAULTS, type ConfigLayer } from '../config/submit-schema.js';
import { ConfigError, EXIT_CODES } from '../errors.js';
import { createLogger } from '../logger.js';
import { readManifest } from '../run/manifest.js';
import { createSubmitProgress } from '../run/progress.js';
import { runSubmit } from '../run/submit.js';
import type { SubmitSummary } from '../run/types.js';
import { writeJunit } from '../report/index.js';
import { cancelSignalFromSigint, parseIntOption } from './options.js';
import { applyGates, gatesFromOptions } from './report.js';
import { addSelectionOptions, downloadProgressReporter, selectionFromOptions } from './selection.js';

const list = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
const repeat = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Flags whose value is an integer (flag key → minimum). */
const INT_FLAGS: Record<string, number> = {
  num_samples: 1, concurrency: 1, timeout: 1, idle_timeout: 0, max_completions: 1, max_turns: 1,
  context_window: 1, max_output_tokens: 1, eval_timeout: 1, nudge: 0, model_max_len: 1, pull_concurrency: 1, prefetch: 0,
  trainer_timeout: 1, prompt_logprobs: 0,
};
/** Flags copied as strings. */
const STRING_FLAGS = ['dataset', 'split', 'model', 'model_name', 'upstream', 'upstream_api_key_env', 'upstream_model', 'trainer_token_env', 'seal_secret_env', 'grading', 'specs', 'image_template', 'image_registry', 'images', 'prompt_template', 'output_dir', 'run_id', 'agent_network', 'eval_network'];

const camel = (key: string) => key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());

/** Registers `submit`. */
export function registerSubmit(program: Command): void {
  const d = SUBMIT_DEFAULTS;
  const cmd = addRunOptions(
    program
      .command('submit')
      .description('Run coding-agent harnesses on SWE-bench tasks in Docker through the recording gateway, then grade every patch.'),
  )
    .option('--output-dir <dir>', `where run directories go (default: ${d.output_dir})`)
    .option('--run-id <id>', 'run id (default: the start time plus a random suffix)')
    .option('--resume', 'continue the run --run-id: keep finished sessions, redo the rest; refuses a changed config')
    .option('--json', 'print the final summary as JSON on stdout')
    .option('--fail-under <rate>', 'exit 5 when the resolve rate (over all tasks) is below this, e.g. 0.4 or 40%')
    .option('--max-infra-errors <n>', 'exit 6 when more sessions than this end in an infrastructure error')
    .option('--junit <file>', 'also write a JUnit XML file: one test case per session');
  cmd.action(async (opts: Record<string, unknown>) => {
    const flags = flagLayer(cmd, opts);
    const file = typeof opts.config === 'string' ? await readConfigFile(opts.config) : undefined;
    const resume = opts.resume === true;
    let stored: ConfigLayer | undefined;
    if (resume) {
      const runId = flags.run_id ?? file?.run_id;
      if (!runId) throw new ConfigError('--resume needs the run to continue', { source: '--resume', hint: 'Pass --run-id <id> (the directory name under --output-dir).' });
      const runDir = path.resolve(flags.output_dir ?? file?.output_dir ?? SUBMIT_DEFAULTS.output_dir, runId);
      const manifest = await readManifest(runDir);
      if (manifest) stored = validateStoredLayer(manifest.config, path.join(runDir, 'run.json'));
    }
    const config = resolveSubmitConfig({ stored, file, fileSource: opts.config as string | undefined, flags });
    // CI gates are validated before anything runs; they judge the finished run, not its config.
    const gates = gatesFromOptions({ failUnder: opts.failUnder as string | undefined, maxInfraErrors: opts.maxInfraErrors as string | undefined });

    const base = createLogger();
    const progress = createSubmitProgress({ logger: base });
    const cancel = cancelSignalFromSigint(progress.logger);
    let summary: SubmitSummary;
    try {
      summary = await runSubmit(config, {
        signal: cancel.signal,
        logger: progress.logger,
        reporter: { ...progress, onTrainerReady: (info) => process.stderr.write(trainerLine(info)) },
        resume,
        onDownload: downloadProgressReporter(),
      });
    } finally {
      progress.stop();
      cancel.dispose();
    }
    for (const line of summaryLines(summary)) base.info(line);
    if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    if (summary.status === 'cancelled') {
      process.exitCode = EXIT_CODES.cancelled;
      return;
    }
    // The summary is report.json's RunReport: gates and JUnit judge exactly the figures printed above.
    if (typeof opts.junit === 'string') await writeJunit(opts.junit, summary);
    if (gates.failUnder !== undefined || gates.maxInfraErrors !== undefined) process.exitCode = applyGates(summary, gates, base);
  });
}

/** The options `submit` and `doctor` share: what runs, on which tasks, against which model, with which limits. */
export function addRunOptions(cmd: Command): Command {
  const d = SUBMIT_DEFAULTS;
  cmd
    .option('--harness <names>', 'harness(es) to run, comma-separated or repeated (several = side-by-side comparison)', list)
    .option('--harness-file <module>', 'load extra Harness objects from a JS module (repeatable; also $SWEBENCH_EXTRA_HARNESSES)', repeat)
    .option('--config <file>', 'YAML file setting any of these options (snake_case keys); flags win')
    .option('--dataset <src>', `.json/.jsonl/.parquet file or HuggingFace name (default: ${d.dataset})`)
    .option('--split <name>', `dataset split (default: ${d.split})`)
    .option('--num-samples <k>', `sessions per task and harness (default: ${d.num_samples})`)
    .option('--concurrency <n>', 'sessions at once (default: from the host: min(cores / 2, memory GiB / 4), between 1 and 24)')
    .option('--model <name>', 'built-in model started in-process: oracle | noop | chaos | agentic | loop | replay:<run-dir>')
    .option('--upstream <url>', 'OpenAI-compatible chat-completions server, e.g. http://127.0.0.1:8000/v1 (vLLM, SGLang), or "trainer": the trainer answers through the gateway\'s pull API')
    .option('--trainer-token-env <var>', 'with --upstream trainer: environment variable holding the admin token the trainer polls with (default: generate one and print it)')
    .option('--trainer-timeout <seconds>', 'with --upstream trainer: wait this long for the trainer\'s answer to start (and between its pieces) before retrying (default: 600)')
    .option('--upstream-api-key-env <var>', 'environment variable holding the upstream API key')
    .option('--seal-secret-env <var>', 'environment variable holding the secret reasoning is sealed with (default: random per run)')
    .option('--upstream-model <name>', 'model name sent upstream (default: the first of GET /v1/models)')
    .option('--model-name <name>', 'model name the harness is told (default: the upstream model)')
    .option('--chaos-seed <seed>', 'seed of --model chaos (faults are reproducible per seed)')
    .option('--agentic-seed <seed>', 'seed of --model agentic (trajectories are reproducible per seed; other knobs: `agentic:` in --config)')
    .option('--model-max-len <tokens>', 'context limit of the built-in model: longer prompts get vLLM\'s context-length 400 (default: none)')
    .option('--timeout <seconds>', `agent wall-clock limit per session (default: ${d.timeout})`)
    .option('--idle-timeout <seconds>', `kill an agent silent this long: no completion, no output; 0 = off (default: ${d.idle_timeout})`)
    .option('--nudge <n>', `continue a harness that stopped early with an empty patch, up to n times, with its own resume (default: ${d.nudge}, off)`)
    .option('--max-completions <n>', `completion cap per session (default: ${d.max_completions})`)
    .option('--max-turns <n>', 'turn cap passed to harnesses that have one (default: --max-completions)')
    .option('--context-window <n>', `context window the harness assumes (default: ${d.context_window})`)
    .option('--max-output-tokens <n>', `max output tokens per completion (default: ${d.max_output_tokens})`)
    .option('--capture-tokens', 'ask the upstream (vLLM) or the trainer for token ids and logprobs and record them, with a prefix check per turn')
    .option('--prompt-logprobs <n>', 'with --capture-tokens: also ask for prompt logprobs (vLLM prompt_logprobs; sent unstreamed)')
    .option('--tokenizer-drift', 'built-in models: render the history with retokenization drift on purpose (tests drift detection)')
    .option('--no-eval', 'extract patches but do not evaluate them')
    .option('--eval-timeout <seconds>', `test-run limit per evaluation (default: ${d.eval_timeout})`)
    .option('--grading <mode>', 'official (v4.1.0) or strict (v5 hardening) (default: official)')
    .option('--specs <file>', 'extra repo spec table (YAML) merged over configs/repo-specs.yaml')
    .option('--image-template <template>', "image per task ({id}, {official_id}); default: the row's image column, else the official name")
    .option('--image-registry <prefix>', 'registry mirror put before every image name, e.g. 127.0.0.1:5000/')
    .option('--pull-concurrency <n>', `image pulls at once (default: ${d.pull_concurrency})`)
    .option('--prefetch <n>', `pull the images of this many sessions beyond the running ones ahead of time; 0 = when needed (default: ${d.prefetch})`)
    .option('--images <mode>', 'keep: leave pulled images; remove: delete an image the run pulled after its last session (default: keep)')
    .option('--max-image-disk <GB>', 'with --images remove: most GB the images this run pulled may hold at once')
    .option('--prompt-template <file>', 'prompt template with {{problem_statement}} etc. (default: configs/prompt.md)')
    .option('--agent-network <mode>', 'sealed: the agent reaches its gateway session and nothing else; host: the host network (opt-in, warned) (default: sealed)')
    .option('--eval-network <mode>', 'sealed: grading runs with no network; host: the host network (opt-in, warned) (default: sealed)')
    .option('--cpus <n>', 'CPU limit of each task container (default: cores / concurrency, at least 1)')
    .option('--memory <size>', 'memory limit of each task container, e.g. 8g (default: ¾ of the host memory / concurrency, whole GiB, at least 2g)')
    .option('--pids <n>', `process limit of each task container (default: ${d.limits.pids})`);
  addSelectionOptions(cmd);
  return cmd;
}

/**
 * The one line a trainer needs (stderr, not the logger: the logger redacts the admin token). A token from
 * --trainer-token-env is not repeated.
 */
export function trainerLine(info: { url: string; adminToken: string; generated: boolean }): string {
  return `swebench submit: trainer pull API at ${info.url} (GET ${info.url}/requests, POST ${info.url}/requests/<id>/response); admin token: ${info.generated ? info.adminToken : 'from --trainer-token-env'}\n`;
}

/** The config layer of the flags the user actually typed (commander defaults never override the file). */
export function flagLayer(cmd: Command, opts: Record<string, unknown>): ConfigLayer {
  const given = (key: string) => opts[camel(key)] !== undefined && cmd.getOptionValueSource(camel(key)) === 'cli';
  const layer: Record<string, unknown> = {};
  if (given('harness')) layer.harness = opts.harness;
  if (given('harness_file')) layer.harness_files = opts.harnessFile;
  for (const key of STRING_FLAGS) if (given(key)) layer[key] = opts[camel(key)];
  for (const [key, min] of Object.entries(INT_FLAGS)) if (given(key)) layer[key] = int(key, opts[camel(key)], min);
  if (given('capture_tokens')) layer.capture_tokens = true;
  if (given('tokenizer_drift')) layer.tokenizer_drift = true;
  if (cmd.getOptionValueSource('eval') === 'cli') layer.eval = opts.eval === true;
  if (given('chaos_seed')) layer.chaos = { seed: String(opts.chaosSeed) };
  if (given('agentic_seed')) layer.agentic = { seed: String(opts.agenticSeed) };
  const limits: Record<string, unknown> = {};
  if (given('max_image_disk')) layer.max_image_disk = num('max_image_disk', opts.maxImageDisk);
  if (given('cpus')) limits.cpus = num('cpus', opts.cpus);
  if (given('memory')) limits.memory = opts.memory;
  if (given('pids')) limits.pids = int('pids', opts.pids, 1);
  if (Object.keys(limits).length > 0) layer.limits = limits;
  const sel = selectionFromOptions(opts);
  if (sel.instanceIds) layer.instance_ids = sel.instanceIds;
  if (sel.filter !== undefined) layer.filter = sel.filter;
  if (sel.slice !== undefined) layer.slice = sel.slice;
  if (sel.shard !== undefined) layer.shard = sel.shard;
  if (sel.maxTasks !== undefined) layer.max_tasks = sel.maxTasks;
  return validateFlagLayer(layer);
}

const int = (key: string, value: unknown, min: number): number => parseIntOption(flagOf(key), value, min);

function num(key: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`expected a positive number, got "${String(value)}"`, { source: flagOf(key) });
  return n;
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);

/** The human summary on stderr: the same figures as report.json and `--json` (resolved / planned sessions). */
function summaryLines(s: SubmitSummary): string[] {
  const nonZero = (counts: Record<string, number>) => Object.entries(counts).filter(([k, n]) => n > 0 && k !== 'none').map(([k, n]) => `${k} ${n}`).join(', ');
  const lines = s.groups.map((g) => {
    const classes = nonZero(g.error_classes);
    const notRun = g.not_run_sessions > 0 ? `; ${g.not_run_sessions} not run` : '';
    return `${g.key}: ${g.resolved}/${g.planned_sessions} resolved (${pct(g.resolve_rate)}; ${pct(g.resolve_rate_excluding_infra)} excluding infra errors${notRun}) — ${nonZero(g.statuses) || 'no sessions'}${classes ? ` [${classes}]` : ''}`;
  });
  const im = s.images;
  if (im && im.total > im.presentBefore) {
    lines.push(`images: ${im.pulled} pulled (${(im.pulledBytes / 1e9).toFixed(2)} GB), ${im.removed} removed, ${im.failed} failed, ${im.presentBefore} already local; sessions waited ${(im.waitMs / 1000).toFixed(1)} s for images in all`);
  }
  lines.push(`${s.status === 'cancelled' ? 'cancelled' : 'finished'} in ${(s.duration_ms / 1000).toFixed(1)} s — results in ${s.run_dir}`);
  if (s.status === 'cancelled') lines.push(`continue with: swebench submit --resume --run-id ${s.run.run_id} --output-dir ${path.dirname(s.run_dir)}`);
  return lines;
}
