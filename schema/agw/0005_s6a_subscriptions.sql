-- xepc-agwd with S6a: the subscription data the HSS sent in the ULA (and
-- IDRs changed) of each located subscriber (TS 29.272 7.3.2), so that a
-- restored UE finds its APN configurations after a restart instead of
-- being refused (ESM #31) until it attaches again (docs/charging.md).
-- sub: the binary's struct agw_sub (sub_size bytes); another size is not
-- read back (the UE then attaches again).
CREATE TABLE s6a_subscription (
    imsi        TEXT PRIMARY KEY,
    sub_size    INTEGER NOT NULL,
    sub         BLOB NOT NULL
);
