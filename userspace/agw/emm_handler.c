/* Received EMM messages (TS 24.301 5.4, 5.5): the security layer first
 * (which messages may come without integrity, replays, wrong MACs), then
 * identification, authentication, security mode control, attach and
 * detach.  Every message a UE can send in a state that does not expect it
 * is answered with EMM STATUS or dropped, and counted. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"
#include "agw/agw_s6a.h"
#include "sec/kdf.h"
#include "sec/nas_algs.h"

/* TS 24.301 4.4.4.3: messages the network processes even when they are
 * not integrity protected or their MAC fails (before a context exists, or
 * with a context the UE no longer has). */
static bool allowed_without_integrity(enum nas_msg_id id)
{
    switch (id) {
    case NAS_MSG_ATTACH_REQUEST:
    case NAS_MSG_IDENTITY_RESPONSE:
    case NAS_MSG_AUTH_RESPONSE:
    case NAS_MSG_AUTH_FAILURE:
    case NAS_MSG_SECURITY_MODE_REJECT:
    case NAS_MSG_DETACH_REQUEST_UE:
    case NAS_MSG_DETACH_ACCEPT:
    case NAS_MSG_TAU_REQUEST:
    /* the handlers check rx_integrity_ok and answer a failure with a
     * reject (emm_service.c) */
    case NAS_MSG_EXT_SERVICE_REQUEST:
        return true;
    default:
        return false;
    }
}

/* The EPS mobile identity of an initial message, to find the UE's context. */
static const struct nas_mobile_id *initial_identity(const struct nas_message *m)
{
    switch (m->id) {
    case NAS_MSG_ATTACH_REQUEST: return &m->attach_request.eps_mobile_id;
    case NAS_MSG_DETACH_REQUEST_UE: return &m->detach_request_ue.eps_mobile_id;
    case NAS_MSG_TAU_REQUEST: return &m->tau_request.old_guti;
    case NAS_MSG_EXT_SERVICE_REQUEST: return &m->ext_service_request.m_tmsi;
    default: return NULL;
    }
}

static bool guti_is_ours(struct agw_ctx *ctx, const struct nas_guti *g)
{
    struct nas_plmn p;
    agw_nas_plmn(&ctx->cfg->mme.gummei.plmn, &p);
    return g->plmn.mcc == p.mcc && g->plmn.mnc == p.mnc &&
           g->mmegi == ctx->cfg->mme.gummei.mme_gid && g->mmec == ctx->cfg->mme.gummei.mme_code;
}

/* An initial NAS message named a UE we know: the new S1 connection takes
 * over the old context (its security context, GUTI and sessions), under
 * the MME UE S1AP ID of the new connection. */
