/* PCC rules with a QoS of their own on dedicated bearers: the PCEF's bearer
 * binding (TS 29.212 4.5.2, TS 23.203 6.1.1.4).  A Charging-Rule-Definition
 * whose QCI or ARP is not the default bearer's goes onto the dedicated
 * bearer of that QCI and ARP of its PDN connection: one bearer per
 * (QCI, ARP), created by the network-initiated activation (TS 23.401
 * 5.4.1) when the first such rule comes, its TFT made of the rules'
 * Flow-Descriptions, its GBR/MBR the sum of the rules' (5.4.2 when they
 * change), and deactivated (5.4.4.1) when its last rule is removed.  The
 * rules bound so are not rules of the default bearer's datapath session:
 * their flows reach the bearer through its TFT's downlink filters
 * (esm_bearer_dp_rules).  Rules without QoS, with the default bearer's,
 * or disabled (Flow-Status) stay datapath rules of the default bearer
 * (gx_policy.c).  The bearers are marked (agw_bearer.pcc) so that those of
 * xepcctl are never touched. */
#include <stdio.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"
#include "dp/dp.h"

#define PCC_AFTER_TFT 16388         /* PCC rules' precedences after the TFT filters' */

/* The rule's ARP priority level (the default bearer's when it has none) */
static uint8_t rule_arp(const struct agw_pdn *p, const struct diam_rule_def *d)
{
    if (d->qos.has_arp && d->qos.arp.priority >= 1 && d->qos.arp.priority <= 15)
        return (uint8_t)d->qos.arp.priority;
    return p->arp_prio;
}

/* TS 23.203 6.1.1.4: whether the rule is bound to a dedicated bearer */
static bool own_bearer(const struct agw_pdn *p, const struct diam_rule_def *d)
{
    if (!d->qos.present || !d->qos.qci || d->qos.qci > 255 || !d->n_flows)
        return false;
    if (d->has_flow_status && d->flow_status == 3)
        return false;               /* DISABLED: a drop rule on the default bearer */
    if (agw_qci_is_gbr((uint8_t)d->qos.qci) && !d->qos.gbr_ul && !d->qos.gbr_dl &&
        !d->qos.mbr_ul && !d->qos.mbr_dl)
        return false;               /* a GBR QCI without any bit rate: nothing to bind */
    return d->qos.qci != p->qci || rule_arp(p, d) != p->arp_prio;
}

int esm_pcc_rules(const struct agw_pdn *p, const struct diam_rule_def *defs, unsigned n,
                  struct dp_session_spec *s, const char **bad)
{
    struct diam_rule_def keep[DIAM_MAX_RULES];
    unsigned idx[DIAM_MAX_RULES], nk = 0;
    for (unsigned i = 0; i < n && nk < DIAM_MAX_RULES; i++)
        if (!own_bearer(p, &defs[i])) {
            keep[nk] = defs[i];
            idx[nk++] = i;
        }
    unsigned base = s->n_rules;
    const char *b = NULL;
    *bad = NULL;
    if (!nk)
        return 0;
    /* the last dp rule is kept for Gy's rating group (gy_policy_add) */
    if (base >= DP_MAX_RULES - 1)
        return -E2BIG;
    int k = gx_rules_to_dp(keep, nk, s->rules + base, DP_MAX_RULES - 1 - base, &b);
    if (k < 0) {
        for (unsigned j = 0; j < nk; j++)
            if (b == keep[j].name)
                *bad = defs[idx[j]].name;
        return k;
    }
    /* after the TFT filters (4..16387): a flow a dedicated bearer's TFT
     * names goes into that bearer before any rule of the default bearer */
    for (int j = 0; base && j < k; j++) {
        uint32_t pr = s->rules[base + j].precedence;
        s->rules[base + j].precedence =
            (uint16_t)(PCC_AFTER_TFT + (pr > 65534 - PCC_AFTER_TFT ? 65534 - PCC_AFTER_TFT : pr));
    }
    s->n_rules = base + (unsigned)k;
    return k;
}

/* ------------------------------------------------------------ binding -- */

struct pcc_group {
    uint8_t qci, arp;
    bool arp_cap, arp_vul;
    struct agw_bearer_req req;
    bool seen;                      /* an existing bearer serves it */
};

/* A Flow-Description (TS 29.212 5.4.2: "permit out", the source the
 * network side unless Flow-Direction is UPLINK) with its Flow-Direction as
 * a TFT packet filter: "assigned" (the UE's address) is any address of the
 * UE's side. */
