// A stand-in for the token server, for the README examples' runs: the few /auth/v1 endpoints they
// call, answering CloudBase's shapes (the examples also run against the real server, in
// apps/token-server/test/auth-client/readme-examples.test.ts). Device codes are approved at the
// second poll; /authorize redirects straight back with a code (no login page here).
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface StandIn {
  url: string;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  let serial = 0;
  const polls = new Map<string, number>();
  const tokens = () => {
    serial += 1;
    return {
      token_type: 'Bearer',
      access_token: `at-${serial}`,
      refresh_token: `rt-${serial}`,
      expires_in: 7200,
      scope: 'user',
      sub: '9876543210123456789',
    };
  };
  const read = async (request: IncomingMessage) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    return text ? (JSON.parse(text) as Record<string, string>) : {};
  };
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const body = request.method === 'POST' ? await read(request) : {};
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const route = `${request.method} ${url.pathname}`;
    if (route === 'POST /auth/v1/signin') {
      if (body.password !== 'DemoPass123!@#')
        return send(400, { error: 'invalid_username_or_password', error_code: 4043 });
      return send(200, tokens());
    }
    if (route === 'GET /auth/v1/user/me') {
      if (!request.headers.authorization?.startsWith('Bearer at-'))
        return send(401, { error: 'unauthenticated', error_code: 4013 });
      return send(200, { sub: '9876543210123456789', username: 'zhangsan', name: '张三' });
    }
    if (route === 'POST /auth/v1/device/code') {
      return send(200, {
        device_code: `lpd.${serial}`,
        user_code: 'BCDF-GHJK',
        verification_uri: `http://${request.headers.host}/device`,
        verification_uri_complete: `http://${request.headers.host}/device?user_code=BCDF-GHJK`,
        expires_in: 600,
        interval: 1,
      });
    }
    if (route === 'GET /auth/v1/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'code-1');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(303, { location: back.href }).end();
      return;
    }
    if (route === 'POST /auth/v1/token') {
      if (body.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
        const count = (polls.get(body.device_code ?? '') ?? 0) + 1;
        polls.set(body.device_code ?? '', count);
        return count < 2
          ? send(400, { error: 'authorization_pending', error_code: 4007 })
          : send(200, tokens());
      }
      return send(200, tokens());
    }
    if (route === 'POST /auth/v1/revoke') return send(200, {});
    return send(404, { error: 'not_found', error_code: 4040 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
