/*
 * userspace/sctp/sctp_usrsctp.c — the usrsctp backends (raw IPv4 and UDP
 * encapsulation), on one process-wide usrsctp stack driven by libev.
 *
 * usrsctp runs in AF_CONN mode, initialised with usrsctp_init_nothreads (the
 * threaded init sends nothing from AF_INET sockets without its own threads,
 * see docs/sctp.md): the stack never touches the network itself.  We own the
 * sockets that carry its packets:
 *
 *   usrsctp-raw  one raw IPv4 socket, protocol 132 (RFC 9260 3: SCTP
 *                directly over IP); the kernel builds the IP header;
 *   usrsctp-udp  one UDP socket per local UDP port (RFC 6951 5: the SCTP
 *                packet is the UDP payload).
 *
 * AF_CONN addresses are opaque pointers, and usrsctp_conninput uses the same
 * pointer as source and destination of a packet: a pointer names a path.
 * We give it a "link" per (transport, local IPv4, remote IPv4, remote UDP
 * port), registered with usrsctp_register_address; the output callback
 * receives the link back and sends through its transport.  Every endpoint's
 * usrsctp socket is bound to the wildcard AF_CONN address with its SCTP
 * port, so that one listening endpoint serves any number of peers.
 *
 * A raw socket for protocol 132 receives every SCTP packet of the network
 * namespace, and usrsctp answers a packet for a port it does not know with
 * an ABORT (RFC 9260 8.4 "out of the blue").  Two SCTP stacks in one
 * namespace would thus abort each other's associations; so before
 * conninput a packet must be addressed to an SCTP port (and local address)
 * of one of our endpoints; the rest is dropped and counted (pkts_filtered).
 *
 * usrsctp keeps one stack per process: this file's `us` is the library's
 * only global, forced on us by that.  All usrsctp endpoints of the process
 * share it and its loop; it is torn down when the last one closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <usrsctp.h>

#include "sctp/sctp_int.h"

#define US_TICK_S 0.010          /* usrsctp_handle_timers period (its timer wheel has 10 ms ticks) */
#define US_LINKS_MAX 4096        /* distinct (local, remote) paths we keep */
#define US_MTU_ETH 1500u         /* the link MTU we assume toward peers */
#define US_BUF 65536u
#define US_SOCKBUF (1024 * 1024) /* SO_SNDBUF/SO_RCVBUF of a usrsctp socket */

struct sctp_us_transport {
	enum sctp_backend kind;
	uint16_t udp_port;       /* host order; 0 for raw */
	int fd;
	ev_io io;
	unsigned refs;
	uint64_t filtered;
	struct sctp_us_transport *next;
};

struct sctp_us_link {
	enum sctp_backend kind;
	uint16_t udp_port;       /* our UDP port (host order); selects the transport */
	struct in_addr local, remote;
	uint16_t rport;          /* the peer's UDP port, network order; 0 for raw */
	struct sctp_us_link *next;
};

static struct {
	unsigned refs;
	bool inited;             /* usrsctp_init_nothreads done, usrsctp_finish not */
	struct ev_loop *loop;
	ev_timer tick;
	ev_prepare prep;
	uint64_t last_ms;
	struct sctp_us_transport *tps;
	struct sctp_us_link *links;
	unsigned n_links;
	struct sctp_ep *eps;
	uint8_t pkt[US_BUF];
} us;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct sctp_us_transport *tp_find(enum sctp_backend kind, uint16_t udp_port)
{
	for (struct sctp_us_transport *t = us.tps; t; t = t->next)
		if (t->kind == kind && t->udp_port == udp_port)
			return t;
	return NULL;
}

static bool link_is_ours(const void *p)
{
	for (struct sctp_us_link *l = us.links; l; l = l->next)
		if (l == p)
			return true;
	return false;
}

