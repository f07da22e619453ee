/* Crash-safe credit-control requests (agw_ccr.h): the journal in SQLite
 * (schema/agw/0012_ccr_journal.sql), the queue of Gx/Gy requests sent
 * after the loop iteration's commit, the cookies of the requests in
 * flight, the requests sent again, and the fault-injection hook. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_ccr.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "diameter/diam.h"

/* Our cookies: this bit and the index of the request in flight. */
#define CCR_TAG (1ull << 62)
/* After the start, a request sent again waits this long for its server to
 * be ready (diam_node_peer_ready): connected, for freeDiameter routes a
 * request whose Destination-Host is not (yet) open to another peer of the
 * realm (the alternate OCS, say), and out of REOPEN, for a server that saw
 * our previous connection fail (we were killed) drops the answers to what
 * it gets in its first three watchdog exchanges, and the request would
 * wait out its Tx timer for nothing (RFC 3539 3.4.1). */
#define CCR_PEER_GRACE_S 10

struct ccr_fly {                    /* a request handed to freeDiameter */
    uint64_t app_cookie;
    uint32_t app, type, no;
    bool journalled;
    int next_free;
    char sid[DIAM_ID_MAX + 64];
    char failover[DIAM_ID_MAX];     /* RETRY_AND_TERMINATE: the alternate
                                     * server ("": none, agw_ccr.h) */
};

struct ccr_out {                    /* a request waiting for the commit */
    struct msg *m;
    unsigned timeout_ms;
    uint32_t fly;
};

struct ccr_state {
    sqlite3_stmt *ins, *del, *retry, *pend, *sent, *msg, *set_msg;
    uint64_t boot;                  /* this process (random): rows it sent */
    time_t started;                 /* ccr_open: CCR_PEER_GRACE_S from it */
    struct ccr_fly *fly;
    uint32_t n_fly, cap_fly;
    int free_fly;
    struct ccr_out *out;
    size_t n_out, cap_out;
    struct msg **ans;               /* answers waiting for the commit (ccr_answer) */
    size_t n_ans, cap_ans;
    ev_timer resend;
    /* the last event handled (ccr_after_event) */
    bool last_valid, last_kept, last_failover;
    uint32_t last_app, last_type;
    /* pending row copy (ccr_pending) */
    char p_sid[DIAM_ID_MAX + 64], p_imsi[16];
    uint8_t *p_settle, *p_msg;
    /* XEPC_AGW_FAULT */
    char fault[48];
    unsigned fault_n, fault_seen;
};

static struct ccr_state *st_of(struct agw_ctx *ctx)
{
    return ctx->gx ? *gx_ccr_slot(ctx) : NULL;
}

static sqlite3 *db_of(struct agw_ctx *ctx)
{
    return ctx->db ? ctx->db->db : NULL;
}

static uint32_t tx_of(struct agw_ctx *ctx, uint32_t app)
{
    return app == DIAM_APPID_GY ? ctx->cfg->diameter.gy.tx_timeout_ms
                                : ctx->cfg->diameter.gx.tx_timeout_ms;
}

void ccr_fault(struct agw_ctx *ctx, uint32_t app, uint32_t type, const char *step)
{
    struct ccr_state *st = st_of(ctx);
    char name[48];
    if (!st || !st->fault[0])
        return;
    snprintf(name, sizeof(name), "%s-%c-%s", app == DIAM_APPID_GY ? "gy" : "gx",
             type == CCR_FAULT_RAA ? 'r' : type == DIAM_CC_TERMINATION ? 't'
             : type == DIAM_CC_UPDATE ? 'u' : 'i', step);
    ccr_fault_at(ctx, name);
}

void ccr_fault_at(struct agw_ctx *ctx, const char *name)
{
    struct ccr_state *st = st_of(ctx);
    if (!st || !st->fault[0])
        return;
    if (strcmp(name, st->fault) || ++st->fault_seen < st->fault_n)
        return;
    LOG_WARN(ctx, "ccr", "fault injection (XEPC_AGW_FAULT): SIGKILL at %s #%u", name,
             st->fault_seen);
    raise(SIGKILL);
}

