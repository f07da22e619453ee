/* Gy messages received (CCA, RAR), Tx timeouts, and the kernel's quota
 * events: grants into the datapath, final-unit actions, per-MSCC results,
 * failure handling (RFC 4006 5.3-5.7, TS 32.299 6.3). */
#include <ctype.h>
#include <string.h>

#include "agw/agw_ccr.h"
#include "agw/gy_int.h"
#include "dp/dp.h"

/* Units granted: CC-Total-Octets, else input + output (RFC 4006 8.17). */
static uint64_t units_bytes(const struct diam_units *u)
{
    return u->has_total ? u->total : u->input + u->output;
}

void gy_grant_set(struct agw_ctx *ctx, struct gy_rg *r, uint64_t total)
{
    struct gy_sess *g = r->g;
    if (!g->installed || !r->in_dp) {
        /* the quota goes in with the session or its next policy */
        r->has_pending = true;
        r->pending_granted = total;
        return;
    }
    int64_t left = 0;
    int64_t delta = (int64_t)(total - r->granted);
    int rc = ctx->dp ? dp_quota_adjust(ctx->dp, g->ul_teid, r->rg, delta, r->threshold, r->fua,
                                       &left)
                     : 0;
    if (rc < 0) {
        LOG_ERR(ctx, "gy", "session 0x%08x: quota of rating group %u not set: %s", g->ul_teid,
                r->rg, dp_ctx_error(ctx->dp));
        return;
    }
    r->granted = total;
    /* debug: the request's line (gy_build.c ccr_log) is the one info line
     * of a report cycle (docs/PERFORMANCE.md: the log was 6.5 % of it);
     * the answers are counted (gy_cca_ok) */
    LOG_DBG(ctx, "gy", "session 0x%08x: rg %u granted %llu in all, %lld left in the kernel",
            g->ul_teid, r->rg, (unsigned long long)total, (long long)left);
}

/* The UE of a session, and its PDN connection. */
static struct agw_pdn *pdn_of(struct agw_ctx *ctx, struct gy_sess *g, struct agw_ue **ue)
{
    *ue = ue_find_id(ctx, g->ue_id);
    if (!*ue)
        return NULL;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if ((*ue)->pdn[i].state != PDN_FREE && (*ue)->pdn[i].ul_teid == g->ul_teid)
            return &(*ue)->pdn[i];
    return NULL;
}

/* The network-initiated detach of the session's UE (TS 24.301 5.5.2.3).
 * g may be freed on return (the release sends the CCR-T). */
static void terminate(struct agw_ctx *ctx, struct gy_sess *g, const char *why)
{
    struct agw_ue *ue;
    char b[20];
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        g->rgs[i].blocked = g->rgs[i].rg != 0;
    g->terminated = true;
    if (!pdn_of(ctx, g, &ue))
        return;
    LOG_WARN(ctx, "gy", "ue %s: session 0x%08x terminated: %s", ue_imsi_log(ctx, ue, b),
             g->ul_teid, why);
    emm_detach_ue(ctx, ue, false);
}

/* IPFilterRule (RFC 6733 4.3.1) of a Restriction-Filter-Rule: "permit
 * in|out PROTO from A [PORTS] to B [PORTS]".  The side that is not "any"
 * or "assigned" is the remote end (the UE is the other). */
