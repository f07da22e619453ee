/* ECM-IDLE -> ECM-CONNECTED and mobility in xepc-agwd (TS 24.301 5.6.1,
 * 5.5.3, 5.4.1; TS 23.401 5.3.3, 5.3.4): SERVICE REQUEST (the short-MAC
 * message of security header type 12) and EXTENDED SERVICE REQUEST for
 * packet services, TRACKING AREA UPDATE (normal and periodic, with and
 * without the active flag) and GUTI reallocation (in TAU ACCEPT and as its
 * own procedure).
 *
 * A service request or an active-flag TAU ends in an Initial Context Setup
 * that restores every E-RAB of the UE, KeNB from the uplink NAS COUNT of
 * the message (TS 33.401 7.2.6.2, A.3); the response sets the downlink
 * tunnels again (s1ap_handler.c bearer_setup) and the datapath sends what
 * it kept for the UE while it was idle.  Like every handler, nothing here
 * sends: the messages are queued behind the group commit. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"
#include "sec/kdf.h"

/* The UE a GUTI's M-TMSI names: its current GUTI, or the one being
 * replaced (TS 24.301 5.4.1.4 / 5.5.3.2.4: until the reallocation is
 * complete the network takes both). */
struct agw_ue *emm_find_tmsi(struct agw_ctx *ctx, uint32_t m_tmsi)
{
    struct agw_ue *ue = ue_find_tmsi(ctx, m_tmsi);
    if (ue)
        return ue;
    struct agw_hnode *n = agw_hash_find(&ctx->ue_by_tmsi, 1ull << 32 | m_tmsi);
    return n ? agw_container_of(n, struct agw_ue, by_old_tmsi) : NULL;
}

/* The old GUTI stops being valid (the reallocation completed). */
void emm_forget_old_guti(struct agw_ctx *ctx, struct agw_ue *ue)
{
    agw_hash_del(&ctx->ue_by_tmsi, &ue->by_old_tmsi);
    ue->old_m_tmsi = 0;
}

/* A new GUTI for the UE; the old one stays findable until the UE has the
 * new one. */
static int realloc_guti(struct agw_ctx *ctx, struct agw_ue *ue)
{
    uint32_t old = ue->m_tmsi;
    emm_forget_old_guti(ctx, ue);
    int rc = ue_new_guti(ctx, ue);
    if (rc < 0)
        return rc;
    if (old && old != ue->m_tmsi &&
        agw_hash_add(&ctx->ue_by_tmsi, &ue->by_old_tmsi, 1ull << 32 | old) == 0)
        ue->old_m_tmsi = old;
    return 0;
}

/* TS 24.301 8.2.24 SERVICE REJECT.  The UE takes it without integrity
 * protection (4.4.4.2) when we cannot protect it (no context). */
static void service_reject(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t cause)
{
    struct nas_message m;
    char b[20];
    nas_message_init(&m, NAS_MSG_SERVICE_REJECT);
    m.service_reject.emm_cause = cause;
    ctx->stats.service_reject++;
    ctx->stats.emm_cause_tx[cause]++;
    LOG_INFO(ctx, "emm", "ue %s: service rejected, #%u (%s)", ue_imsi_log(ctx, ue, b), cause,
             nas_emm_cause_str(cause));
    nas_send(ctx, ue, &m);
}

/* After a reject on a connection the UE opened: the connection goes; a
 * context we found and adopted stays (registered UEs go ECM-IDLE again,
 * detached ones keep their security context), a fresh one is dropped. */
static void end_connection(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->imsi[0] || (ue->emm != EMM_REGISTERED && !ue->keep_ctx)) {
        emm_context_drop(ctx, ue);
        return;
    }
    s1ap_release_ue(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
}

/* TS 24.301 5.6.1.4 / 5.5.3.2.4: bearers the UE no longer has (its EPS
 * bearer context status) are released locally.  Returns the PDN
 * connections left. */
