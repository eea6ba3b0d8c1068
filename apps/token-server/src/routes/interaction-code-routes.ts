import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import {
  assertInteractionSignIn,
  codeAmr,
  findUserByContact,
  redeemCode,
} from '../interactions/code-login.js';
import { type CodeSignUpProfile, insertSignUpUser, prepareSignUp } from '../interactions/code-sign-up.js';
import type { InteractionRow } from '../interactions/interaction-store.js';
import {
  readVerifiedContact,
  rememberVerifiedContact,
  takeVerifiedContact,
  type VerifiedContact,
} from '../interactions/verified-contact.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
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
interface SignUpBodyType extends CodeSignUpProfile {
  verification_id?: string;
  verification_code?: string;
  phone_number?: string;
  email?: string;
}

const SIGN_IN_USAGES = ['SIGN_IN'] as const;
/** A sign-in code for an address that turned out to be new proves it as well as a sign-up code. */
const SIGN_UP_USAGES = ['REGISTER', 'SIGN_IN'] as const;

/**
 * Log-in and sign-up by a code sent to a phone (SMS) or an email address, inside an interaction, so
 * `/auth/v1/authorize` and the device flow take the same methods as `/auth/v1/signin`:
 *
 * - `POST /auth/v1/interaction/:id/verification` — `{ phone_number | email, usage? }`: sends a code
 *   through `services.verification` (its caps, cooldown and captcha), for this interaction's client;
 * - `POST /auth/v1/interaction/:id/login/verification` — `{ verification_id, verification_code }`;
 * - `POST /auth/v1/interaction/:id/signup` — a code (or the address a code login just proved for an
 *   unknown user) plus optional `username`, `password`, `name`.
 *
 * The code is verified and its verification token redeemed here, in one call: the token never
 * reaches the page. Everything else — browser binding, CSRF, same-origin, JSON only, the login
 * session, consent — is the interaction API's own (the kit).
 */
export const interactionCodeRoutes: InteractionExtension = (app, services, kit) => {
  const { IdParams, InteractionResult } = kit.schemas;
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
      if ((body.phone_number === undefined) === (body.email === undefined)) {
        throw new TokenServerError('invalid_request', 'send phone_number or email (exactly one)');
      }
      const row = await kit.forPost(request, id);
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
      const contact = await redeemCode(services, {
        verificationId: body.verification_id,
        code: body.verification_code,
        clientId: row.client_id,
        usages: SIGN_IN_USAGES,
      });
      const user = await findUserByContact(services, contact);
      if (!user) {
        await rememberVerifiedContact(services, id, row, contact);
        throw new TokenServerError('user_not_found', 'no account has this address yet; sign up');
      }
      const amr = codeAmr(contact);
      try {
        assertInteractionSignIn(user, amr);
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
      return logIn(request, reply, row, user, amr, 'signin');
    },
  );

  app.post(
    '/auth/v1/interaction/:id/signup',
    {
      onRequest: kit.sameOriginJsonPost,
      schema: kit.schema(
        'Sign up with a code',
        'CloudBase POST /auth/v1/signup inside an interaction: a new account for the phone or email a code proved ' +
          '(verification_id + verification_code, or the address the last code login found no account for), with ' +
          'an optional username (unique after NFKC and case folding), password (the password policy) and name. ' +
          'Logs the new user in like a code login.',
        { params: IdParams, body: SignUpBody, response: { 200: InteractionResult, ...ERROR_RESPONSES } },
      ),
    },
    async (request, reply): Promise<InteractionResultBody> => {
      const { id } = request.params as { id: string };
      const body = request.body as SignUpBodyType;
      if ((body.verification_id === undefined) !== (body.verification_code === undefined)) {
        throw new TokenServerError('invalid_request', 'send verification_id and verification_code together');
      }
      if (body.phone_number !== undefined && body.email !== undefined) {
        throw new TokenServerError('invalid_request', 'send phone_number or email, not both');
      }
      const row = await kit.forPost(request, id);
      let proven: VerifiedContact | undefined;
      if (body.verification_id !== undefined && body.verification_code !== undefined) {
        proven = await redeemCode(services, {
          verificationId: body.verification_id,
          code: body.verification_code,
          clientId: row.client_id,
          usages: SIGN_UP_USAGES,
        });
        // Kept on the interaction first, so a sign-up refused below (a taken username, a weak
        // password) can be retried without another code.
        if (!(await rememberVerifiedContact(services, id, row, proven))) {
          throw new TokenServerError(
            'interaction_expired',
            'this interaction has already completed or expired',
          );
        }
      } else {
        proven = readVerifiedContact(id, row);
      }
      if (proven === undefined) {
        throw new TokenServerError(
          'invalid_request',
          'prove a phone number or email first: send verification_id and verification_code',
        );
      }
      assertClaimMatches(body, proven);
      const profile: CodeSignUpProfile = {
        ...(body.username === undefined ? {} : { username: body.username }),
        ...(body.password === undefined ? {} : { password: body.password }),
        ...(body.name === undefined ? {} : { name: body.name }),
      };
      const passwordHash = await prepareSignUp(services, proven, profile);
      const expected = proven;
      const user = await services.db.transaction(async (tx) => {
        const taken = await takeVerifiedContact(services, tx, id, row);
        if (taken === undefined || taken.kind !== expected.kind || taken.address !== expected.address) {
          // Another tab of this browser used or replaced it meanwhile.
          throw new TokenServerError(
            'invalid_verification_token',
            'the verified address was used; send a new code',
          );
        }
        return insertSignUpUser(services, tx, taken, profile, passwordHash);
      });
      const amr = codeAmr(proven);
      assertInteractionSignIn(user, amr);
      return logIn(request, reply, row, user, amr, 'signup');
    },
  );
};

/** A `phone_number` or `email` sent with a sign-up must be the address the code proved. */
function assertClaimMatches(body: SignUpBodyType, proven: VerifiedContact): void {
  const claimed =
    body.phone_number !== undefined
      ? { kind: 'phone' as const, address: parsePhoneInput(body.phone_number).stored }
      : body.email !== undefined
        ? { kind: 'email' as const, address: parseEmailInput(body.email) }
        : undefined;
  if (claimed !== undefined && (claimed.kind !== proven.kind || claimed.address !== proven.address)) {
    throw new TokenServerError('invalid_request', 'this is not the address the code was sent to');
  }
}
