-- xepc-agwd's copy of the configuration the orchestrator gave it
-- (userspace/agw/orc_apply.c; docs/orchestrator.md "The gateway's side"):
-- the last good configuration, kept across restarts and used while orcd is
-- unreachable.  Subscribers also go into the local HSS's tables
-- (0001_subscribers.sql), where the MME reads them at each attach.

-- One row: the version ("<stream>.<seq>", '' before the first full sync)
-- the stored objects are at, and the generation of the last full sync.
CREATE TABLE orc_sync (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     TEXT NOT NULL,
    gen         INTEGER NOT NULL,
    applied_at  INTEGER NOT NULL      -- unix seconds
);
INSERT INTO orc_sync (id, version, gen, applied_at) VALUES (1, '', 0, 0);

-- Every synced object (network, gateway, apn, qos_profile, rating_group,
-- policy, base_name, subscriber) as orcd sent it, subscriber keys removed
-- (they are in subscribers).  gen: the full sync that last wrote or kept
-- it; a full sync ends by deleting what it did not see.  A subscriber with
-- a row here is managed by the orchestrator; one without (xepcctl
-- subscriber) is left alone.
CREATE TABLE orc_object (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    body    TEXT NOT NULL,
    gen     INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX orc_object_gen ON orc_object (gen);
