/**
 * Enterprise sign-in (docs/identity.md): the steps after the password (the SAML IdP, the LDAP/AD
 * directory), roles from the groups they assert, and the admin's settings and mappings. Every IdP
 * or directory sign-in is an audit event with the issuer, a hash of the NameID, the authentication
 * context and the assertion id; every refusal one with its reason.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ApiError } from '../../kernel';
import {
  DEFAULT_ACS_PORT,
  IdentityConfig,
  LdapRefusal,
  REFEDS_MFA,
  SamlRefusal,
  StoreRequestCache,
  beginSaml,
  ldapSettingsSchema,
  ldapSignIn,
  listenForResponse,
  parseIdpMetadata,
  samlSettingsSchema,
  spMetadata,
  validateSaml,
  waitingRoleChanges,
  type LdapSettings,
  type SamlSettings,
  type UserRow,
} from '../../identity';
import { wipeKeyring, type Keyring } from '../../store';
import type { Core } from '../core';
import { permissionsOf } from '../permissions';
import { type Handler, needSigner } from './types';
import { userInfo } from './auth';
import { finish, refuse } from './sign-in-outcome';

/** The password step's answer under a sign-in mode that asks for more; null under `local`. */
function nextStepFor(core: Core, user: UserRow, ring: Keyring) {
  const config = new IdentityConfig(core.db);
  const mode = config.mode();
  if (mode === 'local') return null;
  const attempt = core.signInAttempts.create(user, ring, mode === 'idp' ? 'idp' : 'ldap', core.clock.now().getTime());
  const via = mode === 'idp' ? (config.saml()?.displayName ?? 'the identity provider') : 'the directory';
  return { next: attempt.step, attemptId: attempt.id, via };
}

/** auth.signIn gives a session only under `local`: other modes go through auth.begin and their step. */
export function refuseUnlessLocal(core: Core, ring: Keyring): void {
  const mode = new IdentityConfig(core.db).mode();
  if (mode === 'local') return;
  wipeKeyring(ring);
  throw new ApiError(
    'POLICY_DENIED',
    `This workstation's sign-in mode is ${mode}: the password alone does not sign in. Use "Sign in" in the app, or any command of the command line, which asks for the ${mode === 'idp' ? 'identity provider' : 'directory password'} next.`,
  );
}

const EXPIRED = 'This sign-in expired or was already used. Sign in again with your name and password.';

function samlView(s: SamlSettings) {
  return {
    entityId: s.entityId,
    displayName: s.displayName,
    ssoUrl: s.ssoUrl,
    certSha256: s.certs.map((c) => createHash('sha256').update(Buffer.from(c, 'base64')).digest('hex')),
    certificates: s.certs.map((c) => {
      const der = Buffer.from(c, 'base64');
      const sha256 = createHash('sha256').update(der).digest('hex');
      try {
        const x = new X509Certificate(der);
        return {
          sha256,
          subject: x.subject.replace(/\n/g, ', '),
          validFrom: new Date(x.validFrom).toISOString(),
          validTo: new Date(x.validTo).toISOString(),
        };
      } catch {
        return { sha256, subject: '(unreadable)', validFrom: '', validTo: '' };
      }
    }),
    metadataSha256: s.metadataSha256,
    spEntityId: s.spEntityId,
    acsUrl: s.acsUrl,
    userAttribute: s.userAttribute,
    groupAttribute: s.groupAttribute,
    requiredAuthnContext: s.requiredAuthnContext,
    wantResponseSigned: s.wantResponseSigned,
    clockSkewSeconds: s.clockSkewSeconds,
    waitSeconds: s.waitSeconds,
    spMetadata: spMetadata(s),
  };
}

function ldapView(s: LdapSettings) {
  const { caPem, ...rest } = s;
  let subject: string;
  try {
    subject = new X509Certificate(caPem).subject.replace(/\n/g, ', ');
  } catch {
    subject = '(unreadable)';
  }
  return { ...rest, caSha256: createHash('sha256').update(caPem).digest('hex'), caSubject: subject };
}

/** A small text file an admin picked (the IdP's metadata, the site CA): read here, never fetched. */
async function readPicked(path: string, max: number, what: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new ApiError('NOT_FOUND', `The ${what} file ${path} does not exist (or is not a file). Choose the file again.`);
  if (info.size > max)
    throw new ApiError(
      'INVALID_INPUT',
      `The ${what} file ${path} is ${info.size} bytes; it should be at most ${max}. Is it the right file?`,
    );
  return await readFile(path, 'utf8');
}

function needSaml(config: IdentityConfig<never> | IdentityConfig): SamlSettings {
  const saml = config.saml();
  if (!saml)
    throw new ApiError('NOT_FOUND', "No identity provider is set up. An admin imports the identity provider's metadata file first.");
  return saml;
}

