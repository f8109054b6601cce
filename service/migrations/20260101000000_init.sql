-- Portable DDL: the same statements run on SQLite and PostgreSQL. Ids and timestamps are TEXT
-- (UUIDs, and RFC 3339 in UTC with microseconds, so text order is time order); `active` is an
-- INTEGER 0/1, since sqlx's Any driver decodes no SQLite BOOLEAN.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_id TEXT,
    active INTEGER NOT NULL,
    callback_url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    expiration_date_time TEXT
);

CREATE INDEX webhooks_owner ON webhooks (owner, created);

CREATE TABLE grants (
    client_id TEXT NOT NULL,
    itwin_id TEXT NOT NULL,
    PRIMARY KEY (client_id, itwin_id)
);