struct agw_ue *emm_adopt_context(struct agw_ctx *ctx, struct agw_ue *fresh, struct agw_ue *old)
{
    if (old == fresh)
        return fresh;
    struct agw_enb *enb = enb_find_assoc(ctx, fresh->assoc_id);
    uint32_t enb_ue_id = fresh->enb_ue_id;
    uint32_t id = fresh->id;
    if (old->s1) {
        /* the UE cannot be on two connections: drop the older one */
        s1ap_release_ue(ctx, old, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
        ue_s1_unbind(ctx, old);
    }
    memcpy(old->tai_plmn, fresh->tai_plmn, 3);
    old->tac = fresh->tac;
    memcpy(old->cgi_plmn, fresh->cgi_plmn, 3);
    old->cell_id = fresh->cell_id;
    ue_free(ctx, fresh);
    agw_hash_del(&ctx->ue_by_id, &old->by_id);
    old->id = id;
    agw_hash_add(&ctx->ue_by_id, &old->by_id, id);
    if (old->dirty) {
        /* the store's list names it by its old id: under the new one, or
         * the commit would not find it and it would never be written
         * again (ue_store_mark() skips a UE already marked) */
        old->dirty = false;
        ue_store_mark(ctx, old);
    }
    pgw_ue_reindex(ctx, old);       /* its sessions' index follows the id */
    if (enb)
        ue_s1_bind(ctx, old, enb, enb_ue_id);
    return old;
}

/* The subscriber is now on this context: another context holding the same
 * IMSI (a registered UE attaching again on a new connection without a
 * GUTI we could resolve, TS 24.301 5.5.1.2.7 e)) is replaced: its sessions
 * and connection go. */
static int take_imsi(struct agw_ctx *ctx, struct agw_ue *ue, const char *imsi)
{
    struct agw_ue *other = ue_find_imsi(ctx, imsi);
    if (other && other != ue) {
        char b[20];
        LOG_INFO(ctx, "emm", "ue %s: a new attach replaces the old context (mme ue id %u)",
                 ue_imsi_log(ctx, other, b), other->id);
        emm_context_drop(ctx, other);
    }
    return ue_set_imsi(ctx, ue, imsi);
}

/* ---------------------------------------------------------- attach -- */

static void save_pdn_request(struct agw_ue *ue, const struct nas_container *c)
{
    struct nas_message esm;
    ue->esm_pti = 0;
    ue->req_apn[0] = 0;
    ue->esm_info_flag = false;
    ue->req_pdn_type = NAS_PDN_IPV4;
    if (nas_decode_plain(c->v, c->len, &esm) < 0 || esm.id != NAS_MSG_PDN_CONN_REQUEST)
        return;
    const struct nas_pdn_conn_request *r = &esm.pdn_conn_request;
    ue->esm_pti = esm.pti;
    ue->req_pdn_type = r->pdn_type;
    ue->esm_info_flag = r->has_esm_info_transfer_flag && (r->esm_info_transfer_flag & 1);
    if (r->has_apn)
        snprintf(ue->req_apn, sizeof(ue->req_apn), "%s", r->apn.name);
    ue->req_pco_dns = ue->req_pco_mtu = ue->req_pco_pcscf = false;
    ue->req_pco_dns6 = ue->req_pco_pcscf6 = false;
    esm_pco_request(ue, r->has_pco, &r->pco);
}

/* TS 24.301 5.4.2.2: AUTHENTICATION REQUEST with a vector from the HSS
 * (local, or the AIA of S6a). */
void emm_auth_vector(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t rand[16],
                     const uint8_t *xres, uint8_t xres_len, const uint8_t autn[16],
                     const uint8_t kasme[32])
{
    if (xres_len < 4 || xres_len > sizeof(ue->xres)) {
        emm_attach_reject(ctx, ue, 17, 0);
        return;
    }
    memcpy(ue->rand, rand, 16);
    memcpy(ue->pend_autn, autn, 16);
    memcpy(ue->xres, xres, xres_len);
    ue->xres_len = xres_len;
    memcpy(ue->pend_kasme, kasme, 32);
    /* a KSI different from the current one (TS 24.301 9.9.3.21) */
    ue->pend_ksi = (uint8_t)(ue->ksi == NAS_KSI_NONE ? 0 : (ue->ksi + 1) % 7);
    ue->auth_pending = true;
    ue->emm = EMM_COMMON_PROC_INIT;
    emm_send_auth_request(ctx, ue);
    emm_timer_start(ctx, ue, EMM_PROC_AUTH);
}

/* TS 33.401 6.1 / TS 24.301 5.4.2: a fresh vector and AUTHENTICATION
 * REQUEST.  With S6a the AIR goes and the AIA continues (s6a_handler.c). */
static void start_authentication(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct sec_eps_vector v;
    char b[20];
    if (s6a_enabled(ctx)) {
        int rc = s6a_send_air(ctx, ue, NULL, NULL);
        if (rc < 0) {
            LOG_WARN(ctx, "emm", "ue %s: AIR not sent: %s", ue_imsi_log(ctx, ue, b),
                     strerror(-rc));
            emm_attach_reject(ctx, ue, 17, 0);
        }
        return;
    }
    int rc = agw_hss_vector(ctx, ue->imsi, &v);
    if (rc < 0) {
        LOG_WARN(ctx, "emm", "ue %s: no authentication vector: %s", ue_imsi_log(ctx, ue, b),
                 strerror(-rc));
        /* TS 29.272 A: unable to comply -> network failure */
        emm_attach_reject(ctx, ue, 17, 0);
        return;
    }
    emm_auth_vector(ctx, ue, v.rand, v.xres, 8, v.autn, v.kasme);
    explicit_bzero(&v, sizeof(v));
}

/* The IMSI is known: check the subscriber, then authenticate. */
static void attach_identified(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct agw_sub sub;
    char b[20];
    if (s6a_enabled(ctx)) {
        /* TS 23.401 5.3.2.1 steps 5a and 8: AIR now, ULR once the UE is
         * authenticated and the security mode set; the subscription comes
         * with the ULA */
        ue->s6a_located = false;
        start_authentication(ctx, ue);
        return;
    }
    int rc = agw_hss_lookup(ctx, ue->imsi, &sub);
    if (rc == -ENOENT) {
        /* TS 29.272 Annex A: DIAMETER_ERROR_USER_UNKNOWN -> #8 */
        LOG_INFO(ctx, "emm", "ue %s: unknown subscriber", ue_imsi_log(ctx, ue, b));
        emm_attach_reject(ctx, ue, 8, 0);
        return;
    }
    if (rc < 0) {
        emm_attach_reject(ctx, ue, 17, 0);  /* network failure */
        return;
    }
    if (sub.state == AGW_SUB_BARRED) {
        emm_attach_reject(ctx, ue, 3, 0);   /* #3 illegal UE: operator barring */
        return;
    }
    if (sub.state == AGW_SUB_INACTIVE) {
        emm_attach_reject(ctx, ue, 7, 0);   /* #7 EPS services not allowed */
        return;
    }
    snprintf(ue->msisdn, sizeof(ue->msisdn), "%s", sub.msisdn);
    ue->ue_ambr_ul = sub.ue_ambr_ul_bps ? sub.ue_ambr_ul_bps : ctx->cfg->mme.ue_ambr.ul_bps;
    ue->ue_ambr_dl = sub.ue_ambr_dl_bps ? sub.ue_ambr_dl_bps : ctx->cfg->mme.ue_ambr.dl_bps;
    start_authentication(ctx, ue);
}

/* TS 24.301 5.5.1.2.3/4: ATTACH REQUEST */
static void handle_attach_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                  const struct nas_attach_request *r)
{
    char b[20];
    ctx->stats.attach_request++;
    if (ue->emm == EMM_REGISTERED || ue->attach_pending) {
        /* TS 24.301 5.5.1.2.7 d)/e): a new attach replaces the old state:
         * its sessions go, the new attach runs from the start */
        for (unsigned i = 0; i < AGW_MAX_PDN; i++)
            if (ue->pdn[i].state != PDN_FREE)
                pgw_pdn_release(ctx, ue, &ue->pdn[i]);
        emm_timer_stop(ctx, ue);
        ue->emm = EMM_DEREGISTERED;
    }
    ue->attach_pending = true;
    ue->keep_ctx = false;
    ue->attach_start_ns = agw_now_ns();
    ue->attach_type = r->eps_attach_type;
    ue->ue_net_cap = r->ue_net_cap;
    ue->auth_attempts = 0;
    save_pdn_request(ue, &r->esm_container);

    if ((ue->ue_net_cap.eia & 0x7f) == 0) {
        /* TS 24.301 5.4.3.2: no EIA1-3; EIA0 only for emergency */
        emm_attach_reject(ctx, ue, 23, 0);  /* UE security capabilities mismatch */
        return;
    }
    if (r->eps_mobile_id.type == NAS_EPS_ID_IMSI) {
        if (take_imsi(ctx, ue, r->eps_mobile_id.digits) < 0) {
            emm_attach_reject(ctx, ue, 17, 0);
            return;
        }
    } else if (!ue->imsi[0]) {
        /* TS 24.301 5.5.1.2.2: GUTI we cannot resolve -> identification */
        ue->identity_for_attach = true;
        ue->emm = EMM_COMMON_PROC_INIT;
        emm_send_identity_request(ctx, ue);
        emm_timer_start(ctx, ue, EMM_PROC_IDENTITY);
        return;
    }
    LOG_DBG(ctx, "emm", "ue %s: attach request", ue_imsi_log(ctx, ue, b));
    attach_identified(ctx, ue);
}

