-- lingpai token server: the initial schema. Secrets are never stored in the clear: refresh tokens,
-- codes and client secrets are SHA-256 hashes (base64url) of high-entropy values; passwords are
-- argon2id; signing keys are sealed with AES-256-GCM under a key derived from LINGPAI_SECRET.
-- Times are timestamptz written by the application's clock.

CREATE TABLE clients (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('public', 'confidential')),
  secret_hash text,
  auth_methods jsonb NOT NULL DEFAULT '[]',
  grant_types jsonb NOT NULL DEFAULT '[]',
  scopes jsonb NOT NULL DEFAULT '[]',
  default_scopes jsonb NOT NULL DEFAULT '[]',
  redirect_uris jsonb NOT NULL DEFAULT '[]',
  logout_uris jsonb NOT NULL DEFAULT '[]',
  cors_origins jsonb NOT NULL DEFAULT '[]',
  refresh_grace_seconds integer NOT NULL DEFAULT 0 CHECK (refresh_grace_seconds BETWEEN 0 AND 60),
  first_party boolean NOT NULL DEFAULT false,
  ip_allow jsonb NOT NULL DEFAULT '[]',
  rate_limit_per_minute integer CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
  service_account_sub text UNIQUE,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((kind = 'public') = (secret_hash IS NULL)),
  -- A service account can never look like a user: user subs are digits only.
  CHECK (service_account_sub IS NULL OR service_account_sub !~ '^[0-9]+$')
);

CREATE TABLE users (
  sub text PRIMARY KEY CHECK (sub ~ '^[1-9][0-9]{0,19}$'),
  username text UNIQUE,
  username_display text,
  password_hash text,
  phone_number text UNIQUE,
  email text UNIQUE,
  name text,
  picture text,
  gender text,
  locale text,
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'PENDING', 'BLOCKED')),
  groups jsonb NOT NULL DEFAULT '[]',
  is_anonymous boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  password_changed_at timestamptz
);

-- A refresh family is one sign-in of one user on one client and device: its id is the JWT `sid`.
CREATE TABLE refresh_families (
  id text PRIMARY KEY,
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  client_id text NOT NULL,
  device_id text NOT NULL DEFAULT '',
  scope text NOT NULL,
  auth_time timestamptz NOT NULL,
  amr jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE UNIQUE INDEX refresh_families_one_live ON refresh_families (user_sub, client_id, device_id)
  WHERE revoked_at IS NULL;
CREATE INDEX refresh_families_revoked ON refresh_families (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX refresh_families_user ON refresh_families (user_sub);

CREATE TABLE refresh_tokens (
  hash text PRIMARY KEY,
  family_id text NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  parent_hash text,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  child_hash text,
  -- The child pair sealed under a key derived from this (parent) token, only inside a grace window.
  child_sealed text
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE authorization_codes (
  hash text PRIMARY KEY,
  client_id text NOT NULL,
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  scope text NOT NULL,
  code_challenge text,
  code_challenge_method text,
  nonce text,
  device_id text NOT NULL DEFAULT '',
  auth_time timestamptz NOT NULL,
  amr jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  family_id text
);

CREATE TABLE device_codes (
  hash text PRIMARY KEY,
  user_code_hash text NOT NULL UNIQUE,
  client_id text NOT NULL,
  scope text NOT NULL,
  device_id text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_sub text REFERENCES users (sub) ON DELETE CASCADE,
  granted_scope text,
  auth_time timestamptz,
  interval_seconds integer NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  last_polled_at timestamptz,
  family_id text
);

-- A login page's step: bound to the browser that opened it (hash of an HttpOnly cookie).
CREATE TABLE interactions (
  id_hash text PRIMARY KEY,
  browser_hash text NOT NULL,
  csrf_hash text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('authorize', 'device')),
  client_id text NOT NULL,
  params jsonb NOT NULL,
  user_sub text REFERENCES users (sub) ON DELETE CASCADE,
  auth_time timestamptz,
  amr jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'aborted')),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  completed_at timestamptz
);

CREATE TABLE login_sessions (
  hash text PRIMARY KEY,
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  auth_time timestamptz NOT NULL,
  amr jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX login_sessions_user ON login_sessions (user_sub);

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL CHECK (alg IN ('RS256', 'ES256', 'EdDSA')),
  public_jwk jsonb NOT NULL,
  private_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  activates_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  client_id text,
  sub text,
  ip text,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);

-- Fixed-window counters and lockouts when there is no Redis (several instances on PostgreSQL).
CREATE TABLE limit_counters (
  key text PRIMARY KEY,
  count bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
