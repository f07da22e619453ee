/* test_dp_rulesets: a session with rules finds the ruleset it shares, or a
 * free one, with a few reads of xepc_rulesets, not a walk of the table.
 *
 * Every add and modify of a session with rules used to walk the rulesets
 * for an identical one (shared) or the first free one, in batched reads of
 * 1024 entries of 2.2 KB: a third of xepc-agwd's CPU at attach time when
 * every session has a rule (tools/bench/diam_bench.sh with Gy, perf).
 * Now libxepcdp keeps an index of the rulesets per process (dp_ruleset.c).
 * Another process writes the same table: what it changed must never be
 * shared by mistake, what it freed must be found again.
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <inttypes.h>

#include "dp/dp.h"
#include "dp/dp_int.h"
#include "dp_test_env.h"

#define MAX_SESSIONS 1024u
#define MAX_RULESETS 1024u
#define N 300u

/* Session n: UE 10.45.x.y, two rules; the second's remote port is port
 * (the same for every session that shares a ruleset). */
static void spec_of(uint32_t n, uint16_t port, struct dp_session_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = 0x01000000u | (n + 1);
    s->ue_addr.s_addr = htonl(0x0a2d0000u + 2 + n);
    s->n_rules = 2;
    s->rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_DL, .proto = 17,
                                        .sport_hi = 65535, .dport_lo = 53, .dport_hi = 53,
                                        .action = XEPC_ACT_PASS};
    s->rules[1] = (struct dp_rule_spec){.precedence = 20, .dir = DP_DIR_UL | DP_DIR_DL,
                                        .proto = 6, .sport_hi = 65535, .dport_lo = port,
                                        .dport_hi = port, .action = XEPC_ACT_DROP};
}

static uint32_t ruleset_of(struct dp_ctx *ctx, uint32_t n)
{
    struct xepc_session k;
    return dp_session_read(ctx, n + 1, &k) ? 0 : k.ruleset_id;
}

static int used_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_ruleset *rs = val;
    if (idx && rs->n_rules)
        (*(uint32_t *)arg)++;
    return 0;
}

static uint32_t rulesets_used(struct dp_ctx *ctx)
{
    uint32_t n = 0;
    dp_array_scan(ctx, DP_MAP_RULESETS, sizeof(struct xepc_ruleset), used_fn, &n);
    return n;
}

/* Adds sessions from .. to - 1 (port: 0 = its own port per session, else
 * that port for all); the rulesets read per add on average, or -1. */
static double add_range(struct dp_ctx *ctx, uint32_t from, uint32_t to, uint16_t port)
{
    struct dp_session_spec s;
    uint64_t reads = ctx->ruleset_reads;
    for (uint32_t n = from; n < to; n++) {
        spec_of(n, port ? port : (uint16_t)(1000 + n), &s);
        if (dp_session_add(ctx, &s, XEPC_ACT_PASS)) {
            printf("# add %u: %s\n", n, dp_ctx_error(ctx));
            return -1;
        }
    }
    return (double)(ctx->ruleset_reads - reads) / (double)(to - from);
}

