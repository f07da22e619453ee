/* Gy's books in SQLite (schema/agw/0004_gy_sessions.sql): the state of each
 * credit-control session, written in the loop iteration's transaction
 * with every request and every answer (next CC-Request-Number, the base of
 * the last settled report, off), so that a restart of the daemon reports
 * what the kernel counted meanwhile, once.  The requests in flight are in
 * the journal (agw_ccr.h, ccr_journal.c): a restored session whose last
 * request was not answered waits for it, sent again. */
#include <string.h>
#include <time.h>

#include "agw/gy_int.h"
#include "agw/agw_db.h"
#include "agw/agw_ccr.h"
#include "dp/dp.h"

struct gy_store {
    sqlite3_stmt *save, *forget;
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
                           "next_no, reported, granted, off, final, updated) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(ul_teid) DO "
                           "UPDATE SET session_id=?2, imsi=?3, rating_group=?4, next_no=?5, "
                           "reported=?6, granted=?7, off=?8, final=?9, updated=?10",
                           -1, &s->save, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM gy_session WHERE ul_teid = ?1", -1, &s->forget,
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
    free(s);
    gy->store = NULL;
}

static void run(struct agw_ctx *ctx, sqlite3_stmt *st)
{
    /* in the loop iteration's transaction, committed with the UEs' state
     * before anything is sent to a peer (ue_store.c) */
    if (agw_txn_open(ctx) == 0 && sqlite3_step(st) != SQLITE_DONE) {
        ctx->stats.db_errors++;
        LOG_ERR(ctx, "gy", "store: %s", sqlite3_errmsg(db_of(ctx)));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void gy_store_save(struct agw_ctx *ctx, const struct gy_sess *g)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_int64(s->save, 1, g->ul_teid);
    sqlite3_bind_text(s->save, 2, g->sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->save, 3, g->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->save, 4, g->rg);
    sqlite3_bind_int64(s->save, 5, g->next_no);
    sqlite3_bind_int64(s->save, 6, (sqlite3_int64)g->reported);
    sqlite3_bind_int64(s->save, 7, (sqlite3_int64)g->granted);
    sqlite3_bind_int64(s->save, 8, (sqlite3_int64)g->off);
    sqlite3_bind_int(s->save, 9, g->final);
    sqlite3_bind_int64(s->save, 10, (sqlite3_int64)time(NULL));
    run(ctx, s->save);
}

void gy_store_forget(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_int64(s->forget, 1, ul_teid);
    run(ctx, s->forget);
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
                           "SELECT ul_teid, session_id, imsi, rating_group, next_no, reported, "
                           "granted, off, final FROM gy_session",
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
        g->reported = (uint64_t)sqlite3_column_int64(st, 5);
        g->granted = (uint64_t)sqlite3_column_int64(st, 6);
        g->off = (uint64_t)sqlite3_column_int64(st, 7);
        g->final = sqlite3_column_int(st, 8) != 0;
        g->ccfh = ctx->cfg->diameter.gy.ccfh;
        g->fua = -1;
        g->fui.action = DIAM_FUA_NONE;
        g->installed = g->initial_done = true;
        gy->by_sid[idx] = g;
        /* granted - charged() is the kernel's remainder at every moment:
         * the kernel is the truth, also when the daemon died between an
         * answer's dp_quota_adjust and the commit of the row (the answer,
         * received again, then moves nothing more); its threshold too */
        uint64_t charged;
        int64_t left;
        struct dp_session_info info;
        if (gy_charged(ctx, g, &charged, &left)) {
            g->granted = charged + (uint64_t)(left > 0 ? left : 0);
            if (dp_session_get(ctx->dp, teid, &info) == 0)
                for (uint32_t i = 0; i < info.n_charges; i++)
                    if (info.charges[i].rating_group == g->rg)
                        g->threshold = info.charges[i].threshold;
        }
        /* the last request not answered (agw_ccr.h): the session waits
         * for its answer, the request sent again as it was (ccr_resend) */
        struct ccr_row r;
        if (ccr_pending(ctx, g->sid, &r) && r.app == DIAM_APPID_GY &&
            r.type == DIAM_CC_UPDATE) {
            g->busy = true;
            g->busy_no = r.no;
            g->busy_type = r.type;
            g->busy_snap = r.base;
            g->busy_used = r.bytes;
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

