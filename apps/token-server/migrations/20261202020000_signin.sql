-- Issue 9, accounts: sign-in, sign-up, anonymous users.
--
-- `last_seen_at`: the last sign-in of the user (every /auth/v1/signin* path writes it). The sweeper
-- deletes anonymous users idle past the configured horizon — no sign-in and no refresh since — so
-- anyone able to call /auth/v1/signin/anonymously cannot grow the users table without bound.
ALTER TABLE users ADD COLUMN last_seen_at timestamptz;
CREATE INDEX users_anonymous_last_seen ON users (last_seen_at) WHERE is_anonymous;

-- Room for the TOTP second factor (a later issue): a user flagged here is answered
-- `two_factor_required` by every sign-in path until that step exists and proves itself (`mfa`).
ALTER TABLE users ADD COLUMN two_factor_enabled boolean NOT NULL DEFAULT false;

-- A sign-up that tried to upgrade an anonymous user but found the identity (phone, email, platform)
-- already someone's: nothing is merged; the next sign-in of that someone on the same client and
-- device answers `anonymous_sub`, once, so the app can move the anonymous user's data itself.
CREATE TABLE anonymous_handoffs (
  anonymous_sub text PRIMARY KEY REFERENCES users (sub) ON DELETE CASCADE,
  target_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  client_id text NOT NULL,
  device_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX anonymous_handoffs_target ON anonymous_handoffs (target_sub, client_id, device_id);

-- A `SIGN_IN` verification token redeemed by /auth/v1/signin for a contact with no account: the
-- answer is `user_not_found`, and the same token string stays good for exactly one /auth/v1/signup
-- of that contact on that client (CloudBase's flow: sign in, else sign up with the same token).
-- Keyed by the token's SHA-256, single use (DELETE … RETURNING in the sign-up's transaction); the
-- proven address is sealed under a key derived from the token, so the row alone names nobody.
CREATE TABLE signup_tickets (
  token_hash text PRIMARY KEY,
  client_id text NOT NULL,
  contact_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX signup_tickets_expires ON signup_tickets (expires_at);
CREATE INDEX anonymous_handoffs_expires ON anonymous_handoffs (expires_at);
