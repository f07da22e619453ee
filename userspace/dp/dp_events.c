/* Ring-buffer events: decoding, Error Indication for unknown TEIDs
 * (TS 29.281 7.3.1), and the userspace side of idle-UE buffering.
 *
 * Packets the kernel hands over for an idle UE (xepc_pktbuf) are kept here,
 * bounded by DP_BUF_PER_UE per session and DP_BUF_TOTAL in all; beyond the
 * bounds the newest packet is dropped (counted).  Once the session has its
 * tunnel again they are sent, in arrival order, as G-PDUs from the
 * gateway's S1-U address to the eNB (UDP 2152) through the kernel's stack,
 * and the kernel's per-UE buffer count is reset.
 *
 * Every kept packet, downlink-data and quota event carries the identity of
 * its session (sid, uplink TEID, cookie, UE address; xepc_ev_hdr): one whose
 * session was deleted, or replaced by another in the same slot, is dropped
 * and counted (struct dp_event_stats), never delivered to the successor. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "dp/dp_gtpu.h"
#include "dp/dp_int.h"

/* A kept packet and the identity of the session it was buffered for
 * (struct xepc_ev_hdr): it is only ever sent into that session's tunnel. */
struct dp_buf_pkt {
    uint32_t sid;
    uint32_t teid_local;
    uint32_t cookie;
    uint32_t ue_addr;   /* network order */
    uint32_t len;
    uint8_t data[];
};

struct dp_bufq {
    struct dp_buf_pkt *pkts[DP_BUF_TOTAL];
    size_t n;
};

void dp_bufq_free(struct dp_bufq *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        free(q->pkts[i]);
    free(q);
}

size_t dp_buffer_count(const struct dp_ctx *ctx)
{
    return ctx->bufq ? ctx->bufq->n : 0;
}

int dp_event_stats_get(const struct dp_ctx *ctx, struct dp_event_stats *st)
{
    *st = ctx->ev_stats;
    st->buf_held = dp_buffer_count(ctx);
    st->path_rx_ignored = dp_path_rx_ignored(ctx->path);
    return 0;
}

const char *dp_event_type_str(uint16_t type)
{
    switch (type) {
    case XEPC_EV_DDN: return "downlink-data";
    case XEPC_EV_UNKNOWN_TEID: return "unknown-teid";
    case XEPC_EV_QUOTA_THRESHOLD: return "quota-threshold";
    case XEPC_EV_QUOTA_EXHAUSTED: return "quota-exhausted";
    case XEPC_EV_BUFFERED: return "buffered";
    default: return "?";
    }
}

/* Does the session in the slot now still have the identity an event was
 * raised for?  A session id is reused after a delete; the uplink TEID, the
 * cookie (new on every add) and the UE address (ue 0: not carried) tell the
 * successor from the session the event is about. */
static bool ident_matches(const struct xepc_session *s, uint32_t teid_local, uint32_t cookie,
                          uint32_t ue)
{
    return (s->flags & XEPC_SF_ACTIVE) && s->teid_local == teid_local && s->cookie == cookie &&
           (!ue || s->ue_addr == ue);
}

/* The session of an event, if it is still the one the kernel saw. */
static bool ev_session_current(struct dp_ctx *ctx, const struct xepc_ev_hdr *h, uint32_t ue)
{
    struct xepc_session s;
    uint32_t sid = h->session_id;
    if (dp_session_read(ctx, sid, &s))
        return false;
    return ident_matches(&s, h->teid_local, h->cookie, ue);
}

/* A quota event raised by a dedicated bearer's packet whose charging slots
 * are its default bearer's (XEPC_SF_SHARED_POLICY): the kernel wrote the
 * bearer's TEID and cookie with the slot's owner as session_id.  The quota
 * is the owner's, so when both are still the sessions the kernel saw (and
 * the slot still the owner's) the event is handed on as the owner's. */
static bool quota_ev_shared(struct dp_ctx *ctx, struct xepc_ev_quota *q)
{
    struct xepc_session b, d;
    uint32_t bsid = XEPC_TEID_SID(q->hdr.teid_local);
    if (bsid == q->hdr.session_id || dp_session_read(ctx, bsid, &b) ||
        !ident_matches(&b, q->hdr.teid_local, q->hdr.cookie, 0) ||
        !(b.flags & XEPC_SF_SHARED_POLICY) || dp_session_read(ctx, q->hdr.session_id, &d) ||
        !(d.flags & XEPC_SF_ACTIVE) || (d.flags & XEPC_SF_BEARER) || d.ue_addr != b.ue_addr ||
        !d.charge_base || q->charge_idx < d.charge_base ||
        q->charge_idx >= d.charge_base + d.n_charge)
        return false;
    q->hdr.teid_local = d.teid_local;
    q->hdr.cookie = d.cookie;
    return true;
}

