/* UE-associated modifications in xepc-agwd (TS 36.413 8.3.4, 8.2.4):
 *   UE Context Modification, MME initiated: a new UE-AMBR (xepcctl ue
 *   modify --ambr) goes to the eNB of a connected UE; an idle UE gets it
 *   with its next Initial Context Setup;
 *   E-RAB Modification Indication from the eNB: the listed bearers'
 *   downlink tunnels move (as in a handover: End Marker on the old path),
 *   stored before the E-RAB Modification Confirm. */
#include <string.h>

#include "agw/agw.h"
#include "dp/dp.h"

static uint32_t teid_of(const uint8_t t[4])
{
    return (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
}

int s1ap_ue_modify_ambr(struct agw_ctx *ctx, struct agw_ue *ue, uint64_t ul_bps, uint64_t dl_bps)
{
    /* TS 36.413 9.2.1.20: 0..10^10 bit/s, beyond with the extended IEs
     * (the codec's); 0 is no UE-AMBR at all */
    if (!ul_bps || !dl_bps || ul_bps > 4000000000000ull || dl_bps > 4000000000000ull)
        return -ERANGE;
    if (ue->emm != EMM_REGISTERED)
        return -EAGAIN;
    ue->ue_ambr_ul = ul_bps;
    ue->ue_ambr_dl = dl_bps;
    ue_store_mark(ctx, ue);         /* before the eNB hears of it */
    if (!ue->s1)
        return 0;                   /* the next Initial Context Setup carries it */
    uint64_t ul, dl;
    esm_dqos_ue_ambr(ue, NULL, NULL, &ul, &dl);
    return s1ap_send_ue_ambr(ctx, ue, ul, dl);
}

/* TS 36.413 9.1.4.7 UE CONTEXT MODIFICATION REQUEST with a UE-AMBR (the
 * one the eNB enforces, TS 23.401 4.7.3: esm_dqos_ue_ambr()) */
int s1ap_send_ue_ambr(struct agw_ctx *ctx, struct agw_ue *ue, uint64_t ul_bps, uint64_t dl_bps)
{
    if (!ue->s1)
        return -ENOTCONN;
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_UEContextModificationRequest);
    s1ap_UEContextModificationRequest *m = &pdu.u.UEContextModificationRequest;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    m->uEaggregateMaximumBitrate_present = true;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = dl_bps;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = ul_bps;
    ctx->stats.ue_ctx_modification_tx++;
    return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}

/* TS 36.413 8.3.4.2 / 8.3.4.3: the eNB's answer */
void s1ap_handle_ue_mod_answer(struct agw_ctx *ctx, struct agw_ue *ue, bool ok,
                               const s1ap_Cause *cause)
{
    char b[20];
    if (ok) {
        ctx->stats.ue_ctx_modification_ok++;
        return;
    }
    /* the eNB keeps the old UE-AMBR; ours stays the subscribed one and
     * goes with the next Initial Context Setup */
    ctx->stats.ue_ctx_modification_failure++;
    LOG_WARN(ctx, "s1ap", "ue %s: UE Context Modification Failure (cause %u/%u)",
             ue_imsi_log(ctx, ue, b), cause ? cause->present : 0,
             cause ? (unsigned)cause->u.misc : 0);
}

/* TS 36.413 8.2.4 E-RAB Modification Indication (TS 23.401 5.4.7) */
void s1ap_handle_erab_mod_ind(struct agw_ctx *ctx, struct agw_ue *ue,
                              const s1ap_E_RABModificationIndication *m)
{
    s1ap_E_RABModifyItemBearerModConf ok[16];
    s1ap_E_RABItem failed[16];
    unsigned n_ok = 0, n_failed = 0;
    const s1ap_E_RABToBeModifiedListBearerModInd *l = &m->E_RABToBeModifiedListBearerModInd;
    for (uint32_t i = 0; i < l->count && i < 16; i++) {
        const s1ap_E_RABToBeModifiedItemBearerModInd *it = &l->items[i];
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, it->e_RAB_ID);
        struct in_addr a = {0};
        uint32_t teid = teid_of(it->dL_GTP_TEID);
        bool addr_ok = (it->transportLayerAddress.nbits == 32 ||
                        it->transportLayerAddress.nbits == 160) && it->transportLayerAddress.buf;
        if (addr_ok)
            memcpy(&a.s_addr, it->transportLayerAddress.buf, 4);
        struct in_addr old_addr = p ? p->enb_addr : a;
        uint32_t old_teid = p ? p->dl_teid : 0;
        if (!p || p->state != PDN_ACTIVE || !addr_ok || !a.s_addr || !teid) {
            memset(&failed[n_failed], 0, sizeof(failed[0]));
            failed[n_failed].e_RAB_ID = it->e_RAB_ID;
            failed[n_failed].cause.present = S1AP_Cause_PR_radioNetwork;
            failed[n_failed].cause.u.radioNetwork = S1AP_CauseRadioNetwork_unknown_E_RAB_ID;
            n_failed++;
            continue;
        }
        p->enb_addr = a;
        p->dl_teid = teid;
        if (pgw_pdn_switch(ctx, ue, p) < 0) {
            p->enb_addr = old_addr;
            p->dl_teid = old_teid;
            memset(&failed[n_failed], 0, sizeof(failed[0]));
            failed[n_failed].e_RAB_ID = it->e_RAB_ID;
            failed[n_failed].cause.present = S1AP_Cause_PR_misc;
            failed[n_failed].cause.u.misc = S1AP_CauseMisc_not_enough_user_plane_processing_resources;
            n_failed++;
            continue;
        }
        if (old_teid && old_addr.s_addr &&
            (old_teid != teid || old_addr.s_addr != a.s_addr) && ctx->dp &&
            dp_end_marker_send(ctx->dp, old_addr, old_teid) == 0)
            ctx->stats.gtpu_end_marker_tx++;
        memset(&ok[n_ok], 0, sizeof(ok[0]));
        ok[n_ok++].e_RAB_ID = it->e_RAB_ID;
    }
    ue_store_mark(ctx, ue);     /* the new tunnels, before the Confirm */
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABModificationConfirm);
    s1ap_E_RABModificationConfirm *c = &pdu.u.E_RABModificationConfirm;
    c->MME_UE_S1AP_ID = ue->id;
    c->eNB_UE_S1AP_ID = ue->enb_ue_id;
    if (n_ok) {
        c->E_RABModifyListBearerModConf_present = true;
        c->E_RABModifyListBearerModConf.count = n_ok;
        c->E_RABModifyListBearerModConf.items = ok;
    }
    if (n_failed) {
        c->E_RABFailedToModifyListBearerModConf_present = true;
        c->E_RABFailedToModifyListBearerModConf.count = n_failed;
        c->E_RABFailedToModifyListBearerModConf.items = failed;
    }
    ctx->stats.erab_modification_ind++;
    s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
}
