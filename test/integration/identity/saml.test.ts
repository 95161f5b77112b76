// SAML sign-in against the real test IdP (SimpleSAMLphp, test/services.sh --identity), driven in
// Debian's Chromium: the SP-initiated flow through the loopback ACS, MFA asked and checked, groups
// mapped to roles, users the IdP refuses; then hostile responses forged from a real one, each
// refused with a clear error and recorded in the audit chain with its reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { addUser, as, initialisedCore, newCore, rejects, signIn } from '../../helpers/core';
import { fixedClock } from '../../../src/kernel';
import type { Core } from '../../../src/api/core';
import { dispatch } from '../../../src/api/dispatcher';
import {
  ASSERTION,
  DS,
  SAMLP,
  SKIP_IDP,
  el,
  forge,
  freePort,
  idpEnv,
  idpLogin,
  launchChromium,
  iso,
  otherKeyPair,
  parseXml,
  postToAcs,
  registerSp,
  requestIdOf,
  serializeXml,
} from './saml-tools';

const idp = idpEnv();
const REFEDS = 'https://refeds.org/profile/mfa';

let env: Awaited<ReturnType<typeof initialisedCore>>;
let browser: Browser;
let acsUrl = '';
let unregister = () => {};
/** A real response of the IdP for alice (captured in the browser), the base of the forged ones. */
let aliceXml = '';

async function audit(action: string) {
  return (await as(env.core, env.admin)('audit.list', { action, limit: 50 })).events;
}

/** The password step, then the IdP step begun: the attempt, the IdP URL and its request id. */
async function beginIdp(core: Core, name: string, password: string) {
  const step = await dispatch(core, null, 'auth.begin', { name, password });
  assert.ok('next' in step && step.next === 'idp', `auth.begin asks for the IdP next (got ${JSON.stringify(step)})`);
  const begun = await dispatch(core, null, 'auth.idp.begin', { attemptId: step.attemptId });
  return { attemptId: step.attemptId, url: begun.url, requestId: requestIdOf(begun.url), begun };
}

before(async () => {
  if (!idp) return;
  env = await initialisedCore({ start: new Date() });
  const admin = as(env.core, env.admin);
  await addUser(env.core, env.admin, 'alice', ['admin', 'operator'], 'alice-local-pass-1');
  await addUser(env.core, env.admin, 'bob', ['operator'], 'bob-local-pass-1');
  await addUser(env.core, env.admin, 'carol', ['viewer'], 'carol-local-pass-1');
  await addUser(env.core, env.admin, 'dave', ['operator'], 'dave-local-pass-1');
  const port = await freePort();
  const spEntityId = `urn:airgap-runner:test-sp:${randomBytes(6).toString('hex')}`;
  const view = await admin('identity.saml.set', { metadataXml: idp.metadata, displayName: 'Test IdP', acsPort: port, spEntityId });
  acsUrl = view.acsUrl;
  unregister = registerSp(idp.spDir, spEntityId.replace(/[^a-z0-9]/gi, '-'), view.spMetadata);
  await admin('identity.mapping.add', { source: 'saml', group: 'airgap-admins', role: 'admin' });
  await admin('identity.mapping.add', { source: 'saml', group: 'airgap-operators', role: 'operator' });
  await admin('identity.setMode', { mode: 'idp' });
  browser = await launchChromium();
});

after(async () => {
  unregister();
  await browser?.close();
  await env?.cleanup();
});

test('metadata import pins the IdP: entity, SSO URL, certificate; the SP metadata names the ACS; MFA asked by default', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const shown = await as(env.core, env.admin)('identity.show');
  assert.equal(shown.mode, 'idp');
  assert.equal(shown.saml?.entityId, process.env.AIRGAP_TEST_IDP_ENTITY_ID);
  assert.equal(shown.saml?.ssoUrl, `${idp.url}/saml2/idp/SSOService.php`);
  assert.equal(shown.saml?.certSha256.length, 1);
  assert.equal(shown.saml?.requiredAuthnContext, REFEDS);
  assert.match(shown.saml.spMetadata, new RegExp(`Location="${acsUrl}"`));
  assert.deepEqual(
    shown.mappings.map((m) => `${m.group}->${m.role}`),
    ['airgap-admins->admin', 'airgap-operators->operator'],
  );
  // The password alone no longer signs in.
  await rejects(dispatch(env.core, null, 'auth.signIn', { name: 'alice', password: 'alice-local-pass-1' }), 'POLICY_DENIED');
  // Not a metadata file: refused with what to do, nothing changed.
  const msg = await rejects(as(env.core, env.admin)('identity.saml.set', { metadataXml: '<x/>' }), 'INVALID_INPUT');
  assert.match(msg, /EntityDescriptor/);
});

