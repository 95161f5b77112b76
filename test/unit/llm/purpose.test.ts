/**
 * Issue 13 §4: the LLM API key (sent in an Authorization header to a server outside the workstation)
 * comes only from a vault item an admin bound to the llm purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { openApiKey } from '../../../src/llm/secrets';
import { initialisedCore, rejects } from '../../helpers/core';

test('llm.apiKeyVaultItem accepts only an item bound to the llm purpose, and the key opens only while it is bound', async () => {
  const env = await initialisedCore();
  const put = (name: string, value: string) =>
    dispatch(env.core, env.admin, 'vault.add', { name, value: Buffer.from(value).toString('base64') });
  await put('prod-kubeconfig', 'apiVersion: v1 very secret');
  await put('llm-key', 'sk-local-123');
  const set = (value: string) => dispatch(env.core, env.admin, 'settings.set', { key: 'llm.apiKeyVaultItem', value });

  assert.match(await rejects(set('prod-kubeconfig'), 'POLICY_DENIED'), /not bound to the LLM purpose/);
  await rejects(dispatch(env.core, env.admin, 'vault.purpose', { name: 'missing', purpose: 'llm', bound: true }), 'NOT_FOUND');
  assert.deepEqual(await dispatch(env.core, env.admin, 'vault.purpose', { name: 'llm-key', purpose: 'llm', bound: true }), {
    name: 'llm-key',
    purposes: ['llm'],
  });
  await set('llm-key');
  await set('');

  const vaultKey = env.core.sessions.all().find((s) => s.id === env.admin)!.keyring.vault;
  assert.equal(openApiKey(env.core.db, vaultKey, 'llm-key')?.toString(), 'sk-local-123');
  // The setting is checked at use as well: an unbound item named there (say, by an older version) is never opened.
  assert.throws(() => openApiKey(env.core.db, vaultKey, 'prod-kubeconfig'), { code: 'POLICY_DENIED' });
  await dispatch(env.core, env.admin, 'vault.purpose', { name: 'llm-key', purpose: 'llm', bound: false });
  assert.throws(() => openApiKey(env.core.db, vaultKey, 'llm-key'), { code: 'POLICY_DENIED' });
  await env.cleanup();
});
