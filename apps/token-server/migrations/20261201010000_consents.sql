-- What a user agreed to let a client have, so a second /auth/v1/authorize for the same or fewer scopes
-- skips the consent screen (OIDC Core §3.1.2.4). first_party clients never ask; `prompt=consent` always does.
CREATE TABLE consents (
  user_sub text NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
  client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  scopes jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_sub, client_id)
);
