/* S1-MME transport of xepc-agwd: the SCTP endpoint (userspace/sctp, any of
 * its backends) turned into S1AP events, and the send queue.
 *
 * Sending is deferred to the end of the loop iteration: a message that
 * tells a peer about new state (an attach accept, a GUTI, a TEID) must not
 * leave before that state is in SQLite (TS 23.401 leaves it to us; the
 * design brief says "a crash loses nothing acknowledged").  So the
 * handlers queue their messages, and the commit watcher (an ev_prepare,
 * run before the loop blocks) writes every changed UE in one transaction,
 * then sends the queue.  One transaction per loop iteration also makes the
 * store cost per attach small under load (group commit). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "sctp/sctp_path.h"


struct agw_txq_entry {
    struct agw_txq_entry *next;
    uint32_t assoc_id;
    uint16_t stream;
    uint32_t len;
    uint8_t buf[];
};

struct agw_txq {
    struct agw_txq_entry *head, **tail;
    uint32_t n;
    ev_timer retry;             /* a send buffer was full: try again soon */
};

/* ------------------------------------------------------------ sending -- */

int s1ap_path_send(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                   const struct s1ap_pdu *pdu)
{
    if (!ctx->txq)
        return -ENOTCONN;
    uint8_t buf[AGW_S1AP_MAX];
    int n = s1ap_encode(pdu, buf, sizeof(buf));
    if (n < 0) {
        /* our own message: a bug, but never a reason to stop serving */
        LOG_ERR(ctx, "s1ap", "encoding %s failed (%d)", s1ap_msg_name(pdu->kind), n);
        ctx->stats.sctp_send_errors++;
        return n;
    }
    struct agw_txq_entry *e = malloc(sizeof(*e) + (size_t)n);
    if (!e) {
        ctx->stats.sctp_send_errors++;
        return -ENOMEM;
    }
    e->next = NULL;
    e->assoc_id = assoc_id;
    e->stream = stream;
    e->len = (uint32_t)n;
    memcpy(e->buf, buf, (size_t)n);
    *ctx->txq->tail = e;
    ctx->txq->tail = &e->next;
    ctx->txq->n++;
    agw_commit_request(ctx);
    LOG_DBG(ctx, "s1ap", "assoc %u stream %u: queued %s (%d bytes)", assoc_id, stream,
            s1ap_msg_name(pdu->kind), n);
    return 0;
}

/* Sends what is queued.  A full send buffer (-EAGAIN) keeps that message
 * and every later one of the same association queued, in order, and
 * retries shortly: under load nothing is dropped that the state says was
 * sent.  Other errors drop the message, counted (the association is going
 * away; the peers' timers take over). */
void s1ap_path_flush(struct agw_ctx *ctx)
{
    if (!ctx->txq)
        return;
    struct agw_txq_entry *e = ctx->txq->head;
    struct agw_txq_entry *keep = NULL, **keep_tail = &keep;
    uint32_t blocked[8];
    unsigned n_blocked = 0, kept = 0;
    ctx->txq->head = NULL;
    ctx->txq->tail = &ctx->txq->head;
    ctx->txq->n = 0;
    while (e) {
        struct agw_txq_entry *next = e->next;
        bool is_blocked = false;
        for (unsigned i = 0; i < n_blocked; i++)
            is_blocked |= blocked[i] == e->assoc_id;
        int rc = is_blocked ? -EAGAIN
                 : ctx->s1ap ? sctp_ep_send(ctx->s1ap, e->assoc_id, e->stream, SCTP_PPID_S1AP,
                                            e->buf, e->len)
                             : -ENOTCONN;
        if (rc == -EAGAIN && (is_blocked || n_blocked < 8)) {
            if (!is_blocked)
                blocked[n_blocked++] = e->assoc_id;
            e->next = NULL;
            *keep_tail = e;
            keep_tail = &e->next;
            kept++;
            e = next;
            continue;
        }
        if (rc < 0) {
            ctx->stats.sctp_send_errors++;
            LOG_WARN(ctx, "sctp", "assoc %u: send on stream %u failed: %s", e->assoc_id,
                     e->stream, strerror(-rc));
        }
        free(e);
        e = next;
    }
    if (keep) {
        /* what handlers queued meanwhile goes after the kept messages */
        *keep_tail = ctx->txq->head;
        ctx->txq->head = keep;
        if (!*keep_tail)
            ctx->txq->tail = keep_tail;
        ctx->txq->n += kept;
        if (!ev_is_active(&ctx->txq->retry)) {
            ev_timer_set(&ctx->txq->retry, 0.002, 0.);
            ev_timer_start(ctx->loop, &ctx->txq->retry);
        }
    }
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)loop;
    (void)revents;
    s1ap_path_flush(ctx);
}

void s1ap_path_drop_all(struct agw_ctx *ctx)
{
    struct agw_txq_entry *e = ctx->txq->head;
    while (e) {
        struct agw_txq_entry *next = e->next;
        free(e);
        e = next;
    }
    ctx->txq->head = NULL;
    ctx->txq->tail = &ctx->txq->head;
    ctx->txq->n = 0;
}

/* Drops queued messages for an association that went away. */
static void txq_drop_assoc(struct agw_ctx *ctx, uint32_t assoc_id)
{
    if (!ctx->txq)
        return;
    struct agw_txq_entry **pp = &ctx->txq->head;
    while (*pp) {
        struct agw_txq_entry *e = *pp;
        if (e->assoc_id == assoc_id) {
            *pp = e->next;
            ctx->txq->n--;
            free(e);
        } else {
            pp = &e->next;
        }
    }
    ctx->txq->tail = &ctx->txq->head;
    while (*ctx->txq->tail)
        ctx->txq->tail = &(*ctx->txq->tail)->next;
}

