// SPDX-License-Identifier: GPL-2.0-only
/*
 * downlink: xdp_sgi in routed mode — session by UE address, GTP-U
 * encapsulation (valid outer IPv4 checksum, UDP checksum 0, TEID and eNB
 * from the session), bpf_fib_lookup toward the eNB, the stack fallbacks.
 */
#include <linux/pkt_cls.h>
#include "../dp_env.h"
#include <arpa/inet.h>
#include "../pkt.h"

#define SID 5

static size_t dl_frame(uint8_t *f, const char *ue, size_t payload, uint8_t ttl,
		       uint16_t frag, size_t pad, size_t *inner_len)
{
	struct inner_spec in = { .src = ip4("198.51.100.10"), .dst = ip4(ue),
				 .proto = 17, .sport = 53, .dport = 40000,
				 .payload = payload, .ttl = ttl, .tos = 0x28,
				 .frag_off = frag };
	uint8_t ip[4096];
	size_t n = pkt_inner(ip, &in), len;

	*inner_len = n;
	len = pkt_eth(f, 0, ip, n);
	memset(f + len, 0, pad);
	return len + pad;
}

static void check_encap(struct test_ctx *t, const uint8_t *o, size_t out_len,
			size_t il, __u32 teid)
{
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };
	static const uint8_t s1u_mac[6] = { 2, 0, 0, 0, 0x01, 1 };
	const uint8_t *ip = o + 14, *udp = ip + 20, *gh = udp + 8, *in = gh + 8;

	ASSERT_EQ(out_len, 14 + 36 + il, "encapsulated length");
	ASSERT_MEMEQ(o, enb_mac, 6, "dst MAC = eNB (neighbour table)");
	ASSERT_MEMEQ(o + 6, s1u_mac, 6, "src MAC = S1-U interface");
	ASSERT_EQ(ip[0], 0x45, "outer IPv4");
	ASSERT_EQ(ip[1], 0x28, "outer TOS = inner TOS");
	ASSERT_EQ(ip[2] << 8 | ip[3], 36 + il, "outer total length");
	ASSERT_EQ(ip[9], 17, "outer protocol UDP");
	ASSERT_TRUE(pkt_ipv4_csum_ok(ip), "outer IPv4 checksum");
	ASSERT_MEMEQ(ip + 12, "\x0a\x0a\x00\x01", 4, "outer source = S1-U address");
	ASSERT_EQ(udp[0] << 8 | udp[1], 2152, "UDP source port");
	ASSERT_EQ(udp[2] << 8 | udp[3], 2152, "UDP destination port");
	ASSERT_EQ(udp[4] << 8 | udp[5], 16 + il, "UDP length");
	ASSERT_EQ(udp[6] << 8 | udp[7], 0, "UDP checksum 0 (TS 29.281 over IPv4)");
	ASSERT_EQ(gh[0], 0x30, "GTP flags");
	ASSERT_EQ(gh[1], 255, "G-PDU");
	ASSERT_EQ(gh[2] << 8 | gh[3], il, "GTP length = T-PDU");
	ASSERT_EQ((__u32)gh[4] << 24 | gh[5] << 16 | gh[6] << 8 | gh[7], teid, "eNB TEID");
	ASSERT_EQ(in[8], 63, "inner TTL decremented");
	ASSERT_TRUE(pkt_ipv4_csum_ok(in), "inner IPv4 checksum");
	ASSERT_TRUE(pkt_l4_csum_ok(in), "inner UDP checksum");
}

