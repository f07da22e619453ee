// SPDX-License-Identifier: GPL-2.0-only
/*
 * route_cache: xepc_routes, the bounded-lifetime copy of bpf_fib_lookup()
 * answers (docs/datapath.md "route cache").  Time is the config clock_ns
 * override, so expiry is exact.  Checks: a second packet is answered from
 * the cache (FIB_LOOKUP counts the kernel lookups); a route change applies
 * after route_ttl_ms, at once with a route_gen increment, and on every
 * packet with the cache off; the route MTU is still enforced by the kernel;
 * failed lookups (no neighbour) are never kept; downlink and tc_ue use it;
 * XEPC_RC_BY_SRC keys uplink entries by UE address.
 *
 * The cache is per CPU: the test runs pinned to one CPU, so that every
 * BPF_PROG_TEST_RUN sees the same slots.
 *
 * Routes and neighbours added here live in the runner's private netns and
 * are removed again before the test ends.
 */
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include "../dp_env.h"
#include "../pkt.h"
#include "xdp_s1u.skel.h"

#define SID 31
#define SID2 32
#define MS 1000000ull
#define T0 (10 * XEPC_NS_PER_SEC)

static const uint8_t pdn_mac[6] = { 2, 0, 0, 0, 0x0d, 2 };
static const uint8_t alt_mac[6] = { 2, 0, 0, 0, 0x0d, 4 };	/* 10.20.0.4 */
static const uint8_t nn_mac[6] = { 2, 0, 0, 0, 0x0d, 3 };	/* 10.20.0.3 */
static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0x0e, 2 };

static __u64 lookups(struct dp_env *e)
{
	return env_cnt(e, FIB_LOOKUP);
}

/* Runs an uplink packet of session sid to dst; returns the XDP action and
 * copies the output's destination MAC. */
static __u32 ul(struct test_ctx *t, struct dp_env *e, __u32 sid,
		const char *src, const char *dst, size_t payload, uint8_t *dmac)
{
	uint8_t f[4096], out[4096];
	size_t len, out_len = 0, il;
	__u32 ret = ~0u;

	len = env_ul(f, sid, src, dst, 17, 1000, 2000, payload, &il);
	if (env_run_xdp(e->prog_s1u, f, len, t->if_s1u, out, &out_len, &ret))
		return ~0u;
	if (dmac)
		memcpy(dmac, out, 6);
	return ret;
}

/* Visits the used slots of every CPU; fn returns non-zero to stop. */
static int each_route(struct dp_env *e,
		      int (*fn)(const struct xepc_route *r, void *arg), void *arg)
{
	int ncpu = libbpf_num_possible_cpus(), c, n = 0;
	struct xepc_route v[ncpu > 0 ? ncpu : 1];
	__u32 slot;

	for (slot = 0; slot < XEPC_ROUTE_SLOTS; slot++) {
		if (bpf_map_lookup_elem(e->fd_routes, &slot, v))
			return -1;
		for (c = 0; c < ncpu; c++) {
			if (!v[c].expires)
				continue;
			n++;
			if (fn && fn(&v[c], arg))
				return n;
		}
	}
	return n;
}

static int n_routes(struct dp_env *e)
{
	return each_route(e, NULL, NULL);
}

struct route_find {
	__u8 dir;
	__be32 dst;
	struct xepc_route r;
	int found;
};

static int route_match(const struct xepc_route *r, void *arg)
{
	struct route_find *f = arg;

	if (r->key.dir != f->dir || r->key.dst != f->dst)
		return 0;
	f->r = *r;
	f->found = 1;
	return 1;
}

static int find_route(struct dp_env *e, __u8 dir, const char *dst,
		      struct xepc_route_key *key, struct xepc_route *r)
{
	struct route_find f = { .dir = dir, .dst = ip4(dst) };

	each_route(e, route_match, &f);
	if (!f.found)
		return -ENOENT;
	if (key)
		*key = f.r.key;
	*r = f.r;
	return 0;
}

/* Zeroes every slot: the flush userspace can do besides route_gen. */
static int clear_routes(struct dp_env *e)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xepc_route v[ncpu > 0 ? ncpu : 1];
	__u32 slot;

	memset(v, 0, sizeof(v));
	for (slot = 0; slot < XEPC_ROUTE_SLOTS; slot++)
		if (bpf_map_update_elem(e->fd_routes, &slot, v, BPF_ANY))
			return -1;
	return 0;
}

static int set_cfg(struct dp_env *e, __u8 flags, __u32 ttl_ms)
{
	struct xepc_config cfg;

	if (env_get_config(e, &cfg))
		return -1;
	cfg.route_flags = flags;
	cfg.route_ttl_ms = ttl_ms;
	return env_config(e, &cfg);
}

