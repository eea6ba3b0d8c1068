// examples/browser-app.ts
import { AuthClient } from '@lingpai/auth-client';

const issuer = process.env.LINGPAI_ISSUER ?? location.origin; // in a page: your token server's origin
const auth = new AuthClient({ issuer, clientId: 'lingpai' }); // kept in localStorage, shared by the tabs
auth.onChange((event) => console.log(event)); // signed_in, refreshed, signed_out — from any tab
await auth.signIn({ username: 'zhangsan', password: 'DemoPass123!@#' });
const me = await auth.getUserInfo(); // the access token attached, refreshed ahead of expiry
console.log(`hello ${me.name ?? me.username}`);
await auth.signOut();
