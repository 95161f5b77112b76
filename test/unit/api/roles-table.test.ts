/**
 * The permission table (src/api/permissions.ts) against the roles table of the design, kept in
 * docs/roles.md (a verbatim copy of ARCHITECTURE.md's, so the repository is self-contained).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CAPABILITY_PERMISSIONS, PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../../src/api/permissions';
import { ROLES, type Role } from '../../../src/identity/model';

function parseRolesTable(markdown: string): Array<{ capability: string; marks: Record<Role, string> }> {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]!
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
  assert.deepEqual(header, ['capability', ...ROLES], 'the table has one column per role, in ROLES order');
  return lines.slice(2).map((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    return { capability: cells[0]!, marks: Object.fromEntries(ROLES.map((r, i) => [r, cells[i + 1] ?? ''])) as Record<Role, string> };
  });
}

test('ROLE_PERMISSIONS grants each role exactly what the roles table in docs/roles.md gives it', () => {
  const rows = parseRolesTable(readFileSync(fileURLToPath(new URL('../../../docs/roles.md', import.meta.url)), 'utf8'));
  assert.deepEqual(
    rows.map((r) => r.capability),
    CAPABILITY_PERMISSIONS.map((c) => c.capability),
    'every row of the table has its permissions named in CAPABILITY_PERMISSIONS, in order',
  );
  const mapped = new Set(CAPABILITY_PERMISSIONS.flatMap((c) => c.permissions));
  assert.deepEqual(
    PERMISSIONS.filter((p) => !mapped.has(p)),
    [],
    'every permission belongs to a row of the table',
  );
  for (const role of ROLES) {
    const expected = new Set<Permission>();
    for (const [i, row] of rows.entries()) {
      const mark = row.marks[role];
      if (!mark) continue;
      const spec = CAPABILITY_PERMISSIONS[i]!;
      const note = /^✔\s*\((.+)\)$/.exec(mark)?.[1];
      if (note) {
        assert.ok(spec.partial && note in spec.partial, `the qualified mark "${mark}" of "${row.capability}" is named in its partial`);
        for (const p of spec.partial[note]!) expected.add(p);
      } else {
        assert.equal(mark, '✔', `a mark is ✔ or ✔ (note): "${mark}"`);
        for (const p of spec.permissions) expected.add(p);
      }
    }
    assert.deepEqual([...ROLE_PERMISSIONS[role]].sort(), [...expected].sort(), `the permissions of ${role}`);
  }
});
