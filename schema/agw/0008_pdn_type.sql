-- xepc-agwd: the PDN type granted to a PDN connection (TS 24.301 9.9.4.9:
-- 1 IPv4, 2 IPv6, 3 IPv4v6).  An IPv6 connection has no IPv4 address
-- (ue_ipv4 '0.0.0.0'); its /64 is its session id's in the APN's pool6
-- (userspace/agw/pgw_ipv6.c), so it is not stored.  The uniqueness of
-- IPv4 addresses holds for connections that have one.
ALTER TABLE pdn_session ADD COLUMN pdn_type INTEGER NOT NULL DEFAULT 1;
DROP INDEX pdn_session_ue_ip;
CREATE UNIQUE INDEX pdn_session_ue_ip ON pdn_session(apn, ue_ipv4) WHERE pdn_type <> 2;
