/** Locating codebundle.yaml in an image from its config's labels. */
import { posix } from 'node:path';
import { ApiError } from '../kernel';
import { CODEBUNDLE_LABEL } from './contract';

/**
 * The path of codebundle.yaml inside the image, from the `io.airgap-runner.codebundle` label.
 * INVALID_INPUT when the label is missing or is not a clean absolute path to a .yaml/.yml file.
 */
export function codebundlePathFromLabels(labels: Readonly<Record<string, string>> | null | undefined): string {
  const value = labels?.[CODEBUNDLE_LABEL];
  if (value === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `The image has no "${CODEBUNDLE_LABEL}" label, so it is not a CodeBundle. Build it with LABEL ${CODEBUNDLE_LABEL}=/codebundle/codebundle.yaml (see docs/codebundle-format.md).`,
    );
  }
  const clean =
    value.length <= 256 &&
    value.startsWith('/') &&
    posix.normalize(value) === value &&
    !value.split('/').includes('..') &&
    /^[A-Za-z0-9._/-]+\.ya?ml$/.test(value);
  if (!clean) {
    throw new ApiError(
      'INVALID_INPUT',
      `The "${CODEBUNDLE_LABEL}" label must be an absolute path to a .yaml file, without "..", such as /codebundle/codebundle.yaml.`,
    );
  }
  return value;
}
