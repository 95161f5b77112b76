import { ApiError } from '../../kernel';
import { checkIntegrity, DatabaseOpenError } from '../../store/database';
import { writeBackup } from '../../store/backup';
import { restoreBackup } from '../../store/restore';
import { removeQuietly } from '../../store/files';
import { SCHEMA_VERSION } from '../../store/migrations';
import { checkStoredChain } from '../../audit/log';
import { keysForRoles } from '../../identity/roles';
import { Users } from '../../identity/users';
import { type Handler, needSession } from './types';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const storeHandlers: {
  'store.check': Handler<'store.check'>;
  'store.backup': Handler<'store.backup'>;
  'store.restore': Handler<'store.restore'>;
  'store.recover': Handler<'store.recover'>;
} = {
  'store.check': {
    run: (ctx) => {
      const store = ctx.core.store;
      let database = 'ok';
      try {
        checkIntegrity(store.db, 'full');
      } catch (error) {
        database = error instanceof DatabaseOpenError ? error.message : 'integrity check failed';
      }
      const chain = checkStoredChain(store.db, store.workstationId);
      const chainText = chain.ok ? `ok (${chain.count} events)` : `first bad event ${chain.problem.seq}: ${chain.problem.message}`;
      return {
        ok: database === 'ok' && chain.ok,
        database,
        keyslots: `ok (generation ${store.generation}, MAC verified at unlock)`,
        chain: chainText,
        schemaVersion: SCHEMA_VERSION,
        generation: store.generation,
      };
    },
  },

  'store.backup': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const store = ctx.core.store;
      const out = resolve(input.outPath);
      if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
        throw new ApiError('INVALID_INPUT', `The folder ${dirname(out)} does not exist. Create it or choose another place for the backup.`);
      }
      if (existsSync(out)) throw new ApiError('CONFLICT', `${out} already exists. Choose a new file name; existing files are never overwritten.`);
      // VACUUM INTO writes a consistent copy encrypted under the same data key, inside the private home.
      const copy = join(store.layout.home, `backup-copy-${process.pid}.db`);
      removeQuietly(copy);
      try {
        store.db.prepare('VACUUM INTO ?').run(copy);
        return await writeBackup(out, copy, store.keyslotFileText(), session.keyring.data, ctx.core.clock.now().toISOString());
      } finally {
        removeQuietly(copy);
      }
    },
    target: (input) => `file:${input.outPath}`,
  },

  'store.restore': {
    run: async (ctx, input) => {
      if (ctx.core.isOpen) throw new ApiError('CONFLICT', 'A store is open in this process; restore runs on an empty home.');
      const creds = input.recoveryKey !== undefined ? { recoveryKey: input.recoveryKey } : { name: input.name!, password: input.password! };
      const opened = await restoreBackup(ctx.core.home, input.file, creds, { scryptCost: ctx.core.scryptCost });
      ctx.core.adopt(opened.store);
      const chain = checkStoredChain(opened.store.db, opened.store.workstationId);
      if (!chain.ok) throw new ApiError('VERIFY_FAILED', `The restored audit chain is broken at event ${chain.problem.seq}: ${chain.problem.message}`);
      const actor = 'recoveryKey' in creds ? 'recovery' : `user:${creds.name}`;
      const users = new Users(opened.store.db).list().length;
      ctx.core.transact(() => undefined, { actor, action: 'store.restore', target: null, outcome: 'success', details: { from: input.file } });
      ctx.markRecorded();
      return { workstationId: opened.store.workstationId, users };
    },
  },

  'store.recover': {
    run: async (ctx, input) => {
      const core = ctx.core;
      const ring = await core.identity.openWithRecovery(input.recoveryKey);
      const existing = core.users.byName(input.adminName);
      if (existing && !existing.roles.includes('admin')) {
        throw new ApiError('CONFLICT', `"${input.adminName}" exists and is not an admin. Give the name of an admin, or a new name to create one.`);
      }
      const slotId = core.store.slotIdFor(input.adminName);
      await core.store.putSlot(slotId, input.newPassword, ring, keysForRoles(['admin']));
      const now = core.clock.now().toISOString();
      core.transact(
        () => {
          if (existing) core.users.setMustChange(existing.id, false, now);
          else core.users.insert({ name: input.adminName, slotId, roles: ['admin'], mustChangePassword: false, now });
        },
        { actor: 'recovery', action: 'store.recover', target: `user:${input.adminName}`, outcome: 'success', details: { created: !existing } },
      );
      ctx.markRecorded();
      return { adminName: input.adminName, created: !existing };
    },
  },
};