static void bufq_push(struct dp_ctx *ctx, struct dp_bufq *q, const struct xepc_ev_buffered *b)
{
    size_t per_ue = 0;
    uint32_t len = b->len > XEPC_BUF_PKT_MAX ? XEPC_BUF_PKT_MAX : b->len;
    /* Already replaced or gone: never keep it (docs/datapath.md "events"). */
    if (!ev_session_current(ctx, &b->hdr, b->ue_addr)) {
        ctx->ev_stats.buf_dropped_stale++;
        return;
    }
    for (size_t i = 0; i < q->n; i++)
        per_ue += q->pkts[i]->sid == b->hdr.session_id;
    if (q->n >= DP_BUF_TOTAL || per_ue >= DP_BUF_PER_UE) {
        ctx->ev_stats.buf_dropped_full++;
        return;
    }
    struct dp_buf_pkt *p = malloc(sizeof(*p) + len);
    if (!p) {
        ctx->ev_stats.buf_dropped_full++;
        return;
    }
    p->sid = b->hdr.session_id;
    p->teid_local = b->hdr.teid_local;
    p->cookie = b->hdr.cookie;
    p->ue_addr = b->ue_addr;
    p->len = len;
    memcpy(p->data, b->data, len);
    q->pkts[q->n++] = p;
}

static void send_error_indication(struct dp_ctx *ctx, const struct xepc_ev_unknown_teid *ev)
{
    uint8_t msg[64];
    struct in_addr own = {.s_addr = ev->local_addr};
    struct xepc_config cfg;
    if (!own.s_addr && !dp_config_read(ctx, &cfg))
        own.s_addr = cfg.gtpu_addr;
    int n = dp_gtpu_build_error_indication(msg, sizeof(msg), ev->teid, own,
                                           ntohs(ev->peer_port), ctx->gtpu_seq++);
    if (n < 0 || ctx->udp_fd < 0)
        return;
    /* TS 29.281 4.4.2.3: to the peer's GTP-U port 2152. */
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DP_GTPU_PORT),
                             .sin_addr.s_addr = ev->peer_addr};
    sendto(ctx->udp_fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
}

