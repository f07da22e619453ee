/* enbsim: the S1-MME transport — one SCTP client endpoint per eNB, bound
 * to the eNB's own address, through userspace/sctp (sctp_path.h).
 * Non-UE-associated signalling goes on stream 0, UE-associated signalling
 * on the others (TS 36.412 7).
 *
 * Sends that find the SCTP send buffer full (-EAGAIN, under load) wait in
 * a queue per eNB, in order, retried every millisecond (userspace/sctp has
 * no writability callback); a lost association drops what waits. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enbsim_ctx.h"

#define S1AP_PPID 18 /* TS 36.412 7 */

static struct enbsim *ctx_of(struct enbsim_enb *e)
{
    return (struct enbsim *)((char *)(e - e->idx) - offsetof(struct enbsim, enbs));
}

static void send_s1_setup(struct enbsim *x, struct enbsim_enb *e);

static void txq_clear(struct enbsim *x, struct enbsim_enb *e)
{
    while (e->txq_head) {
        struct enbsim_txq *q = e->txq_head;
        e->txq_head = q->next;
        free(q);
    }
    e->txq_tail = NULL;
    e->txq_bytes = 0;
    ev_timer_stop(x->loop, &e->txq_timer);
}

/* Sends what waits, in order, until the buffer is full again. */
static void txq_flush(struct enbsim *x, struct enbsim_enb *e)
{
    while (e->txq_head && e->up) {
        struct enbsim_txq *q = e->txq_head;
        int rc = sctp_ep_send(e->ep, e->assoc, q->stream, S1AP_PPID, q->buf, q->len);
        if (rc == -EAGAIN)
            return;
        if (rc && x->o.verbose)
            fprintf(stderr, "enbsim: eNB %u: a queued message is lost: %s\n", e->idx,
                    strerror(-rc));
        e->txq_head = q->next;
        if (!e->txq_head)
            e->txq_tail = NULL;
        e->txq_bytes -= q->len;
        free(q);
    }
    txq_clear(x, e);
}

static void on_txq_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim_enb *e = w->data;
    txq_flush(ctx_of(e), e);
}

static void on_up(void *arg, const struct sctp_assoc_info *a)
{
    struct enbsim_enb *e = arg;
    struct enbsim *x = ctx_of(e);
    e->up = true;
    e->assoc = a->id;
    e->ostreams = a->ostreams;
    if (e->setup_done)
        e->reconnects++;
    if (x->o.verbose)
        fprintf(stderr, "enbsim: eNB %u: association up (%u out streams)\n", e->idx,
                a->ostreams);
    /* TS 36.413 8.7.3: S1 Setup is the first S1AP procedure */
    send_s1_setup(x, e);
}

static void send_s1_setup(struct enbsim *x, struct enbsim_enb *e)
{
    uint8_t buf[512];
    int n = enb_build_s1_setup_request(&e->cfg, buf, sizeof(buf));
    e->t_setup = enbsim_now_ns();
    if (n < 0 || enbsim_send(x, e, 0, buf, (size_t)n)) {
        if (e->setup_done)
            return; /* a re-setup: the next association loss retries */
        e->setup_failed = true;
        snprintf(e->fail_cause, sizeof(e->fail_cause), "cannot-send");
        enbsim_stat_fail(x, PROC_S1_SETUP, "cannot-send");
        enbsim_maybe_done(x);
    }
}

static void on_restart(void *arg, const struct sctp_assoc_info *a)
{
    struct enbsim_enb *e = arg;
    struct enbsim *x = ctx_of(e);
    /* the MME restarted (SCTP restart, same association): its S1 state is
     * gone; set up S1 again, attached UEs stay attached (TS 36.413 8.7.3) */
    e->ostreams = a->ostreams;
    if (!e->setup_done) {
        send_s1_setup(x, e);
        return;
    }
    txq_clear(x, e);
    enbsim_on_enb_lost(x, e, "sctp-restart");
    e->reconnects++;
    send_s1_setup(x, e);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim_enb *e = w->data;
    struct enbsim *x = ctx_of(e);
    ev_timer_stop(loop, w); /* one attempt at a time: its outcome re-arms */
    /* also while stopping: held UEs that detach (--detach) wait for their
     * eNB's S1 to be back (load.c next_step) */
    if (!e->up && !x->closing && enbsim_enb_reconnect(x, e, false))
        ev_timer_again(x->loop, &e->retry);
}

static void on_down(void *arg, uint32_t assoc_id, enum sctp_down_reason why)
{
    (void)assoc_id;
    struct enbsim_enb *e = arg;
    struct enbsim *x = ctx_of(e);
    char cause[48];
    e->up = false;
    txq_clear(x, e);
    snprintf(cause, sizeof(cause), "sctp-%s", sctp_down_reason_str(why));
    if (e->setup_done && !x->o.no_reconnect && !x->closing && why != SCTP_DOWN_LOCAL) {
        /* a set-up eNB comes back: new association, S1 Setup again */
        enbsim_on_enb_lost(x, e, cause);
        ev_timer_again(x->loop, &e->retry);
        return;
    }
    if (!e->setup_done && !e->setup_failed) {
        e->setup_failed = true;
        snprintf(e->fail_cause, sizeof(e->fail_cause), "%s", cause);
        enbsim_stat_fail(x, PROC_S1_SETUP, cause);
    }
    enbsim_on_enb_down(x, e, cause);
}

