// examples/errors.ts
import { AuthClient, AuthClientError } from '@lingpai/auth-client';

const auth = new AuthClient({
  issuer: process.env.LINGPAI_ISSUER ?? 'http://127.0.0.1:8080',
  clientId: 'lingpai',
});
try {
  await auth.signIn({ username: 'zhangsan', password: 'wrong password' });
} catch (error) {
  if (!(error instanceof AuthClientError)) throw error;
  // The server's code, CloudBase's number, the HTTP status: 'invalid_username_or_password' 4043 400
  console.log(error.error, error.errorCode, error.status);
}
// Signed out is a typed error too, never a TypeError.
const signedOut = await auth.getAccessToken().catch((error: AuthClientError) => error.error);
console.log(signedOut); // 'unauthenticated'
