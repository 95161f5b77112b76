/** Enterprise sign-in settings (docs/identity.md): the sign-in mode, the IdP, the directory, group mappings. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROLES } from '../../api/model';
import { ApiError } from '../../kernel';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { printFields, printJson, printTable } from '../output';

const SOURCES = ['saml', 'ldap'] as const;

function readText(file: string, what: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch {
    throw new ApiError('NOT_FOUND', `Cannot read ${what} ${file}. Check the path.`);
  }
}

const SAML_FLAGS = {
  name: { value: 'NAME', help: 'The name on the "Sign in with" button.' },
  'acs-port': { value: 'PORT', help: 'The loopback port of the ACS URL registered at the IdP (default 47380).' },
  mfa: { value: 'CLASS', help: 'The AuthnContextClassRef to require, or "none" (default: the REFEDS MFA profile).' },
  'clock-skew': { value: 'SECONDS', help: "How far this workstation's and the IdP's clocks may differ, 0 to 300 (default 60)." },
  'user-attribute': {
    value: 'NAME',
    help: 'The attribute that must equal the local user name ("nameid" for the NameID; default uid).',
  },
  'group-attribute': { value: 'NAME', help: 'The attribute holding the groups (default groups).' },
};
const SAML_USAGE = '[--name NAME] [--acs-port PORT] [--mfa CLASS] [--clock-skew SECONDS] [--user-attribute NAME] [--group-attribute NAME]';

/** The IdP options given on the command line (only those given change). */
function samlOptions(args: Parameters<Command['run']>[1]) {
  const mfa = flag(args, 'mfa');
  const port = flag(args, 'acs-port');
  const skew = flag(args, 'clock-skew');
  if (skew !== undefined && !/^\d+$/.test(skew))
    throw new ApiError('INVALID_INPUT', '--clock-skew takes a whole number of seconds, 0 to 300.');
  return {
    ...(flag(args, 'name') ? { displayName: flag(args, 'name') } : {}),
    ...(port ? { acsPort: Number(port) } : {}),
    ...(mfa ? { requiredAuthnContext: mfa === 'none' ? null : mfa } : {}),
    ...(skew !== undefined ? { clockSkewSeconds: Number(skew) } : {}),
    ...(flag(args, 'user-attribute') ? { userAttribute: flag(args, 'user-attribute') } : {}),
    ...(flag(args, 'group-attribute') ? { groupAttribute: flag(args, 'group-attribute') } : {}),
  };
}

function mappingArgs(args: Parameters<Command['run']>[1], usage: string) {
  const source = positional(args, 0, 'SOURCE (saml or ldap)', usage);
  const group = positional(args, 1, 'GROUP', usage);
  const role = positional(args, 2, 'ROLE', usage);
  return { source, group, role };
}

