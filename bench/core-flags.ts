/**
 * Imported first by the benches that measure the core in their own process: when this process was
 * not started with the core's Node flags (CORE_NODE_FLAGS: the service's units and the CLI's shebang
 * start the core with them), it runs the same bench again with them, waits for it and exits with its
 * status, so every figure is the product's. V8 reads these flags only when a process starts.
 */
import { spawnSync } from 'node:child_process';
import { CORE_NODE_FLAGS } from '../src/kernel/process';

const missing = CORE_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
if (missing.length > 0) {
  const child = spawnSync(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
console.log(`(node ${CORE_NODE_FLAGS.join(' ')}: the core's Node flags)`);
