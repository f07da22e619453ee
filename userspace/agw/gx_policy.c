/* Gx enforcement (TS 29.212 4.5.2): the PCC rules the PCRF installs with
 * full Charging-Rule-Definitions (CCA, RAR) become the session's datapath
 * rules (userspace/dp: SDF filters with precedence, pass/drop, per-rule MBR
 * meter, rating group), and the authorised APN-AMBR (QoS-Information)
 * becomes its AMBR meters.  The Gx sessions are found by their Session-Id
 * "<identity>;<boot>;<ul_teid>" (gx_build.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_ccr.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "agw/agw_orc.h"
#include "agw/agw_policy.h"
#include "diameter/diam.h"
#include "dp/dp.h"

/* --------------------------------------------- rules of a session ---- */

/* The order of definition i among defs: TS 29.212 5.3.50, the lowest
 * Precedence first; an absent one (0) after every other; ties by rule
 * name, then by position, so the order is total and stable. */
static bool before(const struct diam_rule_def *defs, unsigned a, unsigned b)
{
    uint64_t pa = defs[a].precedence ? defs[a].precedence : (uint64_t)UINT32_MAX + 1;
    uint64_t pb = defs[b].precedence ? defs[b].precedence : (uint64_t)UINT32_MAX + 1;
    if (pa != pb)
        return pa < pb;
    int c = strcmp(defs[a].name, defs[b].name);
    return c ? c < 0 : a < b;
}

/* The datapath rules of the installed definitions, in precedence order
 * (TS 29.212 4.5.2: the lowest Precedence first).  Each flow of a rule is
 * one dp rule; dp precedences must be distinct and 16 bits, while a
 * Precedence is 32 bits: a rule's rank R among defs (0 first, before())
 * becomes 4 (R + 1) + the flow's index, so the relative order of any
 * Precedences is kept (4 .. 4 n + 3: far below the dedicated bearers'
 * offset, esm_pcc_rules, and Gy's rule at 65535).  Returns how many or
 * -E2BIG/-EINVAL with *bad the name of the rule that did not fit. */
int gx_rules_to_dp(const struct diam_rule_def *defs, unsigned n_defs, struct dp_rule_spec *out,
                   unsigned cap, const char **bad)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_defs; i++) {
        const struct diam_rule_def *d = &defs[i];
        *bad = d->name;
        uint32_t rank = 0;
        for (unsigned j = 0; j < n_defs; j++)
            rank += j != i && before(defs, j, i);
        if (rank >= 16000)
            return -E2BIG;
        uint32_t prec = rank + 1;
        /* 5.3.48 Flow-Status: 0 ENABLED-UPLINK 1 ENABLED-DOWNLINK 2 ENABLED
         * 3 DISABLED (4 REMOVED: 29.214 only) */
        uint32_t fs = d->has_flow_status ? d->flow_status : 2;
        if (fs > 3)
            return -EINVAL;
        for (unsigned f = 0; f < d->n_flows; f++) {
            struct dp_rule_spec r;
            if (gx_ipfilter_parse(d->flows[f].description, d->flows[f].direction, &r) < 0)
                return -EINVAL;
            r.precedence = (uint16_t)(prec * 4 + f);
            r.action = fs == 3 ? DP_ACTION_DROP : d->redirect ? DP_ACTION_REDIRECT : DP_ACTION_PASS;
            if ((fs == 0 && r.dir == DP_DIR_DL) || (fs == 1 && r.dir == DP_DIR_UL))
                r.action = DP_ACTION_DROP;
            if (d->has_rating_group)
                r.rating_group = d->rating_group;
            if (d->qos.present && r.action == DP_ACTION_PASS) {
                /* 5.3.16: the rule's MBR; one meter per dp rule, so the
                 * direction the flow has (the larger for both) */
                uint32_t mbr = r.dir == DP_DIR_UL ? d->qos.mbr_ul
                               : r.dir == DP_DIR_DL ? d->qos.mbr_dl
                               : (d->qos.mbr_ul > d->qos.mbr_dl ? d->qos.mbr_ul : d->qos.mbr_dl);
                r.mbr_bps = mbr;
            }
            if (fs == 0 || fs == 1) {
                if (r.dir == DP_DIR_BOTH) {
                    /* enabled one way: the other way is a drop rule */
                    if (n + 2 > cap)
                        return -E2BIG;
                    struct dp_rule_spec other = r;
                    r.dir = fs == 0 ? DP_DIR_UL : DP_DIR_DL;
                    other.dir = fs == 0 ? DP_DIR_DL : DP_DIR_UL;
                    other.action = DP_ACTION_DROP;
                    other.mbr_bps = 0;
                    /* a distinct precedence, after every flow of the rule */
                    other.precedence = (uint16_t)(prec * 4 + 3);
                    if (f == 3 || d->n_flows > 3)
                        return -E2BIG;
                    out[n++] = r;
                    out[n++] = other;
                    continue;
                }
            }
            if (n >= cap)
                return -E2BIG;
            out[n++] = r;
        }
    }
    /* distinct precedences (dp_session_spec_check) */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (out[i].precedence == out[j].precedence)
                return -EINVAL;
    *bad = NULL;
    return (int)n;
}

/* ------------------------------------------------ Gx sessions ---- */

struct gx_sess {
    struct agw_hnode by_teid;
    uint32_t ul_teid;
    char sid[DIAM_ID_MAX + 64];
    char imsi[16];
    uint8_t ebi;
    uint32_t cc_number;             /* of the last CCR sent */
    unsigned n_defs;
    struct diam_rule_def defs[DIAM_MAX_RULES];
    struct gx_mons mons;            /* usage monitoring (gx_monitor.c) */
    struct gx_events ev;            /* event triggers (gx_event.c), stored (0017) */
    uint8_t ccfh;                   /* a CCA's Credit-Control-Failure-Handling + 1,
                                     * 0: diameter.gx.failure_handling (stored: 0014) */
    bool local;                     /* CONTINUE without a CCA-I: the local policy's
                                     * rating groups apply (not stored) */
    struct gx_retry retry;          /* RETRY_AND_TERMINATE (gx_build.c) */
    bool orphan;                    /* restored without its PDN connection */
    struct gx_sess *next_orphan;
};

static struct gx_sess *sess_of(struct agw_hnode *n)
{
    return n ? agw_container_of(n, struct gx_sess, by_teid) : NULL;
}

struct gx_sess *gx_sess_find(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct agw_hash *h = gx_sessions(ctx);
    return h ? sess_of(agw_hash_find(h, ul_teid)) : NULL;
}