static int flow_pf(const struct diam_flow *f, struct agw_pf *pf)
{
    char text[DIAM_FLOW_MAX + 16], tokbuf[DIAM_FLOW_MAX], *save = NULL;
    size_t off = 0;
    snprintf(tokbuf, sizeof(tokbuf), "%s", f->description);
    for (char *t = strtok_r(tokbuf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        const char *w = t;
        if (!strcmp(t, "assigned"))
            w = "any";
        else if (!strcmp(t, "out") && f->direction == 2)
            w = "in";               /* uplink: the source is the UE */
        int k = snprintf(text + off, sizeof(text) - off, "%s%s", off ? " " : "", w);
        if (k < 0 || (size_t)k >= sizeof(text) - off)
            return -EINVAL;
        off += (size_t)k;
    }
    char err[96];
    if (agw_pf_parse(text, pf, err, sizeof(err)) < 0)
        return -EINVAL;
    /* 5.3.65 Flow-Direction: 1 DOWNLINK, 2 UPLINK, 3 BIDIRECTIONAL */
    pf->dir = f->direction == 1 ? NAS_PF_DIR_DL : f->direction == 2 ? NAS_PF_DIR_UL
                                                                   : NAS_PF_DIR_BOTH;
    return 0;
}

static bool pf_same(const struct agw_pf *a, const struct agw_pf *b)
{
    return a->dir == b->dir && a->proto == b->proto && a->raddr.s_addr == b->raddr.s_addr &&
           a->rplen == b->rplen && a->laddr.s_addr == b->laddr.s_addr && a->lplen == b->lplen &&
           a->rport_lo == b->rport_lo && a->rport_hi == b->rport_hi &&
           a->lport_lo == b->lport_lo && a->lport_hi == b->lport_hi && a->tos == b->tos &&
           a->tos_mask == b->tos_mask;
}

/* whether bearer b already is what the group asks for */
static bool bearer_matches(const struct agw_bearer *b, const struct agw_bearer_req *r)
{
    uint64_t mbr_ul = r->mbr_ul ? r->mbr_ul : r->gbr_ul, mbr_dl = r->mbr_dl ? r->mbr_dl : r->gbr_dl;
    if (b->n_pf != r->n_pf || b->gbr_ul != r->gbr_ul || b->gbr_dl != r->gbr_dl ||
        b->mbr_ul != mbr_ul || b->mbr_dl != mbr_dl)
        return false;
    for (uint8_t i = 0; i < r->n_pf; i++) {
        bool found = false;
        for (uint8_t j = 0; j < b->n_pf && !found; j++)
            found = pf_same(&r->pf[i], &b->pf[j]);
        if (!found)
            return false;
    }
    return true;
}

void esm_pcc_bind(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                  const struct diam_rule_def *defs, unsigned n)
{
    struct pcc_group g[AGW_MAX_DED];
    unsigned ng = 0;
    char err[160], b[20];
    memset(g, 0, sizeof(g));
    for (unsigned i = 0; i < n; i++) {
        const struct diam_rule_def *d = &defs[i];
        if (!own_bearer(p, d))
            continue;
        uint8_t qci = (uint8_t)d->qos.qci, arp = rule_arp(p, d);
        struct pcc_group *x = NULL;
        for (unsigned k = 0; k < ng && !x; k++)
            if (g[k].qci == qci && g[k].arp == arp)
                x = &g[k];
        if (!x) {
            if (ng == AGW_MAX_DED) {
                LOG_WARN(ctx, "gx", "ue %s: rule %s: more than %d bearers of own QoS; not bound",
                         ue_imsi_log(ctx, ue, b), d->name, AGW_MAX_DED);
                continue;
            }
            x = &g[ng++];
            x->qci = qci;
            x->arp = arp;
            x->req.qci = qci;
            x->req.arp_prio = arp;
            /* 5.3.32: 0 ENABLED; without an ARP the default bearer's */
            x->req.arp_cap = d->qos.has_arp ? d->qos.arp.pre_emption_capability == 0 : p->arp_cap;
            x->req.arp_vul = d->qos.has_arp ? d->qos.arp.pre_emption_vulnerability == 0
                                            : p->arp_vul;
        }
        struct agw_bearer_req *r = &x->req;
        if (agw_qci_is_gbr(qci)) {
            /* the bearer's bit rates are the sum of its rules' (TS 29.212
             * 4.5.2: a GBR without a GBR of its own takes its MBR) */
            r->gbr_ul += d->qos.gbr_ul ? d->qos.gbr_ul : d->qos.mbr_ul;
            r->gbr_dl += d->qos.gbr_dl ? d->qos.gbr_dl : d->qos.mbr_dl;
            r->mbr_ul += d->qos.mbr_ul ? d->qos.mbr_ul : d->qos.gbr_ul;
            r->mbr_dl += d->qos.mbr_dl ? d->qos.mbr_dl : d->qos.gbr_dl;
        }
        for (unsigned f = 0; f < d->n_flows; f++) {
            if (r->n_pf >= AGW_TFT_MAX) {
                LOG_WARN(ctx, "gx", "ue %s: rule %s: more than %d flows on one bearer; the rest "
                         "not in its TFT", ue_imsi_log(ctx, ue, b), d->name, AGW_TFT_MAX);
                break;
            }
            struct agw_pf *pf = &r->pf[r->n_pf];
            if (flow_pf(&d->flows[f], pf) < 0) {
                LOG_WARN(ctx, "gx", "ue %s: rule %s: flow '%s' not usable as a packet filter",
                         ue_imsi_log(ctx, ue, b), d->name, d->flows[f].description);
                continue;
            }
            /* TS 24.008 10.5.6.12: the rule's precedence (255 at most) */
            pf->prec = (uint8_t)(d->precedence && d->precedence < 255 ? d->precedence : 255);
            r->n_pf++;
        }
    }

    /* the bearers bound before: kept as they are, modified, or gone */
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        struct agw_bearer *bb = &ue->ded[k];
        if (bb->state == BEARER_FREE || !bb->pcc || bb->linked_ebi != p->ebi)
            continue;
        struct pcc_group *x = NULL;
        for (unsigned j = 0; j < ng && !x; j++)
            if (!g[j].seen && g[j].qci == bb->qci && g[j].arp == bb->arp_prio)
                x = &g[j];
        int rc = 0;
        if (!x || !x->req.n_pf) {
            /* TS 23.401 5.4.4.1: its last rule is removed */
            if (x)
                x->seen = true;
            if (bb->state == BEARER_ACTIVE) {
                LOG_INFO(ctx, "gx", "ue %s: no PCC rule left on bearer EBI %u: deactivated",
                         ue_imsi_log(ctx, ue, b), bb->ebi);
                rc = esm_bearer_deactivate_on(ctx, ue, bb, err, sizeof(err));
            }
        } else {
            x->seen = true;
            if (bb->state == BEARER_ACTIVE && !bearer_matches(bb, &x->req)) {
                LOG_INFO(ctx, "gx", "ue %s: PCC rules of bearer EBI %u changed: modified",
                         ue_imsi_log(ctx, ue, b), bb->ebi);
                rc = esm_bearer_modify_on(ctx, ue, bb, &x->req, err, sizeof(err));
            }
        }
        if (rc < 0)
            LOG_WARN(ctx, "gx", "ue %s: bearer EBI %u: %s", ue_imsi_log(ctx, ue, b), bb->ebi, err);
    }
    /* new (QCI, ARP): a new bearer */
    for (unsigned j = 0; j < ng; j++) {
        if (g[j].seen || !g[j].req.n_pf)
            continue;
        int rc = esm_bearer_activate_on(ctx, ue, p, &g[j].req, true, err, sizeof(err));
        if (rc < 0)
            LOG_WARN(ctx, "gx", "ue %s: PCC rules of QCI %u ARP %u: no dedicated bearer: %s",
                     ue_imsi_log(ctx, ue, b), g[j].qci, g[j].arp, err);
        else
            LOG_INFO(ctx, "gx", "ue %s: PCC rules of QCI %u ARP %u bound to dedicated bearer EBI "
                     "%d", ue_imsi_log(ctx, ue, b), g[j].qci, g[j].arp, rc);
    }
}

