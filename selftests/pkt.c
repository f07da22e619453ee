// SPDX-License-Identifier: GPL-2.0-only
/* pkt.c — frame builders and checksum checks for the selftests. */
#include <string.h>
#include <arpa/inet.h>
#include "pkt.h"

uint32_t ip4(const char *dotted)
{
	return inet_addr(dotted);
}

static uint32_t sum16(const void *data, size_t len, uint32_t s)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t pkt_csum(const void *data, size_t len)
{
	return fold(sum16(data, len, 0));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* TCP/UDP checksum over the pseudo header (RFC 768, RFC 793). */
static uint16_t l4_csum(const uint8_t *ip, const uint8_t *l4, size_t l4len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	put16(ph + 10, (uint16_t)l4len);
	return fold(sum16(l4, l4len, sum16(ph, 12, 0)));
}

size_t pkt_inner(uint8_t *b, const struct inner_spec *s)
{
	size_t l4 = 0, tot;
	uint8_t *t;

	if (s->version == 6) {
		memset(b, 0, 40);
		b[0] = 0x60;
		put16(b + 4, (uint16_t)s->payload);
		b[6] = 59;
		b[7] = 64;
		return 40 + s->payload;
	}
	if (s->proto == 6)
		l4 = 20;
	else if (s->proto == 17)
		l4 = 8;
	else if (s->proto == 1)
		l4 = 8;
	tot = 20 + l4 + s->payload;
	memset(b, 0, tot);
	b[0] = 0x45;
	b[1] = s->tos;
	put16(b + 2, (uint16_t)tot);
	put16(b + 4, 0x1234);
	put16(b + 6, s->frag_off);
	b[8] = s->ttl ? s->ttl : 64;
	b[9] = s->proto;
	memcpy(b + 12, &s->src, 4);
	memcpy(b + 16, &s->dst, 4);
	put16(b + 10, pkt_csum(b, 20));
	t = b + 20;
	for (size_t i = 0; i < s->payload; i++)
		t[l4 + i] = (uint8_t)(i * 7 + 1);
	if (s->proto == 6) {
		put16(t, s->sport);
		put16(t + 2, s->dport);
		t[12] = 5 << 4;
		t[13] = 0x18;
		put16(t + 14, 65535);
		put16(t + 16, l4_csum(b, t, l4 + s->payload));
	} else if (s->proto == 17) {
		put16(t, s->sport);
		put16(t + 2, s->dport);
		put16(t + 4, (uint16_t)(8 + s->payload));
		put16(t + 6, l4_csum(b, t, 8 + s->payload));
		if (!get16(t + 6))
			put16(t + 6, 0xffff);
	} else if (s->proto == 1) {
		t[0] = 8;
		put16(t + 2, pkt_csum(t, 8 + s->payload));
	}
	return tot;
}

static size_t eth_hdr(uint8_t *b, int vlan, uint16_t proto)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0x0e, 0x02 };

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan) {
		put16(b + 12, 0x8100);
		put16(b + 14, 100);
		put16(b + 16, proto);
		return 18;
	}
	put16(b + 12, proto);
	return 14;
}

size_t pkt_eth(uint8_t *b, int vlan, const uint8_t *ip, size_t ip_len)
{
	size_t l2 = eth_hdr(b, vlan, 0x0800);

	memcpy(b + l2, ip, ip_len);
	return l2 + ip_len;
}

