/*
 * userspace/sctp/sctp_path.h — one SCTP transport interface, three backends.
 *
 * The S1-MME transport (TS 36.412: SCTP, RFC 9260) of xepc-agwd and enbsim,
 * driven by a libev loop:
 *
 *   kernel       the kernel's SCTP through libsctp, one one-to-many socket
 *                (SOCK_SEQPACKET) per endpoint;
 *   usrsctp-raw  Debian's usrsctp in AF_CONN mode (no library threads for
 *                I/O), packets carried by our own raw IPv4 socket (protocol
 *                132) — talks to any real eNodeB on a kernel without SCTP;
 *   usrsctp-udp  the same over UDP encapsulation (RFC 6951), default port
 *                9899 both ways.
 *
 * The declarations are the API agreed between the gateway, enbsim and this
 * library, plus three constants (S1AP's PPID and port, the RFC 6951 port)
 * and the two clarifications below.  docs/sctp.md describes the semantics,
 * how to choose a backend and what was measured.
 *
 * Threading: everything runs on the loop given to sctp_ep_open.  The
 * usrsctp stack is per process (usrsctp has one global stack): all usrsctp
 * endpoints of a process share it and must use the same loop; it is
 * initialised by the first sctp_ep_open and finished by the last
 * sctp_ep_close.  That stack (in sctp_usrsctp.c) is the library's only
 * global state.
 *
 * Callbacks may call any function here, including sctp_ep_close on their
 * own endpoint (then no further callback of that endpoint runs).
 *
 * sctp_ep_open: when it fails after allocating, *out still holds the
 * endpoint so that sctp_ep_error() can say why; sctp_ep_close() it (safe
 * on NULL too).  Messages are at most 256 KiB (SCTP_MSG_MAX); a peer that
 * sends more has its association aborted, nothing is truncated.
 */
#ifndef XEPC_SCTP_PATH_H
#define XEPC_SCTP_PATH_H

#include <ev.h>            /* libev: the daemon's and enbsim's event loop */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define SCTP_PPID_S1AP 18u          /* TS 36.412 7: S1AP payload protocol identifier */
#define SCTP_PORT_S1AP 36412u       /* TS 36.412 7: the MME's SCTP port */
#define SCTP_UDP_ENCAPS_PORT 9899u  /* RFC 6951 5.1: IANA sctp-tunneling port */

enum sctp_backend {
	SCTP_BACKEND_KERNEL,       /* the kernel's SCTP through libsctp (one-to-many socket) */
	SCTP_BACKEND_USRSCTP_RAW,  /* usrsctp, AF_CONN, our own raw IPv4 socket (protocol 132) */
	SCTP_BACKEND_USRSCTP_UDP,  /* usrsctp, AF_CONN, UDP encapsulation (RFC 6951) */
};
const char *sctp_backend_str(enum sctp_backend b);               /* "kernel", "usrsctp-raw", "usrsctp-udp" */
int sctp_backend_parse(const char *s, enum sctp_backend *out);   /* -EINVAL on unknown */

struct sctp_cfg {
	enum sctp_backend backend;
	struct sockaddr_in local;       /* address + SCTP port to bind; port 0: any (client) */
	uint16_t udp_port;              /* usrsctp-udp: local UDP port (default 9899) */
	uint16_t udp_remote_port;       /* usrsctp-udp: the peer's UDP port (default 9899) */
	uint16_t ostreams, istreams;    /* requested streams (S1AP: >= 2; default 8) */
	uint32_t hb_interval_ms;        /* heartbeat interval (default 5000) */
	uint32_t rto_initial_ms, rto_min_ms, rto_max_ms;  /* 0: backend default */
	uint16_t max_retrans;           /* association max retransmissions; 0: default */
};
void sctp_cfg_init(struct sctp_cfg *cfg, enum sctp_backend b);  /* fills the defaults */

struct sctp_assoc_info {
	uint32_t id;                    /* the library's handle: unique within an endpoint, never reused */
	struct sockaddr_in peer;        /* the peer's primary address and SCTP port */
	uint16_t ostreams, istreams;    /* negotiated */
};
enum sctp_down_reason { SCTP_DOWN_SHUTDOWN, SCTP_DOWN_ABORT, SCTP_DOWN_LOST, SCTP_DOWN_CANT_START, SCTP_DOWN_LOCAL };
const char *sctp_down_reason_str(enum sctp_down_reason r);

/* Callbacks run on the endpoint's ev loop thread, never re-entrantly from sctp_ep_send. */
struct sctp_ops {
	void (*assoc_up)(void *arg, const struct sctp_assoc_info *a);
	void (*assoc_restart)(void *arg, const struct sctp_assoc_info *a);  /* peer restarted (same id) */
	void (*assoc_down)(void *arg, uint32_t assoc_id, enum sctp_down_reason why);
	void (*data)(void *arg, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
		     const uint8_t *buf, size_t len);
};

struct sctp_ep;
int  sctp_ep_open(struct ev_loop *loop, const struct sctp_cfg *cfg, const struct sctp_ops *ops,
		  void *arg, struct sctp_ep **out);          /* binds; -errno with sctp_ep_error() text */
int  sctp_ep_listen(struct sctp_ep *ep);                 /* server: accept associations */
int  sctp_ep_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, uint32_t *assoc_id);
                                                         /* client: outcome via assoc_up / assoc_down */
int  sctp_ep_send(struct sctp_ep *ep, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
		  const void *buf, size_t len);           /* 0, -ENOTCONN, -EINVAL (stream), -EAGAIN */
int  sctp_ep_shutdown(struct sctp_ep *ep, uint32_t assoc_id);  /* graceful */
int  sctp_ep_abort(struct sctp_ep *ep, uint32_t assoc_id);
void sctp_ep_close(struct sctp_ep *ep);                  /* aborts what is left, frees */
const char *sctp_ep_error(const struct sctp_ep *ep);
struct sctp_ep_stats { uint64_t assocs_up, assocs_down, msgs_in, msgs_out, bytes_in, bytes_out, send_errors, pkts_filtered; };
void sctp_ep_stats_get(const struct sctp_ep *ep, struct sctp_ep_stats *st);

#endif /* XEPC_SCTP_PATH_H */