test('alice signs in through the IdP in Chromium: MFA context asked and asserted, groups mapped to her roles, audited', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const { attemptId, url } = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
  assert.match(Buffer.from(new URL(url).searchParams.get('SAMLRequest')!, 'base64').length > 0 ? requestIdOf(url) : '', /^_[0-9a-f]{40}$/);
  const { authnRequestOf } = await import('./saml-tools');
  assert.match(authnRequestOf(url), /RequestedAuthnContext[^>]*Comparison="exact"[\s\S]*https:\/\/refeds\.org\/profile\/mfa/);
  const completing = dispatch(env.core, null, 'auth.idp.complete', { attemptId });
  const { hosts, text } = await idpLogin(browser, url, 'alice', 'alice-pass-1', { acsUrl });
  const out = await completing;
  assert.match(text, /Sign-in received/);
  assert.deepEqual(out.user.roles, ['admin', 'operator']);
  assert.ok(out.permissions.includes('users.manage'));
  // The browser reached only the IdP and the loopback ACS.
  const acsHost = new URL(acsUrl).host;
  assert.deepEqual([...hosts].sort(), [new URL(idp.url).host, acsHost].sort());
  const who = await dispatch(env.core, out.sessionId, 'auth.whoami', {});
  assert.equal(who.user.name, 'alice');
  const [event] = (await audit('auth.signIn')).filter((e) => e.target === 'user:alice');
  const d = event!.details as Record<string, unknown>;
  assert.equal(d.source, 'saml');
  assert.equal(d.issuer, process.env.AIRGAP_TEST_IDP_ENTITY_ID);
  assert.equal(d.authnContext, REFEDS);
  assert.match(String(d.nameIdSha256), /^[0-9a-f]{64}$/);
  assert.match(String(d.assertionId), /^_/);
  assert.ok(!JSON.stringify(d).includes('alice-pass-1'));
});

test('a captured real response (as the desktop IdP window intercepts it) signs in once; the same response again is refused', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const { attemptId, url } = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
  const { samlResponse } = await idpLogin(browser, url, 'alice', 'alice-pass-1', { acsUrl, capture: true });
  assert.ok(samlResponse, 'the IdP posted a SAMLResponse to the ACS URL');
  aliceXml = Buffer.from(samlResponse, 'base64').toString('utf8');
  const out = await dispatch(env.core, null, 'auth.idp.complete', { attemptId, samlResponse });
  assert.deepEqual(out.user.roles, ['admin', 'operator']);
  const again = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
  const msg = await rejects(dispatch(env.core, null, 'auth.idp.complete', { attemptId: again.attemptId, samlResponse }), 'UNAUTHENTICATED');
  assert.match(msg, /refused: the response did not verify: InResponseTo is not valid/);
});

test('bob has no second factor: the IdP answers with the password context, and the sign-in is refused and recorded', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const { attemptId, url } = await beginIdp(env.core, 'bob', 'bob-local-pass-1');
  const completing = rejects(dispatch(env.core, null, 'auth.idp.complete', { attemptId }), 'UNAUTHENTICATED');
  await idpLogin(browser, url, 'bob', 'bob-pass-1', { acsUrl });
  assert.match(
    await completing,
    /authenticated with urn:oasis:names:tc:SAML:2\.0:ac:classes:PasswordProtectedTransport, not the required https:\/\/refeds\.org\/profile\/mfa/,
  );
  const [event] = (await audit('auth.idp.signIn')).filter((e) => e.target === 'user:bob');
  assert.equal(event?.outcome, 'failure');
  assert.match(String((event.details as { reason: string }).reason), /not the required https:\/\/refeds\.org\/profile\/mfa/);
});

