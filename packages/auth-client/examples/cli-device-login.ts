// examples/cli-device-login.ts
import { AuthClient } from '@lingpai/auth-client';

const issuer = process.env.LINGPAI_ISSUER ?? 'http://127.0.0.1:8080';
const auth = new AuthClient({ issuer, clientId: 'lingpai' });
const login = await auth.startDeviceLogin({ scope: 'user' });
console.log(`Open ${login.verification_uri} and enter ${login.user_code}`);
// Polls at `interval` (+5 s after each slow_down) until approved, denied or expired.
const credentials = await login.wait(AbortSignal.timeout(login.expires_in * 1_000));
console.log(`signed in as ${credentials.sub}; the session refreshes by itself`);
