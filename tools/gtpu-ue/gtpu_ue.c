/* gtpu-ue — a UE-side GTP-U endpoint for tests and demos.
 *
 * For every UE given on the command line it creates a TUN device holding the
 * UE's IPv4 address.  Every packet the kernel routes into that TUN device is
 * sent to the gateway as a G-PDU (TS 29.281 5.1) with the UE's uplink TEID
 * over UDP port 2152; every G-PDU received on UDP 2152 whose TEID is one of
 * the UEs' downlink TEIDs is decapsulated and written back into that UE's TUN
 * device.  Real `ping` and real `iperf3` run in the eNB-side namespace thus
 * go through the gateway's datapath exactly as a UE's traffic would.
 *
 * Echo Requests from the gateway are answered (TS 29.281 7.2.2), Error
 * Indications are logged.  One process, one UDP socket, many TUN devices.
 *
 * The GTP-U and TUN work is gtpu_ue_lib.c, which enbsim shares.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gtpu_ue_lib.h"

#define GTPU_MAX_UES 64

struct gtpu_ue_ctx {
    struct gtpu_ue ues[GTPU_MAX_UES];
    int n_ues;
    struct sockaddr_in gw;
    struct sockaddr_in local;
    int mtu;
    struct gtpu_ep ep;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
"NAME\n"
"    gtpu-ue - UE-side GTP-U endpoint on TUN devices\n"
"\n"
"SYNOPSIS\n"
"    gtpu-ue --gw ADDR --local ADDR --ue IFNAME,UE_ADDR,UL_TEID,DL_TEID\n"
"            [--ue ...] [--mtu N] [--ext-hdr] [--pid-file F] [--verbose]\n"
"\n"
"DESCRIPTION\n"
"    For each --ue, creates the TUN device IFNAME, gives it UE_ADDR/32 and\n"
"    brings it up.  Packets routed into IFNAME are sent as G-PDUs with\n"
"    UL_TEID to ADDR:2152 from the local address; G-PDUs received with\n"
"    DL_TEID are written back into IFNAME.  Route traffic into the TUN\n"
"    devices yourself (e.g. 'ip rule add from UE_ADDR table 100' and\n"
"    'ip route add default dev IFNAME table 100').\n"
"\n"
"OPTIONS\n"
"    --gw ADDR        the gateway's S1-U IPv4 address\n"
"    --local ADDR     the eNB's IPv4 address to bind UDP 2152 to\n"
"    --ue SPEC        IFNAME,UE_ADDR,UL_TEID,DL_TEID (TEIDs decimal or 0x..)\n"
"    --mtu N          TUN MTU (default 1400: room for 36 bytes of GTP-U)\n"
"    --ext-hdr        add a PDU Session Container extension header to every\n"
"                     uplink G-PDU (exercises the gateway's chain walk)\n"
"    --pid-file F     write the process id to F once ready\n"
"    --verbose        log every unexpected message\n"
"\n"
"    Runs until SIGINT/SIGTERM; prints per-UE packet counts on exit.\n");
}

/* Downlink TEIDs are unique (checked in main), so the first match is the UE. */
static struct gtpu_ue *lookup_dl(void *arg, uint32_t dl_teid)
{
    struct gtpu_ue_ctx *ctx = arg;
    for (int u = 0; u < ctx->n_ues; u++)
        if (ctx->ues[u].dl_teid == dl_teid)
            return &ctx->ues[u];
    return NULL;
}

