/** Operations: users. */
import { z } from 'zod';
import { op } from './define';
import { empty, newPassword, ok, roles, userInfo, userName } from './schemas';

export const usersOps = {
  'users.list': op({
    summary: 'Every user and their roles.',
    access: 'users.manage',
    mutates: false,
    input: empty,
    output: z.object({ users: z.array(userInfo) }),
  }),
  'users.add': op({
    summary: 'Add a user with roles and a first password (to be changed at first sign-in).',
    access: 'users.manage',
    mutates: true,
    secretFields: ['password'],
    input: z.object({ name: userName, roles, password: newPassword }).strict(),
    output: userInfo,
  }),
  'users.remove': op({
    summary: 'Remove a user; rotates every key they could unwrap.',
    access: 'users.manage',
    mutates: true,
    input: z.object({ name: userName }).strict(),
    output: ok,
  }),
  'users.setRoles': op({
    summary: "Replace a user's roles; losing a role rotates keys.",
    access: 'users.manage',
    mutates: true,
    input: z.object({ name: userName, roles }).strict(),
    output: userInfo,
  }),
  'users.resetPassword': op({
    summary: "Reset another user's password; they must change it at next sign-in.",
    access: 'users.manage',
    mutates: true,
    secretFields: ['password'],
    input: z.object({ name: userName, password: newPassword }).strict(),
    output: ok,
  }),
} as const;