static void resend_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    ccr_resend(w->data);
}

int ccr_open(struct agw_ctx *ctx)
{
    sqlite3 *db = db_of(ctx);
    struct ccr_state *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    *gx_ccr_slot(ctx) = st;
    st->free_fly = -1;
    if (getrandom(&st->boot, sizeof(st->boot), 0) != sizeof(st->boot))
        st->boot = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
    st->boot &= INT64_MAX;
    st->boot |= 1;                  /* never 0: 0 marks a row to send again */
    st->started = time(NULL);
    const char *f = getenv("XEPC_AGW_FAULT");
    if (f && *f) {
        const char *colon = strchr(f, ':');
        size_t len = colon ? (size_t)(colon - f) : strlen(f);
        if (len < sizeof(st->fault)) {
            memcpy(st->fault, f, len);
            st->fault_n = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 1;
            if (!st->fault_n)
                st->fault_n = 1;
            LOG_WARN(ctx, "ccr", "fault injection armed: SIGKILL at %s #%u", st->fault,
                     st->fault_n);
        }
    }
    if (db &&
        (sqlite3_prepare_v2(db,
                            "INSERT OR REPLACE INTO ccr_journal (session_id, request_no, app, "
                            "request_type, ul_teid, imsi, rating_group, bytes, base, settle, msg, "
                            "cookie, sent, created, failover) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
                            "?10,?11,?12,?13,?14,?15)",
                            -1, &st->ins, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db, "DELETE FROM ccr_journal WHERE session_id = ?1 AND request_no = ?2",
                            -1, &st->del, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "UPDATE ccr_journal SET sent = 0, created = ?3 "
                            "WHERE session_id = ?1 AND request_no = ?2",
                            -1, &st->retry, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "UPDATE ccr_journal SET sent = ?3 "
                            "WHERE session_id = ?1 AND request_no = ?2",
                            -1, &st->sent, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "SELECT session_id, request_no, app, request_type, ul_teid, imsi, "
                            "rating_group, bytes, base, settle, msg, cookie FROM ccr_journal "
                            "WHERE session_id = ?1 ORDER BY request_no DESC LIMIT 1",
                            -1, &st->pend, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "SELECT msg FROM ccr_journal WHERE session_id = ?1 AND request_no = ?2",
                            -1, &st->msg, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "UPDATE ccr_journal SET msg = ?3, sent = ?4, failover = NULL "
                            "WHERE session_id = ?1 AND request_no = ?2",
                            -1, &st->set_msg, NULL) != SQLITE_OK)) {
        LOG_ERR(ctx, "ccr", "preparing statements: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    ev_timer_init(&st->resend, resend_cb, 0.2, 1.0);
    st->resend.data = ctx;
    ev_timer_start(ctx->loop, &st->resend);
    return 0;
}

void ccr_close(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    if (!st)
        return;
    ev_timer_stop(ctx->loop, &st->resend);
    /* not sent: their rows (committed by ctx_fini) are sent at the next
     * start */
    for (size_t i = 0; i < st->n_out; i++)
        diam_msg_free(st->out[i].m);
    /* answers not sent: the peer times out and asks again */
    for (size_t i = 0; i < st->n_ans; i++)
        diam_msg_free(st->ans[i]);
    free(st->ans);
    sqlite3_finalize(st->ins);
    sqlite3_finalize(st->del);
    sqlite3_finalize(st->retry);
    sqlite3_finalize(st->sent);
    sqlite3_finalize(st->pend);
    sqlite3_finalize(st->msg);
    sqlite3_finalize(st->set_msg);
    free(st->out);
    free(st->fly);
    free(st->p_settle);
    free(st->p_msg);
    free(st);
    *gx_ccr_slot(ctx) = NULL;
}

static int step(struct agw_ctx *ctx, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
    if (rc) {
        ctx->stats.db_errors++;
        LOG_ERR(ctx, "ccr", "journal: %s", sqlite3_errmsg(db_of(ctx)));
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

static int fly_new(struct ccr_state *st, uint32_t app, uint32_t type, uint32_t no,
                   const char *sid, bool journalled, uint64_t cookie, const char *failover)
{
    int i = st->free_fly;
    if (i >= 0) {
        st->free_fly = st->fly[i].next_free;
    } else {
        if (st->n_fly == st->cap_fly) {
            uint32_t cap = st->cap_fly ? st->cap_fly * 2 : 64;
            struct ccr_fly *f = realloc(st->fly, cap * sizeof(*f));
            if (!f)
                return -ENOMEM;
            st->fly = f;
            st->cap_fly = cap;
        }
        i = (int)st->n_fly++;
    }
    struct ccr_fly *f = &st->fly[i];
    f->app_cookie = cookie;
    f->app = app;
    f->type = type;
    f->no = no;
    f->journalled = journalled;
    f->next_free = -1;
    snprintf(f->sid, sizeof(f->sid), "%s", sid ? sid : "");
    snprintf(f->failover, sizeof(f->failover), "%s", failover ? failover : "");
    return i;
}

static void fly_free(struct ccr_state *st, uint32_t i)
{
    st->fly[i].next_free = st->free_fly;
    st->free_fly = (int)i;
}

/* Queues m (consumed) as request fly, sent by ccr_flush after the commit. */
static int enqueue(struct agw_ctx *ctx, struct ccr_state *st, struct msg **m, unsigned timeout_ms,
                   int fly)
{
    if (st->n_out == st->cap_out) {
        size_t cap = st->cap_out ? st->cap_out * 2 : 64;
        struct ccr_out *o = realloc(st->out, cap * sizeof(*o));
        if (!o) {
            diam_msg_free(*m);
            *m = NULL;
            fly_free(st, (uint32_t)fly);
            return -ENOMEM;
        }
        st->out = o;
        st->cap_out = cap;
    }
    st->out[st->n_out++] = (struct ccr_out){ .m = *m, .timeout_ms = timeout_ms,
                                             .fly = (uint32_t)fly };
    *m = NULL;
    agw_commit_request(ctx);
    return 0;
}

/* Without the daemon's store (unit tests): sent at once. */
static int send_now(struct agw_ctx *ctx, struct msg **m, unsigned timeout_ms, uint64_t cookie)
{
    struct diam_node *node = gx_node(ctx);
    if (!node) {
        diam_msg_free(*m);
        *m = NULL;
        return -ENOTCONN;
    }
    return diam_send(node, m, timeout_ms, cookie);
}

int ccr_send_plain(struct agw_ctx *ctx, struct msg **m, unsigned timeout_ms, uint64_t cookie)
{
    struct ccr_state *st = st_of(ctx);
    uint32_t app = 0, type = DIAM_CC_INITIAL;
    if (!st || !db_of(ctx))
        return send_now(ctx, m, timeout_ms, cookie);
    diam_msg_info(*m, &app, NULL, NULL);
    int fly = fly_new(st, app, type, 0, NULL, false, cookie, NULL);
    if (fly < 0) {
        diam_msg_free(*m);
        *m = NULL;
        return fly;
    }
    return enqueue(ctx, st, m, timeout_ms, fly);
}

int ccr_hold(struct agw_ctx *ctx, struct msg *m, const struct ccr_row *r)
{
    struct ccr_state *st = st_of(ctx);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!st || !db_of(ctx))
        return 0;
    if (diam_msg_to_bytes(m, &buf, &len) < 0 || agw_txn_open(ctx) < 0) {
        free(buf);
        return -EIO;
    }
    sqlite3_stmt *s = st->ins;
    sqlite3_bind_text(s, 1, r->sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, r->no);
    sqlite3_bind_int64(s, 3, r->app);
    sqlite3_bind_int64(s, 4, r->type);
    sqlite3_bind_int64(s, 5, r->ul_teid);
    sqlite3_bind_text(s, 6, r->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, r->rg);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)r->bytes);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)r->base);
    if (r->settle)
        sqlite3_bind_blob(s, 10, r->settle, (int)r->settle_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 11, buf, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, (sqlite3_int64)r->cookie);
    /* this run's: ccr_resend leaves it alone, the next run sends it */
    sqlite3_bind_int64(s, 13, (sqlite3_int64)st->boot);
    sqlite3_bind_int64(s, 14, (sqlite3_int64)time(NULL));
    if (r->failover && *r->failover)
        sqlite3_bind_text(s, 15, r->failover, -1, SQLITE_STATIC);
    int rc = step(ctx, s);
    free(buf);
    return rc;
}