static void run(const char *pin_root)
{
    char pin_dir[256];
    snprintf(pin_dir, sizeof(pin_dir), "%s/xepc", pin_root);
    struct dp_config cfg;
    struct dp_ctx *ctx = NULL, *other = NULL;
    dp_config_init(&cfg);
    snprintf(cfg.s1u_ifname, sizeof(cfg.s1u_ifname), "lo");
    cfg.mode = XEPC_MODE_NAT;
    cfg.xdp_generic = true;
    cfg.max_sessions = MAX_SESSIONS;
    cfg.max_rulesets = MAX_RULESETS;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    int rc = dp_up(&cfg, &ctx);
    tap(!rc, "dp up on lo (NAT mode), %u rulesets: %s", MAX_RULESETS,
        rc ? dp_ctx_error(ctx) : "ok");
    if (rc) {
        dp_close(ctx);
        return;
    }

    /* 1. identical rules: one ruleset for all */
    add_range(ctx, 0, 1, 80);                   /* the index is built here */
    double per = add_range(ctx, 1, N, 80);
    uint32_t shared = ruleset_of(ctx, 0), same = 0;
    for (uint32_t n = 0; n < N; n++)
        same += ruleset_of(ctx, n) == shared;
    tap(shared && same == N && rulesets_used(ctx) == 1,
        "%u sessions with identical rules share ruleset %u (%u rulesets used)", same, shared,
        rulesets_used(ctx));
    tap(per >= 0 && per < 4, "finding the shared ruleset read %.2f rulesets per add "
        "(< 4: not a walk of the %u)", per, MAX_RULESETS);

    /* 2. rules of their own: a free ruleset each */
    per = add_range(ctx, N, 2 * N, 0);
    uint32_t own = 0;
    for (uint32_t n = N; n < 2 * N; n++)
        own += ruleset_of(ctx, n) && ruleset_of(ctx, n) != shared;
    tap(per >= 0 && per < 4 && own == N && rulesets_used(ctx) == N + 1,
        "%u sessions with rules of their own: %u rulesets used, %.2f read per add", own,
        rulesets_used(ctx), per);

    /* 3. freed and taken again */
    for (uint32_t n = N; n < 2 * N; n++)
        dp_session_del(ctx, 0x01000000u | (n + 1));
    uint32_t after_del = rulesets_used(ctx);
    per = add_range(ctx, N, 2 * N, 0);
    tap(after_del == 1 && per >= 0 && per < 4 && rulesets_used(ctx) == N + 1,
        "deleted, their rulesets were freed (%u used); added again: %.2f read per add, "
        "%u used", after_del, per, rulesets_used(ctx));

    /* 4. another process frees the shared ruleset and writes other rules
     * into it: this process must not share it any more, nor lose it */
    rc = dp_open_pinned(pin_dir, &other);
    tap(!rc, "a second process opens the pinned datapath: %s", rc ? dp_ctx_error(other) : "ok");
    if (!rc) {
        struct dp_session_spec s;
        for (uint32_t n = 0; n < N; n++)
            dp_session_del(other, 0x01000000u | (n + 1));
        spec_of(0, 443, &s);            /* the first session, other rules */
        rc = dp_session_add(other, &s, XEPC_ACT_PASS);
        uint32_t theirs = ruleset_of(other, 0);
        tap(!rc && theirs == shared, "it deletes the sharers and takes ruleset %u for rules "
            "of its own (ruleset %u): %s", shared, theirs, rc ? dp_ctx_error(other) : "ok");
        spec_of(1, 80, &s);             /* this process: the old shared rules */
        rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
        uint32_t mine = ruleset_of(ctx, 1);
        struct dp_session_info a, b;
        int ra = dp_session_get(ctx, s.ul_teid, &a);
        int rb = dp_session_get(ctx, 0x01000001u, &b);
        tap(!rc && !ra && !rb && mine && mine != theirs && a.spec.n_rules == 2 &&
            a.spec.rules[1].dport_lo == 80 && b.spec.n_rules == 2 &&
            b.spec.rules[1].dport_lo == 443,
            "this process's next session with the old rules gets ruleset %u, not the "
            "changed %u; ports %u and %u read back", mine, theirs,
            ra ? 0 : a.spec.rules[1].dport_lo, rb ? 0 : b.spec.rules[1].dport_lo);
        struct dp_check_report r;
        rc = dp_check(ctx, false, &r, NULL, NULL);
        tap(!rc && r.unrepairable == 0 && r.repairable == 0,
            "dp check: no leaked or dangling ruleset");
        dp_close(other);
    }
    rc = dp_down(ctx);
    tap(!rc, "dp down");
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-rulesets.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..10\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
