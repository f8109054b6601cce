-- Delivery history: one row per attempt made (an attempt cut short by a crash leaves none), so
-- the owner can see every try of a delivery. Same portable conventions as the others: ids and
-- timestamps are TEXT (RFC 3339 UTC with microseconds), flags and counters INTEGER.
CREATE TABLE delivery_attempts (
    -- The delivery (its `messageId`).
    delivery_id TEXT NOT NULL,
    -- 1, 2, ... in the order the attempts were made, across resends and recoveries.
    seq INTEGER NOT NULL,
    -- When the request was started.
    attempted TEXT NOT NULL,
    -- The receiver's HTTP status, NULL when none came.
    status INTEGER,
    -- NULL on success; status | timeout | connection | refused
    error_kind TEXT,
    error TEXT,
    latency_ms INTEGER NOT NULL,
    -- The first bytes of the receiver's answer (text), and whether there was more.
    response TEXT,
    response_truncated INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, seq)
);

-- Attempts made over the delivery's whole life: `attempts` restarts at 0 when a delivery is
-- resent or recovered (it drives the retry schedule), this one never does.
ALTER TABLE deliveries ADD COLUMN attempt_count INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET attempt_count = attempts;

-- A webhook's deliveries, newest first, a page at a time (keyset on created, id).
CREATE INDEX deliveries_webhook_created ON deliveries (webhook_id, created, id);
