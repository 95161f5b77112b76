/**
 * `runs export` and `redact …` (docs/redaction.md): a redacted run report for someone off site, the
 * preview of exactly what an egress path lets leave, and the site's patterns.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../../kernel';
import { type OpOutput, MAX_PREVIEW_TEXT, RULE_SET_IDS, EGRESS_PATHS, REDACT_ACTIONS } from '../../api/model';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { neutralise, printFields, printJson, printTable, useColour } from '../output';
import { readStdinCapped } from '../prompt';

const EXPORT_USAGE = 'runs export ID --out FILE [--rule-set default|strict]';
const PREVIEW_USAGE =
  'redact preview (--run ID | --file FILE | --audit [--limit N]) [--path runsExport|auditExport|llm] [--rule-set default|strict]';
const UNMAP_USAGE = 'redact unmap [--file FILE]   (else the text from stdin)';
const ADD_USAGE = 'redact patterns add NAME REGEX [--action mask|drop|pseudonymise]';

function ruleSetOf(args: Parameters<Command['run']>[1]): { ruleSet?: 'default' | 'strict' } {
  const name = flag(args, 'rule-set');
  if (name === undefined) return {};
  if (name !== 'default' && name !== 'strict')
    throw new ApiError('INVALID_INPUT', `--rule-set is default or strict (got "${name.slice(0, 40)}").`);
  return { ruleSet: name };
}

/** Each line of a section with its replacements marked: reverse video on a terminal, ⟦…⟧ otherwise. */
type Section = OpOutput<'redact.preview'>['sections'][number];

function marked(section: Section, tty: boolean): string {
  let out = '';
  let at = 0;
  for (const r of section.replacements) {
    const shown = r.replacement === '' ? `-${r.rule}` : r.replacement;
    out += neutraliseKeepLines(section.text.slice(at, r.at)) + (tty ? `\u001b[7m${neutralise(shown)}\u001b[0m` : `⟦${neutralise(shown)}⟧`);
    at = r.at + r.replacement.length;
  }
  return out + neutraliseKeepLines(section.text.slice(at));
}

function neutraliseKeepLines(text: string): string {
  return text.split('\n').map(neutralise).join('\n');
}

function printSections(header: string, sections: readonly Section[], footer: string): void {
  const tty = useColour(process.stdout);
  process.stdout.write(`${header}\n`);
  for (const section of sections) {
    process.stdout.write(`\n== ${section.label} ==\n${marked(section, tty)}${section.text.endsWith('\n') ? '' : '\n'}`);
  }
  const rows = sections.flatMap((s) =>
    s.replacements.map((r) => ({
      section: s.label,
      rule: r.rule,
      action: r.action,
      original: r.rule === 'vault' ? '(vault value)' : r.original.slice(0, 80),
      replacement: r.replacement,
    })),
  );
  process.stdout.write(`\n${rows.length} replacement(s):\n`);
  printTable(rows, ['section', 'rule', 'action', 'original', 'replacement']);
  process.stdout.write(`${footer}Nothing was written. Add a pattern for anything still visible: "redact patterns add NAME REGEX".\n`);
}

function printPreview(out: OpOutput<'redact.preview'>): void {
  printSections(
    `Preview for ${out.path}: rule set ${out.ruleSet} version ${out.version}${out.vaultValuesMasked ? ', vault values masked' : ''}`,
    out.sections,
    '',
  );
}

function printAuditPreview(out: OpOutput<'audit.exportPreview'>): void {
  const range =
    out.lastSeq >= out.firstSeq ? `events #${out.firstSeq} to #${out.lastSeq} of ${out.pending} pending` : 'no event is pending';
  printSections(
    `Preview of the next audit export's details: rule set ${out.ruleSet} version ${out.version}; ${range}`,
    out.sections,
    `${out.texts - out.sections.length} other text(s) in those details leave unchanged.\n`,
  );
}

/** A text file of at most MAX_PREVIEW_TEXT bytes, with clear errors. */
function readTextFile(file: string): string {
  const full = resolve(file);
  let size: number;
  try {
    size = statSync(full).size;
  } catch {
    throw new ApiError('NOT_FOUND', `Cannot read ${full}. Check the path.`);
  }
  if (size > MAX_PREVIEW_TEXT)
    throw new ApiError('INVALID_INPUT', `${full} is larger than ${MAX_PREVIEW_TEXT / (1024 * 1024)} MiB; give a part of it.`);
  return readFileSync(full, 'utf8');
}

async function readStdin(): Promise<string> {
  return (
    await readStdinCapped(
      MAX_PREVIEW_TEXT,
      'the text',
      `The text is larger than ${MAX_PREVIEW_TEXT / (1024 * 1024)} MiB; give a part of it.`,
    )
  ).toString('utf8');
}

