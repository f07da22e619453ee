/* Gx messages received: CCA-I/CCA-T and RAR. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

static void on_cca(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct diam_gx_cca cca;
    uint32_t ue_id = (uint32_t)(ev->cookie >> 16);
    char type = (ev->cookie & 0xff) == DIAM_CC_INITIAL ? 'I' : 'T';
    int rc = diam_gx_cca_decode(ev->msg, &cca);
    if (rc < 0) {
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "ue id %u: CCA-%c undecodable: %s", ue_id, type, strerror(-rc));
        return;
    }
    uint32_t code = cca.h.result_code ? cca.h.result_code : cca.h.exp_result_code;
    if (code != DIAM_SUCCESS) {
        /* TS 29.212 4.5.1 would refuse the IP-CAN session: the default
         * bearer is already up (it does not wait for the CCA), so this is
         * reported only (docs/charging.md) */
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "ue id %u: CCA-%c result %u from %s", ue_id, type, code,
                 cca.h.origin_host);
        return;
    }
    gx_stats_mut(ctx)->cca_ok++;
    LOG_INFO(ctx, "gx", "ue id %u: CCA-%c ok: %u+%u+%u rules to install, %u to remove "
             "(not enforced)", ue_id, type, cca.rules.n_install_names,
             cca.rules.n_install_bases, cca.rules.n_defs,
             cca.rules.n_remove_names + cca.rules.n_remove_bases);
}

static void on_request(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    if (ev->cmd_code == 258) {
        gx_stats_mut(ctx)->rar++;
        /* RFC 6733 7.1.5: rules cannot be enforced yet, so the
         * re-authorisation is refused rather than acknowledged */
        LOG_WARN(ctx, "gx", "RAR answered DIAMETER_UNABLE_TO_COMPLY: rules are not enforced");
        diam_answer_result(&m, DIAM_UNABLE_TO_COMPLY);
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
