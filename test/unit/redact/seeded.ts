/**
 * A log seeded with one example of every detector, vault values (and their base64) and sensitive
 * configuration values, for the corpus tests: whatever egress path it goes through, none of the
 * seeded values may come out (docs/redaction.md).
 */

export const SITE_DOMAINS = ['corp.example.com'];
export const SITE_PATTERN = { name: 'ticket', regex: 'TCK-\\d{4,8}', action: 'pseudonymise' as const };

export const VAULT_VALUES = [
  'vault-canary-9d1e77c0-kubeconfig-token',
  'apiVersion: v1\nusers:\n- name: ops\n  token: vault-multiline-5b2f0e9a11c3\n',
];
export const SENSITIVE_VALUES = ['sensitive-canary-customer-4471'];

const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF',
  'p4Q3bEDfx9KJrPZqMOnG0zYRm0pKxLWNdsGAiArbUEqaVQtUWq5Eo8YPjFnN1sgr',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** rule id -> the value that must not come out (the whole match, or the secret part of it). */
export const SEEDED: ReadonlyArray<{ rule: string; value: string; line: string }> = [
  { rule: 'private-key', value: 'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn', line: `loaded key:\n${PEM}` },
  {
    rule: 'jwt',
    value: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMtYm90IiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNlZWRlZA',
    line: 'session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMtYm90IiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNlZWRlZA accepted',
  },
  { rule: 'bearer', value: 'opaque-bearer-3c9a7e51f0', line: 'GET /api/v1/pods Authorization: Bearer opaque-bearer-3c9a7e51f0' },
  { rule: 'aws-access-key-id', value: 'AKIAZ7SEEDEDKEY12345', line: 'using AWS access key AKIAZ7SEEDEDKEY12345 for s3' },
  {
    rule: 'aws-secret-key',
    value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEEDEDKEY1',
    line: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEEDEDKEY1',
  },
  { rule: 'gcp-api-key', value: 'AIzaSyDseeded0123456789abcdefghijklmnop', line: 'maps key=AIzaSyDseeded0123456789abcdefghijklmnop' },
  {
    rule: 'gcp-oauth-token',
    value: 'ya29.a0AfH6SMseededOAuthToken0123456789',
    line: 'token ya29.a0AfH6SMseededOAuthToken0123456789 expires in 3599s',
  },
  {
    rule: 'azure-sas-signature',
    value: 'seededSASsig0123456789abcdef%3D',
    line: 'blob https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sig=seededSASsig0123456789abcdef%3D',
  },
  { rule: 'url-password', value: 'UrlPassw0rd-seeded', line: 'connecting to postgres://app:UrlPassw0rd-seeded@10.20.30.40:5432/inventory' },
  { rule: 'password-assignment', value: 'C0nnStr-seeded!', line: 'Server=sql01;Database=cmdb;User Id=sa;Password=C0nnStr-seeded!;' },
  { rule: 'email', value: 'jane.doe@customer-mail.org', line: 'notified jane.doe@customer-mail.org about the restart' },
  { rule: 'aws-arn', value: 'arn:aws:iam::210987654321:role/SeededAdmin', line: 'assumed arn:aws:iam::210987654321:role/SeededAdmin' },
  {
    rule: 'azure-resource-id',
    value:
      '/subscriptions/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/resourceGroups/rg-seeded/providers/Microsoft.Compute/virtualMachines/vm-seeded',
    line: 'vm /subscriptions/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/resourceGroups/rg-seeded/providers/Microsoft.Compute/virtualMachines/vm-seeded is running',
  },
  {
    rule: 'gcp-resource-name',
    value: 'projects/seeded-project-42/zones/europe-west1-b/instances/db-seeded',
    line: 'instance projects/seeded-project-42/zones/europe-west1-b/instances/db-seeded stopped',
  },
  { rule: 'ipv4', value: '192.168.77.201', line: 'peer 192.168.77.201 unreachable at 12:34:56' },
  { rule: 'ipv6', value: 'fd12:3456:789a::77', line: 'listening on [fd12:3456:789a::77]:8443 since 10:11:12' },
  { rule: 'host', value: 'db-seeded-01.corp.example.com', line: 'resolved db-seeded-01.corp.example.com in 3 ms' },
  { rule: 'site:ticket', value: 'TCK-775533', line: 'see ticket TCK-775533 for the change' },
  { rule: 'vault', value: VAULT_VALUES[0]!, line: `token in env: ${VAULT_VALUES[0]}` },
  {
    rule: 'vault',
    value: Buffer.from(VAULT_VALUES[0]!).toString('base64'),
    line: `encoded: ${Buffer.from(VAULT_VALUES[0]!).toString('base64')}`,
  },
  { rule: 'vault', value: 'vault-multiline-5b2f0e9a11c3', line: `kubeconfig:\n${VAULT_VALUES[1]}` },
  {
    rule: 'vault',
    value: Buffer.from(VAULT_VALUES[1]!).toString('base64'),
    line: `b64 kubeconfig ${Buffer.from(VAULT_VALUES[1]!).toString('base64')}`,
  },
  { rule: 'sensitive', value: SENSITIVE_VALUES[0]!, line: `customer: ${SENSITIVE_VALUES[0]}` },
];

/** Ordinary lines between the seeded ones (timestamps and versions that must survive). */
export const ORDINARY = [
  '2026-11-26T09:12:44.123Z INFO scheduler tick 12:34:56 ok',
  'kubectl v1.29.3 reports 3/3 ready',
  'std::vector<int> resized to 4096',
];

export function seededLog(): string {
  const lines: string[] = [];
  SEEDED.forEach((s, i) => lines.push(ORDINARY[i % ORDINARY.length]!, s.line));
  return `${lines.join('\n')}\n`;
}

/** Seeded values found in `text` (should be none). */
export function leaks(text: string): string[] {
  return SEEDED.filter((s) => text.includes(s.value)).map((s) => `${s.rule}: ${s.value.slice(0, 40)}`);
}
