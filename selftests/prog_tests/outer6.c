// SPDX-License-Identifier: GPL-2.0-only
/*
 * outer6: GTP-U over IPv6 on S1-U (TS 29.281 4.4.1; bpf/outer6.h) — uplink
 * G-PDUs over IPv6 with inner IPv4 and inner IPv6 decapsulated and
 * forwarded, UDP checksum 0 refused (RFC 8200 8.1), Echo Request answered
 * over IPv6, unknown TEIDs reported with their IPv6 addresses, the
 * downlink of IPv4 and IPv6 UEs encapsulated in IPv6/UDP/GTP-U toward an
 * eNB on IPv6 with a valid UDP checksum, Router Solicitation and TTL
 * expiry answered through an IPv6 tunnel.  The frames and the checksum
 * check are built here, independently of bpf/outer6.h.
 */
#include <arpa/inet.h>
#include <string.h>

#include "../dp_env.h"
#include "../pkt.h"

#define SID 9
#define TEID (0x01000000u | SID)
#define GW6 "2001:db8:10::1"
#define ENB6 "2001:db8:10::2"

static const uint8_t PFX[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, 0x09 };

/* Ethernet / IPv6 src -> dst / UDP 2152 / GTP-U (type, teid; S flag and
 * seq with seq != 0) / tpdu; the UDP checksum filled unless zero_csum */
static size_t gtp6(uint8_t *f, const char *src, const char *dst, uint8_t type,
		   uint32_t teid, uint16_t seq, const uint8_t *tpdu, size_t tl,
		   int zero_csum)
{
	static const uint8_t gw_mac[6] = { 2, 0, 0, 0, 1, 1 };
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };
	size_t gl = 8 + (seq ? 4 : 0), ul = 8 + gl + tl;
	uint8_t *ip = f + 14, *u = ip + 40, *g = u + 8;

	memcpy(f, gw_mac, 6);
	memcpy(f + 6, enb_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = ul >> 8;
	ip[5] = ul & 0xff;
	ip[6] = 17;
	ip[7] = 64;
	pkt_a6(ip + 8, src);
	pkt_a6(ip + 24, dst);
	u[0] = u[2] = 2152 >> 8;
	u[1] = u[3] = 2152 & 0xff;
	u[4] = ul >> 8;
	u[5] = ul & 0xff;
	u[6] = u[7] = 0;
	g[0] = seq ? 0x32 : 0x30;
	g[1] = type;
	g[2] = (gl - 8 + tl) >> 8;
	g[3] = (gl - 8 + tl) & 0xff;
	g[4] = teid >> 24;
	g[5] = teid >> 16;
	g[6] = teid >> 8;
	g[7] = teid;
	if (seq) {
		g[8] = seq >> 8;
		g[9] = seq & 0xff;
		g[10] = g[11] = 0;
	}
	if (tl)
		memcpy(g + gl, tpdu, tl);
	if (!zero_csum) {
		uint16_t c = pkt_l4_sum6(ip, 17);

		c = c ? c : 0xffff;
		u[6] = c >> 8;
		u[7] = c & 0xff;
		if (pkt_l4_sum6(ip, 17))
			printf("# gtp6: bad checksum built\n");
	}
	return 14 + 40 + ul;
}

static int s1u6(struct dp_env *e, __u32 idx, const char *addr, __u32 cookie)
{
	struct xepc_s1u6 v = { .cookie = cookie, .flags = XEPC_S1U6_VALID };

	pkt_a6(v.addr, addr);
	return bpf_map_update_elem(e->fd_s1u6, &idx, &v, BPF_ANY);
}

static int sess6(struct dp_env *e, __u32 sid, __u32 cookie)
{
	return env_sess6(e, sid, PFX, cookie);
}

