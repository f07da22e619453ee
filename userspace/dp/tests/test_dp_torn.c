/* test_dp_torn: a session entry changed while the programs read it is never
 * seen half old, half new (issue 8: "the session array entry is updated in
 * place while the programs read it").
 *
 * A datapath is brought up with dp_up() (NAT mode on the loopback device of
 * a private network namespace, pins on a private bpffs).  One thread moves
 * a session's tunnel back and forth between (eNB A, TEID A) and (eNB B,
 * TEID B) with dp_session_modify(), as a handover does; the main thread
 * meanwhile runs tc_ue on a downlink packet for the UE with
 * BPF_PROG_TEST_RUN, over and over, and reads the outer destination and the
 * GTP-U TEID it encapsulated with.  Every packet must carry A's pair or
 * B's, never A's address with B's TEID.  With the entry updated in place
 * (the earlier library), such mixed packets appear within a second.
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp/dp.h"
#include "dp_test_env.h"

#define ENB_A "192.0.2.50"
#define ENB_B "198.51.100.61"
#define TEID_A 0x11223344u
#define TEID_B 0x55667788u
#define UE "10.45.0.5"
#define UL_TEID 5u

struct writer {
    char pin_dir[256];
    atomic_bool stop;
    unsigned long modifies;
    int err;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct dp_ctx *ctx = NULL;
    if (dp_open_pinned(w->pin_dir, &ctx)) {
        fprintf(stderr, "# writer: %s\n", dp_ctx_error(ctx));
        w->err = 1;
        dp_close(ctx);
        return NULL;
    }
    struct dp_session_spec s = {.ul_teid = UL_TEID, .has_tunnel = true};
    inet_pton(AF_INET, UE, &s.ue_addr);
    while (!atomic_load(&w->stop)) {
        bool b = w->modifies & 1;
        inet_pton(AF_INET, b ? ENB_B : ENB_A, &s.enb_addr);
        s.dl_teid = b ? TEID_B : TEID_A;
        if (dp_session_modify(ctx, &s, XEPC_ACT_PASS, 0)) {
            fprintf(stderr, "# writer: %s\n", dp_ctx_error(ctx));
            w->err = 1;
            break;
        }
        w->modifies++;
    }
    dp_close(ctx);
    return NULL;
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
    cfg.max_sessions = 64;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    int rc = dp_up(&cfg, &ctx);
    tap(!rc, "dp up on lo (NAT mode): %s", rc ? dp_ctx_error(ctx) : "ok");
    if (rc) {
        dp_close(ctx);
        return 1;
    }
    struct dp_session_spec s = {.ul_teid = UL_TEID, .has_tunnel = true, .dl_teid = TEID_A};
    inet_pton(AF_INET, UE, &s.ue_addr);
    inet_pton(AF_INET, ENB_A, &s.enb_addr);
    rc = dp_session_add(ctx, &s, XEPC_ACT_PASS);
    tap(!rc, "session add: UE %s, tunnel %s/0x%08x", UE, ENB_A, TEID_A);

    /* tc_ue's program, through its pinned link */
    int lfd = -1;
    int pfd = dp_test_tc_ue_prog(pin_dir, &lfd);
    tap(pfd >= 0, "tc_ue's program found through its pinned link");

    struct writer w = {.stop = false};
    snprintf(w.pin_dir, sizeof(w.pin_dir), "%s", pin_dir);
    pthread_t th;
    unsigned long a = 0, b = 0, mixed = 0, other = 0, runs = 0;
    if (!rc && pfd >= 0 && !pthread_create(&th, NULL, writer_main, &w)) {
        /* the frame at 2 mod 4, so that its IPv4 header is aligned */
        uint8_t inbuf[72] __attribute__((aligned(8))), out[256];
        uint8_t *in = inbuf + 2;
        size_t inlen = dp_test_downlink_frame(in, UE);
        uint32_t enb_a, enb_b;
        inet_pton(AF_INET, ENB_A, &enb_a);
        inet_pton(AF_INET, ENB_B, &enb_b);
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)inlen,
                        .data_out = out, .data_size_out = sizeof(out));
            if (bpf_prog_test_run_opts(pfd, &o)) {
                other++;
                break;
            }
            runs++;
            /* outer IPv4 at 14: destination at +16; GTP-U at 14+20+8:
             * TEID at +4 */
            uint32_t dst, teid;
            if (o.data_size_out < 14 + 20 + 8 + 8) {
                other++;
                continue;
            }
            memcpy(&dst, out + 14 + 16, 4);
            memcpy(&teid, out + 14 + 20 + 8 + 4, 4);
            teid = ntohl(teid);
            if (dst == enb_a && teid == TEID_A)
                a++;
            else if (dst == enb_b && teid == TEID_B)
                b++;
            else if ((dst == enb_a || dst == enb_b) && (teid == TEID_A || teid == TEID_B))
                mixed++;
            else
                other++;
            clock_gettime(CLOCK_MONOTONIC, &t);
        } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 2500000000L);
        atomic_store(&w.stop, true);
        pthread_join(th, NULL);
    }
    printf("# %lu packets while %lu modifies: %lu with A's tunnel, %lu with B's, %lu mixed, "
           "%lu other\n", runs, w.modifies, a, b, mixed, other);
    tap(!w.err && w.modifies > 100, "the writer moved the tunnel %lu times", w.modifies);
    tap(a > 0 && b > 0, "packets went into both tunnels (%lu A, %lu B)", a, b);
    tap(mixed == 0, "no packet saw half an update (%lu mixed: one eNB's address with the "
        "other's TEID)", mixed);
    tap(other == 0, "every packet was encapsulated (%lu not)", other);
    if (pfd >= 0)
        close(pfd);
    if (lfd >= 0)
        close(lfd);
    rc = dp_down(ctx);
    tap(!rc, "dp down");
    dp_close(ctx);
    return 0;
}

int main(void)
{
    char root[] = "/tmp/xepc-torn.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..8\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
