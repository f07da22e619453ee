-- xepc-agwd: the Credit-Control-Failure-Handling a CCA gave a Gx session
-- (RFC 4006 8.14, TS 29.212 5.6.3), so that after a restart a PCRF
-- failure follows the session's CCFH, not diameter.gx.failure_handling
-- (docs/charging.md "Failure handling for Gx").  0: none received (the
-- configuration's applies); else the CCFH value + 1.
ALTER TABLE gx_session ADD COLUMN ccfh INTEGER NOT NULL DEFAULT 0;
