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

bool gy_rule_online(const struct diam_rule_def *d)
{
    /* TS 29.212 5.3.4: Online in the rule; without it the CCA's default
     * charging method, which this gateway takes as offline (its
     * pre-configured default: docs/charging.md "Rating groups") */
    return d->has_rating_group && d->rating_group && d->has_online && d->online == 1;
}

/* The online rating groups of defs join g (live, to be asked for); those
 * no rule has any more, but the catch-all, leave it (gone: reported with
 * FINAL in the next request, then freed). */
static void rgs_update(struct agw_ctx *ctx, struct gy_sess *g, const struct diam_rule_def *defs,
                       unsigned n_defs)
{
    bool keep[GY_MAX_RG] = { [0] = true };
    for (unsigned i = 0; i < n_defs; i++) {
        if (!gy_rule_online(&defs[i]))
            continue;
        struct gy_rg *r = gy_rg_add(g, defs[i].rating_group);
        if (!r) {
            LOG_WARN(ctx, "gy", "session 0x%08x: rating group %u of rule %s not charged online: "
                     "%d rating groups at most", g->ul_teid, defs[i].rating_group, defs[i].name,
                     GY_MAX_RG);
            continue;
        }
        if (!r->live || r->gone) {
            /* back before its FINAL went: it simply stays */
            r->live = true;
            r->gone = false;
        }
        keep[r - g->rgs] = true;
    }
    for (unsigned i = 1; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg || keep[i] || r->gone)
            continue;
        if (!r->asked && !r->busy && r->reported == 0 && r->granted == 0 && !r->in_dp) {
            gy_rg_free(r);          /* never asked for: nothing to report */
            continue;
        }
        r->live = false;
        r->gone = true;
        ev_timer_stop(ctx->loop, &r->validity);
        LOG_INFO(ctx, "gy", "session 0x%08x: rating group %u has no rule any more", g->ul_teid,
                 r->rg);
    }
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
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        g->rgs[i].g = g;
    gy_rg_add(g, g->rg);
    /* the local policy's online rating groups are known now (a PCRF's
     * come with its answer: a CCR-U asks for them) */
    struct diam_rule_def defs[DIAM_MAX_RULES];
    unsigned n_defs = gx_local_defs(ctx, ue, p, defs);
    rgs_update(ctx, g, defs, n_defs);
    gy->by_sid[sid] = g;
    gy_send_ccr(ctx, g, DIAM_CC_INITIAL);
}

/* What the rating group's final-unit action let through since the last
 * look, which no report carries (RFC 4006 5.6.2, 5.6.3: the OCS granted
 * nothing for it), into the counter the operator sees; a slot that went
 * without passing it on starts the count again. */
void gy_uncharged_note(struct agw_ctx *ctx, struct gy_rg *r, uint64_t unch)
{
    if (unch > r->unch_seen)
        gy_of(ctx)->stats.uncharged_bytes += unch - r->unch_seen;
    r->unch_seen = unch;
}

unsigned gy_mscc_build(struct gy_sess *g, uint32_t type, const uint64_t *charged,
                       struct diam_mscc *out, struct gy_settle *settle)
{
    unsigned n = 0;
    for (unsigned i = 0; i < GY_MAX_RG && n < DIAM_MAX_MSCC; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg)
            continue;
        /* CCR-I: every rating group known; CCR-T: every one with its
         * final usage; CCR-U: those with a trigger (each with its own
         * Reporting-Reason, TS 32.299 7.2.175), not asked yet, or gone */
        bool report = type == DIAM_CC_TERMINATION || r->want || r->gone;
        if (type == DIAM_CC_INITIAL ? !r->live : !report && !(r->live && !r->asked))
            continue;
        struct diam_mscc *ms = &out[n];
        diam_mscc_init(ms);
        ms->has_rating_group = true;
        ms->rating_group = r->rg;
        uint64_t used = 0;
        if (type != DIAM_CC_INITIAL && report) {
            /* RFC 4006 8.19: what was used since the last report */
            used = charged[i] - r->reported;
            ms->used = (struct diam_units){ .present = true, .has_total = true, .total = used };
            ms->has_reporting_reason = true;
            ms->reporting_reason = type == DIAM_CC_TERMINATION || r->gone ? DIAM_RR_FINAL
                                                                           : r->want_reason;
        }
        /* RFC 4006 8.18: an empty RSU lets the OCS choose the amount; none
         * after the final units, for a blocked or gone rating group, nor
         * in the CCR-T (5.6.2, 5.4) */
        if (type != DIAM_CC_TERMINATION && r->live && !r->final && !r->blocked) {
            ms->requested.present = true;
            r->asked = true;
        }
        r->want = false;
        r->busy = true;
        r->busy_snap = type == DIAM_CC_INITIAL ? r->reported : charged[i];
        r->busy_used = used;
        if (settle)
            settle[n] = (struct gy_settle){ .rg = r->rg, .base = r->busy_snap, .used = used };
        n++;
    }
    return n;
}