/* ---------------------------------------------------------- receiving -- */

static void on_assoc_up(void *arg, const struct sctp_assoc_info *a)
{
    struct agw_ctx *ctx = arg;
    ctx->stats.sctp_assoc_up++;
    s1ap_enb_connected(ctx, a->id, &a->peer, a->ostreams, a->istreams);
}

static void on_assoc_restart(void *arg, const struct sctp_assoc_info *a)
{
    struct agw_ctx *ctx = arg;
    /* TS 36.412: the peer restarted; everything it knew is gone.  Treat it
     * as the old association going down and a new one coming up. */
    txq_drop_assoc(ctx, a->id);
    s1ap_enb_disconnected(ctx, a->id, "restart");
    s1ap_enb_connected(ctx, a->id, &a->peer, a->ostreams, a->istreams);
}

static void on_assoc_down(void *arg, uint32_t assoc_id, enum sctp_down_reason why)
{
    struct agw_ctx *ctx = arg;
    ctx->stats.sctp_assoc_down++;
    txq_drop_assoc(ctx, assoc_id);
    s1ap_enb_disconnected(ctx, assoc_id, sctp_down_reason_str(why));
}

static void on_data(void *arg, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
                    const uint8_t *buf, size_t len)
{
    struct agw_ctx *ctx = arg;
    if (ppid != SCTP_PPID_S1AP && ppid != 0)
        LOG_DBG(ctx, "sctp", "assoc %u: PPID %u, treated as S1AP", assoc_id, ppid);
    s1ap_handle_pdu(ctx, assoc_id, stream, buf, len);
}

static const struct sctp_ops s1ap_sctp_ops = {
    .assoc_up = on_assoc_up,
    .assoc_restart = on_assoc_restart,
    .assoc_down = on_assoc_down,
    .data = on_data,
};

int s1ap_txq_init(struct agw_ctx *ctx)
{
    if (ctx->txq)
        return 0;
    ctx->txq = calloc(1, sizeof(*ctx->txq));
    if (!ctx->txq)
        return -ENOMEM;
    ctx->txq->tail = &ctx->txq->head;
    ev_init(&ctx->txq->retry, retry_cb);
    ctx->txq->retry.data = ctx;
    return 0;
}

int s1ap_path_open(struct agw_ctx *ctx)
{
    const struct agw_config *cfg = ctx->cfg;
    static const enum sctp_backend backends[] = {
        [AGW_S1AP_KERNEL] = SCTP_BACKEND_KERNEL,
        [AGW_S1AP_USRSCTP_RAW] = SCTP_BACKEND_USRSCTP_RAW,
        [AGW_S1AP_USRSCTP_UDP] = SCTP_BACKEND_USRSCTP_UDP,
    };
    struct sctp_cfg sc;

    if (s1ap_txq_init(ctx) < 0)
        return -ENOMEM;

    sctp_cfg_init(&sc, backends[cfg->mme.s1ap.backend]);
    sc.local.sin_family = AF_INET;
    sc.local.sin_addr = cfg->mme.s1ap.address;
    sc.local.sin_port = htons(cfg->mme.s1ap.port);
    sc.udp_port = cfg->mme.s1ap.udp_port;
    sc.ostreams = cfg->mme.s1ap.streams;
    sc.istreams = cfg->mme.s1ap.streams;
    sc.hb_interval_ms = cfg->mme.s1ap.heartbeat_ms;

    int rc = sctp_ep_open(ctx->loop, &sc, &s1ap_sctp_ops, ctx, &ctx->s1ap);
    if (rc < 0) {
        LOG_ERR(ctx, "sctp", "cannot open the S1-MME endpoint (%s): %s",
                sctp_backend_str(sc.backend),
                ctx->s1ap ? sctp_ep_error(ctx->s1ap) : strerror(-rc));
        if (ctx->s1ap)
            sctp_ep_close(ctx->s1ap);
        ctx->s1ap = NULL;
        return rc;
    }
    rc = sctp_ep_listen(ctx->s1ap);
    if (rc < 0) {
        LOG_ERR(ctx, "sctp", "cannot listen on S1-MME: %s", sctp_ep_error(ctx->s1ap));
        sctp_ep_close(ctx->s1ap);
        ctx->s1ap = NULL;
        return rc;
    }
    char a[INET_ADDRSTRLEN];
    LOG_INFO(ctx, "sctp", "S1-MME listening on %s port %u (%s)",
             inet_ntop(AF_INET, &cfg->mme.s1ap.address, a, sizeof(a)), cfg->mme.s1ap.port,
             sctp_backend_str(sc.backend));
    return 0;
}

void s1ap_path_close(struct agw_ctx *ctx)
{
    /* what is queued goes out first; then the endpoint closes, which may
     * still report associations going down (and touch the queue) */
    if (ctx->txq)
        s1ap_path_flush(ctx);
    if (ctx->s1ap) {
        sctp_ep_close(ctx->s1ap);
        ctx->s1ap = NULL;
    }
    if (ctx->txq) {
        s1ap_path_drop_all(ctx);
        ev_timer_stop(ctx->loop, &ctx->txq->retry);
        free(ctx->txq);
        ctx->txq = NULL;
    }
}

int s1ap_path_abort(struct agw_ctx *ctx, uint32_t assoc_id)
{
    txq_drop_assoc(ctx, assoc_id);
    return ctx->s1ap ? sctp_ep_abort(ctx->s1ap, assoc_id) : -ENOTCONN;
}
