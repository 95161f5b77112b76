/** pagedEvents and storedEventPages, the readers exports go through: whole ranges across page boundaries, as stored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { canonicalJson } from '../../../src/kernel';
import { genesisPrevHash } from '../../../src/audit/chain';
import { writeExportBundle } from '../../../src/audit/export-bundle';
import { generateIdentity } from '../../../src/audit/identity';
import { verifyBundles } from '../../../src/audit/verify';
import { iterateEvents, pagedEvents, storedEventPages } from '../../../src/audit/log';
import { initialisedCore } from '../../helpers/core';

test('pagedEvents reads a range across pages, event for event as stored, and lets other work run between pages', async () => {
  const env = await initialisedCore();
  try {
    const { core } = env;
    core.store.db.transaction(() => {
      for (let i = 0; i < 23; i++)
        core.record({
          actor: 'user:alice',
          action: 'run.start',
          target: i % 2 ? null : `run-${i}`,
          outcome: 'success',
          details: { i, nested: { b: [1, 'x'], a: null } },
        });
    })();
    const db = core.store.db;
    const stored = [...iterateEvents(db)];
    const head = stored[stored.length - 1]!.seq;
    assert.ok(head > 23);

    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const read = [];
    for await (const event of pagedEvents(db, 1, head, 5)) read.push(event);
    clearInterval(ticker);
    assert.deepEqual(read, stored);
    assert.ok(turns > 0, 'no timer ran while pages were read');

    const middle = [];
    for await (const event of pagedEvents(db, 4, 17, 5)) middle.push(event.seq);
    assert.deepEqual(
      middle,
      Array.from({ length: 14 }, (_, k) => k + 4),
    );

    // A page size that divides the range exactly, a range past the head, and an empty range.
    const exact = [];
    for await (const event of pagedEvents(db, 1, 10, 5)) exact.push(event.seq);
    assert.deepEqual(exact, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let past = 0;
    for await (const _event of pagedEvents(db, head - 1, head + 100, 5)) past++;
    assert.equal(past, 2);
    const iterator = pagedEvents(db, head + 1, head + 5)[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  } finally {
    await env.cleanup();
  }
});

test('pagedEvents rejects, not throws, when a stored row cannot be read', async () => {
  const env = await initialisedCore();
  try {
    const db = env.core.store.db;
    db.prepare("UPDATE audit_events SET details = '{not json' WHERE seq = 2").run();
    const iterator = pagedEvents(db, 1, 5)[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.seq, 1);
    const second = iterator.next();
    assert.ok(second instanceof Promise);
    await assert.rejects(second, SyntaxError);
  } finally {
    await env.cleanup();
  }
});

test('the store keeps canonical details text; an export of its pages, older JSON.stringify rows among them, verifies', async () => {
  const env = await initialisedCore();
  const dir = mkdtempSync(join(tmpdir(), 'agr-stored-pages-'));
  try {
    const { core } = env;
    const db = core.store.db;
    for (let i = 0; i < 12; i++)
      core.record({
        actor: 'user:alice',
        action: 'run.start',
        target: `run-${i}`,
        outcome: 'success',
        details: { z: i, a: { y: 'é', b: [2, 1] } },
      });
    const rows = db.prepare('SELECT seq, details FROM audit_events ORDER BY seq').all() as Array<{ seq: number; details: string }>;
    for (const row of rows) assert.equal(row.details, canonicalJson(JSON.parse(row.details)), `event ${row.seq} is not stored canonically`);
    // An older row: the same details as JSON.stringify wrote them, keys in insertion order.
    const old = rows[rows.length - 3]!;
    const reordered = JSON.stringify({ z: 9, a: { y: 'é', b: [2, 1] } });
    assert.equal(canonicalJson(JSON.parse(reordered)), old.details);
    db.prepare('UPDATE audit_events SET details = ? WHERE seq = ?').run(reordered, old.seq);

    const head = rows[rows.length - 1]!.seq;
    const identity = await generateIdentity({ kind: 'ec', commonName: 'paged', workstationId: core.workstationId });
    const outPath = join(dir, 'stored.tar.gz');
    await writeExportBundle({
      events: { pages: storedEventPages(db, 1, head, 4) },
      outPath,
      identity,
      exportId: 'stored-1',
      previousExportId: null,
      firstPrevHash: genesisPrevHash(core.workstationId),
      workstationId: core.workstationId,
      createdAt: new Date(),
    });
    const report = await verifyBundles([outPath], { caPem: identity.certPem });
    assert.equal(report.firstProblem, null);
    assert.equal(report.bundles[0]!.range!.count, head);
    const lines = gunzipSync(readFileSync(outPath)).toString('utf8');
    assert.ok(lines.includes(`"details":${old.details},`), 'the older row was not written canonically');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await env.cleanup();
  }
});
