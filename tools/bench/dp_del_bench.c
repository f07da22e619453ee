/* dp_del_bench: what one session delete and one add cost libxepcdp
 * (dp_session_del(), dp_session_add()) with many sessions installed that
 * share a ruleset, as a gateway's do (Gy's rating-group rule, a PCRF's
 * rules).  A delete must know whether its ruleset is still used: it used
 * to scan every session for another user (docs/PERFORMANCE.md "Session
 * delete").
 *
 * In a private network namespace with a private bpffs: dp up on lo (NAT
 * mode, generic XDP), N sessions installed with dp_session_add_bulk()
 * (two rules: one shared ruleset), then per trial M of them deleted one by
 * one and added again one by one, timed; and M more sessions with rules
 * of their own (one ruleset each: the scan found no other user and read
 * every session), deleted and added again.  Prints
 *   bench: dp_session_del_shared_<N> <median> us/delete (median of T; ...)
 *   bench: dp_session_add_shared_<N> <median> us/add (...)
 *   bench: dp_session_del_own_<N>, dp_session_add_own_<N>
 * Needs root.
 */
#include <getopt.h>
#include <stdint.h>
#include <time.h>

#include "dp/dp.h"
#include "userspace/dp/tests/dp_test_env.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* own: a ruleset of its own (the second rule's port is the session's) */
static void spec_of(uint32_t n, struct dp_session_spec *s, bool own)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = 0x01000000u | (n + 1);
    s->ue_addr.s_addr = htonl(0x0a400000u + 2 + n);
    s->has_tunnel = true;
    inet_pton(AF_INET, "192.0.2.50", &s->enb_addr);
    s->dl_teid = 0x100000u + n;
    s->n_rules = 2;
    s->rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_UL, .proto = 17,
                                        .sport_hi = 65535, .dport_lo = 9, .dport_hi = 9,
                                        .action = DP_ACTION_DROP};
    s->rules[1] = (struct dp_rule_spec){.precedence = 20, .dir = DP_DIR_BOTH,
                                        .sport_hi = 65535, .dport_hi = 65535,
                                        .action = DP_ACTION_PASS};
    if (own)
        s->rules[1].dport_lo = s->rules[1].dport_hi = (uint16_t)(1000 + n % 60000);
}

/* Deletes, then adds again, the m sessions s[0], s[step], ...: the mean
 * microseconds of one delete and of one add, or -1. */
static int cycle(struct dp_ctx *ctx, struct dp_session_spec *s, uint32_t m, uint32_t step,
                 double *del_us, double *add_us)
{
    double t0 = now_us();
    for (uint32_t k = 0; k < m; k++)
        if (dp_session_del(ctx, s[k * step].ul_teid)) {
            fprintf(stderr, "dp_del_bench: delete: %s\n", dp_ctx_error(ctx));
            return -1;
        }
    double t1 = now_us();
    for (uint32_t k = 0; k < m; k++)
        if (dp_session_add(ctx, &s[k * step], XEPC_ACT_PASS)) {
            fprintf(stderr, "dp_del_bench: add: %s\n", dp_ctx_error(ctx));
            return -1;
        }
    double t2 = now_us();
    *del_us = (t1 - t0) / m;
    *add_us = (t2 - t1) / m;
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint32_t n, const char *unit, double *v, int t)
{
    qsort(v, (size_t)t, sizeof(*v), cmp_d);
    printf("bench: %s_%u %.1f %s (median of %d; best %.1f, spread %.1f-%.1f)\n", name, n,
           v[t / 2], unit, t, v[0], v[0], v[t - 1]);
}

int main(int argc, char **argv)
{
    uint32_t n = 100000, m = 200;
    int trials = 5, c;
    while ((c = getopt(argc, argv, "n:m:t:h")) != -1) {
        switch (c) {
        case 'n': n = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'm': m = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 't': trials = atoi(optarg); break;
        default:
            printf("usage: %s [-n SESSIONS] [-m PER_TRIAL] [-t TRIALS]\n\n"
                   "The cost of dp_session_del() and dp_session_add() with SESSIONS\n"
                   "sessions installed (default 100000) sharing one ruleset, and\n"
                   "PER_TRIAL (default 200) more with a ruleset of their own each:\n"
                   "PER_TRIAL of each kind deleted and added again per trial, TRIALS\n"
                   "(default 5) trials; median, best and spread in microseconds.\n"
                   "Needs root.\n",
                   argv[0]);
            return c == 'h' ? 0 : 2;
        }
    }
    if (m > n || trials < 1 || trials > 64 || n < 1 || n > 1000000) {
        fprintf(stderr, "dp_del_bench: want 1 <= PER_TRIAL <= SESSIONS <= 1000000, "
                "1 <= TRIALS <= 64\n");
        return 2;
    }
    char root[] = "/tmp/xepc-delbench.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    int rc = 1;
    char pin_dir[256];
    struct dp_config cfg;
    struct dp_ctx *ctx = NULL;
    snprintf(pin_dir, sizeof(pin_dir), "%s/xepc", root);
    dp_config_init(&cfg);
    snprintf(cfg.s1u_ifname, sizeof(cfg.s1u_ifname), "lo");
    cfg.mode = XEPC_MODE_NAT;
    cfg.xdp_generic = true;
    cfg.max_sessions = n + m + 2;
    cfg.max_rulesets = m + 64;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    struct dp_session_spec *s = calloc(n + m, sizeof(*s));
    double *v[4];
    for (int i = 0; i < 4; i++)
        v[i] = calloc((size_t)trials, sizeof(double));
    if (!s || !v[0] || !v[1] || !v[2] || !v[3])
        goto out;
    if (dp_up(&cfg, &ctx)) {
        fprintf(stderr, "dp_del_bench: dp up: %s\n", dp_ctx_error(ctx));
        goto out;
    }
    for (uint32_t i = 0; i < n + m; i++)
        spec_of(i, &s[i], i >= n);
    if (dp_session_add_bulk(ctx, s, n) != (int)n) {
        fprintf(stderr, "dp_del_bench: bulk install: %s\n", dp_ctx_error(ctx));
        goto down;
    }
    for (uint32_t i = n; i < n + m; i++)
        if (dp_session_add(ctx, &s[i], XEPC_ACT_PASS)) {
            fprintf(stderr, "dp_del_bench: add: %s\n", dp_ctx_error(ctx));
            goto down;
        }
    printf("# dp_del_bench: %ld CPUs, %u sessions sharing one ruleset and %u with one of "
           "their own; %u deletes and adds of each kind per trial\n",
           sysconf(_SC_NPROCESSORS_ONLN), n, m, m);
    for (int t = 0; t < trials; t++)
        if (cycle(ctx, s, m, n / m, &v[0][t], &v[1][t]) ||
            cycle(ctx, s + n, m, 1, &v[2][t], &v[3][t]))
            goto down;
    report("dp_session_del_shared", n, "us/delete", v[0], trials);
    report("dp_session_add_shared", n, "us/add", v[1], trials);
    report("dp_session_del_own", n, "us/delete", v[2], trials);
    report("dp_session_add_own", n, "us/add", v[3], trials);
    rc = 0;
down:
    dp_down(ctx);
out:
    dp_close(ctx);
    free(s);
    for (int i = 0; i < 4; i++)
        free(v[i]);
    dp_test_env_leave(root);
    return rc;
}
