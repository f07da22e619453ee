// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipv6: UEs with an IPv6 /64 (PDN type IPv6 / IPv4v6) — uplink source
 * check against the prefix and forwarding (bpf_fib_lookup AF_INET6),
 * downlink lookup by the /64 and encapsulation, Router Solicitation
 * answered with a Router Advertisement from fe80::1 through the tunnel,
 * Neighbor Solicitation for fe80::1 answered, DAD consumed, rules and
 * meters on IPv6 packets.  The IPv6 packets are built here, the checksum
 * checked here (independently of bpf/ipv6.h).
 */
#include <arpa/inet.h>
#include <string.h>

#include "../dp_env.h"
#include "../pkt.h"

#define SID 5
#define TEID (0x01000000u | SID)

static const uint8_t PFX[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, 0x05 };

/* a UDP packet of the UE from port 5000 to dst:dport */
static size_t udp6(uint8_t *b, const char *src, const char *dst,
		   uint16_t dport, uint8_t hl, size_t payload)
{
	return pkt_udp6(b, src, dst, 5000, dport, hl, payload);
}

static size_t ul_gpdu(uint8_t *f, const uint8_t *inner, size_t il)
{
	struct gtp_spec g = { .teid = TEID };

	return pkt_gtp(f, &g, inner, il);
}

