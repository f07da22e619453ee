/* test_dp_copy: the packets read a session from its own xepc_usage value
 * (bpf/xepc_dp.h, struct xepc_usage: two banks in lines 0 and 1), which
 * the library keeps in step with xepc_sessions (issue 13 section 1: one
 * page of per-session state a packet).
 *
 * A datapath is brought up with dp_up() (NAT mode on the loopback device of
 * a private network namespace, pins on a private bpffs), and tc_ue is run
 * on a downlink packet with BPF_PROG_TEST_RUN to see which tunnel the
 * datapath takes:
 *  - add, modify, bulk and delete write the packets' copy (bank 0 live,
 *    gen even, the same fields as xepc_sessions' live copy);
 *  - the datapath follows the copy, not xepc_sessions: an entry of
 *    xepc_sessions changed alone (a writer killed between the two writes)
 *    does not move the packets; dp check reports it as repairable and
 *    --repair writes the copy;
 *  - with the copy's gen odd, bank 1 (line 1) is the live one.
 * With the datapath of the earlier layout (the session read from
 * xepc_sessions) the packets follow the lone xepc_sessions write.
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <stddef.h>

#include "dp/dp.h"
#include "dp/dp_int.h"
#include "dp_test_env.h"

#define UE "10.45.0.5"
#define ENB_A "192.0.2.50"
#define TEID_A 0x11223344u
#define TEID_B 0x55667788u
#define TEID_C 0x0badcafeu
#define UL_TEID 0x01000005u

/* The TEID tc_ue encapsulated a downlink packet for UE with; 0 when it
 * did not encapsulate (not a UE). */
static uint32_t dl_teid(int pfd)
{
    uint8_t inbuf[72] __attribute__((aligned(8))), out[256];
    uint8_t *in = inbuf + 2;    /* the IPv4 header 4-byte aligned */
    size_t inlen = dp_test_downlink_frame(in, UE);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)inlen,
                .data_out = out, .data_size_out = sizeof(out));
    if (bpf_prog_test_run_opts(pfd, &o) || o.data_size_out < 14 + 20 + 8 + 8)
        return 0;
    uint32_t teid;
    memcpy(&teid, out + 14 + 20 + 8 + 4, 4);
    return ntohl(teid);
}

/* The packets' copy of sid equals xepc_sessions' live copy, bank 0 live. */
static bool copy_in_step(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *pk)
{
    struct xepc_session s;
    memset(pk, 0, sizeof(*pk));
    if (dp_session_read(ctx, sid, &s) || dp_session_mirror_read(ctx, sid, pk))
        return false;
    return !(pk->gen & 1) && !memcmp(&s, pk, offsetof(struct xepc_session, gen));
}

