// Request and response shapes of the /auth/v1 API, as CloudBase documents them and the token server
// answers them (snake_case, the wire's own names). Open-ended where the server may add fields.

export type VerificationUsage =
  | 'SIGN_IN'
  | 'REGISTER'
  | 'PASSWORD_RESET'
  | 'EMAIL_ADDRESS_CHANGE'
  | 'PHONE_NUMBER_CHANGE'
  | 'SUDO';

export interface VerificationRequest {
  phone_number?: string;
  email?: string;
  target?: 'ANY' | 'USER' | 'NOT_USER' | 'CUR_USER';
  usage?: VerificationUsage;
  locale?: string;
}

export interface VerificationResponse {
  verification_id: string;
  expires_in: number;
  is_user?: boolean;
  /** Ours: the server-enforced cooldown before a resend. */
  resend_after_seconds?: number;
}

export type SignInRequest =
  | { username: string; password: string }
  | { verification_token: string; verification_code?: string };

export interface SignUpRequest {
  phone_number?: string;
  email?: string;
  verification_token?: string;
  provider_token?: string;
  username?: string;
  password?: string;
  name?: string;
  gender?: 'MALE' | 'FEMALE';
  picture?: string;
  locale?: string;
  [field: string]: unknown;
}

export interface ResetPasswordRequest {
  phone_number?: string;
  email?: string;
  new_password: string;
  verification_token: string;
}

export interface ProviderTokenRequest {
  provider_id: string;
  provider_code?: string;
  provider_redirect_uri?: string;
  state?: string;
  [field: string]: unknown;
}

export interface ProviderTokenResponse {
  provider_token: string;
  expires_in: number;
  provider_profile?: { provider_id: string; name?: string; picture?: string; email?: string };
}

/** `GET /auth/v1/user/me` — CloudBase's `UserProfile`; absent fields are omitted, never null. */
export interface UserProfile {
  sub: string;
  name?: string;
  picture?: string;
  username?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  gender?: string;
  locale?: string;
  providers?: { id: string; provider_user_id: string; name?: string; picture?: string }[];
  status?: 'ACTIVE' | 'PENDING' | 'BLOCKED' | string;
  groups?: { id: string }[];
  created_at?: string;
  updated_at?: string;
  is_anonymous?: boolean;
  has_password?: boolean;
  [field: string]: unknown;
}

export interface ProfileUpdate {
  name?: string | null;
  picture?: string | null;
  gender?: 'MALE' | 'FEMALE' | 'UNKNOWN' | null;
  locale?: string | null;
  username?: string;
}

export interface EditContactRequest {
  phone_number?: string;
  email?: string;
  verification_token: string;
  sudo_token?: string;
  conflict_resolution?: string;
}

export interface ProviderBinding {
  id: string;
  name: string;
  bind: boolean;
  provider_user_id?: string;
  provider_user_name?: string;
}

/** One refresh family of the user (`GET /auth/v1/user/sessions`). */
export interface UserSession {
  id: string;
  client_id: string;
  client_name?: string;
  device_id?: string;
  created_at: string;
  last_used_at?: string;
  auth_time?: string;
  amr?: string[];
  expires_at?: string;
  current: boolean;
  [field: string]: unknown;
}

export interface Page<T> {
  data: T[];
  next_cursor?: string;
}

export interface AdminUser {
  sub: string;
  username?: string;
  name?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  email?: string;
  email_verified?: boolean;
  status: string;
  groups?: string[] | { id: string }[];
  is_anonymous?: boolean;
  has_password?: boolean;
  created_at: string;
  updated_at?: string;
  last_seen_at?: string;
  [field: string]: unknown;
}

export interface AdminUserQuery {
  sub?: string;
  username?: string;
  phone_number?: string;
  email?: string;
  status?: 'ACTIVE' | 'PENDING' | 'BLOCKED';
  created_from?: string;
  created_to?: string;
  limit?: number;
  cursor?: string;
}

export interface AdminUserCreate {
  username?: string;
  phone_number?: string;
  email?: string;
  password?: string;
  name?: string;
  groups?: string[];
}

export interface AuditQuery {
  sub?: string;
  client_id?: string;
  kind?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  kind: string;
  client_id?: string;
  sub?: string;
  ip?: string;
  detail: Record<string, unknown>;
}
