import { Type } from 'typebox';
import { adminGate } from '../admin/admin-token.js';
import { AdminUserSchema, adminUserView } from '../admin/admin-user-view.js';
import { decodeCursor, pageSize, timeBound, toPage } from '../admin/page-cursor.js';
import { blockUser, endUserSessions, unblockUser } from '../admin/user-blocking.js';
import { createUserAsAdmin } from '../admin/user-creation.js';
import { searchUsers, USER_SUB_PATTERN, type UserFilter, userPosition } from '../admin/user-search.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import type { UserRow } from '../users/user-repository.js';
import { foldUsername } from '../users/username.js';
import { absentBodyAsEmpty } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const STATUSES = ['ACTIVE', 'PENDING', 'BLOCKED'] as const;

export const UsersQuery = Type.Object(
  {
    sub: Param(32),
    username: Param(320),
    phone_number: Param(64),
    email: Param(320),
    status: Param(16),
    created_from: Param(64),
    created_to: Param(64),
    cursor: Param(256),
    limit: Param(8),
  },
  { additionalProperties: true },
);

const SubParams = Type.Object({ sub: Type.String({ maxLength: 64 }) });

const CreateUserBody = Type.Object(
  {
    username: Param(256),
    phone_number: Param(64),
    email: Param(320),
    password: Param(1_024),
    name: Param(256),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  },
  { additionalProperties: true },
);

const UserPage = Type.Object({
  data: Type.Array(AdminUserSchema),
  next_cursor: Type.Optional(Type.String({ description: 'absent on the last page' })),
});

const SessionsEnded = Type.Object({ sub: Type.String(), ended_sessions: Type.Integer() });
const StatusAnswer = Type.Object({
  sub: Type.String(),
  status: Type.Union(STATUSES.map((status) => Type.Literal(status))),
  ended_sessions: Type.Optional(Type.Integer()),
});

const text = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** The query string's filters in the stored forms the table is searched by. */
export function userFilterOf(query: Record<string, string | undefined>): UserFilter {
  const filter: UserFilter = {};
  const sub = text(query.sub);
  if (sub !== undefined) filter.subs = [sub];
  const username = text(query.username);
  if (username !== undefined) filter.username = foldUsername(username);
  const phone = text(query.phone_number);
  if (phone !== undefined) filter.phoneNumber = parsePhoneInput(phone).stored;
  const email = text(query.email);
  if (email !== undefined) filter.email = parseEmailInput(email);
  const status = text(query.status);
  if (status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(status)) {
      throw new TokenServerError('invalid_request', 'status must be ACTIVE, PENDING or BLOCKED');
    }
    filter.status = status as UserRow['status'];
  }
  const from = timeBound('created_from', text(query.created_from));
  if (from !== undefined) filter.createdFrom = from;
  const to = timeBound('created_to', text(query.created_to));
  if (to !== undefined) filter.createdTo = to;
  return filter;
}

function subOf(params: unknown): string {
  const { sub } = params as { sub: string };
  // Not a user's sub at all (service accounts included): no query needed to know there is none.
  if (!USER_SUB_PATTERN.test(sub)) throw new TokenServerError('user_not_found', 'no user with this sub');
  return sub;
}

async function existingUser(services: Services, sub: string) {
  const row = await services.users.findBySub(sub);
  if (!row) throw new TokenServerError('user_not_found', 'no user with this sub');
  return adminUserView(row);
}

/**
 * The admin API over users (`/auth/v1/admin/users…`), for a client_credentials token with the
 * `admin` scope (admin-token.ts): query with filters and keyset pages, read one, create, block,
 * unblock, end all sessions. Every change is audited with the admin client as `client_id`.
 */
