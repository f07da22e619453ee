/* Received S1AP messages (TS 36.413 clause 8): the eNB's procedures (S1
 * Setup, Reset, eNB Configuration Update, Error Indication) and the UE-
 * associated ones, which find their UE by the S1AP ID pair and hand NAS to
 * EMM.  Anything an eNB can send that does not fit the state ends in an
 * Error Indication or a release, counted; never in an abort. */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"

static s1ap_Cause cause_of(int type, int value)
{
    s1ap_Cause c;
    memset(&c, 0, sizeof(c));
    c.present = (uint32_t)type;
    switch (type) {
    case S1AP_Cause_PR_radioNetwork: c.u.radioNetwork = value; break;
    case S1AP_Cause_PR_transport: c.u.transport = value; break;
    case S1AP_Cause_PR_nas: c.u.nas = value; break;
    case S1AP_Cause_PR_protocol: c.u.protocol = value; break;
    default: c.u.misc = value; break;
    }
    return c;
}

/* An Error Indication about the PDU being handled (ctx->rx_pdu: handlers
 * run on the one decoded PDU), with its Criticality Diagnostics. */
static void error_ind(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                      const uint32_t *mme_id, const uint32_t *enb_id, int type, int value)
{
    s1ap_Cause c = cause_of(type, value);
    s1ap_send_error_indication_about(ctx, assoc_id, stream, mme_id, enb_id, &c, ctx->rx_pdu);
}

/* ------------------------------------------------------------- eNBs -- */

void s1ap_enb_connected(struct agw_ctx *ctx, uint32_t assoc_id, const struct sockaddr_in *peer,
                        uint16_t ostreams, uint16_t istreams)
{
    char a[INET_ADDRSTRLEN];
    struct agw_enb *enb = enb_find_assoc(ctx, assoc_id);
    if (enb) /* the backend reported the same association twice */
        return;
    enb = calloc(1, sizeof(*enb));
    if (!enb) {
        s1ap_path_abort(ctx, assoc_id);
        return;
    }
    enb->assoc_id = assoc_id;
    enb->addr = *peer;
    enb->ostreams = ostreams;
    enb->istreams = istreams;
    enb->up_since_ns = agw_now_ns();
    if (agw_hash_add(&ctx->enb_by_assoc, &enb->by_assoc, assoc_id) < 0) {
        free(enb);
        s1ap_path_abort(ctx, assoc_id);
        return;
    }
    LOG_INFO(ctx, "s1ap", "eNB %s:%u connected (assoc %u, %u/%u streams)",
             inet_ntop(AF_INET, &peer->sin_addr, a, sizeof(a)), ntohs(peer->sin_port), assoc_id,
             ostreams, istreams);
}

struct assoc_arg {
    uint32_t assoc_id;
};

static void drop_ue_of_assoc(struct agw_ctx *ctx, struct agw_ue *ue, void *arg)
{
    const struct assoc_arg *a = arg;
    if (!ue->s1 || ue->assoc_id != a->assoc_id)
        return;
    ue_s1_unbind(ctx, ue);
    emm_s1_lost(ctx, ue);
}

static void enb_free(struct agw_ctx *ctx, struct agw_enb *enb)
{
    struct assoc_arg a = { enb->assoc_id };
    ue_foreach(ctx, drop_ue_of_assoc, &a);
    if (enb->setup && ctx->n_enbs_setup)
        ctx->n_enbs_setup--;
    agw_hash_del(&ctx->enb_by_assoc, &enb->by_assoc);
    agw_hash_del(&ctx->enb_by_global, &enb->by_global);
    free(enb);
}

void s1ap_enb_disconnected(struct agw_ctx *ctx, uint32_t assoc_id, const char *why)
{
    struct agw_enb *enb = enb_find_assoc(ctx, assoc_id);
    if (!enb)
        return;
    if (ctx->stopping) {
        /* the daemon is stopping, not the eNB: its UEs keep their tunnels
         * in the datapath, and the next xepc-agwd finds them in SQLite */
        agw_hash_del(&ctx->enb_by_assoc, &enb->by_assoc);
        agw_hash_del(&ctx->enb_by_global, &enb->by_global);
        free(enb);
        return;
    }
    LOG_INFO(ctx, "s1ap", "eNB %s (id %u, assoc %u) gone: %s; %u UE connections released",
             enb->name[0] ? enb->name : "-", enb->enb_id, assoc_id, why, enb->n_ues);
    enb_free(ctx, enb);
}

