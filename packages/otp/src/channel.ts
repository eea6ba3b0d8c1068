import { createHash } from 'node:crypto';
import type { Recipient, RecipientKind } from './recipient.js';

/** What a channel is asked to deliver. */
export interface VerificationMessage {
  verificationId: string;
  /** Normalized: E.164 phone, canonical email, or the custom channel's own form. */
  recipient: Recipient;
  /** The code in clear: the only place it exists outside the person's phone or inbox. */
  code: string;
  /** E.g. `sign_in`, `register`, `password_reset`; channels pick a template by it. */
  purpose: string;
  expiresInSeconds: number;
  /** Optional BCP 47 tag passed through from `send`. */
  locale?: string;
}

/**
 * A way to get a code to a person. `recipientKind` decides how `to` is normalized before anything
 * is keyed: `phone` (E.164), `email`, or `custom` with the channel's own `normalize`.
 */
export interface VerificationChannel {
  readonly recipientKind: RecipientKind;
  /** Required for `custom`: canonical form of `to`; throw `OTP_INVALID_RECIPIENT` when it is not valid. */
  normalize?(to: string): string;
  /** Resolves once the provider accepted the message; throws when it did not. */
  deliver(message: VerificationMessage): Promise<void>;
}

/**
 * The reference a channel gives its provider for one delivery (Aliyun `OutId`, Tencent
 * `SessionContext`, …), so delivery reports can be matched to a verification. It is a one-way hash of
 * the verification id, never the id itself: provider consoles and logs show the reference next to the
 * text that holds the code, and id + code is all `verify` needs.
 */
export function deliveryReference(verificationId: string): string {
  return createHash('sha256')
    .update(`lingpai-otp/reference\0${verificationId}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
