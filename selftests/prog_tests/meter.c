// SPDX-License-Identifier: GPL-2.0-only
/*
 * meter: token buckets.  A flow offered at twice the rate gets the rate
 * within 5 % (controllable clock through xepc_config.clock_ns); two CPUs
 * hammering one bucket never spend the same tokens; the per-rule MBR meter
 * and the session APN-AMBR meter both apply, each with its drop reason;
 * with the kernel's (jiffies) clock a bucket refills and stays capped; a
 * session's own APN-AMBR buckets in its xepc_usage value (the layout of
 * docs/datapath.md "What one packet touches") meter both directions.
 */
#include <pthread.h>
#include <time.h>
#include "../dp_env.h"
#include "../pkt.h"

#define SID 13
#define UE "10.45.0.13"

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

void test_meter(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	const __u64 rate = 1000000, burst = 10000;	/* 1 MB/s, 10 kB */
	uint8_t f[2048], out[4096];
	size_t len, il = 0;
	struct xepc_config cfg;
	struct xepc_meter m;
	struct dp_env e;
	__u32 ret = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;	/* XDP_PASS: no route needed */
	ASSERT_OK(env_config(&e, &cfg), "config");
	s.ul_meter_id = 1;
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "twice_the_rate_gets_the_rate");
	{
		const __u64 step = 500000;	/* 1000 B every 0.5 ms = 2 MB/s */
		const int n = 4000;		/* 2 s */
		__u64 passed = 0, now = XEPC_NS_PER_SEC, expect;

		ASSERT_OK(env_meter(&e, 1, rate, burst), "meter");
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);
		ASSERT_EQ(il, 1000, "inner packet of 1000 bytes");
		for (int i = 0; i < n; i++, now += step) {
			env_set_clock(&e, now);
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
			    ret == XDP_PASS)
				passed += il;
		}
		/* 2 s at 1 MB/s, plus the initial burst */
		expect = rate * (n * step) / XEPC_NS_PER_SEC + burst;
		printf("# meter: offered %llu B, passed %llu B, expected %llu B\n",
		       (unsigned long long)n * il, (unsigned long long)passed,
		       (unsigned long long)expect);
		ASSERT_GE(passed * 100, expect * 95, "at least 95 % of the rate");
		ASSERT_LE(passed * 100, expect * 105, "at most 105 % of the rate");
		ASSERT_OK(env_get_meter(&e, 1, &m), "meter read");
		ASSERT_EQ(m.green_bytes, passed, "green bytes");
		ASSERT_EQ(m.red_pkts + m.green_pkts, n, "every packet coloured");
		ASSERT_EQ(env_drops(&e, METER_AMBR), m.red_pkts, "METER_AMBR");
	}

	test__start_subtest(t, "refill_after_idle_capped_at_burst");
	{
		int got = 0;

		env_set_clock(&e, 100 * XEPC_NS_PER_SEC);
		for (int i = 0; i < 20; i++)
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
			    ret == XDP_PASS)
				got++;
		ASSERT_EQ(got, burst / il, "a full bucket is burst bytes");
	}

	test__start_subtest(t, "concurrent_cpus_exact");
	{
		struct hammer h[2] = {
			{ e.prog_s1u, f, 0, 300, 0 }, { e.prog_s1u, f, 0, 300, 0 },
		};
		pthread_t th[2];

		/* frozen clock: only the burst, 100 packets, may pass */
		env_set_clock(&e, 200 * XEPC_NS_PER_SEC);
		ASSERT_OK(env_meter(&e, 1, rate, 100 * il), "meter");
		h[0].len = h[1].len = len;
		for (int i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, hammer, &h[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		ASSERT_EQ(h[0].passed + h[1].passed, 100, "exactly the bucket");
		ASSERT_OK(env_get_meter(&e, 1, &m), "meter read");
		ASSERT_EQ(m.green_pkts, 100, "green packets");
		ASSERT_EQ(m.red_pkts, 500, "red packets");
	}

	test__start_subtest(t, "rule_meter_before_ambr");
	{
		struct xepc_ruleset rs = { 0 };
		__u64 ambr_before = env_drops(&e, METER_AMBR);

		rs.rules[0].dir = XEPC_DIR_UL | XEPC_DIR_DL;
		rs.rules[0].proto = 17;
		rs.rules[0].remote_port_hi = 0xffff;
		rs.rules[0].ue_port_hi = 0xffff;
		rs.rules[0].meter_id = 2;
		rs.rules[0].charge_slot = XEPC_SLOT_DEFAULT;
		rs.n_rules = 1;
		ASSERT_OK(env_ruleset(&e, 1, &rs), "ruleset");
		s.ruleset_id = 1;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		ASSERT_OK(env_meter(&e, 1, rate, 1000 * il), "AMBR: plenty");
		ASSERT_OK(env_meter(&e, 2, rate, 3 * il), "MBR: 3 packets");
		for (int i = 0; i < 5; i++)
			env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret);
		ASSERT_EQ(env_drops(&e, METER_RULE), 2, "METER_RULE");
		ASSERT_EQ(env_drops(&e, METER_AMBR) - ambr_before, 0, "AMBR untouched");
		ASSERT_OK(env_get_meter(&e, 1, &m), "AMBR read");
		ASSERT_EQ(m.green_pkts, 3, "AMBR saw only what the MBR let through");
	}

	test__start_subtest(t, "downlink_ambr");
	{
		__u64 before = env_drops(&e, METER_AMBR);

		s.ruleset_id = 0;
		s.dl_meter_id = 3;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		ASSERT_OK(env_meter(&e, 3, rate, 2 * il), "DL AMBR: 2 packets");
		len = env_dl(f, "198.51.100.10", UE, 17, 53, 1000, 1000 - 28, &il);
		for (int i = 0; i < 4; i++)
			env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, NULL, &ret);
		ASSERT_EQ(env_drops(&e, METER_AMBR) - before, 2, "METER_AMBR downlink");
	}

	test__start_subtest(t, "reciprocal_rounds_up");
	{
		/* the datapath's L x inc_per_byte >> 32 (rounded up) is never
		 * below L/rate in ticks (the rate is never exceeded) and at
		 * most one tick (1/16 ns) above it */
		static const __u64 rates[] = { 490000, 500000, 1000000, 125000000,
					       1250000000ull, 10000000000ull,
					       18000000000ull, 333333333 };
		const unsigned __int128 tps = (unsigned __int128)XEPC_NS_PER_SEC
					      << XEPC_METER_TICK_SHIFT;
		int bad = 0, used = 0;

		for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
			__u64 q = xepc_meter_inc_per_byte(rates[k]);

			if (!q)
				continue;
			used++;
			for (__u64 l = 1; l <= 65535; l += l < 100 ? 1 : 97) {
				__u64 fast = (l * q + 0xffffffffull) >> 32;
				__u64 exact = (__u64)((l * tps + rates[k] - 1) / rates[k]);

				bad += fast < exact || fast > exact + 1;
			}
		}
		ASSERT_EQ(bad, 0, "L/rate from the reciprocal within [exact, exact + 1]");
		ASSERT_GE(used, 7, "rates from 500 kB/s up use the reciprocal");
		ASSERT_EQ(xepc_meter_inc_per_byte(1000), 0, "1 kB/s: the datapath divides");
	}

	test__start_subtest(t, "partial_bucket_edges");
	{
		/* a bucket written with 2.5 packets of tokens left (tat =
		 * now + burst/rate - 2.5 L/rate), frozen clock: exactly two
		 * pass, whichever way the check is computed (multiplication
		 * for small numbers, division for a big rate, a long bucket
		 * or a big burst) */
		static const struct { __u64 rate, burst; } c[] = {
			{ 1000000, 10000 },		/* 1 MB/s, 10 kB */
			{ 5000000000ull, 200000000 },	/* 5 GB/s, 40 ms */
			{ 1000000, 1500000000ull },	/* burst > 2^30 */
			{ 18000000000ull, 18000000000ull },	/* the limits */
			/* extended APN-AMBR 4.29 Tbit/s and 10 Tbit/s (the most
			 * userspace accepts), with the burst userspace writes */
			{ 536250000000ull, 18000000000ull },
			{ 1250000000000ull, 18000000000ull },
		};
		const __u64 now_ns = 300 * XEPC_NS_PER_SEC;

		s.ruleset_id = 0;
		s.dl_meter_id = 0;
		s.ul_meter_id = 5;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);
		env_set_clock(&e, now_ns);
		for (size_t kk = 0; kk < 2 * sizeof(c) / sizeof(c[0]); kk++) {
			/* each bucket twice: L/rate divided, then from the
			 * reciprocal (inc_per_byte) where the rate allows it */
			size_t k = kk / 2;
			const __u64 ticks = XEPC_NS_PER_SEC << XEPC_METER_TICK_SHIFT;
			__u64 tau = c[k].burst * XEPC_NS_PER_SEC / c[k].rate << XEPC_METER_TICK_SHIFT;
			__u64 inc = (il * ticks + c[k].rate - 1) / c[k].rate;
			__u32 id = 5;
			int got = 0;

			memset(&m, 0, sizeof(m));
			m.rate = c[k].rate;
			m.burst = c[k].burst;
			m.inc_per_byte = kk % 2 ? xepc_meter_inc_per_byte(c[k].rate) : 0;
			m.tat = (now_ns << XEPC_METER_TICK_SHIFT) + tau - 5 * inc / 2;
			ASSERT_OK(bpf_map_update_elem(e.fd_meters, &id, &m, BPF_F_LOCK), "meter");
			for (int i = 0; i < 5; i++)
				if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
				    ret == XDP_PASS)
					got++;
			printf("# meter rate %llu burst %llu%s: %d of 5\n",
			       (unsigned long long)c[k].rate,
			       (unsigned long long)c[k].burst,
			       m.inc_per_byte ? " (reciprocal)" : "", got);
			ASSERT_EQ(got, 2, "2.5 packets of tokens: 2 pass");
		}
	}

	test__start_subtest(t, "oversized_burst_clamped");
	{
		/* burst x 1e9 just past 2^64: without the clamp the bucket's
		 * depth wraps to a fraction of a ns and every packet is red
		 * (issue 8 item 6: AMBR above about 1.44 Tbit/s) */
		__u32 id = 5;
		int got = 0;

		memset(&m, 0, sizeof(m));
		m.rate = 184467440740ull;	/* ~1.48 Tbit/s */
		m.burst = 18446744074ull;	/* rate / 10, > XEPC_METER_BURST_MAX */
		ASSERT_OK(bpf_map_update_elem(e.fd_meters, &id, &m, BPF_F_LOCK), "meter");
		for (int i = 0; i < 5; i++)
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) && ret == XDP_PASS)
				got++;
		ASSERT_EQ(got, 5, "a full bucket of 18 GB passes 5 packets");
		ASSERT_EQ(xepc_meter_default_burst(m.rate), XEPC_METER_BURST_MAX,
			  "userspace's burst for that rate is clamped");
	}

	test__start_subtest(t, "kernel_clock_refill_capped");
	{
		/* the meter's own clock (jiffies), not clock_ns: a full
		 * bucket passes the burst (plus at most a tick of rate while
		 * the loop runs), refills with time, never above the burst */
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		int got = 0;

		s.dl_meter_id = 0;
		s.ul_meter_id = 4;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);
		env_set_clock(&e, 0);
		ASSERT_OK(env_meter(&e, 4, rate, 50 * il), "meter: 50 packets");
		for (int i = 0; i < 60; i++)
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
			    ret == XDP_PASS)
				got++;
		printf("# meter, kernel clock: %d of 60 passed from a full bucket\n", got);
		ASSERT_GE(got, 50, "the burst");
		ASSERT_LE(got, 58, "the burst + a few ms of rate");
		nanosleep(&ts, NULL);	/* 200 ms: 200 kB of rate, 50 kB of bucket */
		got = 0;
		for (int i = 0; i < 60; i++)
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
			    ret == XDP_PASS)
				got++;
		printf("# meter, kernel clock: %d of 60 passed after 200 ms\n", got);
		ASSERT_GE(got, 50, "refilled");
		ASSERT_LE(got, 58, "capped at the burst");
		ASSERT_OK(env_get_meter(&e, 4, &m), "meter read");
		ASSERT_EQ(m.green_pkts + m.red_pkts, 120, "every packet coloured");
	}

	test__start_subtest(t, "ambr_in_the_session_usage_value");
	{
		/* XEPC_METER_SESSION: the APN-AMBR buckets are the line after
		 * the session's counters in xepc_usage, both directions; the
		 * meters map is not read (meter 4 left as it was) */
		struct xepc_usage u = { 0 };
		struct xepc_meter m4;
		__u64 ul0 = env_drops(&e, METER_AMBR), dl0;
		int got = 0;

		ASSERT_OK(env_get_meter(&e, 4, &m4), "meter 4 before");
		env_set_clock(&e, 300 * XEPC_NS_PER_SEC);
		u.ul_ambr.rate = rate;
		u.ul_ambr.burst = 5 * il;
		u.ul_ambr.inc_per_byte = xepc_meter_inc_per_byte(rate);
		u.dl_ambr.rate = rate;
		u.dl_ambr.burst = 2 * il;	/* the division path: no reciprocal */
		ASSERT_OK(bpf_map_update_elem(e.fd_usage, &(__u32){ SID }, &u, 0), "usage");
		s.ul_meter_id = XEPC_METER_SESSION;
		s.dl_meter_id = XEPC_METER_SESSION;
		ASSERT_OK(env_session(&e, SID, &s), "session");
		len = env_ul(f, SID, UE, "198.51.100.10", 17, 1000, 2000, 1000 - 28, &il);
		for (int i = 0; i < 8; i++)
			if (!env_run_xdp(e.prog_s1u, f, len, 0, out, NULL, &ret) &&
			    ret == XDP_PASS)
				got++;
		ASSERT_EQ(got, 5, "uplink: the session's own bucket, 5 packets");
		ASSERT_EQ(env_drops(&e, METER_AMBR) - ul0, 3, "3 uplink METER_AMBR drops");
		ASSERT_OK(env_get_usage(&e, SID, &u), "usage read");
		ASSERT_EQ(u.ul_pkts, 5, "the 5 counted in the same value");
		ASSERT_EQ(u.ul_drops, 3, "the 3 as the session's drops");
		ASSERT_GE(u.ul_ambr.tat, 300 * XEPC_NS_PER_SEC << XEPC_METER_TICK_SHIFT,
			  "tat advanced in xepc_usage");
		dl0 = env_drops(&e, METER_AMBR);
		len = env_dl(f, "198.51.100.10", UE, 17, 53, 1000, 1000 - 28, &il);
		for (int i = 0; i < 4; i++)
			env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, NULL, &ret);
		ASSERT_EQ(env_drops(&e, METER_AMBR) - dl0, 2, "downlink: 2 of 4 over the bucket");
		ASSERT_OK(env_get_meter(&e, 4, &m), "meter 4 after");
		ASSERT_EQ(m.green_pkts + m.red_pkts, m4.green_pkts + m4.red_pkts,
			  "xepc_meters not used");
		s.ul_meter_id = s.dl_meter_id = 0;
	}
out:
	env_close(&e);
}
