-- Issue 9, interactions: a phone number or email address proven by a code inside an interaction
-- whose owner has no account yet. A code login that finds no user keeps what the code proved here
-- (sealed under the interaction id, like a device user code), so the sign-up step that follows
-- needs no second code; a sign-up takes it in the same transaction that creates the user, so it is
-- used at most once and survives a sign-up refused for, say, a taken username.
ALTER TABLE interactions ADD COLUMN verified_contact text;