static int ipfilter_parse(const char *text, struct dp_rule_spec *r)
{
    char buf[DIAM_FLOW_MAX], *tok[12], *save = NULL;
    unsigned n = 0;
    snprintf(buf, sizeof(buf), "%s", text);
    for (char *t = strtok_r(buf, " \t", &save); t && n < 12; t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    if (n < 6 || strcmp(tok[0], "permit") || strcmp(tok[3], "from"))
        return -EINVAL;
    memset(r, 0, sizeof(*r));
    r->dir = DP_DIR_BOTH;
    r->sport_hi = r->dport_hi = 65535;
    if (!strcmp(tok[2], "tcp"))
        r->proto = 6;
    else if (!strcmp(tok[2], "udp"))
        r->proto = 17;
    else if (!strcmp(tok[2], "icmp"))
        r->proto = 1;
    else if (strcmp(tok[2], "ip"))
        return -EINVAL;
    unsigned i = 4;
    for (int side = 0; side < 2; side++) {
        if (i >= n)
            return -EINVAL;
        const char *addr = tok[i++];
        const char *ports = NULL;
        if (i < n && isdigit((unsigned char)tok[i][0]))
            ports = tok[i++];
        if (side == 0) {
            if (i >= n || strcmp(tok[i], "to"))
                return -EINVAL;
            i++;
        }
        if (!strcmp(addr, "any") || !strcmp(addr, "assigned"))
            continue;
        if (dp_parse_prefix(addr, &r->dst, &r->dst_plen) < 0)
            return -EINVAL;
        if (ports && dp_parse_port_range(ports, &r->dport_lo, &r->dport_hi) < 0)
            return -EINVAL;
    }
    return 0;
}

static bool prec_used(const struct dp_session_spec *s, uint32_t prec)
{
    for (uint32_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].precedence == prec)
            return true;
    return false;
}

/* RESTRICT_ACCESS (RFC 4006 5.6.3): the Restriction-Filter-Rules become
 * rules the kernel lets through (uncharged, XEPC_RF_ALWAYS_ALLOWED: in the
 * group's xepc_uncharged, not its usage) once the rating group is
 * exhausted; everything else of it is dropped.  They
 * come first (the lowest free precedences: a PCC rule's are 4 x Precedence
 * and up, gx_rules_to_dp), one slot is left for the rating group's rule. */
/* One allowed flow of RESTRICT_ACCESS, at the lowest free precedence. */
static void restrict_add(struct agw_ctx *ctx, struct gy_sess *g, struct dp_session_spec *s,
                         uint32_t rg, const char *flow, const char *what, uint32_t *prec)
{
    if (s->n_rules >= DP_MAX_RULES - 1)
        return;
    struct dp_rule_spec *r = &s->rules[s->n_rules];
    memset(r, 0, sizeof(*r));
    if (ipfilter_parse(flow, r) < 0) {
        LOG_WARN(ctx, "gy", "session 0x%08x: %s '%s' not understood", g->ul_teid, what, flow);
        return;
    }
    while (*prec < UINT16_MAX - 1 && prec_used(s, *prec))
        (*prec)++;
    r->precedence = (uint16_t)(*prec)++;
    r->always_allowed = true;
    /* counted on the rating group whose action lets it through, apart
     * from its used units (xepc_uncharged), where the datapath has that
     * count; else on no rating group's (an older datapath would count it
     * as the group's used units) */
    r->rating_group = ctx->dp && dp_counts_uncharged(ctx->dp) ? rg : 0;
    s->n_rules++;
}

void gy_restrict_rules(struct agw_ctx *ctx, struct gy_sess *g, struct dp_session_spec *s)
{
    const struct agw_policy *pol = &ctx->cfg->policy;
    uint32_t prec = 1;
    for (unsigned k = 0; k < GY_MAX_RG; k++) {
        const struct gy_rg *rg = &g->rgs[k];
        if (!rg->rg || !rg->final || rg->fui.action != DIAM_FUA_RESTRICT_ACCESS)
            continue;
        /* the filters of each rating group under RESTRICT_ACCESS: always
         * allowed, they take no quota and pass whatever slot is exhausted;
         * counted apart on the group (RFC 4006 5.6.3: the OCS granted
         * nothing for them, so they are not its used units) */
        for (unsigned i = 0; i < rg->fui.n_restrict; i++)
            restrict_add(ctx, g, s, rg->rg, rg->fui.restrict_rules[i], "Restriction-Filter-Rule",
                         &prec);
        /* Filter-Id (RFC 4006 8.34): a filter list configured in the
         * gateway, here a predefined rule (policy.rules) or base name of
         * that name, whose flows are allowed */
        for (unsigned i = 0; i < rg->fui.n_filter_ids; i++) {
            const char *id = rg->fui.filter_ids[i];
            const struct agw_pcc_rule *rules[AGW_BASE_MAX_RULES];
            unsigned n = 0;
            const struct agw_base_name *bn = agw_policy_base(pol, id);
            const struct agw_pcc_rule *r = agw_policy_rule(pol, id);
            if (r)
                rules[n++] = r;
            else if (bn)
                for (unsigned j = 0; j < bn->n_rules && n < AGW_BASE_MAX_RULES; j++)
                    rules[n++] = &pol->rules[bn->rules[j]];
            if (!n)
                LOG_WARN(ctx, "gy", "session 0x%08x: Filter-Id '%s' names no rule or base name "
                         "of the policy section: ignored", g->ul_teid, id);
            for (unsigned j = 0; j < n; j++)
                for (unsigned f = 0; f < rules[j]->n_flows; f++)
                    restrict_add(ctx, g, s, rg->rg, rules[j]->flows[f], "Filter-Id flow", &prec);
        }
    }
}

