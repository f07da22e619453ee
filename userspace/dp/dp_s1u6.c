/* GTP-U over IPv6 on S1-U (TS 29.281 4.4.1; TS 36.413 9.2.2.1: an eNB's
 * Transport Layer Address may be a 128-bit IPv6 address; docs/datapath.md
 * "IPv6 on S1-U"):
 *   xepc_s1u6[0]    -> the gateway's own IPv6 S1-U address
 *   xepc_s1u6[sid]  -> the IPv6 address of session sid's eNB, valid while
 *                      its cookie is the session's and the session has
 *                      XEPC_SF_ENB6
 * and what userspace sends into such a tunnel (kept packets of an idle UE,
 * packets over the MTU or without a neighbour, Router Advertisements,
 * Error Indications, End Markers) through an IPv6 UDP socket, which
 * computes the UDP checksum IPv6 requires (RFC 8200 8.1) and fragments at
 * the source where the path needs it (RFC 8200 5). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dp/dp_gtpu.h"
#include "dp/dp_int.h"

static int map_present(struct dp_ctx *ctx)
{
    if (ctx->s1u6_fd < 0)
        return dp_set_error(ctx, -EOPNOTSUPP, "this datapath has no %s map (pinned by an "
                            "earlier build); run 'xepcctl dp upgrade' first", XEPC_MAP_S1U6);
    return 0;
}

int dp_gtpu_addr6_set(struct dp_ctx *ctx, const struct in6_addr *addr)
{
    char err[160];
    int rc = map_present(ctx);
    if (rc)
        return rc;
    struct xepc_s1u6 v = {0};
    if (addr && !IN6_IS_ADDR_UNSPECIFIED(addr)) {
        rc = dp_s1u6_addr_check(addr, err, sizeof(err));
        if (rc)
            return dp_set_error(ctx, rc, "%s", err);
        memcpy(v.addr, addr->s6_addr, 16);
        v.flags = XEPC_S1U6_VALID;
    }
    uint32_t k = 0;
    if (bpf_map_update_elem(ctx->s1u6_fd, &k, &v, 0))
        return dp_set_error(ctx, -errno, "cannot write %s[0]: %s", XEPC_MAP_S1U6,
                            strerror(errno));
    return 0;
}

int dp_gtpu_addr6_get(struct dp_ctx *ctx, struct in6_addr *addr)
{
    struct xepc_s1u6 v;
    uint32_t k = 0;
    if (ctx->s1u6_fd < 0 || bpf_map_lookup_elem(ctx->s1u6_fd, &k, &v) ||
        !(v.flags & XEPC_S1U6_VALID))
        return 0;
    memcpy(addr->s6_addr, v.addr, 16);
    return 1;
}

int dp_enb6_link(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, const struct in6_addr *enb)
{
    int rc = map_present(ctx);
    if (rc)
        return rc;
    if (!sid)
        return dp_set_error(ctx, -EINVAL, "session 0 has no tunnel");
    /* Written before the session that points at it is published (add),
     * or in place (modify: a packet read during the write may go to a
     * mix of the two addresses, and is lost, as on any path switch). */
    struct xepc_s1u6 v = {.cookie = cookie, .flags = XEPC_S1U6_VALID};
    memcpy(v.addr, enb->s6_addr, 16);
    if (bpf_map_update_elem(ctx->s1u6_fd, &sid, &v, 0))
        return dp_set_error(ctx, -errno, "cannot write %s %u: %s", XEPC_MAP_S1U6, sid,
                            strerror(errno));
    return 0;
}

void dp_enb6_unlink(struct dp_ctx *ctx, uint32_t sid)
{
    struct xepc_s1u6 zero = {0};
    if (ctx->s1u6_fd >= 0 && sid)
        bpf_map_update_elem(ctx->s1u6_fd, &sid, &zero, 0);
}

int dp_enb6_get(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, struct in6_addr *enb)
{
    struct xepc_s1u6 v;
    if (ctx->s1u6_fd < 0 || !sid || bpf_map_lookup_elem(ctx->s1u6_fd, &sid, &v) ||
        !(v.flags & XEPC_S1U6_VALID) || v.cookie != cookie)
        return 0;
    memcpy(enb->s6_addr, v.addr, 16);
    return 1;
}

/* A UDP socket on our IPv6 S1-U address, an ephemeral port (peers answer
 * to 2152, TS 29.281 4.4.2). */
