-- Social login (issue 9). A platform identity is keyed by `subject`: the platform's cross-app id
-- (unionid) where it sent one, else an id that is global on that platform (GitHub id, Google sub,
-- Weibo uid), else the per-app id scoped by the app (`<app id>/<openid>`), so two apps' openids can
-- never collide. Each app's openid is kept in `open_ids` (platform app id → openid), so a login that
-- had only an openid before the app was bound to an Open Platform account still finds its user.
-- Identities are never linked by a platform's email or phone.
CREATE TABLE user_identities (
  platform text NOT NULL,
  subject text NOT NULL,
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  -- The configured provider id (CloudBase `provider_id`, e.g. `wechat`) the identity was bound through.
  provider_id text NOT NULL,
  union_id text,
  open_ids jsonb NOT NULL DEFAULT '{}',
  name text,
  picture text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_signin_at timestamptz,
  PRIMARY KEY (platform, subject)
);
-- One identity per configured provider per user: DELETE /auth/v1/user/provider/:id names it.
CREATE UNIQUE INDEX user_identities_user_provider ON user_identities (user_sub, provider_id);
CREATE INDEX user_identities_open_ids ON user_identities USING gin (open_ids);

-- GET /auth/v1/provider/uri: one pending platform login. `state_hash` is SHA-256 of (client, state);
-- the PKCE verifier is derived from it with the server's HMAC key, so nothing secret is stored.
-- Single use: one UPDATE … SET consumed_at … WHERE consumed_at IS NULL RETURNING.
CREATE TABLE provider_states (
  state_hash text PRIMARY KEY,
  client_id text NOT NULL,
  provider_id text NOT NULL,
  redirect_uri text NOT NULL,
  device_id text NOT NULL DEFAULT '',
  app_state text,
  -- Set when the login page (an /auth/v1/authorize interaction) started this login: the
  -- interaction's id hash, and its id sealed (AES-GCM, key from the server secret) so the platform's
  -- callback can send the browser back to that login page.
  interaction_id_hash text,
  interaction_sealed text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX provider_states_pending ON provider_states (client_id, provider_id, device_id, created_at)
  WHERE consumed_at IS NULL;

-- POST /auth/v1/provider/token: an opaque, single-use provider_token standing for a verified
-- platform identity (SHA-256 at rest), bound to the client and device that asked for it.
CREATE TABLE provider_tokens (
  hash text PRIMARY KEY,
  client_id text NOT NULL,
  device_id text NOT NULL DEFAULT '',
  provider_id text NOT NULL,
  identity jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