void test_downlink(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	uint8_t f[4096], out[4096];
	size_t len, out_len = 0, il = 0;
	struct xepc_usage u, u0;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "encapsulate_redirect");
	len = dl_frame(f, "10.45.0.5", 200, 64, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	check_encap(t, out, out_len, il, s.teid_remote);
	ASSERT_EQ(env_cnt(&e, DL_FWD), 1, "DL_FWD");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.dl_pkts, 1, "dl_pkts");
	ASSERT_EQ(u.dl_bytes, il, "dl_bytes");

	test__start_subtest(t, "ue_direct_slot");
	{
		__u32 slot = xepc_ue_slot(s.ue_addr, ENV_UE_DIRECT_SLOTS - 1), sid = SID;
		struct xepc_ue_direct d = { 0 };

		ASSERT_OK(bpf_map_lookup_elem(e.fd_ue_direct, &slot, &d), "slot");
		ASSERT_EQ(d.ue_addr, s.ue_addr, "the UE is in its direct slot");
		ASSERT_EQ(d.sid, SID, "with its sid");
		/* without the hash entry, the slot alone finds the session */
		ASSERT_OK(bpf_map_delete_elem(e.fd_ue, &s.ue_addr), "hash entry out");
		len = dl_frame(f, "10.45.0.5", 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "forwarded through the slot");
		check_encap(t, out, out_len, il, s.teid_remote);
		ASSERT_OK(bpf_map_update_elem(e.fd_ue, &s.ue_addr, &sid, BPF_ANY), "hash entry back");
	}

	test__start_subtest(t, "ue_slot_taken_hash_serves");
	{
		/* 2048 addresses further: the same slot, which stays SID's */
		struct xepc_session s2 = env_default_session(SID + 1);
		__u32 slot = xepc_ue_slot(s.ue_addr, ENV_UE_DIRECT_SLOTS - 1);
		struct xepc_ue_direct d = { 0 };
		char ue2[INET_ADDRSTRLEN];

		s2.ue_addr = htonl(ntohl(s.ue_addr) + ENV_UE_DIRECT_SLOTS);
		inet_ntop(AF_INET, &s2.ue_addr, ue2, sizeof(ue2));
		ASSERT_OK(env_session(&e, SID + 1, &s2), "colliding session");
		ASSERT_OK(bpf_map_lookup_elem(e.fd_ue_direct, &slot, &d), "slot");
		ASSERT_EQ(d.ue_addr, s.ue_addr, "slot kept by the first UE");
		len = dl_frame(f, ue2, 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "second UE forwarded through the hash");
		check_encap(t, out, out_len, il, s2.teid_remote);
		len = dl_frame(f, "10.45.0.5", 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "first UE still forwarded");
		check_encap(t, out, out_len, il, s.teid_remote);
	}

	test__start_subtest(t, "ue_stale_slot_not_trusted");
	{
		/* a slot naming a session of another UE (a torn or stale
		 * write) must not deliver to that session */
		struct xepc_ue_direct bad = { ip4("10.45.0.77"), SID };
		__u32 slot = xepc_ue_slot(bad.ue_addr, ENV_UE_DIRECT_SLOTS - 1);
		__u64 before = env_cnt(&e, DL_FWD);

		ASSERT_OK(bpf_map_update_elem(e.fd_ue_direct, &slot, &bad, BPF_ANY), "bad slot");
		len = dl_frame(f, "10.45.0.77", 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "not a UE: passed");
		ASSERT_EQ(env_cnt(&e, DL_FWD), before, "nothing forwarded");
		memset(&bad, 0, sizeof(bad));
		ASSERT_OK(bpf_map_update_elem(e.fd_ue_direct, &slot, &bad, BPF_ANY), "slot cleared");
	}

	test__start_subtest(t, "ue_direct_off_hash_only");
	{
		struct xepc_config cfg;
		__u32 sid = SID;

		ASSERT_OK(env_get_config(&e, &cfg), "config");
		cfg.ue_direct_mask = 0;
		ASSERT_OK(env_config(&e, &cfg), "direct table off");
		ASSERT_OK(bpf_map_delete_elem(e.fd_ue, &s.ue_addr), "hash entry out");
		len = dl_frame(f, "10.45.0.5", 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "slot not used when off");
		ASSERT_OK(bpf_map_update_elem(e.fd_ue, &s.ue_addr, &sid, BPF_ANY), "hash entry back");
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "hash alone");
		check_encap(t, out, out_len, il, s.teid_remote);
		cfg.ue_direct_mask = ENV_UE_DIRECT_SLOTS - 1;
		ASSERT_OK(env_config(&e, &cfg), "direct table on");
	}

	test__start_subtest(t, "ethernet_padding_trimmed");
	len = dl_frame(f, "10.45.0.5", 0, 64, 0, 18, &il);
	ASSERT_EQ(len, 60, "padded to the Ethernet minimum");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	check_encap(t, out, out_len, il, s.teid_remote);

	test__start_subtest(t, "vlan_tagged_sgi");
	{
		struct inner_spec in = { .src = ip4("198.51.100.10"), .dst = ip4("10.45.0.5"),
					 .proto = 17, .sport = 53, .dport = 40000,
					 .payload = 64, .tos = 0x28 };
		uint8_t ip[256];

		il = pkt_inner(ip, &in);
		len = pkt_eth(f, 1, ip, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
		check_encap(t, out, out_len, il, s.teid_remote);
	}

	test__start_subtest(t, "not_a_ue_passed");
	{
		__u64 before = env_cnt(&e, DL_NOT_UE_PASS);

		len = dl_frame(f, "10.45.0.99", 20, 64, 0, 0, &il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "XDP_PASS");
		ASSERT_EQ(env_cnt(&e, DL_NOT_UE_PASS), before + 1, "DL_NOT_UE_PASS");
	}

	test__start_subtest(t, "fragment_to_stack");
	len = dl_frame(f, "10.45.0.5", 20, 64, 0x2000, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "XDP_PASS");
	ASSERT_EQ(env_cnt(&e, IP_FRAG_PASS), 1, "IP_FRAG_PASS");

	test__start_subtest(t, "mtu_exceeded_through_the_stack");
	/* the follower sends it as a G-PDU: the kernel fragments it */
	len = dl_frame(f, "10.45.0.5", 1480 - 28, 64, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "consumed");
	ASSERT_EQ(env_cnt(&e, DL_FRAG_NEEDED_PASS), 1, "DL_FRAG_NEEDED_PASS");
	env_poll_events(&e);
	{
		const struct xepc_ev_buffered *b = env_event(&e, XEPC_EV_TO_STACK, 0);

		if (ASSERT_OK_PTR(b, "to-stack record")) {
			ASSERT_EQ(b->len, il, "the whole inner packet");
			ASSERT_EQ(b->data[8], 63, "TTL decremented");
			ASSERT_EQ(b->hdr.session_id, SID, "its session");
		}
	}

	test__start_subtest(t, "ttl_exceeded");
	ASSERT_OK(env_get_usage(&e, SID, &u0), "usage before");
	len = dl_frame(f, "10.45.0.5", 20, 1, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, TTL_EXCEEDED), 1, "TTL_EXCEEDED");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage after");
	ASSERT_EQ(u.dl_pkts, u0.dl_pkts, "a dropped packet is not usage (dl_pkts)");
	ASSERT_EQ(u.dl_bytes, u0.dl_bytes, "a dropped packet is not usage (dl_bytes)");

	test__start_subtest(t, "enb_without_neighbour_through_the_stack");
	/* handed up as received, a G-PDU from our own address is a martian;
	 * the follower sends it and the kernel resolves the neighbour */
	s.enb_addr = ip4("10.10.0.9");
	ASSERT_OK(env_session(&e, SID, &s), "session update");
	len = dl_frame(f, "10.45.0.5", 20, 64, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "consumed");
	ASSERT_EQ(env_cnt(&e, DL_NO_NEIGH_PASS), 1, "DL_NO_NEIGH_PASS");
	test__start_subtest(t, "enb_without_neighbour_vlan_tagged_sgi");
	{
		struct inner_spec in = { .src = ip4("198.51.100.10"), .dst = ip4("10.45.0.5"),
					 .proto = 17, .sport = 53, .dport = 40000,
					 .payload = 64 };
		uint8_t ip[256];

		il = pkt_inner(ip, &in);
		len = pkt_eth(f, 1, ip, il);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_DROP, "consumed");
		ASSERT_EQ(env_cnt(&e, DL_NO_NEIGH_PASS), 2, "DL_NO_NEIGH_PASS");
	}
	env_poll_events(&e);
	{
		const struct xepc_ev_buffered *b0 = env_event(&e, XEPC_EV_TO_STACK, 1);
		const struct xepc_ev_buffered *b1 = env_event(&e, XEPC_EV_TO_STACK, 2);

		if (ASSERT_OK_PTR(b0, "record (untagged)"))
			ASSERT_EQ(b0->data[0], 0x45, "the inner packet, no L2");
		if (ASSERT_OK_PTR(b1, "record (tagged SGi)")) {
			ASSERT_EQ(b1->data[0], 0x45, "the inner packet, tag and L2 gone");
			ASSERT_EQ(b1->len, il, "whole");
		}
	}

	test__start_subtest(t, "enb_unreachable");
	s.enb_addr = ip4("192.0.2.7");
	ASSERT_OK(env_session(&e, SID, &s), "session update");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "XDP_DROP");
	ASSERT_EQ(env_drops(&e, FIB_UNREACHABLE), 1, "FIB_UNREACHABLE");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.dl_drops, 2, "session dl_drops (ttl, unreachable)");
	ASSERT_EQ(u.dl_pkts, u0.dl_pkts + 2, "usage: only the packets sent through the stack");
