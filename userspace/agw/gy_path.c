/* Gy's place on the daemon's Diameter node (gx_path.c owns the node, one
 * per process), the table of credit-control sessions and their
 * Validity-Time timers (agw_gy.h). */
#include <string.h>
#include <time.h>

#include "agw/agw_ccr.h"
#include "agw/gy_int.h"
#include "dp/dp.h"

void gy_node_cfg(struct agw_ctx *ctx, struct diam_cfg *dc)
{
    const struct agw_config *c = ctx->cfg;
    if (!c->diameter.gy.enabled)
        return;
    dc->apps |= DIAM_APP_GY;
    /* the OCS may be the PCRF's node too (one peer then), the alternate
     * OCS the alternate PCRF's (RFC 4006 5.7) */
    gx_node_peer(dc, c->diameter.gy.peer, &c->diameter.gy.address, c->diameter.gy.port,
                 &c->diameter.gy.link);
    if (c->diameter.gy.alt.enabled)
        gx_node_peer(dc, c->diameter.gy.alt.peer, &c->diameter.gy.alt.address,
                     c->diameter.gy.alt.port, &c->diameter.gy.link);
}

int gy_open(struct agw_ctx *ctx)
{
    const struct agw_config *c = ctx->cfg;
    if (!c->diameter.gy.enabled)
        return 0;
    struct agw_gy *gy = calloc(1, sizeof(*gy));
    if (!gy)
        return -ENOMEM;
    gy->max = c->datapath.max_sessions ? c->datapath.max_sessions : 100000;
    if (gy->max > (1u << 24))
        gy->max = 1u << 24;
    gy->by_sid = calloc(gy->max, sizeof(*gy->by_sid));
    if (!gy->by_sid) {
        free(gy);
        return -ENOMEM;
    }
    gy->boot = (uint64_t)time(NULL);
    ctx->gy = gy;
    /* the CCR-Us asked for in a loop iteration leave at its end, before
     * the commit watcher (ue_store.c, priority 0) commits the journal
     * rows they write: a higher priority runs first among the prepare
     * watchers of one iteration (libev) */
    ev_prepare_init(&gy->flush, gy_flush_cb);
    gy->flush.data = ctx;
    ev_set_priority(&gy->flush, EV_MAXPRI);
    ev_prepare_start(ctx->loop, &gy->flush);
    if (gy_store_open(ctx) < 0 || gy_store_load(ctx) < 0)
        return -EIO;
    if (ctx->dp && c->diameter.gy.portal.s_addr && dp_portal_set(ctx->dp, c->diameter.gy.portal))
        LOG_WARN(ctx, "gy", "redirect portal not set: %s", dp_ctx_error(ctx->dp));
    LOG_INFO(ctx, "gy", "OCS %s, rating group %u, APN %s, failure handling %u",
             c->diameter.gy.peer, c->diameter.gy.rating_group,
             c->diameter.gy.apn[0] ? c->diameter.gy.apn : "(all)", c->diameter.gy.ccfh);
    return 0;
}

void gy_close(struct agw_ctx *ctx)
{
    struct agw_gy *gy = ctx->gy;
    if (!gy)
        return;
    /* CCR-Us asked for and not sent: the daemon stops (their wants are
     * not kept: the next start's reports carry the usage) */
    ev_prepare_stop(ctx->loop, &gy->flush);
    free(gy->kicks);
    gy->kicks = NULL;
    gy->n_kicks = gy->cap_kicks = 0;
    /* the books as they stand, committed by ctx_fini's agw_commit: the
     * next start goes on from them (gy_store.c) */
    for (uint32_t i = 0; i < gy->max; i++)
        if (gy->by_sid[i] && gy->by_sid[i]->initial_done && !gy->by_sid[i]->ending)
            gy_store_save(ctx, gy->by_sid[i]);
    gy_store_close(ctx);
    for (uint32_t i = 0; i < gy->max; i++)
        if (gy->by_sid[i])
            gy_forget(ctx, gy->by_sid[i]);
    free(gy->by_sid);
    free(gy);
    ctx->gy = NULL;
}

const struct agw_gy_stats *gy_stats(const struct agw_ctx *ctx)
{
    return ctx->gy ? &ctx->gy->stats : NULL;
}

struct agw_gy *gy_of(struct agw_ctx *ctx)
{
    return ctx->gy;
}

struct gy_sess *gy_find(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct agw_gy *gy = ctx->gy;
    uint32_t sid = ul_teid & 0xffffff;
    if (!gy || sid >= gy->max || !gy->by_sid[sid] || gy->by_sid[sid]->ul_teid != ul_teid)
        return NULL;
    return gy->by_sid[sid];
}

void gy_forget(struct agw_ctx *ctx, struct gy_sess *g)
{
    struct agw_gy *gy = ctx->gy;
    uint32_t sid = g->ul_teid & 0xffffff;
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        ev_timer_stop(ctx->loop, &g->rgs[i].validity);
    ev_timer_stop(ctx->loop, &g->retry);
    if (g->end_ccr) {
        /* forgotten with its CCR-T held (the daemon stops, a new session
         * on its TEID): the journal sends that CCR-T by itself */
        diam_msg_free(g->end_ccr);
        ccr_unhold(ctx, g->sid, g->end_no);
    }
    if (gy && sid < gy->max && gy->by_sid[sid] == g)
        gy->by_sid[sid] = NULL;
    free(g->req_i);
    free(g);
}

