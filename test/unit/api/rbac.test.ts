/**
 * Calls every operation of the handler table as each role (and as a user with two roles) and
 * compares allowed/refused with the roles table of ARCHITECTURE.md, written out here on its own
 * so the test does not just restate src/api/permissions.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { contract, OP_NAMES, type OpName } from '../../../src/api/contract';
import { dispatch } from '../../../src/api/dispatcher';
import { addUser, initialisedCore, tempDir } from '../../helpers/core';

type Who = 'admin' | 'operator' | 'auditor' | 'viewer';
const ALL: Who[] = ['admin', 'operator', 'auditor', 'viewer'];

/** Who may call each operation ('public' needs no session). */
const EXPECTED: Record<OpName, Who[] | 'public'> = {
  'system.status': 'public',
  'system.init': 'public',
  'auth.signIn': 'public',
  'store.restore': 'public',
  'store.recover': 'public',
  'auth.signOut': ALL,
  'auth.whoami': ALL,
  'auth.changePassword': ALL,
  'settings.get': ALL,
  'store.check': ALL,
  'users.list': ['admin'],
  'users.add': ['admin'],
  'users.remove': ['admin'],
  'users.setRoles': ['admin'],
  'users.resetPassword': ['admin'],
  'settings.set': ['admin'],
  'store.backup': ['admin'],
  'audit.list': ['admin', 'auditor'],
  'audit.head': ['admin', 'auditor'],
  'audit.check': ['admin', 'auditor'],
  // issue 4: browsing a mirror and importing are the operator's; trust roots, tag policy and revocation the admin's; the catalog everyone's.
  'mirror.list': ['operator'],
  'bundles.import': ['operator'],
  'bundles.prune': ['operator'],
  'bundles.list': ALL,
  'bundles.show': ALL,
  'tasks.list': ALL,
  'trust.list': ALL,
  'policy.show': ALL,
  'bundles.revoke': ['admin'],
  'trust.addKey': ['admin'],
  'trust.remove': ['admin'],
  'policy.preview': ['admin'],
  'policy.allow': ['admin'],
  'policy.deny': ['admin'],
  'policy.clear': ['admin'],
  'audit.status': ALL,
  'audit.identity': ALL,
  'audit.identityReplace': ['admin'],
  'audit.export': ['auditor'],
  // issue 8: what the next export's details become under a rule set; the exporter's own preview.
  'audit.exportPreview': ['admin', 'auditor'],
  'audit.exports': ['admin', 'auditor'],
  'audit.confirm': ['auditor'],
  'audit.prune': ['auditor'],
  'audit.verify': 'public',
  'runs.start': ['operator'],
  'runs.list': ALL,
  'runs.show': ALL,
  'runs.logs': ALL,
  'runs.logSearch': ALL,
  'runs.logFirstError': ALL,
  // issue 12: the CLI's `run` waits for its run through the contract.
  'runs.wait': ALL,
  'runs.approve': ['admin', 'operator'],
  'runs.cancel': ['admin', 'operator'],
  'vault.add': ['admin', 'operator'],
  'vault.list': ['admin', 'operator'],
  'vault.bind': ['admin', 'operator'],
  'vault.unbind': ['admin', 'operator'],
  'vault.remove': ['admin', 'operator'],
  'vault.purpose': ['admin'],
  'networks.add': ['admin'],
  'networks.list': ALL,
  'schedules.add': ['operator'],
  'schedules.update': ['operator'],
  'schedules.preview': ALL,
  'schedules.list': ALL,
  'schedules.show': ALL,
  'schedules.pause': ['operator'],
  'schedules.resume': ['operator'],
  'schedules.approve': ['admin', 'operator'],
  'schedules.remove': ['operator'],
  'health.summary': ALL,
  'health.series': ALL,
  'health.runs': ALL,
  'health.issues': ALL,
  'health.setSlo': ['operator'],
  'health.removeSlo': ['operator'],
  'health.exportCsv': ALL,
  // issue 17: admins enrol, re-pin and remove nodes; everyone signed in sees them (operators pick one for a run).
  'nodes.probe': ['admin'],
  'nodes.add': ['admin'],
  'nodes.list': ALL,
  'nodes.show': ALL,
  'nodes.pin': ['admin'],
  'nodes.prune': ['admin'],
  'nodes.remove': ['admin'],
  // issue 18: the site SSH CA and its grants are the admin's (authorization state, sealed); what was issued everyone sees.
  'sshCa.create': ['admin'],
  'sshCa.import': ['admin'],
  'sshCa.addToken': ['admin'],
  'sshCa.list': ALL,
  'sshCa.allow': ['admin'],
  'sshCa.issued': ALL,
  'sshCa.krl': ['admin'],
  // issue 8: retention limits and purging run output are settings, the admin's alone.
  'retention.show': ['admin'],
  'retention.set': ['admin'],
  'retention.purge': ['admin'],
  // issue 8: summaries go to the site's LLM endpoint by operators and admins; everyone may read them.
  'runs.summarise': ['admin', 'operator'],
  'runs.summarisePreview': ['admin', 'operator'],
  'runs.summaries': ALL,
  // issue 8: a redacted run report leaves by operators and admins; auditors preview too (for audit exports); site patterns are the operators' and admins'.
  'runs.export': ['admin', 'operator'],
  'runs.saveLog': ALL,
  'redact.preview': ['admin', 'operator'],
  'redact.patterns.list': ['admin', 'operator'],
  'redact.unmap': ['admin', 'operator'],
  'redact.patterns.add': ['admin'],
  'redact.patterns.remove': ['admin'],
  // issue 7: the run form's task declaration, the engine card and the issues list are everyone's to read.
  'tasks.show': ALL,
  'engine.status': ALL,
  'issues.list': ALL,
  // issue 14: offline TOTP is each user's own; which roles require it, and a reset for a lost device, the admin's.
  'auth.totp.status': ALL,
  'auth.totp.enrolBegin': ALL,
  'auth.totp.enrolConfirm': ALL,
  'auth.totp.disable': ALL,
  'auth.totp.reset': ['admin'],
  'auth.totp.requirements': ['admin'],
  'auth.totp.require': ['admin'],
  // issue 14: the sign-in's further steps are public (they carry the attempt id); identity settings are the users admin's.
  'auth.begin': 'public',
  'auth.idp.begin': 'public',
  'auth.idp.complete': 'public',
  'auth.ldap.complete': 'public',
  'auth.cancel': 'public',
  'identity.show': ['admin'],
  'identity.setMode': ['admin'],
  'identity.saml.set': ['admin'],
  'identity.ldap.set': ['admin'],
  'identity.remove': ['admin'],
  'identity.mapping.add': ['admin'],
  'identity.mapping.remove': ['admin'],
};

