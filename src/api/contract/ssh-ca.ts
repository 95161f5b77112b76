/** Operations: the site SSH CA, the principals bundles may receive, issued certificates, the KRL (docs/credentials.md). */
import { z } from 'zod';
import { op } from './define';
import { filePath } from './schemas';

const caName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a CA name is lower-case letters, digits, "_", "." and "-"');
const principal = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/, 'a principal is letters, digits, "_", ".", "@" and "-"');
const serial = z.string().regex(/^\d{1,20}$/, 'a serial is a decimal number');

const tokenRef = z.object({ module: z.string(), token: z.string(), keyLabel: z.string() });

export const sshCaInfo = z.object({
  name: z.string(),
  keyType: z.string(),
  publicKey: z.string(),
  fingerprint: z.string(),
  storage: z.enum(['vault', 'pkcs11']),
  token: tokenRef.nullable(),
  state: z.enum(['active', 'retired']),
  createdAt: z.string(),
  createdBy: z.string(),
});

export const sshGrant = z.object({
  kind: z.enum(['bundle', 'tag']),
  subject: z.string(),
  principals: z.array(z.string()),
  forceCommand: z.string().nullable(),
  sourceAddress: z.string().nullable(),
  grantedAt: z.string(),
  grantedBy: z.string(),
});

export const issuedCertificate = z.object({
  serial: z.string(),
  ca: z.string(),
  runId: z.string(),
  credential: z.string(),
  keyId: z.string(),
  principals: z.array(z.string()),
  validAfter: z.string(),
  validBefore: z.string(),
  keySha256: z.string(),
  critical: z.record(z.string(), z.string()),
  issuedAt: z.string(),
});

export const sshCaOps = {
  'sshCa.create': op({
    summary:
      'Create a new ed25519 SSH CA whose key is made here and sealed in the vault; it becomes the active CA (the previous one is retired).',
    access: 'settings.manage',
    mutates: true,
    input: z.object({ name: caName }).strict(),
    output: sshCaInfo,
  }),
  'sshCa.import': op({
    summary:
      'Import an unencrypted ed25519 OpenSSH private key as the active SSH CA (sealed in the vault), given as text or as a file the core reads (keyFile); the previous CA is retired.',
    access: 'settings.manage',
    mutates: true,
    secretFields: ['privateKey'],
    input: z.union([
      z.object({ name: caName, privateKey: z.string().min(1).max(20_000) }).strict(),
      z.object({ name: caName, keyFile: filePath }).strict(),
    ]),
    output: sshCaInfo,
  }),
  'sshCa.addToken': op({
    summary:
      'Use an EC P-256 key on a PKCS#11 token as the active SSH CA (generateKey: make it there first). The key never leaves the token; the PIN is asked now and at each use, never stored.',
    access: 'settings.manage',
    mutates: true,
    secretFields: ['pin'],
    input: z
      .object({
        name: caName,
        module: z.string().min(1).max(4096),
        token: z.string().min(1).max(32),
        keyLabel: z.string().min(1).max(64),
        generateKey: z.boolean().optional(),
        pin: z.string().min(1).max(256),
      })
      .strict(),
    output: sshCaInfo,
  }),
  'sshCa.list': op({
    summary: 'SSH CAs (public keys for sshd TrustedUserCAKeys) and the principals each bundle or tag may receive.',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ cas: z.array(sshCaInfo), grants: z.array(sshGrant) }),
  }),
  'sshCa.allow': op({
    summary:
      'Set the principals a bundle (or the tasks with a tag) may receive in per-run certificates, with optional force-command and source-address; no principals removes the grant.',
    access: 'settings.manage',
    mutates: true,
    input: z
      .object({
        kind: z.enum(['bundle', 'tag']),
        subject: z.string().min(1).max(200),
        principals: z.array(principal).max(64),
        forceCommand: z.string().min(1).max(4096).nullable().optional(),
        sourceAddress: z.string().min(1).max(1024).nullable().optional(),
      })
      .strict(),
    output: z.object({ grant: sshGrant.nullable() }),
  }),
  'sshCa.issued': op({
    summary: 'Certificates issued for runs (serial, principals, validity), newest first; for one run with runId.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ runId: z.string().max(100).optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
    output: z.object({ certificates: z.array(issuedCertificate) }),
  }),
  'sshCa.krl': op({
    summary:
      'A key revocation list (OpenSSH KRL, for sshd RevokedKeys) of every certificate issued here, or of the given serials; with outPath the core writes it to that new file.',
    access: 'settings.manage',
    mutates: false,
    auditRead: 'always',
    input: z.object({ serials: z.array(serial).max(10_000).optional(), outPath: filePath.optional() }).strict(),
    /** `krl` is the list in base64; `file` the path written when outPath was given. */
    output: z.object({ krl: z.string(), count: z.number().int(), file: z.string().nullable() }),
  }),
} as const;
