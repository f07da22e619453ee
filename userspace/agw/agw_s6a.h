/* xepc-agwd's S6a (TS 29.272) toward an HSS, instead of the local HSS
 * (docs/charging.md, docs/agw.md "diameter"):
 *
 *   s6a_build.c    AIR (vectors, resynchronisation), ULR, PUR
 *   s6a_handler.c  AIA, ULA, PUA, timeouts; CLR and IDR from the HSS; the
 *                  subscription data of each located subscriber
 *
 * The attach never blocks the loop: the EMM procedure sends the AIR/ULR and
 * returns; the answer (or its timeout) is an event on the loop that finds
 * the UE again by its MME UE S1AP ID and a per-UE sequence number, so an
 * answer for a UE that went away, or for an older request, is dropped.
 * The Diameter node is shared with Gx (gx_path.c).  Nothing runs unless
 * the configuration has diameter.s6a. */
#ifndef XEPC_AGW_S6A_H
#define XEPC_AGW_S6A_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/agw_ctx.h"

struct agw_ue;
struct agw_sub;
struct diam_event;

/* what a UE waits for (agw_ue.s6a_wait) */
enum s6a_wait {
    S6A_WAIT_NONE = 0,
    S6A_WAIT_AIA,
    S6A_WAIT_ULA,
};

struct agw_s6a_stats {
    uint64_t air, aia_ok, aia_err, ulr, ula_ok, ula_err, pur, pua, timeouts, clr, idr,
        stale;
};

static inline bool s6a_enabled(const struct agw_ctx *ctx)
{
    return ctx->cfg->diameter.enabled && ctx->cfg->diameter.s6a.enabled;
}

/* s6a_handler.c: the module's state (called by gx_open/gx_close, which own
 * the Diameter node) */
int s6a_open(struct agw_ctx *ctx);
void s6a_close(struct agw_ctx *ctx);
const struct agw_s6a_stats *s6a_stats(const struct agw_ctx *ctx);
void s6a_handle_event(struct agw_ctx *ctx, struct diam_event *ev);
/* The subscription of a located subscriber (the ULA, updated by IDRs), as
 * the local HSS gives it: 0 or -ENOENT. */
int s6a_sub_lookup(struct agw_ctx *ctx, const char *imsi, struct agw_sub *sub);

/* The UE detached: PUR, and its subscription data goes (nothing when S6a
 * is off or the HSS cancelled the location). */
void s6a_ue_detached(struct agw_ctx *ctx, const struct agw_ue *ue);

/* s6a_build.c.  Each returns 0 (the answer comes as an event) or a
 * negative errno (nothing sent). */
/* TS 29.272 5.2.3.1: one vector; with rand/auts, Re-Synchronization-Info */
int s6a_send_air(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *rand,
                 const uint8_t *auts);
/* TS 29.272 5.2.1.1: the MME registers for the subscriber */
int s6a_send_ulr(struct agw_ctx *ctx, struct agw_ue *ue);
/* TS 29.272 5.2.1.3: the MME drops the subscription data (detach) */
int s6a_send_pur(struct agw_ctx *ctx, const char *imsi);

/* internal to s6a_*.c */
struct agw_s6a_stats *s6a_stats_mut(struct agw_ctx *ctx);
#define S6A_F_RESYNC 1u         /* the AIR carried Re-Synchronization-Info */
uint64_t s6a_cookie(struct agw_ue *ue, enum s6a_wait what, unsigned flags);
/* TS 29.272 Annex A: the EMM cause for an S6a error of the attach */
uint8_t s6a_emm_cause(uint32_t result_code, uint32_t exp_result_code);

#endif
