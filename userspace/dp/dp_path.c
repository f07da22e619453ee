/* GTP-U path management (TS 29.281 7.2, TS 23.007 20): Echo Requests to
 * every eNB that has a tunnel, a path declared down after a number of
 * unanswered requests, and a peer restart noticed from a changed Recovery
 * restart counter.
 *
 * The peers are the distinct eNB addresses of the active sessions, read
 * from the maps every interval, so the set follows the sessions without
 * bookkeeping: IPv4, or IPv6 for the sessions whose tunnel goes over IPv6
 * (XEPC_SF_ENB6, the address in xepc_s1u6, dp_s1u6.c).  Requests leave
 * from the events socket of the peer's family (our S1-U address, an
 * ephemeral port); xdp_s1u hands Echo Responses to the stack, which
 * delivers them to that socket (TS 29.281 4.4.2.2: to the request's source
 * port). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp/dp_gtpu.h"
#include "dp/dp_int.h"

#define DP_PATH_MAX_PEERS 1024

struct dp_path_peer {
    uint32_t addr;          /* network order (IPv4 peers) */
    bool is6;               /* an IPv6 peer: */
    struct in6_addr addr6;
    uint16_t seq;           /* of the last request */
    uint8_t missed;         /* requests unanswered in a row */
    uint8_t state;          /* enum dp_path_state */
    int16_t recovery;       /* last restart counter seen, -1 = none */
    bool seen;              /* still has a session (this round) */
    bool answered;          /* the last request got its response */
};

struct dp_path {
    struct dp_path_opts opts;
    struct dp_path_peer peers[DP_PATH_MAX_PEERS];
    size_t n;
    uint64_t next_ms;
    uint16_t seq;
    dp_path_fn fn;
    void *arg;
    uint64_t rx_ignored;    /* datagrams that were not a peer's Echo Response */
};

uint64_t dp_path_rx_ignored(const struct dp_path *p)
{
    return p ? p->rx_ignored : 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *dp_path_event_str(int ev)
{
    switch (ev) {
    case DP_PATH_UP: return "path-up";
    case DP_PATH_DOWN: return "path-down";
    case DP_PATH_RESTART: return "path-restart";
    default: return "?";
    }
}

void dp_path_free(struct dp_path *p)
{
    free(p);
}

int dp_path_start(struct dp_ctx *ctx, const struct dp_path_opts *opts, dp_path_fn fn, void *arg)
{
    if (ctx->udp_fd < 0)
        return dp_set_error(ctx, -EINVAL, "path management needs the GTP-U socket: open the "
                            "events with gtpu_socket first");
    if (opts->interval_ms <= 0 || opts->max_missed <= 0)
        return dp_set_error(ctx, -EINVAL, "echo interval and misses must be positive");
    struct dp_path *p = calloc(1, sizeof(*p));
    if (!p)
        return dp_set_error(ctx, -ENOMEM, "out of memory");
    p->opts = *opts;
    p->fn = fn;
    p->arg = arg;
    p->seq = (uint16_t)(now_ms() & 0xffff);
    dp_path_free(ctx->path);
    ctx->path = p;
    return 0;
}

const char *dp_path_peer_str(const struct dp_path_event *ev, char *buf, size_t cap)
{
    if (!inet_ntop(ev->peer_is6 ? AF_INET6 : AF_INET,
                   ev->peer_is6 ? (const void *)&ev->peer6 : (const void *)&ev->peer, buf,
                   (socklen_t)cap))
        snprintf(buf, cap, "?");
    return buf;
}

/* addr6 NULL: the IPv4 peer addr */
static struct dp_path_peer *peer_find(struct dp_path *p, uint32_t addr,
                                      const struct in6_addr *addr6)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct dp_path_peer *pp = &p->peers[i];
        if (addr6 ? pp->is6 && IN6_ARE_ADDR_EQUAL(&pp->addr6, addr6)
                  : !pp->is6 && pp->addr == addr)
            return &p->peers[i];
    }
    return NULL;
}

/* Marks the peers that still have a tunnel; adds new ones. */
static void peers_refresh(struct dp_ctx *ctx, struct dp_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        p->peers[i].seen = false;
    uint32_t max = ctx->max_sessions;
    struct xepc_session s;
    uint32_t key, next;
    /* Walk the UE map (only active sessions are in it), not the whole array. */
    for (int r = bpf_map_get_next_key(ctx->map_fd[DP_MAP_UE], NULL, &next); !r;
         r = bpf_map_get_next_key(ctx->map_fd[DP_MAP_UE], &key, &next)) {
        key = next;
        uint32_t sid;
        struct in6_addr a6;
        if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_UE], &key, &sid) || sid >= max ||
            dp_session_read(ctx, sid, &s) || !(s.flags & XEPC_SF_TUNNEL))
            continue;
        bool is6 = s.flags & XEPC_SF_ENB6;
        if (is6 && !dp_enb6_get(ctx, sid, s.cookie, &a6))
            continue;   /* its IPv6 address is being rewritten */
        struct dp_path_peer *pp = peer_find(p, s.enb_addr, is6 ? &a6 : NULL);
        if (!pp && p->n < DP_PATH_MAX_PEERS) {
            pp = &p->peers[p->n++];
            memset(pp, 0, sizeof(*pp));
            pp->is6 = is6;
            if (is6)
                pp->addr6 = a6;
            else
                pp->addr = s.enb_addr;
            pp->recovery = -1;
            pp->state = DP_PATH_UNKNOWN;
        }
        if (pp)
            pp->seen = true;
    }
    /* Peers without sessions are forgotten. */
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->peers[i].seen)
            p->peers[kept++] = p->peers[i];
    p->n = kept;
}

