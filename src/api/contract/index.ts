/**
 * The one typed contract (ARCHITECTURE.md): every operation and subscription with its zod
 * schemas and the permission it needs. IPC, the CLI and the test harness dispatch through it.
 * Pure data: no Node modules, so the preload and renderer may import it.
 */
import { z } from 'zod';
import { sub } from './define';
import { auditEvent, empty } from './schemas';
import { systemOps } from './system';
import { authOps } from './auth';
import { identityOps } from './identity';
import { usersOps } from './users';
import { settingsOps } from './settings';
import { storeOps } from './store';
import { auditOps } from './audit';
import { bundlesOps, bundlesSubscriptions } from './bundles';
import { auditExportOps, auditExportSubscriptions } from './audit-export';
import { runsExportOps, runsOps, runsSubscriptions } from './runs';
import { redactOps } from './redact';
import { vaultOps } from './vault';
import { networksOps } from './networks';
import { nodesOps } from './nodes';
import { schedulesOps } from './schedules';
import { sshCaOps } from './ssh-ca';
import { healthOps } from './health';
import { retentionOps } from './retention';
import { summariesOps } from './summaries';
import { attentionSubscriptions } from './attention';
import { totpOps } from './totp';

export const contract = {
  ...systemOps,
  ...authOps,
  ...identityOps,
  ...usersOps,
  ...settingsOps,
  ...storeOps,
  ...auditOps,
  ...bundlesOps,
  ...auditExportOps,
  ...runsOps,
  ...runsExportOps,
  ...redactOps,
  ...vaultOps,
  ...networksOps,
  ...nodesOps,
  ...schedulesOps,
  ...sshCaOps,
  ...healthOps,
  ...retentionOps,
  ...summariesOps,
  ...totpOps,
} as const;

export const subscriptions = {
  'audit.events': sub({
    summary: 'Events as they are appended to the chain.',
    access: 'audit.read',
    input: empty,
    event: auditEvent,
  }),
  ...bundlesSubscriptions,
  ...runsSubscriptions,
  ...auditExportSubscriptions,
  ...attentionSubscriptions,
} as const;

export type Contract = typeof contract;
export type OpName = keyof Contract;
export type OpInput<N extends OpName> = z.input<Contract[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Contract[N]['output']>;
export type Subscriptions = typeof subscriptions;
export type SubName = keyof Subscriptions;
export type SubInput<N extends SubName> = z.input<Subscriptions[N]['input']>;
export type SubEvent<N extends SubName> = z.output<Subscriptions[N]['event']>;

export const OP_NAMES = Object.keys(contract) as OpName[];
export const SUB_NAMES = Object.keys(subscriptions) as SubName[];

/** The boundary's error and result shapes, so clients without the core (renderer, preload) type them from here. */
export type { ApiErrorShape, ErrorCode, Result } from '../../kernel/model';
/** Constants clients show or check against (run states for filters, the preview's size limit). */
export { RUN_STATES, RUN_OUTCOMES } from './runs';
export { MAX_PREVIEW_TEXT } from './redact';
/** The closed sets the CLI's help and shell completion offer (roles, rule sets, egress paths, actions). */
export { ROLES } from '../../identity/model';
export { RULE_SET_IDS, EGRESS_PATHS, REDACT_ACTIONS } from '../../redact/model';
export { MIRROR_TAG_KINDS } from './bundles';
export { SCHEDULE_STATUSES, WEEKDAY_NAMES } from './schedules';
export { TOTP_CODE_REQUIRED, isTotpChallenge } from './totp';
export { signInRefusal, type SignInRefusal } from '../../identity/model';
export { SLO_STATES } from './health';
export type { Permission } from '../permissions';
