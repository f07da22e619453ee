// SPDX-License-Identifier: GPL-2.0-only
/*
 * idle: a session without an eNB tunnel — rate-limited downlink-data
 * events, at most idle_buffer_max packets kept per UE in xepc_pktbuf (the
 * packet itself, for userspace to re-inject), every other case dropped
 * with its reason.  Both xdp_sgi and tc_ue share the code; xdp_sgi here.
 */
#include <sys/mman.h>
#include "../dp_env.h"
#include "../pkt.h"

#define SID 9

static size_t frame(uint8_t *f, uint8_t *ip, size_t payload, size_t *il)
{
	struct inner_spec in = { .src = ip4("198.51.100.10"), .dst = ip4("10.45.0.9"),
				 .proto = 17, .sport = 53, .dport = 40000,
				 .payload = payload };

	*il = pkt_inner(ip, &in);
	return pkt_eth(f, 0, ip, *il);
}

void test_idle(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	uint8_t f[4096], ip[4096], out[4096];
	size_t len, out_len = 0, il = 0;
	struct xepc_config cfg;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;
	int i;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	s.flags = XEPC_SF_ACTIVE;	/* no tunnel: idle */
	s.enb_addr = 0;
	s.cookie = 0xc00c1e09;		/* the session's identity (xepc_ev_hdr) */
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "buffer_bound_and_ddn");
	len = frame(f, ip, 100, &il);
	for (i = 0; i < 6; i++) {
		ip[20 + 8] = (uint8_t)i;	/* payload marks the packet */
		ip[26] = ip[27] = 0;		/* UDP checksum off: payload changed */
		len = pkt_eth(f, 0, ip, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "consumed or dropped");
	}
	ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 4, "IDLE_BUFFERED = bound");
	ASSERT_EQ(env_drops(&e, IDLE_BUFFER_FULL), 2, "IDLE_BUFFER_FULL");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.buffered, 4, "usage.buffered");
	env_poll_events(&e);
	{
		const struct xepc_ev_ddn *ddn = env_event(&e, XEPC_EV_DDN, 0);

		if (ASSERT_OK_PTR(ddn, "downlink-data event")) {
			ASSERT_EQ(ddn->hdr.session_id, SID, "event session");
			ASSERT_EQ(ddn->ue_addr, ip4("10.45.0.9"), "event UE");
			ASSERT_EQ(ddn->hdr.teid_local, s.teid_local, "event TEID (identity)");
			ASSERT_EQ(ddn->hdr.cookie, 0xc00c1e09, "event cookie (identity)");
		}
		ASSERT_TRUE(env_event(&e, XEPC_EV_DDN, 1) == NULL, "one DDN per interval");
	}
	for (i = 0; i < 4; i++) {
		const struct xepc_ev_buffered *b = env_event(&e, XEPC_EV_BUFFERED, i);

		if (!ASSERT_OK_PTR(b, "buffered packet record"))
			break;
		ASSERT_EQ(b->hdr.session_id, SID, "record session");
		ASSERT_EQ(b->hdr.teid_local, s.teid_local, "record TEID (identity)");
		ASSERT_EQ(b->hdr.cookie, 0xc00c1e09, "record cookie (identity)");
		ASSERT_EQ(b->ue_addr, ip4("10.45.0.9"), "record UE address (identity)");
		ASSERT_EQ(b->len, il, "record length = inner packet");
		ASSERT_EQ(b->data[0], 0x45, "record starts with the IPv4 header");
		ASSERT_EQ(b->data[28], i, "records in arrival order");
	}
	ASSERT_TRUE(env_event(&e, XEPC_EV_BUFFERED, 4) == NULL, "no fifth record");

	test__start_subtest(t, "ddn_again_after_interval");
	ASSERT_OK(env_set_clock(&e, 3 * XEPC_NS_PER_SEC), "clock +2 s");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	env_poll_events(&e);
	ASSERT_OK_PTR(env_event(&e, XEPC_EV_DDN, 1), "second DDN");
	ASSERT_EQ(env_drops(&e, IDLE_BUFFER_FULL), 3, "still full");

	test__start_subtest(t, "userspace_flush_reopens");
	{
		/* as userspace does it: an atomic store on the mmapped map */
		size_t sz = ENV_MAX_SESSIONS * sizeof(struct xepc_usage);
		struct xepc_usage *um = mmap(NULL, sz, PROT_READ | PROT_WRITE,
					     MAP_SHARED, e.fd_usage, 0);

		if (ASSERT_TRUE(um != MAP_FAILED, "mmap xepc_usage")) {
			__atomic_store_n(&um[SID].buffered, 0, __ATOMIC_SEQ_CST);
			munmap(um, sz);
		}
	}
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 5, "buffered again");

	test__start_subtest(t, "too_big");
	len = frame(f, ip, XEPC_BUF_PKT_MAX, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, IDLE_TOO_BIG), 1, "IDLE_TOO_BIG");

	test__start_subtest(t, "ring_buffer_full");
	env_get_config(&e, &cfg);
	cfg.idle_buffer_max = 100000;
	ASSERT_OK(env_config(&e, &cfg), "config");
	len = frame(f, ip, 1400, &il);
	for (i = 0; i < 300; i++)
		env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret);
	ASSERT_GE(env_drops(&e, IDLE_RINGBUF_FULL), 1, "IDLE_RINGBUF_FULL");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.buffered, env_cnt(&e, IDLE_BUFFERED) - 4, "buffered counts only kept packets");

	test__start_subtest(t, "buffering_disabled");
	cfg.idle_buffer_max = 0;
	ASSERT_OK(env_config(&e, &cfg), "config");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(env_drops(&e, IDLE_NO_BUFFER), 1, "IDLE_NO_BUFFER");
