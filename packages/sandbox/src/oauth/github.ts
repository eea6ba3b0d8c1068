import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { escapeHtml, redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { type OauthState, randomHex, randomToken, type TokenRecord } from './oauth-state.js';
import { checkPkce } from './pkce.js';
import { bearerToken, readParams, registerPlatform } from './platform-scope.js';
import type { SandboxOauthApp } from './types.js';

const CODE_TTL_MS = 10 * 60_000;
/** GitHub Apps / expiring tokens: 8 hours, refresh tokens 6 months. */
const EXPIRING_ACCESS_TTL_MS = 28_800_000;
const REFRESH_TTL_MS = 15_897_600_000;
/** Classic OAuth-app tokens do not expire; a century stands in for "never". */
const CLASSIC_TTL_MS = 100 * 365 * 86_400_000;
const TROUBLESHOOTING =
  'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
const USER_AGENT_REQUIRED =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n';

type Fields = Record<string, string | number>;

/** The token endpoint answers JSON, XML or (by default) a query string, by the Accept header. */
function tokenAnswer(request: FastifyRequest, reply: FastifyReply, fields: Fields): FastifyReply {
  const accept = request.headers.accept ?? '';
  // GitHub reports errors with HTTP 200 in every format.
  reply.code(200);
  if (accept.includes('application/json'))
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(fields));
  if (accept.includes('application/xml')) {
    const inner = Object.entries(fields)
      .map(([key, value]) => `<${key}>${escapeHtml(String(value))}</${key}>`)
      .join('');
    return reply.type('application/xml; charset=utf-8').send(`<OAuth>${inner}</OAuth>`);
  }
  const text = new URLSearchParams(
    Object.entries(fields).map(([key, value]) => [key, String(value)]),
  ).toString();
  return reply.type('application/x-www-form-urlencoded; charset=utf-8').send(text);
}

function tokenError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: string,
  description: string,
  anchor: string,
) {
  return tokenAnswer(request, reply, {
    error,
    error_description: description,
    error_uri: `${TROUBLESHOOTING}/#${anchor}`,
  });
}

