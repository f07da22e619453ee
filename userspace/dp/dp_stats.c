/* Per-CPU statistics: drop reasons and counters, summed over the CPUs. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_int.h"

static int stat_read(struct dp_ctx *ctx, uint32_t key, struct xepc_stat *percpu,
                     struct xepc_stat *sum)
{
    if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_STATS], &key, percpu))
        return -errno;
    memset(sum, 0, sizeof(*sum));
    for (int c = 0; c < ctx->ncpus; c++) {
        sum->packets += percpu[c].packets;
        sum->bytes += percpu[c].bytes;
    }
    return 0;
}

int dp_stats_read(struct dp_ctx *ctx, struct dp_stats *st)
{
    struct xepc_stat *percpu = calloc((size_t)ctx->ncpus, sizeof(*percpu));
    int rc = 0;
    if (!percpu)
        return dp_set_error(ctx, -ENOMEM, "out of memory");
    memset(st, 0, sizeof(*st));
    for (uint32_t r = 0; r < XEPC_DROP__MAX && !rc; r++)
        rc = stat_read(ctx, XEPC_STAT_DROP(r), percpu, &st->drops[r]);
    for (uint32_t c = 0; c < XEPC_CNT__MAX && !rc; c++)
        rc = stat_read(ctx, XEPC_STAT_CNT(c), percpu, &st->counters[c]);
    free(percpu);
    if (rc)
        return dp_set_error(ctx, rc, "cannot read %s: %s", XEPC_MAP_STATS, strerror(-rc));
    return 0;
}

int dp_stats_reset(struct dp_ctx *ctx)
{
    struct xepc_stat *zero = calloc((size_t)ctx->ncpus, sizeof(*zero));
    if (!zero)
        return dp_set_error(ctx, -ENOMEM, "out of memory");
    int rc = 0;
    for (uint32_t k = 0; k < XEPC_STATS_MAX && !rc; k++)
        if (bpf_map_update_elem(ctx->map_fd[DP_MAP_STATS], &k, zero, 0))
            rc = dp_set_error(ctx, -errno, "cannot reset %s: %s", XEPC_MAP_STATS,
                              strerror(errno));
    free(zero);
    return rc;
}
