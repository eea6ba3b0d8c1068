-- Issue 9, admin: the user list and the audit log, both paged newest first by keyset (never OFFSET),
-- so a page costs one index range however deep it is.
--
-- Users: `GET /auth/v1/admin/users` walks (created_at, sub) descending; the sub breaks ties between
-- users created in the same microsecond, so a cursor names one exact position.
CREATE INDEX users_created ON users (created_at DESC, sub DESC);

-- Audit: by user and by client, each newest first with the id breaking ties (a group commit writes
-- many rows with the same `at`); the time-only walk has `audit_events_at` plus the id.
CREATE INDEX audit_events_sub_at ON audit_events (sub, at DESC, id DESC) WHERE sub IS NOT NULL;
CREATE INDEX audit_events_client_at ON audit_events (client_id, at DESC, id DESC) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_at_id ON audit_events (at DESC, id DESC);
DROP INDEX audit_events_at;
