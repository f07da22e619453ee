// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_sgi — XDP on the SGi interface, routed mode: downlink.
 *
 * Packet walk (docs/datapath.md "downlink"):
 *   Ethernet [802.1Q] / IPv4 to a UE address
 *     session by UE address (exact match) -> portal reply restore -> policy
 *     -> idle UE: downlink-data event + packet kept in xepc_pktbuf
 *     -> tunnel4_out(): bpf_fib_lookup (route cache), encapsulate
 *        IPv4/UDP/GTP-U toward the eNB (encap()), bpf_redirect (no
 *        neighbour/MTU: to userspace, which sends it through the stack)
 *   Ethernet [802.1Q] / IPv6 to a UE's /64 -> downlink6(), the same walk
 *   a UE whose eNB is on IPv6 (XEPC_SF_ENB6) -> the same walk in
 *   xdp_sgi_ipv6, encapsulated in IPv6/UDP/GTP-U (tunnel6_out(), encap6())
 *   The two walks share the policy step (dl_policy(), dp_common.h), the
 *   idle buffer, the two tunnel tails and encap_room().
 *   anything not for a UE -> XDP_PASS
 */
#include "dp_common.h"
#include "dp_mtu.h"
#include "icmp.h"
#include "ipv6.h"
#include "outer6.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The packet (len bytes at off) into the idle buffer (idle_begin()).  The
 * length is hidden from the compiler after its range check, so that
 * buf_len()'s mask stays in the code and the verifier bounds the copy by
 * it (otherwise the compiler may drop the mask, as it did in the IPv6
 * walk, and the verifier sees a copy of up to 64 KiB); oversize_to_user()
 * likewise.
 */
static __always_inline int buffer_packet(struct xdp_md *ctx,
					 const struct xepc_config *cfg,
					 __u32 sid, const struct xepc_session *s,
					 __u32 off, __u32 len)
{
	struct xepc_ev_buffered *rec = NULL;
	int rc;

	rc = idle_begin(cfg, sid, s, len, &rec);
	if (rc)
		return rc;
	if (len < 1 || len > XEPC_BUF_PKT_MAX)	/* bounds the copy */
		return idle_end(sid, rec, -1);
	asm volatile("" : "+r"(len));
	return idle_end(sid, rec, bpf_xdp_load_bytes(ctx, off, rec->data, buf_len(len)));
}

/*
 * Room for ovh bytes of outer headers (a constant) in front of the inner
 * packet of len bytes at l2len: Ethernet padding trimmed, the head moved,
 * the new Ethernet header written (dmac, smac, proto).  Returns where the
 * outer headers go (ovh bytes there checked), or NULL.  encap() and
 * encap6() then write theirs.
 */
static __always_inline void *encap_room(struct xdp_md *ctx, __u32 l2len, __u32 len,
					const __u32 ovh, __be16 proto, const __u8 *dmac,
					const __u8 *smac)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 have = end - data;
	struct ethhdr *eth;
	int delta;

	if (have > l2len + len && bpf_xdp_adjust_tail(ctx, -(int)(have - l2len - len)))
		return NULL;
	delta = (int)l2len - (int)(sizeof(struct ethhdr) + ovh);
	if (bpf_xdp_adjust_head(ctx, delta))
		return NULL;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) + ovh > end)
		return NULL;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = proto;
	return eth + 1;
}

/*
 * The frame becomes Ethernet (dmac, smac) / outer IPv4 / UDP / GTP-U /
 * the inner packet of len bytes at l2len (encap_room(), 36 bytes), the
 * headers written.  A drop reason or 0.
 */
static __always_inline int encap(struct xdp_md *ctx,
				 const struct xepc_config *cfg,
				 const struct xepc_session *s, __u32 l2len,
				 __u32 len, __u8 tos, const __u8 *dmac,
				 const __u8 *smac)
{
	void *ip = encap_room(ctx, l2len, len, XEPC_GTPU_OVERHEAD, bpf_htons(ETH_P_IP),
			      dmac, smac);

	if (!ip)
		return XEPC_DROP_ADJUST;
	gtpu_encap_hdrs(ip, cfg, s, len, tos);
	return 0;
}