export const redactCommands: Command[] = [
  {
    path: ['runs', 'export'],
    area: 'redaction',
    flags: {
      out: { value: 'FILE', help: 'The report file to write; it must not exist yet.' },
      'rule-set': { value: 'NAME', help: 'The redaction rule set.', choices: RULE_SET_IDS },
    },
    examples: ['runs export r-0123456789ab --out /media/usb/run-report.json --rule-set strict'],
    usage: EXPORT_USAGE,
    summary:
      'Write a redacted run report (JSON) to a new file, for a vendor or another team (operator, admin). Preview it with "redact preview --run ID".',
    run: async (ctx, args) => {
      const id = positional(args, 0, 'The run id', EXPORT_USAGE);
      const outPath = resolve(requireFlag(args, 'out', EXPORT_USAGE));
      const out = await ctx.call('runs.export', { id, outPath, ...ruleSetOf(args) });
      if (ctx.json) return printJson(out);
      printFields({
        run: out.id,
        file: out.path,
        ruleSet: `${out.ruleSet} ${out.version}`,
        replacements: out.replacements,
        sha256: out.sha256,
        bytes: out.bytes,
      });
      const counts = Object.entries(out.counts).map(([rule, n]) => `${rule}=${n}`);
      if (counts.length > 0) process.stdout.write(`by rule: ${counts.join(' ')}\n`);
    },
  },
  {
    path: ['redact', 'preview'],
    area: 'redaction',
    flags: {
      run: { value: 'ID', help: "A run's report." },
      file: { value: 'FILE', help: 'A text file.' },
      audit: { help: "The next audit export's event details." },
      limit: { value: 'N', help: 'With --audit: at most N events (1-1000).' },
      path: { value: 'PATH', help: 'The egress path whose rule set applies.', choices: EGRESS_PATHS },
      'rule-set': { value: 'NAME', help: 'A rule set other than the path’s own.', choices: RULE_SET_IDS },
    },
    examples: ['redact preview --run r-0123456789ab', 'redact preview --file notes.txt --path llm'],
    usage: PREVIEW_USAGE,
    summary: 'Show exactly what an egress path would let leave, each replacement marked. Writes nothing.',
    run: async (ctx, args) => {
      const runId = flag(args, 'run');
      const file = flag(args, 'file');
      if (flag(args, 'audit') === 'true') {
        if (runId !== undefined || file !== undefined)
          throw new ApiError('INVALID_INPUT', `--audit takes neither --run nor --file. Usage: ${PREVIEW_USAGE}`);
        const limit = flag(args, 'limit');
        if (limit !== undefined && !/^[1-9]\d{0,3}$/.test(limit))
          throw new ApiError('INVALID_INPUT', '--limit takes a number of events from 1 to 1000.');
        const out = await ctx.call('audit.exportPreview', { ...(limit ? { limit: Number(limit) } : {}), ...ruleSetOf(args) });
        if (ctx.json) return printJson(out);
        return printAuditPreview(out);
      }
      if ((runId === undefined) === (file === undefined))
        throw new ApiError('INVALID_INPUT', `Give either --run ID, --file FILE or --audit. Usage: ${PREVIEW_USAGE}`);
      const path = flag(args, 'path') ?? 'runsExport';
      const text = file === undefined ? undefined : readTextFile(file);
      const out = await ctx.call('redact.preview', { ...(runId ? { runId } : { text }), path, ...ruleSetOf(args) });
      if (ctx.json) return printJson(out);
      printPreview(out);
    },
  },
  {
    path: ['redact', 'unmap'],
    area: 'redaction',
    flags: { file: { value: 'FILE', help: 'The reply to map back (else stdin).' } },
    examples: ['redact unmap --file vendor-reply.txt'],
    usage: UNMAP_USAGE,
    summary: 'Map pseudonyms in a reply (from a vendor, another team) back to the originals, locally. Nothing leaves.',
    run: async (ctx, args) => {
      const file = flag(args, 'file');
      const text = file === undefined ? await readStdin() : readTextFile(file);
      const out = await ctx.call('redact.unmap', { text });
      if (ctx.json) return printJson(out);
      process.stdout.write(neutraliseKeepLines(out.text) + (out.text.endsWith('\n') ? '' : '\n'));
      process.stderr.write(
        `${out.mapped} pseudonym(s) mapped back${out.unknown.length ? `; not in this workstation's map: ${out.unknown.slice(0, 10).join(', ')}${out.unknown.length > 10 ? ', …' : ''}` : ''}.\n`,
      );
    },
  },
  {
    path: ['redact', 'patterns', 'list'],
    area: 'redaction',
    examples: ['redact patterns list'],
    usage: 'redact patterns list',
    summary: "The site's redaction patterns, site domains and the rule set of each egress path.",
    run: async (ctx) => {
      const out = await ctx.call('redact.patterns.list', {});
      if (ctx.json) return printJson(out);
      printTable(out.patterns, ['name', 'action', 'regex', 'createdBy', 'createdAt']);
      printFields({ siteDomains: out.siteDomains.length ? out.siteDomains : '(none: set redact.siteDomains)', ...out.ruleSets });
    },
  },
  {
    path: ['redact', 'patterns', 'add'],
    area: 'redaction',
    flags: { action: { value: 'ACTION', help: 'What happens to a match (default mask).', choices: REDACT_ACTIONS } },
    examples: ["redact patterns add ticket 'INC-[0-9]{6}' --action pseudonymise"],
    usage: ADD_USAGE,
    summary: 'Add a site pattern (operator, admin); it applies to every egress path from now on.',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'The pattern name', ADD_USAGE);
      const regex = positional(args, 1, 'The regular expression', ADD_USAGE);
      const action = flag(args, 'action') ?? 'mask';
      const out = await ctx.call('redact.patterns.add', { name, regex, action });
      if (ctx.json) return printJson(out);
      printFields({ added: out.name, action: out.action, regex: out.regex });
    },
  },
  {
    path: ['redact', 'patterns', 'remove'],
    area: 'redaction',
    examples: ['redact patterns remove ticket'],
    usage: 'redact patterns remove NAME',
    summary: 'Remove a site pattern (operator, admin).',
    run: async (ctx, args) => {
      const name = positional(args, 0, 'The pattern name', 'redact patterns remove NAME');
      const out = await ctx.call('redact.patterns.remove', { name });
      if (ctx.json) return printJson(out);
      printFields({ removed: out.name });
    },
  },
];