static void handle_identity_response(struct agw_ctx *ctx, struct agw_ue *ue,
                                     const struct nas_identity_response *r)
{
    if (ue->proc != EMM_PROC_IDENTITY || r->mobile_id.type != NAS_ID_IMSI) {
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        return;
    }
    emm_timer_stop(ctx, ue);
    if (take_imsi(ctx, ue, r->mobile_id.digits) < 0) {
        emm_attach_reject(ctx, ue, 17, 0);
        return;
    }
    if (ue->identity_for_attach) {
        ue->identity_for_attach = false;
        attach_identified(ctx, ue);
    }
}

static void handle_auth_response(struct agw_ctx *ctx, struct agw_ue *ue,
                                 const struct nas_auth_response *r)
{
    char b[20];
    if (!ue->auth_pending || ue->proc != EMM_PROC_AUTH) {
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        return;
    }
    emm_timer_stop(ctx, ue);
    ue->auth_pending = false;
    /* TS 33.401 6.1.1: RES must equal XRES */
    if (r->res.len != ue->xres_len || memcmp(r->res.v, ue->xres, ue->xres_len) != 0) {
        LOG_INFO(ctx, "emm", "ue %s: wrong RES", ue_imsi_log(ctx, ue, b));
        ctx->stats.auth_mac_failure += 0;
        emm_send_auth_reject(ctx, ue);
        ctx->stats.attach_reject++;
        /* TS 24.301 5.4.2.5: after AUTHENTICATION REJECT the UE context
         * goes; the S1 connection is released */
        emm_context_drop(ctx, ue);
        return;
    }
    ctx->stats.auth_success++;
    /* TS 24.301 5.4.3: the new KSI/KASME become a new context, taken into
     * use by the SECURITY MODE COMMAND */
    uint8_t eea_pref[AGW_MAX_ALGS], eia_pref[AGW_MAX_ALGS];
    const struct agw_config *cfg = ctx->cfg;
    memcpy(eea_pref, cfg->mme.security.ciphering, cfg->mme.security.n_ciphering);
    memcpy(eia_pref, cfg->mme.security.integrity, cfg->mme.security.n_integrity);
    int eia = sec_select_eia(ue->ue_net_cap.eia, eia_pref, cfg->mme.security.n_integrity);
    int eea = sec_select_eea(ue->ue_net_cap.eea, eea_pref, cfg->mme.security.n_ciphering);
    if (eia <= 0 || eea < 0) {
        /* nothing in common (EIA0 is never chosen outside emergency) */
        emm_attach_reject(ctx, ue, 23, 0);
        return;
    }
    if (ue->sec_valid && !ue->sec_lazy)
        nas_sec_ctx_free(&ue->sec);
    ue->sec_valid = false;
    ue->sec_lazy = false;
    if (nas_sec_ctx_init_kasme(&ue->sec, NAS_SEC_ROLE_NETWORK, ue->pend_ksi, (uint8_t)eea,
                               (uint8_t)eia, ue->pend_kasme) != NAS_SEC_OK) {
        emm_attach_reject(ctx, ue, 17, 0);
        return;
    }
    ue->sec_valid = true;
    ue->ksi = ue->pend_ksi;
    memcpy(ue->kasme, ue->pend_kasme, 32);
    explicit_bzero(ue->pend_kasme, sizeof(ue->pend_kasme));
    emm_send_smc(ctx, ue);
    emm_timer_start(ctx, ue, EMM_PROC_SMC);
    ue_store_mark(ctx, ue);
}

