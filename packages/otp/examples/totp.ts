// examples/totp.ts
import { MemoryStore } from '@lingpai/auth-core';
import {
  base32Encode,
  buildOtpAuthUri,
  createReplayGuard,
  generateSecret,
  totp,
  verifyTotp,
} from '@lingpai/otp';

// Enrolment: 20 random bytes; store base32Encode(secret) with the user, show the URI as a QR code.
const secret = generateSecret();
const stored = base32Encode(secret);
const uri = buildOtpAuthUri({ type: 'totp', issuer: 'Lingpai', account: 'zhang@example.com', secret });
console.log(uri); // otpauth://totp/Lingpai:zhang%40example.com?secret=…&issuer=Lingpai&algorithm=SHA1&digits=6&period=30

// Sign-in: the secret as bytes or as the stored base32 text; the guard refuses a code used before.
const userId = 'user-42';
const replayGuard = createReplayGuard({
  store: new MemoryStore() /* or RedisStore from @lingpai/redis */,
  key: `totp:${userId}`,
});
const token = totp({ secret: stored }); // what the authenticator app shows now
const { valid, delta, step } = await verifyTotp({ secret: stored, token, replayGuard });
console.log(JSON.stringify({ valid, delta, step })); // {"valid":true,"delta":0,"step":…}
console.log((await verifyTotp({ secret, token, replayGuard })).valid); // false: replayed
