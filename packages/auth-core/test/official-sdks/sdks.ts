// The official SDKs' own signing functions, loaded once for the cross-checks in
// signing-official-sdks.test.ts. Each is the vendor's pure signer (no client, no credentials chain, no
// network): the SDK's types come from its own .d.ts; `require` gives the CommonJS exports exactly as
// the SDK's users get them, so `export default` arrives as `.default`.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

const require = createRequire(import.meta.url);

type AliyunOpenApiUtil = typeof import('@alicloud/openapi-util');
type TencentSignModule = typeof import('tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js');
type TwilioWebhooks = typeof import('twilio/lib/webhooks/webhooks.js');
type VolcengineSignModule = typeof import('@volcengine/openapi/lib/base/sign.js');

/** `@alicloud/openapi-util` `Client` (static `getRPCSignature`, `getAuthorization`). */
export const AliyunOpenApi = (require('@alicloud/openapi-util') as AliyunOpenApiUtil).default;

export interface Acs3Input {
  method: string;
  /** Already encoded, as the SDK's callers pass it (`OpenApiUtil.getEncodePath`). */
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/**
 * `OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', …)`. It takes a whole `$tea.Request` but
 * reads only method, pathname, query and headers; the other fields are filled with inert values.
 */
export function aliyunAcs3Authorization(
  request: Acs3Input,
  hashedPayload: string,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  return AliyunOpenApi.getAuthorization(
    { protocol: 'https', port: 443, body: Readable.from([]), ...request },
    'ACS3-HMAC-SHA256',
    hashedPayload,
    accessKeyId,
    accessKeySecret,
  );
}

/** `tencentcloud-sdk-nodejs-common` `Sign` (static `sign3`, the TC3 signer every client calls). */
export const TencentSign = (
  require('tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js') as TencentSignModule
).default;

/** `twilio`'s webhook helpers (`twilio.validateRequest` and friends re-export these). */
export const twilioWebhooks = require('twilio/lib/webhooks/webhooks.js') as TwilioWebhooks;

/** `@volcengine/openapi`'s `Signer` (what its `Service` uses for every API call). */
export const VolcengineSigner = (require('@volcengine/openapi/lib/base/sign.js') as VolcengineSignModule)
  .default;

/** SHA-256 for `@smithy/signature-v4`, backed by node:crypto as in the AWS SDK for Node. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

export interface SmithyRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Signs with `@smithy/signature-v4` (the AWS SDK v3 signer) and returns the `authorization` header. */
export async function smithySign(
  request: SmithyRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  scope: { region: string; service: string; signingDate: Date; applyChecksum: boolean },
): Promise<string> {
  const signer = new SignatureV4({
    credentials,
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    applyChecksum: scope.applyChecksum,
  });
  const signed = await signer.sign(request, { signingDate: scope.signingDate });
  const authorization = signed.headers['authorization'];
  if (authorization === undefined) throw new Error('smithy returned no authorization header');
  return authorization;
}