/* The session's policy is rewritten with the restriction rules (and its
 * PCC rules, gx_policy_refresh); the rating group keeps what is left of
 * its quota and what it counted (gy_policy_add). */
static void restrict_install(struct agw_ctx *ctx, struct gy_rg *r)
{
    struct gy_sess *g = r->g;
    struct agw_ue *ue;
    struct agw_pdn *p = pdn_of(ctx, g, &ue);
    if (!p || !g->installed || !ctx->dp)
        return;
    if (gx_policy_refresh(ctx, ue, p) < 0) {
        LOG_ERR(ctx, "gy", "session 0x%08x: restriction rules not installed: %s", g->ul_teid,
                dp_ctx_error(ctx->dp));
        return;
    }
    LOG_INFO(ctx, "gy", "session 0x%08x: %u Restriction-Filter-Rule(s) and %u Filter-Id(s) "
             "for after the final units of rating group %u", r->g->ul_teid, r->fui.n_restrict,
             r->fui.n_filter_ids, r->rg);
}

/* REDIRECT (RFC 4006 5.6.2): the kernel has one portal address; an IPv4
 * Redirect-Server-Address (or a URL whose host is one) becomes it,
 * otherwise diameter.gy.portal stays. */
static void redirect_portal(struct agw_ctx *ctx, struct gy_rg *r)
{
    char host[DIAM_FLOW_MAX] = "";
    const char *a = r->fui.redirect_addr;
    struct in_addr ip;
    if (r->fui.redirect_addr_type == 2) {        /* URL */
        const char *h = strstr(a, "://");
        h = h ? h + 3 : a;
        size_t len = strcspn(h, ":/");
        if (len < sizeof(host))
            memcpy(host, h, len), host[len] = 0;
    } else if (r->fui.redirect_addr_type == 0) {
        snprintf(host, sizeof(host), "%s", a);
    }
    if (host[0] && inet_pton(AF_INET, host, &ip) == 1 && ctx->dp) {
        if (dp_portal_set(ctx->dp, ip) < 0)
            LOG_WARN(ctx, "gy", "portal %s not set: %s", host, dp_ctx_error(ctx->dp));
    } else if (!ctx->cfg->diameter.gy.portal.s_addr) {
        LOG_WARN(ctx, "gy", "session 0x%08x: Redirect-Server '%s' is no IPv4 address and "
                 "diameter.gy.portal is not set", r->g->ul_teid, a);
    }
}

static int fua_of(int action)
{
    return action == DIAM_FUA_REDIRECT ? DP_FUA_REDIRECT
           : action == DIAM_FUA_RESTRICT_ACCESS ? DP_FUA_RESTRICT : DP_FUA_DROP;
}

/* A Final-Unit-Indication received with the last grant of r (RFC 4006
 * 5.6): the action goes into the kernel now, so that it applies at the
 * very packet that does not fit. */
static void final_units(struct agw_ctx *ctx, struct gy_rg *r, const struct diam_fui *fui)
{
    r->final = true;
    r->fui = *fui;
    r->fua = fua_of(fui->action);
    if (fui->action == DIAM_FUA_REDIRECT)
        redirect_portal(ctx, r);
    else if (fui->action == DIAM_FUA_RESTRICT_ACCESS)
        restrict_install(ctx, r);
    ev_timer_stop(ctx->loop, &r->validity);
}

