// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_s1u — XDP on the S1-U interface: GTP-U from the eNBs.
 *
 * Packet walk (docs/datapath.md "uplink"):
 *   Ethernet [802.1Q] / IPv4 [options] / UDP 2152 / GTP-U [ext chain]
 *     Echo Request  -> Echo Response, XDP_TX
 *     G-PDU         -> session by TEID, anti-spoofing, policy, decapsulate,
 *                      routed: bpf_fib_lookup (route cache) + bpf_redirect
 *                      NAT:    XDP_PASS up the stack (masquerade)
 *     Echo Response, Error Indication, Supported Extension Headers
 *                   -> XDP_PASS to the userspace GTP-U socket
 *   anything else not GTP-U -> XDP_PASS (ARP, management, ...)
 * An inner IPv6 packet takes uplink6() (docs/datapath.md "IPv6 UEs"), an
 * outer IPv6 one s1u_outer6() (docs/datapath.md "IPv6 on S1-U"), both in
 * xdp_s1u_ipv6, tail-called.
 */
#include "dp_common.h"
#include "icmp.h"
#include "ipv6.h"
#include "outer6.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * GTP-U Echo Response, TS 29.281 7.2.2: same sequence number, TEID 0,
 * Recovery IE (type 14, TS 29.281 8.2) with the restart counter; sent back
 * where the request came from with XDP_TX.  Private Extension IEs of the
 * request are not echoed.  IPv4 options are not kept.
 */
static __always_inline int echo_reply(struct xdp_md *ctx,
				      const struct xepc_config *cfg,
				      const struct l2_info *l2,
				      struct iphdr *iph, __u32 ihl,
				      struct udphdr *uh,
				      const struct gtpu_info *gi)
{
	void *data = (void *)(long)ctx->data, *end;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct ethhdr *eth = data;
	__be32 saddr = iph->saddr, daddr = iph->daddr;
	__be16 sport = uh->source, dport = uh->dest, tci = 0;
	__u32 want, have, l2len = l2->len;
	struct gtpu_hdr *gh;
	__u8 *p;
	int rc;

	if (!(gi->flags & GTP_FLAG_S) && gi->msg_len != sizeof(*gh))
		return XEPC_DROP_ECHO_BAD;
	rc = l2_save(eth, (void *)(long)ctx->data_end, l2len, dmac, smac, &tci);
	if (rc)
		return rc;
	/* drop IPv4 options from the front: the response has a 20-byte header */
	if (ihl > sizeof(*iph) && bpf_xdp_adjust_head(ctx, ihl - sizeof(*iph)))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	want = l2len + sizeof(struct iphdr) + sizeof(struct udphdr) + 14;
	have = end - data;
	if (want != have && bpf_xdp_adjust_tail(ctx, (int)want - (int)have))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)eth + 18 + 20 + 8 + 14 > end && l2len == 18)
		return XEPC_DROP_ADJUST;
	if ((void *)eth + 14 + 20 + 8 + 14 > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(eth->h_dest, smac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dmac, ETH_ALEN);
	if (l2len == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		if ((void *)vh + 4 + 20 + 8 + 14 > end)
			return XEPC_DROP_ADJUST;
		eth->h_proto = bpf_htons(ETH_P_8021Q_);
		vh->tci = tci;
		vh->proto = bpf_htons(ETH_P_IP);
		iph = (void *)(vh + 1);
	} else {
		eth->h_proto = bpf_htons(ETH_P_IP);
		iph = (void *)(eth + 1);
	}
	uh = (void *)(iph + 1);
	gh = (void *)(uh + 1);
	p = (void *)(gh + 1);
	if ((void *)(p + 6) > end)
		return XEPC_DROP_ADJUST;
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0;
	iph->tot_len = bpf_htons(20 + 8 + 14);
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = cfg->outer_ttl ?: 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = daddr;
	iph->daddr = saddr;
	iph->check = ipv4_csum20(iph);
	/* TS 29.281 4.4.2.2: to the request's source port */
	uh->source = dport;
	uh->dest = sport;
	uh->len = bpf_htons(8 + 14);
	uh->check = 0;
	gh->flags = 0x32;		/* version 1, PT 1, S */
	gh->type = XEPC_GTP_ECHO_RSP;
	gh->length = bpf_htons(6);	/* seq(2) npdu(1) next(1) + IE(2) */
	gh->teid = 0;
	p[0] = gi->seq >> 8;
	p[1] = gi->seq & 0xff;
	p[2] = 0;
	p[3] = 0;
	p[4] = XEPC_GTP_IE_RECOVERY;
	p[5] = cfg->recovery;
	return 0;
}

/*
 * Strip Ethernet..GTP-U and put a fresh Ethernet header in front of the
 * inner packet: keep_l2 bytes of the original L2 header (14, or 18 to keep
 * the VLAN tag when the packet goes up the stack).  The frame is trimmed
 * to the inner packet (Ethernet padding dropped).
 */
static __always_inline int decap(struct xdp_md *ctx, __u32 outer_len,
				 __u32 keep_l2, __u32 inner_len,
				 const __u8 *dmac, const __u8 *smac, __be16 tci)
{
	void *data, *end;
	struct ethhdr *eth;
	int delta = outer_len - keep_l2;
	__u32 have;

	if (bpf_xdp_adjust_head(ctx, delta))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	have = end - data;
	if (have > keep_l2 + inner_len &&
	    bpf_xdp_adjust_tail(ctx, -(int)(have - keep_l2 - inner_len)))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	if (keep_l2 == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		if ((void *)(vh + 1) > end)
			return XEPC_DROP_ADJUST;
		eth->h_proto = bpf_htons(ETH_P_8021Q_);
		vh->tci = tci;
		vh->proto = bpf_htons(ETH_P_IP);
	} else {
		eth->h_proto = bpf_htons(ETH_P_IP);
	}
	return 0;
}

