/**
 * Where an operation writes a new file (a run report, an audit export, a backup): the folder must
 * exist and the name must be new, since nothing the core writes replaces a file. Checked before any
 * work starts, so a bad path costs nothing; the writers refuse an existing name again when they
 * write (a file made in between is not overwritten either).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiError } from '../../kernel';

/** The absolute path of a new file at `outPath`, or INVALID_INPUT / CONFLICT saying what to choose instead. */
export function newOutputFile(outPath: string): string {
  const out = resolve(outPath);
  const folder = dirname(out);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new ApiError('INVALID_INPUT', `The folder ${folder} does not exist. Create it or choose another place.`);
  if (existsSync(out))
    throw new ApiError('CONFLICT', `${out} already exists. Choose a new file name; exports and backups never overwrite a file.`);
  return out;
}
