/* Uplink G-PDUs fragmented on the outer IPv4 header (issue 13, section 3).
 *
 * xdp_s1u cannot reassemble: it passes outer fragments to the stack
 * (IP_FRAG_PASS), which reassembles them for a local UDP socket on port
 * 2152.  Without one the eNB got ICMP Port Unreachable and the packet was
 * lost.  The events follower owns that socket: a datagram that the kernel
 * reassembled (IP_RECVFRAGSIZE gives its largest fragment; a datagram that
 * came whole has none) is rebuilt as one unfragmented Ethernet/IPv4/UDP
 * frame and run through the pinned xdp_s1u program itself with
 * BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES, as if it had arrived
 * on the S1-U device: the same session lookup, anti-spoofing, rules,
 * meters, quota, usage and forwarding as every other G-PDU (XDP_REDIRECT is
 * carried out, XDP_PASS goes up the stack of the S1-U device), with no
 * second copy of the policy in userspace.  Each such packet is counted in
 * xepc_stats (UL_REASSEMBLED, written only here: one follower at a time)
 * and in struct dp_event_stats.
 *
 * Only reassembled datagrams are run: a whole G-PDU never reaches the
 * socket (xdp_s1u handles it), so anything else that arrives (an Error
 * Indication from a peer, a G-PDU the program passed up) is counted as
 * ignored and can never loop. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp/dp_gtpu.h"
#include "dp/dp_int.h"

#ifndef IP_RECVFRAGSIZE
#define IP_RECVFRAGSIZE 25
#endif

/* Ethernet + IPv4 + UDP in front of the GTP-U message. */
#define FRAG_HDRS (14 + 20 + 8)
/* A G-PDU of at most this size is run (a live frame must fit a page with
 * the XDP head and tail room). */
#define FRAG_MAX_MSG 3000

struct dp_frag {
    int fd;                     /* UDP, our S1-U address, port 2152 */
    int prog_fd;                /* the pinned xdp_s1u */
    uint32_t ifindex;           /* S1-U */
    uint8_t mac[6];             /* S1-U device address */
    struct in_addr local;
    uint8_t frame[FRAG_HDRS + FRAG_MAX_MSG];
};

void dp_frag_free(struct dp_frag *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->prog_fd >= 0)
        close(f->prog_fd);
    free(f);
}

int dp_frag_fd(const struct dp_ctx *ctx)
{
    return ctx->frag ? ctx->frag->fd : -1;
}

static int dev_mac(uint32_t ifindex, uint8_t mac[6])
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (!if_indextoname(ifindex, ifr.ifr_name))
        return -errno;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc = ioctl(s, SIOCGIFHWADDR, &ifr) ? -errno : 0;
    close(s);
    if (!rc)
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return rc;
}

int dp_frag_open(struct dp_ctx *ctx, struct in_addr local)
{
    struct bpf_link_info info;
    struct dp_frag *f = calloc(1, sizeof(*f));
    if (!f)
        return dp_set_error(ctx, -ENOMEM, "out of memory");
    f->fd = f->prog_fd = -1;
    f->local = local;
    int lfd = dp_pin_link_open(ctx, "link_xdp_s1u", "xdp_s1u", &info);
    if (lfd < 0) {
        dp_frag_free(f);
        return lfd == -ENOENT ? dp_set_error(ctx, lfd, "no xdp_s1u link pinned in %s: cannot "
                                             "forward reassembled G-PDUs", ctx->pin_dir)
                              : lfd;
    }
    close(lfd);
    f->ifindex = info.xdp.ifindex;
    f->prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
    if (f->prog_fd < 0) {
        int e = -errno;
        dp_frag_free(f);
        return dp_set_error(ctx, e, "cannot open the xdp_s1u program (id %u): %s", info.prog_id,
                            strerror(-e));
    }
    int rc = dev_mac(f->ifindex, f->mac);
    if (rc) {
        dp_frag_free(f);
        return dp_set_error(ctx, rc, "cannot read the S1-U device's address: %s", strerror(-rc));
    }
    /* TS 29.281 4.4.2.3: G-PDUs come to port 2152 of our S1-U address */
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(DP_GTPU_PORT),
                             .sin_addr = local};
    int one = 1;
    f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (f->fd < 0 || setsockopt(f->fd, IPPROTO_IP, IP_RECVFRAGSIZE, &one, sizeof(one)) ||
        setsockopt(f->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
        bind(f->fd, (struct sockaddr *)&me, sizeof(me))) {
        int e = -errno;
        dp_frag_free(f);
        return dp_set_error(ctx, e, "cannot bind the GTP-U socket %s:%d for reassembled "
                            "G-PDUs: %s%s", inet_ntoa(local), DP_GTPU_PORT, strerror(-e),
                            e == -EADDRINUSE ? " (another GTP-U user plane on this host?)" : "");
    }
    ctx->frag = f;
    return 0;
}