export const identityHandlers: {
  'auth.begin': Handler<'auth.begin'>;
  'auth.idp.begin': Handler<'auth.idp.begin'>;
  'auth.idp.complete': Handler<'auth.idp.complete'>;
  'auth.ldap.complete': Handler<'auth.ldap.complete'>;
  'auth.cancel': Handler<'auth.cancel'>;
  'identity.show': Handler<'identity.show'>;
  'identity.setMode': Handler<'identity.setMode'>;
  'identity.saml.set': Handler<'identity.saml.set'>;
  'identity.ldap.set': Handler<'identity.ldap.set'>;
  'identity.remove': Handler<'identity.remove'>;
  'identity.mapping.add': Handler<'identity.mapping.add'>;
  'identity.mapping.remove': Handler<'identity.mapping.remove'>;
} = {
  'auth.begin': {
    // Opens the store (like auth.signIn) and, under `local`, a session.
    kind: 'write',
    run: async (ctx, input) => {
      const core = ctx.core;
      const { user, ring } = await core.identity.authenticate(input.name, input.password);
      const next = nextStepFor(core, user, ring);
      if (next) return next;
      const session = core.identity.finishLocalSignIn(user, ring, input.name, input.totpCode);
      const mustEnrolTotp = session.mustEnrolTotp === true;
      return { sessionId: session.id, user: userInfo(user), permissions: permissionsOf(user.roles), mustEnrolTotp };
    },
  },

  'auth.idp.begin': {
    // Saves the request id in the store and opens the loopback ACS listener.
    kind: 'write',
    run: async (ctx, input) => {
      const core = ctx.core;
      const attempt = core.signInAttempts.peek(input.attemptId, 'idp', core.clock.now().getTime());
      if (!attempt) throw new ApiError('UNAUTHENTICATED', EXPIRED);
      const saml = needSaml(new IdentityConfig(core.db));
      attempt.cancel?.();
      delete attempt.cancel;
      delete attempt.response;
      const { url, requestId } = await beginSaml(saml, new StoreRequestCache(core.db, () => Date.now()));
      attempt.requestId = requestId;
      // The desktop's IdP window takes the answer itself (no listening port); the CLI's browser posts it here.
      if (input.answerFrom !== 'window') {
        const listener = await listenForResponse(saml.acsUrl, requestId, saml.waitSeconds * 1000);
        attempt.response = listener.response;
        attempt.cancel = () => listener.close();
      }
      return { url, acsUrl: saml.acsUrl, idpName: saml.displayName, waitSeconds: saml.waitSeconds };
    },
  },

  'auth.idp.complete': {
    kind: 'write',
    run: async (ctx, input) => {
      const core = ctx.core;
      const attempts = core.signInAttempts;
      const held = attempts.peek(input.attemptId, 'idp', core.clock.now().getTime());
      if (!held?.requestId) throw new ApiError('UNAUTHENTICATED', EXPIRED);
      const saml = needSaml(new IdentityConfig(core.db));
      let samlResponse = input.samlResponse;
      if (samlResponse === undefined) {
        if (!held.response)
          throw new ApiError('INVALID_INPUT', "This sign-in takes the IdP's answer from its window: give it as samlResponse.");
        try {
          samlResponse = await held.response;
        } catch (e) {
          attempts.abandon(held.id);
          throw e;
        }
      }
      // Taken once: a refused answer ends this sign-in (the next starts at the password).
      const attempt = attempts.take(held.id);
      if (!attempt) throw new ApiError('UNAUTHENTICATED', EXPIRED);
      let identity;
      try {
        identity = await validateSaml(saml, core.db, () => Date.now(), samlResponse, attempt.requestId!);
      } catch (e) {
        if (e instanceof SamlRefusal) return refuse(ctx, attempt, 'saml', e.reason, { claimed: e.claimed }, saml.displayName);
        throw e;
      }
      const details = {
        source: 'saml',
        issuer: identity.issuer,
        nameIdSha256: identity.nameIdSha256,
        authnContext: identity.authnContext,
        assertionId: identity.assertionId,
      };
      if (identity.user !== attempt.user.name) {
        return refuse(
          ctx,
          attempt,
          'saml',
          `the IdP signed in ${identity.user === null ? `someone without the ${saml.userAttribute} attribute` : `"${identity.user}"`}, not "${attempt.user.name}"`,
          details,
          saml.displayName,
        );
      }
      return finish(ctx, attempt, 'saml', identity.groups, details, saml.displayName);
    },
  },

  'auth.ldap.complete': {
    kind: 'write',
    run: async (ctx, input) => {
      const core = ctx.core;
      const attempt = core.signInAttempts.take(input.attemptId);
      if (!attempt || attempt.step !== 'ldap') throw new ApiError('UNAUTHENTICATED', EXPIRED);
      const ldap = new IdentityConfig(core.db).ldap();
      if (!ldap) return refuse(ctx, attempt, 'ldap', 'no directory is set up', {}, 'the directory');
      let found;
      try {
        found = await ldapSignIn(ldap, attempt.user.name, input.password);
      } catch (e) {
        if (e instanceof LdapRefusal) return refuse(ctx, attempt, 'ldap', e.reason, { url: ldap.url }, 'the directory');
        throw e;
      }
      const dnSha256 = createHash('sha256').update(found.dn.toLowerCase()).digest('hex');
      return finish(ctx, attempt, 'ldap', found.groups, { source: 'ldap', url: ldap.url, dnSha256 }, 'the directory');
    },
  },

  'auth.cancel': {
    kind: 'write',
    run: (ctx, input) => {
      ctx.core.signInAttempts.abandon(input.attemptId);
      return { ok: true as const };
    },
  },

  'identity.show': {
    run: (ctx) => {
      const config = new IdentityConfig(ctx.db);
      const users = ctx.core.users.list();
      const byId = new Map(users.map((u) => [u.id, u] as const));
      const saml = config.saml();
      const ldap = config.ldap();
      return {
        mode: config.mode(),
        saml: saml ? samlView(saml) : null,
        ldap: ldap ? ldapView(ldap) : null,
        mappings: config.mappings(),
        waiting: waitingRoleChanges(ctx.db, (id) => byId.get(id)?.roles).map((w) => ({
          user: byId.get(w.userId)!.name,
          role: w.role,
          change: w.change,
          source: w.source,
          since: w.since,
        })),
      };
    },
  },

  'identity.setMode': {
    run: (ctx, input) => {
      const core = ctx.core;
      const config = new IdentityConfig(core.db);
      if (input.mode === 'idp' && !config.saml()) {
        throw new ApiError(
          'INVALID_INPUT',
          'The identity provider is not set up yet: import its metadata file first, then choose this sign-in method. Nothing was changed.',
        );
      }
      if (input.mode === 'ldap' && !config.ldap())
        throw new ApiError(
          'INVALID_INPUT',
          'The directory is not set up yet: save its address, site CA and user names first, then choose this sign-in method. Nothing was changed.',
        );
      const signer = needSigner(ctx);
      const from = config.mode();
      ctx.change(() => config.set('auth.mode', input.mode, ctx.actor, core.clock.now().toISOString(), signer), {
        details: { from, to: input.mode },
      });
      return { ok: true as const };
    },
    target: () => 'identity:auth.mode',
  },

  'identity.saml.set': {
    run: async (ctx, input) => {
      const core = ctx.core;
      const config = new IdentityConfig(core.db);
      const current = config.saml();
      if (input.metadataXml !== undefined && input.metadataFile !== undefined)
        throw new ApiError('INVALID_INPUT', "Give the IdP's metadata as a file or as its text, not both.");
      const xml = input.metadataFile !== undefined ? await readPicked(input.metadataFile, 512 * 1024, 'metadata') : input.metadataXml;
      const imported = xml !== undefined ? parseIdpMetadata(xml) : null;
      if (!current && !imported)
        throw new ApiError('INVALID_INPUT', "Give the IdP's metadata file first; the other options change an imported IdP.");
      const base = current ?? {
        displayName: 'the identity provider',
        spEntityId: `urn:airgap-runner:sp:${core.workstationId}`,
        acsUrl: `http://127.0.0.1:${DEFAULT_ACS_PORT}/saml/acs`,
        userAttribute: 'uid',
        groupAttribute: 'groups',
        requiredAuthnContext: REFEDS_MFA,
        wantResponseSigned: false,
        clockSkewSeconds: 60,
        waitSeconds: 300,
      };
      const candidate = {
        ...base,
        ...(imported ?? {}),
        ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
        ...(input.spEntityId !== undefined ? { spEntityId: input.spEntityId } : {}),
        ...(input.acsPort !== undefined ? { acsUrl: `http://127.0.0.1:${input.acsPort}/saml/acs` } : {}),
        ...(input.userAttribute !== undefined ? { userAttribute: input.userAttribute } : {}),
        ...(input.groupAttribute !== undefined ? { groupAttribute: input.groupAttribute } : {}),
        ...(input.requiredAuthnContext !== undefined ? { requiredAuthnContext: input.requiredAuthnContext } : {}),
        ...(input.wantResponseSigned !== undefined ? { wantResponseSigned: input.wantResponseSigned } : {}),
        ...(input.clockSkewSeconds !== undefined ? { clockSkewSeconds: input.clockSkewSeconds } : {}),
        ...(input.waitSeconds !== undefined ? { waitSeconds: input.waitSeconds } : {}),
      };
      const parsed = samlSettingsSchema.safeParse(candidate);
      if (!parsed.success)
        throw new ApiError('INVALID_INPUT', `The IdP settings are not valid: ${parsed.error.issues[0]?.message ?? 'unknown'}.`);
      const settings = parsed.data;
      const signer = needSigner(ctx);
      const view = samlView(settings);
      ctx.change(() => config.set('saml', settings, ctx.actor, core.clock.now().toISOString(), signer), {
        details: {
          entityId: settings.entityId,
          metadataSha256: settings.metadataSha256,
          certSha256: view.certSha256,
          metadataImported: imported !== null,
          acsUrl: settings.acsUrl,
          requiredAuthnContext: settings.requiredAuthnContext,
          userAttribute: settings.userAttribute,
          groupAttribute: settings.groupAttribute,
          wantResponseSigned: settings.wantResponseSigned,
          clockSkewSeconds: settings.clockSkewSeconds,
        },
      });
      return view;
    },
    target: () => 'identity:saml',
    details: () => ({}),
  },

  'identity.ldap.set': {
    run: async (ctx, input) => {
      const core = ctx.core;
      const { caFile, caPem: givenPem, ...fields } = input;
      if (caFile !== undefined && givenPem !== undefined)
        throw new ApiError('INVALID_INPUT', 'Give the site CA as a file or as its text, not both.');
      // Changing other fields keeps the CA already pinned.
      const caPem =
        caFile !== undefined ? await readPicked(caFile, 64 * 1024, 'site CA') : (givenPem ?? new IdentityConfig(core.db).ldap()?.caPem);
      if (caPem === undefined)
        throw new ApiError(
          'INVALID_INPUT',
          "Choose the site CA's certificate file (PEM): the only authority the directory's certificate may chain to.",
        );
      const parsed = ldapSettingsSchema.safeParse({ serverName: null, groupBase: null, timeoutMs: 5000, ...fields, caPem });
      if (!parsed.success)
        throw new ApiError('INVALID_INPUT', `The directory settings are not valid: ${parsed.error.issues[0]?.message ?? 'unknown'}.`);
      try {
        new X509Certificate(parsed.data.caPem);
      } catch {
        throw new ApiError('INVALID_INPUT', 'The site CA is not a readable PEM certificate.');
      }
      const signer = needSigner(ctx);
      const view = ldapView(parsed.data);
      const { caSubject: _subject, ...audited } = view;
      ctx.change(() => new IdentityConfig(core.db).set('ldap', parsed.data, ctx.actor, core.clock.now().toISOString(), signer), {
        details: audited,
      });
      return view;
    },
    target: () => 'identity:ldap',
  },

  'identity.remove': {
    run: (ctx, input) => {
      const core = ctx.core;
      const config = new IdentityConfig(core.db);
      const mode = config.mode();
      if ((input.source === 'saml' && mode === 'idp') || (input.source === 'ldap' && mode === 'ldap')) {
        throw new ApiError(
          'CONFLICT',
          `The sign-in method uses it now. Choose another sign-in method first (for example local passwords).`,
        );
      }
      if (!(input.source === 'saml' ? config.saml() : config.ldap()))
        throw new ApiError('NOT_FOUND', `No ${input.source} settings to remove.`);
      const signer = needSigner(ctx);
      ctx.change(() => config.remove(input.source, signer));
      return { ok: true as const };
    },
    target: (input) => `identity:${input.source}`,
  },

  'identity.mapping.add': {
    run: (ctx, input) => {
      const core = ctx.core;
      const signer = needSigner(ctx);
      ctx.change(() =>
        new IdentityConfig(core.db).addMapping(
          { source: input.source, group: input.group, role: input.role, createdAt: core.clock.now().toISOString(), createdBy: ctx.actor },
          signer,
        ),
      );
      return { ok: true as const };
    },
    target: (input) => `identity-mapping:${input.source}`,
    details: (input) => ({ group: input.group, role: input.role }),
  },

  'identity.mapping.remove': {
    run: (ctx, input) => {
      const signer = needSigner(ctx);
      ctx.change(() => new IdentityConfig(ctx.core.db).removeMapping(input.source, input.group, input.role, signer));
      return { ok: true as const };
    },
    target: (input) => `identity-mapping:${input.source}`,
    details: (input) => ({ group: input.group, role: input.role }),
  },
};
