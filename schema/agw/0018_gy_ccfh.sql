-- xepc-agwd: the Credit-Control-Failure-Handling a CCA gave a Gy session
-- (RFC 4006 8.14: the server's value replaces the client's), so that after
-- a restart an OCS failure follows the session's CCFH, not
-- diameter.gy.failure_handling (docs/charging.md "Gy in xepc-agwd",
-- "Failure handling"), as 0014 does for Gx.  0: none received (the
-- configuration's applies); else the CCFH value + 1.
ALTER TABLE gy_session ADD COLUMN ccfh INTEGER NOT NULL DEFAULT 0;