/* UL_REASSEMBLED in xepc_stats: this process is its only writer. */
static void count_reassembled(struct dp_ctx *ctx, uint32_t len)
{
    uint32_t key = XEPC_STAT_CNT(XEPC_CNT_UL_REASSEMBLED);
    int n = ctx->ncpus > 0 ? ctx->ncpus : 1;
    struct xepc_stat *v = calloc((size_t)n, sizeof(*v));
    if (!v)
        return;
    if (!bpf_map_lookup_elem(ctx->map_fd[DP_MAP_STATS], &key, v)) {
        v[0].packets++;
        v[0].bytes += len;
        bpf_map_update_elem(ctx->map_fd[DP_MAP_STATS], &key, v, BPF_ANY);
    }
    free(v);
}

static uint16_t csum20(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Builds Ethernet/IPv4/UDP around msg (n bytes) in f->frame; returns the
 * frame length. */
static size_t frame_build(struct dp_frag *f, const struct sockaddr_in *peer,
                          struct in_addr dst, size_t n)
{
    uint8_t *e = f->frame, *ip = e + 14, *udp = ip + 20;
    memcpy(e, f->mac, 6);               /* to us: the stack takes it (XDP_PASS) */
    memcpy(e + 6, f->mac, 6);
    e[12] = 0x08;
    e[13] = 0x00;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + 8 + n) >> 8);
    ip[3] = (uint8_t)(20 + 8 + n);
    ip[8] = 64;
    ip[9] = IPPROTO_UDP;
    memcpy(ip + 12, &peer->sin_addr, 4);
    memcpy(ip + 16, &dst, 4);
    uint16_t c = csum20(ip);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    memcpy(udp, &peer->sin_port, 2);
    udp[2] = DP_GTPU_PORT >> 8;
    udp[3] = DP_GTPU_PORT & 0xff;
    udp[4] = (uint8_t)((8 + n) >> 8);
    udp[5] = (uint8_t)(8 + n);
    udp[6] = udp[7] = 0;                /* no UDP checksum (RFC 768) */
    return FRAG_HDRS + n;
}

/* Runs one frame through xdp_s1u as a live frame on the S1-U device. */
static int frame_run(struct dp_frag *f, size_t len)
{
    struct xdp_md md = {.data_end = (uint32_t)len, .ingress_ifindex = f->ifindex};
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->frame, .data_size_in = (uint32_t)len,
                .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1,
                .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
    return bpf_prog_test_run_opts(f->prog_fd, &o) ? -errno : 0;
}

int dp_frag_poll(struct dp_ctx *ctx)
{
    struct dp_frag *f = ctx->frag;
    int done = 0;
    if (!f)
        return 0;
    for (int budget = 0; budget < 256; budget++) {
        struct sockaddr_in peer;
        char cbuf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct iovec iov = {f->frame + FRAG_HDRS, FRAG_MAX_MSG};
        struct msghdr mh = {.msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
                            .msg_iovlen = 1, .msg_control = cbuf,
                            .msg_controllen = sizeof(cbuf)};
        ssize_t n = recvmsg(f->fd, &mh, MSG_DONTWAIT);
        if (n < 0)
            break;
        bool reassembled = false;
        struct in_addr dst = f->local;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != IPPROTO_IP)
                continue;
            if (c->cmsg_type == IP_RECVFRAGSIZE)
                reassembled = true;
            else if (c->cmsg_type == IP_PKTINFO)
                dst = ((struct in_pktinfo *)(void *)CMSG_DATA(c))->ipi_addr;
        }
        if (!reassembled || (mh.msg_flags & MSG_TRUNC) || n < 8 ||
            f->frame[FRAG_HDRS + 1] != XEPC_GTP_GPDU) {
            /* whole datagrams never need us; a G-PDU too large for a
             * live frame cannot be run */
            ctx->ev_stats.frag_ignored++;
            continue;
        }
        size_t len = frame_build(f, &peer, dst, (size_t)n);
        if (frame_run(f, len)) {
            ctx->ev_stats.frag_failed++;
            continue;
        }
        ctx->ev_stats.frag_reassembled++;
        count_reassembled(ctx, (uint32_t)n);
        done++;
    }
    return done;
}

