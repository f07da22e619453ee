/* xepc-agwd: the one context struct of the access gateway daemon.
 *
 * Everything the daemon knows lives here and is reached through it: the
 * configuration, the event loop, the SQLite store, the datapath, the S1-MME
 * endpoint, the eNBs and UEs (each in the hash tables that find them by the
 * identifiers peers send), the IP pools and TEIDs, the counters.  One
 * thread; events carry identifiers (MME UE S1AP ID, association id), never
 * pointers, so that a UE freed meanwhile is detected, not dereferenced. */
#ifndef XEPC_AGW_CTX_H
#define XEPC_AGW_CTX_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "agw/agw_config.h"
#include "agw/agw_hash.h"
#include "agw/agw_log.h"
#include "agw/agw_stats.h"
#include "nas/nas.h"
#include "nas/nas_security.h"

struct agw_db;
struct dp_ctx;
struct sctp_ep;
struct agw_ctl;
struct agw_metrics;
struct s1ap_pdu;

#define AGW_MAX_PDN 4           /* PDN connections per UE (default bearers) */
#define AGW_ENB_MAX_TAIS 32     /* supported TAs kept per eNB */
#define AGW_ENB_NAME_MAX 150

/* ------------------------------------------------------------- eNBs -- */

struct agw_enb {
    struct agw_hnode by_assoc;      /* key: association id */
    struct agw_hnode by_global;     /* key: agw_enb_global_key() once set up */
    uint32_t assoc_id;
    struct sockaddr_in addr;
    uint16_t ostreams, istreams;
    uint16_t next_stream;           /* UE-associated signalling: 1..ostreams-1 */
    bool setup;                     /* S1 Setup done */
    uint8_t plmn[3];                /* Global eNB ID */
    uint8_t enb_id_type;            /* enum s1ap_ENB_ID_PR */
    uint32_t enb_id;
    char name[AGW_ENB_NAME_MAX + 1];
    bool name_lenient;              /* name held characters outside PrintableString */
    uint16_t n_tais;
    struct { uint8_t plmn[3]; uint16_t tac; } tais[AGW_ENB_MAX_TAIS];
    uint8_t paging_drx;
    uint32_t n_ues;                 /* UEs with an S1 connection through it */
    uint64_t up_since_ns;
};

uint64_t agw_enb_global_key(const uint8_t plmn[3], uint8_t type, uint32_t enb_id);

/* ------------------------------------------------------------- UEs -- */

/* TS 24.301 5.1.3.2: EMM states of the network side (the substates we need). */
enum emm_state {
    EMM_DEREGISTERED = 0,
    EMM_COMMON_PROC_INIT,           /* identification, authentication, SMC running */
    EMM_REGISTERED_INIT,            /* attach accepted, waiting for ATTACH COMPLETE */
    EMM_REGISTERED,
    EMM_DEREGISTERED_INIT,          /* network-initiated detach: waiting DETACH ACCEPT */
};
const char *emm_state_str(enum emm_state s);

/* The specific procedure in progress (timers and retransmissions follow it). */
enum emm_proc {
    EMM_PROC_NONE = 0,
    EMM_PROC_IDENTITY,              /* T3470 */
    EMM_PROC_AUTH,                  /* T3460 */
    EMM_PROC_SMC,                   /* T3460 */
    EMM_PROC_ESM_INFO,              /* T3489 */
    EMM_PROC_ATTACH_ACCEPT,         /* T3450 */
    EMM_PROC_DETACH,                /* T3422 */
    EMM_PROC_RELEASE,               /* UE CONTEXT RELEASE COMPLETE awaited */
    EMM_PROC_TAU_ACCEPT,            /* T3450: TAU ACCEPT with a new GUTI (emm_service.c) */
    EMM_PROC_GUTI_REALLOC,          /* T3450: GUTI REALLOCATION COMMAND */
};

/* A PDN connection whose CCR-I is out (TS 29.212 4.5.1, TS 23.401 5.3.2.1
 * step 14): its ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST is built once
 * the CCA-I came, or the connection is refused (esm_gx_answered). */
enum pdn_gx_wait {
    PDN_GX_NONE = 0,
    PDN_GX_WAIT_PDN,                /* a UE-requested PDN connectivity */
    PDN_GX_WAIT_ATTACH,             /* the attach's default bearer */
};