static struct sctp_us_link *link_get(enum sctp_backend kind, uint16_t udp_port,
				     struct in_addr local, struct in_addr remote, uint16_t rport)
{
	for (struct sctp_us_link *l = us.links; l; l = l->next)
		if (l->kind == kind && l->udp_port == udp_port && l->local.s_addr == local.s_addr &&
		    l->remote.s_addr == remote.s_addr && l->rport == rport)
			return l;
	if (us.n_links >= US_LINKS_MAX)
		return NULL;
	struct sctp_us_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->kind = kind;
	l->udp_port = udp_port;
	l->local = local;
	l->remote = remote;
	l->rport = rport;
	l->next = us.links;
	us.links = l;
	us.n_links++;
	usrsctp_register_address(l);
	return l;
}

/* ------------------------------------------------------ packets out --- */

/* usrsctp's output callback: `addr` is the link the packet leaves on. */
static int us_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
	(void)tos;
	(void)set_df;   /* the socket has IP_PMTUDISC_DONT: the kernel fragments */
	if (!link_is_ours(addr))
		return -1;
	struct sctp_us_link *l = addr;
	struct sctp_us_transport *t = tp_find(l->kind, l->udp_port);

	if (!t)
		return -1;
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_addr = l->remote,
		.sin_port = l->kind == SCTP_BACKEND_USRSCTP_UDP ? l->rport : 0,
	};
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
	};
	if (l->local.s_addr != INADDR_ANY) {
		/* The association's local address is the source, whatever the
		 * routing table would choose (a peer sees one address). */
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi = { .ipi_spec_dst = l->local };

		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (sendmsg(t->fd, &mh, MSG_DONTWAIT) < 0)
		return -1;   /* lost like a packet on the wire; SCTP retransmits */
	return 0;
}

/* ------------------------------------------------------- packets in --- */

/* Is (dst, dport) one of our endpoints on this transport? */
static bool is_for_us(const struct sctp_us_transport *t, struct in_addr dst, uint16_t dport)
{
	for (struct sctp_ep *ep = us.eps; ep; ep = ep->next)
		if (ep->tp == t && ep->lport == dport &&
		    (ep->cfg.local.sin_addr.s_addr == INADDR_ANY ||
		     ep->cfg.local.sin_addr.s_addr == dst.s_addr))
			return true;
	return false;
}

static void deliver(struct sctp_us_transport *t, struct in_addr src, struct in_addr dst,
		    uint16_t sport_udp, const uint8_t *sctp, size_t len)
{
	/* RFC 9260 3.1: the common header is 12 bytes; destination port at 2. */
	if (len < 12) {
		t->filtered++;
		return;
	}
	uint16_t dport = (uint16_t)(sctp[2] << 8 | sctp[3]);

	if (!is_for_us(t, dst, dport)) {
		t->filtered++;
		return;
	}
	struct sctp_us_link *l = link_get(t->kind, t->udp_port, dst, src, sport_udp);

	if (!l) {
		t->filtered++;
		return;
	}
	usrsctp_conninput(l, sctp, len, 0);
}

static void tp_read_raw(struct sctp_us_transport *t)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(t->fd, us.pkt, sizeof(us.pkt), MSG_DONTWAIT);

		if (n < 0)
			return;
		/* A raw IPv4 socket delivers the IP header (RFC 791 3.1). */
		if ((size_t)n < sizeof(struct iphdr)) {
			t->filtered++;
			continue;
		}
		const struct iphdr *ip = (const struct iphdr *)us.pkt;
		size_t hl = (size_t)ip->ihl * 4;
		size_t tot = ntohs(ip->tot_len);

		if (ip->version != 4 || hl < sizeof(*ip) || tot > (size_t)n || tot < hl ||
		    ip->protocol != IPPROTO_SCTP) {
			t->filtered++;
			continue;
		}
		struct in_addr src = { ip->saddr }, dst = { ip->daddr };

		deliver(t, src, dst, 0, us.pkt + hl, tot - hl);
	}
}

static void tp_read_udp(struct sctp_us_transport *t)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		struct iovec iov = { .iov_base = us.pkt, .iov_len = sizeof(us.pkt) };
		union {
			char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
		};
		ssize_t n = recvmsg(t->fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return;
		struct in_addr dst = { INADDR_ANY };

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst = pi.ipi_addr;
			}
		}
		if (from.sin_family != AF_INET || (mh.msg_flags & MSG_TRUNC)) {
			t->filtered++;
			continue;
		}
		/* RFC 6951 5.4: the peer's UDP source port is where we answer. */
		deliver(t, from.sin_addr, dst, from.sin_port, us.pkt, (size_t)n);
	}
}

