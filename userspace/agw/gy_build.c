/* Gy requests and what goes into the datapath: CCR-I when a PDN connection
 * of a Gy APN gets its address (RFC 4006 5.2, TS 32.299 6.4.2), CCR-U on
 * the kernel's threshold/exhaustion events, Validity-Time and RAR (5.3,
 * 5.5), CCR-T with the final usage at its release (5.4). */
#include <string.h>

#include "agw/gy_int.h"
#include "agw/agw_ccr.h"
#include "dp/dp.h"

static bool gy_applies(const struct agw_ctx *ctx, const struct agw_pdn *p)
{
    const struct agw_config *c = ctx->cfg;
    if (!ctx->gy || !c->diameter.gy.enabled || p->apn_idx >= c->n_apns)
        return false;
    return !c->diameter.gy.apn[0] ||
           agw_config_apn(c, c->diameter.gy.apn) == &c->apns[p->apn_idx];
}

void gy_sess_addresses(struct gy_sess *g, const struct agw_pdn *p)
{
    g->ue_ipv4 = p->ue_ip.s_addr;
    memset(g->ue6_prefix, 0, sizeof(g->ue6_prefix));
    if (pgw_pdn_has_v6(p))
        memcpy(g->ue6_prefix, p->ue6_prefix, 8);
}

void gy_session_start(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    if (!gy_applies(ctx, p))
        return;
    struct agw_gy *gy = gy_of(ctx);
    uint32_t sid = p->ul_teid & 0xffffff;
    if (sid >= gy->max)
        return;
    if (gy->by_sid[sid])
        gy_forget(ctx, gy->by_sid[sid]);
    struct gy_sess *g = calloc(1, sizeof(*g));
    if (!g) {
        LOG_ERR(ctx, "gy", "no memory for a credit-control session");
        return;
    }
    g->ctx = ctx;
    g->ue_id = ue->id;
    g->ul_teid = p->ul_teid;
    snprintf(g->imsi, sizeof(g->imsi), "%s", ue->imsi);
    gy_sess_addresses(g, p);
    /* RFC 6733 8.8: <DiameterIdentity>;<high 32 bits>;<low 32 bits>[;<optional>] */
    snprintf(g->sid, sizeof(g->sid), "%s;%llu;%u;gy", ctx->cfg->diameter.identity,
             (unsigned long long)gy->boot, p->ul_teid);
    g->rg = ctx->cfg->diameter.gy.rating_group;
    g->ccfh = ctx->cfg->diameter.gy.ccfh;
    g->fua = -1;
    g->fui.action = DIAM_FUA_NONE;
    gy->by_sid[sid] = g;
    gy_send_ccr(ctx, g, DIAM_CC_INITIAL, 0);
}