/* The Session-Id is "<identity>;<boot>;<ul_teid>" (gx_build.c). */
struct gx_sess *gx_sess_by_sid(struct agw_ctx *ctx, const char *sid)
{
    const char *semi = strrchr(sid, ';');
    if (!semi)
        return NULL;
    char *end;
    unsigned long teid = strtoul(semi + 1, &end, 10);
    if (*end || end == semi + 1 || teid > UINT32_MAX)
        return NULL;
    struct gx_sess *s = gx_sess_find(ctx, (uint32_t)teid);
    return s && !strcmp(s->sid, sid) ? s : NULL;
}

const char *gx_sess_sid(const struct gx_sess *s)
{
    return s->sid;
}

struct gx_mons *gx_sess_monitors(struct gx_sess *s)
{
    return &s->mons;
}

struct gx_events *gx_sess_events(struct gx_sess *s)
{
    return &s->ev;
}

struct gx_retry *gx_sess_retry(struct gx_sess *s)
{
    return &s->retry;
}

static int sess_store(struct agw_ctx *ctx, const struct gx_sess *s);

void gx_sess_save(struct agw_ctx *ctx, struct gx_sess *s)
{
    sess_store(ctx, s);
}

const struct diam_rule_def *gx_sess_defs(const struct gx_sess *s, unsigned *n)
{
    *n = s->n_defs;
    return s->defs;
}

void gx_sess_foreach(struct agw_ctx *ctx, void (*fn)(struct agw_ctx *, struct gx_sess *, void *),
                     void *arg)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (!h || !h->buckets)
        return;
    for (size_t i = 0; i <= h->mask; i++)
        for (struct agw_hnode *n = h->buckets[i]; n; n = n->next)
            fn(ctx, sess_of(n), arg);
}

const char *gx_sess_imsi(const struct gx_sess *s)
{
    return s->imsi;
}

uint8_t gx_sess_ebi(const struct gx_sess *s)
{
    return s->ebi;
}

uint32_t gx_sess_teid(const struct gx_sess *s)
{
    return s->ul_teid;
}

/* RFC 4006 8.14 via TS 29.212 5.6.3: the CCFH of the session's CCAs,
 * else the configuration's */
uint32_t gx_sess_ccfh(const struct agw_ctx *ctx, const struct gx_sess *s)
{
    return s && s->ccfh ? s->ccfh - 1u : ctx->cfg->diameter.gx.ccfh;
}

bool gx_sess_set_ccfh(struct gx_sess *s, uint32_t ccfh)
{
    if (ccfh > 2 || s->ccfh == ccfh + 1)
        return false;
    s->ccfh = (uint8_t)(ccfh + 1);
    return true;
}

uint32_t gx_sess_next_number(struct gx_sess *s)
{
    return ++s->cc_number;
}

/* SQLite: schema/agw/0003_gx_sessions.sql, 0009_gx_monitors.sql,
 * 0014_gx_ccfh.sql, 0017_gx_events.sql.
 * Written in the loop iteration's transaction (group commit, ue_store.c). */
