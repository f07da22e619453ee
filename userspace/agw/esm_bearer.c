/* Dedicated EPS bearers (TS 23.401 4.7.2, 5.4.1-5.4.5; TS 24.301 6.4.2-6.4.4,
 * 6.5.3, 6.5.4): network-initiated activation, modification and
 * deactivation (xepcctl, esm_bearer_ctl.c; the PCRF's rules,
 * esm_bearer_pcc.c: agw_bearer_activate() and friends in agw.h), paging an
 * ECM-IDLE UE first, the UE's bearer resource allocation and modification
 * requests, their timers (T3485, T3486, T3495) and retransmissions, the
 * bearers across ECM-IDLE and X2 handover, the datapath (a session per
 * bearer, the TFT's downlink packet filters as rules of the default
 * bearer's session) and the SQLite rows
 * (schema/agw/0007_dedicated_bearers.sql).  The packet filters' text and
 * NAS forms are esm_tft.c's.
 *
 * Like everything in the daemon, a bearer's state is marked for the group
 * commit before the S1AP message that announces it is queued: the eNB and
 * the UE never hear of a bearer that a crash could lose. */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "dp/dp.h"
#include "lib/strbuf.h"

#define BEARER_RETRIES 4        /* TS 24.301 6.4.2.6 etc.: resent four times */

/* TS 23.203 6.1.7.2 Table 6.1.7: the GBR QCIs */
bool agw_qci_is_gbr(uint8_t qci)
{
    return (qci >= 1 && qci <= 4) || (qci >= 65 && qci <= 67) || (qci >= 71 && qci <= 76) ||
           (qci >= 82 && qci <= 85);
}

static bool qci_valid(uint8_t qci)
{
    return (qci >= 1 && qci <= 9) || (qci >= 65 && qci <= 86);
}

/* -------------------------------------------------------------- slots -- */

/* The slots of a UE that never had a dedicated bearer: all free, shared
 * by every such UE and never written (const: a write would fault at once
 * rather than leak into other UEs).  Only esm_bearer_ue_slots() hands out
 * writable ones. */
static const struct agw_bearer no_bearers[AGW_MAX_DED];

void esm_bearer_ue_init(struct agw_ue *ue)
{
    ue->ded = (struct agw_bearer *)no_bearers;  /* read, never written */
}

/* The UE's own slots, before the first write to one of them. */
int esm_bearer_ue_slots(struct agw_ue *ue)
{
    if (ue->ded != no_bearers)
        return 0;
    struct agw_bearer *d = calloc(AGW_MAX_DED, sizeof(*d));
    if (!d)
        return -ENOMEM;
    ue->ded = d;
    return 0;
}

/* ------------------------------------------------------------ lookups -- */

struct agw_bearer *esm_bearer_by_ebi(struct agw_ue *ue, uint8_t ebi)
{
    for (unsigned i = 0; i < AGW_MAX_DED; i++)
        if (ue->ded[i].state != BEARER_FREE && ue->ded[i].ebi == ebi)
            return &ue->ded[i];
    return NULL;
}

bool esm_bearer_ebi_used(const struct agw_ue *ue, uint8_t ebi)
{
    for (unsigned i = 0; i < AGW_MAX_DED; i++)
        if (ue->ded[i].state != BEARER_FREE && ue->ded[i].ebi == ebi)
            return true;
    return false;
}

/* Whether the default bearer linked_ebi has dedicated bearers (its
 * datapath rules are theirs) */
bool esm_bearer_linked(const struct agw_ue *ue, uint8_t linked_ebi)
{
    for (unsigned i = 0; i < AGW_MAX_DED; i++)
        if (ue->ded[i].state != BEARER_FREE && ue->ded[i].linked_ebi == linked_ebi)
            return true;
    return false;
}

static struct agw_pdn *pdn_of(struct agw_ue *ue, const struct agw_bearer *b)
{
    return pgw_pdn_by_ebi(ue, b->linked_ebi);
}

/* TS 24.301 9.3.2: a free EPS bearer identity 5..15 (default or dedicated) */
static uint8_t next_ebi(const struct agw_ue *ue)
{
    for (uint8_t ebi = 5; ebi <= 15; ebi++) {
        bool used = esm_bearer_ebi_used(ue, ebi);
        for (unsigned i = 0; i < AGW_MAX_PDN; i++)
            used |= ue->pdn[i].state != PDN_FREE && ue->pdn[i].ebi == ebi;
        if (!used)
            return ebi;
    }
    return 0;
}

/* Filter identifiers and precedences of a new set: ids 0.. in order, and
 * precedences unique within the PDN connection (TS 24.301 6.4.2.4: the
 * network keeps them distinct; 8.3.3: set by the network).  The caller's
 * precedences are kept when they are free. */
static void pf_number(struct agw_ue *ue, const struct agw_bearer *self, uint8_t linked,
                      struct agw_pf *pf, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        pf[i].id = i;
        for (unsigned tries = 0; tries < 256; tries++) {
            bool taken = false;
            for (unsigned k = 0; k < AGW_MAX_DED; k++) {
                const struct agw_bearer *o = &ue->ded[k];
                if (o == self || o->state == BEARER_FREE || o->linked_ebi != linked)
                    continue;
                for (unsigned j = 0; j < o->n_pf; j++)
                    taken |= o->pf[j].prec == pf[i].prec;
                for (unsigned j = 0; o->state == BEARER_MODIFYING && j < o->new_n_pf; j++)
                    taken |= o->new_pf[j].prec == pf[i].prec;
            }
            for (uint8_t j = 0; j < i; j++)
                taken |= pf[j].prec == pf[i].prec;
            if (!taken)
                break;
            pf[i].prec++;
        }
    }
}

static void tft_of(const struct agw_pf *pf, uint8_t n, uint8_t op, struct nas_tft *t)
{
    memset(t, 0, sizeof(*t));
    t->op = op;
    for (uint8_t i = 0; i < n && i < NAS_TFT_FILTERS_MAX; i++)
        agw_pf_to_nas(&pf[i], &t->pf[t->n++]);
}

/* ------------------------------------------------------------ datapath -- */

/* The TFT's filters of p's dedicated bearers, as rules of p's session:
 * downlink, they steer into each bearer's tunnel (pgw_session.c spec_of);
 * uplink, they pass the bearer's own uplink, which takes p's rules and
 * charging slots (dp_session_spec.policy_teid, bearer_program): so that
 * it is charged to the rating group of the rule the bearer carries
 * (esm_pcc_bearer_charging), in both directions. */
void esm_bearer_dp_rules(const struct agw_ue *ue, const struct agw_pdn *p,
                         struct dp_session_spec *s)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        if (b->state == BEARER_FREE || b->linked_ebi != p->ebi || !b->dp_installed)
            continue;
        for (unsigned j = 0; j < b->n_pf && s->n_rules < DP_MAX_RULES; j++) {
            const struct agw_pf *pf = &b->pf[j];
            /* TS 23.401 5.4.1: the UE sends by the uplink filters, the
             * gateway by the downlink ones; an uplink filter only names
             * the flow (and its rating group) on the bearer's uplink.
             * Pre-Release-7 filters (direction 0) are not taken. */
            if (!(pf->dir & NAS_PF_DIR_BOTH))
                continue;
            struct dp_rule_spec *r = &s->rules[s->n_rules++];
            memset(r, 0, sizeof(*r));
            /* TS 23.060 15.3.3.4: lowest precedence value first; ties
             * (never within one PDN) broken by bearer and filter.  The
             * filters take 4..16387: after Gy's restriction rules (1..3,
             * docs/charging.md), before the PCC rules of the default
             * bearer (esm_pcc_rules) */
            r->precedence = (uint16_t)(4 + (pf->prec << 6 | k << 3 | j));
            r->dir = (pf->dir & NAS_PF_DIR_DL ? DP_DIR_DL : 0) |
                     (pf->dir & NAS_PF_DIR_UL ? DP_DIR_UL : 0);
            r->proto = pf->proto;
            r->src = pf->laddr;
            r->src_plen = pf->lplen;
            r->dst = pf->raddr;
            r->dst_plen = pf->rplen;
            r->sport_lo = pf->lport_lo;
            r->sport_hi = pf->lport_hi;
            r->dport_lo = pf->rport_lo;
            r->dport_hi = pf->rport_hi;
            r->tos = pf->tos;
            r->tos_mask = pf->tos_mask;
            r->action = DP_ACTION_BEARER;
            r->bearer_teid = b->ul_teid;
        }
    }
}

