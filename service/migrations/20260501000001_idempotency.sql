-- Idempotent publishing: the first answer to each (publisher, Idempotency-Key), stored in the
-- same transaction as the event it made. The primary key is what makes two concurrent requests
-- with one key store one event: the second insert waits for the first transaction and fails.
-- Rows older than 24 hours no longer count and are deleted in small batches.
CREATE TABLE idempotency_keys (
    publisher TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 (hex) of the request as decoded, to tell a retry from a different request.
    request_hash TEXT NOT NULL,
    -- The first answer: 202 with this event id and delivery count.
    event_id TEXT NOT NULL,
    deliveries INTEGER NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (publisher, idempotency_key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

-- Keys the service makes for itself and shares between its processes (the continuation-token
-- key): created once by the first process that needs one.
CREATE TABLE service_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