int ccr_send_held(struct agw_ctx *ctx, struct msg **m, const struct ccr_row *r,
                  unsigned timeout_ms)
{
    struct ccr_state *st = st_of(ctx);
    if (!st || !db_of(ctx))
        return send_now(ctx, m, timeout_ms, r->cookie);
    int fly = fly_new(st, r->app, r->type, r->no, r->sid, true, r->cookie, r->failover);
    if (fly < 0) {
        diam_msg_free(*m);
        *m = NULL;
        return fly;
    }
    return enqueue(ctx, st, m, timeout_ms, fly);
}

int ccr_send(struct agw_ctx *ctx, struct msg **m, const struct ccr_row *r, unsigned timeout_ms)
{
    int rc = ccr_hold(ctx, *m, r);
    if (rc < 0) {
        diam_msg_free(*m);
        *m = NULL;
        return rc;
    }
    return ccr_send_held(ctx, m, r, timeout_ms);
}

static void row_del(struct agw_ctx *ctx, struct ccr_state *st, const char *sid, uint32_t no)
{
    if (agw_txn_open(ctx) < 0)
        return;
    sqlite3_bind_text(st->del, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->del, 2, no);
    step(ctx, st->del);
}

/* A request not acknowledged: sent again in a while (ccr_resend). */
static void row_retry(struct agw_ctx *ctx, struct ccr_state *st, const char *sid, uint32_t no)
{
    if (agw_txn_open(ctx) < 0)
        return;
    sqlite3_bind_text(st->retry, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->retry, 2, no);
    sqlite3_bind_int64(st->retry, 3, (sqlite3_int64)time(NULL));
    step(ctx, st->retry);
}