/* What bearer_program() changes besides the tunnel */
enum { BP_TUNNEL = 0, BP_QOS = 1, BP_RULES = 2 };

/* Installs b's datapath session or sets its tunnel; BP_QOS: new MBR
 * meters; BP_RULES: the default bearer's rules again (b's TFT changed, or
 * b is new). */
static int bearer_program(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                          unsigned what)
{
    struct agw_pdn *p = pdn_of(ue, b);
    struct dp_session_spec s;
    char bb[20];
    if (!ctx->dp || !p)
        return 0;
    memset(&s, 0, sizeof(s));
    s.ul_teid = b->ul_teid;
    s.ue_addr = p->ue_ip;
    /* the PDN connection's /64 (PDN type IPv6 or IPv4v6): the source check
     * of the bearer's IPv6 uplink, and what names an IPv6-only UE's
     * bearers to the datapath (docs/datapath.md "Dedicated bearers") */
    s.has_ue6 = pgw_pdn_has_v6(p);
    memcpy(s.ue6_prefix, p->ue6_prefix, sizeof(s.ue6_prefix));
    s.bearer = true;
    /* an eNB on IPv6 only (TS 36.413 9.2.2.1): its tunnel over IPv6, as
     * the default bearer's (pgw_pdn_spec()) */
    bool enb6 = !b->enb_addr.s_addr && !IN6_IS_ADDR_UNSPECIFIED(&b->enb6);
    s.has_tunnel = b->dl_teid != 0 && (b->enb_addr.s_addr != 0 || enb6);
    s.enb_addr = b->enb_addr;
    s.enb_is6 = s.has_tunnel && enb6;
    s.enb6_addr = b->enb6;
    s.dl_teid = b->dl_teid;
    /* TS 29.212 4.5.2, TS 32.299 5.1: its uplink is charged against the
     * PDN connection's quotas (the default bearer's charging slots), to
     * the rating group of its TFT's rule */
    if (p->dp_installed)
        s.policy_teid = p->ul_teid;
    /* TS 23.401 4.7.3: a GBR bearer is policed at its MBR (= its GBR for
     * voice and video); a non-GBR bearer counts under the APN-AMBR of its
     * default bearer on the downlink */
    if (agw_qci_is_gbr(b->qci)) {
        s.ul_ambr_bps = b->mbr_ul;
        s.dl_ambr_bps = b->mbr_dl;
    }
    bool fresh = !b->dp_installed;
    int rc = fresh ? dp_session_add(ctx->dp, &s, XEPC_ACT_PASS)
                   : dp_session_modify(ctx->dp, &s, XEPC_ACT_PASS,
                                       (what & BP_QOS) ? DP_MOD_AMBR : 0);
    if (rc < 0) {
        ctx->stats.dp_errors++;
        LOG_ERR(ctx, "esm", "ue %s: datapath bearer 0x%08x: %s", ue_imsi_log(ctx, ue, bb),
                b->ul_teid, dp_ctx_error(ctx->dp));
        return rc;
    }
    b->dp_installed = true;
    /* the default bearer's rules name this bearer (again) */
    return p->dp_installed && (fresh || (what & BP_RULES)) ? pgw_pdn_policy(ctx, ue, p) : 0;
}

/* Frees everything of b: its rules, its datapath session, its TEID. */
static void bearer_free(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b)
{
    char bb[20];
    struct agw_pdn *p = pdn_of(ue, b);
    ev_timer_stop(ctx->loop, &b->timer);
    bool had = b->dp_installed;
    b->dp_installed = false;
    if (had && p && p->dp_installed && p->state != PDN_FREE)
        pgw_pdn_policy(ctx, ue, p);         /* its rules go first */
    if (had && ctx->dp) {
        int rc = dp_session_del(ctx->dp, b->ul_teid);
        if (rc < 0 && rc != -ENOENT) {
            ctx->stats.dp_errors++;
            LOG_ERR(ctx, "esm", "ue %s: removing datapath bearer 0x%08x: %s",
                    ue_imsi_log(ctx, ue, bb), b->ul_teid, dp_ctx_error(ctx->dp));
        }
    }
    if (b->ul_teid)
        pgw_teid_free(ctx, b->ul_teid);
    memset(b, 0, sizeof(*b));
    ue_store_mark(ctx, ue);
}

/* ------------------------------------------------------------- timers -- */

static void bearer_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void timer_start(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b)
{
    uint32_t ms = b->state == BEARER_PENDING     ? ctx->cfg->mme.t3485_ms
                  : b->state == BEARER_MODIFYING ? ctx->cfg->mme.t3486_ms
                                                 : ctx->cfg->mme.t3495_ms;
    /* a procedure waiting for the UE: as long as its paging can last
     * (T3413, mme.paging_retries) and one ESM timer more for the service
     * request and the Initial Context Setup */
    if (b->deferred)
        ms += ctx->cfg->mme.t3413_ms * (ctx->cfg->mme.paging_retries + 1);
    ev_timer_stop(ctx->loop, &b->timer);
    ev_init(&b->timer, bearer_timer_cb);
    b->timer.data = ctx;
    b->ue_id = ue->id;
    ev_timer_set(&b->timer, ms / 1000.0, 0);
    ev_timer_start(ctx->loop, &b->timer);
}

/* ------------------------------------------------------ NAS messages -- */

/* TS 24.301 8.3.3 ACTIVATE DEDICATED EPS BEARER CONTEXT REQUEST */
static int build_activate(const struct agw_bearer *b, struct nas_message *m)
{
    nas_message_init(m, NAS_MSG_ACT_DEDICATED_REQUEST);
    m->ebi = b->ebi;
    m->pti = b->pti;
    struct nas_act_dedicated_request *a = &m->act_dedicated_request;
    a->linked_ebi = b->linked_ebi;
    if (nas_eps_qos_set(&a->eps_qos, b->qci, b->mbr_ul / 1000, b->mbr_dl / 1000,
                        b->gbr_ul / 1000, b->gbr_dl / 1000) < 0)
        return -ERANGE;
    tft_of(b->pf, b->n_pf, NAS_TFT_OP_CREATE, &a->tft);
    return 0;
}

/* TS 24.301 8.3.18 MODIFY EPS BEARER CONTEXT REQUEST: the new QoS and the
 * new TFT ("create new TFT" replaces the existing one, 6.4.3.4 a) 1) */
static int build_modify(const struct agw_bearer *b, struct nas_message *m)
{
    nas_message_init(m, NAS_MSG_MODIFY_REQUEST);
    m->ebi = b->ebi;
    m->pti = b->pti;
    struct nas_modify_request *r = &m->modify_request;
    r->has_new_eps_qos = true;
    if (nas_eps_qos_set(&r->new_eps_qos, b->qci, b->new_mbr_ul / 1000, b->new_mbr_dl / 1000,
                        b->new_gbr_ul / 1000, b->new_gbr_dl / 1000) < 0)
        return -ERANGE;
    r->has_tft = true;
    tft_of(b->new_pf, b->new_n_pf, NAS_TFT_OP_CREATE, &r->tft);
    return 0;
}

/* TS 24.301 8.3.12 DEACTIVATE EPS BEARER CONTEXT REQUEST */
static void build_deactivate(const struct agw_bearer *b, uint8_t cause, struct nas_message *m)
{
    nas_message_init(m, NAS_MSG_DEACT_REQUEST);
    m->ebi = b->ebi;
    m->pti = b->pti;
    m->deact_request.esm_cause = cause;
}

static int build_current(const struct agw_bearer *b, struct nas_message *m)
{
    if (b->state == BEARER_PENDING)
        return build_activate(b, m);
    if (b->state == BEARER_MODIFYING)
        return build_modify(b, m);
    build_deactivate(b, 36, m);     /* #36 regular deactivation */
    return 0;
}

/* Sends the procedure's message inside its S1AP message (first time) or
 * in a Downlink NAS Transport (retransmission, the E-RAB is set up). */
