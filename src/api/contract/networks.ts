/** Operations: networks a task may ask for (admin-defined), and the audited host override. */
import { z } from 'zod';
import { op } from './define';

const networkName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a network name is lower-case letters, digits, "_", "." and "-"');

const networkEntry = z.object({
  name: z.string(),
  kind: z.enum(['named', 'host']),
  engineId: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
});

export const networksOps = {
  'networks.add': op({
    summary:
      'Define a network tasks may ask for: an engine network that exists, or (create) a new internal one; or (host) the host network as an override, only while runner.hostNetworkAllowed is on.',
    access: 'settings.manage',
    mutates: true,
    input: z.object({ name: networkName, create: z.boolean().optional(), host: z.boolean().optional() }).strict(),
    output: networkEntry,
  }),
  'networks.list': op({
    summary: 'Networks an admin defined.',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ networks: z.array(networkEntry) }),
  }),
} as const;
