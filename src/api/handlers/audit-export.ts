/** The audit signing identity, exports carried by hand, delivery confirmation, pruning, verification. */
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../kernel';
import type { ReadCore } from '../core';
import { PartialFiles, readSettings, truncateWal } from '../../store';
import {
  AUDIT_SETTINGS,
  chainHead,
  firstEventTime,
  iterateEvents,
  storedEventPages,
  storedLinePages,
  generateIdentity,
  importPkcs12,
  type SigningIdentity,
  hasIdentity,
  identityCertificate,
  identityToken,
  loadIdentity,
  saveTokenIdentity,
  tokenIdentityCertificate,
  type IdentityToken,
  saveIdentity,
  confirmExport,
  lastExport,
  listExports,
  nextRangeStart,
  pruneThrough,
  recordExport,
  type ExportRow,
  writeExportBundle,
  identityReplacementDetails,
  verifyBundles,
} from '../../audit';
import { auditRuleSet, auditExportRedactor, previewValue } from '../../egress';
import { newOutputFile } from './output-file';
import { generateTokenKey, openTokenKey, p256Spki, tokenDerSignature } from '../../vault';
import { auditTokenOpener, pinGuardOf } from './tokens';
import { type Handler, type HandlerContext, needSession } from './types';

function identityOut(core: ReadCore) {
  const c = identityCertificate(core.db);
  return {
    subject: c.subject,
    issuer: c.issuer,
    fingerprint: c.fingerprint,
    keyType: c.keyType,
    keyLabel: c.keyLabel,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    createdAt: c.createdAt,
    certPem: c.certPem,
    token: identityToken(core.db),
  };
}

function exportOut(row: ExportRow) {
  const { firstPrevHash: _f, ...rest } = row;
  return rest;
}

/**
 * Replaces the identity; the event carries the new certificate endorsed by the old identity (whose
 * key may be on a token: `oldPin`). `next` with a token is kept as its certificate and token only.
 */
function replaceIdentity(
  ctx: HandlerContext,
  next: Pick<SigningIdentity, 'certPem' | 'fingerprint'> & ({ token: IdentityToken } | { identity: SigningIdentity }),
  oldPin: string | undefined,
): void {
  const session = needSession(ctx);
  const db = ctx.db;
  const old = hasIdentity(db) ? loadIdentity(db, session.keyring, auditTokenOpener(ctx.core, db, oldPin)) : null;
  const details = old ? { ...identityReplacementDetails(next.certPem, old) } : { fingerprint: next.fingerprint, certPem: next.certPem };
  const now = ctx.core.clock.now().toISOString();
  ctx.change(
    () => ('token' in next ? saveTokenIdentity(db, next, next.token, now) : saveIdentity(db, next.identity, session.keyring, now)),
    {
      details: { ...details, ...('token' in next ? { token: next.token } : {}) },
    },
  );
}

function overdueDays(core: ReadCore): number {
  return readSettings(core.db, AUDIT_SETTINGS)['audit.exportOverdueDays'];
}