void gy_apply_final(struct agw_ctx *ctx, struct gy_rg *r)
{
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    struct gy_sess *g = r->g;
    if (r->final_applied)
        return;
    r->final_applied = true;
    switch (r->fui.action) {
    case DIAM_FUA_REDIRECT:
        st->fua_redirect++;
        LOG_INFO(ctx, "gy", "session 0x%08x: rg %u final units used: redirected to %s",
                 g->ul_teid, r->rg, r->fui.redirect_addr);
        break;
    case DIAM_FUA_RESTRICT_ACCESS:
        st->fua_restrict++;
        LOG_INFO(ctx, "gy", "session 0x%08x: rg %u final units used: access restricted",
                 g->ul_teid, r->rg);
        break;
    default:
        st->fua_terminate++;
        if (r->rg == g->rg) {
            /* RFC 4006 5.6.1: the service ends; for the catch-all (the
             * PDN connection's traffic) that is the session: the release
             * sends the CCR-T with every rating group's final usage */
            terminate(ctx, g, "final units used (TERMINATE)");
            return;
        }
        /* RFC 4006 5.6.1 with several services (MSCC): only that service
         * ends; its packets stay dropped (the kernel's action) and its
         * usage is reported with FINAL (TS 32.299 7.2.175) */
        r->blocked = true;
        LOG_INFO(ctx, "gy", "session 0x%08x: rg %u final units used: its traffic is stopped",
                 g->ul_teid, r->rg);
        break;
    }
    /* RFC 4006 5.6.2/5.6.3: the used units are reported, no more asked */
    gy_want(ctx, r, DIAM_RR_FINAL);
}

/* Blocks rating group r: no grant, the kernel drops its traffic (4010
 * END_USER_SERVICE_DENIED, 4012 without final action, 5031 RATING_FAILED:
 * TS 32.299 6.3.3); the session's other rating groups go on. */
static void block(struct agw_ctx *ctx, struct gy_rg *r, uint64_t settled, uint32_t code)
{
    r->blocked = true;
    r->fua = DP_FUA_DROP;
    gy_of(ctx)->stats.blocked++;
    LOG_WARN(ctx, "gy", "session 0x%08x: rating group %u blocked (MSCC result %u)", r->g->ul_teid,
             r->rg, code);
    gy_grant_set(ctx, r, settled);
}

/* RETRY_AND_TERMINATE (RFC 4006 5.7, TS 32.299 6.4.x): the CCR-I of g
 * without a usable answer from the OCS goes, the same request with the T
 * flag, to the alternate OCS, which serves the session from then on; its
 * answer (or failure) comes as the OCS's would.  A journalled CCR-U/T goes
 * there by itself (ccr_row.failover, gy_failover).  False when there is
 * nothing to send again. */
static bool retry_initial(struct agw_ctx *ctx, struct gy_sess *g)
{
    const struct agw_config *c = ctx->cfg;
    if (g->busy_type != DIAM_CC_INITIAL || !g->req_i || !gy_failover(ctx, g))
        return false;
    int rc = ccr_send_to(ctx, g->req_i, g->req_i_len, c->diameter.gy.alt.peer,
                         c->diameter.gy.tx_timeout_ms, (uint64_t)g->ul_teid << 32 | g->busy_no);
    free(g->req_i);
    g->req_i = NULL;
    g->alt = true;                  /* failed or not: the OCS had its chance */
    if (rc < 0) {
        LOG_WARN(ctx, "gy", "session 0x%08x: CCR-I not sent again to the alternate OCS: %s",
                 g->ul_teid, strerror(-rc));
        return false;
    }
    gy_of(ctx)->stats.retries++;
    LOG_WARN(ctx, "gy", "session 0x%08x: CCR-I #%u sent again to the alternate OCS %s "
             "(RETRY_AND_TERMINATE, T flag)", g->ul_teid, g->busy_no, c->diameter.gy.alt.peer);
    return true;
}

