-- xepc-agwd's Gy (docs/charging.md "Gy in xepc-agwd"): what a credit-control
-- session needs so that no used unit is reported twice or never, across a
-- restart of the daemon (the datapath and its counters survive it).
-- One row per open credit-control session, written when a report is
-- settled (the OCS answered it) and at the CCA-I.
CREATE TABLE gy_session (
    ul_teid      INTEGER PRIMARY KEY,  -- the PDN connection's uplink TEID
    session_id   TEXT NOT NULL,        -- Session-Id (RFC 6733 8.8)
    imsi         TEXT NOT NULL,
    rating_group INTEGER NOT NULL,
    next_no      INTEGER NOT NULL,     -- next CC-Request-Number
    reported     INTEGER NOT NULL,     -- bytes charged at the last settled report
    granted      INTEGER NOT NULL,     -- bytes put into the kernel's quota in all
    off          INTEGER NOT NULL,     -- bytes counted by replaced charging slots
    final        INTEGER NOT NULL,     -- Final-Unit-Indication received
    updated      INTEGER NOT NULL      -- unix seconds
);
-- Final usage the OCS has not acknowledged yet (a CCR-T unanswered, or
-- answered with a 3xxx): sent again, with its Session-Id and number, when
-- the OCS is reachable, and deleted when it answers.
CREATE TABLE gy_unreported (
    session_id   TEXT PRIMARY KEY,
    ul_teid      INTEGER NOT NULL,
    imsi         TEXT NOT NULL,
    rating_group INTEGER NOT NULL,
    request_no   INTEGER NOT NULL,     -- CC-Request-Number of the CCR-T
    bytes        INTEGER NOT NULL,     -- Used-Service-Unit CC-Total-Octets
    created      INTEGER NOT NULL
);
