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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GTPU_PORT 2152
#define GTPU_MAX_UES 64
#define GTPU_HDR_LEN 8
#define GTPU_OPT_LEN 4
#define GTPU_BUF 65600

/* TS 29.281 5.1: message types used here. */
enum {
    GTPU_ECHO_REQ = 1,
    GTPU_ECHO_RSP = 2,
    GTPU_ERR_IND = 26,
    GTPU_END_MARKER = 254,
    GTPU_GPDU = 255,
};

/* TS 29.281 5.2.1: flag bits of the first octet. */
#define GTPU_F_VER1 0x20
#define GTPU_F_PT 0x10
#define GTPU_F_E 0x04
#define GTPU_F_S 0x02
#define GTPU_F_PN 0x01

/* TS 29.281 5.2.2.7 / TS 38.415: PDU Session Container extension type. */
#define GTPU_EXT_PDU_SESSION 0x85

struct ue {
    char ifname[IFNAMSIZ];
    struct in_addr addr;
    uint32_t ul_teid; /* TEID the gateway allocated (we send with it) */
    uint32_t dl_teid; /* TEID we allocated (the gateway sends with it) */
    int tun_fd;
    uint64_t ul_pkts, dl_pkts;
};

struct gtpu_ue_ctx {
    struct ue ues[GTPU_MAX_UES];
    int n_ues;
    struct sockaddr_in gw;
    struct sockaddr_in local;
    int udp_fd;
    int mtu;
    bool ext_hdr;   /* add a PDU Session Container to uplink G-PDUs */
    bool verbose;
    uint16_t seq;
    uint8_t buf[GTPU_BUF];
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

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v > UINT32_MAX)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

static int parse_ue(const char *spec, struct ue *ue)
{
    char tmp[128];
    char *fields[4];
    int n = 0;

    if (strlen(spec) >= sizeof(tmp))
        return -EINVAL;
    strcpy(tmp, spec);
    for (char *save = NULL, *tok = strtok_r(tmp, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == 4)
            return -EINVAL;
        fields[n++] = tok;
    }
    if (n != 4 || strlen(fields[0]) >= IFNAMSIZ || !fields[0][0])
        return -EINVAL;
    strcpy(ue->ifname, fields[0]);
    if (inet_pton(AF_INET, fields[1], &ue->addr) != 1)
        return -EINVAL;
    if (parse_u32(fields[2], &ue->ul_teid) || parse_u32(fields[3], &ue->dl_teid))
        return -EINVAL;
    ue->tun_fd = -1;
    return 0;
}

static int tun_open(struct ue *ue, int mtu)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, ue->ifname, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        goto fail;

    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        goto fail;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    memset(&ifr.ifr_addr, 0, sizeof(ifr.ifr_addr));
    sin->sin_family = AF_INET;
    sin->sin_addr = ue->addr;
    int rc = ioctl(s, SIOCSIFADDR, &ifr);
    if (!rc) {
        sin->sin_addr.s_addr = htonl(0xffffffff);
        rc = ioctl(s, SIOCSIFNETMASK, &ifr);
    }
    if (!rc) {
        ifr.ifr_mtu = mtu;
        rc = ioctl(s, SIOCSIFMTU, &ifr);
    }
    if (!rc)
        rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (!rc) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int err = errno;
    close(s);
    if (rc) {
        errno = err;
        goto fail;
    }
    ue->tun_fd = fd;
    return 0;
fail:
    err = errno;
    close(fd);
    return -err;
}

/* Builds the GTP-U header for a G-PDU of `len` payload bytes in front of
 * buf + hdr_room; returns the header length. */
static size_t gtpu_push(struct gtpu_ue_ctx *ctx, uint8_t *hdr, uint32_t teid,
                        size_t len)
{
    size_t hl = GTPU_HDR_LEN;
    uint8_t flags = GTPU_F_VER1 | GTPU_F_PT;

    if (ctx->ext_hdr) {
        /* Optional fields (seq, N-PDU, next ext type) then one PDU Session
         * Container: length 1 (4 octets), PDU type 1 (UL), QFI 9, next 0. */
        flags |= GTPU_F_E | GTPU_F_S;
        uint16_t seq = ctx->seq++;
        hdr[8] = seq >> 8;
        hdr[9] = seq & 0xff;
        hdr[10] = 0;
        hdr[11] = GTPU_EXT_PDU_SESSION;
        hdr[12] = 1;
        hdr[13] = 0x10;
        hdr[14] = 9;
        hdr[15] = 0;
        hl += GTPU_OPT_LEN + 4;
    }
    hdr[0] = flags;
    hdr[1] = GTPU_GPDU;
    uint16_t glen = (uint16_t)(len + hl - GTPU_HDR_LEN);
    hdr[2] = glen >> 8;
    hdr[3] = glen & 0xff;
    hdr[4] = teid >> 24;
    hdr[5] = teid >> 16;
    hdr[6] = teid >> 8;
    hdr[7] = teid;
    return hl;
}

static void uplink(struct gtpu_ue_ctx *ctx, struct ue *ue)
{
    enum { ROOM = 16 };
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(ue->tun_fd, ctx->buf + ROOM, sizeof(ctx->buf) - ROOM);
        if (n <= 0)
            return;
        uint8_t hdr[ROOM];
        size_t hl = gtpu_push(ctx, hdr, ue->ul_teid, (size_t)n);
        memcpy(ctx->buf + ROOM - hl, hdr, hl);
        if (sendto(ctx->udp_fd, ctx->buf + ROOM - hl, hl + (size_t)n, 0,
                   (struct sockaddr *)&ctx->gw, sizeof(ctx->gw)) >= 0)
            ue->ul_pkts++;
        else if (ctx->verbose)
            fprintf(stderr, "gtpu-ue: sendto: %s\n", strerror(errno));
    }
}