/* Why a rating group reports ahead of its Validity-Time: the request goes
 * anyway (another group's trigger), and a group whose validity would end
 * within the window sends a CCR-U of its own shortly after, so that two
 * groups of one session, each re-armed by its own answer, drift apart and
 * double the requests (docs/PERFORMANCE.md).  The window is half the
 * group's Validity-Time plus the session's last round trip (at most
 * another half: a late answer does not make every group join): with equal
 * Validity-Times V and round trip r, two cycles d apart see each other's
 * remainder min(d, V + r - d) <= (V + r) / 2 at one of their requests,
 * so they join within one cycle whatever their phase, and are re-armed by
 * the same answer from then on; a group of a longer Validity-Time than
 * the others is reported at most half its validity (plus r) early, in a
 * request that goes anyway (an MSCC, not a request).  Its Reporting-Reason
 * is VALIDITY_TIME (TS 32.299 7.2.175): the report is the one its
 * Validity-Time calls for (RFC 4006 8.33), moved forward; OTHER_QUOTA_TYPE
 * is for another quota type of the same MSCC, and no value of 7.2.175
 * names another MSCC's trigger.  A group with a trigger of its own
 * (threshold, exhaustion, final units, a RAR) already wants, with its own
 * reason; one in flight, final, blocked, gone or never granted does not
 * join. */
unsigned gy_join_due(struct gy_sess *g, const double *left, double rtt)
{
    unsigned n = 0;
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg || !r->live || r->gone || r->want || r->busy || r->final || r->blocked ||
            !r->asked || !r->validity_s || left[i] < 0)
            continue;
        double half = r->validity_s / 2.0;
        if (left[i] > half + (rtt < half ? rtt : half))
            continue;
        r->want = true;
        r->want_reason = DIAM_RR_VALIDITY_TIME;
        r->early = true;
        n++;
    }
    return n;
}

const char *gy_server(const struct agw_ctx *ctx, const struct gy_sess *g)
{
    const struct agw_config *c = ctx->cfg;
    if (!c->diameter.gy.alt.enabled)
        return NULL;
    return g->alt ? c->diameter.gy.alt.peer : c->diameter.gy.peer;
}

const char *gy_failover(const struct agw_ctx *ctx, const struct gy_sess *g)
{
    const struct agw_config *c = ctx->cfg;
    /* RFC 4006 5.7 RETRY_AND_TERMINATE: once, to the alternate */
    return c->diameter.gy.alt.enabled && g->ccfh == 2 && !g->alt ? c->diameter.gy.alt.peer
                                                                  : NULL;
}

/* g's request number no of type in ccr and *m, with the MSCCs of the
 * books (charged[i] is rgs[i]'s charged(); gy_mscc_build marks them);
 * settle gets what each MSCC reports, row the journal row of it
 * (agw_ccr.h; rg, bytes and base: the catch-all's and the sum, for
 * reading).  -ENODATA: a CCR-U with nothing to say. */
