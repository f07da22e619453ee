/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ipv6.h — IPv6 UEs (PDN type IPv6 and IPv4v6, TS 23.401 5.3.1.2.2): the
 * inner IPv6 parser, the session of a /64, the flow of an IPv6 packet for
 * the SDF rules, the route lookup, and the Neighbor Discovery messages the
 * gateway sends to a UE through its tunnel (RFC 4861; TS 29.061 11.2.1.3).
 *
 * A UE's IPv6 addresses are its /64 prefix (xepc_sess6) with any interface
 * identifier: the uplink checks the source's first 64 bits, the downlink
 * looks the destination's up in xepc_ue6.  The gateway's own address on
 * every UE's link is the link-local XEPC_LL_GW (fe80::1).  Kept apart from
 * the IPv4 walk: the IPv4 hot path only gains a branch on the version
 * nibble it already tests.
 */
#ifndef XEPC_IPV6_H
#define XEPC_IPV6_H

#include "dp_common.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif

#define ETH_P_IPV6_	0x86DD
#define IP6_HLEN	40
#define IP6_EXT_MAX	4	/* extension headers walked to find the ports */

/* RFC 8200 4: next-header values */
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_ICMPV6	58
#define NH_DSTOPTS	60

/* RFC 4861 4: ICMPv6 types of Neighbor Discovery */
#define ND_RS		133
#define ND_RA		134
#define ND_NS		135
#define ND_NA		136

/* RA: 16 header + 32 Prefix Information (4.6.2) + 8 MTU (4.6.4); NA: 24 */
#define ND_RA_LEN	56
#define ND_NA_LEN	24
#define ND_MAX_LEN	56

struct ip6_info {
	__u32 l4_off;		/* the upper-layer header, from the packet start */
	__u8 proto;		/* upper-layer protocol (after the extensions) */
	__u8 tclass;		/* traffic class (the TOS of rules) */
	__u8 later_frag;	/* a fragment other than the first: no ports */
	__u8 hlim;		/* hop limit */
};

/* The /64 of an address: its first 8 octets, as they are in memory. */
static __always_inline __u64 ip6_pfx(const void *a)
{
	__u64 v;

	__builtin_memcpy(&v, a, sizeof(v));
	return v;
}

/* fe80::1, the gateway's link-local address on a UE's link */
static __always_inline int ip6_is_ll_gw(const __u8 *a)
{
	return ip6_pfx(a) == ip6_pfx("\xfe\x80\0\0\0\0\0\0") &&
	       ip6_pfx(a + 8) == ip6_pfx("\0\0\0\0\0\0\0\x01");
}

/* RFC 4291 2.5.6 link-local unicast (fe80::/10), 2.5.2 the unspecified
 * address, 2.7 multicast of interface- or link-local scope: never
 * forwarded, they belong to the UE's link with the gateway. */
static __always_inline int ip6_link_scope(const __u8 *a)
{
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 1;
	if (a[0] == 0xff && (a[1] & 0x0f) <= 2)
		return 1;
	return ip6_pfx(a) == 0 && ip6_pfx(a + 8) == 0;
}

/*
 * The IPv6 packet at off, len bytes (RFC 8200 3): version 6, payload
 * length = len - 40 (jumbograms are not IPv6 over GTP-U), then the
 * extension headers (hop-by-hop, routing, destination options, fragment;
 * at most IP6_EXT_MAX) to the upper-layer protocol.  0 or a drop reason.
 */
static __always_inline int parse_ipv6(void *data, void *end, __u32 off,
				      __u32 len, struct ip6_info *pi)
{
	__u8 *h, nh;
	__u32 cur;
	int i;

	if (off > PARSE_MAX_OFF)
		return XEPC_DROP_INNER_TRUNC;
	h = data + off;
	if ((void *)(h + IP6_HLEN) > end || len < IP6_HLEN)
		return XEPC_DROP_INNER_TRUNC;
	if (h[0] >> 4 != 6)
		return XEPC_DROP_INNER_NOT_IPV4;
	if ((__u32)(h[4] << 8 | h[5]) + IP6_HLEN != len)
		return XEPC_DROP_INNER_LEN;
	pi->tclass = (h[0] & 0x0f) << 4 | h[1] >> 4;
	pi->hlim = h[7];
	pi->later_frag = 0;
	nh = h[6];
	cur = off + IP6_HLEN;
	for (i = 0; i < IP6_EXT_MAX; i++) {
		__u8 *x;

		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS &&
		    nh != NH_FRAGMENT)
			break;
		if (cur > PARSE_MAX_OFF)
			return XEPC_DROP_INNER_TRUNC;
		x = data + cur;
		if ((void *)(x + 8) > end)
			return XEPC_DROP_INNER_TRUNC;
		if (nh == NH_FRAGMENT) {
			/* RFC 8200 4.5: offset in 8-octet units */
			if ((x[2] << 8 | x[3]) & 0xfff8)
				pi->later_frag = 1;
			cur += 8;
		} else {
			cur += ((__u32)x[1] + 1) * 8;
		}
		nh = x[0];
	}
	pi->proto = nh;
	pi->l4_off = cur;
	return 0;
}

