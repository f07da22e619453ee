// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_ue: NAT-mode downlink — packets leaving the stack on the UE-pool
 * device are encapsulated and redirected to the eNB's interface; non-UE
 * traffic is left alone; GSO skbs are refused; idle UEs are buffered; the
 * kernel resolves a missing eNB neighbour (bpf_redirect_neigh).
 */
#include <linux/pkt_cls.h>
#include "../dp_env.h"
#include "../pkt.h"

#define SID 21
#define UE "10.45.0.21"

void test_tc_ue(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };
	static const uint8_t s1u_mac[6] = { 2, 0, 0, 0, 0x01, 1 };
	uint8_t f[2048], out[4096];
	size_t len, il = 0, out_len = 0;
	struct xepc_config cfg;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	cfg.portal_addr = ip4("198.51.100.200");
	ASSERT_OK(env_config(&e, &cfg), "config");
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "encapsulate_redirect");
	len = env_dl(f, "198.51.100.10", UE, 6, 443, 40000, 300, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
	ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated length");
	ASSERT_MEMEQ(out, enb_mac, 6, "dst MAC = eNB");
	ASSERT_MEMEQ(out + 6, s1u_mac, 6, "src MAC = S1-U interface");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "outer IPv4 checksum");
	ASSERT_MEMEQ(out + 14 + 12, "\x0a\x0a\x00\x01\x0a\x0a\x00\x02", 8, "outer addresses");
	ASSERT_EQ(out[14 + 20 + 2] << 8 | out[14 + 20 + 3], 2152, "UDP port 2152");
	ASSERT_EQ(out[14 + 28 + 1], 255, "G-PDU");
	ASSERT_EQ(out[14 + 28 + 2] << 8 | out[14 + 28 + 3], il, "GTP length");
	ASSERT_EQ(out[14 + 28 + 7], (s.teid_remote & 0xff), "TEID");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14 + 36), "inner IPv4 checksum");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14 + 36), "inner TCP checksum");
	ASSERT_EQ(env_cnt(&e, DL_TC_FWD), 1, "DL_TC_FWD");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.dl_bytes, il, "dl_bytes");

	test__start_subtest(t, "on_the_enb_device_itself");
	len = env_dl(f, "198.51.100.10", UE, 17, 53, 40000, 100, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_s1u, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_OK, "TC_ACT_OK: already on the way out");
	ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated");
	ASSERT_MEMEQ(out, enb_mac, 6, "dst MAC = eNB");
	ASSERT_EQ(env_cnt(&e, DL_TC_FWD), 2, "DL_TC_FWD");

	test__start_subtest(t, "not_a_ue_untouched");
	len = env_dl(f, "198.51.100.10", "10.45.0.200", 17, 53, 40000, 30, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_OK, "TC_ACT_OK");
	ASSERT_EQ(out_len, len, "unchanged");
	ASSERT_EQ(env_cnt(&e, DL_NOT_UE_PASS), 1, "DL_NOT_UE_PASS");

	test__start_subtest(t, "gso_refused");
	len = env_dl(f, "198.51.100.10", UE, 6, 443, 40000, 1200, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 2, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "TC_ACT_SHOT");
	ASSERT_EQ(env_drops(&e, GSO), 1, "GSO");

	test__start_subtest(t, "mtu_exceeded");
	len = env_dl(f, "198.51.100.10", UE, 17, 53, 40000, 1480 - 28, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "TC_ACT_SHOT");
	ASSERT_EQ(env_drops(&e, MTU), 1, "MTU");

	test__start_subtest(t, "portal_reply_restored");
	{
		struct xepc_usage uu;
		__u32 k = SID;

		ASSERT_OK(env_get_usage(&e, SID, &uu), "usage");
		uu.redirect_orig = ip4("198.51.100.10");
		ASSERT_OK(bpf_map_update_elem(e.fd_usage, &k, &uu, 0), "orig dst");
		len = env_dl(f, "198.51.100.200", UE, 17, 80, 40000, 40, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
		ASSERT_MEMEQ(out + 14 + 36 + 12, "\xc6\x33\x64\x0a", 4, "source restored");
		ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14 + 36), "inner IPv4 checksum");
		ASSERT_TRUE(pkt_l4_csum_ok(out + 14 + 36), "inner UDP checksum");
	}

	test__start_subtest(t, "enb_neighbour_resolved_by_kernel");
	s.enb_addr = ip4("10.10.0.9");
	ASSERT_OK(env_session(&e, SID, &s), "session update");
	len = env_dl(f, "198.51.100.10", UE, 17, 53, 40000, 30, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "bpf_redirect_neigh");
	ASSERT_EQ(env_cnt(&e, DL_NO_NEIGH_PASS), 1, "DL_NO_NEIGH_PASS");

	test__start_subtest(t, "idle_buffered");
	s.flags = XEPC_SF_ACTIVE;
	ASSERT_OK(env_session(&e, SID, &s), "session idle");
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "consumed");
	ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 1, "IDLE_BUFFERED");
	env_poll_events(&e);
	{
		const struct xepc_ev_buffered *b = env_event(&e, XEPC_EV_BUFFERED, 0);

		if (ASSERT_OK_PTR(b, "buffered record")) {
			ASSERT_EQ(b->len, il, "record length");
			ASSERT_MEMEQ(b->data, f + 14, il, "the packet itself");
		}
		ASSERT_OK_PTR(env_event(&e, XEPC_EV_DDN, 0), "downlink-data event");
	}