/* A journalled CCR-U/T of the session of ul_teid went to the alternate OCS
 * (ccr_journal.c): counted, and the session (if it is still here) stays
 * with the alternate, also across a restart (0016). */
static void failed_over(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct gy_sess *g = gy_find(ctx, ul_teid);
    gy_of(ctx)->stats.retries++;
    if (!g || g->alt)
        return;
    g->alt = true;
    if (g->initial_done && !g->ending)
        gy_store_save(ctx, g);
}

void gy_failure(struct agw_ctx *ctx, struct gy_sess *g, const char *why)
{
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    uint32_t type = g->busy_type;
    /* RETRY_AND_TERMINATE with an alternate OCS: the request went to it,
     * the session waits for its answer as it waited for the OCS's */
    if (ccr_failed_over(ctx) || (g->ccfh == 2 && retry_initial(ctx, g))) {
        LOG_WARN(ctx, "gy", "session 0x%08x: %s: RETRY_AND_TERMINATE, the alternate OCS",
                 g->ul_teid, why);
        return;
    }
    /* RFC 4006 5.7: the OCS may have counted the CCR-U all the same.  The
     * journal sends it again as the same request (T flag, RFC 6733 3)
     * until it is answered, and the session waits for that answer (a
     * duplicate is answered alike and not counted again, 5.1) */
    bool again = type == DIAM_CC_UPDATE && ccr_kept(ctx);
    if (!again) {
        g->busy = false;
        for (unsigned i = 0; i < GY_MAX_RG; i++) {
            struct gy_rg *r = &g->rgs[i];
            /* not settled: the usage goes in the next report */
            if (r->busy && r->busy_used && r->rg && !r->want)
                r->want = true, r->want_reason = DIAM_RR_VALIDITY_TIME;
            r->busy = false;
        }
    }
    if (type == DIAM_CC_TERMINATION)
        return;
    if (g->ending) {
        /* released meanwhile: after a CCR-I given up the CCR-T goes (the
         * OCS may have created the session); after a CCR-U given up (no
         * journal) it carries that request's bytes too; a CCR-U sent
         * again keeps it waiting */
        if (!again)
            gy_end(ctx, g, type == DIAM_CC_UPDATE ? GY_END_REBASE : GY_END_SEND);
        return;
    }
    if (g->ccfh == 1) {
        /* CONTINUE (RFC 4006 8.14): the service goes on without credit
         * control; usage is kept (not reported yet) and reported in the
         * next CCR that is answered */
        st->ccfh_continue++;
        if (!g->continue_mode) {
            LOG_WARN(ctx, "gy", "session 0x%08x: %s: CONTINUE without credit control",
                     g->ul_teid, why);
            g->continue_mode = true;
            for (unsigned i = 0; i < GY_MAX_RG; i++) {
                struct gy_rg *r = &g->rgs[i];
                uint64_t charged;
                if (!r->rg || !r->live)
                    continue;
                if (!gy_charged(ctx, r, &charged, NULL, NULL))
                    charged = r->reported;
                r->fua = DP_FUA_DROP;
                gy_grant_set(ctx, r, charged + ((uint64_t)1 << 50));
            }
        }
        if (!again)
            gy_retry_arm(g, 5);     /* retry then (retry_cb) */
        return;
    }
    /* TERMINATE, and RETRY_AND_TERMINATE when there is no alternate OCS
     * (freeDiameter found no other peer for the realm) or it failed too
     * (RFC 4006 5.7), once per session; a CCR-U sent again still reaches
     * its server, the CCR-T waits for it */
    if (g->terminated)
        return;
    st->ccfh_terminate++;
    char w[96];
    snprintf(w, sizeof(w), "%s%s", why,
             g->ccfh != 2 ? ""
             : g->alt ? " (RETRY_AND_TERMINATE, the alternate OCS failed too)"
                      : " (RETRY_AND_TERMINATE, no alternate OCS)");
    terminate(ctx, g, w);
}