enum agw_pdn_state {
    PDN_FREE = 0,
    PDN_PENDING,                    /* default bearer requested, not yet accepted by the UE */
    PDN_ACTIVE,
    PDN_RELEASING,                  /* deactivation sent, waiting for the UE */
};

struct agw_pdn {
    enum agw_pdn_state state;
    uint8_t ebi;                    /* default bearer EPS bearer identity, 5..15 */
    uint8_t pti;                    /* procedure transaction of the request */
    uint8_t apn_idx;                /* index into cfg->apns */
    struct in_addr ue_ip;           /* 0.0.0.0 for PDN type IPv6 */
    bool static_ip;
    uint8_t pdn_type;               /* granted, enum nas_pdn_type (0 = IPv4) */
    uint8_t type_cause;             /* ESM #50/#51 for the activation (pgw_ipv6.c) */
    uint8_t ue6_prefix[8];          /* the UE's /64 (IPv6, IPv4v6), else 0 */
    uint32_t ul_teid;               /* the gateway's S1-U TEID (uplink) */
    uint32_t dl_teid;               /* the eNB's S1-U TEID; 0 before ICS/E-RAB setup */
    struct in_addr enb_addr;
    struct in6_addr enb6;           /* the eNB's IPv6 S1-U address, used while
                                     * enb_addr is 0 (an eNB on IPv6 only,
                                     * s1ap_handler.c) */
    uint64_t ambr_ul_bps, ambr_dl_bps;
    uint8_t qci;
    uint8_t arp_prio;
    bool arp_cap, arp_vul;
    bool dp_installed;              /* session in the datapath */
    uint8_t gx_wait;                /* enum pdn_gx_wait: the activation waits
                                     * for the Gx CCA-I (gx_handler.c) */
    bool pco_dns, pco_mtu, pco_pcscf;  /* what the UE asked for in PCO */
    bool pco_dns6, pco_pcscf6;      /* and the IPv6 ones (0x0003, 0x0001) */
};

/* Dedicated bearers (TS 23.401 4.7.2, TS 24.301 6.4.2-6.4.4): esm_bearer.c */
#define AGW_MAX_DED 8               /* dedicated bearers per UE */
#define AGW_TFT_MAX 8               /* packet filters per bearer */

enum agw_bearer_state {
    BEARER_FREE = 0,
    BEARER_PENDING,                 /* activation sent (T3485) */
    BEARER_ACTIVE,
    BEARER_MODIFYING,               /* modification sent (T3486) */
    BEARER_RELEASING,               /* deactivation sent (T3495) */
};

/* One packet filter of a TFT (TS 24.008 10.5.6.12), from the UE's side:
 * remote = the network side, local = the UE side.  Zero prefix length or
 * tos_mask = any; port ranges inclusive, 0-65535 = any. */
struct agw_pf {
    uint8_t id;                     /* packet filter identifier 0..15 */
    uint8_t dir;                    /* enum nas_pf_dir: 1 DL, 2 UL, 3 both */
    uint8_t prec;                   /* evaluation precedence 0..255 */
    uint8_t proto;                  /* 0 = any */
    struct in_addr raddr, laddr;
    uint8_t rplen, lplen;
    uint16_t rport_lo, rport_hi, lport_lo, lport_hi;
    uint8_t tos, tos_mask;
};

struct agw_bearer {
    enum agw_bearer_state state;
    uint8_t ebi, linked_ebi, pti;   /* pti: of a UE request, else 0 */
    uint8_t qci, arp_prio;
    bool arp_cap, arp_vul;
    uint64_t mbr_ul, mbr_dl, gbr_ul, gbr_dl;    /* bit/s; 0 for non-GBR QCIs */
    uint32_t ul_teid, dl_teid;
    struct in_addr enb_addr;
    struct in6_addr enb6;           /* the eNB's IPv6 S1-U address, used while
                                     * enb_addr is 0 (as agw_pdn.enb6) */
    uint8_t n_pf;
    struct agw_pf pf[AGW_TFT_MAX];
    bool dp_installed;
    uint8_t retries;
    bool pcc;                       /* bound to PCC rules (esm_bearer_pcc.c), not xepcctl's */
    bool deferred;                  /* the procedure waits for the UE to be connected
                                     * (paging, TS 23.401 5.4.1 step 4) */
    ev_timer timer;                 /* T3485 / T3486 / T3495, or the wait */
    uint32_t ue_id;                 /* owner, for the timer */
    /* a modification waiting for the UE's answer: applied on accept */
    uint64_t new_mbr_ul, new_mbr_dl, new_gbr_ul, new_gbr_dl;
    uint8_t new_n_pf;
    struct agw_pf new_pf[AGW_TFT_MAX];
};

