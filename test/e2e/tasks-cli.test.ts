// `swebench tasks list|show` through the built CLI (bin/swebench → dist), as a user runs it. Build first: npm run build.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built.js';
import { hasSharedData, REPO_ROOT, VERIFIED_JSONL, VERIFIED_PARQUET } from '../helpers/shared-data.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
let tmp = '';

/** Runs the CLI with an isolated cache and a hub endpoint that can only ever be 127.0.0.1. */
function cli(args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], {
    cwd: tmp,
    reject: false,
    stripFinalNewline: false,
    env: { SWEBENCH_CACHE_DIR: path.join(tmp, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9', NO_COLOR: '1', ...env },
  });
}

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-e2e-tasks-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Listed {
  instance_id: string;
  repo: string;
  version: string;
  image: string;
  fail_to_pass: number;
  pass_to_pass: number;
}

async function listJson(args: string[]): Promise<Listed[]> {
  const r = await cli(['tasks', 'list', '--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
}

describe.runIf(hasSharedData())('tasks list / show on the real dataset', () => {
  it('lists the 500 Parquet tasks as JSON, and the same from JSONL', async () => {
    const fromParquet = await listJson(['--dataset', VERIFIED_PARQUET]);
    expect(fromParquet).toHaveLength(500);
    expect(fromParquet[0]).toEqual({
      instance_id: 'astropy__astropy-12907',
      repo: 'astropy/astropy',
      version: '4.3',
      image: 'swebench/sweb.eval.x86_64.astropy_1776_astropy-12907:latest',
      fail_to_pass: 2,
      pass_to_pass: 13,
    });
    const fromJsonl = await listJson(['--dataset', VERIFIED_JSONL]);
    expect(fromJsonl).toEqual(fromParquet);
  });

  it('partitions the tasks exactly with --shard 1/3, 2/3, 3/3', async () => {
    const all = (await listJson(['--dataset', VERIFIED_PARQUET])).map((t) => t.instance_id);
    const shards = await Promise.all(
      ['1/3', '2/3', '3/3'].map(async (s) => (await listJson(['--dataset', VERIFIED_PARQUET, '--shard', s])).map((t) => t.instance_id)),
    );
    expect(shards.map((s) => s.length)).toEqual([166, 167, 167]);
    expect(shards.flat()).toEqual(all);
    expect(new Set(shards.flat()).size).toBe(500);
  });

  it('applies the selection flags', async () => {
    const picked = await listJson(['--dataset', VERIFIED_JSONL, '--filter', '^sympy__', '--slice', '-10:', '--max-tasks', '3']);
    expect(picked.map((t) => t.instance_id)).toEqual(['sympy__sympy-23413', 'sympy__sympy-23534', 'sympy__sympy-23824']);
  });

  it('prints a table with a header and one line per task, and the count on stderr', async () => {
    const r = await cli(['tasks', 'list', '--dataset', VERIFIED_PARQUET, '--instance-ids', 'sympy__sympy-20590,django__django-11099']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^INSTANCE_ID\s+REPO\s+VERSION\s+F2P\s+P2P\s+IMAGE$/);
    expect(lines[1]).toMatch(/^django__django-11099\s+django\/django\s+3\.0\s+3\s+19\s+swebench\/sweb\.eval\.x86_64\.django_1776_django-11099:latest$/);
    expect(lines[2]).toMatch(/^sympy__sympy-20590\s+sympy\/sympy\s+1\.7\s+1\s+21\s+/);
    expect(r.stderr).toBe('2 task(s)\n');
  });

  it('shows one task, as text and as JSON', async () => {
    const text = await cli(['tasks', 'show', 'sympy__sympy-20590', '--dataset', VERIFIED_PARQUET]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^instance_id\s+sympy__sympy-20590$/m);
    expect(text.stdout).toContain('FAIL_TO_PASS (1):\n  test_immutable');
    expect(text.stdout).toContain('PASS_TO_PASS: 21 test(s)');
    expect(text.stdout).toContain('problem statement:\n\nSymbol instances have __dict__ since 1.7?');

    const json = await cli(['tasks', 'show', 'sympy__sympy-20590', '--dataset', VERIFIED_JSONL, '--json']);
    expect(json.exitCode).toBe(0);
    const task = JSON.parse(json.stdout) as Record<string, unknown>;
    const raw = readFileSync(VERIFIED_JSONL, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
      .find((r) => r.instance_id === 'sympy__sympy-20590')!;
    expect(task).toEqual({ ...raw, FAIL_TO_PASS: JSON.parse(raw.FAIL_TO_PASS!), PASS_TO_PASS: JSON.parse(raw.PASS_TO_PASS!) });
  });

  it('answers exit code 2 for an unknown id, with suggestions', async () => {
    const r = await cli(['tasks', 'show', 'sympy-20590', '--dataset', VERIFIED_PARQUET]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: unknown instance id "sympy-20590" in ${VERIFIED_PARQUET}\nhint: Did you mean: sympy__sympy-20590?\n`);
    const ids = await cli(['tasks', 'list', '--dataset', VERIFIED_PARQUET, '--instance-ids', 'nope__nope-1']);
    expect(ids.exitCode).toBe(2);
    expect(ids.stderr).toMatch(/^error: --instance-ids: 1 unknown instance id\(s\): nope__nope-1\n/);
  });
});

describe('tasks list on bad input', () => {
  it('missing file: exit 2 and the accepted sources', async () => {
    const missing = path.join(tmp, 'nope.parquet');
    const r = await cli(['tasks', 'list', '--dataset', missing]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: dataset file not found: ${missing}\n` +
        'hint: --dataset accepts a .json, .jsonl or .parquet file, or a HuggingFace dataset name such as SWE-bench/SWE-bench_Verified.\n',
    );
  });

  it('corrupt Parquet: exit 2 and the file named, no stack trace', async () => {
    const bad = path.join(tmp, 'garbage.parquet');
    writeFileSync(bad, Buffer.from('garbage bytes that are certainly not parquet'));
    const r = await cli(['tasks', 'list', '--dataset', bad, '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${bad}: not a readable Parquet file (parquet file invalid (footer != PAR1))\n` +
        'hint: The file is truncated or not Parquet: download it again, or pass a .json/.jsonl dataset instead.\n',
    );
  });

  it('a row without instance_id: exit 2, the line and the field', async () => {
    const file = path.join(tmp, 'no-id.jsonl');
    writeFileSync(file, JSON.stringify({ repo: 'a/b', base_commit: 'c'.repeat(40), patch: '', test_patch: '', problem_statement: '', version: '1.0', FAIL_TO_PASS: '[]', PASS_TO_PASS: '[]' }) + '\n');
    const r = await cli(['tasks', 'list', '--dataset', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: ${file}: line 1: field "instance_id": expected letters, digits, ".", "_" and "-" only (no "/", not "." or ".."), such as "django__django-11099", got nothing (missing)`,
    );
  });

  it('a bad --shard: exit 2', async () => {
    const r = await cli(['tasks', 'list', '--dataset', path.join(tmp, 'whatever.jsonl'), '--shard', '4/3']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --shard: expected i/n with 1 ≤ i ≤ n, got "4/3"');
  });
});

describe.runIf(hasSharedData())('tasks list from a HuggingFace name (hub served on 127.0.0.1)', () => {
  it('downloads with progress on stderr once, then lists from the cache', async () => {
    const bytes = readFileSync(VERIFIED_PARQUET);
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/api/datasets/SWE-bench/SWE-bench_Verified/parquet') {
        res.end(JSON.stringify({ default: { test: [`${base}/api/datasets/SWE-bench/SWE-bench_Verified/parquet/default/test/0.parquet`] } }));
      } else if (req.url?.endsWith('/0.parquet')) {
        res.writeHead(302, { location: '/datasets/SWE-bench/SWE-bench_Verified/resolve/refs%2Fconvert%2Fparquet/default/test/0000.parquet' }).end();
      } else {
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = await cli(['tasks', 'list', '--json'], { HF_ENDPOINT: endpoint }); // default --dataset
      expect(first.exitCode).toBe(0);
      expect((JSON.parse(first.stdout) as unknown[]).length).toBe(500);
      const mb = (bytes.length / 1e6).toFixed(1);
      expect(first.stderr).toContain(`downloading 0000.parquet: ${mb} / ${mb} MB\n`);
      expect(hits).toHaveLength(3);
      const second = await cli(['tasks', 'list', '--json', '--max-tasks', '2'], { HF_ENDPOINT: endpoint });
      expect(second.stderr).toBe('');
      expect((JSON.parse(second.stdout) as unknown[]).length).toBe(2);
      expect(hits).toHaveLength(3);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
