/* The daemon's Diameter node (one per process, shared by Gx and S6a) and
 * its place on the libev loop: freeDiameter's threads queue events and
 * bump an eventfd; this watcher drains them on the loop and hands each to
 * its application (docs/charging.md). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_s6a.h"
#include "agw/agw_gy.h"
#include "agw/agw_ccr.h"
#include "diameter/diam.h"

struct agw_gx {
    struct diam_node *node;
    ev_io io;
    uint64_t boot;                  /* the high part of our Session-Ids */
    struct agw_gx_stats stats;
    struct agw_hash sessions;       /* struct gx_sess by uplink TEID (gx_policy.c) */
    ev_timer monitor;               /* usage monitoring, once a second (gx_monitor.c) */
    struct ccr_state *ccr;          /* the requests' journal and queue (ccr_journal.c) */
    unsigned orphans;               /* restored sessions without a PDN connection */
};

static void monitor_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)loop;
    (void)revents;
    /* their CCR-Ts once the PCRF can hear them (gx_sessions_load) */
    if (ctx->gx->orphans && diam_node_peers_open(ctx->gx->node) > 0) {
        ctx->gx->orphans = 0;
        gx_sessions_orphans(ctx);
    }
    gx_monitors_poll(ctx);
}

static void gx_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct agw_ctx *ctx = w->data;
    struct diam_event ev;
    while (ctx->gx && diam_node_next(ctx->gx->node, &ev)) {
        if (ev.app_id == DIAM_APPID_S6A) {
            s6a_handle_event(ctx, &ev);
        } else {
            /* Gx/Gy requests go out through ccr_journal.c: its cookies
             * mapped back, the journal settled (agw_ccr.h) */
            bool ours = ccr_on_event(ctx, &ev);
            if (ev.app_id == DIAM_APPID_GY)
                gy_handle_event(ctx, &ev);      /* the OCS (agw_gy.h) */
            else
                gx_handle_event(ctx, &ev);
            if (ours)
                ccr_after_event(ctx, &ev);
        }
        diam_event_done(&ev);
    }
}

void gx_node_link(struct diam_cfg *dc, struct diam_peer_cfg *p, const struct agw_diam_link *l)
{
    p->tls = l->tls;
    p->transport = l->sctp ? DIAM_SCTP : DIAM_TCP;
    if (l->sctp)
        dc->sctp = true;
}

void gx_node_peer(struct diam_cfg *dc, const char *identity, const struct in_addr *addr,
                  uint16_t port, const struct agw_diam_link *l)
{
    for (unsigned i = 0; i < dc->n_peers; i++)
        if (!strcmp(dc->peers[i].identity, identity))
            return;
    if (dc->n_peers >= DIAM_MAX_PEERS)
        return;
    struct diam_peer_cfg *p = &dc->peers[dc->n_peers++];
    snprintf(p->identity, sizeof(p->identity), "%s", identity);
    inet_ntop(AF_INET, addr, p->addr, sizeof(p->addr));
    p->port = port;
    gx_node_link(dc, p, l);
}

/* Our TLS credentials (diameter.tls), checked here so that a missing or
 * unreadable file is named instead of freeDiameter's GnuTLS error; and
 * SCTP, which the configuration may ask of a kernel that lacks it. */
static int node_tls_cfg(struct agw_ctx *ctx, struct diam_cfg *dc)
{
    const struct agw_config *c = ctx->cfg;
    const struct {
        const char *key, *path;
        char *dst;
    } files[] = {
        {"cert", c->diameter.tls.cert, dc->tls_cert},
        {"key", c->diameter.tls.key, dc->tls_key},
        {"ca", c->diameter.tls.ca, dc->tls_ca},
    };
    for (size_t i = 0; c->diameter.tls.cert[0] && i < 3; i++) {
        if (access(files[i].path, R_OK) < 0) {
            int e = errno;
            LOG_ERR(ctx, "gx", "diameter.tls.%s %s: %s", files[i].key, files[i].path,
                    strerror(e));
            return -e;
        }
        snprintf(files[i].dst, sizeof(dc->tls_cert), "%s", files[i].path);
    }
    dc->tls_port = c->diameter.tls.port;
    if (dc->sctp) {
        int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        if (fd < 0) {
            int e = errno;
            LOG_ERR(ctx, "gx", "a Diameter peer has transport: sctp, but this kernel cannot "
                    "open SCTP sockets: %s", strerror(e));
            return -e;
        }
        close(fd);
    }
    return 0;
}

