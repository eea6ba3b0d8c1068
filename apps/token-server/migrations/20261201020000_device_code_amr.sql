-- Device authorization grant (RFC 8628): the approving sign-in's RFC 8176 methods, so the tokens
-- the device receives carry the same `amr` as any other grant from that sign-in.
ALTER TABLE device_codes ADD COLUMN amr jsonb NOT NULL DEFAULT '[]';
