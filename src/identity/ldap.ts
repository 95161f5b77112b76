/**
 * Sign-in against the site's LDAP/AD directory (docs/identity.md), on ldapts: LDAPS, or StartTLS
 * before anything else is sent, in both cases trusting only the site CA an admin configured (never
 * the system store); the user binds as themselves (no service account), and their groups are read
 * with that bind. Every operation has a deadline (`timeoutMs`). Refusals carry a reason for audit.
 */
import { isIP } from 'node:net';
import { AndFilter, Client, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import type { LdapSettings } from './enterprise-config';

export class LdapRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** RFC 4514: a user name as one attribute value of a DN. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/**
 * The certificate is checked against `serverName` or the URL's host: an IP against its IP SANs, a
 * DNS name (sent as SNI too). ldapts' startTLS does not pass the host on, so it is given here, or
 * Node would check the certificate against "localhost".
 */
function tlsOptionsFor(settings: LdapSettings, upgrade: boolean) {
  const host = new URL(settings.url.replace(/^ldaps?:/, 'http:')).hostname.replace(/^\[|\]$/g, '');
  const name = settings.serverName ?? host;
  return {
    ca: [settings.caPem],
    minVersion: 'TLSv1.2' as const,
    ...(upgrade ? { host: name } : {}),
    ...(isIP(name) ? {} : { servername: name }),
  };
}

export interface DirectoryIdentity {
  dn: string;
  groups: string[];
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string | number };
  return `${e.message ?? String(error)}${e.code !== undefined && typeof e.code === 'string' ? ` (${e.code})` : ''}`;
}

/** Binds as the user with their directory password and reads their groups; LdapRefusal otherwise. */
export async function ldapSignIn(settings: LdapSettings, user: string, password: string): Promise<DirectoryIdentity> {
  // An empty password is an unauthenticated bind that many directories accept: never a sign-in.
  if (password.length === 0) throw new LdapRefusal('an empty directory password was given');
  const dn = settings.userDnTemplate.replace('{user}', escapeDnValue(user));
  const client = new Client({
    url: settings.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    ...(settings.startTls ? {} : { tlsOptions: tlsOptionsFor(settings, false) }),
  });
  try {
    if (settings.startTls) {
      try {
        await client.startTLS(tlsOptionsFor(settings, true));
      } catch (e) {
        throw new LdapRefusal(`StartTLS with the directory failed: ${describe(e)}`);
      }
    }
    try {
      await client.bind(dn, password);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) {
        throw new LdapRefusal('the directory refused the password (wrong, or the account is locked or disabled)');
      }
      throw new LdapRefusal(`the directory bind failed: ${describe(e)}`);
    }
    let groups: string[];
    try {
      if (settings.groupMode === 'member') {
        const { searchEntries } = await client.search(settings.groupBase!, {
          scope: 'one',
          attributes: ['cn'],
          timeLimit: Math.ceil(settings.timeoutMs / 1000),
          filter: new AndFilter({
            filters: [
              new EqualityFilter({ attribute: 'objectClass', value: 'groupOfNames' }),
              new EqualityFilter({ attribute: 'member', value: dn }),
            ],
          }),
        });
        groups = searchEntries.flatMap((e) => (Array.isArray(e.cn) ? e.cn : [e.cn])).map(String);
      } else {
        const { searchEntries } = await client.search(dn, {
          scope: 'base',
          attributes: ['memberOf'],
          timeLimit: Math.ceil(settings.timeoutMs / 1000),
        });
        const v = searchEntries[0]?.memberOf;
        groups = (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(String);
      }
    } catch (e) {
      throw new LdapRefusal(`reading the user's groups failed: ${describe(e)}`);
    }
    return { dn, groups };
  } catch (e) {
    if (e instanceof LdapRefusal) throw e;
    throw new LdapRefusal(`the directory could not be reached: ${describe(e)}`);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
