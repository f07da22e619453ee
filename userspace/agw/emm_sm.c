/* The EMM state machine of xepc-agwd (TS 24.301 5.1.3.4 network side):
 * which procedure runs, its timer and retransmissions (TS 24.301 10.2),
 * and what happens to a UE when its procedures end badly or its S1
 * connection goes away.  The handlers (emm_handler.c) move the UE along;
 * this file owns the transitions that do not come from a message. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_s6a.h"
#include "agw/agw_nas.h"

/* TS 24.301 10.2: retransmissions before the procedure is abandoned */
#define EMM_MAX_RETX 4

static uint32_t proc_timer_ms(struct agw_ctx *ctx, enum emm_proc p)
{
    switch (p) {
    case EMM_PROC_IDENTITY: return ctx->cfg->mme.t3470_ms;
    case EMM_PROC_AUTH:
    case EMM_PROC_SMC: return ctx->cfg->mme.t3460_ms;
    case EMM_PROC_ATTACH_ACCEPT: return ctx->cfg->mme.t3450_ms;
    case EMM_PROC_ESM_INFO: return 4000;    /* T3489, TS 24.301 10.3 */
    case EMM_PROC_DETACH: return 6000;      /* T3422 */
    case EMM_PROC_RELEASE: return 5000;     /* our guard: TS 36.413 has no timer */
    case EMM_PROC_TAU_ACCEPT:
    case EMM_PROC_GUTI_REALLOC: return ctx->cfg->mme.t3450_ms;
    case EMM_PROC_NONE: break;
    }
    return 0;
}

static const char *proc_str(enum emm_proc p)
{
    switch (p) {
    case EMM_PROC_IDENTITY: return "identification";
    case EMM_PROC_AUTH: return "authentication";
    case EMM_PROC_SMC: return "security mode control";
    case EMM_PROC_ESM_INFO: return "ESM information";
    case EMM_PROC_ATTACH_ACCEPT: return "attach accept";
    case EMM_PROC_DETACH: return "detach";
    case EMM_PROC_RELEASE: return "release";
    case EMM_PROC_TAU_ACCEPT: return "tracking area update";
    case EMM_PROC_GUTI_REALLOC: return "GUTI reallocation";
    case EMM_PROC_NONE: break;
    }
    return "none";
}

void emm_timer_start(struct agw_ctx *ctx, struct agw_ue *ue, enum emm_proc proc)
{
    if (ue->proc != proc)
        ue->retries = 0;
    ue->proc = proc;
    ev_timer_stop(ctx->loop, &ue->timer);
    ev_timer_set(&ue->timer, proc_timer_ms(ctx, proc) / 1000.0, 0.);
    ev_timer_start(ctx->loop, &ue->timer);
}

void emm_timer_stop(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_timer_stop(ctx->loop, &ue->timer);
    ue->proc = EMM_PROC_NONE;
    ue->retries = 0;
}

/* Everything the UE holds in the gateway goes: sessions, addresses, TEIDs,
 * the datapath entries, the stored context.  Then the S1 connection is
 * released (or the UE freed at once when it has none).  With keep_security
 * the UE context stays, EMM-DEREGISTERED, with its GUTI and native EPS
 * security context: TS 33.401 7.2.5.2.1, both ends keep it on detach, so
 * that the next attach is integrity protected and the UE's answers (which
 * it protects with that context) can be read. */
static void ue_teardown(struct agw_ctx *ctx, struct agw_ue *ue, int s1_cause_type, int s1_cause,
                        bool keep_security)
{
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE)
            pgw_pdn_release(ctx, ue, &ue->pdn[i]);
    emm_timer_stop(ctx, ue);
    ue->emm = EMM_DEREGISTERED;
    ue->attach_pending = false;
    ue->auth_pending = false;
    if (ue->imsi[0])
        ue_store_forget(ctx, ue);
    ue->keep_ctx = keep_security && ue->sec_valid && ue->imsi[0];
    if (!ue->keep_ctx) {
        /* a dying context is found by its S1AP IDs only: a new attach of
         * the same subscriber gets a fresh one */
        agw_hash_del(&ctx->ue_by_imsi, &ue->by_imsi);
        agw_hash_del(&ctx->ue_by_tmsi, &ue->by_tmsi);
    }
    if (ue->s1) {
        /* UE CONTEXT RELEASE COMPLETE unbinds it (or the association going,
         * or the guard timer when the eNB does not answer) */
        s1ap_release_ue(ctx, ue, s1_cause_type, s1_cause);
        emm_timer_start(ctx, ue, EMM_PROC_RELEASE);
    } else if (!ue->keep_ctx) {
        ue_free(ctx, ue);
    }
}

