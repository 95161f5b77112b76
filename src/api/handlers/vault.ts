/** The vault: values go in sealed under the caller's vault key and never come back out. */
import { ApiError } from '../../kernel';
import { listPurposes, needVaultKey, setPurpose, VaultItems } from '../../vault';
import { type Handler, needSession, needSigner } from './types';

export const vaultHandlers: {
  'vault.add': Handler<'vault.add'>;
  'vault.list': Handler<'vault.list'>;
  'vault.bind': Handler<'vault.bind'>;
  'vault.unbind': Handler<'vault.unbind'>;
  'vault.purpose': Handler<'vault.purpose'>;
  'vault.remove': Handler<'vault.remove'>;
} = {
  'vault.add': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const key = needVaultKey(session.keyring.vault);
      const value = Buffer.from(input.value, 'base64');
      if (value.length === 0) throw new ApiError('INVALID_INPUT', 'A vault item cannot be empty.');
      try {
        const { replaced } = ctx.change(
          () =>
            new VaultItems(ctx.db).put(key, input.name, value, session.name, ctx.core.clock.now().toISOString(), input.replace === true),
          { details: { size: value.length, replace: input.replace === true } },
        );
        return { name: input.name, size: value.length, replaced };
      } finally {
        value.fill(0);
      }
    },
    target: (input) => `vault:${input.name}`,
    details: (input) => ({ replace: input.replace === true }),
  },

  'vault.list': {
    run: (ctx) => ({ items: new VaultItems(ctx.db).list() }),
  },

  'vault.purpose': {
    run: (ctx, input) => {
      const signer = needSigner(ctx);
      ctx.change(() =>
        setPurpose(
          ctx.db,
          { item: input.name, purpose: input.purpose, bound: input.bound },
          ctx.actor,
          ctx.core.clock.now().toISOString(),
          signer,
        ),
      );
      return {
        name: input.name,
        purposes: listPurposes(ctx.db)
          .filter((p) => p.item === input.name)
          .map((p) => p.purpose),
      };
    },
    target: (input) => `vault:${input.name}`,
    details: (input) => ({ purpose: input.purpose, bound: input.bound }),
  },

  'vault.bind': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const bundles = ctx.change(() =>
        new VaultItems(ctx.db).bind(input.name, input.bundles, session.name, ctx.core.clock.now().toISOString()),
      );
      return { name: input.name, bundles };
    },
    target: (input) => `vault:${input.name}`,
    details: (input) => ({ bundles: input.bundles }),
  },

  'vault.unbind': {
    run: (ctx, input) => {
      const bundles = ctx.change(() => new VaultItems(ctx.db).unbind(input.name, input.bundles));
      return { name: input.name, bundles };
    },
    target: (input) => `vault:${input.name}`,
    details: (input) => ({ bundles: input.bundles }),
  },

  'vault.remove': {
    run: (ctx, input) => {
      ctx.change(() => new VaultItems(ctx.db).remove(input.name));
      return { ok: true as const };
    },
    target: (input) => `vault:${input.name}`,
  },
};