test('dave is disabled at the IdP: its refusal ends the sign-in, local password or not', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const { attemptId, url } = await beginIdp(env.core, 'dave', 'dave-local-pass-1');
  const completing = rejects(dispatch(env.core, null, 'auth.idp.complete', { attemptId }), 'UNAUTHENTICATED');
  await idpLogin(browser, url, 'dave', 'dave-pass-1', { acsUrl });
  assert.match(await completing, /the IdP refused the sign-in \(.*account disabled\)/);
  const [event] = (await audit('auth.idp.signIn')).filter((e) => e.target === 'user:dave');
  assert.equal((event!.details as { claimed: { status?: string } }).claimed.status, 'unverified');
  await rejects(dispatch(env.core, null, 'auth.signIn', { name: 'dave', password: 'dave-local-pass-1' }), 'POLICY_DENIED');
});

test('carol is in no mapped group: refused, with the reason recorded', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const { attemptId, url } = await beginIdp(env.core, 'carol', 'carol-local-pass-1');
  const completing = rejects(dispatch(env.core, null, 'auth.idp.complete', { attemptId }), 'UNAUTHENTICATED');
  await idpLogin(browser, url, 'carol', 'carol-pass-1', { acsUrl });
  assert.match(await completing, /none of the groups you are in maps to a role/);
});

/** A hostile response for a fresh attempt of alice's, posted to the ACS: refused with `reason`, and recorded. */
async function refusedAtAcs(make: (requestId: string) => string, reason: RegExp) {
  assert.ok(aliceXml, 'needs the captured real response of the earlier test');
  const { attemptId, requestId } = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
  const completing = rejects(dispatch(env.core, null, 'auth.idp.complete', { attemptId }), 'UNAUTHENTICATED');
  assert.equal(await postToAcs(acsUrl, make(requestId)), 200);
  const msg = await completing;
  assert.match(msg, reason);
  assert.match(msg, /^Sign-in with Test IdP was refused: /);
  const [event] = (await audit('auth.idp.signIn')).filter((e) => e.target === 'user:alice');
  assert.equal(event?.outcome, 'failure');
  assert.match(String((event.details as { reason: string }).reason), reason);
  assert.equal(env.core.sessions.all().filter((s) => s.name === 'alice' && s.id !== env.admin).length >= 0, true);
  return event;
}