static int ccr_build(struct agw_ctx *ctx, struct gy_sess *g, uint32_t type, uint32_t no,
                     const uint64_t *charged, struct diam_gy_ccr *ccr, struct gy_settle *settle,
                     struct ccr_row *row, struct msg **m)
{
    memset(ccr, 0, sizeof(*ccr));
    snprintf(ccr->h.session_id, sizeof(ccr->h.session_id), "%s", g->sid);
    snprintf(ccr->h.dest_realm, sizeof(ccr->h.dest_realm), "%s", ctx->cfg->diameter.realm);
    /* with an alternate OCS every request names its server (RFC 6733
     * 6.5): the first goes to the configured OCS, a session failed over
     * stays with the alternate (RFC 4006 5.7) */
    const char *server = gy_server(ctx, g);
    if (server)
        snprintf(ccr->h.dest_host, sizeof(ccr->h.dest_host), "%s", server);
    ccr->cc_request_type = type;
    ccr->cc_request_number = no;
    snprintf(ccr->sub.imsi, sizeof(ccr->sub.imsi), "%s", g->imsi);
    /* TS 32.299 7.2.158: PS-Information's PDP-Address, the IPv6 one the
     * UE's /64 with PDP-Address-Prefix-Length */
    ccr->sub.ue_ipv4 = g->ue_ipv4;
    static const uint8_t none[8];
    if (memcmp(g->ue6_prefix, none, 8)) {
        memcpy(ccr->sub.ue_prefix6, g->ue6_prefix, 8);
        ccr->sub.ue_prefix6_len = 64;
    }
    ccr->n_mscc = gy_mscc_build(g, type, charged, ccr->mscc, settle);
    if (type == DIAM_CC_TERMINATION)
        ccr->termination_cause = 1;         /* RFC 6733 8.15 DIAMETER_LOGOUT */
    uint64_t used = 0;
    for (unsigned i = 0; i < ccr->n_mscc; i++)
        used += settle[i].used;
    *row = (struct ccr_row){ .sid = g->sid, .no = no, .app = DIAM_APPID_GY, .type = type,
                             .ul_teid = g->ul_teid, .imsi = g->imsi, .rg = g->rg, .bytes = used,
                             .base = g->rgs[0].busy_snap, .settle = settle,
                             .settle_len = ccr->n_mscc * sizeof(settle[0]),
                             .cookie = (uint64_t)g->ul_teid << 32 | no,
                             .failover = gy_failover(ctx, g) };
    if (type == DIAM_CC_UPDATE && !ccr->n_mscc)
        return -ENODATA;
    return diam_gy_ccr_encode(ccr, m);
}

/* The log line of a request that leaves (or is held). */
static void ccr_log(struct agw_ctx *ctx, const struct gy_sess *g, const char *what,
                    const struct diam_gy_ccr *ccr, const struct ccr_row *row)
{
    const struct gy_settle *settle = row->settle;
    char rgs[160] = "";
    size_t k = 0;
    for (unsigned i = 0; i < ccr->n_mscc && k < sizeof(rgs); i++) {
        const struct diam_mscc *ms = &ccr->mscc[i];
        int w = snprintf(rgs + k, sizeof(rgs) - k, " [rg %u%s used %llu reason %d]",
                         ms->rating_group, ms->requested.present ? " rsu" : "",
                         (unsigned long long)settle[i].used,
                         ms->has_reporting_reason ? (int)ms->reporting_reason : -1);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    LOG_INFO(ctx, "gy", "session 0x%08x: %s #%u used %llu:%s", g->ul_teid, what, row->no,
             (unsigned long long)row->bytes, rgs);
}

int gy_send_ccr(struct agw_ctx *ctx, struct gy_sess *g, uint32_t type)
{
    struct diam_node *node = gx_node(ctx);
    struct diam_gy_ccr ccr;
    struct gy_settle settle[DIAM_MAX_MSCC];
    uint64_t charged[GY_MAX_RG];
    struct ccr_row row;
    struct msg *m = NULL;
    if (!node)
        return -ENOTCONN;
    if (g->ending)
        for (unsigned i = 0; i < GY_MAX_RG; i++)
            charged[i] = g->rgs[i].end_charged;     /* the datapath session is gone */
    else
        gy_charged_all(ctx, g, charged);
    if (type == DIAM_CC_INITIAL && !g->initial_done)
        g->next_no = 0;
    /* the books are marked only once the request is certain to go: a copy
     * (the watchers in it are not touched until then) */
    struct gy_rg save[GY_MAX_RG];
    memcpy(save, g->rgs, sizeof(save));
    if (type == DIAM_CC_UPDATE && !g->ending) {
        /* the groups whose Validity-Time ends soon join it (gy_join_due) */
        double left[GY_MAX_RG];
        for (unsigned i = 0; i < GY_MAX_RG; i++)
            left[i] = g->rgs[i].rg && ev_is_active(&g->rgs[i].validity)
                          ? ev_timer_remaining(ctx->loop, &g->rgs[i].validity)
                          : -1;
        gy_join_due(g, left, g->rtt);
    }
    int rc = ccr_build(ctx, g, type, g->next_no, charged, &ccr, settle, &row, &m);
    unsigned tx = ctx->cfg->diameter.gy.tx_timeout_ms;
    if (!rc && type == DIAM_CC_INITIAL) {
        /* not journalled: its bytes kept for RETRY_AND_TERMINATE
         * (gy_failure), the same request to the alternate */
        free(g->req_i);
        g->req_i = NULL;
        if (row.failover && diam_msg_to_bytes(m, &g->req_i, &g->req_i_len) < 0)
            g->req_i = NULL;
        rc = ccr_send_plain(ctx, &m, tx, row.cookie);
    } else if (!rc) {
        /* journalled with what it reports and the base its answer
         * settles, per rating group, committed before it leaves
         * (agw_ccr.h); with RETRY_AND_TERMINATE its row goes to the
         * alternate OCS when the OCS gives no usable answer */
        rc = ccr_send(ctx, &m, &row, tx);
    }
    struct agw_gy_stats *st = &gy_of(ctx)->stats;
    if (rc < 0) {
        diam_msg_free(m);
        memcpy(g->rgs, save, sizeof(save));
        if (rc != -ENODATA)
            LOG_WARN(ctx, "gy", "session 0x%08x: CCR not sent: %s", g->ul_teid, strerror(-rc));
        return rc;
    }
    ccr_log(ctx, g, type == DIAM_CC_INITIAL ? "CCR-I" : type == DIAM_CC_UPDATE ? "CCR-U" : "CCR-T",
            &ccr, &row);
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        /* a group that joined ahead of its Validity-Time: its report is
         * in flight, the answer's grant arms the next one */
        if (r->early && r->busy) {
            ev_timer_stop(ctx->loop, &r->validity);
            st->early++;
        }
        r->early = false;
    }
    g->busy = true;
    g->busy_no = g->next_no++;
    g->busy_type = type;
    g->sent_at = ev_now(ctx->loop);
    if (type == DIAM_CC_UPDATE)
        gy_store_save(ctx, g);      /* the next number, with the journal row */
    if (type == DIAM_CC_INITIAL) {
        st->ccr_i++;
    } else if (type == DIAM_CC_UPDATE) {
        st->ccr_u++;
        for (unsigned i = 0; i < ccr.n_mscc; i++)
            st->mscc_u += ccr.mscc[i].used.present;
    } else {
        st->ccr_t++;
    }
    return 0;
}

