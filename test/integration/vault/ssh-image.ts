/**
 * A CodeBundle image on top of the test SSH client image (AIRGAP_TEST_SSH_IMAGE_TAR: Debian's
 * openssh-client, built by test/services/remote.sh): its one layer as an uncompressed OCI layer, then
 * the bundle folder under /codebundle, signed with the sample key into an OCI layout for the real
 * import pipeline.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_DIR, CODEBUNDLE_LABEL, parseCodebundleYaml } from '../../../src/bundles';
import { buildImage, MediaType, sha256Digest, writeOciLayout, type BuiltImage, type BuiltLayer, type Digest } from '../../../src/oci';
import { layoutEntries, signSample } from '../../../samples/tools/build-mirror';

const KEY = readFileSync(fileURLToPath(new URL('../../../samples/keys/cosign.key', import.meta.url)));

function baseLayer(imageTar: string): BuiltLayer {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-image-'));
  execFileSync('tar', ['-xf', imageTar, '-C', dir]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  const layers = manifest[0]!.Layers;
  if (layers.length !== 1) throw new Error(`expected one layer in ${imageTar}`);
  const path = join(dir, layers[0]!);
  const hash = createHash('sha256');
  hash.update(readFileSync(path));
  const digest: Digest = `sha256:${hash.digest('hex')}`;
  return { mediaType: MediaType.ociLayerTar, digest, diffId: digest, size: statSync(path).size, path };
}

/** Builds the bundle in `bundleDir` on the SSH image and writes it signed into a new OCI layout: returns `oci:DIR` and the ref. */
export async function sshBundleMirror(bundleDir: string, imageTar: string): Promise<{ source: string; ref: string }> {
  const codebundle = parseCodebundleYaml(readFileSync(join(bundleDir, 'codebundle.yaml')));
  const files = readdirSync(bundleDir).map((name) => ({
    path: `${CODEBUNDLE_DIR}/${name}`,
    sourcePath: join(bundleDir, name),
    mode: 0o755,
  }));
  const top = await buildImage({
    layers: [{ files }],
    config: {
      user: '65534:65534',
      env: ['PATH=/usr/bin:/bin'],
      workingDir: CODEBUNDLE_DIR,
      labels: {
        [CODEBUNDLE_LABEL]: CODEBUNDLE_DEFAULT_PATH,
        'org.opencontainers.image.title': codebundle.name,
        'org.opencontainers.image.version': codebundle.version,
      },
    },
  });
  const base = baseLayer(imageTar);
  const layers = [base, ...top.layers];
  const config = {
    ...top.config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z' })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configBytes);
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const image: BuiltImage = {
    ...top,
    manifest,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    config,
    configBytes,
    configDigest,
    layers,
  };
  const repository = `tests/${codebundle.name}`;
  const signed = await signSample({ name: codebundle.name, version: codebundle.version, repository, image }, KEY, repository);
  const out = mkdtempSync(join(tmpdir(), 'ssh-mirror-'));
  await writeOciLayout(out, layoutEntries(signed));
  return { source: `oci:${out}`, ref: `${repository}:${codebundle.version}` };
}

/**
 * Signs in to the test target from the host's OpenSSH client with a key and certificate written to
 * `dir` (a test folder the caller removes), the target's host key pinned. Returns ssh's result.
 */
export function hostSignIn(o: { dir: string; host: string; hostKey: string; key: Buffer; cert: Buffer }): () => SpawnSyncReturns<string> {
  writeFileSync(join(o.dir, 'id'), o.key, { mode: 0o600 });
  writeFileSync(join(o.dir, 'id-cert.pub'), o.cert);
  writeFileSync(join(o.dir, 'known_hosts'), `${o.host} ${o.hostKey}\n`);
  const args = ['-F', '/dev/null', '-i', join(o.dir, 'id'), '-o', `CertificateFile=${join(o.dir, 'id-cert.pub')}`];
  args.push('-o', `UserKnownHostsFile=${join(o.dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes');
  args.push('-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=10', `root@${o.host}`);
  return () => spawnSync('ssh', args, { encoding: 'utf8', timeout: 20_000 });
}