static bool enb_serves_our_plmn(struct agw_ctx *ctx, const s1ap_S1SetupRequest *m,
                                struct agw_enb *enb)
{
    bool ok = false;
    enb->n_tais = 0;
    for (uint32_t i = 0; i < m->SupportedTAs.count; i++) {
        const s1ap_SupportedTAs_Item *ta = &m->SupportedTAs.items[i];
        uint16_t tac = (uint16_t)(ta->tAC[0] << 8 | ta->tAC[1]);
        for (uint32_t j = 0; j < ta->broadcastPLMNs.count; j++) {
            const uint8_t *plmn = ta->broadcastPLMNs.items[j];
            if (enb->n_tais < AGW_ENB_MAX_TAIS) {
                memcpy(enb->tais[enb->n_tais].plmn, plmn, 3);
                enb->tais[enb->n_tais].tac = tac;
                enb->n_tais++;
            }
            /* TS 36.413 8.7.3.4: the MME rejects an eNB none of whose
             * TAs it serves */
            if (agw_config_tai_served(ctx->cfg, plmn, tac))
                ok = true;
        }
    }
    return ok;
}

/* eNB names are PrintableString; real eNBs send '_' and other characters
 * outside it.  Keep what came (operators see it in `enb list`), printable
 * ASCII only, and count the deviation. */
