/* xepc-agwd's Gx (TS 29.212) toward a PCRF, on userspace/diameter
 * (docs/charging.md):
 *
 *   gx_path.c     the Diameter node of the daemon and its libev watcher
 *   gx_build.c    CCR-I at session creation, CCR-T at its release
 *   gx_handler.c  CCA and RAR received
 *
 * The default bearer of a PDN connection waits for the CCA-I, whose QoS
 * and rules are in its activation; a failure refuses the connection, no
 * usable answer applies the Credit-Control-Failure-Handling
 * (docs/charging.md).  Nothing runs unless the configuration has
 * diameter.gx. */
#ifndef XEPC_AGW_GX_H
#define XEPC_AGW_GX_H

#include <stdbool.h>
#include <stdint.h>

struct agw_ctx;
struct agw_ue;
struct agw_pdn;

struct agw_gx_stats {
    uint64_t ccr_sent, cca_ok, cca_failed, timeouts, rar, rar_ok;
    /* a PDN connection refused for its CCA-I (a failure result, or no
     * usable answer with TERMINATE); Credit-Control-Failure-Handling
     * applied to a CCR without a usable answer (gx_handler.c) */
    uint64_t pdn_refused, ccfh_continue, ccfh_terminate;
    /* a PDN connection released for a CCA-U's permanent failure */
    uint64_t pdn_released;
    /* RETRY_AND_TERMINATE: a CCR sent again to the alternate PCRF */
    uint64_t retries;
};

/* Starts the node when cfg->diameter.gx is set; 0 also when it is not. */
int gx_open(struct agw_ctx *ctx);
void gx_close(struct agw_ctx *ctx);
/* How the node reaches a configured peer (TLS, SCTP): gx_path.c owns the
 * node, gy_path.c adds the OCS to it. */
struct diam_cfg;
struct diam_peer_cfg;
struct agw_diam_link;
void gx_node_link(struct diam_cfg *dc, struct diam_peer_cfg *p, const struct agw_diam_link *l);
/* Adds a configured peer to the node, reached by link; nothing when a peer
 * of that identity is there already (one connection per identity: the
 * configuration checked that they agree) or there is no room. */
struct in_addr;
void gx_node_peer(struct diam_cfg *dc, const char *identity, const struct in_addr *addr,
                  uint16_t port, const struct agw_diam_link *l);
const struct agw_gx_stats *gx_stats(const struct agw_ctx *ctx);
/* agw_diam_stats.c: the S6a, Gx and Gy counters of the enabled
 * applications, as "app_name N" lines (xepcctl agw stats) or in the
 * Prometheus text format (prom) */
struct strbuf;
void agw_diam_stats_render(struct agw_ctx *ctx, struct strbuf *o, bool prom);

/* gx_build.c: the IP-CAN session of a PDN connection (TS 29.212 4.5.1,
 * 4.5.7).  gx_session_start: 1 when the CCR-I is out (its CCA-I or
 * failure handling ends the PDN connection's wait, gx_handler.c), 0
 * without Gx, a negative errno when it could not be sent. */
