/**
 * Read handlers get the database typed read-only (issue 12): the `@ts-expect-error` lines below are
 * writes that must not compile (`npm run typecheck` fails if one does), and the tests check that
 * the dispatcher gives read handlers no way to record, and that the few read operations whose
 * handlers may write are the ones named here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract, OP_NAMES } from '../../../src/api/contract';
import { handlers } from '../../../src/api/handlers';
import type { Handler } from '../../../src/api/handlers/types';
import { RunRecords } from '../../../src/runner';
import { VaultItems } from '../../../src/vault';
import { writeSetting } from '../../../src/store';
import { as, initialisedCore } from '../../helpers/core';

/** Never called: it exists to be type-checked. Each marked line is a write a read handler tries. */
export const writesThatDoNotCompile: Handler<'runs.show'> = {
  run: (ctx, input) => {
    // @ts-expect-error a read handler's statements have no run()
    ctx.db.prepare("UPDATE runs SET state = 'finished'").run();
    // @ts-expect-error nor does its database run a transaction, exec SQL or set a pragma
    ctx.db.transaction(() => undefined);
    // @ts-expect-error exec
    ctx.db.exec('DELETE FROM runs');
    // @ts-expect-error a pragma that writes
    ctx.db.pragma('journal_mode = DELETE');
    // @ts-expect-error no way back to the writable database through a statement
    void ctx.db.prepare('SELECT 1').database;
    // @ts-expect-error a domain's write methods need the writable database
    new RunRecords(ctx.db).requestCancel(input.id, 'someone', 'now');
    // @ts-expect-error the same for the vault
    new VaultItems(ctx.db).remove('item');
    // @ts-expect-error and for functions that write
    writeSetting(ctx.db, 'site.name', 'x', 'someone', 'now');
    // @ts-expect-error the core as a read handler sees it cannot record
    ctx.core.transact(() => undefined, { actor: 'a', action: 'b', outcome: 'success' });
    // @ts-expect-error nor hand out the writable store
    void ctx.core.store.db;
    // @ts-expect-error nor does a read handler get change()
    ctx.change(() => undefined);
    // Reading compiles.
    const run = new RunRecords(ctx.db).get(input.id);
    if (!run) throw new Error('no run');
    return run as never;
  },
};

test('the read operations whose handlers may write are exactly: sign-in (and its IdP/directory steps), sign-out, backup', () => {
  const readOpsThatWrite = OP_NAMES.filter(
    (name) => !contract[name].mutates && (handlers[name] as { kind?: string }).kind === 'write',
  ).sort();
  // The enterprise sign-in's steps open the store, save the request id, record the sign-in (docs/identity.md).
  assert.deepEqual(readOpsThatWrite, [
    'auth.begin',
    'auth.cancel',
    'auth.idp.begin',
    'auth.idp.complete',
    'auth.ldap.complete',
    'auth.signIn',
    'auth.signOut',
    'store.backup',
  ]);
  for (const name of OP_NAMES) {
    if (contract[name].mutates)
      assert.notEqual((handlers[name] as { kind?: string }).kind, 'read', `${name} changes state, so its handler writes`);
  }
});

test('a read handler is called with a context that cannot record: no change(), no recordSuccess()', async () => {
  const env = await initialisedCore();
  const original = handlers['settings.get'];
  let seen: Record<string, unknown> | undefined;
  (handlers as Record<string, unknown>)['settings.get'] = {
    run: (ctx: Record<string, unknown>) => {
      seen = ctx;
      return { settings: {} };
    },
  };
  try {
    await as(env.core, env.admin)('settings.get', {});
  } finally {
    (handlers as Record<string, unknown>)['settings.get'] = original;
  }
  assert.ok(seen);
  assert.equal(typeof seen.change, 'undefined');
  assert.equal(typeof seen.recordSuccess, 'undefined');
  assert.equal(typeof seen.markRecorded, 'undefined');
  assert.ok(seen.db, 'it reads the store');
  await env.cleanup();
});