/* TS 24.301 5.4.2.6: AUTHENTICATION FAILURE */
static void handle_auth_failure(struct agw_ctx *ctx, struct agw_ue *ue,
                                const struct nas_auth_failure *f)
{
    char b[20];
    if (!ue->auth_pending || ue->proc != EMM_PROC_AUTH) {
        ctx->stats.nas_unexpected++;
        return;
    }
    emm_timer_stop(ctx, ue);
    ue->auth_pending = false;
    ue->auth_attempts++;
    if (f->emm_cause == 21 && f->has_auts && ue->auth_attempts <= 2) {
        /* synch failure: the HSS takes SQN_MS from AUTS, then a new vector */
        ctx->stats.auth_synch_failure++;
        if (s6a_enabled(ctx)) {
            /* TS 29.272 5.2.3.1.2: AIR with Re-Synchronization-Info */
            int rc = s6a_send_air(ctx, ue, ue->rand, f->auts);
            if (rc == 0)
                return;
            LOG_WARN(ctx, "emm", "ue %s: AIR not sent: %s", ue_imsi_log(ctx, ue, b),
                     strerror(-rc));
            emm_attach_reject(ctx, ue, 17, 0);
            return;
        }
        int rc = agw_hss_resync(ctx, ue->imsi, ue->rand, f->auts);
        if (rc == 0) {
            LOG_INFO(ctx, "emm", "ue %s: SQN resynchronised", ue_imsi_log(ctx, ue, b));
            start_authentication(ctx, ue);
            return;
        }
        LOG_WARN(ctx, "emm", "ue %s: resynchronisation refused (%s)", ue_imsi_log(ctx, ue, b),
                 strerror(-rc));
    } else if (f->emm_cause == 20) {
        ctx->stats.auth_mac_failure++;      /* the network is not authentic to the UE */
    }
    LOG_INFO(ctx, "emm", "ue %s: authentication failure #%u (%s)", ue_imsi_log(ctx, ue, b),
             f->emm_cause, nas_emm_cause_str(f->emm_cause));
    emm_send_auth_reject(ctx, ue);
    ctx->stats.attach_reject++;
    emm_context_drop(ctx, ue);
}

