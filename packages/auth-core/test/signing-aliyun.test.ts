import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeAcs3Authorization,
  computeAliyunRpcSignature,
  createManualClock,
  percentEncode,
  SignatureError,
  signAliyunAcs3,
  signAliyunRpc,
} from '../src/index.js';
import { ALIYUN_VECTOR_A_PARAMS } from './fixtures/aliyun-vectors.js';

describe('percentEncode (RFC 3986)', () => {
  it('encodes everything but unreserved characters, space as %20', () => {
    expect(percentEncode("a b*c!d'e(f)g~h-i_j.k")).toBe('a%20b%2Ac%21d%27e%28f%29g~h-i_j.k');
    expect(percentEncode('阿里')).toBe('%E9%98%BF%E9%87%8C');
    expect(percentEncode('+/=&%')).toBe('%2B%2F%3D%26%25');
  });

  it('rejects a lone surrogate with a SignatureError', () => {
    expect(() => percentEncode('\ud800')).toThrow(SignatureError);
  });

  it('round-trips through decodeURIComponent and leaves only unreserved characters unencoded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const encoded = percentEncode(text);
        expect(decodeURIComponent(encoded)).toBe(text);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
      }),
    );
  });
});

describe('Aliyun RPC v1 (HMAC-SHA1)', () => {
  it('Vector A: canonical query, string to sign, signature and URL byte for byte', () => {
    const signed = signAliyunRpc(
      { method: 'GET', params: ALIYUN_VECTOR_A_PARAMS },
      { accessKeyId: 'testId', accessKeySecret: 'testSecret' },
    );
    expect(signed.canonicalQuery).toBe(
      'AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    );
    expect(signed.stringToSign).toBe(
      'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25',
    );
    expect(signed.signature).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    expect(signed.params['Signature']).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    expect(`http://dysmsapi.aliyuncs.com/?${signed.query}`).toBe(
      'http://dysmsapi.aliyuncs.com/?Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    );
  });

  it('Vector A from a clock and nonce source instead of caller-supplied Timestamp/SignatureNonce', () => {
    const { Timestamp: _t, SignatureNonce: _n, AccessKeyId: _a, ...business } = ALIYUN_VECTOR_A_PARAMS;
    const signed = signAliyunRpc(
      { method: 'get', params: business },
      { accessKeyId: 'testId', accessKeySecret: 'testSecret' },
      {
        clock: createManualClock(Date.parse('2017-07-12T02:42:19.789Z')),
        nonce: () => '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      },
    );
    expect(signed.signature).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('Vector B: Aliyun RPC doc example (ECS DescribeRegions)', () => {
    const signed = signAliyunRpc(
      {
        method: 'GET',
        params: {
          Action: 'DescribeRegions',
          Format: 'XML',
          SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
          Timestamp: '2016-02-23T12:46:24Z',
          Version: '2014-05-26',
        },
      },
      { accessKeyId: 'testid', accessKeySecret: 'testsecret' },
    );
    expect(signed.signature).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('Vector C: POST with special characters (logto connector-aliyun-sms utils.test.ts + mock.ts)', () => {
    const signed = signAliyunRpc(
      {
        method: 'POST',
        params: {
          AccountName: "<a%b'>",
          Action: 'SingleSendMail',
          AddressType: '1',
          Format: 'XML',
          HtmlBody: '4',
          RegionId: 'cn-hangzhou',
          ReplyToAddress: 'true',
          Subject: '3',
          TagName: '2',
          ToAddress: '1@test.com',
          Version: '2015-11-23',
          SignatureNonce: 'c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c',
          Timestamp: '2016-10-20T06:27:56Z',
        },
      },
      { accessKeyId: 'testid', accessKeySecret: 'testsecret' },
    );
    expect(signed.signature).toBe('llJfXJjBW3OacrVgxxsITgYaYm0=');
    // The query is also the form body; decoding it gives the params back.
    expect(Object.fromEntries(new URLSearchParams(signed.query))).toEqual(signed.params);
  });

  it('Vector D: empty HTTP method (aliyun/darabonba-openapi-util ts/test/client.spec.ts)', () => {
    const result = computeAliyunRpcSignature({ test: 'ok' }, '', 'accessKeySecret');
    expect(result.stringToSign).toBe('&%2F&test%3Dok');
    expect(result.signature).toBe('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
  });

  it('adds SecurityToken for STS credentials and drops a caller-supplied Signature', () => {
    const signed = signAliyunRpc(
      { method: 'POST', params: { Action: 'SendSms', Signature: 'forged' } },
      { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'sts-token' },
      { clock: createManualClock(0), nonce: () => 'n' },
    );
    expect(signed.params['SecurityToken']).toBe('sts-token');
    expect(signed.params['Timestamp']).toBe('1970-01-01T00:00:00Z');
    expect(signed.canonicalQuery).toContain('SecurityToken=sts-token');
    expect(signed.canonicalQuery).not.toContain('forged');
  });

  it('matches a straight-line node:crypto implementation for any params (property)', () => {
    const straight = (params: Record<string, string>, method: string, secret: string) => {
      const enc = (s: string) =>
        encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      // Names sorted before they are encoded (the doc's step 1, then step 2).
      const q = Object.keys(params)
        .sort()
        .map((k) => `${enc(k)}=${enc(params[k] as string)}`)
        .join('&');
      return createHmac('sha1', `${secret}&`)
        .update(`${method}&%2F&${enc(q)}`)
        .digest('base64');
    };
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, unit: 'grapheme' }), fc.string({ unit: 'grapheme' })),
        fc.constantFrom('GET', 'POST'),
        fc.string({ minLength: 1 }),
        (params, method, secret) => {
          delete params['Signature'];
          expect(computeAliyunRpcSignature(params, method, secret).signature).toBe(
            straight(params, method, secret),
          );
        },
      ),
    );
  });

  it('regression: sorts the names before encoding them, as the doc and every Aliyun SDK do', () => {
    // Found by the @alicloud/openapi-util cross-check (signing-official-sdks.test.ts): sorting the
    // encoded names put `a%2Fb` before `a-b` and `%C3%A9` before `z`. Expected signature from
    // OpenApiUtil.getRPCSignature(params, 'GET', 'testSecret') of @alicloud/openapi-util 0.3.3.
    const params = { 'a-b': '1', 'a/b': '2', z: '4', é: '3', Action: 'SendSms' };
    const signed = computeAliyunRpcSignature(params, 'GET', 'testSecret');
    expect(signed.canonicalQuery).toBe('Action=SendSms&a-b=1&a%2Fb=2&z=4&%C3%A9=3');
    expect(signed.signature).toBe('/JNlBZBunDst+uY/fi2gMC7+sbc=');
  });

  it('throws SIGNATURE_MISSING_CREDENTIALS for an empty secret', () => {
    expect(() =>
      signAliyunRpc({ method: 'GET', params: {} }, { accessKeyId: 'id', accessKeySecret: '' }),
    ).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }));
  });
});

