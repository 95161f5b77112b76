/**
 * Handlers: trust roots and tag policy (admins). Changes take effect at once: task status is
 * decided at read time (src/bundles/catalog.ts).
 */
import {
  listBundleRecords,
  allowTags,
  clearPolicy,
  DEFAULT_TAG_POLICY,
  denyTags,
  readPolicy,
  writePolicy,
  previewPolicy,
  addTrustKey,
  findTrustKey,
  listTrustKeys,
  removeTrustKey,
} from '../../bundles';
import { parseTrustedKeyPem } from '../../trust';
import { needSigner, type Handler } from './types';

type TrustOps =
  'trust.addKey' | 'trust.list' | 'trust.remove' | 'policy.show' | 'policy.preview' | 'policy.allow' | 'policy.deny' | 'policy.clear';

const withoutPem = <T extends { pem: string }>({ pem: _pem, ...rest }: T) => rest;

export const trustHandlers: { [N in TrustOps]: Handler<N> } = {
  'trust.addKey': {
    run: (ctx, input) => {
      const key = parseTrustedKeyPem(input.pem);
      const db = ctx.db;
      const signer = needSigner(ctx);
      return ctx.change(
        () => {
          const added = addTrustKey(db, key, input.comment ?? '', ctx.actor, ctx.core.clock.now().toISOString(), signer);
          return { key: withoutPem(added.key), outcome: added.outcome };
        },
        {
          target: `key:${key.fingerprint}`,
          details: { fingerprint: key.fingerprint, algorithm: key.algorithm, comment: input.comment ?? '' },
        },
      );
    },
  },

  'trust.list': {
    run: (ctx, input) => ({ keys: listTrustKeys(ctx.db, { includeRemoved: input.includeRemoved ?? false }).map(withoutPem) }),
  },

  'trust.remove': {
    run: (ctx, input) => {
      const db = ctx.db;
      const key = findTrustKey(db, input.fingerprint);
      const signer = needSigner(ctx);
      return ctx.change(
        () => {
          const removed = removeTrustKey(db, key.fingerprint, ctx.actor, ctx.core.clock.now().toISOString(), signer);
          const affected = listBundleRecords(db)
            .filter((b) => b.signature.signerFingerprint === key.fingerprint)
            .map((b) => ({ name: b.name, version: b.version, digest: b.digest }));
          return { key: withoutPem(removed), affected };
        },
        { target: `key:${key.fingerprint}`, details: { fingerprint: key.fingerprint } },
      );
    },
    target: (input) => `key:${input.fingerprint}`,
  },

  'policy.show': {
    run: (ctx) => ({ policy: readPolicy(ctx.db), default: { allow: [...DEFAULT_TAG_POLICY.allow], deny: [...DEFAULT_TAG_POLICY.deny] } }),
  },

  'policy.preview': {
    run: (ctx, input) => {
      const now = readPolicy(ctx.db);
      const tags = input.tags ?? [];
      const proposed = input.change === 'clear' ? clearPolicy() : input.change === 'allow' ? allowTags(now, tags) : denyTags(now, tags);
      return { policy: proposed, ...previewPolicy(ctx.db, proposed) };
    },
  },

  'policy.allow': {
    run: (ctx, input) => {
      const db = ctx.db;
      const signer = needSigner(ctx);
      return ctx.change(() => ({
        policy: writePolicy(db, allowTags(readPolicy(db), input.tags), ctx.actor, ctx.core.clock.now().toISOString(), signer),
      }));
    },
    target: () => 'policy:tags',
    details: (input) => ({ allow: input.tags }),
  },

  'policy.deny': {
    run: (ctx, input) => {
      const db = ctx.db;
      const signer = needSigner(ctx);
      return ctx.change(() => ({
        policy: writePolicy(db, denyTags(readPolicy(db), input.tags), ctx.actor, ctx.core.clock.now().toISOString(), signer),
      }));
    },
    target: () => 'policy:tags',
    details: (input) => ({ deny: input.tags }),
  },

  'policy.clear': {
    run: (ctx) => {
      const db = ctx.db;
      const signer = needSigner(ctx);
      return ctx.change(() => ({ policy: writePolicy(db, clearPolicy(), ctx.actor, ctx.core.clock.now().toISOString(), signer) }));
    },
    target: () => 'policy:tags',
    details: () => ({ cleared: true }),
  },
};
