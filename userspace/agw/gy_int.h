/* Internal to gy_*.c (agw_gy.h). */
#ifndef XEPC_AGW_GY_INT_H
#define XEPC_AGW_GY_INT_H

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "diameter/diam.h"

/* Rating groups of one credit-control session (one MSCC each in a CCR,
 * DIAM_MAX_MSCC at most). */
#define GY_MAX_RG DIAM_MAX_MSCC

struct gy_sess;

/* One rating group of a session: its books (agw_gy.h) and its part of
 * the requests (RFC 4006 5.1.2, TS 32.299 6.3: each MSCC on its own). */
struct gy_rg {
    struct gy_sess *g;
    uint32_t rg;                    /* Rating-Group; 0 = free entry */
    bool live;                      /* the catch-all, or an online rule's */
    bool asked;                     /* its RSU went out (CCR-I or CCR-U) */
    bool gone;                      /* its last rule went: FINAL, then freed */
    bool in_dp;                     /* its quota is in the datapath */
    bool has_pending;               /* a grant that came before the install */
    uint64_t pending_granted;       /* granted total to install */
    uint64_t off;                   /* charged bytes of replaced slots */
    uint64_t granted;               /* see agw_gy.h */
    uint64_t reported;              /* charged() at the last report */
    uint64_t threshold;             /* Volume-Quota-Threshold, bytes */
    int fua;                        /* enum dp_fua in force, -1 none */
    bool final;                     /* Final-Unit-Indication received */
    bool final_applied;
    struct diam_fui fui;
    bool blocked;                   /* 4010/4012/5031, TERMINATE: no more grants */
    bool want;                      /* a report for the next CCR-U */
    uint32_t want_reason;           /* its Reporting-Reason (7.2.175) */
    bool early;                     /* want: joins another group's CCR-U
                                     * before its Validity-Time ends
                                     * (gy_join_due) */
    uint32_t validity_s;            /* the Validity-Time armed, seconds */
    bool busy;                      /* in the CCR in flight */
    uint64_t busy_snap;             /* charged() reported by it */
    uint64_t busy_used;             /* its USU */
    uint64_t end_charged;           /* charged() at the session's release */
    uint64_t unch_seen;             /* its xepc_uncharged bytes at the last
                                     * look (gy stats uncharged_bytes) */
    /* its gy_rg row as last written (gy_store.c: a row that did not
     * change is not written again) */
    bool st_valid;
    bool st_final, st_live;
    uint64_t st_reported, st_granted, st_off, st_epoch;
    ev_timer validity;
};

struct gy_sess {
    struct agw_ctx *ctx;
    uint32_t ue_id, ul_teid;
    char imsi[16];
    uint32_t ue_ipv4;               /* the UE's addresses, for PS-Information */
    uint8_t ue6_prefix[8];          /* (TS 32.299 7.2.137), prefix 0 = none */
    char sid[DIAM_ID_MAX + 64];     /* Session-Id */
    uint32_t rg;                    /* the catch-all (diameter.gy.rating_group) */
    uint32_t next_no;               /* next CC-Request-Number (RFC 4006 8.2) */
    bool busy;                      /* a CCR in flight (one per session) */
    uint32_t busy_no, busy_type;
    bool installed;                 /* the session is in the datapath */
    bool continue_mode;             /* CCFH CONTINUE after a failure */
    uint32_t ccfh;                  /* from config, then from the CCAs */
    uint32_t ccfh_cca;              /* a CCA's CCFH + 1, 0: none (gy_session.ccfh,
                                     * 0018: kept across a restart) */
    bool initial_done;              /* a CCA-I 2001 was received */
    bool refused;                   /* a CCA-I refused it: the OCS has no session */
    bool terminated;                /* the UE's detach was asked (terminate) */
    /* released (gy_session_stop) while a request was in flight: the CCR-T
     * waits, journalled, for that request's answer (or its end), then
     * leaves and the entry goes */
    bool ending;
    struct msg *end_ccr;            /* that CCR-T (ccr_hold) */
    uint32_t end_no;                /* its CC-Request-Number */
    bool hold;                      /* an answer being applied: no CCR yet */
    bool kick;                      /* a CCR-U asked for in this loop
                                     * iteration: in agw_gy.kicks, sent
                                     * before the iteration's commit */
    ev_tstamp sent_at;              /* when the request in flight left */
    ev_tstamp rtt;                  /* the last request's round trip, s */
    /* its gy_session row as last written (gy_store.c) */
    bool st_valid;
    uint32_t st_next_no;
    uint64_t st_epoch;
    bool st_alt;
    uint32_t st_ccfh_cca;
    /* RETRY_AND_TERMINATE with diameter.gy.alternate (RFC 4006 5.7) */
    bool alt;                       /* the alternate OCS serves the session
                                     * (gy_session.alternate, 0016) */
    uint8_t *req_i;                 /* the CCR-I in flight (not journalled),
                                     * to send again to the alternate */
    size_t req_i_len;
    struct gy_rg rgs[GY_MAX_RG];    /* rgs[0] is the catch-all */
    ev_timer retry;                 /* CONTINUE: the next attempt */
};

