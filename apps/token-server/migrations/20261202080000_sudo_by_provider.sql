-- A sudo_token may also come from a fresh platform login of an identity bound to the account: an
-- account whose only sign-in method is a platform has no password or code to prove itself with.
ALTER TABLE sudo_tokens DROP CONSTRAINT sudo_tokens_method_check;
ALTER TABLE sudo_tokens ADD CONSTRAINT sudo_tokens_method_check CHECK (method IN ('pwd', 'otp', 'provider'));
