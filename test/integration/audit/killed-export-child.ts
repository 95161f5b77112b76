/**
 * Run as a child process by partials.test.ts: starts a real audit export (the writer the core uses,
 * with the core's journal of partial files in HOME) into MEDIA/audit.tar.gz and is killed with
 * SIGKILL in the middle of writing events, as a pulled plug or `kill -9` would.
 * Usage: node --import tsx killed-export-child.ts HOME MEDIA
 */
import { join } from 'node:path';
import { genesisPrevHash, type AuditEvent } from '../../../src/audit/chain';
import { writeExportBundle } from '../../../src/audit/export-bundle';
import { generateIdentity } from '../../../src/audit/identity';
import { PartialFiles } from '../../../src/store';
import { makeChain, WORKSTATION } from '../../unit/audit/helpers';

const [home, media] = process.argv.slice(2) as [string, string];
const chain = makeChain(20_000);

function* killedHalfway(): Iterable<AuditEvent> {
  for (const [i, event] of chain.entries()) {
    if (i === 10_000) process.kill(process.pid, 'SIGKILL');
    yield event;
  }
}

await writeExportBundle({
  events: killedHalfway(),
  outPath: join(media, 'audit.tar.gz'),
  identity: await generateIdentity({ kind: 'ec', commonName: 'Killed export', workstationId: WORKSTATION }),
  exportId: 'exp-killed',
  previousExportId: null,
  firstPrevHash: genesisPrevHash(WORKSTATION),
  workstationId: WORKSTATION,
  createdAt: new Date(),
  journal: new PartialFiles(home),
});
