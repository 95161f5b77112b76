import { contract } from '../../api/contract';

/** The role names, read from the contract's own schema so they can never drift from the core's. */
export const ROLE_NAMES = contract['users.add'].input.shape.roles.element.options;
export type RoleName = (typeof ROLE_NAMES)[number];

export const ROLE_LABELS: Readonly<Record<RoleName, string>> = {
  admin: 'Admin',
  operator: 'Operator',
  auditor: 'Auditor',
  viewer: 'Viewer',
};

export function roleList(roles: readonly RoleName[], separator = ', '): string {
  return roles.map((r) => ROLE_LABELS[r]).join(separator);
}