static void run(const char *pin_root)
{
    char pin_dir[256];
    struct dp_ctx *ctx = dp_test_up_lo(pin_root, pin_dir, sizeof(pin_dir));
    if (!ctx)
        return;
    int rc;
    int lfd = -1, pfd = dp_test_tc_ue_prog(pin_dir, &lfd);
    tap(pfd >= 0, "tc_ue's program found through its pinned link");

    /* a full-policy session: AMBR both ways, a rule, a quota */
    struct dp_session_spec s = {.ul_teid = UL_TEID, .has_tunnel = true, .dl_teid = TEID_A,
                                .ul_ambr_bps = 100000000, .dl_ambr_bps = 100000000};
    inet_pton(AF_INET, UE, &s.ue_addr);
    inet_pton(AF_INET, ENB_A, &s.enb_addr);
    s.n_rules = 1;
    s.rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_UL | DP_DIR_DL,
                                        .sport_hi = 65535, .dport_hi = 65535,
                                        .action = XEPC_ACT_PASS, .rating_group = 7};
    s.n_quotas = 1;
    s.quotas[0] = (struct dp_quota_spec){.rating_group = 7, .bytes = 1000000000};
    rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
    uint32_t sid = XEPC_TEID_SID(UL_TEID);
    struct xepc_session pk;
    bool step = !rc && copy_in_step(ctx, sid, &pk);
    tap(step && (pk.flags & XEPC_SF_ACTIVE) && pk.teid_remote == TEID_A && pk.ruleset_id &&
        pk.charge_base && pk.ul_meter_id == XEPC_METER_SESSION,
        "add: the packets' copy in xepc_usage[%u] is the session (bank 0 live, gen %u, "
        "TEID 0x%x, ruleset %u, charge base %u): %s", sid, pk.gen, pk.teid_remote,
        pk.ruleset_id, pk.charge_base, rc ? dp_ctx_error(ctx) : "ok");
    uint32_t t = dl_teid(pfd);
    tap(t == TEID_A, "tc_ue encapsulates with the session's TEID (0x%x)", t);

    s.dl_teid = TEID_B;
    rc = dp_session_modify(ctx, &s, XEPC_ACT_PASS, 0);
    step = !rc && copy_in_step(ctx, sid, &pk);
    t = dl_teid(pfd);
    tap(step && pk.teid_remote == TEID_B && t == TEID_B,
        "modify: the copy follows (TEID 0x%x, gen %u), and so do the packets (0x%x)",
        pk.teid_remote, pk.gen, t);

    /* xepc_sessions alone changed, as a writer killed between the two
     * writes leaves it: the packets keep the copy */
    struct xepc_session live;
    rc = dp_session_read(ctx, sid, &live);
    live.teid_remote = TEID_C;
    live.gen = 0;
    if (!rc && bpf_map_update_elem(ctx->map_fd[DP_MAP_SESSIONS], &sid, &live, 0))
        rc = -errno;
    t = dl_teid(pfd);
    tap(!rc && t == TEID_B, "xepc_sessions changed alone: the packets keep the copy's TEID "
        "(0x%x; 0x%x would be xepc_sessions')", t, TEID_C);
    struct dp_check_report r;
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && r.copy_stale == 1 && r.repairable == 1 && r.unrepairable == 0,
        "dp check: one stale packets' copy, repairable (%u stale, %u repairable, "
        "%u beyond repair)", r.copy_stale, r.repairable, r.unrepairable);
    rc = dp_check(ctx, true, &r, NULL, NULL);
    t = dl_teid(pfd);
    step = copy_in_step(ctx, sid, &pk);
    tap(!rc && r.repaired == 1 && step && t == TEID_C,
        "dp check --repair writes the copy from xepc_sessions; the packets follow (0x%x)", t);
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && r.repairable == 0 && r.unrepairable == 0, "dp check: clean after the repair");

    /* bank 1: the copy's gen odd makes line 1 live */
    struct xepc_usage *u = &ctx->usage[sid];
    uint32_t g = u->sess.gen;
    u->sess1 = u->sess;
    u->sess1.teid_remote = TEID_A;
    __atomic_store_n(&u->sess.gen, g + 1, __ATOMIC_RELEASE);
    t = dl_teid(pfd);
    tap(t == TEID_A, "gen odd: the datapath takes bank 1 (TEID 0x%x)", t);
    __atomic_store_n(&u->sess.gen, g + 2, __ATOMIC_RELEASE);
    t = dl_teid(pfd);
    tap(t == TEID_C, "gen even again: bank 0 (TEID 0x%x)", t);

    rc = dp_session_del(ctx, UL_TEID);
    step = !rc && !dp_session_mirror_read(ctx, sid, &pk) && !(pk.flags & XEPC_SF_ACTIVE);
    t = dl_teid(pfd);
    tap(step && t == 0, "delete: the copy is inactive and the packet is not a UE's");

    /* bulk: every session's copy in step */
    struct dp_session_spec b[10];
    for (int i = 0; i < 10; i++) {
        b[i] = s;
        b[i].ul_teid = 0x02000010u + (uint32_t)i;
        b[i].ue_addr.s_addr = htonl(0x0a2e0010u + (uint32_t)i);
        b[i].dl_teid = 0x7000u + (uint32_t)i;
    }
    rc = dp_session_add_bulk(ctx, b, 10);
    int ok = 0;
    for (int i = 0; i < 10; i++)
        if (copy_in_step(ctx, 0x10u + (uint32_t)i, &pk) && (pk.flags & XEPC_SF_ACTIVE) &&
            pk.teid_remote == 0x7000u + (uint32_t)i && pk.ruleset_id &&
            pk.ul_meter_id == XEPC_METER_SESSION && pk.charge_base)
            ok++;
    tap(rc == 10 && ok == 10, "bulk: %d of 10 full-policy sessions with their copy in step "
        "(%s)", ok, rc < 0 ? dp_ctx_error(ctx) : "ok");

    if (pfd >= 0)
        close(pfd);
    if (lfd >= 0)
        close(lfd);
    rc = dp_down(ctx);
    tap(!rc, "dp down");
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-copy.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..14\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
