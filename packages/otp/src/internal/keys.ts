import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RandomBytes } from '@lingpai/auth-core';
import { OtpError } from '../errors.js';

const MIN_SECRET_BYTES = 32;
const TOKEN_BYTES = 32;
// 64 tokens per call to the random source: one CSPRNG call costs as much as several HMACs, and the
// Redis store draws a token on every try (right or wrong). Each byte is handed out once.
const TOKEN_POOL_BYTES = 64 * TOKEN_BYTES;

function derive(secret: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), `lingpai-otp/${label}`, 32));
}

/**
 * Every key this package uses, derived from one server secret with HKDF so a leak of one (say, the
 * key that names store entries) says nothing about the others.
 */
export class OtpKeys {
  readonly #codeKey: Buffer;
  readonly #nameKey: Buffer;
  readonly #sealKey: Buffer;
  readonly #tokenKey: Buffer;
  readonly #random: RandomBytes;
  #tokenPool: Uint8Array = new Uint8Array(0);
  #tokenOffset = 0;

  constructor(secret: string | Uint8Array, random: RandomBytes) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new OtpError(
        'OTP_INVALID_ARGUMENT',
        `VerificationService: \`secret\` is ${bytes.length} bytes; at least ${MIN_SECRET_BYTES} required (e.g. \`openssl rand -base64 48\`)`,
      );
    }
    this.#codeKey = derive(bytes, 'code');
    this.#nameKey = derive(bytes, 'name');
    this.#sealKey = derive(bytes, 'seal');
    this.#tokenKey = derive(bytes, 'token');
    this.#random = random;
  }

  /** A fresh verification token: 256 random bits, base64url (43 characters). */
  newToken(): string {
    if (this.#tokenOffset + TOKEN_BYTES > this.#tokenPool.length) {
      const pool = this.#random(TOKEN_POOL_BYTES);
      if (pool.length < TOKEN_POOL_BYTES)
        throw new OtpError('OTP_INVALID_ARGUMENT', 'random source ran short');
      this.#tokenPool = pool;
      this.#tokenOffset = 0;
    }
    const start = this.#tokenPool.byteOffset + this.#tokenOffset;
    this.#tokenOffset += TOKEN_BYTES;
    return Buffer.from(this.#tokenPool.buffer, start, TOKEN_BYTES).toString('base64url');
  }

  /** HMAC-SHA256 of the code, bound to the verification id so a hash is useless for any other id. */
  codeHash(verificationId: string, code: string): string {
    return createHmac('sha256', this.#codeKey).update(`${verificationId}\0${code}`).digest('base64url');
  }

  /** Constant-time comparison of two code hashes. */
  static hashesEqual(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  }

  /** A store key name for a personal value (phone, email, IP): 128 bits of HMAC, never the value. */
  name(kind: string, value: string): string {
    return createHmac('sha256', this.#nameKey)
      .update(`${kind}\0${value}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  /**
   * Binds a stored verification token to its store key, verification id and expiry, so an entry
   * copied to another token's key (or edited) is refused. The recipient itself stays sealed to the
   * verification id (`record:<id>`), so the pair is bound end to end without a second seal.
   */
  tokenTag(tokenKey: string, verificationId: string, expiresAt: string): string {
    return createHmac('sha256', this.#tokenKey)
      .update(`${tokenKey}\0${verificationId}\0${expiresAt}`)
      .digest('base64url');
  }

  /** AES-256-GCM so the recipient can be kept in the store without being readable there. */
  seal(plaintext: string, context: string): string {
    const iv = Buffer.from(this.#random(12));
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Undoes `seal`; undefined when the data was not sealed by this secret for this context. */
  open(sealed: string, context: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