/* The answer to the request in flight of a session released meanwhile
 * (gy_session_stop): what it settles decides how the held CCR-T leaves. */
static void end_answer(struct agw_ctx *ctx, struct gy_sess *g, struct msg *msg)
{
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    struct diam_gy_cca cca;
    if (diam_gy_cca_decode(msg, &cca) < 0) {
        st->cca_failed++;
        gy_failure(ctx, g, "CCA undecodable");
        return;
    }
    uint32_t code = cca.h.result_code ? cca.h.result_code : cca.h.exp_result_code;
    if (code >= 3000 && code < 4000) {
        st->cca_failed++;
        gy_failure(ctx, g, "CCA 3xxx");
        return;
    }
    uint32_t type = g->busy_type;
    g->busy = false;
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        g->rgs[i].busy = false;
    if (code != DIAM_SUCCESS && code != DIAM_LIMITED_SUCCESS) {
        /* a CCA-I that refuses the session (nothing to end, RFC 4006
         * 5.2); a CCA-U that refuses the report (its bytes go in the
         * CCR-T) */
        st->cca_failed++;
        gy_end(ctx, g, type == DIAM_CC_INITIAL ? GY_END_CANCEL : GY_END_REBASE);
        return;
    }
    st->cca_ok++;
    gy_end(ctx, g, GY_END_SEND);    /* built on the base this answer settles */
}

static bool cca_apply(struct agw_ctx *ctx, struct gy_sess *g, struct msg *msg);

static void on_cca(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    uint32_t teid = (uint32_t)(ev->cookie >> 32), no = (uint32_t)ev->cookie;
    struct gy_sess *g = gy_find(ctx, teid);
    struct diam_gy_cca cca;
    struct diam_header_info h;
    if (g && g->busy && g->busy_no == no && g->req_i && ev->msg &&
        diam_msg_header(ev->msg, &h) == 0) {
        /* the server's word on the CCR-I (not a 3xxx): nothing to send
         * again (RFC 4006 5.7) */
        uint32_t code = h.result_code ? h.result_code : h.exp_result_code;
        if (code && (code < 3000 || code >= 4000)) {
            free(g->req_i);
            g->req_i = NULL;
        }
    }
    if (!g || !g->busy || g->busy_no != no) {
        /* the CCA-T of a released session (or of journalled final
         * usage): ccr_on_event settled its row (RFC 4006 5.7) */
        if (diam_gy_cca_decode(ev->msg, &cca) == 0) {
            uint32_t c = cca.h.result_code ? cca.h.result_code : cca.h.exp_result_code;
            if (c == DIAM_SUCCESS)
                st->cca_ok++;
        }
        return;
    }
    if (g->sent_at > 0)
        g->rtt = ev_now(ctx->loop) - g->sent_at;    /* gy_join_due's window */
    if (g->ending) {
        end_answer(ctx, g, ev->msg);
        return;
    }
    if (cca_apply(ctx, g, ev->msg))
        /* the books as the answer left them, in the iteration's
         * transaction with the journal row's deletion (agw_ccr.h) */
        gy_store_save(ctx, g);
}

/* One MSCC of the answer for r (TS 32.299 6.3: each rating group on its
 * own): false when g may be gone (the catch-all's TERMINATE). */
static bool mscc_apply(struct agw_ctx *ctx, struct gy_rg *r, const struct diam_mscc *ms,
                       uint64_t snap)
{
    uint32_t mc = ms->result_code ? ms->result_code : DIAM_SUCCESS;
    if (mc == DIAM_CREDIT_LIMIT_REACHED && ms->fui.action != DIAM_FUA_NONE) {
        /* RFC 4006 5.6: no units, the final action at once */
        final_units(ctx, r, &ms->fui);
        gy_grant_set(ctx, r, snap);
        gy_store_save(ctx, r->g);
        bool catch_all = r->rg == r->g->rg && ms->fui.action == DIAM_FUA_TERMINATE;
        gy_apply_final(ctx, r);     /* the catch-all's TERMINATE: g is gone */
        return !catch_all;
    }
    if (mc != DIAM_SUCCESS) {
        block(ctx, r, snap, mc);
        return true;
    }
    if (ms->granted.present) {
        r->threshold = ms->has_volume_threshold ? ms->volume_threshold : 0;
        if (ms->fui.action != DIAM_FUA_NONE)
            final_units(ctx, r, &ms->fui);
        /* RFC 4006 5.1.2: the new grant replaces what was left of the
         * one the report settled */
        gy_grant_set(ctx, r, snap + units_bytes(&ms->granted));
        if (!r->final)
            gy_validity_arm(r, ms->validity_time);
    }
    return true;
}