/*
 * decap() for a packet that goes up the stack (NAT mode, or no neighbour,
 * MTU, local delivery): its own Ethernet addresses and VLAN tag are kept,
 * read here rather than on the forwarding path, which does not need them.
 */
static __always_inline int decap_to_stack(struct xdp_md *ctx, __u32 outer_len,
					  __u32 l2len, __u32 inner_len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
	__be16 tci = 0;
	int rc = l2_save(data, end, l2len, dmac, smac, &tci);

	if (rc)
		return rc;
	return decap(ctx, outer_len, l2len, inner_len, dmac, smac, tci);
}

/*
 * ICMP Time Exceeded (RFC 792, type 11 code 0; RFC 1812 5.3.1) for an
 * uplink packet whose inner TTL ran out, sent to the UE through its own
 * tunnel, so that a UE's traceroute shows the gateway: the G-PDU is
 * rewritten in place and goes back with XDP_TX.
 *   in:  L2 | outer IPv4 | UDP | GTP-U (hdr_len) | inner IPv4 (ihl) ...
 *   out: L2 (MACs swapped, tag kept) | IPv4 | UDP 2152 | GTP-U (the eNB's
 *        TEID) | IPv4 gtpu_addr -> UE | ICMP 11/0 | the inner header and
 *        the first 64 bits of its data (RFC 792)
 * The UE is the only destination, so the tunnel (XEPC_SF_TUNNEL) must be
 * there; the caller rate-limits.  Returns 0 or a drop reason.
 */
#define ICMP_TE_HDRS	(20 + 8 + 8 + 20 + 8)	/* outer IP/UDP/GTP, IP, ICMP */

static __always_inline int ttl_exceeded_reply(struct xdp_md *ctx,
					      const struct xepc_config *cfg,
					      const struct l2_info *l2,
					      const struct xepc_session *s,
					      __u32 sid, __u32 inner_off,
					      __u32 ihl, __u32 len, const int o6)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const __u32 hdrs = ICMP_TE_HDRS + (o6 ? XEPC_GTPU6_OVERHEAD - 36 : 0);
	const struct xepc_s1u6 *src6 = NULL, *dst6 = NULL;
	__u32 l2len = l2->len, quote, at, have;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__be16 tci = 0;
	__u8 *icmp, *oip;
	int rc;

	if (o6) {
		/* the tunnel is over IPv6 (outer6.h) */
		src6 = s1u6_local();
		dst6 = s1u6_enb(sid, s);
		if (!src6 || !dst6)
			return XEPC_DROP_NO_S1U6;
	}
	rc = l2_save(data, end, l2len, dmac, smac, &tci);
	if (rc)
		return rc;
	/* RFC 792: the internet header + 64 bits of the original data */
	quote = icmp_quote_len(len, ihl);
	at = l2len + hdrs;		/* where the quoted header goes */
	if (bpf_xdp_adjust_head(ctx, (int)inner_off - (int)at))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	have = end - data;
	if (have != at + quote && bpf_xdp_adjust_tail(ctx, (int)(at + quote) - (int)have))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)eth + 18 + hdrs > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(eth->h_dest, smac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dmac, ETH_ALEN);
	if (l2len == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		eth->h_proto = bpf_htons(ETH_P_8021Q_);
		vh->tci = tci;
		vh->proto = bpf_htons(o6 ? ETH_P_IPV6_ : ETH_P_IP);
		oip = (void *)(vh + 1);
	} else {
		eth->h_proto = bpf_htons(o6 ? ETH_P_IPV6_ : ETH_P_IP);
		oip = (void *)(eth + 1);
	}
	if ((void *)oip + hdrs > end)
		return XEPC_DROP_ADJUST;
	if (o6)
		gtpu_encap_hdrs6(oip, cfg, src6->addr, dst6->addr, s->teid_remote,
				 28 + quote, 0);
	else
		gtpu_encap_hdrs((void *)oip, cfg, s, 28 + quote, 0);
	ip = (void *)oip + (hdrs - 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(28 + quote);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = cfg->gtpu_addr;
	ip->daddr = s->ue_addr;
	ip->check = ipv4_csum20(ip);
	icmp = (void *)(ip + 1);
	icmp[0] = 11;		/* Time Exceeded */
	icmp[1] = 0;		/* TTL exceeded in transit */
	icmp[2] = icmp[3] = 0;
	icmp[4] = icmp[5] = icmp[6] = icmp[7] = 0;
	/* its header: only the type/code word is not 0 */
	if (!icmp_csum(icmp, quote, end, bpf_htons(11 << 8), (__u16 *)(icmp + 2)))
		return XEPC_DROP_ADJUST;
	if (o6 && udp6_csum_set(ctx, oip))
		return XEPC_DROP_ADJUST;
	return 0;
}

/* After decap() the new Ethernet header says IPv4: an IPv6 packet's
 * ethertype (and its tag's, keep_l2 18) is set here. */
static __always_inline int l2_proto_ipv6(struct xdp_md *ctx, __u32 keep_l2)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)eth + 18 > end)
		return XEPC_DROP_ADJUST;
	if (keep_l2 == 18)
		((struct vlan_hdr_ *)(eth + 1))->proto = bpf_htons(ETH_P_IPV6_);
	else
		eth->h_proto = bpf_htons(ETH_P_IPV6_);
	return 0;
}

