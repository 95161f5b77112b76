/**
 * Offline TOTP (RFC 6238) for sites with no identity provider (docs/identity.md, "Offline TOTP"):
 * a user's enrolment, its sealed secret, the replay guard and the recovery codes. The secret is
 * AES-256-GCM under a key derived from the data key and bound to the user id, so it is never
 * plaintext on disk or in a dump of the decrypted database, cannot be moved to another user's row,
 * and is re-encrypted when the data key rotates (reencryptTotp, a rotation hook). A code is taken
 * once: the last accepted 30-second step is remembered and only a later step is accepted.
 */
import { createHash, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { Secret, TOTP } from 'otpauth';
import { ApiError, type ReadonlyDb } from '../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, type RotationHook, type Sealed } from '../store';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now that are still accepted (clock drift between phone and workstation). */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Airgap Runner';

const aad = (userId: number) => `airgap-runner/totp/v1/user:${userId}`;

function secretKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, 'airgap-runner/totp', 'airgap-runner/totp-secret/v1', 32));
}

function seal(dataKey: Buffer, userId: number, secret: Buffer): string {
  const key = secretKey(dataKey);
  try {
    return JSON.stringify(aesGcmEncrypt(key, secret, aad(userId)));
  } finally {
    key.fill(0);
  }
}

function unseal(dataKey: Buffer, userId: number, stored: string): Buffer {
  const key = secretKey(dataKey);
  try {
    const plain = aesGcmDecrypt(key, JSON.parse(stored) as Sealed, aad(userId));
    if (!plain) {
      throw new ApiError(
        'VERIFY_FAILED',
        'The TOTP secret of this account does not open (it was altered or moved). An admin can reset TOTP for this user, who then enrols again.',
      );
    }
    return plain;
  } finally {
    key.fill(0);
  }
}

function totpFor(secret: Buffer, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });
}

/** Recovery codes: 10 characters from an unambiguous alphabet (50 bits), shown as xxxxx-xxxxx. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function newRecoveryCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

function normaliseRecovery(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function recoveryHash(userId: number, code: string): string {
  return createHash('sha256')
    .update(`airgap-runner/totp-recovery/v1\n${userId}\n${normaliseRecovery(code)}`)
    .digest('hex');
}

export const looksLikeTotpCode = (code: string) => /^\d{6}$/.test(code.replace(/\s/g, ''));
const looksLikeRecoveryCode = (code: string) => new RegExp(`^[${RECOVERY_ALPHABET}]{10}$`).test(normaliseRecovery(code));

interface EnrolmentRow {
  user_id: number;
  secret: string | null;
  confirmed_at: string | null;
  last_step: number;
  pending_secret: string | null;
  pending_since: string | null;
}

export interface TotpStatus {
  enrolled: boolean;
  /** An enrolment begun but not yet confirmed with a code. */
  pending: boolean;
  recoveryCodesLeft: number;
  enrolledAt: string | null;
}

export type CodeCheck = { ok: true; via: 'code' | 'recovery' } | { ok: false; reason: 'totp-bad-code' | 'totp-reused' };