/* The answer to g's request in flight; false when g may be gone (the UE
 * detached) or its row is not to be written. */
static bool cca_apply(struct agw_ctx *ctx, struct gy_sess *g, struct msg *msg)
{
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    struct diam_gy_cca cca;
    int rc = diam_gy_cca_decode(msg, &cca);
    if (rc < 0) {
        st->cca_failed++;
        gy_failure(ctx, g, "CCA undecodable");
        return false;
    }
    uint32_t code = cca.h.result_code ? cca.h.result_code : cca.h.exp_result_code;
    if (cca.has_ccfh) {
        g->ccfh = cca.ccfh;         /* RFC 4006 8.14: the server's choice wins */
        g->ccfh_cca = cca.ccfh + 1; /* stored with the session (gy_store_save) */
    }
    if (code >= 3000 && code < 4000) {
        /* protocol errors, 3002 UNABLE_TO_DELIVER when the OCS is down */
        st->cca_failed++;
        char why[48];
        snprintf(why, sizeof(why), "CCA result %u", code);
        gy_failure(ctx, g, why);
        return false;
    }
    uint32_t type = g->busy_type;
    g->busy = false;
    if (code != DIAM_SUCCESS && code != DIAM_LIMITED_SUCCESS) {
        /* RFC 4006 5.2/5.3: the session is refused (4010, 4012, 5xxx) */
        st->cca_failed++;
        char why[48];
        snprintf(why, sizeof(why), "CCA-%c result %u", type == 1 ? 'I' : 'U', code);
        for (unsigned i = 0; i < GY_MAX_RG; i++)
            g->rgs[i].busy = false;
        if (type == DIAM_CC_INITIAL && !g->initial_done)
            g->refused = true;      /* the OCS has no session: no CCR-T */
        if (type != DIAM_CC_TERMINATION)
            terminate(ctx, g, why);
        return false;
    }
    st->cca_ok++;
    g->continue_mode = false;
    ev_timer_stop(ctx->loop, &g->retry);
    if (type == DIAM_CC_INITIAL)
        g->initial_done = true;
    /* every rating group the request reported is settled (RFC 4006 5.1.2),
     * then each MSCC of the answer applies to its own */
    uint64_t snap[GY_MAX_RG];
    bool was[GY_MAX_RG];
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        was[i] = r->rg && r->busy;
        snap[i] = r->busy_snap;
        r->busy = false;
        if (was[i] && type != DIAM_CC_INITIAL)
            r->reported = r->busy_snap;
    }
    g->hold = true;                 /* one CCR-U after all MSCCs, not one per MSCC */
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!was[i])
            continue;
        if (r->gone) {
            /* its FINAL report is settled: the rating group leaves */
            gy_store_forget_rg(ctx, g->ul_teid, r->rg);
            gy_rg_free(r);
            continue;
        }
        const struct diam_mscc *ms = NULL;
        for (unsigned k = 0; k < cca.n_mscc; k++)
            if (cca.mscc[k].has_rating_group && cca.mscc[k].rating_group == r->rg)
                ms = &cca.mscc[k];
        if (ms && !mscc_apply(ctx, r, ms, snap[i]))
            return false;
    }
    g->hold = false;
    gy_kick(ctx, g);                /* what the other rating groups want */
    return true;
}

