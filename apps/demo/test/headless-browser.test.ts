// The demo's stand-in for a browser: the platform pages' markup may change (attribute order,
// quoting, entities) and the interaction cookie must come back exactly as a browser would send it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../src/headless-browser.js';

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; cookie?: string; origin?: string; body: string }> = [];

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const body = await read(request);
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      body,
      ...(request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie }),
      ...(request.headers.origin === undefined ? {} : { origin: request.headers.origin }),
    });
    if (request.url === '/start') {
      response.writeHead(302, {
        location: '/login?interaction=abc',
        'set-cookie': ['binding=b1; Path=/auth/v1/interaction; HttpOnly; SameSite=Lax', 'old=x; Max-Age=0'],
      });
      response.end();
    } else if (request.url === '/forget') {
      response.writeHead(200, { 'set-cookie': 'binding=; Max-Age=0; Path=/' });
      response.end('{}');
    } else if (request.url?.startsWith('/authorize') && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><form class="f" action='/authorize/submit?x=1&amp;y=2' method="post">
<input value="wx5a1d&#38;0001" type="hidden" name="appid">
<input name='state' type='hidden' value='s&quot;1'>
<input type="radio" name="user" value="alice" checked>
<input type="text" name="ignored" value="no">
<button type="submit" name="decision" value="allow">Allow</button></form>`);
    } else if (request.url?.startsWith('/authorize/submit')) {
      response.writeHead(302, { location: 'http://127.0.0.1:1/callback?code=c1&state=s' });
      response.end();
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('not a redirect');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the headless browser', () => {
  it('keeps cookies per origin, drops expired ones, and sends Origin on POSTs only', async () => {
    const browser = new HeadlessBrowser();
    const landed = await browser.follow(`${base}/start`);
    expect(landed.href).toBe(`${base}/login?interaction=abc`);
    await browser.fetch(`${base}/page`);
    await browser.fetch(`${base}/api`, { method: 'POST', body: '{}' });
    expect(seen.at(-2)).toMatchObject({ method: 'GET', cookie: 'binding=b1' });
    expect(seen.at(-2)?.origin).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ method: 'POST', cookie: 'binding=b1', origin: base, body: '{}' });
    await browser.fetch(`${base}/forget`);
    await browser.fetch(`${base}/page`);
    expect(seen.at(-1)?.cookie).toBeUndefined();
    await expect(browser.follow(`${base}/page`)).rejects.toThrow('/page answered 200, not a redirect');
  });

  it('submits a platform page form in any attribute order and quoting, hidden fields decoded', async () => {
    const browser = new HeadlessBrowser();
    const back = await browser.consentAtPlatform(`${base}/authorize?appid=wx`, 'bob');
    expect(back.href).toBe('http://127.0.0.1:1/callback?code=c1&state=s');
    const post = seen.at(-1);
    expect(post).toMatchObject({ method: 'POST', url: '/authorize/submit?x=1&y=2', origin: base });
    expect(Object.fromEntries(new URLSearchParams(post?.body))).toEqual({
      appid: 'wx5a1d&0001',
      state: 's"1',
      user: 'bob',
      decision: 'allow',
    });
  });
});
