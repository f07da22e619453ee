/* SGW/PGW control of xepc-agwd: UE IPv4 pools per APN, S1-U TEIDs, and
 * the datapath session of every default bearer (userspace/dp).
 *
 * TEIDs: the datapath finds an uplink session by the low 24 bits of its
 * TEID (the session id); the high byte is a generation that changes each
 * time the session id is reused, so that a late packet for the previous
 * holder does not land in the new one (TS 29.281 asks TEIDs not to be
 * reused at once). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "agw/agw_orc.h"
#include "dp/dp.h"

#define BIT_GET(b, i) ((b)[(i) >> 3] & (1u << ((i) & 7)))
#define BIT_SET(b, i) ((b)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))
#define BIT_CLR(b, i) ((b)[(i) >> 3] &= (uint8_t) ~(1u << ((i) & 7)))

int pgw_init(struct agw_ctx *ctx)
{
    const struct agw_config *cfg = ctx->cfg;
    ctx->pools = calloc(cfg->n_apns, sizeof(*ctx->pools));
    if (!ctx->pools)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->n_apns; i++) {
        struct agw_pool *pl = &ctx->pools[i];
        if (!cfg->apns[i].pool_prefix)
            continue;               /* an ipv6 APN: no IPv4 pool */
        pl->base = ntohl(cfg->apns[i].pool.s_addr);
        pl->size = 1u << (32 - cfg->apns[i].pool_prefix);
        pl->bits = calloc((pl->size + 7) / 8, 1);
        if (!pl->bits)
            return -ENOMEM;
        /* the network and broadcast addresses, and the first host (the
         * PDN side's gateway address by convention) are never given out */
        BIT_SET(pl->bits, 0);
        BIT_SET(pl->bits, 1);
        BIT_SET(pl->bits, pl->size - 1);
        pl->used = 3;
        pl->next_off = 2;
    }
    struct agw_teids *t = &ctx->teids;
    t->max = cfg->datapath.max_sessions ? cfg->datapath.max_sessions : 100000;
    if (t->max > (1u << 24))
        t->max = 1u << 24;
    t->bits = calloc((t->max + 7) / 8, 1);
    t->gen = malloc(t->max);
    t->ue_id = calloc(t->max, sizeof(*t->ue_id));
    if (!t->bits || !t->gen || !t->ue_id)
        return -ENOMEM;
    if (getrandom(t->gen, t->max, 0) != (ssize_t)t->max)
        memset(t->gen, 1, t->max);
    BIT_SET(t->bits, 0);          /* session id 0 is never used (TEID 0 is invalid) */
    t->used = 1;
    t->next = 1;
    return 0;
}

void pgw_fini(struct agw_ctx *ctx)
{
    if (ctx->pools) {
        for (size_t i = 0; i < ctx->cfg->n_apns; i++)
            pgw_pool_free(&ctx->pools[i]);
        free(ctx->pools);
        ctx->pools = NULL;
    }
    free(ctx->teids.bits);
    free(ctx->teids.gen);
    free(ctx->teids.ue_id);
    memset(&ctx->teids, 0, sizeof(ctx->teids));
}

static int teid_alloc(struct agw_teids *t, uint32_t *teid)
{
    if (t->used >= t->max)
        return -ENOSPC;
    for (uint32_t n = 0; n < t->max; n++) {
        uint32_t sid = t->next;
        t->next = t->next + 1 >= t->max ? 1 : t->next + 1;
        if (BIT_GET(t->bits, sid))
            continue;
        BIT_SET(t->bits, sid);
        t->used++;
        t->gen[sid]++;
        if (t->gen[sid] == 0)
            t->gen[sid] = 1;
        *teid = (uint32_t)t->gen[sid] << 24 | sid;
        return 0;
    }
    return -ENOSPC;
}

static void teid_free(struct agw_teids *t, uint32_t teid)
{
    uint32_t sid = teid & 0xffffff;
    if (sid && sid < t->max && BIT_GET(t->bits, sid)) {
        BIT_CLR(t->bits, sid);
        t->used--;
        t->ue_id[sid] = 0;
    }
}

/* TEIDs of dedicated bearers (esm_bearer.c) */
int pgw_teid_alloc(struct agw_ctx *ctx, uint32_t *teid)
{
    return teid_alloc(&ctx->teids, teid);
}