void gy_want(struct agw_ctx *ctx, struct gy_rg *r, uint32_t reason)
{
    r->want = true;
    r->want_reason = reason;
    gy_kick(ctx, r->g);
}

/* Whether g may send a CCR-U now and has something for one. */
static bool kick_due(const struct gy_sess *g)
{
    if (g->busy || g->ending || !g->initial_done || g->continue_mode || g->hold)
        return false;
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        const struct gy_rg *r = &g->rgs[i];
        if (r->rg && (r->want || r->gone || (r->live && !r->asked)))
            return true;
    }
    return false;
}

void gy_kick(struct agw_ctx *ctx, struct gy_sess *g)
{
    struct agw_gy *gy = gy_of(ctx);
    if (g->kick || !kick_due(g))
        return;
    /* RFC 4006 5.1.2 allows several MSCCs in one request: what the
     * session's rating groups want in this loop iteration (timers that
     * ran out together, the kernel's events of one read, an answer's
     * MSCCs) leaves in one CCR-U at its end, not one each.  Not a delay:
     * the iteration's commit comes right after anyway (agw_ccr.h) */
    if (gy->n_kicks == gy->cap_kicks) {
        size_t cap = gy->cap_kicks ? gy->cap_kicks * 2 : 256;
        uint32_t *k = realloc(gy->kicks, cap * sizeof(*k));
        if (!k) {
            gy_send_ccr(ctx, g, DIAM_CC_UPDATE);    /* no room to wait: now */
            return;
        }
        gy->kicks = k;
        gy->cap_kicks = cap;
    }
    gy->kicks[gy->n_kicks++] = g->ul_teid;
    g->kick = true;
}

void gy_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)revents;
    struct agw_ctx *ctx = w->data;
    struct agw_gy *gy = gy_of(ctx);
    /* by identifier: a session released (or replaced) meanwhile is not
     * found, or has no kick of its own */
    for (size_t i = 0; gy && i < gy->n_kicks; i++) {
        struct gy_sess *g = gy_find(ctx, gy->kicks[i]);
        if (!g || !g->kick)
            continue;
        g->kick = false;
        if (kick_due(g))
            gy_send_ccr(ctx, g, DIAM_CC_UPDATE);
    }
    if (gy)
        gy->n_kicks = 0;
}