static void tp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct sctp_us_transport *t = w->data;

	if (t->kind == SCTP_BACKEND_USRSCTP_RAW)
		tp_read_raw(t);
	else
		tp_read_udp(t);
}

static int tp_open(struct sctp_ep *ep, struct sctp_us_transport **out)
{
	enum sctp_backend kind = ep->cfg.backend;
	uint16_t port = kind == SCTP_BACKEND_USRSCTP_UDP ? ep->cfg.udp_port : 0;
	struct sctp_us_transport *t = tp_find(kind, port);

	if (t) {
		t->refs++;
		*out = t;
		return 0;
	}
	int fd;

	if (kind == SCTP_BACKEND_USRSCTP_RAW)
		fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	else
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return sctp_ep_seterr(ep, -errno, "%s socket: %s%s", sctp_backend_str(kind),
				      strerror(errno),
				      errno == EPERM ? " (raw sockets need CAP_NET_RAW)" : "");
	int one = 1, pmtu = IP_PMTUDISC_DONT, rcv = 4 * 1024 * 1024;

	/* usrsctp sizes packets for the path MTU we give it (docs/sctp.md);
	 * should a link's MTU be smaller, fragment instead of dropping. */
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (kind == SCTP_BACKEND_USRSCTP_UDP) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		/* Several endpoints of this process share the port; other
		 * processes must not (no SO_REUSEPORT). */
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;

			close(fd);
			return sctp_ep_seterr(ep, -e, "usrsctp-udp: bind UDP port %u: %s", port,
					      strerror(e));
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return sctp_ep_seterr(ep, -ENOMEM, "out of memory");
	}
	t->kind = kind;
	t->udp_port = port;
	t->fd = fd;
	t->refs = 1;
	ev_io_init(&t->io, tp_io_cb, fd, EV_READ);
	t->io.data = t;
	ev_io_start(us.loop, &t->io);
	t->next = us.tps;
	us.tps = t;
	*out = t;
	return 0;
}

static void tp_put(struct sctp_us_transport *t)
{
	if (--t->refs)
		return;
	ev_io_stop(us.loop, &t->io);
	close(t->fd);
	for (struct sctp_us_transport **pp = &us.tps; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	free(t);
}

/* ------------------------------------------------------ the drain ----- */

static void handle_notification(struct sctp_ep *ep, const uint8_t *buf, size_t len);

/* Read everything usrsctp has queued for the endpoint; false if the
 * endpoint was closed by a callback. */
static bool ep_drain(struct sctp_ep *ep)
{
	bool discarding = false;

	ep->readable = false;
	sctp_ep_busy(ep);
	for (int guard = 0; guard < 100000 && !ep->dead; guard++) {
		if (sctp_rbuf_reserve(ep, US_BUF) < 0) {
			/* Bigger than SCTP_MSG_MAX (or no memory): drop the rest
			 * of the message and abort its association below. */
			discarding = true;
			ep->rlen = 0;
			if (sctp_rbuf_reserve(ep, US_BUF) < 0)
				break;
		}
		struct sockaddr_conn from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned infotype = 0;
		int flags = 0;

		memset(&rcv, 0, sizeof(rcv));
		ssize_t n = usrsctp_recvv(ep->us_sock, ep->rbuf + ep->rlen, ep->rcap - ep->rlen,
					  (struct sockaddr *)&from, &fromlen, &rcv, &infolen,
					  &infotype, &flags);
		if (n <= 0)
			break;   /* EAGAIN: all read */
		ep->rlen += (size_t)n;
		if (!(flags & MSG_EOR))
			continue;
		size_t len = ep->rlen;

		ep->rlen = 0;
		if (flags & MSG_NOTIFICATION) {
			handle_notification(ep, ep->rbuf, len);
		} else if (discarding) {
			discarding = false;
			struct sctp_assoc *a = sctp_assoc_by_sys(ep, rcv.rcv_assoc_id);

			if (a && sctp_us_end(ep, a, true) == 0)
				a->local_down = true;
		} else if (infotype == SCTP_RECVV_RCVINFO) {
			sctp_ev_data(ep, rcv.rcv_assoc_id, rcv.rcv_sid, ntohl(rcv.rcv_ppid),
				     ep->rbuf, len);
		}
	}
	return sctp_ep_unbusy(ep);
}

static void drain_all(void)
{
	/* Restart from the head after each endpoint: a callback may close
	 * any endpoint (and unlink it). */
	for (int guard = 0; guard < 1000; guard++) {
		struct sctp_ep *ep = us.eps;

		while (ep && !ep->readable)
			ep = ep->next;
		if (!ep)
			return;
		ep_drain(ep);
	}
}

static void prep_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	drain_all();
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	uint64_t now = mono_ms();
	uint64_t el = now - us.last_ms;

	if (el == 0)
		return;
	us.last_ms = now;
	usrsctp_handle_timers(el > UINT32_MAX ? UINT32_MAX : (uint32_t)el);
	/* usrsctp 0.9.5.0 queues the COMM_LOST of an association that timed
	 * out (heartbeats or retransmissions, RFC 9260 8.1) without calling
	 * the upcall: ask each socket after the timers ran. */
	for (struct sctp_ep *ep = us.eps; ep; ep = ep->next)
		if (usrsctp_get_events(ep->us_sock) & SCTP_EVENT_READ)
			ep->readable = true;
}

