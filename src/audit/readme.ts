/** The README.txt inside every export bundle: what the receiving side does with it. */

export interface ReadmeFacts {
  exportId: string;
  previousExportId: string | null;
  workstationId: string;
  createdAt: string;
  signer: { fingerprint: string; subject: string };
  fileName: string;
}

export function exportReadme(facts: ReadmeFacts): string {
  const previous = facts.previousExportId
    ? `It continues export ${facts.previousExportId}: verify the two together to prove nothing is missing between them.`
    : 'It is the first export of this workstation: its first event is the genesis event.';
  return `Airgap Runner audit export ${facts.exportId}
Workstation ${facts.workstationId}, created ${facts.createdAt}.
${previous}

Files
  events.jsonl        the audit events, one canonical JSON object per line, hash-chained
  manifest.json       range, first prevHash and last hash, SHA-256 and size of every other file
  manifest.json.p7s   detached CMS signature of manifest.json by the workstation's audit identity
  README.txt          this file

Signer (as claimed; confirm the fingerprint out of band, never from this file)
  ${facts.signer.subject}
  SHA-256 fingerprint ${facts.signer.fingerprint}

Verify everything (signature, file hashes, the chain, continuity with earlier exports)
  With the standalone verifier, which needs only Node.js 20 or later, no network and no install:
    node airgap-audit-verify.mjs ${facts.fileName} [EARLIER_EXPORTS.tar.gz ...] --ca SIGNER_OR_CA.pem
  Exit status 0: verified. 1: verification failed (the first problem is printed). 2: usage error.
  Add --json for a machine-readable report, or --emit ocsf|cef --out FILE to hand verified events
  to a SIEM. Without --ca the verifier reports the signer's fingerprint for you to compare.

Verify the signature and file hashes with OpenSSL only (this does not check the chain)
  mkdir export && tar -xzf ${facts.fileName} -C export && cd export
  openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json \\
    -CAfile SIGNER_OR_CA.pem -out /dev/null
  sha256sum events.jsonl README.txt     (compare with "files" in manifest.json)

SIGNER_OR_CA.pem is the workstation's certificate (self-signed identity) or the issuing CA's
certificate, obtained from the workstation's administrator, not from this archive.
`;
}
