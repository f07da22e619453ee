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
     * with a usable address (IPv4, or IPv6 for a target on IPv6 only:
     * pgw_enb_tla()) and TEID.  Anything else goes into the E-RAB To Be
     * Released List of the Acknowledge (8.4.4.2). */
    struct {
        struct agw_pdn *p;
        struct in_addr addr;
        struct in6_addr addr6;
        uint32_t teid;
    } sw[AGW_MAX_PDN];
    unsigned n_sw = 0, n_rel = 0, n_ded = 0;
    uint8_t rel[16];
    const s1ap_E_RABToBeSwitchedDLItem *ded[AGW_MAX_DED];   /* dedicated bearers */
    const s1ap_E_RABToBeSwitchedDLList *l = &m->E_RABToBeSwitchedDLList;
    for (uint32_t i = 0; i < l->count; i++) {
        const s1ap_E_RABToBeSwitchedDLItem *it = &l->items[i];
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, it->e_RAB_ID);
        struct in_addr a;
        struct in6_addr a6;
        bool dup = false;
        if (!p && esm_bearer_by_ebi(ue, it->e_RAB_ID) && n_ded < AGW_MAX_DED) {
            ded[n_ded++] = it;      /* switched after the default bearers */
            continue;
        }
        for (unsigned k = 0; k < n_sw; k++)
            dup |= sw[k].p == p;
        if (!p || dup || p->state != PDN_ACTIVE ||
            !pgw_enb_tla(ctx, &it->transportLayerAddress, &a, &a6) ||
            teid_of(it->gTP_TEID) == 0 || n_sw >= AGW_MAX_PDN) {
            if (n_rel < sizeof(rel))
                rel[n_rel++] = it->e_RAB_ID;
            continue;
        }
        sw[n_sw].p = p;
        sw[n_sw].addr = a;
        sw[n_sw].addr6 = a6;
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
    struct in6_addr old6[AGW_MAX_PDN];
    uint32_t old_teid[AGW_MAX_PDN];
    unsigned n_ok = 0;
    for (unsigned k = 0; k < n_sw; k++) {
        struct agw_pdn *p = sw[k].p;
        old_addr[k] = p->enb_addr;
        old6[k] = p->enb6;
        old_teid[k] = p->dl_teid;
        p->enb_addr = sw[k].addr;
        p->enb6 = sw[k].addr6;
        p->dl_teid = sw[k].teid;
        if (pgw_pdn_switch(ctx, ue, p) < 0) {
            p->enb_addr = old_addr[k];
            p->enb6 = old6[k];
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
     * the switch (TS 29.281 7.3.2), to the old eNB with its old TEID, over
     * the old path's family */
    for (unsigned k = 0; k < n_sw; k++)
        if (sw[k].p)
            pgw_end_marker(ctx, old_addr[k], &old6[k], old_teid[k], sw[k].addr, &sw[k].addr6,
                           sw[k].teid);

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
    /* the dedicated bearers of the default bearers kept (esm_bearer.c) */
    uint8_t ded_sw[AGW_MAX_DED];
    unsigned n_ded_sw = 0;
    for (unsigned k = 0; k < n_ded; k++) {
        struct in_addr a;
        struct in6_addr a6;
        uint8_t ebi = (uint8_t)ded[k]->e_RAB_ID;
        bool dup = false;
        for (unsigned j = 0; j < n_ded_sw; j++)
            dup |= ded_sw[j] == ebi;
        if (!dup && pgw_enb_tla(ctx, &ded[k]->transportLayerAddress, &a, &a6) &&
            teid_of(ded[k]->gTP_TEID) &&
            esm_bearer_switch(ctx, ue, ebi, a, &a6, teid_of(ded[k]->gTP_TEID)))
            ded_sw[n_ded_sw++] = ebi;
        else if (!dup && n_rel < sizeof(rel))
            rel[n_rel++] = ebi;
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
    /* TS 23.401 5.5.1.1.2 step 2: dedicated bearers the target did not
     * accept are deactivated (through the target now) */
    esm_bearer_switch_done(ctx, ue, ded_sw, n_ded_sw);
    ctx->stats.x2_handover_success++;
    emm_nas_handover_end(ctx, ue);  /* held NAS re-sent (emm_transport.c) */
    LOG_DBG(ctx, "s1ap", "ue %s: X2 handover from assoc %u (enb %u) to eNB %u assoc %u "
             "(enb %u), %u E-RAB(s) switched, NCC %u", ue_imsi_log(ctx, ue, b), src_assoc,
             src_enb_ue, enb->enb_id, enb->assoc_id, ue->enb_ue_id, n_ok, ue->ncc);
}

/* ------------------------------------------------------- S1 handover -- */

/* S1-based handover within the gateway (TS 23.401 5.5.1.2.2 without
 * MME/SGW relocation, TS 36.413 8.4.1-8.4.6):
 *
 *   source: Handover Required  -> target: Handover Request (E-RABs with
 *           our uplink TEIDs, {NH, NCC} of the next link of the chain)
 *   target: Request Acknowledge -> source: Handover Command
 *   source: eNB Status Transfer -> target: MME Status Transfer
 *   target: Handover Notify     -> tunnels switched (End Marker on each
 *           old path), UE bound to the target, source: UE Context
 *           Release Command (successful-handover)
 *
 * Handover Failure from the target, or a target that is not there, ends
 * in Handover Preparation Failure to the source; Handover Cancel from the
 * source in Cancel Acknowledge, the target's connection released.  The
 * MME guards each phase with a timer named after the eNB's TS1RELOCprep
 * and TS1RELOCoverall, which bound the same phases on the source side
 * (TS 36.413 8.4.1.2, 8.4.2.2): preparation `mme.ts1relocprep`,
 * execution `mme.ts1relocoverall` (10 s each by default).  Nothing of the
 * handover is stored before the Notify: a restart before it leaves the
 * UE's tunnels at the source (what is stored), ECM-IDLE once the eNBs
 * reconnect; the Notify's switch is stored before the Release Command. */

enum ho_state { HO_NONE = 0, HO_PREPARING, HO_EXECUTING };

static void ho_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void ho_timer(struct agw_ctx *ctx, struct agw_ue *ue, double s)
{
    if (!ue->s1ho.timer.cb) {
        ev_init(&ue->s1ho.timer, ho_timer_cb);
        ue->s1ho.timer.data = ctx;
    }
    ev_timer_stop(ctx->loop, &ue->s1ho.timer);
    if (s > 0) {
        ev_timer_set(&ue->s1ho.timer, s, 0);
        ev_timer_start(ctx->loop, &ue->s1ho.timer);
    }
}

static void ho_clear(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ho_timer(ctx, ue, 0);
    ue->s1ho.state = HO_NONE;
    ue->s1ho.tgt_known = false;
    ue->s1ho.n_erab = 0;
    emm_nas_handover_end(ctx, ue);  /* held NAS re-sent (emm_transport.c) */
}

/* Releases the target's connection of a handover that will not happen
 * (cancel, failure, guard expiry); its Release Complete is awaited. */
static void ho_release_target(struct agw_ctx *ctx, struct agw_ue *ue, int rn_value)
{
    if (!ue->s1ho.tgt_known)
        return;
    s1ap_Cause c = rn_cause(rn_value);
    s1ap_send_ue_release(ctx, ue->s1ho.tgt_assoc, ue->s1ho.tgt_stream, ue->id,
                         &ue->s1ho.tgt_enb_ue_id, &c);
    ue->s1ho.rel_pending = true;
    ue->s1ho.rel_assoc = ue->s1ho.tgt_assoc;
    ue->s1ho.rel_enb_ue_id = ue->s1ho.tgt_enb_ue_id;
}

static void prep_fail(struct agw_ctx *ctx, struct agw_ue *ue, uint32_t assoc, uint16_t stream,
                      uint32_t mme_id, uint32_t enb_ue_id, const s1ap_Cause *c, const char *why)
{
    char b[20];
    ctx->stats.s1_handover_prep_failure++;
    LOG_WARN(ctx, "s1ap", "ue %s: S1 handover not prepared: %s",
             ue ? ue_imsi_log(ctx, ue, b) : "-", why);
    s1ap_send_ho_prep_failure(ctx, assoc, stream, mme_id, enb_ue_id, c);
}

static void ho_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct agw_ue *ue = agw_container_of(w, struct agw_ue, s1ho.timer);
    (void)loop;
    (void)revents;
    ctx->stats.s1_handover_timeout++;
    if (ue->s1ho.state == HO_PREPARING && ue->s1) {
        /* the target never answered: the source hears it failed */
        s1ap_Cause c = rn_cause(S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system);
        prep_fail(ctx, ue, ue->assoc_id, ue->stream, ue->id, ue->enb_ue_id, &c,
                  "no answer from the target eNB");
    } else if (ue->s1ho.state == HO_EXECUTING) {
        /* no Handover Notify: the target's connection goes; the UE stays
         * with the source, whose TS1RELOCoverall handles its own side */
        ho_release_target(ctx, ue, S1AP_CauseRadioNetwork_tS1relocoverall_expiry);
    }
    ho_clear(ctx, ue);
    agw_commit_request(ctx);
}

static struct agw_enb *find_target(struct agw_ctx *ctx, const s1ap_TargetID *t)
{
    if (t->present != S1AP_TargetID_PR_targeteNB_ID)
        return NULL;
    const s1ap_Global_ENB_ID *g = &t->u.targeteNB_ID.global_ENB_ID;
    uint32_t id;
    switch (g->eNB_ID.present) {
    case S1AP_ENB_ID_PR_macroENB_ID: id = g->eNB_ID.u.macroENB_ID; break;
    case S1AP_ENB_ID_PR_homeENB_ID: id = g->eNB_ID.u.homeENB_ID; break;
    case S1AP_ENB_ID_PR_short_macroENB_ID: id = g->eNB_ID.u.short_macroENB_ID; break;
    case S1AP_ENB_ID_PR_long_macroENB_ID: id = g->eNB_ID.u.long_macroENB_ID; break;
    default: return NULL;
    }
    struct agw_hnode *n = agw_hash_find(
        &ctx->enb_by_global,
        agw_enb_global_key(g->pLMNidentity, (uint8_t)g->eNB_ID.present, id));
    struct agw_enb *e = n ? agw_container_of(n, struct agw_enb, by_global) : NULL;
    return e && e->setup ? e : NULL;
}

/* The UE of a message from the UE's current (source) connection. */
static struct agw_ue *src_ue(struct agw_ctx *ctx, struct agw_enb *enb, uint32_t mme_id,
                             uint32_t enb_id)
{
    struct agw_ue *ue = ue_find_id(ctx, mme_id);
    if (ue && ue->s1 && ue->assoc_id == enb->assoc_id && ue->enb_ue_id == enb_id)
        return ue;
    return NULL;
}

/* The UE of a message from the target of its handover. */
static struct agw_ue *tgt_ue(struct agw_ctx *ctx, struct agw_enb *enb, uint32_t mme_id)
{
    struct agw_ue *ue = ue_find_id(ctx, mme_id);
    if (ue && ue->s1ho.state != HO_NONE && ue->s1ho.tgt_assoc == enb->assoc_id)
        return ue;
    return NULL;
}

static void unknown_pair(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                         uint32_t mme_id, const uint32_t *enb_id, const char *what)
{
    s1ap_Cause c = rn_cause(S1AP_CauseRadioNetwork_unknown_pair_ue_s1ap_id);
    ctx->stats.s1ap_unexpected++;
    LOG_WARN(ctx, "s1ap", "eNB %u: %s for mme %u not in a handover of ours", enb->enb_id, what,
             mme_id);
    /* TS 36.413 10.6: with the message's Criticality Diagnostics */
    s1ap_send_error_indication_about(ctx, enb->assoc_id, stream, &mme_id, enb_id, &c,
                                     ctx->rx_pdu);
}

/* TS 36.413 8.4.1 Handover Preparation */
static void handover_required(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                              const s1ap_HandoverRequired *m)
{
    struct agw_ue *ue = src_ue(ctx, enb, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    s1ap_Cause c;
    if (!ue) {
        unknown_pair(ctx, enb, stream, m->MME_UE_S1AP_ID, &m->eNB_UE_S1AP_ID,
                     "Handover Required");
        return;
    }
    if (m->HandoverType != S1AP_HandoverType_intralte) {
        /* inter-RAT handover: no other RAT behind this MME */
        c = rn_cause(S1AP_CauseRadioNetwork_unknown_targetID);
        prep_fail(ctx, ue, enb->assoc_id, stream, ue->id, ue->enb_ue_id, &c,
                  "not an intra-LTE handover");
        return;
    }
    if (ue->emm != EMM_REGISTERED || ue->attach_pending || !ue->nh_valid ||
        ue->proc == EMM_PROC_DETACH || ue->proc == EMM_PROC_RELEASE ||
        ue->s1ho.state != HO_NONE) {
        /* TS 36.413 8.4.1.4 / TS 23.401 5.5.1.2.2: the MME may refuse a
         * handover that collides with another procedure */
        c = rn_cause(S1AP_CauseRadioNetwork_interaction_with_other_procedure);
        prep_fail(ctx, ue, enb->assoc_id, stream, ue->id, ue->enb_ue_id, &c,
                  "the UE is in another procedure");
        return;
    }
    struct agw_enb *tgt = find_target(ctx, &m->TargetID);
    if (!tgt) {
        c = rn_cause(S1AP_CauseRadioNetwork_unknown_targetID);
        prep_fail(ctx, ue, enb->assoc_id, stream, ue->id, ue->enb_ue_id, &c,
                  "the target eNB is not one of ours (or not set up)");
        return;
    }
    /* TS 33.401 7.2.8.4.3: fresh {NH, NCC} for the target */
    if (nh_next(ue) < 0) {
        c = rn_cause(S1AP_CauseRadioNetwork_unspecified);
        prep_fail(ctx, ue, enb->assoc_id, stream, ue->id, ue->enb_ue_id, &c,
                  "no NH could be derived");
        return;
    }
    ue->s1ho.state = HO_PREPARING;
    ue->s1ho.type = (uint8_t)m->HandoverType;
    ue->s1ho.tgt_assoc = tgt->assoc_id;
    ue->s1ho.tgt_known = false;
    ue->s1ho.tgt_stream = tgt->ostreams > 1
                              ? (uint16_t)(1 + tgt->next_stream++ % (tgt->ostreams - 1)) : 0;
    s1ap_send_ho_request(ctx, ue, tgt, &m->Cause, &m->Source_ToTarget_TransparentContainer);
    ho_timer(ctx, ue, ctx->cfg->mme.ts1relocprep_ms / 1000.0);
}

/* An E-RAB the Handover Request carried: an active default bearer, or an
 * active dedicated one (s1ap_ho_ded_items) */
static bool erab_handed_over(struct agw_ue *ue, uint8_t ebi)
{
    const struct agw_pdn *p = pgw_pdn_by_ebi(ue, ebi);
    if (p)
        return p->state == PDN_ACTIVE;
    const struct agw_bearer *b = esm_bearer_by_ebi(ue, ebi);
    return b && b->state == BEARER_ACTIVE && !b->deferred;
}

static bool ho_admitted(const struct agw_ue *ue, uint8_t ebi)
{
    for (unsigned k = 0; k < ue->s1ho.n_erab; k++)
        if (ue->s1ho.erab[k].ebi == ebi)
            return true;
    return false;
}

/* TS 36.413 8.4.2.2: the target admitted the UE */
static void handover_request_ack(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                 const s1ap_HandoverRequestAcknowledge *m)
{
    struct agw_ue *ue = tgt_ue(ctx, enb, m->MME_UE_S1AP_ID);
    if (!ue || ue->s1ho.state != HO_PREPARING || !ue->s1) {
        /* a late answer (the handover was cancelled or timed out): the
         * target's new connection is of no use */
        s1ap_Cause c = rn_cause(S1AP_CauseRadioNetwork_unknown_mme_ue_s1ap_id);
        s1ap_send_ue_release(ctx, enb->assoc_id, stream, m->MME_UE_S1AP_ID, &m->eNB_UE_S1AP_ID,
                             &c);
        ctx->stats.s1ap_unexpected++;
        return;
    }
    ue->s1ho.tgt_known = true;
    ue->s1ho.tgt_enb_ue_id = m->eNB_UE_S1AP_ID;
    ue->s1ho.n_erab = 0;
    const s1ap_E_RABAdmittedList *l = &m->E_RABAdmittedList;
    for (uint32_t i = 0; i < l->count && ue->s1ho.n_erab < AGW_MAX_PDN + AGW_MAX_DED; i++) {
        const s1ap_E_RABAdmittedItem *it = &l->items[i];
        struct in_addr a;
        struct in6_addr a6;
        /* a target on IPv6 only answers with 128 bits (pgw_enb_tla()) */
        if (!erab_handed_over(ue, it->e_RAB_ID) ||
            !pgw_enb_tla(ctx, &it->transportLayerAddress, &a, &a6) || teid_of(it->gTP_TEID) == 0)
            continue;
        unsigned k = ue->s1ho.n_erab++;
        ue->s1ho.erab[k].ebi = it->e_RAB_ID;
        ue->s1ho.erab[k].addr = a;
        ue->s1ho.erab[k].addr6 = a6;
        ue->s1ho.erab[k].teid = teid_of(it->gTP_TEID);
    }
    if (!ue->s1ho.n_erab) {
        s1ap_Cause c = rn_cause(S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system);
        ho_release_target(ctx, ue, S1AP_CauseRadioNetwork_unspecified);
        prep_fail(ctx, ue, ue->assoc_id, ue->stream, ue->id, ue->enb_ue_id, &c,
                  "the target admitted no E-RAB of the UE");
        ho_clear(ctx, ue);
        return;
    }
    /* E-RABs the target did not admit are released by the source with
     * the Handover Command (TS 36.413 8.4.1.2), dedicated ones too */
    uint8_t rel[AGW_MAX_PDN + AGW_MAX_DED];
    unsigned n_rel = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        if (p->state != PDN_FREE && !ho_admitted(ue, p->ebi))
            rel[n_rel++] = p->ebi;
    }
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        if (b->state == BEARER_ACTIVE && !b->deferred && !ho_admitted(ue, b->ebi))
            rel[n_rel++] = b->ebi;
    }
    s1ap_send_ho_command(ctx, ue, rel, n_rel, &m->Target_ToSource_TransparentContainer);
    ue->s1ho.state = HO_EXECUTING;
    ho_timer(ctx, ue, ctx->cfg->mme.ts1relocoverall_ms / 1000.0);
}

