/*
 * userspace/sctp/sctp_int.h — what the backends share (not a public API).
 *
 * sctp_path.c holds the backend-neutral half of an endpoint: the table of
 * associations (the library's ids against the backend's sctp_assoc_t), the
 * reassembly of messages delivered in parts, the statistics and the error
 * text.  sctp_usrsctp.c and sctp_kernel.c hold the rest; they cannot share
 * one file because usrsctp.h and <netinet/sctp.h> define the same names.
 */
#ifndef XEPC_SCTP_INT_H
#define XEPC_SCTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sctp/sctp_path.h"

/* Largest message we reassemble: S1AP messages are at most a few tens of
 * kB; a peer sending more has its association aborted (never truncated). */
#define SCTP_MSG_MAX (256u * 1024u)

struct sctp_assoc {
	uint32_t id;           /* ours: never reused within the endpoint */
	int32_t sys_id;        /* the backend's sctp_assoc_t */
	struct sockaddr_in peer;
	uint16_t ostreams, istreams;
	bool up;               /* assoc_up was reported */
	bool local_down;       /* we aborted it: report SCTP_DOWN_LOCAL */
};

struct sctp_ep {
	struct ev_loop *loop;
	struct sctp_cfg cfg;
	struct sctp_ops ops;
	void *arg;
	struct sctp_ep_stats st;
	char err[192];

	uint32_t next_id;
	struct sctp_assoc *assocs;
	size_t n_assocs, cap_assocs;

	uint8_t *rbuf;         /* reassembly of one message (no interleaving) */
	size_t rlen, rcap;
	size_t msg_max;        /* SCTP_MSG_MAX; tests lower it */

	unsigned busy;         /* > 0 while callbacks of this endpoint run */
	bool dead;             /* closed while busy: freed when busy drops to 0 */
	bool listening;

	/* usrsctp backends */
	void *us_sock;         /* struct socket * */
	struct sctp_us_transport *tp;
	uint16_t lport;        /* bound SCTP port, host order */
	bool readable;         /* set by the upcall, cleared by the drain */
	struct sctp_ep *next;  /* in the stack's list */

	/* kernel backend */
	int fd;
	ev_io io;
};

int sctp_ep_seterr(struct sctp_ep *ep, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct sctp_assoc *sctp_assoc_by_id(struct sctp_ep *ep, uint32_t id);
struct sctp_assoc *sctp_assoc_by_sys(struct sctp_ep *ep, int32_t sys_id);
struct sctp_assoc *sctp_assoc_new(struct sctp_ep *ep, int32_t sys_id);
void sctp_assoc_del(struct sctp_ep *ep, struct sctp_assoc *a);

/* Events from a backend, in the order they came; each runs the user's
 * callback.  They return false when the endpoint was closed inside the
 * callback (the caller must stop touching it and call sctp_ep_unbusy). */
bool sctp_ev_up(struct sctp_ep *ep, int32_t sys_id, const struct sockaddr_in *peer,
		uint16_t ostreams, uint16_t istreams, bool restart);
bool sctp_ev_down(struct sctp_ep *ep, int32_t sys_id, enum sctp_down_reason why);
bool sctp_ev_data(struct sctp_ep *ep, int32_t sys_id, uint16_t stream, uint32_t ppid,
		  const uint8_t *buf, size_t len);

/* Reassembly: room for up to `want` more bytes at ep->rbuf + ep->rlen
 * (fewer near ep->msg_max); -EMSGSIZE once a message reaches ep->msg_max. */
int sctp_rbuf_reserve(struct sctp_ep *ep, size_t want);

/* Callbacks of an endpoint are bracketed by busy/unbusy; unbusy frees an
 * endpoint closed meanwhile and returns false then. */
static inline void sctp_ep_busy(struct sctp_ep *ep) { ep->busy++; }
bool sctp_ep_unbusy(struct sctp_ep *ep);
void sctp_ep_free(struct sctp_ep *ep);

/* Backends. */
int sctp_us_open(struct sctp_ep *ep);
int sctp_us_listen(struct sctp_ep *ep);
int sctp_us_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, int32_t *sys_id);
int sctp_us_send(struct sctp_ep *ep, struct sctp_assoc *a, uint16_t stream, uint32_t ppid,
		 const void *buf, size_t len);
int sctp_us_end(struct sctp_ep *ep, struct sctp_assoc *a, bool abort);
void sctp_us_close(struct sctp_ep *ep);
uint64_t sctp_us_filtered(const struct sctp_ep *ep);

int sctp_k_open(struct sctp_ep *ep);
int sctp_k_listen(struct sctp_ep *ep);
int sctp_k_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, int32_t *sys_id);
int sctp_k_send(struct sctp_ep *ep, struct sctp_assoc *a, uint16_t stream, uint32_t ppid,
		const void *buf, size_t len);
int sctp_k_end(struct sctp_ep *ep, struct sctp_assoc *a, bool abort);
void sctp_k_close(struct sctp_ep *ep);

#endif /* XEPC_SCTP_INT_H */
