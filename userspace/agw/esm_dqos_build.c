/* Messages of the default bearer's QoS / APN-AMBR modification
 * (esm_dqos.c): the MODIFY EPS BEARER CONTEXT REQUEST (TS 24.301 8.3.18)
 * and the E-RAB Modify Request that carries it when the QCI or ARP change
 * (TS 36.413 9.1.3.3, TS 23.401 5.4.2.1 step 4).  Pure: they fill the
 * structures the codecs encode, so that the unit tests see what goes on
 * the wire. */
#include <string.h>

#include "agw/agw.h"

/* TS 24.301 8.3.18: "New EPS QoS" when the QCI changes (9.9.4.3: a
 * non-GBR default bearer carries its QCI alone), "APN-AMBR" when the
 * APN-AMBR changes (9.9.4.2, kbit/s).  A change of the ARP alone is the
 * eNB's business (the UE does not know the ARP): the request then carries
 * the QCI as it is, so that the UE has something to accept. */
int esm_dqos_build_modify(uint8_t ebi, const struct esm_dqos *old, const struct esm_dqos *want,
                          struct nas_message *m)
{
    nas_message_init(m, NAS_MSG_MODIFY_REQUEST);
    m->ebi = ebi;
    m->pti = 0;                     /* network-initiated (TS 24.301 6.4.3.2) */
    struct nas_modify_request *r = &m->modify_request;
    bool ambr = want->ambr_ul != old->ambr_ul || want->ambr_dl != old->ambr_dl;
    bool qos = want->qci != old->qci || want->arp_prio != old->arp_prio ||
               want->arp_cap != old->arp_cap || want->arp_vul != old->arp_vul;
    if (!ambr && !qos)
        return -EALREADY;
    if (qos || !ambr) {
        r->has_new_eps_qos = true;
        if (nas_eps_qos_set(&r->new_eps_qos, want->qci, 0, 0, 0, 0) < 0)
            return -ERANGE;
    }
    if (ambr) {
        r->has_apn_ambr = true;
        if (nas_apn_ambr_set(&r->apn_ambr, want->ambr_dl / 1000, want->ambr_ul / 1000) < 0)
            return -ERANGE;
    }
    return 0;
}

/* TS 36.413 9.1.3.3 E-RAB MODIFY REQUEST for a default bearer: its E-RAB
 * Level QoS Parameters (9.2.1.15: QCI, ARP; a non-GBR bearer has no GBR
 * QoS Information) with the NAS-PDU, and the UE-AMBR (9.2.1.20) when it
 * changes (ue_ambr_ul/dl non-zero). */
void esm_dqos_build_erab_modify(struct s1ap_pdu *pdu, s1ap_E_RABToBeModifiedItemBearerModReq *it,
                                uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t ebi,
                                const struct esm_dqos *want, uint64_t ue_ambr_ul,
                                uint64_t ue_ambr_dl, const uint8_t *nas, size_t nas_len)
{
    s1ap_pdu_init(pdu, S1AP_MSG_E_RABModifyRequest);
    s1ap_E_RABModifyRequest *m = &pdu->u.E_RABModifyRequest;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    if (ue_ambr_ul && ue_ambr_dl) {
        m->uEaggregateMaximumBitrate_present = true;
        m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = ue_ambr_dl;
        m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = ue_ambr_ul;
    }
    memset(it, 0, sizeof(*it));
    it->e_RAB_ID = ebi;
    s1ap_E_RABLevelQoSParameters *q = &it->e_RABLevelQoSParameters;
    q->qCI = want->qci;
    q->allocationRetentionPriority.priorityLevel = want->arp_prio ? want->arp_prio : 15;
    q->allocationRetentionPriority.pre_emptionCapability =
        want->arp_cap ? S1AP_Pre_emptionCapability_may_trigger_pre_emption
                      : S1AP_Pre_emptionCapability_shall_not_trigger_pre_emption;
    q->allocationRetentionPriority.pre_emptionVulnerability =
        want->arp_vul ? S1AP_Pre_emptionVulnerability_pre_emptable
                      : S1AP_Pre_emptionVulnerability_not_pre_emptable;
    it->nAS_PDU.buf = nas;
    it->nAS_PDU.len = (uint32_t)nas_len;
    m->E_RABToBeModifiedListBearerModReq.count = 1;
    m->E_RABToBeModifiedListBearerModReq.items = it;
}

/* TS 23.401 4.7.3: the UE-AMBR the eNB enforces is the sum of the
 * APN-AMBRs of the UE's active APNs, up to the subscribed UE-AMBR (an APN
 * without an APN-AMBR leaves the subscribed value).  over: one PDN
 * connection's APN-AMBR taken as given instead of its own (NULL: none). */
void esm_dqos_ue_ambr(const struct agw_ue *ue, const struct agw_pdn *over,
                      const struct esm_dqos *with, uint64_t *ul, uint64_t *dl)
{
    uint64_t sul = 0, sdl = 0;
    bool capped = true;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        if (p->state == PDN_FREE)
            continue;
        uint64_t u = p == over ? with->ambr_ul : p->ambr_ul_bps;
        uint64_t d = p == over ? with->ambr_dl : p->ambr_dl_bps;
        if (!u || !d)
            capped = false;
        sul += u;
        sdl += d;
    }
    *ul = ue->ue_ambr_ul;
    *dl = ue->ue_ambr_dl;
    if (capped && sul && (!*ul || sul < *ul))
        *ul = sul;
    if (capped && sdl && (!*dl || sdl < *dl))
        *dl = sdl;
}
