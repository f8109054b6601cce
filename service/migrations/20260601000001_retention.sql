-- Retention: finished deliveries and their events are deleted after a while, in small batches.
-- Same portable statements as the others.

-- A finished delivery's `next_attempt_at` is when it finished (the spec's nextAttemptDateTime),
-- which lets retention find old finished rows on the claim's index (state, next_attempt_at)
-- instead of maintaining another index on every finish. Cancellation used to leave the
-- schedule of the attempt it cancelled there; this aligns those rows.
UPDATE deliveries SET next_attempt_at = finished
WHERE state = 'cancelled' AND finished IS NOT NULL AND next_attempt_at <> finished;

-- Whether an event still has a delivery, by event.
CREATE INDEX deliveries_event ON deliveries (event_id);
-- Old events, oldest first.
CREATE INDEX events_enqueued ON events (enqueued, id);
