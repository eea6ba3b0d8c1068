import { type Static, Type } from 'typebox';
import type { Services } from '../services.js';
import { listUserIdentities } from '../social/identity-repository.js';
import type { FullUserRow } from './current-user.js';

/** CloudBase's `UserProfile` (`@cloudbase/oauth` models), as `GET /auth/v1/user/me` answers it. */
export const UserProfileSchema = Type.Object(
  {
    sub: Type.String(),
    name: Type.Optional(Type.String()),
    picture: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    email_verified: Type.Optional(Type.Boolean()),
    phone_number: Type.Optional(Type.String()),
    phone_number_verified: Type.Optional(Type.Boolean()),
    gender: Type.Optional(Type.String()),
    locale: Type.Optional(Type.String()),
    providers: Type.Array(
      Type.Object({
        id: Type.String(),
        provider_user_id: Type.String(),
        name: Type.Optional(Type.String()),
        picture: Type.Optional(Type.String()),
      }),
    ),
    status: Type.String(),
    groups: Type.Array(Type.Object({ id: Type.String() })),
    is_anonymous: Type.Boolean(),
    has_password: Type.Boolean(),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { additionalProperties: false },
);

export type UserProfile = Static<typeof UserProfileSchema>;

/**
 * The profile of a user: absent fields are omitted, never `null` (the official client tests them
 * for truthiness); `groups` in CloudBase's `[{ id }]` form; the platform identities bound to the
 * account in `providers`. Never the password hash — only whether there is one.
 */
export async function userProfile(services: Services, user: FullUserRow): Promise<UserProfile> {
  const profile: UserProfile = {
    sub: user.sub,
    providers: await listUserIdentities(services.db, user.sub),
    status: user.status,
    groups: user.groups.map((id) => ({ id })),
    is_anonymous: user.is_anonymous,
    has_password: user.password_hash !== null,
    created_at: new Date(user.created_at).toISOString(),
    updated_at: new Date(user.updated_at).toISOString(),
  };
  const username = user.username_display ?? user.username;
  if (user.name) profile.name = user.name;
  if (user.picture) profile.picture = user.picture;
  if (username) profile.username = username;
  if (user.email) {
    profile.email = user.email;
    profile.email_verified = user.email_verified;
  }
  if (user.phone_number) {
    profile.phone_number = user.phone_number;
    profile.phone_number_verified = user.phone_number_verified;
  }
  if (user.gender) profile.gender = user.gender;
  if (user.locale) profile.locale = user.locale;
  return profile;
}