struct agw_ue {
    uint32_t id;                    /* MME UE S1AP ID: the UE's handle */
    struct agw_hnode by_id, by_imsi, by_tmsi, by_enb;
    char imsi[16];                  /* "" until known */
    uint32_t m_tmsi;                /* GUTI's M-TMSI; 0 = none allocated */
    bool guti_sent;                 /* the UE knows our GUTI (attach accepted) */

    /* S1: the UE-associated logical connection, if any (ECM-CONNECTED) */
    bool s1;
    uint32_t assoc_id;
    uint32_t enb_ue_id;
    uint16_t stream;
    uint8_t tai_plmn[3];
    uint16_t tac;
    uint8_t cgi_plmn[3];
    uint32_t cell_id;

    /* EMM */
    enum emm_state emm;
    enum emm_proc proc;
    uint8_t retries;                /* retransmissions of the current procedure */
    ev_timer timer;                 /* the current procedure's timer */
    uint8_t auth_attempts;          /* resync/MAC failures in this attach */
    bool attach_pending;            /* an ATTACH REQUEST is being served */
    bool keep_ctx;                  /* detached: GUTI and security context kept */
    bool identity_for_attach;
    uint8_t attach_type;
    uint64_t attach_start_ns;

    /* security */
    bool sec_valid;                 /* a current (native) EPS security context */
    bool sec_lazy;                  /* restored: sec holds KSI, algorithms and counts;
                                     * its keys are derived from KASME on first use */
    struct nas_sec_ctx sec;
    uint8_t kasme[32];
    uint8_t ksi;
    bool auth_pending;              /* a vector sent, RES not yet checked */
    uint8_t rand[16], pend_autn[16], xres[16], pend_kasme[32];
    uint8_t xres_len;
    uint8_t pend_ksi;
    struct nas_ue_net_cap ue_net_cap;
    bool ue_add_sec_cap_present;

    /* ESM: the PDN connectivity request of the attach */
    uint8_t esm_pti;
    bool esm_info_flag;
    bool esm_info_received;
    char req_apn[NAS_APN_MAX + 1];
    uint8_t req_pdn_type;
    bool req_pco_dns, req_pco_mtu, req_pco_pcscf;
    bool req_pco_dns6, req_pco_pcscf6;

    /* S6a (agw_s6a.h): the answer awaited, the tag of its request, and
     * whether this attach's ULA came */
    uint8_t s6a_wait;
    uint16_t s6a_seq;
    bool s6a_located;

    /* subscription (from the HSS at attach) */
    uint64_t ue_ambr_ul, ue_ambr_dl;
    char msisdn[16];

    struct agw_pdn pdn[AGW_MAX_PDN];

    /* handover (s1ap_handover.c): TS 33.401 7.2.8 NH chain of the current
     * AS security context (set by each Initial Context Setup) */
    uint8_t nh[32];
    uint8_t ncc;                    /* NH chaining count of nh, 0..7 */
    bool nh_valid;
    /* S1 handover in progress, and an old connection (the source after a
     * handover, the target after a cancel) whose release is awaited */
    struct agw_s1ho {
        uint8_t state;              /* enum ho_state (s1ap_handover.c) */
        uint8_t type;               /* S1AP HandoverType */
        bool tgt_known;             /* the target acknowledged: tgt_enb_ue_id set */
        uint32_t tgt_assoc, tgt_enb_ue_id;
        uint16_t tgt_stream;
        uint8_t n_erab;             /* admitted by the target (default and dedicated) */
        struct { uint8_t ebi; struct in_addr addr; struct in6_addr addr6; uint32_t teid; }
            erab[AGW_MAX_PDN + AGW_MAX_DED];    /* addr6: a target on IPv6 (addr 0) */
        bool rel_pending;
        uint32_t rel_assoc, rel_enb_ue_id;
        ev_timer timer;             /* the MME's guard over the preparation / execution */
    } s1ho;

    /* AGW_MAX_DED dedicated bearer slots.  Until the UE's first one this
     * is a shared, read-only table of free slots (esm_bearer.c): most UEs
     * never have one, and eight inline bearers made each UE 5.6 KB, over
     * the 4 KiB per attached UE that issue 9 allows. */
    struct agw_bearer *ded;
    bool ded_rows;                  /* dedicated_bearer rows may exist */
    struct esm_dqos_ue *dqos;       /* default bearer QoS modifications under
                                     * way (esm_dqos.c), NULL when none ever */
    bool dirty;                     /* state to write at the next commit */