void test_route_cache(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct xepc_session s2 = env_default_session(SID2);
	struct xepc_route_key k;
	struct xepc_route r;
	uint8_t mac[6];
	cpu_set_t saved, one;
	struct dp_env e;
	__u64 n0;

	sched_getaffinity(0, sizeof(saved), &saved);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (!ASSERT_OK(sched_setaffinity(0, sizeof(one), &one), "pin to one CPU"))
		return;
	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	ASSERT_OK(env_session(&e, SID, &s), "session");
	ASSERT_OK(env_session(&e, SID2, &s2), "session 2");
	ASSERT_OK(env_set_clock(&e, T0), "clock");
	/* a second next hop on SGi whose MAC tells which route was used */
	ASSERT_OK(test__sh("ip neigh replace 10.20.0.4 lladdr 02:00:00:00:0d:04 nud permanent dev sgi0"),
		  "neighbour 10.20.0.4");

	test__start_subtest(t, "uplink_hit");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "first");
	ASSERT_MEMEQ(mac, pdn_mac, 6, "next hop MAC");
	ASSERT_EQ(lookups(&e) - n0, 1, "first packet: kernel lookup");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "second");
	ASSERT_MEMEQ(mac, pdn_mac, 6, "next hop MAC from the cache");
	ASSERT_EQ(lookups(&e) - n0, 1, "second packet: no kernel lookup");
	ASSERT_EQ(env_cnt(&e, UL_FWD), 2, "UL_FWD");
	if (ASSERT_OK(find_route(&e, XEPC_DIR_UL, "198.51.100.70", &k, &r), "entry")) {
		ASSERT_EQ(k.ifindex, (__u32)t->if_s1u, "key: ingress ifindex");
		ASSERT_EQ(k.src, 0, "key: no source by default");
		ASSERT_EQ(r.ifindex, (__u32)t->if_sgi, "egress ifindex");
		ASSERT_EQ(r.mtu, 1500, "route MTU kept");
		ASSERT_EQ(r.expires, T0 + XEPC_DEF_ROUTE_TTL_MS * MS, "default TTL 100 ms");
		ASSERT_MEMEQ(r.dmac, pdn_mac, 6, "entry dmac");
	}

	test__start_subtest(t, "route_change_after_ttl");
	ASSERT_OK(test__sh("ip route add 198.51.100.64/26 via 10.20.0.4 dev sgi0"), "more specific route");
	n0 = lookups(&e);
	ASSERT_OK(env_set_clock(&e, T0 + 99 * MS), "clock +99 ms");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "within TTL");
	ASSERT_MEMEQ(mac, pdn_mac, 6, "old next hop until the TTL");
	ASSERT_EQ(lookups(&e) - n0, 0, "no kernel lookup within TTL");
	ASSERT_OK(env_set_clock(&e, T0 + 100 * MS), "clock +100 ms");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "after TTL");
	ASSERT_MEMEQ(mac, alt_mac, 6, "new next hop after the TTL");
	ASSERT_EQ(lookups(&e) - n0, 1, "one kernel lookup on expiry");
	if (ASSERT_OK(find_route(&e, XEPC_DIR_UL, "198.51.100.70", NULL, &r), "entry"))
		ASSERT_MEMEQ(r.dmac, alt_mac, 6, "entry refreshed");

	test__start_subtest(t, "expiry_refreshes_same_answer");
	ASSERT_OK(env_set_clock(&e, T0 + 250 * MS), "clock +250 ms");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "expired");
	ASSERT_EQ(lookups(&e) - n0, 1, "kernel asked again");
	if (ASSERT_OK(find_route(&e, XEPC_DIR_UL, "198.51.100.70", NULL, &r), "entry"))
		ASSERT_EQ(r.expires, T0 + 350 * MS, "lifetime renewed");

	test__start_subtest(t, "configured_ttl");
	ASSERT_OK(set_cfg(&e, 0, 20), "ttl 20 ms");
	ASSERT_OK(env_route_flush(&e), "flush");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "run");
	if (ASSERT_OK(find_route(&e, XEPC_DIR_UL, "198.51.100.70", NULL, &r), "entry"))
		ASSERT_EQ(r.expires, T0 + 270 * MS, "expires after 20 ms");
	ASSERT_OK(env_set_clock(&e, T0 + 269 * MS), "clock");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "run");
	ASSERT_EQ(lookups(&e) - n0, 1, "hit within 20 ms");
	ASSERT_OK(env_set_clock(&e, T0 + 270 * MS), "clock");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "run");
	ASSERT_EQ(lookups(&e) - n0, 2, "miss at 20 ms");
	ASSERT_OK(set_cfg(&e, 0, 0), "default ttl");

	test__start_subtest(t, "flush_by_generation");
	ASSERT_OK(test__sh("ip route del 198.51.100.64/26 via 10.20.0.4 dev sgi0"), "route removed");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "cached");
	ASSERT_MEMEQ(mac, alt_mac, 6, "stale within TTL");
	ASSERT_OK(env_route_flush(&e), "route_gen + 1");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "after flush");
	ASSERT_MEMEQ(mac, pdn_mac, 6, "current route at once");
	ASSERT_EQ(lookups(&e) - n0, 1, "kernel lookup after flush");

	test__start_subtest(t, "cache_off");
	ASSERT_OK(set_cfg(&e, XEPC_RC_OFF, 0), "route_flags OFF");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "1");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "2");
	ASSERT_EQ(lookups(&e) - n0, 2, "every packet looks up");
	ASSERT_OK(test__sh("ip route add 198.51.100.64/26 via 10.20.0.4 dev sgi0"), "route added");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "3");
	ASSERT_MEMEQ(mac, alt_mac, 6, "route change seen by the next packet");
	ASSERT_OK(test__sh("ip route del 198.51.100.64/26 via 10.20.0.4 dev sgi0"), "route removed");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, mac), XDP_REDIRECT, "4");
	ASSERT_MEMEQ(mac, pdn_mac, 6, "and back");
	ASSERT_OK(set_cfg(&e, 0, 0), "cache on again");
	ASSERT_OK(env_route_flush(&e), "flush");

	test__start_subtest(t, "mtu_enforced");
	ASSERT_OK(test__sh("ip route add 198.51.100.96/27 via 10.20.0.2 dev sgi0 mtu lock 600"),
		  "route with MTU 600");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.100", 64, NULL), XDP_REDIRECT, "small");
	if (ASSERT_OK(find_route(&e, XEPC_DIR_UL, "198.51.100.100", NULL, &r), "entry"))
		ASSERT_EQ(r.mtu, 600, "route MTU kept");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.100", 572, NULL), XDP_REDIRECT,
		  "600 bytes: fits");
	ASSERT_EQ(lookups(&e) - n0, 1, "answered from the cache");
	{
		__u64 fn = env_cnt(&e, UL_FRAG_NEEDED_PASS);

		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.100", 573, NULL), XDP_PASS,
			  "601 bytes: to the stack");
		ASSERT_EQ(env_cnt(&e, UL_FRAG_NEEDED_PASS) - fn, 1, "UL_FRAG_NEEDED_PASS");
		ASSERT_EQ(lookups(&e) - n0, 2, "the kernel decided");
	}
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.100", 64, NULL), XDP_REDIRECT, "small again");
	ASSERT_EQ(lookups(&e) - n0, 2, "entry kept");
	ASSERT_OK(test__sh("ip route del 198.51.100.96/27"), "route removed");

	test__start_subtest(t, "no_neighbour_not_cached");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "203.0.113.5", 64, NULL), XDP_PASS, "1: to the stack");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "203.0.113.5", 64, NULL), XDP_PASS, "2: to the stack");
	ASSERT_EQ(lookups(&e) - n0, 2, "kernel asked each time");
	ASSERT_EQ(find_route(&e, XEPC_DIR_UL, "203.0.113.5", NULL, &r), -ENOENT, "no entry");
	if (ASSERT_OK(test__sh("ip neigh replace 10.20.0.3 lladdr 02:00:00:00:0d:03 nud permanent dev sgi0"),
		      "neighbour resolved")) {
		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "203.0.113.5", 64, mac), XDP_REDIRECT,
			  "forwarded at once");
		ASSERT_MEMEQ(mac, nn_mac, 6, "resolved MAC");
		ASSERT_OK(test__sh("ip neigh del 10.20.0.3 dev sgi0"), "neighbour removed");
	}
	{
		__u64 un = env_drops(&e, FIB_UNREACHABLE);

		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "192.0.2.1", 64, NULL), XDP_DROP, "unreachable");
		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "192.0.2.1", 64, NULL), XDP_DROP, "unreachable");
		ASSERT_EQ(env_drops(&e, FIB_UNREACHABLE) - un, 2, "FIB_UNREACHABLE");
		ASSERT_EQ(find_route(&e, XEPC_DIR_UL, "192.0.2.1", NULL, &r), -ENOENT, "no entry");
	}

	test__start_subtest(t, "key_by_source");
	/* entries of an old generation stay in their slots until reused */
	ASSERT_OK(clear_routes(&e), "zero every slot");
	ASSERT_EQ(n_routes(&e), 0, "emptied from userspace");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "UE 1");
	ASSERT_EQ(ul(t, &e, SID2, "10.45.0.32", "198.51.100.70", 64, NULL), XDP_REDIRECT, "UE 2");
	ASSERT_EQ(n_routes(&e), 1, "one entry per destination");
	ASSERT_OK(set_cfg(&e, XEPC_RC_BY_SRC, 0), "BY_SRC");
	ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "UE 1");
	ASSERT_EQ(ul(t, &e, SID2, "10.45.0.32", "198.51.100.70", 64, NULL), XDP_REDIRECT, "UE 2");
	ASSERT_EQ(n_routes(&e), 3, "and one per (UE, destination)");
	n0 = lookups(&e);
	ASSERT_EQ(ul(t, &e, SID2, "10.45.0.32", "198.51.100.70", 64, NULL), XDP_REDIRECT, "UE 2");
	ASSERT_EQ(lookups(&e) - n0, 0, "hit");
	ASSERT_OK(set_cfg(&e, 0, 0), "default");

	test__start_subtest(t, "real_clock");
	{
		struct xepc_config cfg;

		/* the kernel's clock (jiffies with CONFIG_HZ known) instead
		 * of clock_ns: a hit at once, a miss after the TTL */
		printf("# route cache clock: %s (CONFIG_HZ %d)\n",
		       e.s1u->kconfig->CONFIG_HZ > 0 ? "jiffies" : "coarse ns",
		       e.s1u->kconfig->CONFIG_HZ);
		ASSERT_OK(env_get_config(&e, &cfg), "config");
		cfg.clock_ns = 0;
		cfg.route_ttl_ms = 30;
		cfg.route_gen++;
		ASSERT_OK(env_config(&e, &cfg), "real clock, TTL 30 ms, flush");
		n0 = lookups(&e);
		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "1");
		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "2");
		ASSERT_EQ(lookups(&e) - n0, 1, "hit right after");
		usleep(100 * 1000);
		ASSERT_EQ(ul(t, &e, SID, "10.45.0.31", "198.51.100.70", 64, NULL), XDP_REDIRECT, "3");
		ASSERT_EQ(lookups(&e) - n0, 2, "miss 100 ms later");
		cfg.clock_ns = T0;
		cfg.route_ttl_ms = 0;
		ASSERT_OK(env_config(&e, &cfg), "back to the test clock");
	}

	test__start_subtest(t, "downlink_hit");
	{
		uint8_t f[4096], out[4096];
		size_t len, out_len = 0, il;
		__u32 ret = 0;

		len = env_dl(f, "198.51.100.10", "10.45.0.31", 17, 2000, 1000, 64, &il);
		n0 = lookups(&e);
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "1");
		ASSERT_OK(env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, XDP_REDIRECT, "2");
		ASSERT_MEMEQ(out, enb_mac, 6, "eNB MAC from the cache");
		ASSERT_EQ(lookups(&e) - n0, 1, "one kernel lookup");
		if (ASSERT_OK(find_route(&e, XEPC_DIR_DL, "10.10.0.2", &k, &r), "entry")) {
			ASSERT_EQ(k.src, ip4("10.10.0.1"), "key: GTP-U source");
			ASSERT_EQ(k.ifindex, (__u32)t->if_sgi, "key: SGi");
			ASSERT_EQ(r.ifindex, (__u32)t->if_s1u, "egress S1-U");
		}
	}

	test__start_subtest(t, "tc_ue_hit");
	{
		uint8_t f[4096], out[4096];
		size_t len, out_len = 0, il;
		__u32 ret = 0;

		ASSERT_OK(env_route_flush(&e), "flush");
		len = env_dl(f, "198.51.100.10", "10.45.0.31", 17, 2000, 1000, 64, &il);
		n0 = lookups(&e);
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_REDIRECT, "1");
		ASSERT_OK(env_run_tc(e.prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret), "run");
		ASSERT_EQ(ret, TC_ACT_REDIRECT, "2");
		ASSERT_MEMEQ(out, enb_mac, 6, "eNB MAC from the cache");
		ASSERT_EQ(lookups(&e) - n0, 1, "one kernel lookup");
	}
out:
	test__sh("ip route del 198.51.100.64/26 >/dev/null 2>&1");
	test__sh("ip route del 198.51.100.96/27 >/dev/null 2>&1");
	test__sh("ip neigh del 10.20.0.3 dev sgi0 >/dev/null 2>&1");
	test__sh("ip neigh del 10.20.0.4 dev sgi0 >/dev/null 2>&1");
	env_close(&e);
	sched_setaffinity(0, sizeof(saved), &saved);
}
