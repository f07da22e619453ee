/* test_dp_meters: the meter allocator stays next-fit when sessions hold
 * the meter table in patches.
 *
 * xepc-agwd's attaches once gave every session two AMBR meters when it was
 * added and two new ones when its tunnel was set, so the allocator's
 * cursor went around the table every max_meters / 4 attaches.  After the
 * first turn the slots after the cursor were taken in runs longer than the
 * short probe; the fallback then read the whole table from index 0 for
 * every allocation and never moved the cursor, and attaches past about
 * 50k UEs (100k-UE bench) fell from hundreds per second to about 40.
 *
 * A default bearer's APN-AMBR no longer takes meters (its buckets are in
 * its own xepc_usage value, XEPC_METER_SESSION); a dedicated bearer's MBR
 * still does.  Here dedicated bearers are added, get new MBR meters
 * (DP_MOD_AMBR) and are deleted in batches, as concurrent attaches and detaches do, for several
 * turns of the cursor over the table.  Every allocation must read few
 * meter entries on average (the whole-table fallback reads at least a
 * chunk of 1024 per allocation; the charging slots of sessions with
 * quotas likewise), every meter must belong to exactly one
 * live session, and the table must refuse an allocation only when full.
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <inttypes.h>

#include "dp/dp.h"
#include "dp/dp_int.h"
#include "dp_test_env.h"

#define MAX_SESSIONS 1024u      /* 2048 meters */
#define BATCH 64u
#define LIVE 700u
#define MAX_CHARGING 1024u      /* slots; 2 per session with a quota */
#define ROUNDS 60u

struct meter_count {
    uint32_t used;
};

static int count_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_meter *m = val;
    struct meter_count *c = arg;
    if (idx && (m->rate || m->burst))
        c->used++;
    return 0;
}

static void spec_of(uint32_t n, struct dp_session_spec *s)
{
    memset(s, 0, sizeof(*s));
    /* session id n mod (max - 1) + 1, a new generation each turn */
    s->ul_teid = (n / (MAX_SESSIONS - 1) % 255 + 1) << 24 | (n % (MAX_SESSIONS - 1) + 1);
    s->ue_addr.s_addr = htonl(0x0a2d0000u + 2 + n % 60000);
    s->ul_ambr_bps = 10000000;
    s->dl_ambr_bps = 20000000;
    s->bearer = true;   /* its MBR in xepc_meters (a default bearer's AMBR
                         * is in its usage value: ambr_in_usage()) */
    if (n % 2) {
        /* every other session counts rating group 7 against a quota: two
         * charging slots (the group's and the default one) */
        s->n_rules = 1;
        s->rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_UL | DP_DIR_DL,
                                            .sport_hi = 65535, .dport_hi = 65535,
                                            .action = XEPC_ACT_PASS, .rating_group = 7};
        s->n_quotas = 1;
        s->quotas[0] = (struct dp_quota_spec){.rating_group = 7, .bytes = 1000000000};
    }
}

/* A default bearer's APN-AMBR: its two buckets in its own xepc_usage value
 * (the line after its counters), no meter taken; a modify writes new ones
 * and keeps the counters; the spec reads back. */
static void ambr_in_usage(struct dp_ctx *ctx)
{
    struct dp_session_spec s;
    struct dp_session_info info;
    struct xepc_usage u;
    struct meter_count before = {0}, after = {0};
    memset(&s, 0, sizeof(s));
    s.ul_teid = 0x77000001u;
    s.ue_addr.s_addr = htonl(0x0a2e0001u);
    s.ul_ambr_bps = 8000000;            /* 1 MB/s */
    s.dl_ambr_bps = 16000000;
    /* make room: the tables are full of bearers */
    struct xepc_session k;
    if (!dp_session_read(ctx, XEPC_TEID_SID(s.ul_teid), &k) && (k.flags & XEPC_SF_ACTIVE))
        dp_session_del(ctx, k.teid_local);
    dp_array_scan(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), count_fn, &before);
    int rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
    dp_array_scan(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), count_fn, &after);
    tap(!rc && after.used == before.used, "a default bearer with UL and DL AMBR takes no meter "
        "(%u meters used before, %u after): %s", before.used, after.used,
        rc ? dp_ctx_error(ctx) : "ok");
    uint32_t sid = XEPC_TEID_SID(s.ul_teid);
    rc = dp_session_read(ctx, sid, &k);
    memset(&u, 0, sizeof(u));
    bpf_map_lookup_elem(ctx->map_fd[DP_MAP_USAGE], &sid, &u);
    tap(!rc && k.ul_meter_id == XEPC_METER_SESSION && k.dl_meter_id == XEPC_METER_SESSION &&
        u.ul_ambr.rate == 1000000 && u.dl_ambr.rate == 2000000 &&
        u.ul_ambr.inc_per_byte == xepc_meter_inc_per_byte(1000000) &&
        u.ul_ambr.burst == dp_ambr_default_burst(8000000),
        "its buckets are xepc_usage[%u].ul_ambr/dl_ambr (rates %llu / %llu B/s, meter ids "
        "0x%x / 0x%x)", sid, (unsigned long long)u.ul_ambr.rate,
        (unsigned long long)u.dl_ambr.rate, k.ul_meter_id, k.dl_meter_id);
    /* counters the kernel would have counted survive a modify */
    __atomic_store_n(&ctx->usage[sid].ul_pkts, 5, __ATOMIC_RELAXED);
    __atomic_store_n(&ctx->usage[sid].ul_ambr.tat, 12345, __ATOMIC_RELAXED);
    s.ul_ambr_bps = 80000000;
    s.dl_ambr_bps = 0;
    rc = dp_session_modify(ctx, &s, XEPC_ACT_PASS, DP_MOD_AMBR);
    rc = rc ? rc : dp_session_read(ctx, sid, &k);
    bpf_map_lookup_elem(ctx->map_fd[DP_MAP_USAGE], &sid, &u);
    tap(!rc && u.ul_pkts == 5 && u.ul_ambr.rate == 10000000 && u.ul_ambr.tat == 0 &&
        k.ul_meter_id == XEPC_METER_SESSION && k.dl_meter_id == 0,
        "modify: a new, full UL bucket, no DL AMBR, the counters kept (ul_pkts %llu)",
        (unsigned long long)u.ul_pkts);
    rc = dp_session_get(ctx, s.ul_teid, &info);
    tap(!rc && info.spec.ul_ambr_bps == 80000000 && info.spec.dl_ambr_bps == 0 &&
        info.spec.ambr_burst_bytes == 0, "session get reads the AMBR back from the usage "
        "value (%llu / %llu bit/s)", (unsigned long long)info.spec.ul_ambr_bps,
        (unsigned long long)info.spec.dl_ambr_bps);
    struct dp_check_report r;
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && r.unrepairable == 0 && r.repairable == 0,
        "dp check: nothing to report about the session's own buckets");
    rc = dp_session_del(ctx, s.ul_teid);
    tap(!rc, "deleted");
}