struct gy_rg *gy_rg_find(struct gy_sess *g, uint32_t rg)
{
    for (unsigned i = 0; rg && i < GY_MAX_RG; i++)
        if (g->rgs[i].rg == rg)
            return &g->rgs[i];
    return NULL;
}

struct gy_rg *gy_rg_add(struct gy_sess *g, uint32_t rg)
{
    struct gy_rg *r = gy_rg_find(g, rg);
    if (r || !rg)
        return r;
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        if (!g->rgs[i].rg) {
            r = &g->rgs[i];
            memset(r, 0, sizeof(*r));
            r->g = g;
            r->rg = rg;
            r->live = true;
            r->fua = -1;
            r->fui.action = DIAM_FUA_NONE;
            return r;
        }
    return NULL;
}

void gy_rg_free(struct gy_rg *r)
{
    struct gy_sess *g = r->g;
    ev_timer_stop(g->ctx->loop, &r->validity);
    memset(r, 0, sizeof(*r));
    r->g = g;
}

/* charged() of one rating group from info, the datapath session read
 * once for all the groups (NULL: unreadable): what gy_charged and
 * gy_charged_all share; *remaining and *uncharged as gy_charged's. */
static bool charged_rg(const struct gy_rg *r, const struct dp_session_info *info,
                       uint64_t *charged, int64_t *remaining, uint64_t *uncharged)
{
    *remaining = 0;
    *uncharged = 0;
    if (!r->in_dp) {
        /* never in the datapath (nothing used), or its slot went with its
         * last rule (off has what it counted) */
        *charged = r->off;
        return r->g->installed;
    }
    for (uint32_t i = 0; info && i < info->n_charges; i++)
        if (info->charges[i].rating_group == r->rg) {
            *charged = r->off + info->charges[i].ul_bytes + info->charges[i].dl_bytes;
            *remaining = info->charges[i].remaining;
            *uncharged = info->uncharged[i].ul_bytes + info->uncharged[i].dl_bytes;
            return true;
        }
    return false;
}

bool gy_charged(struct agw_ctx *ctx, struct gy_rg *r, uint64_t *charged, int64_t *remaining,
                uint64_t *uncharged)
{
    struct dp_session_info info;
    int64_t rem;
    uint64_t unch;
    bool have = r->in_dp && ctx->dp && dp_session_get(ctx->dp, r->g->ul_teid, &info) == 0;
    bool ok = charged_rg(r, have ? &info : NULL, charged, &rem, &unch);
    if (remaining)
        *remaining = rem;
    if (uncharged)
        *uncharged = unch;
    return ok;
}

void gy_charged_all(struct agw_ctx *ctx, struct gy_sess *g, uint64_t *charged)
{
    struct dp_session_info info;
    bool want_info = false, have = false;
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        want_info |= g->rgs[i].rg && g->rgs[i].in_dp;
    /* one read of the session for all its rating groups (the profile of
     * docs/PERFORMANCE.md: the datapath read was 9 % of a report) */
    if (want_info && ctx->dp)
        have = dp_session_get(ctx->dp, g->ul_teid, &info) == 0;
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        int64_t rem;
        uint64_t unch;
        charged[i] = 0;
        if (!r->rg)
            continue;
        if (charged_rg(r, have ? &info : NULL, &charged[i], &rem, &unch))
            gy_uncharged_note(ctx, r, unch);
        else
            charged[i] = r->reported;       /* not installed yet: nothing used */
    }
}

/* RFC 4006 8.33: the grant is valid for Validity-Time seconds; then the
 * client reports (Reporting-Reason VALIDITY_TIME) and asks again. */
static void validity_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gy_rg *r = w->data;
    struct gy_sess *g = r->g;
    if (g->ending || r->blocked || r->final || !r->live)
        return;
    gy_want(g->ctx, r, DIAM_RR_VALIDITY_TIME);
}

void gy_validity_arm(struct gy_rg *r, uint32_t seconds)
{
    struct gy_sess *g = r->g;
    ev_timer_stop(g->ctx->loop, &r->validity);
    r->validity_s = seconds;
    if (!seconds)
        return;
    ev_timer_init(&r->validity, validity_cb, seconds, 0);
    r->validity.data = r;
    ev_timer_start(g->ctx->loop, &r->validity);
}

/* After CONTINUE (gy_failure): the retry, CCR-I again if the session
 * never got one answered, else a CCR-U reporting every rating group. */
static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gy_sess *g = w->data;
    if (g->ending || g->busy)
        return;
    if (!g->initial_done) {
        gy_send_ccr(g->ctx, g, DIAM_CC_INITIAL);
        return;
    }
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        if (g->rgs[i].rg && g->rgs[i].live && !g->rgs[i].want)
            g->rgs[i].want = true, g->rgs[i].want_reason = DIAM_RR_VALIDITY_TIME;
    /* not gy_kick: in CONTINUE mode only this retry asks */
    gy_send_ccr(g->ctx, g, DIAM_CC_UPDATE);
}

void gy_retry_arm(struct gy_sess *g, uint32_t seconds)
{
    ev_timer_stop(g->ctx->loop, &g->retry);
    ev_timer_init(&g->retry, retry_cb, seconds, 0);
    g->retry.data = g;
    ev_timer_start(g->ctx->loop, &g->retry);
}
