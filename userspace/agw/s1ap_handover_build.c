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
