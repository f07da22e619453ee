/* test_dp_rulesets: a session with rules finds the ruleset it shares, or a
 * free one, with a few reads of xepc_rulesets, not a walk of the table.
 *
 * Every add and modify of a session with rules used to walk the rulesets
 * for an identical one (shared) or the first free one, in batched reads of
 * 1024 entries of 2.2 KB: a third of xepc-agwd's CPU at attach time when
 * every session has a rule (tools/bench/diam_bench.sh with Gy, perf).
 * Now libxepcdp keeps an index of the rulesets per process (dp_ruleset.c).
 * Another process writes the same table: what it changed must never be
 * shared by mistake, what it freed must be found again.  Whether a
 * ruleset is still used when a session goes is the count of its users in
 * the pinned xepc_rs_refs, not a scan of the sessions: freed exactly with
 * its last user, right with two writer processes at once, verified and
 * repaired by dp check, and taken once when an upgrade adds the map to a
 * datapath pinned without it.
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <inttypes.h>
#include <sys/wait.h>

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


/* ------------------------------------------- the sessions' references --- */

#define TEID_AT(base, i) (0x01000000u | ((base) + (i)))

/* session base + i with the shared rules of port */
static int add_at(struct dp_ctx *ctx, uint32_t base, uint32_t i, uint16_t port)
{
    struct dp_session_spec s;
    spec_of(base + i - 1, port, &s);
    return dp_session_add(ctx, &s, XEPC_ACT_PASS);
}

static uint32_t refs_of(struct dp_ctx *ctx, uint32_t id)
{
    return ctx->rs_refs && id < ctx->max_entries[DP_MAP_RULESETS] ? ctx->rs_refs[id] : ~0u;
}

static uint32_t rules_in(struct dp_ctx *ctx, uint32_t id)
{
    struct xepc_ruleset rs;
    return bpf_map_lookup_elem(ctx->map_fd[DP_MAP_RULESETS], &id, &rs) ? ~0u : rs.n_rules;
}

/* A writer process: 150 sessions of its own TEIDs (base + 1 ..) over
 * three shared rulesets, each odd one deleted again after the next is
 * added: the even ones are left. */
static int writer(const char *pin_dir, uint32_t base)
{
    struct dp_ctx *c = NULL;
    if (dp_open_pinned(pin_dir, &c))
        return 1;
    int bad = 0;
    for (uint32_t i = 1; i <= 150; i++) {
        bad += add_at(c, base, i, (uint16_t)(9000 + i % 3)) != 0;
        if (!(i % 2))
            bad += dp_session_del(c, TEID_AT(base, i - 1)) != 0;
    }
    dp_close(c);
    return bad ? 1 : 0;
}

