// SPDX-License-Identifier: GPL-2.0-only
/*
 * random_frames: many thousands of random and mutated frames through each
 * program with BPF_PROG_TEST_RUN, and the books must balance — the review
 * method of issue 8.  For every batch (program, mode) the test keeps its
 * own tally of the actions the program returned and checks against the
 * deltas of xepc_stats:
 *
 *   - every frame is counted exactly once by a terminal counter (a drop
 *     reason or a pass/forward/reply counter): sum of terminal deltas ==
 *     frames run;
 *   - per action: XDP_DROP/TC_ACT_SHOT == drop reasons (+ idle packets
 *     handed to userspace, which are consumed), XDP_PASS == the "to the
 *     stack" counters, XDP_TX == echo replies, XDP_REDIRECT == forwards;
 *   - no action outside the program's set, no counter outside its set
 *     (an uplink program never touches a downlink counter; the EV_* event
 *     counters may move anywhere), and never the drop reason NONE;
 *   - xdp_s1u: the G-PDU counter lies between what followed it and that
 *     plus the drops the echo path shares with it (ADJUST).
 *
 * Frames: fully random bytes (often with an IPv4 ethertype and header to
 * get further in), and valid frames (uplink G-PDUs with random extension
 * header chains and message types; downlink IPv4 to the test UEs and IPv6
 * to their /64s, with random extension headers) mutated
 * byte-wise, truncated and extended.  The generator is seeded: the seed is
 * printed, and XEPC_RANDOM_FRAMES_SEED=<n> replays a run;
 * XEPC_RANDOM_FRAMES=<n> changes the frame count per batch.
 *
 * A new counter or drop reason that a program may raise must be added to
 * the sets below: that is the point of the test.
 */
#include <stdlib.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include "../dp_env.h"
#include "../pkt.h"

#define N_DEFAULT	6000
#define MAX_FRAME	1400

static __u64 rng_state;

