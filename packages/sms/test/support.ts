import type { FetchLike } from '@lingpai/auth-core';
import { createSandbox, type Sandbox, type SandboxSmsOptions } from '@lingpai/sandbox';
import { closedPort } from '../../../test-support/ports.js';
import {
  createAliyunProvider,
  createAwsSnsProvider,
  createHuaweiProvider,
  createMoceanProvider,
  createTencentProvider,
  createTwilioProvider,
  createVolcengineProvider,
  createVonageProvider,
  SmsError,
  type SmsMessage,
  type SmsProvider,
} from '../src/index.js';

export interface RunningSandbox {
  sandbox: Sandbox;
  url: string;
  /** Messages in the sandbox inbox, read over HTTP as a user would. */
  inbox(filter?: { to?: string; provider?: string }): Promise<InboxMessage[]>;
}

export interface InboxMessage {
  provider: string;
  messageId: string;
  to: string;
  text?: string;
  sign?: string;
  templateId?: string;
  params?: Record<string, string> | string[];
  from?: string;
}

export async function startSandbox(sms: SandboxSmsOptions = {}): Promise<RunningSandbox> {
  const sandbox = await createSandbox({ sms });
  const url = await sandbox.listen();
  return {
    sandbox,
    url,
    async inbox(filter = {}) {
      const query = new URLSearchParams(
        Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const response = await fetch(`${url}/__sandbox/sms/messages?${query}`);
      const body = (await response.json()) as { messages: InboxMessage[] };
      return body.messages;
    },
  };
}

let counter = 0;
/** A fresh valid mainland mobile number per call (the sandbox limits sends per number per minute). */
export function cnNumber(): string {
  counter += 1;
  return `+86138${String(10_000_000 + counter).slice(-8)}`;
}

/** A fresh valid US number per call. */
export function usNumber(): string {
  counter += 1;
  return `+1201555${String(1000 + (counter % 9000)).padStart(4, '0')}`;
}

/** A `fetch` that rejects the way undici does when the TCP connect times out: nothing was sent. */
export const connectTimeoutFetch: FetchLike = async () => {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
  });
};

/** The SmsError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<SmsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SmsError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject with an SmsError');
}

/** Which sandbox fault target and which message form each provider needs. */
export interface MakeOptions {
  secret?: string;
  timeoutMs?: number;
  name?: string;
  fetch?: FetchLike;
}

