-- xepc-orcd store, migration 3: the change log that gateways sync from
-- (docs/orchestrator.md, "Config sync").
--
-- Each network has a head: the sequence number of its latest change, and a
-- stream id (random, made when the head is created) that tells a gateway
-- whether the sequence numbers it holds are from this log at all.  A write
-- to an object that gateways sync (network, gateway, apn, subscriber,
-- policy, base_name, rating_group, qos_profile) takes the next number of
-- its network's head in the same transaction: the row lock on the head
-- orders the writers of one network, so numbers become visible in
-- increasing order (a reader that saw head N sees every change <= N).
CREATE TABLE change_head (
    network TEXT   NOT NULL PRIMARY KEY,
    seq     BIGINT NOT NULL,
    stream  TEXT   NOT NULL
);

-- One row per object that changed: the latest change only (an object
-- changed twice moves to the newer number), so the log never holds more
-- rows than objects ever existed, and "the changes after N" is what a
-- gateway at N needs, each object once.  op is 'put' (the object's
-- current body is in objects) or 'delete'.
CREATE TABLE changes (
    network TEXT   NOT NULL,
    seq     BIGINT NOT NULL,
    kind    TEXT   NOT NULL,
    id      TEXT   NOT NULL,
    op      TEXT   NOT NULL,
    PRIMARY KEY (network, seq)
);
CREATE UNIQUE INDEX changes_object ON changes (network, kind, id);
