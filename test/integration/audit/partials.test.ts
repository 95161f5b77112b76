/**
 * A killed audit export leaves a hidden `.NAME.RANDOM.partial` file in the output folder (issue 13):
 * its path is recorded in the home folder before it is written, so the next export, or the next
 * start of a core, removes it and says so. A real child process is killed (SIGKILL) in the middle of
 * writing events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../../src/api/dispatcher';
import { Core } from '../../../src/api/core';
import { addUser, initialisedCore, signIn, tempDir } from '../../helpers/core';

const CHILD = fileURLToPath(new URL('./killed-export-child.ts', import.meta.url));

/** Runs an export in a child process that is killed halfway; returns the partial it left. */
function killedExport(home: string, media: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, home, media], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, 'SIGKILL', `the child was killed mid-export (status ${r.status}, ${r.stderr})`);
  const left = readdirSync(media).filter((n) => n.endsWith('.partial'));
  assert.equal(left.length, 1, `the killed export left its partial file: ${readdirSync(media).join(', ')}`);
  assert.match(left[0]!, /^\.audit\.tar\.gz\.[0-9a-f]+\.partial$/);
  return join(media, left[0]!);
}

test('a killed export leaves a partial; the next export removes it and reports it; so does the next start', async (t) => {
  // openssl-free, but the audit identity wants a clock near the real time.
  const env = await initialisedCore({ start: new Date(Date.now() - 3600 * 1000) });
  t.after(() => env.cleanup());
  const auditor = await addUser(env.core, env.admin, 'auditor1', ['auditor']);
  const aud = await signIn(env.core, 'auditor1', auditor.password);
  const media = join(tempDir(), 'usb');
  mkdirSync(media);
  t.after(() => rmSync(join(media, '..'), { recursive: true, force: true }));

  const partial = killedExport(env.home, media);
  const out = await dispatch(env.core, aud, 'audit.export', { outPath: join(media, 'next.tar.gz') });
  assert.deepEqual(out.removedPartials, [partial], 'the export reports what it removed');
  assert.deepEqual(readdirSync(media), ['next.tar.gz'], 'only the new export is on the media');
  const events = await dispatch(env.core, env.admin, 'audit.list', { action: 'audit.export' });
  assert.ok(JSON.stringify(events).includes(partial), 'the audit event names the removed partial');

  // Killed again; this time a core starts before anyone exports.
  const second = killedExport(env.home, media);
  await env.core.close();
  const restarted = new Core({ home: env.home });
  t.after(() => restarted.close());
  assert.deepEqual(readdirSync(media), ['next.tar.gz'], 'the next start removed the partial');
  const aud2 = await signIn(restarted, 'auditor1', auditor.password);
  const after = await dispatch(restarted, aud2, 'audit.export', { outPath: join(media, 'third.tar.gz') });
  assert.deepEqual(after.removedPartials, [second], 'and the next export says so');
  assert.deepEqual(readdirSync(media).sort(), ['next.tar.gz', 'third.tar.gz']);
});