static void attach_accept(struct agw_ctx *ctx, struct agw_ue *ue);

/* After SMC: with S6a the location update first (its ULA comes back
 * here), ESM information if the UE asked for it, the PDN connection (with
 * a PCRF: its CCA-I), then attach accept. */
static void attach_continue(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (s6a_enabled(ctx) && !ue->s6a_located) {
        char b[20];
        int rc = s6a_send_ulr(ctx, ue);
        if (rc < 0) {
            LOG_WARN(ctx, "emm", "ue %s: ULR not sent: %s", ue_imsi_log(ctx, ue, b),
                     strerror(-rc));
            emm_attach_reject(ctx, ue, 17, 0);
        }
        return;
    }
    if (ue->esm_info_flag && !ue->esm_info_received) {
        esm_send_esm_info_request(ctx, ue);
        emm_timer_start(ctx, ue, EMM_PROC_ESM_INFO);
        return;
    }
    struct agw_pdn *p;
    int cause = esm_attach_pdn(ctx, ue, &p);
    if (cause > 0) {
        ctx->stats.pdn_connect_reject++;
        /* TS 24.301 5.5.1.2.5: ESM failure -> EMM #19 with the ESM reject */
        emm_attach_reject(ctx, ue, 19, (uint8_t)cause);
        return;
    }
    /* TS 23.401 5.3.2.1 step 14: with a PCRF, the default bearer's QoS
     * and rules come with the CCA-I; no NAS timer runs meanwhile (the Tx
     * timer bounds the wait, esm_gx_answered continues) */
    if (p->gx_wait)
        return;
    attach_accept(ctx, ue);
}

void emm_attach_pdn_ready(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                          uint8_t esm_cause)
{
    char b[20];
    if (!ue->attach_pending || ue->emm != EMM_COMMON_PROC_INIT || !ue->s1) {
        /* the attach is no longer where it waited (the UE's connection
         * went): its PDN connection goes with it */
        LOG_INFO(ctx, "emm", "ue %s: CCA-I for an attach that is gone", ue_imsi_log(ctx, ue, b));
        pgw_pdn_release(ctx, ue, p);
        ue_store_mark(ctx, ue);
        return;
    }
    if (esm_cause) {
        /* the default bearer goes first: its Gx session is gone (no CCR-T) */
        pgw_pdn_release(ctx, ue, p);
        ctx->stats.pdn_connect_reject++;
        emm_attach_reject(ctx, ue, 19, esm_cause);    /* TS 24.301 5.5.1.2.5 */
        return;
    }
    attach_accept(ctx, ue);
}

/* TS 24.301 5.5.1.2.4: ATTACH ACCEPT with the default bearer's activation,
 * in the Initial Context Setup */
static void attach_accept(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->m_tmsi == 0 || ue->guti_sent) {
        if (ue_new_guti(ctx, ue) < 0) {
            emm_attach_reject(ctx, ue, 17, 0);
            return;
        }
    }
    struct nas_message m;
    uint8_t nas[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    uint8_t kenb[32];
    if (emm_build_attach_accept(ctx, ue, &m) < 0 ||
        nas_encode_protected(ctx, ue, &m, nas, sizeof(nas), &len) < 0) {
        emm_attach_reject(ctx, ue, 17, 0);
        return;
    }
    /* TS 33.401 7.2.6.1, A.3: KeNB from KASME and the uplink NAS COUNT of
     * the SECURITY MODE COMPLETE that took the context into use, not of a
     * later message (an ESM INFORMATION RESPONSE, or the UE's answer to a
     * retransmitted SECURITY MODE COMMAND): the UE keeps that COUNT for the
     * AS security it sets up next (handle_smc_complete) */
    sec_kenb(ue->kasme, ue->kenb_count, kenb);
    ue->emm = EMM_REGISTERED_INIT;
    ue_store_mark(ctx, ue);
    s1ap_send_ics_request(ctx, ue, kenb, nas, len);
    explicit_bzero(kenb, sizeof(kenb));
    emm_timer_start(ctx, ue, EMM_PROC_ATTACH_ACCEPT);
}