void emm_attach_reject(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t emm_cause,
                       uint8_t esm_cause)
{
    struct nas_message m;
    char b[20];
    nas_message_init(&m, NAS_MSG_ATTACH_REJECT);
    m.attach_reject.emm_cause = emm_cause;
    if (esm_cause) {
        /* TS 24.301 5.5.1.2.5: the ESM failure travels in the container */
        struct nas_message esm;
        esm_build_reject(ue->esm_pti, esm_cause, &esm);
        int n = nas_encode_plain(&esm, m.attach_reject.esm_container.v,
                                 sizeof(m.attach_reject.esm_container.v));
        if (n > 0) {
            m.attach_reject.has_esm_container = true;
            m.attach_reject.esm_container.len = (uint16_t)n;
        }
        ctx->stats.esm_cause_tx[esm_cause]++;
    }
    ctx->stats.attach_reject++;
    ctx->stats.emm_cause_tx[emm_cause]++;
    LOG_INFO(ctx, "emm", "ue %s: attach rejected, EMM cause #%u (%s)%s%s",
             ue_imsi_log(ctx, ue, b), emm_cause, nas_emm_cause_str(emm_cause),
             esm_cause ? ", ESM " : "", esm_cause ? nas_esm_cause_str(esm_cause) : "");
    nas_send(ctx, ue, &m);
    ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_unspecified, false);
}

/* Procedure timer expired: retransmit (TS 24.301 5.4.x.7, 5.5.1.2.7) or,
 * after the last retransmission, abandon the procedure. */
void emm_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct agw_ue *ue = agw_container_of(w, struct agw_ue, timer);
    char b[20];
    (void)loop;
    (void)revents;

    if (ue->proc == EMM_PROC_RELEASE) {
        LOG_INFO(ctx, "s1ap", "ue %s: no UE CONTEXT RELEASE COMPLETE; context freed",
                 ue_imsi_log(ctx, ue, b));
        ue_s1_unbind(ctx, ue);
        if (ue->keep_ctx)
            emm_timer_stop(ctx, ue);
        else
            ue_free(ctx, ue);
        return;
    }
    if (ue->retries >= EMM_MAX_RETX || !ue->s1) {
        ctx->stats.nas_procedure_timeouts++;
        LOG_INFO(ctx, "emm", "ue %s: %s abandoned after %u retransmissions",
                 ue_imsi_log(ctx, ue, b), proc_str(ue->proc), ue->retries);
        if (ue->proc == EMM_PROC_DETACH || ue->emm != EMM_REGISTERED) {
            ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_unspecified, false);
        } else {
            /* TS 24.301 5.4.1.6 / 5.5.3.2.7 c): the GUTI reallocation is
             * abandoned, old and new GUTI both stay valid */
            bool tau = ue->proc == EMM_PROC_TAU_ACCEPT;
            emm_timer_stop(ctx, ue);
            if (tau)
                emm_tau_abandoned(ctx, ue);
        }
        return;
    }
    ue->retries++;
    ctx->stats.nas_retransmissions++;
    switch (ue->proc) {
    case EMM_PROC_IDENTITY: emm_send_identity_request(ctx, ue); break;
    case EMM_PROC_AUTH: emm_send_auth_request(ctx, ue); break;
    case EMM_PROC_SMC: emm_send_smc(ctx, ue); break;
    case EMM_PROC_ESM_INFO: esm_send_esm_info_request(ctx, ue); break;
    case EMM_PROC_ATTACH_ACCEPT: emm_send_attach_accept(ctx, ue); break;
    case EMM_PROC_DETACH: emm_send_detach_request(ctx, ue, false); break;
    case EMM_PROC_TAU_ACCEPT: emm_send_tau_accept(ctx, ue); break;
    case EMM_PROC_GUTI_REALLOC: emm_send_guti_realloc(ctx, ue); break;
    case EMM_PROC_RELEASE:
    case EMM_PROC_NONE: return;
    }
    ev_timer_set(&ue->timer, proc_timer_ms(ctx, ue->proc) / 1000.0, 0.);
    ev_timer_start(ctx->loop, &ue->timer);
}

/* The Initial Context Setup of the attach: on success the UE has its
 * bearers; ATTACH COMPLETE (emm_handler.c) ends the attach.  On failure
 * the attach fails (TS 23.401 5.3.2.1 step 17 failing): everything goes. */
void emm_ics_done(struct agw_ctx *ctx, struct agw_ue *ue, bool ok)
{
    char b[20];
    if (ok)
        return;
    LOG_INFO(ctx, "emm", "ue %s: initial context setup failed", ue_imsi_log(ctx, ue, b));
    if (ue->emm == EMM_REGISTERED_INIT || ue->attach_pending) {
        ctx->stats.attach_reject++;
        ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_unspecified, false);
    } else {
        s1ap_release_ue(ctx, ue, S1AP_Cause_PR_radioNetwork,
                        S1AP_CauseRadioNetwork_unspecified);
    }
}

/* The UE's S1 connection is gone.  A registered UE stays registered with
 * its sessions (ECM-IDLE: downlink tunnels removed, downlink buffered); a
 * UE in the middle of attaching or detaching is cleaned up. */