/*
 * A Neighbor Discovery message (ND_RA or ND_NA) to dst, from fe80::1, to
 * the UE through its own tunnel: the G-PDU is rewritten in place and goes
 * back to the eNB with XDP_TX, as ttl_exceeded_reply() does.  The message
 * is written in the packet (no copy on the stack: xepc_uplink6() shares
 * the 512 bytes with xdp_s1u).  The session must have its tunnel.
 */
static __always_inline int nd_reply(struct xdp_md *ctx,
				    const struct xepc_config *cfg,
				    const struct l2_info *l2,
				    const struct xepc_session *s, __u32 sid,
				    int type, const __u8 *dst,
				    __u64 pfx, int solicited, const int o6)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const __u32 olen = o6 ? XEPC_GTPU6_OVERHEAD : 36;
	__u32 l2len = l2->len, at = l2len + olen, want, have;
	__u32 icmp_len = type == ND_RA ? ND_RA_LEN : ND_NA_LEN;
	const struct xepc_s1u6 *src6 = NULL, *dst6 = NULL;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct ethhdr *eth = data;
	__be16 tci = 0;
	__u8 *p, *oip;
	int rc;

	if (o6) {
		src6 = s1u6_local();
		dst6 = s1u6_enb(sid, s);
		if (!src6 || !dst6)
			return XEPC_DROP_NO_S1U6;
	}
	rc = l2_save(data, end, l2len, dmac, smac, &tci);
	if (rc)
		return rc;
	/* Every byte of the answer is written below, so only its length
	 * matters: taken from the front (headroom), because the tailroom of
	 * a received frame may be too short for the larger RA (veth) */
	want = at + IP6_HLEN + icmp_len;
	have = end - data;
	if (have != want && bpf_xdp_adjust_head(ctx, (int)have - (int)want))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)eth + 18 + olen > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(eth->h_dest, smac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dmac, ETH_ALEN);
	if (l2len == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		eth->h_proto = bpf_htons(ETH_P_8021Q_);
		vh->tci = tci;
		vh->proto = bpf_htons(o6 ? ETH_P_IPV6_ : ETH_P_IP);
		oip = (void *)(vh + 1);
	} else {
		eth->h_proto = bpf_htons(o6 ? ETH_P_IPV6_ : ETH_P_IP);
		oip = (void *)(eth + 1);
	}
	if (o6)
		gtpu_encap_hdrs6(oip, cfg, src6->addr, dst6->addr, s->teid_remote,
				 IP6_HLEN + icmp_len, 0);
	else
		gtpu_encap_hdrs((void *)oip, cfg, s, IP6_HLEN + icmp_len, 0);
	p = oip + olen;
	if ((void *)(p + IP6_HLEN + ND_MAX_LEN) > end) {
		/* an NA: its 24 bytes only */
		if (type == ND_RA || (void *)(p + IP6_HLEN + ND_NA_LEN) > end)
			return XEPC_DROP_ADJUST;
		nd_ip6(p, dst, ND_NA_LEN);
		nd_na(p + IP6_HLEN, solicited);
		nd_csum(p, ND_NA_LEN);
	} else {
		nd_ip6(p, dst, icmp_len);
		if (type == ND_RA)
			nd_ra(p + IP6_HLEN, pfx, cfg);
		else
			nd_na(p + IP6_HLEN, solicited);
		nd_csum(p, icmp_len);
	}
	if (o6 && udp6_csum_set(ctx, oip))
		return XEPC_DROP_ADJUST;
	return 0;
}

/*
 * What a UE sends to its link (link-local or link-scope multicast
 * destination) is the gateway's, never forwarded (RFC 4291 2.5.6):
 *  - Router Solicitation (RFC 4861 6.2.6; TS 29.061 11.2.1.3.4): answered
 *    with a Router Advertisement carrying the session's /64, rate-limited
 *    per session and in total;
 *  - Neighbor Solicitation for fe80::1 (address resolution or
 *    unreachability detection of the router, RFC 4861 7.2.3): answered
 *    with a Neighbor Advertisement;
 *  - anything else, in particular the UE's Duplicate Address Detection
 *    for its own addresses (RFC 4862 5.4: no answer means unique), is
 *    consumed (ND_LOCAL).
 * The ICMPv6 checksum of what the UE sent is not verified.
 */
static __always_inline int nd_local(struct xdp_md *ctx,
				    const struct xepc_config *cfg,
				    const struct l2_info *l2,
				    const struct xepc_session *s,
				    const struct xepc_session6 *s6, __u32 sid,
				    __u32 inner_off, __u32 len,
				    const struct ip6_info *pi)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 dst[16], *h, *icmp;
	int rc, unspec, type;

	if (pi->proto != NH_ICMPV6 || pi->l4_off != inner_off + IP6_HLEN ||
	    inner_off > PARSE_MAX_OFF)
		return XEPC_DROP_ND_LOCAL;
	h = data + inner_off;
	icmp = h + IP6_HLEN;
	if ((void *)(icmp + 8) > end)
		return XEPC_DROP_ND_LOCAL;
	/* RFC 4861 6.1.1, 7.1.1: hop limit 255 and code 0, or ignored */
	if (h[7] != 255 || icmp[1] != 0)
		return XEPC_DROP_ND_LOCAL;
	type = icmp[0];
	if (type == ND_NS) {
		/* only for the gateway's own fe80::1 */
		if (len < IP6_HLEN + ND_NA_LEN || (void *)(icmp + 24) > end ||
		    !ip6_is_ll_gw(icmp + 8))
			return XEPC_DROP_ND_LOCAL;
	} else if (type != ND_RS) {
		return XEPC_DROP_ND_LOCAL;
	}
	if (!(s->flags & XEPC_SF_TUNNEL))
		return XEPC_DROP_ND_LOCAL;
	if (!rl_allow(XEPC_RL_ND, sid, meter_clock(cfg),
		      XEPC_DEF_ND_PER_S, XEPC_DEF_ND_PEER_PER_S))
		return XEPC_DROP_ND_RATE_LIMIT;
	/* RFC 4861 6.2.6, 7.2.4: to the soliciting address, or all-nodes
	 * ff02::1 (an NA then with S clear) when it was unspecified */
	unspec = ip6_pfx(h + 8) == 0 && ip6_pfx(h + 16) == 0;
	if (unspec) {
		__builtin_memset(dst, 0, 16);
		dst[0] = 0xff;
		dst[1] = 0x02;
		dst[15] = 1;
	} else {
		__builtin_memcpy(dst, h + 8, 16);
	}
	/* into the session's tunnel, over IPv4 or IPv6 (outer6.h) */
	if (s->flags & XEPC_SF_ENB6)
		rc = nd_reply(ctx, cfg, l2, s, sid, type == ND_RS ? ND_RA : ND_NA,
			      dst, ip6_pfx(s6->prefix), !unspec, 1);
	else
		rc = nd_reply(ctx, cfg, l2, s, sid, type == ND_RS ? ND_RA : ND_NA,
			      dst, ip6_pfx(s6->prefix), !unspec, 0);
	if (rc)
		return rc;
	stat_cnt(type == ND_RS ? XEPC_CNT_RA_SENT : XEPC_CNT_NA_SENT, len);
	return -XDP_TX - 1;
}

