/* The local policy's finite rating groups with a period (docs/charging.md
 * "Local policy", schema/agw/0015_local_quota.sql): the quota is the
 * subscriber's allowance per UTC day or calendar month, shared by its PDN
 * connections one after the other, and the books are in SQLite so that a
 * restart neither refills nor charges it twice.
 *
 * A PDN connection reserves what is left of the period's allowance when
 * its quota goes into the kernel (local_quota_reserve, from local_rating
 * in gx_policy.c): the book's `used` grows by the whole reservation, so
 * that nothing else can spend it, and the kernel enforces it to the byte.
 * When the connection ends (local_quota_end, before its datapath session
 * goes) what the kernel has left of the reservation is given back.  In
 * between, the books do not move: a restart of the daemon with the
 * datapath finds the reservation in local_quota_sess and the remainder in
 * the kernel, and a policy rebuild keeps the kernel's remainder.  All of it
 * is written in the loop iteration's transaction.
 *
 * Also here: what follows a finite group's exhaustion in the kernel (its
 * final_action, docs/charging.md "Local policy"): the log line, the
 * counter, for a redirect the rebuild that brings its rules, for
 * terminate the release (local_final_event, local_final_check at start). */
#include <arpa/inet.h>
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "agw/agw_policy.h"
#include "dp/dp.h"

static sqlite3 *db_of(struct agw_ctx *ctx)
{
    return ctx->db ? ctx->db->db : NULL;
}