static __u64 rnd(void)
{
	/* xorshift64*: reproducible from the seed, independent of libc */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static __u32 rnd_below(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

enum prog { P_S1U, P_SGI, P_TC };

/* ------------------------------------------------------------ frames -- */

static const __u8 ext_types[] = { 0x85, 0x40, 0xc0, 0x20, 0x81, 0x82, 0x01, 0xff };

/* A random chain of n extension headers (TS 29.281 5.2): each a length
 * octet (4-octet units; sometimes 0), contents, next type (0 ends it). */
static size_t rnd_ext_chain(uint8_t *p, size_t cap)
{
	size_t n = rnd_below(8), off = 0;

	for (size_t i = 0; i < n; i++) {
		size_t units = rnd_below(10) ? 1 + rnd_below(3) : 0;
		size_t bytes = units ? units * 4 : 4;

		if (off + bytes > cap)
			break;
		p[off] = (uint8_t)units;
		rnd_bytes(p + off + 1, bytes - 2);
		p[off + bytes - 1] = i + 1 == n ? 0 : ext_types[rnd_below(sizeof(ext_types))];
		off += bytes;
	}
	return off;
}

static __be32 ue_of(__u32 sid)
{
	return htonl(ntohl(inet_addr("10.45.0.0")) + sid);
}

static const char *const remotes[] = {
	"198.51.100.10", "203.0.113.5", "192.0.2.7", "10.20.0.1", "10.10.0.1",
	"224.0.0.1", "255.255.255.255", "127.0.0.1",
};

static void rnd_inner(struct inner_spec *in, __be32 ue, int uplink)
{
	static const uint8_t protos[] = { 6, 17, 1, 17, 6, 47, 132 };
	__be32 other = inet_addr(remotes[rnd_below(sizeof(remotes) / sizeof(remotes[0]))]);

	memset(in, 0, sizeof(*in));
	in->src = uplink ? ue : other;
	in->dst = uplink ? other : ue;
	in->proto = protos[rnd_below(sizeof(protos))];
	in->sport = (uint16_t)rnd();
	in->dport = rnd_below(2) ? 80 : (uint16_t)rnd();
	in->payload = rnd_below(4) ? rnd_below(200) : rnd_below(1200);
	in->ttl = rnd_below(8) ? 0 : (uint8_t)rnd_below(3);
	in->frag_off = rnd_below(16) ? 0 : (uint16_t)rnd();
	if (!rnd_below(32))
		in->version = 6;
}

static size_t valid_uplink(uint8_t *f)
{
	static const uint8_t types[] = { 255, 255, 255, 255, 1, 2, 26, 31, 254, 100 };
	uint8_t tpdu[1300], ext[64];
	struct gtp_spec g = { 0 };
	struct inner_spec in;
	__u32 sid = 1 + rnd_below(5);	/* 5: no such session */
	size_t n = 0;

	g.type = types[rnd_below(sizeof(types))];
	g.teid = rnd_below(8) ? 0x01000000u | sid : (__u32)rnd();
	if (g.type == 1 || g.type == 2)
		g.teid = 0;
	g.vlan = !rnd_below(8);
	g.ip_opts = rnd_below(8) ? 0 : 4 * (1 + rnd_below(4));
	g.frag_off = rnd_below(32) ? 0 : (uint16_t)rnd();
	g.seq = (uint16_t)rnd();
	g.with_opt = rnd_below(2);
	if (rnd_below(2)) {
		g.ext_len = rnd_ext_chain(ext, sizeof(ext));
		g.ext = ext;
		g.first_ext = g.ext_len ? ext_types[rnd_below(sizeof(ext_types))] : 0;
	}
	if (!rnd_below(16))
		g.dport = (uint16_t)rnd();
	if (!rnd_below(16))
		g.dst = (__u32)rnd();
	if (g.type == 255) {
		rnd_inner(&in, ue_of(rnd_below(8) ? sid : 1 + rnd_below(5)), 1);
		n = pkt_inner(tpdu, &in);
	} else if (g.type == 1 && rnd_below(2)) {
		tpdu[0] = 14;		/* Recovery IE (TS 29.281 8.2) */
		tpdu[1] = (uint8_t)rnd();
		n = 2;
	}
	return pkt_gtp(f, &g, tpdu, n);
}

/* The /64 of test session sid (setup() gives sessions 1-4 theirs). */
static void ue6_of(char *buf, size_t cap, __u32 sid)
{
	snprintf(buf, cap, "2001:db8:45:%x::%x", sid, (unsigned)rnd_below(0x10000));
}

/* An IPv6 packet to a test UE's /64: UDP or TCP-sized, or a chain of
 * extension headers (hop-by-hop, fragment, destination options) with
 * random contents, or another next header. */
static size_t valid_downlink6(uint8_t *f)
{
	static const uint8_t nhs[] = { 17, 17, 6, 58, 0, 44, 60, 59, 43, 132 };
	uint8_t ip[1300];
	char dst[64];
	size_t n;

	ue6_of(dst, sizeof(dst), 1 + rnd_below(5));
	if (rnd_below(2)) {
		n = pkt_udp6(ip, "2001:db8:51::10", dst, (uint16_t)rnd(), (uint16_t)rnd(),
			     (uint8_t)rnd_below(256), rnd_below(4) ? rnd_below(200) :
			     rnd_below(1200));
	} else {
		size_t pl = rnd_below(4) ? rnd_below(200) : rnd_below(1200);

		n = pkt_ip6(ip, "2001:db8:51::10", dst, nhs[rnd_below(sizeof(nhs))],
			    (uint8_t)rnd_below(256), NULL, pl);
		rnd_bytes(ip + 40, pl);
		if (pl >= 8 && rnd_below(2))
			ip[41] = (uint8_t)rnd_below(3);	/* a short extension header */
	}
	return pkt_eth6(f, ip, n);
}

static size_t valid_downlink(uint8_t *f)
{
	uint8_t ip[1300];
	struct inner_spec in;
	__u32 sid = 1 + rnd_below(5);

	if (!rnd_below(4))
		return valid_downlink6(f);
	rnd_inner(&in, ue_of(sid), 0);
	return pkt_eth(f, !rnd_below(8), ip, pkt_inner(ip, &in));
}

static size_t random_frame(uint8_t *f)
{
	size_t len = 14 + rnd_below(600);

	rnd_bytes(f, len);
	if (rnd_below(4)) {
		f[12] = 0x08;			/* IPv4 */
		f[13] = 0x00;
		if (rnd_below(2) && len >= 34) {
			f[14] = 0x45;
			f[20] = f[21] = 0;	/* not a fragment */
			f[23] = rnd_below(2) ? 17 : f[23];
		}
	}
	return len;
}

/* Byte-wise mutation, truncation, extension: the classic three. */
static size_t mutate(uint8_t *f, size_t len)
{
	switch (rnd_below(5)) {
	case 0:
		return len;			/* the valid frame itself */
	case 1:
	case 2:
		for (__u32 i = 0, k = 1 + rnd_below(8); i < k; i++)
			f[rnd_below((__u32)len)] ^= (uint8_t)(1 + rnd_below(255));
		break;
	case 3:
		len = 14 + rnd_below((__u32)(len - 14 + 1));
		break;
	case 4: {
		size_t add = rnd_below(64);

		if (len + add > MAX_FRAME)
			add = MAX_FRAME - len;
		rnd_bytes(f + len, add);
		len += add;
		break;
	}
	}
	if (!rnd_below(8))
		f[rnd_below((__u32)len)] = rnd_below(2) ? 0 : 0xff;
	return len;
}

static size_t next_frame(enum prog p, uint8_t *f)
{
	size_t len;

	switch (rnd_below(8)) {
	case 0:
		return random_frame(f);
	case 1:
		len = p == P_S1U ? valid_downlink(f) : valid_uplink(f);
		break;
	default:
		len = p == P_S1U ? valid_uplink(f) : valid_downlink(f);
		break;
	}
	if (len > MAX_FRAME)
		len = MAX_FRAME;
	return mutate(f, len);
}

/* ------------------------------------------------------- the ledger -- */

#define D(r)	XEPC_STAT_DROP(XEPC_DROP_##r)
#define C(c)	XEPC_STAT_CNT(XEPC_CNT_##c)
#define END	~0u

struct prog_books {
	const char *name;
	__u32 act_drop, act_pass, act_fwd, act_tx;	/* return values */
	__u32 pass[8], fwd[4], tx[5], consumed[5];	/* terminal counters */
	__u32 other[12];				/* allowed, non-terminal */
};

static const struct prog_books books[] = {
	[P_S1U] = { "xdp_s1u", XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX,
		    .pass = { C(UL_NAT_PASS), C(UL_NO_NEIGH_PASS), C(UL_FRAG_NEEDED_PASS),
			      C(UL_LOCAL_PASS), C(IP_FRAG_PASS), C(GTP_TO_USER),
			      C(NOT_GTPU_PASS), END },
		    .fwd = { C(UL_FWD), END },
		    .tx = { C(ECHO_REPLIED), C(UL_TTL_ICMP), C(RA_SENT), C(NA_SENT), END },
		    .consumed = { END },
		    .other = { C(UL_GPDU), C(RULE_REDIRECT), C(EV_UNKNOWN_TEID), C(EV_QUOTA),
			       C(EV_LOST), C(FIB_LOOKUP), C(EV_TEID_SUPPRESSED), C(EV_TEID_LOST),
			       C(UL6_RX), END } },
	[P_SGI] = { "xdp_sgi", XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX,
		    .pass = { C(IP_FRAG_PASS), C(DL_NOT_UE_PASS), END },
		    .fwd = { C(DL_FWD), END },
		    .tx = { C(DL_FRAG_ICMP), END },
		    .consumed = { C(IDLE_BUFFERED), C(DL_FRAG_USER), C(DL_NO_NEIGH_PASS),
				  C(DL_FRAG_NEEDED_PASS), END },
		    .other = { C(DL_RX), C(PORTAL_RESTORE), C(EV_DDN), C(EV_QUOTA), C(EV_LOST),
			       C(FIB_LOOKUP), C(DL6_RX), END } },
	/* tc_ue: TC_ACT_OK and TC_ACT_REDIRECT both carry the packet on
	 * (OK also after DL_TC_FWD on the eNB-facing device itself), so
	 * they are booked together as "pass" */
	[P_TC] = { "tc_ue", TC_ACT_SHOT, TC_ACT_OK, TC_ACT_REDIRECT, END,
		   .pass = { C(DL_NOT_UE_PASS), C(DL_TC_FWD), C(DL_NO_NEIGH_PASS), END },
		   .fwd = { END },
		   .tx = { END },
		   .consumed = { C(IDLE_BUFFERED), C(DL_FRAG_USER), END },
		   .other = { C(DL_RX), C(PORTAL_RESTORE), C(EV_DDN), C(EV_QUOTA), C(EV_LOST),
			      C(FIB_LOOKUP), C(DL6_RX), END } },
};

static __u64 sum_keys(const __u64 *d, const __u32 *keys)
{
	__u64 s = 0;

	for (; *keys != END; keys++)
		s += d[*keys];
	return s;
}

static bool in_keys(__u32 k, const __u32 *keys)
{
	for (; *keys != END; keys++)
		if (*keys == k)
			return true;
	return false;
}

static void snapshot(struct dp_env *e, __u64 *v)
{
	for (__u32 k = 0; k < XEPC_STATS_MAX; k++)
		v[k] = env_stat(e, k);
}

static void run_batch(struct test_ctx *t, struct dp_env *e, enum prog p, const char *mode,
		      int n)
{
	const struct prog_books *b = &books[p];
	static uint8_t f[MAX_FRAME + 64], out[4096];
	__u64 before[XEPC_STATS_MAX], after[XEPC_STATS_MAX], d[XEPC_STATS_MAX];
	__u64 act_drop = 0, act_pass = 0, act_fwd = 0, act_tx = 0, drops = 0;
	__u32 ret;
	size_t out_len;
	int i, bad_ret = 0, run_err = 0, refused = 0;
	char name[64];

	snprintf(name, sizeof(name), "%s_%s", b->name, mode);
	test__start_subtest(t, name);
	snapshot(e, before);
	for (i = 0; i < n; i++) {
		size_t len = next_frame(p, f);
		int err;

		ret = ~0u;
		if (p == P_TC)
			err = env_run_tc(e->prog_tc, f, len, t->if_ue, 0, out, &out_len, &ret);
		else
			err = env_run_xdp(p == P_S1U ? e->prog_s1u : e->prog_sgi, f, len,
					  p == P_S1U ? t->if_s1u : t->if_sgi, out, &out_len, &ret);
		if (err == -EINVAL && p == P_TC &&
		    ((len < 14 + 20 && f[12] == 0x08 && f[13] == 0) ||
		     (len < 14 + 40 && f[12] == 0x86 && f[13] == 0xdd))) {
			/* BPF_PROG_TEST_RUN refuses an skb whose ethertype is
			 * IPv4 (IPv6) without a whole IPv4 (IPv6) header; the
			 * stack never hands tc_ue such a packet */
			refused++;
			continue;
		}
		if (err) {
			if (run_err++ < 3) {
				ASSERT_OK(err, "BPF_PROG_TEST_RUN");
				printf("# frame %d: %zu bytes:", i, len);
				for (size_t k = 0; k < len && k < 40; k++)
					printf(" %02x", f[k]);
				printf("\n");
			}
			continue;
		}
		if (ret == b->act_drop)
			act_drop++;
		else if (ret == b->act_pass || (p == P_TC && ret == b->act_fwd))
			act_pass++;
		else if (ret == b->act_fwd)
			act_fwd++;
		else if (ret == b->act_tx)
			act_tx++;
		else if (bad_ret++ < 3)
			test__fail(t, __FILE__, __LINE__,
				   "frame %d (%zu bytes): unexpected action %u", i, len, ret);
	}
	snapshot(e, after);
	for (__u32 k = 0; k < XEPC_STATS_MAX; k++)
		d[k] = after[k] - before[k];
	for (__u32 r = 1; r < XEPC_DROP__MAX; r++)
		drops += d[XEPC_STAT_DROP(r)];

	ASSERT_EQ(run_err, 0, "every frame ran");
	ASSERT_EQ(bad_ret, 0, "frames with an unexpected action");
	ASSERT_EQ(d[D(NONE)], 0, "drop reason NONE never counted");
	for (__u32 k = XEPC_STAT_CNT_BASE; k < XEPC_STATS_MAX; k++) {
		if (!d[k] || in_keys(k, b->pass) || in_keys(k, b->fwd) || in_keys(k, b->tx) ||
		    in_keys(k, b->consumed) || in_keys(k, b->other))
			continue;
		/* EV_*: events sent, lost or suppressed ride along with a
		 * packet's own counter, in any program */
		if (k - XEPC_STAT_CNT_BASE < XEPC_CNT__MAX &&
		    !strncmp(xepc_counter_name(k - XEPC_STAT_CNT_BASE), "EV_", 3))
			continue;
		test__fail(t, __FILE__, __LINE__, "counter %s (%u) moved by %llu in %s",
			   k - XEPC_STAT_CNT_BASE < XEPC_CNT__MAX ?
			   xepc_counter_name(k - XEPC_STAT_CNT_BASE) : "?", k,
			   (unsigned long long)d[k], b->name);
	}
	ASSERT_EQ(drops + sum_keys(d, b->consumed) + sum_keys(d, b->pass) + sum_keys(d, b->fwd) +
		  sum_keys(d, b->tx), (__u64)(n - refused), "frames in = terminal counters");
	ASSERT_EQ(act_drop, drops + sum_keys(d, b->consumed), "drop action = drop reasons");
	ASSERT_EQ(act_pass, sum_keys(d, b->pass), "pass action = to-the-stack counters");
	if (p != P_TC)
		ASSERT_EQ(act_fwd, sum_keys(d, b->fwd), "redirect action = forwards");
	ASSERT_EQ(act_tx, sum_keys(d, b->tx), "tx action = echo replies and ICMP answers");
	if (p == P_S1U) {
		/* every G-PDU ends forwarded, passed up decapsulated, or
		 * dropped with a reason of the G-PDU path */
		static const __u32 after_gpdu[] = {
			C(UL_FWD), C(UL_NAT_PASS), C(UL_NO_NEIGH_PASS), C(UL_FRAG_NEEDED_PASS),
			C(UL_LOCAL_PASS), D(UNKNOWN_TEID), D(INNER_TRUNC), D(INNER_NOT_IPV4),
			D(INNER_LEN), D(SPOOFED_SRC), D(RULE_DROP), D(DEFAULT_DROP),
			D(METER_RULE), D(METER_AMBR), D(QUOTA_EXHAUSTED), D(QUOTA_RESTRICTED),
			D(NO_PORTAL), D(TTL_EXCEEDED), D(FIB_UNREACHABLE), D(FIB_OTHER), D(MTU),
			C(UL_TTL_ICMP),
			/* an IPv6 T-PDU (xdp_s1u_ipv6) */
			D(NO_IPV6), D(ND_LOCAL), D(ND_RATE_LIMIT), C(RA_SENT), C(NA_SENT),
			END };
		__u64 follow = sum_keys(d, after_gpdu);

		ASSERT_GE(d[C(UL_GPDU)], follow, "G-PDUs >= what followed them");
		ASSERT_LE(d[C(UL_GPDU)], follow + d[D(ADJUST)], "G-PDUs <= that + ADJUST");
	}
	printf("# %s: %d frames (%d refused by the test run): drop %llu pass %llu "
	       "redirect %llu tx %llu\n", name, n, refused,
	       (unsigned long long)act_drop, (unsigned long long)act_pass,
	       (unsigned long long)act_fwd, (unsigned long long)act_tx);
}

static int setup(struct test_ctx *t, struct dp_env *e)
{
	struct xepc_session s;
	bool ok = true;

	/* 1 plain; 2 idle (no tunnel: buffering, events); 3 AMBR meters with
	 * a small burst; 4 default drop; 5 has no session */
	s = env_default_session(1);
	ok &= ASSERT_OK(env_session(e, 1, &s), "session 1");
	s = env_default_session(2);
	s.flags = XEPC_SF_ACTIVE;
	s.enb_addr = 0;
	ok &= ASSERT_OK(env_session(e, 2, &s), "session 2 idle");
	ok &= ASSERT_OK(env_meter(e, 1, 8000, 3000), "meter 1");
	ok &= ASSERT_OK(env_meter(e, 2, 8000, 3000), "meter 2");
	s = env_default_session(3);
	s.ul_meter_id = 1;
	s.dl_meter_id = 2;
	ok &= ASSERT_OK(env_session(e, 3, &s), "session 3 metered");
	s = env_default_session(4);
	s.default_action = XEPC_ACT_DROP;
	ok &= ASSERT_OK(env_session(e, 4, &s), "session 4 default drop");
	/* and an IPv6 /64 each (random_frames' IPv6 downlink, ue6_of()) */
	for (__u32 sid = 1; sid <= 4; sid++) {
		uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, (uint8_t)sid };

		ok &= ASSERT_OK(env_sess6(e, sid, pfx, 0), "the session's /64");
	}
	return ok ? 0 : -1;
}

void test_random_frames(struct test_ctx *t)
{
	const char *seed_env = getenv("XEPC_RANDOM_FRAMES_SEED");
	const char *n_env = getenv("XEPC_RANDOM_FRAMES");
	__u64 seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed1e55c0ffeeULL;
	int n = n_env ? atoi(n_env) : N_DEFAULT;
	struct xepc_config cfg;
	struct dp_env e;

	if (n <= 0)
		n = N_DEFAULT;
	rng_state = seed ? seed : 1;
	printf("# random_frames: seed 0x%llx, %d frames per batch "
	       "(XEPC_RANDOM_FRAMES_SEED, XEPC_RANDOM_FRAMES)\n", (unsigned long long)seed, n);
	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	if (setup(t, &e))
		goto out;
	run_batch(t, &e, P_S1U, "routed", n);
	run_batch(t, &e, P_SGI, "routed", n);
	run_batch(t, &e, P_TC, "routed", n);
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	if (!ASSERT_OK(env_config(&e, &cfg), "NAT mode"))
		goto out;
	run_batch(t, &e, P_S1U, "nat", n);
	run_batch(t, &e, P_TC, "nat", n);
out:
	env_close(&e);
}