out:
	env_close(&e);
}

/*
 * Issue 13, section 3: a packet kept for an idle UE gets the fast path's
 * inner TTL treatment (RFC 1812 5.3.1) before it is buffered — TTL 1 is
 * not kept (TTL_EXCEEDED), and what is kept carries the decremented TTL
 * with its header checksum fixed, so that the packet userspace sends from
 * the buffer is the one the fast path would have sent.
 */
void test_idle_ttl(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct inner_spec in = { .src = ip4("198.51.100.10"), .dst = ip4("10.45.0.9"),
				 .proto = 17, .sport = 53, .dport = 40000,
				 .payload = 64, .ttl = 1 };
	uint8_t f[4096], ip[4096], out[4096];
	size_t len, il, out_len = 0;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	s.flags = XEPC_SF_ACTIVE;	/* no tunnel: idle */
	s.enb_addr = 0;
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "ttl_1_not_buffered");
	il = pkt_inner(ip, &in);
	len = pkt_eth(f, 0, ip, il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, TTL_EXCEEDED), 1, "TTL_EXCEEDED");
	ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 0, "not buffered");
	env_poll_events(&e);
	ASSERT_TRUE(env_event(&e, XEPC_EV_BUFFERED, 0) == NULL, "no buffered record");

	test__start_subtest(t, "buffered_with_ttl_decremented");
	in.ttl = 9;
	il = pkt_inner(ip, &in);
	len = pkt_eth(f, 0, ip, il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(env_cnt(&e, IDLE_BUFFERED), 1, "buffered");
	env_poll_events(&e);
	{
		const struct xepc_ev_buffered *b = env_event(&e, XEPC_EV_BUFFERED, 0);

		if (ASSERT_OK_PTR(b, "buffered record")) {
			ASSERT_EQ(b->data[8], 8, "TTL 9 - 1");
			ASSERT_TRUE(pkt_ipv4_csum_ok(b->data), "header checksum valid");
			ASSERT_TRUE(pkt_l4_csum_ok(b->data), "UDP checksum still valid");
		}
	}
out:
	env_close(&e);
}