int gx_session_start(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
void gx_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
struct gx_sess;
void gx_session_orphan_stop(struct agw_ctx *ctx, struct gx_sess *s);
/* gx_policy.c: restored sessions without a PDN connection, terminated
 * once a peer is open (the monitor timer of gx_path.c) */
void gx_sessions_orphans(struct agw_ctx *ctx);

/* gx_policy.c: without a PCRF, the local policy (its APN's of
 * policy.apns, else policy.static) of a session about to be added to the
 * datapath (docs/charging.md "Local policy") and the subscriber's rules
 * from the orchestrator
 * (orc_policy.c); called by pgw_pdn_program() before gy_session_spec(). */
struct dp_session_spec;
/* The local policy's PCC rules for ue's PDN connection p (none with a
 * PCRF): what gx_local_spec() installs, for Gy's first request
 * (agw_gy.h). */
struct diam_rule_def;
unsigned gx_local_defs(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                       struct diam_rule_def *defs);
/* The gateway ends PDN connection p (gx_handler.c): the UE's last one
 * detaches the UE, another is deactivated with esm_cause (TS 24.301
 * 6.4.4.2); why and detail go into the log line. */
void gx_pdn_end(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t esm_cause,
                const char *why, const char *detail);
/* Are the local policy's rules (and rating groups) those of p: no Gx, or
 * its Gx session went on with them (CONTINUE)? */
bool gx_local_in_force(struct agw_ctx *ctx, const struct agw_pdn *p);
void gx_local_spec(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                   struct dp_session_spec *s);
/* local_quota.c: a finite rating group's allowance per day or month
 * (docs/charging.md "Local policy"): the reservation of ul_teid's PDN
 * connection is booked (local_quota_held); local_quota_reserve() books
 * what is left of the period's allowance for it and returns that many
 * bytes for the kernel's quota; local_quota_end() gives back what the
 * kernel has left, when the PDN connection ends. */
struct agw_rating_group;
bool local_quota_held(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group);
uint64_t local_quota_reserve(struct agw_ctx *ctx, const char *imsi, uint32_t ul_teid,
                             const struct agw_rating_group *g);
void local_quota_end(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
/* The running PDN connections whose reservation is of an earlier period
 * get the new period's allowance (pgw_session.c's poll timer, once a
 * minute and at start). */
void local_quota_rollover(struct agw_ctx *ctx);
/* The kernel's QUOTA_EXHAUSTED of a local finite rating group (pgw_session.c):
 * logged and counted; a `redirect` final_action gets its rules now
 * (gx_policy_refresh).  local_final_check() does the same at start for
 * the sessions whose quota ran out while the daemon was not running. */
void local_final_event(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group);
void local_final_check(struct agw_ctx *ctx);

/* internal to gx_*.c */
/* gx_monitor.c: usage monitoring (TS 29.212 4.5.17) of a Gx session */
#define GX_MAX_MONITORS 4
struct gx_mon {
    char key[64];                   /* Monitoring-Key */
    uint64_t granted;               /* bytes granted since base */
    uint64_t base;                  /* the key's bytes at the last report */
    uint64_t off;                   /* PCC_RULE_LEVEL: what replaced charging
                                     * slots counted for the key's rating groups */
    bool armed;                     /* a grant outstanding: report when used */
    bool rule_level;                /* 5.3.61 PCC_RULE_LEVEL, else SESSION_LEVEL */
};
/* What a usage report's answer settles: the key's base moves to the count
 * the report read (the journal row's `settle`, agw_ccr.h) */
struct gx_settle {
    char key[64];
    uint64_t base;
};
struct gx_mons {
    unsigned n;
    struct gx_mon m[GX_MAX_MONITORS];
    bool busy;                      /* a CCR-U in flight */
    unsigned n_pend;                /* its reports, settled by its answer */
    struct gx_settle pend[GX_MAX_MONITORS];
};
/* RETRY_AND_TERMINATE (RFC 4006 5.7) with diameter.gx.alternate: the
 * session's server and the CCR-I/U in flight, sent again to the alternate
 * PCRF when it gets no usable answer (gx_build.c) */
struct gx_retry {
    bool alt;                       /* the alternate PCRF serves the session
                                     * (stored with it: 0017) */
    uint32_t type;                  /* CC-Request-Type of req */
    uint8_t *req;                   /* its bytes; NULL: none in flight */
    size_t len;
};
struct gx_retry *gx_sess_retry(struct gx_sess *s);
/* 1 when the request of type (DIAM_CC_*) of s is sent again to the
 * alternate PCRF (its answer or timeout comes as the first's would), 0
 * when there is nothing to retry (no alternate, already retried) */
int gx_send_retry(struct agw_ctx *ctx, struct gx_sess *s, uint32_t type);
/* gx_monitor.c: the CCR-U's answer came (ok: its reports settle: the
 * bases move), or it failed (the usage goes in the next report) */
struct gx_sess;
void gx_monitors_answered(struct agw_ctx *ctx, struct gx_sess *s, bool ok);
/* gx_event.c: the event triggers armed by the PCRF (TS 29.212 5.3.7) and
 * the values last reported; stored whole with the Gx session (0017,
 * written whenever it changes), so it survives a restart */
enum { GX_RULE_PENDING = 0, GX_RULE_ACTIVE, GX_RULE_FAILED };
struct gx_rule_state {
    char name[64];                  /* Charging-Rule-Name */
    uint8_t state;                  /* GX_RULE_*: its resource allocation reported */
};
struct gx_events {
    uint64_t armed;                 /* bit N: Event-Trigger N armed */
    bool fresh;                     /* restored from a row without them (before 0017):
                                     * the values below taken at the next look */
    uint8_t uli[13];                /* 3GPP-User-Location-Info last reported */
    /* restored with the session: the UE's cell is not stored with its
     * context (ue_store.c), so its location is compared again only once
     * it differs from the restored one (the UE heard from an eNB) */
    bool uli_wait;
    uint8_t uli_restored[13];
    uint8_t qci, arp;               /* default bearer QoS last reported */
    uint64_t ambr_ul, ambr_dl;      /* APN-AMBR last reported or authorised, bit/s */
    /* a default bearer modification the PCRF asked for failed (esm_dqos.c):
     * reported without being armed (5.3.7, 4.5.5.0a, 4.5.5.7) */
    bool fail_qos, fail_ambr;
    /* the HSS changed the subscribed default QoS / APN-AMBR (TS 23.401
     * 5.3.9.2, s6a_handler.c): these values are reported (when they differ
     * from the subscribed ones last reported, rsub_*), the CCA decides;
     * the values in force (compared with qci ... above) stay meanwhile */
    bool sub;
    uint8_t sub_qci, sub_arp, rsub_qci, rsub_arp;
    uint64_t sub_ambr_ul, sub_ambr_dl, rsub_ambr_ul, rsub_ambr_dl;
    unsigned n_rules;
    struct gx_rule_state rules[8];  /* DIAM_MAX_RULES */
    /* 4.5.12: rules (names, base names) a CCA asked to install that the
     * gateway does not have, or whose definition the datapath refuses,
     * for the next CCR-U's Charging-Rule-Report (an RAR's go into its
     * RAA) */
    unsigned n_unknown;
    struct {
        char name[64];
        bool base;
        uint8_t code;               /* Rule-Failure-Code (5.3.38) */
    } unknown[8];
};
/* Notes a predefined rule or base name that could not be installed. */
void gx_events_rule_unknown(struct gx_events *e, const char *name, bool base);
/* The same for a rule that could not be installed for another reason:
 * code is its Rule-Failure-Code (TS 29.212 5.3.38). */
void gx_events_rule_failed(struct gx_events *e, const char *name, bool base, uint8_t code);
struct diam_usage_monitor;
struct diam_gx_ccr;
struct diam_rule_def;
struct gx_sess;
struct gx_mons *gx_sess_monitors(struct gx_sess *s);
struct gx_events *gx_sess_events(struct gx_sess *s);
const struct diam_rule_def *gx_sess_defs(const struct gx_sess *s, unsigned *n);
void gx_events_arm(struct gx_events *e, const uint32_t *t, unsigned n);
void gx_events_init(struct gx_events *e, const struct agw_ue *ue, const struct agw_pdn *p);
void gx_events_ambr_authorised(struct gx_events *e, const struct agw_pdn *p);
void gx_events_qos_authorised(struct gx_events *e, const struct agw_pdn *p);
bool gx_events_watch(struct gx_sess *s);
/* esm_dqos.c: a modification the PCRF asked for failed / was accepted */
void gx_events_mod_failed(struct agw_ctx *ctx, uint32_t ul_teid, bool qos, bool ambr);
void gx_events_dqos_authorised(struct agw_ctx *ctx, const struct agw_pdn *p);
/* s6a_handler.c: new subscribed values to report (false: no Gx session) */
bool gx_events_subscribed(struct agw_ctx *ctx, uint32_t ul_teid, uint8_t qci, uint8_t arp,
                          uint64_t ambr_ul, uint64_t ambr_dl);
unsigned gx_events_report(struct agw_ctx *ctx, struct gx_sess *s, const struct agw_ue *ue,
                          const struct agw_pdn *p, struct diam_gx_ccr *ccr);
/* gx_build.c: 3GPP-User-Location-Info (TS 29.061 16.4.7.2) of the UE */
void gx_user_location(const struct agw_ue *ue, uint8_t u[13]);
/* esm_bearer_pcc.c: where a PCC rule is (TS 29.212 4.5.2 bearer binding):
 * on the default bearer, or on a dedicated bearer being set up, active,
 * or none (its activation failed) */
enum { ESM_PCC_DEFAULT, ESM_PCC_PENDING, ESM_PCC_ACTIVE, ESM_PCC_NONE };
int esm_pcc_rule_bearer(const struct agw_ue *ue, const struct agw_pdn *p,
                        const struct diam_rule_def *d);
/* esm_bearer_pcc.c: the dedicated bearers' downlink filters in s charged
 * to their PCC rules' rating group, else rg (Gy's) */
struct dp_session_spec;
void esm_pcc_bearer_charging(const struct agw_ue *ue, const struct agw_pdn *p,
                             const struct diam_rule_def *defs, unsigned n, uint32_t rg,
                             struct dp_session_spec *s);
void gx_sess_foreach(struct agw_ctx *ctx, void (*fn)(struct agw_ctx *, struct gx_sess *, void *),
                     void *arg);
void gx_monitors_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_usage_monitor *m,
                       unsigned n);
unsigned gx_monitors_report(struct agw_ctx *ctx, struct gx_sess *s, struct diam_gx_ccr *ccr,
                            bool final);
void gx_monitors_poll(struct agw_ctx *ctx);
/* A policy rebuild of the session (gx_policy.c) replaces its charging
 * slots: pre gets the rule-level keys' bytes in the old ones (read just
 * before the switch), added to their off once the new policy is in. */
void gx_monitors_carry_read(struct agw_ctx *ctx, struct gx_sess *s, uint64_t pre[GX_MAX_MONITORS]);
void gx_monitors_carry_done(struct gx_sess *s, const uint64_t pre[GX_MAX_MONITORS]);
/* gx_policy.c: the session's row (rules, monitors, armed triggers) written
 * in the loop iteration's transaction */
void gx_sess_save(struct agw_ctx *ctx, struct gx_sess *s);
/* gx_build.c: a CCR-U with the usage reports (Event-Trigger USAGE_REPORT)
 * and the events (gx_event.c) due */
void gx_send_update(struct agw_ctx *ctx, struct gx_sess *s);
struct diam_node;
struct diam_event;
struct diam_rule_def;
struct diam_rules;
struct diam_qos;
struct dp_rule_spec;
struct agw_hash;
struct gx_sess;
struct agw_hash *gx_sessions(struct agw_ctx *ctx);
/* gx_policy.c: the Gx session of a PDN connection (by uplink TEID), its
 * PCC rules, and what they become in the datapath */
struct gx_sess *gx_sess_new(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                            const char *sid);
struct gx_sess *gx_sess_find(struct agw_ctx *ctx, uint32_t ul_teid);
struct gx_sess *gx_sess_by_sid(struct agw_ctx *ctx, const char *sid);
const char *gx_sess_sid(const struct gx_sess *s);
const char *gx_sess_imsi(const struct gx_sess *s);
uint8_t gx_sess_ebi(const struct gx_sess *s);
uint32_t gx_sess_teid(const struct gx_sess *s);
uint32_t gx_sess_next_number(struct gx_sess *s);
/* Credit-Control-Failure-Handling in force (0 TERMINATE, 1 CONTINUE,
 * 2 RETRY_AND_TERMINATE): a CCA's, else diameter.gx.failure_handling */
uint32_t gx_sess_ccfh(const struct agw_ctx *ctx, const struct gx_sess *s);
/* true when it changed (then the session's row is to be written) */
bool gx_sess_set_ccfh(struct gx_sess *s, uint32_t ccfh);
/* CONTINUE without a CCA-I: the local policy becomes the session's rules */
int gx_policy_local(struct agw_ctx *ctx, struct gx_sess *s, char *why, size_t whylen);
void gx_sess_free(struct agw_ctx *ctx, struct gx_sess *s);
void gx_sessions_free_all(struct agw_ctx *ctx);
/* *orphans: how many have no PDN connection (gx_sessions_orphans) */
int gx_sessions_load(struct agw_ctx *ctx, unsigned *orphans);
int gx_default_qos_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_qos *q);
bool gx_dqos_signal(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_qos *dq,
                    const struct diam_qos *qos);
