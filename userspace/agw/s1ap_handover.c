/* Handover in xepc-agwd (TS 23.401 5.5.1, TS 36.413 8.4).
 *
 * X2-based handover (TS 23.401 5.5.1.1.2, TS 36.413 8.4.4): the UE has
 * moved to a target eNB over X2; the target asks us to switch the
 * downlink path (Path Switch Request).  We move every listed E-RAB's
 * downlink tunnel in the datapath to the target (address and TEID), send
 * an End Marker on each old path (TS 29.281 7.3.2; the source eNB then
 * knows nothing more comes and releases its forwarding), bind the UE to
 * the target's association, and acknowledge with the next {NH, NCC} of
 * the chain (TS 33.401 7.2.8.4.3).  The new tunnels are marked for the
 * group commit, so they are on disk before the Acknowledge leaves.
 *
 * A restart in the middle ends consistent: before the commit, the stored
 * tunnel is the old one and ue_store_load() puts it back into the
 * datapath (the target never got an Acknowledge; the eNBs' associations
 * are new after a restart and the UE is ECM-IDLE); after it, the stored
 * and programmed tunnels are the target's. */
#include <string.h>

#include "agw/agw.h"
#include "dp/dp.h"
#include "sec/kdf.h"

static s1ap_Cause rn_cause(int value)
{
    s1ap_Cause c;
    memset(&c, 0, sizeof(c));
    c.present = S1AP_Cause_PR_radioNetwork;
    c.u.radioNetwork = value;
    return c;
}