void pgw_teid_free(struct agw_ctx *ctx, uint32_t teid)
{
    teid_free(&ctx->teids, teid);
}

int pgw_teid_adopt(struct agw_ctx *ctx, uint32_t teid)
{
    uint32_t sid = teid & 0xffffff;
    struct agw_teids *t = &ctx->teids;
    if (sid == 0 || sid >= t->max || BIT_GET(t->bits, sid))
        return -EEXIST;
    BIT_SET(t->bits, sid);
    t->used++;
    t->gen[sid] = (uint8_t)(teid >> 24);
    return 0;
}

static int pool_take(struct agw_pool *pl, uint32_t off)
{
    if (off >= pl->size || BIT_GET(pl->bits, off))
        return -EADDRINUSE;
    BIT_SET(pl->bits, off);
    pl->used++;
    return 0;
}

static int pool_alloc(struct agw_pool *pl, struct in_addr *out)
{
    /* an APN's prefixes in order (pgw_pool.c): the next one when full */
    for (; pl; pl = pl->next) {
        if (pl->used >= pl->size)
            continue;
        for (uint32_t n = 0; n < pl->size; n++) {
            uint32_t off = pl->next_off;
            pl->next_off = pl->next_off + 1 >= pl->size ? 0 : pl->next_off + 1;
            if (pool_take(pl, off) == 0) {
                out->s_addr = htonl(pl->base + off);
                return 0;
            }
        }
    }
    return -ENOSPC;
}

static void pool_release(struct agw_pool *head, struct in_addr a)
{
    /* an address no prefix of the APN holds any more (changed while the
     * session ran, pgw_pool.c) is nobody's to free */
    struct agw_pool *pl = pgw_pool_of(head, a);
    if (!pl)
        return;
    uint32_t off = ntohl(a.s_addr) - pl->base;
    if (off < pl->size && off > 1 && off != pl->size - 1 && BIT_GET(pl->bits, off)) {
        BIT_CLR(pl->bits, off);
        pl->used--;
    }
}

int pgw_pdn_alloc(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                  const struct agw_apn *apn, const struct in_addr *static_ip)
{
    struct agw_pool *pl = &ctx->pools[p->apn_idx];
    char b[20];
    (void)apn;
    if (!pgw_pdn_has_v4(p)) {
        p->ue_ip.s_addr = 0;            /* PDN type IPv6: the /64 below */
    } else if (static_ip) {
        struct agw_pool *in = pgw_pool_of(pl, *static_ip);
        /* a static address inside the pool is reserved in it; one outside
         * is the operator's business (routed to us some other way) */
        if (in && pool_take(in, ntohl(static_ip->s_addr) - in->base) < 0) {
            LOG_WARN(ctx, "pgw", "ue %s: static address already in use",
                     ue_imsi_log(ctx, ue, b));
            return 26;                  /* #26 insufficient resources */
        }
        p->ue_ip = *static_ip;
        p->static_ip = true;
    } else if (pool_alloc(pl, &p->ue_ip) < 0) {
        LOG_WARN(ctx, "pgw", "APN %s: address pool exhausted (%u addresses)",
                 ctx->cfg->apns[p->apn_idx].name, pl->size);
        return 26;
    }
    if (teid_alloc(&ctx->teids, &p->ul_teid) < 0) {
        pool_release(pl, p->ue_ip);
        LOG_WARN(ctx, "pgw", "no free session (datapath.max_sessions %u)", ctx->teids.max);
        return 26;
    }
    ctx->teids.ue_id[p->ul_teid & 0xffffff] = ue->id;
    pgw_pdn_set_v6(ctx, p);         /* the session id's /64 (pgw_ipv6.c) */
    /* TS 29.212 4.5.1 (agw_gx.h): the activation waits for the CCA-I */
    int gx = gx_session_start(ctx, ue, p);
    if (gx < 0) {
        pool_release(pl, p->ue_ip);
        teid_free(&ctx->teids, p->ul_teid);
        return 34;                  /* #34 service option temporarily out of order */
    }
    p->gx_wait = gx ? PDN_GX_WAIT_PDN : PDN_GX_NONE;
    gy_session_start(ctx, ue, p);   /* RFC 4006 5.2 (agw_gy.h) */
    return 0;
}