/* TS 29.212 4.5.12: where the rule is, for its Charging-Rule-Report
 * (gx_event.c): the dedicated bearer of its QCI and ARP, which
 * esm_pcc_bind() activated, is being set up, is active, or is not there
 * (its activation was refused or the UE rejected it). */
int esm_pcc_rule_bearer(const struct agw_ue *ue, const struct agw_pdn *p,
                        const struct diam_rule_def *d)
{
    if (!own_bearer(p, d))
        return ESM_PCC_DEFAULT;
    uint8_t qci = (uint8_t)d->qos.qci, arp = rule_arp(p, d);
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        if (b->state == BEARER_FREE || !b->pcc || b->linked_ebi != p->ebi || b->qci != qci ||
            b->arp_prio != arp)
            continue;
        return b->state == BEARER_PENDING ? ESM_PCC_PENDING : ESM_PCC_ACTIVE;
    }
    return ESM_PCC_NONE;
}

/* The downlink filters of the dedicated bearers (DP_ACTION_BEARER rules,
 * esm_bearer_dp_rules) are charged like the rest of the PDN connection's
 * traffic (TS 29.212 4.5.2: a PCC rule's Rating-Group applies whatever
 * bearer carries its flows; TS 32.251 5.2: online charging per rating
 * group): to the Rating-Group of the PCC rules bound to the bearer (the
 * first that has one), or else to rg (Gy's rating group, 0 = none).
 * Without this the kernel counted those packets on no rating group, so
 * they escaped Gy's quota. */
void esm_pcc_bearer_charging(const struct agw_ue *ue, const struct agw_pdn *p,
                             const struct diam_rule_def *defs, unsigned n, uint32_t rg,
                             struct dp_session_spec *s)
{
    for (uint32_t i = 0; i < s->n_rules; i++) {
        struct dp_rule_spec *r = &s->rules[i];
        if (r->action != DP_ACTION_BEARER || r->rating_group)
            continue;
        const struct agw_bearer *b = NULL;
        for (unsigned k = 0; k < AGW_MAX_DED && !b; k++)
            if (ue->ded[k].state != BEARER_FREE && ue->ded[k].ul_teid == r->bearer_teid)
                b = &ue->ded[k];
        uint32_t want = rg;
        for (unsigned j = 0; b && b->pcc && j < n; j++) {
            const struct diam_rule_def *d = &defs[j];
            if (own_bearer(p, d) && d->has_rating_group && d->qos.qci == b->qci &&
                rule_arp(p, d) == b->arp_prio) {
                want = d->rating_group;
                break;
            }
        }
        r->rating_group = want;
    }
}
