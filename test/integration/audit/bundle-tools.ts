/**
 * Making and taking apart export bundles in tests. The unpacker here is deliberately independent
 * of src/audit/tar.ts (plain gunzip and header arithmetic), so a bug there cannot hide itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/kernel';
import { genesisPrevHash, type AuditEvent } from '../../../src/audit/chain';
import { signDetached } from '../../../src/audit/cms';
import { writeExportBundle, type ExportResult, type RedactionHook } from '../../../src/audit/export-bundle';
import { generateIdentity, type SigningIdentity } from '../../../src/audit/identity';
import type { ExportManifest } from '../../../src/audit/manifest';
import { tarEnd, tarEntry } from '../../../src/audit/tar';
import { WORKSTATION } from '../../unit/audit/helpers';

/** A temporary folder removed when the test process exits (safe to create inside hooks). */
export function tempDir(prefix = 'audit-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const identityCache = new Map<string, Promise<SigningIdentity>>();
export function testIdentity(name: string, kind: 'rsa' | 'ec' = 'ec'): Promise<SigningIdentity> {
  const key = `${name}/${kind}`;
  if (!identityCache.has(key)) identityCache.set(key, generateIdentity({ kind, commonName: `Audit ${name}`, workstationId: WORKSTATION }));
  return identityCache.get(key)!;
}

export interface ExportArgs {
  dir: string;
  name: string;
  events: AuditEvent[] | AsyncIterable<AuditEvent> | Iterable<AuditEvent>;
  identity: SigningIdentity;
  exportId: string;
  previousExportId?: string | null;
  firstPrevHash?: string;
  redaction?: RedactionHook;
}

export async function exportBundle(args: ExportArgs): Promise<ExportResult> {
  return await writeExportBundle({
    events: args.events,
    outPath: join(args.dir, args.name),
    identity: args.identity,
    exportId: args.exportId,
    previousExportId: args.previousExportId ?? null,
    firstPrevHash: args.firstPrevHash ?? genesisPrevHash(WORKSTATION),
    workstationId: WORKSTATION,
    createdAt: new Date(),
    ...(args.redaction ? { redaction: args.redaction } : {}),
  });
}

export interface Entry {
  name: string;
  data: Buffer;
}

/** The archive's entries in order (independent of src/audit/tar.ts). */
export function unpack(path: string): Entry[] {
  const tar = gunzipSync(readFileSync(path));
  const entries: Entry[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, ''), 8);
    entries.push({ name, data: Buffer.from(tar.subarray(offset + 512, offset + 512 + size)) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

export function repack(entries: Entry[], path: string): void {
  const mtime = new Date('2026-01-01T00:00:00Z');
  writeFileSync(path, gzipSync(Buffer.concat([...entries.map((e) => tarEntry(e.name, e.data, mtime)), tarEnd()])));
}

export function entry(entries: Entry[], name: string): Buffer {
  const found = entries.find((e) => e.name === name);
  if (!found) throw new Error(`no ${name} in bundle`);
  return found.data;
}

export function replaceEntry(entries: Entry[], name: string, data: Buffer): Entry[] {
  return entries.map((e) => (e.name === name ? { name, data } : e));
}

export function eventsOf(entries: Entry[]): AuditEvent[] {
  return entry(entries, 'events.jsonl')
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

export function jsonl(events: AuditEvent[]): Buffer {
  return Buffer.from(events.map((e) => `${canonicalJson(e)}\n`).join(''));
}

/**
 * What a careful forger does after changing events: update the manifest's hashes, sizes, count and
 * lastHash. Re-signs with `signer` when given (then also naming it in the manifest), else keeps the
 * old signature.
 */
export function forgeManifest(entries: Entry[], signer?: SigningIdentity): Entry[] {
  const manifest = JSON.parse(entry(entries, 'manifest.json').toString()) as ExportManifest;
  const events = eventsOf(entries);
  manifest.files = manifest.files.map((f) => {
    const data = entry(entries, f.name);
    return { name: f.name, sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
  });
  manifest.range = { firstSeq: events[0]!.seq, lastSeq: events[events.length - 1]!.seq, count: events.length };
  manifest.lastHash = events[events.length - 1]!.hash;
  if (signer) manifest.signer = { fingerprint: signer.fingerprint, subject: manifest.signer.subject };
  const bytes = Buffer.from(canonicalJson(manifest));
  let out = replaceEntry(entries, 'manifest.json', bytes);
  if (signer) out = replaceEntry(out, 'manifest.json.p7s', signDetached(bytes, signer));
  return out;
}
