export type { Sandbox, SandboxOptions } from './create-sandbox.js';
export { createSandbox } from './create-sandbox.js';
export type { Fault } from './faults.js';
export { FaultSwitches } from './faults.js';
export type {
  OauthPlatform,
  OauthSandbox,
  OauthSandboxOptions,
  OauthStats,
  SandboxOauthApp,
  SandboxOauthIds,
  SandboxOauthUser,
} from './oauth/index.js';
export {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_APP_PUBLIC_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  OAUTH_PLATFORMS,
  SANDBOX_OAUTH_DEFAULTS,
  sandboxOauthIds,
} from './oauth/index.js';
export type { SandboxContext } from './sandbox-context.js';
