// The synthetic SWE-bench fixtures are what every Docker and end-to-end suite grades against, so
// here each one is checked in a real container from its image: the repo is at base_commit and clean,
// the eval script (row column, or what the spec table should produce) prints both markers, fails the
// FAIL_TO_PASS tests without a patch, passes everything with the gold patch, grades the wrong patch
// unresolved the declared way, and the corrupt patch is rejected by every official apply command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  buildFixtures,
  END_TEST_OUTPUT,
  fixtureEvalScript,
  loadFixtureSources,
  START_TEST_OUTPUT,
  TASKS_DIR,
  type FixtureVariant,
} from '../fixtures/build-fixtures.mjs';

type Row = Record<string, string>;
type Status = 'PASSED' | 'FAILED' | 'SKIPPED' | 'ERROR' | 'XFAIL';

const fixturesDir = inject('fixturesDir') ?? null;
if (!fixturesDir) console.warn('\n!!! no Docker engine: fixture image tests are SKIPPED\n');

const sources = new Map(loadFixtureSources().map((f) => [f.meta.instance_id, f]));
const readRows = (dir: string): Row[] =>
  fs.readFileSync(path.join(dir, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const list = (row: Row, key: 'FAIL_TO_PASS' | 'PASS_TO_PASS'): string[] => JSON.parse(row[key] ?? '[]') as string[];

// Just enough of the official v4.1.0 parsers for the logs these fixtures print (the real ones live in src/eval).
const PARSERS: Record<string, (log: string) => Map<string, Status>> = {
  parse_log_pytest: (log) => {
    const map = new Map<string, Status>();
    for (const line of log.split('\n')) {
      const m = /^(PASSED|FAILED|SKIPPED|ERROR|XFAIL)\s+(\S+)/.exec(line.replace(' - ', ' '));
      if (m) map.set(m[2]!, m[1] as Status);
    }
    return map;
  },
  parse_log_sympy: (log) => {
    const map = new Map<string, Status>();
    for (const m of log.matchAll(/(_*) (.*)\.py:(.*) (_*)/g)) map.set(`${m[2]}.py:${m[3]}`, 'FAILED');
    for (const raw of log.split('\n')) {
      const line = raw.trim();
      if (!line.startsWith('test_')) continue;
      const status: Status | undefined = line.endsWith(' E') ? 'ERROR' : line.endsWith(' F') ? 'FAILED' : line.endsWith(' ok') ? 'PASSED' : undefined;
      if (status) map.set(line.split(/\s+/)[0]!, status);
    }
    return map;
  },
  parse_log_django: (log) => {
    const map = new Map<string, Status>();
    for (const raw of log.split('\n')) {
      const line = raw.trim();
      for (const [suffix, status] of [[' ... ok', 'PASSED'], [' ... FAIL', 'FAILED'], [' ... ERROR', 'ERROR']] as const) {
        if (line.endsWith(suffix)) map.set(line.slice(0, -suffix.length), status);
      }
    }
    return map;
  },
};
/** Parser of the spec-table fixtures (their rows carry no log_parser). */
const SPEC_PARSERS: Record<string, string> = { 'pallets/flask': 'parse_log_pytest', 'sympy/sympy': 'parse_log_sympy' };

const passed = (map: Map<string, Status>, id: string) => map.get(id) === 'PASSED' || map.get(id) === 'XFAIL';

describe('fixture dataset (no Docker needed)', () => {
  let dir: string;
  let rows: Row[];
  let variants: Record<string, FixtureVariant>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swebench-fixtures-ds-'));
    await buildFixtures({ images: false, outDir: dir, log: () => {} });
    rows = readRows(dir);
    variants = JSON.parse(fs.readFileSync(path.join(dir, 'variants.json'), 'utf8')) as Record<string, FixtureVariant>;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has at least 6 official-shape rows, all fields strings, F2P/P2P JSON-encoded', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) {
      for (const [key, value] of Object.entries(row)) expect(typeof value, `${row.instance_id}.${key}`).toBe('string');
      expect(row.base_commit).toMatch(/^[0-9a-f]{40}$/);
      expect(row.image).toMatch(/^swebench-fixture\/[a-z0-9_.-]+:[0-9a-f]{16}$/);
      expect(list(row, 'FAIL_TO_PASS').length).toBeGreaterThan(0);
      expect(row.FAIL_TO_PASS).toMatch(/^\["/);
      for (const key of ['patch', 'test_patch'] as const) expect(row[key]!.endsWith('\n'), `${row.instance_id}.${key}`).toBe(true);
    }
  });

  it('is deterministic: same base_commit and patches as the dataset the suites use', async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'swebench-fixtures-ds2-'));
    try {
      await buildFixtures({ images: false, outDir: again, log: () => {} });
      expect(fs.readFileSync(path.join(again, 'tasks.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'tasks.jsonl'), 'utf8'));
      if (fixturesDir) {
        const used = new Map(readRows(fixturesDir).map((r) => [r.instance_id, r]));
        for (const row of rows) expect(used.get(row.instance_id!)?.base_commit).toBe(row.base_commit);
      }
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it('covers the required cases', () => {
    const byId = new Map(rows.map((r) => [r.instance_id!, r]));
    const calc = byId.get('fixtures__calc-1')!;
    expect(calc.eval_script).toContain(`git checkout ${calc.base_commit} tests/test_ops.py\ngit apply -v - <<'EOF_114329324912'\n`);
    expect(calc.eval_script).toContain(`: '${START_TEST_OUTPUT}'\npytest -rA tests/test_ops.py\n: '${END_TEST_OUTPUT}'\n`);
    const added = byId.get('fixtures__textutils-1')!;
    expect(added.test_patch).toContain('new file mode');
    expect(added.eval_script!.split('\n').filter((l) => l === `git checkout ${added.base_commit} `)).toHaveLength(2);
    const specRows = rows.filter((r) => r.eval_script === undefined);
    expect(specRows.map((r) => r.repo).sort()).toEqual(['pallets/flask', 'sympy/sympy']);
    expect(byId.get('fixtures__django-1')!.eval_script).toContain('--parallel 1 utils_tests.test_text\n');
    expect(byId.get('fixtures__shapes-1')!.patch).toMatch(/^deleted file mode 100644$/m);
    expect(byId.get('fixtures__palette-1')!.patch).toContain('GIT binary patch');
    expect(variants['fixtures__inventory-1']!.wrong_patch_fails).toEqual(['PASS_TO_PASS']);
    for (const row of rows) {
      const v = variants[row.instance_id!]!;
      expect(v.wrong_patch.startsWith('diff --git ')).toBe(true);
      expect(v.corrupt_patch.endsWith('\n')).toBe(false);
      expect(row.patch!.startsWith(v.corrupt_patch)).toBe(true);
    }
  });
});

describe.skipIf(!fixturesDir)('fixture images', () => {
  const rows = fixturesDir ? readRows(fixturesDir) : [];
  const variants = fixturesDir
    ? (JSON.parse(fs.readFileSync(path.join(fixturesDir, 'variants.json'), 'utf8')) as Record<string, FixtureVariant>)
    : {};

  for (const row of rows) {
    it(`${row.instance_id}: base commit, no patch, gold, wrong and corrupt patches`, async () => {
      const id = row.instance_id!;
      const source = sources.get(id)!;
      const parse = PARSERS[row.log_parser ?? SPEC_PARSERS[row.repo!]!]!;
      const script = row.eval_script ?? fixtureEvalScript(source.meta, row.base_commit!, row.test_patch!);
      const name = `swebench-fixture-test-${process.pid}-${id.replace(/[^a-z0-9-]/g, '-')}`;
      const sh = (cmd: string, input?: string) =>
        execa('docker', ['exec', '-i', name, 'bash', '-c', cmd], { input: input ?? '', all: true, reject: false });
      const evaluate = async () => {
        // one stream inside the container: stdout and stderr (bash -x traces) read as two pipes could interleave
        // mid-line and cut a test's result line in two (seen once: a sympy `test_… ok` line went missing)
        const res = await sh('cat > /eval.sh && /bin/bash /eval.sh 2>&1', script);
        const log = res.all ?? '';
        expect(log, `${id}: markers`).toContain(`+ : '${START_TEST_OUTPUT}'`);
        expect(log).toContain(`+ : '${END_TEST_OUTPUT}'`);
        return parse(log.split(START_TEST_OUTPUT)[1]!.split(END_TEST_OUTPUT)[0]!);
      };
      const reset = async () => {
        const res = await sh(`git checkout -q -f main && git reset -q --hard ${row.base_commit} && git clean -qfdx && git status --porcelain`);
        expect(res.exitCode, res.all).toBe(0);
        expect(res.stdout).toBe('');
      };
      const apply = (cmd: string, patch: string) => sh(`cat > /tmp/patch.diff && ${cmd} /tmp/patch.diff`, patch);
      const f2p = list(row, 'FAIL_TO_PASS');
      const p2p = list(row, 'PASS_TO_PASS');

      await execa('docker', ['run', '-d', '--rm', '--network', 'none', '--name', name, row.image!, 'tail', '-f', '/dev/null']);
      try {
        // The repo: exactly one commit (base_commit), clean, no remote; the conventions eval scripts use.
        expect((await sh('git rev-parse HEAD')).stdout.trim()).toBe(row.base_commit);
        expect((await sh('git rev-list --all')).stdout.trim()).toBe(row.base_commit);
        expect((await sh('git status --porcelain && git remote')).stdout).toBe('');
        const env = await sh('set -euo pipefail; source /opt/miniconda3/bin/activate; conda activate testbed; python --version; python -m pip install -e .; locale-gen; echo ok');
        expect(env.exitCode, env.all).toBe(0);

        // No patch: the F2P tests fail, the P2P tests pass.
        let map = await evaluate();
        for (const t of f2p) expect(passed(map, t), `${id} without patch: ${t}`).toBe(false);
        for (const t of p2p) expect(passed(map, t), `${id} without patch: ${t}`).toBe(true);
        await reset();

        // Gold patch: applies with plain `git apply`, everything passes.
        const gold = await apply('git apply --verbose', row.patch!);
        expect(gold.exitCode, gold.all).toBe(0);
        for (const file of source.meta.gold_deleted ?? []) expect((await sh(`test ! -e ${file}`)).exitCode).toBe(0);
        map = await evaluate();
        for (const t of [...f2p, ...p2p]) expect(passed(map, t), `${id} with gold patch: ${t} (${map.get(t)})`).toBe(true);
        await reset();

        // Wrong patch: unresolved, with failures exactly in the declared lists.
        const variant = variants[id]!;
        const wrong = await apply('git apply --verbose', variant.wrong_patch);
        expect(wrong.exitCode, wrong.all).toBe(0);
        map = await evaluate();
        for (const [key, tests] of [['FAIL_TO_PASS', f2p], ['PASS_TO_PASS', p2p]] as const) {
          const allPass = tests.every((t) => passed(map, t));
          expect(allPass, `${id} with wrong patch: ${key} all passing`).toBe(!variant.wrong_patch_fails.includes(key));
        }
        await reset();

        // Corrupt patch: every command of the official v4.1.0 apply chain rejects it.
        for (const cmd of ['git apply --verbose', 'git apply --verbose --reject', 'patch --batch --fuzz=5 -p1 -i']) {
          const res = await apply(cmd, variant.corrupt_patch);
          expect(res.exitCode, `${id}: ${cmd} accepted the corrupt patch`).not.toBe(0);
          await reset();
        }
      } finally {
        await execa('docker', ['rm', '-f', name], { reject: false });
      }
    });
  }

  it('rebuilds an image only when its inputs change', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swebench-fixtures-cache-'));
    const tasksDir = path.join(tmp, 'tasks');
    const quiet = { log: () => {}, outDir: path.join(tmp, 'out') };
    let changedTag: string | undefined;
    try {
      fs.cpSync(path.join(TASKS_DIR, 'calc'), path.join(tasksDir, 'calc'), { recursive: true });
      const same = await buildFixtures({ ...quiet, tasksDir });
      const original = rows.find((r) => r.instance_id === 'fixtures__calc-1')!;
      expect(same.fixtures).toMatchObject([{ status: 'cached', image: original.image }]);

      fs.appendFileSync(path.join(tasksDir, 'calc/base/calc/ops.py'), '\n# a changed input\n');
      const changed = await buildFixtures({ ...quiet, tasksDir });
      changedTag = changed.fixtures[0]!.image;
      expect(changed.fixtures[0]).toMatchObject({ status: 'built' });
      expect(changedTag).not.toBe(original.image);
      expect((await buildFixtures({ ...quiet, tasksDir })).fixtures[0]).toMatchObject({ status: 'cached', image: changedTag });
    } finally {
      if (changedTag) await execa('docker', ['rmi', changedTag], { reject: false });
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