test('hostile responses are each refused with a clear reason and recorded', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  const ids = { key: idp.key, cert: idp.cert };
  const other = otherKeyPair();
  const sessionsBefore = env.core.sessions.all().length;
  // The crafting helper makes valid signatures: the unchanged re-signed response is accepted.
  {
    const { attemptId, requestId } = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
    const ok = await dispatch(env.core, null, 'auth.idp.complete', { attemptId, samlResponse: forge(aliceXml, requestId, ids) });
    assert.deepEqual(ok.user.roles, ['admin', 'operator']);
    env.core.sessions.end(ok.sessionId);
  }
  const cases: Array<[string, (requestId: string) => string, RegExp]> = [
    [
      'unsigned',
      (r) => forge(aliceXml, r, ids, undefined, { signAssertion: false, signResponse: false }),
      /did not verify: Invalid signature/,
    ],
    [
      'response signed, assertion not',
      (r) => forge(aliceXml, r, ids, undefined, { signAssertion: false }),
      /did not verify: Invalid signature/,
    ],
    [
      'signed by another key (its cert in KeyInfo)',
      (r) => forge(aliceXml, r, ids, undefined, other),
      /did not verify: Invalid (document )?signature/,
    ],
    [
      'signed by another key (the IdP cert in KeyInfo)',
      (r) => forge(aliceXml, r, ids, undefined, { key: other.key }),
      /did not verify: Invalid (document )?signature/,
    ],
    [
      'IdP key with RSA-SHA1',
      (r) => forge(aliceXml, r, ids, undefined, { alg: 'sha1' }),
      /weak signature algorithm http:\/\/www\.w3\.org\/2000\/09\/xmldsig#rsa-sha1/,
    ],
    [
      'signature wrapping: an evil unsigned assertion beside the signed one',
      (r) => {
        const doc = parseXml(Buffer.from(forge(aliceXml, r, ids), 'base64').toString('utf8'));
        const signed = el(doc, ASSERTION, 'Assertion');
        const evil = signed.cloneNode(true) as Element;
        evil.removeChild(el(evil, DS, 'Signature'));
        evil.setAttribute('ID', '_evil');
        el(evil, ASSERTION, 'NameID').textContent = 'mallory';
        doc.documentElement.insertBefore(evil as never, signed);
        return Buffer.from(serializeXml(doc)).toString('base64');
      },
      /did not verify: Invalid signature: multiple assertions/,
    ],
    [
      'signature wrapping: the signed assertion hidden in an unsigned one (same ID, in Extensions)',
      (r) => {
        const doc = parseXml(Buffer.from(forge(aliceXml, r, ids, undefined, { signResponse: false }), 'base64').toString('utf8'));
        const signed = el(doc, ASSERTION, 'Assertion');
        const evil = signed.cloneNode(true) as Element;
        el(evil, ASSERTION, 'NameID').textContent = 'mallory';
        const ext = doc.createElementNS(SAMLP, 'samlp:Extensions');
        doc.documentElement.replaceChild(evil, signed as never);
        ext.appendChild(signed as never);
        doc.documentElement.insertBefore(ext, el(doc, SAMLP, 'Status'));
        return Buffer.from(serializeXml(doc)).toString('base64');
      },
      /did not verify: .*(ID cannot refer to more than one element|Invalid signature)/,
    ],
    [
      "signature wrapping: the signed assertion inside the evil one's ds:Object",
      (r) => {
        const doc = parseXml(Buffer.from(forge(aliceXml, r, ids, undefined, { signResponse: false }), 'base64').toString('utf8'));
        const signed = el(doc, ASSERTION, 'Assertion');
        const evil = signed.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evil');
        el(evil, ASSERTION, 'NameID').textContent = 'mallory';
        const obj = doc.createElementNS(DS, 'ds:Object');
        const inner = signed.cloneNode(true) as Element;
        inner.removeChild(el(inner, DS, 'Signature'));
        obj.appendChild(inner as never);
        el(evil, DS, 'Signature').appendChild(obj as never);
        doc.documentElement.replaceChild(evil, signed as never);
        return Buffer.from(serializeXml(doc)).toString('base64');
      },
      /did not verify: /,
    ],
    [
      'wrong audience',
      (r) => forge(aliceXml, r, ids, (d) => void (el(d, ASSERTION, 'Audience').textContent = 'urn:someone-else')),
      /audience mismatch/i,
    ],
    [
      'wrong recipient',
      (r) =>
        forge(aliceXml, r, ids, (d) =>
          el(d, ASSERTION, 'SubjectConfirmationData').setAttribute('Recipient', 'http://127.0.0.1:1/saml/acs'),
        ),
      /the Recipient http:\/\/127\.0\.0\.1:1\/saml\/acs is not this workstation's ACS/,
    ],
    [
      'wrong destination',
      (r) => forge(aliceXml, r, ids, (d) => d.documentElement.setAttribute('Destination', 'http://127.0.0.1:1/saml/acs')),
      /Destination http:\/\/127\.0\.0\.1:1\/saml\/acs is not this workstation's ACS/,
    ],
    [
      'expired',
      (r) =>
        forge(aliceXml, r, ids, (d) => {
          el(d, ASSERTION, 'Conditions').setAttribute('NotOnOrAfter', iso(Date.now() - 5 * 60_000));
          el(d, ASSERTION, 'SubjectConfirmationData').setAttribute('NotOnOrAfter', iso(Date.now() - 5 * 60_000));
        }),
      /did not verify: .*(expired|No valid subject confirmation)/i,
    ],
    [
      'not yet valid',
      (r) => forge(aliceXml, r, ids, (d) => el(d, ASSERTION, 'Conditions').setAttribute('NotBefore', iso(Date.now() + 5 * 60_000))),
      /not yet valid/,
    ],
    [
      'missing MFA context',
      (r) =>
        forge(
          aliceXml,
          r,
          ids,
          (d) => void (el(d, ASSERTION, 'AuthnContextClassRef').textContent = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password'),
        ),
      /authenticated with urn:oasis:names:tc:SAML:2\.0:ac:classes:Password, not the required https:\/\/refeds\.org\/profile\/mfa \(MFA\)/,
    ],
    [
      'another issuer on the assertion',
      (r) => forge(aliceXml, r, ids, (d) => void (el(el(d, ASSERTION, 'Assertion'), ASSERTION, 'Issuer').textContent = 'http://evil/idp')),
      /the assertion's issuer http:\/\/evil\/idp is not the IdP/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    await t.test(name, async () => {
      await refusedAtAcs(make, reason);
    });
  }

  await t.test("InResponseTo of another sign-in's request (also pending)", async () => {
    // At the ACS it would go to the sign-in it names; given to this one directly, the per-sign-in check refuses it.
    const otherAttempt = await beginIdp(env.core, 'bob', 'bob-local-pass-1');
    const mine = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
    const msg = await rejects(
      dispatch(env.core, null, 'auth.idp.complete', {
        attemptId: mine.attemptId,
        samlResponse: forge(aliceXml, otherAttempt.requestId, ids),
      }),
      'UNAUTHENTICATED',
    );
    assert.match(msg, new RegExp(`InResponseTo ${otherAttempt.requestId} is not this sign-in's request`));
    const [event] = (await audit('auth.idp.signIn')).filter((e) => e.target === 'user:alice');
    assert.match(String((event!.details as { reason: string }).reason), /is not this sign-in's request/);
    // An answer no sign-in waits for is turned away at the ACS (bob's still waits, so it listens).
    assert.equal(await postToAcs(acsUrl, forge(aliceXml, '_nobody-waits', ids)), 400);
    await dispatch(env.core, null, 'auth.cancel', { attemptId: otherAttempt.attemptId });
    await assert.rejects(
      postToAcs(acsUrl, forge(aliceXml, '_nobody-waits', ids)),
      'with no sign-in waiting, nothing listens on the ACS port',
    );
  });

  await t.test('replayed: the same assertion (id) answering a second request', async () => {
    const fixed = `_replay${randomBytes(8).toString('hex')}`;
    const first = await beginIdp(env.core, 'alice', 'alice-local-pass-1');
    const ok = await dispatch(env.core, null, 'auth.idp.complete', {
      attemptId: first.attemptId,
      samlResponse: forge(aliceXml, first.requestId, ids, (d) => el(d, ASSERTION, 'Assertion').setAttribute('ID', fixed)),
    });
    env.core.sessions.end(ok.sessionId);
    await refusedAtAcs(
      (r) => forge(aliceXml, r, ids, (d) => el(d, ASSERTION, 'Assertion').setAttribute('ID', fixed)),
      new RegExp(`the assertion ${fixed} was already used \\(replayed\\)`),
    );
  });
  // No refused response left a session behind.
  assert.equal(env.core.sessions.all().length, sessionsBefore);
});