static void copy_enb_name(struct agw_ctx *ctx, struct agw_enb *enb, const s1ap_ENBname *n)
{
    static const char printable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789 '()+,-./:=?";
    size_t len = n->len < AGW_ENB_NAME_MAX ? n->len : AGW_ENB_NAME_MAX;
    bool lenient = false;
    for (size_t i = 0; i < len; i++) {
        char c = (char)n->buf[i];
        if (!strchr(printable, c) || c == 0)
            lenient = true;
        enb->name[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    enb->name[len] = 0;
    enb->name_lenient = lenient;
    if (lenient) {
        ctx->stats.s1ap_enb_name_lenient++;
        LOG_WARN(ctx, "s1ap", "assoc %u: eNB name \"%s\" has characters outside "
                 "PrintableString (TS 36.413 9.2.1.?); accepted", enb->assoc_id, enb->name);
    }
}

/* TS 36.413 8.7.3 S1 Setup */
static void handle_s1_setup(struct agw_ctx *ctx, struct agw_enb *enb, const s1ap_S1SetupRequest *m)
{
    const s1ap_Global_ENB_ID *g = &m->Global_ENB_ID;
    uint32_t id;
    switch (g->eNB_ID.present) {
    case S1AP_ENB_ID_PR_macroENB_ID: id = g->eNB_ID.u.macroENB_ID; break;
    case S1AP_ENB_ID_PR_homeENB_ID: id = g->eNB_ID.u.homeENB_ID; break;
    case S1AP_ENB_ID_PR_short_macroENB_ID: id = g->eNB_ID.u.short_macroENB_ID; break;
    case S1AP_ENB_ID_PR_long_macroENB_ID: id = g->eNB_ID.u.long_macroENB_ID; break;
    default: id = 0; break;
    }

    if (m->eNBname_present)
        copy_enb_name(ctx, enb, &m->eNBname);
    memcpy(enb->plmn, g->pLMNidentity, 3);
    enb->enb_id_type = (uint8_t)g->eNB_ID.present;
    enb->enb_id = id;
    enb->paging_drx = (uint8_t)m->DefaultPagingDRX;

    if (!enb_serves_our_plmn(ctx, m, enb)) {
        /* TS 36.413 8.7.3.4: unknown PLMN, and a Time To Wait so that a
         * misconfigured eNB does not hammer us */
        s1ap_Cause c = cause_of(S1AP_Cause_PR_misc, S1AP_CauseMisc_unknown_PLMN);
        s1ap_send_setup_failure(ctx, enb->assoc_id, &c, S1AP_TimeToWait_v10s);
        ctx->stats.s1_setup_failure++;
        LOG_WARN(ctx, "s1ap", "eNB %s (id %u): S1 Setup refused: none of its %u TAs is "
                 "served (check mme.tai)", enb->name, id, enb->n_tais);
        return;
    }

    /* An eNB that sets up again, here or on a new association after a link
     * flap that we have not noticed yet, replaces its old state: the old
     * association is stale and must not keep it from being served. */
    uint64_t key = agw_enb_global_key(enb->plmn, enb->enb_id_type, id);
    struct agw_hnode *n = agw_hash_find(&ctx->enb_by_global, key);
    if (n) {
        struct agw_enb *old = agw_container_of(n, struct agw_enb, by_global);
        if (old != enb) {
            LOG_INFO(ctx, "s1ap", "eNB id %u set up again on assoc %u: the old assoc %u is "
                     "dropped", id, enb->assoc_id, old->assoc_id);
            uint32_t old_assoc = old->assoc_id;
            enb_free(ctx, old);
            s1ap_path_abort(ctx, old_assoc);
        } else {
            /* TS 36.413 8.7.3.2: a second S1 Setup on the same association
             * resets it: its UE connections are gone */
            struct assoc_arg a = { enb->assoc_id };
            ue_foreach(ctx, drop_ue_of_assoc, &a);
        }
    }
    if (!enb->by_global.linked)
        agw_hash_add(&ctx->enb_by_global, &enb->by_global, key);
    if (!enb->setup) {
        enb->setup = true;
        ctx->n_enbs_setup++;
    }
    s1ap_send_setup_response(ctx, enb);
    ctx->stats.s1_setup_success++;
    LOG_INFO(ctx, "s1ap", "eNB %s (id %u, %u TAs) set up on assoc %u",
             enb->name[0] ? enb->name : "-", id, enb->n_tais, enb->assoc_id);
}

/* TS 36.413 8.7.4 eNB Configuration Update */
static void handle_enb_config_update(struct agw_ctx *ctx, struct agw_enb *enb,
                                     const s1ap_ENBConfigurationUpdate *m)
{
    if (m->eNBname_present)
        copy_enb_name(ctx, enb, &m->eNBname);
    if (m->SupportedTAs_present) {
        s1ap_S1SetupRequest tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.SupportedTAs = m->SupportedTAs;
        if (!enb_serves_our_plmn(ctx, &tmp, enb)) {
            s1ap_Cause c = cause_of(S1AP_Cause_PR_misc, S1AP_CauseMisc_unknown_PLMN);
            s1ap_send_enb_config_update_failure(ctx, enb->assoc_id, &c);
            return;
        }
    }
    s1ap_send_enb_config_update_ack(ctx, enb->assoc_id);
}

struct reset_arg {
    uint32_t assoc_id;
    const s1ap_Reset *req;
};

static void reset_ue(struct agw_ctx *ctx, struct agw_ue *ue, void *arg)
{
    const struct reset_arg *r = arg;
    if (!ue->s1 || ue->assoc_id != r->assoc_id)
        return;
    if (r->req->ResetType.present == S1AP_ResetType_PR_partOfS1_Interface) {
        const s1ap_UE_associatedLogicalS1_ConnectionListRes *l =
            &r->req->ResetType.u.partOfS1_Interface;
        bool listed = false;
        for (uint32_t i = 0; i < l->count && !listed; i++) {
            const s1ap_UE_associatedLogicalS1_ConnectionItem *it = &l->items[i];
            if ((it->mME_UE_S1AP_ID_present && it->mME_UE_S1AP_ID == ue->id) ||
                (it->eNB_UE_S1AP_ID_present && it->eNB_UE_S1AP_ID == ue->enb_ue_id))
                listed = true;
        }
        if (!listed)
            return;
    }
    ue_s1_unbind(ctx, ue);
    emm_s1_lost(ctx, ue);
}

/* TS 36.413 8.7.1 Reset (eNB initiated) */
static void handle_reset(struct agw_ctx *ctx, struct agw_enb *enb, const s1ap_Reset *m)
{
    struct reset_arg r = { enb->assoc_id, m };
    ue_foreach(ctx, reset_ue, &r);
    s1ap_send_reset_ack(ctx, enb->assoc_id, m);
    LOG_INFO(ctx, "s1ap", "eNB %u: reset (%s)", enb->enb_id,
             m->ResetType.present == S1AP_ResetType_PR_s1_Interface ? "all" : "partial");
}

/* ------------------------------------------------------ UE-associated -- */

/* The UE of a UE-associated message, checked against the ID pair (TS
 * 36.413 10.6: an unknown or inconsistent pair gets an Error Indication). */
static struct agw_ue *ue_of(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                            uint32_t mme_id, uint32_t enb_id)
{
    struct agw_ue *ue = ue_find_id(ctx, mme_id);
    if (ue && ue->s1 && ue->assoc_id == enb->assoc_id && ue->enb_ue_id == enb_id)
        return ue;
    ctx->stats.s1ap_unexpected++;
    LOG_WARN(ctx, "s1ap", "assoc %u: unknown UE pair mme %u enb %u", enb->assoc_id, mme_id,
             enb_id);
    error_ind(ctx, enb->assoc_id, stream, &mme_id, &enb_id, S1AP_Cause_PR_radioNetwork,
              ue ? S1AP_CauseRadioNetwork_unknown_pair_ue_s1ap_id
                 : S1AP_CauseRadioNetwork_unknown_mme_ue_s1ap_id);
    return NULL;
}

static void note_location(struct agw_ue *ue, const s1ap_TAI *tai, const s1ap_EUTRAN_CGI *cgi)
{
    memcpy(ue->tai_plmn, tai->pLMNidentity, 3);
    ue->tac = (uint16_t)(tai->tAC[0] << 8 | tai->tAC[1]);
    memcpy(ue->cgi_plmn, cgi->pLMNidentity, 3);
    ue->cell_id = cgi->cell_ID;
}

/* TS 36.413 8.6.2.1 Initial UE Message: a new UE-associated logical
 * connection.  Which UE it is comes from NAS (GUTI, IMSI): EMM decides. */
static void handle_initial_ue(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                              const s1ap_InitialUEMessage *m)
{
    struct agw_ue *old = ue_find_enb(ctx, enb->assoc_id, m->eNB_UE_S1AP_ID);
    if (old) {
        /* The eNB reused an eNB UE S1AP ID it had: its old connection is
         * gone (TS 36.413 8.6.2.1 leaves it to the MME) */
        ue_s1_unbind(ctx, old);
        emm_s1_lost(ctx, old);
    }
    struct agw_ue *ue = ue_new(ctx);
    if (!ue) {
        error_ind(ctx, enb->assoc_id, stream, NULL, &m->eNB_UE_S1AP_ID, S1AP_Cause_PR_misc,
                  S1AP_CauseMisc_control_processing_overload);
        return;
    }
    if (ue_s1_bind(ctx, ue, enb, m->eNB_UE_S1AP_ID) < 0) {
        ue_free(ctx, ue);
        return;
    }
    (void)stream;
    note_location(ue, &m->TAI, &m->EUTRAN_CGI);
    if (m->S_TMSI_present) {
        /* TS 36.413 8.6.2.1: the UE's S-TMSI names it for a SERVICE
         * REQUEST (emm_service.c) */
        ue->stmsi_present = true;
        ue->stmsi_mmec = m->S_TMSI.mMEC[0];
        ue->stmsi_m_tmsi = (uint32_t)m->S_TMSI.m_TMSI[0] << 24 |
                           (uint32_t)m->S_TMSI.m_TMSI[1] << 16 |
                           (uint32_t)m->S_TMSI.m_TMSI[2] << 8 | m->S_TMSI.m_TMSI[3];
    }
    emm_handle_uplink(ctx, ue, m->NAS_PDU.buf, m->NAS_PDU.len, true);
}

static void handle_ul_nas(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                          const s1ap_UplinkNASTransport *m)
{
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    note_location(ue, &m->TAI, &m->EUTRAN_CGI);
    emm_handle_uplink(ctx, ue, m->NAS_PDU.buf, m->NAS_PDU.len, false);
}

static uint32_t get_teid(const uint8_t t[4])
{
    return (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
}

/* A bearer the eNB set up: the downlink tunnel goes into the datapath. */
static bool bearer_setup(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi,
                         const s1ap_TransportLayerAddress *tla, const uint8_t teid[4])
{
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, ebi);
    char b[20];
    struct in_addr enb = {0};
    struct in6_addr enb6;
    if ((p || esm_bearer_by_ebi(ue, ebi)) &&
        (!pgw_enb_tla(ctx, tla, &enb, &enb6) || get_teid(teid) == 0)) {
        LOG_WARN(ctx, "s1ap", "ue %s: E-RAB %u with an unusable transport address or TEID",
                 ue_imsi_log(ctx, ue, b), ebi);
        return false;
    }
    if (!p && esm_bearer_enb_tunnel(ctx, ue, ebi, enb, &enb6, get_teid(teid)))
        return true;                /* a dedicated bearer (esm_bearer.c) */
    if (!p) {
        LOG_WARN(ctx, "s1ap", "ue %s: eNB set up unknown E-RAB %u", ue_imsi_log(ctx, ue, b), ebi);
        return false;
    }
    p->enb_addr = enb;
    p->enb6 = enb6;                 /* GTP-U over IPv6 when enb is 0.0.0.0 */
    p->dl_teid = get_teid(teid);
    if (pgw_pdn_program(ctx, ue, p) < 0)
        return false;
    ue_store_mark(ctx, ue);
    return true;
}

/* TS 36.413 8.3.1.2 Initial Context Setup: successful operation */
static void handle_ics_response(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                const s1ap_InitialContextSetupResponse *m)
{
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    bool ok = true;
    for (uint32_t i = 0; i < m->E_RABSetupListCtxtSURes.count; i++) {
        const s1ap_E_RABSetupItemCtxtSURes *it = &m->E_RABSetupListCtxtSURes.items[i];
        if (!bearer_setup(ctx, ue, it->e_RAB_ID, &it->transportLayerAddress, it->gTP_TEID))
            ok = false;
    }
    if (m->E_RABFailedToSetupListCtxtSURes_present)
        for (uint32_t i = 0; i < m->E_RABFailedToSetupListCtxtSURes.count; i++)
            if (!esm_bearer_enb_failed(ctx, ue,
                                       m->E_RABFailedToSetupListCtxtSURes.items[i].e_RAB_ID))
                ok = false;     /* a default bearer */
    if (ok)
        esm_bearer_connected(ctx, ue);  /* procedures that waited (esm_bearer.c) */
    emm_ics_done(ctx, ue, ok);
}

static void handle_ics_failure(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                               const s1ap_InitialContextSetupFailure *m)
{
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    ctx->stats.ics_failure++;
    emm_ics_done(ctx, ue, false);
}

/* TS 36.413 8.3.3.2 UE Context Release (eNB initiated): the MME answers
 * with the command; the bearers lose their downlink tunnel (the UE goes
 * ECM-IDLE; its sessions stay). */
static void handle_release_request(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                   const s1ap_UEContextReleaseRequest *m)
{
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    s1ap_send_ue_release(ctx, ue->assoc_id, ue->stream, ue->id, &ue->enb_ue_id, &m->Cause);
}

static void handle_release_complete(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                    const s1ap_UEContextReleaseComplete *m)
{
    /* the source's connection after an S1 handover (s1ap_handover.c) */
    if (s1ap_ho_release_complete(ctx, enb, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID))
        return;
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    ctx->stats.ue_context_release++;
    ue_s1_unbind(ctx, ue);
    emm_s1_lost(ctx, ue);
}

/* TS 36.413 8.2.1 E-RAB Setup (additional PDN connection) */
static void handle_erab_setup_response(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                                       const s1ap_E_RABSetupResponse *m)
{
    struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
    if (!ue)
        return;
    if (m->E_RABSetupListBearerSURes_present)
        for (uint32_t i = 0; i < m->E_RABSetupListBearerSURes.count; i++) {
            const s1ap_E_RABSetupItemBearerSURes *it = &m->E_RABSetupListBearerSURes.items[i];
            bearer_setup(ctx, ue, it->e_RAB_ID, &it->transportLayerAddress, it->gTP_TEID);
        }
    if (m->E_RABFailedToSetupListBearerSURes_present)
        for (uint32_t i = 0; i < m->E_RABFailedToSetupListBearerSURes.count; i++) {
            struct agw_pdn *p =
                pgw_pdn_by_ebi(ue, m->E_RABFailedToSetupListBearerSURes.items[i].e_RAB_ID);
            if (esm_bearer_enb_failed(ctx, ue,
                                      m->E_RABFailedToSetupListBearerSURes.items[i].e_RAB_ID))
                continue;
            /* the UE never got the bearer: free the PDN connection */
            if (p && p->state == PDN_PENDING) {
                pgw_pdn_release(ctx, ue, p);
                ctx->stats.pdn_connect_reject++;
                ue_store_mark(ctx, ue);
            }
        }
    esm_bearer_connected(ctx, ue);      /* procedures that waited (esm_bearer.c) */
}

static void handle_error_indication(struct agw_ctx *ctx, struct agw_enb *enb,
                                    const s1ap_ErrorIndication *m)
{
    ctx->stats.s1ap_error_indication_rx++;
    LOG_WARN(ctx, "s1ap", "eNB %u: Error Indication (mme %d enb %d, cause %u/%u)", enb->enb_id,
             m->MME_UE_S1AP_ID_present ? (int)m->MME_UE_S1AP_ID : -1,
             m->eNB_UE_S1AP_ID_present ? (int)m->eNB_UE_S1AP_ID : -1,
             m->Cause_present ? m->Cause.present : 0,
             m->Cause_present ? (unsigned)m->Cause.u.misc : 0);
    s1ap_error_indication_ue(ctx, enb, m);
}

/* ------------------------------------------------------------ dispatch -- */

void s1ap_release_ue(struct agw_ctx *ctx, struct agw_ue *ue, int cause_type, int cause)
{
    if (!ue->s1)
        return;
    s1ap_Cause c = cause_of(cause_type, cause);
    s1ap_send_ue_release(ctx, ue->assoc_id, ue->stream, ue->id, &ue->enb_ue_id, &c);
}

void s1ap_handle_pdu(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                     const uint8_t *buf, size_t len)
{
    struct agw_enb *enb = enb_find_assoc(ctx, assoc_id);
    /* one decode buffer for the daemon: handlers only queue what they
     * send, so a PDU is never decoded while another is being handled */
    struct s1ap_pdu *pdu = ctx->rx_pdu;
    struct s1ap_decode_error err;
    struct aper_arena arena;

    if (!enb)
        return;
    aper_arena_init(&arena, ctx->rx_arena, AGW_RX_ARENA_SIZE);
    int rc = s1ap_decode(buf, len, pdu, &arena, &err);
    if (rc < 0 && err.cause != S1AP_DECODE_IGNORED_IES) {
        /* TS 36.413 10: transfer syntax / abstract syntax errors */
        ctx->stats.s1ap_decode_errors++;
        LOG_WARN(ctx, "s1ap", "assoc %u: undecodable PDU (%zu bytes): %s (%s in %s)", assoc_id,
                 len, s1ap_decode_cause_str(err.cause), err.detail ? err.detail : "-",
                 err.type_name ? err.type_name : "-");
        if (err.cause != S1AP_DECODE_NO_MEMORY)
            s1ap_send_decode_error(ctx, assoc_id, stream, &err);
        return;
    }

    if (!enb->setup && pdu->kind != S1AP_MSG_S1SetupRequest) {
        /* TS 36.413 8.7.3.1: S1 Setup is the first procedure */
        ctx->stats.s1ap_unexpected++;
        error_ind(ctx, assoc_id, stream, NULL, NULL, S1AP_Cause_PR_protocol,
                  S1AP_CauseProtocol_message_not_compatible_with_receiver_state);
        return;
    }

    switch (pdu->kind) {
    case S1AP_MSG_S1SetupRequest:
        handle_s1_setup(ctx, enb, &pdu->u.S1SetupRequest);
        break;
    case S1AP_MSG_InitialUEMessage:
        handle_initial_ue(ctx, enb, stream, &pdu->u.InitialUEMessage);
        break;
    case S1AP_MSG_UplinkNASTransport:
        handle_ul_nas(ctx, enb, stream, &pdu->u.UplinkNASTransport);
        break;
    case S1AP_MSG_InitialContextSetupResponse:
        handle_ics_response(ctx, enb, stream, &pdu->u.InitialContextSetupResponse);
        break;
    case S1AP_MSG_InitialContextSetupFailure:
        handle_ics_failure(ctx, enb, stream, &pdu->u.InitialContextSetupFailure);
        break;
    case S1AP_MSG_UEContextReleaseRequest:
        handle_release_request(ctx, enb, stream, &pdu->u.UEContextReleaseRequest);
        break;
    case S1AP_MSG_UEContextReleaseComplete:
        handle_release_complete(ctx, enb, stream, &pdu->u.UEContextReleaseComplete);
        break;
    case S1AP_MSG_E_RABSetupResponse:
        handle_erab_setup_response(ctx, enb, stream, &pdu->u.E_RABSetupResponse);
        break;
    case S1AP_MSG_E_RABModifyResponse: {
        /* the QoS changes when the UE accepts (esm_bearer.c, esm_dqos.c);
         * a default bearer's E-RAB the eNB failed to modify ends its
         * modification (TS 36.413 8.2.2.3) */
        const s1ap_E_RABModifyResponse *m = &pdu->u.E_RABModifyResponse;
        struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
        for (uint32_t i = 0; ue && m->E_RABFailedToModifyList_present &&
                             i < m->E_RABFailedToModifyList.count; i++)
            esm_dqos_erab_failed(ctx, ue, m->E_RABFailedToModifyList.items[i].e_RAB_ID);
        break;
    }
    case S1AP_MSG_E_RABReleaseResponse:
        /* the bearer is already gone on our side (released with the
         * DEACTIVATE EPS BEARER CONTEXT ACCEPT); nothing to do */
        break;
    case S1AP_MSG_PathSwitchRequest:
        s1ap_handle_path_switch(ctx, enb, stream, &pdu->u.PathSwitchRequest);
        break;
    case S1AP_MSG_HandoverRequired:
    case S1AP_MSG_HandoverRequestAcknowledge:
    case S1AP_MSG_HandoverFailure:
    case S1AP_MSG_ENBStatusTransfer:
    case S1AP_MSG_HandoverNotify:
    case S1AP_MSG_HandoverCancel:
        s1ap_handle_s1_handover(ctx, enb, stream, pdu);
        break;
    case S1AP_MSG_ErrorIndication:
        handle_error_indication(ctx, enb, &pdu->u.ErrorIndication);
        break;
    case S1AP_MSG_Reset:
        handle_reset(ctx, enb, &pdu->u.Reset);
        break;
    case S1AP_MSG_ResetAcknowledge:
        s1ap_handle_reset_ack(ctx, enb);
        break;
    case S1AP_MSG_UEContextModificationResponse: {
        const s1ap_UEContextModificationResponse *m = &pdu->u.UEContextModificationResponse;
        struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
        if (ue)
            s1ap_handle_ue_mod_answer(ctx, ue, true, NULL);
        break;
    }
    case S1AP_MSG_UEContextModificationFailure: {
        const s1ap_UEContextModificationFailure *m = &pdu->u.UEContextModificationFailure;
        struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
        if (ue)
            s1ap_handle_ue_mod_answer(ctx, ue, false, &m->Cause);
        break;
    }
    case S1AP_MSG_E_RABModificationIndication: {
        const s1ap_E_RABModificationIndication *m = &pdu->u.E_RABModificationIndication;
        struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
        if (ue)
            s1ap_handle_erab_mod_ind(ctx, ue, m);
        break;
    }
    case S1AP_MSG_ENBConfigurationUpdate:
        handle_enb_config_update(ctx, enb, &pdu->u.ENBConfigurationUpdate);
        break;
    case S1AP_MSG_NASNonDeliveryIndication: {
        const s1ap_NASNonDeliveryIndication *m = &pdu->u.NASNonDeliveryIndication;
        struct agw_ue *ue = ue_of(ctx, enb, stream, m->MME_UE_S1AP_ID, m->eNB_UE_S1AP_ID);
        if (ue)
            emm_nas_non_delivery(ctx, ue, m->NAS_PDU.buf, m->NAS_PDU.len, &m->Cause);
        break;
    }
    case S1AP_MSG_UECapabilityInfoIndication:
        LOG_DBG(ctx, "s1ap", "assoc %u: %s noted", assoc_id, s1ap_msg_name(pdu->kind));
        break;
    default:
        /* a procedure we do not run (yet): TS 36.413 10.3.4.1 wants an
         * Error Indication for a message not compatible with our state */
        ctx->stats.s1ap_unexpected++;
        LOG_WARN(ctx, "s1ap", "assoc %u: %s not handled", assoc_id, s1ap_msg_name(pdu->kind));
        if (pdu->type == S1AP_INITIATING_MESSAGE)
            error_ind(ctx, assoc_id, stream, err.mme_ue_s1ap_id_present ? &err.mme_ue_s1ap_id : NULL,
                      err.enb_ue_s1ap_id_present ? &err.enb_ue_s1ap_id : NULL,
                      S1AP_Cause_PR_protocol,
                      S1AP_CauseProtocol_message_not_compatible_with_receiver_state);
        break;
    }
}