static int run(const char *pin_root)
{
    char pin_dir[256];
    snprintf(pin_dir, sizeof(pin_dir), "%s/xepc", pin_root);
    struct dp_config cfg;
    struct dp_ctx *ctx = NULL;
    dp_config_init(&cfg);
    snprintf(cfg.s1u_ifname, sizeof(cfg.s1u_ifname), "lo");
    cfg.mode = XEPC_MODE_NAT;
    cfg.xdp_generic = true;
    cfg.max_sessions = MAX_SESSIONS;
    cfg.max_charging = MAX_CHARGING;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    int rc = dp_up(&cfg, &ctx);
    tap(!rc, "dp up on lo (NAT mode), %u sessions: %s", MAX_SESSIONS,
        rc ? dp_ctx_error(ctx) : "ok");
    if (rc) {
        dp_close(ctx);
        return 1;
    }
    uint32_t max_meters = ctx->max_entries[DP_MAP_METERS];
    uint32_t head = 0, tail = 0, errors = 0;
    uint64_t allocs = 0;
    struct dp_session_spec s;
    for (uint32_t r = 0; r < ROUNDS && !errors; r++) {
        for (uint32_t i = 0; i < BATCH; i++, allocs++) {
            spec_of(head + i, &s);
            if (dp_session_add(ctx, &s, XEPC_ACT_PASS)) {
                if (errors < 3)
                    fprintf(stderr, "# add %u: %s\n", head + i, dp_ctx_error(ctx));
                errors++;
            }
        }
        for (uint32_t i = 0; i < BATCH; i++, allocs++) {
            spec_of(head + i, &s);
            if (dp_session_modify(ctx, &s, XEPC_ACT_PASS, DP_MOD_AMBR)) {
                if (errors < 3)
                    fprintf(stderr, "# modify %u: %s\n", head + i, dp_ctx_error(ctx));
                errors++;
            }
        }
        head += BATCH;
        while (head - tail > LIVE) {
            spec_of(tail++, &s);
            if (dp_session_del(ctx, s.ul_teid)) {
                if (errors < 3)
                    fprintf(stderr, "# del %u: %s\n", tail - 1, dp_ctx_error(ctx));
                errors++;
            }
        }
    }
    uint64_t turns = allocs * 2 / max_meters;
    printf("# %" PRIu64 " allocations of 2 meters (%" PRIu64 " turns over %u meters): %" PRIu64
           " meter entries read, %.1f per allocation\n", allocs, turns, max_meters,
           ctx->meter_reads, (double)ctx->meter_reads / (double)allocs);
    tap(errors == 0,
        "%u dedicated bearers added, given new MBR meters and deleted in batches of %u",
        head, BATCH);
    tap(turns >= 3, "the allocator's cursor went around the table %" PRIu64 " times", turns);
    uint64_t charged = head / 2;
    printf("# %" PRIu64 " sessions with quotas (%" PRIu64 " turns over %u charging slots): "
           "%" PRIu64 " slots read, %.1f per session\n", charged, charged * 2 / MAX_CHARGING,
           MAX_CHARGING, ctx->charge_reads, (double)ctx->charge_reads / (double)charged);
    tap(ctx->charge_reads < charged * 32, "a session's charging slots cost %.1f slot reads "
        "on average (< 32: next fit)", (double)ctx->charge_reads / (double)charged);
    tap(ctx->meter_reads < allocs * 32, "an allocation reads %.1f meter entries on average "
        "(< 32: next fit, not the whole table)", (double)ctx->meter_reads / (double)allocs);

    struct meter_count c = {0};
    rc = dp_array_scan(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), count_fn, &c);
    tap(rc == 0 && c.used == 2 * (head - tail), "%u meters in use for %u live sessions "
        "(2 each, none leaked)", c.used, head - tail);

    /* fill the table: the allocator says no only when no meter is left */
    uint32_t added = 0;
    for (;; added++) {
        spec_of(head + added, &s);
        if (dp_session_add(ctx, &s, XEPC_ACT_PASS))
            break;
    }
    uint32_t live = head - tail + added;
    tap(live == MAX_SESSIONS - 1,
        "the tables filled up to %u sessions (%u meters) before a refusal: %s", live, 2 * live,
        dp_ctx_error(ctx));
    ambr_in_usage(ctx);
    rc = dp_down(ctx);
    tap(!rc, "dp down");
    dp_close(ctx);
    return 0;
}

int main(void)
{
    char root[] = "/tmp/xepc-meters.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..14\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
