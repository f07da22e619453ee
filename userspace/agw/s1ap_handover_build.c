/* S1AP messages of the handover procedures that xepc-agwd sends (TS
 * 36.413 9.1.5).  As in s1ap_build.c: a pdu on the stack, lists over local
 * arrays, queued on the UE's stream until the group commit. */
#include <string.h>

#include "agw/agw.h"

/* TS 36.413 9.1.5.9 PATH SWITCH REQUEST ACKNOWLEDGE: the Security Context
 * (9.2.1.26: the NCC and the NH of TS 33.401 7.2.8.4.3), the E-RABs the
 * MME released, and the UE security capabilities when the target's
 * differed from ours (TS 33.401 7.2.4.2.2).  The uplink tunnels stay
 * where they are: no E-RAB To Be Switched in Uplink List. */
int s1ap_send_path_switch_ack(struct agw_ctx *ctx, const struct agw_ue *ue,
                              const uint8_t *released_ebis, unsigned n_released,
                              bool send_sec_caps)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABItem rel[16];
    uint8_t enc[2], integ[2];

    if (!ue->s1 || !ue->nh_valid)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_PathSwitchRequestAcknowledge);
    s1ap_PathSwitchRequestAcknowledge *m = &pdu.u.PathSwitchRequestAcknowledge;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    m->SecurityContext.nextHopChainingCount = ue->ncc;
    m->SecurityContext.nextHopParameter.buf = ue->nh;
    m->SecurityContext.nextHopParameter.nbits = 256;
    if (n_released > 16)
        n_released = 16;
    for (unsigned i = 0; i < n_released; i++) {
        memset(&rel[i], 0, sizeof(rel[i]));
        rel[i].e_RAB_ID = released_ebis[i];
        rel[i].cause.present = S1AP_Cause_PR_radioNetwork;
        rel[i].cause.u.radioNetwork = S1AP_CauseRadioNetwork_unknown_E_RAB_ID;
    }
    if (n_released) {
        m->E_RABToBeReleasedList_present = true;
        m->E_RABToBeReleasedList.count = n_released;
        m->E_RABToBeReleasedList.items = rel;
    }
    if (send_sec_caps) {
        /* TS 36.413 9.2.1.40, as in the Initial Context Setup */
        enc[0] = (uint8_t)(ue->ue_net_cap.eea << 1);
        enc[1] = 0;
        integ[0] = (uint8_t)(ue->ue_net_cap.eia << 1);
        integ[1] = 0;
        m->UESecurityCapabilities_present = true;
        m->UESecurityCapabilities.encryptionAlgorithms.buf = enc;
        m->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
        m->UESecurityCapabilities.integrityProtectionAlgorithms.buf = integ;
        m->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    }
    return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}

/* TS 36.413 9.1.5.10 PATH SWITCH REQUEST FAILURE, on the stream the
 * request came on (the UE is not bound to the target). */
int s1ap_send_path_switch_failure(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                                  uint32_t mme_ue_id, uint32_t enb_ue_id,
                                  const s1ap_Cause *cause)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_PathSwitchRequestFailure);
    s1ap_PathSwitchRequestFailure *m = &pdu.u.PathSwitchRequestFailure;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->Cause = *cause;
    return s1ap_path_send(ctx, assoc_id, stream, &pdu);
}

/* ------------------------------------------------------- S1 handover -- */

/* TS 36.413 9.1.5.3 HANDOVER PREPARATION FAILURE */
int s1ap_send_ho_prep_failure(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                              uint32_t mme_ue_id, uint32_t enb_ue_id, const s1ap_Cause *cause)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverPreparationFailure);
    s1ap_HandoverPreparationFailure *m = &pdu.u.HandoverPreparationFailure;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->Cause = *cause;
    return s1ap_path_send(ctx, assoc_id, stream, &pdu);
}

static void put_teid4(uint8_t out[4], uint32_t teid)
{
    out[0] = (uint8_t)(teid >> 24);
    out[1] = (uint8_t)(teid >> 16);
    out[2] = (uint8_t)(teid >> 8);
    out[3] = (uint8_t)teid;
}

/* TS 36.413 9.1.5.4 HANDOVER REQUEST to the target: the UE's bearers with
 * our uplink tunnel ends and QoS, UE-AMBR, the source's container, the UE
 * security capabilities and the {NH, NCC} of TS 33.401 7.2.8.4.3. */
