/** Test helpers: a real Core on a temp home, with a lower scrypt cost to keep unit tests quick. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, type CoreOptions } from '../../src/api/core';
import { dispatch } from '../../src/api/dispatcher';
import { fixedClock } from '../../src/kernel';
import type { OpName, OpOutput } from '../../src/api/contract';
import { adminSigner, type Signer } from '../../src/store';

export const FAST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
export const ADMIN_PASSWORD = 'admin-password-123';

export function tempDir(prefix = 'agr-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Collaborators a test gives the core (its engine, bundle port, lease timings, poll interval). */
export type TestCoreOptions = Omit<CoreOptions, 'home' | 'clock' | 'scryptCost'>;

export function newCore(home: string, clock = fixedClock('2026-11-26T08:00:00Z'), options: TestCoreOptions = {}) {
  const core = new Core({ ...options, home, clock, scryptCost: FAST_SCRYPT });
  return { core, clock };
}

/** A fresh store with admin `admin`; returns the admin session id. */
export async function initialisedCore(options: { home?: string; start?: Date | string; core?: TestCoreOptions } = {}) {
  const home = options.home ?? join(tempDir(), 'home');
  const { core, clock } = newCore(home, fixedClock(options.start ?? '2026-11-26T08:00:00Z'), options.core);
  const init = await dispatch(core, null, 'system.init', { adminName: 'admin', password: ADMIN_PASSWORD });
  const admin = await signIn(core, 'admin', ADMIN_PASSWORD);
  return {
    core,
    clock,
    home,
    admin,
    recoveryKey: init.recoveryKey,
    cleanup: async () => {
      await core.close();
      rmSync(join(home, '..'), { recursive: true, force: true });
    },
  };
}

export async function signIn(core: Core, name: string, password: string): Promise<string> {
  return (await dispatch(core, null, 'auth.signIn', { name, password })).sessionId;
}

export function as(core: Core, sessionId: string | null) {
  return <N extends OpName>(name: N, input: unknown = {}): Promise<OpOutput<N>> => dispatch(core, sessionId, name, input);
}

/** Adds a user and has them change the first password, so their session can do everything their roles allow. */
export async function addUser(core: Core, adminSession: string, name: string, roles: string[], password = `${name}-password-123`) {
  await dispatch(core, adminSession, 'users.add', { name, roles, password: `${password}-first` });
  const first = await signIn(core, name, `${password}-first`);
  await dispatch(core, first, 'auth.changePassword', { currentPassword: `${password}-first`, newPassword: password });
  return { session: first, password };
}

export async function rejects(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`, { cause: error });
    return e.message ?? '';
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** The admin key of a live session, for tests that call a domain's write functions directly. */
export function signerOf(core: Core, sessionId: string): Signer {
  const session = core.sessions.all().find((s) => s.id === sessionId);
  if (!session?.keyring.admin) throw new Error('that session holds no admin key');
  return adminSigner(session.keyring.admin);
}
