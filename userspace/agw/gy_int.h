/* Internal to gy_*.c (agw_gy.h). */
#ifndef XEPC_AGW_GY_INT_H
#define XEPC_AGW_GY_INT_H

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "diameter/diam.h"

struct gy_sess {
    struct agw_ctx *ctx;
    uint32_t ue_id, ul_teid;
    char imsi[16];
    uint32_t ue_ipv4;               /* the UE's addresses, for PS-Information */
    uint8_t ue6_prefix[8];          /* (TS 32.299 7.2.137), prefix 0 = none */
    char sid[DIAM_ID_MAX + 64];     /* Session-Id */
    uint32_t rg;
    uint32_t next_no;               /* next CC-Request-Number (RFC 4006 8.2) */
    bool busy;                      /* a CCR in flight */
    uint32_t busy_no, busy_type;
    uint64_t busy_snap;             /* charged() reported by it */
    uint64_t busy_used;             /* its USU */
    bool want_update;               /* a CCR-U to send after the answer */
    uint32_t want_reason;
    bool installed;                 /* the quota is in the datapath */
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
    bool blocked;                   /* 4010/4012/5031: no more grants */
    bool continue_mode;             /* CCFH CONTINUE after a failure */
    uint32_t ccfh;                  /* from config, then from the CCAs */
    bool ending;                    /* CCR-T sent or the session is gone */
    bool initial_done;              /* a CCA-I 2001 was received */
    ev_timer validity;
};

struct agw_gy {
    struct gy_sess **by_sid;        /* by session id (TEID & 0xffffff) */
    uint32_t max;
    struct agw_gy_stats stats;
    uint64_t boot;
    struct gy_store *store;         /* gy_store.c, NULL without a database */
};

struct agw_gy *gy_of(struct agw_ctx *ctx);
struct gy_sess *gy_find(struct agw_ctx *ctx, uint32_t ul_teid);
void gy_forget(struct agw_ctx *ctx, struct gy_sess *g);
/* charged() of the session, from the datapath; false when unreadable. */
bool gy_charged(struct agw_ctx *ctx, struct gy_sess *g, uint64_t *charged, int64_t *remaining);
/* The UE's addresses of p that its CCRs carry in PS-Information. */
void gy_sess_addresses(struct gy_sess *g, const struct agw_pdn *p);
/* Sends a CCR of type (I/U/T) with the usage since the last report. */
int gy_send_ccr(struct agw_ctx *ctx, struct gy_sess *g, uint32_t type, uint32_t reason);
void gy_validity_arm(struct gy_sess *g, uint32_t seconds);
/* The final-unit action in the datapath (and the UE's detach for
 * TERMINATE). */
void gy_apply_final(struct agw_ctx *ctx, struct gy_sess *g);
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
void gy_store_save(struct agw_ctx *ctx, const struct gy_sess *g);
void gy_store_forget(struct agw_ctx *ctx, uint32_t ul_teid);
/* Moves the kernel's quota so that granted becomes `total`. */
void gy_grant_set(struct agw_ctx *ctx, struct gy_sess *g, uint64_t total);

#endif
