/* Gx messages received: CCA-I/CCA-T and RAR (TS 29.212 4.5).  The PCC
 * rules and the authorised APN-AMBR of a CCA-I or an RAR are enforced in
 * the datapath (gx_policy.c). */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

/* A CCR-U's answer or timeout for the session of uplink TEID teid: its
 * usage reports settled or not (gx_monitor.c). */
static void update_answered(struct agw_ctx *ctx, uint32_t teid, bool ok)
{
    struct gx_sess *s = gx_sess_find(ctx, teid);
    if (s && gx_sess_monitors(s)->busy)
        gx_monitors_answered(ctx, s, ok);
}

static void on_cca(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct diam_gx_cca *cca = calloc(1, sizeof(*cca));
    uint32_t teid = (uint32_t)(ev->cookie >> 8);
    uint32_t t = (uint32_t)(ev->cookie & 0xff);
    char type = t == DIAM_CC_INITIAL ? 'I' : t == DIAM_CC_UPDATE ? 'U' : 'T';
    char why[160];
    if (!cca)
        return;
    int rc = diam_gx_cca_decode(ev->msg, cca);
    if (rc < 0) {
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c undecodable: %s", teid, type, strerror(-rc));
        if (type == 'U')
            update_answered(ctx, teid, false);
        goto out;
    }
    uint32_t code = cca->h.result_code ? cca->h.result_code : cca->h.exp_result_code;
    if (code != DIAM_SUCCESS) {
        /* TS 29.212 4.5.1 would refuse the IP-CAN session: the default
         * bearer is already up (it does not wait for the CCA), so this is
         * reported only (docs/charging.md) */
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c result %u from %s", teid, type, code,
                 cca->h.origin_host);
        /* the reports are not settled: they go in the next request */
        if (type == 'U')
            update_answered(ctx, teid, false);
        goto out;
    }
    gx_stats_mut(ctx)->cca_ok++;
    LOG_INFO(ctx, "gx", "session 0x%08x: CCA-%c ok: %u+%u+%u rules to install, %u to remove",
             teid, type, cca->rules.n_install_names, cca->rules.n_install_bases,
             cca->rules.n_defs, cca->rules.n_remove_names + cca->rules.n_remove_bases);
    if (type == 'T')
        goto out;
    struct gx_sess *s = gx_sess_by_sid(ctx, cca->h.session_id);
    if (!s) {
        LOG_INFO(ctx, "gx", "session 0x%08x: CCA-%c for a session that is gone", teid, type);
        goto out;
    }
    /* 4.5.17: the reports are settled before the answer's new grants */
    if (type == 'U' && gx_sess_monitors(s)->busy)
        gx_monitors_answered(ctx, s, true);
    /* TS 29.212 4.5.1: the rules and QoS of the CCA-I apply to the
     * IP-CAN session (those of a CCA-U as well, 4.5.2) */
    struct diam_rules *rl = &cca->rules;
    /* 4.5.5.0a: the default bearer's QCI/ARP the PCRF authorises, before
     * the rules, whose bearer binding compares with them (4.5.2); with
     * the APN-AMBR (4.5.5.7), signalled to a UE that has the bearer */
    static const struct diam_qos none;
    bool signalled = gx_dqos_signal(ctx, s, &cca->default_qos, &cca->qos);
    if (cca->default_qos.present && !signalled)
        gx_default_qos_apply(ctx, s, &cca->default_qos);
    if ((type == 'I' || rl->n_install_names || rl->n_install_bases || rl->n_defs ||
         rl->n_remove_names || rl->n_remove_bases || (cca->qos.present && !signalled)) &&
        gx_policy_apply(ctx, s, rl, signalled ? &none : &cca->qos, why, sizeof(why)) < 0)
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c policy not applied: %s", teid, type, why);
    /* 4.5.17: the grants of the usage monitoring keys */
    gx_monitors_apply(ctx, s, cca->monitors, cca->n_monitors);
    /* 4.5.3: the event triggers armed from now on */
    gx_events_arm(gx_sess_events(s), cca->triggers, cca->n_triggers);
    gx_sess_save(ctx, s);
out:
    free(cca);
}

/* TS 29.212 4.5.6 PCRF-initiated IP-CAN session termination, after the
 * RAA: the PDN connection's default bearer is deactivated (TS 23.401
 * 5.4.4.1, TS 24.301 6.4.4.2), or, when it is the UE's last PDN
 * connection, the UE is detached (TS 23.401 5.4.4.1: the MME initiates
 * the detach for the last one).  The release sends the CCR-T
 * (gx_session_stop). */
