/**
 * Migrations, one file each (NNNN-name.ts), applied in order inside one transaction and
 * recorded in PRAGMA user_version. A database written by a newer version is refused.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError } from '../../kernel';
import type { Migration } from './types';
import { migration as m0001 } from './0001-initial';
import { migration as m0002 } from './0002-bundles';
import { migration as m0003 } from './0003-runs';
import { migration as m0004 } from './0004-audit-exports';
import { migration as m0005 } from './0005-redaction';
import { migration as m0006 } from './0006-summaries';
import { migration as m0007 } from './0007-run-purges';
import { migration as m0008 } from './0008-authz-seals';
import { migration as m0009 } from './0009-lease-epoch';
import { migration as m0010 } from './0010-remote-engines';
import { migration as m0011 } from './0011-vault-purposes';
import { migration as m0012 } from './0012-remote-placement';
import { migration as m0013 } from './0013-schedules';
import { migration as m0014 } from './0014-ssh-ca';
import { migration as m0015 } from './0015-totp';
import { migration as m0016 } from './0016-enterprise-identity';

export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
  m0015,
  m0016,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new ApiError(
      'CONFLICT',
      `This store was written by a newer version of Airgap Runner (schema ${current}; this version knows up to ${latest}). Install that version or newer; the store was not changed.`,
    );
  }
  if (current === latest) return { from: current, to: latest };
  db.transaction(() => {
    for (const m of migrations.slice(current)) m.up(db);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return { from: current, to: latest };
}