/*
 * The uplink of an inner IPv6 packet (docs/datapath.md "IPv6 UEs"): the
 * session's /64 (TS 23.401 5.3.1.2.2), its link (nd_local), the source
 * check against the prefix, the rules, meters and quota as for IPv4, then
 * decapsulation and forwarding (bpf_fib_lookup, AF_INET6; hop limit
 * decremented, RFC 8200 3) or the stack in NAT mode.
 */
static __always_inline int uplink6(struct xdp_md *ctx,
				   const struct xepc_config *cfg,
				   const struct l2_info *l2,
				   const struct xepc_session *s, __u32 sid,
				   __u32 inner_off, __u32 len)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct xepc_session6 *s6;
	struct route_res rt;
	struct verdict v = {};
	struct ip6_info pi;
	struct flow f = {};
	__u8 *h;
	int rc;

	stat_cnt(XEPC_CNT_UL6_RX, len);
	s6 = sess6_of(sid, s);
	if (!s6)
		return XEPC_DROP_NO_IPV6;
	rc = parse_ipv6(data, end, inner_off, len, &pi);
	if (rc)
		return rc;
	if (inner_off > PARSE_MAX_OFF)
		return XEPC_DROP_INNER_TRUNC;
	h = data + inner_off;
	if ((void *)(h + IP6_HLEN) > end)
		return XEPC_DROP_INNER_TRUNC;
	if (ip6_link_scope(h + 24))
		return nd_local(ctx, cfg, l2, s, s6, sid, inner_off, len, &pi);
	/* anti-spoofing: the source must be in the UE's /64 */
	if (ip6_pfx(h + 8) != ip6_pfx(s6->prefix))
		return XEPC_DROP_SPOOFED_SRC;

	flow6(data, end, &pi, XEPC_DIR_UL, &f);
	rc = dp_policy(cfg, s, &f, len, &v, NULL);
	if (rc)
		return rc;
	count_usage(sid, &v, XEPC_DIR_UL, len);
	if (v.action == XEPC_ACT_REDIRECT) {
		/* the portal is an IPv4 address: IPv6 cannot be redirected */
		rc = XEPC_DROP_NO_PORTAL;
		goto undo;
	}
	if (cfg->mode == XEPC_MODE_NAT) {
		rc = decap_to_stack(ctx, inner_off, l2->len, len);
		if (!rc)
			rc = l2_proto_ipv6(ctx, l2->len);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_UL_NAT_PASS, len);
		return -XDP_PASS - 1;
	}
	if (h[7] <= 1) {
		/* RFC 8200 3: a hop limit that reaches 0 is discarded (no
		 * ICMPv6 Time Exceeded yet) */
		rc = XEPC_DROP_TTL_EXCEEDED;
		goto undo;
	}
	rc = route6_fib(ctx, ctx->ingress_ifindex, h + 8, h + 24, len,
			pi.tclass, pi.proto, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		h[7]--;
		rc = decap(ctx, inner_off, sizeof(struct ethhdr), len,
			   rt.dmac, rt.smac, 0);
		if (!rc)
			rc = l2_proto_ipv6(ctx, sizeof(struct ethhdr));
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_UL_FWD, len);
		return -(int)bpf_redirect(rt.ifindex, 0) - 1;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH || rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ||
	    rc == BPF_FIB_LKUP_RET_NOT_FWDED) {
		int r2 = decap_to_stack(ctx, inner_off, l2->len, len);

		if (!r2)
			r2 = l2_proto_ipv6(ctx, l2->len);
		if (r2) {
			rc = r2;
			goto undo;
		}
		stat_cnt(rc == BPF_FIB_LKUP_RET_NO_NEIGH ? XEPC_CNT_UL_NO_NEIGH_PASS :
			 rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ?
			 XEPC_CNT_UL_FRAG_NEEDED_PASS : XEPC_CNT_UL_LOCAL_PASS, len);
		return -XDP_PASS - 1;
	}
	rc = rc < 0 ? XEPC_DROP_FIB_OTHER : fib_drop_reason(rc);
undo:
	uncount_usage(sid, &v, XEPC_DIR_UL, len);
	return rc;
}

