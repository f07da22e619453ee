/* Gx event triggers (TS 29.212 4.5.3, 5.3.7): the PCRF arms them with the
 * Event-Trigger AVPs of a CCA or an RAR (a new list replaces the old one,
 * NO_EVENT_TRIGGERS disarms all), and the gateway reports each armed event
 * it detects in a CCR-U with that Event-Trigger and the changed values:
 *
 *   USER_LOCATION_CHANGE (13)  the UE's TAI or ECGI changed (handover, TAU,
 *   TAI_CHANGE (26)            a service request from another cell): the new
 *   ECGI_CHANGE (27)           3GPP-User-Location-Info (TS 29.061 16.4.7.2)
 *   QOS_CHANGE (1)             the subscribed APN-AMBR changed (an S6a IDR):
 *                              QoS-Information with APN-AMBR-UL/DL (4.5.5.7)
 *   DEFAULT_EPS_BEARER_QOS_CHANGE (20)  the default bearer's QCI/ARP changed:
 *                              Default-EPS-Bearer-QoS (4.5.5.0a)
 *   SUCCESSFUL_RESOURCE_ALLOCATION (22) a PCC rule bound to a dedicated bearer
 *                              is active (the UE accepted the bearer):
 *                              Charging-Rule-Report PCC-Rule-Status ACTIVE
 *
 * A rule whose dedicated bearer could not be set up (the activation refused
 * or rejected) is reported without any trigger being armed (4.5.12): a
 * Charging-Rule-Report with PCC-Rule-Status INACTIVE and Rule-Failure-Code
 * RESOURCE_ALLOCATION_FAILURE.
 *
 * The values last reported (or sent in the CCR-I) are kept per session,
 * with the session in SQLite (0017: written in the loop iteration that
 * changes them, with the CCR-U that reports them), and compared with the
 * UE's once a second (gx_path.c's timer, with the usage
 * monitors), so a change is reported within a second; one that goes and
 * comes back within that second is not seen.  RAT and UE time zone changes
 * cannot occur here (E-UTRAN only; the MME keeps no UE time zone). */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

static bool armed(const struct gx_events *e, uint32_t t)
{
    return t < 64 && (e->armed >> t & 1);
}

/* 5.3.7: the Event-Triggers of a CCA or RAR replace those armed before;
 * none in the message leaves them as they are. */
void gx_events_arm(struct gx_events *e, const uint32_t *t, unsigned n)
{
    if (!n)
        return;
    e->armed = 0;
    for (unsigned i = 0; i < n; i++) {
        if (t[i] == DIAM_ET_NO_EVENT_TRIGGERS) {
            e->armed = 0;
            return;
        }
        if (t[i] < 64)
            e->armed |= (uint64_t)1 << t[i];
    }
}

/* What the CCR-I told the PCRF. */
void gx_events_init(struct gx_events *e, const struct agw_ue *ue, const struct agw_pdn *p)
{
    memset(e, 0, sizeof(*e));
    gx_user_location(ue, e->uli);
    e->qci = p->qci;
    e->arp = p->arp_prio;
    e->ambr_ul = p->ambr_ul_bps;
    e->ambr_dl = p->ambr_dl_bps;
    e->rsub_qci = p->qci;
    e->rsub_arp = p->arp_prio;
    e->rsub_ambr_ul = p->ambr_ul_bps;
    e->rsub_ambr_dl = p->ambr_dl_bps;
}

