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

-- One send, in one round trip: the caps' window rows are locked in key order (missing ones
-- inserted as expired placeholders first), then the cooldown row; if the cooldown or any cap
-- blocks, nothing changes and the blocker that frees up last is returned; otherwise every window
-- counts the send, the cooldown starts, the code is stored and the latest pointer moves to it.
-- One call per send keeps the hot rows (the per-channel and per-country windows every send
-- touches) locked for the function's run only, not for several client round trips.
CREATE FUNCTION otp_create_verification(
  p_now timestamptz,
  p_keys text[],
  p_names text[],
  p_max integer[],
  p_window_ms bigint[],
  p_cooldown_key text,
  p_cooldown_ms bigint,
  p_id text,
  p_code_hash text,
  p_max_attempts integer,
  p_expires_at timestamptz,
  p_latest_key text,
  p_data text,
  p_drop_at timestamptz
) RETURNS TABLE (blocked_by text, retry_after_ms bigint)
LANGUAGE plpgsql AS $$
DECLARE
  w record;
  v_blocked text := '';
  v_retry bigint := 0;
  v_until timestamptz;
  v_left bigint;
BEGIN
  INSERT INTO otp_windows (key, count, reset_at)
    SELECT k, 0, to_timestamp(0) FROM unnest(p_keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
  PERFORM 1 FROM otp_windows WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE;
  IF p_cooldown_key IS NOT NULL THEN
    SELECT until INTO v_until FROM otp_pointers WHERE key = p_cooldown_key FOR UPDATE;
    IF v_until IS NOT NULL AND v_until > p_now THEN
      v_blocked := 'cooldown';
      v_retry := round(extract(epoch FROM (v_until - p_now)) * 1000)::bigint;
    END IF;
  END IF;
  FOR w IN
    SELECT ow.count, ow.reset_at, u.name, u.max
    FROM otp_windows ow JOIN unnest(p_keys, p_names, p_max) AS u(key, name, max) ON u.key = ow.key
    ORDER BY ow.key
  LOOP
    IF w.reset_at > p_now AND w.count >= w.max THEN
      v_left := round(extract(epoch FROM (w.reset_at - p_now)) * 1000)::bigint;
      IF v_left > v_retry THEN
        v_blocked := w.name;
        v_retry := v_left;
      END IF;
    END IF;
  END LOOP;
  IF v_blocked <> '' THEN
    RETURN QUERY SELECT v_blocked, v_retry;
    RETURN;
  END IF;

  INSERT INTO otp_windows AS ow (key, count, reset_at)
    SELECT u.key, 1, p_now + u.window_ms * interval '1 millisecond'
    FROM unnest(p_keys, p_window_ms) AS u(key, window_ms) ORDER BY u.key
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN ow.reset_at <= p_now THEN 1 ELSE ow.count + 1 END,
    reset_at = CASE WHEN ow.reset_at <= p_now THEN EXCLUDED.reset_at ELSE ow.reset_at END;
  IF p_cooldown_key IS NOT NULL THEN
    INSERT INTO otp_pointers (key, verification_id, until, drop_at)
      VALUES (p_cooldown_key, p_id, p_now + p_cooldown_ms * interval '1 millisecond',
              p_now + p_cooldown_ms * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET verification_id = EXCLUDED.verification_id,
      until = EXCLUDED.until, drop_at = EXCLUDED.drop_at;
  END IF;
  INSERT INTO otp_codes (id, code_hash, max_attempts, expires_at, latest_key, data, drop_at)
    VALUES (p_id, p_code_hash, p_max_attempts, p_expires_at, p_latest_key, p_data, p_drop_at);
  INSERT INTO otp_pointers (key, verification_id, until, drop_at)
    VALUES (p_latest_key, p_id, NULL, p_drop_at)
  ON CONFLICT (key) DO UPDATE SET verification_id = EXCLUDED.verification_id, until = NULL,
    drop_at = EXCLUDED.drop_at;
  RETURN QUERY SELECT ''::text, 0::bigint;
END;
$$;

-- One try at a code, in one round trip: the code's row is locked for the function's run only, so
-- N concurrent guesses are counted exactly N times (up to max_attempts) and at most one wins. The
-- stored and typed HMACs are compared through SHA-256 of each, so the comparison's timing says
-- nothing about the stored value. The token row is written only on a match.
CREATE FUNCTION otp_attempt(
  p_id text,
  p_now timestamptz,
  p_code_hash text,
  p_token_key text,
  p_token_head text,
  p_token_drop_at timestamptz
) RETURNS TABLE (status text, attempts integer, max_attempts integer)
LANGUAGE plpgsql AS $$
DECLARE
  r otp_codes%ROWTYPE;
  v_latest text;
BEGIN
  SELECT * INTO r FROM otp_codes WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR r.drop_at <= p_now THEN
    RETURN QUERY SELECT 'not_found'::text, 0, 0;
    RETURN;
  END IF;
  IF r.used THEN
    RETURN QUERY SELECT 'used'::text, r.attempts, r.max_attempts;
    RETURN;
  END IF;
  IF p_now >= r.expires_at THEN
    RETURN QUERY SELECT 'expired'::text, r.attempts, r.max_attempts;
    RETURN;
  END IF;
  SELECT verification_id INTO v_latest FROM otp_pointers WHERE key = r.latest_key;
  IF v_latest IS DISTINCT FROM p_id THEN
    RETURN QUERY SELECT 'superseded'::text, r.attempts, r.max_attempts;
    RETURN;
  END IF;
  IF r.attempts >= r.max_attempts THEN
    RETURN QUERY SELECT 'locked'::text, r.attempts, r.max_attempts;
    RETURN;
  END IF;
  IF sha256(convert_to(r.code_hash, 'UTF8')) <> sha256(convert_to(p_code_hash, 'UTF8')) THEN
    UPDATE otp_codes SET attempts = otp_codes.attempts + 1 WHERE id = p_id;
    RETURN QUERY SELECT 'wrong'::text, r.attempts + 1, r.max_attempts;
    RETURN;
  END IF;
  UPDATE otp_codes SET attempts = otp_codes.attempts + 1, used = true WHERE id = p_id;
  INSERT INTO otp_tokens (key, value, drop_at) VALUES (p_token_key, p_token_head || r.data, p_token_drop_at);
  RETURN QUERY SELECT 'verified'::text, r.attempts + 1, r.max_attempts;
END;
$$;
