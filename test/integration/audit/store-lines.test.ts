/**
 * The lines the encrypted store writes itself for an export (src/audit/line-sql.ts, storedLinePages)
 * are byte for byte canonicalEventLine's, for ordinary and hostile events; an event the store cannot
 * write (a string needing escapes, non-ASCII, a details text whose hash does not match) takes the
 * ordinary path and still comes out canonical; the bundle verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { canonicalJson, type AuditRecord } from '../../../src/kernel';
import { dispatch } from '../../../src/api/dispatcher';
import { canonicalEventLine, storedLineText, type StoredAuditEvent, type StoredLine } from '../../../src/audit/event-line';
import { writeExportBundle, type RedactionHook } from '../../../src/audit/export-bundle';
import { iterateEvents, storedEventPages, storedLinePages } from '../../../src/audit/log';
import { genesisPrevHash } from '../../../src/audit/chain';
import { addUser, initialisedCore } from '../../helpers/core';
import { entry, tempDir, testIdentity, unpack } from './bundle-tools';

/** Strings JSON.stringify must escape, or that are not ASCII, or that look like the line's own text. */
const HOSTILE = [
  '',
  'quote"inside',
  'back\\slash',
  'ctl\u0001\u001f',
  'nul\u0000after',
  'tab\there',
  'line\u2028sep',
  'naïve',
  '😀',
  'del\u007f',
  '","actor":"x","details":{},"',
  'x","time":"y"}',
  '{"action":"a"}',
];
/** Strings the store writes as they stand: printable ASCII without `"` or `\`. */
const PLAIN = ['', ' ', 'user:alice', 'run.start', 'run-1', "a'b", '{}[],:', '~!#$%&()*+-./;<=>?@^_`|', 'null'];

function events(): AuditRecord[] {
  const out: AuditRecord[] = [];
  let i = 0;
  for (const s of [...PLAIN, ...HOSTILE]) {
    const plain = PLAIN[i++ % PLAIN.length]!;
    out.push({ actor: s, action: plain, target: plain, outcome: 'success' as const, details: { i, s } });
    out.push({ actor: plain, action: s, target: null, outcome: 'denied' as const, details: { [s]: s, n: -9007199254740991 } });
    out.push({ actor: plain, action: plain, target: s, outcome: 'success' as const, details: { list: [s, 9007199254740991, null, true] } });
    out.push({ actor: plain, action: plain, target: plain, outcome: 'failure', details: { [`${s}\u0000`]: { s } } });
  }
  out.push({ actor: 'user:alice', action: 'run.start', target: null, outcome: 'success' as const, details: {} });
  out.push({ actor: 'user:alice', action: 'run.start', target: 'run-2', outcome: 'success' as const, details: null });
  return out;
}

async function lines(pages: AsyncIterable<Array<StoredAuditEvent | StoredLine>>): Promise<Array<StoredAuditEvent | StoredLine>> {
  const out = [];
  for await (const page of pages) out.push(...page);
  return out;
}