void test_ipv6(struct test_ctx *t)
{
	static const uint8_t pdn_mac[6] = { 2, 0, 0, 0, 0x0d, 2 };
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };
	struct xepc_session s = env_default_session(SID);
	uint8_t f[2048], out[4096], in[1600], a[16];
	size_t len, il, out_len = 0;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	s.cookie = 0x1234;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	ASSERT_OK(env_sess6(&e, SID, PFX, s.cookie), "IPv6 prefix");

	test__start_subtest(t, "ul_forwarded_by_fib6");
	il = udp6(in, "2001:db8:45:5::1234", "2001:db8:51::10", 6000, 64, 100);
	len = ul_gpdu(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	ASSERT_EQ(out_len, 14 + il, "decapsulated frame length");
	ASSERT_MEMEQ(out, pdn_mac, 6, "dst MAC = the IPv6 next hop's");
	ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "ethertype IPv6");
	ASSERT_EQ(out[14 + 7], 63, "hop limit decremented");
	ASSERT_MEMEQ(out + 14 + 8, in + 8, 32, "addresses unchanged");
	ASSERT_EQ(env_cnt(&e, UL6_RX), 1, "UL6_RX");
	ASSERT_EQ(env_cnt(&e, UL_FWD), 1, "UL_FWD");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.ul_pkts, 1, "ul_pkts");
	ASSERT_EQ(u.ul_bytes, il, "ul_bytes = the IPv6 packet's length");

	test__start_subtest(t, "ul_no_neighbour_to_stack");
	il = udp6(in, "2001:db8:45:5::1234", "2001:db8:113::5", 6000, 64, 10);
	len = ul_gpdu(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "XDP_PASS");
	ASSERT_EQ(out_len, 14 + il, "decapsulated for the stack");
	ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "ethertype IPv6");
	ASSERT_EQ(out[14 + 7], 64, "hop limit left to the stack");

	test__start_subtest(t, "ul_source_outside_the_prefix_dropped");
	il = udp6(in, "2001:db8:45:6::1234", "2001:db8:51::10", 6000, 64, 10);
	len = ul_gpdu(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, SPOOFED_SRC), 1, "SPOOFED_SRC");

	test__start_subtest(t, "ul_link_local_source_not_forwarded");
	il = udp6(in, "fe80::1234", "2001:db8:51::10", 6000, 64, 10);
	len = ul_gpdu(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, SPOOFED_SRC), 2, "SPOOFED_SRC");

	test__start_subtest(t, "ul_hop_limit_1_dropped");
	il = udp6(in, "2001:db8:45:5::1234", "2001:db8:51::10", 6000, 1, 10);
	len = ul_gpdu(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, TTL_EXCEEDED), 1, "TTL_EXCEEDED");

	test__start_subtest(t, "rs_answered_with_ra_through_the_tunnel");
	{
		uint8_t rs[8] = { 133, 0, 0, 0, 0, 0, 0, 0 }, orig[2048];
		const uint8_t *oip, *ip, *o;

		il = pkt_ip6(in, "fe80::1234", "ff02::2", 58, 255, rs, sizeof(rs));
		pkt_icmp6_fill(in);
		len = ul_gpdu(f, in, il);
		memcpy(orig, f, len);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX back to the eNB");
		ASSERT_EQ(env_cnt(&e, RA_SENT), 1, "RA_SENT");
		ASSERT_EQ(out_len, 14 + 36 + 40 + 56, "Ethernet + outer 36 + IPv6 + RA 56");
		ASSERT_MEMEQ(out, orig + 6, 6, "dst MAC = the eNB's");
		oip = out + 14;
		ASSERT_TRUE(pkt_ipv4_csum_ok(oip), "outer IPv4 checksum");
		ASSERT_EQ(memcmp(oip + 16, &s.enb_addr, 4), 0, "outer dst = the session's eNB");
		ASSERT_EQ(oip[29], 255, "G-PDU");
		ASSERT_EQ((__u32)(oip[32] << 24 | oip[33] << 16 | oip[34] << 8 | oip[35]),
			  s.teid_remote, "the eNB's TEID");
		ASSERT_EQ(oip[30] << 8 | oip[31], 96, "GTP-U length = the IPv6 packet");
		ip = oip + 36;
		ASSERT_EQ(ip[0] >> 4, 6, "inner IPv6");
		ASSERT_EQ(ip[6], 58, "ICMPv6");
		ASSERT_EQ(ip[7], 255, "hop limit 255 (RFC 4861 6.1.2)");
		pkt_a6(a, "fe80::1");
		ASSERT_MEMEQ(ip + 8, a, 16, "from the gateway's link-local fe80::1");
		pkt_a6(a, "fe80::1234");
		ASSERT_MEMEQ(ip + 24, a, 16, "to the soliciting UE");
		ASSERT_EQ(pkt_l4_sum6(ip, 58), 0, "ICMPv6 checksum");
		o = ip + 40;
		ASSERT_EQ(o[0], 134, "Router Advertisement");
		ASSERT_TRUE((o[6] << 8 | o[7]) > 0, "router lifetime set: the default router");
		ASSERT_EQ(o[16], 3, "Prefix Information option");
		ASSERT_EQ(o[18], 64, "prefix length 64");
		ASSERT_EQ(o[19], 0x40, "A set, L clear (TS 29.061 11.2.1.3.4)");
		ASSERT_MEMEQ(o + 32, PFX, 8, "the UE's /64");
		ASSERT_EQ(o[48], 5, "MTU option");
	}

	test__start_subtest(t, "ns_for_the_gateway_answered");
	{
		uint8_t ns[24] = { 135 };
		const uint8_t *ip;

		pkt_a6(ns + 8, "fe80::1");
		il = pkt_ip6(in, "fe80::1234", "ff02::1:ff00:1", 58, 255, ns, sizeof(ns));
		pkt_icmp6_fill(in);
		len = ul_gpdu(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX");
		ASSERT_EQ(env_cnt(&e, NA_SENT), 1, "NA_SENT");
		ASSERT_EQ(out_len, 14 + 36 + 40 + 24, "frame length");
		ip = out + 14 + 36;
		ASSERT_EQ(pkt_l4_sum6(ip, 58), 0, "ICMPv6 checksum");
		ASSERT_EQ(ip[40], 136, "Neighbor Advertisement");
		ASSERT_EQ(ip[44], 0xe0, "router, solicited, override");
		pkt_a6(a, "fe80::1");
		ASSERT_MEMEQ(ip + 48, a, 16, "target fe80::1");
	}

	test__start_subtest(t, "dad_of_the_ue_consumed");
	{
		uint8_t ns[24] = { 135 };

		pkt_a6(ns + 8, "2001:db8:45:5::1234");
		il = pkt_ip6(in, "::", "ff02::1:ff00:1234", 58, 255, ns, sizeof(ns));
		pkt_icmp6_fill(in);
		len = ul_gpdu(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "no answer: the address is unique");
		ASSERT_EQ(env_drops(&e, ND_LOCAL), 1, "ND_LOCAL");
	}

	test__start_subtest(t, "rs_rate_limited_per_session");
	{
		uint8_t rs[8] = { 133 };
		int tx = 0, i;

		env_set_clock(&e, 5 * XEPC_NS_PER_SEC);
		for (i = 0; i < 20; i++) {
			il = pkt_ip6(in, "fe80::1234", "ff02::2", 58, 255, rs, sizeof(rs));
			pkt_icmp6_fill(in);
			len = ul_gpdu(f, in, il);
			if (!env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret) &&
			    ret == XDP_TX)
				tx++;
		}
		ASSERT_EQ(tx, XEPC_DEF_ND_PEER_PER_S, "10 answers a second per session");
		ASSERT_EQ(env_drops(&e, ND_RATE_LIMIT), 20 - XEPC_DEF_ND_PEER_PER_S,
			  "ND_RATE_LIMIT");
	}

	test__start_subtest(t, "dl_by_prefix_encapsulated");
	{
		const uint8_t *oip;

		il = udp6(in, "2001:db8:51::10", "2001:db8:45:5::abcd", 5000, 64, 200);
		len = pkt_eth6(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated length");
		ASSERT_MEMEQ(out, enb_mac, 6, "to the eNB's MAC");
		ASSERT_EQ(out[12] << 8 | out[13], 0x0800, "outer IPv4");
		oip = out + 14;
		ASSERT_TRUE(pkt_ipv4_csum_ok(oip), "outer IPv4 checksum");
		ASSERT_EQ((__u32)(oip[32] << 24 | oip[33] << 16 | oip[34] << 8 | oip[35]),
			  s.teid_remote, "the eNB's TEID");
		ASSERT_EQ(oip[36] >> 4, 6, "the T-PDU is the IPv6 packet");
		ASSERT_EQ(oip[36 + 7], 63, "hop limit decremented");
		ASSERT_EQ(env_cnt(&e, DL6_RX), 1, "DL6_RX");
		ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
		ASSERT_EQ(u.dl_bytes, il, "dl_bytes");
	}

	test__start_subtest(t, "dl_other_prefix_passed");
	il = udp6(in, "2001:db8:51::10", "2001:db8:45:7::1", 5000, 64, 20);
	len = pkt_eth6(f, in, il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "not a UE: XDP_PASS");

	test__start_subtest(t, "stale_prefix_of_a_replaced_session_ignored");
	{
		struct xepc_session s2 = s;

		s2.cookie = 0x5678;	/* the slot now holds another session */
		ASSERT_OK(env_session(&e, SID, &s2), "successor");
		il = udp6(in, "2001:db8:51::10", "2001:db8:45:5::abcd", 5000, 64, 20);
		len = pkt_eth6(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "downlink: the old prefix is nobody's");
		il = udp6(in, "2001:db8:45:5::1234", "2001:db8:51::10", 6000, 64, 10);
		len = ul_gpdu(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "uplink: XDP_DROP");
		ASSERT_EQ(env_drops(&e, NO_IPV6), 1, "NO_IPV6");
		ASSERT_OK(env_session(&e, SID, &s), "back");
	}

	test__start_subtest(t, "rules_and_meters_apply_to_ipv6");
	{
		struct xepc_ruleset rs = { .n_rules = 1 };
		struct xepc_session s3 = s;

		rs.rules[0].dir = XEPC_DIR_UL;
		rs.rules[0].proto = 17;
		rs.rules[0].action = XEPC_ACT_DROP;
		rs.rules[0].remote_port_lo = rs.rules[0].remote_port_hi = 53;
		rs.rules[0].ue_port_hi = 65535;
		rs.rules[0].charge_slot = XEPC_SLOT_DEFAULT;
		ASSERT_OK(env_ruleset(&e, 7, &rs), "ruleset");
		s3.ruleset_id = 7;
		s3.dl_meter_id = 3;
		ASSERT_OK(env_meter(&e, 3, 1000, 1500), "DL AMBR 1000 B/s, 1500 B");
		ASSERT_OK(env_session(&e, SID, &s3), "session with policy");
		il = udp6(in, "2001:db8:45:5::1234", "2001:db8:51::10", 53, 64, 10);
		len = ul_gpdu(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "UDP 53 dropped by the rule");
		ASSERT_EQ(env_drops(&e, RULE_DROP), 1, "RULE_DROP");
		il = udp6(in, "2001:db8:45:5::1234", "2001:db8:51::10", 54, 64, 10);
		len = ul_gpdu(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "UDP 54 passes");
		il = udp6(in, "2001:db8:51::10", "2001:db8:45:5::abcd", 5000, 64, 1000);
		len = pkt_eth6(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "first 1048 B within the bucket");
		len = pkt_eth6(f, in, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "second over the AMBR");
		ASSERT_EQ(env_drops(&e, METER_AMBR), 1, "METER_AMBR");
	}
out:
	env_close(&e);
}