const stepAt = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/** The step a code belongs to (within the window around now), or null when it matches none. */
function matchingStep(secret: Buffer, code: string, nowMs: number): number | null {
  const delta = totpFor(secret, 'check').validate({ token: code.replace(/\s/g, ''), timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? null : stepAt(nowMs) + delta;
}

/** The TOTP rows of one database (identity owns the tables). */
export class TotpEnrolments<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  private row(userId: number): EnrolmentRow | undefined {
    return this.db.prepare('SELECT * FROM totp_enrolments WHERE user_id = ?').get(userId) as EnrolmentRow | undefined;
  }

  isEnrolled(userId: number): boolean {
    return !!this.row(userId)?.secret;
  }

  status(userId: number): TotpStatus {
    const r = this.row(userId);
    const left = this.db.prepare('SELECT count(*) AS n FROM totp_recovery_codes WHERE user_id = ? AND used_at IS NULL').get(userId) as {
      n: number;
    };
    return {
      enrolled: !!r?.secret,
      pending: !!r?.pending_secret,
      recoveryCodesLeft: r?.secret ? left.n : 0,
      enrolledAt: r?.confirmed_at ?? null,
    };
  }

  /**
   * Starts (or restarts) an enrolment: a new random 160-bit secret, sealed as pending; a confirmed
   * enrolment stays in force until the new one is proved with a code. Returns the secret (base32)
   * and the otpauth URI: shown once, never stored in the clear.
   */
  begin(this: TotpEnrolments<Database>, userId: number, userName: string, dataKey: Buffer, now: string): { secret: string; uri: string } {
    const secret = randomBytes(20);
    try {
      this.db
        .prepare(
          `INSERT INTO totp_enrolments(user_id, pending_secret, pending_since) VALUES (?, ?, ?)
           ON CONFLICT(user_id) DO UPDATE SET pending_secret = excluded.pending_secret, pending_since = excluded.pending_since`,
        )
        .run(userId, seal(dataKey, userId, secret), now);
      const totp = totpFor(secret, userName);
      return { secret: totp.secret.base32, uri: totp.toString() };
    } finally {
      secret.fill(0);
    }
  }

  /**
   * Proves the pending enrolment with a code from the authenticator: it becomes the user's secret,
   * the code's step is spent, and ten new recovery codes replace any old ones. Returns the codes
   * (shown once; only their hashes are kept).
   */
  confirm(this: TotpEnrolments<Database>, userId: number, code: string, dataKey: Buffer, nowMs: number): string[] {
    const r = this.row(userId);
    if (!r?.pending_secret) {
      throw new ApiError('CONFLICT', 'There is no authenticator app setup to confirm. Start the setup first.');
    }
    const secret = unseal(dataKey, userId, r.pending_secret);
    try {
      const step = looksLikeTotpCode(code) ? matchingStep(secret, code, nowMs) : null;
      if (step === null) {
        throw new ApiError(
          'INVALID_INPUT',
          'That code does not match the new secret. Check the clock of the device with the authenticator app and enter the code it shows now.',
        );
      }
      const now = new Date(nowMs).toISOString();
      this.db
        .prepare(
          'UPDATE totp_enrolments SET secret = pending_secret, confirmed_at = ?, last_step = ?, pending_secret = NULL, pending_since = NULL WHERE user_id = ?',
        )
        .run(now, step, userId);
      this.db.prepare('DELETE FROM totp_recovery_codes WHERE user_id = ?').run(userId);
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      const insert = this.db.prepare('INSERT INTO totp_recovery_codes(user_id, code_hash) VALUES (?, ?)');
      for (const c of codes) insert.run(userId, recoveryHash(userId, c));
      return codes;
    } finally {
      secret.fill(0);
    }
  }

  /**
   * Checks a sign-in code: a TOTP code whose step is later than the last one accepted (then
   * spent), or an unused recovery code (then marked used).
   */
  check(this: TotpEnrolments<Database>, userId: number, code: string, dataKey: Buffer, nowMs: number): CodeCheck {
    const r = this.row(userId);
    if (!r?.secret) return { ok: false, reason: 'totp-bad-code' };
    if (looksLikeTotpCode(code)) {
      const secret = unseal(dataKey, userId, r.secret);
      let step: number | null;
      try {
        step = matchingStep(secret, code, nowMs);
      } finally {
        secret.fill(0);
      }
      if (step === null) return { ok: false, reason: 'totp-bad-code' };
      // Only a later step: a code (or an earlier one still inside the window) is never taken twice.
      const spent = this.db.prepare('UPDATE totp_enrolments SET last_step = ? WHERE user_id = ? AND last_step < ?').run(step, userId, step);
      return spent.changes === 1 ? { ok: true, via: 'code' } : { ok: false, reason: 'totp-reused' };
    }
    if (looksLikeRecoveryCode(code)) {
      const used = this.db
        .prepare('UPDATE totp_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL')
        .run(new Date(nowMs).toISOString(), userId, recoveryHash(userId, code));
      if (used.changes === 1) return { ok: true, via: 'recovery' };
    }
    return { ok: false, reason: 'totp-bad-code' };
  }

  /** Removes the user's enrolment and recovery codes (the user, or an admin for a lost device). */
  remove(this: TotpEnrolments<Database>, userId: number): boolean {
    const gone = this.db.prepare('DELETE FROM totp_enrolments WHERE user_id = ?').run(userId);
    this.db.prepare('DELETE FROM totp_recovery_codes WHERE user_id = ?').run(userId);
    return gone.changes > 0;
  }

  /** Every sealed secret from one data key to the next (inside the rotation's transaction). */
  reseal(this: TotpEnrolments<Database>, oldData: Buffer, newData: Buffer): void {
    const rows = this.db.prepare('SELECT * FROM totp_enrolments').all() as EnrolmentRow[];
    const update = this.db.prepare('UPDATE totp_enrolments SET secret = ?, pending_secret = ? WHERE user_id = ?');
    for (const r of rows) {
      const move = (stored: string | null) => {
        if (!stored) return null;
        const plain = unseal(oldData, r.user_id, stored);
        try {
          return seal(newData, r.user_id, plain);
        } finally {
          plain.fill(0);
        }
      };
      update.run(move(r.secret), move(r.pending_secret), r.user_id);
    }
  }
}

/** Rotation hook (src/api/rotation-hooks.ts): TOTP secrets follow the data key. */
export const reencryptTotp: RotationHook = (db, oldKeys, newKeys) => {
  new TotpEnrolments(db).reseal(oldKeys.data, newKeys.data);
};
