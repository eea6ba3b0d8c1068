import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import type { InteractionRow } from '../interactions/interaction-store.js';
import {
  forgetVerificationToken,
  rememberedVerificationToken,
  rememberVerificationToken,
} from '../interactions/verified-contact.js';
import { redeemVerification } from '../signin/redeem-verification.js';
import { signUp } from '../signin/sign-up.js';
import { saveSignupTicket } from '../signin/signup-tickets.js';
import { contactAmr, findUserByContact, markContactVerified } from '../signin/verified-contact.js';
import { assertSignInComplete } from '../users/user-status.js';
import type { InteractionExtension, InteractionResultBody } from './interaction-kit.js';
import { headerOf } from './request-context.js';
import { ERROR_RESPONSES } from './schemas.js';

/** The usages a code sent from an interaction may carry (CloudBase `VerificationUsages`). */
const Usage = Type.Union([Type.Literal('SIGN_IN'), Type.Literal('REGISTER')], {
  description: 'SIGN_IN (default): log in, or sign up if the address is new; REGISTER: sign up only',
});

const SendBody = Type.Object(
  {
    phone_number: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: '"+86 13800138000" style (or national)' }),
    ),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    usage: Type.Optional(Usage),
  },
  { additionalProperties: false },
);
const SendResult = Type.Object({
  verification_id: Type.String(),
  expires_in: Type.Integer(),
  is_user: Type.Optional(
    Type.Boolean({
      description: 'whether the address has an account (omitted under enumeration protection)',
    }),
  ),
  resend_after_seconds: Type.Integer(),
});

const VerificationId = Type.String({ minLength: 1, maxLength: 256 });
const VerificationCode = Type.String({ minLength: 1, maxLength: 32 });