test('identity settings and mappings are sealed: a raw-SQL change is refused as tampering', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  env.core.db.prepare("INSERT INTO group_role_mappings VALUES ('saml', 'everyone', 'admin', 'x', 'user:mallory')").run();
  const msg = await rejects(as(env.core, env.admin)('identity.show'), 'VERIFY_FAILED');
  assert.match(msg, /group-to-role mappings/);
  env.core.db.prepare("DELETE FROM group_role_mappings WHERE group_value = 'everyone'").run();
  await as(env.core, env.admin)('identity.show');
});

test('break-glass: the recovery key opens the store and turns the sign-in mode back to the local password (recorded)', async (t) => {
  if (!idp) return t.skip(SKIP_IDP);
  await env.core.close();
  const { core } = newCore(env.home, fixedClock(new Date()));
  try {
    const out = await dispatch(core, null, 'store.recover', {
      recoveryKey: env.recoveryKey,
      adminName: 'admin',
      newPassword: 'broken-glass-pass-1',
    });
    assert.equal(out.created, false);
    const admin = await signIn(core, 'admin', 'broken-glass-pass-1');
    assert.equal((await as(core, admin)('identity.show')).mode, 'local');
    const [event] = (await as(core, admin)('audit.list', { action: 'store.recover' })).events;
    assert.equal((event!.details as { signInModeWas: string }).signInModeWas, 'idp');
  } finally {
    await core.close();
  }
});