static unsigned sync_bearer_status(struct agw_ctx *ctx, struct agw_ue *ue, bool present,
                                   uint16_t status)
{
    unsigned left = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        struct agw_pdn *p = &ue->pdn[i];
        if (p->state == PDN_FREE)
            continue;
        /* 9.9.2.1: bit n of the 16 is EBI n (octet 3 bit 1 = EBI 0) */
        if (present && p->ebi <= 15 && !(status & (1u << p->ebi))) {
            char b[20];
            LOG_INFO(ctx, "emm", "ue %s: bearer %u inactive in the UE, released",
                     ue_imsi_log(ctx, ue, b), p->ebi);
            pgw_pdn_release(ctx, ue, p);
            ctx->stats.pdn_disconnect++;
            ue_store_mark(ctx, ue);
            continue;
        }
        left++;
    }
    if (present)
        esm_bearer_sync_status(ctx, ue, status);    /* dedicated bearers (esm_bearer.c) */
    return left;
}

/* The UE is back: every E-RAB it has goes to the eNB with KeNB from the
 * uplink NAS COUNT of the message that brought it (TS 33.401 A.3). */
static int restore_bearers(struct agw_ctx *ctx, struct agw_ue *ue, uint32_t ul_count)
{
    uint8_t kenb[32];
    if (sec_kenb(ue->kasme, ul_count, kenb) < 0)
        return -EINVAL;
    int rc = s1ap_send_ics_request(ctx, ue, kenb, NULL, 0);
    explicit_bzero(kenb, sizeof(kenb));
    ue_store_mark(ctx, ue);
    return rc;
}

/* TS 24.301 5.6.1.4: the service request is accepted by setting the
 * bearers up (no NAS answer). */
static void service_accept(struct agw_ctx *ctx, struct agw_ue *ue, uint32_t ul_count)
{
    char b[20];
    if (emm_detach_resume(ctx, ue))
        return;                     /* a network detach paged the UE (emm_sm.c) */
    if (sync_bearer_status(ctx, ue, false, 0) == 0) {
        /* 5.6.1.5 #40: no EPS bearer context activated */
        service_reject(ctx, ue, 40);
        emm_detach_done(ctx, ue);
        return;
    }
    if (restore_bearers(ctx, ue, ul_count) < 0) {
        service_reject(ctx, ue, 17);
        end_connection(ctx, ue);
        return;
    }
    ctx->stats.service_accept++;
    LOG_DBG(ctx, "emm", "ue %s: service request accepted (COUNT %u)", ue_imsi_log(ctx, ue, b),
            ul_count);
}

/* TS 24.301 5.6.1: SERVICE REQUEST.  It names no identity: the UE is the
 * one of the S-TMSI in the Initial UE Message (TS 36.413 8.6.2.1). */