static int send_current(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b, bool first)
{
    struct nas_message m;
    uint8_t nas[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    int rc = build_current(b, &m);
    if (rc < 0 || (rc = nas_encode_protected(ctx, ue, &m, nas, sizeof(nas), &len)) < 0)
        return rc;
    ue_store_mark(ctx, ue);             /* the NAS COUNT went up */
    if (!first)
        return s1ap_send_dl_nas(ctx, ue, nas, len);
    if (b->state == BEARER_PENDING)
        return s1ap_send_erab_setup_ded(ctx, ue, b, nas, len);
    if (b->state == BEARER_MODIFYING)
        return s1ap_send_erab_modify(ctx, ue, b, nas, len);
    return s1ap_send_erab_release(ctx, ue, b->ebi, nas, len);
}

static void procedure_failed(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                             const char *why)
{
    char bb[20];
    LOG_INFO(ctx, "esm", "ue %s: bearer EBI %u: %s", ue_imsi_log(ctx, ue, bb), b->ebi, why);
    ev_timer_stop(ctx->loop, &b->timer);
    bool told = !b->deferred;       /* the eNB and the UE heard of the procedure */
    b->deferred = false;
    switch (b->state) {
    case BEARER_PENDING:
        /* TS 24.301 6.4.2.5/6.4.2.6: the resources of the activation are
         * released; the eNB is told to drop the E-RAB it may have */
        ctx->stats.bearer_activate_failed++;
        if (ue->s1 && told)
            s1ap_send_erab_release(ctx, ue, b->ebi, NULL, 0);
        bearer_free(ctx, ue, b);
        break;
    case BEARER_MODIFYING:
        /* TS 24.301 6.4.3.5/6.4.3.6: the bearer stays as it was */
        ctx->stats.bearer_modify_failed++;
        b->state = BEARER_ACTIVE;
        b->pti = 0;
        ue_store_mark(ctx, ue);
        break;
    case BEARER_RELEASING:
        /* TS 24.301 6.4.4.5: deactivated locally on the fifth expiry */
        ctx->stats.bearer_deactivated++;
        bearer_free(ctx, ue, b);
        break;
    default:
        break;
    }
}

static void bearer_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct agw_bearer *b = agw_container_of(w, struct agw_bearer, timer);
    (void)loop;
    (void)revents;
    struct agw_ue *ue = ue_find_id(ctx, b->ue_id);
    if (!ue || b < ue->ded || b >= ue->ded + AGW_MAX_DED)
        return;
    if (b->deferred) {
        /* TS 23.401 5.4.1 step 4 / 5.3.4.3: the UE did not come back */
        ctx->stats.nas_procedure_timeouts++;
        procedure_failed(ctx, ue, b, "the UE was not reachable (paging)");
        return;
    }
    /* TS 24.301 6.4.2.6 a), 6.4.3.6 a), 6.4.4.5 a): resent on each of the
     * first four expiries of T3485 / T3486 / T3495, then abandoned */
    if (b->retries >= BEARER_RETRIES || !ue->s1) {
        ctx->stats.nas_procedure_timeouts++;
        procedure_failed(ctx, ue, b, "no answer from the UE");
        return;
    }
    b->retries++;
    ctx->stats.nas_retransmissions++;
    if (send_current(ctx, ue, b, false) < 0) {
        procedure_failed(ctx, ue, b, "retransmission failed");
        return;
    }
    timer_start(ctx, ue, b);
}

/* ---------------------------------------------------------- procedures -- */

/* Whether a network-initiated procedure on a bearer of p can be sent now:
 * the UE is registered and connected, and p's E-RAB is set up (an
 * attach's or a service request's Initial Context Setup is over). */
static bool ue_ready(const struct agw_ue *ue, const struct agw_pdn *p)
{
    return ue->s1 && ue->emm == EMM_REGISTERED && !ue->attach_pending && p &&
           p->state == PDN_ACTIVE && p->dl_teid != 0;
}

/* The UE is not ready: the procedure waits (b->deferred) for
 * esm_bearer_connected().  An ECM-IDLE UE is paged first (TS 23.401 5.4.1
 * step 4, 5.4.2.1, 5.4.4.1: the network-triggered service request of
 * 5.3.4.3); a UE in the middle of its attach or service request is not.
 * Returns 0, or a negative errno (err says why) when the UE cannot come. */
static int defer(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b, char *err,
                 size_t errlen)
{
    if (!ue->s1) {
        int rc = emm_page_ue(ctx, ue);
        if (rc < 0 && rc != -EALREADY)
            return snprintf(err, errlen, "the UE is ECM-IDLE and cannot be paged (%s)",
                            rc == -EHOSTUNREACH ? "not reachable" : "not registered"),
                   -EHOSTUNREACH;
    } else if (ue->emm != EMM_REGISTERED && !ue->attach_pending) {
        return snprintf(err, errlen, "the UE is not registered"), -ENOTCONN;
    }
    b->deferred = true;
    b->retries = 0;
    timer_start(ctx, ue, b);
    ue_store_mark(ctx, ue);
    char bb[20];
    LOG_INFO(ctx, "esm", "ue %s: bearer EBI %u: %s", ue_imsi_log(ctx, ue, bb), b->ebi,
             ue->s1 ? "waits for the UE's connection" : "paging the UE first");
    return 0;
}

static bool busy(const struct agw_ue *ue, uint8_t linked)
{
    /* a network-initiated procedure of the PDN connection is running: a
     * UE-requested one collides with it (TS 24.301 6.5.3.5, 6.5.4.5: #56) */
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        if (b->linked_ebi == linked &&
            (b->state == BEARER_PENDING || b->state == BEARER_MODIFYING ||
             b->state == BEARER_RELEASING))
            return true;
    }
    return false;
}

static unsigned dl_filters(const struct agw_ue *ue, uint8_t linked)
{
    unsigned n = 0;
    for (unsigned k = 0; k < AGW_MAX_DED; k++)
        if (ue->ded[k].state != BEARER_FREE && ue->ded[k].linked_ebi == linked)
            for (unsigned j = 0; j < ue->ded[k].n_pf; j++)
                n += (ue->ded[k].pf[j].dir & NAS_PF_DIR_DL) != 0;
    return n;
}

static int req_check(const struct agw_bearer_req *r, char *err, size_t errlen)
{
    if (!qci_valid(r->qci))
        return snprintf(err, errlen, "QCI %u is not a standardized QCI (1..9, 65..86)", r->qci),
               -EINVAL;
    if (r->n_pf == 0 || r->n_pf > AGW_TFT_MAX)
        return snprintf(err, errlen, "a dedicated bearer needs 1..%d packet filters",
                        AGW_TFT_MAX), -EINVAL;
    if (agw_qci_is_gbr(r->qci)) {
        if (!r->gbr_ul || !r->gbr_dl)
            return snprintf(err, errlen, "QCI %u is a GBR QCI: give the GBR (both directions)",
                            r->qci), -EINVAL;
        if ((r->mbr_ul && r->mbr_ul < r->gbr_ul) || (r->mbr_dl && r->mbr_dl < r->gbr_dl))
            return snprintf(err, errlen, "the MBR is below the GBR"), -EINVAL;
    } else if (r->gbr_ul || r->gbr_dl || r->mbr_ul || r->mbr_dl) {
        return snprintf(err, errlen, "QCI %u is non-GBR: no GBR or MBR (TS 23.401 4.7.3)",
                        r->qci), -EINVAL;
    }
    /* TS 24.008 10.5.6.5: EPS QoS bit rates up to 10 Gbit/s here */
    if (r->mbr_ul > 10000000000ull || r->mbr_dl > 10000000000ull ||
        r->gbr_ul > 10000000000ull || r->gbr_dl > 10000000000ull)
        return snprintf(err, errlen, "bit rates above 10 Gbit/s are not supported"), -ERANGE;
    return 0;
}

static void req_apply(struct agw_bearer *b, const struct agw_bearer_req *r, bool modify)
{
    uint64_t mbr_ul = r->mbr_ul ? r->mbr_ul : r->gbr_ul;
    uint64_t mbr_dl = r->mbr_dl ? r->mbr_dl : r->gbr_dl;
    if (modify) {
        b->new_mbr_ul = mbr_ul;
        b->new_mbr_dl = mbr_dl;
        b->new_gbr_ul = r->gbr_ul;
        b->new_gbr_dl = r->gbr_dl;
        b->new_n_pf = r->n_pf;
        memcpy(b->new_pf, r->pf, sizeof(r->pf[0]) * r->n_pf);
    } else {
        b->mbr_ul = mbr_ul;
        b->mbr_dl = mbr_dl;
        b->gbr_ul = r->gbr_ul;
        b->gbr_dl = r->gbr_dl;
        b->n_pf = r->n_pf;
        memcpy(b->pf, r->pf, sizeof(r->pf[0]) * r->n_pf);
    }
}

