-- The local policy's finite rating groups with a period (docs/charging.md
-- "Local policy"): the subscriber's allowance per UTC day or month, shared
-- by its PDN connections.  A PDN connection reserves what is left of it
-- when its quota goes into the kernel (local_quota: used grows by the
-- reservation) and gives back what the kernel has left of it when it ends;
-- written in the loop iteration's transaction.
CREATE TABLE local_quota (
    imsi         TEXT NOT NULL,
    rating_group INTEGER NOT NULL,     -- Rating-Group (RFC 4006 8.29)
    period       INTEGER NOT NULL,     -- the period's start, UTC, Unix seconds
    used         INTEGER NOT NULL,     -- bytes used or reserved in that period
    PRIMARY KEY (imsi, rating_group)
);
CREATE TABLE local_quota_sess (
    ul_teid      INTEGER NOT NULL,     -- the PDN connection's uplink TEID
    rating_group INTEGER NOT NULL,
    imsi         TEXT NOT NULL,
    period       INTEGER NOT NULL,     -- the period the reservation is of
    reserved     INTEGER NOT NULL,     -- bytes put into the kernel's quota
    PRIMARY KEY (ul_teid, rating_group)
);
