import { TarError, shown } from './errors';

/**
 * Normalises an entry name from an archive into a relative POSIX path, refusing anything that could
 * land outside the folder it is extracted into: absolute names, `..` components, backslashes (a
 * separator on Windows), NUL and empty names. `./a//b/` becomes `a/b`.
 */
export function normalizeEntryPath(raw: string): string {
  if (raw.includes('\0')) throw new TarError('bad-path', `An entry name contains a NUL byte (${shown(raw)}).`, raw);
  if (raw.includes('\\')) throw new TarError('bad-path', `The entry ${shown(raw)} uses a backslash in its name.`, raw);
  if (raw.startsWith('/')) throw new TarError('absolute-path', `The entry ${shown(raw)} has an absolute path.`, raw);
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new TarError('traversal', `The entry ${shown(raw)} escapes its folder with "..".`, raw);
    parts.push(part);
  }
  if (parts.length === 0) {
    if (raw.replace(/[./]/g, '') === '') return '.';
    throw new TarError('bad-path', `An entry has an empty name.`, raw);
  }
  return parts.join('/');
}

/**
 * Checks a symlink target for image-layer building: relative targets may not climb out of the
 * image root through `..` beyond the link's own depth. Absolute targets are resolved by the
 * container inside its own root, so they are allowed.
 */
export function checkSymlinkTarget(linkPath: string, target: string): void {
  if (target === '' || target.includes('\0')) {
    throw new TarError('bad-path', `The symlink ${shown(linkPath)} has an empty or invalid target.`, linkPath);
  }
  if (target.startsWith('/')) return;
  let depth = linkPath.split('/').length - 1;
  for (const part of target.split('/')) {
    if (part === '..') depth -= 1;
    else if (part !== '' && part !== '.') depth += 1;
    if (depth < 0) throw new TarError('traversal', `The symlink ${shown(linkPath)} points outside the image root.`, linkPath);
  }
}