static struct agw_pdn *pdn_for_apn(struct agw_ctx *ctx, struct agw_ue *ue, const char *apn)
{
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        struct agw_pdn *p = &ue->pdn[i];
        if (p->state != PDN_ACTIVE)
            continue;
        if (!apn || !apn[0] || !strcasecmp(ctx->cfg->apns[p->apn_idx].name, apn))
            return p;
    }
    return NULL;
}

/* Activation on PDN connection p; pti 0 when network-initiated.  Returns
 * the EBI or a negative errno (err says why). */
static int activate(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                    const struct agw_bearer_req *r, uint8_t pti, char *err, size_t errlen)
{
    int rc = req_check(r, err, errlen);
    if (rc)
        return rc;
    if (ue->emm != EMM_REGISTERED && !ue->attach_pending)
        return snprintf(err, errlen, "the UE is not registered"), -ENOTCONN;
    /* network-initiated activations run side by side (the voice and the
     * video bearer of one call, TS 23.401 5.4.1 for each); a UE's request
     * waits for the network's procedures to end (#56) */
    if (pti && busy(ue, p->ebi))
        return snprintf(err, errlen, "a bearer procedure of this PDN connection is running"),
               -EBUSY;
    unsigned ndl = 0;
    for (uint8_t j = 0; j < r->n_pf; j++)
        ndl += (r->pf[j].dir & NAS_PF_DIR_DL) != 0;
    if (dl_filters(ue, p->ebi) + ndl > DP_MAX_RULES)
        return snprintf(err, errlen, "more than %d downlink filters on one PDN connection",
                        DP_MAX_RULES), -ENOSPC;
    uint8_t ebi = next_ebi(ue);
    if (!ebi)
        return snprintf(err, errlen, "no free EPS bearer identity"), -ENOSPC;
    if (esm_bearer_ue_slots(ue) < 0)
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    struct agw_bearer *b = NULL;
    for (unsigned k = 0; k < AGW_MAX_DED && !b; k++)
        if (ue->ded[k].state == BEARER_FREE)
            b = &ue->ded[k];
    if (!b)
        return snprintf(err, errlen, "no free EPS bearer identity"), -ENOSPC;
    memset(b, 0, sizeof(*b));
    if (pgw_teid_alloc(ctx, &b->ul_teid) < 0) {
        b->ul_teid = 0;
        return snprintf(err, errlen, "no free TEID (datapath.max_sessions)"), -ENOSPC;
    }
    b->ebi = ebi;
    b->linked_ebi = p->ebi;
    b->pti = pti;
    b->qci = r->qci;
    b->arp_prio = r->arp_prio ? r->arp_prio : p->arp_prio;
    b->arp_cap = r->arp_prio ? r->arp_cap : p->arp_cap;
    b->arp_vul = r->arp_prio ? r->arp_vul : p->arp_vul;
    req_apply(b, r, false);
    pf_number(ue, b, p->ebi, b->pf, b->n_pf);
    b->state = BEARER_PENDING;
    b->ue_id = ue->id;
    /* the bearer's own session, without tunnel until the eNB answers: its
     * uplink TEID is valid from the first packet */
    if (bearer_program(ctx, ue, b, BP_QOS | BP_RULES) < 0) {
        bearer_free(ctx, ue, b);
        return snprintf(err, errlen, "datapath: %s", ctx->dp ? dp_ctx_error(ctx->dp) : "?"),
               -EIO;
    }
    ue_store_mark(ctx, ue);
    if (!ue_ready(ue, p)) {
        if ((rc = defer(ctx, ue, b, err, errlen)) < 0)
            bearer_free(ctx, ue, b);
        return rc < 0 ? rc : b->ebi;
    }
    if ((rc = send_current(ctx, ue, b, true)) < 0) {
        bearer_free(ctx, ue, b);
        return snprintf(err, errlen, "cannot build the request: %s", strerror(-rc)), rc;
    }
    timer_start(ctx, ue, b);
    char bb[20];
    LOG_INFO(ctx, "esm", "ue %s: activating dedicated bearer EBI %u (QCI %u, linked %u, %u "
             "filters)", ue_imsi_log(ctx, ue, bb), b->ebi, b->qci, b->linked_ebi, b->n_pf);
    return b->ebi;
}

static int modify(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                  const struct agw_bearer_req *r, uint8_t pti, char *err, size_t errlen)
{
    struct agw_bearer_req rr = *r;
    rr.qci = b->qci;        /* a QCI change is a new bearer (TS 23.401 5.4.2) */
    int rc = req_check(&rr, err, errlen);
    if (rc)
        return rc;
    if (b->state != BEARER_ACTIVE || (pti && busy(ue, b->linked_ebi)))
        return snprintf(err, errlen, "a procedure of this bearer%s is running",
                        pti ? " or of its PDN connection" : ""), -EBUSY;
    unsigned ndl = 0, cur = 0;
    for (uint8_t j = 0; j < rr.n_pf; j++)
        ndl += (rr.pf[j].dir & NAS_PF_DIR_DL) != 0;
    for (uint8_t j = 0; j < b->n_pf; j++)
        cur += (b->pf[j].dir & NAS_PF_DIR_DL) != 0;
    if (dl_filters(ue, b->linked_ebi) - cur + ndl > DP_MAX_RULES)
        return snprintf(err, errlen, "more than %d downlink filters on one PDN connection",
                        DP_MAX_RULES), -ENOSPC;
    req_apply(b, &rr, true);
    pf_number(ue, b, b->linked_ebi, b->new_pf, b->new_n_pf);
    b->state = BEARER_MODIFYING;
    b->pti = pti;
    b->retries = 0;
    ue_store_mark(ctx, ue);
    if (!ue_ready(ue, pdn_of(ue, b))) {
        if ((rc = defer(ctx, ue, b, err, errlen)) < 0)
            b->state = BEARER_ACTIVE;
        return rc < 0 ? rc : b->ebi;
    }
    if ((rc = send_current(ctx, ue, b, true)) < 0) {
        b->state = BEARER_ACTIVE;
        return snprintf(err, errlen, "cannot build the request: %s", strerror(-rc)), rc;
    }
    timer_start(ctx, ue, b);
    return b->ebi;
}

static int deactivate(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b, uint8_t pti,
                      char *err, size_t errlen)
{
    if (b->state == BEARER_RELEASING)
        return b->ebi;
    if (b->state != BEARER_ACTIVE)
        return snprintf(err, errlen, "a procedure of this bearer is running"), -EBUSY;
    b->state = BEARER_RELEASING;
    b->pti = pti;
    b->retries = 0;
    ue_store_mark(ctx, ue);
    int rc;
    if (!ue_ready(ue, pdn_of(ue, b))) {
        /* TS 23.401 5.4.4.1 step 4: an ECM-IDLE UE is paged.  A UE that
         * cannot be paged loses the bearer locally; it learns it from the
         * EPS bearer context status of its next TAU (TS 24.301 5.5.3.2.4) */
        if ((rc = defer(ctx, ue, b, err, errlen)) < 0) {
            ctx->stats.bearer_deactivated++;
            bearer_free(ctx, ue, b);
            return 0;
        }
        return b->ebi;
    }
    rc = send_current(ctx, ue, b, true);
    if (rc < 0) {
        b->state = BEARER_ACTIVE;
        return snprintf(err, errlen, "cannot build the request: %s", strerror(-rc)), rc;
    }
    timer_start(ctx, ue, b);
    return b->ebi;
}

/* ------------------------------------------------- the public entries -- */

/* For the PCC rules' binding (esm_bearer_pcc.c): on a given PDN connection,
 * and on a given bearer. */
int esm_bearer_activate_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                           const struct agw_bearer_req *req, bool pcc, char *err, size_t errlen)
{
    int rc = activate(ctx, ue, p, req, 0, err, errlen);
    struct agw_bearer *b = rc > 0 ? esm_bearer_by_ebi(ue, (uint8_t)rc) : NULL;
    if (b) {
        b->pcc = pcc;
        ue_store_mark(ctx, ue);
    }
    return rc;
}

int esm_bearer_modify_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                         const struct agw_bearer_req *req, char *err, size_t errlen)
{
    return modify(ctx, ue, b, req, 0, err, errlen);
}

