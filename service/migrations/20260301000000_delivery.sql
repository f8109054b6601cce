-- Event delivery: published events and their outbox, one row per (event, matching webhook).
-- Same portable conventions as the first migration: ids and timestamps are TEXT (RFC 3339 UTC
-- with microseconds, so text order is time order), counters are INTEGER.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    -- The publisher's client id: account events go to that account's Account webhooks.
    publisher TEXT NOT NULL,
    event_type TEXT NOT NULL,
    itwin_id TEXT,
    -- The event's `content` object as JSON.
    content TEXT NOT NULL,
    enqueued TEXT NOT NULL
);

CREATE TABLE deliveries (
    -- The envelope's `messageId`: the same on every attempt.
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    -- pending | delivered | failed | cancelled
    state TEXT NOT NULL,
    -- Attempts finished so far (an attempt cut short by a crash is not counted).
    attempts INTEGER NOT NULL,
    -- Not before this time; the retry schedule lives here, not in a worker's memory.
    next_attempt_at TEXT NOT NULL,
    -- A worker's lease: the row is its until then, and anyone's again afterwards (a killed
    -- worker's rows come back by themselves).
    claimed_until TEXT,
    -- Which claim holds the lease, so a worker whose lease ran out cannot overwrite a newer one.
    claim_token TEXT,
    -- The exact JSON body sent (and signed) on every attempt.
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    finished TEXT,
    last_status INTEGER,
    last_error TEXT
);

-- The workers' claim: due pending rows in time order.
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, state);

-- Matching an iTwin event finds the webhooks of that iTwin.
CREATE INDEX webhooks_scope_id ON webhooks (scope_id);
