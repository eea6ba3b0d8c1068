// TC3 signs for a service; a signer that derives it from the host's first label signs for "127"
// when pointed at 127.0.0.1 (a sandbox, a proxy) and fails with no hint. The SMS provider always
// names `sms`, whatever the host.
import type { FetchLike } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import { createTencentProvider, PhoneNumber } from '../src/index.js';

describe('Tencent provider TC3 service', () => {
  it.each([
    'http://127.0.0.1:4010/tencent',
    'http://localhost:4010',
    'http://[::1]:4010',
    'https://sms.tencentcloudapi.com',
  ])('signs for "sms" at %s', async (baseURL) => {
    let authorization = '';
    const fetch: FetchLike = async (_url, init) => {
      authorization = new Headers(init?.headers).get('authorization') ?? '';
      return new Response(JSON.stringify({ Response: { SendStatusSet: [{ Code: 'Ok', SerialNo: 's1' }] } }));
    };
    const provider = createTencentProvider({
      baseURL,
      fetch,
      secretId: 'AKID1',
      secretKey: 'k',
      smsSdkAppId: '1400006666',
      signName: '令牌',
    });
    await provider.send({ to: PhoneNumber.parse('+8613800138000'), template: { id: '1235', params: ['1'] } });
    expect(authorization).toMatch(/Credential=AKID1\/\d{4}-\d{2}-\d{2}\/sms\/tc3_request/);
  });
});