int esm_bearer_deactivate_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                             char *err, size_t errlen)
{
    return deactivate(ctx, ue, b, 0, err, errlen);
}

int agw_bearer_activate(struct agw_ctx *ctx, const char *imsi, const struct agw_bearer_req *req,
                        char *err, size_t errlen)
{
    struct agw_ue *ue = ue_find_imsi(ctx, imsi);
    if (!ue)
        return snprintf(err, errlen, "no UE %s", imsi), -ENOENT;
    struct agw_pdn *p = pdn_for_apn(ctx, ue, req->apn);
    if (!p)
        return snprintf(err, errlen, "the UE has no active PDN connection on APN \"%s\"",
                        req->apn[0] ? req->apn : "(any)"), -ENOENT;
    return activate(ctx, ue, p, req, 0, err, errlen);
}

int agw_bearer_modify(struct agw_ctx *ctx, const char *imsi, uint8_t ebi,
                      const struct agw_bearer_req *req, char *err, size_t errlen)
{
    struct agw_ue *ue = ue_find_imsi(ctx, imsi);
    struct agw_bearer *b = ue ? esm_bearer_by_ebi(ue, ebi) : NULL;
    if (!b)
        return snprintf(err, errlen, "no dedicated bearer %u of UE %s", ebi, imsi), -ENOENT;
    struct agw_bearer_req r = *req;
    if (!r.n_pf) {
        r.n_pf = b->n_pf;
        memcpy(r.pf, b->pf, sizeof(b->pf));
    }
    if (!r.mbr_ul && !r.mbr_dl && !r.gbr_ul && !r.gbr_dl) {
        r.mbr_ul = b->mbr_ul;
        r.mbr_dl = b->mbr_dl;
        r.gbr_ul = b->gbr_ul;
        r.gbr_dl = b->gbr_dl;
    }
    return modify(ctx, ue, b, &r, 0, err, errlen);
}

int agw_bearer_deactivate(struct agw_ctx *ctx, const char *imsi, uint8_t ebi, char *err,
                          size_t errlen)
{
    struct agw_ue *ue = ue_find_imsi(ctx, imsi);
    struct agw_bearer *b = ue ? esm_bearer_by_ebi(ue, ebi) : NULL;
    if (!b)
        return snprintf(err, errlen, "no dedicated bearer %u of UE %s", ebi, imsi), -ENOENT;
    return deactivate(ctx, ue, b, 0, err, errlen);
}

/* ------------------------------------------------------ from the eNB -- */

bool esm_bearer_enb_tunnel(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi,
                           struct in_addr enb, const struct in6_addr *enb6, uint32_t dl_teid)
{
    struct agw_bearer *b = esm_bearer_by_ebi(ue, ebi);
    if (!b)
        return false;
    b->enb_addr = enb;
    memset(&b->enb6, 0, sizeof(b->enb6));
    if (!enb.s_addr && enb6)
        b->enb6 = *enb6;            /* GTP-U over IPv6 */
    b->dl_teid = dl_teid;
    bearer_program(ctx, ue, b, BP_TUNNEL);
    ue_store_mark(ctx, ue);
    return true;
}

bool esm_bearer_enb_failed(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi)
{
    struct agw_bearer *b = esm_bearer_by_ebi(ue, ebi);
    if (!b)
        return false;
    /* TS 23.401 5.4.1 step 5: the eNB could not set the E-RAB up */
    if (b->state == BEARER_PENDING && !b->deferred) {
        procedure_failed(ctx, ue, b, "the eNB failed to set the E-RAB up");
    } else if (b->state == BEARER_ACTIVE) {
        /* TS 23.401 5.3.4.1 step 5 (Initial Context Setup of a service
         * request): a bearer the eNB did not set up is released by the
         * MME's dedicated bearer deactivation (5.4.4.2) */
        char err[128], bb[20];
        LOG_INFO(ctx, "esm", "ue %s: the eNB did not set up the E-RAB of bearer EBI %u: "
                 "deactivated", ue_imsi_log(ctx, ue, bb), b->ebi);
        deactivate(ctx, ue, b, 0, err, sizeof(err));
    }
    return true;
}

/* The UE is connected (an Initial Context Setup Response, an Attach
 * Complete, a default bearer accepted): the procedures that waited for it
 * are sent now. */
bool esm_bearer_waiting(const struct agw_ue *ue)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++)
        if (ue->ded[k].state != BEARER_FREE && ue->ded[k].deferred)
            return true;
    return esm_dqos_waiting(ue);    /* a default bearer's modification (esm_dqos.c) */
}

void esm_bearer_connected(struct agw_ctx *ctx, struct agw_ue *ue)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        if (b->state == BEARER_FREE || !b->deferred || !ue_ready(ue, pdn_of(ue, b)))
            continue;
        b->deferred = false;
        b->retries = 0;
        ue_store_mark(ctx, ue);
        int rc = send_current(ctx, ue, b, true);
        if (rc < 0) {
            procedure_failed(ctx, ue, b, "cannot send the request");
            continue;
        }
        timer_start(ctx, ue, b);
        char bb[20];
        LOG_INFO(ctx, "esm", "ue %s: bearer EBI %u: the UE is connected, its %s goes",
                 ue_imsi_log(ctx, ue, bb), b->ebi,
                 b->state == BEARER_PENDING     ? "activation"
                 : b->state == BEARER_MODIFYING ? "modification"
                                                : "deactivation");
    }
    esm_dqos_connected(ctx, ue);    /* default bearers' modifications (esm_dqos.c) */
}

/* X2 handover: TS 23.401 5.5.1.1.2 steps 3-5 for a dedicated bearer: the
 * downlink goes to the target's tunnel, then an End Marker on the old path
 * (TS 29.281 7.3.2). */
bool esm_bearer_switch(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi, struct in_addr enb,
                       const struct in6_addr *enb6, uint32_t dl_teid)
{
    struct agw_bearer *b = esm_bearer_by_ebi(ue, ebi);
    if (!b || b->state == BEARER_FREE || b->deferred)
        return false;
    struct in_addr old_addr = b->enb_addr;
    struct in6_addr old6 = b->enb6;
    uint32_t old_teid = b->dl_teid;
    b->enb_addr = enb;
    memset(&b->enb6, 0, sizeof(b->enb6));
    if (!enb.s_addr && enb6)
        b->enb6 = *enb6;            /* a target on IPv6 */
    b->dl_teid = dl_teid;
    if (b->dp_installed && bearer_program(ctx, ue, b, BP_TUNNEL) < 0) {
        b->enb_addr = old_addr;
        b->enb6 = old6;
        b->dl_teid = old_teid;
        bearer_program(ctx, ue, b, BP_TUNNEL);
        return false;
    }
    ue_store_mark(ctx, ue);
    pgw_end_marker(ctx, old_addr, &old6, old_teid, b->enb_addr, &b->enb6, dl_teid);
    return true;
}

void esm_bearer_switch_done(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *switched,
                            unsigned n)
{
    char err[128], bb[20];
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        bool kept = false;
        for (unsigned i = 0; i < n; i++)
            kept |= switched[i] == b->ebi;
        if (b->state == BEARER_FREE || kept || b->deferred)
            continue;
        LOG_INFO(ctx, "esm", "ue %s: E-RAB %u (dedicated) not switched by the target: "
                 "deactivated", ue_imsi_log(ctx, ue, bb), b->ebi);
        /* its old tunnel is gone with the source eNB */
        b->dl_teid = 0;
        b->enb_addr.s_addr = 0;
        memset(&b->enb6, 0, sizeof(b->enb6));
        if (b->dp_installed)
            bearer_program(ctx, ue, b, BP_TUNNEL);
        if (b->state == BEARER_ACTIVE)
            deactivate(ctx, ue, b, 0, err, sizeof(err));
        else
            procedure_failed(ctx, ue, b, "not switched by the handover's target");
    }
}

uint16_t esm_bearer_status(const struct agw_ue *ue)
{
    uint16_t s = 0;
    /* a bearer being activated is not the UE's yet (TS 24.301 6.4.2.3) */
    for (unsigned k = 0; k < AGW_MAX_DED; k++)
        if (ue->ded[k].state != BEARER_FREE && ue->ded[k].state != BEARER_PENDING &&
            ue->ded[k].ebi <= 15)
            s |= (uint16_t)(1u << ue->ded[k].ebi);
    return s;
}