static int sess_store(struct agw_ctx *ctx, const struct gx_sess *s)
{
    sqlite3 *db = ctx->db->db;
    sqlite3_stmt *st;
    if (agw_txn_open(ctx) < 0)
        return -EIO;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO gx_session (ul_teid, session_id, imsi, ebi, "
                           "cc_number, rule_size, rules, mon_size, monitors, triggers, ccfh, "
                           "ev_size, events, alternate) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    /* the event triggers' reference values and what is still to report
     * (gx_event.c), and the PCRF that serves the session (RFC 4006 5.7) */
    sqlite3_bind_int(st, 12, (int)sizeof(s->ev));
    sqlite3_bind_blob(st, 13, &s->ev, (int)sizeof(s->ev), SQLITE_STATIC);
    sqlite3_bind_int(st, 14, s->retry.alt);
    sqlite3_bind_int(st, 8, (int)sizeof(struct gx_mon));
    sqlite3_bind_blob(st, 9, s->mons.m, (int)(s->mons.n * sizeof(s->mons.m[0])), SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)s->ev.armed);
    sqlite3_bind_int(st, 11, s->ccfh);
    sqlite3_bind_int64(st, 1, s->ul_teid);
    sqlite3_bind_text(st, 2, s->sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, s->ebi);
    sqlite3_bind_int64(st, 5, s->cc_number);
    sqlite3_bind_int(st, 6, (int)sizeof(struct diam_rule_def));
    sqlite3_bind_blob(st, 7, s->defs, (int)(s->n_defs * sizeof(s->defs[0])), SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
    sqlite3_finalize(st);
    return rc;
}

static void sess_unstore(struct agw_ctx *ctx, uint32_t ul_teid)
{
    sqlite3_stmt *st;
    if (agw_txn_open(ctx) < 0 ||
        sqlite3_prepare_v2(ctx->db->db, "DELETE FROM gx_session WHERE ul_teid = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, ul_teid);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

struct gx_sess *gx_sess_new(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                            const char *sid)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (!h)
        return NULL;
    struct gx_sess *old = gx_sess_find(ctx, p->ul_teid);
    if (old)
        gx_sess_free(ctx, old);
    struct gx_sess *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ul_teid = p->ul_teid;
    snprintf(s->sid, sizeof(s->sid), "%s", sid);
    snprintf(s->imsi, sizeof(s->imsi), "%s", ue->imsi);
    s->ebi = p->ebi;
    gx_events_init(&s->ev, ue, p);
    if (agw_hash_add(h, &s->by_teid, s->ul_teid) < 0) {
        free(s);
        return NULL;
    }
    sess_store(ctx, s);
    return s;
}

void gx_sess_free(struct agw_ctx *ctx, struct gx_sess *s)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (h)
        agw_hash_del(h, &s->by_teid);
    if (!ctx->stopping)
        sess_unstore(ctx, s->ul_teid);
    free(s->retry.req);
    free(s);
}

void gx_sessions_free_all(struct agw_ctx *ctx)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (!h || !h->buckets)
        return;
    for (size_t i = 0; i <= h->mask; i++)
        while (h->buckets[i]) {
            struct gx_sess *s = sess_of(h->buckets[i]);
            agw_hash_del(h, &s->by_teid);
            free(s->retry.req);
            free(s);
        }
}

/* A stored struct gx_events of this binary's layout, its counts and
 * strings bounded as the code that reads them expects. */
static void events_sane(struct gx_events *e)
{
    e->fresh = false;
    if (e->n_rules > DIAM_MAX_RULES)
        e->n_rules = 0;
    for (unsigned i = 0; i < e->n_rules; i++)
        e->rules[i].name[sizeof(e->rules[i].name) - 1] = 0;
    if (e->n_unknown > sizeof(e->unknown) / sizeof(e->unknown[0]))
        e->n_unknown = 0;
    for (unsigned i = 0; i < e->n_unknown; i++)
        e->unknown[i].name[sizeof(e->unknown[i].name) - 1] = 0;
}

/* After a restart: the Gx sessions of the PDN connections restored from
 * the store (their rules are still in the pinned datapath maps). */
int gx_sessions_load(struct agw_ctx *ctx, unsigned *orphans)
{
    struct agw_hash *h = gx_sessions(ctx);
    sqlite3_stmt *st;
    int n = 0;
    *orphans = 0;
    if (!h)
        return 0;
    if (sqlite3_prepare_v2(ctx->db->db,
                           "SELECT ul_teid, session_id, imsi, ebi, cc_number, rule_size, rules, "
                           "mon_size, monitors, triggers, ccfh, ev_size, events, alternate "
                           "FROM gx_session", -1, &st,
                           NULL) != SQLITE_OK)
        return -EIO;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct gx_sess *s = calloc(1, sizeof(*s));
        if (!s)
            break;
        s->ul_teid = (uint32_t)sqlite3_column_int64(st, 0);
        snprintf(s->sid, sizeof(s->sid), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(s->imsi, sizeof(s->imsi), "%s", (const char *)sqlite3_column_text(st, 2));
        s->ebi = (uint8_t)sqlite3_column_int(st, 3);
        s->cc_number = (uint32_t)sqlite3_column_int64(st, 4);
        int size = sqlite3_column_int(st, 5);
        int bytes = sqlite3_column_bytes(st, 6);
        const void *blob = sqlite3_column_blob(st, 6);
        /* the rules are the structs of this binary; another layout (an
         * upgrade that changed them) is not read */
        if (size == (int)sizeof(struct diam_rule_def) && blob && bytes % size == 0 &&
            bytes / size <= DIAM_MAX_RULES) {
            s->n_defs = (unsigned)(bytes / size);
            memcpy(s->defs, blob, (size_t)bytes);
            for (unsigned i = 0; i < s->n_defs; i++)
                s->defs[i].name[DIAM_STR_MAX - 1] = 0;
        }
        /* the usage monitors (4.5.17): the datapath counters survived, so
         * the next report is what came since the last one, once */
        size = sqlite3_column_int(st, 7);
        bytes = sqlite3_column_bytes(st, 8);
        blob = sqlite3_column_blob(st, 8);
        if (size == (int)sizeof(struct gx_mon) && blob && bytes % size == 0 &&
            bytes / size <= GX_MAX_MONITORS) {
            s->mons.n = (unsigned)(bytes / size);
            memcpy(s->mons.m, blob, (size_t)bytes);
            for (unsigned i = 0; i < s->mons.n; i++)
                s->mons.m[i].key[sizeof(s->mons.m[i].key) - 1] = 0;
        }
        /* TS 29.212 4.5.3: what the PCRF was last told (location, default
         * bearer QoS, APN-AMBR, each rule's resource allocation) and what
         * is still to tell it (the MODIFICATION_FAILURE triggers, an IDR's
         * subscribed change), so that the first look after the restart
         * compares with that.  A row without them (written before 0017,
         * or another layout): the UE as it is then is the reference
         * (gx_event.c) */
        size = sqlite3_column_int(st, 11);
        bytes = sqlite3_column_bytes(st, 12);
        blob = sqlite3_column_blob(st, 12);
        if (size == (int)sizeof(s->ev) && blob && bytes == size) {
            memcpy(&s->ev, blob, sizeof(s->ev));
            events_sane(&s->ev);
        } else {
            memset(&s->ev, 0, sizeof(s->ev));
            s->ev.fresh = true;
        }
        s->ev.armed = (uint64_t)sqlite3_column_int64(st, 9);
        /* RFC 4006 5.7: a session that failed over stays with the
         * alternate PCRF (its requests name it in Destination-Host) */
        s->retry.alt = sqlite3_column_int(st, 13) != 0;
        /* RFC 4006 8.14: a CCA's CCFH holds for the rest of the session,
         * also after a restart */
        int ccfh = sqlite3_column_int(st, 10);
        if (ccfh >= 1 && ccfh <= 3)
            s->ccfh = (uint8_t)ccfh;
        /* a CCR-U with usage reports not answered before the restart: sent
         * again as it was (agw_ccr.h), its answer settles them */
        struct ccr_row r;
        if (ccr_pending(ctx, s->sid, &r) && r.app == DIAM_APPID_GX &&
            r.type == DIAM_CC_UPDATE && r.settle_len % sizeof(s->mons.pend[0]) == 0 &&
            r.settle_len / sizeof(s->mons.pend[0]) <= GX_MAX_MONITORS) {
            s->mons.busy = true;
            s->mons.n_pend = (unsigned)(r.settle_len / sizeof(s->mons.pend[0]));
            memcpy(s->mons.pend, r.settle, r.settle_len);
            for (unsigned i = 0; i < s->mons.n_pend; i++)
                s->mons.pend[i].key[sizeof(s->mons.pend[i].key) - 1] = 0;
            if (s->cc_number < r.no)
                s->cc_number = r.no;
        }
        if (agw_hash_add(h, &s->by_teid, s->ul_teid) < 0) {
            free(s);
            continue;
        }
        /* a PDN connection that waited for its CCA-I is not stored
         * (ue_store.c): its session is ended once a peer is open */
        struct agw_ue *ue = pgw_ue_by_session(ctx, s->ul_teid & 0xffffff);
        struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
        s->orphan = !p || p->ul_teid != s->ul_teid;
        if (!s->ev.fresh && ue) {
            /* the restored UE's cell is not stored (ue_store.c): its
             * location is compared once the UE is heard again (gx_event.c) */
            s->ev.uli_wait = true;
            gx_user_location(ue, s->ev.uli_restored);
        }
        *orphans += s->orphan;
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

static void end_orphan(struct agw_ctx *ctx, struct gx_sess *s, void *arg)
{
    (void)ctx;
    struct gx_sess **list = arg;
    if (s->orphan) {
        s->orphan = false;
        s->next_orphan = *list;
        *list = s;
    }
}

void gx_sessions_orphans(struct agw_ctx *ctx)
{
    struct gx_sess *list = NULL;
    gx_sess_foreach(ctx, end_orphan, &list);    /* collected: the CCR-T frees each */
    while (list) {
        struct gx_sess *s = list;
        list = s->next_orphan;
        gx_session_orphan_stop(ctx, s);
    }
}

/* ------------------------------------------------------- apply ---- */

static int def_index(const struct gx_sess *s, const char *name)
{
    for (unsigned i = 0; i < s->n_defs; i++)
        if (!strcmp(s->defs[i].name, name))
            return (int)i;
    return -1;
}

static void def_remove(struct gx_sess *s, unsigned i)
{
    memmove(&s->defs[i], &s->defs[i + 1], (s->n_defs - i - 1) * sizeof(s->defs[0]));
    s->n_defs--;
}

/* A predefined rule (policy.rules) as the Charging-Rule-Definition a PCRF
 * would have sent (TS 29.212 5.3.4). */
static void def_of_rule(const struct agw_pcc_rule *r, struct diam_rule_def *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", r->name);
    d->n_flows = r->n_flows;
    for (unsigned i = 0; i < r->n_flows && i < DIAM_MAX_FLOWS; i++) {
        snprintf(d->flows[i].description, sizeof(d->flows[i].description), "%s", r->flows[i]);
        d->flows[i].direction = r->direction;
    }
    d->precedence = r->precedence;
    d->has_flow_status = true;
    /* a redirect rule (orc_policy.c) is ENABLED with its uplink to the portal */
    d->redirect = r->action == AGW_PCC_REDIRECT;
    d->flow_status = d->redirect ? AGW_PCC_PASS : r->action;
    if (r->mbr_ul_bps || r->mbr_dl_bps) {
        d->qos.present = true;
        d->qos.mbr_ul = (uint32_t)r->mbr_ul_bps;
        d->qos.mbr_dl = (uint32_t)r->mbr_dl_bps;
    }
    if (r->rating_group) {
        d->has_rating_group = true;
        d->rating_group = r->rating_group;
    }
    snprintf(d->monitoring_key, sizeof(d->monitoring_key), "%s", r->monitoring_key);
}

/* Installs (or replaces, 4.5.2.2) a predefined rule in s: 0 or -E2BIG. */
static int def_put(struct gx_sess *s, const struct agw_pcc_rule *r)
{
    struct diam_rule_def d;
    def_of_rule(r, &d);
    int k = def_index(s, d.name);
    if (k >= 0) {
        s->defs[k] = d;
        return 0;
    }
    if (s->n_defs >= DIAM_MAX_RULES)
        return -E2BIG;
    s->defs[s->n_defs++] = d;
    return 0;
}

/* ------------------------------------------------ local policy ---- */

/* Without a PCRF (no diameter.gx), every PDN connection gets the rules of
 * its APN's entry of policy.apns, or of policy.static when its APN has
 * none (by name and by base name) at its creation, and their rating
 * groups the semantics of policy.rating_groups (docs/charging.md "Local
 * policy"): unmetered traffic is not counted by rating group (the dp rule
 * has none), metered is counted (the kernel's per-rating-group counters),
 * finite is counted against a quota the kernel enforces to the byte
 * (XEPC_CF_ONLINE, final-unit action drop once it is used up). */
static unsigned local_defs(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                           struct diam_rule_def *defs)
{
    const struct agw_policy *pol = &ctx->cfg->policy;
    const struct agw_apn *apn = p && p->apn_idx < ctx->cfg->n_apns ? &ctx->cfg->apns[p->apn_idx]
                                                                   : NULL;
    const struct agw_policy_set *set = agw_policy_local(pol, apn ? apn->name : NULL);
    struct gx_sess tmp;
    tmp.n_defs = 0;
    for (size_t i = 0; i < set->n_rules; i++)
        def_put(&tmp, &pol->rules[set->rules[i]]);
    for (size_t i = 0; i < set->n_bases; i++) {
        const struct agw_base_name *bn = &pol->bases[set->bases[i]];
        for (unsigned j = 0; j < bn->n_rules; j++)
            def_put(&tmp, &pol->rules[bn->rules[j]]);
    }
    /* and the subscriber's own rules from the orchestrator (orc_policy.c) */
    const struct agw_pcc_rule *own[DIAM_MAX_RULES];
    unsigned n_own = orc_policy_subscriber_rules(ctx, ue ? ue->imsi : NULL, own, DIAM_MAX_RULES);
    for (unsigned i = 0; i < n_own; i++)
        def_put(&tmp, own[i]);
    memcpy(defs, tmp.defs, tmp.n_defs * sizeof(defs[0]));
    /* an `online` rating group is charged over Gy where the APN has it
     * (the rule's Online AVP, TS 29.212 5.3.4), else metered */
    for (unsigned i = 0; i < tmp.n_defs; i++) {
        const struct agw_rating_group *g =
            defs[i].has_rating_group ? agw_policy_rating_group(pol, defs[i].rating_group) : NULL;
        if (g && g->type == AGW_RG_ONLINE) {
            defs[i].has_online = true;
            defs[i].online = 1;
        }
    }
    return tmp.n_defs;
}

unsigned gx_local_defs(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                       struct diam_rule_def *defs)
{
    return ctx->cfg->diameter.gx.enabled ? 0 : local_defs(ctx, ue, p, defs);
}

static bool prec_free(const struct dp_session_spec *s, uint32_t prec)
{
    for (uint32_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].precedence == prec)
            return false;
    return true;
}

/* A rule of a final-unit action: always allowed (XEPC_RF_ALWAYS_ALLOWED:
 * it takes no quota and passes whatever the slot's state), counted on the
 * rating group apart from its used units (xepc_uncharged) where the
 * datapath has that count, else on none (an older datapath would count it
 * as used units), as Gy's restriction rules (gy_handler.c).  At want when
 * that precedence is free, else at the lowest free one (1, 2, 3 are, the
 * PCC rules' are 4 x rank and up: gx_rules_to_dp).  NULL when no dp rule
 * is left (the last one is Gy's). */
static struct dp_rule_spec *final_rule_add(struct agw_ctx *ctx, struct dp_session_spec *s,
                                           const struct dp_rule_spec *from, uint32_t rg,
                                           uint32_t want)
{
    if (s->n_rules >= DP_MAX_RULES - 1)
        return NULL;
    uint32_t prec = want;
    if (!prec || prec >= UINT16_MAX - 1 || !prec_free(s, prec))
        for (prec = 1; prec < UINT16_MAX - 1 && !prec_free(s, prec); prec++)
            ;
    struct dp_rule_spec *r = &s->rules[s->n_rules++];
    *r = *from;
    r->precedence = (uint16_t)prec;
    r->always_allowed = true;
    r->mbr_bps = 0;
    r->burst_bytes = 0;
    r->rating_group = ctx->dp && dp_counts_uncharged(ctx->dp) ? rg : 0;
    return r;
}

/* RFC 4006 5.6.3 RESTRICT_ACCESS from the file: the flows of the rules
 * final_rules names pass once g's quota is used, and take none of it (as
 * the Filter-Ids of Gy's, always allowed from the start). */
static void final_restrict(struct agw_ctx *ctx, const struct agw_pdn *p,
                           const struct agw_rating_group *g, struct dp_session_spec *s)
{
    const struct agw_policy *pol = &ctx->cfg->policy;
    for (unsigned i = 0; i < g->n_final_rules; i++) {
        const struct agw_pcc_rule *pr = agw_policy_rule(pol, g->final_rules[i]);
        if (!pr) {
            /* orcd's policy replaced the file's and has no such rule */
            LOG_WARN(ctx, "pcef", "session 0x%08x: rating group %u: restrict names rule '%s', "
                     "which the policy no longer has", p->ul_teid, g->id, g->final_rules[i]);
            continue;
        }
        for (unsigned f = 0; f < pr->n_flows; f++) {
            struct dp_rule_spec r;
            if (gx_ipfilter_parse(pr->flows[f], pr->direction, &r) < 0)
                continue;       /* checked by the configuration */
            r.action = DP_ACTION_PASS;
            if (!final_rule_add(ctx, s, &r, g->id, 0)) {
                LOG_WARN(ctx, "pcef", "session 0x%08x: rating group %u: no datapath rule left "
                         "for rule '%s' of its restrict", p->ul_teid, g->id, pr->name);
                return;
            }
        }
    }
}

/* RFC 4006 5.6.2 REDIRECT from the file, once g's quota is used: its HTTP
 * (TCP to final_port, uplink) to the datapath's portal, its other packets
 * dropped (the quota's action is RESTRICT: only these rules pass).  One
 * rule per dp rule of g that can carry such a packet, narrowed to it,
 * just before that rule. */
static void final_redirect(struct agw_ctx *ctx, const struct agw_pdn *p,
                           const struct agw_rating_group *g, struct dp_session_spec *s)
{
    uint32_t n = s->n_rules;
    for (uint32_t i = 0; i < n; i++) {
        struct dp_rule_spec r = s->rules[i];
        if (r.rating_group != g->id || r.always_allowed || r.action != DP_ACTION_PASS ||
            r.dir == DP_DIR_DL || (r.proto && r.proto != 6) || g->final_port < r.dport_lo ||
            g->final_port > r.dport_hi)
            continue;
        r.proto = 6;
        r.dport_lo = r.dport_hi = g->final_port;
        r.action = DP_ACTION_REDIRECT;
        if (!final_rule_add(ctx, s, &r, g->id, s->rules[i].precedence - 1u)) {
            LOG_WARN(ctx, "pcef", "session 0x%08x: rating group %u: no datapath rule left for "
                     "its redirect", p->ul_teid, g->id);
            return;
        }
    }
}

/* The rating groups' semantics on the dp rules of s; a finite group's
 * quota is its full volume, or what the kernel has left of it when the
 * session exists (a rebuild must not refill it: the slot goes on, with
 * its state), and its final-unit action (policy.rating_groups[].
 * final_action, docs/charging.md "Local policy"). */
static void local_rating(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                         struct dp_session_spec *s)
{
    const struct agw_policy *pol = &ctx->cfg->policy;
    const struct agw_config *c = ctx->cfg;
    struct dp_session_info info;
    const struct agw_rating_group *fin[DP_MAX_QUOTAS];
    bool used_up[DP_MAX_QUOTAS];
    unsigned n_fin = 0;
    bool have_info = ctx->dp && p->dp_installed && dp_session_get(ctx->dp, p->ul_teid, &info) == 0;
    uint32_t n_rules = s->n_rules;
    for (uint32_t i = 0; i < n_rules; i++) {
        struct dp_rule_spec *r = &s->rules[i];
        const struct agw_rating_group *g =
            r->rating_group ? agw_policy_rating_group(pol, r->rating_group) : NULL;
        if (!g)
            continue;                   /* metered by default */
        if (g->type == AGW_RG_UNMETERED) {
            r->rating_group = 0;
            continue;
        }
        if (g->type != AGW_RG_FINITE || (c->diameter.gy.enabled && g->id == c->diameter.gy.rating_group))
            continue;
        bool have = false;
        for (uint32_t q = 0; q < s->n_quotas; q++)
            have |= s->quotas[q].rating_group == g->id;
        if (have || s->n_quotas >= DP_MAX_QUOTAS)
            continue;
        struct dp_quota_spec *q = &s->quotas[s->n_quotas++];
        memset(q, 0, sizeof(*q));
        q->rating_group = g->id;
        q->bytes = g->quota_bytes;
        /* RFC 4006 8.35: REDIRECT lets through only its own rules (below),
         * so the slot's action is the restriction's */
        q->fua = g->final_action == AGW_RG_FINAL_DROP || g->final_action == AGW_RG_FINAL_TERMINATE
                     ? DP_FUA_DROP : DP_FUA_RESTRICT;
        bool in_kernel = false, exhausted = false;
        for (uint32_t k = 0; have_info && k < info.n_charges; k++)
            if (info.charges[k].rating_group == g->id && (info.charges[k].flags & XEPC_CF_ONLINE)) {
                q->bytes = info.charges[k].remaining > 0 ? (uint64_t)info.charges[k].remaining : 0;
                exhausted = info.charges[k].state & XEPC_CS_EXHAUSTED;
                in_kernel = q->keep = true;
            }
        /* a daily or monthly allowance: what is left of it this period,
         * reserved in SQLite, unless the kernel has this connection's
         * reservation already (local_quota.c); a new reservation is a new
         * slot */
        if (g->period != AGW_RG_PER_CONNECTION && ue && ue->imsi[0] &&
            !(in_kernel && local_quota_held(ctx, p->ul_teid, g->id))) {
            q->bytes = local_quota_reserve(ctx, ue->imsi, p->ul_teid, g);
            q->keep = exhausted = false;
        }
        if (g->final_action == AGW_RG_FINAL_REDIRECT || g->final_action == AGW_RG_FINAL_RESTRICT) {
            fin[n_fin] = g;
            used_up[n_fin++] = exhausted || q->bytes == 0;
        }
    }
    for (unsigned i = 0; i < n_fin; i++) {
        if (fin[i]->final_action == AGW_RG_FINAL_RESTRICT)
            final_restrict(ctx, p, fin[i], s);
        else if (used_up[i])
            final_redirect(ctx, p, fin[i], s);
    }
}

bool gx_local_in_force(struct agw_ctx *ctx, const struct agw_pdn *p)
{
    struct gx_sess *ls = ctx->cfg->diameter.gx.enabled ? gx_sess_find(ctx, p->ul_teid) : NULL;
    return !ctx->cfg->diameter.gx.enabled || (ls && ls->local);
}

void gx_local_spec(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                   struct dp_session_spec *s)
{
    struct diam_rule_def defs[DIAM_MAX_RULES];
    if (ctx->cfg->diameter.gx.enabled)
        return;
    unsigned n_defs = local_defs(ctx, ue, p, defs);
    if (!n_defs)
        return;
    const char *bad = NULL;
    uint32_t room = DP_MAX_RULES - 1 - s->n_rules;    /* one left for Gy */
    int n = gx_rules_to_dp(defs, n_defs, s->rules + s->n_rules, room, &bad);
    if (n < 0) {
        LOG_ERR(ctx, "pcef", "session 0x%08x: local policy not installed: rule \"%s\": %s",
                p->ul_teid, bad ? bad : "?", n == -E2BIG ? "too many flows" : "not supported");
        return;
    }
    s->n_rules += (uint32_t)n;
    local_rating(ctx, ue, p, s);
    LOG_INFO(ctx, "pcef", "session 0x%08x: local policy: %u PCC rule(s), %d datapath rule(s), "
             "%u quota(s)", p->ul_teid, n_defs, n, s->n_quotas);
}

/* The whole datapath policy of a PDN connection, written in one
 * dp_session_modify(): its PCC rules (definitions), then Gy's part (the
 * Restriction-Filter-Rules in force, the rating group's catch-all rule and
 * its quota with the kernel's remainder, gy_policy_add), and the APN-AMBR
 * the PCRF authorised.  Every rebuild of a session's policy goes through
 * here, so that a Gx change keeps the Gy quota and a Gy restriction keeps
 * the PCC rules.  Returns the number of dp rules of the PCC rules, or a
 * negative errno with a sentence in why. */
static int policy_push(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                       const struct diam_rule_def *defs, unsigned n_defs,
                       const struct diam_qos *qos, char *why, size_t whylen)
{
    struct dp_session_spec spec;
    pgw_pdn_spec(ue, p, &spec);
    const char *bad = NULL;
    /* after the dedicated bearers' TFT filters (pgw_pdn_spec); rules with
     * their own QoS go onto dedicated bearers instead (esm_bearer_pcc.c);
     * the last dp rule is kept for Gy's rating group */
    int n = esm_pcc_rules(p, defs, n_defs, &spec, &bad);
    if (n < 0) {
        snprintf(why, whylen, "rule \"%s\": %s", bad ? bad : "?",
                 n == -E2BIG ? "too many flows for the datapath" : "flow not supported");
        return n;
    }
    struct gx_sess *ls = ctx->cfg->diameter.gx.enabled ? gx_sess_find(ctx, p->ul_teid) : NULL;
    if (!ctx->cfg->diameter.gx.enabled || (ls && ls->local))
        local_rating(ctx, ue, p, &spec);    /* the local policy's rating groups */
    unsigned what = DP_MOD_POLICY;
    struct gy_carry carry;
    /* the dedicated bearers' downlink is charged to its rating group too
     * (before Gy's part: an online rating group's quota needs its rules) */
    esm_pcc_bearer_charging(ue, p, defs, n_defs, gy_rating_group(ctx, p->ul_teid), &spec);
    if (gy_policy_add(ctx, p, defs, n_defs, &spec, &carry) || spec.n_quotas)
        what |= DP_MOD_QUOTAS;
    if (qos && qos->present && (qos->apn_ambr_ul || qos->apn_ambr_dl)) {
        /* 4.5.5.7 (APN-AMBR authorised by the PCRF) */
        spec.ul_ambr_bps = qos->apn_ambr_ul;
        spec.dl_ambr_bps = qos->apn_ambr_dl;
        what |= DP_MOD_AMBR;
    }
    if (ctx->dp && p->dp_installed) {
        /* the rule-level monitors' bytes in the charging slots replaced */
        struct gx_sess *gs = gx_sess_find(ctx, p->ul_teid);
        uint64_t pre[GX_MAX_MONITORS];
        if (gs)
            gx_monitors_carry_read(ctx, gs, pre);
        int rc = dp_session_modify(ctx->dp, &spec, XEPC_ACT_PASS, what);
        if (rc < 0) {
            ctx->stats.dp_errors++;
            ctx->stats.dp_charging_full = dp_charging_full(ctx->dp);
            snprintf(why, whylen, "datapath: %s", dp_ctx_error(ctx->dp));
            return rc;
        }
        ccr_fault_at(ctx, "policy-switched");   /* the kernel has it, SQLite not yet */
        gy_policy_done(ctx, p, &carry);
        if (gs) {
            gx_monitors_carry_done(gs, pre);
            gx_sess_save(ctx, gs);
        }
    }
    if (what & DP_MOD_AMBR) {
        p->ambr_ul_bps = spec.ul_ambr_bps;
        p->ambr_dl_bps = spec.dl_ambr_bps;
        ue_store_mark(ctx, ue);
    }
    return n;
}

/* TS 29.212 4.5.2 (provisioning of PCC rules), 4.5.5 (QoS): Charging-Rule-
 * Remove, then Charging-Rule-Install, then the authorised APN-AMBR, into
 * the session's datapath rules and meters.  Returns 0 when everything was
 * applied, or a negative errno with a sentence in why (then nothing of the
 * message was applied: the rules stay as they were). */
/* TS 29.212 4.5.5.0a: the Default-EPS-Bearer-QoS a CCA authorises (QCI,
 * ARP) for a default bearer the UE has not accepted yet becomes the
 * default bearer's, stored with the PDN connection (the datapath has no
 * per-QCI treatment); when its ACTIVATE DEFAULT EPS BEARER CONTEXT
 * REQUEST already left with the old values, the UE is not told
 * (docs/charging.md "What is not done").  One the UE has goes through
 * gx_dqos_signal() instead.  The PCRF decided
 * it, so it is not reported back as DEFAULT_EPS_BEARER_QOS_CHANGE.  1 when it
 * changed the bearer, 0 when not, -ENOENT without the PDN connection. */
int gx_default_qos_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_qos *q)
{
    struct agw_ue *ue = ue_find_imsi(ctx, s->imsi);
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
    char b[20];
    if (!p || p->ul_teid != s->ul_teid)
        return -ENOENT;
    /* TS 23.203 6.1.7.2: standardised QCIs only */
    if (!q->present || !((q->qci >= 1 && q->qci <= 9) || (q->qci >= 65 && q->qci <= 86)))
        return 0;
    uint8_t arp = q->has_arp && q->arp.priority >= 1 && q->arp.priority <= 15
                      ? (uint8_t)q->arp.priority : p->arp_prio;
    bool changed = p->qci != q->qci || p->arp_prio != arp;
    if (changed) {
        LOG_INFO(ctx, "gx", "ue %s: ebi %u: default bearer QoS from the PCRF: QCI %u -> %u, "
                 "ARP %u -> %u", ue_imsi_log(ctx, ue, b), p->ebi, p->qci, q->qci, p->arp_prio,
                 arp);
        p->qci = (uint8_t)q->qci;
        p->arp_prio = arp;
        if (q->has_arp) {
            p->arp_cap = q->arp.pre_emption_capability == 0;
            p->arp_vul = q->arp.pre_emption_vulnerability == 0;
        }
        ue_store_mark(ctx, ue);
    }
    gx_events_qos_authorised(gx_sess_events(s), p);
    sess_store(ctx, s);     /* the events' reference (0017) */
    return changed;
}

/* TS 29.212 4.5.5.0a, 4.5.5.7 with TS 23.401 5.4.2.1: the QCI/ARP
 * (Default-EPS-Bearer-QoS) and APN-AMBR (QoS-Information) a CCA or an RAR
 * authorises for a PDN connection whose default bearer the UE has go to
 * the UE and the eNB (esm_dqos.c) and apply when the UE accepts; one it
 * refuses, or values the gateway cannot take (a GBR QCI), are reported
 * with DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE / APN-AMBR_
 * MODIFICATION_FAILURE (gx_event.c).  A PDN connection the UE does not
 * have yet (its activation is out) takes them as they are
 * (gx_default_qos_apply, policy_push).  True when the values were taken
 * here: the caller then applies neither. */
bool gx_dqos_signal(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_qos *dq,
                    const struct diam_qos *qos)
{
    struct agw_ue *ue = ue_find_imsi(ctx, s->imsi);
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
    char b[20], err[128];
    if (!p || p->ul_teid != s->ul_teid || p->state != PDN_ACTIVE)
        return false;
    bool has_q = dq && dq->present && dq->qci;
    bool has_a = qos && qos->present && (qos->apn_ambr_ul || qos->apn_ambr_dl);
    if (!has_q && !has_a)
        return false;
    struct esm_dqos w;
    const struct esm_dqos *pend = esm_dqos_pending(ue, p->ebi, NULL);
    if (pend)
        w = *pend;
    else
        esm_dqos_of(p, &w);
    if (has_q) {
        w.qci = dq->qci > 255 ? 0 : (uint8_t)dq->qci;
        if (dq->has_arp) {
            w.arp_prio = dq->arp.priority > 255 ? 0 : (uint8_t)dq->arp.priority;
            w.arp_cap = dq->arp.pre_emption_capability == 0;
            w.arp_vul = dq->arp.pre_emption_vulnerability == 0;
        }
    }
    if (has_a) {
        if (qos->apn_ambr_ul)
            w.ambr_ul = qos->apn_ambr_ul;
        if (qos->apn_ambr_dl)
            w.ambr_dl = qos->apn_ambr_dl;
    }
    if (has_q && (w.qci != p->qci || w.arp_prio != p->arp_prio))
        LOG_INFO(ctx, "gx", "ue %s: ebi %u: default bearer QoS from the PCRF: QCI %u -> %u, "
                 "ARP %u -> %u (to the UE)", ue_imsi_log(ctx, ue, b), p->ebi, p->qci, w.qci,
                 p->arp_prio, w.arp_prio);
    int rc = esm_dqos_modify(ctx, ue, p, &w, ESM_DQOS_PCRF, err, sizeof(err));
    if (rc < 0) {
        LOG_WARN(ctx, "gx", "ue %s: ebi %u: the PCRF's default bearer QoS / APN-AMBR not "
                 "applied: %s", ue_imsi_log(ctx, ue, b), p->ebi, err);
        gx_events_mod_failed(ctx, p->ul_teid, has_q, has_a);
    } else if (rc == 0) {
        gx_events_dqos_authorised(ctx, p);  /* in force already */
    }
    return true;
}

int gx_policy_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_rules *rl,
                    const struct diam_qos *qos, char *why, size_t whylen)
{
    struct gx_sess next = *s;
    char b[20];
    why[0] = 0;
    struct agw_ue *ue = ue_find_imsi(ctx, s->imsi);
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
    if (!p || p->ul_teid != s->ul_teid) {
        snprintf(why, whylen, "the PDN connection is gone");
        return -ENOENT;
    }
    for (unsigned i = 0; i < rl->n_remove_names; i++) {
        int k = def_index(&next, rl->remove_names[i]);
        if (k >= 0)
            def_remove(&next, (unsigned)k);
    }
    /* TS 29.212 4.5.2.1: Charging-Rule-Name and -Base-Name name rules
     * predefined in the gateway (policy.rules, policy.base_names); one
     * the configuration does not have is skipped, logged and reported
     * (4.5.12: Charging-Rule-Report, UNKNOWN_RULE_NAME, gx_event.c) */
    const struct agw_policy *pol = &ctx->cfg->policy;
    unsigned unknown = 0;
    const char *first_unknown = NULL;
    for (unsigned i = 0; i < rl->n_remove_bases; i++) {
        const struct agw_base_name *bn = agw_policy_base(pol, rl->remove_bases[i]);
        if (!bn) {
            unknown++;
            first_unknown = first_unknown ? first_unknown : rl->remove_bases[i];
            continue;
        }
        for (unsigned j = 0; j < bn->n_rules; j++) {
            int k = def_index(&next, pol->rules[bn->rules[j]].name);
            if (k >= 0)
                def_remove(&next, (unsigned)k);
        }
    }
    /* 4.5.12: a definition the datapath cannot take (a filter
     * gx_rules_to_dp refuses) is left out and reported (INACTIVE,
     * INCORRECT_FLOW_INFORMATION); the rest of the message applies */
    bool refused[DIAM_MAX_RULES] = {false};
    unsigned n_refused = 0;
    for (unsigned i = 0; i < rl->n_defs && i < DIAM_MAX_RULES; i++) {
        struct dp_rule_spec one[DP_MAX_RULES];
        const char *bad;
        if (gx_rules_to_dp(&rl->defs[i], 1, one, DP_MAX_RULES, &bad) != -EINVAL)
            continue;
        refused[i] = true;
        n_refused++;
        LOG_WARN(ctx, "gx", "ue %s: PCC rule \"%s\" refused: a flow the datapath cannot take",
                 ue_imsi_log(ctx, ue, b), rl->defs[i].name);
        gx_events_rule_failed(&s->ev, rl->defs[i].name, false, 12);  /* kept if this fails */
        gx_events_rule_failed(&next.ev, rl->defs[i].name, false, 12);
    }
    unsigned applied = rl->n_defs - n_refused + rl->n_remove_names + rl->n_remove_bases - unknown;
    for (unsigned i = 0; i < rl->n_install_names + rl->n_install_bases; i++) {
        bool base = i >= rl->n_install_names;
        const char *name = base ? rl->install_bases[i - rl->n_install_names] : rl->install_names[i];
        const struct agw_base_name *bn = base ? agw_policy_base(pol, name) : NULL;
        const struct agw_pcc_rule *one = base ? NULL : agw_policy_rule(pol, name);
        if (!bn && !one) {
            unknown++;
            first_unknown = first_unknown ? first_unknown : name;
            gx_events_rule_unknown(&s->ev, name, base);     /* kept if this fails */
            gx_events_rule_unknown(&next.ev, name, base);
            continue;
        }
        unsigned n = bn ? bn->n_rules : 1;
        for (unsigned j = 0; j < n; j++) {
            const struct agw_pcc_rule *r = bn ? &pol->rules[bn->rules[j]] : one;
            if (def_put(&next, r) < 0) {
                snprintf(why, whylen, "more than %u rules", DIAM_MAX_RULES);
                return -E2BIG;
            }
        }
        applied++;
    }
    if (unknown) {
        snprintf(why, whylen, "predefined rule \"%s\" unknown", first_unknown);
        LOG_WARN(ctx, "gx", "ue %s: %u rule name(s) not installed: %s", ue_imsi_log(ctx, ue, b),
                 unknown, why);
    } else if (n_refused) {
        snprintf(why, whylen, "%u rule(s) refused by the datapath", n_refused);
    }
    if ((unknown || n_refused) && !applied && !(qos && qos->present))
        return -ENOENT;
    for (unsigned i = 0; i < rl->n_defs; i++) {
        if (i < DIAM_MAX_RULES && refused[i])
            continue;
        int k = def_index(&next, rl->defs[i].name);
        if (k >= 0) {
            next.defs[k] = rl->defs[i];     /* 4.5.2.2: a new definition replaces */
        } else if (next.n_defs < DIAM_MAX_RULES) {
            next.defs[next.n_defs++] = rl->defs[i];
        } else {
            snprintf(why, whylen, "more than %u rules", DIAM_MAX_RULES);
            return -E2BIG;
        }
    }
    int n = policy_push(ctx, ue, p, next.defs, next.n_defs, qos, why, whylen);
    if (n < 0)
        return n;
    *s = next;
    if (qos && qos->present && (qos->apn_ambr_ul || qos->apn_ambr_dl))
        gx_events_ambr_authorised(&s->ev, p);
    sess_store(ctx, s);
    why[0] = 0;
    esm_pcc_bind(ctx, ue, p, s->defs, s->n_defs);  /* TS 29.212 4.5.2: bearer binding */
    LOG_INFO(ctx, "gx", "ue %s: ebi %u: %u PCC rule(s) in force, %d datapath rule(s)%s",
             ue_imsi_log(ctx, ue, b), s->ebi, s->n_defs, n,
             qos && qos->present && (qos->apn_ambr_ul || qos->apn_ambr_dl)
             ? ", APN-AMBR from the PCRF" : "");
    return 0;
}