int gy_send_ccr(struct agw_ctx *ctx, struct gy_sess *g, uint32_t type, uint32_t reason)
{
    struct diam_node *node = gx_node(ctx);
    struct diam_gy_ccr ccr;
    struct msg *m = NULL;
    uint64_t charged = 0;
    if (!node)
        return -ENOTCONN;
    memset(&ccr, 0, sizeof(ccr));
    snprintf(ccr.h.session_id, sizeof(ccr.h.session_id), "%s", g->sid);
    snprintf(ccr.h.dest_realm, sizeof(ccr.h.dest_realm), "%s", ctx->cfg->diameter.realm);
    if (type == DIAM_CC_INITIAL && !g->initial_done)
        g->next_no = 0;
    ccr.cc_request_type = type;
    ccr.cc_request_number = g->next_no;
    snprintf(ccr.sub.imsi, sizeof(ccr.sub.imsi), "%s", g->imsi);
    /* TS 32.299 7.2.158: PS-Information's PDP-Address, the IPv6 one the
     * UE's /64 with PDP-Address-Prefix-Length */
    ccr.sub.ue_ipv4 = g->ue_ipv4;
    static const uint8_t none[8];
    if (memcmp(g->ue6_prefix, none, 8)) {
        memcpy(ccr.sub.ue_prefix6, g->ue6_prefix, 8);
        ccr.sub.ue_prefix6_len = 64;
    }
    ccr.n_mscc = 1;
    struct diam_mscc *ms = &ccr.mscc[0];
    diam_mscc_init(ms);
    ms->has_rating_group = true;
    ms->rating_group = g->rg;
    if (!gy_charged(ctx, g, &charged, NULL))
        charged = g->reported;              /* not installed yet: nothing used */
    if (type != DIAM_CC_INITIAL) {
        /* RFC 4006 8.19: what was used since the last report */
        ms->used = (struct diam_units){ .present = true, .has_total = true,
                                        .total = charged - g->reported };
        ms->has_reporting_reason = true;
        ms->reporting_reason = type == DIAM_CC_TERMINATION ? DIAM_RR_FINAL : reason;
    }
    /* RFC 4006 8.18: an empty RSU lets the OCS choose the amount; none
     * after the final units, nor in the CCR-T (5.6.2, 5.4) */
    if (type != DIAM_CC_TERMINATION && !g->final && !g->blocked)
        ms->requested.present = true;
    if (type == DIAM_CC_TERMINATION)
        ccr.termination_cause = 1;          /* RFC 6733 8.15 DIAMETER_LOGOUT */
    int rc = diam_gy_ccr_encode(&ccr, &m);
    uint64_t cookie = (uint64_t)g->ul_teid << 32 | g->next_no;
    uint64_t used = type == DIAM_CC_INITIAL ? 0 : charged - g->reported;
    unsigned tx = ctx->cfg->diameter.gy.tx_timeout_ms;
    if (!rc && type == DIAM_CC_INITIAL) {
        rc = ccr_send_plain(ctx, &m, tx, cookie);
    } else if (!rc) {
        /* journalled with what it reports and the base its answer
         * settles, committed before it leaves (agw_ccr.h) */
        struct ccr_row row = { .sid = g->sid, .no = g->next_no, .app = DIAM_APPID_GY,
                               .type = type, .ul_teid = g->ul_teid, .imsi = g->imsi,
                               .rg = g->rg, .bytes = used, .base = charged,
                               .cookie = cookie };
        rc = ccr_send(ctx, &m, &row, tx);
    }
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    if (rc < 0) {
        LOG_WARN(ctx, "gy", "session 0x%08x: CCR not sent: %s", g->ul_teid, strerror(-rc));
        return rc;
    }
    LOG_INFO(ctx, "gy", "session 0x%08x: CCR-%c #%u rg %u used %llu reason %u", g->ul_teid,
             type == DIAM_CC_INITIAL ? 'I' : type == DIAM_CC_UPDATE ? 'U' : 'T', g->next_no, g->rg,
             (unsigned long long)used, type == DIAM_CC_INITIAL ? 0 : ms->reporting_reason);
    g->busy = true;
    g->busy_no = g->next_no++;
    g->busy_type = type;
    g->busy_snap = charged;
    g->busy_used = used;
    if (type == DIAM_CC_UPDATE)
        gy_store_save(ctx, g);      /* the next number, with the journal row */
    if (type == DIAM_CC_INITIAL)
        st->ccr_i++;
    else if (type == DIAM_CC_UPDATE)
        st->ccr_u++;
    else
        st->ccr_t++;
    return 0;
}

uint32_t gy_rating_group(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct gy_sess *g = gy_find(ctx, ul_teid);
    return g ? g->rg : 0;
}

void gy_session_spec(struct agw_ctx *ctx, const struct agw_pdn *p, struct dp_session_spec *s)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (!g || s->n_rules >= DP_MAX_RULES || s->n_quotas >= DP_MAX_QUOTAS)
        return;
    /* all of the session's traffic is of the rating group (the last rule:
     * the highest precedence value) */
    struct dp_rule_spec *r = &s->rules[s->n_rules++];
    memset(r, 0, sizeof(*r));
    r->precedence = UINT16_MAX;
    r->dir = DP_DIR_BOTH;
    r->sport_hi = r->dport_hi = 65535;
    r->action = DP_ACTION_PASS;
    r->rating_group = g->rg;
    struct dp_quota_spec *q = &s->quotas[s->n_quotas++];
    memset(q, 0, sizeof(*q));
    q->rating_group = g->rg;
    /* RFC 4006 5.2: no traffic before the grant; a grant that came first
     * is there at once */
    q->bytes = g->has_pending ? g->pending_granted : 0;
    q->threshold_bytes = g->threshold;
    q->fua = g->fua >= 0 ? (uint8_t)g->fua : DP_FUA_DROP;
}

