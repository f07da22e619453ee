-- RETRY_AND_TERMINATE (RFC 4006 5.7) across restarts: the alternate server
-- a journalled request is to fail over to when it gets no usable answer
-- (ccr_row.failover, agw_ccr.h), kept with its row.  A CCR-U or CCR-T sent
-- again at the next start (ccr_resend) fails over as it would have in the
-- run that journalled it.  NULL: none (no alternate configured, the
-- session's CCFH is not RETRY_AND_TERMINATE, or the request already went
-- to the alternate: the row is re-addressed and this cleared).
ALTER TABLE ccr_journal ADD COLUMN failover TEXT;
