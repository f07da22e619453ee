/* The daemon's Diameter node (one per process) and its place on the libev
 * loop: freeDiameter's threads queue events and bump an eventfd; this
 * watcher drains them on the loop (docs/charging.md). */
#include <string.h>
#include <time.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

struct agw_gx {
    struct diam_node *node;
    ev_io io;
    uint64_t boot;                  /* the high part of our Session-Ids */
    struct agw_gx_stats stats;
};

static void gx_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct agw_ctx *ctx = w->data;
    struct diam_event ev;
    while (ctx->gx && diam_node_next(ctx->gx->node, &ev)) {
        gx_handle_event(ctx, &ev);
        diam_event_done(&ev);
    }
}

int gx_open(struct agw_ctx *ctx)
{
    const struct agw_config *c = ctx->cfg;
    struct diam_cfg dc;
    int rc;

    if (!c->diameter.enabled || !c->diameter.gx.enabled)
        return 0;
    struct agw_gx *gx = calloc(1, sizeof(*gx));
    if (!gx)
        return -ENOMEM;
    memset(&dc, 0, sizeof(dc));
    snprintf(dc.identity, sizeof(dc.identity), "%s", c->diameter.identity);
    snprintf(dc.realm, sizeof(dc.realm), "%s", c->diameter.realm);
    inet_ntop(AF_INET, &c->diameter.address, dc.listen_addr, sizeof(dc.listen_addr));
    dc.port = c->diameter.port;
    dc.apps = DIAM_APP_GX;
    dc.n_peers = 1;
    dc.tc_timer_s = 5;
    snprintf(dc.peers[0].identity, sizeof(dc.peers[0].identity), "%s", c->diameter.gx.peer);
    inet_ntop(AF_INET, &c->diameter.gx.address, dc.peers[0].addr, sizeof(dc.peers[0].addr));
    dc.peers[0].port = c->diameter.gx.port;
    rc = diam_node_start(&dc, &gx->node);
    if (rc < 0) {
        LOG_ERR(ctx, "gx", "cannot start the Diameter node %s: %s", dc.identity,
                strerror(-rc));
        free(gx);
        return rc;
    }
    gx->boot = (uint64_t)time(NULL);
    ev_io_init(&gx->io, gx_io_cb, diam_node_fd(gx->node), EV_READ);
    gx->io.data = ctx;
    ev_io_start(ctx->loop, &gx->io);
    ctx->gx = gx;
    LOG_INFO(ctx, "gx", "Diameter node %s on %s:%u, PCRF %s at %s:%u", dc.identity,
             dc.listen_addr, dc.port, dc.peers[0].identity, dc.peers[0].addr,
             dc.peers[0].port);
    return 0;
}

void gx_close(struct agw_ctx *ctx)
{
    struct agw_gx *gx = ctx->gx;
    if (!gx)
        return;
    ev_io_stop(ctx->loop, &gx->io);
    ctx->gx = NULL;
    diam_node_stop(gx->node);
    free(gx);
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