/* Gy's part of a policy that is rebuilt (a Gx change, gx_policy.c, or the
 * Final-Unit-Indication with RESTRICT_ACCESS): the Restriction-Filter-Rules
 * once they are in force, the rating group's catch-all rule and its quota
 * with what is left of it in the kernel, so that the rebuild neither
 * refills nor empties the grant.  A rebuilt policy has new charging slots
 * whose counters start at 0: *carry gets what the current slot counted,
 * which gy_policy_done() moves into off once the new policy is written
 * (charged() stays continuous: docs/charging.md "Gx and Gy on one
 * session").  Returns false when the session has no Gy part. */
bool gy_policy_add(struct agw_ctx *ctx, const struct agw_pdn *p, struct dp_session_spec *s,
                   uint64_t *carry)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    struct dp_session_info info;
    *carry = 0;
    if (!g)
        return false;
    if (g->final && g->fui.action == DIAM_FUA_RESTRICT_ACCESS)
        gy_restrict_rules(ctx, g, s);
    int64_t left = 0;
    bool have = false;
    if (g->installed && ctx->dp && dp_session_get(ctx->dp, g->ul_teid, &info) == 0) {
        for (uint32_t i = 0; i < info.n_charges; i++)
            if (info.charges[i].rating_group == g->rg && (info.charges[i].flags & XEPC_CF_ONLINE)) {
                *carry = info.charges[i].ul_bytes + info.charges[i].dl_bytes;
                left = info.charges[i].remaining;
                have = true;
            }
    }
    uint32_t nq = s->n_quotas;
    gy_session_spec(ctx, p, s);
    if (s->n_quotas == nq) {
        *carry = 0;
        return false;               /* no room for the rating group */
    }
    if (have)
        /* the remainder, not the grant: granted - charged() is unchanged */
        s->quotas[s->n_quotas - 1].bytes = left > 0 ? (uint64_t)left : 0;
    else if (g->installed)
        s->quotas[s->n_quotas - 1].bytes = 0;  /* unreadable: nothing more than granted */
    return true;
}

void gy_policy_done(struct agw_ctx *ctx, const struct agw_pdn *p, uint64_t carry)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (g && g->installed) {
        g->off += carry;
        if (g->initial_done && carry)
            gy_store_save(ctx, g);  /* charged() continues across a restart */
    }
}

void gy_session_installed(struct agw_ctx *ctx, const struct agw_pdn *p)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (!g || g->installed)
        return;
    g->installed = true;
    g->granted = g->has_pending ? g->pending_granted : 0;
    g->has_pending = false;
}

void gy_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    (void)ue;
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (!g)
        return;
    /* a daemon going down keeps its sessions (they survive in the
     * datapath): no CCR-T then */
    if (ctx->stopping) {
        gy_forget(ctx, g);      /* its row stays: restored at the next start */
        return;
    }
    if (g->initial_done)
        /* RFC 4006 5.4; the final usage is journalled and sent until the
         * OCS answers (agw_ccr.h) */
        gy_send_ccr(ctx, g, DIAM_CC_TERMINATION, DIAM_RR_FINAL);
    gy_store_forget(ctx, g->ul_teid);
    gy_forget(ctx, g);
}

/* A CCR-T of a journal row without its bytes (0004's gy_unreported,
 * before the journal): the same Session-Id, number and usage. */
int gy_build_stored(struct agw_ctx *ctx, const struct ccr_row *r, struct msg **m)
{
    struct diam_gy_ccr ccr;
    memset(&ccr, 0, sizeof(ccr));
    snprintf(ccr.h.session_id, sizeof(ccr.h.session_id), "%s", r->sid);
    snprintf(ccr.h.dest_realm, sizeof(ccr.h.dest_realm), "%s", ctx->cfg->diameter.realm);
    ccr.cc_request_type = DIAM_CC_TERMINATION;
    ccr.cc_request_number = r->no;
    snprintf(ccr.sub.imsi, sizeof(ccr.sub.imsi), "%s", r->imsi);
    ccr.n_mscc = 1;
    diam_mscc_init(&ccr.mscc[0]);
    ccr.mscc[0].has_rating_group = true;
    ccr.mscc[0].rating_group = r->rg;
    ccr.mscc[0].used = (struct diam_units){ .present = true, .has_total = true, .total = r->bytes };
    ccr.mscc[0].has_reporting_reason = true;
    ccr.mscc[0].reporting_reason = DIAM_RR_FINAL;
    ccr.termination_cause = 1;
    return diam_gy_ccr_encode(&ccr, m);
}
