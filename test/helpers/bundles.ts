/** A catalog record for a sample bundle (samples/bundles/NAME), as an import would write it; for unit tests of the catalog and of the read operations. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCodebundleYaml } from '../../src/bundles';
import type { NewBundle } from '../../src/bundles/catalog';

const samples = fileURLToPath(new URL('../../samples/bundles/', import.meta.url));
export const SAMPLE_FP = '2d19b095637c1212c1fbe56b06fdff40cd856d586ad4421883876aaf7099e8e0';
export const NOW = '2026-11-26T08:00:00.000Z';
export const hex = (c: string) => `sha256:${c.repeat(64)}`;

/** Digest `sha256:<c×64>`, image id the next letter's. */
export function sampleBundle(sample: string, digestChar: string, overrides: Partial<NewBundle> = {}): NewBundle {
  const codebundle = parseCodebundleYaml(readFileSync(`${samples}${sample}/codebundle.yaml`));
  return {
    name: codebundle.name,
    version: codebundle.version,
    digest: hex(digestChar),
    indexDigest: null,
    imageId: hex(String.fromCharCode(digestChar.charCodeAt(0) + 1)),
    engineTag: `airgap-runner/${codebundle.name}:test`,
    description: codebundle.description,
    maintainer: codebundle.maintainer,
    codebundle,
    size: 1234,
    source: { kind: 'registry', location: 'registry://127.0.0.1:5000', ref: `samples/${sample}:1.0.0`, insecure: true },
    signature: { format: 'cosign-classic', signerFingerprint: SAMPLE_FP, signedDigest: hex(digestChar) },
    importedAt: NOW,
    importedBy: 'user:op',
    ...overrides,
  };
}
