/** `retention show|set` and `purge` through the real CLI process, on a store with runs of different ages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunRecords } from '../../../src/runner';
import { ADMIN_PASSWORD, addUser, initialisedCore, tempDir } from '../../helpers/core';
import { cli, errorLine } from '../../helpers/cli';
import { seedFinishedRun } from '../../helpers/run-records';

const DAY = 24 * 60 * 60 * 1000;

function seed(records: RunRecords, id: string, daysAgo: number): void {
  seedFinishedRun(records, id, new Date(Date.now() - daysAgo * DAY), `log of ${id}`);
}

test('retention show and set, purge --dry-run, a purge that needs --yes without a terminal, runs show says purged', async () => {
  const home = join(tempDir(), 'home');
  const env = await initialisedCore({ home, start: new Date() });
  seed(new RunRecords(env.core.store.db), 'r-old0000001', 120);
  seed(new RunRecords(env.core.store.db), 'r-new0000001', 3);
  const viewer = await addUser(env.core, env.admin, 'val', ['viewer']);
  await env.core.close();
  const admin = { AIRGAP_RUNNER_HOME: home, AIRGAP_RUNNER_USER: 'admin', AIRGAP_RUNNER_PASSWORD: ADMIN_PASSWORD };
  try {
    const shown = cli(['retention', 'show'], admin);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /run logs\s+90 days after the run ends/);
    assert.match(shown.stdout, /logs\s+1 run, 1 line,/);
    assert.match(shown.stdout, /runs\s+r-old0000001$/m);

    const bad = cli(['retention', 'set', '--logs-days', 'ten'], admin);
    assert.equal(errorLine(bad)?.code, 'INVALID_INPUT');
    const set = cli(['retention', 'set', '--logs-days', '2', '--json'], admin);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { runLogDays: 2, runReportDays: 365 });

    const dry = cli(['purge', '--dry-run', '--json'], admin);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual((JSON.parse(dry.stdout) as { runIds: string[] }).runIds, ['r-old0000001', 'r-new0000001']);

    const noYes = cli(['purge'], admin);
    assert.equal(errorLine(noYes)?.code, 'INVALID_INPUT');
    assert.match(noYes.stderr, /add --yes/);
    const forbidden = cli(['purge', '--yes'], { ...admin, AIRGAP_RUNNER_USER: 'val', AIRGAP_RUNNER_PASSWORD: viewer.password });
    assert.equal(forbidden.code, 4, 'FORBIDDEN for a viewer');

    const one = cli(['purge', '--run', 'r-new0000001', '--yes'], admin);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Purged: logs of 1 run and reports of 1 run removed for good/);
    assert.match(one.stdout, /store\s+rebuilt \(VACUUM\), WAL checkpointed and truncated/);
    const all = cli(['purge', '--yes', '--json'], admin);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual((JSON.parse(all.stdout) as { runIds: string[] }).runIds, ['r-old0000001']);

    const run = cli(['runs', 'show', 'r-old0000001'], admin);
    assert.match(run.stdout, /purged\s+log on \S+ by user:admin/);
    assert.equal(cli(['runs', 'logs', 'r-old0000001'], admin).stdout.includes('log of'), false);
    // Nothing left: no question to ask, even without a terminal.
    const nothing = cli(['purge'], admin);
    assert.deepEqual([nothing.code, nothing.stdout.trim()], [0, 'Nothing to purge.']);
  } finally {
    rmSync(join(home, '..'), { recursive: true, force: true });
  }
});
