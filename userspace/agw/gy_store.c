/* Gy's books in SQLite (schema/agw/0004_gy_sessions.sql, 0013, 0016): the
 * state of each credit-control session (next CC-Request-Number, its server:
 * the OCS or the alternate, RFC 4006 5.7) and of each of
 * its rating groups (the base of the last settled report, off), written in
 * the loop iteration's transaction with every request and every answer, so
 * that a restart of the daemon reports what the kernel counted meanwhile,
 * once.  The requests in flight are in
 * the journal (agw_ccr.h, ccr_journal.c): a restored session whose last
 * request was not answered waits for it, sent again. */
#include <string.h>
#include <time.h>

#include "agw/gy_int.h"
#include "agw/agw_db.h"
#include "agw/agw_ccr.h"
#include "dp/dp.h"

struct gy_store {
    sqlite3_stmt *save, *forget, *save_rg, *forget_rg, *forget_rgs;
};

static sqlite3 *db_of(struct agw_ctx *ctx)
{
    return ctx->db ? ctx->db->db : NULL;
}

int gy_store_open(struct agw_ctx *ctx)
{
    struct agw_gy *gy = gy_of(ctx);
    sqlite3 *db = db_of(ctx);
    if (!db)
        return 0;
    struct gy_store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    gy->store = s;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO gy_session (ul_teid, session_id, imsi, rating_group, "
                           "next_no, updated, alternate, ccfh) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
                           "ON CONFLICT(ul_teid) DO UPDATE SET session_id=?2, imsi=?3, "
                           "rating_group=?4, next_no=?5, updated=?6, alternate=?7, ccfh=?8",
                           -1, &s->save, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM gy_session WHERE ul_teid = ?1", -1, &s->forget,
                           NULL) != SQLITE_OK ||
        /* a row written only when it changed: most saves move one group */
        sqlite3_prepare_v2(db,
                           "INSERT INTO gy_rg (ul_teid, rating_group, reported, granted, off, "
                           "final, live) VALUES (?1,?2,?3,?4,?5,?6,?7) "
                           "ON CONFLICT(ul_teid, rating_group) DO UPDATE SET reported=?3, "
                           "granted=?4, off=?5, final=?6, live=?7 WHERE reported IS NOT ?3 OR "
                           "granted IS NOT ?4 OR off IS NOT ?5 OR final IS NOT ?6 OR "
                           "live IS NOT ?7",
                           -1, &s->save_rg, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM gy_rg WHERE ul_teid = ?1 AND rating_group = ?2", -1,
                           &s->forget_rg, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM gy_rg WHERE ul_teid = ?1", -1, &s->forget_rgs,
                           NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "gy", "preparing statements: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    return 0;
}

void gy_store_close(struct agw_ctx *ctx)
{
    struct agw_gy *gy = gy_of(ctx);
    struct gy_store *s = gy ? gy->store : NULL;
    if (!s)
        return;
    sqlite3_finalize(s->save);
    sqlite3_finalize(s->forget);
    sqlite3_finalize(s->save_rg);
    sqlite3_finalize(s->forget_rg);
    sqlite3_finalize(s->forget_rgs);
    free(s);
    gy->store = NULL;
}

static bool run(struct agw_ctx *ctx, sqlite3_stmt *st)
{
    bool ok = false;
    /* in the loop iteration's transaction, committed with the UEs' state
     * before anything is sent to a peer (ue_store.c) */
    if (agw_txn_open(ctx) == 0) {
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (!ok) {
            ctx->stats.db_errors++;
            LOG_ERR(ctx, "gy", "store: %s", sqlite3_errmsg(db_of(ctx)));
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ok;
}

/* The rows of g that changed since they were last written, in the loop
 * iteration's transaction.  A report cycle changes the session's row
 * when its CCR-U leaves (the next CC-Request-Number) and the reported
 * groups' rows when the answer is applied: each is written once, not at
 * both (docs/PERFORMANCE.md: the saves were 12 % of a report).  What was
 * last written is remembered with the database's error count: after a
 * failed statement or commit (the transaction rolled back) every row is
 * written again. */
void gy_store_save(struct agw_ctx *ctx, struct gy_sess *g)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    uint64_t epoch = ctx->stats.db_errors;
    if (!g->st_valid || g->st_epoch != epoch || g->st_next_no != g->next_no ||
        g->st_alt != g->alt || g->st_ccfh_cca != g->ccfh_cca) {
        sqlite3_bind_int64(s->save, 1, g->ul_teid);
        sqlite3_bind_text(s->save, 2, g->sid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->save, 3, g->imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->save, 4, g->rg);
        sqlite3_bind_int64(s->save, 5, g->next_no);
        sqlite3_bind_int64(s->save, 6, (sqlite3_int64)time(NULL));
        sqlite3_bind_int(s->save, 7, g->alt);
        sqlite3_bind_int64(s->save, 8, g->ccfh_cca);
        g->st_valid = run(ctx, s->save);
        g->st_next_no = g->next_no;
        g->st_alt = g->alt;
        g->st_ccfh_cca = g->ccfh_cca;
        g->st_epoch = ctx->stats.db_errors;
    }
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg)
            continue;
        if (r->st_valid && r->st_epoch == epoch && r->st_reported == r->reported &&
            r->st_granted == r->granted && r->st_off == r->off && r->st_final == r->final &&
            r->st_live == !r->gone)
            continue;
        sqlite3_bind_int64(s->save_rg, 1, g->ul_teid);
        sqlite3_bind_int64(s->save_rg, 2, r->rg);
        sqlite3_bind_int64(s->save_rg, 3, (sqlite3_int64)r->reported);
        sqlite3_bind_int64(s->save_rg, 4, (sqlite3_int64)r->granted);
        sqlite3_bind_int64(s->save_rg, 5, (sqlite3_int64)r->off);
        sqlite3_bind_int(s->save_rg, 6, r->final);
        sqlite3_bind_int(s->save_rg, 7, !r->gone);
        r->st_valid = run(ctx, s->save_rg);
        r->st_reported = r->reported;
        r->st_granted = r->granted;
        r->st_off = r->off;
        r->st_final = r->final;
        r->st_live = !r->gone;
        r->st_epoch = ctx->stats.db_errors;
    }
}