/* ------------------------------------------------------------------------
 * Downlink packets over the S1-U MTU (xepc_config.s1u_mtu): the kernel
 * hands them over whole (XEPC_EV_OVERSIZE, inner TTL already decremented)
 * because XDP and TC cannot make two packets of one; they leave here as
 * fragments of the outer IPv4 header (RFC 791 2.3, 3.2: offsets in 8-byte
 * units, MF on all but the last, one identification), each at most
 * s1u_mtu bytes, from our S1-U address to the eNB through a raw socket.
 * The eNB reassembles the G-PDU (TS 29.281 / TS 29.060: fragmentation of
 * the transport IP packet is the transport's business).
 */
int dp_oversize_send(struct dp_ctx *ctx, const struct xepc_ev_buffered *b,
                     const struct xepc_session *s)
{
    struct xepc_config cfg;
    uint8_t pkt[20 + 16 + XEPC_BUF_PKT_MAX];
    uint32_t len = b->len;
    if (s->flags & XEPC_SF_ENB6)
        /* over IPv6 the source fragments (RFC 8200 5): the kernel does,
         * for the IPv6 socket (dp_s1u6.c) */
        return len > XEPC_BUF_PKT_MAX ? -EINVAL :
               dp_tunnel_send(ctx, XEPC_TEID_SID(s->teid_local), s, b->data, len);
    if (len < 20 || len > XEPC_BUF_PKT_MAX || dp_config_read(ctx, &cfg) || !cfg.s1u_mtu)
        return -EINVAL;
    if (ctx->raw_fd < 0) {
        ctx->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (ctx->raw_fd < 0)
            return -errno;
        if (!ctx->ip_id)
            ctx->ip_id = (uint16_t)(getpid() ^ (uint32_t)time(NULL));
    }
    /* UDP 2152 -> 2152, checksum 0 (allowed for GTP-U over IPv4), and the
     * G-PDU header (TS 29.281 5.1), then the inner packet */
    uint8_t *udp = pkt + 20, *gtp = udp + 8;
    uint32_t plen = 16 + len;
    udp[0] = udp[2] = DP_GTPU_PORT >> 8;
    udp[1] = udp[3] = DP_GTPU_PORT & 0xff;
    udp[4] = (uint8_t)(plen >> 8);
    udp[5] = (uint8_t)plen;
    udp[6] = udp[7] = 0;
    dp_gtpu_build_gpdu_header(gtp, 8, s->teid_remote, len);
    memcpy(gtp + 8, b->data, len);

    uint32_t step = ((cfg.s1u_mtu - 20) / 8) * 8;
    uint16_t id = ctx->ip_id++;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = s->enb_addr};
    for (uint32_t off = 0; off < plen; off += step) {
        uint32_t n = plen - off < step ? plen - off : step;
        uint8_t *ip = pkt + off;        /* the header goes just before the piece */
        uint8_t saved[20];
        memcpy(saved, ip, 20);          /* the bytes it overwrites (the previous piece's) */
        uint16_t fo = (uint16_t)(off / 8) | (off + n < plen ? 0x2000 : 0);
        ip[0] = 0x45;
        ip[1] = b->data[1];             /* TOS copied from the inner packet */
        ip[2] = (uint8_t)((20 + n) >> 8);
        ip[3] = (uint8_t)(20 + n);
        ip[4] = (uint8_t)(id >> 8);
        ip[5] = (uint8_t)id;
        ip[6] = (uint8_t)(fo >> 8);
        ip[7] = (uint8_t)fo;
        ip[8] = cfg.outer_ttl ? cfg.outer_ttl : 64;
        ip[9] = IPPROTO_UDP;
        ip[10] = ip[11] = 0;
        memcpy(ip + 12, &cfg.gtpu_addr, 4);
        memcpy(ip + 16, &s->enb_addr, 4);
        uint16_t c = csum20(ip);
        ip[10] = (uint8_t)(c >> 8);
        ip[11] = (uint8_t)c;
        ssize_t w = sendto(ctx->raw_fd, ip, 20 + n, 0, (struct sockaddr *)&to, sizeof(to));
        memcpy(ip, saved, 20);
        if (w < 0)
            return -errno;
    }
    return 0;
}
