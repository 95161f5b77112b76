/**
 * Audit bench (on demand, not part of the tests):
 *   node --import tsx bench/audit.ts [--events N] [--keep DIR]
 *
 * 1. append 100k events to an in-memory chain (sealEvent); the store-backed append bench comes with the store
 * 2. build N (default 1M) events, then export and sign them          target: under 20 s
 *    (the events reach the exporter one at a time, parsed from stored JSON text, as from the store)
 * 3. verify that bundle, against the floor of `gzip -dc BUNDLE | openssl dgst -sha256`
 *    over the same file in the same run                              target: at most 3x the floor
 * Every figure comes as wall time and CPU time (all threads of this process; both processes of the
 * floor), with the 1-minute load average: on a shared machine the wall times move with the load,
 * the CPU times much less. The export's main thread is its bottleneck (compression runs beside it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { genesisPrevHash, sealEvent, type AuditEvent } from '../src/audit/chain';
import { writeExportBundle } from '../src/audit/export-bundle';
import { generateIdentity } from '../src/audit/identity';
import { verifyBundles } from '../src/audit/verify';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, keep: { type: 'string' } } });
const total = Number(values.events);
const workstationId = 'bench-workstation';
const ACTIONS = ['run.start', 'run.finish', 'secret.use', 'bundle.import', 'user.update', 'auth.signIn'];

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function* chain(count: number): Generator<AuditEvent> {
  let prev = genesisPrevHash(workstationId);
  let mono = Date.UTC(2025, 0, 1);
  for (let seq = 1; seq <= count; seq++) {
    mono += 37;
    const action = seq === 1 ? 'audit.genesis' : ACTIONS[seq % ACTIONS.length]!;
    const details =
      seq === 1
        ? { workstationId, format: 'airgap-runner/audit/v1' }
        : { run: `run-${Math.floor(seq / 4)}`, bundle: 'k8s-namespace-healthcheck', version: 3, params: { namespace: 'payments', context: 'prod-eu-1' }, exitCode: seq % 7 === 0 ? 1 : 0 };
    const event = sealEvent(
      prev,
      { seq, time: new Date(mono).toISOString(), mono, actor: seq % 5 === 0 ? 'system' : 'user:alice', action, target: seq % 3 === 0 ? null : `run-${Math.floor(seq / 4)}`, outcome: seq % 11 === 0 ? 'denied' : 'success' },
      details,
    );
    prev = event.hash;
    yield event;
  }
}

/** CPU seconds (user + system, all threads) this process used since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * Wall time of `gzip -dc BUNDLE | openssl dgst -sha256` (best of 2), and its CPU time (both
 * processes, from the shell's `times`): on a shared machine the CPU figures compare fairly even
 * when other work slows every wall clock down.
 */
function floorSeconds(path: string): { wall: number; cpu: number } {
  let best = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    const result = spawnSync('bash', ['-c', `gzip -dc "$1" | openssl dgst -sha256 > /dev/null; times`, 'floor', path], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`gzip -dc | openssl dgst failed (are gzip and openssl installed?): ${result.stderr}`);
    const wall = seconds(started);
    const children = result.stdout.trim().split('\n').pop() ?? '';
    const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
    if (wall < best.wall) best = { wall, cpu };
  }
  return best;
}

/** The 1-minute load average: on a shared machine it says how much the wall-clock figures are worth. */
function load(): string {
  return `load ${loadavg()[0]!.toFixed(1)}`;
}

function machine(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs`;
}

/** The events as the store hands them out, one at a time, parsed from stored JSON text. */
function* fromStoredText(lines: string[]): Generator<AuditEvent> {
  for (const line of lines) yield JSON.parse(line) as AuditEvent;
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'audit-bench-'));
console.log(`audit bench, ${machine()}`);
try {
  // 1. append 100k in memory
  let started = performance.now();
  let appended = 0;
  for (const _event of chain(100_000)) appended++;
  const appendSeconds = seconds(started);
  console.log(`append ${appended} events in memory (sealEvent): ${appendSeconds.toFixed(2)} s (${((appendSeconds / appended) * 1e6).toFixed(1)} us/event)`);

  // 2. export and sign N events
  // Kept as JSON text, not as a million live objects: the store hands rows out a page at a time,
  // and a heap of millions of small objects would bill the exporter for garbage-collection work the
  // real export never causes (measured: about twice the CPU time).
  started = performance.now();
  const stored: string[] = [];
  for (const event of chain(total)) stored.push(JSON.stringify(event));
  console.log(`build ${total} events with sealEvent: ${seconds(started).toFixed(1)} s (not part of the export figure)`);
  const identity = await generateIdentity({ kind: 'ec', commonName: 'bench', workstationId });
  const bundle = join(dir, 'bench.tar.gz');
  started = performance.now();
  let cpu = process.cpuUsage();
  const result = await writeExportBundle({
    events: fromStoredText(stored),
    outPath: bundle,
    identity,
    exportId: 'bench-1',
    previousExportId: null,
    firstPrevHash: genesisPrevHash(workstationId),
    workstationId,
    createdAt: new Date(),
  });
  const exportSeconds = seconds(started);
  const exportCpu = cpuSeconds(cpu);
  stored.length = 0;
  const size = statSync(bundle).size;
  console.log(
    `export + sign ${result.manifest.range.count} events: ${exportSeconds.toFixed(2)} s (target < 20 s) ${exportSeconds < 20 ? 'OK' : 'OVER'}; ` +
      `${(size / 1048576).toFixed(1)} MiB .tar.gz, events.jsonl ${(result.manifest.files.find((f) => f.name === 'events.jsonl')!.size / 1048576).toFixed(1)} MiB; ` +
      `CPU ${exportCpu.toFixed(2)} s (all threads; ${load()})`,
  );

  // 3. verify against the floor, in the same run
  const floor = floorSeconds(bundle);
  console.log(`floor (gzip -dc | openssl dgst -sha256, best of 2): ${floor.wall.toFixed(2)} s wall, ${floor.cpu.toFixed(2)} s CPU (${load()})`);
  // As the standalone verifier runs (events checked on worker threads, the built verifier being its
  // own worker script), then on one thread.
  const verifier = join(dir, 'airgap-audit-verify.mjs');
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build-verifier.mjs', import.meta.url)), '--out', verifier], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the verifier failed: ${build.stderr}`);
  const threads = Math.min(4, availableParallelism());
  for (const workers of [{ script: verifier, count: threads }, undefined]) {
    started = performance.now();
    cpu = process.cpuUsage();
    const report = await verifyBundles([bundle], { caPem: identity.certPem, ...(workers ? { workers } : {}) });
    const verifySeconds = seconds(started);
    const verifyCpu = cpuSeconds(cpu);
    if (!report.ok) throw new Error(`the bench bundle did not verify: ${report.firstProblem ?? '?'}`);
    const ratio = verifySeconds / floor.wall;
    console.log(
      `verify ${report.bundles[0]!.range!.count} events (${workers ? `${threads} worker threads` : 'one thread'}): ${verifySeconds.toFixed(2)} s = ${ratio.toFixed(2)}x the floor ` +
        `(target <= 3x) ${ratio <= 3 ? 'OK' : 'OVER'}; CPU ${verifyCpu.toFixed(2)} s = ${(verifyCpu / floor.cpu).toFixed(2)}x the floor's CPU (${load()})`,
    );
  }
  console.log(`done, ${machine()}`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