void emm_s1_lost(struct agw_ctx *ctx, struct agw_ue *ue)
{
    char b[20];
    emm_nas_held_s1_lost(ctx, ue);  /* undelivered NAS given up (emm_transport.c) */
    if (ue->emm == EMM_REGISTERED && !ue->attach_pending) {
        emm_timer_stop(ctx, ue);
        for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
            struct agw_pdn *p = &ue->pdn[i];
            if (p->state == PDN_PENDING) {
                pgw_pdn_release(ctx, ue, p);    /* never reached the UE */
            } else if (p->state != PDN_FREE) {
                pgw_pdn_suspend(ctx, ue, p);
            }
        }
        ue_store_mark(ctx, ue);
        ue->release_after_tau = false;
        emm_idle_enter(ctx, ue);    /* mobile reachable timer (emm_paging.c) */
        LOG_DBG(ctx, "emm", "ue %s: ECM-IDLE", ue_imsi_log(ctx, ue, b));
        return;
    }
    if (ue->attach_pending || ue->emm != EMM_DEREGISTERED)
        LOG_INFO(ctx, "emm", "ue %s: S1 connection lost during %s; context removed",
                 ue_imsi_log(ctx, ue, b), proc_str(ue->proc));
    if (ue->keep_ctx && ue->emm == EMM_DEREGISTERED && !ue->attach_pending) {
        emm_timer_stop(ctx, ue);    /* detached: the context stays, without S1 */
        return;
    }
    ue_teardown(ctx, ue, 0, 0, false);
}

/* The detach without the UE: its sessions go and, when the gateway holds
 * the subscriber's data from the HSS, the HSS is told (TS 29.272 5.2.1.3:
 * PUR when the MME deletes the data on O&M or unreachability); the
 * security context stays, so that the UE's next SERVICE REQUEST or TAU
 * gets #10 (TS 24.301 5.6.1.5, 5.5.3.2.5). */
void emm_detach_local(struct agw_ctx *ctx, struct agw_ue *ue)
{
    char b[20];
    ctx->stats.detach_local++;
    LOG_INFO(ctx, "emm", "ue %s: detached locally (%s)", ue_imsi_log(ctx, ue, b),
             ue->detach_wait ? "paging not answered" : "no S1 connection");
    ue->detach_wait = 0;
    s6a_ue_detached(ctx, ue);
    ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_detach, true);
}

static int detach_request(struct agw_ctx *ctx, struct agw_ue *ue, bool reattach)
{
    char b[20];
    int rc = emm_send_detach_request(ctx, ue, reattach);
    if (rc < 0)
        return rc;
    ue->detach_wait = 0;
    ue->emm = EMM_DEREGISTERED_INIT;
    ue_store_mark(ctx, ue);
    emm_timer_start(ctx, ue, EMM_PROC_DETACH);
    LOG_INFO(ctx, "emm", "ue %s: network detach started", ue_imsi_log(ctx, ue, b));
    return 0;
}

/* TS 24.301 5.5.2.3: network-initiated detach (O&M, the HSS, the PCRF,
 * the orchestrator).  A connected UE gets a DETACH REQUEST.  An ECM-IDLE
 * one is paged first (TS 23.401 5.3.8.3: "If the UE is in ECM-IDLE state
 * the MME pages the UE"), and the request goes when it answers
 * (emm_detach_resume); a UE that cannot be paged, or does not answer, is
 * detached locally (implicit detach). */
int emm_detach_ue(struct agw_ctx *ctx, struct agw_ue *ue, bool reattach)
{
    char b[20];
    ctx->stats.detach_network++;
    if (!ue->s1 && ue->emm == EMM_REGISTERED && !ue->attach_pending) {
        int rc = emm_page_ue(ctx, ue);
        if (rc == 0 || rc == -EALREADY) {
            ue->detach_wait = reattach ? 2 : 1;
            ue_store_mark(ctx, ue);     /* a restart goes on with it (ue_store.c) */
            ctx->stats.detach_paged++;
            LOG_INFO(ctx, "emm", "ue %s: network detach: paging the idle UE",
                     ue_imsi_log(ctx, ue, b));
            return 0;
        }
    }
    if (!ue->s1 || ue->emm != EMM_REGISTERED) {
        emm_detach_local(ctx, ue);
        return 0;
    }
    return detach_request(ctx, ue, reattach);
}

/* The UE a network detach paged is back (its SERVICE REQUEST or TAU
 * REQUEST passed the integrity check): the DETACH REQUEST goes instead of
 * the answer it asked for (TS 24.301 5.6.1.6 / 5.5.3.2.6: the UE aborts
 * its procedure and detaches).  False when no detach waits. */
bool emm_detach_resume(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->detach_wait)
        return false;
    bool reattach = ue->detach_wait == 2;
    if (detach_request(ctx, ue, reattach) < 0) {
        ue->detach_wait = 0;
        emm_detach_local(ctx, ue);
    }
    return true;
}

/* The UE detached (its DETACH REQUEST, or DETACH ACCEPT after ours): its
 * sessions go, its security context and GUTI stay. */
void emm_detach_done(struct agw_ctx *ctx, struct agw_ue *ue)
{
    s6a_ue_detached(ctx, ue);       /* TS 29.272 5.2.1.3: PUR */
    ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_detach, true);
}

/* A procedure failed for good (authentication reject, SMC reject, an
 * undecodable initial message): the whole context goes. */
void emm_context_drop(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ue_teardown(ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_unspecified, false);
}
