-- xepc-agwd: dedicated EPS bearers (TS 23.401 4.7.2, TS 24.301 6.4.2-6.4.4),
-- one row per bearer of a UE, written in the same group commit as the UE
-- before the eNB or the UE hears of the bearer.  tft: the packet filters
-- as "id,dir,prec,proto,remote/plen,local/plen,rlo-rhi,llo-lhi,tos/mask"
-- separated by ';' (userspace/agw/esm_bearer.c).
CREATE TABLE dedicated_bearer (
    imsi        TEXT NOT NULL REFERENCES ue_context(imsi) ON DELETE CASCADE,
    ebi         INTEGER NOT NULL,
    linked_ebi  INTEGER NOT NULL,     -- its default bearer (pdn_session.ebi)
    state       INTEGER NOT NULL,     -- enum agw_bearer_state
    qci         INTEGER NOT NULL,
    arp_prio    INTEGER NOT NULL,
    arp_cap     INTEGER NOT NULL,
    arp_vul     INTEGER NOT NULL,
    mbr_ul      INTEGER NOT NULL,     -- bit/s; 0 for a non-GBR bearer
    mbr_dl      INTEGER NOT NULL,
    gbr_ul      INTEGER NOT NULL,
    gbr_dl      INTEGER NOT NULL,
    ul_teid     INTEGER NOT NULL UNIQUE,
    dl_teid     INTEGER NOT NULL,     -- 0: no downlink tunnel
    enb_ipv4    TEXT NOT NULL,
    tft         TEXT NOT NULL,
    deferred    INTEGER NOT NULL DEFAULT 0, -- 1: the procedure waits for the UE (paging)
    pcc         INTEGER NOT NULL DEFAULT 0, -- 1: bound to Gx PCC rules (TS 29.212 4.5.2)
    PRIMARY KEY (imsi, ebi)
);
