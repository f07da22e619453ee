// SPDX-License-Identifier: GPL-2.0-only
/*
 * quota: online charging per (session, rating group) — exact enforcement
 * (also with two CPUs), the threshold and exhausted events, each
 * final-unit action, and the atomic refill through the mmapped map.  What
 * a final-unit action lets through after the final units (REDIRECT's
 * portal traffic, RESTRICT_ACCESS's allowed flows) is counted apart in
 * xepc_uncharged, never in the rating group's usage (RFC 4006 5.6.2,
 * 5.6.3: the OCS granted nothing for it).
 */
#include <pthread.h>
#include "../dp_env.h"
#include "../pkt.h"

#define SID 17
#define UE "10.45.0.17"
#define IDX 10

struct hammer {
	int prog;
	const uint8_t *f;
	size_t len;
	int n;
	int passed;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;
	uint8_t out[4096];
	__u32 ret;

	for (int i = 0; i < h->n; i++)
		if (!env_run_xdp(h->prog, h->f, h->len, 0, out, NULL, &ret) &&
		    ret == XDP_PASS)
			h->passed++;
	return NULL;
}

static void grant(struct xepc_charge *c, __s64 bytes, __u64 threshold, __u8 fua)
{
	memset(c, 0, sizeof(*c));
	c->remaining = bytes;
	c->threshold = threshold;
	c->rating_group = 100;
	c->session_id = SID;
	c->flags = XEPC_CF_VALID | XEPC_CF_ONLINE;
	c->fua = fua;
}

static int send_n(struct dp_env *e, int prog, int ifindex, const uint8_t *f,
		  size_t len, int n, __u32 want)
{
	uint8_t out[4096];
	int got = 0;
	__u32 ret;

	for (int i = 0; i < n; i++)
		if (!env_run_xdp(prog, f, len, ifindex, out, NULL, &ret) && ret == want)
			got++;
	(void)e;
	return got;
}

