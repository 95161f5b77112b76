/** The handler table: one entry per operation of the contract (a missing one fails to compile). */
import type { HandlerTable } from './types';
import { systemHandlers } from './system';
import { authHandlers } from './auth';
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
import { healthHandlers } from './health';
import { retentionHandlers } from './retention';
import { summaryHandlers } from './summaries';

export const handlers: HandlerTable = {
  ...systemHandlers,
  ...authHandlers,
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
  ...healthHandlers,
  ...retentionHandlers,
  ...summaryHandlers,
};
