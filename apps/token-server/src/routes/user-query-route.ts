import { Type } from 'typebox';
import { adminGate } from '../admin/admin-token.js';
import { countUsers, searchUsers, USER_SUB_PATTERN, type UserFilter } from '../admin/user-search.js';
import { TokenServerError } from '../errors.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import { foldUsername } from '../users/username.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

/** At most this many ids per query, and users per answer. */
const MAX_IDS = 100;

const Listed = Type.Union([
  Type.String({ maxLength: 4_096 }),
  Type.Array(Type.String({ maxLength: 4_096 }), { maxItems: MAX_IDS }),
]);

const UserQueryQuery = Type.Object(
  {
    id: Type.Optional(Listed),
    username: Type.Optional(Type.String({ maxLength: 320 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone_number: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);

/** CloudBase's `SimpleUserProfile` (`@cloudbase/oauth` models.d.ts): `name` is always a string. */
const SimpleUserProfile = Type.Object({
  sub: Type.String(),
  name: Type.String(),
  picture: Type.Optional(Type.String()),
  gender: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  phone_number: Type.Optional(Type.String()),
});

/**
 * The ids the official client sends: `queryUserProfile({ id: ['a', 'b'] })` serialises the array
 * as one comma-joined value (`id=a%2Cb`, its MyURLSearchParams); a hand-written call may repeat `id`.
 */
function idsOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = (Array.isArray(value) ? value : [value])
    .flatMap((joined) => joined.split(','))
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) return undefined;
  if (ids.length > MAX_IDS) throw new TokenServerError('invalid_request', `at most ${MAX_IDS} ids per query`);
  // Anything that is not a user sub matches nobody; keep the parameter list to real candidates.
  return [...new Set(ids)].filter((id) => USER_SUB_PATTERN.test(id));
}

/**
 * `GET /auth/v1/user/query` — CloudBase's user query (`@cloudbase/oauth` `queryUserProfile`,
 * `ApiUrls.USER_QUERY_URL`): `id` (one or more subs), `username`, `email`, `phone_number`, combined
 * with AND; answers `{ total, data: SimpleUserProfile[] }` (at most 100, newest first). Looking
 * other users up by phone or email is an enumeration oracle, so here it is an admin call: a
 * client_credentials token with the `admin` scope (CloudBase's server-side credentials), like the
 * rest of `/auth/v1/admin/…`.
 */
export const userQueryRoute: RoutePlugin = (app, services) => {
  const gate = adminGate(services);
  app.addHook('onRequest', gate.onRequest);
  app.get(
    '/auth/v1/user/query',
    {
      schema: {
        summary: 'Query users (CloudBase)',
        description: 'CloudBase GET /auth/v1/user/query (`queryUserProfile`); admin token required',
        tags: ['admin'],
        querystring: UserQueryQuery,
        response: {
          200: Type.Object({ total: Type.Integer(), data: Type.Array(SimpleUserProfile) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const query = request.query as {
        id?: string | string[];
        username?: string;
        email?: string;
        phone_number?: string;
      };
      const filter: UserFilter = {};
      const ids = idsOf(query.id);
      if (ids !== undefined) filter.subs = ids;
      if (query.username) filter.username = foldUsername(query.username);
      if (query.email) filter.email = parseEmailInput(query.email);
      if (query.phone_number) filter.phoneNumber = parsePhoneInput(query.phone_number).stored;
      if (Object.keys(filter).length === 0) {
        throw new TokenServerError('invalid_request', 'give id, username, email or phone_number');
      }
      if (filter.subs?.length === 0) return { total: 0, data: [] };
      const [rows, total] = await Promise.all([
        // searchUsers fetches limit + 1 rows (to see whether a page follows): MAX_IDS in all.
        searchUsers(services.db, filter, { limit: MAX_IDS - 1, after: undefined }),
        countUsers(services.db, filter),
      ]);
      return {
        total,
        data: rows.map((row) => ({
          sub: row.sub,
          name: row.name ?? row.username_display ?? row.username ?? '',
          ...(row.picture === null ? {} : { picture: row.picture }),
          ...(row.gender === null ? {} : { gender: row.gender }),
          ...(row.locale === null ? {} : { locale: row.locale }),
          ...(row.email === null ? {} : { email: row.email }),
          ...(row.phone_number === null ? {} : { phone_number: row.phone_number }),
        })),
      };
    },
  );
};
