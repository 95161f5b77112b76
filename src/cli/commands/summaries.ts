/**
 * `runs summarise ID [--preview] [--show-prompt]` and `runs summaries ID` (docs/llm.md): an AI summary of
 * a run through the site's LLM endpoint. The answer is printed with pseudonyms mapped back; the
 * prompt printed is exactly what left (redacted).
 */
import type { OpOutput } from '../../api/model';
import type { Command } from './types';
import { flag, positional } from '../context';
import { neutralise, printJson, printTable } from '../output';

type SummaryView = OpOutput<'runs.summarise'>;

/** Multi-line text for a terminal: each line neutralised, line breaks kept. */
function printText(text: string, indent = ''): void {
  process.stdout.write(
    `${text
      .split(/\r?\n/)
      .map((l) => `${indent}${neutralise(l.replace(/\t/g, '    '))}`)
      .join('\n')}\n`,
  );
}

function printCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([rule, n]) => `${rule} ${n}`).join(', ') : 'none';
}

function printSummary(s: SummaryView, showPrompt: boolean): void {
  process.stderr.write(
    `${s.id}: ${s.status} · ${s.model} at ${new URL(s.endpoint).host} · rule set ${s.ruleSet} ${s.ruleVersion} · replaced: ${printCounts(s.replacementCounts)}\n`,
  );
  if (showPrompt) {
    process.stdout.write('--- sent (redacted) ---\n');
    printText(s.prompt);
    process.stdout.write('--- answer (pseudonyms mapped back on this workstation) ---\n');
  }
  if (s.answer !== null) printText(s.answer);
  if (s.error) process.stdout.write(`error: ${neutralise(s.error)}\n`);
}

const SUMMARISE_USAGE = 'runs summarise ID [--preview] [--show-prompt]';

export const summaryCommands: Command[] = [
  {
    path: ['runs', 'summarise'],
    area: 'ai',
    flags: {
      preview: { help: 'Show what would be sent; send nothing.' },
      'show-prompt': { help: 'Also print the prompt that was sent (redacted).' },
    },
    examples: ['runs summarise r-0123456789ab --preview', 'runs summarise r-0123456789ab'],
    usage: SUMMARISE_USAGE,
    summary: "AI summary through the site's LLM endpoint (operator, admin); --preview shows what would be sent, sends nothing.",
    run: async (ctx, args) => {
      const id = positional(args, 0, 'ID', SUMMARISE_USAGE);
      if (flag(args, 'preview') === 'true') {
        const preview = await ctx.call('runs.summarisePreview', { id });
        if (ctx.json) return printJson(preview);
        process.stderr.write(
          `Would send to ${preview.model} at ${new URL(preview.endpoint).host} · rule set ${preview.ruleSet} ${preview.ruleVersion} · replaced: ${printCounts(preview.replacementCounts)}\n`,
        );
        printText(preview.prompt);
        return;
      }
      const summary = await ctx.call('runs.summarise', { id });
      if (ctx.json) return printJson(summary);
      printSummary(summary, flag(args, 'show-prompt') === 'true');
    },
  },
  {
    path: ['runs', 'summaries'],
    area: 'ai',
    flags: { 'show-prompt': { help: 'Print each prompt that was sent (redacted).' } },
    examples: ['runs summaries r-0123456789ab'],
    usage: 'runs summaries ID [--show-prompt]',
    summary: "A run's AI summaries, newest first; --show-prompt prints what was sent.",
    run: async (ctx, args) => {
      const out = await ctx.call('runs.summaries', { id: positional(args, 0, 'ID', 'runs summaries ID [--show-prompt]') });
      if (ctx.json) return printJson(out);
      if (flag(args, 'show-prompt') !== 'true') {
        printTable(
          out.summaries.map((s) => ({
            ...s,
            host: new URL(s.endpoint).host,
            answer: (s.answer ?? s.error ?? '').replace(/\s+/g, ' ').slice(0, 60),
          })),
          ['id', 'createdAt', 'createdBy', 'status', 'model', 'host', 'answer'],
        );
        return;
      }
      for (const s of out.summaries) {
        process.stdout.write(`\n=== ${s.id} ${s.createdAt} by ${s.createdBy} ===\n`);
        printSummary(s, true);
      }
    },
  },
];
