/**
 * Settings of the browser-facing authorization step. Constants for now: the login page (a later
 * feature) will serve `loginPagePath` and may move these into the server configuration.
 */
export interface AuthorizationOptions {
  /** Where `/auth/v1/authorize` sends the browser: `${issuer}${loginPagePath}?interaction=<id>`. */
  loginPagePath: string;
  /** Accept `code_challenge_method=plain` (RFC 7636 §4.2). Off: it protects nothing if the request leaks. */
  allowPlainPkce: boolean;
  /** Require PKCE from confidential clients too (it is always required from public ones, RFC 9700 §2.1.1). */
  requirePkceForConfidential: boolean;
}

export const DEFAULT_AUTHORIZATION_OPTIONS: Readonly<AuthorizationOptions> = {
  loginPagePath: '/login',
  allowPlainPkce: false,
  requirePkceForConfidential: false,
};

/** The query parameter carrying the interaction id to the login page. */
export const INTERACTION_QUERY_PARAM = 'interaction';
