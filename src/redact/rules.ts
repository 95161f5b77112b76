/**
 * The built-in rules of the redaction engine (docs/redaction.md) and the rule sets that say what each
 * one does. Rules with a literal start (`-----BEGIN`, `eyJ`, `AKIA`, `arn:`) search for their rarest
 * part; the others are anchored on the text's shared ':', '=' and '.' (./candidates) or validated
 * in code (./detectors).
 */
import type { RedactAction, RuleSetId } from './types';
import { arnCandidates, assignmentCandidates, bearerCandidates, ipv4Candidates, sasCandidates, ya29Candidates } from './candidates';
import { emailDetector, ipv6Detector, regexDetector, urlPasswordDetector, type Detector } from './detectors';
import { prefixCandidates } from './scan';
export { RULE_SET_IDS, type RuleSetId } from './types';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Every spelling `aws_?secret_?access_?key` allows. */
const AWS_SECRET_WORDS = ['aws', 'aws_'].flatMap((a) =>
  ['secret', 'secret_'].flatMap((b) => ['access', 'access_'].map((c) => `${a}${b}${c}key`)),
);

/**
 * Built-in detectors in priority order: on overlap the earlier one wins. Each regex is tried only
 * where a match can start (its `candidates`, from a search for its rarest literal or from the text's
 * ":", "=" and "." shared by all), which finds exactly what the regex finds scanning every position.
 */
export function builtinDetectors(): Detector[] {
  return [
    {
      ...regexDetector(
        'private-key',
        'key',
        /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
        { maxLength: 64 * 1024, candidates: prefixCandidates('BEGIN ', 5, ['-----BEGIN ']) },
      ),
      multiline: true,
    },
    regexDetector('jwt', 'jwt', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, {
      maxLength: 16 * 1024,
      candidates: prefixCandidates('J', 2, ['eyJ']),
    }),
    regexDetector('bearer', 'token', /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{8,}=*)/g, {
      group: 1,
      maxLength: 8192,
      candidates: bearerCandidates,
    }),
    regexDetector('aws-access-key-id', 'aws-key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, {
      candidates: prefixCandidates('A', 0, ['AKIA', 'ASIA', 'ABIA', 'ACCA']),
    }),
    regexDetector(
      'aws-secret-key',
      'aws-secret',
      /(?:aws_?secret_?access_?key|secretaccesskey|secret_key)["']?\s*[=:]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
      { group: 1, candidates: assignmentCandidates([...AWS_SECRET_WORDS, 'secretaccesskey', 'secret_key']) },
    ),
    regexDetector('gcp-api-key', 'gcp-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, {
      candidates: prefixCandidates('za', 2, ['AIza']),
    }),
    regexDetector('gcp-oauth-token', 'token', /\bya29\.[0-9A-Za-z_-]{20,}/g, { maxLength: 4096, candidates: ya29Candidates }),
    regexDetector('azure-sas-signature', 'token', /[?&]sig=([A-Za-z0-9%/+=]{16,})/g, { group: 1, candidates: sasCandidates }),
    urlPasswordDetector(),
    regexDetector(
      'password-assignment',
      'password',
      /\b(?:password|passwd|pwd|accountkey|sharedaccesskey|client_secret|api_?key)["']?\s*[=:]\s*["']?([^\s;'"&,]{1,512})/gi,
      {
        group: 1,
        accept: (v) => !/^\*+$|^\[MASKED/.test(v),
        candidates: assignmentCandidates([
          'password',
          'passwd',
          'pwd',
          'accountkey',
          'sharedaccesskey',
          'client_secret',
          'api_key',
          'apikey',
        ]),
      },
    ),
    emailDetector(),
    regexDetector('aws-arn', 'arn', /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[A-Za-z0-9/_+=.,@:*-]+/g, {
      candidates: arnCandidates,
    }),
    regexDetector(
      'azure-resource-id',
      'azure',
      /\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:\/resourceGroups\/[^/\s"']+)?(?:\/providers\/[^\s"',;]+)?/gi,
    ),
    regexDetector('gcp-resource-name', 'gcp', /\bprojects\/[a-z][a-z0-9-]{4,28}[a-z0-9](?:\/[a-zA-Z]+\/[^/\s"',;]+)*/g, {
      candidates: prefixCandidates('jects/', 3, ['projects/']),
    }),
    ipv6Detector(),
    regexDetector('ipv4', 'ip', new RegExp(`(?<![\\w.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?![\\d]|\\.\\d)`, 'g'), {
      maxLength: 15,
      candidates: ipv4Candidates,
    }),
  ];
}

/** Rule ids that hold secrets (masked in every rule set; the preview never shows their originals). */
export const SECRET_RULES: ReadonlySet<string> = new Set([
  'vault',
  'sensitive',
  'private-key',
  'jwt',
  'bearer',
  'aws-access-key-id',
  'aws-secret-key',
  'gcp-api-key',
  'gcp-oauth-token',
  'azure-sas-signature',
  'url-password',
  'password-assignment',
]);

/** Identifiers: pseudonymised by `default`, so the same host is the same token in every export. */
export const IDENTIFIER_RULES: ReadonlySet<string> = new Set([
  'email',
  'aws-arn',
  'azure-resource-id',
  'gcp-resource-name',
  'ipv4',
  'ipv6',
  'host',
]);

export interface RuleSetDefinition {
  name: string;
  /** Bumped whenever what the rule set does changes; manifests record it with the site hash. */
  version: string;
  description: string;
  /** Action for a built-in rule; `site` is how site patterns' own actions are treated. */
  action(rule: string, siteAction: RedactAction): RedactAction;
}

export const RULE_SETS: Record<RuleSetId, RuleSetDefinition> = {
  default: {
    name: 'default',
    version: '1',
    description: 'Secrets masked, identifiers (hosts, addresses, e-mail, cloud resource ids) pseudonymised, site patterns as each says.',
    action: (rule, siteAction) => (rule.startsWith('site:') ? siteAction : IDENTIFIER_RULES.has(rule) ? 'pseudonymise' : 'mask'),
  },
  strict: {
    name: 'strict',
    version: '1',
    description: 'Everything any rule finds is masked; site patterns that drop still drop.',
    action: (rule, siteAction) => (rule.startsWith('site:') && siteAction === 'drop' ? 'drop' : 'mask'),
  },
};
