/* Gx messages received: CCA-I/CCA-T and RAR (TS 29.212 4.5).  The PCC
 * rules and the authorised APN-AMBR of a CCA-I or an RAR are enforced in
 * the datapath (gx_policy.c). */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

/* What the gateway does not do yet with a CCA/RAR (docs/charging.md). */
static void log_unsupported(struct agw_ctx *ctx, uint32_t ue_id, unsigned n_triggers,
                            unsigned n_monitors)
{
    if (n_triggers || n_monitors)
        LOG_INFO(ctx, "gx", "ue id %u: %u event trigger(s), %u usage monitor(s) ignored "
                 "(not supported)", ue_id, n_triggers, n_monitors);
}

static void on_cca(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct diam_gx_cca *cca = calloc(1, sizeof(*cca));
    uint32_t ue_id = (uint32_t)(ev->cookie >> 16);
    char type = (ev->cookie & 0xff) == DIAM_CC_INITIAL ? 'I' : 'T';
    char why[160];
    if (!cca)
        return;
    int rc = diam_gx_cca_decode(ev->msg, cca);
    if (rc < 0) {
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "ue id %u: CCA-%c undecodable: %s", ue_id, type, strerror(-rc));
        goto out;
    }
    uint32_t code = cca->h.result_code ? cca->h.result_code : cca->h.exp_result_code;
    if (code != DIAM_SUCCESS) {
        /* TS 29.212 4.5.1 would refuse the IP-CAN session: the default
         * bearer is already up (it does not wait for the CCA), so this is
         * reported only (docs/charging.md) */
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "ue id %u: CCA-%c result %u from %s", ue_id, type, code,
                 cca->h.origin_host);
        goto out;
    }
    gx_stats_mut(ctx)->cca_ok++;
    LOG_INFO(ctx, "gx", "ue id %u: CCA-%c ok: %u+%u+%u rules to install, %u to remove", ue_id,
             type, cca->rules.n_install_names, cca->rules.n_install_bases, cca->rules.n_defs,
             cca->rules.n_remove_names + cca->rules.n_remove_bases);
    if (type != 'I')
        goto out;
    struct gx_sess *s = gx_sess_by_sid(ctx, cca->h.session_id);
    if (!s) {
        LOG_INFO(ctx, "gx", "ue id %u: CCA-I for a session that is gone", ue_id);
        goto out;
    }
    /* TS 29.212 4.5.1: the rules and QoS of the CCA-I apply to the
     * IP-CAN session */
    if (gx_policy_apply(ctx, s, &cca->rules, &cca->qos, why, sizeof(why)) < 0)
        LOG_WARN(ctx, "gx", "ue id %u: CCA-I policy not applied: %s", ue_id, why);
    log_unsupported(ctx, ue_id, cca->n_triggers, cca->n_monitors);
out:
    free(cca);
}

/* TS 29.212 4.5.2, 5.6.4: RAR from the PCRF */
static uint32_t on_rar(struct agw_ctx *ctx, struct msg *m)
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
        /* 4.5.6 PCRF-initiated IP-CAN session termination: not done */
        LOG_WARN(ctx, "gx", "RAR asks to release the session: not supported");
        goto out;
    }
    if (gx_policy_apply(ctx, s, &rar->rules, &rar->qos, why, sizeof(why)) < 0) {
        LOG_WARN(ctx, "gx", "RAR not applied: %s", why);
        goto out;
    }
    log_unsupported(ctx, 0, rar->n_triggers, rar->n_monitors);
    code = DIAM_SUCCESS;
out:
    free(rar);
    return code;
}

static void on_request(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    if (ev->cmd_code == 258) {
        gx_stats_mut(ctx)->rar++;
        uint32_t code = on_rar(ctx, m);
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
        LOG_WARN(ctx, "gx", "ue id %u: no CCA within %u ms", (uint32_t)(ev->cookie >> 16),
                 ctx->cfg->diameter.gx.tx_timeout_ms);
        break;
    case DIAM_EV_REQUEST:
        on_request(ctx, ev);
        break;
    }
}