out:
	env_close(&e);
}

/*
 * tc_ue6: IPv6 UEs on tc_ue (docs/datapath.md "Downlink, NAT mode", issue 13
 * section 4).  An IPv6 UE is routed, never translated: the stack forwards
 * its downlink to the UE-pool device (the hop limit is the stack's
 * business there) and tc_ue does what xdp_sgi_ipv6 does — the session of
 * the destination's /64, rules, meters, quota, the idle buffer and the
 * downlink-data event of an ECM-IDLE UE, or outer IPv4/UDP/GTP-U to the
 * eNB.  The uplink in NAT mode goes up the stack decapsulated, its source
 * untouched.
 */
#define SID6	22
#define SID6O	23	/* IPv6-only: no IPv4 address */
#define UE6	"2001:db8:45:16::abcd"
#define UE6O	"2001:db8:45:17::1"

static const uint8_t PFX6[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, 0x16 };
static const uint8_t PFX6O[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, 0x17 };

/* the G-PDU tc_ue wrote: Ethernet / IPv4 / UDP / GTP-U (TEID) / inner */
static void check_gpdu(struct test_ctx *t, const uint8_t *out, size_t out_len,
		       const uint8_t *inner, size_t il, __u32 teid)
{
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };

	ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated length");
	ASSERT_MEMEQ(out, enb_mac, 6, "dst MAC = eNB");
	ASSERT_EQ(out[12] << 8 | out[13], 0x0800, "ethertype: the outer IPv4");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "outer IPv4 checksum");
	ASSERT_MEMEQ(out + 14 + 12, "\x0a\x0a\x00\x01\x0a\x0a\x00\x02", 8, "outer addresses");
	ASSERT_EQ(out[14 + 9], 17, "outer UDP");
	ASSERT_EQ(out[14 + 20 + 2] << 8 | out[14 + 20 + 3], 2152, "UDP port 2152");
	ASSERT_EQ(out[14 + 28 + 1], 255, "G-PDU");
	ASSERT_EQ(out[14 + 28 + 2] << 8 | out[14 + 28 + 3], il, "GTP length");
	ASSERT_EQ((__u32)(out[14 + 32] << 24 | out[14 + 33] << 16 | out[14 + 34] << 8 |
			  out[14 + 35]), teid, "the eNB's TEID");
	ASSERT_MEMEQ(out + 14 + 36, inner, il, "the IPv6 packet as the stack routed it");
	ASSERT_EQ(pkt_l4_sum6(out + 14 + 36, 17), 0, "inner UDP checksum");
}