export const adminUserRoutes: RoutePlugin = (app, services) => {
  const gate = adminGate(services);
  app.addHook('onRequest', gate.onRequest);
  const schema = (summary: string, description: string, extra: Record<string, unknown>) => ({
    summary,
    description,
    tags: ['admin'],
    ...extra,
  });

  app.get(
    '/auth/v1/admin/users',
    {
      schema: schema(
        'Query users',
        'Filters (all optional, combined with AND): sub, username, phone_number, email, status, created_from ' +
          '(inclusive), created_to (exclusive). Newest first; `limit` 1–100 (default 20); pass `next_cursor` ' +
          'back as `cursor` with the same filters for the next page.',
        { querystring: UsersQuery, response: { 200: UserPage, ...ERROR_RESPONSES } },
      ),
    },
    async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const filter = userFilterOf(query);
      const limit = pageSize(text(query.limit));
      const after = decodeCursor(text(query.cursor), USER_SUB_PATTERN);
      const rows = await searchUsers(services.db, filter, { limit, after });
      const page = toPage(rows, limit, userPosition);
      return {
        data: page.rows.map(adminUserView),
        ...(page.nextCursor === undefined ? {} : { next_cursor: page.nextCursor }),
      };
    },
  );

  app.get(
    '/auth/v1/admin/users/:sub',
    {
      schema: schema('Get one user', 'user_not_found (404) when there is none.', {
        params: SubParams,
        response: { 200: AdminUserSchema, ...ERROR_RESPONSES },
      }),
    },
    async (request) => existingUser(services, subOf(request.params)),
  );

  app.post(
    '/auth/v1/admin/users',
    {
      schema: schema(
        'Create a user',
        'One of username, phone_number ("+86 13800138000", "13800138000") or email is required; password ' +
          '(under the password policy), name and groups are optional. username_already_exists or ' +
          'user_already_exists (409) when the table already holds the identifier.',
        { body: CreateUserBody, response: { 200: AdminUserSchema, ...ERROR_RESPONSES } },
      ),
    },
    async (request) => {
      const caller = gate.callerOf(request);
      const body = request.body as {
        username?: string;
        phone_number?: string;
        email?: string;
        password?: string;
        name?: string;
        groups?: string[];
      };
      const input = {
        ...(text(body.username) === undefined ? {} : { username: body.username }),
        ...(text(body.phone_number) === undefined ? {} : { phone_number: body.phone_number }),
        ...(text(body.email) === undefined ? {} : { email: body.email }),
        ...(text(body.password) === undefined ? {} : { password: body.password }),
        ...(text(body.name) === undefined ? {} : { name: body.name }),
        ...(body.groups === undefined ? {} : { groups: body.groups }),
      };
      const row = await createUserAsAdmin(services, input);
      await services.audit.record({
        kind: 'admin_user_created',
        clientId: caller.clientId,
        sub: row.sub,
        ip: caller.ip,
        // Which identifiers it got, never their values (no phone number or email in the log).
        detail: {
          by: caller.sub,
          username: row.username !== null,
          phone_number: row.phone_number !== null,
          email: row.email !== null,
          password: row.password_hash !== null,
        },
      });
      return adminUserView(row);
    },
  );

  app.post(
    '/auth/v1/admin/users/:sub/block',
    {
      preValidation: absentBodyAsEmpty,
      schema: schema(
        'Block a user',
        'Status BLOCKED and every session ended in one transaction; refresh, every sign-in path, userinfo ' +
          'and introspection refuse the user from then on.',
        { params: SubParams, response: { 200: StatusAnswer, ...ERROR_RESPONSES } },
      ),
    },
    async (request) => blockUser(services, subOf(request.params), gate.callerOf(request)),
  );

  app.post(
    '/auth/v1/admin/users/:sub/unblock',
    {
      preValidation: absentBodyAsEmpty,
      schema: schema(
        'Unblock a user',
        'BLOCKED → ACTIVE; the user may sign in again (nothing ended comes back).',
        {
          params: SubParams,
          response: { 200: StatusAnswer, ...ERROR_RESPONSES },
        },
      ),
    },
    async (request) => unblockUser(services, subOf(request.params), gate.callerOf(request)),
  );

  app.post(
    '/auth/v1/admin/users/:sub/sessions/end',
    {
      preValidation: absentBodyAsEmpty,
      schema: schema(
        'End all of a user’s sessions',
        'Every refresh family and login session of the user ends (its access tokens are refused at once); ' +
          'the account stays ACTIVE.',
        { params: SubParams, response: { 200: SessionsEnded, ...ERROR_RESPONSES } },
      ),
    },
    async (request) => endUserSessions(services, subOf(request.params), gate.callerOf(request)),
  );
};
