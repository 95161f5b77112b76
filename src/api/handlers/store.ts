import { ApiError } from '../../kernel';
import { adminSigner, checkIntegrity, DatabaseOpenError, backupStore, restoreBackup, SCHEMA_VERSION } from '../../store';
import { checkStoredChain } from '../../audit';
import { IdentityConfig, keysForRoles, Users } from '../../identity';
import { newOutputFile } from './output-file';
import { type Handler, needSession } from './types';

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
        checkIntegrity(ctx.db, 'full');
      } catch (error) {
        database = error instanceof DatabaseOpenError ? error.message : 'integrity check failed';
      }
      const chain = checkStoredChain(ctx.db, ctx.core.workstationId);
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
    // A write handler although the call changes nothing: VACUUM INTO copies the database file.
    kind: 'write',
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const store = ctx.core.store;
      const out = newOutputFile(input.outPath);
      return await backupStore(store, out, session.keyring.data, ctx.core.clock.now().toISOString());
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
      if (!chain.ok)
        throw new ApiError('VERIFY_FAILED', `The restored audit chain is broken at event ${chain.problem.seq}: ${chain.problem.message}`);
      const actor = 'recoveryKey' in creds ? 'recovery' : `user:${creds.name}`;
      const users = new Users(opened.store.db).list().length;
      ctx.core.transact(() => undefined, {
        actor,
        action: 'store.restore',
        target: null,
        outcome: 'success',
        details: { from: input.file },
      });
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
        throw new ApiError(
          'CONFLICT',
          `"${input.adminName}" exists and is not an admin. Give the name of an admin, or a new name to create one.`,
        );
      }
      // A store made before the admin key is sealed here (the recovery slot holds every key).
      if (!core.store.sealed) {
        const admins = core.users.list().filter((u) => u.roles.includes('admin'));
        await core.store.seal(
          ring,
          admins.map((u) => u.slotId),
        );
      }
      const slotId = core.store.slotIdFor(input.adminName);
      await core.store.putSlot(slotId, input.newPassword, ring, keysForRoles(['admin']));
      const signer = adminSigner(ring.admin!);
      const now = core.clock.now().toISOString();
      // Break-glass (docs/identity.md): the recovery key also turns the sign-in mode back to the local
      // password, so an admin can get in when the IdP or directory is down or misconfigured.
      const identity = new IdentityConfig(core.db);
      const signInModeWas = identity.mode();
      core.transact(
        () => {
          if (existing) core.users.setMustChange(existing.id, false, now);
          else core.users.insert({ name: input.adminName, slotId, roles: ['admin'], mustChangePassword: false, now }, signer);
          if (signInModeWas !== 'local') identity.set('auth.mode', 'local', 'recovery', now, signer);
        },
        {
          actor: 'recovery',
          action: 'store.recover',
          target: `user:${input.adminName}`,
          outcome: 'success',
          details: { created: !existing, signInModeWas },
        },
      );
      ctx.markRecorded();
      return { adminName: input.adminName, created: !existing };
    },
  },
};