/* m (a request of the journal) named for another server: Destination-Host
 * peer, the T flag when sent again (retransmit), its row's bytes replaced
 * and marked sent by this run (sent) or to be sent again (0).  0 or a
 * negative errno. */
static int row_redirect(struct agw_ctx *ctx, struct ccr_state *st, const char *sid, uint32_t no,
                        struct msg *m, const char *peer, bool retransmit, uint64_t sent)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = diam_msg_set_dest_host(m, peer);
    if (!rc && retransmit)
        rc = diam_msg_set_retransmit(m);
    if (!rc)
        rc = diam_msg_to_bytes(m, &buf, &len);
    if (!rc && agw_txn_open(ctx) < 0)
        rc = -EIO;
    if (!rc) {
        sqlite3_bind_text(st->set_msg, 1, sid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st->set_msg, 2, no);
        sqlite3_bind_blob(st->set_msg, 3, buf, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st->set_msg, 4, (sqlite3_int64)sent);
        rc = step(ctx, st->set_msg);
    }
    free(buf);
    return rc;
}

int ccr_retarget(struct agw_ctx *ctx, struct msg *m, const char *sid, uint32_t no,
                 const char *peer)
{
    struct ccr_state *st = st_of(ctx);
    if (!st || !db_of(ctx))
        return diam_msg_set_dest_host(m, peer);
    return row_redirect(ctx, st, sid, no, m, peer, false, st->boot);
}

int ccr_send_to(struct agw_ctx *ctx, const uint8_t *req, size_t len, const char *peer,
                unsigned timeout_ms, uint64_t cookie)
{
    struct msg *m = NULL;
    /* RFC 4006 5.7: the same request (Session-Id, CC-Request-Number,
     * End-to-End Identifier) with the T flag, a possible duplicate (the
     * first server may have handled it), named for the other server */
    int rc = diam_msg_from_bytes(req, len, &m);
    if (!rc)
        rc = diam_msg_set_retransmit(m);
    if (!rc)
        rc = diam_msg_set_dest_host(m, peer);
    if (rc) {
        diam_msg_free(m);
        return rc;
    }
    return ccr_send_plain(ctx, &m, timeout_ms, cookie);
}