void gy_store_forget(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_int64(s->forget, 1, ul_teid);
    run(ctx, s->forget);
    sqlite3_bind_int64(s->forget_rgs, 1, ul_teid);
    run(ctx, s->forget_rgs);
}

void gy_store_forget_rg(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rg)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_int64(s->forget_rg, 1, ul_teid);
    sqlite3_bind_int64(s->forget_rg, 2, rg);
    run(ctx, s->forget_rg);
}

/* The rating groups of a restored session, from their rows; granted and
 * the threshold from the kernel: granted - charged() is the kernel's
 * remainder at every moment, also when the daemon died between an
 * answer's dp_quota_adjust and the commit of the row (the answer,
 * received again, then moves nothing more). */
static int load_rgs(struct agw_ctx *ctx, struct gy_sess *g)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    struct dp_session_info info;
    bool have = ctx->dp && dp_session_get(ctx->dp, g->ul_teid, &info) == 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT rating_group, reported, granted, off, final, live FROM gy_rg "
                           "WHERE ul_teid = ?1 ORDER BY rating_group != ?2, rating_group",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, g->ul_teid);
    sqlite3_bind_int64(st, 2, g->rg);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct gy_rg *r = gy_rg_add(g, (uint32_t)sqlite3_column_int64(st, 0));
        if (!r)
            continue;
        r->reported = (uint64_t)sqlite3_column_int64(st, 1);
        r->granted = (uint64_t)sqlite3_column_int64(st, 2);
        r->off = (uint64_t)sqlite3_column_int64(st, 3);
        r->final = sqlite3_column_int(st, 4) != 0;
        r->live = sqlite3_column_int(st, 5) != 0;
        r->gone = !r->live;
        r->asked = true;
        for (uint32_t i = 0; have && i < info.n_charges; i++)
            if (info.charges[i].rating_group == r->rg && (info.charges[i].flags & XEPC_CF_ONLINE)) {
                int64_t left = info.charges[i].remaining;
                r->in_dp = true;
                r->granted = r->off + info.charges[i].ul_bytes + info.charges[i].dl_bytes +
                             (uint64_t)(left > 0 ? left : 0);
                r->threshold = info.charges[i].threshold;
            }
    }
    sqlite3_finalize(st);
    gy_rg_add(g, g->rg);                /* a row of before 0013 lost: still the catch-all */
    return 0;
}

/* After a restart: the sessions whose PDN connection was restored (and
 * whose datapath session, with its counters, was adopted) go on from their
 * last settled report; the other rows go. */