    /* idle mode (emm_service.c, emm_paging.c) */
    bool stmsi_present;             /* the Initial UE Message named an S-TMSI */
    uint8_t stmsi_mmec;
    uint32_t stmsi_m_tmsi;
    bool rx_initial;                /* the message being handled came in an Initial UE Message */
    bool rx_integrity_ok;           /* ... had a verified MAC */
    uint32_t rx_count;              /* ... and this uplink NAS COUNT */
    uint32_t kenb_count;            /* COUNT of the SECURITY MODE COMPLETE: the attach's KeNB */
    struct agw_hnode by_old_tmsi;   /* in ue_by_tmsi under 1 << 32 | old M-TMSI */
    uint32_t old_m_tmsi;            /* the GUTI being replaced (until TAU/GUTI realloc complete) */
    bool release_after_tau;         /* no active flag: S1 release once the TAU ends */
    bool paging;                    /* paging in progress (T3413) */
    uint8_t paging_tries;
    uint64_t paging_start_ns;
    ev_timer paging_timer;          /* T3413 */
    ev_timer reach_timer;           /* mobile reachable, then implicit detach timer */
    struct emm_nas_held *nas_held;  /* undelivered downlink NAS (emm_transport.c) */
    bool reach_implicit;            /* reach_timer is the implicit detach timer */
    uint8_t detach_wait;            /* a network detach waits for the paged UE:
                                     * 1, or 2 with re-attach (emm_sm.c) */
};

/* ------------------------------------------------------------ pools -- */

struct agw_pool {
    uint32_t base;                  /* host order: network address */
    uint32_t size;                  /* addresses in the prefix */
    uint32_t next_off;              /* next-fit cursor */
    uint32_t used;
    uint8_t *bits;                  /* 1 = taken (also network/broadcast/static) */
    struct agw_pool *next;          /* the APN's further prefixes (pgw_pool.c) */
};

struct agw_teids {
    uint32_t max;                   /* session ids 1..max-1 */
    uint32_t next;
    uint32_t used;
    uint8_t *bits;
    uint8_t *gen;                   /* per session id, the TEID's high byte */
    uint32_t *ue_id;                /* per session id, its UE's id (0 none):
                                     * the index of downlink-data events */
};

/* ----------------------------------------------------------- context -- */

/* A message waiting for the state it depends on to be committed. */
struct agw_txq;
struct ue_store;

struct agw_ctx {
    struct ev_loop *loop;
    struct agw_config *cfg;
    char cfg_path[256];
    struct agw_log log;
    struct agw_stats stats;

    struct agw_db *db;
    struct dp_ctx *dp;
    struct sctp_ep *s1ap;
    struct agw_ctl *ctl;
    struct agw_metrics *metrics;
    struct agw_gx *gx;              /* Gx toward a PCRF (gx_path.c), or NULL */
    struct agw_s6a *s6a;            /* S6a toward an HSS (s6a_handler.c), or NULL */
    struct agw_gy *gy;              /* Gy toward an OCS (gy_path.c), or NULL */
    struct agw_orc *orc;            /* the orchestrator client (agw_orc.h), or NULL */

    struct agw_hash enb_by_assoc, enb_by_global;
    struct agw_hash ue_by_id, ue_by_imsi, ue_by_tmsi, ue_by_enb;
    uint32_t next_ue_id;
    uint32_t n_enbs_setup;

    struct agw_pool *pools;         /* one per cfg->apns[i] */
    struct agw_teids teids;

    /* group commit: state changes of one loop iteration are written in one
     * transaction, then the messages that depend on them are sent */
    struct agw_txq *txq;
    struct ue_store *store;
    bool commit_pending;
    ev_prepare commit_watcher;

    /* decoding of received S1AP PDUs */
#define AGW_RX_ARENA_SIZE (256 * 1024)
    struct s1ap_pdu *rx_pdu;
    uint8_t *rx_arena;

    ev_signal sig_term, sig_int, sig_hup;
    ev_io dp_events_io;
    ev_timer dp_poll_timer;
    double quota_check_at;          /* ev_now of the next local_quota_rollover() */
    bool stopping;
    bool no_datapath;               /* --no-datapath: signalling only (tests) */
};

#endif