/*
 * An inner IPv6 packet continues in xdp_s1u_ipv6 (below), a program of its
 * own reached by a tail call: verified on its own and with a stack of its
 * own, so that the IPv4 walk keeps its verifier budget and its stack, and
 * pays nothing for IPv6.  The loader puts xdp_s1u_ipv6 in its slot of the
 * pinned xepc_tail6 (maps.h).  Without it the packet is dropped (NO_IPV6).
 */
static __always_inline int ipv6_tail(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &xepc_tail6, XEPC_TAIL6_S1U);
	return XEPC_DROP_NO_IPV6;
}

/*
 * The uplink of session s's G-PDU whose T-PDU (len bytes at inner_off) is
 * an IPv4 packet.  outer6: the G-PDU came over IPv6 (xdp_s1u_ipv6); 0 in
 * xdp_s1u, whose inner IPv6 packets are tail-called from here.
 */
static __always_inline int uplink4(struct xdp_md *ctx,
				   const struct xepc_config *cfg,
				   const struct l2_info *l2,
				   const struct xepc_session *s, __u32 sid,
				   __u32 inner_off, __u32 len, const int outer6)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 ihl, outer_len;
	struct route_req rq = {};
	struct route_res rt;
	struct verdict v = {};
	struct flow f = {};
	struct iphdr *iph;
	int rc;

	if (inner_off > PARSE_MAX_OFF)
		return XEPC_DROP_INNER_TRUNC;
	iph = data + inner_off;
	if ((void *)(iph + 1) > end || len < sizeof(*iph)) {
		if ((void *)iph + 1 <= end && len >= 1 && (*(__u8 *)iph >> 4) != 4)
			return XEPC_DROP_INNER_NOT_IPV4;
		return XEPC_DROP_INNER_TRUNC;
	}
	if (iph->version != 4) {
		if (iph->version == 6 && !outer6)
			return ipv6_tail(ctx);
		return XEPC_DROP_INNER_NOT_IPV4;
	}
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || ihl > len)
		return XEPC_DROP_INNER_TRUNC;
	if (bpf_ntohs(iph->tot_len) != len)
		return XEPC_DROP_INNER_LEN;
	/* anti-spoofing: only the UE's own address may send on its bearer */
	if (iph->saddr != s->ue_addr)
		return XEPC_DROP_SPOOFED_SRC;

	f.ue_addr = iph->saddr;
	f.remote_addr = iph->daddr;
	f.proto = iph->protocol;
	f.tos = iph->tos;
	f.dir = XEPC_DIR_UL;
	flow_ports(end, iph, ihl, &f.ue_port, &f.remote_port, &f.has_ports);

	rc = dp_policy(cfg, s, &f, len, &v, NULL);
	if (rc)
		return rc;
	if (v.action == XEPC_ACT_REDIRECT) {
		/* captive portal: the original destination is remembered so
		 * that xdp_sgi/tc_ue restore it on the portal's replies (a
		 * dedicated bearer's, where its default bearer's are) */
		xepc_redirect_note(sid, s->flags, s->ue_addr, iph->daddr);
		rewrite_ip_addr(end, iph, ihl, &iph->daddr, cfg->portal_addr);
		stat_cnt(XEPC_CNT_RULE_REDIRECT, len);
	}
	count_usage(sid, &v, XEPC_DIR_UL, len);
	outer_len = inner_off;

	if (cfg->mode == XEPC_MODE_NAT) {
		/* up the stack so that nftables masquerade applies */
		rc = decap_to_stack(ctx, outer_len, l2->len, len);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_UL_NAT_PASS, len);
		return -XDP_PASS - 1;
	}

	rq.ifindex = ctx->ingress_ifindex;
	rq.src = iph->saddr;
	rq.dst = iph->daddr;
	rq.tot_len = len;
	rq.tos = iph->tos;
	rq.l4_protocol = iph->protocol;
	rc = route_lookup(ctx, cfg, &rq, XEPC_DIR_UL,
			  cfg->route_flags & XEPC_RC_BY_SRC, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (iph->ttl <= 1) {
			/* RFC 1812 5.3.1: Time Exceeded to the sender, here
			 * the UE through its tunnel, rate-limited per UE and
			 * in total (RFC 1812 4.3.2.8) */
			rc = XEPC_DROP_TTL_EXCEEDED;
			uncount_usage(sid, &v, XEPC_DIR_UL, len);
			if (!(s->flags & XEPC_SF_TUNNEL) ||
			    (!outer6 && (s->flags & XEPC_SF_ENB6)) ||
			    !rl_allow(XEPC_RL_ICMP, s->ue_addr, meter_clock(cfg),
				      XEPC_DEF_ICMP_PER_S, XEPC_DEF_ICMP_PEER_PER_S))
				return rc;
			/* into the session's tunnel: over IPv6 when its eNB
			 * is (outer6.h), from xdp_s1u_ipv6 only */
			if (outer6 && (s->flags & XEPC_SF_ENB6))
				rc = ttl_exceeded_reply(ctx, cfg, l2, s, sid, inner_off,
							ihl, len, 1);
			else
				rc = ttl_exceeded_reply(ctx, cfg, l2, s, sid, inner_off,
							ihl, len, 0);
			if (rc)
				return rc;
			stat_cnt(XEPC_CNT_UL_TTL_ICMP, len);
			return -XDP_TX - 1;
		}
		/* RFC 1812 5.3.1: a router decrements TTL */
		csum_replace2(&iph->check, bpf_htons((__u16)iph->ttl << 8),
			      bpf_htons((__u16)(iph->ttl - 1) << 8));
		iph->ttl--;
		rc = decap(ctx, outer_len, sizeof(struct ethhdr), len,
			   rt.dmac, rt.smac, 0);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_UL_FWD, len);
		return -(int)bpf_redirect(rt.ifindex, 0) - 1;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH || rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ||
	    rc == BPF_FIB_LKUP_RET_NOT_FWDED) {
		/* the kernel resolves the neighbour, sends the ICMP, or
		 * delivers locally (a UE talking to the gateway itself) */
		int r2 = decap_to_stack(ctx, outer_len, l2->len, len);

		if (r2) {
			rc = r2;
			goto undo;
		}
		stat_cnt(rc == BPF_FIB_LKUP_RET_NO_NEIGH ? XEPC_CNT_UL_NO_NEIGH_PASS :
			 rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ?
			 XEPC_CNT_UL_FRAG_NEEDED_PASS : XEPC_CNT_UL_LOCAL_PASS, len);
		return -XDP_PASS - 1;
	}
	if (rc < 0) {
		rc = XEPC_DROP_FIB_OTHER;
		goto undo;
	}
	rc = fib_drop_reason(rc);
