/* test_dp_uncharged: what a rating group's final-unit action lets through
 * without quota is counted in xepc_uncharged beside its charging slot
 * (xepc_dp.h), which libxepcdp keeps in step with the slots: read back
 * with the session, carried across a policy rebuild that keeps the quota
 * (dp_quota_spec.keep), zero in a slot given to a new session; and a
 * datapath pinned before the map is adopted without it and gets it at
 * `dp upgrade` (docs/datapath.md "Restart and upgrade"). */
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "dp/dp.h"
#include "dp/dp_int.h"
#include "dp_test_env.h"

#define TEID(n) (0x01000000u | (n))

/* Session n: UE 10.45.0.n, one rule of rating group 1 for everything and
 * its online quota of 3000 bytes with REDIRECT (keep: goes on from the
 * slot it has). */
static void spec_of(uint32_t n, bool keep, struct dp_session_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = TEID(n);
    s->ue_addr.s_addr = htonl(0x0a2d0000u + n);
    s->n_rules = 1;
    s->rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_UL | DP_DIR_DL,
                                        .sport_hi = 65535, .dport_hi = 65535,
                                        .action = XEPC_ACT_PASS, .rating_group = 1};
    s->n_quotas = 1;
    s->quotas[0] = (struct dp_quota_spec){.rating_group = 1, .bytes = 3000,
                                          .fua = DP_FUA_REDIRECT, .keep = keep};
}

/* The online slot of rating group 1 of session n: its index, and what the
 * library reads back beside it (0 when not found). */
static uint32_t rg1_slot(struct dp_ctx *ctx, uint32_t n, struct xepc_uncharged *u,
                         uint64_t *used)
{
    struct dp_session_info info;
    memset(u, 0, sizeof(*u));
    if (dp_session_get(ctx, TEID(n), &info))
        return 0;
    for (uint32_t i = 0; i < info.n_charges; i++)
        if (info.charges[i].rating_group == 1 && (info.charges[i].flags & XEPC_CF_ONLINE)) {
            *u = info.uncharged[i];
            if (used)
                *used = info.charges[i].ul_bytes + info.charges[i].dl_bytes;
            return info.charge_base + i;
        }
    return 0;
}

static void run(const char *pin_root)
{
    char pin_dir[256], path[320];
    struct dp_ctx *ctx = dp_test_up_lo(pin_root, pin_dir, sizeof(pin_dir));
    struct dp_session_spec s;
    struct xepc_uncharged u;
    struct dp_check_report r;
    uint64_t used = 1;
    if (!ctx)
        return;
    struct in_addr portal = {htonl(0xc63364c8)};   /* 198.51.100.200 */
    dp_portal_set(ctx, portal);

    /* 1. a session's online slot: nothing apart yet */
    spec_of(2, false, &s);
    int rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
    uint32_t idx = rc ? 0 : rg1_slot(ctx, 2, &u, &used);
    tap(!rc && idx && dp_counts_uncharged(ctx) && ctx->unch && !u.ul_bytes && !u.dl_bytes &&
        !used, "a session with an online quota: slot %u, xepc_uncharged pinned and zero: %s",
        idx, rc ? dp_ctx_error(ctx) : "ok");
    if (!idx || !ctx->unch)
        goto out;

    /* 2. what the kernel counts there (written as it would: atomic adds on
     * the shared mapping) is read back with the session, apart from the
     * slot's used units */
    __atomic_fetch_add(&ctx->unch[idx].ul_bytes, 300, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ctx->unch[idx].ul_pkts, 3, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ctx->unch[idx].dl_bytes, 700, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ctx->unch[idx].dl_pkts, 2, __ATOMIC_SEQ_CST);
    uint32_t same = rg1_slot(ctx, 2, &u, &used);
    tap(same == idx && u.ul_bytes == 300 && u.dl_bytes == 700 && u.ul_pkts == 3 &&
        u.dl_pkts == 2 && !used, "read back with the session: ul 300 dl 700 apart (got %llu, "
        "%llu), the slot's usage %llu", (unsigned long long)u.ul_bytes,
        (unsigned long long)u.dl_bytes, (unsigned long long)used);

    /* 3. a policy rebuild that keeps the quota: new slots, the count with them */
    spec_of(2, true, &s);
    rc = dp_session_modify(ctx, &s, XEPC_ACT_PASS, DP_MOD_POLICY | DP_MOD_QUOTAS);
    uint32_t moved = rc ? 0 : rg1_slot(ctx, 2, &u, NULL);
    tap(!rc && moved && moved != idx && u.ul_bytes == 300 && u.dl_bytes == 700 &&
        u.ul_pkts == 3 && u.dl_pkts == 2, "a rebuild with keep: slot %u -> %u, the 1000 bytes "
        "apart carried (got ul %llu dl %llu): %s", idx, moved, (unsigned long long)u.ul_bytes,
        (unsigned long long)u.dl_bytes, rc ? dp_ctx_error(ctx) : "ok");

    /* 4. every free slot holding a stale count (a freed slot keeps its
     * last): a slot given to a new session starts at zero */
    rc = dp_session_del(ctx, TEID(2));
    for (uint32_t k = 1; k < ctx->max_entries[DP_MAP_CHARGING]; k++)
        if (!(ctx->charging[k].flags & XEPC_CF_VALID))
            ctx->unch[k].ul_bytes = 12345;
    spec_of(3, false, &s);
    rc = rc ? rc : dp_session_add(ctx, &s, XEPC_ACT_PASS);
    idx = rc ? 0 : rg1_slot(ctx, 3, &u, NULL);
    tap(!rc && idx && !u.ul_bytes && !u.dl_bytes, "a slot given to a new session: its count "
        "apart starts at 0 (got %llu): %s", (unsigned long long)u.ul_bytes,
        rc ? dp_ctx_error(ctx) : "ok");

    /* 5. a datapath pinned by a build before the map: adopted without it,
     * sessions read and added as before; dp upgrade adds it */
    snprintf(path, sizeof(path), "%s/%s", pin_dir, XEPC_MAP_UNCHARGED);
    dp_close(ctx);
    ctx = NULL;
    rc = unlink(path) ? -errno : dp_open_pinned(pin_dir, &ctx);
    spec_of(4, false, &s);
    bool ok = !rc && ctx && !ctx->unch && !dp_counts_uncharged(ctx) &&
              !dp_session_add(ctx, &s, XEPC_ACT_PASS) && rg1_slot(ctx, 4, &u, NULL) &&
              !u.ul_bytes && !u.dl_bytes;
    tap(ok, "adopted without %s (an older build's datapath): sessions added and read, "
        "nothing counted apart: %s", XEPC_MAP_UNCHARGED,
        rc ? strerror(-rc) : ctx ? dp_ctx_error(ctx) : "no context");
    if (!ctx)
        return;
    rc = dp_upgrade(ctx, NULL);
    ok = !rc && dp_counts_uncharged(ctx) && ctx->unch &&
         ctx->max_entries[DP_MAP_CHARGING] && !access(path, F_OK);
    spec_of(5, false, &s);
    ok = ok && !dp_session_add(ctx, &s, XEPC_ACT_PASS) && rg1_slot(ctx, 5, &u, NULL) &&
         !u.ul_bytes;
    tap(ok, "dp upgrade pins %s beside the charging map; the writer finds it, the next "
        "session's slot starts at 0: %s", XEPC_MAP_UNCHARGED, rc ? dp_ctx_error(ctx) : "ok");
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && !r.charging_leaks, "dp check: no charging slot leaked");
out:
    dp_down(ctx);
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-uncharged.XXXXXX";
    return dp_test_main(root, 8, run);
}