void test_tc_ue6(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID6);
	struct xepc_session so = env_default_session(SID6O);
	uint8_t f[2048], out[4096], in[2048];
	size_t len, il = 0, out_len = 0;
	struct xepc_config cfg;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	ASSERT_OK(env_config(&e, &cfg), "config");
	s.cookie = 0x616;
	ASSERT_OK(env_session(&e, SID6, &s), "session (IPv4v6)");
	ASSERT_OK(env_sess6(&e, SID6, PFX6, s.cookie), "its /64");
	so.cookie = 0x617;
	so.ue_addr = 0;
	ASSERT_OK(env_session_entry(&e, SID6O, &so), "session (IPv6 only)");
	ASSERT_OK(env_sess6(&e, SID6O, PFX6O, so.cookie), "its /64");

	test__start_subtest(t, "ipv6_encapsulated_hop_limit_the_stacks");
	len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 300, &il);
	memcpy(in, f + 14, il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
	check_gpdu(t, out, out_len, in, il, s.teid_remote);
	ASSERT_EQ(out[14 + 36 + 7], 63, "hop limit not decremented again");
	ASSERT_EQ(env_cnt(&e, DL6_RX), 1, "DL6_RX");
	ASSERT_EQ(env_cnt(&e, DL_TC_FWD), 1, "DL_TC_FWD");
	ASSERT_OK(env_get_usage(&e, SID6, &u), "usage");
	ASSERT_EQ(u.dl_pkts, 1, "dl_pkts");
	ASSERT_EQ(u.dl_bytes, il, "dl_bytes = the IPv6 packet's length");

	test__start_subtest(t, "ipv6_only_session_encapsulated");
	len = env_dl6(f, "2001:db8:51::10", UE6O, 53, 40001, 60, 64, &il);
	memcpy(in, f + 14, il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
	check_gpdu(t, out, out_len, in, il, so.teid_remote);

	test__start_subtest(t, "ipv6_other_prefix_untouched");
	len = env_dl6(f, "2001:db8:51::10", "2001:db8:45:18::1", 53, 40000, 63, 30, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_OK, "TC_ACT_OK: not a UE");
	ASSERT_EQ(out_len, len, "unchanged");
	ASSERT_MEMEQ(out, f, len, "unchanged");
	ASSERT_EQ(env_cnt(&e, DL_NOT_UE_PASS), 1, "DL_NOT_UE_PASS");

	test__start_subtest(t, "ipv6_on_the_enb_device_itself");
	len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 100, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_s1u, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_OK, "TC_ACT_OK: already on the way out");
	ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated");

	test__start_subtest(t, "ipv6_gso_refused");
	len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 1200, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 2, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "TC_ACT_SHOT");
	ASSERT_EQ(env_drops(&e, GSO), 1, "GSO");

	test__start_subtest(t, "ipv6_rules_apply");
	{
		struct xepc_ruleset rs = { .n_rules = 1 };
		struct xepc_session s2 = s;

		rs.rules[0].dir = XEPC_DIR_DL;
		rs.rules[0].proto = 17;
		rs.rules[0].action = XEPC_ACT_DROP;
		rs.rules[0].remote_port_lo = rs.rules[0].remote_port_hi = 5353;
		rs.rules[0].ue_port_hi = 65535;
		rs.rules[0].charge_slot = XEPC_SLOT_DEFAULT;
		ASSERT_OK(env_ruleset(&e, 9, &rs), "ruleset");
		s2.ruleset_id = 9;
		ASSERT_OK(env_session(&e, SID6, &s2), "session with a rule");
		len = env_dl6(f, "2001:db8:51::10", UE6, 5353, 40000, 63, 30, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_SHOT, "UDP from port 5353 dropped by the rule");
		ASSERT_EQ(env_drops(&e, RULE_DROP), 1, "RULE_DROP");
		len = env_dl6(f, "2001:db8:51::10", UE6, 5354, 40000, 63, 30, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_REDIRECT, "port 5354 passes");
		ASSERT_OK(env_session(&e, SID6, &s), "back");
	}

	test__start_subtest(t, "ipv6_over_s1u_mtu_to_userspace");
	{
		const struct xepc_ev_buffered *b;

		env_get_config(&e, &cfg);
		cfg.s1u_mtu = 1000;
		ASSERT_OK(env_config(&e, &cfg), "s1u_mtu 1000");
		len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 1000, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_SHOT, "consumed: userspace sends it as outer fragments");
		ASSERT_EQ(env_cnt(&e, DL_FRAG_USER), 1, "DL_FRAG_USER");
		env_poll_events(&e);
		b = env_event(&e, XEPC_EV_OVERSIZE, 0);
		if (ASSERT_OK_PTR(b, "oversize record")) {
			ASSERT_EQ(b->len, il, "record length");
			ASSERT_MEMEQ(b->data, f + 14, il, "the packet itself");
			ASSERT_EQ(b->hdr.session_id, SID6, "its session");
		}
		cfg.s1u_mtu = 0;
		ASSERT_OK(env_config(&e, &cfg), "s1u_mtu back");
	}

	test__start_subtest(t, "ipv6_enb6_to_userspace");
	{
		struct xepc_session s2 = s;
		const struct xepc_ev_buffered *b;

		e.n_events = 0;
		s2.flags |= XEPC_SF_ENB6;
		s2.enb_addr = 0;
		ASSERT_OK(env_session(&e, SID6, &s2), "eNB on IPv6");
		len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 80, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_SHOT, "consumed: userspace sends it over IPv6");
		ASSERT_EQ(env_cnt(&e, DL_ENB6_USER), 1, "DL_ENB6_USER");
		env_poll_events(&e);
		b = env_event(&e, XEPC_EV_TO_STACK, 0);
		if (ASSERT_OK_PTR(b, "to-stack record"))
			ASSERT_MEMEQ(b->data, f + 14, il, "the packet itself");
		ASSERT_OK(env_session(&e, SID6, &s), "back");
	}

	test__start_subtest(t, "ipv6_idle_buffered_ddn_once");
	{
		struct xepc_session s2 = s;
		const struct xepc_ev_buffered *b;
		const struct xepc_ev_ddn *d;
		uint8_t sent[4][2048];
		size_t sl[4];
		int i, shot = 0;

		e.n_events = 0;
		s2.flags = XEPC_SF_ACTIVE;	/* ECM-IDLE: no tunnel */
		s2.enb_addr = 0;
		ASSERT_OK(env_session(&e, SID6, &s2), "session idle");
		ASSERT_OK(env_get_usage(&e, SID6, &u), "usage");
		u.dl_bytes = u.dl_pkts = 0;
		ASSERT_OK(bpf_map_update_elem(e.fd_usage, &(__u32){ SID6 }, &u, 0), "usage 0");
		/* idle_buffer_max is 4 in the test environment: the fifth is
		 * over the UE's bound, as for IPv4 */
		for (i = 0; i < 5; i++) {
			len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 100 + i, &il);
			if (i < 4) {
				memcpy(sent[i], f + 14, il);
				sl[i] = il;
			}
			ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret),
				  "run");
			shot += ret == TC_ACT_SHOT;
		}
		ASSERT_EQ(shot, 5, "all consumed");
		ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 4, "IDLE_BUFFERED: the UE's bound");
		ASSERT_EQ(env_drops(&e, IDLE_BUFFER_FULL), 1, "IDLE_BUFFER_FULL");
		env_poll_events(&e);
		for (i = 0; i < 4; i++) {
			b = env_event(&e, XEPC_EV_BUFFERED, i);
			if (!ASSERT_OK_PTR(b, "buffered record"))
				break;
			ASSERT_EQ(b->len, sl[i], "record length");
			ASSERT_MEMEQ(b->data, sent[i], sl[i], "the packet, in order, unchanged");
			ASSERT_EQ(b->hdr.session_id, SID6, "session id");
			ASSERT_EQ(b->hdr.cookie, s.cookie, "the session's identity");
		}
		ASSERT_TRUE(!env_event(&e, XEPC_EV_BUFFERED, 4), "no fifth record");
		d = env_event(&e, XEPC_EV_DDN, 0);
		if (ASSERT_OK_PTR(d, "downlink-data event")) {
			ASSERT_EQ(d->hdr.session_id, SID6, "DDN: session id");
			ASSERT_EQ(d->hdr.teid_local, s.teid_local, "DDN: TEID");
			ASSERT_EQ(d->hdr.cookie, s.cookie, "DDN: cookie");
		}
		ASSERT_TRUE(!env_event(&e, XEPC_EV_DDN, 1), "one DDN per interval");
		ASSERT_OK(env_get_usage(&e, SID6, &u), "usage");
		ASSERT_EQ(u.dl_pkts, 4, "the buffered packets are counted, not the refused one");
		ASSERT_EQ(u.buffered, 4, "xepc_usage.buffered");
	}

	test__start_subtest(t, "ipv6_only_idle_ddn");
	{
		const struct xepc_ev_ddn *d;

		e.n_events = 0;
		so.flags = XEPC_SF_ACTIVE;
		so.enb_addr = 0;
		ASSERT_OK(env_session_entry(&e, SID6O, &so), "IPv6-only session idle");
		len = env_dl6(f, "2001:db8:51::10", UE6O, 443, 40000, 63, 40, &il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_SHOT, "consumed");
		env_poll_events(&e);
		d = env_event(&e, XEPC_EV_DDN, 0);
		if (ASSERT_OK_PTR(d, "downlink-data event")) {
			ASSERT_EQ(d->hdr.session_id, SID6O, "DDN: session id");
			ASSERT_EQ(d->ue_addr, 0, "DDN: no IPv4 address");
		}
		ASSERT_OK_PTR(env_event(&e, XEPC_EV_BUFFERED, 0), "buffered record");
	}

	test__start_subtest(t, "ipv6_routed_mode_fallback");
	{
		/* routed mode: tc_ue on the UE device catches what the stack
		 * routes to UEs after an XDP_PASS, IPv6 as IPv4 */
		env_get_config(&e, &cfg);
		cfg.mode = XEPC_MODE_ROUTED;
		ASSERT_OK(env_config(&e, &cfg), "routed");
		ASSERT_OK(env_session(&e, SID6, &s), "session with its tunnel");
		len = env_dl6(f, "2001:db8:51::10", UE6, 443, 40000, 63, 50, &il);
		memcpy(in, f + 14, il);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
		check_gpdu(t, out, out_len, in, il, s.teid_remote);
	}

	test__start_subtest(t, "nat_uplink_ipv6_routed_not_translated");
	{
		struct gtp_spec g = { .teid = s.teid_local };

		env_get_config(&e, &cfg);
		cfg.mode = XEPC_MODE_NAT;
		ASSERT_OK(env_config(&e, &cfg), "NAT");
		il = pkt_udp6(in, UE6, "2001:db8:51::10", 40000, 443, 64, 60);
		len = pkt_gtp(f, &g, in, il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "XDP_PASS: the stack routes it");
		ASSERT_EQ(out_len, 14 + il, "decapsulated");
		ASSERT_EQ(out[12] << 8 | out[13], 0x86dd, "ethertype IPv6");
		ASSERT_MEMEQ(out + 14, in, il, "source, hop limit, checksum untouched: no NAT66");
		ASSERT_EQ(env_cnt(&e, UL_NAT_PASS), 1, "UL_NAT_PASS");
	}
out:
	env_close(&e);
}