/* RETRY_AND_TERMINATE (RFC 4006 5.7) for the journalled request of fly i,
 * without a usable answer from its server: the same request, its row
 * rewritten (T flag, Destination-Host the alternate) and marked sent by
 * this run, goes to the alternate now; its answer settles the row as the
 * first's would have.  False when it could not (then the row is kept as
 * any other, sent again to the first server). */
static bool failover(struct agw_ctx *ctx, struct ccr_state *st, uint32_t i)
{
    struct ccr_fly f = st->fly[i];      /* fly_new may move st->fly */
    struct msg *m = NULL;
    bool found = false;
    sqlite3_bind_text(st->msg, 1, f.sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->msg, 2, f.no);
    if (sqlite3_step(st->msg) == SQLITE_ROW && sqlite3_column_bytes(st->msg, 0) > 0)
        found = diam_msg_from_bytes(sqlite3_column_blob(st->msg, 0),
                                    (size_t)sqlite3_column_bytes(st->msg, 0), &m) == 0;
    sqlite3_reset(st->msg);
    sqlite3_clear_bindings(st->msg);
    if (!found || row_redirect(ctx, st, f.sid, f.no, m, f.failover, true, st->boot) < 0) {
        diam_msg_free(m);
        return false;
    }
    /* once: the alternate's failure is the end of the retries */
    int fly = fly_new(st, f.app, f.type, f.no, f.sid, true, f.app_cookie, NULL);
    if (fly < 0) {
        diam_msg_free(m);
        return false;
    }
    LOG_WARN(ctx, "ccr", "%s CCR-%c #%u of %s sent again to the alternate %s (RETRY_AND_TERMINATE, "
             "T flag)", f.app == DIAM_APPID_GY ? "Gy" : "Gx",
             f.type == DIAM_CC_TERMINATION ? 'T' : 'U', f.no, f.sid, f.failover);
    return enqueue(ctx, st, &m, tx_of(ctx, f.app), fly) == 0;
}

bool ccr_failed_over(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    return st && st->last_failover;
}

void ccr_cancel(struct agw_ctx *ctx, const char *sid, uint32_t no)
{
    struct ccr_state *st = st_of(ctx);
    if (st && db_of(ctx))
        row_del(ctx, st, sid, no);
}

void ccr_unhold(struct agw_ctx *ctx, const char *sid, uint32_t no)
{
    struct ccr_state *st = st_of(ctx);
    if (st && db_of(ctx))
        row_retry(ctx, st, sid, no);
}

bool ccr_kept(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    return st && st->last_kept;
}

bool ccr_pending(struct agw_ctx *ctx, const char *sid, struct ccr_row *r)
{
    struct ccr_state *st = st_of(ctx);
    sqlite3_stmt *s = st ? st->pend : NULL;
    bool found = false;
    if (!s)
        return false;
    sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        memset(r, 0, sizeof(*r));
        snprintf(st->p_sid, sizeof(st->p_sid), "%s", (const char *)sqlite3_column_text(s, 0));
        const char *imsi = (const char *)sqlite3_column_text(s, 5);
        snprintf(st->p_imsi, sizeof(st->p_imsi), "%s", imsi ? imsi : "");
        r->sid = st->p_sid;
        r->imsi = st->p_imsi;
        r->no = (uint32_t)sqlite3_column_int64(s, 1);
        r->app = (uint32_t)sqlite3_column_int64(s, 2);
        r->type = (uint32_t)sqlite3_column_int64(s, 3);
        r->ul_teid = (uint32_t)sqlite3_column_int64(s, 4);
        r->rg = (uint32_t)sqlite3_column_int64(s, 6);
        r->bytes = (uint64_t)sqlite3_column_int64(s, 7);
        r->base = (uint64_t)sqlite3_column_int64(s, 8);
        r->cookie = (uint64_t)sqlite3_column_int64(s, 11);
        free(st->p_settle);
        st->p_settle = NULL;
        int n = sqlite3_column_bytes(s, 9);
        const void *b = sqlite3_column_blob(s, 9);
        if (b && n > 0 && (st->p_settle = malloc((size_t)n))) {
            memcpy(st->p_settle, b, (size_t)n);
            r->settle = st->p_settle;
            r->settle_len = (size_t)n;
        }
        found = true;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return found;
}