void esm_bearer_sync_status(struct agw_ctx *ctx, struct agw_ue *ue, uint16_t status)
{
    char bb[20];
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        /* 9.9.2.1: bit n is EBI n; a bearer being activated may be unknown
         * to the UE still */
        if (b->state == BEARER_FREE || b->state == BEARER_PENDING || b->ebi > 15 ||
            (status & (1u << b->ebi)))
            continue;
        LOG_INFO(ctx, "esm", "ue %s: dedicated bearer %u inactive in the UE, released",
                 ue_imsi_log(ctx, ue, bb), b->ebi);
        ctx->stats.bearer_deactivated++;
        bearer_free(ctx, ue, b);
    }
}

/* The UE's S1 connection went (ECM-IDLE): the bearers keep their state
 * but lose their downlink tunnels, as the default bearers do. */
void esm_bearer_suspend(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t linked_ebi)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        if (b->state == BEARER_FREE || b->linked_ebi != linked_ebi)
            continue;
        if (b->state == BEARER_PENDING && !b->deferred) {
            procedure_failed(ctx, ue, b, "the UE's S1 connection went");
            continue;
        }
        /* a procedure that waits for the UE goes on waiting (paging) */
        if (b->state != BEARER_ACTIVE && !b->deferred)
            procedure_failed(ctx, ue, b, "the UE's S1 connection went");
        if (b->state == BEARER_FREE)
            continue;
        b->dl_teid = 0;
        b->enb_addr.s_addr = 0;
        memset(&b->enb6, 0, sizeof(b->enb6));
        if (b->dp_installed)
            bearer_program(ctx, ue, b, BP_TUNNEL);
    }
}

/* The default bearer linked_ebi goes: its dedicated bearers with it
 * (TS 24.301 6.4.4.2: deactivating a default bearer deactivates them). */
void esm_bearer_release_linked(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t linked_ebi)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        if (b->state != BEARER_FREE && b->linked_ebi == linked_ebi) {
            b->dp_installed = b->dp_installed && ctx->dp;
            /* no rule update: the default bearer's session goes too */
            ev_timer_stop(ctx->loop, &b->timer);
            if (b->dp_installed)
                dp_session_del(ctx->dp, b->ul_teid);
            if (b->ul_teid)
                pgw_teid_free(ctx, b->ul_teid);
            memset(b, 0, sizeof(*b));
        }
    }
}

void esm_bearer_ue_free(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->ded || ue->ded == no_bearers)
        return;
    for (unsigned k = 0; k < AGW_MAX_DED; k++)
        ev_timer_stop(ctx->loop, &ue->ded[k].timer);
    free(ue->ded);
    ue->ded = (struct agw_bearer *)no_bearers;
}

/* ------------------------------------------------------- from the UE -- */

static void esm_reply(struct agw_ctx *ctx, struct agw_ue *ue, enum nas_msg_id id, uint8_t ebi,
                      uint8_t pti, uint8_t cause)
{
    struct nas_message m;
    nas_message_init(&m, id);
    m.ebi = ebi;
    m.pti = pti;
    switch (id) {
    case NAS_MSG_BR_ALLOC_REJECT:
        m.br_alloc_reject.esm_cause = cause;
        break;
    case NAS_MSG_BR_MODIFY_REJECT:
        m.br_modify_reject.esm_cause = cause;
        break;
    default:
        m.esm_status.esm_cause = cause;
        break;
    }
    ctx->stats.esm_cause_tx[cause]++;
    nas_send(ctx, ue, &m);
}

static bool qci_allowed(const struct agw_apn *apn, uint8_t qci)
{
    for (size_t i = 0; i < apn->n_bearer_qcis; i++)
        if (apn->bearer_qcis[i] == qci)
            return true;
    return false;
}

/* The UE's requested QoS as a request: ESM cause or 0 */
static int qos_req(const struct agw_apn *apn, const struct nas_eps_qos *q,
                   struct agw_bearer_req *r)
{
    if (q->len < 1)
        return 37;
    r->qci = q->qci;
    if (!qci_valid(r->qci))
        return 59;                  /* #59 unsupported QCI value */
    if (!apn->n_bearer_qcis)
        return 32;                  /* #32 service option not supported */
    if (!qci_allowed(apn, r->qci))
        return 37;                  /* #37 EPS QoS not accepted */
    if (agw_qci_is_gbr(r->qci)) {
        r->mbr_ul = nas_eps_qos_kbps(q, NAS_QOS_MBR_UL) * 1000;
        r->mbr_dl = nas_eps_qos_kbps(q, NAS_QOS_MBR_DL) * 1000;
        r->gbr_ul = nas_eps_qos_kbps(q, NAS_QOS_GBR_UL) * 1000;
        r->gbr_dl = nas_eps_qos_kbps(q, NAS_QOS_GBR_DL) * 1000;
        if (!r->gbr_ul || !r->gbr_dl)
            return 37;
    }
    return 0;
}

/* TS 24.301 6.5.3: UE-requested bearer resource allocation.  Local policy:
 * a QCI listed in the APN's bearer_qcis is granted as asked, with the
 * UE's packet filters, as a new dedicated bearer (6.5.3.3: through the
 * dedicated bearer activation, carrying the request's PTI). */
static void handle_alloc(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *in)
{
    const struct nas_br_alloc_request *r = &in->br_alloc_request;
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, r->linked_ebi);
    struct agw_bearer_req req;
    char err[128], bb[20];
    int cause = 0;
    memset(&req, 0, sizeof(req));
    if (!p || p->state != PDN_ACTIVE)
        cause = 43;                 /* #43 invalid EPS bearer identity */
    else if (r->tfa.op != NAS_TFT_OP_CREATE)
        cause = 41;                 /* #41 semantic error in the TFT operation */
    else if (r->tfa.n == 0)
        cause = 42;                 /* #42 syntactical error in the TFT operation */
    else if (r->tfa.n > AGW_TFT_MAX)
        cause = 26;                 /* #26 insufficient resources */
    if (!cause)
        cause = qos_req(&ctx->cfg->apns[p->apn_idx], &r->required_qos, &req);
    for (uint8_t i = 0; !cause && i < r->tfa.n; i++)
        cause = agw_pf_from_nas(&r->tfa.pf[i], &req.pf[req.n_pf++]);
    if (!cause) {
        int rc = activate(ctx, ue, p, &req, in->pti, err, sizeof(err));
        if (rc > 0) {
            LOG_INFO(ctx, "esm", "ue %s: bearer resource allocation (PTI %u) granted as EBI %d",
                     ue_imsi_log(ctx, ue, bb), in->pti, rc);
            return;
        }
        LOG_INFO(ctx, "esm", "ue %s: bearer resource allocation: %s", ue_imsi_log(ctx, ue, bb),
                 err);
        cause = rc == -EBUSY ? 56 : 26;     /* #56 collision, #26 resources */
    }
    ctx->stats.bearer_resource_reject++;
    LOG_INFO(ctx, "esm", "ue %s: bearer resource allocation rejected #%d (%s)",
             ue_imsi_log(ctx, ue, bb), cause, nas_esm_cause_str((uint8_t)cause));
    esm_reply(ctx, ue, NAS_MSG_BR_ALLOC_REJECT, 0, in->pti, (uint8_t)cause);
}

/* TS 24.301 6.5.4: UE-requested bearer resource modification: filters
 * added, replaced or deleted on one of its dedicated bearers (deleting
 * them all releases it, 6.5.4.3), or its GBR changed. */