static void on_request(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    if (ev->cmd_code != 258) {
        diam_answer_result(&m, 3001);   /* DIAMETER_COMMAND_UNSUPPORTED */
        if (m)
            diam_send_answer(gx_node(ctx), &m);
        return;
    }
    gy_of(ctx)->stats.rar++;
    struct diam_gy_rar rar;
    struct gy_sess *g = NULL;
    uint32_t code = DIAM_SUCCESS;
    if (diam_gy_rar_decode(m, &rar) < 0) {
        code = 5004;                    /* DIAMETER_INVALID_AVP_VALUE */
    } else {
        /* our Session-Id: "<identity>;<boot>;<ul_teid>;gy" */
        const char *p = strchr(rar.h.session_id, ';');
        p = p ? strchr(p + 1, ';') : NULL;
        g = p ? gy_find(ctx, (uint32_t)strtoul(p + 1, NULL, 10)) : NULL;
        if (!g || strcmp(g->sid, rar.h.session_id))
            code = 5002;                /* DIAMETER_UNKNOWN_SESSION_ID */
    }
    struct diam_raa raa;
    memset(&raa, 0, sizeof(raa));
    raa.h.result_code = code;
    diam_raa_answer(&m, &raa);
    /* the RAA leaves after the commit of this iteration, which journals
     * the re-authorisation's CCR-U (agw_ccr.h): an OCS told 2001 gets it
     * even if the daemon dies meanwhile */
    if (m && ccr_answer(ctx, &m) < 0)
        LOG_WARN(ctx, "gy", "RAA not sent");
    if (!g || code != DIAM_SUCCESS || g->ending)
        return;                     /* an ending session's CCR-T reports */
    /* RFC 4006 5.5: re-authorisation, of the rating group named or of
     * every one: report and ask again (one CCR-U) */
    LOG_INFO(ctx, "gy", "session 0x%08x: RAR: re-authorisation%s", g->ul_teid,
             rar.has_rating_group ? " of one rating group" : "");
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg || !r->live || r->final || r->blocked ||
            (rar.has_rating_group && rar.rating_group != r->rg))
            continue;
        r->want = true;
        r->want_reason = DIAM_RR_FORCED_REAUTHORISATION;
    }
    gy_kick(ctx, g);
}

void gy_handle_event(struct agw_ctx *ctx, struct diam_event *ev)
{
    if (!ctx->gy)
        return;
    if (ev->type != DIAM_EV_REQUEST && ccr_failed_over(ctx))
        failed_over(ctx, (uint32_t)(ev->cookie >> 32));
    switch (ev->type) {
    case DIAM_EV_ANSWER:
        on_cca(ctx, ev);
        break;
    case DIAM_EV_TIMEOUT: {
        struct gy_sess *g = gy_find(ctx, (uint32_t)(ev->cookie >> 32));
        gy_of(ctx)->stats.timeouts++;
        LOG_WARN(ctx, "gy", "session 0x%08x: no CCA within %u ms",
                 (uint32_t)(ev->cookie >> 32), ctx->cfg->diameter.gy.tx_timeout_ms);
        if (g && g->busy && g->busy_no == (uint32_t)ev->cookie)
            gy_failure(ctx, g, "Tx timer expired");     /* RFC 4006 13 */
        break;
    }
    case DIAM_EV_REQUEST:
        on_request(ctx, ev);
        break;
    }
}

void gy_quota_event(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, bool exhausted)
{
    struct gy_sess *g = gy_find(ctx, ul_teid);
    struct gy_rg *r = g ? gy_rg_find(g, rating_group) : NULL;
    if (!r || g->ending)
        return;
    if (exhausted && r->final) {
        gy_apply_final(ctx, r);
        return;
    }
    if (r->final || r->blocked || g->continue_mode || !r->live)
        return;
    /* before its first grant the request in flight (or about to go)
     * brings it: nothing to report */
    if (!g->initial_done || (!r->granted && (r->busy || !r->asked)))
        return;
    /* TS 32.299 7.2.175: THRESHOLD (the refill comes before the quota runs
     * out) or QUOTA_EXHAUSTED */
    gy_want(ctx, r, exhausted ? DIAM_RR_QUOTA_EXHAUSTED : DIAM_RR_THRESHOLD);
}
