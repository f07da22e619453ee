/*
 * userspace/sctp/sctp_kernel.c — the kernel SCTP backend through libsctp.
 */
#include <errno.h>

#include "sctp/sctp_int.h"

int sctp_k_open(struct sctp_ep *ep)
{
	return sctp_ep_seterr(ep, -EPROTONOSUPPORT, "kernel backend not built yet");
}
int sctp_k_listen(struct sctp_ep *ep) { (void)ep; return -EPROTONOSUPPORT; }
int sctp_k_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, int32_t *sys_id)
{ (void)ep; (void)peer; (void)sys_id; return -EPROTONOSUPPORT; }
int sctp_k_send(struct sctp_ep *ep, struct sctp_assoc *a, uint16_t stream, uint32_t ppid,
		const void *buf, size_t len)
{ (void)ep; (void)a; (void)stream; (void)ppid; (void)buf; (void)len; return -EPROTONOSUPPORT; }
int sctp_k_end(struct sctp_ep *ep, struct sctp_assoc *a, bool abort)
{ (void)ep; (void)a; (void)abort; return -EPROTONOSUPPORT; }
void sctp_k_close(struct sctp_ep *ep) { (void)ep; }
