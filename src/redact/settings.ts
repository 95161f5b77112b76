/** The redaction engine's settings: the site's own domains, and the rule set each egress path applies. */
import { z } from 'zod';
import type { SettingsBlock } from '../kernel';
import { RULE_SET_IDS } from './rules';

/** A DNS name: labels of letters, digits and inner "-", joined by dots (linear to match). */
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const REDACT_SETTINGS = {
  'redact.siteDomains': {
    schema: z.array(z.string().max(253).regex(DOMAIN, 'a domain name like corp.example.com')).max(64),
    default: [] as string[],
  },
  'redact.ruleSet.runsExport': { schema: z.enum(RULE_SET_IDS), default: 'default' },
  'redact.ruleSet.auditExport': { schema: z.enum(RULE_SET_IDS), default: 'default' },
  'redact.ruleSet.llm': { schema: z.enum(RULE_SET_IDS), default: 'default' },
} as const satisfies SettingsBlock;
