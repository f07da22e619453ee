-- xepc-agwd: what the PCRF was last told of a Gx session's event triggers
-- and what is still to tell it (TS 29.212 4.5.3, 5.3.7: the location, the
-- default bearer QoS and APN-AMBR last reported, the resource allocation
-- of each PCC rule reported, the MODIFICATION_FAILURE triggers and a
-- subscribed change of an S6a IDR not yet reported), so that after a
-- restart the first comparison is against what the PCRF knows
-- (docs/charging.md "Event triggers").  events: the binary's struct
-- gx_events, ev_size its size (another layout is not read: the UE as it is
-- then becomes the reference, as before this).
-- alternate: 1 when the session failed over to diameter.gx.alternate
-- (RFC 4006 5.7 RETRY_AND_TERMINATE), so that its later requests still go
-- there after a restart ("Failure handling for Gx"); 0: the configured PCRF.
ALTER TABLE gx_session ADD COLUMN ev_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gx_session ADD COLUMN events BLOB;
ALTER TABLE gx_session ADD COLUMN alternate INTEGER NOT NULL DEFAULT 0;