void emm_attach_continue(struct agw_ctx *ctx, struct agw_ue *ue)
{
    attach_continue(ctx, ue);
}

/* Called by ESM once the ESM INFORMATION RESPONSE gave the APN. */
void emm_attach_esm_info_done(struct agw_ctx *ctx, struct agw_ue *ue)
{
    emm_timer_stop(ctx, ue);
    ue->esm_info_received = true;
    attach_continue(ctx, ue);
}

static void handle_smc_complete(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->proc != EMM_PROC_SMC) {
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        return;
    }
    emm_timer_stop(ctx, ue);
    ctx->stats.smc_success++;
    /* the first complete ends the procedure; the answer to a command
     * T3460 repeated meanwhile (TS 24.301 5.4.3.7 b) is unexpected above */
    ue->kenb_count = ue->rx_count;
    ue->esm_info_received = false;
    attach_continue(ctx, ue);
}

static void handle_smc_reject(struct agw_ctx *ctx, struct agw_ue *ue,
                              const struct nas_security_mode_reject *r)
{
    char b[20];
    if (ue->proc != EMM_PROC_SMC) {
        ctx->stats.nas_unexpected++;
        return;
    }
    ctx->stats.smc_reject++;
    LOG_INFO(ctx, "emm", "ue %s: security mode reject #%u (%s)", ue_imsi_log(ctx, ue, b),
             r->emm_cause, nas_emm_cause_str(r->emm_cause));
    /* TS 24.301 5.4.3.5: the procedure is aborted; the attach with it */
    emm_timer_stop(ctx, ue);
    ue->attach_pending = false;
    ctx->stats.attach_reject++;
    emm_context_drop(ctx, ue);
}

/* TS 24.301 5.5.1.2.4: ATTACH COMPLETE, carrying the ACTIVATE DEFAULT EPS
 * BEARER CONTEXT ACCEPT */
static void handle_attach_complete(struct agw_ctx *ctx, struct agw_ue *ue,
                                   const struct nas_attach_complete *c)
{
    char b[20];
    if (ue->emm != EMM_REGISTERED_INIT) {
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        return;
    }
    struct nas_message esm;
    if (nas_decode_plain(c->esm_container.v, c->esm_container.len, &esm) < 0 ||
        esm.id != NAS_MSG_ACT_DEFAULT_ACCEPT) {
        ctx->stats.nas_decode_errors++;
        emm_send_status(ctx, ue, 96);
        return;
    }
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, esm.ebi);
    if (!p || p->state != PDN_PENDING) {
        emm_send_status(ctx, ue, 98);
        return;
    }
    emm_timer_stop(ctx, ue);
    p->state = PDN_ACTIVE;
    pgw_pdn_ra(ctx, ue, p);             /* IPv6: TS 29.061 11.2.1.3.4 */
    ue->emm = EMM_REGISTERED;
    ue->attach_pending = false;
    ue->guti_sent = true;
    ue_store_mark(ctx, ue);
    ctx->stats.attach_success++;
    ctx->stats.pdn_connect_success++;
    uint64_t us = (agw_now_ns() - ue->attach_start_ns) / 1000;
    agw_stats_attach_latency(&ctx->stats, us);
    char ip[INET_ADDRSTRLEN];
    LOG_INFO(ctx, "emm", "ue %s: attached, %s on APN %s, %llu us", ue_imsi_log(ctx, ue, b),
             inet_ntop(AF_INET, &p->ue_ip, ip, sizeof(ip)), ctx->cfg->apns[p->apn_idx].name,
             (unsigned long long)us);
    emm_send_information(ctx, ue);
    esm_bearer_connected(ctx, ue);      /* dedicated bearers that waited (esm_bearer.c) */
}

