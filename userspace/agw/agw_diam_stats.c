/* The Diameter applications' counters (S6a, Gx, Gy: agw_s6a.h, agw_gx.h,
 * agw_gy.h) in `xepcctl agw stats` and the Prometheus metrics, for the
 * applications the configuration enables (docs/operations.md). */
#include <stddef.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "agw/agw_s6a.h"
#include "diameter/diam.h"
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
    X(gx, rar_ok, "Gx RARs applied (RAA 2001)")                              \
    X(gx, pdn_refused, "PDN connections refused by a Gx CCA-I or its failure handling") \
    X(gx, ccfh_continue, "Gx CCRs without a usable answer, CONTINUE applied")  \
    X(gx, ccfh_terminate, "Gx CCRs without a usable answer, TERMINATE applied") \
    X(gx, pdn_released, "PDN connections released for a Gx CCA-U's permanent failure") \
    X(gx, retries, "Gx CCRs sent again to the alternate PCRF (RETRY_AND_TERMINATE)")
#define GY_COUNTERS(X)                                                      \
    X(gy, ccr_i, "Gy CCR-I sent")                                            \
    X(gy, ccr_u, "Gy CCR-U sent")                                            \
    X(gy, mscc_u, "Gy rating-group reports (MSCCs with a Used-Service-Unit) in the CCR-Us sent") \
    X(gy, early, "Gy rating groups reported before their Validity-Time ended, in another group's CCR-U") \
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
    X(gy, ccfh_continue, "Gy failures handled with CONTINUE")                \
    X(gy, retries, "Gy CCRs sent again to the alternate OCS (RETRY_AND_TERMINATE)") \
    X(gy, uncharged_bytes, "Bytes let through by REDIRECT/RESTRICT_ACCESS after the final units, not reported to the OCS (seen at each CCR)")

/* One counter: its name ("app_field"), help text and place in the
 * application's stats struct (every field a uint64_t). */
struct diam_counter {
    const char *name, *help;
    size_t off;
};

#define ROW_S6A(app, f, h) { #app "_" #f, h, offsetof(struct agw_s6a_stats, f) },
#define ROW_GX(app, f, h) { #app "_" #f, h, offsetof(struct agw_gx_stats, f) },
#define ROW_GY(app, f, h) { #app "_" #f, h, offsetof(struct agw_gy_stats, f) },
static const struct diam_counter s6a_rows[] = { S6A_COUNTERS(ROW_S6A) };
static const struct diam_counter gx_rows[] = { GX_COUNTERS(ROW_GX) };
static const struct diam_counter gy_rows[] = { GY_COUNTERS(ROW_GY) };
#undef ROW_S6A
#undef ROW_GX
#undef ROW_GY

/* The counters of one application's stats struct st (NULL: none). */
static void render(struct strbuf *o, bool prom, const void *st, const struct diam_counter *rows,
                   size_t n)
{
    for (size_t i = 0; st && i < n; i++) {
        uint64_t v;
        memcpy(&v, (const char *)st + rows[i].off, sizeof(v));
        if (prom)
            strbuf_printf(o, "# HELP xepc_agw_%s_total %s\n# TYPE xepc_agw_%s_total counter\n"
                          "xepc_agw_%s_total %llu\n", rows[i].name, rows[i].help, rows[i].name,
                          rows[i].name, (unsigned long long)v);
        else
            strbuf_printf(o, "%s %llu\n", rows[i].name, (unsigned long long)v);
    }
}

void agw_diam_stats_render(struct agw_ctx *ctx, struct strbuf *o, bool prom)
{
    const struct agw_config *c = ctx->cfg;
    if (c->diameter.s6a.enabled)
        render(o, prom, s6a_stats(ctx), s6a_rows, sizeof(s6a_rows) / sizeof(s6a_rows[0]));
    if (c->diameter.gx.enabled)
        render(o, prom, gx_stats(ctx), gx_rows, sizeof(gx_rows) / sizeof(gx_rows[0]));
    if (c->diameter.gy.enabled)
        render(o, prom, gy_stats(ctx), gy_rows, sizeof(gy_rows) / sizeof(gy_rows[0]));
    /* a gauge: the peers in state OPEN (CER/CEA done, over TLS when so
     * configured), so a refused certificate or a dead peer shows */
    struct diam_node *n = gx_node(ctx);
    if (!n)
        return;
    int open = diam_node_peers_open(n);
    if (prom)
        strbuf_printf(o, "# HELP xepc_agw_diameter_peers_open Diameter peers in state OPEN\n"
                      "# TYPE xepc_agw_diameter_peers_open gauge\n"
                      "xepc_agw_diameter_peers_open %d\n", open);
    else
        strbuf_printf(o, "diameter_peers_open %d\n", open);
}
