-- Sessions that ended together with their rows: deleting a user deletes its refresh_families
-- (ON DELETE CASCADE), but the access tokens of those sessions live on for up to an access-token
-- lifetime, and an instance that missed the NOTIFY re-reads ended sessions from the database. Their
-- sids are kept here, written by the application's clock, until no access token of theirs can live.
CREATE TABLE ended_sessions (
  sid text PRIMARY KEY,
  ended_at timestamptz NOT NULL
);
CREATE INDEX ended_sessions_ended_at ON ended_sessions (ended_at);