static void report(struct dp_path *p, int ev, const struct dp_path_peer *pp, int old_recovery)
{
    if (!p->fn)
        return;
    struct dp_path_event e = {
        .type = ev,
        .peer.s_addr = pp->addr,
        .peer_is6 = pp->is6,
        .peer6 = pp->addr6,
        .missed = pp->missed,
        .old_recovery = old_recovery,
        .recovery = pp->recovery,
    };
    p->fn(&e, p->arg);
}

/* Reads what arrived on an events socket (fd of family af): Echo
 * Responses. */
static void receive(struct dp_path *p, int fd, int af)
{
    uint8_t buf[512];
    for (int i = 0; fd >= 0 && i < 256; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;
        const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;
        bool v6 = af == AF_INET6;
        /* TS 29.281 4.4.2.1/7.2.2: a response comes from the peer's GTP-U
         * port 2152, to the port the request left from; anything else on
         * this socket (a spoofed "response" from another port, or from
         * an address that is not one of our peers) is not one. */
        if (fl < (v6 ? sizeof(*f6) : sizeof(*f4)) || from.ss_family != af ||
            (v6 ? f6->sin6_port : f4->sin_port) != htons(DP_GTPU_PORT)) {
            p->rx_ignored++;
            continue;
        }
        struct dp_path_peer *pp = peer_find(p, v6 ? 0 : f4->sin_addr.s_addr,
                                            v6 ? &f6->sin6_addr : NULL);
        uint16_t seq;
        int rec;
        /* version 1, type 2, S flag; Recovery IE after any extension
         * headers (dp_gtpu_parse_echo_response()); the seq we sent */
        if (!pp || dp_gtpu_parse_echo_response(buf, (size_t)n, &seq, &rec) || seq != pp->seq) {
            p->rx_ignored++;
            continue;
        }
        int was = pp->state;
        pp->answered = true;
        pp->missed = 0;
        pp->state = DP_PATH_UP;
        if (was != DP_PATH_UP)
            report(p, DP_PATH_UP, pp, -1);
        if (rec >= 0) {
            int old = pp->recovery;
            pp->recovery = (int16_t)rec;
            /* TS 23.007 20: a new restart counter means the peer lost its
             * state; its tunnels are gone. */
            if (old >= 0 && old != rec)
                report(p, DP_PATH_RESTART, pp, old);
        }
    }
}

int dp_path_poll(struct dp_ctx *ctx)
{
    struct dp_path *p = ctx->path;
    if (!p)
        return 0;
    receive(p, ctx->udp_fd, AF_INET);
    receive(p, ctx->udp6_fd, AF_INET6);
    uint64_t now = now_ms();
    if (now < p->next_ms)
        return 0;
    p->next_ms = now + (uint64_t)p->opts.interval_ms;
    peers_refresh(ctx, p);
    for (size_t i = 0; i < p->n; i++) {
        struct dp_path_peer *pp = &p->peers[i];
        if (pp->seq && !pp->answered && pp->missed < 255)
            pp->missed++; /* the previous request got no answer in time */
        pp->answered = false;
        if (pp->missed >= p->opts.max_missed && pp->state != DP_PATH_DOWN) {
            pp->state = DP_PATH_DOWN;
            report(p, DP_PATH_DOWN, pp, -1);
        }
        uint8_t msg[12];
        pp->seq = ++p->seq ? p->seq : ++p->seq;
        dp_gtpu_build_echo_request(msg, sizeof(msg), pp->seq);
        if (pp->is6) {
            /* TS 29.281 4.4.2.1: to the peer's port 2152, from our IPv6
             * S1-U address (dp_udp6_open(); none: it stays unanswered) */
            struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons(DP_GTPU_PORT),
                                      .sin6_addr = pp->addr6};
            if (ctx->udp6_fd >= 0)
                sendto(ctx->udp6_fd, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to));
            continue;
        }
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DP_GTPU_PORT),
                                 .sin_addr.s_addr = pp->addr};
        sendto(ctx->udp_fd, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to));
    }
    return (int)p->n;
}
