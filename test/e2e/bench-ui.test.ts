/**
 * bench/ui must keep running (issue 19: it hung for a session because its hand-written stand-in no
 * longer answered what the run view asked). This runs it with tiny sizes, as a user would, and checks
 * it finishes and prints its figures; the stand-in it uses answers every operation of the contract
 * (test/unit/api/contract-samples.test.ts), and a stage that stalls fails with what the page called.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build-renderer';
import { CHROMIUM } from './browser';

const SKIP = existsSync(CHROMIUM) ? false : `SKIP: no Chromium at ${CHROMIUM} (Debian's chromium package) to run bench/ui in`;
if (SKIP) console.log(`bench-ui.test.ts: ${SKIP}`);

function runBench(args: string[], deadlineMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'ui.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench/ui ${args.join(' ')} was still running after ${deadlineMs / 1000} s:\n${out}`));
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('bench/ui with tiny sizes', { skip: SKIP, timeout: 300_000 }, () => {
  it('opens the run view and the catalog, and prints every figure', async () => {
    const { code, out } = await runBench(['--lines', '1500', '--tasks', '40'], 280_000);
    assert.equal(code, 0, `bench/ui exited with ${code}:\n${out}`);
    assert.match(out, /1,500 log lines, 40 tasks/);
    assert.match(out, /1,500 lines: +first paint \d+\.\d ms/);
    assert.match(out, /all lines known: .*\(1,500 lines, \d+ rows in the DOM\)/);
    assert.match(out, /memory, after a search: +JS heap [\d.]+ MiB/);
    assert.match(out, /memory growth vs 1,000 lines: -?[\d.]+ MiB/);
    assert.match(out, /40 tasks: +median \d+\.\d ms/);
  });
});
