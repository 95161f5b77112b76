/** The handler table: one entry per operation of the contract (a missing one fails to compile). */
import type { HandlerTable } from './types';
import { systemHandlers } from './system';
import { authHandlers } from './auth';
import { identityHandlers } from './identity';
import { userHandlers } from './users';
import { settingsHandlers } from './settings';
import { storeHandlers } from './store';
import { auditHandlers } from './audit';
import { bundleHandlers } from './bundles';
import { auditExportHandlers } from './audit-export';
import { runExportHandlers, runHandlers } from './runs';
import { redactHandlers } from './redact';
import { vaultHandlers } from './vault';
import { networkHandlers } from './networks';
import { nodeHandlers } from './nodes';
import { scheduleHandlers } from './schedules';
import { sshCaHandlers } from './ssh-ca';
import { healthHandlers } from './health';
import { retentionHandlers } from './retention';
import { summaryHandlers } from './summaries';
import { totpHandlers } from './totp';

export const handlers: HandlerTable = {
  ...systemHandlers,
  ...authHandlers,
  ...identityHandlers,
  ...userHandlers,
  ...settingsHandlers,
  ...storeHandlers,
  ...auditHandlers,
  ...bundleHandlers,
  ...auditExportHandlers,
  ...runHandlers,
  ...runExportHandlers,
  ...redactHandlers,
  ...vaultHandlers,
  ...networkHandlers,
  ...nodeHandlers,
  ...scheduleHandlers,
  ...sshCaHandlers,
  ...healthHandlers,
  ...retentionHandlers,
  ...summaryHandlers,
  ...totpHandlers,
};
