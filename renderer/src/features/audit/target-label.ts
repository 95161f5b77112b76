/**
 * Audit targets in words for the audit trail (issue 15 item 6: no raw codes in the GUI): "Vault item
 * db-password" for `vault:db-password`, "Tag policy" for `policy:tags`. The recorded code stays in a
 * tooltip, and a target the app has no words for is shown as recorded.
 */
import { settingLabel } from '../settings';

const FIXED: Readonly<Record<string, string>> = {
  'policy:tags': 'Tag policy',
  'settings:retention': 'Retention settings',
  'audit:identity': 'Audit signing identity',
  'identity:auth.mode': 'Sign-in method',
  'identity:ldap': 'Directory (LDAP) sign-in settings',
  'identity:saml': 'Identity provider (SAML) sign-in settings',
  runs: 'Runs',
};

const SOURCES: Readonly<Record<string, string>> = { saml: 'the identity provider', ldap: 'the directory' };

const short = (hash: string, n = 16) => (hash.length > n + 8 ? `${hash.slice(0, n)}…` : hash);

const PREFIXES: Readonly<Record<string, (rest: string) => string>> = {
  run: (id) => `Run ${id}`,
  user: (name) => `User ${name}`,
  vault: (name) => `Vault item ${name}`,
  key: (fingerprint) => `Trust root ${short(fingerprint)}`,
  bundle: (name) => `Bundle ${name}`,
  digest: (digest) => `Bundle digest ${short(digest, 23)}`,
  image: (ref) => `Image ${ref}`,
  export: (id) => `Audit export ${id}`,
  file: (path) => `File ${path}`,
  health: (kind) => `Health chart (${kind})`,
  network: (name) => `Network ${name}`,
  node: (name) => `Node ${name}`,
  role: (role) => `Role ${role}`,
  schedule: (id) => `Schedule ${id}`,
  setting: (key) => `Setting “${settingLabel(key) ?? key}”`,
  slo: (path) => {
    const [bundle, task, metric] = path.split('/');
    return metric ? `Objective for ${metric} of ${bundle} ${task}` : `Objective ${path}`;
  },
  'redact-pattern': (name) => `Redaction pattern ${name}`,
  'ssh-ca': (name) => `SSH certificate authority ${name}`,
  'ssh-grant': (rest) => {
    const [kind, ...subject] = rest.split(':');
    return `SSH access for ${kind} ${subject.join(':')}`;
  },
  identity: (source) => `Sign-in through ${SOURCES[source] ?? source}`,
  'identity-mapping': (source) => `Group mappings of ${SOURCES[source] ?? source}`,
  audit: (rest) => (rest.startsWith('through:') ? `Audit events up to #${rest.slice('through:'.length)}` : `Audit ${rest}`),
};

export function targetLabel(target: string | null): string {
  if (target === null) return '—';
  const fixed = FIXED[target];
  if (fixed) return fixed;
  const colon = target.indexOf(':');
  if (colon > 0) {
    const word = PREFIXES[target.slice(0, colon)];
    if (word) return word(target.slice(colon + 1));
  }
  return target;
}
