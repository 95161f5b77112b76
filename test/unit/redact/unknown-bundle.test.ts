/**
 * A run whose bundle is no longer in the catalog: which of its configuration values were marked
 * sensitive cannot be known, so every value is treated as sensitive on every egress path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunRecords } from '../../../src/runner';
import { allSensitiveValues, redactorFor, sensitiveValuesOf } from '../../../src/egress/redactors';
import { initialisedCore } from '../../helpers/core';
import { insertRun } from '../../helpers/run-records';

test('config values of a run whose bundle is not in the catalog are all masked', async () => {
  const { core } = await initialisedCore();
  const records = new RunRecords(core.store.db);
  insertRun(records, 'run-unknown', new Date('2026-11-26T07:00:00Z'));
  core.store.db
    .prepare('UPDATE runs SET config = ? WHERE id = ?')
    .run(JSON.stringify({ values: { CLUSTER_TOKEN: 'tok-5f1e9a0b2c', THRESHOLD: '85percent' }, files: {}, secrets: {} }), 'run-unknown');
  const run = records.get('run-unknown')!;
  assert.deepEqual(sensitiveValuesOf(core, run).sort(), ['85percent', 'tok-5f1e9a0b2c']);
  assert.deepEqual(allSensitiveValues(core).sort(), ['85percent', 'tok-5f1e9a0b2c']);
  const out = redactorFor(core, 'runsExport', { run, record: false }).redact('token tok-5f1e9a0b2c at 85percent').text;
  assert.ok(!out.includes('tok-5f1e9a0b2c') && !out.includes('85percent'), out);
});
