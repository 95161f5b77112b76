/**
 * A finished run in a real encrypted store whose issues, report and log hold one example of every
 * detector, the vault's values and the task's sensitive configuration value (the corpus of
 * test/unit/redact/seeded.ts), for the LLM egress path's tests. The bundle's catalog record declares
 * the sensitive variable, as an import of that bundle would write it.
 */
import type { Core } from '../../../src/api/core';
import { parseCodebundleYaml } from '../../../src/bundles';
import { insertBundle } from '../../../src/bundles/catalog';
import { RunRecords } from '../../../src/runner';
import { hex, NOW } from '../../helpers/bundles';
import { SEEDED, SENSITIVE_VALUES, seededLog } from '../../unit/redact/seeded';

const CODEBUNDLE = `apiVersion: airgap-runner.io/v1
name: llm-fixture
version: 1.0.0
description: Fixture for the LLM egress tests.
maintainer: Tests <tests@airgap-runner.invalid>
tasks:
  - id: check-fleet
    title: Check the database fleet
    tags: [access:read-only, data:fleet]
    access: read-only
    command: [/bin/sh, /codebundle/check.sh]
    config:
      - { name: CUSTOMER, type: string, sensitive: true }
      - { name: REGION, type: string, default: eu-west }
    secrets:
      - { name: kubeconfig }
`;

export const FIXTURE_RUN_ID = 'r-llmfixture';

/** Inserts the bundle and a finished run with seeded issues, report and log; returns the run id. */
export function seedRun(core: Core, id = FIXTURE_RUN_ID): string {
  const db = core.store.db;
  const codebundle = parseCodebundleYaml(Buffer.from(CODEBUNDLE));
  if (!db.prepare('SELECT 1 FROM bundles WHERE digest = ?').get(hex('7'))) {
    insertBundle(db, {
      name: codebundle.name,
      version: codebundle.version,
      digest: hex('7'),
      indexDigest: null,
      imageId: hex('8'),
      engineTag: 'airgap-runner/llm-fixture:test',
      description: codebundle.description,
      maintainer: codebundle.maintainer,
      codebundle,
      size: 1,
      source: { kind: 'layout', location: '/nowhere', ref: 'llm-fixture:1.0.0', insecure: false },
      signature: { format: 'none', signerFingerprint: null, signedDigest: null },
      importedAt: NOW,
      importedBy: 'user:op',
    });
  }
  const runs = new RunRecords(db);
  runs.insert({
    id,
    bundle: { name: codebundle.name, version: codebundle.version, digest: hex('7') },
    imageId: hex('8'),
    task: { id: 'check-fleet', title: 'Check the database fleet', access: 'read-only' },
    startedBy: 'op',
    reason: null,
    config: { values: { CUSTOMER: SENSITIVE_VALUES[0]!, REGION: 'eu-west' }, files: {}, secrets: { kubeconfig: 'kubeconfig' } },
    state: 'running',
    approvalRequired: false,
    instanceId: 'test',
    createdAt: NOW,
    timeoutSeconds: 60,
  });
  const at = (s: (typeof SEEDED)[number]) => s.line.split('\n')[0]!;
  runs.finish(id, {
    outcome: 'failed',
    endedAt: NOW,
    exitCode: 1,
    issues: [
      {
        severity: 2,
        title: `Replica lag on ${SEEDED.find((s) => s.rule === 'host')!.value}`,
        expected: 'lag below 5 s',
        actual: `lag 93 s; peer ${SEEDED.find((s) => s.rule === 'ipv4')!.value}`,
        reproduceHint: 'SELECT now() - pg_last_xact_replay_timestamp();',
        nextSteps: `Mail ${SEEDED.find((s) => s.rule === 'email')!.value}; see ${SEEDED.find((s) => s.rule === 'site:ticket')!.value}`,
        details: at(SEEDED.find((s) => s.rule === 'url-password')!),
        taskName: 'check-fleet',
        observedAt: NOW,
      },
    ],
    report: [
      {
        obj: `Checked ${SEEDED.find((s) => s.rule === 'aws-arn')!.value} and ${SEEDED.find((s) => s.rule === 'gcp-resource-name')!.value}`,
        fmt: 'p',
        taskName: 'check-fleet',
      },
    ],
  });
  const lines = seededLog()
    .trimEnd()
    .split('\n')
    .map((text, i) => ({ seq: i + 1, time: NOW, stream: 'stdout' as const, text }));
  runs.appendLogs(id, lines);
  return id;
}