uint32_t gy_rating_group(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct gy_sess *g = gy_find(ctx, ul_teid);
    return g ? g->rg : 0;
}

static bool has_rule_of(const struct dp_session_spec *s, uint32_t rg)
{
    for (uint32_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].rating_group == rg)
            return true;
    return false;
}

/* The quota of r in s (a rule of its rating group must be there,
 * dp_session_quotas_check); false when there is no room. */
static bool quota_put(struct gy_rg *r, struct dp_session_spec *s)
{
    if (s->n_quotas >= DP_MAX_QUOTAS)
        return false;
    for (uint32_t i = 0; i < s->n_quotas; i++)
        if (s->quotas[i].rating_group == r->rg)
            return false;       /* the local policy's (not ours) */
    struct dp_quota_spec *q = &s->quotas[s->n_quotas++];
    memset(q, 0, sizeof(*q));
    q->rating_group = r->rg;
    /* RFC 4006 5.2: no traffic before the grant; a grant that came first
     * is there at once */
    q->bytes = r->has_pending ? r->pending_granted : 0;
    q->threshold_bytes = r->threshold;
    q->fua = r->fua >= 0 ? (uint8_t)r->fua : DP_FUA_DROP;
    return true;
}

void gy_session_spec(struct agw_ctx *ctx, const struct agw_pdn *p, struct dp_session_spec *s)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (!g || s->n_rules >= DP_MAX_RULES)
        return;
    /* the traffic no other rule claims is the catch-all's (the last rule:
     * the highest precedence value) */
    struct dp_rule_spec *r = &s->rules[s->n_rules++];
    memset(r, 0, sizeof(*r));
    r->precedence = UINT16_MAX;
    r->dir = DP_DIR_BOTH;
    r->sport_hi = r->dport_hi = 65535;
    r->action = DP_ACTION_PASS;
    r->rating_group = g->rg;
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        if (g->rgs[i].rg && g->rgs[i].live && has_rule_of(s, g->rgs[i].rg) &&
            !quota_put(&g->rgs[i], s))
            LOG_WARN(ctx, "gy", "session 0x%08x: no room for the quota of rating group %u",
                     g->ul_teid, g->rgs[i].rg);
}

/* Gy's part of a policy that is rebuilt (a Gx change, gx_policy.c, or the
 * Final-Unit-Indication with RESTRICT_ACCESS): the Restriction-Filter-Rules
 * once they are in force, the catch-all rule and each online rating
 * group's quota.  A rebuilt policy has new charging slots; each quota in
 * force goes on from its old slot in the kernel itself (dp_quota_spec.keep:
 * its counters, what is left of the grant, its event state), so that the
 * rebuild neither refills nor empties a grant and charged() stays
 * continuous with nothing to write first (docs/charging.md "Gx and Gy on
 * one session").  A rating group whose last rule went has no slot after
 * the rebuild: carry gets what its slot counted, which gy_policy_done()
 * moves into its off.  Returns false when the session has no Gy part. */
bool gy_policy_add(struct agw_ctx *ctx, const struct agw_pdn *p,
                   const struct diam_rule_def *defs, unsigned n_defs,
                   struct dp_session_spec *s, struct gy_carry *carry)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    struct dp_session_info info;
    memset(carry, 0, sizeof(*carry));
    if (!g)
        return false;
    rgs_update(ctx, g, defs, n_defs);
    gy_restrict_rules(ctx, g, s);
    uint32_t nq = s->n_quotas;
    gy_session_spec(ctx, p, s);
    for (uint32_t q = nq; q < s->n_quotas; q++) {
        struct gy_rg *r = gy_rg_find(g, s->quotas[q].rating_group);
        if (r && r->in_dp)
            s->quotas[q].keep = true;
    }
    bool have_info = g->installed && ctx->dp && dp_session_get(ctx->dp, g->ul_teid, &info) == 0;
    for (unsigned i = 0; have_info && i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg || !r->gone || !r->in_dp || carry->n >= GY_MAX_RG)
            continue;
        for (uint32_t k = 0; k < info.n_charges; k++)
            if (info.charges[k].rating_group == r->rg &&
                (info.charges[k].flags & XEPC_CF_ONLINE)) {
                carry->rg[carry->n] = r->rg;
                carry->bytes[carry->n++] = info.charges[k].ul_bytes + info.charges[k].dl_bytes;
            }
    }
    return s->n_quotas > nq;
}