/* TS 24.301 5.5.2.2: UE-initiated detach */
static void handle_detach_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                  const struct nas_detach_request_ue *d)
{
    char b[20];
    ctx->stats.detach_ue++;
    LOG_INFO(ctx, "emm", "ue %s: detach%s", ue_imsi_log(ctx, ue, b),
             d->detach_type.switch_off ? " (switch off)" : "");
    /* 5.5.2.2.2: no DETACH ACCEPT when the UE is switching off */
    if (!d->detach_type.switch_off)
        emm_send_detach_accept(ctx, ue);
    emm_detach_done(ctx, ue);
}

static void handle_detach_accept(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->emm != EMM_DEREGISTERED_INIT) {
        ctx->stats.nas_unexpected++;
        return;
    }
    emm_detach_done(ctx, ue);
}

/* --------------------------------------------------- the entry point -- */

static void dispatch(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m)
{
    char b[20];
    LOG_DBG(ctx, "nas", "ue %s: <- %s", ue_imsi_log(ctx, ue, b), nas_msg_name(m->id));
    if (m->pd == NAS_PD_ESM) {
        esm_handle(ctx, ue, m);
        return;
    }
    switch (m->id) {
    case NAS_MSG_ATTACH_REQUEST: handle_attach_request(ctx, ue, &m->attach_request); break;
    case NAS_MSG_IDENTITY_RESPONSE: handle_identity_response(ctx, ue, &m->identity_response); break;
    case NAS_MSG_AUTH_RESPONSE: handle_auth_response(ctx, ue, &m->auth_response); break;
    case NAS_MSG_AUTH_FAILURE: handle_auth_failure(ctx, ue, &m->auth_failure); break;
    case NAS_MSG_SECURITY_MODE_COMPLETE: handle_smc_complete(ctx, ue); break;
    case NAS_MSG_SECURITY_MODE_REJECT: handle_smc_reject(ctx, ue, &m->security_mode_reject); break;
    case NAS_MSG_ATTACH_COMPLETE: handle_attach_complete(ctx, ue, &m->attach_complete); break;
    case NAS_MSG_DETACH_REQUEST_UE: handle_detach_request(ctx, ue, &m->detach_request_ue); break;
    case NAS_MSG_DETACH_ACCEPT: handle_detach_accept(ctx, ue); break;
    case NAS_MSG_EMM_STATUS:
        LOG_INFO(ctx, "emm", "ue %s: EMM STATUS #%u (%s)", ue_imsi_log(ctx, ue, b),
                 m->emm_status.emm_cause, nas_emm_cause_str(m->emm_status.emm_cause));
        break;
    case NAS_MSG_TAU_REQUEST: emm_handle_tau_request(ctx, ue, &m->tau_request); break;
    case NAS_MSG_TAU_COMPLETE: emm_handle_tau_complete(ctx, ue); break;
    case NAS_MSG_EXT_SERVICE_REQUEST:
        emm_handle_ext_service_request(ctx, ue, &m->ext_service_request);
        break;
    case NAS_MSG_GUTI_REALLOC_COMPLETE: emm_handle_guti_realloc_complete(ctx, ue); break;
    case NAS_MSG_UL_GENERIC_NAS_TRANSPORT: emm_handle_ul_generic(ctx, ue, &m->ul_generic_nas_transport); break;
    default:
        /* TS 24.301 7.4: message type not compatible with the state */
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        break;
    }
}

