/**
 * audit.exportPreview: what the next audit export's details become under a rule set, through the
 * real store and dispatcher. It records no pseudonym, counts as audit browsing (once per session),
 * and is the auditor's alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser, as, initialisedCore, rejects } from '../../helpers/core';

const count = (db: import('better-sqlite3-multiple-ciphers').Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

test('the auditor previews the next export: replacements marked, nothing recorded, browsing audited once', async () => {
  const { core, admin } = await initialisedCore();
  await as(core, admin)('settings.set', { key: 'redact.siteDomains', value: ['dc1.example.net'] });
  await as(core, admin)('settings.set', { key: 'site.name', value: 'hall 2 at db7.dc1.example.net (10.20.30.40)' });
  const auditor = as(core, (await addUser(core, admin, 'audra', ['auditor'])).session);
  const db = core.store.db;
  const pseudonymsBefore = count(db, 'SELECT count(*) AS n FROM pseudonyms');

  const out = await auditor('audit.exportPreview', {});
  assert.equal(out.firstSeq, 1);
  assert.ok(out.lastSeq >= 4 && out.pending === out.lastSeq, `${out.firstSeq}..${out.lastSeq} of ${out.pending}`);
  const site = out.sections.find((s) => s.label.includes('settings.set') && s.label.endsWith('details.value'));
  assert.ok(site, JSON.stringify(out.sections.map((s) => s.label)));
  assert.ok(!site.text.includes('db7.dc1.example.net') && !site.text.includes('10.20.30.40'), site.text);
  assert.deepEqual(site.replacements.map((r) => [r.rule, r.original]).sort(), [
    ['host', 'db7.dc1.example.net'],
    ['ipv4', '10.20.30.40'],
  ]);
  for (const r of site.replacements) assert.equal(site.text.slice(r.at, r.at + r.replacement.length), r.replacement);
  assert.ok(out.texts > out.sections.length, 'texts without a match are counted, not listed');
  assert.ok((out.counts['host'] ?? 0) >= 1);

  const strict = await auditor('audit.exportPreview', { ruleSet: 'strict', limit: 2 });
  assert.equal(strict.lastSeq, 2);
  assert.equal(strict.ruleSet, 'strict');

  assert.equal(count(db, 'SELECT count(*) AS n FROM pseudonyms'), pseudonymsBefore, 'a preview records no pseudonym');
  assert.equal(
    count(db, "SELECT count(*) AS n FROM audit_events WHERE action = 'audit.exportPreview'"),
    1,
    'audit browsing, once per session',
  );
  // The roles table gives the preview of the audit export to admins and auditors; an operator is refused.
  const operator = as(core, (await addUser(core, admin, 'otto', ['operator'])).session);
  await rejects(operator('audit.exportPreview', {}), 'FORBIDDEN');
  await as(core, admin)('audit.exportPreview', {});
});
