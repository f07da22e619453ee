/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.h — small packet parsers shared by the XDP and TC programs.
 *
 * Each parser takes the packet bounds and an offset, checks what it reads,
 * and returns 0 (fields filled in), a positive enum xepc_drop_reason, or
 * PARSE_PASS when the packet is not ours and belongs to the kernel stack.
 * Offsets are kept below PARSE_MAX_OFF so that the verifier can bound every
 * packet access.
 */
#ifndef XEPC_PARSE_H
#define XEPC_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xepc_dp.h"

#define PARSE_PASS	(-1)
#define PARSE_MAX_OFF	1024	/* headers end before this offset */

#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8
#define IP_MF_		0x2000
#define IP_OFFMASK_	0x1fff

struct vlan_hdr_ {
	__be16 tci;
	__be16 proto;
};

struct gtpu_hdr {
	__u8 flags;		/* version(3) PT(1) spare(1) E(1) S(1) PN(1) */
	__u8 type;
	__be16 length;		/* octets after the first 8 */
	__be32 teid;
};

#define GTP_FLAG_PN	0x01
#define GTP_FLAG_S	0x02
#define GTP_FLAG_E	0x04
#define GTP_FLAG_PT	0x10

struct l2_info {
	__u32 len;		/* 14, or 18 with one 802.1Q/802.1ad tag */
	__u16 proto;		/* host order ethertype after the tag */
	__u16 pad;
};

struct gtpu_info {
	__u32 teid;		/* host order */
	__u32 hdr_len;		/* from the GTP header to the T-PDU, bytes */
	__u32 msg_len;		/* 8 + GTP length field: whole GTP message */
	__u16 seq;		/* host order; 0 when S is clear */
	__u8 type;
	__u8 flags;
};

/* Ethernet with at most one VLAN tag. */
static __always_inline int parse_eth(void *data, void *end, struct l2_info *l2)
{
	struct ethhdr *eth = data;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XEPC_DROP_ETH_TRUNC;
	proto = bpf_ntohs(eth->h_proto);
	l2->len = sizeof(*eth);
	if (proto == ETH_P_8021Q_ || proto == ETH_P_8021AD_) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		if ((void *)(vh + 1) > end)
			return XEPC_DROP_VLAN_TRUNC;
		proto = bpf_ntohs(vh->proto);
		l2->len += sizeof(*vh);
		/* A second tag (QinQ) is not ours: the stack has the devices. */
		if (proto == ETH_P_8021Q_ || proto == ETH_P_8021AD_)
			return PARSE_PASS;
	}
	l2->proto = proto;
	return 0;
}

/*
 * Outer IPv4 (RFC 791): options allowed through IHL; the total length must
 * fit the frame (Ethernet padding after it is allowed).  Fragments are
 * PARSE_PASS: the kernel reassembles them and its UDP socket on 2152 (the
 * userspace GTP-U path) gets the packet.
 */
static __always_inline int parse_ipv4(void *data, void *end, __u32 off,
				      struct iphdr **out, __u32 *hlen)
{
	struct iphdr *iph;
	__u32 ihl, tot;

	if (off > PARSE_MAX_OFF)
		return XEPC_DROP_IP_TRUNC;
	iph = data + off;
	if ((void *)(iph + 1) > end)
		return XEPC_DROP_IP_TRUNC;
	if (iph->version != 4)
		return PARSE_PASS;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return XEPC_DROP_IP_HDR_LEN;
	if ((void *)iph + ihl > end)
		return XEPC_DROP_IP_HDR_LEN;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < ihl || (void *)iph + tot > end)
		return XEPC_DROP_IP_TOT_LEN;
	if (iph->frag_off & bpf_htons(IP_MF_ | IP_OFFMASK_))
		return PARSE_PASS;
	*out = iph;
	*hlen = ihl;
	return 0;
}

/* UDP (RFC 768): the length must be the rest of the IPv4 packet. */
static __always_inline int parse_udp(void *data, void *end, __u32 off,
				     __u32 ip_payload, struct udphdr **out)
{
	struct udphdr *uh;
	__u32 len;

	if (off > PARSE_MAX_OFF)
		return XEPC_DROP_UDP_TRUNC;
	uh = data + off;
	if ((void *)(uh + 1) > end || ip_payload < sizeof(*uh))
		return XEPC_DROP_UDP_TRUNC;
	len = bpf_ntohs(uh->len);
	if (len != ip_payload)
		return XEPC_DROP_UDP_LEN;
	*out = uh;
	return 0;
}