static int run(struct gtpu_ue_ctx *ctx)
{
    struct pollfd pfd[GTPU_MAX_UES + 1];
    pfd[0].fd = ctx->ep.udp_fd;
    pfd[0].events = POLLIN;
    for (int i = 0; i < ctx->n_ues; i++) {
        pfd[i + 1].fd = ctx->ues[i].tun_fd;
        pfd[i + 1].events = POLLIN;
    }
    while (!stop_requested) {
        int n = poll(pfd, (nfds_t)ctx->n_ues + 1, 500);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n <= 0)
            continue;
        if (pfd[0].revents & POLLIN)
            gtpu_ep_downlink(&ctx->ep, lookup_dl, ctx);
        for (int i = 0; i < ctx->n_ues; i++)
            if (pfd[i + 1].revents & POLLIN)
                gtpu_ep_uplink(&ctx->ep, &ctx->ues[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct gtpu_ue_ctx ctx;
    const char *pid_file = NULL;
    bool have_gw = false, have_local = false;
    static const struct option opts[] = {
        {"gw", required_argument, NULL, 'g'},
        {"local", required_argument, NULL, 'l'},
        {"ue", required_argument, NULL, 'u'},
        {"mtu", required_argument, NULL, 'm'},
        {"ext-hdr", no_argument, NULL, 'e'},
        {"pid-file", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };

    ctx.mtu = 1400;
    ctx.gw.sin_family = AF_INET;
    ctx.gw.sin_port = htons(GTPU_PORT);
    ctx.local.sin_family = AF_INET;
    ctx.local.sin_port = htons(GTPU_PORT);
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        uint32_t v;
        switch (c) {
        case 'g':
            if (inet_pton(AF_INET, optarg, &ctx.gw.sin_addr) != 1) {
                fprintf(stderr, "gtpu-ue: --gw wants an IPv4 address, not '%s'\n", optarg);
                return 2;
            }
            have_gw = true;
            break;
        case 'l':
            if (inet_pton(AF_INET, optarg, &ctx.local.sin_addr) != 1) {
                fprintf(stderr, "gtpu-ue: --local wants an IPv4 address, not '%s'\n", optarg);
                return 2;
            }
            have_local = true;
            break;
        case 'u':
            if (ctx.n_ues == GTPU_MAX_UES) {
                fprintf(stderr, "gtpu-ue: at most %d UEs\n", GTPU_MAX_UES);
                return 2;
            }
            if (gtpu_ue_parse_spec(optarg, &ctx.ues[ctx.n_ues])) {
                fprintf(stderr, "gtpu-ue: bad --ue '%s' (want IFNAME,UE_ADDR,UL_TEID,DL_TEID)\n",
                        optarg);
                return 2;
            }
            ctx.n_ues++;
            break;
        case 'm':
            if (gtpu_parse_u32(optarg, &v) || v < 576 || v > 9000) {
                fprintf(stderr, "gtpu-ue: --mtu must be 576..9000\n");
                return 2;
            }
            ctx.mtu = (int)v;
            break;
        case 'e':
            ctx.ep.ext_hdr = true;
            break;
        case 'p':
            pid_file = optarg;
            break;
        case 'v':
            ctx.ep.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || !have_gw || !have_local || !ctx.n_ues) {
        fprintf(stderr, "gtpu-ue: --gw, --local and at least one --ue are required (see --help)\n");
        return 2;
    }
    for (int i = 0; i < ctx.n_ues; i++)
        for (int j = 0; j < i; j++)
            if (ctx.ues[i].dl_teid == ctx.ues[j].dl_teid ||
                !strcmp(ctx.ues[i].ifname, ctx.ues[j].ifname)) {
                fprintf(stderr, "gtpu-ue: UEs %d and %d share a DL TEID or device name\n",
                        j + 1, i + 1);
                return 2;
            }

    ctx.ep.log_name = "gtpu-ue";
    int err = gtpu_ep_open(&ctx.ep, &ctx.local);
    if (err) {
        fprintf(stderr, "gtpu-ue: cannot bind %s:%d: %s\n", inet_ntoa(ctx.local.sin_addr),
                GTPU_PORT, strerror(-err));
        return 1;
    }
    for (int i = 0; i < ctx.n_ues; i++) {
        ctx.ues[i].peer = ctx.gw;
        int rc = gtpu_ue_tun_open(&ctx.ues[i], ctx.mtu);
        if (rc) {
            fprintf(stderr, "gtpu-ue: cannot set up TUN %s: %s\n", ctx.ues[i].ifname,
                    strerror(-rc));
            return 1;
        }
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (pid_file) {
        FILE *f = fopen(pid_file, "w");
        if (!f) {
            fprintf(stderr, "gtpu-ue: cannot write %s: %s\n", pid_file, strerror(errno));
            return 1;
        }
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    int rc = run(&ctx);
    for (int i = 0; i < ctx.n_ues; i++) {
        printf("gtpu-ue: %s ul=%llu dl=%llu\n", ctx.ues[i].ifname,
               (unsigned long long)ctx.ues[i].ul_pkts, (unsigned long long)ctx.ues[i].dl_pkts);
        gtpu_ue_tun_close(&ctx.ues[i]);
    }
    gtpu_ep_close(&ctx.ep);
    return rc ? 1 : 0;
}
