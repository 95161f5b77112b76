/**
 * Finding lines in a stored run log without holding it: the run view pages a million-line log in
 * on demand, so its search and "first error" ask the core, which reads the lines one row at a time.
 * Matching is on the text as displayed (displayLine), case-insensitive, as the view marks it.
 */
import type { ReadonlyDb } from '../kernel';
import type { RunRecords } from './records';
import { displayLine } from './text';

/** A line that reads like a failure: the first one is where "Jump to first error" goes (stderr counts too). */
const ERROR_WORDS = /\b(error|fatal|failed|failure|panic|exception|traceback)\b/i;

/** The sequence numbers of the lines containing `text` (the first `limit` of them), and how many there are in all. */
export function searchLog(records: RunRecords<ReadonlyDb>, runId: string, text: string, limit: number): { seqs: number[]; total: number } {
  const needle = text.toLowerCase();
  const seqs: number[] = [];
  let total = 0;
  for (const line of records.eachLogLine(runId)) {
    if (!displayLine(line.text).toLowerCase().includes(needle)) continue;
    total++;
    if (seqs.length < limit) seqs.push(line.seq);
  }
  return { seqs, total };
}

/** The first line written to stderr or reading like an error, or null. */
export function firstErrorLine(records: RunRecords<ReadonlyDb>, runId: string): number | null {
  for (const line of records.eachLogLine(runId)) {
    if (line.stream === 'stderr' || ERROR_WORDS.test(line.text)) return line.seq;
  }
  return null;
}
