/**
 * What a signed-in user can do to the store files outside the app (THREAT_MODEL.md, "A signed-in
 * user acting beyond their role"): open their own keyslot with their own password, take the data key
 * and run raw SQL on the decrypted database, and rewrite keyslots.json with a fresh MAC under the
 * data key. No product code path is used to write; the product is then asked to use the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { openDatabase } from '../../src/store/database';
import { finishFile, openSlot, parseKeyslotFile, slotIdFor, type KeyslotFile } from '../../src/store/keyslots';
import type { Keyring } from '../../src/store';

export interface Attacker {
  ring: Keyring;
  file: KeyslotFile;
  /** Raw SQL on the decrypted database; the connection is closed afterwards. */
  sql(fn: (db: Database) => void): void;
  /** Rewrites keyslots.json (a fresh MAC under the data key, generation bumped so the database accepts it). */
  writeKeyslots(change: (file: KeyslotFile) => Omit<KeyslotFile, 'mac'>): void;
}

export async function attackerWith(home: string, name: string, password: string): Promise<Attacker> {
  const path = join(home, 'keyslots.json');
  const file = parseKeyslotFile(readFileSync(path, 'utf8'))!;
  const slot = file.slots.find((s) => s.id === slotIdFor(file, name));
  if (!slot) throw new Error(`no slot for ${name}`);
  const ring = await openSlot(slot, password);
  if (!ring) throw new Error(`the password of ${name} does not open their slot`);
  return {
    ring,
    file,
    sql(fn) {
      const db = openDatabase(join(home, 'store.db'), ring.data);
      try {
        fn(db);
      } finally {
        db.close();
      }
    },
    writeKeyslots(change) {
      const current = parseKeyslotFile(readFileSync(path, 'utf8'))!;
      const { mac: _mac, ...rest } = change(current) as KeyslotFile;
      writeFileSync(path, JSON.stringify(finishFile({ ...rest, generation: current.generation + 1 }, ring.data), null, 1));
    },
  };
}

/** Audit events of an action whose details mention `text`, read with a data key (the chain is in the encrypted file). */
export function auditEvents(home: string, dataKey: Buffer, action: string): Array<{ actor: string; outcome: string; details: string }> {
  const db = openDatabase(join(home, 'store.db'), dataKey);
  try {
    return db.prepare('SELECT actor, outcome, details FROM audit_events WHERE action = ? ORDER BY seq').all(action) as Array<{
      actor: string;
      outcome: string;
      details: string;
    }>;
  } finally {
    db.close();
  }
}
