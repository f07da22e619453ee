-- xepc-agwd: what an attached UE needs to survive a restart (TS 23.401 / the
-- design brief: written before the peer is told).  One row per UE that has
-- been sent an ATTACH ACCEPT, one per default bearer.  KASME is a key: the
-- database file is mode 0600 and owned by root.
CREATE TABLE ue_context (
    imsi        TEXT PRIMARY KEY,
    m_tmsi      INTEGER NOT NULL,
    emm_state   INTEGER NOT NULL,     -- enum emm_state
    ksi         INTEGER NOT NULL,
    kasme       BLOB NOT NULL,
    eea         INTEGER NOT NULL,
    eia         INTEGER NOT NULL,
    ul_count    INTEGER NOT NULL,     -- lowest uplink NAS COUNT still accepted
    dl_count    INTEGER NOT NULL,     -- next downlink NAS COUNT
    ue_net_cap  BLOB NOT NULL,
    ue_ambr_ul  INTEGER NOT NULL,     -- bit/s
    ue_ambr_dl  INTEGER NOT NULL,
    msisdn      TEXT NOT NULL DEFAULT '',
    tai_plmn    BLOB,
    tac         INTEGER,
    updated     INTEGER NOT NULL      -- unix seconds
);
CREATE UNIQUE INDEX ue_context_tmsi ON ue_context(m_tmsi);

CREATE TABLE pdn_session (
    imsi        TEXT NOT NULL REFERENCES ue_context(imsi) ON DELETE CASCADE,
    ebi         INTEGER NOT NULL,
    pti         INTEGER NOT NULL,
    apn         TEXT NOT NULL,
    ue_ipv4     TEXT NOT NULL,
    static_ip   INTEGER NOT NULL,
    ul_teid     INTEGER NOT NULL UNIQUE,
    dl_teid     INTEGER NOT NULL,     -- 0: no downlink tunnel
    enb_ipv4    TEXT NOT NULL,
    ambr_ul     INTEGER NOT NULL,     -- bit/s
    ambr_dl     INTEGER NOT NULL,
    qci         INTEGER NOT NULL,
    arp_prio    INTEGER NOT NULL,
    arp_cap     INTEGER NOT NULL,
    arp_vul     INTEGER NOT NULL,
    state       INTEGER NOT NULL,     -- enum agw_pdn_state
    PRIMARY KEY (imsi, ebi)
);
CREATE UNIQUE INDEX pdn_session_ue_ip ON pdn_session(apn, ue_ipv4);