export const auditExportHandlers: {
  'audit.status': Handler<'audit.status'>;
  'audit.identity': Handler<'audit.identity'>;
  'audit.identityReplace': Handler<'audit.identityReplace'>;
  'audit.export': Handler<'audit.export'>;
  'audit.exportPreview': Handler<'audit.exportPreview'>;
  'audit.exports': Handler<'audit.exports'>;
  'audit.confirm': Handler<'audit.confirm'>;
  'audit.prune': Handler<'audit.prune'>;
  'audit.verify': Handler<'audit.verify'>;
} = {
  'audit.status': {
    run: (ctx) => {
      const db = ctx.db;
      const head = chainHead(db)?.seq ?? 0;
      const last = lastExport(db);
      const days = overdueDays(ctx.core);
      // With no export yet, the clock starts at the chain's first event.
      const since = last?.createdAt ?? firstEventTime(db);
      const ageMs = since ? ctx.core.clock.now().getTime() - Date.parse(since) : 0;
      return {
        headSeq: head,
        lastExport: last ? { id: last.id, createdAt: last.createdAt, lastSeq: last.lastSeq } : null,
        overdueDays: days,
        overdue: ageMs > days * 24 * 3600 * 1000 && head > (last?.lastSeq ?? 0),
        unexportedEvents: head - (last?.lastSeq ?? 0),
      };
    },
  },
  'audit.identity': {
    run: (ctx) => identityOut(ctx.core),
  },
  'audit.identityReplace': {
    run: async (ctx, input) => {
      const store = ctx.core.store;
      let next: SigningIdentity;
      if ('pkcs11' in input) {
        const guard = pinGuardOf(ctx.core, ctx.db);
        const key = input.generateKey ? generateTokenKey(input.pkcs11, input.pin, guard) : openTokenKey(input.pkcs11, input.pin, guard);
        try {
          const cert = tokenIdentityCertificate({
            spkiDer: p256Spki(key.point),
            sign: (data) => tokenDerSignature(key, data),
            commonName: `Airgap Runner workstation ${store.workstationId}`,
            workstationId: store.workstationId,
            now: ctx.core.clock.now(),
          });
          replaceIdentity(ctx, { ...cert, token: input.pkcs11 }, input.oldPin);
        } finally {
          key.close();
        }
        return identityOut(ctx.core);
      }
      if ('generate' in input) {
        next = await generateIdentity({
          kind: input.generate,
          commonName: `Airgap Runner workstation ${store.workstationId}`,
          workstationId: store.workstationId,
          now: ctx.core.clock.now(),
        });
      } else {
        if (!existsSync(input.pkcs12File)) throw new ApiError('NOT_FOUND', `No file at ${input.pkcs12File}.`);
        try {
          next = importPkcs12(readFileSync(input.pkcs12File), input.password, ctx.core.clock.now());
        } catch (error) {
          if (error instanceof ApiError) throw error;
          throw new ApiError(
            'INVALID_INPUT',
            'The PKCS#12 file could not be read: a wrong password, or not a PKCS#12 file. Nothing was changed.',
          );
        }
      }
      replaceIdentity(ctx, { certPem: next.certPem, fingerprint: next.fingerprint, identity: next }, input.oldPin);
      return identityOut(ctx.core);
    },
    target: () => 'audit:identity',
  },
  'audit.export': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const db = core.db;
      const out = newOutputFile(input.outPath);
      const identity = loadIdentity(db, session.keyring, auditTokenOpener(core, ctx.db, input.pin));
      const start = nextRangeStart(db, core.workstationId);
      const head = chainHead(db)?.seq ?? 0;
      const toSeq = input.toSeq ?? head;
      if (toSeq > head) throw new ApiError('INVALID_INPUT', `The chain ends at event ${head}; --to must be at most that.`);
      if (toSeq < start.firstSeq)
        throw new ApiError('CONFLICT', `Nothing new to export: events through ${start.firstSeq - 1} are in earlier exports.`);
      const redaction = input.redact ? auditRuleSet(core, input.redact) : undefined;
      const exportId = `exp-${core.clock.now().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
      // Partials a killed export left (on this media or another), found by their records.
      const journal = new PartialFiles(core.home);
      const removedPartials = [...core.takeRemovedPartials(), ...journal.sweep()];
      const result = await writeExportBundle({
        journal,
        // A redacted export parses every event's details: its pages are the events as stored.
        events: { pages: redaction ? storedEventPages(db, start.firstSeq, toSeq) : storedLinePages(db, start.firstSeq, toSeq) },
        outPath: out,
        identity,
        exportId,
        previousExportId: start.previousId,
        firstPrevHash: start.firstPrevHash,
        workstationId: core.workstationId,
        createdAt: core.clock.now(),
        ...(redaction ? { redaction } : {}),
        onProgress: (p) => core.bus.emit('exportProgress', { exportId, ...p }),
      });
      const m = result.manifest;
      const row = {
        id: exportId,
        previousId: start.previousId,
        firstSeq: m.range.firstSeq,
        lastSeq: m.range.lastSeq,
        firstPrevHash: m.firstPrevHash,
        lastHash: m.lastHash,
        manifestSha256: result.manifestSha256,
        signer: identity.fingerprint,
        redaction: redaction ? `${redaction.ruleSet}/${redaction.version}` : null,
        bytes: result.bytes,
        createdAt: core.clock.now().toISOString(),
        createdBy: session.name,
      };
      ctx.change(() => recordExport(db, row), {
        target: `export:${exportId}`,
        details: {
          exportId,
          firstSeq: row.firstSeq,
          lastSeq: row.lastSeq,
          lastHash: row.lastHash,
          manifestSha256: row.manifestSha256,
          redaction: row.redaction,
          ...(removedPartials.length ? { removedPartials } : {}),
        },
      });
      return { ...exportOut({ ...row, confirmedAt: null, confirmedBy: null }), removedPartials };
    },
  },
  'audit.exportPreview': {
    run: (ctx, input) => {
      const core = ctx.core;
      const db = core.db;
      const start = nextRangeStart(db, core.workstationId);
      const head = chainHead(db)?.seq ?? 0;
      const lastSeq = Math.min(head, start.firstSeq + (input.limit ?? 100) - 1);
      // As the export's hook would redact, but recording no pseudonym: a preview writes nothing.
      const redactor = auditExportRedactor(core, { ...(input.ruleSet ? { ruleSet: input.ruleSet } : {}), record: false });
      let texts = 0;
      const sections = [];
      for (const event of iterateEvents(db, start.firstSeq, lastSeq)) {
        const one = previewValue(redactor, `#${event.seq} ${event.action} details`, event.details);
        texts += one.texts;
        sections.push(...one.sections.filter((section) => section.replacements.length > 0));
      }
      return {
        ruleSet: redactor.ruleSet,
        version: redactor.version,
        firstSeq: start.firstSeq,
        lastSeq,
        pending: Math.max(0, head - start.firstSeq + 1),
        texts,
        sections,
        counts: redactor.counts(),
      };
    },
    details: (input) => ({ preview: true, ruleSet: input.ruleSet ?? null }),
  },

  'audit.exports': {
    run: (ctx) => ({ exports: listExports(ctx.db).map(exportOut) }),
  },
  'audit.confirm': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const row = ctx.change(() => confirmExport(ctx.db, input.exportId, session.name, ctx.core.clock.now().toISOString()));
      return exportOut(row);
    },
    target: (input) => `export:${input.exportId}`,
  },
  'audit.prune': {
    run: (ctx, input) => {
      const db = ctx.db;
      const result = ctx.change(() => pruneThrough(db, input.throughSeq), { details: { throughSeq: input.throughSeq } });
      // secure_delete is on; truncating the WAL leaves no copy of the pruned pages behind.
      truncateWal(db);
      return { deleted: result.deleted, anchorSeq: result.anchor.seq };
    },
    target: (input) => `audit:through:${input.throughSeq}`,
  },
  'audit.verify': {
    run: async (_ctx, input) => {
      for (const p of input.paths) if (!existsSync(p)) throw new ApiError('NOT_FOUND', `No file at ${p}.`);
      const report = await verifyBundles(input.paths, input.caPem ? { caPem: input.caPem } : {});
      return {
        ok: report.ok,
        firstProblem: report.firstProblem,
        bundles: report.bundles.map((b) => ({
          path: b.path,
          ok: b.ok,
          exportId: b.exportId,
          range: b.range,
          signer: b.signer ? { fingerprint: b.signer.fingerprint, subject: b.signer.subject, trusted: b.signer.trusted } : null,
          problems: b.problems.map((p) => ({ kind: p.kind, message: p.message })),
        })),
        continuity: report.continuity,
      };
    },
  },
};
