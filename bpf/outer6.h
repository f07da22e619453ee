/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outer6.h — GTP-U over IPv6 on S1-U (TS 29.281 4.4.1: GTP-U runs over
 * IPv4 or IPv6; TS 36.413 9.2.2.1: an eNB's Transport Layer Address may be
 * 128 bits), docs/datapath.md "IPv6 on S1-U".
 *
 * The addresses are in xepc_s1u6 (struct xepc_s1u6): entry 0 is the
 * gateway's own IPv6 S1-U address, entry sid the eNB's of a session with
 * XEPC_SF_ENB6.  Only the IPv6 programs (xdp_s1u_ipv6, xdp_sgi_ipv6,
 * tail-called) include the outer IPv6 walk: the IPv4 programs test one
 * flag of the session they already hold.
 *
 * The UDP checksum is mandatory over IPv6 (RFC 8200 8.1): what the
 * gateway sends carries it, computed over the whole datagram
 * (udp6_csum_set()); a received datagram with checksum 0 is dropped; a
 * received non-zero checksum is not verified in the fast path (an XDP
 * program sees no checksum status of the NIC; summing every uplink byte
 * would double the per-packet cost), as the inner checksums of what the
 * gateway forwards are left to their end points.
 */
#ifndef XEPC_OUTER6_H
#define XEPC_OUTER6_H

#include "ipv6.h"

#define XEPC_GTPU6_OVERHEAD	56	/* outer IPv6 40 + UDP 8 + GTP-U 8 */
#define XEPC_CSUM_CHUNK		256	/* bytes per bpf_csum_diff() call */
#define XEPC_CSUM_CHUNKS	16	/* 4 KiB: any linear XDP frame */

/* The gateway's own IPv6 S1-U address (xepc_s1u6[0]), or NULL: then no
 * GTP-U over IPv6 is taken or sent. */
static __always_inline const struct xepc_s1u6 *s1u6_local(void)
{
	__u32 k = 0;
	struct xepc_s1u6 *a = bpf_map_lookup_elem(&xepc_s1u6, &k);

	if (!a || !(a->flags & XEPC_S1U6_VALID))
		return NULL;
	return a;
}

/* The eNB's IPv6 S1-U address of session sid, while it belongs to the
 * live session s (XEPC_SF_ENB6, same cookie), or NULL. */
static __always_inline const struct xepc_s1u6 *s1u6_enb(__u32 sid,
							 const struct xepc_session *s)
{
	struct xepc_s1u6 *a;

	if (!sid || !(s->flags & XEPC_SF_ENB6))
		return NULL;
	a = bpf_map_lookup_elem(&xepc_s1u6, &sid);
	if (!a || !(a->flags & XEPC_S1U6_VALID) || a->cookie != s->cookie)
		return NULL;
	return a;
}

/* An IPv6 peer as the 32-bit key of the per-peer rate limits and of the
 * Error Indication interval (xepc_peer_rl, xepc_err_rl): its four words
 * folded.  Two peers that fold alike share a budget; the totals hold. */
static __always_inline __be32 ip6_key32(const __u8 *a)
{
	__u32 w[4];

	__builtin_memcpy(w, a, 16);
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

static __always_inline int ip6_eq(const __u8 *a, const __u8 *b)
{
	return ip6_pfx(a) == ip6_pfx(b) && ip6_pfx(a + 8) == ip6_pfx(b + 8);
}

/*
 * Outer IPv6 (RFC 8200 3) at off: version 6 and UDP as the next header.
 * Extension headers (a fragment header in particular) and other protocols
 * are the stack's (PARSE_PASS), as outer IPv4 fragments are.  The payload
 * must fit the frame (Ethernet padding after it is allowed).
 */
static __always_inline int parse_outer6(void *data, void *end, __u32 off,
					__u8 **out, __u32 *plen)
{
	__u8 *h;
	__u32 pl;

	if (off > PARSE_MAX_OFF)
		return XEPC_DROP_IP_TRUNC;
	h = data + off;
	if ((void *)(h + IP6_HLEN) > end)
		return XEPC_DROP_IP_TRUNC;
	if (h[0] >> 4 != 6 || h[6] != IPPROTO_UDP)
		return PARSE_PASS;
	pl = (__u32)h[4] << 8 | h[5];
	if (off + IP6_HLEN + pl > (__u32)(end - data))
		return XEPC_DROP_IP_TOT_LEN;
	*out = h;
	*plen = pl;
	return 0;
}

/* 64-bit one's complement accumulator folded to 32 bits. */
static __always_inline __u32 csum_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (__u32)s;
}

/*
 * The UDP checksum of the IPv6 datagram at offset off of the packet, which
 * ends with the frame (the caller trimmed it): pseudo-header (RFC 8200
 * 8.1: source, destination, upper-layer length, next header 17), then the
 * UDP header and payload, summed by the kernel's csum_partial() through
 * bpf_csum_diff() in 256-byte chunks and smaller powers of two, the last
 * odd byte by hand.  A result of 0 is sent as 0xffff (RFC 768).  Returns
 * 0, or -1 when the datagram is longer than the chunks cover.
 *
 * A global function: the verifier checks it once, on its own, instead of
 * at every place it is inlined (each chunk is a branch: inlined four
 * times, the walk of xdp_s1u_ipv6 went past the verifier's budget).
 */