describe('Aliyun ACS3-HMAC-SHA256', () => {
  const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

  it('Vector E: the official fixed-parameter example (Aliyun V3 signature doc, step by step)', () => {
    const signed = signAliyunAcs3(
      {
        method: 'POST',
        host: 'ecs.cn-shanghai.aliyuncs.com',
        query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
        action: 'RunInstances',
        version: '2014-05-26',
      },
      { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
      {
        clock: createManualClock(Date.parse('2023-10-26T10:22:32Z')),
        nonce: () => '3156853299f313e23d1673dc12e1703d',
      },
    );
    expect(signed.canonicalQuery).toBe(
      'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    );
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${emptyHash}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        emptyHash,
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    expect(signed.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(signed.headers).toEqual({
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': emptyHash,
      authorization:
        'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    });
  });

  it('Vector E reproduced from caller-supplied x-acs-date / nonce headers (server-side check)', () => {
    const signed = signAliyunAcs3(
      {
        method: 'POST',
        host: 'ecs.cn-shanghai.aliyuncs.com',
        query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
        headers: {
          'X-Acs-Date': '2023-10-26T10:22:32Z',
          'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
        },
        action: 'RunInstances',
        version: '2014-05-26',
      },
      { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
      { clock: createManualClock(0), nonce: () => 'ignored' },
    );
    expect(signed.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  it('Vector F: duplicate same-name headers and undefined method (darabonba-openapi-util client.spec.ts)', () => {
    const payload = '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23';
    const first = computeAcs3Authorization(
      {
        method: undefined,
        pathname: undefined,
        query: { test: 'ok', empty: '' },
        headers: { 'x-acs-TEST': 'https', 'x-acs-test': 'http' },
      },
      payload,
      'acesskey',
      'secret',
    );
    expect(first.canonicalQuery).toBe('empty=&test=ok');
    expect(first.canonicalRequest).toContain('\nx-acs-test:http,https\n');
    expect(first.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=0f2d549523cf082c83bb8135b5863614f7fe16ca7c2c7fc537e74d67374eeeac',
    );
    const second = computeAcs3Authorization({}, payload, 'acesskey', 'secret');
    expect(second.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=,Signature=608b887e491f3e88e85276b188a4d24e29230a559464685ccbf2dcc458e1fde8',
    );
  });

  it('signs the body hash, content-type and the STS token; leaves other headers unsigned', () => {
    const body = 'PhoneNumbers=13800000000&SignName=%E9%98%BF';
    const signed = signAliyunAcs3(
      {
        method: 'post',
        host: 'dysmsapi.aliyuncs.com',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'lingpai' },
        body,
        action: 'SendSms',
        version: '2017-05-25',
      },
      { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'sts' },
      { clock: createManualClock(0), nonce: () => 'nonce' },
    );
    const bodyHash = createHash('sha256').update(body).digest('hex');
    expect(signed.headers['x-acs-content-sha256']).toBe(bodyHash);
    expect(signed.headers['x-acs-security-token']).toBe('sts');
    expect(signed.headers['user-agent']).toBe('lingpai');
    expect(signed.headers['authorization']).toContain(
      'SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,',
    );
    expect(signed.canonicalRequest.startsWith('POST\n/\n\n')).toBe(true);
    expect(signed.canonicalRequest.endsWith(`\n${bodyHash}`)).toBe(true);
  });

  it('is stable: the same input signs to the same output, and a changed query changes the signature', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
        fc.string({ minLength: 1 }),
        (query, extra) => {
          const sign = (q: Record<string, string>) =>
            signAliyunAcs3(
              { method: 'POST', host: 'h.example', query: q, action: 'A', version: 'V' },
              { accessKeyId: 'id', accessKeySecret: 'secret' },
              { clock: createManualClock(1_700_000_000_000), nonce: () => 'n' },
            ).signature;
          expect(sign(query)).toBe(sign({ ...query }));
          const changed = { ...query, [`${extra}\u0000`]: 'x' };
          expect(sign(changed)).not.toBe(sign(query));
        },
      ),
    );
  });
});

describe('Aliyun ACS3 query order (regression: names were sorted after encoding)', () => {
  // The V3 doc: "1. sort the parameters by name; 2. URI-encode each name and value". Sorting the
  // encoded names instead put `a%2Fb` before `a-b`, a signature Aliyun would reject.
  it('sorts raw names, then encodes them', () => {
    const signed = computeAcs3Authorization(
      {
        method: 'GET',
        pathname: '/',
        query: { z: '3', 'a/b': '2', 'a-b': '1', é: '4' },
        headers: { host: 'ecs.aliyuncs.com' },
      },
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'ak',
      'sk',
    );
    expect(signed.canonicalQuery).toBe('a-b=1&a%2Fb=2&z=3&%C3%A9=4');
  });
});
