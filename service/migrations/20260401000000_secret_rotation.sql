-- Secret rotation: the secret a rotation replaced keeps signing until `previous_secret_until`
-- (RFC 3339 UTC with microseconds, like every timestamp here). Both are NULL when there is no
-- previous secret. The same portable statements run on SQLite and PostgreSQL; existing rows get
-- NULLs, i.e. no grace period, which is what they had.
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until TEXT;