/* Credit-Control-Failure-Handling CONTINUE for a CCR-I without a usable
 * answer: the session goes on with the local policy (policy.static and
 * the subscriber's rules, as without a PCRF) as its rules, until the PCRF
 * says otherwise (an RAR). */
int gx_policy_local(struct agw_ctx *ctx, struct gx_sess *s, char *why, size_t whylen)
{
    struct agw_ue *ue = ue_find_imsi(ctx, s->imsi);
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
    struct diam_rule_def defs[DIAM_MAX_RULES];
    if (!p || p->ul_teid != s->ul_teid) {
        snprintf(why, whylen, "the PDN connection is gone");
        return -ENOENT;
    }
    unsigned n_defs = local_defs(ctx, ue, p, defs);
    s->local = true;
    int n = policy_push(ctx, ue, p, defs, n_defs, NULL, why, whylen);
    if (n < 0)
        return n;
    memcpy(s->defs, defs, n_defs * sizeof(defs[0]));
    s->n_defs = n_defs;
    sess_store(ctx, s);
    esm_pcc_bind(ctx, ue, p, s->defs, s->n_defs);
    char b[20];
    LOG_INFO(ctx, "gx", "ue %s: ebi %u: the local policy without the PCRF: %u PCC rule(s), "
             "%d datapath rule(s)", ue_imsi_log(ctx, ue, b), s->ebi, n_defs, n);
    return 0;
}