static void handle_modify_req(struct agw_ctx *ctx, struct agw_ue *ue,
                              const struct nas_message *in)
{
    const struct nas_br_modify_request *r = &in->br_modify_request;
    struct agw_bearer *b = esm_bearer_by_ebi(ue, r->ebi_for_pf);
    struct agw_bearer_req req;
    char err[128], bb[20];
    int cause = 0;
    memset(&req, 0, sizeof(req));
    if (!b) {
        /* a default bearer has no TFT to modify here (#60), anything
         * else is not a bearer of the UE (#43) */
        cause = pgw_pdn_by_ebi(ue, r->ebi_for_pf) ? 60 : 43;
    } else if (b->state != BEARER_ACTIVE) {
        cause = 56;                 /* #56 collision with a network-initiated request */
    } else {
        req.qci = b->qci;
        req.mbr_ul = b->mbr_ul;
        req.mbr_dl = b->mbr_dl;
        req.gbr_ul = b->gbr_ul;
        req.gbr_dl = b->gbr_dl;
        req.n_pf = b->n_pf;
        memcpy(req.pf, b->pf, sizeof(b->pf));
        if (r->has_required_qos) {
            if (r->required_qos.qci != b->qci)
                cause = 37;         /* a QCI change is not a modification */
            else if (agw_qci_is_gbr(b->qci)) {
                req.mbr_ul = nas_eps_qos_kbps(&r->required_qos, NAS_QOS_MBR_UL) * 1000;
                req.mbr_dl = nas_eps_qos_kbps(&r->required_qos, NAS_QOS_MBR_DL) * 1000;
                req.gbr_ul = nas_eps_qos_kbps(&r->required_qos, NAS_QOS_GBR_UL) * 1000;
                req.gbr_dl = nas_eps_qos_kbps(&r->required_qos, NAS_QOS_GBR_DL) * 1000;
            }
        }
        switch (cause ? 0 : r->tfa.op) {
        case 0:
            break;
        case NAS_TFT_OP_NOOP:
            if (!r->has_required_qos)
                cause = 41;
            break;
        case NAS_TFT_OP_DELETE_FILTERS:
            for (uint8_t i = 0; i < r->tfa.n; i++) {
                uint8_t id = r->tfa.pf[i].id & 15;
                bool found = false;
                for (uint8_t j = 0; j < req.n_pf; j++)
                    if (req.pf[j].id == id) {
                        req.pf[j] = req.pf[--req.n_pf];
                        found = true;
                        break;
                    }
                if (!found)
                    cause = 44;     /* #44 semantic errors in packet filter(s) */
            }
            break;
        case NAS_TFT_OP_ADD:
        case NAS_TFT_OP_REPLACE:
            for (uint8_t i = 0; !cause && i < r->tfa.n; i++) {
                struct agw_pf pf;
                cause = agw_pf_from_nas(&r->tfa.pf[i], &pf);
                if (cause)
                    break;
                uint8_t j = 0;
                while (j < req.n_pf && req.pf[j].id != pf.id)
                    j++;
                if (j == req.n_pf) {
                    if (r->tfa.op == NAS_TFT_OP_REPLACE)
                        cause = 44;
                    else if (req.n_pf >= AGW_TFT_MAX)
                        cause = 26;
                    else
                        req.pf[req.n_pf++] = pf;
                } else {
                    req.pf[j] = pf;
                }
            }
            break;
        default:
            cause = 41;             /* create / delete the whole TFT: semantic error */
            break;
        }
    }
    if (!cause && b) {
        int rc = req.n_pf == 0 ? deactivate(ctx, ue, b, in->pti, err, sizeof(err))
                               : modify(ctx, ue, b, &req, in->pti, err, sizeof(err));
        if (rc >= 0)
            return;
        LOG_INFO(ctx, "esm", "ue %s: bearer resource modification: %s", ue_imsi_log(ctx, ue, bb),
                 err);
        cause = rc == -EBUSY ? 56 : rc == -EINVAL ? 37 : 26;
    }
    ctx->stats.bearer_resource_reject++;
    LOG_INFO(ctx, "esm", "ue %s: bearer resource modification rejected #%d (%s)",
             ue_imsi_log(ctx, ue, bb), cause, nas_esm_cause_str((uint8_t)cause));
    esm_reply(ctx, ue, NAS_MSG_BR_MODIFY_REJECT, 0, in->pti, (uint8_t)cause);
}

/* ESM messages of dedicated bearers; false when m is not about one (the
 * caller's handling then applies). */
bool esm_bearer_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m)
{
    char bb[20];
    struct agw_bearer *b;
    switch (m->id) {
    case NAS_MSG_BR_ALLOC_REQUEST:
        handle_alloc(ctx, ue, m);
        return true;
    case NAS_MSG_BR_MODIFY_REQUEST:
        handle_modify_req(ctx, ue, m);
        return true;
    case NAS_MSG_ACT_DEDICATED_ACCEPT:
    case NAS_MSG_ACT_DEDICATED_REJECT:
        b = esm_bearer_by_ebi(ue, m->ebi);
        if (b && b->state == BEARER_ACTIVE && m->id == NAS_MSG_ACT_DEDICATED_ACCEPT)
            return true;            /* the answer to a retransmission */
        if (!b || b->state != BEARER_PENDING) {
            esm_reply(ctx, ue, NAS_MSG_ESM_STATUS, m->ebi, m->pti, 43);
            return true;
        }
        ev_timer_stop(ctx->loop, &b->timer);
        if (m->id == NAS_MSG_ACT_DEDICATED_REJECT) {
            LOG_INFO(ctx, "esm", "ue %s: dedicated bearer EBI %u rejected #%u",
                     ue_imsi_log(ctx, ue, bb), b->ebi, m->act_dedicated_reject.esm_cause);
            procedure_failed(ctx, ue, b, "rejected by the UE");
            return true;
        }
        /* TS 24.301 6.4.2.3 */
        b->state = BEARER_ACTIVE;
        b->pti = 0;
        b->retries = 0;
        ctx->stats.bearer_activated++;
        ue_store_mark(ctx, ue);
        LOG_INFO(ctx, "esm", "ue %s: dedicated bearer EBI %u active", ue_imsi_log(ctx, ue, bb),
                 b->ebi);
        return true;
    case NAS_MSG_MODIFY_ACCEPT:
    case NAS_MSG_MODIFY_REJECT:
        b = esm_bearer_by_ebi(ue, m->ebi);
        if (!b)
            return false;
        if (b->state != BEARER_MODIFYING) {
            esm_reply(ctx, ue, NAS_MSG_ESM_STATUS, m->ebi, m->pti, 43);
            return true;
        }
        ev_timer_stop(ctx->loop, &b->timer);
        if (m->id == NAS_MSG_MODIFY_REJECT) {
            procedure_failed(ctx, ue, b, "modification rejected by the UE");
            return true;
        }
        /* TS 24.301 6.4.3.3: the new QoS and TFT apply */
        b->mbr_ul = b->new_mbr_ul;
        b->mbr_dl = b->new_mbr_dl;
        b->gbr_ul = b->new_gbr_ul;
        b->gbr_dl = b->new_gbr_dl;
        b->n_pf = b->new_n_pf;
        memcpy(b->pf, b->new_pf, sizeof(b->pf));
        b->state = BEARER_ACTIVE;
        b->pti = 0;
        b->retries = 0;
        ctx->stats.bearer_modified++;
        bearer_program(ctx, ue, b, BP_QOS | BP_RULES);
        ue_store_mark(ctx, ue);
        LOG_INFO(ctx, "esm", "ue %s: dedicated bearer EBI %u modified", ue_imsi_log(ctx, ue, bb),
                 b->ebi);
        return true;
    case NAS_MSG_DEACT_ACCEPT:
        b = esm_bearer_by_ebi(ue, m->ebi);
        if (!b)
            return false;
        if (b->state == BEARER_RELEASING) {
            /* TS 24.301 6.4.4.3 */
            ctx->stats.bearer_deactivated++;
            LOG_INFO(ctx, "esm", "ue %s: dedicated bearer EBI %u deactivated",
                     ue_imsi_log(ctx, ue, bb), b->ebi);
            bearer_free(ctx, ue, b);
        }
        return true;
    default:
        return false;
    }
}

/* -------------------------------------------------------------- store -- */

static void pfs_text(const struct agw_pf *pf, uint8_t n, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = 0;
    for (uint8_t i = 0; i < n && off < cap; i++) {
        const struct agw_pf *f = &pf[i];
        char r[INET_ADDRSTRLEN], l[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &f->raddr, r, sizeof(r));
        inet_ntop(AF_INET, &f->laddr, l, sizeof(l));
        int k = snprintf(out + off, cap - off, "%s%u,%u,%u,%u,%s/%u,%s/%u,%u-%u,%u-%u,%u/%u",
                         i ? ";" : "", f->id, f->dir, f->prec, f->proto, r, f->rplen, l,
                         f->lplen, f->rport_lo, f->rport_hi, f->lport_lo, f->lport_hi, f->tos,
                         f->tos_mask);
        if (k < 0)
            break;
        off += (size_t)k;
    }
}

