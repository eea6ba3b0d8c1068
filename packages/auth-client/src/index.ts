export type * from './api-types.js';
export {
  AuthClient,
  type AuthClientOptions,
  type CallOptions,
  type ChangeEvent,
  type ChangeListener,
  type Clock,
  type RequestOptions,
} from './auth-client.js';
export { AuthClientError, isTransient } from './auth-client-error.js';
export {
  type AuthStorage,
  localStorageAdapter,
  type MaybePromise,
  memoryStorage,
  type WebStorageLike,
} from './auth-storage.js';
export { type Credentials, parseCredentials, type TokenResponse } from './credentials.js';
export { DEVICE_CODE_GRANT, type DeviceAuthorization, type DeviceLogin } from './device-login.js';
export type {
  DeviceInteractionView,
  InteractionApi,
  InteractionResult,
  InteractionView,
  LoginMethod,
} from './interaction-api.js';
export { createPkce, type Pkce, pkceChallenge } from './pkce.js';
