-- Fair delivery: at most N deliveries of one webhook in flight across every process. Same
-- portable statements as the others (SQLite and PostgreSQL both take partial indexes).

-- Counting a webhook's deliveries in flight (a lease that has not run out) reads only the rows
-- that have a lease at all: `record`, `cancel_pending` and `replay` clear it, so this index holds
-- the few rows being attempted now (and those of a worker that died, until they are claimed
-- again), never a webhook's history.
CREATE INDEX deliveries_in_flight ON deliveries (webhook_id, claimed_until)
WHERE claimed_until IS NOT NULL;

-- When one webhook is at its limit with a long backlog, the claim looks past that backlog one
-- webhook at a time: the webhooks with pending rows (a skip over this index, one seek each), and
-- each one's earliest due rows. Only pending rows are in it, so a webhook's finished history is
-- never walked over. It replaces (webhook_id, state), which held an entry for every row,
-- finished ones included: cancelling a webhook's pending rows is served by this one, and
-- recovering a webhook's failed rows in a time range by (webhook_id, created, id).
CREATE INDEX deliveries_pending ON deliveries (webhook_id, next_attempt_at)
WHERE state = 'pending';
DROP INDEX deliveries_webhook;
