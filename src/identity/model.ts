/**
 * Identity's pure face: the role names, as data. The contract (src/api/contract) imports this, not
 * index.ts, because the renderer and the Electron main process bundle the contract without the
 * core: nothing here may reach Node, the store or any I/O.
 */
export const ROLES = ['admin', 'operator', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