int pgw_pdn_adopt(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    if (p->apn_idx >= ctx->cfg->n_apns)
        return -EINVAL;
    struct agw_pool *pl = pgw_pool_of(&ctx->pools[p->apn_idx], p->ue_ip);
    if (pgw_pdn_has_v4(p) && pl && pool_take(pl, ntohl(p->ue_ip.s_addr) - pl->base) < 0)
        return -EADDRINUSE;
    uint32_t sid = p->ul_teid & 0xffffff;
    struct agw_teids *t = &ctx->teids;
    if (sid == 0 || sid >= t->max || BIT_GET(t->bits, sid))
        return -EEXIST;
    BIT_SET(t->bits, sid);
    t->used++;
    t->gen[sid] = (uint8_t)(p->ul_teid >> 24);
    t->ue_id[sid] = ue->id;
    pgw_pdn_set_v6(ctx, p);
    return 0;
}

void pgw_pdn_spec(const struct agw_ue *ue, const struct agw_pdn *p, struct dp_session_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = p->ul_teid;
    s->ue_addr = p->ue_ip;
    s->has_tunnel = p->dl_teid != 0;
    s->enb_addr = p->enb_addr;
    /* an eNB on IPv6 only (TS 36.413 9.2.2.1): GTP-U over IPv6 */
    s->enb_is6 = s->has_tunnel && !p->enb_addr.s_addr && !IN6_IS_ADDR_UNSPECIFIED(&p->enb6);
    s->enb6_addr = p->enb6;
    s->dl_teid = p->dl_teid;
    s->has_ue6 = pgw_pdn_has_v6(p);
    memcpy(s->ue6_prefix, p->ue6_prefix, sizeof(s->ue6_prefix));
    /* TS 23.401 4.7.3: APN-AMBR is enforced by the PGW per APN; the UE-AMBR
     * is the eNB's (it is in the Initial Context Setup) */
    s->ul_ambr_bps = p->ambr_ul_bps;
    s->dl_ambr_bps = p->ambr_dl_bps;
    esm_bearer_dp_rules(ue, p, s);  /* dedicated bearers' TFTs (esm_bearer.c) */
}

int pgw_pdn_program(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    struct dp_session_spec s;
    char b[20];
    if (!ctx->dp)
        return 0;               /* --no-datapath */
    pgw_pdn_spec(ue, p, &s);
    /* An installed session only changes its tunnel here: its AMBR meters
     * (and their buckets) stay; new meters for every tunnel change would
     * cost two meter allocations per attach and per service request. */
    if (!p->dp_installed) {
        gx_local_spec(ctx, ue, p, &s);      /* the local policy without a PCRF (agw_gx.h) */
        gy_session_spec(ctx, p, &s);    /* the rating group's quota (agw_gy.h) */
    }
    int rc = p->dp_installed ? dp_session_modify(ctx->dp, &s, XEPC_ACT_PASS, 0)
                             : dp_session_add(ctx->dp, &s, XEPC_ACT_PASS);
    if (rc < 0) {
        ctx->stats.dp_errors++;
        ctx->stats.dp_charging_full = dp_charging_full(ctx->dp);
        LOG_ERR(ctx, "pgw", "ue %s: datapath session 0x%08x: %s", ue_imsi_log(ctx, ue, b),
                p->ul_teid, dp_ctx_error(ctx->dp));
        return rc;
    }
    if (!p->dp_installed)
        gy_session_installed(ctx, p);
    p->dp_installed = true;
    pgw_pdn_ra(ctx, ue, p);         /* a new tunnel of an active IPv6 PDN */
    return 0;
}

/* The session's rules again, after its dedicated bearers' TFTs changed
 * (esm_bearer.c): their downlink filters first, then the PCC rules in
 * force (gx_policy.c), in one policy update. */
int pgw_pdn_policy(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    if (!ctx->dp || !p->dp_installed)
        return 0;
    return gx_policy_refresh(ctx, ue, p);   /* with Gy's part (gx_policy.c) */
}

int pgw_pdn_switch(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    /* pgw_pdn_program() changes an installed session's tunnel only */
    return pgw_pdn_program(ctx, ue, p);
}