static void session_release(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t cause)
{
    struct gx_sess *s = gx_sess_find(ctx, ul_teid);
    char b[20];
    if (!s)
        return;
    struct agw_ue *ue = ue_find_imsi(ctx, gx_sess_imsi(s));
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, gx_sess_ebi(s)) : NULL;
    if (!p || p->ul_teid != ul_teid)
        return;
    unsigned active = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        active += ue->pdn[i].state != PDN_FREE;
    LOG_INFO(ctx, "gx", "ue %s: the PCRF releases the session of EBI %u (Session-Release-Cause "
             "%u): %s", ue_imsi_log(ctx, ue, b), p->ebi, cause,
             active <= 1 ? "detach (last PDN connection)" : "PDN connection deactivated");
    if (active <= 1) {
        emm_detach_ue(ctx, ue, false);
    } else if (ue->s1 && p->state == PDN_ACTIVE) {
        /* 5.3.33: INSUFFICIENT_SERVER_RESOURCES (2) -> #26 insufficient
         * resources; the others -> #36 regular deactivation */
        if (esm_deactivate_pdn(ctx, ue, p, 0, cause == 2 ? 26 : 36) < 0) {
            pgw_pdn_release(ctx, ue, p);
            ue_store_mark(ctx, ue);
        }
    } else {
        /* idle (or the bearer not set up yet): released here; the UE
         * learns it from the EPS bearer context status of its next TAU or
         * service request (TS 24.301 5.5.3.2.4) */
        pgw_pdn_release(ctx, ue, p);
        ue_store_mark(ctx, ue);
    }
}

/* TS 29.212 4.5.2, 5.6.4: RAR from the PCRF; *release gets the uplink TEID
 * of a session the PCRF terminates (4.5.6), released after the RAA. */
static uint32_t on_rar(struct agw_ctx *ctx, struct msg *m, uint32_t *release, uint32_t *cause)
{
    struct diam_gx_rar *rar = calloc(1, sizeof(*rar));
    char why[160];
    uint32_t code = DIAM_UNABLE_TO_COMPLY;
    if (!rar)
        return DIAM_TOO_BUSY;
    int rc = diam_gx_rar_decode(m, rar);
    if (rc < 0) {
        code = rc == -EBADMSG ? 5005 : 5004;    /* MISSING_AVP / INVALID_AVP_VALUE */
        goto out;
    }
    struct gx_sess *s = gx_sess_by_sid(ctx, rar->h.session_id);
    if (!s) {
        code = 5002;                            /* DIAMETER_UNKNOWN_SESSION_ID */
        LOG_INFO(ctx, "gx", "RAR for an unknown session %s", rar->h.session_id);
        goto out;
    }
    if (rar->session_release_cause) {
        /* 4.5.6: answered, then the session is terminated */
        *release = gx_sess_teid(s);
        *cause = rar->session_release_cause - 1;
        code = DIAM_SUCCESS;
        goto out;
    }
    /* 4.5.5.0a, 4.5.5.7: Default-EPS-Bearer-QoS and APN-AMBR, to the UE */
    static const struct diam_qos none;
    bool signalled = gx_dqos_signal(ctx, s, &rar->default_qos, &rar->qos);
    if (rar->default_qos.present && !signalled)
        gx_default_qos_apply(ctx, s, &rar->default_qos);
    if (gx_policy_apply(ctx, s, &rar->rules, signalled ? &none : &rar->qos, why,
                        sizeof(why)) < 0) {
        LOG_WARN(ctx, "gx", "RAR not applied: %s", why);
        goto out;
    }
    gx_monitors_apply(ctx, s, rar->monitors, rar->n_monitors);
    gx_events_arm(gx_sess_events(s), rar->triggers, rar->n_triggers);
    gx_sess_save(ctx, s);
    code = DIAM_SUCCESS;
out:
    free(rar);
    return code;
}

static void on_request(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    uint32_t release = 0, cause = 0;
    if (ev->cmd_code == 258) {
        gx_stats_mut(ctx)->rar++;
        uint32_t code = on_rar(ctx, m, &release, &cause);
        if (code == DIAM_SUCCESS) {
            struct diam_raa raa;
            memset(&raa, 0, sizeof(raa));
            raa.h.result_code = DIAM_SUCCESS;
            gx_stats_mut(ctx)->rar_ok++;
            diam_raa_answer(&m, &raa);
        } else {
            diam_answer_result(&m, code);
        }
    } else {
        diam_answer_result(&m, 3001);   /* DIAMETER_COMMAND_UNSUPPORTED */
    }
    if (m)
        diam_send_answer(gx_node(ctx), &m);
    if (release)
        session_release(ctx, release, cause);
}

void gx_handle_event(struct agw_ctx *ctx, struct diam_event *ev)
{
    switch (ev->type) {
    case DIAM_EV_ANSWER:
        on_cca(ctx, ev);
        break;
    case DIAM_EV_TIMEOUT:
        /* RFC 4006 13: Tx expired; Credit-Control-Failure-Handling is not
         * applied yet (docs/charging.md) */
        gx_stats_mut(ctx)->timeouts++;
        LOG_WARN(ctx, "gx", "session 0x%08x: no CCA within %u ms", (uint32_t)(ev->cookie >> 8),
                 ctx->cfg->diameter.gx.tx_timeout_ms);
        if ((ev->cookie & 0xff) == DIAM_CC_UPDATE)
            update_answered(ctx, (uint32_t)(ev->cookie >> 8), false);
        break;
    case DIAM_EV_REQUEST:
        on_request(ctx, ev);
        break;
    }
}