void emm_handle_uplink(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                       bool initial)
{
    uint8_t plain[AGW_NAS_MAX + 64];
    size_t plain_len = 0;
    struct nas_sec_info info;
    struct nas_message m;
    char b[20];

    if (len == 0 || len > AGW_NAS_MAX) {
        ctx->stats.nas_decode_errors++;
        if (initial)
            emm_context_drop(ctx, ue);
        return;
    }
    enum nas_sec_err se = nas_sec_peek(pdu, len, &info);
    if (se != NAS_SEC_OK) {
        ctx->stats.nas_decode_errors++;
        LOG_INFO(ctx, "nas", "ue %s: unusable security header: %s", ue_imsi_log(ctx, ue, b),
                 nas_sec_err_str(se));
        if (initial)
            emm_context_drop(ctx, ue);
        return;
    }
    if (info.hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        /* TS 24.301 5.6.1: ECM-IDLE -> ECM-CONNECTED (emm_service.c) */
        emm_service_request(ctx, ue, pdu, len, initial);
        return;
    }

    if (initial && info.hdr != NAS_SEC_HDR_PLAIN && len > NAS_SEC_HDR_LEN &&
        (info.hdr == NAS_SEC_HDR_INTEGRITY || info.hdr == NAS_SEC_HDR_INTEGRITY_NEW_CTX)) {
        /* Find the UE's context by the identity inside (integrity-only:
         * readable without keys), to check the MAC with it. */
        struct nas_message inner;
        if (nas_decode_plain(pdu + NAS_SEC_HDR_LEN, len - NAS_SEC_HDR_LEN, &inner) >= 0) {
            const struct nas_mobile_id *id = initial_identity(&inner);
            struct agw_ue *old = NULL;
            if (id && inner.id == NAS_MSG_EXT_SERVICE_REQUEST && id->type == NAS_ID_TMSI)
                old = emm_find_tmsi(ctx, id->tmsi);
            else if (id && id->type == NAS_EPS_ID_GUTI && guti_is_ours(ctx, &id->guti))
                old = emm_find_tmsi(ctx, id->guti.m_tmsi);
            else if (id && id->type == NAS_EPS_ID_IMSI)
                old = ue_find_imsi(ctx, id->digits);
            if (old)
                ue = emm_adopt_context(ctx, ue, old);
        }
    }

    ue_sec_ready(ctx, ue);
    se = nas_unprotect(ue->sec_valid ? &ue->sec : NULL, pdu, len, plain, sizeof(plain),
                       &plain_len, &info);
    bool integrity_ok = se == NAS_SEC_OK && (info.integrity_verified || info.hdr == NAS_SEC_HDR_PLAIN);
    if (se == NAS_SEC_ERR_REPLAY) {
        /* TS 24.301 4.4.3.2: a replayed message is discarded */
        ctx->stats.nas_replay++;
        LOG_INFO(ctx, "nas", "ue %s: replayed NAS message discarded", ue_imsi_log(ctx, ue, b));
        return;
    }
    if (se != NAS_SEC_OK && se != NAS_SEC_ERR_MAC && se != NAS_SEC_ERR_NO_CONTEXT) {
        ctx->stats.nas_decode_errors++;
        LOG_INFO(ctx, "nas", "ue %s: NAS message discarded: %s", ue_imsi_log(ctx, ue, b),
                 nas_sec_err_str(se));
        if (initial && !ue->imsi[0])
            emm_context_drop(ctx, ue);
        return;
    }
    int rc = nas_decode_plain(plain, plain_len, &m);
    if (rc < 0) {
        ctx->stats.nas_decode_errors++;
        LOG_INFO(ctx, "nas", "ue %s: undecodable NAS message: %s", ue_imsi_log(ctx, ue, b),
                 nas_err_str(m.err.code));
        /* TS 24.301 7.5/7.6: EMM STATUS with the cause that fits */
        if (plain_len >= 2 && (plain[0] & 0x0f) == NAS_PD_EMM && (integrity_ok || !ue->sec_valid))
            emm_send_status(ctx, ue, nas_err_emm_cause(m.err.code));
        if (initial && !ue->imsi[0])
            emm_context_drop(ctx, ue);
        return;
    }
    /* TS 24.301 4.4.4.3: after the security mode control procedure, only
     * the listed messages are processed without a verified MAC */
    bool need_integrity = ue->sec_valid || info.hdr != NAS_SEC_HDR_PLAIN;
    if (need_integrity && !integrity_ok && !allowed_without_integrity(m.id)) {
        ctx->stats.nas_mac_failure++;
        LOG_INFO(ctx, "nas", "ue %s: %s with a wrong MAC discarded", ue_imsi_log(ctx, ue, b),
                 nas_msg_name(m.id));
        return;
    }
    if (se == NAS_SEC_ERR_MAC)
        ctx->stats.nas_mac_failure++;
    if (ue->sec_valid && se == NAS_SEC_OK)
        ue_store_mark(ctx, ue);     /* the uplink COUNT moved */
    /* what the idle-mode handlers need of this message (emm_service.c) */
    ue->rx_initial = initial;
    ue->rx_integrity_ok = se == NAS_SEC_OK && info.integrity_verified;
    ue->rx_count = info.count;
    dispatch(ctx, ue, &m);
}
