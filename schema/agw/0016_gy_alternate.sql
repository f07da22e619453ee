-- xepc-agwd: which OCS serves a Gy session (RFC 4006 5.7
-- RETRY_AND_TERMINATE with diameter.gy.alternate), so that after a
-- restart its requests still go to the alternate it failed over to
-- (docs/charging.md "Gy in xepc-agwd", "Failure handling").  0: the
-- configured OCS; 1: the alternate OCS.
ALTER TABLE gy_session ADD COLUMN alternate INTEGER NOT NULL DEFAULT 0;
