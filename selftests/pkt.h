/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt.h — frame builders for the selftests (independent of bpf/parse.h,
 * so that a parser bug is not mirrored by the builder).
 */
#ifndef XEPC_SELFTEST_PKT_H
#define XEPC_SELFTEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* Inner (UE) IPv4 packet. */
struct inner_spec {
	uint32_t src, dst;	/* network order */
	uint8_t proto;		/* 6, 17, 1, ... */
	uint16_t sport, dport;	/* host order */
	size_t payload;		/* bytes of L4 payload */
	uint8_t ttl;		/* 0 -> 64 */
	uint8_t tos;
	uint16_t frag_off;	/* host order, flags+offset */
	int version;		/* 0 -> 4; 6 writes a bare IPv6 header */
};

/* Outer Ethernet/IPv4/UDP/GTP-U. */
struct gtp_spec {
	int vlan;		/* 1: one 802.1Q tag (VID 100) */
	size_t ip_opts;		/* bytes of IPv4 options (multiple of 4) */
	uint16_t frag_off;	/* host order */
	uint32_t src, dst;	/* network order; 0 -> 10.10.0.2 / 10.10.0.1 */
	uint16_t sport, dport;	/* 0 -> 2152 */
	uint8_t flags;		/* 0 -> 0x30; E/S/PN bits added as needed */
	uint8_t type;		/* 0 -> 255 */
	uint32_t teid;
	uint16_t seq;
	int with_opt;		/* add the 4 optional octets even without E */
	const uint8_t *ext;	/* extension headers (raw, each ending with
				 * its next-type octet) */
	size_t ext_len;
	uint8_t first_ext;	/* next-extension type in the optional octets */
	int len_delta;		/* added to the correct GTP length */
	int udp_len_delta;	/* added to the correct UDP length */
	size_t tail;		/* extra bytes after the IP packet (padding) */
};

size_t pkt_inner(uint8_t *buf, const struct inner_spec *s);
size_t pkt_gtp(uint8_t *buf, const struct gtp_spec *g, const uint8_t *tpdu,
	       size_t tpdu_len);
/* Ethernet (+VLAN) + IPv4 packet, as arriving on SGi or the UE device. */
size_t pkt_eth(uint8_t *buf, int vlan, const uint8_t *ip, size_t ip_len);

uint16_t pkt_csum(const void *data, size_t len);	/* RFC 1071, folded */
/* 1 when the IPv4 header at ip and its TCP/UDP checksum are valid. */
int pkt_ipv4_csum_ok(const uint8_t *ip);
int pkt_l4_csum_ok(const uint8_t *ip);

uint32_t ip4(const char *dotted);	/* network order */

/* ---------------------------------------------------------------- IPv6 */

void pkt_a6(uint8_t out[16], const char *text);	/* inet_pton(AF_INET6) */
/* An IPv6 packet src -> dst, next header nh, hop limit hl, with pl bytes of
 * payload (copied from p, or zeroes when p is NULL); returns its length. */
size_t pkt_ip6(uint8_t *b, const char *src, const char *dst, uint8_t nh,
	       uint8_t hl, const uint8_t *p, size_t pl);
/* A UDP datagram sport -> dport of payload bytes in an IPv6 packet, with its
 * checksum (RFC 8200 8.1); returns the IPv6 packet's length. */
size_t pkt_udp6(uint8_t *b, const char *src, const char *dst, uint16_t sport,
		uint16_t dport, uint8_t hl, size_t payload);
/* The one's complement sum over the RFC 8200 8.1 pseudo-header (next header
 * nh) and the upper-layer packet after the 40-byte IPv6 header at ip (no
 * extension headers): 0 when its checksum is valid. */
uint16_t pkt_l4_sum6(const uint8_t *ip, uint8_t nh);
/* Writes the ICMPv6 checksum (RFC 4443 2.3) of the packet at ip. */
void pkt_icmp6_fill(uint8_t *ip);
/* Ethernet + IPv6 packet, as arriving on SGi or the UE device. */
size_t pkt_eth6(uint8_t *buf, const uint8_t *ip, size_t ip_len);

#endif /* XEPC_SELFTEST_PKT_H */
