// SPDX-License-Identifier: GPL-2.0-only
/*
 * bearer: dedicated bearers of one UE (TS 23.401 4.7.2, 5.4.1).  A bearer
 * is a session of its own (XEPC_SF_BEARER, not in xepc_ue): its uplink
 * TEID finds it and counts on it; on the downlink the default bearer's
 * XEPC_ACT_BEARER rules (the TFT's packet filters, TS 24.008 10.5.6.12:
 * addresses, protocol, port ranges, TOS) steer matching packets into its
 * tunnel (its eNB TEID, its usage, its MBR meter), the rest stays on the
 * default bearer.  XDP (routed) and tc_ue (NAT).  A REDIRECT final-unit
 * action on the quota the bearer shares with its default bearer: its HTTP
 * up the bearer's TEID goes to the portal, and the portal's answer (down
 * to the UE's address, i.e. the default bearer's session) gets the
 * server's address back as its source, steered into the bearer by its TFT.
 */
#include <linux/pkt_cls.h>
#include "../dp_env.h"
#include <arpa/inet.h>
#include "../pkt.h"

#define SID 21		/* default bearer */
#define BSID 22		/* its dedicated bearer */
#define UE "10.45.0.21"
#define PEER "198.51.100.10"
#define BEARER_DL_TEID 0x7777
#define PORTAL "198.51.100.200"
#define CIDX 12		/* the PDN connection's charging slot */

static __u32 outer_teid(const uint8_t *out)
{
	const uint8_t *g = out + 14 + 20 + 8;

	return (__u32)g[4] << 24 | (__u32)g[5] << 16 | (__u32)g[6] << 8 | g[7];
}

/* sets the inner TOS of a downlink frame (Ethernet + IPv4) and its checksum */
static void set_tos(uint8_t *f, uint8_t tos)
{
	uint8_t *ip = f + 14;
	uint16_t c;

	ip[1] = tos;
	ip[10] = ip[11] = 0;
	c = pkt_csum(ip, (ip[0] & 15) * 4);
	memcpy(ip + 10, &c, 2);
}

static __u64 dl_pkts(struct dp_env *e, __u32 sid)
{
	struct xepc_usage u = { 0 };

	env_get_usage(e, sid, &u);
	return u.dl_pkts;
}

