import { Type } from 'typebox';
import type { UserRow } from '../users/user-repository.js';

/** `users` columns the admin view reads (later migrations' columns included). */
export type AdminUserRow = UserRow & {
  email_verified?: boolean;
  phone_number_verified?: boolean;
  last_seen_at?: Date | null;
};

/**
 * A user as the admin API shows it: CloudBase's profile field names (`phone_number`, `created_at`
 * …) plus the account state an operator needs (`status`, `is_anonymous`, `last_seen_at`). Never the
 * password hash; absent values are omitted rather than null.
 */
export const AdminUserSchema = Type.Object({
  sub: Type.String(),
  username: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  email_verified: Type.Optional(Type.Boolean()),
  phone_number: Type.Optional(Type.String()),
  phone_number_verified: Type.Optional(Type.Boolean()),
  picture: Type.Optional(Type.String()),
  gender: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('PENDING'), Type.Literal('BLOCKED')]),
  groups: Type.Array(Type.String()),
  is_anonymous: Type.Boolean(),
  has_password: Type.Boolean(),
  created_at: Type.String({ description: 'ISO 8601' }),
  updated_at: Type.String({ description: 'ISO 8601' }),
  last_seen_at: Type.Optional(Type.String({ description: 'ISO 8601: the last sign-in' })),
});

export type AdminUser = {
  sub: string;
  username?: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  picture?: string;
  gender?: string;
  locale?: string;
  status: UserRow['status'];
  groups: string[];
  is_anonymous: boolean;
  has_password: boolean;
  created_at: string;
  updated_at: string;
  last_seen_at?: string;
};

export function adminUserView(row: AdminUserRow): AdminUser {
  const view: AdminUser = {
    sub: row.sub,
    status: row.status,
    groups: row.groups,
    is_anonymous: row.is_anonymous,
    has_password: row.password_hash !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
  const username = row.username_display ?? row.username;
  if (username !== null) view.username = username;
  if (row.name !== null) view.name = row.name;
  if (row.email !== null) {
    view.email = row.email;
    if (row.email_verified !== undefined) view.email_verified = row.email_verified;
  }
  if (row.phone_number !== null) {
    view.phone_number = row.phone_number;
    if (row.phone_number_verified !== undefined) view.phone_number_verified = row.phone_number_verified;
  }
  if (row.picture !== null) view.picture = row.picture;
  if (row.gender !== null) view.gender = row.gender;
  if (row.locale !== null) view.locale = row.locale;
  if (row.last_seen_at instanceof Date) view.last_seen_at = row.last_seen_at.toISOString();
  return view;
}
