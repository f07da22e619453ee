/*
 * userspace/sctp/sctp_path.c — the backend-neutral half of an SCTP endpoint:
 * names, defaults, the association table, event delivery, statistics.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sctp/sctp_int.h"

static const char *const backend_names[] = {
	[SCTP_BACKEND_KERNEL] = "kernel",
	[SCTP_BACKEND_USRSCTP_RAW] = "usrsctp-raw",
	[SCTP_BACKEND_USRSCTP_UDP] = "usrsctp-udp",
};

const char *sctp_backend_str(enum sctp_backend b)
{
	if ((unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]))
		return backend_names[b];
	return "unknown";
}

int sctp_backend_parse(const char *s, enum sctp_backend *out)
{
	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (strcmp(s, backend_names[i]) == 0) {
			*out = (enum sctp_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sctp_down_reason_str(enum sctp_down_reason r)
{
	switch (r) {
	case SCTP_DOWN_SHUTDOWN: return "shutdown";
	case SCTP_DOWN_ABORT: return "abort";
	case SCTP_DOWN_LOST: return "lost";
	case SCTP_DOWN_CANT_START: return "cant-start";
	case SCTP_DOWN_LOCAL: return "local";
	}
	return "unknown";
}

void sctp_cfg_init(struct sctp_cfg *cfg, enum sctp_backend b)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = b;
	cfg->local.sin_family = AF_INET;
	cfg->udp_port = SCTP_UDP_ENCAPS_PORT;
	cfg->udp_remote_port = SCTP_UDP_ENCAPS_PORT;
	cfg->ostreams = 8;
	cfg->istreams = 8;
	cfg->hb_interval_ms = 5000;
}

int sctp_ep_seterr(struct sctp_ep *ep, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ep->err, sizeof(ep->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *sctp_ep_error(const struct sctp_ep *ep)
{
	return ep ? ep->err : "no endpoint";
}

/* ------------------------------------------------------ associations --- */

struct sctp_assoc *sctp_assoc_by_id(struct sctp_ep *ep, uint32_t id)
{
	for (size_t i = 0; i < ep->n_assocs; i++)
		if (ep->assocs[i].id == id)
			return &ep->assocs[i];
	return NULL;
}

struct sctp_assoc *sctp_assoc_by_sys(struct sctp_ep *ep, int32_t sys_id)
{
	for (size_t i = 0; i < ep->n_assocs; i++)
		if (ep->assocs[i].sys_id == sys_id)
			return &ep->assocs[i];
	return NULL;
}

struct sctp_assoc *sctp_assoc_new(struct sctp_ep *ep, int32_t sys_id)
{
	if (ep->n_assocs == ep->cap_assocs) {
		size_t cap = ep->cap_assocs ? 2 * ep->cap_assocs : 8;
		struct sctp_assoc *n = realloc(ep->assocs, cap * sizeof(*n));

		if (!n)
			return NULL;
		ep->assocs = n;
		ep->cap_assocs = cap;
	}
	struct sctp_assoc *a = &ep->assocs[ep->n_assocs++];

	memset(a, 0, sizeof(*a));
	a->id = ++ep->next_id;
	a->sys_id = sys_id;
	return a;
}

void sctp_assoc_del(struct sctp_ep *ep, struct sctp_assoc *a)
{
	size_t i = (size_t)(a - ep->assocs);

	ep->assocs[i] = ep->assocs[--ep->n_assocs];
}

/* ------------------------------------------------------------ events --- */

bool sctp_ep_unbusy(struct sctp_ep *ep)
{
	if (--ep->busy == 0 && ep->dead) {
		sctp_ep_free(ep);
		return false;
	}
	return !ep->dead;
}