test('an export of the store writes every event as canonicalEventLine does, hostile fields included, and verifies', async () => {
  const env = await initialisedCore({ start: new Date(Date.now() - 3600 * 1000) });
  const dir = tempDir();
  try {
    const { core } = env;
    const db = core.store.db;
    const auditor = await addUser(core, env.admin, 'auditor1', ['auditor']);
    db.transaction(() => {
      for (const e of events()) core.record(e);
    })();
    const stored = [...iterateEvents(db)];
    const head = stored[stored.length - 1]!.seq;
    const expected = stored.map(canonicalEventLine);

    // The store's own lines: taken for every event whose fields are plain, never for the others.
    const read = await lines(storedLinePages(db, 1, head, 7));
    assert.deepEqual(
      read.map((e) => e.seq),
      stored.map((e) => e.seq),
    );
    let fast = 0;
    for (const [k, item] of read.entries()) {
      const event = stored[k]!;
      const plain = [event.actor, event.action, event.outcome, event.time, event.target ?? ''].every((s) => /^[ !#-[\]-~]*$/.test(s));
      assert.equal('line' in item, plain, `event ${event.seq} (${JSON.stringify(event.actor)}, ${JSON.stringify(event.action)})`);
      if ('line' in item) {
        fast++;
        assert.equal(item.line, expected[k]);
        assert.equal(item.line.slice(item.detailsStart, item.detailsEnd), canonicalJson(event.details ?? null));
        // The hashes that come with the line are the event's own.
        assert.deepEqual([item.prevHash, item.hash, item.detailsHash], [event.prevHash, event.hash, event.detailsHash]);
      }
    }
    assert.ok(fast > 40, `only ${fast} lines came from the store`);

    const out = join(dir, 'lines.tar.gz');
    const session = (await dispatch(core, null, 'auth.signIn', { name: 'auditor1', password: auditor.password })).sessionId;
    const exported = await dispatch(core, session, 'audit.export', { outPath: out });
    const written = entry(unpack(out), 'events.jsonl').toString('utf8').split('\n');
    assert.equal(written.pop(), '');
    const all = [...iterateEvents(db)].map(canonicalEventLine).slice(0, exported.lastSeq);
    assert.equal(written.length, all.length);
    for (let k = 0; k < all.length; k++) assert.equal(written[k], all[k], `line ${k + 1}`);
    const verified = await dispatch(core, null, 'audit.verify', { paths: [out] });
    assert.equal(verified.ok, true, verified.firstProblem ?? '');
  } finally {
    await env.cleanup();
  }
});

test('stored lines: other times, large and negative mono, unsafe integers and older details texts come out canonical', async () => {
  const env = await initialisedCore();
  const dir = tempDir();
  try {
    const { core } = env;
    const db = core.store.db;
    db.transaction(() => {
      for (let i = 0; i < 12; i++)
        core.record({ actor: 'a', action: 'b', target: null, outcome: 'success', details: { z: i, a: [1, 'é'] } });
    })();
    const head = [...iterateEvents(db)].pop()!.seq;
    const set = db.prepare('UPDATE audit_events SET time = coalesce(?, time), mono = coalesce(?, mono) WHERE seq = ?');
    set.run('', null, head - 11);
    db.prepare('UPDATE audit_events SET outcome = ? WHERE seq = ?').run('out"come', head - 2);
    set.run('2026-11-26T08:00:00.000Z"', null, head - 10);
    set.run('t\u2028', -5, head - 9);
    set.run(null, 0, head - 8);
    set.run(null, Number.MAX_SAFE_INTEGER, head - 7);
    set.run(null, -Number.MAX_SAFE_INTEGER, head - 6);
    set.run('\u0000', null, head - 5);
    set.run('lone\ud800', null, head - 1); // stored as U+FFFD
    // An older row: JSON.stringify's text, keys in insertion order (its hash does not match the text).
    db.prepare('UPDATE audit_events SET details = ? WHERE seq = ?').run(JSON.stringify({ z: 1, a: [1, 'é'] }), head - 4);
    // Details text with surrounding space: hash mismatch, parsed and written canonically.
    db.prepare("UPDATE audit_events SET details = ' ' || details || ' ' WHERE seq = ?").run(head - 3);

    const stored = [...iterateEvents(db)];
    const read = await lines(storedLinePages(db, 1, head, 5));
    const byStore = new Map(read.filter((e): e is StoredLine => 'line' in e).map((e) => [e.seq, e]));
    assert.ok(
      !byStore.has(head - 10) && !byStore.has(head - 9) && !byStore.has(head - 5) && !byStore.has(head - 2) && !byStore.has(head - 1),
    );
    for (const seq of [head - 11, head - 8, head - 7, head - 6, head])
      assert.equal(byStore.get(seq)?.line, canonicalEventLine(stored[seq - 1]!), `event ${seq}`);
    // The older texts: the line holds them as stored, so their hash refuses it (the export parses them).
    for (const seq of [head - 4, head - 3]) {
      assert.notEqual(byStore.get(seq)!.line, canonicalEventLine(stored[seq - 1]!));
      assert.equal(storedLineText(byStore.get(seq)!), null);
    }

    const identity = await testIdentity('lines');
    const exportOf = async (name: string, pages: AsyncIterable<Array<StoredAuditEvent | StoredLine>>, redaction?: RedactionHook) => {
      const outPath = join(dir, name);
      await writeExportBundle({
        events: { pages },
        outPath,
        identity,
        exportId: name.replace('.tar.gz', ''),
        previousExportId: null,
        firstPrevHash: genesisPrevHash(core.workstationId),
        workstationId: core.workstationId,
        createdAt: new Date(),
        ...(redaction ? { redaction } : {}),
      });
      return entry(unpack(outPath), 'events.jsonl').toString('utf8');
    };
    const written = await exportOf('lines.tar.gz', storedLinePages(db, 1, head, 5));
    assert.equal(written, stored.map((e) => `${canonicalEventLine(e)}\n`).join(''));
    // Redacted, from the store's lines or from its rows: the same events, the same redactions.
    const redaction: RedactionHook = {
      ruleSet: 'test',
      version: '1',
      apply: (details) => {
        const text = JSON.stringify(details ?? null);
        const masked = text.replaceAll('é', '***');
        return { details: JSON.parse(masked) as unknown, replacements: masked === text ? 0 : 1 };
      },
    };
    const fromLines = await exportOf('r1.tar.gz', storedLinePages(db, 1, head, 5), redaction);
    assert.equal(fromLines, await exportOf('r2.tar.gz', storedEventPages(db, 1, head, 5), redaction));
    assert.ok(fromLines.includes('"redacted":true') && !fromLines.includes('é'));
    // The hashes that come with a line are its columns exactly, whatever plain text they hold.
    const odd = ['', ' ', ',prevHash:', 'hash', '0'.repeat(200)] as const;
    db.prepare('UPDATE audit_events SET details_hash = ?, hash = ?, prev_hash = ? WHERE seq = ?').run(odd[0], odd[2], odd[3], head - 7);
    db.prepare('UPDATE audit_events SET details_hash = ?, hash = ?, prev_hash = ? WHERE seq = ?').run(odd[4], odd[1], odd[2], head - 6);
    for (const seq of [head - 7, head - 6]) {
      const row = db.prepare('SELECT details_hash, hash, prev_hash FROM audit_events WHERE seq = ?').get(seq) as Record<string, string>;
      const item = (await lines(storedLinePages(db, seq, seq))).pop()!;
      assert.ok('line' in item, `event ${seq} comes as its line`);
      assert.deepEqual([item.detailsHash, item.hash, item.prevHash], [row.details_hash, row.hash, row.prev_hash], `event ${seq}`);
    }
    // A mono past the safe range: the store does not write the line, and the export refuses the event as before.
    db.prepare('UPDATE audit_events SET mono = ? WHERE seq = ?').run(2n ** 53n + 1n, head);
    const last = (await lines(storedLinePages(db, head, head))).pop()!;
    assert.ok(!('line' in last));
  } finally {
    await env.cleanup();
  }
});
