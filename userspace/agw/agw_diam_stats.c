/* The Diameter applications' counters (S6a, Gx, Gy: agw_s6a.h, agw_gx.h,
 * agw_gy.h) in `xepcctl agw stats` and the Prometheus metrics, for the
 * applications the configuration enables (docs/operations.md). */
#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "agw/agw_s6a.h"
#include "lib/strbuf.h"

/* X(app, field, help) */
#define S6A_COUNTERS(X)                                                     \
    X(s6a, air, "S6a Authentication-Information-Requests sent")            \
    X(s6a, aia_ok, "S6a AIAs with a vector")                                 \
    X(s6a, aia_err, "S6a AIAs with an error result")                         \
    X(s6a, ulr, "S6a Update-Location-Requests sent")                         \
    X(s6a, ula_ok, "S6a ULAs accepted")                                      \
    X(s6a, ula_err, "S6a ULAs with an error or no subscription")             \
    X(s6a, pur, "S6a Purge-UE-Requests sent")                                \
    X(s6a, pua, "S6a PUAs received")                                         \
    X(s6a, timeouts, "S6a requests unanswered within diameter.s6a.tx_timeout") \
    X(s6a, clr, "S6a Cancel-Location-Requests received")                     \
    X(s6a, idr, "S6a Insert-Subscriber-Data-Requests received")              \
    X(s6a, stale, "S6a answers dropped (the UE went away or moved on)")
#define GX_COUNTERS(X)                                                      \
    X(gx, ccr_sent, "Gx CCRs sent")                                          \
    X(gx, cca_ok, "Gx CCAs 2001")                                            \
    X(gx, cca_failed, "Gx CCAs with another result")                         \
    X(gx, timeouts, "Gx CCRs unanswered within the Tx timer")                \
    X(gx, rar, "Gx RARs received")                                           \
    X(gx, rar_ok, "Gx RARs applied (RAA 2001)")
#define GY_COUNTERS(X)                                                      \
    X(gy, ccr_i, "Gy CCR-I sent")                                            \
    X(gy, ccr_u, "Gy CCR-U sent")                                            \
    X(gy, ccr_t, "Gy CCR-T sent")                                            \
    X(gy, cca_ok, "Gy CCAs 2001")                                            \
    X(gy, cca_failed, "Gy CCAs with another result")                         \
    X(gy, timeouts, "Gy CCRs unanswered within the Tx timer")                \
    X(gy, rar, "Gy RARs received")                                           \
    X(gy, fua_terminate, "Gy final units used: TERMINATE")                   \
    X(gy, fua_redirect, "Gy final units used: REDIRECT")                     \
    X(gy, fua_restrict, "Gy final units used: RESTRICT_ACCESS")              \
    X(gy, blocked, "Gy rating groups blocked by a per-MSCC result")          \
    X(gy, ccfh_terminate, "Gy failures handled with TERMINATE")              \
    X(gy, ccfh_continue, "Gy failures handled with CONTINUE")

void agw_diam_stats_render(struct agw_ctx *ctx, struct strbuf *o, bool prom)
{
    const struct agw_config *c = ctx->cfg;
#define PLAIN(app, f, h) strbuf_printf(o, #app "_" #f " %llu\n", (unsigned long long)st->f);
#define PROM(app, f, h)                                                                      \
    strbuf_printf(o, "# HELP xepc_agw_" #app "_" #f "_total " h "\n# TYPE xepc_agw_" #app "_" #f \
                  "_total counter\nxepc_agw_" #app "_" #f "_total %llu\n",                    \
                  (unsigned long long)st->f);
    if (c->diameter.s6a.enabled && s6a_stats(ctx)) {
        const struct agw_s6a_stats *st = s6a_stats(ctx);
        if (prom) {
            S6A_COUNTERS(PROM)
        } else {
            S6A_COUNTERS(PLAIN)
        }
    }
    if (c->diameter.gx.enabled && gx_stats(ctx)) {
        const struct agw_gx_stats *st = gx_stats(ctx);
        if (prom) {
            GX_COUNTERS(PROM)
        } else {
            GX_COUNTERS(PLAIN)
        }
    }
    if (c->diameter.gy.enabled && gy_stats(ctx)) {
        const struct agw_gy_stats *st = gy_stats(ctx);
        if (prom) {
            GY_COUNTERS(PROM)
        } else {
            GY_COUNTERS(PLAIN)
        }
    }
#undef PLAIN
#undef PROM
}
