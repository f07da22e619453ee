/* Internals shared by the dp library's files; not for other modules. */
#ifndef XEPC_DP_INT_H
#define XEPC_DP_INT_H

#include "dp/dp.h"

enum dp_map {
    DP_MAP_CONFIG,
    DP_MAP_SESSIONS,
    DP_MAP_UE,
    DP_MAP_UE_DIRECT,
    DP_MAP_USAGE,
    DP_MAP_RULESETS,
    DP_MAP_METERS,
    DP_MAP_CHARGING,
    DP_MAP_STATS,
    DP_MAP_EVENTS,
    DP_MAP_PKTBUF,
    DP_MAP__MAX,
};

struct ring_buffer;
struct dp_bufq;
struct dp_path;

struct dp_ctx {
    char pin_dir[256];
    char err[512];
    int map_fd[DP_MAP__MAX];
    uint32_t max_entries[DP_MAP__MAX];
    struct xepc_charge *charging;   /* mmap of xepc_charging */
    size_t charging_len;
    struct xepc_usage *usage;       /* mmap of xepc_usage */
    size_t usage_len;
    struct xepc_ue_direct *ue_direct; /* mmap of xepc_ue_direct */
    size_t ue_direct_len;
    int ncpus;
    /* events */
    struct ring_buffer *rb;
    dp_event_fn ev_fn;
    void *ev_arg;
    struct dp_events_opts ev_opts;
    int ev_count;
    int udp_fd;                     /* GTP-U socket for Error Indication/flush */
    uint16_t gtpu_seq;
    struct dp_bufq *bufq;
    struct dp_path *path;           /* GTP-U path management, if started */
};

extern const char *const dp_map_names[DP_MAP__MAX];

int dp_set_error(struct dp_ctx *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens the pinned maps of ctx->pin_dir into ctx (used by adopt and up). */
int dp_maps_open(struct dp_ctx *ctx);
int dp_config_read(struct dp_ctx *ctx, struct xepc_config *cfg);
/* Slots of xepc_ue_direct for a datapath of max_sessions: a power of 2,
 * twice max_sessions rounded up, so that two pools of that size fit. */
uint32_t dp_ue_direct_slots(uint32_t max_sessions);
/* Puts a UE in its direct slot when the slot is free (the UE must be in
 * xepc_ue already), or takes it out of its slot when it is there. */
void dp_ue_direct_claim(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid);
void dp_ue_direct_release(struct dp_ctx *ctx, uint32_t ue_addr);
void dp_bufq_free(struct dp_bufq *q);
void dp_path_free(struct dp_path *p);
int dp_path_poll(struct dp_ctx *ctx);

#endif
