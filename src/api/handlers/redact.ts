/**
 * Redaction: the preview (exactly what an egress path would let leave, nothing recorded) and the
 * site's patterns (docs/redaction.md). `runs.export` lives with the runs handlers.
 */
import { ApiError } from '../../kernel';
import { readSettings } from '../../store';
import { REDACT_SETTINGS, EGRESS_PATHS } from '../../redact';
import { RunRecords } from '../../runner';
import {
  redactorFor,
  ruleSetFor,
  addPattern,
  listPatterns,
  removePattern,
  unmapTextCounted,
  previewRun,
  previewSection,
  type PreviewSection,
} from '../../egress';
import { type Handler, needSession, needSigner } from './types';

/** Vault values are never readable back: the preview marks where one was, not what it was. */
function hideVaultOriginals(section: PreviewSection): PreviewSection {
  return { ...section, replacements: section.replacements.map((r) => (r.rule === 'vault' ? { ...r, original: '' } : r)) };
}

export const redactHandlers: {
  'redact.preview': Handler<'redact.preview'>;
  'redact.unmap': Handler<'redact.unmap'>;
  'redact.patterns.list': Handler<'redact.patterns.list'>;
  'redact.patterns.add': Handler<'redact.patterns.add'>;
  'redact.patterns.remove': Handler<'redact.patterns.remove'>;
} = {
  'redact.preview': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const run = input.runId === undefined ? undefined : new RunRecords(core.db).get(input.runId);
      if (input.runId !== undefined && !run) throw new ApiError('NOT_FOUND', `No run ${input.runId}: check the run id.`);
      // A run is previewed as its export would be: with the vault values the caller can open. A free
      // text is not, so the preview cannot be used to test guesses against the vault.
      const vaultKey = run ? session.keyring.vault : undefined;
      const redactor = redactorFor(core, input.path, {
        ...(input.ruleSet ? { ruleSet: input.ruleSet } : {}),
        ...(vaultKey ? { vaultKey } : {}),
        ...(run ? { run } : {}),
        record: false,
      });
      const sections = run ? previewRun(core.db, run, redactor) : [previewSection(redactor, { label: 'text', text: input.text ?? '' })];
      return {
        path: input.path,
        ruleSet: redactor.ruleSet,
        version: redactor.version,
        sections: sections.map(hideVaultOriginals),
        counts: redactor.counts(),
        vaultValuesMasked: vaultKey !== undefined,
      };
    },
  },

  'redact.unmap': {
    run: (ctx, input) => unmapTextCounted(ctx.db, input.text),
  },

  'redact.patterns.list': {
    run: (ctx) => {
      const core = ctx.core;
      return {
        patterns: listPatterns(core.db),
        siteDomains: readSettings(core.db, REDACT_SETTINGS)['redact.siteDomains'],
        ruleSets: Object.fromEntries(EGRESS_PATHS.map((p) => [p, ruleSetFor(core, p)])) as Record<(typeof EGRESS_PATHS)[number], string>,
      };
    },
  },

  'redact.patterns.add': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const signer = needSigner(ctx);
      return ctx.change(() =>
        addPattern(
          ctx.db,
          { name: input.name, regex: input.regex, action: input.action },
          session.name,
          ctx.core.clock.now().toISOString(),
          signer,
        ),
      );
    },
    target: (input) => `redact-pattern:${input.name}`,
    // The expression itself may spell out what it protects: its length only.
    details: (input) => ({ name: input.name, action: input.action, regexLength: input.regex.length }),
  },

  'redact.patterns.remove': {
    run: (ctx, input) => {
      const signer = needSigner(ctx);
      ctx.change(() => removePattern(ctx.db, input.name, signer));
      return { name: input.name };
    },
    target: (input) => `redact-pattern:${input.name}`,
    details: (input) => ({ name: input.name }),
  },
};