int s1ap_send_ho_request(struct agw_ctx *ctx, const struct agw_ue *ue,
                         const struct agw_enb *tgt, const s1ap_Cause *cause,
                         const s1ap_Source_ToTarget_TransparentContainer *container)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeSetupItemHOReq items[AGW_MAX_PDN + AGW_MAX_DED];
    uint8_t enc[2], integ[2];
    unsigned n = 0;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequest);
    s1ap_HandoverRequest *m = &pdu.u.HandoverRequest;
    m->MME_UE_S1AP_ID = ue->id;
    m->HandoverType = ue->s1ho.type;
    m->Cause = *cause;
    /* TS 23.401 4.7.3: min(subscribed UE-AMBR, sum of the APN-AMBRs) */
    esm_dqos_ue_ambr(ue, NULL, NULL, &m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL,
                     &m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL);
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        if (p->state != PDN_ACTIVE)
            continue;
        s1ap_E_RABToBeSetupItemHOReq *it = &items[n++];
        memset(it, 0, sizeof(*it));
        it->e_RAB_ID = p->ebi;
        it->transportLayerAddress.buf = ctx->cfg->gtpu.tla;
        it->transportLayerAddress.nbits = ctx->cfg->gtpu.tla_bits;
        put_teid4(it->gTP_TEID, p->ul_teid);
        it->e_RABlevelQosParameters.qCI = p->qci;
        it->e_RABlevelQosParameters.allocationRetentionPriority.priorityLevel = p->arp_prio;
        it->e_RABlevelQosParameters.allocationRetentionPriority.pre_emptionCapability =
            p->arp_cap ? S1AP_Pre_emptionCapability_may_trigger_pre_emption
                       : S1AP_Pre_emptionCapability_shall_not_trigger_pre_emption;
        it->e_RABlevelQosParameters.allocationRetentionPriority.pre_emptionVulnerability =
            p->arp_vul ? S1AP_Pre_emptionVulnerability_pre_emptable
                       : S1AP_Pre_emptionVulnerability_not_pre_emptable;
    }
    /* TS 23.401 5.5.1.2.2 step 4: every EPS bearer of the UE, the
     * dedicated ones with their QCI, ARP and GBR QoS information */
    n += s1ap_ho_ded_items(ctx, ue, items + n, AGW_MAX_DED);
    m->E_RABToBeSetupListHOReq.count = n;
    m->E_RABToBeSetupListHOReq.items = items;
    m->Source_ToTarget_TransparentContainer = *container;
    enc[0] = (uint8_t)(ue->ue_net_cap.eea << 1);
    enc[1] = 0;
    integ[0] = (uint8_t)(ue->ue_net_cap.eia << 1);
    integ[1] = 0;
    m->UESecurityCapabilities.encryptionAlgorithms.buf = enc;
    m->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.buf = integ;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    m->SecurityContext.nextHopChainingCount = ue->ncc;
    m->SecurityContext.nextHopParameter.buf = ue->nh;
    m->SecurityContext.nextHopParameter.nbits = 256;
    return s1ap_path_send(ctx, tgt->assoc_id, ue->s1ho.tgt_stream, &pdu);
}

/* TS 36.413 9.1.5.2 HANDOVER COMMAND to the source, with the target's
 * container and the bearers the target did not admit. */
int s1ap_send_ho_command(struct agw_ctx *ctx, const struct agw_ue *ue,
                         const uint8_t *released_ebis, unsigned n_released,
                         const s1ap_Target_ToSource_TransparentContainer *container)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABItem rel[AGW_MAX_PDN + AGW_MAX_DED];
    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverCommand);
    s1ap_HandoverCommand *m = &pdu.u.HandoverCommand;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    m->HandoverType = ue->s1ho.type;
    m->Target_ToSource_TransparentContainer = *container;
    if (n_released > AGW_MAX_PDN + AGW_MAX_DED)
        n_released = AGW_MAX_PDN + AGW_MAX_DED;
    for (unsigned i = 0; i < n_released; i++) {
        memset(&rel[i], 0, sizeof(rel[i]));
        rel[i].e_RAB_ID = released_ebis[i];
        rel[i].cause.present = S1AP_Cause_PR_radioNetwork;
        rel[i].cause.u.radioNetwork =
            S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system;
    }
    if (n_released) {
        m->E_RABtoReleaseListHOCmd_present = true;
        m->E_RABtoReleaseListHOCmd.count = n_released;
        m->E_RABtoReleaseListHOCmd.items = rel;
    }
    return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}

/* TS 36.413 9.1.10 MME STATUS TRANSFER: the source's PDCP state, as it came */
int s1ap_send_mme_status_transfer(struct agw_ctx *ctx, const struct agw_ue *ue,
                                  const s1ap_ENB_StatusTransfer_TransparentContainer *c)
{
    struct s1ap_pdu pdu;
    if (!ue->s1ho.tgt_known)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_MMEStatusTransfer);
    s1ap_MMEStatusTransfer *m = &pdu.u.MMEStatusTransfer;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->s1ho.tgt_enb_ue_id;
    m->eNB_StatusTransfer_TransparentContainer = *c;
    return s1ap_path_send(ctx, ue->s1ho.tgt_assoc, ue->s1ho.tgt_stream, &pdu);
}

/* TS 36.413 9.1.5.7 HANDOVER CANCEL ACKNOWLEDGE */
int s1ap_send_ho_cancel_ack(struct agw_ctx *ctx, const struct agw_ue *ue)
{
    struct s1ap_pdu pdu;
    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverCancelAcknowledge);
    pdu.u.HandoverCancelAcknowledge.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverCancelAcknowledge.eNB_UE_S1AP_ID = ue->enb_ue_id;
    return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}