static void counts(const char *pin_dir, struct dp_ctx **ctxp)
{
    struct dp_ctx *ctx = *ctxp;
    struct dp_check_report r;
    int rc;
    /* 5. a shared ruleset is freed when its last user goes, and no delete
     * scans the sessions */
    uint64_t scans = ctx->ruleset_ref_scans;
    bool ok = true;
    for (uint32_t i = 1; i <= 50; i++)
        ok = ok && !add_at(ctx, 600, i, 8080);
    uint32_t id = ruleset_of(ctx, 600);
    tap(ok && id && refs_of(ctx, id) == 50 && ctx->rs_refs[0] == XEPC_RS_REFS_EXACT,
        "50 sessions share ruleset %u: its count in %s is %u", id, XEPC_MAP_RS_REFS,
        refs_of(ctx, id));
    for (uint32_t i = 1; i < 50; i++)
        ok = ok && !dp_session_del(ctx, TEID_AT(600, i));
    tap(ok && rules_in(ctx, id) == 2 && refs_of(ctx, id) == 1,
        "49 of them deleted: the ruleset stays for the last (%u rules, count %u)",
        rules_in(ctx, id), refs_of(ctx, id));
    ok = !dp_session_del(ctx, TEID_AT(600, 50));
    tap(ok && rules_in(ctx, id) == 0 && refs_of(ctx, id) == 0 &&
        ctx->ruleset_ref_scans == scans,
        "the last deleted: the ruleset is freed, count 0, and no delete scanned the "
        "sessions (%" PRIu64 " scans)", ctx->ruleset_ref_scans - scans);

    /* the bulk install counts its sessions too */
    struct dp_session_spec bulk[20];
    for (uint32_t i = 0; i < 20; i++)
        spec_of(2 + i, 7070, &bulk[i]);     /* sids 3 .. 22 */
    rc = dp_session_add_bulk(ctx, bulk, 20);
    id = ruleset_of(ctx, 2);
    ok = rc == 20 && id && refs_of(ctx, id) == 20;
    for (uint32_t i = 0; i < 19; i++)
        ok = ok && !dp_session_del(ctx, bulk[i].ul_teid);
    bool stays = rules_in(ctx, id) == 2 && refs_of(ctx, id) == 1;
    ok = ok && !dp_session_del(ctx, bulk[19].ul_teid);
    tap(ok && stays && rules_in(ctx, id) == 0 && refs_of(ctx, id) == 0,
        "20 sessions installed in bulk: counted (20), the ruleset freed with the last");

    /* 6. two processes add and delete sessions over shared rulesets */
    pid_t pid[2];
    int st[2] = {-1, -1};
    fflush(stdout);
    for (int k = 0; k < 2; k++)
        if ((pid[k] = fork()) == 0)
            _exit(writer(pin_dir, 650 + 150 * (uint32_t)k));
    for (int k = 0; k < 2; k++)
        if (pid[k] > 0)
            waitpid(pid[k], &st[k], 0);
    /* the rulesets the sessions left use (each process may have written
     * its own copy of one the other wrote: a missed share), each once */
    uint32_t sum = 0, ids[8], n_ids = 0;
    for (uint32_t k = 0; k < 2; k++)
        for (uint32_t i = 2; i <= 150; i += 2) {
            uint32_t x = ruleset_of(ctx, 650 + 150 * k + i - 1), j = 0;
            while (j < n_ids && ids[j] != x)
                j++;
            if (j == n_ids && n_ids < 8) {
                ids[n_ids++] = x;
                sum += refs_of(ctx, x);
            }
        }
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(WIFEXITED(st[0]) && !WEXITSTATUS(st[0]) && WIFEXITED(st[1]) && !WEXITSTATUS(st[1]) &&
        !rc && !r.ruleset_counts && !r.ruleset_leaks && sum == 150,
        "two writer processes at once (150 adds, 75 deletes each, 3 rule sets shared): the "
        "counts of the %u rulesets sum to the 150 sessions left (%u), dp check finds %u "
        "wrong counts", n_ids, sum, rc ? 0 : r.ruleset_counts);
    ok = true;
    for (uint32_t k = 0; k < 2; k++)
        for (uint32_t i = 2; i <= 150; i += 2)
            ok = ok && !dp_session_del(ctx, TEID_AT(650 + 150 * k, i));
    for (uint32_t j = 0; j < n_ids; j++)
        ok = ok && rules_in(ctx, ids[j]) == 0 && !refs_of(ctx, ids[j]);
    tap(ok && n_ids >= 3, "all deleted: the %u rulesets are freed, counts 0", n_ids);

    /* 7. dp check verifies the counts and repairs them */
    ok = true;
    for (uint32_t i = 1; i <= 4; i++)
        ok = ok && !add_at(ctx, 600, i, 8080);
    id = ruleset_of(ctx, 600);
    __atomic_fetch_add(&ctx->rs_refs[id], 3, __ATOMIC_SEQ_CST);
    rc = dp_check(ctx, false, &r, NULL, NULL);
    bool found = !rc && r.ruleset_counts == 1 && r.repairable == 1;
    rc = dp_check(ctx, true, &r, NULL, NULL);
    bool fixed = !rc && refs_of(ctx, id) == 4;
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(ok && found && fixed && !rc && !r.ruleset_counts,
        "dp check: a count 3 too high (a writer killed between count and session) is "
        "reported repairable, --repair writes the sessions' 4");

    /* 8. a datapath pinned by a build without the counts: deletes scan;
     * the upgrade adds the map, and the first writer counts once */
    char path[320];
    snprintf(path, sizeof(path), "%s/%s", pin_dir, XEPC_MAP_RS_REFS);
    dp_close(ctx);
    *ctxp = ctx = NULL;
    rc = unlink(path) || dp_open_pinned(pin_dir, &ctx);
    scans = ctx ? ctx->ruleset_ref_scans : 0;
    ok = !rc && ctx && !ctx->rs_refs && !dp_session_del(ctx, TEID_AT(600, 1));
    tap(ok && rules_in(ctx, id) == 2 && ctx->ruleset_ref_scans > scans,
        "adopted without %s (an older build's datapath): a delete scans the sessions, the "
        "shared ruleset stays", XEPC_MAP_RS_REFS);
    if (!ctx)
        return;
    *ctxp = ctx;
    rc = dp_upgrade(ctx, NULL);
    ok = !rc && !dp_session_del(ctx, TEID_AT(600, 2));
    tap(ok && ctx->rs_refs && ctx->rs_refs[0] == XEPC_RS_REFS_EXACT && refs_of(ctx, id) == 2 &&
        rules_in(ctx, id) == 2, "dp upgrade adds the map; the next delete counts the "
        "sessions once: 2 left on ruleset %u (count %u): %s", id, refs_of(ctx, id),
        rc ? dp_ctx_error(ctx) : "ok");
    scans = ctx->ruleset_ref_scans;
    ok = !dp_session_del(ctx, TEID_AT(600, 3)) && !dp_session_del(ctx, TEID_AT(600, 4));
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(ok && rules_in(ctx, id) == 0 && ctx->ruleset_ref_scans == scans && !rc &&
        !r.ruleset_counts && !r.ruleset_leaks,
        "then by the count: the last user's delete frees it; dp check agrees");
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
    counts(pin_dir, &ctx);
    rc = dp_down(ctx);
    tap(!rc, "dp down");
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-rulesets.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..20\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