/* What a journalled Gy CCR settles, per rating group (ccr_row.settle). */
struct gy_settle {
    uint32_t rg;
    uint32_t pad;
    uint64_t base;                  /* charged() the answer moves reported to */
    uint64_t used;                  /* its USU */
};

struct agw_gy {
    struct gy_sess **by_sid;        /* by session id (TEID & 0xffffff) */
    uint32_t max;
    struct agw_gy_stats stats;
    uint64_t boot;
    struct gy_store *store;         /* gy_store.c, NULL without a database */
    /* the sessions (their uplink TEIDs) that asked for a CCR-U in this
     * loop iteration: one request each, before the commit (gy_kick) */
    uint32_t *kicks;
    size_t n_kicks, cap_kicks;
    ev_prepare flush;
};

struct agw_gy *gy_of(struct agw_ctx *ctx);
struct gy_sess *gy_find(struct agw_ctx *ctx, uint32_t ul_teid);
void gy_forget(struct agw_ctx *ctx, struct gy_sess *g);
/* The entry of rating group rg; NULL when the session has none. */
struct gy_rg *gy_rg_find(struct gy_sess *g, uint32_t rg);
/* A new entry for rg (live), or the one it has; NULL when all are taken. */
struct gy_rg *gy_rg_add(struct gy_sess *g, uint32_t rg);
void gy_rg_free(struct gy_rg *r);
/* gy_build.c: adds what r's final-unit action let through since the last
 * look (its xepc_uncharged bytes, unch) to the uncharged_bytes counter. */
void gy_uncharged_note(struct agw_ctx *ctx, struct gy_rg *r, uint64_t unch);
/* charged() of a rating group, from the datapath (off alone when its
 * slot is gone); false when the datapath is unreadable.  *remaining (may
 * be NULL): what the kernel has left of its grant; *uncharged (may be
 * NULL): what its final-unit action let through apart (xepc_uncharged,
 * never reported: RFC 4006 5.6.2, 5.6.3). */
bool gy_charged(struct agw_ctx *ctx, struct gy_rg *r, uint64_t *charged, int64_t *remaining,
                uint64_t *uncharged);
/* charged() of every rating group of g from one read of the datapath
 * session (charged[i] of rgs[i]; that of a group not readable: its
 * reported, or busy_snap while in flight, i.e. nothing used); the
 * xepc_uncharged bytes are noted (gy_uncharged_note). */
void gy_charged_all(struct agw_ctx *ctx, struct gy_sess *g, uint64_t *charged);
/* The rating groups of g that join a CCR-U going out for another's
 * trigger because their Validity-Time ends soon: left[i] is what is left
 * of rgs[i]'s (negative: none running), rtt the session's last round
 * trip.  They get want, Reporting-Reason VALIDITY_TIME and early.
 * Returns how many (gy_build.c, pure: test_gy). */
