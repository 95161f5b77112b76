/** Whether a process with this pid still runs (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The Node flags the core's processes run with: the service's systemd units, the CLI's shebang and
 * `npm run cli` (test/unit/main/packaging.test.ts holds them to this list), and the benches, which
 * re-run themselves with them so their figures are the product's.
 * `--max-semi-space-size=32` (MiB; V8's default on 64-bit is 16): a long export or import makes
 * short-lived objects by the million, and with the default young generation a large share of them
 * outlive a scavenge and are promoted, so the old generation fills and is collected again and again.
 * bench/audit: the first export of 1M events in a process took 1.9 s less CPU (11.1 s -> 9.2 s). The
 * young generation grows to this size only under that kind of load and shrinks again when idle.
 * It must be given on the command line (or NODE_OPTIONS): V8 sizes the heap when the process
 * starts, and v8.setFlagsFromString later does not raise the limit.
 */
export const CORE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
