-- Verification codes (issue 9): the PostgreSQL OtpStore of @lingpai/otp, used when REDIS_URL is
-- unset, so caps, cooldowns and single-use tokens hold across every instance sharing the database.
-- Nothing here is a code, a phone number or an email: keys are HMACs, `data` is sealed by the service.

CREATE TABLE otp_codes (
  id text PRIMARY KEY,
  code_hash text NOT NULL,
  max_attempts integer NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used boolean NOT NULL DEFAULT false,
  expires_at timestamptz NOT NULL,
  latest_key text NOT NULL,
  data text NOT NULL,
  drop_at timestamptz NOT NULL
);
CREATE INDEX otp_codes_drop_at ON otp_codes (drop_at);

-- "Only the latest code is valid" pointers (until IS NULL) and resend cooldowns (until set).
CREATE TABLE otp_pointers (
  key text PRIMARY KEY,
  verification_id text NOT NULL,
  until timestamptz,
  drop_at timestamptz NOT NULL
);
CREATE INDEX otp_pointers_drop_at ON otp_pointers (drop_at);

-- Fixed-window send caps.
CREATE TABLE otp_windows (
  key text PRIMARY KEY,
  count integer NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX otp_windows_reset_at ON otp_windows (reset_at);

-- Verification tokens, deleted when redeemed.
CREATE TABLE otp_tokens (
  key text PRIMARY KEY,
  value text NOT NULL,
  drop_at timestamptz NOT NULL
);
CREATE INDEX otp_tokens_drop_at ON otp_tokens (drop_at);