static uint32_t teid_of(const uint8_t t[4])
{
    return (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
}

/* TS 36.413 9.2.2.1: IPv4 (32 bits) or IPv4 and IPv6 (160 bits). */
static bool tla_v4(const s1ap_TransportLayerAddress *tla, struct in_addr *out)
{
    if ((tla->nbits != 32 && tla->nbits != 160) || !tla->buf)
        return false;
    memcpy(&out->s_addr, tla->buf, 4);
    return out->s_addr != 0;
}

void ho_nh_init(struct agw_ue *ue, const uint8_t kenb[32])
{
    /* TS 33.401 7.2.8.1.1: the initial KeNB is the virtual NH of NCC 0;
     * the NH derived from it (A.4, SYNC-input = KeNB) has NCC 1 */
    if (sec_nh(ue->kasme, kenb, ue->nh) == 0) {
        ue->ncc = 1;
        ue->nh_valid = true;
    } else {
        ue->nh_valid = false;
    }
}

/* TS 33.401 7.2.8.4.3: on a Path Switch (and for the Handover Request of
 * an S1 handover, 7.2.8.4.2) the MME increments NCC and computes a fresh
 * NH from the previous one. */
static int nh_next(struct agw_ue *ue)
{
    uint8_t nh[32];
    if (!ue->nh_valid || sec_nh(ue->kasme, ue->nh, nh) < 0)
        return -EINVAL;
    memcpy(ue->nh, nh, sizeof(nh));
    explicit_bzero(nh, sizeof(nh));
    ue->ncc = (uint8_t)((ue->ncc + 1) & 7);
    return 0;
}

static void path_switch_fail(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const s1ap_PathSwitchRequest *m, int rn_value, const char *why)
{
    s1ap_Cause c = rn_cause(rn_value);
    ctx->stats.x2_handover_failure++;
    LOG_WARN(ctx, "s1ap", "eNB %u: Path Switch Request for mme %u (enb %u) refused: %s",
             enb->enb_id, m->SourceMME_UE_S1AP_ID, m->eNB_UE_S1AP_ID, why);
    s1ap_send_path_switch_failure(ctx, enb->assoc_id, stream, m->SourceMME_UE_S1AP_ID,
                                  m->eNB_UE_S1AP_ID, &c);
}

/* TS 36.413 8.4.4 Path Switch Request (X2 handover, TS 23.401 5.5.1.1.2) */
void s1ap_handle_path_switch(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const s1ap_PathSwitchRequest *m)
{
    struct agw_ue *ue = ue_find_id(ctx, m->SourceMME_UE_S1AP_ID);
    char b[20];

    /* TS 36.413 8.4.4.3: an MME that cannot switch answers with the
     * failure; the target eNB then releases the UE (TS 23.401 5.5.1.1.2) */
    if (!ue || !ue->s1) {
        path_switch_fail(ctx, enb, stream, m, S1AP_CauseRadioNetwork_unknown_mme_ue_s1ap_id,
                         ue ? "the UE has no S1 connection" : "unknown MME UE S1AP ID");
        return;
    }
    if (ue->emm != EMM_REGISTERED || ue->attach_pending || !ue->sec_valid || !ue->nh_valid ||
        ue->proc == EMM_PROC_DETACH || ue->proc == EMM_PROC_RELEASE) {
        path_switch_fail(ctx, enb, stream, m,
                         S1AP_CauseRadioNetwork_interaction_with_other_procedure,
                         "the UE is not registered with an AS security context, or is "
                         "being detached or released");
        return;
    }
    if (ue->assoc_id == enb->assoc_id && ue->enb_ue_id == m->eNB_UE_S1AP_ID) {
        path_switch_fail(ctx, enb, stream, m, S1AP_CauseRadioNetwork_unknown_pair_ue_s1ap_id,
                         "the target is the UE's current connection");
        return;
    }

    /* Which E-RABs can be switched: known bearers of the UE, listed once,
     * with a usable IPv4 address and TEID.  Anything else goes into the
     * E-RAB To Be Released List of the Acknowledge (8.4.4.2). */
    struct {
        struct agw_pdn *p;
        struct in_addr addr;
        uint32_t teid;
    } sw[AGW_MAX_PDN];
    unsigned n_sw = 0, n_rel = 0;
    uint8_t rel[16];
    const s1ap_E_RABToBeSwitchedDLList *l = &m->E_RABToBeSwitchedDLList;
    for (uint32_t i = 0; i < l->count; i++) {
        const s1ap_E_RABToBeSwitchedDLItem *it = &l->items[i];
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, it->e_RAB_ID);
        struct in_addr a;
        bool dup = false;
        for (unsigned k = 0; k < n_sw; k++)
            dup |= sw[k].p == p;
        if (!p || dup || p->state != PDN_ACTIVE || !tla_v4(&it->transportLayerAddress, &a) ||
            teid_of(it->gTP_TEID) == 0 || n_sw >= AGW_MAX_PDN) {
            if (n_rel < sizeof(rel))
                rel[n_rel++] = it->e_RAB_ID;
            continue;
        }
        sw[n_sw].p = p;
        sw[n_sw].addr = a;
        sw[n_sw].teid = teid_of(it->gTP_TEID);
        n_sw++;
    }
    if (!n_sw) {
        /* 8.4.4.3: none of the E-RABs could be switched */
        path_switch_fail(ctx, enb, stream, m,
                         S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system,
                         "no E-RAB of the UE could be switched");
        return;
    }

    /* the downlink tunnels move: program the datapath first; an E-RAB the
     * datapath refuses keeps its old tunnel and is released */
    struct in_addr old_addr[AGW_MAX_PDN];
    uint32_t old_teid[AGW_MAX_PDN];
    unsigned n_ok = 0;
    for (unsigned k = 0; k < n_sw; k++) {
        struct agw_pdn *p = sw[k].p;
        old_addr[k] = p->enb_addr;
        old_teid[k] = p->dl_teid;
        p->enb_addr = sw[k].addr;
        p->dl_teid = sw[k].teid;
        if (pgw_pdn_switch(ctx, ue, p) < 0) {
            p->enb_addr = old_addr[k];
            p->dl_teid = old_teid[k];
            if (n_rel < sizeof(rel))
                rel[n_rel++] = p->ebi;
            sw[k].p = NULL;
            continue;
        }
        n_ok++;
    }
    if (!n_ok) {
        path_switch_fail(ctx, enb, stream, m,
                         S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system,
                         "the datapath refused every tunnel");
        return;
    }

    /* TS 23.401 5.5.1.1.2 step 5: End Marker on the old path right after
     * the switch (TS 29.281 7.3.2), to the old eNB with its old TEID */
    for (unsigned k = 0; k < n_sw; k++) {
        if (!sw[k].p || !old_teid[k] || !old_addr[k].s_addr ||
            (old_teid[k] == sw[k].teid && old_addr[k].s_addr == sw[k].addr.s_addr))
            continue;
        if (ctx->dp && dp_end_marker_send(ctx->dp, old_addr[k], old_teid[k]) == 0)
            ctx->stats.gtpu_end_marker_tx++;
    }

    /* E-RABs the target did not list are released by the MME (TS 23.401
     * 5.5.1.1.2 step 2): their sessions go; the UE learns it at its next
     * TAU from the EPS bearer context status */
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        struct agw_pdn *p = &ue->pdn[i];
        bool kept = false;
        for (unsigned k = 0; k < n_sw; k++)
            kept |= sw[k].p == p;
        if (p->state != PDN_FREE && !kept) {
            LOG_INFO(ctx, "s1ap", "ue %s: E-RAB %u not switched by the target: released",
                     ue_imsi_log(ctx, ue, b), p->ebi);
            pgw_pdn_release(ctx, ue, p);
        }
    }

    /* the UE now belongs to the target's association; the source eNB
     * releases its own context on the X2 UE Context Release */
    struct agw_ue *other = ue_find_enb(ctx, enb->assoc_id, m->eNB_UE_S1AP_ID);
    if (other && other != ue) {
        /* the target reused an eNB UE S1AP ID: that connection is gone */
        ue_s1_unbind(ctx, other);
        emm_s1_lost(ctx, other);
    }
    uint32_t src_assoc = ue->assoc_id, src_enb_ue = ue->enb_ue_id;
    uint8_t nh[32], ncc = ue->ncc;
    memcpy(nh, ue->nh, sizeof(nh));
    if (ue_s1_bind(ctx, ue, enb, m->eNB_UE_S1AP_ID) < 0) {
        explicit_bzero(nh, sizeof(nh));
        emm_s1_lost(ctx, ue);
        ue_store_mark(ctx, ue);
        path_switch_fail(ctx, enb, stream, m, S1AP_CauseRadioNetwork_unspecified,
                         "no memory for the new connection");
        return;
    }
    /* ue_s1_bind() ended the source connection's AS context; the NH
     * chain goes on with the UE (TS 33.401 7.2.8.4) */
    memcpy(ue->nh, nh, sizeof(nh));
    explicit_bzero(nh, sizeof(nh));
    ue->ncc = ncc;
    ue->nh_valid = true;
    memcpy(ue->tai_plmn, m->TAI.pLMNidentity, 3);
    ue->tac = (uint16_t)(m->TAI.tAC[0] << 8 | m->TAI.tAC[1]);
    memcpy(ue->cgi_plmn, m->EUTRAN_CGI.pLMNidentity, 3);
    ue->cell_id = m->EUTRAN_CGI.cell_ID;
    nh_next(ue);

    /* TS 33.401 7.2.4.2.2: the UE security capabilities the target
     * received from the source must be the ones we hold; if not, ours go
     * in the Acknowledge (and the mismatch is logged) */
    const s1ap_UESecurityCapabilities *c = &m->UESecurityCapabilities;
    uint8_t eea = c->encryptionAlgorithms.buf && c->encryptionAlgorithms.nbits >= 8
                      ? c->encryptionAlgorithms.buf[0] : 0;
    uint8_t eia = c->integrityProtectionAlgorithms.buf &&
                          c->integrityProtectionAlgorithms.nbits >= 8
                      ? c->integrityProtectionAlgorithms.buf[0] : 0;
    bool caps_differ = eea != (uint8_t)(ue->ue_net_cap.eea << 1) ||
                       eia != (uint8_t)(ue->ue_net_cap.eia << 1);
    if (caps_differ)
        LOG_WARN(ctx, "s1ap", "ue %s: UE security capabilities from the target differ from "
                 "the stored ones; the stored ones are sent back", ue_imsi_log(ctx, ue, b));

    ue_store_mark(ctx, ue);     /* the new tunnels, before the Acknowledge */
    s1ap_send_path_switch_ack(ctx, ue, rel, n_rel, caps_differ);
    ctx->stats.x2_handover_success++;
    LOG_DBG(ctx, "s1ap", "ue %s: X2 handover from assoc %u (enb %u) to eNB %u assoc %u "
             "(enb %u), %u E-RAB(s) switched, NCC %u", ue_imsi_log(ctx, ue, b), src_assoc,
             src_enb_ue, enb->enb_id, enb->assoc_id, ue->enb_ue_id, n_ok, ue->ncc);
}