bool sctp_ev_up(struct sctp_ep *ep, int32_t sys_id, const struct sockaddr_in *peer,
		uint16_t ostreams, uint16_t istreams, bool restart)
{
	struct sctp_assoc *a = sctp_assoc_by_sys(ep, sys_id);

	if (!a) {
		a = sctp_assoc_new(ep, sys_id);
		if (!a)
			return true;   /* out of memory: the association stays unknown */
	}
	if (peer && peer->sin_family == AF_INET)
		a->peer = *peer;
	a->ostreams = ostreams;
	a->istreams = istreams;

	struct sctp_assoc_info info = {
		.id = a->id, .peer = a->peer, .ostreams = ostreams, .istreams = istreams,
	};
	/* RFC 9260 5.2.4: a restart keeps the association (and our id); an
	 * application that never saw it up gets assoc_up instead. */
	bool was_up = a->up;

	a->up = true;
	if (!was_up)
		ep->st.assocs_up++;
	if (restart && was_up) {
		if (ep->ops.assoc_restart)
			ep->ops.assoc_restart(ep->arg, &info);
	} else if (ep->ops.assoc_up) {
		ep->ops.assoc_up(ep->arg, &info);
	}
	return !ep->dead;
}

bool sctp_ev_down(struct sctp_ep *ep, int32_t sys_id, enum sctp_down_reason why)
{
	struct sctp_assoc *a = sctp_assoc_by_sys(ep, sys_id);

	if (!a)
		return true;
	uint32_t id = a->id;

	if (a->local_down)
		why = SCTP_DOWN_LOCAL;
	if (a->up)
		ep->st.assocs_down++;
	sctp_assoc_del(ep, a);
	if (ep->ops.assoc_down)
		ep->ops.assoc_down(ep->arg, id, why);
	return !ep->dead;
}

bool sctp_ev_data(struct sctp_ep *ep, int32_t sys_id, uint16_t stream, uint32_t ppid,
		  const uint8_t *buf, size_t len)
{
	struct sctp_assoc *a = sctp_assoc_by_sys(ep, sys_id);

	if (!a || !a->up)
		return true;   /* data before COMM_UP cannot happen; ignore it */
	ep->st.msgs_in++;
	ep->st.bytes_in += len;
	if (ep->ops.data)
		ep->ops.data(ep->arg, a->id, stream, ppid, buf, len);
	return !ep->dead;
}

int sctp_rbuf_reserve(struct sctp_ep *ep, size_t want)
{
	if (ep->rlen + want > ep->msg_max)
		want = ep->msg_max - ep->rlen;
	if (want == 0)
		return -EMSGSIZE;
	if (ep->rcap - ep->rlen >= want)
		return 0;
	size_t cap = ep->rcap ? ep->rcap : 16384;

	while (cap - ep->rlen < want)
		cap *= 2;
	if (cap > ep->msg_max)
		cap = ep->msg_max;
	uint8_t *n = realloc(ep->rbuf, cap);

	if (!n)
		return -ENOMEM;
	ep->rbuf = n;
	ep->rcap = cap;
	return 0;
}

/* ---------------------------------------------------------- the API ---- */

static bool is_usrsctp(const struct sctp_ep *ep)
{
	return ep->cfg.backend != SCTP_BACKEND_KERNEL;
}

int sctp_ep_open(struct ev_loop *loop, const struct sctp_cfg *cfg, const struct sctp_ops *ops,
		 void *arg, struct sctp_ep **out)
{
	*out = NULL;
	if (!loop || !cfg || !ops)
		return -EINVAL;
	struct sctp_ep *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return -ENOMEM;
	ep->loop = loop;
	ep->cfg = *cfg;
	ep->ops = *ops;
	ep->arg = arg;
	ep->fd = -1;
	ep->msg_max = SCTP_MSG_MAX;
	*out = ep;   /* returned even on failure, for sctp_ep_error(); close it */

	if (cfg->local.sin_family != AF_INET)
		return sctp_ep_seterr(ep, -EAFNOSUPPORT, "local address is not IPv4");
	if (cfg->ostreams == 0 || cfg->istreams == 0)
		return sctp_ep_seterr(ep, -EINVAL, "ostreams and istreams must be at least 1");
	if (cfg->rto_min_ms && cfg->rto_max_ms && cfg->rto_min_ms > cfg->rto_max_ms)
		return sctp_ep_seterr(ep, -EINVAL, "rto_min_ms %u is above rto_max_ms %u",
				      cfg->rto_min_ms, cfg->rto_max_ms);
	switch (cfg->backend) {
	case SCTP_BACKEND_KERNEL:
		return sctp_k_open(ep);
	case SCTP_BACKEND_USRSCTP_RAW:
	case SCTP_BACKEND_USRSCTP_UDP:
		return sctp_us_open(ep);
	}
	return sctp_ep_seterr(ep, -EINVAL, "unknown backend %d", (int)cfg->backend);
}

