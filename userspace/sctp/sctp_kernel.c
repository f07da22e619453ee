/*
 * userspace/sctp/sctp_kernel.c — the kernel SCTP backend through libsctp.
 *
 * One one-to-many socket (RFC 6458 3: SOCK_SEQPACKET) per endpoint, non-
 * blocking, watched by an ev_io; associations are addressed by their
 * sctp_assoc_t (sctp_send with sinfo_assoc_id), messages and notifications
 * read with sctp_recvmsg.  Events come from the SCTP_EVENTS subscription
 * (association changes, data I/O info, send failures).
 *
 * Where the kernel has no SCTP, socket() fails with EPROTONOSUPPORT (or
 * ESOCKTNOSUPPORT) and sctp_ep_open says so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/sctp.h>

#include "sctp/sctp_int.h"

#define K_BUF 65536u
#define K_SOCKBUF (1024 * 1024)

static int kopt(struct sctp_ep *ep, int level, int name, const void *v, socklen_t len,
		const char *what)
{
	if (setsockopt(ep->fd, level, name, v, len) < 0)
		return sctp_ep_seterr(ep, -errno, "kernel SCTP setsockopt %s: %s", what,
				      strerror(errno));
	return 0;
}

static void k_notification(struct sctp_ep *ep, const uint8_t *buf, size_t len)
{
	union sctp_notification sn;

	if (len < sizeof(sn.sn_header))
		return;
	memset(&sn, 0, sizeof(sn));
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
			struct sockaddr *addrs = NULL;

			memset(&peer, 0, sizeof(peer));
			if (sctp_getpaddrs(ep->fd, ac->sac_assoc_id, &addrs) > 0 && addrs &&
			    addrs[0].sa_family == AF_INET)
				memcpy(&peer, addrs, sizeof(peer));
			if (addrs)
				sctp_freepaddrs(addrs);
			sctp_ev_up(ep, ac->sac_assoc_id, &peer, ac->sac_outbound_streams,
				   ac->sac_inbound_streams, ac->sac_state == SCTP_RESTART);
			break;
		}
		case SCTP_COMM_LOST: {
			/* RFC 6458 6.1.1: sac_info holds the peer's ABORT chunk. */
			bool aborted = len > sizeof(*ac) && buf[sizeof(*ac)] == 6;

			sctp_ev_down(ep, ac->sac_assoc_id, aborted ? SCTP_DOWN_ABORT : SCTP_DOWN_LOST);
			break;
		}
		case SCTP_SHUTDOWN_COMP:
			sctp_ev_down(ep, ac->sac_assoc_id, SCTP_DOWN_SHUTDOWN);
			break;
		case SCTP_CANT_STR_ASSOC:
			sctp_ev_down(ep, ac->sac_assoc_id, SCTP_DOWN_CANT_START);
			break;
		default:
			break;
		}
		break;
	}
	case SCTP_SEND_FAILED:
		ep->st.send_errors++;   /* accepted, never delivered: counted */
		break;
	default:
		break;
	}
}

static void k_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct sctp_ep *ep = w->data;
	bool discarding = false;

	sctp_ep_busy(ep);
	for (int i = 0; i < 256 && !ep->dead; i++) {
		if (sctp_rbuf_reserve(ep, K_BUF) < 0) {
			discarding = true;   /* over SCTP_MSG_MAX: abort it below */
			ep->rlen = 0;
			if (sctp_rbuf_reserve(ep, K_BUF) < 0)
				break;
		}
		struct sctp_sndrcvinfo si;
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		int flags = 0;

		memset(&si, 0, sizeof(si));
		int n = sctp_recvmsg(ep->fd, ep->rbuf + ep->rlen, ep->rcap - ep->rlen,
				     (struct sockaddr *)&from, &fromlen, &si, &flags);
		if (n <= 0)
			break;   /* EAGAIN: all read */
		ep->rlen += (size_t)n;
		if (!(flags & MSG_EOR))
			continue;
		size_t len = ep->rlen;

		ep->rlen = 0;
		if (flags & MSG_NOTIFICATION) {
			k_notification(ep, ep->rbuf, len);
		} else if (discarding) {
			discarding = false;
			struct sctp_assoc *a = sctp_assoc_by_sys(ep, si.sinfo_assoc_id);

			if (a && sctp_k_end(ep, a, true) == 0)
				a->local_down = true;
		} else {
			sctp_ev_data(ep, si.sinfo_assoc_id, si.sinfo_stream, ntohl(si.sinfo_ppid),
				     ep->rbuf, len);
		}
	}
	sctp_ep_unbusy(ep);
}