export const identityCommands: Command[] = [
  {
    path: ['auth', 'show'],
    area: 'users',
    examples: ['auth show'],
    usage: 'auth show',
    summary: 'The sign-in mode, the IdP and directory settings, group mappings, and role changes waiting for an admin.',
    run: async (ctx) => {
      const out = await ctx.call('identity.show', {});
      if (ctx.json) return printJson(out);
      printFields({
        mode: out.mode,
        idp: out.saml ? `${out.saml.displayName} (${out.saml.entityId})` : '(none)',
        acsUrl: out.saml?.acsUrl ?? '',
        mfa: out.saml?.requiredAuthnContext ?? '(none asked)',
        directory: out.ldap ? `${out.ldap.url}${out.ldap.startTls ? ' (StartTLS)' : ''}` : '(none)',
      });
      if (out.mappings.length > 0) printTable(out.mappings, ['source', 'group', 'role', 'createdBy']);
      if (out.waiting.length > 0) printTable(out.waiting, ['user', 'change', 'role', 'source', 'since']);
    },
  },
  {
    path: ['auth', 'mode'],
    area: 'users',
    examples: ['auth mode idp', 'auth mode local'],
    usage: 'auth mode MODE',
    summary: 'How users sign in: the password alone, or then the IdP or the directory too (admin). Break-glass: recover.',
    run: async (ctx, args) => {
      const mode = positional(args, 0, 'MODE (local, idp or ldap)', 'auth mode MODE');
      const out = await ctx.call('identity.setMode', { mode });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Sign-in mode: ${mode}.\n`);
    },
  },
  {
    path: ['auth', 'idp', 'import-metadata'],
    area: 'users',
    flags: SAML_FLAGS,
    examples: ['auth idp import-metadata idp.xml --name "Example ADFS" --mfa http://schemas.microsoft.com/claims/multipleauthn'],
    usage: `auth idp import-metadata FILE ${SAML_USAGE}`,
    summary:
      "Import the IdP's metadata from a file (never fetched; its signing certificate is pinned) and print this SP's metadata (admin).",
    run: async (ctx, args) => {
      const file = positional(args, 0, 'FILE', 'auth idp import-metadata FILE');
      const out = await ctx.call('identity.saml.set', { metadataXml: readText(file, 'the metadata file'), ...samlOptions(args) });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Imported ${out.entityId}; signing certificate SHA-256 ${out.certSha256.join(', ')}.\n`);
      process.stdout.write(`Register this SP at the IdP (ACS ${out.acsUrl}):\n\n${out.spMetadata}\n`);
    },
  },
  {
    path: ['auth', 'idp', 'set'],
    area: 'users',
    flags: SAML_FLAGS,
    examples: ['auth idp set --clock-skew 120', 'auth idp set --mfa https://refeds.org/profile/mfa --name "Site Keycloak"'],
    usage: `auth idp set ${SAML_USAGE}`,
    summary: 'Change the options of the imported IdP without importing its metadata again (admin).',
    run: async (ctx, args) => {
      const options = samlOptions(args);
      if (Object.keys(options).length === 0)
        throw new ApiError('INVALID_INPUT', `Give at least one option to change: auth idp set ${SAML_USAGE}`);
      const out = await ctx.call('identity.saml.set', options);
      if (ctx.json) return printJson(out);
      process.stdout.write(
        `IdP ${out.entityId}: name "${out.displayName}", MFA ${out.requiredAuthnContext ?? 'not asked'}, clock skew ${out.clockSkewSeconds} s, ACS ${out.acsUrl}.\n`,
      );
    },
  },
  {
    path: ['auth', 'idp', 'remove'],
    area: 'users',
    examples: ['auth idp remove'],
    usage: 'auth idp remove',
    summary: 'Remove the IdP settings and its pinned certificate (refused while the sign-in mode is idp) (admin).',
    run: async (ctx) => {
      const out = await ctx.call('identity.remove', { source: 'saml' });
      if (ctx.json) return printJson(out);
      process.stdout.write('IdP settings removed.\n');
    },
  },
  {
    path: ['auth', 'ldap', 'remove'],
    area: 'users',
    examples: ['auth ldap remove'],
    usage: 'auth ldap remove',
    summary: 'Remove the directory settings (refused while the sign-in mode is ldap) (admin).',
    run: async (ctx) => {
      const out = await ctx.call('identity.remove', { source: 'ldap' });
      if (ctx.json) return printJson(out);
      process.stdout.write('Directory settings removed.\n');
    },
  },
  {
    path: ['auth', 'ldap', 'set'],
    area: 'users',
    flags: {
      url: { value: 'URL', help: 'ldaps://HOST[:PORT], or ldap://HOST[:PORT] with --starttls.' },
      starttls: { help: 'Upgrade an ldap:// connection with StartTLS before anything is sent.' },
      ca: { value: 'FILE', help: "The site CA's PEM: the only CA the directory's certificate may chain to." },
      'user-dn': { value: 'TEMPLATE', help: 'The DN users bind as, with {user}, e.g. uid={user},ou=people,dc=example,dc=org.' },
      'group-base': { value: 'DN', help: 'Where groupOfNames groups naming the user are (their cn is mapped).' },
      'member-of': { help: "Read the user's memberOf DNs instead (Active Directory); the DNs are mapped." },
      'server-name': { value: 'NAME', help: "The name the directory's certificate is checked against (default: the URL's host)." },
    },
    examples: [
      'auth ldap set --url ldaps://dc1.example.org --ca site-ca.pem --user-dn "uid={user},ou=people,dc=example,dc=org" --group-base ou=groups,dc=example,dc=org',
    ],
    usage: 'auth ldap set --url URL --ca FILE --user-dn TEMPLATE [--starttls] [--group-base DN | --member-of] [--server-name NAME]',
    summary: 'Set the LDAP/AD directory users bind to (admin).',
    run: async (ctx, args) => {
      const usage = 'auth ldap set --url URL --ca FILE --user-dn TEMPLATE';
      const memberOf = args.flags.has('member-of');
      const out = await ctx.call('identity.ldap.set', {
        url: requireFlag(args, 'url', usage),
        startTls: args.flags.has('starttls'),
        caPem: readText(requireFlag(args, 'ca', usage), 'the CA file'),
        userDnTemplate: requireFlag(args, 'user-dn', usage),
        groupMode: memberOf ? 'memberOf' : 'member',
        groupBase: flag(args, 'group-base') ?? null,
        serverName: flag(args, 'server-name') ?? null,
      });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Directory ${out.url} set; trusted CA: ${out.caSubject}.\n`);
    },
  },
  {
    path: ['auth', 'mapping', 'add'],
    area: 'users',
    examples: [
      'auth mapping add saml airgap-operators operator',
      'auth mapping add ldap "cn=runner-admins,ou=groups,dc=example,dc=org" admin',
    ],
    usage: 'auth mapping add SOURCE GROUP ROLE',
    summary: `Map a group the IdP (saml) or directory (ldap) asserts to a role (${ROLES.join(', ')}) (admin).`,
    run: async (ctx, args) => {
      const input = mappingArgs(args, 'auth mapping add SOURCE GROUP ROLE');
      const out = await ctx.call('identity.mapping.add', input);
      if (ctx.json) return printJson(out);
      process.stdout.write(`${input.source} group "${input.group}" now maps to ${input.role}.\n`);
    },
  },
  {
    path: ['auth', 'mapping', 'remove'],
    area: 'users',
    examples: ['auth mapping remove saml airgap-operators operator'],
    usage: 'auth mapping remove SOURCE GROUP ROLE',
    summary: 'Remove a group-to-role mapping (admin).',
    run: async (ctx, args) => {
      const input = mappingArgs(args, 'auth mapping remove SOURCE GROUP ROLE');
      const out = await ctx.call('identity.mapping.remove', input);
      if (ctx.json) return printJson(out);
      process.stdout.write(`Removed: ${input.source} group "${input.group}" -> ${input.role}.\n`);
    },
  },
  {
    path: ['auth', 'mapping', 'list'],
    area: 'users',
    examples: ['auth mapping list'],
    usage: 'auth mapping list',
    summary: `Group-to-role mappings of each source (${SOURCES.join(', ')}) (admin).`,
    run: async (ctx) => {
      const out = await ctx.call('identity.show', {});
      if (ctx.json) return printJson(out.mappings);
      printTable(out.mappings, ['source', 'group', 'role', 'createdAt', 'createdBy']);
    },
  },
];
