/**
 * airgap-audit-verify: the standalone verifier for audit export bundles. Bundled by
 * scripts/build-verifier.mjs into dist/airgap-audit-verify.mjs, one file that runs with plain
 * `node` (20+), with no store, no network and no native module.
 *
 *   airgap-audit-verify FILE... [--ca CERT] [--json] [--emit ocsf|cef --out FILE]
 *
 * Exit status: 0 all verified, 1 verification failed (first problem on stderr as
 * `error VERIFY_FAILED: ...`), 2 usage error.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isApiError } from '../kernel';
import { isChainWorker, runChainWorker } from './chain-workers';
import { writeSiemFile } from './siem';
import { verifyBundles, type BundleReport, type VerifyReport } from './verify';

export const USAGE = `Usage: airgap-audit-verify FILE... [--ca CERT] [--json] [--emit ocsf|cef --out FILE] [--threads N]

Verifies Airgap Runner audit export bundles (.tar.gz): the manifest signature, every file's
SHA-256 and size, the hash chain inside each bundle and, given several bundles, that they
continue each other with no gap, fork or rollback.

  --ca CERT          PEM certificate(s) to trust: the workstation's own certificate or its CA.
                     Without it the signer is reported and you compare the fingerprint yourself.
  --json             print the full report as JSON on stdout
  --emit ocsf|cef    after everything verified, write the events as OCSF 1.1 JSON lines or CEF
  --out FILE         where --emit writes (must not exist yet)
  --threads N        worker threads checking the events (default: one per CPU, at most 4; 0: none)

Exit status: 0 verified, 1 verification failed, 2 usage error.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

interface CliOptions {
  files: string[];
  caPem?: string;
  json: boolean;
  emit?: { format: 'ocsf' | 'cef'; outPath: string };
  threads: number;
}

function parse(argv: string[]): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ca: { type: 'string' },
        json: { type: 'boolean', default: false },
        emit: { type: 'string' },
        out: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('give at least one bundle (.tar.gz) to verify');
  const cpus = availableParallelism();
  const options: CliOptions = { files: positionals, json: values.json === true, threads: cpus > 1 ? Math.min(4, cpus) : 0 };
  if (values.threads !== undefined) {
    if (!/^\d{1,2}$/.test(values.threads) || Number(values.threads) > 16) throw new UsageError('--threads takes a number from 0 to 16');
    options.threads = Number(values.threads);
  }
  if (values.ca !== undefined) {
    try {
      options.caPem = readFileSync(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the CA file ${values.ca} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!options.caPem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${values.ca} holds no PEM certificate`);
  }
  if (values.emit !== undefined || values.out !== undefined) {
    if (values.emit !== 'ocsf' && values.emit !== 'cef') throw new UsageError('--emit takes ocsf or cef');
    if (!values.out) throw new UsageError('--emit needs --out FILE');
    options.emit = { format: values.emit, outPath: values.out };
  }
  return options;
}

function bundleSummary(bundle: BundleReport): string {
  const lines: string[] = [];
  const range = bundle.range ? `events ${bundle.range.firstSeq} to ${bundle.range.lastSeq} (${bundle.range.count})` : 'range unknown';
  lines.push(`${bundle.ok ? 'verified' : 'FAILED  '}  ${bundle.path}  export ${bundle.exportId ?? '?'}  ${range}`);
  if (bundle.signer) {
    const trust =
      bundle.signer.trusted === null
        ? 'not checked against a CA: compare this fingerprint with the one you expect'
        : bundle.signer.trusted
          ? 'trusted through --ca'
          : 'NOT issued by --ca';
    lines.push(`          signed by ${bundle.signer.subject}`);
    lines.push(`          SHA-256 ${bundle.signer.fingerprint} (${trust})`);
  }
  if (bundle.redaction)
    lines.push(
      `          redacted with ${bundle.redaction.ruleSet} ${bundle.redaction.version}: ${bundle.redaction.events} events, ${bundle.redaction.replacements} values`,
    );
  for (const problem of bundle.problems) lines.push(`          problem ${problem.kind}: ${problem.message}`);
  return `${lines.join('\n')}\n`;
}

function humanReport(report: VerifyReport): string {
  let text = report.bundles.map(bundleSummary).join('');
  for (const finding of report.continuity) text += `${finding.ok ? 'continuity' : 'CONTINUITY'} ${finding.kind}: ${finding.message}\n`;
  text += report.ok ? `result: ${report.bundles.length} bundle(s) verified\n` : 'result: verification FAILED\n';
  return text;
}

/** Runs the verifier with `argv` (without node and script); returns the exit status. */
export async function runVerifierCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parse(argv);
  } catch (error) {
    io.stderr(`error INVALID_INPUT: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  // This very file also serves as the worker script that checks events.jsonl on other threads.
  const workers = { script: new URL(import.meta.url), count: options.threads };
  const report = await verifyBundles(options.files, { workers, ...(options.caPem !== undefined ? { caPem: options.caPem } : {}) });
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : humanReport(report));
  if (!report.ok) {
    io.stderr(`error VERIFY_FAILED: ${report.firstProblem ?? 'verification failed'}\n`);
    return 1;
  }
  if (options.emit) {
    try {
      const { events } = await writeSiemFile(report, options.emit);
      if (!options.json) io.stdout(`wrote ${events} events as ${options.emit.format.toUpperCase()} to ${options.emit.outPath}\n`);
    } catch (error) {
      if (isApiError(error)) {
        io.stderr(`error ${error.code}: ${error.message}\n`);
        return error.code === 'VERIFY_FAILED' ? 1 : 2;
      }
      throw error;
    }
  }
  return 0;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isChainWorker()) {
  runChainWorker();
} else if (isEntryPoint()) {
  runVerifierCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