/* The packet, over the S1-U MTU once encapsulated, to userspace, which
 * fragments the outer header (dp_mtu.h).  0 or a drop reason. */
static __always_inline int oversize_to_user(struct xdp_md *ctx,
					    const struct xepc_config *cfg,
					    __u32 sid, const struct xepc_session *s,
					    __u32 off, __u32 len, __u16 type)
{
	struct xepc_ev_buffered *rec = NULL;
	int rc;

	rc = oversize_begin(cfg, sid, s, len, &rec, type);
	if (rc)
		return rc;
	asm volatile("" : "+r"(len));	/* as in buffer_packet() */
	return oversize_end(rec, bpf_xdp_load_bytes(ctx, off, rec->data, buf_len(len)));
}

/*
 * ICMP Fragmentation Needed and DF Set (RFC 792 type 3 code 4) with the
 * next-hop MTU (RFC 1191 4): s1u_mtu less the 36 bytes of encapsulation,
 * to the sender of a DF packet that would exceed the S1-U MTU, from
 * gtpu_addr, sent back where it came from with XDP_TX.
 *   in:  L2 | IPv4 (ihl) ...
 *   out: L2 (MACs swapped, tag kept) | IPv4 | ICMP | header + 64 bits
 */
static __always_inline int frag_needed_reply(struct xdp_md *ctx,
					     const struct xepc_config *cfg,
					     __u32 l2len, __u32 ihl, __u32 len,
					     __be32 to, __u32 ovh)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN], *icmp;
	__u32 quote = icmp_quote_len(len, ihl), have;
	__u16 mtu = cfg->s1u_mtu - ovh;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__be16 tci = 0;

	int rc = l2_save(data, end, l2len, dmac, smac, &tci);

	if (rc)
		return rc;
	/* 28 bytes more in front: the quoted header stays where it is */
	if (bpf_xdp_adjust_head(ctx, -28))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	have = end - data;
	if (have != l2len + 28 + quote &&
	    bpf_xdp_adjust_tail(ctx, (int)(l2len + 28 + quote) - (int)have))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)eth + 18 + 28 > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(eth->h_dest, smac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dmac, ETH_ALEN);
	if (l2len == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		eth->h_proto = bpf_htons(ETH_P_8021Q_);
		vh->tci = tci;
		vh->proto = bpf_htons(ETH_P_IP);
		ip = (void *)(vh + 1);
	} else {
		eth->h_proto = bpf_htons(ETH_P_IP);
		ip = (void *)(eth + 1);
	}
	if ((void *)ip + 28 > end)
		return XEPC_DROP_ADJUST;
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(28 + quote);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = cfg->gtpu_addr;
	ip->daddr = to;
	ip->check = ipv4_csum20(ip);
	icmp = (void *)(ip + 1);
	icmp[0] = 3;		/* Destination Unreachable */
	icmp[1] = 4;		/* fragmentation needed and DF set */
	icmp[2] = icmp[3] = 0;
	icmp[4] = icmp[5] = 0;
	*(__be16 *)(icmp + 6) = bpf_htons(mtu);	/* RFC 1191 4 */
	if (!icmp_csum(icmp, quote, end, bpf_htons(3 << 8 | 4) + bpf_htons(mtu),
		       (__u16 *)(icmp + 2)))
		return XEPC_DROP_ADJUST;
	return 0;
}

/*
 * encap() over IPv6 (outer6.h): Ethernet (dmac, smac) / IPv6 src -> dst /
 * UDP 2152 with its checksum (RFC 8200 8.1) / GTP-U / the inner packet of
 * len bytes at l2len.  A drop reason or 0.
 */
static __always_inline int encap6(struct xdp_md *ctx,
				  const struct xepc_config *cfg,
				  const struct xepc_session *s,
				  const struct xepc_s1u6 *src,
				  const struct xepc_s1u6 *dst, __u32 l2len,
				  __u32 len, __u8 tclass, const __u8 *dmac,
				  const __u8 *smac)
{
	__u8 *ip = encap_room(ctx, l2len, len, XEPC_GTPU6_OVERHEAD, bpf_htons(ETH_P_IPV6_),
			      dmac, smac);

	if (!ip)
		return XEPC_DROP_ADJUST;
	gtpu_encap_hdrs6(ip, cfg, src->addr, dst->addr, s->teid_remote, len, tclass);
	if (udp6_csum_set(ctx, ip))
		return XEPC_DROP_ADJUST;
	return 0;
}

