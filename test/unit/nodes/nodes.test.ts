/** Pure parts of remote engines: addresses, pins, the hardening check, the holder's executable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeAddress, pinFingerprint, pinFrom } from '../../../src/engine';
import { hardeningProblems, pauseElf } from '../../../src/nodes';
import { FIT } from './facts';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@host';

test('addresses: the transport follows from the address; bad ones say what to give', () => {
  assert.deepEqual(parseNodeAddress('ssh://root@10.0.0.2'), {
    transport: 'ssh-docker',
    host: '10.0.0.2',
    port: 22,
    user: 'root',
    socketPath: '',
    url: 'ssh://root@10.0.0.2:22',
  });
  const podman = parseNodeAddress('ssh://runner@h.example:2222/run/user/990/podman/podman.sock');
  assert.equal(podman.transport, 'ssh-podman');
  assert.equal(podman.socketPath, '/run/user/990/podman/podman.sock');
  assert.equal(podman.port, 2222);
  assert.equal(parseNodeAddress('tcp://10.0.0.3:2376').transport, 'tls');
  for (const bad of ['ssh://10.0.0.2', 'http://h:2375', 'ssh://u:pw@h', 'tcp://u@h:2376', 'ssh://u@h/etc/passwd', 'not an address'])
    assert.throws(
      () => parseNodeAddress(bad),
      (e: { code?: string }) => e.code === 'INVALID_INPUT',
      bad,
    );
});

test('pins: an OpenSSH key line (comment dropped, type checked against the blob), a certificate SHA-256', () => {
  const pin = pinFrom('ssh-docker', ED25519);
  assert.deepEqual(pin, { kind: 'ssh-host-key', key: ED25519.split(' ').slice(0, 2).join(' ') });
  assert.match(pinFingerprint(pin), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.throws(() => pinFrom('ssh-docker', ED25519.replace('ssh-ed25519', 'ssh-rsa')), /not an OpenSSH public key/);
  assert.throws(() => pinFrom('ssh-docker', 'garbage'), /not an OpenSSH public key/);
  const sha = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':');
  assert.deepEqual(pinFrom('tls', sha), { kind: 'tls-cert-sha256', sha256: sha.toUpperCase() });
  assert.throws(() => pinFrom('tls', 'not a certificate'), /not a PEM X.509 certificate/);
});

test('a node that cannot apply the hardening is named with each reason', () => {
  assert.deepEqual(hardeningProblems(FIT), []);
  assert.deepEqual(hardeningProblems({ ...FIT, apiVersion: '1.52' }), []);
  const problems = hardeningProblems({ ...FIT, seccomp: false, pidsLimit: false, cgroupVersion: '', apiVersion: '1.40', arch: 'arm64' });
  assert.equal(problems.length, 5, problems.join('; '));
  assert.ok(problems.some((p) => /seccomp/.test(p)));
  assert.ok(problems.some((p) => /processes/.test(p)));
});

test('the holder executable is a 129-byte static ELF that waits until killed', async (t) => {
  const elf = pauseElf();
  assert.equal(elf.length, 129);
  assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  if (process.arch !== 'x64') return t.skip(`SKIP: the holder is amd64 and this machine is ${process.arch}`);
  const dir = mkdtempSync(join(tmpdir(), 'holder-'));
  try {
    const path = join(dir, 'pause');
    writeFileSync(path, elf);
    chmodSync(path, 0o755);
    const child = spawn(path, [], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const early = await Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    assert.equal(early, 'waiting', 'it keeps running');
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