int dp_end_marker_send(struct dp_ctx *ctx, struct in_addr peer, uint32_t teid)
{
    uint8_t msg[8];
    if (ctx->udp_fd < 0)
        return -ENOTCONN;
    int n = dp_gtpu_build_end_marker(msg, sizeof(msg), teid);
    if (n < 0)
        return n;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DP_GTPU_PORT),
                             .sin_addr = peer};
    if (sendto(ctx->udp_fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    return 0;
}

/* Sends len bytes of inner packet as a G-PDU into the tunnel of s, over
 * IPv4 or IPv6 as its eNB is (dp_s1u6.c). */
static bool gpdu_send(struct dp_ctx *ctx, const struct xepc_session *s, const uint8_t *data,
                      uint32_t len)
{
    return dp_tunnel_send(ctx, XEPC_TEID_SID(s->teid_local), s, data, len) == 0;
}

/* Sends a kept packet as a G-PDU into the tunnel of s. */
static bool buf_send(struct dp_ctx *ctx, const struct dp_buf_pkt *p, const struct xepc_session *s)
{
    return gpdu_send(ctx, s, p->data, p->len);
}

/* Has an unknown-TEID event waited in the ring longer than the follower
 * answers?  ts_ns is the kernel's bpf_ktime_get_ns(), CLOCK_MONOTONIC. */
static bool teid_ev_too_old(const struct dp_ctx *ctx, uint64_t ts_ns)
{
    struct timespec now;
    uint64_t max_ms = ctx->ev_opts.teid_ev_max_age_ms ? ctx->ev_opts.teid_ev_max_age_ms
                                                      : DP_TEID_EV_MAX_AGE_MS;
    if (clock_gettime(CLOCK_MONOTONIC, &now))
        return false;
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    return now_ns > ts_ns && now_ns - ts_ns > max_ms * 1000000ull;
}

static int rb_event(void *arg, void *data, size_t size)
{
    struct dp_ctx *ctx = arg;
    struct dp_event ev;
    const struct xepc_ev_hdr *h = data;
    if (size < sizeof(*h))
        return 0;
    memset(&ev, 0, sizeof(ev));
    ev.type = h->type;
    ev.session_id = h->session_id;
    ev.ts_ns = h->ts_ns;
    switch (h->type) {
    case XEPC_EV_DDN:
        if (size < sizeof(ev.u.ddn))
            return 0;
        memcpy(&ev.u.ddn, data, sizeof(ev.u.ddn));
        /* Paging a UE whose session was replaced meanwhile would page
         * the wrong subscriber (or one without data). */
        if (!ev_session_current(ctx, h, ev.u.ddn.ue_addr)) {
            ctx->ev_stats.ev_dropped_stale++;
            return 0;
        }
        break;
    case XEPC_EV_UNKNOWN_TEID:
        if (size < sizeof(ev.u.unknown_teid))
            return 0;
        memcpy(&ev.u.unknown_teid, data, sizeof(ev.u.unknown_teid));
        /* Events that waited (no follower yet, or one that stalled) are
         * aged out rather than answered minutes after the packet. */
        if (teid_ev_too_old(ctx, h->ts_ns)) {
            ctx->ev_stats.teid_ev_aged++;
            return 0;
        }
        if (ctx->ev_opts.send_error_indication)
            send_error_indication(ctx, &ev.u.unknown_teid);
        break;
    case XEPC_EV_UNKNOWN_TEID6:
        /* the same over IPv6 (docs/datapath.md "IPv6 on S1-U") */
        if (size < sizeof(ev.u.unknown_teid6))
            return 0;
        memcpy(&ev.u.unknown_teid6, data, sizeof(ev.u.unknown_teid6));
        if (teid_ev_too_old(ctx, h->ts_ns)) {
            ctx->ev_stats.teid_ev_aged++;
            return 0;
        }
        if (ctx->ev_opts.send_error_indication)
            dp_send_error_indication6(ctx, &ev.u.unknown_teid6);
        break;
    case XEPC_EV_QUOTA_THRESHOLD:
    case XEPC_EV_QUOTA_EXHAUSTED:
        if (size < sizeof(ev.u.quota))
            return 0;
        memcpy(&ev.u.quota, data, sizeof(ev.u.quota));
        /* The charging slot may belong to a successor by now: its quota
         * is not the one that crossed the threshold. */
        if (!ev_session_current(ctx, h, 0) && !quota_ev_shared(ctx, &ev.u.quota)) {
            ctx->ev_stats.ev_dropped_stale++;
            return 0;
        }
        break;
    case XEPC_EV_TO_STACK: {
        /* no neighbour for the eNB yet, or over the route MTU: a G-PDU
         * through our socket, and the kernel's output path resolves the
         * neighbour or fragments (docs/datapath.md, downlink step 7) */
        const struct xepc_ev_buffered *b = data;
        struct xepc_session s;
        if (size < offsetof(struct xepc_ev_buffered, data) || b->len > XEPC_BUF_PKT_MAX ||
            dp_session_read(ctx, h->session_id, &s) ||
            !ident_matches(&s, h->teid_local, h->cookie, b->ue_addr) ||
            !(s.flags & XEPC_SF_TUNNEL) ||
            (ctx->udp_fd < 0 && !(s.flags & XEPC_SF_ENB6)) ||
            !gpdu_send(ctx, &s, b->data, b->len))
            ctx->ev_stats.to_stack_dropped++;
        else
            ctx->ev_stats.to_stack_sent++;
        return 0;
    }
    case XEPC_EV_OVERSIZE: {
        /* over the S1-U MTU: sent here as outer fragments (dp_frag.c),
         * only into the tunnel of the session it was for */
        const struct xepc_ev_buffered *b = data;
        struct xepc_session s;
        if (size < offsetof(struct xepc_ev_buffered, data) ||
            dp_session_read(ctx, h->session_id, &s) ||
            !ident_matches(&s, h->teid_local, h->cookie, b->ue_addr) ||
            !(s.flags & XEPC_SF_TUNNEL) || dp_oversize_send(ctx, b, &s))
            ctx->ev_stats.oversize_dropped++;
        else
            ctx->ev_stats.oversize_sent++;
        return 0;
    }
    case XEPC_EV_BUFFERED:
        if (size < offsetof(struct xepc_ev_buffered, data))
            return 0;
        ev.buffered = data;
        if (ctx->ev_opts.keep_buffered && ctx->bufq)
            bufq_push(ctx, ctx->bufq, ev.buffered);
        break;
    default:
        return 0;
    }
    ctx->ev_count++;
    if (ctx->ev_fn)
        ctx->ev_fn(&ev, ctx->ev_arg);
    return 0;
}

/* One follower per datapath: the ring buffers have one consumer position,
 * so a second reader would steal events (paging, quota) from the first.
 * The follower holds an flock on a lock file named after the pin
 * directory's identity (bpffs holds no regular files, and the directory
 * itself is the writers' lock).  The kernel drops the lock when the
 * process dies; a lock file that is not ours (anyone can create files in
 * /run/lock) is refused rather than trusted. */
#define DP_EVENTS_LOCK_DIR "/run/lock"

static int follower_lock(struct dp_ctx *ctx)
{
    struct stat st;
    char path[128];
    if (stat(ctx->pin_dir, &st) < 0)
        return dp_set_error(ctx, -errno, "%s: %s", ctx->pin_dir, strerror(errno));
    snprintf(path, sizeof(path), DP_EVENTS_LOCK_DIR "/xepc-dp-events-%llx-%llx.lock",
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return dp_set_error(ctx, -errno, "cannot open the events lock %s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        return dp_set_error(ctx, -EPERM, "the events lock %s is not a file of ours: remove it",
                            path);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return dp_set_error(ctx, -EBUSY, "another process already follows the datapath "
                                "events of %s (xepc-agwd or xepcctl events); one follower at "
                                "a time", ctx->pin_dir);
        return dp_set_error(ctx, -e, "cannot lock %s: %s", path, strerror(e));
    }
    ctx->events_lock_fd = fd;
    return 0;
}

int dp_events_open(struct dp_ctx *ctx, const struct dp_events_opts *opts, dp_event_fn fn,
                   void *arg)
{
    struct xepc_config cfg;
    int lrc = follower_lock(ctx);
    if (lrc < 0)
        return lrc;
    ctx->ev_fn = fn;
    ctx->ev_arg = arg;
    if (opts)
        ctx->ev_opts = *opts;
    ctx->rb = ring_buffer__new(ctx->map_fd[DP_MAP_EVENTS], rb_event, ctx, NULL);
    if (!ctx->rb)
        return dp_set_error(ctx, -errno, "cannot open ring buffer %s: %s", XEPC_MAP_EVENTS,
                            strerror(errno));
    int rc = ring_buffer__add(ctx->rb, ctx->map_fd[DP_MAP_PKTBUF], rb_event, ctx);
    if (rc)
        return dp_set_error(ctx, rc, "cannot open ring buffer %s: %s", XEPC_MAP_PKTBUF,
                            strerror(-rc));
    /* Unknown-TEID events come on a ring of their own (a datapath pinned
     * before it had them in xepc_events) */
    if (ctx->teid_ev_fd >= 0) {
        rc = ring_buffer__add(ctx->rb, ctx->teid_ev_fd, rb_event, ctx);
        if (rc)
            return dp_set_error(ctx, rc, "cannot open ring buffer %s: %s", XEPC_MAP_TEID_EV,
                                strerror(-rc));
    }
    if (ctx->ev_opts.keep_buffered) {
        ctx->bufq = calloc(1, sizeof(*ctx->bufq));
        if (!ctx->bufq)
            return dp_set_error(ctx, -ENOMEM, "out of memory");
    }
    if (ctx->ev_opts.send_error_indication || ctx->ev_opts.keep_buffered ||
        ctx->ev_opts.gtpu_socket || ctx->ev_opts.uplink_fragments) {
        rc = dp_config_read(ctx, &cfg);
        if (rc)
            return rc;
        /* From our S1-U address, an ephemeral port: peers answer to 2152. */
        struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = cfg.gtpu_addr};
        ctx->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (ctx->udp_fd < 0 || bind(ctx->udp_fd, (struct sockaddr *)&me, sizeof(me)))
            return dp_set_error(ctx, -errno, "cannot bind a UDP socket to %s: %s",
                                inet_ntoa(me.sin_addr), strerror(errno));
        /* and on the IPv6 S1-U address, if the datapath has one */
        rc = dp_udp6_open(ctx);
        if (rc)
            return rc;
    }
    if (ctx->ev_opts.uplink_fragments) {
        rc = dp_frag_open(ctx, (struct in_addr){.s_addr = cfg.gtpu_addr});
        if (rc)
            return rc;
    }
    /* One fd for the caller's loop: the rings and the fragments' socket */
    ctx->ev_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ctx->ev_epfd < 0)
        return dp_set_error(ctx, -errno, "epoll_create1: %s", strerror(errno));
    int fds[2] = {ring_buffer__epoll_fd(ctx->rb), dp_frag_fd(ctx)};
    for (int i = 0; i < 2; i++) {
        struct epoll_event ee = {.events = EPOLLIN, .data.fd = fds[i]};
        if (fds[i] >= 0 && epoll_ctl(ctx->ev_epfd, EPOLL_CTL_ADD, fds[i], &ee))
            return dp_set_error(ctx, -errno, "epoll_ctl: %s", strerror(errno));
    }
    return ctx->ev_epfd;
}