static uint8_t pfs_parse(const char *text, struct agw_pf *pf)
{
    uint8_t n = 0;
    char buf[2048], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", text ? text : "");
    for (char *t = strtok_r(buf, ";", &save); t && n < AGW_TFT_MAX;
         t = strtok_r(NULL, ";", &save)) {
        unsigned id, dir, prec, proto, rpl, lpl, rlo, rhi, llo, lhi, tos, tm;
        char r[20], l[20];
        struct agw_pf *f = &pf[n];
        if (sscanf(t, "%u,%u,%u,%u,%19[0-9.]/%u,%19[0-9.]/%u,%u-%u,%u-%u,%u/%u", &id, &dir,
                   &prec, &proto, r, &rpl, l, &lpl, &rlo, &rhi, &llo, &lhi, &tos, &tm) != 14)
            continue;
        memset(f, 0, sizeof(*f));
        f->id = (uint8_t)id;
        f->dir = (uint8_t)dir;
        f->prec = (uint8_t)prec;
        f->proto = (uint8_t)proto;
        inet_pton(AF_INET, r, &f->raddr);
        inet_pton(AF_INET, l, &f->laddr);
        f->rplen = (uint8_t)rpl;
        f->lplen = (uint8_t)lpl;
        f->rport_lo = (uint16_t)rlo;
        f->rport_hi = (uint16_t)rhi;
        f->lport_lo = (uint16_t)llo;
        f->lport_hi = (uint16_t)lhi;
        f->tos = (uint8_t)tos;
        f->tos_mask = (uint8_t)tm;
        n++;
    }
    return n;
}

/* Called by ue_store.c's write_ue() inside the group commit: the UE's
 * dedicated bearers replace its rows.  A UE that never had one costs
 * nothing (ue->ded_rows). */
int esm_bearer_store(struct agw_ctx *ctx, struct agw_ue *ue)
{
    bool any = false;
    for (unsigned k = 0; k < AGW_MAX_DED; k++)
        any |= ue->ded[k].state != BEARER_FREE;
    if (!any && !ue->ded_rows)
        return 0;
    sqlite3 *db = ctx->db->db;
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = -EIO;
    if (sqlite3_prepare_v2(db, "DELETE FROM dedicated_bearer WHERE imsi = ?1", -1, &del,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO dedicated_bearer (imsi, ebi, linked_ebi, state, qci, "
                           "arp_prio, arp_cap, arp_vul, mbr_ul, mbr_dl, gbr_ul, gbr_dl, ul_teid, "
                           "dl_teid, enb_ipv4, tft, deferred, pcc) VALUES (?1,?2,?3,?4,?5,?6,?7,"
                           "?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
                           -1, &ins, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(del, 1, ue->imsi, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE)
        goto out;
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        char enb[INET6_ADDRSTRLEN], tft[2048];
        if (b->state == BEARER_FREE)
            continue;
        pgw_enb_str(b->enb_addr, &b->enb6, enb, sizeof(enb));
        pfs_text(b->pf, b->n_pf, tft, sizeof(tft));
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, ue->imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 2, b->ebi);
        sqlite3_bind_int(ins, 3, b->linked_ebi);
        sqlite3_bind_int(ins, 4, b->state);
        sqlite3_bind_int(ins, 5, b->qci);
        sqlite3_bind_int(ins, 6, b->arp_prio);
        sqlite3_bind_int(ins, 7, b->arp_cap);
        sqlite3_bind_int(ins, 8, b->arp_vul);
        sqlite3_bind_int64(ins, 9, (sqlite3_int64)b->mbr_ul);
        sqlite3_bind_int64(ins, 10, (sqlite3_int64)b->mbr_dl);
        sqlite3_bind_int64(ins, 11, (sqlite3_int64)b->gbr_ul);
        sqlite3_bind_int64(ins, 12, (sqlite3_int64)b->gbr_dl);
        sqlite3_bind_int64(ins, 13, b->ul_teid);
        sqlite3_bind_int64(ins, 14, b->dl_teid);
        sqlite3_bind_text(ins, 15, enb, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 16, tft, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 17, b->deferred);
        sqlite3_bind_int(ins, 18, b->pcc);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto out;
    }
    ue->ded_rows = any;
    rc = 0;
out:
    if (rc)
        LOG_ERR(ctx, "store", "dedicated bearers: %s", sqlite3_errmsg(db));
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return rc;
}

/* Called by ue_store_load() after the UE's PDN connections: its bearers
 * come back (a procedure that was running counts as done: the UE has the
 * bearer or will say so), their TEIDs are taken, their datapath sessions
 * adopted or installed again, and the default bearers' rules rewritten.
 * *cache holds the query across the UEs of one load (compiling it for
 * each of 100k UEs was most of a restart's CPU); the caller finalizes it. */
int esm_bearer_load(struct agw_ctx *ctx, struct agw_ue *ue, sqlite3_stmt **cache)
{
    sqlite3_stmt *st = *cache;
    int n = 0;
    if (!st && sqlite3_prepare_v2(ctx->db->db,
                                  "SELECT ebi, linked_ebi, state, qci, arp_prio, arp_cap, "
                                  "arp_vul, mbr_ul, mbr_dl, gbr_ul, gbr_dl, ul_teid, dl_teid, "
                                  "enb_ipv4, tft, deferred, pcc FROM dedicated_bearer "
                                  "WHERE imsi = ?1 ORDER BY ebi",
                                  -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    *cache = st;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, ue->imsi, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && n < AGW_MAX_DED) {
        if (esm_bearer_ue_slots(ue) < 0)
            break;
        struct agw_bearer *b = &ue->ded[n];
        memset(b, 0, sizeof(*b));
        b->ebi = (uint8_t)sqlite3_column_int(st, 0);
        b->linked_ebi = (uint8_t)sqlite3_column_int(st, 1);
        b->state = (enum agw_bearer_state)sqlite3_column_int(st, 2);
        b->qci = (uint8_t)sqlite3_column_int(st, 3);
        b->arp_prio = (uint8_t)sqlite3_column_int(st, 4);
        b->arp_cap = sqlite3_column_int(st, 5);
        b->arp_vul = sqlite3_column_int(st, 6);
        b->mbr_ul = (uint64_t)sqlite3_column_int64(st, 7);
        b->mbr_dl = (uint64_t)sqlite3_column_int64(st, 8);
        b->gbr_ul = (uint64_t)sqlite3_column_int64(st, 9);
        b->gbr_dl = (uint64_t)sqlite3_column_int64(st, 10);
        b->ul_teid = (uint32_t)sqlite3_column_int64(st, 11);
        b->dl_teid = (uint32_t)sqlite3_column_int64(st, 12);
        pgw_enb_parse((const char *)sqlite3_column_text(st, 13), &b->enb_addr, &b->enb6);
        b->n_pf = pfs_parse((const char *)sqlite3_column_text(st, 14), b->pf);
        b->ue_id = ue->id;
        ue->ded_rows = true;
        struct agw_pdn *p = pdn_of(ue, b);
        if (!p || pgw_teid_adopt(ctx, b->ul_teid) < 0) {
            LOG_WARN(ctx, "store", "stored dedicated bearer %u (TEID 0x%08x) without its PDN "
                     "connection or colliding: dropped", b->ebi, b->ul_teid);
            memset(b, 0, sizeof(*b));
            ue_store_mark(ctx, ue);
            continue;
        }
        bool deferred = sqlite3_column_int(st, 15) != 0;
        b->pcc = sqlite3_column_int(st, 16) != 0;
        struct dp_session_info info;
        if (ctx->dp && dp_session_get(ctx->dp, b->ul_teid, &info) == 0 && info.spec.bearer)
            b->dp_installed = true;
        if (deferred && b->state != BEARER_MODIFYING) {
            /* a procedure that waited for the UE (paging) is not taken up
             * again: an activation the UE never heard of is undone, a
             * deactivation done locally (the UE learns it from the EPS
             * bearer context status of its next TAU) */
            LOG_INFO(ctx, "store", "dedicated bearer %u: its %s waited for the UE; dropped",
                     b->ebi, b->state == BEARER_PENDING ? "activation" : "deactivation");
            bearer_free(ctx, ue, b);
            continue;
        }
        /* a modification that waited is dropped: the bearer stays as it was */
        if (b->state != BEARER_FREE)
            b->state = BEARER_ACTIVE;
        n++;
    }
    sqlite3_reset(st);
    /* the bearers' sessions, then the default bearers' rules naming them */
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *b = &ue->ded[k];
        if (b->state != BEARER_FREE)
            bearer_program(ctx, ue, b, BP_RULES);
    }
    return n;
}