export async function registerGithub(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  /** api.github.com: a User-Agent is required, then a valid token. */
  const apiToken = (request: FastifyRequest, reply: FastifyReply): TokenRecord | FastifyReply => {
    if (!request.headers['user-agent'])
      return reply.code(403).type('text/plain; charset=utf-8').send(USER_AGENT_REQUIRED);
    const check = state.checkToken('github', bearerToken(request), ['access']);
    if (check.status !== 'ok') {
      return reply.code(401).send({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    reply.header('x-oauth-scopes', (check.record.scope ?? '').split(',').filter(Boolean).join(', '));
    reply.header('x-github-media-type', 'github.v3; format=json');
    return check.record;
  };

  const issue = (found: SandboxOauthApp, userId: string, scope: string): Fields => {
    if (found.expiringTokens === true) {
      const access = state.issueToken(
        {
          token: `ghu_${randomToken(27).slice(0, 36)}`,
          platform: 'github',
          kind: 'access',
          appId: found.appId,
          userId,
          scope,
        },
        EXPIRING_ACCESS_TTL_MS,
      );
      const refresh = state.issueToken(
        {
          token: `ghr_${randomToken(54).slice(0, 76)}`,
          platform: 'github',
          kind: 'refresh',
          appId: found.appId,
          userId,
          scope,
        },
        REFRESH_TTL_MS,
      );
      return {
        access_token: access.token,
        expires_in: EXPIRING_ACCESS_TTL_MS / 1000,
        refresh_token: refresh.token,
        refresh_token_expires_in: REFRESH_TTL_MS / 1000,
        scope: '',
        token_type: 'bearer',
      };
    }
    const access = state.issueToken(
      {
        token: `gho_${randomToken(27).slice(0, 36)}`,
        platform: 'github',
        kind: 'access',
        appId: found.appId,
        userId,
        scope,
      },
      CLASSIC_TTL_MS,
    );
    return { access_token: access.token, token_type: 'bearer', scope };
  };

  const quota = (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(403)
      .header('x-ratelimit-limit', '5000')
      .header('x-ratelimit-remaining', '0')
      .header('x-ratelimit-reset', String(Math.floor(state.now() / 1000) + 3600))
      .send({
        message:
          "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)",
        documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      });

  await registerPlatform(app, context, 'github', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'github',
      paths: ['/login/oauth/authorize'],
      title: { zh: '授权 GitHub 应用', en: 'Authorize GitHub application' },
      codeTtlMs: CODE_TTL_MS,
      newCode: () => randomHex(10),
      parse(params) {
        const found = state.app('github', params.client_id);
        if (found === undefined) return { error: 'The client_id is not valid (404).' };
        const redirectUri = params.redirect_uri ?? found.redirectUris?.[0];
        if (!redirectAllowed(found, redirectUri)) {
          return { error: 'The redirect_uri MUST match the registered callback URL for this application.' };
        }
        if (params.code_challenge !== undefined && (params.code_challenge_method ?? 'S256') !== 'S256') {
          return { error: 'code_challenge_method must be S256.' };
        }
        // GitHub scopes may be space- or comma-separated; it reports them comma-separated.
        const scopes = (params.scope ?? '').split(/[\s,]+/).filter(Boolean);
        return {
          app: found,
          redirectUri: redirectUri ?? '',
          scope: scopes.join(','),
          state: params.state,
          code:
            params.code_challenge === undefined
              ? {}
              : { codeChallenge: params.code_challenge, codeChallengeMethod: 'S256' },
        };
      },
      approved: (request, code) => ({ code: code.code, state: request.state }),
      denied: (request) => ({
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri:
          'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied',
        state: request.state,
      }),
    });

    scope.post('/login/oauth/access_token', async (request, reply) => {
      const params = readParams(request);
      state.count('github', params.client_id ?? '', 'login/oauth/access_token');
      const found = state.app('github', params.client_id);
      if (found === undefined || params.client_secret !== found.secret) {
        return tokenError(
          request,
          reply,
          'incorrect_client_credentials',
          'The client_id and/or client_secret passed are incorrect.',
          'incorrect-client-credentials',
        );
      }
      if (params.grant_type === 'refresh_token') {
        const check = state.checkToken('github', params.refresh_token, ['refresh']);
        if (
          found.expiringTokens !== true ||
          check.status !== 'ok' ||
          check.record.appId !== found.appId ||
          check.record.userId === undefined
        ) {
          return tokenError(
            request,
            reply,
            'bad_refresh_token',
            'The refresh token passed is incorrect or expired.',
            'bad-refresh-token',
          );
        }
        // A refresh rotates both tokens.
        state.invalidate(check.record);
        return tokenAnswer(request, reply, issue(found, check.record.userId, check.record.scope ?? ''));
      }
      const check = state.consumeCode('github', params.code);
      if (check.status !== 'ok' || check.record.appId !== found.appId) {
        return tokenError(
          request,
          reply,
          'bad_verification_code',
          'The code passed is incorrect or expired.',
          'bad-verification-code',
        );
      }
      const code = check.record;
      if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) {
        return tokenError(
          request,
          reply,
          'redirect_uri_mismatch',
          'The redirect_uri MUST match the registered callback URL for this application.',
          'redirect-uri-mismatch2',
        );
      }
      if (checkPkce(code, params.code_verifier) !== 'ok') {
        return tokenError(
          request,
          reply,
          'bad_verification_code',
          'The code passed is incorrect or expired.',
          'bad-verification-code',
        );
      }
      return tokenAnswer(request, reply, issue(found, code.userId, code.scope));
    });

    scope.get('/user', async (request, reply) => {
      const record = apiToken(request, reply);
      if (!('token' in record)) return record;
      const user = state.user(record.userId);
      if (user === undefined)
        return reply.code(401).send({
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        });
      const nodeId = Buffer.from(`04:User${user.githubId}`).toString('base64');
      return {
        login: user.githubLogin,
        id: user.githubId,
        node_id: nodeId,
        avatar_url: `https://avatars.githubusercontent.com/u/${user.githubId}?v=4`,
        gravatar_id: '',
        url: `https://api.github.com/users/${user.githubLogin}`,
        html_url: `https://github.com/${user.githubLogin}`,
        type: 'User',
        site_admin: false,
        name: user.name,
        company: null,
        blog: '',
        location: user.city || null,
        // Null unless the user made an address public: clients must then call /user/emails.
        email: user.githubPublicEmail ?? null,
        hireable: null,
        bio: null,
        twitter_username: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      };
    });

    scope.get('/user/emails', async (request, reply) => {
      const record = apiToken(request, reply);
      if (!('token' in record)) return record;
      const scopes = (record.scope ?? '').split(',');
      const app = state.app('github', record.appId);
      // OAuth apps need user:email (or user); GitHub Apps use their email permission.
      if (app?.expiringTokens !== true && !scopes.includes('user:email') && !scopes.includes('user')) {
        return reply.code(404).send({
          message: 'Not Found',
          documentation_url:
            'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user',
          status: '404',
        });
      }
      const user = state.user(record.userId);
      if (user === undefined || user.email === null) return [];
      const isPublic = (email: string) => email === user.githubPublicEmail;
      return [
        {
          email: user.email,
          primary: true,
          verified: user.emailVerified,
          visibility: isPublic(user.email) ? 'public' : 'private',
        },
        ...(user.githubExtraEmails ?? []).map((extra) => ({
          email: extra.email,
          primary: false,
          verified: extra.verified,
          visibility: isPublic(extra.email) ? 'public' : null,
        })),
        {
          email: `${user.githubId}+${user.githubLogin}@users.noreply.github.com`,
          primary: false,
          verified: true,
          visibility: null,
        },
      ];
    });
  });
}