int gx_open(struct agw_ctx *ctx)
{
    const struct agw_config *c = ctx->cfg;
    struct diam_cfg dc;
    int rc;

    /* one node for S6a, Gx and Gy (freeDiameter: one per process) */
    if (!c->diameter.enabled ||
        (!c->diameter.gx.enabled && !c->diameter.s6a.enabled && !c->diameter.gy.enabled))
        return 0;
    if ((rc = s6a_open(ctx)) < 0)
        return rc;
    struct agw_gx *gx = calloc(1, sizeof(*gx));
    if (!gx) {
        s6a_close(ctx);
        return -ENOMEM;
    }
    memset(&dc, 0, sizeof(dc));
    snprintf(dc.identity, sizeof(dc.identity), "%s", c->diameter.identity);
    snprintf(dc.realm, sizeof(dc.realm), "%s", c->diameter.realm);
    inet_ntop(AF_INET, &c->diameter.address, dc.listen_addr, sizeof(dc.listen_addr));
    dc.port = c->diameter.port;
    dc.tc_timer_s = (c->diameter.reconnect_ms + 999) / 1000;   /* RFC 6733 Tc */
    if (c->diameter.gx.enabled) {
        dc.apps |= DIAM_APP_GX;
        struct diam_peer_cfg *p = &dc.peers[dc.n_peers++];
        snprintf(p->identity, sizeof(p->identity), "%s", c->diameter.gx.peer);
        inet_ntop(AF_INET, &c->diameter.gx.address, p->addr, sizeof(p->addr));
        p->port = c->diameter.gx.port;
        gx_node_link(&dc, p, &c->diameter.gx.link);
        /* the alternate PCRF, reached as the first (RFC 4006 5.7) */
        if (c->diameter.gx.alt.enabled)
            gx_node_peer(&dc, c->diameter.gx.alt.peer, &c->diameter.gx.alt.address,
                         c->diameter.gx.alt.port, &c->diameter.gx.link);
    }
    if (c->diameter.s6a.enabled) {
        dc.apps |= DIAM_APP_S6A;
        /* one connection per peer: an HSS that is also the PCRF (the
         * configuration checked that it is at the same address) */
        if (!c->diameter.gx.enabled || strcmp(c->diameter.gx.peer, c->diameter.s6a.peer)) {
            struct diam_peer_cfg *p = &dc.peers[dc.n_peers++];
            snprintf(p->identity, sizeof(p->identity), "%s", c->diameter.s6a.peer);
            inet_ntop(AF_INET, &c->diameter.s6a.address, p->addr, sizeof(p->addr));
            p->port = c->diameter.s6a.port;
            gx_node_link(&dc, p, &c->diameter.s6a.link);
        }
    }
    gy_node_cfg(ctx, &dc);
    if ((rc = node_tls_cfg(ctx, &dc)) < 0) {
        free(gx);
        s6a_close(ctx);
        return rc;
    }
    rc = diam_node_start(&dc, &gx->node);
    if (rc < 0) {
        LOG_ERR(ctx, "gx", "cannot start the Diameter node %s: %s", dc.identity,
                strerror(-rc));
        free(gx);
        s6a_close(ctx);
        return rc;
    }
    gx->boot = (uint64_t)time(NULL);
    if ((rc = agw_hash_init(&gx->sessions, 1024)) < 0) {
        diam_node_stop(gx->node);
        free(gx);
        s6a_close(ctx);
        return rc;
    }
    ev_io_init(&gx->io, gx_io_cb, diam_node_fd(gx->node), EV_READ);
    gx->io.data = ctx;
    ev_io_start(ctx->loop, &gx->io);
    ctx->gx = gx;
    if ((rc = ccr_open(ctx)) < 0)
        return rc;
    if (c->diameter.gx.enabled) {
        rc = gx_sessions_load(ctx, &gx->orphans);
        if (rc > 0)
            LOG_INFO(ctx, "gx", "%d Gx sessions restored, %u without a PDN connection", rc,
                     gx->orphans);
        ev_timer_init(&gx->monitor, monitor_cb, 1.0, 1.0);
        gx->monitor.data = ctx;
        ev_timer_start(ctx->loop, &gx->monitor);
    }
    LOG_INFO(ctx, "gx", "Diameter node %s on %s:%u, %s%s%s%s at %s:%u", dc.identity,
             dc.listen_addr, dc.port, c->diameter.gx.enabled ? "PCRF " : "",
             c->diameter.gx.enabled ? c->diameter.gx.peer : "",
             c->diameter.s6a.enabled ? (c->diameter.gx.enabled ? ", HSS " : "HSS ") : "",
             c->diameter.s6a.enabled ? c->diameter.s6a.peer : "", dc.peers[0].addr,
             dc.peers[0].port);
    return gy_open(ctx);
}

void gx_close(struct agw_ctx *ctx)
{
    struct agw_gx *gx = ctx->gx;
    if (!gx)
        return;
    gy_close(ctx);
    ccr_close(ctx);
    ev_io_stop(ctx->loop, &gx->io);
    ev_timer_stop(ctx->loop, &gx->monitor);
    gx_sessions_free_all(ctx);
    agw_hash_free(&gx->sessions);
    ctx->gx = NULL;
    /* the books gy_close wrote are durable before freeDiameter's shutdown,
     * which may take seconds or, with its threads, outlive the daemon
     * (diam_node_stop) */
    if (ctx->store)
        agw_commit(ctx);
    diam_node_stop(gx->node);
    free(gx);
    s6a_close(ctx);
}

struct agw_hash *gx_sessions(struct agw_ctx *ctx)
{
    return ctx->gx ? &ctx->gx->sessions : NULL;
}

struct ccr_state **gx_ccr_slot(struct agw_ctx *ctx)
{
    return &ctx->gx->ccr;
}

struct diam_node *gx_node(struct agw_ctx *ctx)
{
    return ctx->gx ? ctx->gx->node : NULL;
}

struct agw_gx_stats *gx_stats_mut(struct agw_ctx *ctx)
{
    return &ctx->gx->stats;
}

const struct agw_gx_stats *gx_stats(const struct agw_ctx *ctx)
{
    return ctx->gx ? &ctx->gx->stats : NULL;
}

uint64_t gx_boot_id(const struct agw_ctx *ctx)
{
    return ctx->gx ? ctx->gx->boot : 0;
}