int gx_policy_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_rules *rules,
                    const struct diam_qos *qos, char *why, size_t whylen);
/* The session's datapath policy written again (PCC rules + Gy's part):
 * what Gy's RESTRICT_ACCESS calls.  0 or a negative errno. */
int gx_policy_refresh(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* An IPFilterRule (RFC 6733 4.3, TS 29.212 5.4.2) of a flow with its
 * Flow-Direction into a dp rule (pass, any precedence): 0 or -EINVAL. */
int gx_ipfilter_parse(const char *text, uint32_t flow_direction, struct dp_rule_spec *r);
/* Rule definitions into dp rules; returns how many, or -E2BIG/-EINVAL
 * with *bad naming the rule. */
int gx_rules_to_dp(const struct diam_rule_def *defs, unsigned n_defs, struct dp_rule_spec *out,
                   unsigned cap, const char **bad);
struct diam_node *gx_node(struct agw_ctx *ctx);
/* ccr_journal.c's state, kept with the node (ctx->gx must be set) */
struct ccr_state;
struct ccr_state **gx_ccr_slot(struct agw_ctx *ctx);
struct agw_gx_stats *gx_stats_mut(struct agw_ctx *ctx);
uint64_t gx_boot_id(const struct agw_ctx *ctx);
void gx_handle_event(struct agw_ctx *ctx, struct diam_event *ev);

#endif
