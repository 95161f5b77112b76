/** Operations: remote engine nodes (docs/remote-engines.md). Admins enrol, pin and remove; everyone signed in reads. */
import { z } from 'zod';
import { op } from './define';

const nodeName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a node name is lower-case letters, digits and "-"');
const address = z.string().min(6).max(500);
const labelKey = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}$/, 'a label key is lower-case letters, digits, ".", "_", "/" and "-"');

const facts = z.object({
  engine: z.string(),
  version: z.string(),
  apiVersion: z.string(),
  os: z.string(),
  arch: z.string(),
  rootless: z.boolean(),
  cgroupVersion: z.string(),
  seccomp: z.boolean(),
  pidsLimit: z.boolean(),
  memoryLimit: z.boolean(),
  kernelVersion: z.string(),
  securityOptions: z.array(z.string()),
});

export const nodeEntry = z.object({
  name: z.string(),
  transport: z.enum(['ssh-docker', 'ssh-podman', 'tls']),
  address: z.string(),
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  maxConcurrency: z.number().int(),
  facts,
  state: z.enum(['enabled', 'refused']),
  refusedReason: z.string().nullable(),
  enrolledBy: z.string(),
  enrolledAt: z.string(),
  pinnedBy: z.string(),
  pinnedAt: z.string(),
  lastSeenAt: z.string().nullable(),
  /** Set when the node stopped answering during a run; cleared when it answers again. */
  unreachable: z.object({ since: z.string(), reason: z.string() }).nullable(),
  images: z.array(z.string()),
  /** Runs running on it now (of at most maxConcurrency). */
  running: z.number().int(),
});

const identity = z.object({
  transport: z.enum(['ssh-docker', 'ssh-podman', 'tls']),
  address: z.string(),
  /** The OpenSSH host key line, or the certificate's SHA-256: what `pin` takes back. */
  pin: z.string(),
  fingerprint: z.string(),
  description: z.string(),
});

const pem = z
  .string()
  .min(1)
  .max(64 * 1024);

export const nodesOps = {
  'nodes.probe': op({
    summary:
      'Connect to an address without trusting it yet and show the identity it presents (SSH host key or TLS server certificate), for the admin to compare out of band before pinning it.',
    access: 'nodes.manage',
    mutates: false,
    input: z.object({ address }).strict(),
    output: identity,
  }),
  'nodes.add': op({
    summary:
      'Enrol a node: connect with the pinned identity and the client credentials, read its engine facts, refuse it when it cannot apply the runner hardening. The credentials are sealed under the vault key and never shown.',
    access: 'nodes.manage',
    mutates: true,
    secretFields: ['privateKey'],
    input: z
      .object({
        name: nodeName,
        address,
        /** The pinned identity: an OpenSSH host key line, a PEM server certificate, or its SHA-256 (`AB:CD:…`). */
        pin: z
          .string()
          .min(1)
          .max(64 * 1024),
        /** SSH: the client private key. TLS: the client certificate's key. */
        privateKey: pem,
        /** TLS only: the client certificate and the CA of the server's. */
        cert: pem.optional(),
        ca: pem.optional(),
        labels: z.record(labelKey, z.string().max(200)).default({}),
        maxConcurrency: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
    output: nodeEntry,
  }),
  'nodes.list': op({
    summary: 'Enrolled nodes: address, pinned fingerprint, state, labels, engine facts.',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ nodes: z.array(nodeEntry) }),
  }),
  'nodes.show': op({
    summary: 'One node; with check, it is connected now (pinned identity) and its facts compared.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ name: nodeName }).strict(),
    output: nodeEntry,
  }),
  'nodes.pin': op({
    summary:
      "Re-pin a node's identity after it changed (checked out of band), re-read its facts, and enable it again. The credentials are kept.",
    access: 'nodes.manage',
    mutates: true,
    input: z
      .object({
        name: nodeName,
        pin: z
          .string()
          .min(1)
          .max(64 * 1024),
      })
      .strict(),
    output: nodeEntry,
  }),
  'nodes.prune': op({
    summary:
      'Remove from a node the images this workstation sent there, except those a run that has not finished uses; other images on the node are never touched.',
    access: 'nodes.manage',
    mutates: true,
    input: z.object({ name: nodeName }).strict(),
    output: z.object({ name: z.string(), removed: z.array(z.string()), kept: z.array(z.object({ image: z.string(), why: z.string() })) }),
  }),
  'nodes.remove': op({
    summary: 'Remove a node and its sealed credentials. Runs already recorded keep its name.',
    access: 'nodes.manage',
    mutates: true,
    input: z.object({ name: nodeName }).strict(),
    output: z.object({ name: z.string() }),
  }),
} as const;