static void on_data(void *arg, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
                    const uint8_t *buf, size_t len)
{
    (void)assoc_id;
    (void)ppid;
    struct enbsim_enb *e = arg;
    enbsim_on_s1ap(ctx_of(e), e, stream, buf, len);
}

static const struct sctp_ops enb_ops = {
    .assoc_up = on_up,
    .assoc_restart = on_restart,
    .assoc_down = on_down,
    .data = on_data,
};

int enbsim_send(struct enbsim *x, struct enbsim_enb *e, uint16_t stream, const uint8_t *buf,
                size_t len)
{
    if (!e->up)
        return -ENOTCONN;
    if (e->ostreams && stream >= e->ostreams)
        stream = (uint16_t)(1 + stream % (e->ostreams > 1 ? e->ostreams - 1 : 1));
    if (!e->txq_head) {
        int rc = sctp_ep_send(e->ep, e->assoc, stream, S1AP_PPID, buf, len);
        if (rc != -EAGAIN)
            return rc;
    }
    /* the send buffer is full (or others wait before this one): queue */
    if (e->txq_bytes + len > ENBSIM_TXQ_MAX_BYTES)
        return -ENOBUFS;
    struct enbsim_txq *q = malloc(sizeof(*q) + len);
    if (!q)
        return -ENOMEM;
    q->next = NULL;
    q->stream = stream;
    q->len = len;
    memcpy(q->buf, buf, len);
    if (e->txq_tail)
        e->txq_tail->next = q;
    else
        e->txq_head = q;
    e->txq_tail = q;
    e->txq_bytes += len;
    x->st.send_waits++;
    if (!ev_is_active(&e->txq_timer)) {
        ev_timer_init(&e->txq_timer, on_txq_timer, 0.001, 0.001);
        e->txq_timer.data = e;
        ev_timer_start(x->loop, &e->txq_timer);
    }
    return 0;
}

static int enb_open(struct enbsim *x, struct enbsim_enb *e)
{
    unsigned i = e->idx;
    struct sctp_cfg cfg;
    {
        sctp_cfg_init(&cfg, x->o.backend);
        cfg.local.sin_family = AF_INET;
        cfg.local.sin_addr = e->cfg.s1u_addr;
        cfg.local.sin_port = 0;
        cfg.ostreams = cfg.istreams = x->o.streams;
        if (x->o.backend == SCTP_BACKEND_USRSCTP_UDP && i > 0) {
            /* one UDP port per endpoint: they cannot share 9899 */
            cfg.udp_port = (uint16_t)(cfg.udp_port + i);
        }
        int rc = sctp_ep_open(x->loop, &cfg, &enb_ops, e, &e->ep);
        if (rc) {
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &e->cfg.s1u_addr, a, sizeof(a));
            fprintf(stderr, "enbsim: eNB %u: cannot open an SCTP endpoint on %s (%s): %s\n", i,
                    a, sctp_backend_str(x->o.backend),
                    e->ep ? sctp_ep_error(e->ep) : strerror(-rc));
            return rc;
        }
        rc = sctp_ep_connect(e->ep, &x->o.mme, &e->assoc);
        if (rc) {
            fprintf(stderr, "enbsim: eNB %u: cannot connect to the MME: %s\n", i,
                    sctp_ep_error(e->ep));
            return rc;
        }
    }
    return 0;
}

int enbsim_enb_reconnect(struct enbsim *x, struct enbsim_enb *e, bool fresh_endpoint)
{
    e->s1_ready = false;
    if (fresh_endpoint) {
        /* as an eNB that restarted: its old association is not shut down
         * first (the ABORT that closing sends may or may not arrive) */
        if (e->up)
            enbsim_on_enb_lost(x, e, "enb-restart");
        e->up = false;
        txq_clear(x, e);
        struct sctp_ep *old = e->ep;
        e->ep = NULL;
        sctp_ep_close(old);
        return enb_open(x, e);
    }
    if (e->up)
        return 0;
    return sctp_ep_connect(e->ep, &x->o.mme, &e->assoc);
}

int enbsim_enbs_open(struct enbsim *x)
{
    for (unsigned i = 0; i < x->n_enbs; i++) {
        struct enbsim_enb *e = &x->enbs[i];
        ev_timer_init(&e->retry, on_retry, 0, 0.5);
        ev_timer_init(&e->txq_timer, on_txq_timer, 0.001, 0.001);
        e->txq_timer.data = e;
        e->retry.data = e;
        int rc = enb_open(x, e);
        if (rc)
            return rc;
    }
    return 0;
}

void enbsim_enbs_close(struct enbsim *x)
{
    x->stopping = true;
    x->closing = true; /* no reconnects from here */
    for (unsigned i = 0; i < x->n_enbs; i++) {
        struct enbsim_enb *e = &x->enbs[i];
        ev_timer_stop(x->loop, &e->retry);
        txq_clear(x, e);
        if (e->ep) {
            if (e->up)
                sctp_ep_shutdown(e->ep, e->assoc);
            sctp_ep_close(e->ep);
            e->ep = NULL;
        }
    }
}