static void upcall(struct socket *so, void *arg, int flags)
{
	(void)flags;
	struct sctp_ep *ep = arg;

	if (usrsctp_get_events(so) & SCTP_EVENT_READ)
		ep->readable = true;
}

/* ---------------------------------------------------- notifications --- */

static void peer_of(struct sctp_ep *ep, int32_t sys_id, struct sockaddr_in *peer)
{
	struct sockaddr *addrs = NULL;
	int n = usrsctp_getpaddrs(ep->us_sock, sys_id, &addrs);

	memset(peer, 0, sizeof(*peer));
	if (n > 0 && addrs && addrs[0].sa_family == AF_CONN) {
		struct sockaddr_conn sc;

		memcpy(&sc, addrs, sizeof(sc));
		if (link_is_ours(sc.sconn_addr)) {
			const struct sctp_us_link *l = sc.sconn_addr;

			peer->sin_family = AF_INET;
			peer->sin_addr = l->remote;
			peer->sin_port = sc.sconn_port;
		}
	}
	if (addrs)
		usrsctp_freepaddrs(addrs);
}

static void handle_notification(struct sctp_ep *ep, const uint8_t *buf, size_t len)
{
	union sctp_notification sn;

	if (len < sizeof(sn.sn_header))
		return;
	memcpy(&sn, buf, len < sizeof(sn) ? len : sizeof(sn));
	switch (sn.sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		const struct sctp_assoc_change *ac = &sn.sn_assoc_change;

		if (len < sizeof(*ac))
			return;
		switch (ac->sac_state) {
		case SCTP_COMM_UP:
		case SCTP_RESTART: {
			struct sockaddr_in peer;

			peer_of(ep, ac->sac_assoc_id, &peer);
			sctp_ev_up(ep, ac->sac_assoc_id, &peer, ac->sac_outbound_streams,
				   ac->sac_inbound_streams, ac->sac_state == SCTP_RESTART);
			break;
		}
		case SCTP_COMM_LOST: {
			/* RFC 6458 6.1.1: sac_info carries the ABORT chunk when
			 * the peer aborted; without it the association timed out
			 * (RFC 9260 8.1: Association.Max.Retrans exceeded). */
			bool aborted = len > sizeof(*ac) &&
				       buf[sizeof(*ac)] == SCTP_ABORT_ASSOCIATION;

			sctp_ev_down(ep, ac->sac_assoc_id, aborted ? SCTP_DOWN_ABORT : SCTP_DOWN_LOST);
			break;
		}
		case SCTP_SHUTDOWN_COMP:
			sctp_ev_down(ep, ac->sac_assoc_id, SCTP_DOWN_SHUTDOWN);
			break;
		case SCTP_CANT_STR_ASSOC:
			sctp_ev_down(ep, ac->sac_assoc_id, SCTP_DOWN_CANT_START);
			break;
		}
		break;
	}
	case SCTP_SEND_FAILED_EVENT:
		/* A message accepted by sctp_ep_send never reached the peer
		 * (its association went down): counted, never silent. */
		ep->st.send_errors++;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ stack --- */

static int stack_get(struct sctp_ep *ep)
{
	if (us.refs > 0) {
		if (ep->loop != us.loop)
			return sctp_ep_seterr(ep, -EINVAL,
					      "all usrsctp endpoints of a process share one ev loop");
		us.refs++;
		return 0;
	}
	if (!us.inited) {
		usrsctp_init_nothreads(0, us_output, NULL);
		us.inited = true;
	}
	us.refs = 1;
	us.loop = ep->loop;
	us.last_ms = mono_ms();
	ev_timer_init(&us.tick, tick_cb, US_TICK_S, US_TICK_S);
	ev_timer_start(us.loop, &us.tick);
	ev_unref(us.loop);       /* the endpoints' sockets keep the loop alive, not the tick */
	ev_prepare_init(&us.prep, prep_cb);
	ev_prepare_start(us.loop, &us.prep);
	ev_unref(us.loop);
	return 0;
}

static void stack_put(void)
{
	if (--us.refs)
		return;
	ev_ref(us.loop);
	ev_timer_stop(us.loop, &us.tick);
	ev_ref(us.loop);
	ev_prepare_stop(us.loop, &us.prep);
	/* Closed sockets free their endpoints once their aborts went out;
	 * give the stack's timers a few turns, then finish it. */
	for (int i = 0; i < 50 && us.inited; i++) {
		if (usrsctp_finish() == 0) {
			us.inited = false;
			break;
		}
		usrsctp_handle_timers(100);
	}
	if (!us.inited) {
		while (us.links) {
			struct sctp_us_link *l = us.links;

			us.links = l->next;
			free(l);
		}
		us.n_links = 0;
	}
	us.loop = NULL;
}

/* ---------------------------------------------------------- backend --- */

static int sopt(struct sctp_ep *ep, int level, int name, const void *v, socklen_t len,
		const char *what)
{
	if (usrsctp_setsockopt(ep->us_sock, level, name, v, len) < 0)
		return sctp_ep_seterr(ep, -errno, "usrsctp setsockopt %s: %s", what, strerror(errno));
	return 0;
}

static int configure(struct sctp_ep *ep)
{
	const struct sctp_cfg *c = &ep->cfg;
	int one = 1, rc, bufsz = US_SOCKBUF;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one), "SCTP_RECVRCVINFO")) ||
	    (rc = sopt(ep, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one), "SCTP_NODELAY")) ||
	    (rc = sopt(ep, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz), "SO_SNDBUF")) ||
	    (rc = sopt(ep, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz), "SO_RCVBUF")) ||
	    (rc = sopt(ep, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg), "SO_LINGER")))
		return rc;
	static const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_SEND_FAILED_EVENT };

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct sctp_event ev = { .se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = events[i], .se_on = 1 };

		if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev), "SCTP_EVENT")))
			return rc;
	}
	struct sctp_initmsg im = {
		.sinit_num_ostreams = c->ostreams, .sinit_max_instreams = c->istreams,
		.sinit_max_attempts = c->max_retrans,
	};
	if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im), "SCTP_INITMSG")))
		return rc;

	/* The AF_CONN path MTU defaults to 1280 bytes of SCTP packet; set it
	 * to what an Ethernet link carries after the IPv4 (and UDP) header so
	 * that large S1AP messages are fragmented by SCTP (RFC 9260 6.9), not
	 * in IP.  Heartbeats on (RFC 9260 8.3) with the configured interval. */
	struct sctp_paddrparams pp;

	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	pp.spp_flags = SPP_PMTUD_DISABLE | SPP_HB_ENABLE;
	pp.spp_pathmtu = US_MTU_ETH - 20 - (c->backend == SCTP_BACKEND_USRSCTP_UDP ? 8 : 0);
	pp.spp_hbinterval = c->hb_interval_ms;
	pp.spp_pathmaxrxt = c->max_retrans;
	if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp),
		       "SCTP_PEER_ADDR_PARAMS")))
		return rc;
	if (c->rto_initial_ms || c->rto_min_ms || c->rto_max_ms) {
		struct sctp_rtoinfo ri = {
			.srto_assoc_id = SCTP_FUTURE_ASSOC, .srto_initial = c->rto_initial_ms,
			.srto_min = c->rto_min_ms, .srto_max = c->rto_max_ms,
		};
		if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof(ri), "SCTP_RTOINFO")))
			return rc;
	}
	if (c->max_retrans) {
		struct sctp_assocparams ap = {
			.sasoc_assoc_id = SCTP_FUTURE_ASSOC, .sasoc_asocmaxrxt = c->max_retrans,
		};
		if ((rc = sopt(ep, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, sizeof(ap), "SCTP_ASSOCINFO")))
			return rc;
	}
	return 0;
}

