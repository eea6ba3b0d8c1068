import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import type { Services } from '../services.js';
import { appendSetCookie, type CookiePolicy, requestCookie, serializeCookie } from './cookies.js';

/** 32 random bytes as base64url: what we set, and so the only shape we accept back. */
const BROWSER_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface BrowserBinding {
  /** The cookie's value (never stored; needed to derive the device-start CSRF token). */
  token: string;
  /** SHA-256 of the value: what an interaction row stores. */
  hash: string;
}

/**
 * The browser that opened an interaction, identified by a random HttpOnly cookie. An interaction row
 * stores the cookie's hash, and every interaction call must carry the same cookie: an interaction id
 * that leaks (history, Referer, a shoulder) is useless in another browser.
 */
export function currentBrowser(request: FastifyRequest, policy: CookiePolicy): BrowserBinding | undefined {
  const token = requestCookie(request, policy.names.browser);
  if (token === undefined || !BROWSER_TOKEN.test(token)) return undefined;
  return { token, hash: hashToken(token) };
}

/**
 * The current browser binding, or a new one set on the reply. The cookie's lifetime is renewed each
 * time, so it outlives every interaction this browser has open.
 */
export function ensureBrowser(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  policy: CookiePolicy,
): BrowserBinding {
  const binding =
    currentBrowser(request, policy) ??
    (() => {
      const token = newOpaqueToken(services.random);
      return { token, hash: hashToken(token) };
    })();
  appendSetCookie(
    reply,
    serializeCookie(policy.names.browser, binding.token, {
      maxAge: services.config.lifetimes.interaction,
      secure: policy.secure,
    }),
  );
  return binding;
}