/* The start of the period that holds now (UTC, Unix seconds). */
static int64_t period_start(enum agw_rg_period per, time_t now)
{
    struct tm tm;
    gmtime_r(&now, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (per == AGW_RG_MONTHLY)
        tm.tm_mday = 1;
    return (int64_t)timegm(&tm);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

bool local_quota_held(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    if (!db || sqlite3_prepare_v2(db, "SELECT 1 FROM local_quota_sess WHERE ul_teid = ?1 AND "
                                  "rating_group = ?2", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, ul_teid);
    sqlite3_bind_int64(st, 2, rating_group);
    bool held = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return held;
}

uint64_t local_quota_reserve(struct agw_ctx *ctx, const char *imsi, uint32_t ul_teid,
                             const struct agw_rating_group *g)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    int64_t per = period_start(g->period, time(NULL)), bper = per;
    uint64_t used = 0;
    if (!db || agw_txn_open(ctx) < 0)
        goto fail;
    /* a reservation of this connection the kernel no longer has (its
     * datapath session was lost) stays booked as used: what was left of
     * it is unknown */
    if (sqlite3_prepare_v2(db, "DELETE FROM local_quota_sess WHERE ul_teid = ?1 AND "
                           "rating_group = ?2", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, ul_teid);
    sqlite3_bind_int64(st, 2, g->id);
    if (step_done(st) < 0 ||
        sqlite3_prepare_v2(db, "SELECT period, used FROM local_quota WHERE imsi = ?1 AND "
                           "rating_group = ?2", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, g->id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= per) {
        /* this period's book (a later one if the clock went back) */
        bper = sqlite3_column_int64(st, 0);
        int64_t u = sqlite3_column_int64(st, 1);
        used = u > 0 ? (uint64_t)u : 0;
    }
    sqlite3_finalize(st);
    uint64_t left = g->quota_bytes > used ? g->quota_bytes - used : 0;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO local_quota (imsi, rating_group, period, "
                           "used) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, g->id);
    sqlite3_bind_int64(st, 3, bper);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)(used + left));
    if (step_done(st) < 0 ||
        sqlite3_prepare_v2(db, "INSERT INTO local_quota_sess (ul_teid, rating_group, imsi, "
                           "period, reserved) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st,
                           NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, ul_teid);
    sqlite3_bind_int64(st, 2, g->id);
    sqlite3_bind_text(st, 3, imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, bper);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)left);
    if (step_done(st) < 0)
        goto fail;
    LOG_INFO(ctx, "pcef", "session 0x%08x: rating group %u: %llu of %llu bytes left this %s "
             "reserved", ul_teid, g->id, (unsigned long long)left,
             (unsigned long long)g->quota_bytes, g->period == AGW_RG_MONTHLY ? "month" : "day");
    return left;
fail:
    /* nothing can be booked: nothing is granted (the kernel drops the
     * rating group's packets), rather than an allowance spent twice */
    ctx->stats.db_errors++;
    LOG_ERR(ctx, "pcef", "session 0x%08x: rating group %u: the allowance's books cannot be "
            "written (%s): nothing granted", ul_teid, g->id, db ? sqlite3_errmsg(db) : "no db");
    return 0;
}

void local_quota_end(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st, *up;
    struct dp_session_info info;
    char b[20];
    if (!db || !p->ul_teid ||
        sqlite3_prepare_v2(db, "SELECT rating_group, imsi, period, reserved FROM "
                           "local_quota_sess WHERE ul_teid = ?1", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, p->ul_teid);
    bool have_info = ctx->dp && p->dp_installed && dp_session_get(ctx->dp, p->ul_teid, &info) == 0;
    bool any = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint32_t rg = (uint32_t)sqlite3_column_int64(st, 0);
        int64_t reserved = sqlite3_column_int64(st, 3), left = 0;
        for (uint32_t k = 0; have_info && k < info.n_charges; k++)
            if (info.charges[k].rating_group == rg && (info.charges[k].flags & XEPC_CF_ONLINE))
                left = info.charges[k].remaining > 0 ? info.charges[k].remaining : 0;
        if (left > reserved)
            left = reserved;
        if (!any && agw_txn_open(ctx) < 0)
            break;
        any = true;
        /* given back to the period it was taken from (a later period's
         * book starts from nothing) */
        if (left > 0 &&
            sqlite3_prepare_v2(db, "UPDATE local_quota SET used = MAX(used - ?4, 0) WHERE imsi = "
                               "?1 AND rating_group = ?2 AND period = ?3", -1, &up,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_text(up, 1, (const char *)sqlite3_column_text(st, 1), -1,
                              SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 2, rg);
            sqlite3_bind_int64(up, 3, sqlite3_column_int64(st, 2));
            sqlite3_bind_int64(up, 4, left);
            if (step_done(up) < 0)
                ctx->stats.db_errors++;
        }
        LOG_INFO(ctx, "pcef", "ue %s: session 0x%08x: rating group %u: %lld of the %lld bytes "
                 "reserved used", ue_imsi_log(ctx, ue, b), p->ul_teid, rg,
                 (long long)(reserved - left), (long long)reserved);
    }
    sqlite3_finalize(st);
    if (any && sqlite3_prepare_v2(db, "DELETE FROM local_quota_sess WHERE ul_teid = ?1", -1, &st,
                                  NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, p->ul_teid);
        if (step_done(st) < 0)
            ctx->stats.db_errors++;
    }
}

/* A new day or month for the running PDN connections that reserved from
 * an earlier period: their reservation goes (what the kernel has left of
 * it is not given back, that period is over) and their policy is written
 * again, local_rating() reserving from the new period's allowance.  Run
 * from the datapath's poll timer once a minute, the first time at start
 * (a restart across the period's start). */
void local_quota_rollover(struct agw_ctx *ctx)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    struct { uint32_t teid, rg; } due[64];
    size_t n = 0;
    time_t now = time(NULL);
    if (!db || sqlite3_prepare_v2(db, "SELECT ul_teid, rating_group, period FROM "
                                  "local_quota_sess", -1, &st, NULL) != SQLITE_OK)
        return;
    while (n < sizeof(due) / sizeof(due[0]) && sqlite3_step(st) == SQLITE_ROW) {
        uint32_t rg = (uint32_t)sqlite3_column_int64(st, 1);
        const struct agw_rating_group *g = agw_policy_rating_group(&ctx->cfg->policy, rg);
        if (g && g->type == AGW_RG_FINITE && g->period != AGW_RG_PER_CONNECTION &&
            sqlite3_column_int64(st, 2) < period_start(g->period, now)) {
            due[n].teid = (uint32_t)sqlite3_column_int64(st, 0);
            due[n++].rg = rg;
        }
    }
    sqlite3_finalize(st);
    /* the rest (more than 64 at once) at the next run */
    for (size_t i = 0; i < n; i++) {
        struct agw_ue *ue = pgw_ue_by_session(ctx, due[i].teid & 0xffffff);
        struct agw_pdn *p = NULL;
        for (unsigned k = 0; ue && k < AGW_MAX_PDN; k++)
            if (ue->pdn[k].state != PDN_FREE && ue->pdn[k].ul_teid == due[i].teid)
                p = &ue->pdn[k];
        if (agw_txn_open(ctx) < 0 ||
            sqlite3_prepare_v2(db, "DELETE FROM local_quota_sess WHERE ul_teid = ?1 AND "
                               "rating_group = ?2", -1, &st, NULL) != SQLITE_OK)
            return;
        sqlite3_bind_int64(st, 1, due[i].teid);
        sqlite3_bind_int64(st, 2, due[i].rg);
        if (step_done(st) < 0)
            ctx->stats.db_errors++;
        /* a connection gone meanwhile has nothing to refill */
        if (!p || !p->dp_installed)
            continue;
        LOG_INFO(ctx, "pcef", "session 0x%08x: rating group %u: a new period, its allowance "
                 "again", due[i].teid, due[i].rg);
        gx_policy_refresh(ctx, ue, p);
    }
}

/* ------------------------------------------------ final actions ---- */

/* Has the kernel's session the rules of g's redirect (gx_policy.c,
 * final_redirect)? */
static bool redirect_in_force(const struct dp_session_info *info, const struct agw_rating_group *g)
{
    for (uint32_t i = 0; i < info->spec.n_rules; i++) {
        const struct dp_rule_spec *r = &info->spec.rules[i];
        if (r->always_allowed && r->action == DP_ACTION_REDIRECT && r->proto == 6 &&
            r->dport_lo == g->final_port && (r->rating_group == g->id || !r->rating_group))
            return true;
    }
    return false;
}

static struct agw_pdn *pdn_of_teid(struct agw_ctx *ctx, uint32_t ul_teid, struct agw_ue **uep)
{
    struct agw_ue *ue = pgw_ue_by_session(ctx, ul_teid & 0xffffff);
    *uep = ue;
    for (unsigned k = 0; ue && k < AGW_MAX_PDN; k++)
        if (ue->pdn[k].state != PDN_FREE && ue->pdn[k].ul_teid == ul_teid)
            return &ue->pdn[k];
    return NULL;
}

/* The local finite group g of p, its quota used up in the kernel:
 * terminate ends the PDN connection; a redirect not yet in force has the
 * policy written again (local_rating sees the slot exhausted and adds its
 * rules); drop and restrict are the kernel's alone. */
static void final_apply(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                        const struct agw_rating_group *g, const struct dp_session_info *info)
{
    if (g->final_action == AGW_RG_FINAL_TERMINATE) {
        /* RFC 4006 5.6.1 TERMINATE from the file: the PDN connection's
         * service ends (the release gives back nothing: the quota is
         * used), #36 regular deactivation (TS 24.301 9.9.4.4) */
        if (p->state == PDN_ACTIVE)
            gx_pdn_end(ctx, ue, p, 36, "final_action terminate", "");
        return;
    }
    if (g->final_action != AGW_RG_FINAL_REDIRECT || redirect_in_force(info, g))
        return;
    if (gx_policy_refresh(ctx, ue, p) < 0)
        return;     /* logged; the group stays restricted (its HTTP dropped too) */
    char a[INET_ADDRSTRLEN];
    LOG_INFO(ctx, "pcef", "session 0x%08x: rating group %u: its HTTP (port %u) now to the "
             "portal %s", p->ul_teid, g->id, g->final_port,
             inet_ntop(AF_INET, &g->final_portal, a, sizeof(a)));
}

static const struct agw_rating_group *local_finite(struct agw_ctx *ctx, uint32_t rg)
{
    const struct agw_config *c = ctx->cfg;
    const struct agw_rating_group *g = agw_policy_rating_group(&c->policy, rg);
    if (!g || g->type != AGW_RG_FINITE || (c->diameter.gy.enabled && rg == c->diameter.gy.rating_group))
        return NULL;
    return g;
}

void local_final_event(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group)
{
    static const char *const what[] = {
        "its packets dropped",
        "its HTTP to the portal, the rest dropped",
        "only its restrict rules' flows pass",
        "the PDN connection ends",
    };
    const struct agw_rating_group *g = local_finite(ctx, rating_group);
    struct agw_ue *ue;
    struct agw_pdn *p = g ? pdn_of_teid(ctx, ul_teid, &ue) : NULL;
    struct dp_session_info info;
    /* a group the session has from a PCRF is a PCRF's (no local
     * semantics), unless its Gx session fell back on the local policy */
    if (!p || !p->dp_installed || !ctx->dp || !gx_local_in_force(ctx, p) ||
        dp_session_get(ctx->dp, ul_teid, &info) < 0)
        return;
    ctx->stats.local_quota_used++;
    LOG_INFO(ctx, "pcef", "session 0x%08x: rating group %u: its %llu bytes used: %s", ul_teid,
             g->id, (unsigned long long)g->quota_bytes, what[g->final_action]);
    final_apply(ctx, ue, p, g, &info);
}

struct final_due {
    uint32_t teid[64], rg[64];
    size_t n;
    struct agw_ctx *ctx;
};

static int final_scan(const struct dp_session_info *info, void *arg)
{
    struct final_due *d = arg;
    for (uint32_t k = 0; k < info->n_charges && d->n < 64; k++) {
        const struct xepc_charge *ch = &info->charges[k];
        const struct agw_rating_group *g = (ch->flags & XEPC_CF_ONLINE) && ch->rating_group
                                               ? local_finite(d->ctx, ch->rating_group) : NULL;
        if (g && ((ch->state & XEPC_CS_EXHAUSTED) || ch->remaining <= 0) &&
            ((g->final_action == AGW_RG_FINAL_REDIRECT && !redirect_in_force(info, g)) ||
             g->final_action == AGW_RG_FINAL_TERMINATE)) {
            d->teid[d->n] = info->spec.ul_teid;
            d->rg[d->n++] = g->id;
        }
    }
    return d->n >= 64;
}

/* At start: a quota that ran out while the daemon was not running (its
 * event went unread) gets its redirect, or ends its PDN connection.  The
 * rest (more than 64) at their next policy rebuild or start. */
void local_final_check(struct agw_ctx *ctx)
{
    struct final_due d = {.ctx = ctx};
    bool any = false;
    for (size_t i = 0; i < ctx->cfg->policy.n_rating_groups; i++)
        any |= ctx->cfg->policy.rating_groups[i].final_action == AGW_RG_FINAL_REDIRECT ||
               ctx->cfg->policy.rating_groups[i].final_action == AGW_RG_FINAL_TERMINATE;
    if (!any || !ctx->dp)
        return;
    /* the datapath has one portal (xepc_config.portal_addr): the file's
     * redirects name one address, diameter.gy.portal if that is set
     * (agw_policy.c) */
    for (size_t i = 0; i < ctx->cfg->policy.n_rating_groups; i++) {
        const struct agw_rating_group *g = &ctx->cfg->policy.rating_groups[i];
        if (g->final_action == AGW_RG_FINAL_REDIRECT && g->final_portal.s_addr) {
            if (dp_portal_set(ctx->dp, g->final_portal) < 0)
                LOG_WARN(ctx, "pcef", "redirect portal not set: %s", dp_ctx_error(ctx->dp));
            break;
        }
    }
    dp_session_foreach(ctx->dp, final_scan, &d);
    for (size_t i = 0; i < d.n; i++) {
        struct agw_ue *ue;
        struct agw_pdn *p = pdn_of_teid(ctx, d.teid[i], &ue);
        struct dp_session_info info;
        const struct agw_rating_group *g = local_finite(ctx, d.rg[i]);
        if (p && p->dp_installed && g && gx_local_in_force(ctx, p) &&
            dp_session_get(ctx->dp, d.teid[i], &info) == 0)
            final_apply(ctx, ue, p, g, &info);
    }
}
