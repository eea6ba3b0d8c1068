-- A sudo_token (POST /auth/v1/user/sudo): proof that the signed-in user re-checked a password or a
-- code moments ago, required by the sensitive changes (password, contact, deletion). Stored as the
-- SHA-256 of a 256-bit opaque token, bound to the user and to the session it was minted in, single
-- use (consumed_at) and short-lived. Ending the session or deleting the user takes it along.
CREATE TABLE sudo_tokens (
  hash text PRIMARY KEY,
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  family_id text REFERENCES refresh_families (id) ON DELETE CASCADE,
  method text NOT NULL CHECK (method IN ('pwd', 'otp')),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX sudo_tokens_user ON sudo_tokens (user_sub);
CREATE INDEX sudo_tokens_expires ON sudo_tokens (expires_at);