static int udp6_socket(struct dp_ctx *ctx, int *out)
{
    struct in6_addr me;
    char b[INET6_ADDRSTRLEN];
    if (!dp_gtpu_addr6_get(ctx, &me))
        return dp_set_error(ctx, -EADDRNOTAVAIL, "the datapath has no IPv6 S1-U address "
                            "(dp up --gtpu-addr6)");
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = me};
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return dp_set_error(ctx, -e, "cannot bind a UDP socket to %s: %s",
                            inet_ntop(AF_INET6, &me, b, sizeof(b)), strerror(e));
    }
    *out = fd;
    return 0;
}

int dp_udp6_open(struct dp_ctx *ctx)
{
    struct in6_addr me;
    if (ctx->udp6_fd >= 0 || !dp_gtpu_addr6_get(ctx, &me))
        return 0;
    return udp6_socket(ctx, &ctx->udp6_fd);
}

/* A socket of the family of the eNB of s (the follower's, or one opened
 * for this send: *own, which the caller closes) and the eNB's address. */
static int tunnel_dest(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *s,
                       struct sockaddr_storage *to, socklen_t *tolen, int *fd, int *own)
{
    *own = -1;
    memset(to, 0, sizeof(*to));
    if (s->flags & XEPC_SF_ENB6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(DP_GTPU_PORT);
        if (!dp_enb6_get(ctx, sid, s->cookie, &a->sin6_addr))
            return dp_set_error(ctx, -ENOENT, "session %u has no IPv6 eNB address", sid);
        *tolen = sizeof(*a);
        *fd = ctx->udp6_fd;
        if (*fd < 0) {
            int rc = udp6_socket(ctx, own);
            if (rc)
                return rc;
            *fd = *own;
        }
        return 0;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)to;
    a->sin_family = AF_INET;
    a->sin_port = htons(DP_GTPU_PORT);
    a->sin_addr.s_addr = s->enb_addr;
    *tolen = sizeof(*a);
    *fd = ctx->udp_fd;
    if (*fd < 0) {
        /* TS 29.281 4.4.2.3: a G-PDU's source port is any */
        struct xepc_config cfg;
        int rc = dp_config_read(ctx, &cfg);
        if (rc)
            return rc;
        int f = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = cfg.gtpu_addr};
        if (f < 0 || (cfg.gtpu_addr && bind(f, (struct sockaddr *)&src, sizeof(src)))) {
            int e = errno;
            if (f >= 0)
                close(f);
            return dp_set_error(ctx, -e, "cannot bind a UDP socket to the S1-U address: %s",
                                strerror(e));
        }
        *fd = *own = f;
    }
    return 0;
}

int dp_tunnel_send(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *s,
                   const uint8_t *tpdu, uint32_t len)
{
    struct sockaddr_storage to;
    socklen_t tolen;
    uint8_t hdr[8];
    int fd = -1, own = -1;
    int rc = tunnel_dest(ctx, sid, s, &to, &tolen, &fd, &own);
    if (rc)
        return rc;
    dp_gtpu_build_gpdu_header(hdr, sizeof(hdr), s->teid_remote, len);
    struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)tpdu, len}};
    struct msghdr mh = {.msg_name = &to, .msg_namelen = tolen, .msg_iov = iov,
                        .msg_iovlen = 2};
    if (sendmsg(fd, &mh, 0) < 0)
        rc = dp_set_error(ctx, -errno, "cannot send a G-PDU into the tunnel of session %u: %s",
                          sid, strerror(errno));
    if (own >= 0)
        close(own);
    return rc;
}

void dp_send_error_indication6(struct dp_ctx *ctx, const struct xepc_ev_unknown_teid6 *ev)
{
    uint8_t msg[80];
    struct in6_addr own;
    memcpy(own.s6_addr, ev->local_addr, 16);
    int n = dp_gtpu_build_error_indication6(msg, sizeof(msg), ev->teid, &own,
                                            ntohs(ev->peer_port), ctx->gtpu_seq++);
    if (n < 0 || ctx->udp6_fd < 0)
        return;
    /* TS 29.281 4.4.2.3: to the peer's GTP-U port 2152 */
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons(DP_GTPU_PORT)};
    memcpy(to.sin6_addr.s6_addr, ev->peer_addr, 16);
    sendto(ctx->udp6_fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
}

int dp_end_marker_send6(struct dp_ctx *ctx, const struct in6_addr *peer, uint32_t teid)
{
    uint8_t msg[8];
    if (ctx->udp6_fd < 0)
        return -ENOTCONN;
    int n = dp_gtpu_build_end_marker(msg, sizeof(msg), teid);
    if (n < 0)
        return n;
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons(DP_GTPU_PORT),
                              .sin6_addr = *peer};
    if (sendto(ctx->udp6_fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    return 0;
}