static int bind_port(struct sctp_ep *ep)
{
	uint16_t want = ntohs(ep->cfg.local.sin_port);

	/* Port 0: pick an ephemeral port ourselves (RFC 6335 range), so that
	 * the receive filter knows it before the first packet. */
	for (int tries = 0; tries < 64; tries++) {
		uint16_t r = 0;

		if (!want && getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (uint16_t)(mono_ms() * 2654435761u >> 7);
		uint16_t port = want ? want : (uint16_t)(49152 + r % 16384);
		struct sockaddr_conn sc = { .sconn_family = AF_CONN, .sconn_port = htons(port) };

		if (usrsctp_bind(ep->us_sock, (struct sockaddr *)&sc, sizeof(sc)) == 0) {
			ep->lport = port;
			return 0;
		}
		if (want || errno != EADDRINUSE)
			return sctp_ep_seterr(ep, -errno, "bind SCTP port %u: %s", port,
					      strerror(errno));
	}
	return sctp_ep_seterr(ep, -EADDRINUSE, "no free ephemeral SCTP port");
}

int sctp_us_open(struct sctp_ep *ep)
{
	int rc = stack_get(ep);

	if (rc)
		return rc;
	rc = tp_open(ep, &ep->tp);
	if (rc) {
		stack_put();
		return rc;
	}
	ep->us_sock = usrsctp_socket(AF_CONN, SOCK_SEQPACKET, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!ep->us_sock) {
		rc = sctp_ep_seterr(ep, -errno, "usrsctp_socket: %s", strerror(errno));
		goto fail;
	}
	usrsctp_set_non_blocking(ep->us_sock, 1);
	if ((rc = configure(ep)) || (rc = bind_port(ep)))
		goto fail;
	usrsctp_set_upcall(ep->us_sock, upcall, ep);
	ep->next = us.eps;
	us.eps = ep;
	return 0;
fail:
	if (ep->us_sock)
		usrsctp_close(ep->us_sock);
	ep->us_sock = NULL;
	tp_put(ep->tp);
	ep->tp = NULL;
	stack_put();
	return rc;
}

int sctp_us_listen(struct sctp_ep *ep)
{
	if (!ep->us_sock)
		return -EINVAL;
	if (usrsctp_listen(ep->us_sock, 128) < 0)
		return sctp_ep_seterr(ep, -errno, "usrsctp_listen: %s", strerror(errno));
	return 0;
}

/* The local address toward `peer` when the endpoint is bound to any: the
 * one the routing table gives (a connected UDP socket tells it). */
static int route_src(struct sctp_ep *ep, const struct sockaddr_in *peer, struct in_addr *src)
{
	if (ep->cfg.local.sin_addr.s_addr != INADDR_ANY) {
		*src = ep->cfg.local.sin_addr;
		return 0;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = peer->sin_addr,
				  .sin_port = htons(9) };
	socklen_t sl = sizeof(sa);

	if (fd < 0)
		return sctp_ep_seterr(ep, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = errno;

		close(fd);
		return sctp_ep_seterr(ep, -e, "no route to %s: %s", inet_ntoa(peer->sin_addr),
				      strerror(e));
	}
	close(fd);
	*src = sa.sin_addr;
	return 0;
}

int sctp_us_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, int32_t *sys_id)
{
	struct in_addr src;
	int rc = route_src(ep, peer, &src);

	if (rc)
		return rc;
	uint16_t rport = ep->cfg.backend == SCTP_BACKEND_USRSCTP_UDP ? htons(ep->cfg.udp_remote_port) : 0;
	struct sctp_us_link *l = link_get(ep->cfg.backend, ep->tp->udp_port, src, peer->sin_addr, rport);

	if (!l)
		return sctp_ep_seterr(ep, -ENOMEM, "too many peers (%u paths)", US_LINKS_MAX);
	struct sockaddr_conn sc = { .sconn_family = AF_CONN, .sconn_port = peer->sin_port, .sconn_addr = l };
	/* usrsctp_connectx refuses AF_CONN addresses (EINVAL); connect, then
	 * ask for the association by its peer address. */
	if (usrsctp_connect(ep->us_sock, (struct sockaddr *)&sc, sizeof(sc)) < 0 &&
	    errno != EINPROGRESS)
		return sctp_ep_seterr(ep, -errno, "connect to %s:%u: %s",
				      inet_ntoa(peer->sin_addr), ntohs(peer->sin_port),
				      strerror(errno));
	sctp_assoc_t id = usrsctp_getassocid(ep->us_sock, (struct sockaddr *)&sc);

	if (id == 0)
		return sctp_ep_seterr(ep, -EIO, "connect to %s:%u: no association",
				      inet_ntoa(peer->sin_addr), ntohs(peer->sin_port));
	*sys_id = id;
	return 0;
}

