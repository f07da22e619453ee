-- xepc-agwd: the Gx usage monitors (TS 29.212 4.5.17) and the armed event
-- triggers (5.3.7) of each Gx session, so that a restart neither loses nor
-- repeats usage: a monitor's base is its bytes at its last report, and the
-- datapath counters it is read from survive the restart (docs/charging.md
-- "Usage monitoring").  monitors: the binary's struct gx_mon (mon_size
-- bytes each); another size is not read back.  triggers: bit N = Event-
-- Trigger N armed.
ALTER TABLE gx_session ADD COLUMN mon_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gx_session ADD COLUMN monitors BLOB;
ALTER TABLE gx_session ADD COLUMN triggers INTEGER NOT NULL DEFAULT 0;
