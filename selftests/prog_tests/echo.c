// SPDX-License-Identifier: GPL-2.0-only
/* echo: GTP-U Echo Request answered in the kernel (TS 29.281 7.2.2). */
#include "../dp_env.h"
#include "../pkt.h"

static void check_reply(struct test_ctx *t, const uint8_t *o, size_t len,
			size_t l2, uint16_t seq)
{
	const uint8_t *ip = o + l2, *udp = ip + 20, *gh = udp + 8;

	ASSERT_EQ(len, l2 + 20 + 8 + 14, "reply length");
	ASSERT_EQ(o[0], 0x02, "dst MAC = request's source");
	ASSERT_EQ(o[4], 0x0e, "dst MAC = request's source (eNB)");
	ASSERT_EQ(o[10], 0x01, "src MAC = our interface");
	ASSERT_EQ(ip[0], 0x45, "IPv4 without options");
	ASSERT_TRUE(pkt_ipv4_csum_ok(ip), "IPv4 checksum");
	ASSERT_MEMEQ(ip + 12, "\x0a\x0a\x00\x01", 4, "source = our S1-U address");
	ASSERT_MEMEQ(ip + 16, "\x0a\x0a\x00\x02", 4, "destination = the eNB");
	ASSERT_EQ(udp[0] << 8 | udp[1], 2152, "UDP source port");
	ASSERT_EQ(udp[2] << 8 | udp[3], 40001, "UDP destination = request's source port");
	ASSERT_EQ(udp[4] << 8 | udp[5], 22, "UDP length");
	ASSERT_EQ(gh[0], 0x32, "GTP flags v1 PT S");
	ASSERT_EQ(gh[1], XEPC_GTP_ECHO_RSP, "Echo Response");
	ASSERT_EQ(gh[2] << 8 | gh[3], 6, "GTP length");
	ASSERT_EQ(gh[8] << 8 | gh[9], seq, "same sequence number");
	ASSERT_EQ(gh[12], XEPC_GTP_IE_RECOVERY, "Recovery IE type 14");
	ASSERT_EQ(gh[13], 7, "restart counter from config");
}

void test_echo(struct test_ctx *t)
{
	struct gtp_spec g = { .type = XEPC_GTP_ECHO_REQ, .seq = 0x1234, .sport = 40001 };
	uint8_t f[512], out[4096];
	size_t len, out_len = 0;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	test__start_subtest(t, "echo_request_answered");
	len = pkt_gtp(f, &g, NULL, 0);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_TX, "XDP_TX");
	check_reply(t, out, out_len, 14, 0x1234);
	ASSERT_EQ(env_cnt(&e, ECHO_REPLIED), 1, "ECHO_REPLIED");

	test__start_subtest(t, "echo_request_vlan_ip_options");
	g.vlan = 1;
	g.ip_opts = 12;
	g.seq = 0xbeef;
	len = pkt_gtp(f, &g, NULL, 0);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_TX, "XDP_TX");
	check_reply(t, out, out_len, 18, 0xbeef);
	ASSERT_EQ(out[12] << 8 | out[13], 0x8100, "VLAN tag kept");
	ASSERT_EQ(out[15], 100, "VLAN id kept");

	test__start_subtest(t, "echo_request_with_private_extension");
	{
		/* a Private Extension IE after the mandatory part: not echoed */
		static const uint8_t tail[] = { 255, 0, 3, 0, 1, 9 };

		g.vlan = 0;
		g.ip_opts = 0;
		g.seq = 9;
		len = pkt_gtp(f, &g, tail, sizeof(tail));
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX");
		check_reply(t, out, out_len, 14, 9);
	}

	test__start_subtest(t, "echo_request_malformed");
	{
		static const uint8_t junk[] = { 1, 2, 3 };

		g.seq = 0;
		g.flags = 0x30;	/* no S, but bytes after the header */
		len = pkt_gtp(f, &g, junk, sizeof(junk));
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
		ASSERT_EQ(env_drops(&e, ECHO_BAD), 1, "ECHO_BAD");
	}
out:
	env_close(&e);
}