/*
 * One pass over the kept packets, in arrival order (of session only_sid, or
 * of all with 0): a packet whose session has its tunnel again is sent; one
 * whose session is gone, or whose slot now holds another session (the sid
 * was reused: another TEID, cookie or UE address), is dropped and counted —
 * it must never reach the successor's tunnel; the rest stay.  Returns the
 * number sent.
 */
static int flush_pass(struct dp_ctx *ctx, uint32_t only_sid)
{
    struct dp_bufq *q = ctx->bufq;
    struct xepc_session s;
    uint32_t cur_sid = 0;
    bool have = false;
    size_t kept = 0;
    int sent = 0;
    if (!q)
        return 0;
    for (size_t i = 0; i < q->n; i++) {
        struct dp_buf_pkt *p = q->pkts[i];
        if (only_sid && p->sid != only_sid) {
            q->pkts[kept++] = p;
            continue;
        }
        if (!have || p->sid != cur_sid) {
            cur_sid = p->sid;
            have = true;
            if (dp_session_read(ctx, cur_sid, &s))
                memset(&s, 0, sizeof(s)); /* unreadable: treat as gone */
        }
        if (!(s.flags & XEPC_SF_ACTIVE)) {
            ctx->ev_stats.buf_dropped_gone++;
        } else if (!ident_matches(&s, p->teid_local, p->cookie, p->ue_addr)) {
            ctx->ev_stats.buf_dropped_stale++;
        } else if (!(s.flags & XEPC_SF_TUNNEL)) {
            q->pkts[kept++] = p;
            continue;
        } else if (ctx->udp_fd >= 0 && buf_send(ctx, p, &s)) {
            sent++;
            ctx->ev_stats.buf_sent++;
            /* Let the kernel buffer again for the next idle period.  Only
             * this field is stored, through the shared mapping: rewriting
             * the whole entry would lose usage the kernel counts at the
             * same moment. */
            if (ctx->usage && p->sid < ctx->max_entries[DP_MAP_USAGE])
                __atomic_store_n(&ctx->usage[p->sid].buffered, 0, __ATOMIC_RELAXED);
        } else {
            ctx->ev_stats.buf_send_failed++;
        }
        free(p);
    }
    q->n = kept;
    return sent;
}

int dp_events_poll(struct dp_ctx *ctx, int timeout_ms)
{
    if (!ctx->rb)
        return dp_set_error(ctx, -EINVAL, "events are not open");
    ctx->ev_count = 0;
    if (ctx->ev_epfd >= 0 && timeout_ms != 0) {
        struct epoll_event ee[4];
        if (epoll_wait(ctx->ev_epfd, ee, 4, timeout_ms) < 0 && errno != EINTR)
            return dp_set_error(ctx, -errno, "epoll_wait: %s", strerror(errno));
    }
    int rc = ring_buffer__consume(ctx->rb);
    if (rc < 0 && rc != -EINTR)
        return dp_set_error(ctx, rc, "ring buffer poll: %s", strerror(-rc));
    dp_frag_poll(ctx);
    flush_pass(ctx, 0);
    dp_path_poll(ctx);
    return ctx->ev_count;
}

int dp_buffer_flush(struct dp_ctx *ctx, uint32_t ul_teid)
{
    uint32_t sid = XEPC_TEID_SID(ul_teid);
    if (!ctx->bufq || ctx->udp_fd < 0 || !sid)
        return 0;
    return flush_pass(ctx, sid);
}
