/* See agw_stats.h. */
#include "agw/agw_stats.h"

/* attach latency buckets (upper bounds, microseconds) */
const uint32_t agw_lat_bounds_us[AGW_LAT_BUCKETS] = {
    1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000,
};

void agw_stats_attach_latency(struct agw_stats *s, uint64_t us)
{
    unsigned i = 0;
    while (i < AGW_LAT_BUCKETS && us > agw_lat_bounds_us[i])
        i++;
    s->attach_lat[i]++;
    s->attach_lat_sum_us += us;
    s->attach_lat_count++;
}