int sctp_k_open(struct sctp_ep *ep)
{
	const struct sctp_cfg *c = &ep->cfg;

	ep->fd = socket(AF_INET, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (ep->fd < 0) {
		int e = errno;

		if (e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT)
			return sctp_ep_seterr(ep, -e, "socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP): "
					      "%s (load the sctp module, or use usrsctp-raw)",
					      strerror(e));
		return sctp_ep_seterr(ep, -e, "kernel SCTP socket: %s", strerror(e));
	}
	int one = 1, rc, bufsz = K_SOCKBUF;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sctp_event_subscribe ev = {
		.sctp_data_io_event = 1, .sctp_association_event = 1, .sctp_send_failure_event = 1,
	};
	struct sctp_initmsg im = {
		.sinit_num_ostreams = c->ostreams, .sinit_max_instreams = c->istreams,
		.sinit_max_attempts = c->max_retrans,
	};
	if ((rc = kopt(ep, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev), "SCTP_EVENTS")) ||
	    (rc = kopt(ep, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im), "SCTP_INITMSG")) ||
	    (rc = kopt(ep, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one), "SCTP_NODELAY")) ||
	    (rc = kopt(ep, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz), "SO_SNDBUF")) ||
	    (rc = kopt(ep, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz), "SO_RCVBUF")) ||
	    (rc = kopt(ep, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg), "SO_LINGER")))
		return rc;

	/* Heartbeats on (RFC 9260 8.3); the kernel discovers the path MTU. */
	struct sctp_paddrparams pp;

	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	pp.spp_flags = SPP_HB_ENABLE;
	pp.spp_hbinterval = c->hb_interval_ms;
	pp.spp_pathmaxrxt = c->max_retrans;
	if ((rc = kopt(ep, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp),
		       "SCTP_PEER_ADDR_PARAMS")))
		return rc;
	if (c->rto_initial_ms || c->rto_min_ms || c->rto_max_ms) {
		struct sctp_rtoinfo ri = {
			.srto_assoc_id = SCTP_FUTURE_ASSOC, .srto_initial = c->rto_initial_ms,
			.srto_min = c->rto_min_ms, .srto_max = c->rto_max_ms,
		};
		if ((rc = kopt(ep, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof(ri), "SCTP_RTOINFO")))
			return rc;
	}
	if (c->max_retrans) {
		struct sctp_assocparams ap = {
			.sasoc_assoc_id = SCTP_FUTURE_ASSOC, .sasoc_asocmaxrxt = c->max_retrans,
		};
		if ((rc = kopt(ep, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, sizeof(ap), "SCTP_ASSOCINFO")))
			return rc;
	}
	struct sockaddr_in la = c->local;

	if (bind(ep->fd, (struct sockaddr *)&la, sizeof(la)) < 0)
		return sctp_ep_seterr(ep, -errno, "bind %s:%u: %s", inet_ntoa(la.sin_addr),
				      ntohs(la.sin_port), strerror(errno));
	ev_io_init(&ep->io, k_io_cb, ep->fd, EV_READ);
	ep->io.data = ep;
	ev_io_start(ep->loop, &ep->io);
	return 0;
}

int sctp_k_listen(struct sctp_ep *ep)
{
	if (ep->fd < 0)
		return -EINVAL;
	if (listen(ep->fd, 128) < 0)
		return sctp_ep_seterr(ep, -errno, "listen: %s", strerror(errno));
	return 0;
}

int sctp_k_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, int32_t *sys_id)
{
	struct sockaddr_in pa = *peer;
	sctp_assoc_t id = 0;

	if (ep->fd < 0)
		return -EINVAL;
	/* Non-blocking: EINPROGRESS, the id is known already (RFC 6458 9.9). */
	if (sctp_connectx(ep->fd, (struct sockaddr *)&pa, 1, &id) < 0 && errno != EINPROGRESS)
		return sctp_ep_seterr(ep, -errno, "connect to %s:%u: %s", inet_ntoa(pa.sin_addr),
				      ntohs(pa.sin_port), strerror(errno));
	*sys_id = id;
	return 0;
}

int sctp_k_send(struct sctp_ep *ep, struct sctp_assoc *a, uint16_t stream, uint32_t ppid,
		const void *buf, size_t len)
{
	struct sctp_sndrcvinfo si;

	memset(&si, 0, sizeof(si));
	si.sinfo_stream = stream;
	si.sinfo_ppid = htonl(ppid);
	si.sinfo_assoc_id = a->sys_id;
	if (sctp_send(ep->fd, buf, len, &si, MSG_DONTWAIT) < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK)
			return -EAGAIN;
		return sctp_ep_seterr(ep, -e, "send on association %u: %s", a->id, strerror(e));
	}
	return 0;
}

int sctp_k_end(struct sctp_ep *ep, struct sctp_assoc *a, bool abort)
{
	struct sctp_sndrcvinfo si;

	memset(&si, 0, sizeof(si));
	si.sinfo_flags = abort ? SCTP_ABORT : SCTP_EOF;
	si.sinfo_assoc_id = a->sys_id;
	if (sctp_send(ep->fd, "", 0, &si, MSG_DONTWAIT) < 0)
		return sctp_ep_seterr(ep, -errno, "%s association %u: %s",
				      abort ? "abort" : "shut down", a->id, strerror(errno));
	return 0;
}

void sctp_k_close(struct sctp_ep *ep)
{
	if (ep->fd < 0)
		return;
	ev_io_stop(ep->loop, &ep->io);
	close(ep->fd);   /* SO_LINGER 0: aborts what is left (RFC 6458 3.1.4) */
	ep->fd = -1;
}