void emm_service_request(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                         bool initial)
{
    char b[20];
    ctx->stats.service_request++;
    if (initial) {
        struct agw_ue *old = NULL;
        if (ue->stmsi_present && ue->stmsi_mmec == ctx->cfg->mme.gummei.mme_code)
            old = emm_find_tmsi(ctx, ue->stmsi_m_tmsi);
        if (!old || old == ue) {
            /* 5.6.1.5 #9: UE identity cannot be derived by the network */
            service_reject(ctx, ue, 9);
            emm_context_drop(ctx, ue);
            return;
        }
        if (old->emm != EMM_REGISTERED || old->attach_pending) {
            /* 5.6.1.5 #10: implicitly detached (the context we keep
             * after a detach, or one in the middle of another attach) */
            service_reject(ctx, ue, 10);
            emm_context_drop(ctx, ue);
            return;
        }
        ue = emm_adopt_context(ctx, ue, old);
    } else if (ue->emm != EMM_REGISTERED) {
        ctx->stats.nas_unexpected++;
        service_reject(ctx, ue, 10);
        return;
    }

    /* 4.4.4.3: the short MAC is checked with the UE's current context,
     * the COUNT estimated from the 5 bits it carries (4.4.3.1) */
    ue_sec_ready(ctx, ue);
    struct nas_sec_info info;
    memset(&info, 0, sizeof(info));
    uint8_t plain[NAS_SEC_SERVICE_REQUEST_LEN + 4];
    size_t plain_len;
    enum nas_sec_err se = ue->sec_valid
        ? nas_unprotect(&ue->sec, pdu, len, plain, sizeof(plain), &plain_len, &info)
        : NAS_SEC_ERR_NO_CONTEXT;
    if (se == NAS_SEC_ERR_REPLAY) {
        /* 4.4.3.2: discarded; the connection it opened goes */
        ctx->stats.nas_replay++;
        LOG_INFO(ctx, "nas", "ue %s: replayed SERVICE REQUEST discarded", ue_imsi_log(ctx, ue, b));
        if (initial)
            end_connection(ctx, ue);
        return;
    }
    if (se != NAS_SEC_OK || !info.integrity_verified || info.ksi != ue->ksi) {
        /* The UE's context is not ours (another KSI) or the MAC is wrong:
         * we do not authenticate from a service request; #9 makes the UE
         * attach again with its IMSI (5.6.1.5). */
        ctx->stats.nas_mac_failure++;
        LOG_INFO(ctx, "nas", "ue %s: SERVICE REQUEST fails the integrity check (%s, KSI %u/%u)",
                 ue_imsi_log(ctx, ue, b), nas_sec_err_str(se), info.ksi, ue->ksi);
        service_reject(ctx, ue, 9);
        end_connection(ctx, ue);
        return;
    }
    ue_store_mark(ctx, ue);     /* the uplink COUNT moved */
    service_accept(ctx, ue, info.count);
}

/* TS 24.301 5.6.1: EXTENDED SERVICE REQUEST, integrity protected, the
 * M-TMSI inside (emm_handler.c found the context by it). */
void emm_handle_ext_service_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                    const struct nas_ext_service_request *r)
{
    ctx->stats.service_request++;
    if (!ue->imsi[0]) {
        service_reject(ctx, ue, 9);
        emm_context_drop(ctx, ue);
        return;
    }
    if (ue->emm != EMM_REGISTERED || ue->attach_pending) {
        service_reject(ctx, ue, 10);
        if (ue->rx_initial)
            end_connection(ctx, ue);
        return;
    }
    if (!ue->rx_integrity_ok) {
        ctx->stats.nas_mac_failure++;
        service_reject(ctx, ue, 9);
        if (ue->rx_initial)
            end_connection(ctx, ue);
        return;
    }
    /* 9.9.3.27: 8 packet services via S1, 9/10 with (emergency) NB-IoT
     * and others; 0..2 are CS fallback, which an EPS-only MME cannot do */
    if (r->service_type < 8) {
        service_reject(ctx, ue, 18);    /* #18 CS domain not available */
        if (ue->rx_initial)
            end_connection(ctx, ue);
        return;
    }
    if (!ue->rx_initial) {
        /* already connected: nothing to set up */
        ctx->stats.service_accept++;
        return;
    }
    if (sync_bearer_status(ctx, ue, r->has_eps_bearer_status, r->eps_bearer_status) == 0) {
        service_reject(ctx, ue, 40);
        emm_detach_done(ctx, ue);
        return;
    }
    service_accept(ctx, ue, ue->rx_count);
}

/* ------------------------------------------------ tracking area update -- */

static void tau_reject(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t cause)
{
    struct nas_message m;
    char b[20];
    nas_message_init(&m, NAS_MSG_TAU_REJECT);
    m.tau_reject.emm_cause = cause;
    ctx->stats.tau_reject++;
    ctx->stats.emm_cause_tx[cause]++;
    LOG_INFO(ctx, "emm", "ue %s: TAU rejected, #%u (%s)", ue_imsi_log(ctx, ue, b), cause,
             nas_emm_cause_str(cause));
    nas_send(ctx, ue, &m);
}

