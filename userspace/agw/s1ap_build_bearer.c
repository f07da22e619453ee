/* S1AP messages of dedicated bearers (TS 36.413 8.2.1, 8.2.2): E-RAB Setup
 * Request with the ACTIVATE DEDICATED EPS BEARER CONTEXT REQUEST and E-RAB
 * Modify Request with the MODIFY EPS BEARER CONTEXT REQUEST (the E-RAB
 * Release Command is s1ap_build.c's).  The QoS carries the GBR QoS
 * Information of a GBR bearer (TS 36.413 9.2.1.15, 9.2.1.18). */
#include <arpa/inet.h>
#include <string.h>

#include "agw/agw.h"

static void put_teid(uint8_t out[4], uint32_t teid)
{
    out[0] = (uint8_t)(teid >> 24);
    out[1] = (uint8_t)(teid >> 16);
    out[2] = (uint8_t)(teid >> 8);
    out[3] = (uint8_t)teid;
}

static void fill_qos(s1ap_E_RABLevelQoSParameters *q, const struct agw_bearer *b, bool modified)
{
    memset(q, 0, sizeof(*q));
    q->qCI = b->qci;
    q->allocationRetentionPriority.priorityLevel = b->arp_prio ? b->arp_prio : 15;
    q->allocationRetentionPriority.pre_emptionCapability =
        b->arp_cap ? S1AP_Pre_emptionCapability_may_trigger_pre_emption
                   : S1AP_Pre_emptionCapability_shall_not_trigger_pre_emption;
    q->allocationRetentionPriority.pre_emptionVulnerability =
        b->arp_vul ? S1AP_Pre_emptionVulnerability_pre_emptable
                   : S1AP_Pre_emptionVulnerability_not_pre_emptable;
    if (agw_qci_is_gbr(b->qci)) {
        s1ap_GBR_QosInformation *g = &q->gbrQosInformation;
        q->gbrQosInformation_present = true;
        g->e_RAB_MaximumBitrateDL = modified ? b->new_mbr_dl : b->mbr_dl;
        g->e_RAB_MaximumBitrateUL = modified ? b->new_mbr_ul : b->mbr_ul;
        g->e_RAB_GuaranteedBitrateDL = modified ? b->new_gbr_dl : b->gbr_dl;
        g->e_RAB_GuaranteedBitrateUL = modified ? b->new_gbr_ul : b->gbr_ul;
    }
}

/* A dedicated bearer's E-RAB as every message that sets one up carries
 * it: its id, its QoS (TS 36.413 9.2.1.15), our S1-U address and its
 * uplink TEID (9.2.2.1, 9.2.2.2). */
static void ded_erab(struct agw_ctx *ctx, const struct agw_bearer *b, s1ap_E_RAB_ID *id,
                     s1ap_E_RABLevelQoSParameters *qos, s1ap_TransportLayerAddress *tla,
                     uint8_t teid[4])
{
    *id = b->ebi;
    fill_qos(qos, b, false);
    /* ours: IPv4, or IPv4 + IPv6 with gtpu.address6 (agw_config.c) */
    tla->buf = ctx->cfg->gtpu.tla;
    tla->nbits = ctx->cfg->gtpu.tla_bits;
    put_teid(teid, b->ul_teid);
}

/* The UE's active dedicated bearers, at most cap; with_deferred: those
 * whose E-RAB Setup waits for the UE to be connected too. */
static unsigned active_ded(const struct agw_ue *ue, bool with_deferred,
                           const struct agw_bearer **out, unsigned cap)
{
    unsigned n = 0;
    for (unsigned k = 0; k < AGW_MAX_DED && n < cap; k++)
        if (ue->ded[k].state == BEARER_ACTIVE && (with_deferred || !ue->ded[k].deferred))
            out[n++] = &ue->ded[k];
    return n;
}

/* TS 36.413 9.1.4.1 INITIAL CONTEXT SETUP REQUEST (a Service Request, a
 * TAU with the active flag, a paging answer): the dedicated bearers the UE
 * has (TS 23.401 5.3.4.1 step 4: all of the UE's EPS bearers).  One still
 * being activated is not among them: the UE does not know it yet; it gets
 * its own E-RAB Setup once the UE is connected (esm_bearer_connected). */
unsigned s1ap_ics_ded_items(struct agw_ctx *ctx, const struct agw_ue *ue,
                            s1ap_E_RABToBeSetupItemCtxtSUReq *items, unsigned cap)
{
    const struct agw_bearer *b[AGW_MAX_DED];
    unsigned n = active_ded(ue, true, b, cap);
    for (unsigned i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof(items[i]));
        ded_erab(ctx, b[i], &items[i].e_RAB_ID, &items[i].e_RABlevelQoSParameters,
                 &items[i].transportLayerAddress, items[i].gTP_TEID);
    }
    return n;
}

/* TS 36.413 9.1.5.4 HANDOVER REQUEST (S1 handover, TS 23.401 5.5.1.2.2
 * step 4): the active dedicated bearers with their QoS and our uplink
 * tunnel ends */
unsigned s1ap_ho_ded_items(struct agw_ctx *ctx, const struct agw_ue *ue,
                           s1ap_E_RABToBeSetupItemHOReq *items, unsigned cap)
{
    const struct agw_bearer *b[AGW_MAX_DED];
    unsigned n = active_ded(ue, false, b, cap);
    for (unsigned i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof(items[i]));
        ded_erab(ctx, b[i], &items[i].e_RAB_ID, &items[i].e_RABlevelQosParameters,
                 &items[i].transportLayerAddress, items[i].gTP_TEID);
    }
    return n;
}

/* TS 36.413 9.1.3.1 E-RAB SETUP REQUEST: one dedicated bearer */
int s1ap_send_erab_setup_ded(struct agw_ctx *ctx, const struct agw_ue *ue,
                             const struct agw_bearer *b, const uint8_t *nas, size_t nas_len)
{
    s1ap_E_RABToBeSetupItemBearerSUReq it;
    memset(&it, 0, sizeof(it));
    ded_erab(ctx, b, &it.e_RAB_ID, &it.e_RABlevelQoSParameters, &it.transportLayerAddress,
             it.gTP_TEID);
    return s1ap_send_erab_setup_item(ctx, ue, &it, nas, nas_len);
}

/* TS 36.413 9.1.3.3 E-RAB MODIFY REQUEST: the bearer's new QoS */
int s1ap_send_erab_modify(struct agw_ctx *ctx, const struct agw_ue *ue,
                          const struct agw_bearer *b, const uint8_t *nas, size_t nas_len)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeModifiedItemBearerModReq it;

    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABModifyRequest);
    s1ap_E_RABModifyRequest *m = &pdu.u.E_RABModifyRequest;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = b->ebi;
    fill_qos(&it.e_RABLevelQoSParameters, b, true);
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = (uint32_t)nas_len;
    m->E_RABToBeModifiedListBearerModReq.count = 1;
    m->E_RABToBeModifiedListBearerModReq.items = &it;
    return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}
