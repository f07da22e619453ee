-- xepc-agwd: a modification of a default bearer's QoS (QCI, ARP) and
-- APN-AMBR under way (TS 23.401 5.4.2.1, 5.3.9.2; TS 24.301 6.4.3),
-- written in the same group commit as the UE before the eNB, the UE or
-- the requester hears of it: after a restart the UE is paged and gets it
-- (userspace/agw/esm_dqos.c).  One row per PDN connection with one.
CREATE TABLE default_bearer_mod (
    imsi        TEXT NOT NULL REFERENCES ue_context(imsi) ON DELETE CASCADE,
    ebi         INTEGER NOT NULL,     -- the default bearer (pdn_session.ebi)
    src         INTEGER NOT NULL,     -- enum esm_dqos_src: 0 xepcctl, 1 PCRF, 2 HSS
    qci         INTEGER NOT NULL,
    arp_prio    INTEGER NOT NULL,
    arp_cap     INTEGER NOT NULL,
    arp_vul     INTEGER NOT NULL,
    ambr_ul     INTEGER NOT NULL,     -- APN-AMBR, bit/s
    ambr_dl     INTEGER NOT NULL,
    PRIMARY KEY (imsi, ebi)
);
