-- Endpoint health: why and since when the service deactivated a webhook, and since when its
-- deliveries have failed without a success in between. Same portable statements as the others;
-- existing rows get NULLs: no reason, not failing.
-- Gone | Failing; NULL while active or when the owner deactivated it.
ALTER TABLE webhooks ADD COLUMN deactivation_reason TEXT;
-- When the webhook was last deactivated (by its owner or by the service).
ALTER TABLE webhooks ADD COLUMN deactivated TEXT;
-- The first failed attempt after the last success; NULL after a success (or before any failure).
ALTER TABLE webhooks ADD COLUMN failing_since TEXT;
