import { describe, expect, it } from 'vitest';
import { AuthClient } from '../src/index.js';
import { fakeFetch, sharedStorage } from './fakes.js';

describe('the interaction API', () => {
  it('calls each route with the x-csrf-token, JSON, and neither client_id nor a Bearer token', async () => {
    const { fetch, calls } = fakeFetch(
      Object.fromEntries(
        [
          'GET /auth/v1/interaction/i%2F1',
          'POST /auth/v1/interaction/i%2F1/login',
          'POST /auth/v1/interaction/i%2F1/verification',
          'POST /auth/v1/interaction/i%2F1/login/verification',
          'POST /auth/v1/interaction/i%2F1/signup',
          'POST /auth/v1/interaction/i%2F1/provider/wechat',
          'POST /auth/v1/interaction/i%2F1/consent',
          'POST /auth/v1/interaction/i%2F1/deny',
          'POST /auth/v1/interaction/i%2F1/abort',
          'GET /auth/v1/interaction/device',
          'POST /auth/v1/interaction/device',
        ].map((route) => [route, () => ({ route })]),
      ),
    );
    const client = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      fetch,
      storage: sharedStorage(),
      crossTab: false,
    });
    await client.setCredentials({ token_type: 'Bearer', access_token: 'at', expires_in: 7200 });
    const api = client.interaction;
    const id = 'i/1';
    await api.describe(id);
    await api.login(id, 'c', { username: 'u', password: 'p' }, { headers: { 'x-captcha-token': 'cap' } });
    await api.sendCode(id, 'c', { phone_number: '+86 13800138000' });
    await api.loginWithCode(id, 'c', { verification_id: 'v', verification_code: '123456' });
    await api.signUp(id, 'c', { phone_number: '+86 13800138000' });
    await api.startProvider(id, 'c', 'wechat');
    await api.consent(id, 'c', ['user']);
    await api.consent(id, 'c');
    await api.deny(id, 'c');
    await api.abort(id, 'c');
    await api.prepareDevice();
    await api.startDevice('c', 'BCDF-GHJK');
    expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toHaveLength(12);
    for (const call of calls) {
      expect(call.url.search).toBe('');
      expect(call.headers.authorization).toBeUndefined();
      if (call.method === 'POST') {
        expect(call.headers['x-csrf-token']).toBe('c');
        expect(call.headers['content-type']).toBe('application/json');
      }
    }
    expect(calls[1]!.headers['x-captcha-token']).toBe('cap');
    expect(calls.slice(6, 8).map((call) => call.body)).toEqual([{ scopes: ['user'] }, {}]);
    expect(calls.at(-1)!.body).toEqual({ user_code: 'BCDF-GHJK' });
    client.dispose();
  });
});