/*
 * The last steps of the downlink for a session whose eNB is on IPv6
 * (XEPC_SF_ENB6; docs/datapath.md "IPv6 on S1-U"), the inner packet (IPv4
 * or IPv6, len bytes at off) counted and its TTL/hop limit decremented:
 * over the S1-U MTU (56 bytes of encapsulation) to userspace, which sends
 * it through its IPv6 socket (the kernel fragments: RFC 8200 5, the
 * source does); else bpf_fib_lookup (AF_INET6; no route cache: IPv4
 * only) and encap6(), or userspace when the eNB has no neighbour entry
 * yet.  Returns -(action) - 1, or a drop reason (the caller undoes the
 * usage).
 */
static __always_inline int tunnel6_out(struct xdp_md *ctx,
				       const struct xepc_config *cfg,
				       const struct xepc_session *s, __u32 sid,
				       __u32 off, __u32 len, __u8 tclass)
{
	const struct xepc_s1u6 *src = s1u6_local(), *dst = s1u6_enb(sid, s);
	struct route_res rt;
	int rc;

	if (!src || !dst)
		return XEPC_DROP_NO_S1U6;
	if (over_s1u_mtu_ovh(cfg, len, XEPC_GTPU6_OVERHEAD)) {
		rc = oversize_to_user(ctx, cfg, sid, s, off, len, XEPC_EV_OVERSIZE);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FRAG_USER, len);
		return -XDP_DROP - 1;	/* consumed: userspace sends it */
	}
	rc = route6_fib(ctx, ctx->ingress_ifindex, src->addr, dst->addr,
			len + XEPC_GTPU6_OVERHEAD, tclass, IPPROTO_UDP, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		rc = encap6(ctx, cfg, s, src, dst, off, len, tclass, rt.dmac, rt.smac);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FWD, len);
		stat_cnt(XEPC_CNT_DL_ENB6, len);
		return -(int)bpf_redirect(rt.ifindex, 0) - 1;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH || rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		/* as over IPv4: a G-PDU through the follower's socket */
		int r2 = oversize_to_user(ctx, cfg, sid, s, off, len, XEPC_EV_TO_STACK);

		if (r2)
			return r2;
		stat_cnt(rc == BPF_FIB_LKUP_RET_NO_NEIGH ?
			 XEPC_CNT_DL_NO_NEIGH_PASS : XEPC_CNT_DL_FRAG_NEEDED_PASS, len);
		return -XDP_DROP - 1;
	}
	return rc < 0 ? XEPC_DROP_FIB_OTHER : fib_drop_reason(rc);
}

/*
 * tunnel6_out()'s twin for an eNB on IPv4, the inner packet (IPv4 or IPv6,
 * len bytes at off) counted and its TTL/hop limit decremented: over the
 * S1-U MTU to userspace, which sends it as outer IPv4 fragments (a DF
 * IPv4 packet was answered before); else the route to the eNB first (it
 * depends on the eNB, not on the new headers: the forwarding path then
 * writes the next hop's addresses once) and encap(), or userspace when
 * the eNB has no neighbour yet or the route's MTU is smaller.  Returns
 * -(action) - 1, or a drop reason (the caller undoes the usage).
 */
