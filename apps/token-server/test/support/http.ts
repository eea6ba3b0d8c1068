import type { TokenServerApp } from '../../src/app.js';

export interface TokenCall {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | number | undefined>;
}

/** POST /auth/v1/token as JSON (the default), form, or CloudBase's text/plain JSON. */
export async function postToken(
  app: TokenServerApp,
  params: Record<string, string>,
  options: { as?: 'json' | 'form' | 'text'; headers?: Record<string, string>; query?: string } = {},
): Promise<TokenCall> {
  const as = options.as ?? 'json';
  const response = await app.inject({
    method: 'POST',
    url: `/auth/v1/token${options.query ?? ''}`,
    headers: {
      'content-type':
        as === 'form'
          ? 'application/x-www-form-urlencoded'
          : as === 'text'
            ? 'text/plain;charset=UTF-8'
            : 'application/json',
      ...options.headers,
    },
    payload: as === 'form' ? new URLSearchParams(params).toString() : JSON.stringify(params),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}