bool ccr_on_event(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct ccr_state *st = st_of(ctx);
    if (st)
        st->last_kept = st->last_failover = false;
    if (!st || (ev->type != DIAM_EV_ANSWER && ev->type != DIAM_EV_TIMEOUT) ||
        !(ev->cookie & CCR_TAG) || (uint32_t)ev->cookie >= st->n_fly)
        return false;
    uint32_t i = (uint32_t)ev->cookie;
    struct ccr_fly *f = &st->fly[i];
    ev->cookie = f->app_cookie;
    st->last_valid = f->journalled;
    st->last_app = f->app;
    st->last_type = f->type;
    if (f->journalled) {
        bool settled = false;
        uint32_t code = 0;
        if (ev->type == DIAM_EV_ANSWER) {
            ccr_fault(ctx, f->app, f->type, "received");
            struct diam_header_info h;
            if (ev->msg && diam_msg_header(ev->msg, &h) == 0)
                code = h.result_code ? h.result_code : h.exp_result_code;
            /* RFC 4006 5.7: an answer that is not a protocol error (3xxx)
             * is the server's word on the request */
            settled = code && (code < 3000 || code >= 4000);
        }
        /* not settled: the final usage, and a Gy CCR-U (the OCS may have
         * counted it: only the same request, answered as a duplicate,
         * settles it once, RFC 4006 5.1/5.7), again later; a Gx CCR-U is
         * abandoned (its usage goes in the next report) */
        st->last_kept = !settled && (f->type == DIAM_CC_TERMINATION || f->app == DIAM_APPID_GY);
        if (st->last_kept && f->failover[0])
            st->last_failover = failover(ctx, st, i);
        f = &st->fly[i];
        if (st->last_kept && !st->last_failover) {
            /* RFC 4006 5.1: sent again as the same request (T flag) once
             * the retry delay is over (ccr_resend).  Logged per request:
             * within a run, a request leaves again only after one of
             * these (the server may have handled it all the same: a
             * freeDiameter peer in its REOPEN state after a lost
             * connection drops the answer, docs/charging.md "Crash-safe
             * usage reports") */
            if (ev->type == DIAM_EV_TIMEOUT)
                LOG_WARN(ctx, "ccr", "%s CCR-%c #%u of %s: no answer within its Tx timer: "
                         "kept, sent again in 2 s", f->app == DIAM_APPID_GY ? "Gy" : "Gx",
                         f->type == DIAM_CC_TERMINATION ? 'T' : 'U', f->no, f->sid);
            else
                LOG_WARN(ctx, "ccr", "%s CCR-%c #%u of %s: answered %u: kept, sent again in 2 s",
                         f->app == DIAM_APPID_GY ? "Gy" : "Gx",
                         f->type == DIAM_CC_TERMINATION ? 'T' : 'U', f->no, f->sid, code);
            row_retry(ctx, st, f->sid, f->no);
        } else if (!st->last_kept) {
            row_del(ctx, st, f->sid, f->no);
        }
    }
    fly_free(st, i);
    return true;
}

void ccr_after_event(struct agw_ctx *ctx, const struct diam_event *ev)
{
    struct ccr_state *st = st_of(ctx);
    if (st)
        st->last_failover = false;
    if (!st || !st->last_valid)
        return;
    st->last_valid = false;
    if (ev->type == DIAM_EV_ANSWER)
        ccr_fault(ctx, st->last_app, st->last_type, "applied");
}

