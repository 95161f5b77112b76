/** Sample keys and a fake image manifest shared by the trust tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTrustedKeyPem } from '../../../src/trust/index';
import { sha256Digest } from '../../../samples/tools/sign';

const keysDir = fileURLToPath(new URL('../../../samples/keys/', import.meta.url));

export const trustedPrivatePem = readFileSync(`${keysDir}cosign.key`, 'utf8');
export const trustedPublicPem = readFileSync(`${keysDir}cosign.pub`, 'utf8');
export const untrustedPrivatePem = readFileSync(`${keysDir}untrusted.key`, 'utf8');
export const untrustedPublicPem = readFileSync(`${keysDir}untrusted.pub`, 'utf8');
export const trustedKey = parseTrustedKeyPem(trustedPublicPem);
export const untrustedKey = parseTrustedKeyPem(untrustedPublicPem);

export const IMAGE_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** A stand-in image manifest: its bytes only matter through their digest. */
export function fakeImage(name = 'host-health'): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST_MEDIA_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 2, digest: sha256Digest(name) },
      layers: [],
    }),
  );
  return { bytes, digest: sha256Digest(bytes) };
}
