/** Operations: the audit signing identity, exports carried by hand, verification, pruning. */
import { z } from 'zod';
import { op, sub } from './define';
import { filePath } from './schemas';
import { previewSection } from './redact';
import { RULE_SET_IDS } from '../../redact/model';

const identityInfo = z.object({
  subject: z.string(),
  issuer: z.string(),
  fingerprint: z.string(),
  keyType: z.string(),
  keyLabel: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  createdAt: z.string(),
  certPem: z.string(),
  /** Where the key is when it is on a PKCS#11 token (exports then need its PIN); null when sealed in the store. */
  token: z.object({ module: z.string(), token: z.string(), keyLabel: z.string() }).nullable(),
});

const exportInfo = z.object({
  id: z.string(),
  previousId: z.string().nullable(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
  lastHash: z.string(),
  manifestSha256: z.string(),
  signer: z.string(),
  redaction: z.string().nullable(),
  bytes: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  confirmedAt: z.string().nullable(),
  confirmedBy: z.string().nullable(),
});

export const auditExportOps = {
  'audit.status': op({
    summary: 'Chain head, last export and whether an export is overdue (dashboard).',
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({
      headSeq: z.number().int(),
      lastExport: z.object({ id: z.string(), createdAt: z.string(), lastSeq: z.number().int() }).nullable(),
      overdueDays: z.number().int(),
      overdue: z.boolean(),
      unexportedEvents: z.number().int(),
    }),
  }),
  'audit.identity': op({
    summary: "The workstation's audit signing certificate and fingerprint.",
    access: 'signedIn',
    mutates: false,
    input: z.object({}).strict(),
    output: identityInfo,
  }),
  'audit.identityReplace': op({
    summary:
      "Replace the signing identity: a new self-signed one (RSA or EC), or one from the organisation's CA (PKCS#12). The event carries the new certificate, endorsed by the old identity.",
    access: 'settings.manage',
    mutates: true,
    secretFields: ['password', 'pin', 'oldPin'],
    input: z.union([
      z.object({ generate: z.enum(['rsa', 'ec']), oldPin: z.string().min(1).max(256).optional() }).strict(),
      z.object({ pkcs12File: filePath, password: z.string().max(1024), oldPin: z.string().min(1).max(256).optional() }).strict(),
      /** A key on a PKCS#11 token (made there with generateKey): the certificate is self-signed on the token; the PIN is never stored. */
      z
        .object({
          pkcs11: z
            .object({ module: z.string().min(1).max(4096), token: z.string().min(1).max(32), keyLabel: z.string().min(1).max(64) })
            .strict(),
          generateKey: z.boolean().optional(),
          pin: z.string().min(1).max(256),
          oldPin: z.string().min(1).max(256).optional(),
        })
        .strict(),
    ]),
    output: identityInfo,
  }),
  'audit.export': op({
    summary: 'Export the next range of the chain as a signed bundle (.tar.gz).',
    access: 'audit.export',
    mutates: true,
    secretFields: ['pin'],
    input: z
      .object({
        outPath: filePath,
        toSeq: z.number().int().min(1).optional(),
        redact: z.string().max(64).optional(),
        /** The token PIN, when the audit signing key is on a PKCS#11 token. Never stored. */
        pin: z.string().min(1).max(256).optional(),
      })
      .strict(),
    output: exportInfo.extend({
      /** Unfinished export files an earlier, killed export left (recorded before it wrote them), removed now or at this start. */
      removedPartials: z.array(z.string()),
    }),
  }),
  'audit.exportPreview': op({
    summary: "What the next export's event details would become under a redaction rule set, each replacement marked. Writes nothing.",
    access: 'audit.preview',
    mutates: false,
    // Reading event details is browsing the audit trail.
    auditRead: 'oncePerSession',
    input: z
      .object({
        ruleSet: z.enum(RULE_SET_IDS).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    output: z.object({
      ruleSet: z.string(),
      version: z.string(),
      /** The range previewed (the start of the next export, at most `limit` events), and how many are pending in all. */
      firstSeq: z.number().int(),
      lastSeq: z.number().int(),
      pending: z.number().int(),
      /** Texts checked in the previewed events' details. */
      texts: z.number().int(),
      /** Only the texts the rule set changes; every other text leaves as it is. */
      sections: z.array(previewSection),
      counts: z.record(z.string(), z.number().int()),
    }),
  }),
  'audit.exports': op({
    summary: 'Exports made so far, newest first.',
    access: 'audit.read',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ exports: z.array(exportInfo) }),
  }),
  'audit.confirm': op({
    summary: 'Confirm an export was delivered to the SIEM (allows pruning what it covers).',
    access: 'audit.export',
    mutates: true,
    input: z.object({ exportId: z.string().min(1).max(64) }).strict(),
    output: exportInfo,
  }),
  'audit.prune': op({
    summary: 'Delete events covered by a confirmed export; the chain stays checkable from there.',
    access: 'audit.export',
    mutates: true,
    input: z.object({ throughSeq: z.number().int().min(1) }).strict(),
    output: z.object({ deleted: z.number().int(), anchorSeq: z.number().int() }),
  }),
  'audit.verify': op({
    summary: 'Verify export bundles (signature, files, chain, continuity). Needs no store.',
    access: 'public',
    mutates: false,
    input: z.object({ paths: z.array(filePath).min(1).max(1000), caPem: z.string().max(100_000).optional() }).strict(),
    output: z.object({
      ok: z.boolean(),
      firstProblem: z.string().nullable(),
      bundles: z.array(
        z.object({
          path: z.string(),
          ok: z.boolean(),
          exportId: z.string().nullable(),
          range: z.object({ firstSeq: z.number().int(), lastSeq: z.number().int(), count: z.number().int() }).nullable(),
          signer: z.object({ fingerprint: z.string(), subject: z.string(), trusted: z.boolean().nullable() }).nullable(),
          problems: z.array(z.object({ kind: z.string(), message: z.string() })),
        }),
      ),
      continuity: z.array(z.unknown()),
    }),
  }),
} as const;

export const auditExportSubscriptions = {
  'audit.exportProgress': sub({
    summary: 'Progress of exports being written.',
    access: 'audit.export',
    input: z.object({}).strict(),
    event: z.object({
      exportId: z.string(),
      phase: z.enum(['events', 'signing', 'done']),
      events: z.number().int(),
      bytes: z.number().int(),
    }),
  }),
} as const;
