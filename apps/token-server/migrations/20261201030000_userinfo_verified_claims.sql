-- OIDC Core §5.1 `email_verified` and `phone_number_verified` for /auth/v1/userinfo. False until a
-- flow proves the address (a verification code, a provider that vouches for it): an operator typing
-- an address into `user add` has not verified it, and userinfo must not say otherwise.
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN phone_number_verified boolean NOT NULL DEFAULT false;
