/**
 * What the runner needs from the bundle catalog: find an imported bundle, and decide whether one of
 * its tasks may run now (tag policy and revocation, checked at submission and again at start).
 * The catalog (src/bundles) provides it; tests may give their own.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Codebundle, CodebundleTask } from '../bundles';

export interface RunnableBundle {
  name: string;
  version: string;
  /** Manifest digest the bundle was imported (and signed) as. */
  digest: string;
  /** The image id (config digest) the engine loaded: runs always use it, never a tag. */
  imageId: string;
  codebundle: Codebundle;
}

export type Admission = { allowed: true } | { allowed: false; reason: string };

export interface BundlePort {
  /** By `name` (newest version), `name@version` or digest; throws NOT_FOUND naming what to do. */
  resolve(db: Database, ref: string): RunnableBundle;
  /** Tag policy and revocation, as they are now. */
  admit(db: Database, bundle: RunnableBundle, task: CodebundleTask): Admission;
}