int pgw_pdn_update_ambr(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    struct dp_session_spec s;
    char b[20];
    if (!ctx->dp || !p->dp_installed)
        return 0;
    pgw_pdn_spec(ue, p, &s);
    /* new meters with p's APN-AMBR (full buckets) */
    int rc = dp_session_modify(ctx->dp, &s, XEPC_ACT_PASS, DP_MOD_AMBR);
    if (rc < 0) {
        ctx->stats.dp_errors++;
        LOG_ERR(ctx, "pgw", "ue %s: datapath session 0x%08x: %s", ue_imsi_log(ctx, ue, b),
                p->ul_teid, dp_ctx_error(ctx->dp));
    }
    return rc;
}

int pgw_pdn_suspend(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    p->dl_teid = 0;
    p->enb_addr.s_addr = 0;
    memset(&p->enb6, 0, sizeof(p->enb6));
    int rc = p->dp_installed ? pgw_pdn_program(ctx, ue, p) : 0;
    esm_bearer_suspend(ctx, ue, p->ebi);
    return rc;
}

void pgw_pdn_release(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    char b[20];
    if (p->state == PDN_FREE)
        return;
    gx_session_stop(ctx, ue, p);    /* TS 29.212 4.5.7 (agw_gx.h) */
    gy_session_stop(ctx, ue, p);    /* RFC 4006 5.4, before the counters go */
    esm_bearer_release_linked(ctx, ue, p->ebi);
    orc_session_end(ctx, ue, p);    /* its last bytes for the orchestrator (agw_orc.h) */
    local_quota_end(ctx, ue, p);    /* a daily/monthly allowance's unused part back (agw_gx.h) */
    if (p->dp_installed && ctx->dp) {
        int rc = dp_session_del(ctx->dp, p->ul_teid);
        if (rc < 0 && rc != -ENOENT) {
            ctx->stats.dp_errors++;
            LOG_ERR(ctx, "pgw", "ue %s: removing datapath session 0x%08x: %s",
                    ue_imsi_log(ctx, ue, b), p->ul_teid, dp_ctx_error(ctx->dp));
        }
    }
    if (p->apn_idx < ctx->cfg->n_apns && pgw_pdn_has_v4(p))
        pool_release(&ctx->pools[p->apn_idx], p->ue_ip);
    teid_free(&ctx->teids, p->ul_teid);
    memset(p, 0, sizeof(*p));
}

struct agw_ue *pgw_ue_by_session(struct agw_ctx *ctx, uint32_t session_id)
{
    const struct agw_teids *t = &ctx->teids;
    if (!session_id || session_id >= t->max || !t->ue_id || !t->ue_id[session_id])
        return NULL;
    /* by id, not pointer: a UE freed meanwhile is not found */
    struct agw_ue *ue = ue_find_id(ctx, t->ue_id[session_id]);
    if (!ue)
        return NULL;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && (ue->pdn[i].ul_teid & 0xffffff) == session_id)
            return ue;
    return NULL;
}

void pgw_ue_reindex(struct agw_ctx *ctx, const struct agw_ue *ue)
{
    struct agw_teids *t = &ctx->teids;
    for (unsigned i = 0; i < AGW_MAX_PDN && t->ue_id; i++) {
        uint32_t sid = ue->pdn[i].ul_teid & 0xffffff;
        if (ue->pdn[i].state != PDN_FREE && sid && sid < t->max)
            t->ue_id[sid] = ue->id;
    }
}

struct agw_pdn *pgw_pdn_by_ebi(struct agw_ue *ue, uint8_t ebi)
{
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].ebi == ebi)
            return &ue->pdn[i];
    return NULL;
}

struct agw_pdn *pgw_pdn_free_slot(struct agw_ue *ue)
{
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state == PDN_FREE)
            return &ue->pdn[i];
    return NULL;
}

/* TS 24.301 9.3.2: EPS bearer identities 5..15 */
uint8_t pgw_next_ebi(const struct agw_ue *ue)
{
    for (uint8_t ebi = 5; ebi <= 15; ebi++) {
        bool used = false;
        for (unsigned i = 0; i < AGW_MAX_PDN; i++)
            if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].ebi == ebi)
                used = true;
        if (!used && !esm_bearer_ebi_used(ue, ebi))
            return ebi;
    }
    return 0;
}

/* ------------------------------------------------------------- events -- */

