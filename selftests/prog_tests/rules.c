// SPDX-License-Identifier: GPL-2.0-only
/*
 * rules: SDF filters with precedence (first match in array order), both
 * directions with one rule, protocol/prefix/port-range matching, the
 * default action, and redirect to the captive portal with checksum updates
 * and the source restored on the portal's replies; port-range edges.
 */
#include "../dp_env.h"
#include <arpa/inet.h>
#include "../pkt.h"

#define SID 11
#define UE "10.45.0.11"
#define PORTAL "198.51.100.200"

static struct xepc_rule rule(__u32 prec, __u8 proto, const char *remote,
			     int plen, __u16 plo, __u16 phi, __u8 action)
{
	struct xepc_rule r = { 0 };

	r.precedence = prec;
	r.dir = XEPC_DIR_UL | XEPC_DIR_DL;
	r.proto = proto;
	r.remote_addr = remote ? ip4(remote) : 0;
	r.remote_mask = plen ? htonl(~0u << (32 - plen)) : 0;
	r.remote_port_lo = plo;
	r.remote_port_hi = phi;
	r.ue_port_lo = 0;
	r.ue_port_hi = 0xffff;
	r.action = action;
	r.charge_slot = XEPC_SLOT_DEFAULT;
	return r;
}

/* a small deterministic generator for the randomized subtest */
static __u32 rnd(__u32 *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* a port: mostly a bucket edge or another interesting value, else any */
static __u16 rport_of(__u32 *seed, const __u16 *edges, size_t n)
{
	if (rnd(seed) % 3)
		return edges[rnd(seed) % n];
	return (__u16)rnd(seed);
}

static __u32 run(struct test_ctx *t, int prog, int ifindex, const uint8_t *f,
		 size_t len, uint8_t *out, size_t *out_len)
{
	__u32 ret = ~0u;

	ASSERT_OK(env_run_xdp(prog, f, len, ifindex, out, out_len, &ret), "run");
	return ret;
}

void test_rules(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct xepc_ruleset rs = { 0 }, rs2 = { 0 };
	uint8_t f[2048], out[4096];
	size_t len, out_len = 0, il;
	struct xepc_config cfg;
	struct dp_env e;
	__u64 before;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	/* precedence order: a /32 drop before the /24 pass that covers it */
	rs.rules[0] = rule(5, 6, "198.51.100.66", 32, 80, 80, XEPC_ACT_DROP);
	rs.rules[1] = rule(10, 6, "198.51.100.0", 24, 80, 80, XEPC_ACT_PASS);
	rs.rules[2] = rule(20, 17, NULL, 0, 53, 53, XEPC_ACT_DROP);
	rs.rules[3] = rule(30, 6, NULL, 0, 443, 443, XEPC_ACT_REDIRECT);
	rs.rules[4] = rule(40, 17, NULL, 0, 0, 0xffff, XEPC_ACT_PASS);
	rs.rules[4].ue_port_lo = 1000;
	rs.rules[4].ue_port_hi = 2000;
	rs.n_rules = 5;
	ASSERT_OK(env_ruleset(&e, 1, &rs), "ruleset");
	s.ruleset_id = 1;
	s.default_action = XEPC_ACT_DROP;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	env_get_config(&e, &cfg);
	cfg.portal_addr = ip4(PORTAL);
	ASSERT_OK(env_config(&e, &cfg), "config");

	test__start_subtest(t, "ul_pass_rule");
	len = env_ul(f, SID, UE, "198.51.100.10", 6, 33000, 80, 50, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_REDIRECT, "forwarded");

	test__start_subtest(t, "precedence_first_match");
	len = env_ul(f, SID, UE, "198.51.100.66", 6, 33000, 80, 50, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, RULE_DROP), 1, "RULE_DROP");

	test__start_subtest(t, "ul_drop_rule_port");
	len = env_ul(f, SID, UE, "198.51.100.10", 17, 1500, 53, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, RULE_DROP), 2, "RULE_DROP");

	test__start_subtest(t, "dl_same_rule_reversed");
	len = env_dl(f, "198.51.100.10", UE, 17, 53, 1500, 20, &il);
	ASSERT_EQ(run(t, e.prog_sgi, t->if_sgi, f, len, out, &out_len), XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, RULE_DROP), 3, "RULE_DROP");
	len = env_dl(f, "198.51.100.10", UE, 6, 80, 33000, 20, &il);
	ASSERT_EQ(run(t, e.prog_sgi, t->if_sgi, f, len, out, &out_len), XDP_REDIRECT,
		  "downlink of the port-80 flow forwarded");

	test__start_subtest(t, "ue_port_range");
	len = env_ul(f, SID, UE, "198.51.100.10", 17, 1999, 7000, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_REDIRECT, "in range");
	len = env_ul(f, SID, UE, "198.51.100.10", 17, 2001, 7000, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "out of range");
	ASSERT_EQ(env_drops(&e, DEFAULT_DROP), 1, "DEFAULT_DROP");

	test__start_subtest(t, "default_drop_no_ports");
	len = env_ul(f, SID, UE, "198.51.100.10", 1, 0, 0, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "ICMP dropped");
	ASSERT_EQ(env_drops(&e, DEFAULT_DROP), 2, "DEFAULT_DROP");

	test__start_subtest(t, "redirect_to_portal");
	len = env_ul(f, SID, UE, "198.51.100.10", 6, 33000, 443, 60, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_REDIRECT, "forwarded");
	ASSERT_MEMEQ(out + 14 + 16, "\xc6\x33\x64\xc8", 4, "destination = portal");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14), "IPv4 checksum after rewrite");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14), "TCP checksum after rewrite");
	ASSERT_EQ(env_cnt(&e, RULE_REDIRECT), 1, "RULE_REDIRECT");

	test__start_subtest(t, "portal_reply_source_restored");
	len = env_dl(f, PORTAL, UE, 6, 443, 33000, 60, &il);
	ASSERT_EQ(run(t, e.prog_sgi, t->if_sgi, f, len, out, &out_len), XDP_REDIRECT, "forwarded");
	ASSERT_MEMEQ(out + 14 + 36 + 12, "\xc6\x33\x64\x0a", 4, "source = original server");
	ASSERT_TRUE(pkt_ipv4_csum_ok(out + 14 + 36), "inner IPv4 checksum");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14 + 36), "inner TCP checksum");
	ASSERT_EQ(env_cnt(&e, PORTAL_RESTORE), 1, "PORTAL_RESTORE");

	test__start_subtest(t, "redirect_without_portal");
	cfg.portal_addr = 0;
	ASSERT_OK(env_config(&e, &cfg), "config");
	len = env_ul(f, SID, UE, "198.51.100.10", 6, 33000, 443, 60, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "dropped");
	ASSERT_EQ(env_drops(&e, NO_PORTAL), 1, "NO_PORTAL");

	test__start_subtest(t, "direction_bits");
	rs2.rules[0] = rule(1, 0, NULL, 0, 0, 0xffff, XEPC_ACT_DROP);
	rs2.rules[0].dir = XEPC_DIR_DL;
	rs2.n_rules = 1;
	ASSERT_OK(env_ruleset(&e, 2, &rs2), "ruleset 2");
	s.ruleset_id = 2;
	s.default_action = XEPC_ACT_PASS;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	before = env_drops(&e, RULE_DROP);
	len = env_ul(f, SID, UE, "198.51.100.10", 1, 0, 0, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_REDIRECT,
		  "a downlink-only rule does not match uplink");
	len = env_dl(f, "198.51.100.10", UE, 1, 0, 0, 20, &il);
	ASSERT_EQ(run(t, e.prog_sgi, t->if_sgi, f, len, out, &out_len), XDP_DROP,
		  "it matches downlink");
	ASSERT_EQ(env_drops(&e, RULE_DROP) - before, 1, "RULE_DROP");

	test__start_subtest(t, "sixteen_rules_last_matches");
	memset(&rs2, 0, sizeof(rs2));
	for (int i = 0; i < XEPC_MAX_RULES - 1; i++)
		rs2.rules[i] = rule(i, 6, NULL, 0, 1000 + i, 1000 + i, XEPC_ACT_PASS);
	rs2.rules[15] = rule(99, 1, NULL, 0, 0, 0xffff, XEPC_ACT_DROP);
	rs2.n_rules = XEPC_MAX_RULES;
	ASSERT_OK(env_ruleset(&e, 2, &rs2), "ruleset 2");
	before = env_drops(&e, RULE_DROP);
	len = env_ul(f, SID, UE, "198.51.100.10", 1, 0, 0, 20, &il);
	ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len), XDP_DROP, "16th rule");
	ASSERT_EQ(env_drops(&e, RULE_DROP) - before, 1, "RULE_DROP");

	test__start_subtest(t, "port_range_edges");
	{
		/* one rule at a time, drop when it matches, else the
		 * session's default pass: ends inclusive, an inverted range
		 * matches nothing, only 0..65535 matches a packet without
		 * ports (ICMP) */
		static const struct {
			__u16 lo, hi, ue_lo, ue_hi;
			__u8 proto;
			__u16 sport, dport;
			int match;
		} c[] = {
			{ 100, 200, 0, 0xffff, 17, 7, 100, 1 },
			{ 100, 200, 0, 0xffff, 17, 7, 200, 1 },
			{ 100, 200, 0, 0xffff, 17, 7, 99, 0 },
			{ 100, 200, 0, 0xffff, 17, 7, 201, 0 },
			{ 200, 100, 0, 0xffff, 17, 7, 150, 0 },
			{ 200, 100, 0, 0xffff, 1, 0, 0, 0 },
			{ 0, 0xfffe, 0, 0xffff, 1, 0, 0, 0 },
			{ 0, 0xfffe, 0, 0xffff, 17, 7, 0, 1 },
			{ 1, 0xffff, 0, 0xffff, 1, 0, 0, 0 },
			{ 1, 0xffff, 0, 0xffff, 17, 7, 0xffff, 1 },
			{ 0, 0xffff, 0, 0xffff, 1, 0, 0, 1 },
			{ 0, 0xffff, 0xffff, 0xffff, 17, 0xffff, 9, 1 },
			{ 0, 0xffff, 0xffff, 0xffff, 17, 0xfffe, 9, 0 },
			{ 0, 0xffff, 0, 0, 6, 0, 9, 1 },
			{ 0, 0xffff, 0, 0, 1, 0, 0, 0 },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			char what[64];

			memset(&rs2, 0, sizeof(rs2));
			rs2.rules[0] = rule(1, 0, NULL, 0, c[i].lo, c[i].hi, XEPC_ACT_DROP);
			rs2.rules[0].ue_port_lo = c[i].ue_lo;
			rs2.rules[0].ue_port_hi = c[i].ue_hi;
			rs2.n_rules = 1;
			ASSERT_OK(env_ruleset(&e, 2, &rs2), "ruleset 2");
			len = env_ul(f, SID, UE, "198.51.100.10", c[i].proto, c[i].sport,
				     c[i].dport, 20, &il);
			snprintf(what, sizeof(what), "case %zu: %s", i,
				 c[i].match ? "matches" : "does not match");
			ASSERT_EQ(run(t, e.prog_s1u, t->if_s1u, f, len, out, &out_len),
				  c[i].match ? XDP_DROP : XDP_REDIRECT, what);
		}
	}

	test__start_subtest(t, "index_agrees_with_walk");
	{
		/* random rulesets and packets: the candidate index
		 * (xepc_ruleset_index) gives every packet the verdict of the
		 * walk over all rules, including the bucket edges, empty
		 * ranges and packets without ports */
		static const __u16 edges[] = { 0, 1, 255, 256, 257, 511, 512, 1023,
					       5201, 32767, 65279, 65280, 65534, 65535 };
		static const __u8 protos[] = { 0, 6, 17 };
		__u32 seed = 12345, checked = 0, differ = 0, passed = 0, i, k, p;
		uint8_t out2[4096];
		size_t out2_len = 0;

#define RND() rnd(&seed)
#define RPORT() rport_of(&seed, edges, sizeof(edges) / sizeof(edges[0]))
		s.ruleset_id = 3;
		s.default_action = XEPC_ACT_DROP;
		ASSERT_OK(env_session(&e, SID, &s), "session on ruleset 3");
		for (k = 0; k < 24; k++) {
			memset(&rs2, 0, sizeof(rs2));
			rs2.n_rules = 1 + RND() % XEPC_MAX_RULES;
			for (i = 0; i < rs2.n_rules; i++) {
				__u16 a = RPORT(), b = RPORT();
				struct xepc_rule *r = &rs2.rules[i];
				__u8 proto = protos[RND() % 3], act = (__u8)(RND() % 3);
				const char *pfx = RND() % 4 ? NULL : "198.51.100.0";

				*r = rule(i, proto, pfx, 24, a < b ? a : b, a < b ? b : a, act);
				r->dir = 1 + RND() % 3;
				if (RND() % 4 == 0)	/* an empty range: matches no port */
					r->remote_port_lo = r->remote_port_hi + 1;
				if (RND() % 3 == 0) {
					a = RPORT(), b = RPORT();
					r->ue_port_lo = a < b ? a : b;
					r->ue_port_hi = a < b ? b : a;
				}
				if (RND() % 5 == 0)
					r->remote_port_lo = 0, r->remote_port_hi = 0xffff;
			}
			for (p = 0; p < 40; p++) {
				/* mostly aimed at a rule: its ports and their
				 * neighbours, its protocol and direction */
				const struct xepc_rule *aim = &rs2.rules[RND() % rs2.n_rules];
				__u8 proto = (__u8[]){ 6, 17, 1 }[RND() % 3];
				__u16 rport = RPORT(), uport = RPORT();
				int dl = RND() % 2;
				__u32 r1, r2;

				if (RND() % 4) {
					__u16 rl = aim->remote_port_lo, rh = aim->remote_port_hi;
					__u16 ul = aim->ue_port_lo, uh = aim->ue_port_hi;

					rport = (__u16[]){ rl, rh, (__u16)(rl - 1),
							   (__u16)(rh + 1) }[RND() % 4];
					uport = (__u16[]){ ul, uh, (__u16)(ul - 1),
							   (__u16)(uh + 1) }[RND() % 4];
					if (aim->proto && RND() % 4)
						proto = aim->proto;
					dl = aim->dir == XEPC_DIR_DL ? 1 :
					     aim->dir == XEPC_DIR_UL ? 0 : dl;
				}

				if (dl)
					len = env_dl(f, "198.51.100.10", UE, proto, rport, uport,
						     20, &il);
				else
					len = env_ul(f, SID, UE, "198.51.100.10", proto, uport,
						     rport, 20, &il);
				env_ruleset(&e, 3, &rs2);
				r1 = run(t, dl ? e.prog_sgi : e.prog_s1u,
					 dl ? t->if_sgi : t->if_s1u, f, len, out, &out_len);
				env_ruleset_unindexed(&e, 3, &rs2);
				r2 = run(t, dl ? e.prog_sgi : e.prog_s1u,
					 dl ? t->if_sgi : t->if_s1u, f, len, out2, &out2_len);
				checked++;
				passed += r1 != XDP_DROP;
				if (r1 != r2 || (r1 != XDP_DROP && (out_len != out2_len ||
							memcmp(out, out2, out_len)))) {
					differ++;
					printf("# ruleset %u packet %u (%s proto %u rport %u uport %u): "
					       "%u with the index, %u without\n", k, p,
					       dl ? "dl" : "ul", proto, rport, uport, r1, r2);
				}
			}
		}
#undef RND
#undef RPORT
		ASSERT_EQ(checked, 960, "packets checked");
		ASSERT_EQ(differ, 0, "same verdict and frame with and without the index");
		printf("# %u of %u packets matched a rule that passes or redirects\n",
		       passed, checked);
		ASSERT_GE(passed, checked / 20, "the rules were exercised");
	}
out:
	env_close(&e);
}
