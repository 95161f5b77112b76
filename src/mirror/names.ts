/**
 * Repository names and tags as the OCI distribution spec defines them. Checked before they are put in
 * a URL or looked up, so a name can never add path segments or query strings.
 */
import { ApiError } from '../kernel';
import { isDigest } from '../oci';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function isRepositoryName(name: string): boolean {
  return name.length <= 255 && REPOSITORY_RE.test(name);
}

export function isTag(value: string): boolean {
  return TAG_RE.test(value);
}

export function checkRepository(name: string): string {
  if (!isRepositoryName(name)) {
    throw new ApiError(
      'INVALID_INPUT',
      `"${name.slice(0, 100)}" is not a valid repository name. Use lower-case letters, digits and . _ - separated by /.`,
    );
  }
  return name;
}

/** A tag or a digest; anything else is INVALID_INPUT. */
export function checkReference(reference: string): string {
  if (isDigest(reference) || isTag(reference)) return reference;
  throw new ApiError(
    'INVALID_INPUT',
    `"${reference.slice(0, 100)}" is neither a tag nor a sha256 digest. Give a tag such as 1.0.0 or a digest sha256:<hex>.`,
  );
}

/** Splits `repo:tag` or `repo@sha256:…` (the CLI's REF) into its parts. */
export function parseImageRef(ref: string): { repository: string; reference: string } {
  const at = ref.indexOf('@');
  if (at > 0) return { repository: checkRepository(ref.slice(0, at)), reference: checkReference(ref.slice(at + 1)) };
  const colon = ref.lastIndexOf(':');
  if (colon > 0 && !ref.slice(colon).includes('/')) {
    return { repository: checkRepository(ref.slice(0, colon)), reference: checkReference(ref.slice(colon + 1)) };
  }
  throw new ApiError('INVALID_INPUT', `"${ref.slice(0, 100)}" names no tag or digest. Use repo:tag or repo@sha256:<hex>.`);
}

/** Repository for ref names that carry only a tag (`skopeo copy … oci:DIR:TAG` writes those). */
export const LAYOUT_DEFAULT_REPOSITORY = 'default';

/**
 * Splits a layout ref name or a docker-save RepoTag: `REPO:TAG` -> both; a bare `TAG` -> the default
 * repository. Returns undefined for names that are neither (they are ignored, not guessed at).
 */
export function splitRefName(ref: string): { repository: string; tag: string } | undefined {
  const colon = ref.lastIndexOf(':');
  if (colon > 0 && !ref.slice(colon).includes('/')) {
    const repository = ref.slice(0, colon);
    const tag = ref.slice(colon + 1);
    return isRepositoryName(repository) && isTag(tag) ? { repository, tag } : undefined;
  }
  return isTag(ref) ? { repository: LAYOUT_DEFAULT_REPOSITORY, tag: ref } : undefined;
}