function sampleInput(name: OpName, dir: string, n: number): unknown {
  switch (name) {
    case 'system.init':
      return { adminName: 'another', password: 'another-password-1' };
    case 'auth.signIn':
    case 'auth.begin':
      return { name: 'nobody', password: 'whatever-password' };
    case 'auth.idp.begin':
    case 'auth.idp.complete':
    case 'auth.cancel':
      return { attemptId: 'no-such-attempt' };
    case 'auth.ldap.complete':
      return { attemptId: 'no-such-attempt', password: 'x' };
    case 'identity.setMode':
      return { mode: 'local' };
    case 'identity.remove':
      return { source: 'saml' };
    case 'identity.mapping.add':
      return { source: 'saml', group: `group-${n}`, role: 'viewer' };
    case 'identity.mapping.remove':
      return { source: 'saml', group: 'no-group', role: 'viewer' };
    case 'auth.changePassword':
      return { currentPassword: 'not-the-current-pw', newPassword: 'a-new-password-123' };
    case 'users.add':
      return { name: `added${n}`, roles: ['viewer'], password: 'added-password-123' };
    case 'users.remove':
    case 'users.setRoles':
    case 'users.resetPassword':
      return { name: 'nobody', roles: ['viewer'], password: 'reset-password-123' };
    case 'settings.set':
      return { key: 'site.name', value: `site ${n}` };
    case 'store.backup':
      return { outPath: join(dir, `backup-${n}.bin`) };
    case 'store.restore':
      return { file: join(dir, 'none.bin'), name: 'admin', password: 'x' };
    case 'store.recover':
      return { recoveryKey: 'AAAAA', adminName: 'admin', newPassword: 'recover-password-1' };
    case 'bundles.revoke':
      return { digest: `sha256:${'a'.repeat(64)}`, reason: 'rbac test' };
    case 'policy.allow':
    case 'policy.deny':
      return { tags: ['data:metrics'] };
    case 'policy.preview':
      return { change: 'deny', tags: ['data:metrics'] };
    case 'mirror.list':
      return { source: `oci:${join(dir, 'no-mirror')}` };
    case 'runs.cancel':
      return { id: 'r-aaaaaaaaaa' };
    default:
      return {};
  }
}

test('the expected table covers exactly the operations of the contract', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...OP_NAMES].sort());
});

test('every operation, as every role and a two-role user: refused exactly when the roles table says so', async () => {
  const env = await initialisedCore();
  const dir = tempDir();
  const personas: Array<{ label: string; roles: Who[] }> = [
    { label: 'admin2', roles: ['admin'] },
    { label: 'operator1', roles: ['operator'] },
    { label: 'auditor1', roles: ['auditor'] },
    { label: 'viewer1', roles: ['viewer'] },
    { label: 'opaud1', roles: ['operator', 'auditor'] },
  ];
  const passwords = new Map<string, string>();
  for (const p of personas) passwords.set(p.label, (await addUser(env.core, env.admin, p.label, p.roles)).password);

  let n = 0;
  const mismatches: string[] = [];
  for (const p of personas) {
    for (const name of OP_NAMES) {
      const expected = EXPECTED[name];
      // A fresh session per call: some calls (sign-out) end the session.
      const session = (await dispatch(env.core, null, 'auth.signIn', { name: p.label, password: passwords.get(p.label)! })).sessionId;
      let code = 'OK';
      try {
        await dispatch(env.core, session, name, sampleInput(name, dir, n++));
      } catch (error) {
        code = (error as { code: string }).code;
      }
      const allowed = expected === 'public' || p.roles.some((r) => expected.includes(r));
      if (allowed && code === 'FORBIDDEN') mismatches.push(`${p.label} refused ${name}`);
      if (!allowed && code !== 'FORBIDDEN') mismatches.push(`${p.label} was not refused ${name} (got ${code})`);
      env.core.sessions.end(session);
    }
  }
  assert.deepEqual(mismatches, []);
  await env.cleanup();
});

test('no session: every non-public operation is UNAUTHENTICATED', async () => {
  const env = await initialisedCore();
  for (const name of OP_NAMES) {
    if (contract[name].access === 'public') continue;
    await assert.rejects(dispatch(env.core, null, name, {}), { code: 'UNAUTHENTICATED' }, name);
  }
  await env.cleanup();
});