undo:
	uncount_usage(sid, &v, XEPC_DIR_UL, len);
	return rc;
}

static __always_inline int uplink(struct xdp_md *ctx,
				  const struct xepc_config *cfg,
				  const struct l2_info *l2, struct iphdr *oip,
				  struct udphdr *uh, __u32 gtp_off,
				  const struct gtpu_info *gi,
				  __u32 *sid_out)
{
	__u32 sid = XEPC_TEID_SID(gi->teid);
	struct xepc_session *s, scopy;

	s = session_get(cfg, sid, &scopy);
	if (!s || !(s->flags & XEPC_SF_ACTIVE) || s->teid_local != gi->teid) {
		/* TS 29.281 7.3.1: userspace sends the Error Indication */
		ev_unknown_teid(cfg, gi->teid, oip->saddr, oip->daddr,
				uh->source);
		return XEPC_DROP_UNKNOWN_TEID;
	}
	*sid_out = sid;
	/* T-PDU: after the GTP-U header, to the end of the message */
	return uplink4(ctx, cfg, l2, s, sid, gtp_off + gi->hdr_len,
		       gi->msg_len - gi->hdr_len, 0);
}

/*
 * Helpers above return a drop reason (> 0) or -(xdp action) - 1 for a
 * verdict; this keeps one drop/count point for the whole walk.
 */
SEC("xdp")
int xdp_s1u(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 frame_len = end - data, sid = 0, ihl, off;
	struct xepc_config *cfg;
	struct gtpu_info gi = {};
	struct l2_info l2 = {};
	struct iphdr *iph = NULL;
	struct udphdr *uh = NULL;
	int rc;

	cfg = get_config();
	if (!cfg) {
		rc = XEPC_DROP_NO_CONFIG;
		goto drop;
	}
	rc = parse_eth(data, end, &l2);
	if (!rc && l2.proto == ETH_P_IPV6_) {
		/* GTP-U over IPv6 continues in xdp_s1u_ipv6 (s1u_outer6());
		 * without it, IPv6 is the stack's */
		bpf_tail_call(ctx, &xepc_tail6, XEPC_TAIL6_S1U);
		goto pass_not_gtpu;
	}
	if (rc == PARSE_PASS || (!rc && l2.proto != ETH_P_IP))
		goto pass_not_gtpu;
	if (rc)
		goto drop;
	rc = parse_ipv4(data, end, l2.len, &iph, &ihl);
	if (rc == PARSE_PASS) {
		if (iph == NULL && (void *)data + l2.len + sizeof(struct iphdr) <= end) {
			struct iphdr *h = data + l2.len;

			if (h->version == 4) {
				/* outer fragment: the stack reassembles */
				stat_cnt(XEPC_CNT_IP_FRAG_PASS, frame_len);
				return XDP_PASS;
			}
		}
		goto pass_not_gtpu;
	}
	if (rc)
		goto drop;
	if (iph->protocol != IPPROTO_UDP)
		goto pass_not_gtpu;
	if (cfg->gtpu_addr && iph->daddr != cfg->gtpu_addr)
		goto pass_not_gtpu;
	off = l2.len + ihl;
	{
		struct udphdr *u;

		if (off > PARSE_MAX_OFF || data + off + sizeof(*u) > end) {
			rc = XEPC_DROP_UDP_TRUNC;
			goto drop;
		}
		u = data + off;
		if (u->dest != bpf_htons(XEPC_GTPU_PORT))
			goto pass_not_gtpu;
	}
	rc = parse_udp(data, end, off, bpf_ntohs(iph->tot_len) - ihl, &uh);
	if (rc)
		goto drop;
	off += sizeof(struct udphdr);
	rc = parse_gtpu(data, end, off, bpf_ntohs(uh->len) - sizeof(*uh), &gi);
	if (rc)
		goto drop;

	switch (gi.type) {
	case XEPC_GTP_GPDU:
		stat_cnt(XEPC_CNT_UL_GPDU, frame_len);
		rc = uplink(ctx, cfg, &l2, iph, uh, off, &gi, &sid);
		if (rc < 0)
			return -rc - 1;
		if (sid)
			count_session_drop(sid, XEPC_DIR_UL);
		goto drop;
	case XEPC_GTP_ECHO_REQ:
		/* answered in the kernel, but not at any rate a peer (or a
		 * spoofed source) asks: per peer and in total (xepc_rl) */
		if (!rl_allow(XEPC_RL_ECHO, iph->saddr, meter_clock(cfg),
			      XEPC_DEF_ECHO_PER_S, XEPC_DEF_ECHO_PEER_PER_S)) {
			rc = XEPC_DROP_ECHO_RATE_LIMIT;
			goto drop;
		}
		rc = echo_reply(ctx, cfg, &l2, iph, ihl, uh, &gi);
		if (rc)
			goto drop;
		stat_cnt(XEPC_CNT_ECHO_REPLIED, frame_len);
		return XDP_TX;
	case XEPC_GTP_ECHO_RSP:
	case XEPC_GTP_ERROR_IND:
	case XEPC_GTP_SUPP_EXT_HDR:
		/* path management and errors are userspace's (TS 29.281 7.2, 7.3) */
		stat_cnt(XEPC_CNT_GTP_TO_USER, frame_len);
		return XDP_PASS;
	case XEPC_GTP_END_MARKER:
		/* TS 29.281 7.3.2: nothing to forward; the tunnel switch is
		 * signalled by the control plane */
		rc = XEPC_DROP_GTP_END_MARKER;
		goto drop;
	default:
		rc = XEPC_DROP_GTP_MSG_TYPE;
		goto drop;
	}

pass_not_gtpu:
	stat_cnt(XEPC_CNT_NOT_GTPU_PASS, frame_len);
	return XDP_PASS;
drop:
	stat_drop(rc, frame_len);
	return XDP_DROP;
}

