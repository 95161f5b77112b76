/** The site SSH CA: created or imported by an admin, grants sealed with the admin key, issued certificates and the KRL (docs/credentials.md). */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { ApiError } from '../../kernel';
import {
  SshCas,
  checkCaName,
  ecdsaSshBlob,
  exportKrl,
  generateTokenKey,
  issuedCertificates,
  listSshGrants,
  needVaultKey,
  openTokenKey,
  setSshGrant,
} from '../../vault';
import { newOutputFile } from './output-file';
import { pinGuardOf } from './tokens';
import { needSession, needSigner, type Handler } from './types';

export const sshCaHandlers: {
  'sshCa.create': Handler<'sshCa.create'>;
  'sshCa.import': Handler<'sshCa.import'>;
  'sshCa.addToken': Handler<'sshCa.addToken'>;
  'sshCa.list': Handler<'sshCa.list'>;
  'sshCa.allow': Handler<'sshCa.allow'>;
  'sshCa.issued': Handler<'sshCa.issued'>;
  'sshCa.krl': Handler<'sshCa.krl'>;
} = {
  'sshCa.create': {
    run: (ctx, input) => {
      checkCaName(input.name);
      const vaultKey = needVaultKey(needSession(ctx).keyring.vault);
      const signer = needSigner(ctx);
      const now = ctx.core.clock.now().toISOString();
      const ca = ctx.change(() => new SshCas(ctx.db).create(vaultKey, input.name, ctx.actor, now, signer), {
        details: { name: input.name, storage: 'vault' },
      });
      return ca;
    },
    target: (input) => `ssh-ca:${input.name}`,
  },

  'sshCa.import': {
    run: (ctx, input) => {
      checkCaName(input.name);
      const vaultKey = needVaultKey(needSession(ctx).keyring.vault);
      const signer = needSigner(ctx);
      const now = ctx.core.clock.now().toISOString();
      const text = 'keyFile' in input ? readKeyFile(input.keyFile) : input.privateKey;
      return ctx.change(() => new SshCas(ctx.db).importKey(vaultKey, input.name, text, ctx.actor, now, signer), {
        details: { name: input.name, storage: 'vault', imported: true },
      });
    },
    target: (input) => `ssh-ca:${input.name}`,
  },

  'sshCa.addToken': {
    run: (ctx, input) => {
      checkCaName(input.name);
      const signer = needSigner(ctx);
      const ref = { module: input.module, token: input.token, keyLabel: input.keyLabel };
      const guard = pinGuardOf(ctx.core, ctx.db);
      // Logged in with the PIN only to make or read the key; the PIN is not kept.
      const key = input.generateKey ? generateTokenKey(ref, input.pin, guard) : openTokenKey(ref, input.pin, guard);
      let blob: Buffer;
      try {
        blob = ecdsaSshBlob(key.point);
      } finally {
        key.close();
      }
      const now = ctx.core.clock.now().toISOString();
      return ctx.change(() => new SshCas(ctx.db).addToken(input.name, ref, blob, ctx.actor, now, signer), {
        details: {
          name: input.name,
          storage: 'pkcs11',
          token: input.token,
          keyLabel: input.keyLabel,
          generated: input.generateKey === true,
        },
      });
    },
    target: (input) => `ssh-ca:${input.name}`,
  },

  'sshCa.list': {
    run: (ctx) => ({ cas: new SshCas(ctx.db).list(), grants: listSshGrants(ctx.db) }),
  },

  'sshCa.allow': {
    run: (ctx, input) => {
      const signer = needSigner(ctx);
      const now = ctx.core.clock.now().toISOString();
      const grant = ctx.change(
        () =>
          setSshGrant(
            ctx.db,
            {
              kind: input.kind,
              subject: input.subject,
              principals: input.principals,
              forceCommand: input.forceCommand ?? null,
              sourceAddress: input.sourceAddress ?? null,
            },
            ctx.actor,
            now,
            signer,
          ),
        {
          details: {
            kind: input.kind,
            subject: input.subject,
            principals: input.principals,
            forceCommand: input.forceCommand ?? null,
            sourceAddress: input.sourceAddress ?? null,
          },
        },
      );
      return { grant };
    },
    target: (input) => `ssh-grant:${input.kind}:${input.subject}`,
  },

  'sshCa.issued': {
    run: (ctx, input) => ({
      certificates: issuedCertificates(ctx.db, {
        ...(input.runId ? { runId: input.runId } : {}),
        ...(input.limit ? { limit: input.limit } : {}),
      }),
    }),
  },

  'sshCa.krl': {
    run: (ctx, input) => {
      if (new SshCas(ctx.db).list().length === 0) throw new ApiError('NOT_FOUND', 'There is no SSH CA yet, so nothing to revoke.');
      const out = input.outPath ? newOutputFile(input.outPath) : null;
      const { krl, count } = exportKrl(ctx.db, ctx.core.clock.now(), input.serials);
      // A KRL is public (hosts read it); 'wx' never replaces a file made since the check.
      if (out) writeFileSync(out, krl, { flag: 'wx', mode: 0o644 });
      return { krl: krl.toString('base64'), count, file: out };
    },
    details: (input) => ({ serials: input.serials?.length ?? 'all', ...(input.outPath ? { file: input.outPath } : {}) }),
  },
};

/** An OpenSSH private key file is a few hundred bytes; anything much larger is not one. */
const MAX_KEY_FILE = 20_000;

function readKeyFile(path: string): string {
  let size: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    throw new ApiError('NOT_FOUND', `There is no key file at ${path}. Choose the CA's private key file again.`);
  }
  if (size > MAX_KEY_FILE)
    throw new ApiError('INVALID_INPUT', `${path} is ${size} bytes, too large for an SSH private key. Choose the CA's private key file.`);
  return readFileSync(path, 'utf8');
}