void test_quota(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	uint8_t f[2048], out[4096];
	struct xepc_config cfg;
	size_t len, il = 0, out_len;
	struct xepc_charge *c;
	struct dp_env e;
	__u32 ret;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	c = &e.charging[IDX];
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	cfg.portal_addr = ip4("198.51.100.200");
	ASSERT_OK(env_config(&e, &cfg), "config");
	s.charge_base = IDX;
	s.n_charge = 2;
	s.cookie = 0x51e55;
	s.default_slot = 0;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);

	test__start_subtest(t, "exact_quota_and_events");
	grant(c, 5000, 2000, XEPC_FUA_DROP);
	ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 8, XDP_PASS), 5, "5 x 1000 B granted");
	ASSERT_EQ(c->remaining, 0, "remaining");
	ASSERT_EQ(c->ul_bytes, 5000, "rating-group usage");
	ASSERT_EQ(c->ul_pkts, 5, "rating-group packets");
	ASSERT_EQ(env_drops(&e, QUOTA_EXHAUSTED), 3, "QUOTA_EXHAUSTED");
	env_poll_events(&e);
	{
		const struct xepc_ev_quota *th = env_event(&e, XEPC_EV_QUOTA_THRESHOLD, 0);
		const struct xepc_ev_quota *ex = env_event(&e, XEPC_EV_QUOTA_EXHAUSTED, 0);

		if (ASSERT_OK_PTR(th, "threshold event")) {
			ASSERT_EQ(th->remaining, 2000, "threshold at 2000 B left");
			ASSERT_EQ(th->rating_group, 100, "rating group");
			ASSERT_EQ(th->charge_idx, IDX, "charge index");
			ASSERT_EQ(th->hdr.session_id, SID, "session");
			ASSERT_EQ(th->hdr.teid_local, s.teid_local, "session TEID (identity)");
			ASSERT_EQ(th->hdr.cookie, 0x51e55, "session cookie (identity)");
		}
		if (ASSERT_OK_PTR(ex, "exhausted event"))
			ASSERT_EQ(ex->hdr.cookie, 0x51e55, "session cookie (identity)");
		ASSERT_TRUE(!env_event(&e, XEPC_EV_QUOTA_THRESHOLD, 1), "one threshold event");
		ASSERT_TRUE(!env_event(&e, XEPC_EV_QUOTA_EXHAUSTED, 1), "one exhausted event");
	}

	test__start_subtest(t, "no_partial_grant_after_cut");
	grant(c, 2500, 0, XEPC_FUA_DROP);
	ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 3, XDP_PASS), 2, "2 granted");
	ASSERT_EQ(c->remaining, 500, "500 left, not granted to a 1000 B packet");
	{
		uint8_t small[512];
		size_t sl = env_ul(small, SID, UE, "198.51.100.10", 17, 1, 2, 100, NULL);

		ASSERT_EQ(send_n(&e, e.prog_s1u, 0, small, sl, 1, XDP_DROP), 1,
			  "a small packet after the cut is dropped too");
	}

	test__start_subtest(t, "atomic_refill_from_userspace");
	__atomic_fetch_add(&c->remaining, 3000, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&c->state, ~(XEPC_CS_EXHAUSTED | XEPC_CS_THRESHOLD_SENT),
			   __ATOMIC_SEQ_CST);
	ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 4, XDP_PASS), 3, "3500 B: 3 packets");

	test__start_subtest(t, "concurrent_cpus_exact");
	{
		struct hammer h[2] = {
			{ e.prog_s1u, f, len, 300, 0 }, { e.prog_s1u, f, len, 300, 0 },
		};
		pthread_t th[2];

		grant(c, 100 * 1000, 0, XEPC_FUA_DROP);
		for (int i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, hammer, &h[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		ASSERT_EQ(h[0].passed + h[1].passed, 100, "exactly the quota");
		ASSERT_EQ(c->remaining, 0, "nothing left, nothing overdrawn");
		ASSERT_EQ(c->ul_pkts, 100, "usage = grant");
	}

	test__start_subtest(t, "fua_redirect");
	grant(c, 0, 0, XEPC_FUA_REDIRECT);
	memset(&e.uncharged[IDX], 0, sizeof(e.uncharged[IDX]));
	out_len = 0;
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_PASS, "passed (redirected)");
	ASSERT_MEMEQ(out + 14 + 16, "\xc6\x33\x64\xc8", 4, "destination = portal");
	ASSERT_TRUE(pkt_l4_csum_ok(out + 14), "UDP checksum after rewrite");
	{
		size_t dil = 0, dl = env_dl(f, "198.51.100.10", UE, 17, 2000, 1000, 20, NULL);

		ASSERT_EQ(send_n(&e, e.prog_sgi, t->if_sgi, f, dl, 1, XDP_DROP), 1,
			  "downlink from elsewhere dropped");
		dl = env_dl(f, "198.51.100.200", UE, 17, 80, 1000, 20, &dil);
		ASSERT_EQ(send_n(&e, e.prog_sgi, t->if_sgi, f, dl, 1, XDP_REDIRECT), 1,
			  "downlink from the portal forwarded");
		/* after the final units: nothing of it in the rating group's
		 * used units, all of it apart */
		ASSERT_EQ(c->ul_bytes + c->dl_bytes, 0, "portal traffic not in the rating group's usage");
		ASSERT_EQ(c->ul_pkts + c->dl_pkts, 0, "portal packets not in its usage");
		ASSERT_EQ(e.uncharged[IDX].ul_bytes, il, "redirected uplink counted apart (bytes)");
		ASSERT_EQ(e.uncharged[IDX].ul_pkts, 1, "redirected uplink counted apart (packets)");
		ASSERT_EQ(e.uncharged[IDX].dl_bytes, dil, "portal's reply counted apart (bytes)");
		ASSERT_EQ(e.uncharged[IDX].dl_pkts, 1, "portal's reply counted apart (packets)");
		ASSERT_EQ(c->remaining, 0, "no quota taken");
	}

	test__start_subtest(t, "fua_redirect_after_final_units");
	{
		/* the last 3000 bytes with REDIRECT: 3 packets charged, then the
		 * 4th and 5th go to the portal, counted apart; a refill ends
		 * it (the next packet charged again) */
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);
		grant(c, 3000, 0, XEPC_FUA_REDIRECT);
		memset(&e.uncharged[IDX], 0, sizeof(e.uncharged[IDX]));
		ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 5, XDP_PASS), 5, "5 pass");
		ASSERT_EQ(c->ul_bytes, 3000, "used units = the final units, exactly");
		ASSERT_EQ(c->ul_pkts, 3, "3 packets charged");
		ASSERT_EQ(e.uncharged[IDX].ul_bytes, 2 * il, "2 redirected, apart");
		ASSERT_EQ(e.uncharged[IDX].ul_pkts, 2, "2 redirected packets, apart");
		__atomic_fetch_add(&c->remaining, 1000, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(&c->state, ~(XEPC_CS_EXHAUSTED | XEPC_CS_THRESHOLD_SENT),
				   __ATOMIC_SEQ_CST);
		ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 1, XDP_PASS), 1, "refilled: passes");
		ASSERT_EQ(c->ul_bytes, 4000, "and is charged again");
		ASSERT_EQ(e.uncharged[IDX].ul_pkts, 2, "not apart");
	}

	test__start_subtest(t, "fua_restrict_always_allowed");
	{
		struct xepc_ruleset rs = { 0 };
		uint8_t g[2048];
		size_t gl;

		/* rule 0: TCP to the portal net, always allowed, own slot 1 */
		rs.rules[0].dir = XEPC_DIR_UL | XEPC_DIR_DL;
		rs.rules[0].proto = 6;
		rs.rules[0].remote_addr = ip4("198.51.100.0");
		rs.rules[0].remote_mask = ip4("255.255.255.0");
		rs.rules[0].remote_port_hi = 0xffff;
		rs.rules[0].ue_port_hi = 0xffff;
		rs.rules[0].flags = XEPC_RF_ALWAYS_ALLOWED;
		rs.rules[0].charge_slot = 0;
		rs.n_rules = 1;
		ASSERT_OK(env_ruleset(&e, 1, &rs), "ruleset");
		s.ruleset_id = 1;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		grant(c, 0, 0, XEPC_FUA_RESTRICT);
		memset(&e.uncharged[IDX], 0, sizeof(e.uncharged[IDX]));
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 100, &il);
		ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 1, XDP_DROP), 1, "UDP restricted");
		ASSERT_EQ(env_drops(&e, QUOTA_RESTRICTED), 1, "QUOTA_RESTRICTED");
		gl = env_ul(g, SID, UE, "198.51.100.10", 6, 1000, 80, 100, &il);
		ASSERT_EQ(send_n(&e, e.prog_s1u, 0, g, gl, 2, XDP_PASS), 2, "always-allowed passes");
		ASSERT_EQ(c->remaining, 0, "and is not charged");
		ASSERT_EQ(c->ul_pkts + c->ul_bytes, 0, "nor in the rating group's usage");
		ASSERT_EQ(e.uncharged[IDX].ul_pkts, 2, "but counted apart (packets)");
		ASSERT_EQ(e.uncharged[IDX].ul_bytes, 2 * il, "but counted apart (bytes)");
	}

	test__start_subtest(t, "offline_counts_only");
	grant(c, 0, 0, XEPC_FUA_DROP);
	memset(&e.uncharged[IDX], 0, sizeof(e.uncharged[IDX]));
	c->flags = XEPC_CF_VALID;
	ASSERT_EQ(send_n(&e, e.prog_s1u, 0, f, len, 3, XDP_PASS), 3, "no quota enforced");
	ASSERT_EQ(c->ul_pkts, 3, "usage counted");
	ASSERT_EQ(e.uncharged[IDX].ul_pkts, 0, "an offline slot counts nothing apart");
out:
	env_close(&e);
}