/* TS 36.413 8.4.2.3: the target could not admit the UE */
static void handover_failure(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const s1ap_HandoverFailure *m)
{
    struct agw_ue *ue = tgt_ue(ctx, enb, m->MME_UE_S1AP_ID);
    if (!ue || ue->s1ho.state != HO_PREPARING) {
        unknown_pair(ctx, enb, stream, m->MME_UE_S1AP_ID, NULL, "Handover Failure");
        return;
    }
    if (ue->s1)
        prep_fail(ctx, ue, ue->assoc_id, ue->stream, ue->id, ue->enb_ue_id, &m->Cause,
                  "the target eNB failed the Handover Request");
    ho_clear(ctx, ue);
}

/* TS 36.413 8.4.6 / 8.4.7: eNB Status Transfer -> MME Status Transfer */
static void enb_status_transfer(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                const s1ap_ENBStatusTransfer *m)
{
    struct agw_ue *ue = src_ue(ctx, enb, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue || ue->s1ho.state != HO_EXECUTING) {
        unknown_pair(ctx, enb, stream, m->MME_UE_S1AP_ID, &m->eNB_UE_S1AP_ID,
                     "eNB Status Transfer");
        return;
    }
    s1ap_send_mme_status_transfer(ctx, ue, &m->eNB_StatusTransfer_TransparentContainer);
}

