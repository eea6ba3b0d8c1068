// A missing option used to surface as "Cannot read properties of undefined" at the first request.
// Each is now refused at construction with OTP_INVALID_ARGUMENT naming the option and its likely
// cause, and a refused SMTP or Redis connection says ECONNREFUSED in the message the caller sees.
import { RedisOtpStore } from '@lingpai/redis';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import { createEmailChannel } from '../src/email.js';
import {
  createSmsChannel,
  MemoryOtpStore,
  type SmsCodeSender,
  type VerificationChannel,
  VerificationService,
  type VerificationServiceOptions,
} from '../src/index.js';
import { SECRET } from './otp-store-contract.js';

const sender: SmsCodeSender = {
  send: async () => ({ provider: 'fake', messageId: '1' }) as never,
};
const sms = createSmsChannel({ sender, templates: { default: { id: 'SMS_1' } } });

function thrown(build: () => unknown): Error & { code?: string } {
  try {
    build();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

function refused(build: () => unknown, message: string | RegExp): void {
  const error = thrown(build);
  expect(error.code, error.message).toBe('OTP_INVALID_ARGUMENT');
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('Cannot read properties');
}

const base = (): VerificationServiceOptions => ({
  secret: SECRET,
  store: new MemoryOtpStore(),
  channels: { sms },
});

describe('VerificationService options', () => {
  it('an unset OTP_SECRET names the variable (regression: TypeError in HKDF)', () => {
    refused(
      () => new VerificationService({ ...base(), secret: process.env.LINGPAI_UNSET_SECRET as string }),
      'VerificationService: `secret` is undefined — is OTP_SECRET set?',
    );
    refused(() => new VerificationService({ ...base(), secret: '' }), /`secret` is an empty string/);
    refused(() => new VerificationService({ ...base(), secret: 42 as never }), /string or a Uint8Array/);
  });

  it('a missing or foreign store says which stores fit', () => {
    refused(
      () => new VerificationService({ ...base(), store: undefined as never }),
      /`store` is undefined — pass new MemoryOtpStore/,
    );
    refused(
      () => new VerificationService({ ...base(), store: {} as never }),
      /not an OtpStore \(no createVerification/,
    );
  });

  it('missing, empty or malformed channels are refused by name', () => {
    refused(() => new VerificationService(undefined as never), /needs options/);
    refused(
      () => new VerificationService({ ...base(), channels: undefined as never }),
      /`channels` is undefined/,
    );
    refused(() => new VerificationService({ ...base(), channels: {} }), /`channels` is empty/);
    refused(
      () => new VerificationService({ ...base(), channels: { sms: undefined as never } }),
      /`channels.sms` is undefined/,
    );
    const noDeliver = { recipientKind: 'phone' } as unknown as VerificationChannel;
    refused(() => new VerificationService({ ...base(), channels: { sms: noDeliver } }), /no deliver/);
    const badKind = {
      recipientKind: 'fax',
      deliver: async () => undefined,
    } as unknown as VerificationChannel;
    refused(
      () => new VerificationService({ ...base(), channels: { fax: badKind } }),
      /'phone', 'email' or 'custom'/,
    );
    const custom: VerificationChannel = { recipientKind: 'custom', deliver: async () => undefined };
    refused(() => new VerificationService({ ...base(), channels: { push: custom } }), /normalize/);
  });

  it('unknown regions and alphabets are refused, not silently accepted', () => {
    refused(() => new VerificationService({ ...base(), phone: { defaultRegion: 'China' } }), /defaultRegion/);
    refused(() => new VerificationService({ ...base(), phone: { allowedCountries: ['CN', '86'] } }), /"86"/);
    refused(
      () => new VerificationService({ ...base(), codeAlphabet: 'hex' as never }),
      /unknown code alphabet/,
    );
    refused(() => new VerificationService({ ...base(), riskCheck: 'allow' as never }), /riskCheck/);
  });
});

describe('createSmsChannel options', () => {
  it('a missing sender or templates names the option', () => {
    refused(() => createSmsChannel(undefined as never), /needs options/);
    refused(
      () => createSmsChannel({ sender: undefined as never, templates: { default: { id: 'SMS_1' } } }),
      'createSmsChannel: `sender` is undefined — pass new SmsSender({ providers }) from @lingpai/sms',
    );
    refused(() => createSmsChannel({ sender, templates: undefined as never }), /`templates` is undefined/);
    refused(() => createSmsChannel({ sender, templates: {} }), /`templates` is empty/);
    refused(
      () => createSmsChannel({ sender, templates: { default: { id: process.env.LINGPAI_UNSET_TEMPLATE } } }),
      /`templates.default` has no `id`, `ids` or `content` — is its template id variable set\?/,
    );
    refused(
      () =>
        createSmsChannel({ sender, templates: { default: { id: 'SMS_1', params: 'numbered' as never } } }),
      /'named', 'positional' or a function/,
    );
  });
});

describe('createEmailChannel options', () => {
  it('an unset SMTP_URL, a non-smtp URL or a missing sender names the fix, without echoing the URL', () => {
    refused(() => createEmailChannel(undefined as never), /needs options/);
    refused(
      () =>
        createEmailChannel({ transport: process.env.LINGPAI_UNSET_SMTP as string, from: 'a@example.com' }),
      /`transport` is undefined — is SMTP_URL set\?/,
    );
    const http = thrown(() =>
      createEmailChannel({ transport: 'https://user:hunter2@mail.example', from: 'a@example.com' }),
    );
    expect(http.message).toContain('smtp://');
    expect(http.message).not.toContain('hunter2');
    refused(
      () => createEmailChannel({ transport: 'smtp://127.0.0.1:2525', from: undefined as never }),
      /`from` is undefined/,
    );
  });

  it('a refused SMTP connection puts ECONNREFUSED in the top message (regression: only "could not deliver")', async () => {
    const port = await closedPort();
    const email = createEmailChannel({ transport: `smtp://127.0.0.1:${port}`, from: 'no-reply@example.com' });
    const otp = new VerificationService({ secret: SECRET, store: new MemoryOtpStore(), channels: { email } });
    try {
      const error = (await otp
        .send({ to: 'alice@example.com', channel: 'email' })
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: 'OTP_CHANNEL_FAILED', retryable: true });
      expect(error.message).toBe('The email channel could not deliver the code (ECONNREFUSED)');
      expect((error.cause as Error).message).toBe(
        `SMTP delivery failed: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
    } finally {
      email.close();
    }
  });
});

describe('store outages', () => {
  it('a refused Redis connection reads ECONNREFUSED at the top, and where at the leaf', async () => {
    const port = await closedPort();
    const store = new RedisOtpStore({
      url: `redis://127.0.0.1:${port}`,
      clientOptions: { commandTimeoutMs: 500, connectTimeoutMs: 500 },
    });
    const otp = new VerificationService({ secret: SECRET, store, channels: { sms } });
    try {
      const error = (await otp
        .send({ to: '+8613800138000', channel: 'sms' })
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE' });
      expect(error.message).toBe('The verification store is unavailable (ECONNREFUSED); nothing was sent');
      expect((error.cause as Error).message).toContain(
        `cannot connect to redis://127.0.0.1:${port} (ECONNREFUSED)`,
      );
    } finally {
      await store.close();
    }
  });
});