/*
 * GTP-U header, TS 29.281 5.1 and 5.2.  udp_payload is the number of bytes
 * after the UDP header (from the UDP length).  The GTP length field (octets
 * after the mandatory 8) must describe exactly that many: a longer length
 * is a truncated packet, a shorter one trailing garbage.  The optional
 * 4 octets (sequence number, N-PDU number, next extension header type) are
 * present when any of E, S, PN is set (5.1).  The extension-header chain
 * (5.2.1) is walked: each header's first octet is its length in 4-octet
 * units (0 is invalid), its last octet the next type; 0 ends the chain.
 * The types themselves are not interpreted, so a PDU Session Container
 * (0x85, TS 38.415) or any unknown but well-formed header is skipped.
 */
static __always_inline int parse_gtpu(void *data, void *end, __u32 off,
				      __u32 udp_payload, struct gtpu_info *gi)
{
	struct gtpu_hdr *gh;
	__u32 msg_len, hlen = sizeof(*gh);
	__u8 next = 0;

	if (off > PARSE_MAX_OFF)
		return XEPC_DROP_GTP_TRUNC;
	gh = data + off;
	if ((void *)(gh + 1) > end || udp_payload < sizeof(*gh))
		return XEPC_DROP_GTP_TRUNC;
	if ((gh->flags >> 5) != 1)
		return XEPC_DROP_GTP_VERSION;
	if (!(gh->flags & GTP_FLAG_PT))
		return XEPC_DROP_GTP_PT;
	msg_len = sizeof(*gh) + bpf_ntohs(gh->length);
	if (msg_len > udp_payload)
		return XEPC_DROP_GTP_LEN_LONG;
	if (msg_len < udp_payload)
		return XEPC_DROP_GTP_LEN_SHORT;

	gi->seq = 0;
	if (gh->flags & (GTP_FLAG_E | GTP_FLAG_S | GTP_FLAG_PN)) {
		__u8 *opt = (void *)(gh + 1);

		if ((void *)(opt + 4) > end || msg_len < hlen + 4)
			return XEPC_DROP_GTP_TRUNC;
		gi->seq = ((__u16)opt[0] << 8) | opt[1];
		next = opt[3];
		hlen += 4;
	}
	if (gh->flags & GTP_FLAG_E) {
		int i;

		for (i = 0; i < XEPC_GTP_MAX_EXT_HDRS && next; i++) {
			__u8 *ext, *last;
			__u32 elen;

			if (hlen > PARSE_MAX_OFF)
				return XEPC_DROP_GTP_EXT_TRUNC;
			ext = (void *)gh + hlen;
			if ((void *)(ext + 1) > end || hlen + 1 > msg_len)
				return XEPC_DROP_GTP_EXT_TRUNC;
			elen = (__u32)ext[0] * 4;
			if (!elen)
				return XEPC_DROP_GTP_EXT_LEN;
			if (hlen + elen > msg_len)
				return XEPC_DROP_GTP_EXT_TRUNC;
			/* elen <= 1020: the verifier sees a bounded offset */
			last = ext + (elen - 1);
			if ((void *)(last + 1) > end)
				return XEPC_DROP_GTP_EXT_TRUNC;
			next = *last;
			hlen += elen;
		}
		if (next)
			return XEPC_DROP_GTP_EXT_TOO_MANY;
	}
	gi->teid = bpf_ntohl(gh->teid);
	gi->type = gh->type;
	gi->flags = gh->flags;
	gi->hdr_len = hlen;
	gi->msg_len = msg_len;
	return 0;
}

/* ------------------------------------------------------ checksums ---- */

static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), on raw (network order) words. */
static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~(from & 0xffff);
	s += (__u16)~(from >> 16);
	s += to & 0xffff;
	s += to >> 16;
	*sum = csum_fold32(s);
}

static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~from;
	s += to;
	*sum = csum_fold32(s);
}

/* Header checksum of a 20-byte IPv4 header (RFC 791 3.1). */
static __always_inline __u16 ipv4_csum20(struct iphdr *iph)
{
	__u16 *w = (__u16 *)iph;
	__u32 s = 0;
	int i;

	iph->check = 0;
#pragma unroll
	for (i = 0; i < 10; i++)
		s += w[i];
	return csum_fold32(s);
}

#endif /* XEPC_PARSE_H */
