import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { requireUser } from '../user/current-user.js';
import { applyProfileChanges, type ProfileChanges } from '../user/profile-changes.js';
import { UserProfileSchema, userProfile } from '../user/user-profile.js';
import { absentBodyAsEmpty } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES } from './schemas.js';

/** A profile field: a string to set, `null` (or `''`) to clear. */
const Field = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

const ProfileFields = {
  name: Field(256),
  picture: Field(2_048),
  gender: Field(16),
  locale: Field(64),
  username: Type.Optional(Type.String({ maxLength: 256 })),
};

/** CloudBase's `UserProfile` carries more (birthdate, zoneinfo, address…): accepted and not stored. */
const ProfileBody = Type.Object(ProfileFields, { additionalProperties: true });

/** CloudBase's `ModifyUserBasicInfoRequest`: `nickname` and `avatar_url` are its names for name and picture. */
const BasicEditBody = Type.Object(
  {
    ...ProfileFields,
    nickname: Field(256),
    avatar_url: Field(2_048),
    user_id: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: true },
);

type ProfileBodyValue = Record<string, string | null | undefined>;

function changesOf(body: ProfileBodyValue): ProfileChanges {
  const changes: ProfileChanges = {};
  const name = body.name !== undefined ? body.name : body.nickname;
  const picture = body.picture !== undefined ? body.picture : body.avatar_url;
  if (name !== undefined) changes.name = name;
  if (picture !== undefined) changes.picture = picture;
  if (body.gender !== undefined) changes.gender = body.gender;
  if (body.locale !== undefined) changes.locale = body.locale;
  if (typeof body.username === 'string') changes.username = body.username;
  return changes;
}

/** basic/edit's password and contact fields have endpoints of their own, with their own proofs. */
const ELSEWHERE: Record<string, string> = {
  password: 'PATCH /auth/v1/user/password',
  new_password: 'PATCH /auth/v1/user/password',
  encrypt_password: 'PATCH /auth/v1/user/password',
  encrypt_new_password: 'PATCH /auth/v1/user/password',
  email: 'PATCH /auth/v1/user/contact',
  phone: 'PATCH /auth/v1/user/contact',
  phone_number: 'PATCH /auth/v1/user/contact',
};

/**
 * `PATCH /auth/v1/user/profile` (CloudBase; answers the updated profile) and
 * `POST /auth/v1/user/basic/edit` (CloudBase; answers `{}`): name, picture (https only), gender
 * (MALE, FEMALE, UNKNOWN), locale (BCP 47) and username (unique after NFKC and case folding, as at
 * sign-up). Anonymous users may set name, picture, gender and locale.
 */
export const userProfileRoutes: RoutePlugin = (app, services) => {
  app.patch(
    '/auth/v1/user/profile',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Change the signed-in user’s profile',
        description: 'CloudBase PATCH /auth/v1/user/profile',
        tags: ['user'],
        body: ProfileBody,
        response: { 200: UserProfileSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { user } = await requireUser(request, services);
      const changes = changesOf(request.body as ProfileBodyValue);
      if (changes.username !== undefined && user.is_anonymous)
        throw new TokenServerError(
          'failed_precondition',
          'an anonymous user picks a username when signing up',
        );
      return userProfile(services, await applyProfileChanges(services, user, changes));
    },
  );

  app.post(
    '/auth/v1/user/basic/edit',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Change the signed-in user’s basic information',
        description: 'CloudBase POST /auth/v1/user/basic/edit',
        tags: ['user'],
        body: BasicEditBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { user } = await requireUser(request, services);
      const body = request.body as ProfileBodyValue;
      for (const [field, where] of Object.entries(ELSEWHERE)) {
        if (Object.hasOwn(body, field) && body[field] !== '' && body[field] !== undefined)
          throw new TokenServerError('invalid_request', `${field} is changed with ${where}`);
      }
      if (body.user_id !== undefined && body.user_id !== '' && body.user_id !== user.sub)
        throw new TokenServerError('permission_denied', 'a user may change only their own information');
      const changes = changesOf(body);
      if (changes.username !== undefined && user.is_anonymous)
        throw new TokenServerError(
          'failed_precondition',
          'an anonymous user picks a username when signing up',
        );
      await applyProfileChanges(services, user, changes);
      return {};
    },
  );
};
