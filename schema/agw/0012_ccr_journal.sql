-- xepc-agwd's credit-control requests that carry usage (Gy CCR-U/CCR-T,
-- Gx CCR-U/CCR-T with Usage-Monitoring-Information), journalled in the
-- loop iteration's transaction and committed BEFORE the request is sent
-- (docs/charging.md "Crash-safe usage reports").  A row stays until the
-- request is answered; after a crash (SIGKILL) or a restart the request
-- is sent again as the same request (same bytes: Session-Id,
-- CC-Request-Number, End-to-End Identifier, with the T flag: RFC 6733 3,
-- RFC 4006 5.1), so that the server counts its usage once.  What the
-- answer settles (the base the session's books move to) is moved only
-- when the answer is recorded.
CREATE TABLE ccr_journal (
    session_id   TEXT NOT NULL,        -- Session-Id (RFC 6733 8.8)
    request_no   INTEGER NOT NULL,     -- CC-Request-Number (RFC 4006 8.2)
    app          INTEGER NOT NULL,     -- Auth-Application-Id: 4 Gy, 16777238 Gx
    request_type INTEGER NOT NULL,     -- CC-Request-Type: 2 UPDATE, 3 TERMINATION
    ul_teid      INTEGER NOT NULL,     -- the PDN connection's uplink TEID
    imsi         TEXT NOT NULL,
    rating_group INTEGER NOT NULL,     -- Gy: the MSCC's Rating-Group
    bytes        INTEGER NOT NULL,     -- Gy: Used-Service-Unit CC-Total-Octets
    base         INTEGER NOT NULL,     -- Gy: charged() the report moves `reported` to
    settle       BLOB,                 -- Gx: the monitors' bases the answer moves to
    msg          BLOB,                 -- the request as encoded (NULL: rebuilt from the row)
    cookie       INTEGER NOT NULL,     -- the application's cookie for its answer
    sent         INTEGER NOT NULL,     -- the run (random id) that last sent it; 0 = send again
    created      INTEGER NOT NULL,     -- unix seconds (sent again: when that was decided)
    PRIMARY KEY (session_id, request_no)
);
-- the final usage of Gy CCR-Ts not acknowledged (0004) is the journal's
-- now: rebuilt from the row and sent again (msg NULL)
INSERT INTO ccr_journal (session_id, request_no, app, request_type, ul_teid, imsi,
                         rating_group, bytes, base, settle, msg, cookie, sent, created)
    SELECT session_id, request_no, 4, 3, ul_teid, imsi, rating_group, bytes, 0, NULL, NULL,
           (ul_teid << 32) | request_no, 0, created FROM gy_unreported;
DROP TABLE gy_unreported;