static void answer_echo(struct gtpu_ue_ctx *ctx, const uint8_t *req, size_t len,
                        const struct sockaddr_in *from)
{
    /* TS 29.281 7.2.2: Echo Response carries the sequence number of the
     * request and a Recovery IE (type 14, restart counter 0). */
    uint8_t rsp[14] = {GTPU_F_VER1 | GTPU_F_PT | GTPU_F_S, GTPU_ECHO_RSP, 0, 6,
                       0, 0, 0, 0, 0, 0, 0, 0, 14, 0};
    if (len >= 12 && (req[0] & GTPU_F_S)) {
        rsp[8] = req[8];
        rsp[9] = req[9];
    }
    sendto(ctx->udp_fd, rsp, sizeof(rsp), 0, (const struct sockaddr *)from,
           sizeof(*from));
}

/* Returns the offset of the T-PDU in a G-PDU, or -1 if malformed. */
static int gtpu_payload_offset(const uint8_t *p, size_t len)
{
    if (len < GTPU_HDR_LEN || (p[0] >> 5) != 1 || !(p[0] & GTPU_F_PT))
        return -1;
    size_t glen = ((size_t)p[2] << 8) | p[3];
    if (glen + GTPU_HDR_LEN != len)
        return -1;
    size_t off = GTPU_HDR_LEN;
    if (!(p[0] & (GTPU_F_E | GTPU_F_S | GTPU_F_PN)))
        return (int)off;
    if (len < off + GTPU_OPT_LEN)
        return -1;
    uint8_t next = p[off + 3];
    off += GTPU_OPT_LEN;
    /* TS 29.281 5.2.1: each extension header is 4*n octets, the last octet
     * being the next extension type; bounded walk. */
    for (int i = 0; next && i < 16; i++) {
        if (off + 1 > len || !p[off])
            return -1;
        size_t elen = (size_t)p[off] * 4;
        if (off + elen > len)
            return -1;
        next = p[off + elen - 1];
        off += elen;
    }
    return next ? -1 : (int)off;
}

static void downlink(struct gtpu_ue_ctx *ctx)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(ctx->udp_fd, ctx->buf, sizeof(ctx->buf), 0,
                             (struct sockaddr *)&from, &fl);
        if (n <= 0)
            return;
        const uint8_t *p = ctx->buf;
        if ((size_t)n < GTPU_HDR_LEN)
            continue;
        uint32_t teid = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) |
                        ((uint32_t)p[6] << 8) | p[7];
        switch (p[1]) {
        case GTPU_ECHO_REQ:
            answer_echo(ctx, p, (size_t)n, &from);
            continue;
        case GTPU_ERR_IND:
            fprintf(stderr, "gtpu-ue: Error Indication from %s\n",
                    inet_ntoa(from.sin_addr));
            continue;
        case GTPU_GPDU:
            break;
        default:
            if (ctx->verbose)
                fprintf(stderr, "gtpu-ue: ignored message type %u\n", p[1]);
            continue;
        }
        int off = gtpu_payload_offset(p, (size_t)n);
        if (off < 0) {
            if (ctx->verbose)
                fprintf(stderr, "gtpu-ue: malformed G-PDU\n");
            continue;
        }
        struct ue *ue = NULL;
        for (int u = 0; u < ctx->n_ues; u++)
            if (ctx->ues[u].dl_teid == teid)
                ue = &ctx->ues[u];
        if (!ue) {
            if (ctx->verbose)
                fprintf(stderr, "gtpu-ue: G-PDU for unknown TEID 0x%x\n", teid);
            continue;
        }
        if (write(ue->tun_fd, p + off, (size_t)n - (size_t)off) > 0)
            ue->dl_pkts++;
    }
}

static int run(struct gtpu_ue_ctx *ctx)
{
    struct pollfd pfd[GTPU_MAX_UES + 1];
    pfd[0].fd = ctx->udp_fd;
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
            downlink(ctx);
        for (int i = 0; i < ctx->n_ues; i++)
            if (pfd[i + 1].revents & POLLIN)
                uplink(ctx, &ctx->ues[i]);
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
            if (parse_ue(optarg, &ctx.ues[ctx.n_ues])) {
                fprintf(stderr, "gtpu-ue: bad --ue '%s' (want IFNAME,UE_ADDR,UL_TEID,DL_TEID)\n",
                        optarg);
                return 2;
            }
            ctx.n_ues++;
            break;
        case 'm':
            if (parse_u32(optarg, &v) || v < 576 || v > 9000) {
                fprintf(stderr, "gtpu-ue: --mtu must be 576..9000\n");
                return 2;
            }
            ctx.mtu = (int)v;
            break;
        case 'e':
            ctx.ext_hdr = true;
            break;
        case 'p':
            pid_file = optarg;
            break;
        case 'v':
            ctx.verbose = true;
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

    ctx.udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (ctx.udp_fd < 0 ||
        bind(ctx.udp_fd, (struct sockaddr *)&ctx.local, sizeof(ctx.local)) < 0) {
        fprintf(stderr, "gtpu-ue: cannot bind %s:%d: %s\n", inet_ntoa(ctx.local.sin_addr),
                GTPU_PORT, strerror(errno));
        return 1;
    }
    int rcvbuf = 4 << 20;
    setsockopt(ctx.udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    setsockopt(ctx.udp_fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof(rcvbuf));
    for (int i = 0; i < ctx.n_ues; i++) {
        int rc = tun_open(&ctx.ues[i], ctx.mtu);
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
        close(ctx.ues[i].tun_fd);
    }
    close(ctx.udp_fd);
    return rc ? 1 : 0;
}