static void on_dp_event(const struct dp_event *ev, void *arg)
{
    struct agw_ctx *ctx = arg;
    switch (ev->type) {
    case XEPC_EV_UNKNOWN_TEID:
        /* answered with an Error Indication by the library (rate-limited) */
        ctx->stats.dp_unknown_teid_events++;
        break;
    case XEPC_EV_DDN:
        /* the packets are kept by the library; the UE is paged
         * (emm_paging.c) */
        ctx->stats.dp_ddn_events++;
        emm_paging_ddn(ctx, ev->session_id);
        break;
    case XEPC_EV_QUOTA_THRESHOLD:
    case XEPC_EV_QUOTA_EXHAUSTED:  /* online charging (agw_gy.h) */
        gy_quota_event(ctx, ev->u.quota.hdr.teid_local, ev->u.quota.rating_group,
                       ev->type == XEPC_EV_QUOTA_EXHAUSTED);
        if (ev->type == XEPC_EV_QUOTA_EXHAUSTED)  /* the local policy's finite groups */
            local_final_event(ctx, ev->u.quota.hdr.teid_local, ev->u.quota.rating_group);
        break;
    default:
        break;
    }
}

static void dp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)loop;
    (void)revents;
    dp_events_poll(ctx->dp, 0);
}

static void dp_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)revents;
    /* path management and buffered-packet flushes run from the poll */
    dp_events_poll(ctx->dp, 0);
    /* a new day or month for the local policy's allowances (agw_gx.h) */
    if (ev_now(loop) >= ctx->quota_check_at) {
        bool first = !ctx->quota_check_at;
        ctx->quota_check_at = ev_now(loop) + 60;
        local_quota_rollover(ctx);
        /* and, the first time, the quotas that ran out meanwhile */
        if (first)
            local_final_check(ctx);
    }
}

/* TS 29.281 7.2 / TS 23.007 20: the eNBs' GTP-U paths, probed with Echo
 * Requests; a dead path or a restarted peer is logged and counted. */
static void on_path(const struct dp_path_event *ev, void *arg)
{
    struct agw_ctx *ctx = arg;
    char a[INET6_ADDRSTRLEN];
    dp_path_peer_str(ev, a, sizeof(a));     /* an IPv4 or IPv6 eNB, the same */
    if (ev->type == DP_PATH_UP) {
        LOG_INFO(ctx, "gtpu", "path to eNB %s up", a);
    } else if (ev->type == DP_PATH_DOWN) {
        ctx->stats.gtpu_path_down++;
        LOG_WARN(ctx, "gtpu", "path to eNB %s down (%u Echo Requests unanswered)", a, ev->missed);
    } else if (ev->type == DP_PATH_RESTART) {
        ctx->stats.gtpu_path_restart++;
        LOG_WARN(ctx, "gtpu", "eNB %s restarted (recovery %d -> %d): its tunnels are gone", a,
                 ev->old_recovery, ev->recovery);
    }
}

int pgw_events_open(struct agw_ctx *ctx)
{
    struct dp_events_opts o = {
        .send_error_indication = true,
        .keep_buffered = true,
        .gtpu_socket = true,
        /* outer-fragmented uplink G-PDUs (issue 13 section 3) */
        .uplink_fragments = true,
    };
    int fd = dp_events_open(ctx->dp, &o, on_dp_event, ctx);
    if (fd < 0) {
        LOG_ERR(ctx, "pgw", "datapath events: %s", dp_ctx_error(ctx->dp));
        return fd;
    }
    ev_io_init(&ctx->dp_events_io, dp_io_cb, fd, EV_READ);
    ctx->dp_events_io.data = ctx;
    ev_io_start(ctx->loop, &ctx->dp_events_io);
    struct dp_path_opts po = { .interval_ms = (int)ctx->cfg->gtpu.echo_interval_ms,
                               .max_missed = ctx->cfg->gtpu.echo_misses };
    if (dp_path_start(ctx->dp, &po, on_path, ctx) < 0)
        LOG_WARN(ctx, "gtpu", "no GTP-U path management: %s", dp_ctx_error(ctx->dp));
    ev_timer_init(&ctx->dp_poll_timer, dp_timer_cb, 0.1, 0.1);
    ctx->dp_poll_timer.data = ctx;
    ev_timer_start(ctx->loop, &ctx->dp_poll_timer);
    return 0;
}
