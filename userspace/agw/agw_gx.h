/* xepc-agwd's Gx (TS 29.212) toward a PCRF, on userspace/diameter
 * (docs/charging.md):
 *
 *   gx_path.c     the Diameter node of the daemon and its libev watcher
 *   gx_build.c    CCR-I at session creation, CCR-T at its release
 *   gx_handler.c  CCA and RAR received
 *
 * What is done today: the CCR-I/CCA-I and CCR-T/CCA-T exchange, in
 * parallel with the attach (the default bearer does not wait for the CCA);
 * the CCA's result, rules and QoS are logged and counted, not enforced; an
 * RAR is answered DIAMETER_UNABLE_TO_COMPLY.  Nothing runs unless the
 * configuration has diameter.gx. */
#ifndef XEPC_AGW_GX_H
#define XEPC_AGW_GX_H

#include <stdint.h>

struct agw_ctx;
struct agw_ue;
struct agw_pdn;

struct agw_gx_stats {
    uint64_t ccr_sent, cca_ok, cca_failed, timeouts, rar;
};

/* Starts the node when cfg->diameter.gx is set; 0 also when it is not. */
int gx_open(struct agw_ctx *ctx);
void gx_close(struct agw_ctx *ctx);
const struct agw_gx_stats *gx_stats(const struct agw_ctx *ctx);

/* gx_build.c: the IP-CAN session of a PDN connection (TS 29.212 4.5.1,
 * 4.5.7). */
void gx_session_start(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
void gx_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);

/* internal to gx_*.c */
struct diam_node;
struct diam_event;
struct diam_node *gx_node(struct agw_ctx *ctx);
struct agw_gx_stats *gx_stats_mut(struct agw_ctx *ctx);
uint64_t gx_boot_id(const struct agw_ctx *ctx);
void gx_handle_event(struct agw_ctx *ctx, struct diam_event *ev);

#endif