/*
 * GTP-U Echo Response over IPv6 (TS 29.281 7.2.2), as echo_reply(): the
 * request rewritten in place, addresses and ports swapped, the message
 * replaced by the response with the Recovery IE, and the UDP checksum
 * that IPv6 requires (RFC 8200 8.1).  parse_outer6() took no extension
 * headers, so the headers stay where they are.
 */
static __always_inline int echo_reply6(struct xdp_md *ctx,
				       const struct xepc_config *cfg,
				       const struct l2_info *l2,
				       const struct gtpu_info *gi)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 l2len = l2->len, want = l2len + IP6_HLEN + 8 + 14, have;
	__u8 a[16], mac[ETH_ALEN], *h, *p;
	struct gtpu_hdr *gh;
	struct udphdr *uh;
	struct ethhdr *eth;
	__be16 port;

	if (!(gi->flags & GTP_FLAG_S) && gi->msg_len != sizeof(*gh))
		return XEPC_DROP_ECHO_BAD;
	if (l2len != 14 && l2len != 18)
		return XEPC_DROP_ADJUST;
	have = end - data;
	if (want != have && bpf_xdp_adjust_tail(ctx, (int)want - (int)have))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XEPC_DROP_ADJUST;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	h = data + (l2len == 18 ? 18 : 14);
	if ((void *)(h + IP6_HLEN + 8 + 14) > end)
		return XEPC_DROP_ADJUST;
	*(__u32 *)h = bpf_htonl(6u << 28);
	h[4] = 0;
	h[5] = 8 + 14;
	h[6] = IPPROTO_UDP;
	h[7] = cfg->outer_ttl ?: 64;
	__builtin_memcpy(a, h + 8, 16);
	__builtin_memcpy(h + 8, h + 24, 16);
	__builtin_memcpy(h + 24, a, 16);
	uh = (void *)(h + IP6_HLEN);
	/* TS 29.281 4.4.2.2: to the request's source port */
	port = uh->source;
	uh->source = uh->dest;
	uh->dest = port;
	uh->len = bpf_htons(8 + 14);
	gh = (void *)(uh + 1);
	gh->flags = 0x32;		/* version 1, PT 1, S */
	gh->type = XEPC_GTP_ECHO_RSP;
	gh->length = bpf_htons(6);
	gh->teid = 0;
	p = (void *)(gh + 1);
	p[0] = gi->seq >> 8;
	p[1] = gi->seq & 0xff;
	p[2] = 0;
	p[3] = 0;
	p[4] = XEPC_GTP_IE_RECOVERY;
	p[5] = cfg->recovery;
	if (udp6_csum_set(ctx, h))
		return XEPC_DROP_ADJUST;
	return 0;
}

/*
 * GTP-U over IPv6 (docs/datapath.md "IPv6 on S1-U"): Ethernet [802.1Q] /
 * IPv6 to our IPv6 S1-U address (xepc_s1u6[0]) / UDP 2152 (checksum not 0,
 * RFC 8200 8.1) / GTP-U; then the same walk as over IPv4: Echo Request
 * answered here, path management and errors to userspace, a G-PDU to its
 * session by TEID.  Other IPv6 (Neighbor Discovery for our address,
 * management, extension headers and fragments) is the stack's.  Returns 0
 * for a G-PDU of a live session (*s copied to *copy, *sid, the T-PDU at
 * *inner_off, *len bytes), which the caller walks on (one call site of
 * each uplink walk keeps the program within the verifier's budget), else
 * -(XDP action) - 1 or a drop reason.
 */