int sctp_ep_listen(struct sctp_ep *ep)
{
	if (!ep || ep->dead)
		return -EINVAL;
	int rc = is_usrsctp(ep) ? sctp_us_listen(ep) : sctp_k_listen(ep);

	if (rc == 0)
		ep->listening = true;
	return rc;
}

int sctp_ep_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, uint32_t *assoc_id)
{
	if (!ep || ep->dead || !peer)
		return -EINVAL;
	if (peer->sin_family != AF_INET || peer->sin_port == 0)
		return sctp_ep_seterr(ep, -EINVAL, "peer must be an IPv4 address with a port");
	int32_t sys_id = 0;
	int rc = is_usrsctp(ep) ? sctp_us_connect(ep, peer, &sys_id)
				: sctp_k_connect(ep, peer, &sys_id);

	if (rc < 0)
		return rc;
	struct sctp_assoc *a = sctp_assoc_by_sys(ep, sys_id);

	if (!a)
		a = sctp_assoc_new(ep, sys_id);
	if (!a)
		return sctp_ep_seterr(ep, -ENOMEM, "out of memory");
	a->peer = *peer;
	if (assoc_id)
		*assoc_id = a->id;
	return 0;
}

int sctp_ep_send(struct sctp_ep *ep, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
		 const void *buf, size_t len)
{
	if (!ep || ep->dead)
		return -EINVAL;
	struct sctp_assoc *a = sctp_assoc_by_id(ep, assoc_id);

	if (!a || !a->up || a->local_down)
		return -ENOTCONN;
	if (stream >= a->ostreams)
		return -EINVAL;   /* RFC 9260 6.5: stream ids below the negotiated count */
	if (len == 0 || len > SCTP_MSG_MAX)
		return -EMSGSIZE;
	int rc = is_usrsctp(ep) ? sctp_us_send(ep, a, stream, ppid, buf, len)
				: sctp_k_send(ep, a, stream, ppid, buf, len);

	if (rc == 0) {
		ep->st.msgs_out++;
		ep->st.bytes_out += len;
	} else if (rc != -EAGAIN) {
		ep->st.send_errors++;
	}
	return rc;
}

static int end_assoc(struct sctp_ep *ep, uint32_t assoc_id, bool abort)
{
	if (!ep || ep->dead)
		return -EINVAL;
	struct sctp_assoc *a = sctp_assoc_by_id(ep, assoc_id);

	if (!a)
		return -ENOTCONN;
	int rc = is_usrsctp(ep) ? sctp_us_end(ep, a, abort) : sctp_k_end(ep, a, abort);

	if (rc == 0 && abort)
		a->local_down = true;
	return rc;
}

int sctp_ep_shutdown(struct sctp_ep *ep, uint32_t assoc_id)
{
	return end_assoc(ep, assoc_id, false);
}

int sctp_ep_abort(struct sctp_ep *ep, uint32_t assoc_id)
{
	return end_assoc(ep, assoc_id, true);
}

void sctp_ep_free(struct sctp_ep *ep)
{
	free(ep->assocs);
	free(ep->rbuf);
	free(ep);
}

void sctp_ep_close(struct sctp_ep *ep)
{
	if (!ep || ep->dead)
		return;
	if (is_usrsctp(ep))
		sctp_us_close(ep);
	else
		sctp_k_close(ep);
	ep->dead = true;
	if (ep->busy == 0)
		sctp_ep_free(ep);
}

void sctp_ep_stats_get(const struct sctp_ep *ep, struct sctp_ep_stats *st)
{
	*st = ep->st;
	if (is_usrsctp(ep))
		st->pkts_filtered = sctp_us_filtered(ep);
}