__attribute__((noinline)) int xepc_udp6_csum(struct xdp_md *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip6, *p;
	__u32 *w;
	__u64 sum = 0;
	__u16 c;
	int i;

	if (off > 64)
		return -1;
	ip6 = data + off;
	if ((void *)(ip6 + IP6_HLEN + 8) > end)
		return -1;
	p = ip6 + IP6_HLEN;
	w = (__u32 *)(ip6 + 8);
	*(__u16 *)(ip6 + 46) = 0;
#pragma unroll
	for (i = 0; i < 8; i++)
		sum += w[i];
	sum += *(__u16 *)(ip6 + 4);		/* payload length = UDP length */
	sum += bpf_htons(IPPROTO_UDP);
	for (i = 0; i < XEPC_CSUM_CHUNKS; i++) {
		if ((void *)(p + XEPC_CSUM_CHUNK) > end)
			break;
		sum += (__u32)bpf_csum_diff(NULL, 0, (void *)p, XEPC_CSUM_CHUNK, 0);
		p += XEPC_CSUM_CHUNK;
	}
	if ((void *)(p + XEPC_CSUM_CHUNK) <= end)
		return -1;
#define CSUM_PART(n)							\
	if ((void *)(p + (n)) <= end) {					\
		sum += (__u32)bpf_csum_diff(NULL, 0, (void *)p, (n), 0);	\
		p += (n);						\
	}
	CSUM_PART(128)
	CSUM_PART(64)
	CSUM_PART(32)
	CSUM_PART(16)
	CSUM_PART(8)
	CSUM_PART(4)
#undef CSUM_PART
	if ((void *)(p + 2) <= end) {
		sum += *(__u16 *)p;
		p += 2;
	}
	if ((void *)(p + 1) <= end)
		sum += bpf_htons((__u16)*p << 8);
	c = csum_fold32(csum_fold64(sum));
	*(__u16 *)(ip6 + 46) = c ?: 0xffff;
	return 0;
}

/* xepc_udp6_csum() of the IPv6 header at ip6, a pointer into ctx's packet. */
static __always_inline int udp6_csum_set(struct xdp_md *ctx, __u8 *ip6)
{
	return xepc_udp6_csum(ctx, (__u32)((void *)ip6 - (void *)(long)ctx->data));
}

/*
 * Outer IPv6/UDP/GTP-U (56 bytes) at ip for a T-PDU of inner_len bytes to
 * the eNB dst from our src: traffic class of the inner packet, flow label
 * 0, hop limit outer_ttl; UDP 2152 both ways; the G-PDU header as in
 * gtpu_encap_hdrs().  The UDP checksum is left 0 for udp6_csum_set(),
 * once the T-PDU is in place.
 */
static __always_inline void gtpu_encap_hdrs6(__u8 *ip, const struct xepc_config *cfg,
					     const __u8 *src, const __u8 *dst,
					     __u32 teid_remote, __u32 inner_len,
					     __u8 tclass)
{
	__u32 *w = (__u32 *)ip;
	__u8 hl = cfg->outer_ttl ?: 64;
	__be16 ulen = bpf_htons(inner_len + 16);

	w[0] = bpf_htonl(6u << 28 | (__u32)tclass << 20);
	w[1] = HDR_W16X2(ulen, 0) | HDR_W32(0, 0, IPPROTO_UDP, hl);
	__builtin_memcpy(ip + 8, src, 16);
	__builtin_memcpy(ip + 24, dst, 16);
	w[10] = HDR_W16X2(bpf_htons(XEPC_GTPU_PORT), bpf_htons(XEPC_GTPU_PORT));
	w[11] = HDR_W16X2(ulen, 0);
	w[12] = HDR_W32(0x30, XEPC_GTP_GPDU, 0, 0) | HDR_W16X2(0, bpf_htons(inner_len));
	w[13] = bpf_htonl(teid_remote);
}

/* An unknown TEID over IPv6: the event of ev_unknown_teid(), with the
 * 128-bit addresses (struct xepc_ev_unknown_teid6), under the same rate
 * limits (per peer by ip6_key32()). */
static __always_inline void ev_unknown_teid6(const struct xepc_config *cfg,
					     __u32 teid, const __u8 *ip6,
					     __be16 port)
{
	struct xepc_ev_unknown_teid6 *ev;
	__u64 now;

	if (!ev_teid_allowed(cfg, teid, ip6_key32(ip6 + 8), &now))
		return;
	ev = bpf_ringbuf_reserve(&xepc_teid_ev, sizeof(*ev), 0);
	if (!ev) {
		stat_cnt(XEPC_CNT_EV_TEID_LOST, 0);
		return;
	}
	ev_hdr(&ev->hdr, XEPC_EV_UNKNOWN_TEID6, 0, NULL, now);
	ev->teid = teid;
	ev->peer_port = port;
	ev->pad = 0;
	__builtin_memcpy(ev->peer_addr, ip6 + 8, 16);
	__builtin_memcpy(ev->local_addr, ip6 + 24, 16);
	bpf_ringbuf_submit(ev, 0);
	stat_cnt(XEPC_CNT_EV_UNKNOWN_TEID, 0);
}

#endif /* XEPC_OUTER6_H */
