/**
 * Operations: enterprise sign-in (docs/identity.md). The sign-in's further steps (the site's SAML
 * IdP or its LDAP/AD directory, after the local password opened the keyslot) are public: they carry
 * the attempt id the password step returned. The settings, the group-to-role mappings and what waits
 * for an admin are the users-and-roles admin's (users.manage).
 */
import { z } from 'zod';
import { op } from './define';
import { filePath, ok, password, role, userInfo, userName } from './schemas';
import { AUTH_MODES, IDENTITY_SOURCES } from '../../identity/model';
import { totpCode } from './totp';

export const signedIn = z.object({
  sessionId: z.string(),
  user: userInfo,
  permissions: z.array(z.string()),
  mustEnrolTotp: z.boolean().optional(),
});
/** The password was right; the policy asks for one more step before a session exists. */
export const nextStep = z.object({ next: z.enum(['idp', 'ldap']), attemptId: z.string(), via: z.string() });

const attemptId = z.string().min(1).max(100);
const source = z.enum(IDENTITY_SOURCES);
const port = z.number().int().min(1024).max(65535);

const samlView = z.object({
  entityId: z.string(),
  displayName: z.string(),
  ssoUrl: z.string(),
  certSha256: z.array(z.string()),
  /** Each pinned signing certificate in words: its SHA-256 fingerprint, subject and validity. */
  certificates: z.array(z.object({ sha256: z.string(), subject: z.string(), validFrom: z.string(), validTo: z.string() })),
  metadataSha256: z.string(),
  spEntityId: z.string(),
  acsUrl: z.string(),
  userAttribute: z.string(),
  groupAttribute: z.string(),
  requiredAuthnContext: z.string().nullable(),
  wantResponseSigned: z.boolean(),
  clockSkewSeconds: z.number(),
  waitSeconds: z.number(),
  spMetadata: z.string(),
});

const ldapFields = {
  url: z.string().max(500),
  startTls: z.boolean(),
  serverName: z.string().max(253).nullable(),
  userDnTemplate: z.string().max(500),
  groupMode: z.enum(['member', 'memberOf']),
  groupBase: z.string().max(500).nullable(),
  timeoutMs: z.number().int(),
};
const ldapView = z.object({ ...ldapFields, caSha256: z.string(), caSubject: z.string() });

const mapping = z.object({ source, group: z.string(), role, createdAt: z.string(), createdBy: z.string() });
const waiting = z.object({ user: z.string(), role, change: z.enum(['pending', 'lost']), source: z.string(), since: z.string() });