static __always_inline int tunnel4_out(struct xdp_md *ctx,
				       const struct xepc_config *cfg,
				       const struct xepc_session *s, __u32 sid,
				       __u32 off, __u32 len, __u8 tos)
{
	struct route_res rt;
	int rc;

	if (over_s1u_mtu(cfg, len)) {
		rc = oversize_to_user(ctx, cfg, sid, s, off, len, XEPC_EV_OVERSIZE);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FRAG_USER, len);
		return -XDP_DROP - 1;	/* consumed: userspace sends it */
	}
	rc = route_to_enb(ctx, cfg, ctx->ingress_ifindex, s, len, tos, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		rc = encap(ctx, cfg, s, off, len, tos, rt.dmac, rt.smac);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FWD, len);
		return -(int)bpf_redirect(rt.ifindex, 0) - 1;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH || rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		/* The kernel has to resolve the eNB's neighbour or fragment
		 * the outer packet.  Handed to it as received on SGi, the
		 * G-PDU (source: our own gtpu_addr) is a martian and dropped
		 * (fib_validate_source without accept_local), on a VLAN SGi
		 * even on the wrong device; so the follower sends it as a
		 * G-PDU through its socket, which goes through the kernel's
		 * output path: neighbour resolution, fragmentation, any
		 * egress device (VLAN, bond) */
		int r2 = oversize_to_user(ctx, cfg, sid, s, off, len, XEPC_EV_TO_STACK);

		if (r2)
			return r2;
		stat_cnt(rc == BPF_FIB_LKUP_RET_NO_NEIGH ?
			 XEPC_CNT_DL_NO_NEIGH_PASS : XEPC_CNT_DL_FRAG_NEEDED_PASS, len);
		return -XDP_DROP - 1;	/* consumed: userspace sends it */
	}
	return rc < 0 ? XEPC_DROP_FIB_OTHER : fib_drop_reason(rc);
}

/* allow6: 1 in xdp_sgi_ipv6, which takes the sessions whose eNB is on
 * IPv6; 0 in xdp_sgi, which tail-calls it for them. */
static __always_inline int downlink(struct xdp_md *ctx,
				    const struct xepc_config *cfg,
				    const struct l2_info *l2, struct iphdr *iph,
				    __u32 ihl, __u32 *sid_out, const int allow6)
{
	void *end = (void *)(long)ctx->data_end;
	__u32 sid = 0, len = bpf_ntohs(iph->tot_len), ovh;
	__u8 tos;
	struct xepc_session *s, scopy;
	struct verdict v = {};
	struct flow f = {};
	__be32 daddr = iph->daddr;
	int rc;

	s = ue_session(cfg, daddr, &sid, &scopy);
	if (!s)
		return -XDP_PASS - 1;
	*sid_out = sid;
	if (!allow6 && (s->flags & XEPC_SF_ENB6)) {
		/* its eNB is on IPv6: the walk continues in xdp_sgi_ipv6 */
		bpf_tail_call(ctx, &xepc_tail6, XEPC_TAIL6_SGI);
		return XEPC_DROP_NO_S1U6;
	}
	stat_cnt(XEPC_CNT_DL_RX, len);

	if (cfg->portal_addr && iph->saddr == cfg->portal_addr) {
		struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);

		f.from_portal = 1;
		if (u && u->redirect_orig) {
			rewrite_ip_addr(end, iph, ihl, &iph->saddr, u->redirect_orig);
			stat_cnt(XEPC_CNT_PORTAL_RESTORE, len);
		}
	}
	f.ue_addr = daddr;
	f.remote_addr = iph->saddr;
	f.proto = iph->protocol;
	f.tos = iph->tos;
	f.dir = XEPC_DIR_DL;
	flow_ports(end, iph, ihl, &f.remote_port, &f.ue_port, &f.has_ports);

	/* a dedicated bearer's TFT may take it (dl_policy()) */
	rc = dl_policy(cfg, &s, &scopy, &sid, sid_out, &f, len, &v);
	if (rc)
		return rc;

	/* counted now, taken out again if it is dropped below */
	count_usage(sid, &v, XEPC_DIR_DL, len);

	/* a router decrements the TTL of what it forwards (RFC 1812 5.3.1);
	 * a packet kept for an idle UE is forwarded too, later: the same
	 * check and decrement before it is buffered, so that what userspace
	 * sends from the buffer is what the fast path would have sent */
	if (iph->ttl <= 1) {
		rc = XEPC_DROP_TTL_EXCEEDED;
		goto undo;
	}
	/* RFC 1191 / RFC 1812 5.2.7.1: over the S1-U MTU with DF set: the
	 * sender is told the MTU it can use (checked before the TTL is
	 * decremented, so that the quote is the packet as it came), at most
	 * 10 per second per sender and 1000 in total (XEPC_RL_ICMP) */
	ovh = allow6 && (s->flags & XEPC_SF_ENB6) ? XEPC_GTPU6_OVERHEAD :
						     XEPC_GTPU_OVERHEAD;
	if ((s->flags & XEPC_SF_TUNNEL) && over_s1u_mtu_ovh(cfg, len, ovh) &&
	    (iph->frag_off & bpf_htons(0x4000))) {
		rc = XEPC_DROP_MTU;
		uncount_usage(sid, &v, XEPC_DIR_DL, len);
		if (!rl_allow(XEPC_RL_ICMP, iph->saddr, meter_clock(cfg),
			      XEPC_DEF_ICMP_PER_S, XEPC_DEF_ICMP_PEER_PER_S))
			return rc;
		rc = frag_needed_reply(ctx, cfg, l2->len, ihl, len, iph->saddr, ovh);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FRAG_ICMP, len);
		return -XDP_TX - 1;
	}
	csum_replace2(&iph->check, bpf_htons((__u16)iph->ttl << 8),
		      bpf_htons((__u16)(iph->ttl - 1) << 8));
	iph->ttl--;
	tos = iph->tos;

	if (!(s->flags & XEPC_SF_TUNNEL)) {
		rc = buffer_packet(ctx, cfg, sid, s, l2->len, len);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_IDLE_BUFFERED, len);
		return -XDP_DROP - 1;	/* consumed: userspace holds it */
	}
	if (s->flags & XEPC_SF_ENB6) {
		/* xdp_sgi_ipv6; in xdp_sgi only a dedicated bearer on IPv6
		 * of a default bearer on IPv4, which one eNB never sets up */
		rc = allow6 ? tunnel6_out(ctx, cfg, s, sid, l2->len, len, tos) :
			      XEPC_DROP_NO_S1U6;
		if (rc < 0)
			return rc;
		goto undo;
	}
	/* DF clear over the S1-U MTU: outer fragments by userspace */
	rc = tunnel4_out(ctx, cfg, s, sid, l2->len, len, tos);
	if (rc < 0)
		return rc;