static __always_inline int s1u_outer6(struct xdp_md *ctx,
				      const struct xepc_config *cfg,
				      const struct l2_info *l2,
				      struct xepc_session *copy, __u32 *sid,
				      __u32 *inner_off, __u32 *len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 frame_len = end - data, off, plen = 0;
	const struct xepc_s1u6 *me;
	struct xepc_session *s;
	struct gtpu_info gi = {};
	struct udphdr *uh = NULL;
	__u8 *h = NULL;
	int rc;

	me = s1u6_local();
	if (!me)
		goto pass;
	rc = parse_outer6(data, end, l2->len, &h, &plen);
	if (rc == PARSE_PASS)
		goto pass;
	if (rc)
		return rc;
	if (!ip6_eq(h + 24, me->addr))
		goto pass;
	off = l2->len + IP6_HLEN;
	{
		struct udphdr *u;

		if (off > PARSE_MAX_OFF || data + off + sizeof(*u) > end)
			return XEPC_DROP_UDP_TRUNC;
		u = data + off;
		if (u->dest != bpf_htons(XEPC_GTPU_PORT))
			goto pass;
	}
	rc = parse_udp(data, end, off, plen, &uh);
	if (rc)
		return rc;
	if (!uh->check)
		return XEPC_DROP_UDP6_CSUM_ZERO;
	off += sizeof(struct udphdr);
	rc = parse_gtpu(data, end, off, plen - sizeof(struct udphdr), &gi);
	if (rc)
		return rc;

	switch (gi.type) {
	case XEPC_GTP_GPDU:
		stat_cnt(XEPC_CNT_UL_GPDU, frame_len);
		stat_cnt(XEPC_CNT_UL_OUTER6, frame_len);
		*sid = XEPC_TEID_SID(gi.teid);
		s = session_get(cfg, *sid, copy);
		if (!s || !(s->flags & XEPC_SF_ACTIVE) || s->teid_local != gi.teid) {
			/* TS 29.281 7.3.1: userspace sends the Error
			 * Indication, over IPv6 */
			ev_unknown_teid6(cfg, gi.teid, h, uh->source);
			*sid = 0;
			return XEPC_DROP_UNKNOWN_TEID;
		}
		if (s != copy)
			__builtin_memcpy(copy, s, sizeof(*copy));
		*inner_off = off + gi.hdr_len;
		*len = gi.msg_len - gi.hdr_len;
		return 0;
	case XEPC_GTP_ECHO_REQ:
		if (!rl_allow(XEPC_RL_ECHO, ip6_key32(h + 8), meter_clock(cfg),
			      XEPC_DEF_ECHO_PER_S, XEPC_DEF_ECHO_PEER_PER_S))
			return XEPC_DROP_ECHO_RATE_LIMIT;
		rc = echo_reply6(ctx, cfg, l2, &gi);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_ECHO_REPLIED, frame_len);
		return -XDP_TX - 1;
	case XEPC_GTP_ECHO_RSP:
	case XEPC_GTP_ERROR_IND:
	case XEPC_GTP_SUPP_EXT_HDR:
		stat_cnt(XEPC_CNT_GTP_TO_USER, frame_len);
		return -XDP_PASS - 1;
	case XEPC_GTP_END_MARKER:
		return XEPC_DROP_GTP_END_MARKER;
	default:
		return XEPC_DROP_GTP_MSG_TYPE;
	}
pass:
	stat_cnt(XEPC_CNT_NOT_GTPU_PASS, frame_len);
	return -XDP_PASS - 1;
}

/*
 * The uplink of a G-PDU whose T-PDU is IPv6, tail-called from xdp_s1u
 * (ipv6_tail()), which has checked the outer headers and the session: they
 * are parsed again here (a few loads), then uplink6().  GTP-U over IPv6
 * (tail-called from xdp_s1u for every IPv6 frame) takes s1u_outer6().
 */
SEC("xdp")
int xdp_s1u_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 frame_len = end - data, sid = 0, ihl, off, inner_off = 0, len = 0;
	struct xepc_session *s, scopy;
	struct xepc_config *cfg;
	struct gtpu_info gi = {};
	struct l2_info l2 = {};
	struct iphdr *iph = NULL;
	struct udphdr *uh = NULL;
	__u8 *v;
	int rc;

	cfg = get_config();
	if (!cfg) {
		rc = XEPC_DROP_NO_CONFIG;
		goto drop;
	}
	rc = parse_eth(data, end, &l2);
	if (!rc && l2.proto == ETH_P_IPV6_) {
		rc = s1u_outer6(ctx, cfg, &l2, &scopy, &sid, &inner_off, &len);
		if (rc < 0)
			return -rc - 1;
		if (rc)
			goto drop;
		s = &scopy;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		if (inner_off > PARSE_MAX_OFF) {
			rc = XEPC_DROP_INNER_TRUNC;
			goto sdrop;
		}
		v = data + inner_off;
		if ((void *)(v + 1) > end || len < 1 || (*v >> 4) != 6) {
			/* inner IPv4 over IPv6 (uplink4() checks it) */
			rc = uplink4(ctx, cfg, &l2, s, sid, inner_off, len, 1);
			if (rc < 0)
				return -rc - 1;
			goto sdrop;
		}
		goto inner6;
	}
	if (!rc && l2.proto != ETH_P_IP)
		rc = XEPC_DROP_ETH_TRUNC;
	if (!rc)
		rc = parse_ipv4(data, end, l2.len, &iph, &ihl);
	if (rc) {
		rc = rc < 0 ? XEPC_DROP_IP_TRUNC : rc;
		goto drop;
	}
	off = l2.len + ihl;
	rc = parse_udp(data, end, off, bpf_ntohs(iph->tot_len) - ihl, &uh);
	if (rc)
		goto drop;
	off += sizeof(struct udphdr);
	rc = parse_gtpu(data, end, off, bpf_ntohs(uh->len) - sizeof(*uh), &gi);
	if (rc)
		goto drop;
	sid = XEPC_TEID_SID(gi.teid);
	s = session_get(cfg, sid, &scopy);
	if (!s || !(s->flags & XEPC_SF_ACTIVE) || s->teid_local != gi.teid) {
		sid = 0;
		rc = XEPC_DROP_UNKNOWN_TEID;
		goto drop;
	}
	inner_off = off + gi.hdr_len;
	len = gi.msg_len - gi.hdr_len;
inner6:
	/* one call site for both outer headers */
	rc = uplink6(ctx, cfg, &l2, s, sid, inner_off, len);
	if (rc < 0)
		return -rc - 1;
sdrop:
	count_session_drop(sid, XEPC_DIR_UL);
drop:
	stat_drop(rc, frame_len);
	return XDP_DROP;
}
