/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dp_mtu.h — downlink packets that would exceed the S1-U MTU once
 * encapsulated (xepc_config.s1u_mtu; docs/datapath.md "S1-U MTU").
 *
 * XDP and TC cannot turn one packet into two, so such a packet (inner DF
 * clear) is handed to userspace whole, in an XEPC_EV_OVERSIZE record of
 * xepc_pktbuf, and the follower sends it as fragments of the outer IPv4
 * header (TS 29.281 / RFC 791: the eNB reassembles).  Inner DF set: ICMP
 * Fragmentation Needed to the sender instead (RFC 1191), in xdp_sgi.
 * Include after dp_common.h.
 */
#ifndef XEPC_DP_MTU_H
#define XEPC_DP_MTU_H

#define XEPC_GTPU_OVERHEAD	36	/* outer IPv4 20 + UDP 8 + GTP-U 8 */

/* Would the inner packet of len bytes exceed the S1-U MTU once
 * encapsulated? */
static __always_inline int over_s1u_mtu(const struct xepc_config *cfg, __u32 len)
{
	return cfg->s1u_mtu && len + XEPC_GTPU_OVERHEAD > cfg->s1u_mtu;
}

/* The same with ovh bytes of encapsulation (56 over IPv6, outer6.h). */
static __always_inline int over_s1u_mtu_ovh(const struct xepc_config *cfg, __u32 len,
					    __u32 ovh)
{
	return cfg->s1u_mtu && len + ovh > cfg->s1u_mtu;
}

/* First half: a record of type (XEPC_EV_OVERSIZE, XEPC_EV_TO_STACK) for the
 * packet (len bytes), or XEPC_DROP_MTU when it cannot be handed over
 * (larger than a record, ring full). */
static __always_inline int oversize_begin(const struct xepc_config *cfg, __u32 sid,
					  const struct xepc_session *s, __u32 len,
					  struct xepc_ev_buffered **rec, __u16 type)
{
	struct xepc_ev_buffered *r;

	if (len < 1 || len > XEPC_BUF_PKT_MAX)
		return XEPC_DROP_MTU;
	r = bpf_ringbuf_reserve(&xepc_pktbuf, sizeof(*r), 0);
	if (!r)
		return XEPC_DROP_MTU;
	ev_hdr(&r->hdr, type, sid, s, dp_now(cfg));
	r->len = len;
	r->ue_addr = s->ue_addr;
	*rec = r;
	return 0;
}

/* Second half: err = the copy's result.  0 or XEPC_DROP_MTU. */
static __always_inline int oversize_end(struct xepc_ev_buffered *rec, long err)
{
	if (err) {
		bpf_ringbuf_discard(rec, 0);
		return XEPC_DROP_MTU;
	}
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

#endif /* XEPC_DP_MTU_H */
