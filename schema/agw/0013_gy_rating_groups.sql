-- Several rating groups per Gy credit-control session (docs/charging.md
-- "Rating groups"): the books of each (session, rating group) in a row of
-- their own; gy_session keeps what is the session's (Session-Id, next
-- CC-Request-Number, the catch-all rating group).  Written in the loop
-- iteration's transaction with every request and every answer, as 0004's.
CREATE TABLE gy_rg (
    ul_teid      INTEGER NOT NULL,     -- the PDN connection's uplink TEID
    rating_group INTEGER NOT NULL,     -- Rating-Group (RFC 4006 8.29)
    reported     INTEGER NOT NULL,     -- bytes charged at the last settled report
    granted      INTEGER NOT NULL,     -- bytes put into the kernel's quota in all
    off          INTEGER NOT NULL,     -- bytes counted by replaced charging slots
    final        INTEGER NOT NULL,     -- Final-Unit-Indication received
    live         INTEGER NOT NULL,     -- 1: charged by a rule (or the catch-all);
                                       -- 0: its last rule went, FINAL to report
    PRIMARY KEY (ul_teid, rating_group)
);
-- every session of before had its one rating group
INSERT INTO gy_rg (ul_teid, rating_group, reported, granted, off, final, live)
    SELECT ul_teid, rating_group, reported, granted, off, final, 1 FROM gy_session;
ALTER TABLE gy_session DROP COLUMN reported;
ALTER TABLE gy_session DROP COLUMN granted;
ALTER TABLE gy_session DROP COLUMN off;
ALTER TABLE gy_session DROP COLUMN final;