int sctp_us_send(struct sctp_ep *ep, struct sctp_assoc *a, uint16_t stream, uint32_t ppid,
		 const void *buf, size_t len)
{
	struct sctp_sndinfo si = {
		.snd_sid = stream,
		.snd_ppid = htonl(ppid),   /* RFC 9260 3.3.1: carried as sent, network order */
		.snd_assoc_id = a->sys_id,
	};
	if (usrsctp_sendv(ep->us_sock, buf, len, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK || e == EAGAIN)
			return -EAGAIN;
		return sctp_ep_seterr(ep, -e, "send on association %u: %s", a->id, strerror(e));
	}
	return 0;
}

int sctp_us_end(struct sctp_ep *ep, struct sctp_assoc *a, bool abort)
{
	struct sctp_sndinfo si = {
		.snd_flags = abort ? SCTP_ABORT : SCTP_EOF,
		.snd_assoc_id = a->sys_id,
	};
	char none = 0;   /* usrsctp_sendv refuses a NULL buffer even with length 0 */

	if (usrsctp_sendv(ep->us_sock, &none, 0, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
		return sctp_ep_seterr(ep, -errno, "%s association %u: %s",
				      abort ? "abort" : "shut down", a->id, strerror(errno));
	return 0;
}

void sctp_us_close(struct sctp_ep *ep)
{
	if (!ep->tp)
		return;   /* open failed: nothing held */
	for (struct sctp_ep **pp = &us.eps; *pp; pp = &(*pp)->next) {
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	}
	if (ep->us_sock) {
		usrsctp_set_upcall(ep->us_sock, NULL, NULL);
		/* SO_LINGER 0: close aborts what is left (RFC 9260 9.1). */
		usrsctp_close(ep->us_sock);
		ep->us_sock = NULL;
	}
	tp_put(ep->tp);
	ep->tp = NULL;
	stack_put();
}

uint64_t sctp_us_filtered(const struct sctp_ep *ep)
{
	return ep->tp ? ep->tp->filtered : 0;
}
