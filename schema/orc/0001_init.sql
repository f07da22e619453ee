-- xepc-orcd store, migration 1: resources, API tokens, audit log.
-- The same file runs on SQLite and PostgreSQL: @SERIAL@ becomes
-- "INTEGER PRIMARY KEY AUTOINCREMENT" (SQLite) or "BIGSERIAL PRIMARY KEY"
-- (PostgreSQL); everything else is the common subset of both.

-- Every REST resource is one row: its kind ('network', 'gateway',
-- 'subscriber', ...), the network it belongs to ('' for a network itself),
-- its id (IMSI for subscribers), a version that every write increments
-- (the ETag), and its JSON document (write-only fields included; the API
-- never returns them).
CREATE TABLE objects (
    kind       TEXT   NOT NULL,
    network    TEXT   NOT NULL,
    id         TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, network, id)
);

-- API tokens: the secret is never stored, only its SHA-256 (hex); the
-- token id is the public part of the token ("xo_<id>_<secret>").
CREATE TABLE tokens (
    id         TEXT   NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    scope      TEXT   NOT NULL,
    hash       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Every write request (POST, PUT, PATCH, DELETE), answered or refused.
CREATE TABLE audit (
    seq      @SERIAL@,
    at       BIGINT NOT NULL,
    token_id TEXT   NOT NULL,
    client   TEXT   NOT NULL,
    method   TEXT   NOT NULL,
    path     TEXT   NOT NULL,
    status   INTEGER NOT NULL,
    detail   TEXT   NOT NULL
);
