import { lazyPage } from '../components/lazy.js';

export const ConsentPage = lazyPage(() => import('./consent-page.js').then((module) => module.ConsentPage));
export const DevicePage = lazyPage(() => import('./device-page.js').then((module) => module.DevicePage));
export const AccountPage = lazyPage(() => import('./account-page.js').then((module) => module.AccountPage));
export const SignUpPage = lazyPage(() => import('./sign-up-page.js').then((module) => module.SignUpPage));
export const ForgotPage = lazyPage(() => import('./forgot-page.js').then((module) => module.ForgotPage));
