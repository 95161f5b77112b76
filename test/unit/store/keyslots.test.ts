import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRecoverySlot,
  createSlot,
  finishFile,
  formatRecoveryKey,
  newIdSalt,
  newRecoveryKey,
  openRecovery,
  openSlot,
  parseRecoveryKey,
  regrantSlot,
  slotIdFor,
  verifyMac,
} from '../../../src/store/keyslots';
import { randomKey, newX25519 } from '../../../src/store/crypto';
import { keysForRoles } from '../../../src/identity/roles';
import { FAST_SCRYPT } from '../../helpers/core';

const ring = () => ({ data: randomKey(), vault: randomKey(), audit: randomKey() });

test('a slot opens with its password only', async () => {
  const keys = ring();
  const slot = await createSlot('a'.repeat(64), 'right password 1', keys, ['data', 'vault', 'audit'], FAST_SCRYPT);
  const opened = await openSlot(slot, 'right password 1');
  assert.ok(opened);
  assert.deepEqual(opened.data, keys.data);
  assert.deepEqual(opened.vault, keys.vault);
  assert.equal(await openSlot(slot, 'wrong password 1'), null);
});

test("a viewer's slot cannot unwrap the vault or audit keys; an operator's not the audit key", async () => {
  const keys = ring();
  const viewer = await openSlot(
    await createSlot('b'.repeat(64), 'viewer password', keys, keysForRoles(['viewer']), FAST_SCRYPT),
    'viewer password',
  );
  assert.ok(viewer);
  assert.equal(viewer.vault, undefined);
  assert.equal(viewer.audit, undefined);
  const operator = await openSlot(
    await createSlot('c'.repeat(64), 'operator password', keys, keysForRoles(['operator']), FAST_SCRYPT),
    'operator password',
  );
  assert.ok(operator?.vault);
  assert.equal(operator?.audit, undefined);
  const auditor = await openSlot(
    await createSlot('d'.repeat(64), 'auditor password', keys, keysForRoles(['auditor']), FAST_SCRYPT),
    'auditor password',
  );
  assert.ok(auditor?.audit);
  assert.equal(auditor?.vault, undefined);
});

test('a slot can be re-granted new keys without its password, and the old keys are gone from it', async () => {
  const keys = ring();
  const slot = await createSlot('e'.repeat(64), 'some password 12', keys, ['data'], FAST_SCRYPT);
  const next = ring();
  const regranted = regrantSlot(slot, next, ['data', 'vault']);
  const opened = await openSlot(regranted, 'some password 12');
  assert.deepEqual(opened?.data, next.data);
  assert.deepEqual(opened?.vault, next.vault);
});

test('slot ids name no user and depend on the salt', () => {
  const a = slotIdFor({ idSalt: newIdSalt() }, 'alice');
  const b = slotIdFor({ idSalt: newIdSalt() }, 'alice');
  assert.notEqual(a, b);
  assert.ok(!a.includes('alice'));
  assert.equal(a.length, 64);
});

test('recovery keys round-trip, and a typo is caught by the checksum', () => {
  const { text, bytes } = newRecoveryKey();
  assert.match(text, /^([A-Z2-9]{5}-){10}[A-Z2-9]{5}$/);
  assert.deepEqual(parseRecoveryKey(text.toLowerCase()), bytes);
  const typo = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
  assert.equal(parseRecoveryKey(typo), null);
  assert.equal(parseRecoveryKey('not a key'), null);
  assert.equal(formatRecoveryKey(bytes), text);
});

test('the recovery slot opens every key', () => {
  const keys = ring();
  const { bytes } = newRecoveryKey();
  const slot = createRecoverySlot(bytes, keys);
  const opened = openRecovery(slot, bytes);
  assert.deepEqual(opened?.audit, keys.audit);
  assert.equal(openRecovery(slot, newRecoveryKey().bytes), null);
});

test('the file MAC catches any edit', async () => {
  const keys = ring();
  const file = finishFile(
    {
      format: 'airgap-runner/keyslots',
      version: 1,
      generation: 1,
      idSalt: newIdSalt(),
      pendingEventsKey: newX25519().publicKey,
      slots: [await createSlot('f'.repeat(64), 'password 123456', keys, ['data'], FAST_SCRYPT)],
      recovery: createRecoverySlot(newRecoveryKey().bytes, keys),
    },
    keys.data,
  );
  assert.ok(verifyMac(file, keys.data));
  assert.ok(!verifyMac({ ...file, generation: 2 }, keys.data));
  assert.ok(!verifyMac(file, randomKey()));
});