static struct gx_rule_state *rule_state(struct gx_events *e, const char *name, bool add)
{
    for (unsigned i = 0; i < e->n_rules; i++)
        if (!strcmp(e->rules[i].name, name))
            return &e->rules[i];
    if (!add || e->n_rules >= DIAM_MAX_RULES)
        return NULL;
    struct gx_rule_state *r = &e->rules[e->n_rules++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    return r;
}

/* The rules of s as they stand: new ones start PENDING, removed ones are
 * forgotten. */
static void rules_sync(struct gx_events *e, const struct diam_rule_def *defs, unsigned n)
{
    unsigned k = 0;
    for (unsigned i = 0; i < e->n_rules; i++) {
        bool keep = false;
        for (unsigned j = 0; j < n && !keep; j++)
            keep = !strcmp(defs[j].name, e->rules[i].name);
        if (keep)
            e->rules[k++] = e->rules[i];
    }
    e->n_rules = k;
    for (unsigned j = 0; j < n; j++)
        rule_state(e, defs[j].name, true);
}

/* Fills the CCR-U with the events due (ccr == NULL: only says whether
 * any is); the reported values become the new reference.  Returns how
 * many triggers and rule reports. */
unsigned gx_events_report(struct agw_ctx *ctx, struct gx_sess *s, const struct agw_ue *ue,
                          const struct agw_pdn *p, struct diam_gx_ccr *ccr)
{
    struct gx_events *e = gx_sess_events(s);
    unsigned n_defs;
    const struct diam_rule_def *defs = gx_sess_defs(s, &n_defs);
    uint32_t t[DIAM_MAX_TRIGGERS];
    unsigned nt = 0, nr = 0;
    uint8_t uli[13];
    if (e->fresh) {
        /* restored from a row written before 0017: what the PCRF was told
         * is not known; the UE as it is now is the reference */
        struct gx_events keep = *e;
        gx_events_init(e, ue, p);
        e->armed = keep.armed;
        /* what came since the restart is still to report */
        e->fail_qos = keep.fail_qos;
        e->fail_ambr = keep.fail_ambr;
        e->sub = keep.sub;
        e->sub_qci = keep.sub_qci;
        e->sub_arp = keep.sub_arp;
        e->sub_ambr_ul = keep.sub_ambr_ul;
        e->sub_ambr_dl = keep.sub_ambr_dl;
        e->n_unknown = keep.n_unknown;
        memcpy(e->unknown, keep.unknown, sizeof(e->unknown));
    }
    gx_user_location(ue, uli);
    /* restored: the UE's cell is not known until it is heard from an eNB
     * (its location then differs from the restored one) */
    if (e->uli_wait && memcmp(uli, e->uli_restored, sizeof(uli)))
        e->uli_wait = false;
    /* TS 29.061 16.4.7.2 type 130: TAI (octets 1..5) then ECGI (6..12) */
    bool tai = !e->uli_wait && memcmp(uli + 1, e->uli + 1, 5) != 0;
    bool ecgi = !e->uli_wait && memcmp(uli + 6, e->uli + 6, 7) != 0;
    bool loc = false;
    if ((tai || ecgi) && armed(e, DIAM_ET_USER_LOCATION_CHANGE)) {
        t[nt++] = DIAM_ET_USER_LOCATION_CHANGE;
        loc = true;
    }
    if (tai && armed(e, DIAM_ET_TAI_CHANGE)) {
        t[nt++] = DIAM_ET_TAI_CHANGE;
        loc = true;
    }
    if (ecgi && armed(e, DIAM_ET_ECGI_CHANGE)) {
        t[nt++] = DIAM_ET_ECGI_CHANGE;
        loc = true;
    }
    bool qos = false;
    /* the values to compare and report: the subscribed ones the HSS sent,
     * against those last reported (the PCRF decides, TS 23.401 5.3.9.2),
     * else those in force against the reference.  A MODIFICATION_FAILURE
     * to report carries the values in force (4.5.5.0a, 4.5.5.7), so a
     * subscribed change waits for the next CCR-U (one Default-EPS-Bearer-
     * QoS per message) */
    bool fail = e->fail_qos || e->fail_ambr;
    bool sub = e->sub && !fail;
    uint8_t qci = sub ? e->sub_qci : p->qci, arp = sub ? e->sub_arp : p->arp_prio;
    uint64_t aul = sub ? e->sub_ambr_ul : p->ambr_ul_bps;
    uint64_t adl = sub ? e->sub_ambr_dl : p->ambr_dl_bps;
    bool ambr_new = sub ? aul != e->rsub_ambr_ul || adl != e->rsub_ambr_dl
                        : aul != e->ambr_ul || adl != e->ambr_dl;
    bool qos_new = sub ? qci != e->rsub_qci || arp != e->rsub_arp
                       : qci != e->qci || arp != e->arp;
    if (ambr_new && armed(e, DIAM_ET_QOS_CHANGE)) {
        t[nt++] = DIAM_ET_QOS_CHANGE;
        qos = true;
    }
    if (qos_new && armed(e, DIAM_ET_DEFAULT_EPS_BEARER_QOS_CHANGE)) {
        t[nt++] = DIAM_ET_DEFAULT_EPS_BEARER_QOS_CHANGE;
        qos = true;
    }
    /* 4.5.5.0a, 4.5.5.7: a modification the PCRF authorised could not be
     * done (the UE or the eNB refused it): reported with the values in
     * force, whether armed or not (5.3.7) */
    if (e->fail_ambr)
        t[nt++] = DIAM_ET_APN_AMBR_MODIFICATION_FAILURE;
    if (e->fail_qos)
        t[nt++] = DIAM_ET_DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE;
    if (fail) {
        qci = p->qci;
        arp = p->arp_prio;
        aul = p->ambr_ul_bps;
        adl = p->ambr_dl_bps;
        qos = true;
    }
    /* 4.5.12: the rules bound to dedicated bearers (esm_bearer_pcc.c) */
    rules_sync(e, defs, n_defs);
    bool success = false;
    struct diam_rule_report rep[DIAM_MAX_RULES];
    for (unsigned i = 0; i < n_defs; i++) {
        struct gx_rule_state *r = rule_state(e, defs[i].name, false);
        if (!r || r->state != GX_RULE_PENDING)
            continue;
        int b = esm_pcc_rule_bearer(ue, p, &defs[i]);
        if (b == ESM_PCC_DEFAULT) {
            r->state = GX_RULE_ACTIVE;  /* a rule of the default bearer: nothing to report */
            continue;
        }
        if (b == ESM_PCC_PENDING)
            continue;
        memset(&rep[nr], 0, sizeof(rep[nr]));
        snprintf(rep[nr].name, sizeof(rep[nr].name), "%s", defs[i].name);
        if (b == ESM_PCC_NONE) {
            rep[nr].status = 1;         /* 5.3.19 INACTIVE */
            rep[nr].failure_code = 10;  /* 5.3.38 RESOURCE_ALLOCATION_FAILURE */
            nr++;
        } else if (b == ESM_PCC_ACTIVE && armed(e, DIAM_ET_SUCCESSFUL_RESOURCE_ALLOCATION)) {
            rep[nr].status = 0;         /* ACTIVE */
            success = true;
            nr++;
        }
        if (ccr)
            r->state = b == ESM_PCC_NONE ? GX_RULE_FAILED : GX_RULE_ACTIVE;
    }
    /* 4.5.12: rules a CCA named that are not predefined here (INACTIVE,
     * Rule-Failure-Code 1 UNKNOWN_RULE_NAME) or that the datapath refused
     * (12 INCORRECT_FLOW_INFORMATION) */
    for (unsigned i = 0; i < e->n_unknown && nr < DIAM_MAX_RULES; i++) {
        memset(&rep[nr], 0, sizeof(rep[nr]));
        snprintf(rep[nr].name, sizeof(rep[nr].name), "%s", e->unknown[i].name);
        rep[nr].base = e->unknown[i].base;
        rep[nr].status = 1;
        rep[nr].failure_code = e->unknown[i].code;
        nr++;
    }
    if (ccr)
        e->n_unknown = 0;
    if (success)
        t[nt++] = DIAM_ET_SUCCESSFUL_RESOURCE_ALLOCATION;
    if (!ccr)
        return nt + nr;
    for (unsigned i = 0; i < nt && ccr->n_triggers < DIAM_MAX_TRIGGERS; i++)
        ccr->triggers[ccr->n_triggers++] = t[i];
    for (unsigned i = 0; i < nr && ccr->n_reports < DIAM_MAX_RULES; i++)
        ccr->reports[ccr->n_reports++] = rep[i];
    if (loc)
        memcpy(e->uli, uli, sizeof(uli));
    if (qos) {
        /* the values in force: APN-AMBR in QoS-Information, QCI and ARP in
         * Default-EPS-Bearer-QoS (5.6.2) */
        ccr->default_qos = (struct diam_qos){
            .present = true, .qci = qci ? qci : 9, .has_arp = true,
            .arp = { .priority = arp ? arp : 15,
                     .pre_emption_capability = p->arp_cap ? 0 : 1,
                     .pre_emption_vulnerability = p->arp_vul ? 0 : 1 },
            .apn_ambr_ul = aul > UINT32_MAX ? UINT32_MAX : (uint32_t)aul,
            .apn_ambr_dl = adl > UINT32_MAX ? UINT32_MAX : (uint32_t)adl };
        if (sub && !fail) {
            /* the PCRF knows the subscription now; the values in force
             * stay the reference until it authorises others */
            e->rsub_qci = qci;
            e->rsub_arp = arp;
            e->rsub_ambr_ul = aul;
            e->rsub_ambr_dl = adl;
        } else {
            e->qci = qci;
            e->arp = arp;
            e->ambr_ul = aul;
            e->ambr_dl = adl;
        }
        if (sub)
            e->sub = false;
        e->fail_qos = e->fail_ambr = false;
    }
    /* the new reference and the rules' reports, durable with the request
     * (journalled in the same transaction, agw_ccr.h): a restart compares
     * with what the PCRF was told */
    gx_sess_save(ctx, s);
    if (nt || nr) {
        char b[20];
        LOG_INFO(ctx, "gx", "ue %s: CCR-U: %u event trigger(s) (first %u), %u rule report(s)",
                 ue_imsi_log(ctx, ue, b), nt, nt ? t[0] : 0, nr);
    }
    return nt + nr;
}

void gx_events_rule_failed(struct gx_events *e, const char *name, bool base, uint8_t code)
{
    for (unsigned i = 0; i < e->n_unknown; i++)
        if (e->unknown[i].base == base && !strcmp(e->unknown[i].name, name))
            return;
    if (e->n_unknown >= sizeof(e->unknown) / sizeof(e->unknown[0]))
        return;
    snprintf(e->unknown[e->n_unknown].name, sizeof(e->unknown[0].name), "%s", name);
    e->unknown[e->n_unknown].code = code;
    e->unknown[e->n_unknown++].base = base;
}

void gx_events_rule_unknown(struct gx_events *e, const char *name, bool base)
{
    gx_events_rule_failed(e, name, base, 1);    /* 5.3.38 UNKNOWN_RULE_NAME */
}

/* Whether the session has anything to watch: triggers armed, or rules
 * whose bearer is not settled yet. */
bool gx_events_watch(struct gx_sess *s)
{
    struct gx_events *e = gx_sess_events(s);
    unsigned n_defs;
    gx_sess_defs(s, &n_defs);
    if (e->armed || e->fresh || e->n_rules != n_defs || e->fail_qos || e->fail_ambr ||
        e->n_unknown)
        return true;
    for (unsigned i = 0; i < e->n_rules; i++)
        if (e->rules[i].state == GX_RULE_PENDING)
            return true;
    return false;
}

/* The PCRF authorised an APN-AMBR (4.5.5.7): that is the reference now, not
 * a subscribed change to report. */
void gx_events_qos_authorised(struct gx_events *e, const struct agw_pdn *p)
{
    e->qci = p->qci;
    e->arp = p->arp_prio;
}

void gx_events_ambr_authorised(struct gx_events *e, const struct agw_pdn *p)
{
    e->ambr_ul = p->ambr_ul_bps;
    e->ambr_dl = p->ambr_dl_bps;
}

void gx_events_mod_failed(struct agw_ctx *ctx, uint32_t ul_teid, bool qos, bool ambr)
{
    struct gx_sess *s = gx_sess_find(ctx, ul_teid);
    if (!s)
        return;
    struct gx_events *e = gx_sess_events(s);
    e->fail_qos |= qos;
    e->fail_ambr |= ambr;
    gx_sess_save(ctx, s);   /* still reported after a restart (0017) */
}

/* The PCRF's values are in force: the reference for later changes. */
void gx_events_dqos_authorised(struct agw_ctx *ctx, const struct agw_pdn *p)
{
    struct gx_sess *s = gx_sess_find(ctx, p->ul_teid);
    if (!s)
        return;
    gx_events_qos_authorised(gx_sess_events(s), p);
    gx_events_ambr_authorised(gx_sess_events(s), p);
    gx_sess_save(ctx, s);
}

bool gx_events_subscribed(struct agw_ctx *ctx, uint32_t ul_teid, uint8_t qci, uint8_t arp,
                          uint64_t ambr_ul, uint64_t ambr_dl)
{
    struct gx_sess *s = gx_node(ctx) ? gx_sess_find(ctx, ul_teid) : NULL;
    if (!s)
        return false;
    struct gx_events *e = gx_sess_events(s);
    e->sub = true;
    e->sub_qci = qci;
    e->sub_arp = arp;
    e->sub_ambr_ul = ambr_ul;
    e->sub_ambr_dl = ambr_dl;
    gx_sess_save(ctx, s);   /* still reported after a restart (0017) */
    return true;
}
