-- xepc-orcd store, migration 2: API tokens may expire.
-- expires_at is a Unix time; 0 means the token does not expire.  A token
-- past it is refused like an unknown one (and the web UI's sessions made
-- with it end with it).
ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