/* the outer IPv6 G-PDU the downlink wrote at o (after Ethernet) */
static void check_outer6(struct test_ctx *t, const uint8_t *o, size_t tl,
			 const struct xepc_session *s, const char *what)
{
	uint8_t a[16];

	ASSERT_EQ(o[0] >> 4, 6, what);
	ASSERT_EQ(o[4] << 8 | o[5], 16 + tl, "payload length = UDP + GTP-U + T-PDU");
	ASSERT_EQ(o[6], 17, "UDP");
	pkt_a6(a, GW6);
	ASSERT_MEMEQ(o + 8, a, 16, "from our IPv6 S1-U address");
	pkt_a6(a, ENB6);
	ASSERT_MEMEQ(o + 24, a, 16, "to the session's eNB");
	ASSERT_EQ(o[40] << 8 | o[41], 2152, "UDP source 2152");
	ASSERT_EQ(o[42] << 8 | o[43], 2152, "UDP destination 2152");
	ASSERT_TRUE((o[46] | o[47]) != 0, "UDP checksum present (RFC 8200 8.1)");
	ASSERT_EQ(pkt_l4_sum6(o, 17), 0, "UDP checksum valid");
	ASSERT_EQ(o[48], 0x30, "GTP-U v1 PT");
	ASSERT_EQ(o[49], 255, "G-PDU");
	ASSERT_EQ(o[50] << 8 | o[51], tl, "GTP-U length");
	ASSERT_EQ((__u32)(o[52] << 24 | o[53] << 16 | o[54] << 8 | o[55]), s->teid_remote,
		  "the eNB's TEID");
}