/*
 * The flow of an IPv6 packet for the SDF rules (struct flow): protocol,
 * ports and traffic class; the addresses are 0, so that a rule with an
 * IPv4 address or prefix does not match an IPv6 packet and one without
 * (0.0.0.0/0) does.  dl: the source is the remote end.
 */
static __always_inline void flow6(void *data, void *end,
				  const struct ip6_info *pi, __u8 dir,
				  struct flow *f)
{
	__u16 *p;

	f->proto = pi->proto;
	f->tos = pi->tclass;
	f->dir = dir;
	if (pi->proto != IPPROTO_TCP && pi->proto != IPPROTO_UDP &&
	    pi->proto != IPPROTO_SCTP)
		return;
	if (pi->later_frag || pi->l4_off > PARSE_MAX_OFF)
		return;
	p = data + pi->l4_off;
	if ((void *)(p + 2) > end)
		return;
	if (dir == XEPC_DIR_UL) {
		f->ue_port = bpf_ntohs(p[0]);
		f->remote_port = bpf_ntohs(p[1]);
	} else {
		f->remote_port = bpf_ntohs(p[0]);
		f->ue_port = bpf_ntohs(p[1]);
	}
	f->has_ports = 1;
}

/* The IPv6 side of session sid when it belongs to the live session s
 * (same cookie), else NULL. */
static __always_inline struct xepc_session6 *
sess6_of(__u32 sid, const struct xepc_session *s)
{
	struct xepc_session6 *s6 = bpf_map_lookup_elem(&xepc_sess6, &sid);

	if (!s6 || !(s6->flags & XEPC_S6_VALID) || s6->cookie != s->cookie)
		return NULL;
	return s6;
}

/* The active session whose /64 is pfx (a downlink destination), or NULL. */
static __always_inline struct xepc_session *
ue6_session(const struct xepc_config *cfg, __u64 pfx, __u32 *sid_out,
	    struct xepc_session *copy)
{
	struct xepc_session6 *s6;
	struct xepc_session *s;
	__u32 *sidp, sid;

	sidp = bpf_map_lookup_elem(&xepc_ue6, &pfx);
	if (!sidp)
		return NULL;
	sid = *sidp;
	s = session_get(cfg, sid, copy);
	if (!s || !(s->flags & XEPC_SF_ACTIVE))
		return NULL;
	s6 = sess6_of(sid, s);
	if (!s6 || ip6_pfx(s6->prefix) != pfx)
		return NULL;
	*sid_out = sid;
	return s;
}

/* bpf_fib_lookup() for an IPv6 packet (no route cache: IPv4 only). */
static __always_inline int route6_fib(void *ctx, __u32 ifindex,
				      const __u8 *src, const __u8 *dst,
				      __u16 tot_len, __u8 tclass, __u8 proto,
				      struct route_res *res)
{
	struct bpf_fib_lookup fib;
	int rc;

	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET6;
	fib.tos = tclass;	/* the flowinfo's traffic class */
	fib.l4_protocol = proto;
	fib.tot_len = tot_len;
	__builtin_memcpy(fib.ipv6_src, src, 16);
	__builtin_memcpy(fib.ipv6_dst, dst, 16);
	fib.ifindex = ifindex;
	stat_cnt(XEPC_CNT_FIB_LOOKUP, 0);
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		res->ifindex = fib.ifindex;
		__builtin_memcpy(res->dmac, fib.dmac, ETH_ALEN);
		__builtin_memcpy(res->smac, fib.smac, ETH_ALEN);
	}
	return rc;
}

/* ------------------------------------------------ Neighbor Discovery ---- */