int gy_store_load(struct agw_ctx *ctx)
{
    struct agw_gy *gy = gy_of(ctx);
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    unsigned n = 0, gone = 0;
    if (!db || !gy->store)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT ul_teid, session_id, imsi, rating_group, next_no, alternate, ccfh "
                           "FROM gy_session",
                           -1, &st, NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "gy", "loading sessions: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint32_t teid = (uint32_t)sqlite3_column_int64(st, 0);
        const char *sid = (const char *)sqlite3_column_text(st, 1);
        const char *imsi = (const char *)sqlite3_column_text(st, 2);
        struct agw_ue *ue = imsi ? ue_find_imsi(ctx, imsi) : NULL;
        struct agw_pdn *p = NULL;
        for (unsigned i = 0; ue && i < AGW_MAX_PDN; i++)
            if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].ul_teid == teid)
                p = &ue->pdn[i];
        uint32_t idx = teid & 0xffffff;
        struct gy_sess *g = NULL;
        if (p && p->dp_installed && sid && idx < gy->max && !gy->by_sid[idx])
            g = calloc(1, sizeof(*g));
        if (!g) {
            gone++;
            gy_store_forget(ctx, teid);
            continue;
        }
        g->ctx = ctx;
        g->ue_id = ue->id;
        g->ul_teid = teid;
        snprintf(g->imsi, sizeof(g->imsi), "%s", imsi);
        gy_sess_addresses(g, p);
        snprintf(g->sid, sizeof(g->sid), "%s", sid);
        g->rg = (uint32_t)sqlite3_column_int64(st, 3);
        g->next_no = (uint32_t)sqlite3_column_int64(st, 4);
        /* RFC 4006 5.7: a session that went to the alternate OCS stays
         * with it (its requests' Destination-Host) */
        g->alt = sqlite3_column_int(st, 5) != 0;
        if (g->alt && !ctx->cfg->diameter.gy.alt.enabled)
            LOG_WARN(ctx, "gy", "session 0x%08x: served by the alternate OCS before the restart, "
                     "diameter.gy.alternate is gone: the realm's routing", teid);
        /* RFC 4006 8.14: the CCFH a CCA gave the session holds after a
         * restart; without one, the configuration's */
        g->ccfh_cca = (uint32_t)sqlite3_column_int64(st, 6);
        g->ccfh = g->ccfh_cca && g->ccfh_cca <= 3 ? g->ccfh_cca - 1 : ctx->cfg->diameter.gy.ccfh;
        g->installed = g->initial_done = true;
        for (unsigned i = 0; i < GY_MAX_RG; i++)
            g->rgs[i].g = g;
        gy->by_sid[idx] = g;
        if (load_rgs(ctx, g) < 0)
            LOG_ERR(ctx, "gy", "session 0x%08x: rating groups not loaded: %s", teid,
                    sqlite3_errmsg(db));
        /* the last request not answered (agw_ccr.h): the session waits
         * for its answer, the request sent again as it was (ccr_resend);
         * each rating group it reported with its base */
        struct ccr_row r;
        if (ccr_pending(ctx, g->sid, &r) && r.app == DIAM_APPID_GY &&
            r.type == DIAM_CC_UPDATE) {
            g->busy = true;
            g->busy_no = r.no;
            g->busy_type = r.type;
            size_t n_set = r.settle ? r.settle_len / sizeof(struct gy_settle) : 0;
            for (size_t i = 0; i < n_set; i++) {
                struct gy_settle one;
                memcpy(&one, (const char *)r.settle + i * sizeof(one), sizeof(one));
                struct gy_rg *rg = gy_rg_find(g, one.rg);
                if (rg) {
                    rg->busy = true;
                    rg->busy_snap = one.base;
                    rg->busy_used = one.used;
                }
            }
            if (!n_set && g->rgs[0].rg) {
                /* a row of before the rating groups: the catch-all's */
                g->rgs[0].busy = true;
                g->rgs[0].busy_snap = r.base;
                g->rgs[0].busy_used = r.bytes;
            }
            if (g->next_no <= r.no)
                g->next_no = r.no + 1;
            LOG_INFO(ctx, "gy", "session 0x%08x: CCR-U #%u (%llu bytes) not answered before the "
                     "restart: waits for it", teid, r.no, (unsigned long long)r.bytes);
        }
        n++;
    }
    sqlite3_finalize(st);
    if (n || gone)
        LOG_INFO(ctx, "gy", "%u credit-control sessions restored, %u gone", n, gone);
    return 0;
}

