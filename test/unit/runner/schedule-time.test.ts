/** Occurrences, daylight-saving changes, blackouts and jitter, pure over time (docs/schedules.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blackoutAt,
  checkBlackouts,
  checkTiming,
  duePlan,
  GRACE_MS,
  jitterMs,
  nextOccurrence,
  previewOccurrences,
  type Timing,
} from '../../../src/runner/schedule-time';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function occurrences(timing: Timing, from: string, n: number): string[] {
  const out: string[] = [];
  let t: Date | null = new Date(from);
  for (let i = 0; i < n && t; i++) {
    t = nextOccurrence(timing, t);
    out.push(iso(t)!);
  }
  return out;
}

test('Europe/Berlin spring forward: 02:30 does not exist on 29 March 2026, so it fires once at 03:00 CEST; the days around keep 02:30 local', () => {
  const t: Timing = { kind: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
  assert.deepEqual(occurrences(t, '2026-03-27T12:00:00Z', 4), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first minute after the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
    '2026-03-31T00:30:00.000Z',
  ]);
});

test('Europe/Berlin fall back: 02:30 happens twice on 25 October 2026 and fires once, at the first', () => {
  const t: Timing = { kind: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
  const got = occurrences(t, '2026-10-23T12:00:00Z', 4);
  assert.deepEqual(got, ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  assert.equal(got.filter((x) => x.startsWith('2026-10-25')).length, 1);
});

test('an hourly cron on the fall-back night fires every real hour (25 on that day), an interval ignores the time zone', () => {
  const hourly: Timing = { kind: 'cron', cron: '0 * * * *', timeZone: 'Europe/Berlin' };
  const day = occurrences(hourly, '2026-10-24T21:59:00Z', 30).filter((x) => x >= '2026-10-24T22:00' && x < '2026-10-25T23:00');
  assert.equal(day.length, 25, 'the local day of 25 October has 25 hours');
  const every: Timing = { kind: 'interval', everySeconds: 3600, timeZone: 'Europe/Berlin', anchor: '2026-10-25T00:00:00Z' };
  assert.deepEqual(occurrences(every, '2026-10-25T00:00:00Z', 3), [
    '2026-10-25T01:00:00.000Z',
    '2026-10-25T02:00:00.000Z',
    '2026-10-25T03:00:00.000Z',
  ]);
  assert.equal(iso(nextOccurrence(every, new Date('2026-10-24T00:00:00Z'))), '2026-10-25T00:00:00.000Z', 'before the anchor: the anchor');
});

test('bad timings are INVALID_INPUT saying what to give', () => {
  for (const [t, re] of [
    [{ kind: 'cron', cron: 'every day', timeZone: 'UTC' }, /five fields/],
    [{ kind: 'cron', cron: '0 3 * * *', timeZone: 'Mars/Olympus' }, /IANA time zone/],
    [{ kind: 'interval', everySeconds: 5, timeZone: 'UTC', anchor: '2026-01-01T00:00:00Z' }, /at least 60/],
  ] as Array<[Timing, RegExp]>) {
    assert.throws(
      () => checkTiming(t),
      (e: { code: string; message: string }) => e.code === 'INVALID_INPUT' && re.test(e.message),
    );
  }
  assert.throws(() => checkBlackouts([{ kind: 'weekly', days: [], start: '25:00', end: '01:00' }]), /HH:MM/);
  assert.throws(() => checkBlackouts([{ kind: 'range', from: '2026-12-24T10:00:00Z', to: '2026-12-24T09:00:00Z' }]), /end after the start/);
  assert.throws(() => checkBlackouts([{ kind: 'dates', dates: ['24.12.2026'] }]), /YYYY-MM-DD/);
});

test('blackouts: local dates in the schedule time zone, absolute ranges, weekly windows across midnight', () => {
  const tz = 'Europe/Berlin';
  const dates = [{ kind: 'dates' as const, dates: ['2026-12-24'], label: 'Christmas Eve' }];
  // 23:30 UTC on the 23rd is 00:30 on the 24th in Berlin.
  assert.match(blackoutAt(dates, new Date('2026-12-23T23:30:00Z'), tz) ?? '', /Christmas Eve.*2026-12-24/);
  assert.equal(blackoutAt(dates, new Date('2026-12-23T22:30:00Z'), tz), null);
  const range = [{ kind: 'range' as const, from: '2026-12-01T10:00:00+01:00', to: '2026-12-01T12:00:00+01:00' }];
  assert.ok(blackoutAt(range, new Date('2026-12-01T09:00:00Z'), tz));
  assert.equal(blackoutAt(range, new Date('2026-12-01T11:00:00Z'), tz), null, 'the end is exclusive');
  // Saturday 22:00 to Sunday 04:00 local: the maintenance window.
  const weekly = [{ kind: 'weekly' as const, days: ['sat' as const], start: '22:00', end: '04:00' }];
  assert.ok(blackoutAt(weekly, new Date('2026-12-05T21:30:00Z'), tz), 'Sat 22:30 CET');
  assert.ok(blackoutAt(weekly, new Date('2026-12-06T02:00:00Z'), tz), 'Sun 03:00 CET, carried over from Saturday');
  assert.equal(blackoutAt(weekly, new Date('2026-12-06T03:30:00Z'), tz), null, 'Sun 04:30');
  assert.equal(blackoutAt(weekly, new Date('2026-12-04T21:30:00Z'), tz), null, 'Fri 22:30');
  const daily = [{ kind: 'weekly' as const, days: [], start: '01:00', end: '02:00' }];
  assert.ok(blackoutAt(daily, new Date('2026-12-09T00:15:00Z'), tz));
});

test('jitter is the same for the same occurrence (no drift across restarts), different across occurrences, below the bound', () => {
  const a = new Date('2026-12-01T10:00:00Z');
  const b = new Date('2026-12-01T10:05:00Z');
  assert.equal(jitterMs('s-aaaaaaaaaa', a, 120), jitterMs('s-aaaaaaaaaa', a, 120));
  assert.notEqual(jitterMs('s-aaaaaaaaaa', a, 120), jitterMs('s-aaaaaaaaaa', b, 120));
  for (let i = 0; i < 200; i++) {
    const j = jitterMs(`s-${String(i).padStart(10, '0')}`, a, 120);
    assert.ok(j >= 0 && j < 120_000);
  }
  assert.equal(jitterMs('s-aaaaaaaaaa', a, 0), 0);
});

test('duePlan: nothing before the time, the current occurrence within the grace, older ones missed, jitter waited for', () => {
  const s = { id: 's-bbbbbbbbbb', timing: { kind: 'cron', cron: '0 * * * *', timeZone: 'UTC' } as Timing, jitterSeconds: 0 };
  assert.equal(duePlan(s, new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:59:59Z')), null);
  const now = duePlan(s, new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T11:00:01Z'))!;
  assert.equal(iso(now.current), '2026-12-01T11:00:00.000Z');
  assert.deepEqual(now.missed, []);
  const later = duePlan(s, new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T14:00:30Z'))!;
  assert.equal(iso(later.current), '2026-12-01T14:00:00.000Z');
  assert.deepEqual(later.missed.map(iso), ['2026-12-01T11:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-01T13:00:00.000Z']);
  const down = duePlan(s, new Date('2026-12-01T10:00:00Z'), new Date(Date.parse('2026-12-01T13:00:00Z') + GRACE_MS + 1))!;
  assert.equal(down.current, null);
  assert.equal(down.missed.length, 3);
  assert.equal(iso(down.cursor), '2026-12-01T13:00:00.000Z');
  const jittered = { ...s, jitterSeconds: 600 };
  const j = jitterMs(jittered.id, new Date('2026-12-01T11:00:00Z'), 600);
  assert.equal(duePlan(jittered, new Date('2026-12-01T10:00:00Z'), new Date(Date.parse('2026-12-01T11:00:00Z') + j - 1)), null);
  assert.ok(duePlan(jittered, new Date('2026-12-01T10:00:00Z'), new Date(Date.parse('2026-12-01T11:00:00Z') + j)));
});

test('a year of downtime of a one-minute interval is counted, not listed one by one', () => {
  const s = {
    id: 's-cccccccccc',
    timing: { kind: 'interval', everySeconds: 60, timeZone: 'UTC', anchor: '2025-12-01T00:00:00Z' } as Timing,
    jitterSeconds: 0,
  };
  const started = Date.now();
  const plan = duePlan(s, new Date('2025-12-01T00:00:00Z'), new Date('2026-12-01T00:00:30Z'))!;
  assert.ok(Date.now() - started < 2000);
  assert.equal(plan.missed.length + plan.missedBeyond + (plan.current ? 1 : 0), 365 * 24 * 60);
  assert.equal(iso(plan.current), '2026-12-01T00:00:00.000Z');
});

test('the preview says the next occurrences in words in the chosen zone, with the offset of that day and the blackout that skips one', () => {
  const t: Timing = { kind: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
  const got = previewOccurrences(
    t,
    [{ kind: 'weekly', days: ['sun'], start: '00:00', end: '06:00', label: 'patching' }],
    new Date('2026-03-27T12:00:00Z'),
    4,
  );
  assert.deepEqual(
    got.map((o) => o.words),
    [
      'Saturday 28 March 2026 at 02:30 (GMT+1)',
      'Sunday 29 March 2026 at 03:00 (GMT+2)',
      'Monday 30 March 2026 at 02:30 (GMT+2)',
      'Tuesday 31 March 2026 at 02:30 (GMT+2)',
    ],
  );
  assert.deepEqual(
    got.map((o) => o.skipped),
    [null, 'blackout "patching" sun 00:00-06:00 (Europe/Berlin)', null, null],
  );
  const ny = previewOccurrences({ ...t, timeZone: 'America/New_York' }, [], new Date('2026-03-27T12:00:00Z'), 1);
  assert.equal(ny[0]!.words, 'Saturday 28 March 2026 at 02:30 (GMT-4)');
  assert.equal(ny[0]!.at, '2026-03-28T06:30:00.000Z');
  assert.throws(() => previewOccurrences({ ...t, cron: '61 * * * *' }, [], new Date(), 3), /five fields/);
  assert.throws(() => previewOccurrences({ ...t, timeZone: 'Europe/Atlantis' }, [], new Date(), 3), /IANA time zone/);
});