int ccr_answer(struct agw_ctx *ctx, struct msg **m)
{
    struct ccr_state *st = st_of(ctx);
    struct diam_node *node = gx_node(ctx);
    if (!st || !db_of(ctx))
        return node ? diam_send_answer(node, m) : -ENOTCONN;
    if (st->n_ans == st->cap_ans) {
        size_t cap = st->cap_ans ? st->cap_ans * 2 : 16;
        struct msg **a = realloc(st->ans, cap * sizeof(*a));
        if (!a) {
            diam_msg_free(*m);
            *m = NULL;
            return -ENOMEM;
        }
        st->ans = a;
        st->cap_ans = cap;
    }
    st->ans[st->n_ans++] = *m;
    *m = NULL;
    agw_commit_request(ctx);
    return 0;
}

/* The answers of the committed iteration leave */
static void flush_answers(struct agw_ctx *ctx, struct ccr_state *st)
{
    struct diam_node *node = gx_node(ctx);
    size_t n = st->n_ans;
    struct msg **ans = st->ans;
    st->ans = NULL;
    st->n_ans = st->cap_ans = 0;
    for (size_t i = 0; i < n; i++) {
        ccr_fault(ctx, DIAM_APPID_GX, CCR_FAULT_RAA, "committed");
        int rc = node ? diam_send_answer(node, &ans[i]) : -ENOTCONN;
        if (rc < 0) {
            LOG_WARN(ctx, "ccr", "answer not sent: %s", strerror(-rc));
            diam_msg_free(ans[i]);
        }
    }
    free(ans);
}

void ccr_flush(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    struct diam_node *node = gx_node(ctx);
    if (!st)
        return;
    /* the answers first: an RAR's RAA before the requests it led to (the
     * CCR-T of a session the PCRF released) */
    if (st->n_ans)
        flush_answers(ctx, st);
    if (!st->n_out)
        return;
    /* what follows may queue more (a failed send's timeout is an event) */
    size_t n = st->n_out;
    struct ccr_out *out = st->out;
    st->out = NULL;
    st->n_out = st->cap_out = 0;
    for (size_t i = 0; i < n; i++) {
        struct ccr_fly *f = &st->fly[out[i].fly];
        uint64_t cookie = CCR_TAG | out[i].fly;
        uint32_t app = f->app;
        if (f->journalled)
            ccr_fault(ctx, f->app, f->type, "committed");
        int rc = node ? diam_send(node, &out[i].m, out[i].timeout_ms, cookie) : -ENOTCONN;
        if (rc < 0) {
            LOG_WARN(ctx, "ccr", "request not sent: %s", strerror(-rc));
            diam_msg_free(out[i].m);
            if (node)
                diam_node_post_timeout(node, app, 272, cookie);
            else
                fly_free(st, out[i].fly);
        }
    }
    free(out);
}

void ccr_drop(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    struct diam_node *node = gx_node(ctx);
    if (!st)
        return;
    /* the commit failed: what the answers acknowledge is not durable, so
     * they do not leave (the peer's Tx timer runs out, it asks again) */
    for (size_t i = 0; i < st->n_ans; i++)
        diam_msg_free(st->ans[i]);
    if (st->n_ans)
        LOG_WARN(ctx, "ccr", "%zu answer(s) not sent: the commit failed", st->n_ans);
    st->n_ans = 0;
    /* the commit failed: their rows are not durable, so they must not
     * leave; each is a request that got no answer for its application */
    for (size_t i = 0; i < st->n_out; i++) {
        diam_msg_free(st->out[i].m);
        st->fly[st->out[i].fly].journalled = false;    /* no row to settle */
        if (node)
            diam_node_post_timeout(node, st->fly[st->out[i].fly].app, 272,
                                   CCR_TAG | st->out[i].fly);
        else
            fly_free(st, st->out[i].fly);
    }
    st->n_out = 0;
}