const CodeLoginBody = Type.Object(
  { verification_id: VerificationId, verification_code: VerificationCode },
  { additionalProperties: false },
);
const SignUpBody = Type.Object(
  {
    verification_id: Type.Optional(VerificationId),
    verification_code: Type.Optional(VerificationCode),
    phone_number: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1_024 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

interface SendBodyType {
  phone_number?: string;
  email?: string;
  usage?: 'SIGN_IN' | 'REGISTER';
}
interface SignUpBodyType {
  verification_id?: string;
  verification_code?: string;
  phone_number?: string;
  email?: string;
  username?: string;
  password?: string;
  name?: string;
}

/**
 * Log-in and sign-up by a code sent to a phone (SMS) or an email address, inside an interaction, so
 * `/auth/v1/authorize` and the device flow take the same methods as `/auth/v1/signin`:
 *
 * - `POST /auth/v1/interaction/:id/verification` — `{ phone_number | email, usage? }`: sends a code
 *   through `services.verification` (its caps, cooldown and captcha), for this interaction's client;
 * - `POST /auth/v1/interaction/:id/login/verification` — `{ verification_id, verification_code }`;
 * - `POST /auth/v1/interaction/:id/signup` — `{ phone_number | email }` with its code (or none, after
 *   a code login found no account for it) plus optional `username`, `password`, `name`: the sign-up of
 *   `POST /auth/v1/signup`.
 *
 * The code is verified and its verification token redeemed here, in one call: the token never
 * reaches the page. RFC 8176 `amr`: `sms` for a texted code, `email` for a mailed one (as
 * `/auth/v1/signin`). Everything else — browser binding, CSRF, same-origin, JSON only, the login
 * session, consent — is the interaction API's own (the kit).
 */
export const interactionCodeRoutes: InteractionExtension = (app, services, kit) => {
  const { IdParams, InteractionResult } = kit.schemas;
  /** The typed code → a verification token, for this interaction's client; wrong codes are capped by otp. */
  const verifyCode = async (row: InteractionRow, verificationId: string, code: string): Promise<string> =>
    (await services.verification.verify({ verificationId, code, clientId: row.client_id }))
      .verification_token;
  const logIn = async (
    request: Parameters<typeof kit.completeLogin>[0],
    reply: Parameters<typeof kit.completeLogin>[1],
    row: InteractionRow,
    user: { sub: string },
    amr: string[],
    kind: 'signin' | 'signup',
  ): Promise<InteractionResultBody> => {
    const result = await kit.completeLogin(request, reply, row, user.sub, amr);
    // As every /auth/v1/signin* path does (issueSignIn): what idle-user pruning reads.
    await services.db.query('UPDATE users SET last_seen_at = $2 WHERE sub = $1', [
      user.sub,
      new Date(services.clock.now()),
    ]);
    // No address in the audit row: the method says enough.
    await services.audit.record({
      kind,
      clientId: row.client_id,
      sub: user.sub,
      ip: request.ip,
      detail: { amr, via: 'interaction' },
    });
    return result;
  };

  app.post(
    '/auth/v1/interaction/:id/verification',
    {
      onRequest: kit.sameOriginJsonPost,
      schema: kit.schema(
        'Send a login code',
        'CloudBase POST /auth/v1/verification for the login page: a code to phone_number (SMS) or email, for this ' +
          "interaction's client. Capped per address, IP and device (this browser) with a resend cooldown; may " +
          'answer captcha_required (send the x-captcha-token header).',
        { params: IdParams, body: SendBody, response: { 200: SendResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as SendBodyType;
      const row = await kit.forPost(request, id);
      if ((body.phone_number === undefined) === (body.email === undefined)) {
        throw new TokenServerError('invalid_request', 'send phone_number or email (exactly one)');
      }
      const usage = body.usage ?? 'SIGN_IN';
      const captchaToken = headerOf(request, 'x-captcha-token');
      return services.verification.send({
        ...(body.phone_number === undefined ? { email: body.email! } : { phoneNumber: body.phone_number }),
        // A sign-in code goes to any address so the page can offer sign-up on is_user=false.
        target: usage === 'REGISTER' ? 'NOT_USER' : 'ANY',
        usage,
        clientId: row.client_id,
        ip: request.ip,
        // The browser binding: limits per device follow this browser, not a header it chooses.
        deviceId: row.browser_hash,
        ...(captchaToken === undefined ? {} : { captchaToken }),
      });
    },
  );

  app.post(
    '/auth/v1/interaction/:id/login/verification',
    {
      onRequest: kit.sameOriginJsonPost,
      schema: kit.schema(
        'Log in with a code',
        'The code sent by POST …/verification. Wrong codes are capped per verification. amr is sms for a phone, ' +
          'email for an email. An address without an account answers user_not_found and is remembered on the ' +
          'interaction, so POST …/signup needs no second code. Starts a login session like the password login.',
        { params: IdParams, body: CodeLoginBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const body = request.body as { verification_id: string; verification_code: string };
      const row = await kit.forPost(request, id);
      const token = await verifyCode(row, body.verification_id, body.verification_code);
      const contact = await redeemVerification(services, token, ['SIGN_IN'], row.client_id);
      const user = await findUserByContact(services.db, contact);
      if (!user) {
        // As /auth/v1/signin does: the spent token stays good for one sign-up of this address,
        // carried on the interaction so the page needs no second code and never sees the token.
        await saveSignupTicket(services, token, row.client_id, contact);
        await rememberVerificationToken(services, id, row, token);
        throw new TokenServerError('user_not_found', 'no account has this address yet; sign up');
      }
      const amr = [contactAmr(contact)];
      try {
        assertSignInComplete(user, amr);
      } catch (error) {
        await services.audit.record({
          kind: 'signin_failed',
          clientId: row.client_id,
          sub: user.sub,
          ip: request.ip,
          detail: { amr, via: 'interaction', reason: (error as TokenServerError).code },
        });
        throw error;
      }
      await markContactVerified(services.db, user.sub, contact);
      return logIn(request, reply, row, user, amr, 'signin');
    },
  );

  app.post(
    '/auth/v1/interaction/:id/signup',
    {
      onRequest: kit.sameOriginJsonPost,
      schema: kit.schema(
        'Sign up with a code',
        'CloudBase POST /auth/v1/signup inside an interaction: a new account for phone_number or email, proven by ' +
          'verification_id + verification_code (REGISTER or SIGN_IN), or by the code of the last login here that ' +
          'found no account for it; optional username (unique after NFKC and case folding), password (the ' +
          'password policy) and name. A refusal before the code is spent (taken username, weak password) may be ' +
          'retried without a new code. Logs the new user in like a code login.',
        { params: IdParams, body: SignUpBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const body = request.body as SignUpBodyType;
      const row = await kit.forPost(request, id);
      if ((body.verification_id === undefined) !== (body.verification_code === undefined)) {
        throw new TokenServerError('invalid_request', 'send verification_id and verification_code together');
      }
      if ((body.phone_number === undefined) === (body.email === undefined)) {
        throw new TokenServerError('invalid_request', 'send phone_number or email (exactly one)');
      }
      let token: string | undefined;
      if (body.verification_id !== undefined && body.verification_code !== undefined) {
        token = await verifyCode(row, body.verification_id, body.verification_code);
        // Kept before the sign-up: one refused before the token is spent (a taken username, a
        // weak password) is retried without another code.
        if (!(await rememberVerificationToken(services, id, row, token))) {
          throw new TokenServerError(
            'interaction_expired',
            'this interaction has already completed or expired',
          );
        }
      } else {
        token = rememberedVerificationToken(id, row);
      }
      if (token === undefined) {
        throw new TokenServerError(
          'invalid_request',
          'prove the phone number or email first: send verification_id and verification_code',
        );
      }
      const client = await kit.clientOf(row);
      const params: Record<string, string | undefined> = {
        verification_token: token,
        phone_number: body.phone_number,
        email: body.email,
        username: body.username,
        password: body.password,
        name: body.name,
      };
      // The sign-up of POST /auth/v1/signup (signin/sign-up.ts): one set of rules for both.
      const { user, amr } = await signUp(services, { client, deviceId: '', params, anonymous: undefined });
      await forgetVerificationToken(services, row);
      assertSignInComplete(user, amr);
      return logIn(request, reply, row, user, amr, 'signup');
    },
  );
};