/* TS 36.413 8.4.3 Handover Notification: the UE is at the target */
static void handover_notify(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                            const s1ap_HandoverNotify *m)
{
    struct agw_ue *ue = tgt_ue(ctx, enb, m->MME_UE_S1AP_ID);
    char b[20];
    if (!ue || ue->s1ho.state != HO_EXECUTING || ue->s1ho.tgt_enb_ue_id != m->eNB_UE_S1AP_ID) {
        unknown_pair(ctx, enb, stream, m->MME_UE_S1AP_ID, &m->eNB_UE_S1AP_ID,
                     "Handover Notify");
        return;
    }
    /* the downlink follows the UE (TS 23.401 5.5.1.2.2 step 17-18): each
     * admitted bearer's tunnel to the target, an End Marker on the old */
    unsigned n_ok = 0, n_ded = 0;
    uint8_t ded_sw[AGW_MAX_DED];
    for (unsigned k = 0; k < ue->s1ho.n_erab; k++) {
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, ue->s1ho.erab[k].ebi);
        if (!p) {
            /* a dedicated bearer: its tunnel, End Marker on the old one */
            if (n_ded < AGW_MAX_DED &&
                esm_bearer_switch(ctx, ue, ue->s1ho.erab[k].ebi, ue->s1ho.erab[k].addr,
                                  &ue->s1ho.erab[k].addr6, ue->s1ho.erab[k].teid)) {
                ded_sw[n_ded++] = ue->s1ho.erab[k].ebi;
                n_ok++;
            }
            continue;
        }
        struct in_addr old_addr = p->enb_addr;
        struct in6_addr old6 = p->enb6;
        uint32_t old_teid = p->dl_teid;
        p->enb_addr = ue->s1ho.erab[k].addr;
        p->enb6 = ue->s1ho.erab[k].addr6;
        p->dl_teid = ue->s1ho.erab[k].teid;
        if (pgw_pdn_switch(ctx, ue, p) < 0) {
            p->enb_addr = old_addr;
            p->enb6 = old6;
            p->dl_teid = old_teid;
            continue;
        }
        n_ok++;
        pgw_end_marker(ctx, old_addr, &old6, old_teid, p->enb_addr, &p->enb6, p->dl_teid);
    }
    /* bearers the target did not admit were released by the Command */
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        struct agw_pdn *p = &ue->pdn[i];
        if (p->state != PDN_FREE && !ho_admitted(ue, p->ebi))
            pgw_pdn_release(ctx, ue, p);
    }
    bool had_src = ue->s1;
    uint32_t src_assoc = ue->assoc_id, src_enb_ue = ue->enb_ue_id;
    uint16_t src_stream = ue->stream;
    struct agw_ue *other = ue_find_enb(ctx, enb->assoc_id, m->eNB_UE_S1AP_ID);
    if (other && other != ue) {
        ue_s1_unbind(ctx, other);
        emm_s1_lost(ctx, other);
    }
    uint8_t nh[32], ncc = ue->ncc;
    bool nh_ok = ue->nh_valid;
    memcpy(nh, ue->nh, sizeof(nh));
    ho_clear(ctx, ue);
    if (ue_s1_bind(ctx, ue, enb, m->eNB_UE_S1AP_ID) < 0) {
        explicit_bzero(nh, sizeof(nh));
        emm_s1_lost(ctx, ue);
        ue_store_mark(ctx, ue);
        return;
    }
    memcpy(ue->nh, nh, sizeof(nh));
    explicit_bzero(nh, sizeof(nh));
    ue->ncc = ncc;
    ue->nh_valid = nh_ok;
    memcpy(ue->tai_plmn, m->TAI.pLMNidentity, 3);
    ue->tac = (uint16_t)(m->TAI.tAC[0] << 8 | m->TAI.tAC[1]);
    memcpy(ue->cgi_plmn, m->EUTRAN_CGI.pLMNidentity, 3);
    ue->cell_id = m->EUTRAN_CGI.cell_ID;
    ue_store_mark(ctx, ue);         /* the new tunnels, before anything is sent */
    if (had_src) {
        /* TS 23.401 5.5.1.2.2 step 19: the source's resources go */
        s1ap_Cause c = rn_cause(S1AP_CauseRadioNetwork_successful_handover);
        s1ap_send_ue_release(ctx, src_assoc, src_stream, ue->id, &src_enb_ue, &c);
        ue->s1ho.rel_pending = true;
        ue->s1ho.rel_assoc = src_assoc;
        ue->s1ho.rel_enb_ue_id = src_enb_ue;
    }
    /* TS 23.401 5.5.1.2.2 step 19 / 5.4.4.2: dedicated bearers the target
     * did not admit are deactivated, through the target now */
    esm_bearer_switch_done(ctx, ue, ded_sw, n_ded);
    ctx->stats.s1_handover_success++;
    LOG_DBG(ctx, "s1ap", "ue %s: S1 handover to eNB %u (assoc %u, enb %u), %u E-RAB(s)",
            ue_imsi_log(ctx, ue, b), enb->enb_id, enb->assoc_id, ue->enb_ue_id, n_ok);
}

