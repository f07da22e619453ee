/* Resets and failures of xepc-agwd's S1 interface (TS 36.413 8.7.1,
 * 8.7.2): the MME-initiated Reset (xepcctl enb reset), the eNB's Reset
 * Acknowledge, and what a received UE-associated Error Indication does.
 * (The eNB-initiated Reset and the loss of an association are in
 * s1ap_handler.c: both leave the eNB's UEs ECM-IDLE with their sessions.) */
#include <string.h>

#include "agw/agw.h"

struct reset_arg {
    uint32_t assoc_id;
    unsigned n;
};

static void drop_ue(struct agw_ctx *ctx, struct agw_ue *ue, void *arg)
{
    struct reset_arg *r = arg;
    if (!ue->s1 || ue->assoc_id != r->assoc_id)
        return;
    /* TS 36.413 8.7.1.2.1: the UE-associated logical connections are
     * gone; a registered UE keeps its sessions without downlink tunnel
     * (ECM-IDLE, TS 23.401 5.3.5), one in the middle of an attach or
     * detach is cleaned up (emm_s1_lost) */
    ue_s1_unbind(ctx, ue);
    emm_s1_lost(ctx, ue);
    r->n++;
}

int s1ap_mme_reset(struct agw_ctx *ctx, struct agw_enb *enb, unsigned *n_ues)
{
    if (!enb->setup)
        return -ENOTCONN;
    struct reset_arg r = { enb->assoc_id, 0 };
    ue_foreach(ctx, drop_ue, &r);
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_Reset);
    s1ap_Reset *m = &pdu.u.Reset;
    /* TS 36.413 9.1.8.1: the whole S1 interface, cause O&M intervention */
    m->Cause.present = S1AP_Cause_PR_misc;
    m->Cause.u.misc = S1AP_CauseMisc_om_intervention;
    m->ResetType.present = S1AP_ResetType_PR_s1_Interface;
    m->ResetType.u.s1_Interface = S1AP_ResetAll_reset_all;
    int rc = s1ap_path_send(ctx, enb->assoc_id, 0, &pdu);
    if (rc < 0)
        return rc;
    ctx->stats.s1_reset_tx++;
    agw_commit_request(ctx);
    LOG_INFO(ctx, "s1ap", "eNB %u (assoc %u): MME-initiated reset, %u UE connections released",
             enb->enb_id, enb->assoc_id, r.n);
    if (n_ues)
        *n_ues = r.n;
    return 0;
}

/* TS 36.413 8.7.1.2.1: the eNB's answer to our Reset */
void s1ap_handle_reset_ack(struct agw_ctx *ctx, struct agw_enb *enb)
{
    ctx->stats.s1_reset_ack_rx++;
    LOG_INFO(ctx, "s1ap", "eNB %u (assoc %u): Reset Acknowledge", enb->enb_id, enb->assoc_id);
}

/* TS 36.413 8.7.2.2: an Error Indication about a UE-associated logical
 * connection we know (both S1AP IDs, the pair ours on this association):
 * the connection is not usable any more; it is released (UE Context
 * Release Command), and the UE goes ECM-IDLE when the eNB completes. */
void s1ap_error_indication_ue(struct agw_ctx *ctx, struct agw_enb *enb,
                              const s1ap_ErrorIndication *m)
{
    char b[20];
    if (!m->MME_UE_S1AP_ID_present || !m->eNB_UE_S1AP_ID_present)
        return;
    struct agw_ue *ue = ue_find_id(ctx, m->MME_UE_S1AP_ID);
    if (!ue || !ue->s1 || ue->assoc_id != enb->assoc_id || ue->enb_ue_id != m->eNB_UE_S1AP_ID)
        return;
    /* an Error Indication about an Error Indication is never answered;
     * our release goes whatever the cause said */
    LOG_INFO(ctx, "s1ap", "ue %s: Error Indication about its S1 connection: released",
             ue_imsi_log(ctx, ue, b));
    ctx->stats.s1ap_error_indication_release++;
    s1ap_release_ue(ctx, ue, S1AP_Cause_PR_radioNetwork, S1AP_CauseRadioNetwork_unspecified);
}