undo:
	uncount_usage(sid, &v, XEPC_DIR_DL, len);
	return rc;
}

/*
 * The downlink of an IPv6 packet (docs/datapath.md "IPv6 UEs"): the
 * session of the destination's /64 (xepc_ue6), the rules, meters and quota
 * as for IPv4, the hop limit (RFC 8200 3), then the idle buffer or the
 * tunnel (outer IPv4/UDP/GTP-U, the T-PDU unchanged).  IPv6 routers do not
 * fragment: a packet over the S1-U MTU is fragmented on the outer header
 * by userspace as for IPv4 without DF (no ICMPv6 Packet Too Big yet).
 */
static __always_inline int downlink6(struct xdp_md *ctx,
				     const struct xepc_config *cfg,
				     const struct l2_info *l2, __u32 *sid_out)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct xepc_session *s, scopy;
	struct verdict v = {};
	struct ip6_info pi;
	struct flow f = {};
	__u32 sid = 0, len, off = l2->len;
	__u8 *h;
	int rc;

	if (off > 18)
		return -XDP_PASS - 1;
	h = data + off;
	if ((void *)(h + IP6_HLEN) > end)
		return -XDP_PASS - 1;
	s = ue6_session(cfg, ip6_pfx(h + 24), &sid, &scopy);
	if (!s)
		return -XDP_PASS - 1;
	*sid_out = sid;
	len = (__u32)(h[4] << 8 | h[5]) + IP6_HLEN;
	/* bounded like an IPv4 total length (the idle buffer's and the
	 * oversize copies' checks rely on it) */
	if (len > 0xffff || (void *)h + len > end)
		return XEPC_DROP_IP_TOT_LEN;
	stat_cnt(XEPC_CNT_DL6_RX, len);
	rc = parse_ipv6(data, end, off, len, &pi);
	if (rc)
		return rc;
	flow6(data, end, &pi, XEPC_DIR_DL, &f);

	/* a dedicated bearer's TFT may take it (dl_policy()) */
	rc = dl_policy(cfg, &s, &scopy, &sid, sid_out, &f, len, &v);
	if (rc)
		return rc;
	count_usage(sid, &v, XEPC_DIR_DL, len);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	h = data + off;
	if ((void *)(h + IP6_HLEN) > end) {
		rc = XEPC_DROP_IP_TRUNC;
		goto undo;
	}
	if (h[7] <= 1) {
		rc = XEPC_DROP_TTL_EXCEEDED;
		goto undo;
	}
	h[7]--;
	if (!(s->flags & XEPC_SF_TUNNEL)) {
		rc = buffer_packet(ctx, cfg, sid, s, off, len);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_IDLE_BUFFERED, len);
		return -XDP_DROP - 1;
	}
	if (s->flags & XEPC_SF_ENB6) {
		rc = tunnel6_out(ctx, cfg, s, sid, off, len, pi.tclass);
		if (rc < 0)
			return rc;
		goto undo;
	}
	rc = tunnel4_out(ctx, cfg, s, sid, off, len, pi.tclass);
	if (rc < 0)
		return rc;