/* TS 36.413 8.4.5 Handover Cancellation */
static void handover_cancel(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                            const s1ap_HandoverCancel *m)
{
    struct agw_ue *ue = src_ue(ctx, enb, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue) {
        unknown_pair(ctx, enb, stream, m->MME_UE_S1AP_ID, &m->eNB_UE_S1AP_ID,
                     "Handover Cancel");
        return;
    }
    if (ue->s1ho.state != HO_NONE) {
        ctx->stats.s1_handover_cancel++;
        ho_release_target(ctx, ue, S1AP_CauseRadioNetwork_handover_cancelled);
        ho_clear(ctx, ue);
    }
    /* 8.4.5.2: acknowledged in any case */
    s1ap_send_ho_cancel_ack(ctx, ue);
}

void s1ap_handle_s1_handover(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const struct s1ap_pdu *pdu)
{
    switch (pdu->kind) {
    case S1AP_MSG_HandoverRequired:
        handover_required(ctx, enb, stream, &pdu->u.HandoverRequired);
        break;
    case S1AP_MSG_HandoverRequestAcknowledge:
        handover_request_ack(ctx, enb, stream, &pdu->u.HandoverRequestAcknowledge);
        break;
    case S1AP_MSG_HandoverFailure:
        handover_failure(ctx, enb, stream, &pdu->u.HandoverFailure);
        break;
    case S1AP_MSG_ENBStatusTransfer:
        enb_status_transfer(ctx, enb, stream, &pdu->u.ENBStatusTransfer);
        break;
    case S1AP_MSG_HandoverNotify:
        handover_notify(ctx, enb, stream, &pdu->u.HandoverNotify);
        break;
    case S1AP_MSG_HandoverCancel:
        handover_cancel(ctx, enb, stream, &pdu->u.HandoverCancel);
        break;
    default:
        break;
    }
}

bool s1ap_ho_release_complete(struct agw_ctx *ctx, struct agw_enb *enb, uint32_t mme_ue_id,
                              uint32_t enb_ue_id)
{
    struct agw_ue *ue = ue_find_id(ctx, mme_ue_id);
    if (!ue || !ue->s1ho.rel_pending || ue->s1ho.rel_assoc != enb->assoc_id ||
        ue->s1ho.rel_enb_ue_id != enb_ue_id)
        return false;
    /* the UE's current connection is another one: only the old goes */
    ue->s1ho.rel_pending = false;
    return true;
}