void test_outer6(struct test_ctx *t)
{
	static const uint8_t pdn_mac[6] = { 2, 0, 0, 0, 0x0d, 2 };
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };
	struct xepc_session s = env_default_session(SID);
	uint8_t f[4096], out[4096], in[2048], a[16];
	size_t len, il, out_len = 0;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	s.cookie = 0x77;
	s.flags |= XEPC_SF_ENB6;
	s.enb_addr = 0;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	ASSERT_OK(sess6(&e, SID, s.cookie), "IPv6 prefix");
	ASSERT_OK(s1u6(&e, SID, ENB6, s.cookie), "the eNB's IPv6 address");

	test__start_subtest(t, "ul_outer6_without_our_address_passed");
	{
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .sport = 1000, .dport = 2000,
					 .payload = 50 };

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "no IPv6 S1-U address: the stack's");
		ASSERT_EQ(env_cnt(&e, UL_OUTER6), 0, "UL_OUTER6");
	}
	ASSERT_OK(s1u6(&e, 0, GW6, 0), "our IPv6 S1-U address");

	test__start_subtest(t, "ul_outer6_inner4_forwarded");
	{
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .sport = 1000, .dport = 2000,
					 .payload = 300 };

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + il, "decapsulated frame length");
		ASSERT_MEMEQ(out, pdn_mac, 6, "to the PDN router");
		ASSERT_EQ(out[12] << 8 | out[13], 0x0800, "ethertype IPv4");
		ASSERT_EQ(out[14 + 8], 63, "TTL decremented");
		ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "inner IPv4 checksum");
		ASSERT_EQ(env_cnt(&e, UL_OUTER6), 1, "UL_OUTER6");
		ASSERT_EQ(env_cnt(&e, UL_FWD), 1, "UL_FWD");
		ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
		ASSERT_EQ(u.ul_bytes, il, "ul_bytes");
	}

	test__start_subtest(t, "ul_outer6_inner6_forwarded");
	{
		uint8_t udp[28] = { 0x13, 0x88, 0x17, 0x70, 0, 28 };

		il = pkt_ip6(in, "2001:db8:45:9::5", "2001:db8:51::10", 17, 64, udp, sizeof(udp));
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + il, "decapsulated frame length");
		ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "ethertype IPv6");
		ASSERT_EQ(out[14 + 7], 63, "hop limit decremented");
		ASSERT_EQ(env_cnt(&e, UL_OUTER6), 2, "UL_OUTER6");
		ASSERT_EQ(env_cnt(&e, UL6_RX), 1, "UL6_RX");
	}

	test__start_subtest(t, "ul_outer6_udp_checksum_0_dropped");
	{
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .sport = 1000, .dport = 2000,
					 .payload = 20 };

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 1);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
		ASSERT_EQ(env_drops(&e, UDP6_CSUM_ZERO), 1, "UDP6_CSUM_ZERO");
	}

	test__start_subtest(t, "ul_outer6_other_destination_passed");
	{
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .payload = 20 };

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, "2001:db8:10::99", 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "not our address: the stack's");
	}

	test__start_subtest(t, "echo6_answered");
	{
		const uint8_t *o;

		len = gtp6(f, ENB6, GW6, 1, 0, 0x4242, NULL, 0, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX");
		ASSERT_EQ(out_len, 14 + 40 + 8 + 14, "Ethernet + IPv6 + UDP + echo 14");
		ASSERT_MEMEQ(out, enb_mac, 6, "back to the eNB's MAC");
		o = out + 14;
		pkt_a6(a, GW6);
		ASSERT_MEMEQ(o + 8, a, 16, "from our address");
		pkt_a6(a, ENB6);
		ASSERT_MEMEQ(o + 24, a, 16, "to the requester");
		ASSERT_EQ(pkt_l4_sum6(o, 17), 0, "UDP checksum valid");
		ASSERT_EQ(o[49], 2, "Echo Response");
		ASSERT_EQ(o[56] << 8 | o[57], 0x4242, "same sequence number");
		ASSERT_EQ(o[60], 14, "Recovery IE");
		ASSERT_EQ(o[61], 7, "restart counter");
	}

	test__start_subtest(t, "unknown_teid6_reported");
	{
		const struct xepc_ev_unknown_teid6 *ev;
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .payload = 20 };

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, GW6, 255, 0x01000000u | 77, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
		ASSERT_EQ(env_drops(&e, UNKNOWN_TEID), 1, "UNKNOWN_TEID");
		env_poll_events(&e);
		ev = env_event(&e, XEPC_EV_UNKNOWN_TEID6, 0);
		if (ASSERT_TRUE(ev != NULL, "an XEPC_EV_UNKNOWN_TEID6 event")) {
			ASSERT_EQ(ev->teid, 0x01000000u | 77, "its TEID");
			pkt_a6(a, ENB6);
			ASSERT_MEMEQ(ev->peer_addr, a, 16, "the eNB's address");
			pkt_a6(a, GW6);
			ASSERT_MEMEQ(ev->local_addr, a, 16, "our address");
			ASSERT_EQ(ntohs(ev->peer_port), 2152, "its source port");
		}
	}

	test__start_subtest(t, "dl_inner4_to_enb6_encapsulated");
	{
		len = env_dl(f, "198.51.100.7", inet_ntoa((struct in_addr){ s.ue_addr }), 17,
			     53, 4000, 1000, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + 56 + il, "Ethernet + outer IPv6 56 + the packet");
		ASSERT_MEMEQ(out, enb_mac, 6, "to the eNB's MAC (IPv6 neighbour)");
		ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "ethertype IPv6");
		check_outer6(t, out + 14, il, &s, "outer IPv6");
		ASSERT_EQ(out[14 + 56 + 8], 63, "inner TTL decremented");
		ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14 + 56), "inner IPv4 checksum");
		ASSERT_EQ(env_cnt(&e, DL_ENB6), 1, "DL_ENB6");
		ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
		ASSERT_EQ(u.dl_bytes, il, "dl_bytes");
	}

	test__start_subtest(t, "dl_odd_length_checksum");
	{
		len = env_dl(f, "198.51.100.7", inet_ntoa((struct in_addr){ s.ue_addr }), 17,
			     53, 4000, 1333, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		check_outer6(t, out + 14, il, &s, "outer IPv6, odd length");
	}

	test__start_subtest(t, "dl_inner6_to_enb6_encapsulated");
	{
		uint8_t udp[100] = { 0x13, 0x88, 0x17, 0x70, 0, 100 };

		il = pkt_ip6(in, "2001:db8:51::10", "2001:db8:45:9::abcd", 17, 64, udp, sizeof(udp));
		len = pkt_eth(f, 0, in, il);
		f[12] = 0x86;
		f[13] = 0xdd;
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + 56 + il, "encapsulated length");
		check_outer6(t, out + 14, il, &s, "outer IPv6");
		ASSERT_EQ(out[14 + 56 + 7], 63, "inner hop limit decremented");
		ASSERT_EQ(env_cnt(&e, DL_ENB6), 3, "DL_ENB6");
	}

	test__start_subtest(t, "rs_over_outer6_answered_over_ipv6");
	{
		uint8_t rs[8] = { 133 };
		const uint8_t *o, *ip;

		il = pkt_ip6(in, "fe80::1234", "ff02::2", 58, 255, rs, sizeof(rs));
		in[42] = 0;	/* the ICMPv6 checksum is not verified */
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX");
		ASSERT_EQ(out_len, 14 + 56 + 40 + 56, "Ethernet + outer 56 + IPv6 + RA");
		ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "outer IPv6");
		o = out + 14;
		check_outer6(t, o, 40 + 56, &s, "the RA's tunnel");
		ip = o + 56;
		ASSERT_EQ(pkt_l4_sum6(ip, 58), 0, "ICMPv6 checksum");
		ASSERT_EQ(ip[40], 134, "Router Advertisement");
		ASSERT_MEMEQ(ip + 40 + 32, PFX, 8, "the UE's /64");
	}

	test__start_subtest(t, "ttl_exceeded_over_outer6");
	{
		struct inner_spec is = { .src = s.ue_addr, .dst = ip4("198.51.100.7"),
					 .proto = 17, .sport = 1000, .dport = 2000,
					 .payload = 40, .ttl = 1 };
		const uint8_t *o, *ip;

		il = pkt_inner(in, &is);
		len = gtp6(f, ENB6, GW6, 255, TEID, 0, in, il, 0);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX");
		ASSERT_EQ(out_len, 14 + 56 + 20 + 8 + 28, "ICMP quoting header + 8");
		o = out + 14;
		check_outer6(t, o, 20 + 8 + 28, &s, "the ICMP's tunnel");
		ip = o + 56;
		ASSERT_TRUE(pkt_ipv4_csum_ok(ip), "ICMP's IPv4 checksum");
		ASSERT_EQ(ip[20], 11, "Time Exceeded");
		ASSERT_EQ(pkt_csum(ip + 20, 36), 0, "ICMP checksum");
	}

	test__start_subtest(t, "dl_enb6_without_neighbour_to_userspace");
	{
		const struct xepc_ev_buffered *b;

		ASSERT_OK(s1u6(&e, SID, "2001:db8:10::3", s.cookie), "eNB without neighbour");
		e.n_events = 0;
		len = env_dl(f, "198.51.100.7", inet_ntoa((struct in_addr){ s.ue_addr }), 17,
			     53, 4000, 100, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "consumed: userspace sends it");
		env_poll_events(&e);
		b = env_event(&e, XEPC_EV_TO_STACK, 0);
		if (ASSERT_TRUE(b != NULL, "an XEPC_EV_TO_STACK record"))
			ASSERT_EQ(b->len, il, "the inner packet");
		ASSERT_OK(s1u6(&e, SID, ENB6, s.cookie), "back");
	}

	test__start_subtest(t, "dl_enb6_of_a_replaced_session_dropped");
	{
		ASSERT_OK(s1u6(&e, SID, ENB6, s.cookie + 1), "an older session's address");
		len = env_dl(f, "198.51.100.7", inet_ntoa((struct in_addr){ s.ue_addr }), 17,
			     53, 4000, 100, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
		ASSERT_EQ(env_drops(&e, NO_S1U6), 1, "NO_S1U6");
		ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
		ASSERT_OK(s1u6(&e, SID, ENB6, s.cookie), "back");
	}

	test__start_subtest(t, "dl_enb4_session_unchanged");
	{
		struct xepc_session s4 = env_default_session(SID + 1);

		ASSERT_OK(env_session(&e, SID + 1, &s4), "an IPv4 eNB's session");
		len = env_dl(f, "198.51.100.7", inet_ntoa((struct in_addr){ s4.ue_addr }), 17,
			     53, 4000, 100, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + 36 + il, "outer IPv4");
		ASSERT_EQ(out[12] << 8 | out[13], 0x0800, "ethertype IPv4");
		ASSERT_EQ(env_cnt(&e, DL_ENB6), 3, "DL_ENB6 unchanged");
	}
out:
	env_close(&e);
}
