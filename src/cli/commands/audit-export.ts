import { ApiError } from '../../kernel';
import { RULE_SET_IDS } from '../../api/model';
import type { Command } from './types';
import { flag, positional, requireFlag } from '../context';
import { printFields, printJson, printTable } from '../output';
import { secretFrom, TOKEN_PIN_ENV, withTokenPin } from '../prompt';

function seqArg(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new ApiError('INVALID_INPUT', `--${name} takes an event sequence number (a whole number from 1).`);
  return n;
}

export const auditExportCommands: Command[] = [
  {
    path: ['audit', 'export'],
    area: 'audit-export',
    flags: {
      out: { value: 'FILE', help: 'The bundle to write (.tar.gz); it must not exist yet.' },
      to: { value: 'SEQ', help: 'The last event to include (else the head).' },
      redact: { value: 'RULESET', help: "Redact the events' details with this rule set.", hints: RULE_SET_IDS },
    },
    examples: ['audit export --out /media/usb/audit-2026-12-04.tar.gz'],
    usage: 'audit export --out FILE [--to SEQ] [--redact RULESET]',
    summary: 'Export the next range of the audit trail as a signed bundle (auditor).',
    run: async (ctx, args) => {
      const outPath = requireFlag(args, 'out', 'audit export --out FILE [--to SEQ] [--redact RULESET]');
      const to = flag(args, 'to');
      const redact = flag(args, 'redact');
      await ctx.signIn();
      // Progress only for a person at a terminal, never into --json output's stream.
      const tty = process.stderr.isTTY === true && !ctx.json;
      const stop = tty
        ? await ctx.subscribe('audit.exportProgress', {}, (p) => {
            process.stderr.write(
              `\r${p.phase === 'events' ? `exporting: ${p.events} events, ${(p.bytes / 1e6).toFixed(1)} MB` : p.phase}      `,
            );
          })
        : () => {};
      try {
        const out = await withTokenPin((pin) =>
          ctx.call('audit.export', {
            outPath,
            ...(to ? { toSeq: seqArg(to, 'to') } : {}),
            ...(redact ? { redact } : {}),
            ...(pin ? { pin } : {}),
          }),
        );
        if (tty) process.stderr.write('\n');
        if (ctx.json) return printJson(out);
        printFields({
          export: out.id,
          file: outPath,
          events: `${out.firstSeq}..${out.lastSeq}`,
          lastHash: out.lastHash,
          signer: out.signer,
          redaction: out.redaction ?? 'none',
          bytes: out.bytes,
        });
        for (const path of out.removedPartials)
          process.stdout.write(`Removed ${path}, an unfinished file an earlier export left when it was stopped.\n`);
        process.stdout.write(
          'Carry the file to the SIEM side and check it with "airgap-runner audit verify FILE" or dist/airgap-audit-verify.mjs.\n',
        );
      } finally {
        stop();
      }
    },
  },
  {
    path: ['audit', 'verify'],
    core: 'none',
    area: 'audit-export',
    flags: {
      ca: { value: 'CERT', help: "The organisation's CA certificate (PEM) the signer must chain to." },
      emit: { value: 'FORMAT', help: 'Also write the events for a SIEM (with --out).', choices: ['ocsf', 'cef'] },
      out: { value: 'FILE', help: 'Where --emit writes.' },
      threads: { value: 'N', help: 'Worker threads checking the events (default one per CPU, at most 4; 0: none).' },
    },
    examples: ['audit verify /media/usb/audit-2026-12-04.tar.gz', 'audit verify a.tar.gz b.tar.gz --emit ocsf --out events.json'],
    usage: 'audit verify FILE… [--ca CERT] [--json] [--emit ocsf|cef --out FILE] [--threads N]',
    summary: 'Verify export bundles: signature, files, chain, continuity. Needs no store or sign-in.',
    rawArgs: true,
    run: async (_ctx, args) => {
      // The standalone verifier needs no store and no service; loaded only for this command.
      const { runVerifierCli } = await import('../../api');
      const code = await runVerifierCli(args.positionals);
      if (code === 2) throw new ApiError('INVALID_INPUT', 'See the usage above.');
      if (code !== 0) throw new ApiError('VERIFY_FAILED', 'Verification failed (see above). Do not trust these bundles.');
    },
  },
  {
    path: ['audit', 'exports'],
    area: 'audit-export',
    examples: ['audit exports'],
    usage: 'audit exports',
    summary: 'Exports made so far and whether they were confirmed delivered.',
    run: async (ctx) => {
      const out = await ctx.call('audit.exports', {});
      if (ctx.json) return printJson(out);
      printTable(
        out.exports.map((e) => ({ ...e, range: `${e.firstSeq}..${e.lastSeq}`, delivered: e.confirmedAt ?? 'no' })),
        ['id', 'range', 'createdAt', 'createdBy', 'redaction', 'delivered'],
      );
    },
  },
  {
    path: ['audit', 'confirm'],
    area: 'audit-export',
    examples: ['audit confirm e-0123456789ab'],
    usage: 'audit confirm EXPORT_ID',
    summary: 'Confirm an export was delivered to the SIEM (auditor).',
    run: async (ctx, args) => {
      const out = await ctx.call('audit.confirm', { exportId: positional(args, 0, 'EXPORT_ID', 'audit confirm EXPORT_ID') });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Export ${out.id} (events ${out.firstSeq}..${out.lastSeq}) confirmed as delivered.\n`);
    },
  },
  {
    path: ['audit', 'prune'],
    area: 'audit-export',
    flags: { through: { value: 'SEQ', help: 'The last event to delete; a confirmed export must cover it.' } },
    examples: ['audit prune --through 1200'],
    usage: 'audit prune --through SEQ',
    summary: 'Delete events covered by a confirmed export (auditor).',
    run: async (ctx, args) => {
      const through = seqArg(requireFlag(args, 'through', 'audit prune --through SEQ'), 'through');
      const out = await ctx.call('audit.prune', { throughSeq: through });
      if (ctx.json) return printJson(out);
      process.stdout.write(`Deleted ${out.deleted} events through ${out.anchorSeq}; the chain is checked from there on.\n`);
    },
  },
  {
    path: ['audit', 'status'],
    area: 'audit',
    examples: ['audit status'],
    usage: 'audit status',
    summary: 'Chain head, last export, and whether an export is overdue.',
    run: async (ctx) => {
      const out = await ctx.call('audit.status', {});
      if (ctx.json) return printJson(out);
      printFields({
        head: out.headSeq,
        lastExport: out.lastExport ? `${out.lastExport.id} (${out.lastExport.createdAt}, through ${out.lastExport.lastSeq})` : 'never',
        unexported: out.unexportedEvents,
        overdue: out.overdue ? `YES: no export for more than ${out.overdueDays} days` : 'no',
      });
    },
  },
  {
    path: ['audit', 'identity'],
    area: 'audit-export',
    examples: ['audit identity'],
    usage: 'audit identity',
    summary: "Show the workstation's audit signing certificate and fingerprint.",
    run: async (ctx) => {
      const out = await ctx.call('audit.identity', {});
      if (ctx.json) return printJson(out);
      const { certPem, ...fields } = out;
      printFields(fields);
      process.stdout.write(certPem);
    },
  },
  {
    path: ['audit', 'identity', 'generate'],
    area: 'audit-export',
    flags: { kind: { value: 'KIND', help: 'The key type.', choices: ['rsa', 'ec'] } },
    examples: ['audit identity generate --kind ec'],
    usage: 'audit identity generate --kind rsa|ec',
    summary: 'Replace the signing identity with a new self-signed one (admin).',
    run: async (ctx, args) => {
      const kind = requireFlag(args, 'kind', 'audit identity generate --kind rsa|ec');
      const out = await ctx.call('audit.identityReplace', { generate: kind });
      if (ctx.json) return printJson(out);
      printFields({ subject: out.subject, fingerprint: out.fingerprint, key: out.keyLabel });
    },
  },
  {
    path: ['audit', 'identity', 'pkcs11'],
    area: 'audit-export',
    flags: {
      module: { value: 'PATH', help: "The token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so)." },
      token: { value: 'LABEL', help: 'The token label.' },
      'key-label': { value: 'LABEL', help: 'The label of the EC P-256 key pair on the token.' },
      generate: { help: 'Make the key pair on the token first (it never leaves the token).' },
    },
    examples: [
      'audit identity pkcs11 --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --token audit-hsm --key-label audit-2026 --generate',
    ],
    usage: 'audit identity pkcs11 --module PATH --token LABEL --key-label LABEL [--generate]',
    summary: `Sign audit exports with a key on a PKCS#11 token (admin). PIN: ${TOKEN_PIN_ENV} or a prompt, asked at each export, never stored.`,
    run: async (ctx, args) => {
      const usage = 'audit identity pkcs11 --module PATH --token LABEL --key-label LABEL [--generate]';
      const pkcs11 = {
        module: requireFlag(args, 'module', usage),
        token: requireFlag(args, 'token', usage),
        keyLabel: requireFlag(args, 'key-label', usage),
      };
      await ctx.signIn();
      const pin = await secretFrom(TOKEN_PIN_ENV, `PIN of the token ${pkcs11.token}: `);
      const out = await withTokenPin((oldPin) =>
        ctx.call('audit.identityReplace', {
          pkcs11,
          pin,
          ...(flag(args, 'generate') === 'true' ? { generateKey: true } : {}),
          ...(oldPin ? { oldPin } : {}),
        }),
      );
      if (ctx.json) return printJson(out);
      printFields({ subject: out.subject, fingerprint: out.fingerprint, key: `${out.keyLabel} on token ${pkcs11.token}` });
    },
  },
  {
    path: ['audit', 'identity', 'import'],
    area: 'audit-export',
    examples: ['audit identity import workstation.p12'],
    usage: 'audit identity import FILE.p12',
    summary:
      "Replace the signing identity with one from the organisation's CA (admin). Password: AIRGAP_RUNNER_PKCS12_PASSWORD or a prompt.",
    run: async (ctx, args) => {
      const file = positional(args, 0, 'FILE.p12', 'audit identity import FILE.p12');
      await ctx.signIn();
      const password = await secretFrom('AIRGAP_RUNNER_PKCS12_PASSWORD', `Password of ${file}: `);
      const out = await ctx.call('audit.identityReplace', { pkcs12File: file, password });
      if (ctx.json) return printJson(out);
      printFields({ subject: out.subject, issuer: out.issuer, fingerprint: out.fingerprint, key: out.keyLabel });
    },
  },
];