void ccr_resend(struct agw_ctx *ctx)
{
    struct ccr_state *st = st_of(ctx);
    sqlite3 *db = db_of(ctx);
    struct diam_node *node = gx_node(ctx);
    sqlite3_stmt *s;
    if (!st || !db || !node || diam_node_peers_open(node) <= 0)
        return;
    /* rows of an earlier run at once; CCR-Ts of this run whose answer did
     * not come (sent = 0) two seconds after that.  A session's requests
     * one at a time, in their order: a CCR-T held behind a CCR-U leaves
     * once that CCR-U is answered (its row gone), as it would have in the
     * run that held it; sent together, the server may take the CCR-T
     * first and end the session before the CCR-U's usage is counted. */
    if (sqlite3_prepare_v2(db,
                           "SELECT session_id, request_no, app, request_type, ul_teid, imsi, "
                           "rating_group, bytes, msg, cookie, failover FROM ccr_journal AS j "
                           "WHERE sent != ?1 AND (sent != 0 OR created <= ?2) "
                           "AND NOT EXISTS (SELECT 1 FROM ccr_journal AS e "
                           "WHERE e.session_id = j.session_id AND e.request_no < j.request_no) "
                           "ORDER BY session_id, request_no LIMIT 256",
                           -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)st->boot);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL) - 2);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ccr_row r = {
            .sid = (const char *)sqlite3_column_text(s, 0),
            .no = (uint32_t)sqlite3_column_int64(s, 1),
            .app = (uint32_t)sqlite3_column_int64(s, 2),
            .type = (uint32_t)sqlite3_column_int64(s, 3),
            .ul_teid = (uint32_t)sqlite3_column_int64(s, 4),
            .imsi = (const char *)sqlite3_column_text(s, 5),
            .rg = (uint32_t)sqlite3_column_int64(s, 6),
            .bytes = (uint64_t)sqlite3_column_int64(s, 7),
            .msg = sqlite3_column_blob(s, 8),
            .msg_len = (size_t)sqlite3_column_bytes(s, 8),
            .cookie = (uint64_t)sqlite3_column_int64(s, 9),
            .failover = (const char *)sqlite3_column_text(s, 10),
        };
        struct msg *m = NULL;
        if (!r.sid || !r.imsi)
            continue;
        /* the same request: its bytes (Session-Id, CC-Request-Number,
         * End-to-End Identifier), with the T flag (RFC 6733 3); a row of
         * before the journal kept only the usage (0004's gy_unreported) */
        if (r.msg && r.msg_len ? diam_msg_from_bytes(r.msg, r.msg_len, &m) < 0
                               : (r.app != DIAM_APPID_GY || gy_build_stored(ctx, &r, &m) < 0))
            continue;
        char host[DIAM_ID_MAX];
        if (diam_msg_dest_host(m, host, sizeof(host)) < 0)
            host[0] = 0;
        /* its server (none named: every open peer) still connecting or
         * in REOPEN: the next tick */
        if (time(NULL) - st->started < CCR_PEER_GRACE_S &&
            !diam_node_peer_ready(node, host[0] ? host : NULL)) {
            diam_msg_free(m);
            continue;
        }
        diam_msg_set_retransmit(m);
        /* the alternate it was to fail over to (0019), as in the run
         * that journalled it */
        int fly = fly_new(st, r.app, r.type, r.no, r.sid, true, r.cookie, r.failover);
        if (fly < 0 || agw_txn_open(ctx) < 0) {
            diam_msg_free(m);
            if (fly >= 0)
                fly_free(st, (uint32_t)fly);
            continue;
        }
        sqlite3_bind_text(st->sent, 1, r.sid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st->sent, 2, r.no);
        sqlite3_bind_int64(st->sent, 3, (sqlite3_int64)st->boot);
        step(ctx, st->sent);
        LOG_INFO(ctx, "ccr", "%s CCR-%c #%u of %s sent again (T flag)",
                 r.app == DIAM_APPID_GY ? "Gy" : "Gx", r.type == DIAM_CC_TERMINATION ? 'T' : 'U',
                 r.no, r.sid);
        enqueue(ctx, st, &m, tx_of(ctx, r.app), fly);
    }
    sqlite3_finalize(s);
}