size_t pkt_gtp(uint8_t *b, const struct gtp_spec *g, const uint8_t *tpdu,
	       size_t tpdu_len)
{
	size_t l2 = eth_hdr(b, g->vlan, 0x0800), ihl = 20 + g->ip_opts;
	uint8_t *ip = b + l2, *udp = ip + ihl, *gh = udp + 8, *p;
	uint8_t flags = g->flags ? g->flags : 0x30;
	size_t gtp_len, opt = 0, tot;
	uint32_t src = g->src ? g->src : ip4("10.10.0.2");
	uint32_t dst = g->dst ? g->dst : ip4("10.10.0.1");
	uint32_t teid = htonl(g->teid);

	if (g->ext_len)
		flags |= 0x04;
	if (g->seq)
		flags |= 0x02;
	if ((flags & 0x07) || g->with_opt)
		opt = 4;
	gtp_len = opt + g->ext_len + tpdu_len;
	tot = ihl + 8 + 8 + gtp_len;

	memset(ip, 0, ihl);
	ip[0] = 0x40 | (uint8_t)(ihl / 4);
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 6, g->frag_off);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	if (g->ip_opts) {
		/* NOPs then End of Option List */
		memset(ip + 20, 1, g->ip_opts);
		ip[20 + g->ip_opts - 1] = 0;
	}
	put16(ip + 10, pkt_csum(ip, ihl));

	put16(udp, g->sport ? g->sport : 2152);
	put16(udp + 2, g->dport ? g->dport : 2152);
	put16(udp + 4, (uint16_t)(8 + 8 + gtp_len + g->udp_len_delta));
	put16(udp + 6, 0);

	gh[0] = flags;
	gh[1] = g->type ? g->type : 255;
	put16(gh + 2, (uint16_t)((int)gtp_len + g->len_delta));
	memcpy(gh + 4, &teid, 4);
	p = gh + 8;
	if (opt) {
		put16(p, g->seq);
		p[2] = 0;
		p[3] = g->ext_len ? g->first_ext : 0;
		p += 4;
	}
	if (g->ext_len)
		memcpy(p, g->ext, g->ext_len);
	p += g->ext_len;
	if (tpdu_len)
		memcpy(p, tpdu, tpdu_len);
	p += tpdu_len;
	memset(p, 0, g->tail);
	return l2 + tot + g->tail;
}

int pkt_ipv4_csum_ok(const uint8_t *ip)
{
	return pkt_csum(ip, (ip[0] & 0xf) * 4) == 0;
}

int pkt_l4_csum_ok(const uint8_t *ip)
{
	size_t ihl = (ip[0] & 0xf) * 4, tot = get16(ip + 2);
	const uint8_t *l4 = ip + ihl;

	if (ip[9] == 17 && get16(l4 + 6) == 0)
		return 1;
	if (ip[9] != 6 && ip[9] != 17)
		return 1;
	return l4_csum(ip, l4, tot - ihl) == 0;
}

/* ---------------------------------------------------------------- IPv6 */

void pkt_a6(uint8_t out[16], const char *text)
{
	inet_pton(AF_INET6, text, out);
}

size_t pkt_ip6(uint8_t *b, const char *src, const char *dst, uint8_t nh,
	       uint8_t hl, const uint8_t *p, size_t pl)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)pl);
	b[6] = nh;
	b[7] = hl;
	pkt_a6(b + 8, src);
	pkt_a6(b + 24, dst);
	if (p)
		memcpy(b + 40, p, pl);
	else
		memset(b + 40, 0, pl);
	return 40 + pl;
}

uint16_t pkt_l4_sum6(const uint8_t *ip, uint8_t nh)
{
	size_t pl = get16(ip + 4);
	uint32_t s = sum16(ip + 8, 32, 0);

	s += (uint32_t)pl + nh;
	return fold(sum16(ip + 40, pl, s));
}

size_t pkt_udp6(uint8_t *b, const char *src, const char *dst, uint16_t sport,
		uint16_t dport, uint8_t hl, size_t payload)
{
	size_t n = pkt_ip6(b, src, dst, 17, hl, NULL, 8 + payload);
	uint8_t *u = b + 40;
	uint16_t c;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + payload));
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 7 + 1);
	c = pkt_l4_sum6(b, 17);
	put16(u + 6, c ? c : 0xffff);
	return n;
}

void pkt_icmp6_fill(uint8_t *ip)
{
	uint16_t c;

	ip[42] = ip[43] = 0;
	c = pkt_l4_sum6(ip, 58);
	put16(ip + 42, c);
}

size_t pkt_eth6(uint8_t *b, const uint8_t *ip, size_t ip_len)
{
	size_t l2 = eth_hdr(b, 0, 0x86dd);

	memcpy(b + l2, ip, ip_len);
	return l2 + ip_len;
}
