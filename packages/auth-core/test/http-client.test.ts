import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import { HttpError, httpRequest, isRetryableStatus, requestJson } from '../src/index.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/json':
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ ok: true, method: request.method }));
        return;
      case '/status':
        response.statusCode = Number(url.searchParams.get('code'));
        response.end('{"error":"nope"}');
        return;
      case '/malformed':
        response.end('{"truncated": ');
        return;
      case '/cut-token':
        // A token endpoint whose answer was cut off mid-body: valid-looking secret, invalid JSON.
        response.end('{"access_token":"ACCESS-TOKEN-abc123","expires_in":');
        return;
      case '/hang':
        return; // never answers
      case '/partial':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"queued":'); // headers and half a body, then nothing
        return;
      case '/reset':
        request.socket.destroy();
        return;
      case '/echo': {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        request.on('end', () =>
          response.end(JSON.stringify({ body, type: request.headers['content-type'] })),
        );
        return;
      }
      default:
        response.statusCode = 404;
        response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('httpRequest', () => {
  it('parses JSON and sends bodies', async () => {
    await expect(requestJson({ url: `${base}/json` })).resolves.toMatchObject({
      status: 200,
      body: { ok: true, method: 'GET' },
    });
    const echoed = await requestJson({
      url: `${base}/echo`,
      method: 'POST',
      body: new URLSearchParams({ a: '1', b: '中' }),
    });
    expect(echoed.body).toEqual({
      body: 'a=1&b=%E4%B8%AD',
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    });
  });

  it('classifies statuses and keeps the body as a non-enumerable payload', async () => {
    const error = await failure(httpRequest({ url: `${base}/status?code=503` }));
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.payload).toBe('{"error":"nope"}');
    expect(JSON.stringify(error)).not.toContain('nope');
    const client = await failure(httpRequest({ url: `${base}/status?code=400` }));
    expect(client.retryable).toBe(false);
  });

  it('returns accepted non-2xx statuses for platforms that put errors in 4xx bodies', async () => {
    const response = await httpRequest({ url: `${base}/status?code=400`, acceptStatus: () => true });
    expect(response.status).toBe(400);
    expect(response.text).toBe('{"error":"nope"}');
  });

  it('reports malformed JSON as HTTP_BAD_RESPONSE', async () => {
    const error = await failure(requestJson({ url: `${base}/malformed` }));
    expect(error.code).toBe('HTTP_BAD_RESPONSE');
    expect(error.payload).toBe('{"truncated": ');
  });

  it('keeps a malformed body out of the error message (regression: it quoted the first 40 characters)', async () => {
    const error = await failure(requestJson({ url: `${base}/cut-token` }));
    expect(error.code).toBe('HTTP_BAD_RESPONSE');
    expect(error.message).not.toContain('ACCESS-TOKEN');
    expect(JSON.stringify(error)).not.toContain('ACCESS-TOKEN');
    expect(error.payload).toBe('{"access_token":"ACCESS-TOKEN-abc123","expires_in":');
  });

  it('times out a hanging server as HTTP_TIMEOUT that may have been processed', async () => {
    const error = await failure(httpRequest({ url: `${base}/hang`, timeoutMs: 200 }));
    expect(error.code).toBe('HTTP_TIMEOUT');
    expect(error.message).toBe(`GET ${new URL(base).host} timed out after 200 ms`);
    expect(error.mayHaveBeenProcessed).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.networkCode).toBeUndefined();
  });

  it('reports a reset connection as HTTP_NETWORK (outcome unknown)', async () => {
    const error = await failure(httpRequest({ url: `${base}/reset` }));
    expect(error.code).toBe('HTTP_NETWORK');
    expect(error.mayHaveBeenProcessed).toBe(true);
    // undici reports a socket closed before the answer as UND_ERR_SOCKET ("other side closed").
    expect(error.networkCode).toBe('UND_ERR_SOCKET');
  });

  it('reports a refused connection as HTTP_CONNECT_FAILED: certainly never sent', async () => {
    const port = await closedPort();
    const error = await failure(httpRequest({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('HTTP_CONNECT_FAILED');
    expect(error.mayHaveBeenProcessed).toBe(false);
    expect(error.networkCode).toBe('ECONNREFUSED');
  });

  it('reports a connect timeout as HTTP_CONNECT_FAILED with networkCode UND_ERR_CONNECT_TIMEOUT', async () => {
    // A connect timeout is hard to provoke on loopback: reject the way undici does.
    const error = await failure(
      httpRequest({
        url: 'https://platform.invalid/x',
        fetch: async () => {
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
          });
        },
      }),
    );
    expect(error.code).toBe('HTTP_CONNECT_FAILED');
    expect(error.networkCode).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(error.mayHaveBeenProcessed).toBe(false);
  });

  it('reports a caller abort as HTTP_ABORTED', async () => {
    const controller = new AbortController();
    const pending = httpRequest({ url: `${base}/hang`, signal: controller.signal, timeoutMs: 5_000 });
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('HTTP_ABORTED');
    expect(error.retryable).toBe(false);
  });

  it('an abort before sending is HTTP_ABORTED that certainly was not processed (regression: it claimed it may have been)', async () => {
    let fetched = 0;
    const error = await failure(
      httpRequest({
        url: `${base}/json`,
        signal: AbortSignal.abort(),
        fetch: async (input, init) => {
          fetched += 1;
          return fetch(input, init);
        },
      }),
    );
    expect(error.code).toBe('HTTP_ABORTED');
    expect(error.mayHaveBeenProcessed).toBe(false);
    expect(error.message).toMatch(/before it was sent; nothing reached the server/);
    expect(error.message).not.toMatch(/may have/);
    expect(fetched).toBe(0);
  });

  it('an abort in flight says the server may have processed it (and mayHaveBeenProcessed is true)', async () => {
    const controller = new AbortController();
    const pending = httpRequest({ url: `${base}/hang`, signal: controller.signal, timeoutMs: 5_000 });
    setTimeout(() => controller.abort(), 20);
    const error = await failure(pending);
    expect(error.code).toBe('HTTP_ABORTED');
    expect(error.mayHaveBeenProcessed).toBe(true);
    expect(error.message).toMatch(/may have processed it/);
  });

  it('an abort while the body streams in is HTTP_ABORTED with the status, not a retryable HTTP_NETWORK (regression)', async () => {
    const controller = new AbortController();
    const error = await failure(
      httpRequest({
        url: `${base}/partial`,
        signal: controller.signal,
        timeoutMs: 5_000,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          controller.abort(); // the answer has arrived; the caller gives up mid-body
          return response;
        },
      }),
    );
    expect(error.code).toBe('HTTP_ABORTED');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(200);
    expect(error.mayHaveBeenProcessed).toBe(true);
  });

  it('uses the injected fetch', async () => {
    const seen: string[] = [];
    const response = await httpRequest({
      url: 'https://platform.invalid/x',
      fetch: async (input) => {
        seen.push(String(input));
        return new Response('hi', { status: 200 });
      },
    });
    expect(seen).toEqual(['https://platform.invalid/x']);
    expect(response.text).toBe('hi');
  });

  it('leaves no timer or abort listener behind for an invalid URL (regression: the timeout timer leaked)', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      let listeners = 0;
      const add = controller.signal.addEventListener.bind(controller.signal);
      controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
        listeners += 1;
        return add(...args);
      }) as typeof add;
      await expect(httpRequest({ url: 'not a url', signal: controller.signal })).rejects.toThrow(TypeError);
      expect(vi.getTimerCount()).toBe(0);
      expect(listeners).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [408, true],
    [409, true],
    [425, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [200, false],
  ])('%i -> %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});