static uint16_t bearer_status_of(const struct agw_ue *ue)
{
    uint16_t s = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].ebi <= 15)
            s |= (uint16_t)(1u << ue->pdn[i].ebi);
    /* the dedicated bearers too, or the UE deactivates them (5.5.3.2.4) */
    return s | esm_bearer_status(ue);
}

/* TS 24.301 8.2.26 TRACKING AREA UPDATE ACCEPT: TA updated, T3412, the
 * TAI list, the EPS bearer context status, and the new GUTI while the
 * reallocation runs (T3450). */
int emm_send_tau_accept(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_TAU_ACCEPT);
    struct nas_tau_accept *a = &m.tau_accept;
    a->eps_update_result = 0;       /* 9.9.3.13: TA updated */
    a->has_t3412 = true;
    agw_nas_timer(ctx->cfg->mme.t3412_ms, &a->t3412);
    a->has_tai_list = true;
    emm_fill_tai_list(ctx, ue, &a->tai_list);
    a->has_eps_bearer_status = true;
    a->eps_bearer_status = bearer_status_of(ue);
    if (!ue->guti_sent) {
        a->has_guti = true;
        agw_nas_guti(ctx, ue, &a->guti);
    }
    a->has_t3402 = true;
    agw_nas_timer(ctx->cfg->mme.t3402_ms, &a->t3402);
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 5.5.3.2 (normal and periodic) */
void emm_handle_tau_request(struct agw_ctx *ctx, struct agw_ue *ue,
                            const struct nas_tau_request *r)
{
    char b[20];
    bool initial = ue->rx_initial;
    ctx->stats.tau_request++;
    if (!ue->imsi[0]) {
        /* 5.5.3.2.5 #9: a GUTI we do not know (another MME's, or lost) */
        tau_reject(ctx, ue, 9);
        emm_context_drop(ctx, ue);
        return;
    }
    if (ue->emm != EMM_REGISTERED || ue->attach_pending) {
        tau_reject(ctx, ue, 10);    /* #10 implicitly detached */
        if (initial)
            end_connection(ctx, ue);
        return;
    }
    if (!ue->rx_integrity_ok) {
        /* 5.5.3.2.4: a TAU that fails the integrity check would need an
         * authentication first; we make the UE attach again instead */
        ctx->stats.nas_mac_failure++;
        tau_reject(ctx, ue, 9);
        if (initial)
            end_connection(ctx, ue);
        return;
    }
    if (emm_detach_resume(ctx, ue))
        return;                     /* a network detach paged the UE (emm_sm.c) */
    if (!agw_config_tai_served(ctx->cfg, ue->tai_plmn, ue->tac)) {
        tau_reject(ctx, ue, 12);    /* #12 tracking area not allowed */
        if (initial)
            end_connection(ctx, ue);
        return;
    }
    if (r->has_ue_net_cap)
        ue->ue_net_cap = r->ue_net_cap;
    if (sync_bearer_status(ctx, ue, r->has_eps_bearer_status, r->eps_bearer_status) == 0) {
        tau_reject(ctx, ue, 40);    /* #40 no EPS bearer context activated */
        emm_detach_done(ctx, ue);
        return;
    }
    /* GUTI reallocation with every TAU (5.5.3.2.4; TS 33.401 does not want
     * a GUTI to be followed): TAU COMPLETE confirms it */
    if (realloc_guti(ctx, ue) < 0) {
        tau_reject(ctx, ue, 17);
        if (initial)
            end_connection(ctx, ue);
        return;
    }
    bool active = r->eps_update_type.active;
    /* TS 24.301 5.5.3.2.4, TS 23.401 5.3.3.2 step 20: without the active
     * flag the network may still set the bearers up when it has downlink
     * signalling pending: a bearer procedure that paged the UE (TS 23.401
     * 5.4.1 step 4) and got a TAU as the answer goes on once the Initial
     * Context Setup is over, instead of waiting for another paging */
    bool pending = initial && !active && esm_bearer_waiting(ue);
    ue->release_after_tau = initial && !active && !pending;
    ue_store_mark(ctx, ue);
    emm_timer_stop(ctx, ue);
    emm_send_tau_accept(ctx, ue);
    emm_timer_start(ctx, ue, EMM_PROC_TAU_ACCEPT);
    ctx->stats.tau_accept++;
    LOG_DBG(ctx, "emm", "ue %s: %s TAU accepted%s", ue_imsi_log(ctx, ue, b),
            r->eps_update_type.type == 3 ? "periodic" : "normal",
            active ? " (active flag)" : pending ? " (bearer procedures waiting)" : "");
    /* TS 23.401 5.3.3.2 step 20: with the active flag the bearers are set
     * up again, KeNB from the TAU REQUEST's COUNT */
    if (initial && (active || pending))
        restore_bearers(ctx, ue, ue->rx_count);
}

