import { AuthClientError, isTransient } from './auth-client-error.js';
import type { Credentials, TokenResponse } from './credentials.js';

/** `POST /auth/v1/device/code`'s answer (RFC 8628 §3.2; CloudBase `deviceAuthorize`). */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  /** The older CloudBase spelling, sent beside `verification_uri`. */
  verification_url?: string;
  expires_in: number;
  interval?: number;
}

/** A started device login: show `user_code` at `verification_uri`, then `wait()` for the approval. */
export interface DeviceLogin extends Omit<DeviceAuthorization, 'device_code'> {
  interval: number;
  /**
   * Polls the token endpoint every `interval` seconds (5 s more after each `slow_down`, RFC 8628
   * §3.5) until the user approves (the credentials are stored and returned), denies
   * (`access_denied`) or the code expires (`expired_token`). Network failures and 5xx answers are
   * retried at the interval. Rejects with `aborted` when `signal` fires.
   */
  wait(signal?: AbortSignal): Promise<Credentials>;
}

export interface DeviceLoginHost {
  call(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
  clientId: string;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  store(response: TokenResponse): Promise<Credentials>;
}

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export async function startDeviceLogin(
  host: DeviceLoginHost,
  params: { scope?: string },
  signal?: AbortSignal,
): Promise<DeviceLogin> {
  const started = host.now();
  const answer = (await host.call(
    'device/code',
    { client_id: host.clientId, ...(params.scope ? { scope: params.scope } : {}) },
    signal,
  )) as DeviceAuthorization;
  const { device_code: deviceCode, ...shown } = answer;
  let interval = answer.interval ?? 5;
  const deadline = started + answer.expires_in * 1_000;
  return {
    ...shown,
    verification_uri: answer.verification_uri ?? answer.verification_url,
    interval,
    async wait(waitSignal?: AbortSignal) {
      for (;;) {
        await host.sleep(interval * 1_000, waitSignal);
        if (host.now() >= deadline) {
          throw new AuthClientError('expired_token', { description: 'the device code expired; start again' });
        }
        try {
          const response = (await host.call(
            'token',
            { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode },
            waitSignal,
          )) as TokenResponse;
          return await host.store(response);
        } catch (error) {
          const code = (error as AuthClientError).error;
          if (code === 'slow_down') interval += 5;
          else if (code !== 'authorization_pending' && !isTransient(error)) throw error;
        }
      }
    },
  };
}