/*
 * The IPv6 header of an ND message to dst, written at ip (fe80::1 -> dst,
 * hop limit 255: RFC 4861 6.1.2/7.1.2, receivers discard ND with another),
 * and the ICMPv6 checksum over the pseudo-header (RFC 8200 8.1, RFC 4443
 * 2.3) once the len bytes of ICMPv6 after it are written.  The caller has
 * checked that ip + 40 + len is within the packet.
 */
static __always_inline void nd_ip6(__u8 *ip, const __u8 *dst, __u32 len)
{
	__u32 i;

	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	ip[4] = len >> 8;
	ip[5] = len & 0xff;
	ip[6] = NH_ICMPV6;
	ip[7] = 255;
#pragma unroll
	for (i = 8; i < 24; i++)
		ip[i] = 0;
	ip[8] = 0xfe;
	ip[9] = 0x80;
	ip[23] = 1;
	__builtin_memcpy(ip + 24, dst, 16);
}

static __always_inline void nd_csum(__u8 *ip, __u32 len)
{
	__u16 *w = (__u16 *)(ip + 8);
	__u32 sum = 0, i;

	ip[42] = ip[43] = 0;
	/* source, destination, then the ICMPv6 message: 32 + len bytes */
#pragma unroll
	for (i = 0; i < (32 + ND_MAX_LEN) / 2; i++)
		if (2 * i < 32 + len)
			sum += w[i];
	sum += bpf_htons(len);
	sum += bpf_htons(NH_ICMPV6);
	*(__u16 *)(ip + 42) = csum_fold32(sum);
}

/*
 * Router Advertisement (RFC 4861 4.2) at o for a UE's link, TS 29.061
 * 11.2.1.3.4 / TS 23.401 5.3.1.2.2: the UE's /64 in a Prefix Information
 * option with the A flag (autonomous address configuration) and the L flag
 * clear (the link has no other nodes to reach directly), infinite
 * lifetimes (the prefix is the UE's for the PDN connection's life); no
 * managed/other flags (no DHCPv6); an MTU option with the link MTU that
 * fits the S1-U path once encapsulated (at least the IPv6 minimum 1280).
 * userspace/dp/dp_nd.c builds the same message for the unsolicited RA.
 */
static __always_inline void nd_ra(__u8 *o, __u64 pfx, const struct xepc_config *cfg)
{
	__u32 mtu = (cfg->s1u_mtu ?: 1500) - 36, i;

	if (mtu < 1280)
		mtu = 1280;
#pragma unroll
	for (i = 0; i < ND_RA_LEN; i++)
		o[i] = 0;
	o[0] = ND_RA;
	o[4] = 64;			/* Cur Hop Limit; M = O = 0 */
	o[6] = 9000 >> 8;		/* Router Lifetime, s: the */
	o[7] = 9000 & 0xff;		/* most RFC 4861 6.2.1 allows */
	/* reachable time, retrans timer: 0 (unspecified) */
	o[16] = 3;			/* Prefix Information */
	o[17] = 4;			/* 32 octets */
	o[18] = 64;			/* prefix length */
	o[19] = 0x40;			/* L = 0, A = 1 */
	o[20] = o[21] = o[22] = o[23] = 0xff;	/* valid lifetime: infinity */
	o[24] = o[25] = o[26] = o[27] = 0xff;	/* preferred: infinity */
	__builtin_memcpy(o + 32, &pfx, 8);	/* prefix, low 64 bits 0 */
	o[48] = 5;			/* MTU */
	o[49] = 1;
	o[52] = mtu >> 24;
	o[53] = mtu >> 16;
	o[54] = mtu >> 8;
	o[55] = mtu & 0xff;
}

/* Neighbor Advertisement (RFC 4861 4.4) at o for the gateway's fe80::1:
 * router, solicited, override; no target link-layer address option (a
 * GTP-U tunnel has no link-layer addresses, RFC 4861 4.4 "Possible
 * options"). */
static __always_inline void nd_na(__u8 *o, int solicited)
{
	__u32 i;

#pragma unroll
	for (i = 0; i < ND_NA_LEN; i++)
		o[i] = 0;
	o[0] = ND_NA;
	o[4] = 0x80 | (solicited ? 0x40 : 0) | 0x20;	/* R S O */
	o[8] = 0xfe;
	o[9] = 0x80;
	o[23] = 1;
}

#endif /* XEPC_IPV6_H */