undo:
	uncount_usage(sid, &v, XEPC_DIR_DL, len);
	return rc;
}

/* IPv6 continues in xdp_sgi_ipv6, tail-called through xepc_tail6 (maps.h,
 * filled by the loader); without it IPv6 goes to the stack. */
SEC("xdp")
int xdp_sgi(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 frame_len = end - data, sid = 0, ihl;
	struct xepc_config *cfg;
	struct l2_info l2 = {};
	struct iphdr *iph = NULL;
	int rc;

	cfg = get_config();
	if (!cfg) {
		rc = XEPC_DROP_NO_CONFIG;
		goto drop;
	}
	rc = parse_eth(data, end, &l2);
	if (rc == PARSE_PASS || (!rc && l2.proto != ETH_P_IP)) {
		if (!rc && l2.proto == ETH_P_IPV6_)
			goto ipv6;
		goto pass;
	}
	if (rc)
		goto drop;
	rc = parse_ipv4(data, end, l2.len, &iph, &ihl);
	if (rc == PARSE_PASS) {
		/* fragments for a UE: the stack reassembles (and in routed
		 * mode routes them back through tc_ue if attached) */
		if ((void *)data + l2.len + sizeof(struct iphdr) <= end &&
		    ((struct iphdr *)(data + l2.len))->version == 4) {
			stat_cnt(XEPC_CNT_IP_FRAG_PASS, frame_len);
			return XDP_PASS;
		}
		goto pass;
	}
	if (rc)
		goto drop;

	rc = downlink(ctx, cfg, &l2, iph, ihl, &sid, 0);
	if (rc < 0) {
		if (rc == -XDP_PASS - 1 && !sid)
			goto pass;
		return -rc - 1;
	}
	if (sid)
		count_session_drop(sid, XEPC_DIR_DL);
drop:
	stat_drop(rc, frame_len);
	return XDP_DROP;
pass:
	stat_cnt(XEPC_CNT_DL_NOT_UE_PASS, frame_len);
	return XDP_PASS;
ipv6:
	bpf_tail_call(ctx, &xepc_tail6, XEPC_TAIL6_SGI);
	goto pass;
}

/* The downlink of an IPv6 packet, and of an IPv4 packet for a UE whose
 * eNB is on IPv6, tail-called from xdp_sgi. */
SEC("xdp")
int xdp_sgi_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 frame_len = end - data, sid = 0, ihl;
	struct xepc_config *cfg;
	struct iphdr *iph = NULL;
	struct l2_info l2 = {};
	int rc;

	cfg = get_config();
	if (!cfg) {
		rc = XEPC_DROP_NO_CONFIG;
		goto drop;
	}
	rc = parse_eth(data, end, &l2);
	if (!rc && l2.proto == ETH_P_IP) {
		rc = parse_ipv4(data, end, l2.len, &iph, &ihl);
		if (rc)
			goto pass;	/* xdp_sgi parsed it: not reached */
		rc = downlink(ctx, cfg, &l2, iph, ihl, &sid, 1);
	} else if (!rc && l2.proto == ETH_P_IPV6_) {
		rc = downlink6(ctx, cfg, &l2, &sid);
	} else {
		goto pass;
	}
	if (rc < 0) {
		if (rc == -XDP_PASS - 1 && !sid)
			goto pass;
		return -rc - 1;
	}
	if (sid)
		count_session_drop(sid, XEPC_DIR_DL);
drop:
	stat_drop(rc, frame_len);
	return XDP_DROP;
pass:
	stat_cnt(XEPC_CNT_DL_NOT_UE_PASS, frame_len);
	return XDP_PASS;
}