out:
	env_close(&e);
}

/*
 * Issue 13, section 3: a downlink packet over xepc_config.s1u_mtu once
 * encapsulated — DF set: ICMP Fragmentation Needed with the next-hop MTU
 * (RFC 1191) back to the sender with XDP_TX, not charged; DF clear: the
 * packet (TTL decremented) handed to userspace whole in an
 * XEPC_EV_OVERSIZE record, to be sent as outer fragments; one that fits
 * is encapsulated as before.
 */
void test_downlink_mtu(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	uint8_t f[4096], orig[4096], out[4096];
	size_t len, out_len = 0, il = 0;
	struct xepc_config cfg;
	struct xepc_usage u0, u;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	env_get_config(&e, &cfg);
	cfg.s1u_mtu = 1000;
	ASSERT_OK(env_config(&e, &cfg), "s1u_mtu 1000");

	test__start_subtest(t, "fits_encapsulated");
	len = dl_frame(f, "10.45.0.5", 1000 - 36 - 28, 64, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "964 bytes + 36 = the MTU: forwarded");

	test__start_subtest(t, "df_set_icmp_frag_needed");
	ASSERT_OK(env_get_usage(&e, SID, &u0), "usage before");
	len = dl_frame(f, "10.45.0.5", 1000 - 36 - 28 + 1, 64, 0x4000, 0, &il);
	memcpy(orig, f, len);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_TX, "XDP_TX back to the sender");
	ASSERT_EQ(env_cnt(&e, DL_FRAG_ICMP), 1, "DL_FRAG_ICMP");
	ASSERT_EQ(out_len, 14 + 20 + 8 + 28, "Ethernet + IPv4 + ICMP + header and 64 bits");
	ASSERT_MEMEQ(out, orig + 6, 6, "to the MAC it came from");
	{
		const uint8_t *ip = out + 14, *icmp = ip + 20;

		ASSERT_TRUE(pkt_ipv4_csum_ok(ip), "IPv4 checksum");
		ASSERT_EQ(ip[9], 1, "ICMP");
		ASSERT_MEMEQ(ip + 16, orig + 14 + 12, 4, "to the sender");
		ASSERT_MEMEQ(ip + 12, "\x0a\x0a\x00\x01", 4, "from the gateway (gtpu_addr)");
		ASSERT_EQ(icmp[0], 3, "Destination Unreachable");
		ASSERT_EQ(icmp[1], 4, "fragmentation needed and DF set");
		ASSERT_EQ(icmp[6] << 8 | icmp[7], 1000 - 36, "next-hop MTU = s1u_mtu - 36");
		ASSERT_EQ(pkt_csum(icmp, 8 + 28), 0, "ICMP checksum");
		ASSERT_MEMEQ(icmp + 8, orig + 14, 28, "quotes the packet as it came (TTL 64)");
	}
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage after");
	ASSERT_EQ(u.dl_pkts, u0.dl_pkts, "not charged");

	test__start_subtest(t, "df_clear_to_userspace_whole");
	len = dl_frame(f, "10.45.0.5", 1400, 64, 0, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "consumed");
	ASSERT_EQ(env_cnt(&e, DL_FRAG_USER), 1, "DL_FRAG_USER");
	env_poll_events(&e);
	{
		const struct xepc_ev_buffered *b = env_event(&e, XEPC_EV_OVERSIZE, 0);

		if (ASSERT_OK_PTR(b, "oversize record")) {
			ASSERT_EQ(b->hdr.session_id, SID, "its session");
			ASSERT_EQ(b->hdr.teid_local, s.teid_local, "its identity");
			ASSERT_EQ(b->len, il, "the whole inner packet");
			ASSERT_EQ(b->data[8], 63, "TTL decremented");
			ASSERT_TRUE(pkt_ipv4_csum_ok(b->data), "header checksum");
		}
	}
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.dl_pkts, u0.dl_pkts + 1, "charged: it will be sent");

	test__start_subtest(t, "tc_ue_df_clear_to_userspace");
	len = dl_frame(f, "10.45.0.5", 1400, 64, 0, 0, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "consumed");
	ASSERT_EQ(env_cnt(&e, DL_FRAG_USER), 2, "DL_FRAG_USER");
	env_poll_events(&e);
	ASSERT_OK_PTR(env_event(&e, XEPC_EV_OVERSIZE, 1), "second oversize record");

	test__start_subtest(t, "tc_ue_df_set_dropped");
	len = dl_frame(f, "10.45.0.5", 1400, 64, 0x4000, 0, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_SHOT, "dropped");
	ASSERT_EQ(env_drops(&e, MTU), 1, "MTU");

	test__start_subtest(t, "off_by_default");
	cfg.s1u_mtu = 0;
	ASSERT_OK(env_config(&e, &cfg), "s1u_mtu 0");
	len = dl_frame(f, "10.45.0.5", 1400, 64, 0x4000, 0, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "1436 bytes fit the device: forwarded");
out:
	env_close(&e);
}
