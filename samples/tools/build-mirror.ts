/**
 * SAMPLE TOOLING: builds every sample CodeBundle, signs each with the sample key in both cosign
 * formats, writes an OCI-layout mirror and optionally pushes everything to a registry.
 *
 *   npm run samples:mirror -- --out DIR [--push registry://HOST:PORT[/PREFIX]] [--key FILE] [--only NAME]
 *
 * Per sample `samples/bundles/<name>/` (folders without codebundle.yaml are skipped):
 *  - the image, tagged `samples/<name>:<version>`;
 *  - a classic cosign signature under the tag `samples/<name>:sha256-<hex>.sig`;
 *  - a cosign 3 sigstore-bundle referrer (subject = the image): in the layout it is listed by digest
 *    (found by its subject); in a registry it is pushed by digest plus the OCI 1.1 fallback index under
 *    the tag `sha256-<hex>` for registries without the referrers API.
 * Pushing uses plain HTTP for loopback hosts and HTTPS otherwise (extra CAs: NODE_EXTRA_CA_CERTS).
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  artifactFromImage,
  parseDigest,
  pushToRegistry,
  sha256Digest,
  type BlobSource,
  type LayoutEntry,
  type OciArtifact,
} from '../../src/oci';
import { writeOciLayout } from '../../src/oci';
import { isLoopbackHost, parseRegistryUrl } from '../../src/mirror';
import { buildReferrersIndex, signBundle, signClassic } from './sign';
import { buildSampleImage, type SampleImage } from './build-image';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SAMPLES_DIR = resolve(here, '..', 'bundles');
export const SAMPLE_KEY = resolve(here, '..', 'keys', 'cosign.key');

/** What sign.ts returns, as the writers in src/oci take it. */
function toArtifact(
  signed: { manifest: Buffer; manifestDigest: string; manifestMediaType: string; blobs: Map<string, Buffer> },
  artifactType?: string,
): OciArtifact {
  const blobs: BlobSource[] = [...signed.blobs.entries()].map(([digest, buffer]) => {
    if (sha256Digest(buffer) !== digest) throw new Error(`sign.ts returned a blob that does not match ${digest}`);
    return { digest: parseDigest(digest).digest, size: buffer.length, buffer };
  });
  return {
    mediaType: signed.manifestMediaType,
    manifestBytes: signed.manifest,
    manifestDigest: sha256Digest(signed.manifest),
    blobs,
    ...(artifactType ? { artifactType } : {}),
  };
}

export interface SignedSample {
  sample: SampleImage;
  image: OciArtifact;
  classic: { artifact: OciArtifact; tag: string };
  bundle: { artifact: OciArtifact; fallbackTag: string; fallbackIndex: OciArtifact };
}

export async function signSample(sample: SampleImage, keyPem: string | Buffer, dockerReference: string): Promise<SignedSample> {
  const { image } = sample;
  const classic = signClassic({ manifestDigest: image.manifestDigest, dockerReference, privateKeyPem: keyPem });
  const bundle = signBundle({
    manifestDigest: image.manifestDigest,
    manifestSize: image.manifestBytes.length,
    manifestMediaType: image.mediaType,
    privateKeyPem: keyPem,
  });
  const index = buildReferrersIndex([bundle.descriptor]);
  return {
    sample,
    image: artifactFromImage(image),
    classic: { artifact: toArtifact(classic), tag: classic.tag },
    bundle: {
      artifact: toArtifact(bundle, bundle.artifactType),
      fallbackTag: bundle.fallbackTag,
      fallbackIndex: { mediaType: index.mediaType, manifestBytes: index.manifest, manifestDigest: sha256Digest(index.manifest), blobs: [] },
    },
  };
}

export function layoutEntries(signed: SignedSample): LayoutEntry[] {
  const repo = signed.sample.repository;
  return [
    { artifact: signed.image, refs: [`${repo}:${signed.sample.version}`] },
    { artifact: signed.classic.artifact, refs: [`${repo}:${signed.classic.tag}`] },
    { artifact: signed.bundle.artifact },
  ];
}

/**
 * Builds the sample (or test bundle) in `bundleDir`, signs it with both signature formats and adds it
 * to the OCI layout in `mirrorDir`, tagged by its version. `reference` is the docker reference the
 * classic signature names (the repository, or where it is pushed).
 */
export async function writeSignedSample(
  mirrorDir: string,
  bundleDir: string,
  keyPem: string | Buffer,
  reference?: (sample: SampleImage) => string,
): Promise<SignedSample> {
  const sample = await buildSampleImage(bundleDir);
  const signed = await signSample(sample, keyPem, reference ? reference(sample) : sample.repository);
  await writeOciLayout(mirrorDir, layoutEntries(signed));
  return signed;
}

export async function pushSigned(baseUrl: string, prefix: string, signed: SignedSample): Promise<void> {
  const repo = prefix ? `${prefix}/${signed.sample.repository}` : signed.sample.repository;
  await pushToRegistry(baseUrl, repo, signed.image, signed.sample.version);
  await pushToRegistry(baseUrl, repo, signed.classic.artifact, signed.classic.tag);
  await pushToRegistry(baseUrl, repo, signed.bundle.artifact);
  await pushToRegistry(baseUrl, repo, signed.bundle.fallbackIndex, signed.bundle.fallbackTag);
}

export async function sampleNames(dir = SAMPLES_DIR): Promise<string[]> {
  const names: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    if (
      await stat(join(dir, entry.name, 'codebundle.yaml')).then(
        () => true,
        () => false,
      )
    )
      names.push(entry.name);
    else console.error(`skipping samples/bundles/${entry.name}: no codebundle.yaml`);
  }
  return names;
}

export interface BuildMirrorOptions {
  out: string;
  push?: string;
  keyFile?: string;
  only?: string[];
  log?: (line: string) => void;
}

export async function buildMirror(options: BuildMirrorOptions): Promise<SignedSample[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const key = await readFile(options.keyFile ?? SAMPLE_KEY);
  const target = options.push ? parseRegistryUrl(options.push) : undefined;
  const baseUrl = target ? `${isLoopbackHost(target.host) ? 'http' : 'https'}://${target.authority}` : undefined;
  const results: SignedSample[] = [];
  // A fresh index each run: signatures differ on every run (ECDSA), and stale referrers would pile up.
  // Blobs already there are kept (content-addressed; identical images are not rewritten).
  await rm(join(options.out, 'index.json'), { force: true });
  for (const name of options.only ?? (await sampleNames())) {
    const signed = await writeSignedSample(options.out, join(SAMPLES_DIR, name), key, (sample) =>
      target ? `${target.authority}/${target.prefix ? `${target.prefix}/` : ''}${sample.repository}` : sample.repository,
    );
    const { sample } = signed;
    if (baseUrl && target) await pushSigned(baseUrl, target.prefix, signed);
    log(`${sample.repository}:${sample.version} ${sample.image.manifestDigest}${target ? ` (pushed to ${options.push})` : ''}`);
    results.push(signed);
  }
  return results;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const out = argValue(argv, '--out');
  if (!out) {
    console.error('usage: npm run samples:mirror -- --out DIR [--push registry://HOST:PORT[/PREFIX]] [--key FILE] [--only NAME]');
    process.exit(2);
  }
  const only = argValue(argv, '--only');
  buildMirror({
    out: resolve(out),
    push: argValue(argv, '--push'),
    keyFile: argValue(argv, '--key'),
    ...(only ? { only: only.split(',') } : {}),
  })
    .then(() => console.log(`OCI-layout mirror written to ${resolve(out)}`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