/* The session's policy written again from what is in force (Gy's
 * RESTRICT_ACCESS rules arrived): its PCC rules and Gy's part. */
int gx_policy_refresh(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    char why[160];
    struct diam_rule_def local[DIAM_MAX_RULES];
    const struct agw_config *c = ctx->cfg;
    /* At start ue_store_load() restores the dedicated bearers (and asks
     * for this rebuild) before gx_open() has restored the Gx and Gy
     * sessions: a rebuild then would write the policy without the PCRF's
     * rules and without Gy's rule and quota.  The pinned datapath session
     * still holds them, with the bearers' filters, as they were. */
    if (!gx_node(ctx) && c->diameter.enabled && (c->diameter.gx.enabled || c->diameter.gy.enabled))
        return 0;
    struct gx_sess *s = gx_sess_find(ctx, p->ul_teid);
    unsigned n_local = ctx->cfg->diameter.gx.enabled ? 0 : local_defs(ctx, ue, p, local);
    int n = policy_push(ctx, ue, p, s ? s->defs : local, s ? s->n_defs : n_local, NULL, why,
                        sizeof(why));   /* saves s (its monitors' carry) */
    if (n < 0)
        LOG_WARN(ctx, "gx", "session 0x%08x: policy not rebuilt: %s", p->ul_teid, why);
    return n < 0 ? n : 0;
}
