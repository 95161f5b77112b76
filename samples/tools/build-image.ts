/**
 * SAMPLE TOOLING: turns a sample bundle folder `samples/bundles/<name>/` into an OCI image FROM
 * scratch: Debian's static busybox at /bin/busybox with applet symlinks (one layer, shared by every
 * sample), the folder's files under /codebundle/ (a second layer), user 65534:65534 (nobody, and
 * never the root group) and the CodeBundle label. Deterministic: the same folder, the same digest.
 *
 *   node --import tsx samples/tools/build-image.ts samples/bundles/host-health --out DIR
 *     writes an OCI layout to DIR with ref samples/<name>:<version> and prints the digest.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_DIR, CODEBUNDLE_LABEL, parseCodebundleYaml } from '../../src/bundles';
import { artifactFromImage, buildImage, writeOciLayout, type BuiltImage, type ImageFile } from '../../src/oci';

export const BUSYBOX_PATH = process.env.AIRGAP_BUSYBOX ?? '/bin/busybox';

/** The applets linked into /bin. Tasks use these; busybox itself still carries all its applets. */
export const APPLETS = [
  'sh',
  'ash',
  'cat',
  'echo',
  'grep',
  'egrep',
  'fgrep',
  'df',
  'du',
  'free',
  'awk',
  'sed',
  'date',
  'sleep',
  'head',
  'tail',
  'wc',
  'ls',
  'mkdir',
  'printf',
  'tr',
  'cut',
  'sort',
  'uniq',
  'expr',
  'test',
  '[',
  'basename',
  'dirname',
  'id',
  'uname',
  'env',
  'tee',
  'rm',
  'touch',
  'stat',
  'find',
  'xargs',
  'seq',
  'od',
  'true',
  'false',
  'cp',
  'mv',
  'hostname',
  'nproc',
  'uptime',
  'ps',
  'readlink',
  'realpath',
  'mktemp',
  'sha256sum',
  'timeout',
];

export interface SampleImage {
  name: string;
  version: string;
  /** `samples/<name>` */
  repository: string;
  image: BuiltImage;
}

async function bundleFiles(dir: string, root = dir): Promise<ImageFile[]> {
  const out: ImageFile[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await bundleFiles(path, root)));
    else if (entry.isFile()) {
      const executable = entry.name.endsWith('.sh') || ((await stat(path)).mode & 0o111) !== 0;
      out.push({ path: `${CODEBUNDLE_DIR}/${relative(root, path)}`, sourcePath: path, mode: executable ? 0o755 : 0o644 });
    } else {
      throw new Error(`${path} is neither a file nor a folder; sample bundles hold plain files only.`);
    }
  }
  return out;
}

/** `user`: the image's declared user (default 65534:65534); tests give others to check what the runner makes of them. */
export async function buildSampleImage(bundleDir: string, options: { outDir?: string; user?: string } = {}): Promise<SampleImage> {
  const yaml = await readFile(join(bundleDir, 'codebundle.yaml'));
  const codebundle = parseCodebundleYaml(yaml);
  const busybox = await stat(BUSYBOX_PATH).catch(() => undefined);
  if (!busybox?.isFile()) throw new Error(`${BUSYBOX_PATH} is missing: apt-get install busybox-static (or set AIRGAP_BUSYBOX).`);
  const image = await buildImage({
    files: [{ path: '/bin/busybox', sourcePath: BUSYBOX_PATH, mode: 0o755 }],
    symlinks: APPLETS.map((applet) => ({ path: `/bin/${applet}`, target: 'busybox' })),
    layers: [{ files: await bundleFiles(bundleDir), directories: [{ path: '/tmp', mode: 0o1777 }] }],
    config: {
      user: options.user ?? '65534:65534',
      env: ['PATH=/bin'],
      workingDir: CODEBUNDLE_DIR,
      cmd: ['/bin/sh'],
      labels: {
        [CODEBUNDLE_LABEL]: CODEBUNDLE_DEFAULT_PATH,
        'org.opencontainers.image.title': codebundle.name,
        'org.opencontainers.image.version': codebundle.version,
      },
    },
    ...(options.outDir ? { outDir: options.outDir } : {}),
  });
  return { name: codebundle.name, version: codebundle.version, repository: `samples/${basename(bundleDir)}`, image };
}

async function main(argv: string[]): Promise<void> {
  const dir = argv.find((a) => !a.startsWith('--'));
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if (!dir || !out) {
    console.error('usage: build-image.ts samples/bundles/<name> --out DIR');
    process.exit(2);
  }
  const sample = await buildSampleImage(dir);
  await writeOciLayout(out, [{ artifact: artifactFromImage(sample.image), refs: [`${sample.repository}:${sample.version}`] }]);
  console.log(`${sample.repository}:${sample.version} ${sample.image.manifestDigest}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