void gy_policy_done(struct agw_ctx *ctx, const struct agw_pdn *p, const struct gy_carry *carry)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    struct dp_session_info info;
    if (!g || !g->installed)
        return;
    bool moved = false;
    for (unsigned i = 0; i < carry->n; i++) {
        struct gy_rg *r = gy_rg_find(g, carry->rg[i]);
        if (r) {
            r->off += carry->bytes[i];
            moved |= carry->bytes[i] != 0;
        }
    }
    /* which rating groups have their quota in the datapath now: a new one
     * from its first (empty) quota on, a gone one no more */
    if (ctx->dp && dp_session_get(ctx->dp, g->ul_teid, &info) == 0)
        for (unsigned i = 0; i < GY_MAX_RG; i++) {
            struct gy_rg *r = &g->rgs[i];
            bool in = false;
            for (uint32_t k = 0; r->rg && k < info.n_charges; k++)
                in |= info.charges[k].rating_group == r->rg &&
                      (info.charges[k].flags & XEPC_CF_ONLINE);
            if (r->rg && in && !r->in_dp && r->has_pending) {
                r->granted = r->pending_granted;
                r->has_pending = false;
            }
            r->in_dp = r->rg && in;
        }
    if (g->initial_done && moved)
        gy_store_save(ctx, g);  /* charged() continues across a restart */
    /* RFC 4006 5.1.2: a new rating group asks for its units, a gone one
     * reports its last ones (the CCR-U, or the next one) */
    gy_kick(ctx, g);
}

void gy_session_installed(struct agw_ctx *ctx, const struct agw_pdn *p)
{
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    struct dp_session_info info;
    if (!g || g->installed)
        return;
    g->installed = true;
    bool have = ctx->dp && dp_session_get(ctx->dp, g->ul_teid, &info) == 0;
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        if (!r->rg)
            continue;
        for (uint32_t k = 0; have && k < info.n_charges; k++)
            if (info.charges[k].rating_group == r->rg && (info.charges[k].flags & XEPC_CF_ONLINE))
                r->in_dp = true;
        if (r->in_dp) {
            r->granted = r->has_pending ? r->pending_granted : 0;
            r->has_pending = false;
        }
    }
}

/* The CCR-T of an ending session, journalled and held in g->end_ccr:
 * every rating group's usage up to the release (end_charged), reported
 * from the base the request in flight settles (its snapshot; a CCR-I
 * settles none), or from the last settled report once that request is
 * not in flight any more.  The books are left as they are: the request
 * in flight is still theirs. */
static int end_build(struct agw_ctx *ctx, struct gy_sess *g)
{
    struct diam_gy_ccr ccr;
    struct gy_settle settle[DIAM_MAX_MSCC];
    uint64_t charged[GY_MAX_RG];
    struct gy_rg save[GY_MAX_RG];
    struct ccr_row row;
    memcpy(save, g->rgs, sizeof(save));
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        charged[i] = r->end_charged;
        if (r->busy)
            r->reported = r->busy_snap;
    }
    int rc = ccr_build(ctx, g, DIAM_CC_TERMINATION, g->end_no, charged, &ccr, settle, &row,
                       &g->end_ccr);
    if (!rc)
        rc = ccr_hold(ctx, g->end_ccr, &row);
    if (!rc)
        ccr_log(ctx, g, "CCR-T (held)", &ccr, &row);
    memcpy(g->rgs, save, sizeof(save));
    if (rc < 0) {
        diam_msg_free(g->end_ccr);
        g->end_ccr = NULL;
    }
    return rc;
}