export const identityOps = {
  'auth.begin': op({
    summary:
      'Sign in with a user name and password, under any sign-in mode: a session (local), or the next step the mode asks for (idp: auth.idp.begin; ldap: auth.ldap.complete).',
    access: 'public',
    mutates: false,
    secretFields: ['password', 'totpCode'],
    // Under `local`, an account with offline TOTP also needs its code (the TOTP challenge says so).
    input: z.object({ name: userName, password, totpCode: totpCode.optional() }).strict(),
    output: z.union([signedIn, nextStep]),
  }),
  'auth.idp.begin': op({
    summary:
      'Start the IdP step of a sign-in: a fresh AuthnRequest (asking for the required authentication context), and the IdP URL to open; its answer is taken at the loopback ACS URL, or, with answerFrom "window", intercepted by the desktop\'s IdP window and given to auth.idp.complete (no port is opened).',
    access: 'public',
    mutates: false,
    input: z.object({ attemptId, answerFrom: z.enum(['loopback', 'window']).optional() }).strict(),
    output: z.object({ url: z.string(), acsUrl: z.string(), idpName: z.string(), waitSeconds: z.number() }),
  }),
  'auth.idp.complete': op({
    summary:
      "Finish the IdP step: waits for the IdP's answer at the ACS URL (or takes samlResponse), verifies it, maps the asserted groups to roles and opens the session. Every refusal is recorded with its reason.",
    access: 'public',
    mutates: false,
    secretFields: ['samlResponse'],
    input: z.object({ attemptId, samlResponse: z.string().max(400_000).optional() }).strict(),
    output: signedIn,
  }),
  'auth.ldap.complete': op({
    summary:
      'Finish the directory step of a sign-in: bind as the user with their directory password, map their groups to roles, open the session.',
    access: 'public',
    mutates: false,
    secretFields: ['password'],
    input: z.object({ attemptId, password }).strict(),
    output: signedIn,
  }),
  'auth.cancel': op({
    summary: 'Abandon a sign-in half done (its opened keys are wiped).',
    access: 'public',
    mutates: false,
    input: z.object({ attemptId }).strict(),
    output: ok,
  }),
  'identity.show': op({
    summary:
      'The sign-in mode, the IdP and directory settings (with the SP metadata to register at the IdP), the group mappings, and role changes waiting for an admin.',
    access: 'users.manage',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({
      mode: z.enum(AUTH_MODES),
      saml: samlView.nullable(),
      ldap: ldapView.nullable(),
      mappings: z.array(mapping),
      waiting: z.array(waiting),
    }),
  }),
  'identity.setMode': op({
    summary:
      'How users sign in: local (password), idp (password, then the SAML IdP), ldap (password, then the directory). Break-glass: the recovery key.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ mode: z.enum(AUTH_MODES) }).strict(),
    output: ok,
  }),
  'identity.saml.set': op({
    summary:
      "Import the IdP's metadata (a file's content; never fetched; its signing certificates pinned) and/or change the SAML options. The ACS URL is http://127.0.0.1:PORT/saml/acs.",
    access: 'users.manage',
    mutates: true,
    input: z
      .object({
        metadataXml: z
          .string()
          .max(512 * 1024)
          .optional(),
        /** The metadata file on this workstation (the desktop's file dialog); read here, never fetched. */
        metadataFile: filePath.optional(),
        displayName: z.string().min(1).max(100).optional(),
        spEntityId: z.string().min(1).max(1000).optional(),
        acsPort: port.optional(),
        userAttribute: z.string().min(1).max(200).optional(),
        groupAttribute: z.string().min(1).max(200).optional(),
        requiredAuthnContext: z.string().min(1).max(500).nullable().optional(),
        wantResponseSigned: z.boolean().optional(),
        clockSkewSeconds: z.number().int().min(0).max(300).optional(),
        waitSeconds: z.number().int().min(10).max(1800).optional(),
      })
      .strict(),
    output: samlView,
  }),
  'identity.ldap.set': op({
    summary:
      "Set the LDAP/AD directory: ldaps:// (or ldap:// with StartTLS), the site CA's PEM (the only CA trusted), the user DN template and how groups are read.",
    access: 'users.manage',
    mutates: true,
    input: z
      .object({
        ...ldapFields,
        serverName: ldapFields.serverName.optional(),
        groupBase: ldapFields.groupBase.optional(),
        timeoutMs: z.number().int().min(500).max(60_000).optional(),
        caPem: z
          .string()
          .max(64 * 1024)
          .optional(),
        /** The site CA's PEM file on this workstation (instead of caPem). */
        caFile: filePath.optional(),
      })
      .strict(),
    output: ldapView,
  }),
  'identity.remove': op({
    summary: 'Remove the IdP or the directory settings (refused while the sign-in mode uses it).',
    access: 'users.manage',
    mutates: true,
    input: z.object({ source }).strict(),
    output: ok,
  }),
  'identity.mapping.add': op({
    summary: 'Map a group value the IdP (attribute value) or directory (group cn, or memberOf DN) asserts to a role.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ source, group: z.string().min(1).max(1000), role }).strict(),
    output: ok,
  }),
  'identity.mapping.remove': op({
    summary: 'Remove a group-to-role mapping.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ source, group: z.string().min(1).max(1000), role }).strict(),
    output: ok,
  }),
} as const;
