/* test_dp_ddn: every idle period of a session raises its downlink-data
 * event at its first packet (TS 23.401 5.3.4.3), even when the last event
 * was less than ddn_interval ago.
 *
 * The event is rate-limited per session (ddn_interval_ns, 1 s by default)
 * so that a burst to an idle UE pages it once.  A UE paged, connected and
 * released again within that second (agw_paging.sh: GUTI reallocation,
 * then `xepcctl ue release`, then a ping) must be paged again: with the
 * interval still running from the previous idle period it was not, and its
 * packets waited in the buffer for nobody.  The library ends the interval
 * when it gives the session its tunnel back.
 *
 * A datapath is brought up with dp_up() on the loopback device of a private
 * network namespace; tc_ue runs on downlink packets with BPF_PROG_TEST_RUN.
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <inttypes.h>
#include <stdint.h>

#include "dp_test_env.h"

#define UE "10.45.0.9"
#define UL_TEID 9u

static uint64_t last_ddn(struct dp_ctx *ctx)
{
    struct dp_session_info info;
    return dp_session_get(ctx, UL_TEID, &info) ? UINT64_MAX : info.usage.last_ddn_ns;
}

static int downlink(int pfd)
{
    uint8_t inbuf[72] __attribute__((aligned(8))), out[256];
    uint8_t *in = inbuf + 2;
    size_t inlen = dp_test_downlink_frame(in, UE);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)inlen,
                .data_out = out, .data_size_out = sizeof(out));
    return bpf_prog_test_run_opts(pfd, &o);
}

static int set_tunnel(struct dp_ctx *ctx, bool on)
{
    struct dp_session_spec s = {.ul_teid = UL_TEID, .has_tunnel = on, .dl_teid = 0x0a0b0c0d};
    inet_pton(AF_INET, UE, &s.ue_addr);
    inet_pton(AF_INET, "192.0.2.50", &s.enb_addr);
    return dp_session_modify(ctx, &s, XEPC_ACT_PASS, 0);
}

static void run(const char *pin_root)
{
    char pin_dir[256];
    struct dp_ctx *ctx = dp_test_up_lo(pin_root, pin_dir, sizeof(pin_dir));
    if (!ctx)
        return;
    int rc;
    struct dp_session_spec s = {.ul_teid = UL_TEID};
    inet_pton(AF_INET, UE, &s.ue_addr);
    rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
    tap(!rc, "an idle session (no tunnel) for UE %s", UE);
    int lfd = -1, pfd = dp_test_tc_ue_prog(pin_dir, &lfd);
    tap(pfd >= 0, "tc_ue's program found through its pinned link");

    tap(!downlink(pfd), "a downlink packet to the idle UE");
    uint64_t first = last_ddn(ctx);
    tap(first && first != UINT64_MAX, "it raised the downlink-data event (at %" PRIu64 " ns)",
        first);
    tap(!downlink(pfd) && last_ddn(ctx) == first,
        "a second packet within the interval raises none (one paging per burst)");

    /* paged: the UE comes back and gets its tunnel; released again at once */
    tap(!set_tunnel(ctx, true), "the UE is back: tunnel set");
    tap(!set_tunnel(ctx, false), "released again (tunnel removed) within the interval");
    tap(!downlink(pfd), "a downlink packet in the new idle period");
    uint64_t second = last_ddn(ctx);
    tap(second != UINT64_MAX && second > first,
        "it raised a new downlink-data event at once (last %" PRIu64 " -> %" PRIu64 " ns)",
        first, second);

    /* once connected (and while the tunnel moves, as in a handover) no
     * interval is left over for the next idle period */
    tap(!set_tunnel(ctx, true) && !set_tunnel(ctx, true) && last_ddn(ctx) == 0,
        "connected: the interval is over (0)");
    if (pfd >= 0)
        close(pfd);
    if (lfd >= 0)
        close(lfd);
    tap(!dp_down(ctx), "dp down");
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-ddn.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..12\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
