// `swebench view` as a user runs it (the built CLI, real HTTP on 127.0.0.1): it prints the URL of the run page,
// serves the session pages and the run's raw files and nothing outside the run directory; while the run is in
// progress (run.json without finished_at) its pages refresh themselves and a session finished since is picked up.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built.js';
import { buildRunDir } from '../helpers/run-dir.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const CLI = path.join(REPO_ROOT, 'bin/swebench');

describe('swebench view', () => {
  let tmp = '';
  let run = '';
  let view: ResultPromise | undefined;

  beforeAll(() => {
    assertBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-view-'));
    run = buildRunDir({ runId: 'live', instanceIds: ['demo__a-1', 'demo__b-1'], sessions: [{ instance_id: 'demo__a-1', harness: 'opencode', resolved: true }] }, tmp, 'live');
    const meta = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as Record<string, unknown>;
    delete meta.finished_at;
    writeFileSync(path.join(run, 'run.json'), JSON.stringify(meta));
  });
  afterAll(async () => {
    view?.kill('SIGINT');
    await view;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the site on 127.0.0.1, refreshing it while the run is in progress', async () => {
    view = execa('node', [CLI, 'view', run], { reject: false, env: { CI: 'true' } });
    const url = await new Promise<string>((resolve) => view!.stdout!.on('data', (d: Buffer) => resolve(String(d).trim())));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/viewer\/index\.html$/);
    const index = await (await fetch(url)).text();
    expect(index).toContain('http-equiv="refresh"');
    const sessionLinks = [...index.matchAll(/href="(sessions\/ses_[0-9a-f]{16}\.html)"/g)].map((m) => m[1]);
    expect(new Set(sessionLinks).size).toBe(1);
    const session = await fetch(new URL(sessionLinks[0]!, url));
    expect(session.status).toBe(200);
    expect(await session.text()).toContain('demo__a-1');
    const raw = await fetch(new URL('/run.json', url));
    expect(raw.status).toBe(200);
    expect((await fetch(new URL('/%2e%2e/%2e%2e/etc/passwd', url))).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);

    // a second session finishes while the viewer runs: the next page load after the refresh interval shows it
    buildRunDir({ runId: 'live', sessions: [{ instance_id: 'demo__b-1', harness: 'opencode', resolved: false }], runJson: false }, tmp, 'live');
    await new Promise((r) => setTimeout(r, 5_500));
    const again = await (await fetch(url)).text();
    expect(new Set([...again.matchAll(/href="(sessions\/ses_[0-9a-f]{16}\.html)"/g)].map((m) => m[1])).size).toBe(2);
  });
});
