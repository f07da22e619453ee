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
