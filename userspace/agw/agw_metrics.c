/* Prometheus text exposition of xepc-agwd on metrics.address:port (loopback
 * by default): the daemon's counters, eNBs and UEs, the attach latency
 * histogram, and the datapath's counters and drop reasons.  libmicrohttpd
 * runs without a thread of its own: its epoll fd is watched by the loop,
 * so the counters are read on the thread that writes them. */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "lib/strbuf.h"
#include "dp/dp.h"

struct agw_metrics {
    struct MHD_Daemon *mhd;
    ev_io io;
    ev_timer timer;
};

static void render(struct agw_ctx *ctx, struct strbuf *b)
{
    const struct agw_stats *s = &ctx->stats;
#define AGW_CNT_PROM(n, h)                                                        \
    strbuf_printf(b, "# HELP xepc_agw_" #n "_total " h "\n# TYPE xepc_agw_" #n "_total counter\n" \
            "xepc_agw_" #n "_total %llu\n", (unsigned long long)s->n);
    AGW_COUNTERS(AGW_CNT_PROM)
#undef AGW_CNT_PROM
    unsigned attached = 0, connected = 0, sessions = 0;
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; i <= h->mask; i++)
        for (struct agw_hnode *n = h->buckets[i]; n; n = n->next) {
            const struct agw_ue *ue = agw_container_of(n, struct agw_ue, by_id);
            attached += ue->emm == EMM_REGISTERED;
            connected += ue->s1;
            for (unsigned k = 0; k < AGW_MAX_PDN; k++)
                sessions += ue->pdn[k].state == PDN_ACTIVE;
        }
    strbuf_printf(b, "# HELP xepc_agw_enbs Connected eNBs (SCTP up / S1 Setup done)\n"
            "# TYPE xepc_agw_enbs gauge\nxepc_agw_enbs{state=\"connected\"} %zu\n"
            "xepc_agw_enbs{state=\"setup\"} %u\n",
         ctx->enb_by_assoc.count, ctx->n_enbs_setup);
    strbuf_printf(b, "# HELP xepc_agw_ues UEs by EMM/ECM state\n# TYPE xepc_agw_ues gauge\n"
            "xepc_agw_ues{state=\"attached\"} %u\nxepc_agw_ues{state=\"connected\"} %u\n"
            "xepc_agw_ues{state=\"known\"} %zu\n",
         attached, connected, h->count);
    strbuf_printf(b, "# HELP xepc_agw_sessions Active PDN connections\n# TYPE xepc_agw_sessions gauge\n"
            "xepc_agw_sessions %u\n", sessions);
    strbuf_printf(b, "# HELP xepc_agw_emm_reject_cause_total EMM causes sent in rejects\n"
            "# TYPE xepc_agw_emm_reject_cause_total counter\n");
    for (unsigned c = 0; c < 256; c++)
        if (s->emm_cause_tx[c])
            strbuf_printf(b, "xepc_agw_emm_reject_cause_total{cause=\"%u\"} %llu\n", c,
                 (unsigned long long)s->emm_cause_tx[c]);
    strbuf_printf(b, "# HELP xepc_agw_esm_reject_cause_total ESM causes sent\n"
            "# TYPE xepc_agw_esm_reject_cause_total counter\n");
    for (unsigned c = 0; c < 256; c++)
        if (s->esm_cause_tx[c])
            strbuf_printf(b, "xepc_agw_esm_reject_cause_total{cause=\"%u\"} %llu\n", c,
                 (unsigned long long)s->esm_cause_tx[c]);
    strbuf_printf(b, "# HELP xepc_agw_attach_latency_seconds ATTACH REQUEST to ATTACH COMPLETE\n"
            "# TYPE xepc_agw_attach_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (unsigned i = 0; i < AGW_LAT_BUCKETS; i++) {
        cum += s->attach_lat[i];
        strbuf_printf(b, "xepc_agw_attach_latency_seconds_bucket{le=\"%g\"} %llu\n",
             agw_lat_bounds_us[i] / 1e6, (unsigned long long)cum);
    }
    cum += s->attach_lat[AGW_LAT_BUCKETS];
    strbuf_printf(b, "xepc_agw_attach_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
            "xepc_agw_attach_latency_seconds_sum %g\nxepc_agw_attach_latency_seconds_count %llu\n",
         (unsigned long long)cum, s->attach_lat_sum_us / 1e6,
         (unsigned long long)s->attach_lat_count);
    agw_diam_stats_render(ctx, b, true);    /* xepc_agw_s6a_*, _gx_*, _gy_* (agw_gx.h) */

    struct dp_stats ds;
    if (ctx->dp && dp_stats_read(ctx->dp, &ds) == 0) {
        strbuf_printf(b, "# HELP xepc_dp_packets_total Datapath counters (packets)\n"
                "# TYPE xepc_dp_packets_total counter\n");
        for (unsigned i = 0; i < XEPC_CNT__MAX; i++)
            strbuf_printf(b, "xepc_dp_packets_total{counter=\"%s\"} %llu\n", xepc_counter_name(i),
                 (unsigned long long)ds.counters[i].packets);
        strbuf_printf(b, "# HELP xepc_dp_drops_total Datapath drops by reason (packets)\n"
                "# TYPE xepc_dp_drops_total counter\n");
        for (unsigned i = 0; i < XEPC_DROP__MAX; i++)
            strbuf_printf(b, "xepc_dp_drops_total{reason=\"%s\"} %llu\n", xepc_drop_reason_name(i),
                 (unsigned long long)ds.drops[i].packets);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct agw_ctx *ctx = cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (strcmp(url, "/metrics") != 0) {
        static const char nf[] = "not found: try /metrics\n";
        resp = MHD_create_response_from_buffer(sizeof(nf) - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    struct strbuf b = { 0 };
    render(ctx, &b);
    resp = MHD_create_response_from_buffer(b.len, b.buf, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
    ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void run_mhd(struct agw_ctx *ctx)
{
    struct agw_metrics *m = ctx->metrics;
    MHD_run(m->mhd);
    MHD_UNSIGNED_LONG_LONG to;
    ev_timer_stop(ctx->loop, &m->timer);
    if (MHD_get_timeout(m->mhd, &to) == MHD_YES) {
        ev_timer_set(&m->timer, to / 1000.0, 0.);
        ev_timer_start(ctx->loop, &m->timer);
    }
}

static void mhd_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    run_mhd(w->data);
}

static void mhd_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    run_mhd(w->data);
}

int agw_metrics_open(struct agw_ctx *ctx)
{
    if (!ctx->cfg->metrics.port)
        return 0;
    struct agw_metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(ctx->cfg->metrics.port),
                              .sin_addr = ctx->cfg->metrics.address };
    m->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ctx->cfg->metrics.port, NULL,
                              NULL, on_request, ctx, MHD_OPTION_SOCK_ADDR, &sa,
                              MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT,
                              5u, MHD_OPTION_END);
    if (!m->mhd) {
        char a[INET_ADDRSTRLEN];
        LOG_ERR(ctx, "metrics", "cannot listen on %s:%u (in use?)",
                inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a)), ctx->cfg->metrics.port);
        free(m);
        return -EADDRINUSE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    ctx->metrics = m;
    ev_io_init(&m->io, mhd_io_cb, info->epoll_fd, EV_READ);
    m->io.data = ctx;
    ev_io_start(ctx->loop, &m->io);
    ev_init(&m->timer, mhd_timer_cb);
    m->timer.data = ctx;
    return 0;
}

void agw_metrics_close(struct agw_ctx *ctx)
{
    struct agw_metrics *m = ctx->metrics;
    if (!m)
        return;
    ev_io_stop(ctx->loop, &m->io);
    ev_timer_stop(ctx->loop, &m->timer);
    MHD_stop_daemon(m->mhd);
    free(m);
    ctx->metrics = NULL;
}