/** The options every HTTP provider shares, passed through only when the test set them. */
function transportOptions(options: MakeOptions): Pick<MakeOptions, 'timeoutMs' | 'name' | 'fetch'> {
  return {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
}

export interface ProviderCase {
  /** Sandbox target and route prefix. */
  target: string;
  /**
   * A provider configured for the sandbox; `secret` replaces the secret credential (for auth tests),
   * `fetch` the transport (to reject the way undici does on a connect timeout).
   */
  make(env: RunningSandbox, options?: MakeOptions): SmsProvider;
  /** A message this provider can send; `code` must appear in the delivered text. */
  message(to: string, code: string): Omit<SmsMessage, 'to'>;
  /** A number of the kind this provider serves. */
  number(): string;
  /** The secret credential's default value (to grep for leaks). */
  secret(env: RunningSandbox): string;
}

const content = (code: string) => ({ content: `Your lingpai code is ${code}` });

export const PROVIDER_CASES: readonly ProviderCase[] = [
  {
    target: 'aliyun',
    make: (env, options = {}) =>
      createAliyunProvider({
        baseURL: `${env.url}/aliyun`,
        accessKeyId: env.sandbox.sms.config.aliyun.accessKeyId,
        accessKeySecret: options.secret ?? env.sandbox.sms.config.aliyun.accessKeySecret,
        signName: '令牌',
        ...transportOptions(options),
      }),
    message: (_to, code) => ({ template: { id: 'SMS_100000001', params: { code } } }),
    number: cnNumber,
    secret: (env) => env.sandbox.sms.config.aliyun.accessKeySecret,
  },
  {
    target: 'tencent',
    make: (env, options = {}) =>
      createTencentProvider({
        baseURL: `${env.url}/tencent`,
        secretId: env.sandbox.sms.config.tencent.secretId,
        secretKey: options.secret ?? env.sandbox.sms.config.tencent.secretKey,
        smsSdkAppId: env.sandbox.sms.config.tencent.smsSdkAppId,
        signName: '令牌',
        ...transportOptions(options),
      }),
    message: (_to, code) => ({ template: { id: '1234', params: [code] } }),
    number: cnNumber,
    secret: (env) => env.sandbox.sms.config.tencent.secretKey,
  },
  {
    target: 'twilio',
    make: (env, options = {}) =>
      createTwilioProvider({
        baseURL: `${env.url}/twilio`,
        accountSid: env.sandbox.sms.config.twilio.accountSid,
        authToken: options.secret ?? env.sandbox.sms.config.twilio.authToken,
        from: env.sandbox.sms.config.twilio.fromNumbers[0] as string,
        ...transportOptions(options),
      }),
    message: (_to, code) => content(code),
    number: usNumber,
    secret: (env) => env.sandbox.sms.config.twilio.authToken,
  },
  {
    target: 'mocean',
    make: (env, options = {}) =>
      createMoceanProvider({
        baseURL: `${env.url}/mocean`,
        apiKey: env.sandbox.sms.config.mocean.apiKey,
        apiSecret: options.secret ?? env.sandbox.sms.config.mocean.apiSecret,
        from: 'lingpai',
        ...transportOptions(options),
      }),
    message: (_to, code) => content(code),
    number: usNumber,
    secret: (env) => env.sandbox.sms.config.mocean.apiSecret,
  },
  {
    target: 'huawei',
    make: (env, options = {}) =>
      createHuaweiProvider({
        baseURL: `${env.url}/huawei`,
        appKey: env.sandbox.sms.config.huawei.appKey,
        appSecret: options.secret ?? env.sandbox.sms.config.huawei.appSecret,
        from: env.sandbox.sms.config.huawei.senders[0] as string,
        signName: '令牌',
        ...transportOptions(options),
      }),
    message: (_to, code) => ({ template: { id: '8ff55eac1d0b478ab3c06c3c6a492300', params: [code, '5'] } }),
    number: cnNumber,
    secret: (env) => env.sandbox.sms.config.huawei.appSecret,
  },
  {
    target: 'volcengine',
    make: (env, options = {}) =>
      createVolcengineProvider({
        baseURL: `${env.url}/volcengine`,
        accessKeyId: env.sandbox.sms.config.volcengine.accessKeyId,
        secretAccessKey: options.secret ?? env.sandbox.sms.config.volcengine.secretAccessKey,
        smsAccount: env.sandbox.sms.config.volcengine.smsAccounts[0] as string,
        signName: '令牌',
        ...transportOptions(options),
      }),
    message: (_to, code) => ({ template: { id: 'ST_7a2b3c4d', params: { code } } }),
    number: cnNumber,
    secret: (env) => env.sandbox.sms.config.volcengine.secretAccessKey,
  },
  {
    target: 'vonage',
    make: (env, options = {}) =>
      createVonageProvider({
        baseURL: `${env.url}/vonage`,
        apiKey: env.sandbox.sms.config.vonage.apiKey,
        apiSecret: options.secret ?? env.sandbox.sms.config.vonage.apiSecret,
        from: 'lingpai',
        ...transportOptions(options),
      }),
    message: (_to, code) => content(code),
    number: usNumber,
    secret: (env) => env.sandbox.sms.config.vonage.apiSecret,
  },
  {
    target: 'aws-sns',
    make: (env, options = {}) =>
      createAwsSnsProvider({
        baseURL: `${env.url}/aws-sns`,
        accessKeyId: env.sandbox.sms.config.awsSns.accessKeyId,
        secretAccessKey: options.secret ?? env.sandbox.sms.config.awsSns.secretAccessKey,
        region: env.sandbox.sms.config.awsSns.region,
        ...transportOptions(options),
      }),
    message: (_to, code) => content(code),
    number: usNumber,
    secret: (env) => env.sandbox.sms.config.awsSns.secretAccessKey,
  },
];

/** A loopback URL where nothing listens (a port just freed; fetch refuses "bad ports" like 1). */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}
