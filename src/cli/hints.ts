/**
 * The command for each next step a core error names (src/kernel/errors.ts, NEXT_STEPS). The core's
 * messages say what to do in words, because the window shows them too; the CLI adds the command
 * under the message as a `hint:` line (and as `hint` in --json errors).
 */
import type { NextStep } from '../kernel';
import { PROGRAM } from './table';

const HINTS: Record<NextStep, string> = {
  init: `${PROGRAM} init --admin NAME  (or restore a backup: ${PROGRAM} restore FILE)`,
  restore: `${PROGRAM} --home EMPTY_DIR restore FILE  (FILE: a backup made by "${PROGRAM} backup")`,
  recover: `${PROGRAM} --user ADMIN whoami  (an admin's sign-in seals it; without an admin password: ${PROGRAM} recover)`,
  'sign-in': `${PROGRAM} login`,
  'service-status': `${PROGRAM} service status`,
  'service-unseal': `${PROGRAM} service unseal`,
};

export function hintFor(next: NextStep): string {
  return HINTS[next];
}
