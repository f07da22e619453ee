/* Gy's books in SQLite (schema/agw/NNNN_gy_sessions.sql): the state of each
 * credit-control session as of its last settled report, so that a restart
 * of the daemon reports what the kernel counted meanwhile, once; and final
 * usage the OCS has not acknowledged, sent again until it does (RFC 4006
 * 5.7: usage is not lost when the server is unreachable). */
#include <string.h>
#include <time.h>

#include "agw/gy_int.h"
#include "agw/agw_db.h"

struct gy_store {
    sqlite3_stmt *save, *forget, *unrep, *acked;
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
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO gy_unreported (session_id, ul_teid, imsi, "
                           "rating_group, request_no, bytes, created) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7)",
                           -1, &s->unrep, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "DELETE FROM gy_unreported WHERE ul_teid = ?1 AND request_no = ?2",
                           -1, &s->acked, NULL) != SQLITE_OK) {
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
    sqlite3_finalize(s->unrep);
    sqlite3_finalize(s->acked);
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

void gy_store_unreported(struct agw_ctx *ctx, const struct gy_sess *g, uint32_t no,
                         uint64_t bytes)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_text(s->unrep, 1, g->sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->unrep, 2, g->ul_teid);
    sqlite3_bind_text(s->unrep, 3, g->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->unrep, 4, g->rg);
    sqlite3_bind_int64(s->unrep, 5, no);
    sqlite3_bind_int64(s->unrep, 6, (sqlite3_int64)bytes);
    sqlite3_bind_int64(s->unrep, 7, (sqlite3_int64)time(NULL));
    run(ctx, s->unrep);
}

void gy_store_acked(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t no)
{
    struct gy_store *s = gy_of(ctx)->store;
    if (!s)
        return;
    sqlite3_bind_int64(s->acked, 1, ul_teid);
    sqlite3_bind_int64(s->acked, 2, no);
    run(ctx, s->acked);
    if (sqlite3_changes(db_of(ctx)) > 0)
        LOG_INFO(ctx, "gy", "session 0x%08x: stored final usage acknowledged", ul_teid);
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
        n++;
    }
    sqlite3_finalize(st);
    if (n || gone)
        LOG_INFO(ctx, "gy", "%u credit-control sessions restored, %u gone", n, gone);
    return 0;
}

/* Sends the final usage the OCS has not acknowledged (a CCR-T again, same
 * Session-Id and number: RFC 6733 3 lets a request be retransmitted) when
 * a peer is open. */
void gy_store_resend(struct agw_ctx *ctx)
{
    struct agw_gy *gy = gy_of(ctx);
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st;
    struct diam_node *node = gx_node(ctx);
    if (!db || !gy->store || !node || diam_node_peers_open(node) <= 0)
        return;
    if (sqlite3_prepare_v2(db,
                           "SELECT session_id, ul_teid, imsi, rating_group, request_no, bytes "
                           "FROM gy_unreported WHERE created <= ?1 LIMIT 256",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    /* not while the first CCR-T may still be answered (its Tx timer) */
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL) -
                                  (ctx->cfg->diameter.gy.tx_timeout_ms + 999) / 1000 - 1);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sid = (const char *)sqlite3_column_text(st, 0);
        const char *imsi = (const char *)sqlite3_column_text(st, 2);
        if (!sid || !imsi)
            continue;
        gy_send_stored(ctx, sid, (uint32_t)sqlite3_column_int64(st, 1), imsi,
                       (uint32_t)sqlite3_column_int64(st, 3),
                       (uint32_t)sqlite3_column_int64(st, 4),
                       (uint64_t)sqlite3_column_int64(st, 5));
    }
    sqlite3_finalize(st);
}