void gy_end(struct agw_ctx *ctx, struct gy_sess *g, enum gy_end how)
{
    struct msg *m = g->end_ccr;
    if (!m) {
        gy_forget(ctx, g);
        return;
    }
    if (how == GY_END_CANCEL) {
        /* RFC 4006 5.2: the OCS refused the session, it has none to end */
        LOG_INFO(ctx, "gy", "session 0x%08x: CCR-T #%u cancelled: the CCA-I refused the session",
                 g->ul_teid, g->end_no);
        g->end_ccr = NULL;
        diam_msg_free(m);
        ccr_cancel(ctx, g->sid, g->end_no);
        gy_forget(ctx, g);
        return;
    }
    if (how == GY_END_REBASE) {
        /* the request's reports were not settled: the CCR-T carries them
         * (its row replaced in this iteration's transaction) */
        g->end_ccr = NULL;
        diam_msg_free(m);
        if (end_build(ctx, g) < 0) {
            LOG_WARN(ctx, "gy", "session 0x%08x: CCR-T #%u not rebuilt: the journal sends it "
                     "as it was", g->ul_teid, g->end_no);
            ccr_unhold(ctx, g->sid, g->end_no);
            gy_forget(ctx, g);
            return;
        }
        m = g->end_ccr;
    }
    g->end_ccr = NULL;
    struct ccr_row row = { .sid = g->sid, .no = g->end_no, .app = DIAM_APPID_GY,
                           .type = DIAM_CC_TERMINATION,
                           .cookie = (uint64_t)g->ul_teid << 32 | g->end_no,
                           .failover = gy_failover(ctx, g) };
    /* built for the OCS, and the request it waited for went to the
     * alternate meanwhile (RFC 4006 5.7): the session's server now */
    if (g->alt && gy_server(ctx, g) &&
        ccr_retarget(ctx, m, g->sid, g->end_no, gy_server(ctx, g)) < 0)
        LOG_WARN(ctx, "gy", "session 0x%08x: CCR-T #%u not named for the alternate OCS",
                 g->ul_teid, g->end_no);
    LOG_INFO(ctx, "gy", "session 0x%08x: CCR-T #%u (held) sent", g->ul_teid, g->end_no);
    if (ccr_send_held(ctx, &m, &row, ctx->cfg->diameter.gy.tx_timeout_ms) == 0)
        gy_of(ctx)->stats.ccr_t++;
    gy_forget(ctx, g);
}

void gy_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    (void)ue;
    struct gy_sess *g = gy_find(ctx, p->ul_teid);
    if (!g || g->ending)
        return;
    /* a daemon going down keeps its sessions (they survive in the
     * datapath): no CCR-T then */
    if (ctx->stopping) {
        gy_forget(ctx, g);      /* its row stays: restored at the next start */
        return;
    }
    /* the usage up to the release, while the datapath session is there */
    for (unsigned i = 0; i < GY_MAX_RG; i++) {
        struct gy_rg *r = &g->rgs[i];
        uint64_t unch;
        if (r->rg && !gy_charged(ctx, r, &r->end_charged, NULL, &unch))
            r->end_charged = r->busy ? r->busy_snap : r->reported;
        else if (r->rg)
            gy_uncharged_note(ctx, r, unch);
        ev_timer_stop(ctx->loop, &r->validity);
    }
    ev_timer_stop(ctx->loop, &g->retry);
    gy_store_forget(ctx, g->ul_teid);
    g->ending = true;
    g->installed = false;
    if (g->refused) {
        gy_forget(ctx, g);      /* RFC 4006 5.2: the OCS has no session */
        return;
    }
    if (!g->busy) {
        /* RFC 4006 5.4: every rating group's final usage; journalled and
         * sent until the OCS answers (agw_ccr.h).  Also when no CCA-I
         * came (Tx timer, 3xxx, RFC 4006 5.7): an OCS that created the
         * session all the same must not keep it; one that did not
         * answers 5002 */
        gy_send_ccr(ctx, g, DIAM_CC_TERMINATION);
        gy_forget(ctx, g);
        return;
    }
    /* RFC 4006 5.1: one request of a session at a time.  A CCR-T that
     * overtook the CCR-U in flight would report its bytes a second time
     * (or close the session its retransmission is for), and one after a
     * CCR-I in flight must not be lost when that answer is dropped: it is
     * built now and journalled (a restart sends it), and leaves once that
     * request is done with (gy_end, from gy_handler.c); g stays until
     * then, ending */
    g->end_no = g->next_no++;
    if (end_build(ctx, g) < 0) {
        LOG_WARN(ctx, "gy", "session 0x%08x: CCR-T not journalled", g->ul_teid);
        gy_forget(ctx, g);
        return;
    }
    LOG_INFO(ctx, "gy", "session 0x%08x: released with CCR-%c #%u in flight: CCR-T #%u held "
             "until its answer", g->ul_teid, g->busy_type == DIAM_CC_INITIAL ? 'I' : 'U',
             g->busy_no, g->end_no);
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
