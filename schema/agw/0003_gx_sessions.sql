-- xepc-agwd: the Gx sessions (TS 29.212) of the PDN connections, so that a
-- restart keeps their Session-Id (the CCR-T after it names the session the
-- PCRF knows) and the PCC rules the PCRF installed (docs/charging.md).
-- rules: the installed Charging-Rule-Definitions as the binary's structs
-- (rule_size bytes each); another size is not read back.
CREATE TABLE gx_session (
    ul_teid     INTEGER PRIMARY KEY,  -- the PDN connection's uplink TEID
    session_id  TEXT NOT NULL,
    imsi        TEXT NOT NULL,
    ebi         INTEGER NOT NULL,
    cc_number   INTEGER NOT NULL,     -- CC-Request-Number of the last CCR
    rule_size   INTEGER NOT NULL,
    rules       BLOB
);