void test_bearer(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct xepc_session b = env_default_session(BSID);
	struct xepc_ruleset rs = { 0 };
	uint8_t f[2048], out[4096];
	size_t len, out_len = 0, il = 0;
	struct xepc_config cfg;
	struct xepc_usage u;
	struct dp_env e;
	__u32 ret = 0, bsid = BSID;
	__u64 d0, b0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	/* the TFT of a voice bearer: UDP to the UE's ports 49152-65535 from
	 * anywhere; and a filter on TOS alone (DSCP EF, mask 0xfc) */
	rs.rules[0].precedence = 1;
	rs.rules[0].dir = XEPC_DIR_DL;
	rs.rules[0].proto = IPPROTO_UDP;
	rs.rules[0].remote_port_lo = 0;
	rs.rules[0].remote_port_hi = 0xffff;
	rs.rules[0].ue_port_lo = 49152;
	rs.rules[0].ue_port_hi = 65535;
	rs.rules[0].action = XEPC_ACT_BEARER;
	rs.rules[0].charge_slot = XEPC_SLOT_DEFAULT;
	rs.rules[0].bearer_sid = BSID;
	rs.rules[1] = rs.rules[0];
	rs.rules[1].precedence = 2;
	rs.rules[1].proto = 0;
	rs.rules[1].ue_port_lo = 0;
	rs.rules[1].tos = 0xb8;
	rs.rules[1].tos_mask = 0xfc;
	rs.n_rules = 2;
	ASSERT_OK(env_ruleset(&e, 3, &rs), "ruleset");
	s.ruleset_id = 3;
	ASSERT_OK(env_session(&e, SID, &s), "default bearer");
	/* the dedicated bearer: same UE address and eNB, its own TEIDs; in
	 * the session map only (never in xepc_ue) */
	b.ue_addr = s.ue_addr;
	b.teid_remote = BEARER_DL_TEID;
	b.flags |= XEPC_SF_BEARER;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer session");

	test__start_subtest(t, "tft_udp_ports_to_bearer");
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 50000, 160, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "forwarded");
	ASSERT_EQ(outer_teid(out), BEARER_DL_TEID, "in the dedicated bearer's tunnel");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "outer IPv4 checksum");
	ASSERT_EQ(dl_pkts(&e, BSID), 1, "counted on the bearer");
	ASSERT_EQ(dl_pkts(&e, SID), 0, "not on the default bearer");

	test__start_subtest(t, "other_traffic_default_bearer");
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 40000, 160, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "forwarded");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "UDP below the range: default tunnel");
	len = env_dl(f, PEER, UE, IPPROTO_TCP, 80, 50000, 160, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "TCP in the port range: default tunnel");
	ASSERT_EQ(dl_pkts(&e, SID), 2, "both counted on the default bearer");
	ASSERT_EQ(dl_pkts(&e, BSID), 1, "the bearer's count unchanged");

	test__start_subtest(t, "tft_tos_mask");
	len = env_dl(f, PEER, UE, IPPROTO_TCP, 80, 40000, 100, &il);
	set_tos(f, 0xb9);	/* DSCP 46 (EF), ECN 01: under the mask */
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), BEARER_DL_TEID, "EF traffic to the bearer");
	set_tos(f, 0x28);	/* AF11 */
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "AF11 stays on the default bearer");

	test__start_subtest(t, "uplink_on_bearer_teid");
	len = env_ul(f, BSID, UE, PEER, IPPROTO_UDP, 50000, 5004, 160, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "decapsulated and forwarded");
	ASSERT_OK(env_get_usage(&e, BSID, &u), "usage");
	ASSERT_EQ(u.ul_pkts, 1, "uplink counted on the bearer");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.ul_pkts, 0, "not on the default bearer");

	test__start_subtest(t, "bearer_mbr_meter");
	/* 1000 B/s, bucket 1500 B: the first 1000-byte packet passes, the
	 * second at the same instant is over the bearer's MBR */
	ASSERT_OK(env_meter(&e, 9, 1000, 1500), "meter");
	b.dl_meter_id = 9;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer with MBR");
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 50000, 972, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "first within the MBR");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "second over the MBR");
	ASSERT_EQ(env_drops(&e, METER_RULE), 1, "METER_RULE");
	ASSERT_OK(env_get_usage(&e, BSID, &u), "usage");
	ASSERT_EQ(u.dl_drops, 1, "the drop counted on the bearer");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.dl_drops, 0, "not on the default bearer");
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 40000, 972, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "the default bearer is not under the bearer's meter");
	b.dl_meter_id = 0;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer without MBR");

	test__start_subtest(t, "bearer_without_tunnel_default");
	b.flags &= ~XEPC_SF_TUNNEL;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer idle");
	d0 = dl_pkts(&e, SID);
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 50000, 160, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "forwarded");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "no bearer tunnel: default tunnel");
	ASSERT_EQ(dl_pkts(&e, SID) - d0, 1, "counted on the default bearer");

	test__start_subtest(t, "bearer_of_another_ue_ignored");
	b.flags |= XEPC_SF_TUNNEL;
	b.ue_addr = ip4("10.45.0.99");
	ASSERT_OK(env_session_entry(&e, bsid, &b), "other UE's bearer");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "never into another UE's tunnel");
	b.ue_addr = s.ue_addr;
	b.flags &= ~XEPC_SF_BEARER;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "not a bearer");
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "a rule naming a plain session is ignored");
	b.flags |= XEPC_SF_BEARER;
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer again");

	test__start_subtest(t, "tc_ue_nat_to_bearer");
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	ASSERT_OK(env_config(&e, &cfg), "config");
	b0 = dl_pkts(&e, BSID);
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 50000, 160, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "TC_ACT_REDIRECT");
	ASSERT_EQ(outer_teid(out), BEARER_DL_TEID, "tc_ue: the bearer's tunnel");
	ASSERT_EQ(dl_pkts(&e, BSID) - b0, 1, "counted on the bearer");
	len = env_dl(f, PEER, UE, IPPROTO_UDP, 5004, 40000, 160, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(outer_teid(out), s.teid_remote, "tc_ue: the rest on the default bearer");

	test__start_subtest(t, "redirect_on_bearer_reply_restored");
	/* Gy's quota of the PDN connection, run out with REDIRECT; the bearer
	 * shares the default bearer's rules and slot (XEPC_SF_SHARED_POLICY),
	 * and its TFT takes the HTTP flow (TCP from remote port 80) */
	cfg.portal_addr = ip4(PORTAL);
	ASSERT_OK(env_config(&e, &cfg), "config with a portal");
	rs.rules[2] = rs.rules[0];
	rs.rules[2].precedence = 3;
	rs.rules[2].proto = IPPROTO_TCP;
	rs.rules[2].remote_port_lo = rs.rules[2].remote_port_hi = 80;
	rs.rules[2].ue_port_lo = 0;
	rs.n_rules = 3;
	ASSERT_OK(env_ruleset(&e, 3, &rs), "ruleset with the HTTP filter");
	{
		struct xepc_charge *c = &e.charging[CIDX];

		memset(c, 0, sizeof(*c));
		c->rating_group = 1;
		c->session_id = SID;
		c->fua = XEPC_FUA_REDIRECT;
		c->flags = XEPC_CF_VALID | XEPC_CF_ONLINE;
	}
	s.charge_base = b.charge_base = CIDX;
	s.n_charge = b.n_charge = 1;
	s.default_slot = b.default_slot = 0;
	b.ruleset_id = s.ruleset_id;
	b.flags |= XEPC_SF_SHARED_POLICY;
	ASSERT_OK(env_session(&e, SID, &s), "default bearer charged");
	ASSERT_OK(env_session_entry(&e, bsid, &b), "bearer sharing its policy");
	len = env_ul(f, BSID, UE, PEER, IPPROTO_TCP, 40000, 80, 100, &il);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, t->if_s1u, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "up the stack (NAT)");
	ASSERT_MEMEQ(out + 14 + 16, "\xc6\x33\x64\xc8", 4, "destination = portal");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14), "TCP checksum after rewrite");
	ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
	ASSERT_EQ(u.redirect_orig, ip4(PEER), "the server noted where the replies look");
	b0 = dl_pkts(&e, BSID);
	len = env_dl(f, PORTAL, UE, IPPROTO_TCP, 80, 40000, 100, &il);
	ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tc_ue: the portal's answer forwarded");
	ASSERT_MEMEQ(out + 14 + 36 + 12, "\xc6\x33\x64\x0a", 4, "tc_ue: source = the server");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14 + 36), "inner IPv4 checksum");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14 + 36), "inner TCP checksum");
	ASSERT_EQ(outer_teid(out), BEARER_DL_TEID, "tc_ue: into the bearer (its TFT)");
	ASSERT_EQ(dl_pkts(&e, BSID) - b0, 1, "counted on the bearer");
	cfg.mode = XEPC_MODE_ROUTED;
	ASSERT_OK(env_config(&e, &cfg), "routed");
	len = env_dl(f, PORTAL, UE, IPPROTO_TCP, 80, 40000, 100, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "xdp_sgi: the portal's answer forwarded");
	ASSERT_MEMEQ(out + 14 + 36 + 12, "\xc6\x33\x64\x0a", 4, "xdp_sgi: source = the server");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14 + 36), "inner TCP checksum");
	ASSERT_EQ(outer_teid(out), BEARER_DL_TEID, "xdp_sgi: into the bearer");
	ASSERT_EQ(env_cnt(&e, PORTAL_RESTORE), 2, "PORTAL_RESTORE");
	len = env_dl(f, PEER, UE, IPPROTO_TCP, 80, 40000, 100, &il);
	ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_DROP, "anything else down is cut (quota exhausted)");

out:
	env_close(&e);
}
