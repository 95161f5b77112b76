/** Operations: the vault. Values go in and never come back out: no operation returns one. */
import { z } from 'zod';
import { op } from './define';
import { ok } from './schemas';

export const vaultItemName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    'a vault item name is lower-case letters, digits, "_", "." and "-" (as the secret it usually fills)',
  );
const bundleName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a bundle name is lower-case letters, digits and "-"');

const itemInfo = z.object({
  name: z.string(),
  size: z.number().int(),
  bundles: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});

export const vaultOps = {
  'vault.add': op({
    summary: 'Add (or with replace, replace) a vault item. The value is sealed under the vault key and never readable back.',
    access: 'vault.manage',
    mutates: true,
    secretFields: ['value'],
    input: z
      .object({
        name: vaultItemName,
        /** The value, base64 (kubeconfigs, tokens and keys alike). At most 1 MiB decoded. */
        value: z
          .string()
          .min(1)
          .max(1_400_000)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the value must be base64'),
        replace: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ name: z.string(), size: z.number().int(), replaced: z.boolean() }),
  }),
  'vault.list': op({
    summary: 'Vault items: names, sizes, bound bundles, who changed them. Never values.',
    access: 'vault.manage',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ items: z.array(itemInfo) }),
  }),
  'vault.bind': op({
    summary: 'Allow bundles (by name) to use a vault item.',
    access: 'vault.manage',
    mutates: true,
    input: z.object({ name: vaultItemName, bundles: z.array(bundleName).min(1).max(100) }).strict(),
    output: z.object({ name: z.string(), bundles: z.array(z.string()) }),
  }),
  'vault.unbind': op({
    summary: 'Stop bundles from using a vault item.',
    access: 'vault.manage',
    mutates: true,
    input: z.object({ name: vaultItemName, bundles: z.array(bundleName).min(1).max(100) }).strict(),
    output: z.object({ name: z.string(), bundles: z.array(z.string()) }),
  }),
  'vault.purpose': op({
    summary:
      'Bind a vault item to a purpose (or, with bound false, unbind it). Only an item bound to "llm" may be the LLM API key (llm.apiKeyVaultItem).',
    access: 'settings.manage',
    mutates: true,
    input: z.object({ name: vaultItemName, purpose: z.enum(['llm']), bound: z.boolean() }).strict(),
    output: z.object({ name: z.string(), purposes: z.array(z.string()) }),
  }),
  'vault.remove': op({
    summary: 'Remove a vault item and its bindings.',
    access: 'vault.manage',
    mutates: true,
    input: z.object({ name: vaultItemName }).strict(),
    output: ok,
  }),
} as const;
