-- xepc-agwd: the last bytes of PDN connections that ended since the last
-- check-in the orchestrator acknowledged (docs/orchestrator.md "What a
-- check-in carries").  A row is written when the session ends (its final
-- datapath counters minus what the check-ins already carried), sent in
-- every check-in's "final" until one is acknowledged, then deleted; key
-- names it for orcd, which counts each key once, so that a check-in sent
-- again (an answer lost, a restart in between) is not counted twice.
CREATE TABLE orc_usage_final (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    key      TEXT    NOT NULL UNIQUE,  -- '<ul_teid, hex>-<ended_at, ns>'
    imsi     TEXT    NOT NULL,
    ul_bytes INTEGER NOT NULL,
    dl_bytes INTEGER NOT NULL,
    ended_at INTEGER NOT NULL          -- Unix seconds
);