unsigned gy_join_due(struct gy_sess *g, const double *left, double rtt);
/* The UE's addresses of p that its CCRs carry in PS-Information. */
void gy_sess_addresses(struct gy_sess *g, const struct agw_pdn *p);
/* The MSCCs of a CCR of type (I/U/T) from the books, charged[i] being
 * rgs[i]'s charged(); marks the rating groups they report (busy).
 * Returns how many (gy_build.c, pure: test_gy). */
unsigned gy_mscc_build(struct gy_sess *g, uint32_t type, const uint64_t *charged,
                       struct diam_mscc *out, struct gy_settle *settle);
/* Sends a CCR of type (I/U/T) with the usage since the last report of
 * every rating group that has something to say (gy_mscc_build). */
int gy_send_ccr(struct agw_ctx *ctx, struct gy_sess *g, uint32_t type);
/* Asks for a CCR-U for r with reason: now, or after the answer in flight
 * (RFC 4006: one request at a time per session). */
void gy_want(struct agw_ctx *ctx, struct gy_rg *r, uint32_t reason);
/* Asks for the CCR-U that some rating group wants: it leaves at the end
 * of the loop iteration (gy_flush_cb), one per session with everything
 * wanted by then, if none is in flight. */
void gy_kick(struct agw_ctx *ctx, struct gy_sess *g);
/* The ev_prepare of agw_gy.flush: the CCR-Us of the iteration's kicks. */
void gy_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents);
/* The request in flight of an ending session is done with: its held
 * CCR-T leaves as built (the request was answered, or a CCR-I got no
 * answer), rebuilt from the last settled reports (a CCR-U refused or
 * given up: its bytes go in the CCR-T), or is cancelled (the CCA-I
 * refused the session).  g is freed. */
enum gy_end { GY_END_SEND, GY_END_REBASE, GY_END_CANCEL };
void gy_end(struct agw_ctx *ctx, struct gy_sess *g, enum gy_end how);
void gy_validity_arm(struct gy_rg *r, uint32_t seconds);
void gy_retry_arm(struct gy_sess *g, uint32_t seconds);
/* The final-unit action of r in the datapath (and the UE's detach for the
 * catch-all's TERMINATE). */
void gy_apply_final(struct agw_ctx *ctx, struct gy_rg *r);
/* The server of g's requests (Destination-Host: the OCS, or the alternate
 * once the session went there); NULL without diameter.gy.alternate (the
 * realm's routing).  gy_failover(): the alternate a journalled request
 * goes to when it gets no usable answer (ccr_row.failover), NULL when
 * that is not the session's failure handling or it is there already. */
const char *gy_server(const struct agw_ctx *ctx, const struct gy_sess *g);
const char *gy_failover(const struct agw_ctx *ctx, const struct gy_sess *g);
/* No usable answer (Tx timeout, 3xxx, peer down): the configured or
 * last received Credit-Control-Failure-Handling (RFC 4006 5.7). */
void gy_failure(struct agw_ctx *ctx, struct gy_sess *g, const char *why);
/* gy_handler.c: the Restriction-Filter-Rules (RESTRICT_ACCESS in force)
 * added to a policy being rebuilt (gy_policy_add) */
void gy_restrict_rules(struct agw_ctx *ctx, struct gy_sess *g, struct dp_session_spec *s);
/* gy_store.c: the books in SQLite (agw_gy.h) */
int gy_store_open(struct agw_ctx *ctx);
void gy_store_close(struct agw_ctx *ctx);
int gy_store_load(struct agw_ctx *ctx);
void gy_store_save(struct agw_ctx *ctx, struct gy_sess *g);
void gy_store_forget(struct agw_ctx *ctx, uint32_t ul_teid);
void gy_store_forget_rg(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rg);
/* Moves the kernel's quota of r so that granted becomes `total`. */
void gy_grant_set(struct agw_ctx *ctx, struct gy_rg *r, uint64_t total);

#endif