/* TS 24.301 5.5.3.2.4: TRACKING AREA UPDATE COMPLETE, the new GUTI taken */
void emm_handle_tau_complete(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->proc != EMM_PROC_TAU_ACCEPT) {
        ctx->stats.nas_unexpected++;
        return;
    }
    emm_timer_stop(ctx, ue);
    ue->guti_sent = true;
    emm_forget_old_guti(ctx, ue);
    ue_store_mark(ctx, ue);
    if (ue->release_after_tau) {
        /* TS 23.401 5.3.3.2 step 21: no active flag, the signalling
         * connection goes */
        ue->release_after_tau = false;
        s1ap_release_ue(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
    }
}

/* T3450 ran out on TAU ACCEPT (5.5.3.2.7 c): the procedure is aborted; both
 * GUTIs stay valid, and the connection opened for it goes. */
void emm_tau_abandoned(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->release_after_tau) {
        ue->release_after_tau = false;
        s1ap_release_ue(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
    }
}

/* ------------------------------------------------- GUTI reallocation -- */

/* TS 24.301 8.2.16 GUTI REALLOCATION COMMAND */
int emm_send_guti_realloc(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_GUTI_REALLOC_COMMAND);
    agw_nas_guti(ctx, ue, &m.guti_realloc_command.guti);
    m.guti_realloc_command.has_tai_list = true;
    emm_fill_tai_list(ctx, ue, &m.guti_realloc_command.tai_list);
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 5.4.1.2: only in EMM-REGISTERED, on a connection, with no
 * other procedure running. */
int emm_guti_realloc_start(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->emm != EMM_REGISTERED || ue->attach_pending)
        return -EINVAL;
    if (!ue->s1)
        return -ENOTCONN;
    if (ue->proc != EMM_PROC_NONE)
        return -EBUSY;
    int rc = realloc_guti(ctx, ue);
    if (rc < 0)
        return rc;
    ue_store_mark(ctx, ue);
    rc = emm_send_guti_realloc(ctx, ue);
    if (rc < 0)
        return rc;
    emm_timer_start(ctx, ue, EMM_PROC_GUTI_REALLOC);
    ctx->stats.guti_realloc++;
    return 0;
}

/* TS 24.301 5.4.1.4 */
void emm_handle_guti_realloc_complete(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->proc != EMM_PROC_GUTI_REALLOC) {
        ctx->stats.nas_unexpected++;
        return;
    }
    emm_timer_stop(ctx, ue);
    ue->guti_sent = true;
    emm_forget_old_guti(ctx, ue);
    ue_store_mark(ctx, ue);
}

/* TS 23.401 5.3.5: MME-initiated S1 release (xepcctl ue release): the UE
 * goes ECM-IDLE with its sessions once the eNB confirms. */
int emm_release_ue(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (ue->emm != EMM_REGISTERED || ue->attach_pending)
        return -EINVAL;
    if (!ue->s1)
        return -ENOTCONN;
    if (ue->proc != EMM_PROC_NONE)
        return -EBUSY;
    s1ap_release_ue(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
    return 0;
}
