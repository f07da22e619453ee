// SPDX-License-Identifier: GPL-2.0-only
/*
 * uplink: G-PDU to forwarded packet in routed mode — bpf_fib_lookup in the
 * runner's netns (permanent neighbours), XDP_REDIRECT with the rewritten
 * MACs, decapsulation, TTL, usage; the stack fallbacks; unknown TEID events.
 */
#include <string.h>

#include "../dp_env.h"
#include "../pkt.h"

#define SID 3
#define TEID (0x01000000u | SID)
#define CHARGE_IDX 40

/* a 32-bit field of a frame, wherever it is aligned */
static __u32 rd32(const uint8_t *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t ul_frame(uint8_t *f, const char *dst, uint8_t ttl, int vlan,
		       size_t *inner_len)
{
	struct inner_spec in = { .src = ip4("10.45.0.3"), .dst = ip4(dst),
				 .proto = 17, .sport = 5000, .dport = 6000,
				 .payload = 100, .ttl = ttl };
	struct gtp_spec g = { .teid = TEID, .vlan = vlan };
	uint8_t tpdu[512];
	size_t n = pkt_inner(tpdu, &in);

	*inner_len = n;
	return pkt_gtp(f, &g, tpdu, n);
}

void test_uplink(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	static const uint8_t pdn_mac[6] = { 2, 0, 0, 0, 0x0d, 2 };
	static const uint8_t sgi_mac[6] = { 2, 0, 0, 0, 0x02, 1 };
	static const uint8_t s1u_mac[6] = { 2, 0, 0, 0, 0x01, 1 };
	uint8_t f[2048], out[4096];
	size_t len, out_len = 0, il = 0;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "forward_redirect");
	len = ul_frame(f, "198.51.100.10", 64, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	ASSERT_EQ(out_len, 14 + il, "decapsulated frame length");
	ASSERT_MEMEQ(out, pdn_mac, 6, "dst MAC = next hop's (neighbour table)");
	ASSERT_MEMEQ(out + 6, sgi_mac, 6, "src MAC = SGi interface");
	ASSERT_EQ(out[12] << 8 | out[13], 0x0800, "ethertype");
	ASSERT_EQ(out[14 + 8], 63, "inner TTL decremented");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "inner IPv4 checksum after TTL");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14), "inner UDP checksum");
	ASSERT_EQ(env_cnt(&e, UL_FWD), 1, "UL_FWD");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.ul_pkts, 1, "session ul_pkts");
	ASSERT_EQ(u.ul_bytes, il, "session ul_bytes (inner IP length)");

	test__start_subtest(t, "forward_vlan_tagged");
	len = ul_frame(f, "198.51.100.11", 64, 1, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	ASSERT_EQ(out_len, 14 + il, "untagged on SGi");

	test__start_subtest(t, "no_neighbour_to_stack");
	len = ul_frame(f, "203.0.113.5", 64, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "XDP_PASS");
	ASSERT_EQ(out_len, 14 + il, "decapsulated for the stack");
	ASSERT_MEMEQ(out, s1u_mac, 6, "dst MAC still ours");
	ASSERT_EQ(out[14 + 8], 64, "TTL left to the stack");
	ASSERT_EQ(env_cnt(&e, UL_NO_NEIGH_PASS), 1, "UL_NO_NEIGH_PASS");

	test__start_subtest(t, "unreachable_dropped");
	len = ul_frame(f, "192.0.2.1", 64, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, FIB_UNREACHABLE), 1, "FIB_UNREACHABLE");

	test__start_subtest(t, "ttl_exceeded_icmp_to_ue_through_tunnel");
	{
		/* RFC 792/1812: Time Exceeded to the UE, in its tunnel */
		uint8_t orig[2048];
		const uint8_t *oip, *ip, *icmp;
		size_t frame_len;

		len = ul_frame(f, "198.51.100.10", 1, 0, &il);
		memcpy(orig, f, len);
		frame_len = len;
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "XDP_TX back to the eNB");
		ASSERT_EQ(env_cnt(&e, UL_TTL_ICMP), 1, "UL_TTL_ICMP");
		ASSERT_EQ(env_drops(&e, TTL_EXCEEDED), 0, "not a drop");
		/* 14 + IPv4 20 + UDP 8 + GTP-U 8 + IPv4 20 + ICMP 8 + 20 + 8 */
		ASSERT_EQ(out_len, 14 + 36 + 28 + 28, "frame length");
		ASSERT_MEMEQ(out, orig + 6, 6, "dst MAC = the sender's");
		ASSERT_MEMEQ(out + 6, orig, 6, "src MAC = ours");
		oip = out + 14;
		ASSERT_TRUE(pkt_ipv4_csum_ok(oip), "outer IPv4 checksum");
		ASSERT_EQ(rd32(oip + 16), s.enb_addr, "outer dst = the session's eNB");
		ASSERT_EQ(rd32(oip + 12), rd32(orig + 14 + 16), "outer src = our S1-U address");
		ASSERT_EQ(oip[9], 17, "UDP");
		ASSERT_EQ(oip[20] << 8 | oip[21], 2152, "UDP source port 2152");
		ASSERT_EQ(oip[22] << 8 | oip[23], 2152, "UDP destination port 2152");
		ASSERT_EQ(oip[28], 0x30, "GTP-U v1, PT 1, no options");
		ASSERT_EQ(oip[29], 255, "G-PDU");
		ASSERT_EQ(oip[30] << 8 | oip[31], 28 + 28, "GTP-U length = T-PDU");
		ASSERT_EQ((__u32)(oip[32] << 24 | oip[33] << 16 | oip[34] << 8 | oip[35]),
			  s.teid_remote, "the eNB's TEID");
		ip = oip + 36;
		ASSERT_TRUE(pkt_ipv4_csum_ok(ip), "inner IPv4 checksum");
		ASSERT_EQ(ip[9], 1, "ICMP");
		ASSERT_EQ(rd32(ip + 16), s.ue_addr, "to the UE");
		ASSERT_EQ(rd32(ip + 12), rd32(orig + 14 + 16), "from the gateway");
		ASSERT_EQ(ip[2] << 8 | ip[3], 28 + 28, "inner length");
		icmp = ip + 20;
		ASSERT_EQ(icmp[0], 11, "Time Exceeded");
		ASSERT_EQ(icmp[1], 0, "in transit");
		ASSERT_EQ(pkt_csum(icmp, 8 + 28), 0, "ICMP checksum");
		ASSERT_MEMEQ(icmp + 8, orig + frame_len - il, 28,
			     "quotes the UE's header and 64 bits of data");
	}

	test__start_subtest(t, "ttl_exceeded_icmp_rate_limited");
	ASSERT_OK(env_rate_limit(&e, XEPC_RL_ICMP, XEPC_RL_UNLIMITED, 2), "2 per UE");
	len = ul_frame(f, "198.51.100.10", 1, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_TX, "second answered");
	len = ul_frame(f, "198.51.100.10", 1, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "third over the per-UE limit: dropped");
	ASSERT_EQ(env_drops(&e, TTL_EXCEEDED), 1, "TTL_EXCEEDED");
	ASSERT_OK(env_rate_limit(&e, XEPC_RL_ICMP, 0, 0), "default limits");

	test__start_subtest(t, "dropped_after_policy_not_charged");
	{
		/* TTL 1 passes the policy (and is charged there) but never
		 * leaves: usage and quota must not keep it */
		struct xepc_session cs = s;
		struct xepc_charge *c = &e.charging[CHARGE_IDX];
		struct xepc_usage u0, u1;

		memset(c, 0, sizeof(*c));
		c->remaining = 100000;
		c->rating_group = 1;
		c->session_id = SID;
		c->flags = XEPC_CF_VALID | XEPC_CF_ONLINE;
		cs.charge_base = CHARGE_IDX;
		cs.n_charge = 1;
		cs.default_slot = 0;
		ASSERT_OK(env_session(&e, SID, &cs), "session with a quota");
		ASSERT_OK(env_get_usage(&e, SID, &u0), "usage before");
		len = ul_frame(f, "198.51.100.10", 1, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_TX, "TTL 1 not forwarded: answered with ICMP");
		ASSERT_OK(env_get_usage(&e, SID, &u1), "usage after");
		ASSERT_EQ(u1.ul_pkts, u0.ul_pkts, "session ul_pkts unchanged");
		ASSERT_EQ(u1.ul_bytes, u0.ul_bytes, "session ul_bytes unchanged");
		ASSERT_EQ(c->ul_pkts, 0, "rating-group packets unchanged");
		ASSERT_EQ(c->remaining, 100000, "quota given back");
		len = ul_frame(f, "198.51.100.10", 64, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "TTL 64 forwarded");
		ASSERT_EQ(c->ul_pkts, 1, "forwarded packet counted for the rating group");
		ASSERT_EQ(c->remaining, 100000 - (__s64)il, "and charged");
		ASSERT_OK(env_session(&e, SID, &s), "session without a quota again");
	}

	test__start_subtest(t, "local_destination_to_stack");
	len = ul_frame(f, "10.20.0.1", 64, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "XDP_PASS");
	ASSERT_EQ(out_len, 14 + il, "decapsulated for local delivery");
	ASSERT_EQ(env_cnt(&e, UL_LOCAL_PASS), 1, "UL_LOCAL_PASS");

	test__start_subtest(t, "forwarding_disabled");
	if (ASSERT_OK(test__sh("sysctl -qw net.ipv4.conf.s1u0.forwarding=0"), "sysctl")) {
		/* the route cache still holds 198.51.100.10 from above: a
		 * forwarding change applies after route_ttl_ms, or at once
		 * when userspace flushes (docs/datapath.md "route cache") */
		ASSERT_OK(env_route_flush(&e), "route cache flush");
		len = ul_frame(f, "198.51.100.10", 64, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
		ASSERT_EQ(env_drops(&e, FIB_OTHER), 1, "FIB_OTHER");
		ASSERT_OK(test__sh("sysctl -qw net.ipv4.conf.s1u0.forwarding=1"), "sysctl back");
	}

	test__start_subtest(t, "unknown_teid_event_rate_limited");
	{
		struct gtp_spec g = { .teid = 0x0200abcd, .sport = 2152 };
		const struct xepc_ev_unknown_teid *ev;
		uint8_t tpdu[64];
		struct inner_spec in = { .src = ip4("10.45.0.3"),
					 .dst = ip4("198.51.100.10"), .proto = 1 };
		size_t n = pkt_inner(tpdu, &in);

		len = pkt_gtp(f, &g, tpdu, n);
		e.n_events = 0;
		for (int i = 0; i < 3; i++) {
			ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out,
					      &out_len, &ret), "run");
			ASSERT_EQ(ret, XDP_DROP, "dropped");
		}
		ASSERT_EQ(env_drops(&e, UNKNOWN_TEID), 3, "UNKNOWN_TEID");
		env_poll_events(&e);
		ev = env_event(&e, XEPC_EV_UNKNOWN_TEID, 0);
		if (ASSERT_OK_PTR(ev, "unknown-TEID event")) {
			ASSERT_EQ(ev->teid, 0x0200abcd, "event TEID");
			ASSERT_EQ(ev->peer_addr, ip4("10.10.0.2"), "event peer");
			ASSERT_EQ(ev->local_addr, ip4("10.10.0.1"), "event local");
		}
		ASSERT_TRUE(env_event(&e, XEPC_EV_UNKNOWN_TEID, 1) == NULL,
			    "one event per interval");
		ASSERT_OK(env_set_clock(&e, 3 * XEPC_NS_PER_SEC), "clock +2 s");
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		env_poll_events(&e);
		ASSERT_OK_PTR(env_event(&e, XEPC_EV_UNKNOWN_TEID, 1),
			      "next event after the interval");
		ASSERT_EQ(env_cnt(&e, EV_UNKNOWN_TEID), 2, "EV_UNKNOWN_TEID");
	}

	test__start_subtest(t, "stale_teid_generation_unknown");
	{
		/* same sid, other upper bits: a TEID of a deleted session */
		struct gtp_spec g = { .teid = 0x07000000u | SID };
		uint8_t tpdu[256];
		struct inner_spec in = { .src = ip4("10.45.0.3"),
					 .dst = ip4("198.51.100.10"), .proto = 1 };
		size_t n = pkt_inner(tpdu, &in);
		__u64 before = env_drops(&e, UNKNOWN_TEID);

		len = pkt_gtp(f, &g, tpdu, n);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "dropped");
		ASSERT_EQ(env_drops(&e, UNKNOWN_TEID) - before, 1, "UNKNOWN_TEID");
	}
out:
	env_close(&e);
}
