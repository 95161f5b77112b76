/**
 * Parses the source forms the operator types: `registry://HOST[:PORT][/PREFIX]`, `oci:DIR`,
 * `archive:FILE`. Credentials never go in a URL (they would end up in logs and the audit trail).
 */
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { ApiError } from '../kernel';
import { isRepositoryName } from './names';

export interface RegistryLocation {
  /** Host name or IP as used in URLs (`[::1]` for IPv6). */
  host: string;
  port: number | undefined;
  /** Repository prefix without slashes, '' for none. */
  prefix: string;
  /** `host:port` or `host` */
  authority: string;
}

export type SourceSpec =
  { kind: 'registry'; registry: RegistryLocation } | { kind: 'oci-layout'; dir: string } | { kind: 'archive'; file: string };

/** The text as typed, with anything that looks like user:password@ blanked out. */
const redacted = (text: string): string => text.replace(/\/\/[^/@]*@/, '//***@').slice(0, 200);

const bad = (text: string, why: string): ApiError =>
  new ApiError(
    'INVALID_INPUT',
    `"${redacted(text)}" is not a usable mirror source: ${why} Use registry://HOST:PORT[/PREFIX], oci:DIR or archive:FILE.`,
  );

export function parseRegistryUrl(text: string): RegistryLocation {
  if (!text.startsWith('registry://')) throw bad(text, 'a registry source starts with registry://.');
  const rest = text.slice('registry://'.length);
  let url: URL;
  try {
    url = new URL(`https://${rest}`);
  } catch {
    throw bad(text, 'the host and port cannot be read.');
  }
  if (url.username || url.password || rest.includes('@')) {
    throw bad(text, 'credentials do not belong in the address; enter them in the source settings.');
  }
  const slash = rest.indexOf('/');
  if (
    slash >= 0 &&
    rest
      .slice(slash)
      .split('/')
      .some((part) => part === '.' || part === '..')
  )
    throw bad(text, 'the prefix may not contain "." or "..".');
  if (url.search || url.hash || rest.includes('?') || rest.includes('#')) throw bad(text, 'a query or fragment is not allowed.');
  if (!url.hostname) throw bad(text, 'the host is missing.');
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !isRepositoryName(prefix)) throw bad(text, `the prefix "${prefix}" is not a valid repository path.`);
  const port = url.port === '' ? undefined : Number(url.port);
  return { host: url.hostname, port, prefix, authority: port === undefined ? url.hostname : `${url.hostname}:${port}` };
}

export function formatRegistryUrl(location: RegistryLocation): string {
  return `registry://${location.authority}${location.prefix ? `/${location.prefix}` : ''}`;
}

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves the workstation. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  return false;
}

export function parseSourceSpec(text: string): SourceSpec {
  const trimmed = text.trim();
  if (trimmed.startsWith('registry://')) return { kind: 'registry', registry: parseRegistryUrl(trimmed) };
  if (trimmed.startsWith('oci:')) {
    const dir = trimmed.slice(4);
    if (!dir) throw bad(text, 'the folder is missing.');
    return { kind: 'oci-layout', dir: resolvePath(dir) };
  }
  if (trimmed.startsWith('archive:')) {
    const file = trimmed.slice(8);
    if (!file) throw bad(text, 'the file is missing.');
    return { kind: 'archive', file: resolvePath(file) };
  }
  throw bad(text, 'the kind of source is not known.');
}
