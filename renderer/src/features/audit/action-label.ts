/**
 * Audit actions in words for the audit trail (issue 15 item 6: no raw action names in the GUI): the
 * operation's own summary from the contract, or a label for the events the core records itself.
 * The action's code stays available in a tooltip and in the filter.
 */
import { contract } from '../../api/contract';

const OWN_EVENTS: Readonly<Record<string, string>> = {
  'runs.end': 'Run ended',
  'runs.secretUse': 'Secret given to a run',
  'runs.summarise': 'AI summary of a run',
  'auth.pendingUnreadable': 'Pending sign-in record could not be read',
  'store.recover': 'Store recovered with the recovery key',
  'store.restore': 'Store restored from a backup',
  'audit.genesis': 'Audit trail started',
  'auth.totp.recoveryCodeUsed': 'TOTP recovery code used to sign in',
  'runs.retry': 'Run started again on another node (the first stopped answering)',
  'runs.sshCertificates': 'SSH certificates issued to a run',
  'service.lock': 'Background service locked',
  'service.unseal': 'Background service unsealed',
  'system.sealAuthorization': 'Authorization tables sealed again',
  'users.roleLost': 'Role lost at sign-in (no longer asserted by the identity source)',
  genesis: 'Audit trail started',
};

/** Operations whose summary reads long in a table column: a shorter label of what happened. */
const SHORT: Readonly<Record<string, string>> = {
  'auth.signIn': 'Signed in',
  'auth.begin': 'Sign-in started',
  'auth.signOut': 'Signed out',
  'system.init': 'Encrypted store created',
  'store.check': 'Store checked (database, unlock keys, audit chain)',
  'store.backup': 'Encrypted backup written',
  'vault.add': 'Vault item added or replaced',
  'vault.bind': 'Vault item bound to bundles',
  'vault.unbind': 'Vault item unbound from bundles',
  'policy.allow': 'Tag policy: tags allowed',
  'policy.deny': 'Tag policy: tags denied',
  'policy.clear': 'Tag policy reset to the default',
};

const MAX = 70;

export function actionLabel(action: string): string {
  const own = OWN_EVENTS[action] ?? SHORT[action];
  if (own) return own;
  const summary = (contract as Readonly<Record<string, { summary?: string }>>)[action]?.summary;
  if (!summary) return action;
  const first = summary.split(/(?<=\.)\s|;\s|:\s/)[0]!.replace(/\.$/, '');
  return first.length > MAX ? `${first.slice(0, MAX - 1)}…` : first;
}

/** Every action the trail may hold (the contract's operations and the core's own events), in words, for the filter. */
export function actionChoices(): Array<{ code: string; label: string }> {
  const codes = new Set([...Object.keys(contract), ...Object.keys(OWN_EVENTS)]);
  codes.delete('genesis');
  return [...codes].map((code) => ({ code, label: actionLabel(code) })).sort((a, b) => a.label.localeCompare(b.label));
}
