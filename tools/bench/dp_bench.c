// SPDX-License-Identifier: GPL-2.0-only
/*
 * dp_bench — what the XDP datapath costs (issue 2, section 5).
 *
 *  1. Per-packet cost with BPF_PROG_TEST_RUN (repeat 1e6): uplink and
 *     downlink G-PDUs (64- and 1400-byte inner packets), GTP-U echo and an
 *     unknown TEID, with 1, 100k and 1M sessions installed, beside a bare
 *     XDP_PASS program measured in the same trials.  Every repeat runs on
 *     the original frame (bench_wrap restores it and tail-calls the
 *     program; the wrapper's cost, measured with bench_pass as the callee,
 *     is subtracted), on the real forwarding path (ingress_ifindex set,
 *     permanent neighbours: bpf_fib_lookup succeeds, XDP_REDIRECT), and
 *     the datapath's own counters must show that every repeat took it.
 *  2. Packets per second through the veths with BPF_F_TEST_XDP_LIVE_FRAMES,
 *     counted on the far side, beside a bare bpf_redirect between the same
 *     veths.
 *  3. Sessions installed per second (batched and single updates) and the
 *     kernel memory per session.
 *
 * Prints `bench: <name> <median> <unit> (median of N; best B, spread
 * MIN-MAX)` lines, ratios from the medians and from the bests
 * (docs/PERFORMANCE.md "Method"); `#` lines are details.
 * Needs root (it works in a private network namespace of its own).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp_s1u.skel.h"
#include "xdp_sgi.skel.h"
#include "selftests/bench_dp.skel.h"
#include "dp_bench.h"

#define RESTORE_MAX	128	/* bytes bench_wrap writes back: all the
				 * programs write (headers, inner TTL) */
#define SINGLE_N	100000	/* sessions rewritten with single updates */
#define NO_STAT		0xffffffffu

struct opts {
	__u32 repeat;		/* per trial */
	int trials;		/* per figure: median, best, spread */
	__u32 max_sessions;
	__u32 live_frames;	/* frames per live-mode run */
	int verbose;
	int parts;		/* PART_* to run */
};

#define BENCH_MAX_TRIALS	64

enum {
	PART_TABLE = 1,		/* per-packet cost at 1, 100k, 1M sessions */
	PART_SPREAD = 2,	/* every repeat another session */
	PART_BREAKDOWN = 4,	/* variants and building blocks */
	PART_FORWARD = 8,	/* live frames through the veths */
	PART_INSTALL = 16,	/* single-update install rate, memory */
	PART_MEM = 32,		/* the per-session state in memory of other kinds */
	PART_ALL = 63,
};

struct pcase {
	const char *name;
	int prog;		/* program under test */
	int ifindex;		/* ingress */
	uint8_t frame[BENCH_FRAME_MAX];
	__u32 len;
	int head_delta;		/* bytes the program moves the head forward */
	__u32 expect;		/* XDP action */
	__u32 stat_key;		/* xepc_stats key that grows by 1 per repeat
				 * (NO_STAT: not a datapath program) */
	__u32 usage_sid;	/* session whose usage grows (0 = none) */
	int usage_dl;
	__u32 rot_n, rot_teid_off, rot_addr_off;
};

struct pres {
	double bare, wrap, raw, net, ratio;
};

/* The values of one figure, one per trial. */
struct ser {
	int n;
	double v[BENCH_MAX_TRIALS];
};

/* The trials of one per-packet case: raw, wrapper and bare costs and what
 * they give, net = raw - wrap + bare and ratio = net / bare, per trial. */
struct pser {
	struct ser raw, wrap, bare, net, ratio;
};

static void ser_add(struct ser *s, double v)
{
	if (s->n < BENCH_MAX_TRIALS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double w[BENCH_MAX_TRIALS];

	if (n <= 0)
		return 0;
	memcpy(w, v, (size_t)n * sizeof(*w));
	qsort(w, (size_t)n, sizeof(*w), cmp_double);
	return n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
}

static double ser_med(const struct ser *s)
{
	return median(s->v, s->n);
}

static double ser_min(const struct ser *s)
{
	double m = s->n ? s->v[0] : 0;

	for (int i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

static double ser_max(const struct ser *s)
{
	double m = s->n ? s->v[0] : 0;

	for (int i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}

static void pser_add(struct pser *p, const struct pres *r)
{
	ser_add(&p->raw, r->raw);
	ser_add(&p->wrap, r->wrap);
	ser_add(&p->bare, r->bare);
	ser_add(&p->net, r->raw - r->wrap + r->bare);
	ser_add(&p->ratio, (r->raw - r->wrap + r->bare) / r->bare);
}

static const char *num(char *buf, double v)
{
	snprintf(buf, 32, "%.*f", v < 10 && v > -10 ? 2 : 1, v);
	return buf;
}

/*
 * One figure over its trials: `bench: NAME MEDIAN UNIT (median of N; best
 * B, spread MIN-MAX)`.  best is the lowest value for a cost, the highest
 * for a rate (higher_better).
 */
static void fig(const char *unit, const struct ser *s, int higher_better, const char *fmt, ...)
{
	char name[96], a[32], b[32], c[32], d[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (s->n == 1) {
		printf("bench: %s %s %s (one trial)\n", name, num(a, s->v[0]), unit);
		return;
	}
	printf("bench: %s %s %s (median of %d; best %s, spread %s-%s)\n", name,
	       num(a, ser_med(s)), unit, s->n,
	       num(b, higher_better ? ser_max(s) : ser_min(s)), num(c, ser_min(s)),
	       num(d, ser_max(s)));
}

/* A single measurement (an install run, a memory size): no trials. */
static void fig1(const char *unit, double v, const char *fmt, ...)
{
	char name[96], a[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("bench: %s %s %s (one run)\n", name, num(a, v), unit);
}

/*
 * A per-packet case: its net cost, then its ratio to the bare program,
 * from the medians (median net / median bare) and from the bests (best
 * net / best bare), with the spread of the per-trial ratios.
 */
static void fig_pkt(const struct pser *p, const char *fmt, ...)
{
	char name[96], a[32], b[32], c[32], d[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	fig("ns/pkt", &p->net, 0, "%s", name);
	printf("bench: %s_ratio %s x (median/median; best/best %s, per-trial spread %s-%s)\n",
	       name, num(a, ser_med(&p->net) / ser_med(&p->bare)),
	       num(b, ser_min(&p->net) / ser_min(&p->bare)), num(c, ser_min(&p->ratio)),
	       num(d, ser_max(&p->ratio)));
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *count_str(__u32 n)
{
	static const struct { __u32 n; const char *s; } names[] = {
		{ 1, "1" }, { 100000, "100k" }, { 1000000, "1M" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == n)
			return names[i].s;
	return "n";
}

/*
 * One BPF_PROG_TEST_RUN.  The cost per repeat is this thread's CPU time
 * over the call divided by repeat (sub-ns resolution; the kernel's own
 * duration is whole ns, too coarse for the bare program, and time spent
 * preempted by other work on the machine is not counted).
 */
static int test_run(int prog, const void *in, __u32 len, int ifindex,
		    __u32 repeat, void *out, __u32 *out_len, __u32 *retval,
		    double *ns)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .data_out = out, .data_size_out = out ? 4096 : 0,
		    .repeat = repeat);
	double t0 = cpu_ns();
	int err = bpf_prog_test_run_opts(prog, &o);

	if (ns)
		*ns = (cpu_ns() - t0) / repeat;
	if (err)
		return -errno;
	*retval = o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

static int wrap_setup(struct bench_env *e, const struct pcase *c, int callee,
		      int head_delta)
{
	struct bench_dp__bss *b = e->bp->bss;
	__u32 zero = 0;

	memcpy(b->frame, c->frame, c->len);
	b->frame_len = c->len;
	b->restore_len = c->len < RESTORE_MAX ? c->len : RESTORE_MAX;
	b->head_delta = head_delta;
	b->rot_n = c->rot_n;
	b->rot_teid_off = c->rot_teid_off;
	b->rot_addr_off = c->rot_addr_off;
	b->rot_addr_base = BENCH_UE_BASE;
	b->runs = 0;
	b->wrap_errors = 0;
	b->tail_fail = 0;
	return bpf_map_update_elem(e->fd_progs, &zero, &callee, BPF_ANY) ? -errno : 0;
}

static __u64 usage_pkts(struct bench_env *e, __u32 sid, int dl)
{
	struct xepc_usage u;

	if (bpf_map_lookup_elem(e->fd_usage, &sid, &u))
		return ~0ull;
	return dl ? u.dl_pkts : u.ul_pkts;
}

static const char *const xdp_names[] = {
	"ABORTED", "DROP", "PASS", "TX", "REDIRECT",
};

static const char *act_str(__u32 a)
{
	return a < 5 ? xdp_names[a] : "?";
}

/* The checks that make the figure mean something: every repeat went
 * through the wrapper, the tail call and the program's full path. */
static int check_run(struct bench_env *e, const struct pcase *c, __u32 repeat,
		     __u32 ret, __u64 st0, __u64 us0, const uint8_t *ref,
		     __u32 ref_len, const uint8_t *out, __u32 out_len)
{
	struct bench_dp__bss *b = e->bp->bss;
	__u64 st = c->stat_key == NO_STAT ? repeat : bench_stat(e, c->stat_key) - st0;
	int bad = 0;

	if (b->runs != repeat || b->wrap_errors || b->tail_fail) {
		fprintf(stderr, "dp_bench: %s: wrapper ran %llu of %u (errors %llu, tail-call misses %llu)\n",
			c->name, (unsigned long long)b->runs, repeat,
			(unsigned long long)b->wrap_errors,
			(unsigned long long)b->tail_fail);
		bad = 1;
	}
	if (ret != c->expect) {
		fprintf(stderr, "dp_bench: %s: returned XDP_%s, expected XDP_%s\n",
			c->name, act_str(ret), act_str(c->expect));
		bad = 1;
	}
	if (st != repeat) {
		fprintf(stderr, "dp_bench: %s: counter %u grew by %llu, expected %u\n",
			c->name, c->stat_key, (unsigned long long)st, repeat);
		bad = 1;
	}
	if (c->usage_sid && usage_pkts(e, c->usage_sid, c->usage_dl) - us0 != repeat) {
		fprintf(stderr, "dp_bench: %s: session %u usage grew by %llu, expected %u\n",
			c->name, c->usage_sid,
			(unsigned long long)(usage_pkts(e, c->usage_sid, c->usage_dl) - us0),
			repeat);
		bad = 1;
	}
	if (ref && (out_len != ref_len || memcmp(out, ref, ref_len))) {
		fprintf(stderr, "dp_bench: %s: output after %u repeats differs from one run\n",
			c->name, repeat);
		bad = 1;
	}
	return bad ? -EPROTO : 0;
}

/*
 * Best of o->trials of: wrapper + program, wrapper + bench_pass, bare
 * bench_pass — interleaved so that the three see the same machine.
 * net = raw - wrap + bare: the program's cost as if it ran alone under
 * BPF_PROG_TEST_RUN, loop overhead included like the bare figure's.
 */
static int measure(struct bench_env *e, const struct opts *o,
		   const struct pcase *c, struct pser *acc)
{
	struct pres one, *r = &one;
	uint8_t ref[4096], out[4096];
	__u32 ret, ref_len = 0, out_len, repeat = o->repeat;
	const uint8_t *refp = NULL;
	int t, err;

	if (!c->rot_n) {
		/* one run of the program alone: the output every repeat must
		 * reproduce */
		err = test_run(c->prog, c->frame, c->len, c->ifindex, 1, ref,
			       &ref_len, &ret, NULL);
		if (err || ret != c->expect) {
			fprintf(stderr, "dp_bench: %s: single run: %s, XDP_%s\n",
				c->name, strerror(-err), act_str(ret));
			return err ? err : -EPROTO;
		}
		refp = ref;
	}
	for (t = 0; t < o->trials; t++) {
		__u64 st0 = c->stat_key == NO_STAT ? 0 : bench_stat(e, c->stat_key);
		__u64 us0 = c->usage_sid ? usage_pkts(e, c->usage_sid, c->usage_dl) : 0;
		double ns;

		err = wrap_setup(e, c, c->prog, c->head_delta);
		if (!err)
			err = test_run(e->prog_wrap, c->frame, c->len, c->ifindex,
				       repeat, out, &out_len, &ret, &ns);
		if (err)
			return err;
		err = check_run(e, c, repeat, ret, st0, us0, refp, ref_len, out, out_len);
		if (err)
			return err;
		r->raw = ns;

		err = wrap_setup(e, c, e->prog_pass, 0);
		if (!err)
			err = test_run(e->prog_wrap, c->frame, c->len, c->ifindex,
				       repeat, NULL, NULL, &ret, &ns);
		if (err)
			return err;
		if (ret != XDP_PASS || e->bp->bss->runs != repeat || e->bp->bss->wrap_errors) {
			fprintf(stderr, "dp_bench: %s: wrapper baseline did not run cleanly\n",
				c->name);
			return -EPROTO;
		}
		r->wrap = ns;

		err = test_run(e->prog_pass, c->frame, c->len, c->ifindex,
			       repeat, NULL, NULL, &ret, &ns);
		if (err)
			return err;
		r->bare = ns;
		r->net = r->raw - r->wrap + r->bare;
		r->ratio = r->net / r->bare;
		pser_add(acc, r);
		if (o->verbose)
			printf("# %-24s raw %7.1f  wrapper %6.1f  bare %5.1f  -> net %6.1f ns  %.2fx\n",
			       c->name, r->raw, r->wrap, r->bare, r->net, r->ratio);
	}
	return 0;
}

/* ------------------------------------------------------------- cases ---- */

static void case_ul(struct bench_env *e, struct pcase *c, __u32 sid, size_t inner)
{
	memset(c, 0, sizeof(*c));
	c->prog = e->prog_s1u;
	c->ifindex = e->if_s1u;
	c->len = bench_frame_ul(c->frame, sid, BENCH_UE_BASE + sid, inner);
	c->head_delta = BENCH_UL_OUTER - 14;
	c->expect = XDP_REDIRECT;
	c->stat_key = XEPC_STAT_CNT(XEPC_CNT_UL_FWD);
	c->usage_sid = sid;
}

static void case_dl(struct bench_env *e, struct pcase *c, __u32 sid, size_t inner)
{
	memset(c, 0, sizeof(*c));
	c->prog = e->prog_sgi;
	c->ifindex = e->if_sgi;
	c->len = bench_frame_dl(c->frame, BENCH_UE_BASE + sid, inner);
	c->head_delta = -36;
	c->expect = XDP_REDIRECT;
	c->stat_key = XEPC_STAT_CNT(XEPC_CNT_DL_FWD);
	c->usage_sid = sid;
	c->usage_dl = 1;
}

static void case_echo(struct bench_env *e, struct pcase *c)
{
	memset(c, 0, sizeof(*c));
	c->prog = e->prog_s1u;
	c->ifindex = e->if_s1u;
	c->len = bench_frame_echo(c->frame);
	c->expect = XDP_TX;
	c->stat_key = XEPC_STAT_CNT(XEPC_CNT_ECHO_REPLIED);
}

static void case_unknown(struct bench_env *e, struct pcase *c)
{
	__u32 teid = BENCH_MAX_SESSIONS - 1000;	/* never installed */

	memset(c, 0, sizeof(*c));
	c->prog = e->prog_s1u;
	c->ifindex = e->if_s1u;
	c->len = bench_frame_ul(c->frame, teid, BENCH_UE_BASE + 7, 64);
	c->expect = XDP_DROP;
	c->stat_key = XEPC_STAT_DROP(XEPC_DROP_UNKNOWN_TEID);
}

/* The per-packet table for the sessions installed now; the packet is for
 * the last session installed (its ruleset walks all 16 rules). */
static int block(struct bench_env *e, const struct opts *o, double *ul1m,
		 double *dl1m, struct ser *bare_all)
{
	enum { UL64, DL64, UL1400, DL1400, ECHO, UNKNOWN, UL64FR, NCASE };
	static const char *const names[NCASE] = { "ul64", "dl64", "ul1400", "dl1400",
						  "echo", "unknown_teid", "ul64_final_redirect" };
	const char *n = count_str(e->n_sessions);
	__u32 sid = e->n_sessions, ret;
	struct pcase c[NCASE];
	static struct pser best[NCASE];
	struct ser direct = { 0 }, dratio = { 0 };
	double ns, dns;
	struct opts o1 = *o;
	int k, t, err;

	case_ul(e, &c[UL64], sid, 64);
	case_dl(e, &c[DL64], sid, 64);
	case_ul(e, &c[UL1400], sid, 1400);
	case_dl(e, &c[DL1400], sid, 1400);
	case_echo(e, &c[ECHO]);
	case_unknown(e, &c[UNKNOWN]);
	/* the same uplink after the rating group's final units with REDIRECT
	 * (RFC 4006 5.6.2): quota exhausted, the packet sent to the portal
	 * (routed like the PDN) and counted apart from the group's usage
	 * (docs/datapath.md "Charging") */
	case_ul(e, &c[UL64FR], sid, 64);
	c[UL64FR].stat_key = XEPC_STAT_CNT(XEPC_CNT_RULE_REDIRECT);	/* every repeat */
	{
		struct xepc_config cfg;
		__u32 zero = 0;

		if (bpf_map_lookup_elem(e->fd_config, &zero, &cfg))
			return -errno;
		cfg.portal_addr = htonl(0xc63364c8);	/* 198.51.100.200 */
		if (bpf_map_update_elem(e->fd_config, &zero, &cfg, BPF_ANY))
			return -errno;
	}
	for (k = 0; k < NCASE; k++) {
		c[k].name = names[k];
		memset(&best[k], 0, sizeof(best[k]));
	}
	/* Trials interleaved across the cases: a slow stretch of the shared
	 * host (seconds long) then hits one trial of every case rather than
	 * every trial of one. */
	o1.trials = 1;
	for (t = 0; t < o->trials; t++) {
		for (k = 0; k < NCASE; k++) {
			/* the session's one slot (charge_base = sid, bench_session()) */
			struct xepc_charge *ch = &e->charging[sid % BENCH_MAX_SESSIONS];

			if (k == UL64FR) {
				__atomic_store_n(&ch->remaining, 0, __ATOMIC_SEQ_CST);
				ch->fua = XEPC_FUA_REDIRECT;
				__atomic_fetch_or(&ch->state, XEPC_CS_EXHAUSTED, __ATOMIC_SEQ_CST);
			}
			err = measure(e, &o1, &c[k], &best[k]);
			if (k == UL64FR) {
				ch->fua = XEPC_FUA_DROP;
				__atomic_store_n(&ch->remaining, 1ll << 62, __ATOMIC_SEQ_CST);
				__atomic_fetch_and(&ch->state, ~XEPC_CS_EXHAUSTED, __ATOMIC_SEQ_CST);
			}
			if (err)
				return err;
		}
		/* The unknown-TEID path does not change the frame, so it can
		 * also run without the wrapper: a check of the subtraction. */
		if ((err = test_run(c[UNKNOWN].prog, c[UNKNOWN].frame, c[UNKNOWN].len,
				    c[UNKNOWN].ifindex, o->repeat, NULL, NULL, &ret, &dns)))
			return err;
		if ((err = test_run(e->prog_pass, c[UNKNOWN].frame, c[UNKNOWN].len,
				    c[UNKNOWN].ifindex, o->repeat, NULL, NULL, &ret, &ns)))
			return err;
		ser_add(&direct, dns);
		ser_add(&dratio, dns / ns);
	}
	for (k = 0; k < NCASE; k++) {
		fig_pkt(&best[k], "dp_pkt_%s_s%s", names[k], n);
		if (k == UL64 || k == DL64)	/* 2 x 7 x 3 steps: within BENCH_MAX_TRIALS */
			for (t = 0; t < best[k].bare.n; t++)
				ser_add(bare_all, best[k].bare.v[t]);
	}
	fig("ns/pkt", &direct, 0, "dp_pkt_unknown_teid_s%s_nowrap", n);
	fig("x", &dratio, 0, "dp_pkt_unknown_teid_s%s_nowrap_ratio", n);
	if (ul1m)
		*ul1m = ser_med(&best[UL64].net) / ser_med(&best[UL64].bare);
	if (dl1m)
		*dl1m = ser_med(&best[DL64].net) / ser_med(&best[DL64].bare);
	return 0;
}

/* Every repeat for another session (hash-spread over all installed), so
 * that the session, UE-hash, usage, meter and charging entries come from
 * memory rather than a hot cache line. */
static int spread_one(struct bench_env *e, const struct opts *o, const char *tag)
{
	struct pcase c;
	const char *n = count_str(e->n_sessions);
	struct pser r;
	int err;

	memset(&r, 0, sizeof(r));
	case_ul(e, &c, 1, 64);
	c.name = "uplink spread";
	c.usage_sid = 0;
	c.rot_n = e->n_sessions;
	c.rot_teid_off = BENCH_OFF_UL_TEID;
	c.rot_addr_off = BENCH_OFF_UL_UE;
	if ((err = measure(e, o, &c, &r)))
		return err;
	fig_pkt(&r, "dp_pkt_ul64_s%s_spread%s", n, tag);

	memset(&r, 0, sizeof(r));
	case_dl(e, &c, 1, 64);
	c.name = "downlink spread";
	c.usage_sid = 0;
	c.rot_n = e->n_sessions;
	c.rot_addr_off = BENCH_OFF_DL_UE;
	if ((err = measure(e, o, &c, &r)))
		return err;
	fig_pkt(&r, "dp_pkt_dl64_s%s_spread%s", n, tag);
	return 0;
}

/* One lookup alone, bare subtracted: the UE hash and UE slot (downlink) and the
 * session array (uplink), for a session picked per repeat among n. */
static int lookup_costs(struct bench_env *e, const struct opts *o)
{
	const struct { const char *name; int fd; } m[] = {
		{ "ue_hash_lookup", bpf_program__fd(e->bp->progs.bench_ue_lookup) },
		{ "session_array_lookup", bpf_program__fd(e->bp->progs.bench_sess_lookup) },
		{ "ue_direct_lookup", bpf_program__fd(e->bp->progs.bench_ue_direct) },
	};
	struct ser cost[3][2];
	double raw[3][2], ns;
	uint8_t f[128];
	__u32 len = (__u32)bench_frame_dl(f, BENCH_UE_BASE + 1, 64), ret;
	int t, k, cold, err;

	memset(cost, 0, sizeof(cost));
	e->bp->bss->rot_addr_base = BENCH_UE_BASE;
	for (t = 0; t < o->trials; t++) {
		for (k = 0; k < 3; k++)
			for (cold = 0; cold < 2; cold++) {
				e->bp->bss->rot_n = cold ? e->n_sessions : 1;
				e->bp->bss->runs = 0;
				if ((err = test_run(m[k].fd, f, len, e->if_sgi, o->repeat,
						    NULL, NULL, &ret, &ns)))
					return err;
				if (ret != XDP_PASS) {
					fprintf(stderr, "dp_bench: %s missed\n", m[k].name);
					return -EPROTO;
				}
				raw[k][cold] = ns;
			}
		if ((err = test_run(e->prog_pass, f, len, e->if_sgi, o->repeat, NULL,
				    NULL, &ret, &ns)))
			return err;
		for (k = 0; k < 3; k++)
			for (cold = 0; cold < 2; cold++)
				ser_add(&cost[k][cold], raw[k][cold] - ns);
	}
	e->bp->bss->rot_n = 0;
	for (k = 0; k < 3; k++) {
		fig("ns/pkt", &cost[k][0], 0, "dp_cost_%s_hot", m[k].name);
		fig("ns/pkt", &cost[k][1], 0, "dp_cost_%s_cold_s%s", m[k].name,
		    count_str(e->n_sessions));
	}
	return 0;
}

/* The layout of docs/datapath.md "What one packet touches", modelled: the
 * eight locked instructions and the session copy of an uplink packet with
 * full policy, on the entries of today's four maps (as is, and with every
 * entry loaded first), and on one 128-byte value per session (with the
 * eight locked instructions, and with two: the six counters as plain
 * adds, what per-CPU counters would cost at best); the same
 * session every repeat, then another of all installed every repeat.  Bare
 * subtracted, as lookup_costs(). */
static int layout_model(struct bench_env *e, const struct opts *o)
{
	const struct { const char *name; int fd; } m[] = {
		{ "maps", bpf_program__fd(e->bp->progs.bench_model_maps) },
		{ "maps_touch", bpf_program__fd(e->bp->progs.bench_model_touch) },
		{ "one_value", bpf_program__fd(e->bp->progs.bench_model_hot) },
		{ "one_value_2locked", bpf_program__fd(e->bp->progs.bench_model_hot2) },
	};
	enum { NM = sizeof(m) / sizeof(m[0]) };
	struct ser cost[NM][2];
	double raw[NM][2], ns;
	uint8_t f[128];
	__u32 len = (__u32)bench_frame_dl(f, BENCH_UE_BASE + 1, 64), ret;
	int t, k, cold, err;

	memset(cost, 0, sizeof(cost));
	e->bp->bss->model_zero = 0;
	for (t = 0; t < o->trials; t++) {
		for (k = 0; k < NM; k++)
			for (cold = 0; cold < 2; cold++) {
				e->bp->bss->rot_n = cold ? e->n_sessions : 1;
				e->bp->bss->runs = 0;
				if ((err = test_run(m[k].fd, f, len, e->if_sgi, o->repeat,
						    NULL, NULL, &ret, &ns)))
					return err;
				if (ret != XDP_PASS) {
					fprintf(stderr, "dp_bench: model %s failed\n", m[k].name);
					return -EPROTO;
				}
				raw[k][cold] = ns;
			}
		if ((err = test_run(e->prog_pass, f, len, e->if_sgi, o->repeat, NULL,
				    NULL, &ret, &ns)))
			return err;
		for (k = 0; k < NM; k++)
			for (cold = 0; cold < 2; cold++)
				ser_add(&cost[k][cold], raw[k][cold] - ns);
	}
	e->bp->bss->rot_n = 0;
	for (k = 0; k < NM; k++) {
		fig("ns/pkt", &cost[k][0], 0, "dp_model_%s_hot", m[k].name);
		fig("ns/pkt", &cost[k][1], 0, "dp_model_%s_cold_s%s", m[k].name,
		    count_str(e->n_sessions));
	}
	return 0;
}

/* vmalloc areas of `bytes` (guard page included) that the kernel's
 * array_map_alloc() holds now (/proc/vmallocinfo): how many of the inner
 * arrays the kernel could not kmalloc (-1: cannot tell) */
static long vmalloc_areas(long bytes)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512];
	long n = 0, sz;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "array_map_alloc") && sscanf(line, "%*s %ld", &sz) == 1 &&
		    sz == bytes)
			n++;
	if (f)
		fclose(f);
	return f ? n : -1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Fills the outer array of maps `outer` with n_inner arrays of 2^shift
 * values of vsize bytes each, copied from src, 1024 at a time: the inner
 * arrays are created and filled, then put in the outer array with one
 * batched update when the kernel takes it (each update of an array of
 * maps from userspace waits for an RCU grace period,
 * maybe_wait_bpf_programs() in kernel/bpf/syscall.c; a batch waits once).
 * Adds the seconds of each phase to sec[0] (create, fill) and sec[1]
 * (outer updates). */
static int aom_fill(int outer, __u32 n_inner, int shift, __u32 vsize, const void *src,
		    double sec[2])
{
	enum { CHUNK = 1024 };
	__u32 per = 1u << shift, keys[4096], idx[CHUNK], cnt, i, base, n, made;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int fds[CHUNK], err = 0;
	double t0;

	for (__u32 k = 0; k < per; k++)
		keys[k] = k;
	for (base = 0; base < n_inner && !err; base += CHUNK) {
		n = n_inner - base < CHUNK ? n_inner - base : CHUNK;
		made = 0;
		t0 = now_ns();
		for (i = 0; i < n && !err; i++) {
			cnt = per;
			idx[i] = base + i;
			fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_inner", 4, vsize, per,
						NULL);
			if (fds[i] < 0) {
				err = -errno;
				break;
			}
			made++;
			if (bpf_map_update_batch(fds[i], keys,
						 (const char *)src + (size_t)(base + i) * per * vsize,
						 &cnt, &bo))
				err = -errno;
		}
		sec[0] += (now_ns() - t0) / 1e9;
		t0 = now_ns();
		cnt = n;
		if (!err && bpf_map_update_batch(outer, idx, fds, &cnt, &bo))
			for (i = 0; i < n && !err; i++)	/* a grace period each */
				if (bpf_map_update_elem(outer, &idx[i], &fds[i], BPF_ANY))
					err = -errno;
		sec[1] += (now_ns() - t0) / 1e9;
		for (i = 0; i < made; i++)
			close(fds[i]);
	}
	return err;
}

static int hash_fill(int fd, __u32 n, __u32 vsize, const void *src)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 keys[4096];

	for (__u32 i = 0; i < n; i += 4096) {
		__u32 cnt = n - i < 4096 ? n - i : 4096;

		for (__u32 k = 0; k < cnt; k++)
			keys[k] = i + k;
		if (bpf_map_update_batch(fd, keys, (const char *)src + (size_t)i * vsize,
					 &cnt, &bo))
			return -errno;
	}
	return 0;
}

/* What a writer pays for one 256-byte value of each kind (no mmap for the
 * arrays of maps and the hash): ns a write, over n writes of sessions
 * spread like the packets. */
static int mem_writers(struct bench_env *e, const struct opts *o)
{
	enum { N = 20000, NW = 5 };
	const char *names[NW] = { "mmap_memcpy", "array_update", "aom_update_cached_fd",
				  "aom_update_by_id", "hash_update" };
	int outer = bpf_map__fd(e->bp->maps.bench_usage_aom);
	int hfd = bpf_map__fd(e->bp->maps.bench_usage_hash);
	int fds[16] = { 0 }, err = 0;
	struct ser w[NW];
	__u32 nfd = sizeof(fds) / sizeof(fds[0]);

	memset(w, 0, sizeof(w));
	for (__u32 i = 0; i < nfd; i++) {
		__u32 id;

		if (bpf_map_lookup_elem(outer, &i, &id) ||
		    (fds[i] = bpf_map_get_fd_by_id(id)) < 0) {
			fds[i] = -1;
			err = -errno;
			goto out;
		}
	}
	for (int t = 0; t < o->trials; t++) {
		double t0, ns[NW];
		struct xepc_usage v;

		/* today: the library's mirror through the mmapped map */
		t0 = now_ns();
		for (__u32 i = 0; i < N; i++) {
			__u32 sid = 1 + (__u32)(i * 2654435761u) % e->n_sessions;

			memcpy(&v, &e->usage[sid], sizeof(v));
			memcpy((void *)&e->usage[sid], &v, sizeof(v));
		}
		ns[0] = (now_ns() - t0) / N;
		/* a whole-value update of the mmapable array (the syscall alone) */
		t0 = now_ns();
		for (__u32 i = 0; i < N; i++) {
			__u32 sid = 1 + (__u32)(i * 2654435761u) % e->n_sessions;

			memcpy(&v, &e->usage[sid], sizeof(v));
			if (bpf_map_update_elem(e->fd_usage, &sid, &v, BPF_ANY))
				return -errno;
		}
		ns[1] = (now_ns() - t0) / N;
		/* an inner array whose fd the writer keeps (16 of them here; all
		 * 16384 at 1M sessions) */
		t0 = now_ns();
		for (__u32 i = 0; i < N; i++) {
			__u32 sid = (__u32)(i * 2654435761u) % (nfd << BENCH_AOM_USAGE_SHIFT);
			__u32 lo = sid & ((1u << BENCH_AOM_USAGE_SHIFT) - 1);

			memcpy(&v, &e->usage[sid ? sid : 1], sizeof(v));
			if (bpf_map_update_elem(fds[sid >> BENCH_AOM_USAGE_SHIFT], &lo, &v, BPF_ANY)) {
				err = -errno;
				goto out;
			}
		}
		ns[2] = (now_ns() - t0) / N;
		/* the inner array found by id: outer lookup, fd by id, update, close */
		t0 = now_ns();
		for (__u32 i = 0; i < N; i++) {
			__u32 sid = 1 + (__u32)(i * 2654435761u) % e->n_sessions;
			__u32 hi = sid >> BENCH_AOM_USAGE_SHIFT;
			__u32 lo = sid & ((1u << BENCH_AOM_USAGE_SHIFT) - 1), id;
			int fd;

			memcpy(&v, &e->usage[sid], sizeof(v));
			if (bpf_map_lookup_elem(outer, &hi, &id) ||
			    (fd = bpf_map_get_fd_by_id(id)) < 0) {
				err = -errno;
				goto out;
			}
			if (bpf_map_update_elem(fd, &lo, &v, BPF_ANY))
				err = -errno;
			close(fd);
			if (err)
				goto out;
		}
		ns[3] = (now_ns() - t0) / N;
		t0 = now_ns();
		for (__u32 i = 0; i < N; i++) {
			__u32 sid = 1 + (__u32)(i * 2654435761u) % e->n_sessions;

			memcpy(&v, &e->usage[sid], sizeof(v));
			if (bpf_map_update_elem(hfd, &sid, &v, BPF_EXIST)) {
				err = -errno;
				goto out;
			}
		}
		ns[4] = (now_ns() - t0) / N;
		for (int k = 0; k < NW; k++)
			ser_add(&w[k], ns[k]);
	}
	for (int k = 0; k < NW; k++)
		fig("ns/value", &w[k], 0, "dp_mem_write_%s", names[k]);
out:
	for (__u32 i = 0; i < nfd; i++)
		if (fds[i] > 0)
			close(fds[i]);
	return err;
}

/*
 * The floor under any layout: one load from a random line of a 256 MiB
 * region, each load's address taken from the one before (nothing
 * overlaps), in userspace, with 4 KiB pages and with transparent huge
 * pages (2 MiB; madvise).  What a cold line costs this machine when the
 * page walk is as short as the guest can make it.
 */
static int mem_floor(const struct opts *o)
{
	const size_t size = (size_t)256 << 20, step = 256, n = size / step;
	const size_t loads = 2000000, align = (size_t)2 << 20;
	struct ser lat[2];

	memset(lat, 0, sizeof(lat));
	for (int huge = 0; huge < 2; huge++) {
		char *raw = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p, *q;
		__u32 *perm = malloc(n * sizeof(*perm)), x = 12345;

		if (raw == MAP_FAILED || !perm) {
			free(perm);
			if (raw != MAP_FAILED)
				munmap(raw, size + align);
			return -ENOMEM;
		}
		p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
		madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		memset(p, 1, size);
		for (size_t i = 0; i < n; i++)
			perm[i] = (__u32)i;
		for (size_t i = n - 1; i > 0; i--) {	/* xorshift Fisher-Yates */
			size_t j;
			__u32 t;

			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			j = x % (i + 1);
			t = perm[i], perm[i] = perm[j], perm[j] = t;
		}
		for (size_t i = 0; i < n; i++)
			*(char **)(p + (size_t)perm[i] * step) = p + (size_t)perm[(i + 1) % n] * step;
		q = p + (size_t)perm[0] * step;
		for (int t = 0; t < o->trials; t++) {
			double t0 = now_ns();

			for (size_t i = 0; i < loads; i++)
				q = *(char **)q;
			ser_add(&lat[huge], (now_ns() - t0) / loads);
		}
		if (!q)
			fprintf(stderr, "dp_bench: floor: lost the chain\n");
		if (huge) {
			FILE *f = fopen("/proc/self/smaps_rollup", "r");
			char line[256];
			long kb = -1;

			while (f && fgets(line, sizeof(line), f))
				sscanf(line, "AnonHugePages: %ld kB", &kb);
			if (f)
				fclose(f);
			printf("# mem floor: %ld of 262144 KiB in transparent huge pages\n", kb);
		}
		free(perm);
		munmap(raw, size + align);
	}
	fig("ns/load", &lat[0], 0, "dp_mem_floor_load_4k_256M");
	fig("ns/load", &lat[1], 0, "dp_mem_floor_load_thp_256M");
	return 0;
}

/*
 * The per-session state of a packet (bench_mem_* of bench_dp.bpf.c) with
 * the values in memory of other kinds than the mmapable arrays of today
 * (vmalloc, 4 KiB pages): arrays of maps whose inner arrays the kernel
 * kmallocs (its direct map: 2 MiB / 1 GiB pages), and BPF_F_NO_PREALLOC
 * hashes (kmalloc'ed elements behind a vmalloc'ed bucket array).  The same
 * values as the datapath's maps, copied; the same session every repeat,
 * then another of all installed every repeat; bare subtracted.  Then what
 * a writer pays for a value of each kind.
 */
static int mem_kinds(struct bench_env *e, const struct opts *o_all)
{
	const struct { const char *name; int fd; } m[] = {
#define MP(n) { #n, bpf_program__fd(e->bp->progs.bench_mem_##n) }
		MP(mmap_value), MP(aom_value), MP(hash_value),
		MP(mmap), MP(aom), MP(aom_value_mmap_charge), MP(hash),
		MP(hash_value_mmap_charge), MP(ruleset_array), MP(ruleset_aom),
		MP(dl_mmap), MP(dl_aom), MP(charge_inside), MP(dl_charge_inside),
#undef MP
	};
	enum { NM = sizeof(m) / sizeof(m[0]) };
	const __u32 n_usage = BENCH_MAX_SESSIONS >> BENCH_AOM_USAGE_SHIFT;
	const __u32 n_charge = BENCH_MAX_SESSIONS >> BENCH_AOM_CHARGE_SHIFT;
	const __u32 n_ued = BENCH_UE_DIRECT_SLOTS >> BENCH_AOM_UED_SHIFT;
	const __u32 n_rs = BENCH_N_RULESETS + 4;
	int fd_u = bpf_map__fd(e->bp->maps.bench_usage_aom);
	int fd_c = bpf_map__fd(e->bp->maps.bench_charge_aom);
	int fd_d = bpf_map__fd(e->bp->maps.bench_ued_aom);
	int fd_r = bpf_map__fd(e->bp->maps.bench_rs_aom);
	struct opts ob = *o_all, *o = &ob;
	struct ser cost[NM][2];
	double raw[NM][2], ns, t0;
	uint8_t f[128];
	__u32 len = (__u32)bench_frame_dl(f, BENCH_UE_BASE + 1, 64), ret;
	struct xepc_ruleset *rs_all = NULL;
	double sec[2] = { 0, 0 };
	long va0, va1;
	int t, k, cold, err;

	if (ob.trials > 5)
		ob.trials = 5;
	/* an inner array of 16 KiB and the kernel's header, vmalloc'ed: five
	 * pages and the guard page */
	va0 = vmalloc_areas(6 * 4096);
	t0 = now_ns();
	if ((err = aom_fill(fd_u, n_usage, BENCH_AOM_USAGE_SHIFT, sizeof(struct xepc_usage),
			    e->usage, sec)) ||
	    (err = aom_fill(fd_c, n_charge, BENCH_AOM_CHARGE_SHIFT,
			    sizeof(struct xepc_charge), e->charging, sec)) ||
	    (err = aom_fill(fd_d, n_ued, BENCH_AOM_UED_SHIFT, sizeof(__u64), e->ue_direct,
			    sec)))
		goto out;
	rs_all = calloc(n_rs, sizeof(*rs_all));
	if (!rs_all) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 id = 0; id < n_rs; id++)
		if (bpf_map_lookup_elem(e->fd_rulesets, &id, &rs_all[id])) {
			err = -errno;
			goto out;
		}
	if ((err = aom_fill(fd_r, n_rs, 0, sizeof(*rs_all), rs_all, sec)))
		goto out;
	va1 = vmalloc_areas(6 * 4096);
	printf("# mem: %u + %u + %u + %u inner arrays created and filled in %.2f s, put in "
	       "their outer arrays in %.2f s (batched, 1024 a batch); 24 KiB vmalloc "
	       "areas of array_map_alloc %ld before, %ld after (the inner arrays the kernel "
	       "did not kmalloc)\n", n_usage, n_charge, n_ued, n_rs, sec[0], sec[1], va0, va1);
	t0 = now_ns();
	if ((err = hash_fill(bpf_map__fd(e->bp->maps.bench_usage_hash), BENCH_MAX_SESSIONS,
			     sizeof(struct xepc_usage), e->usage)) ||
	    (err = hash_fill(bpf_map__fd(e->bp->maps.bench_charge_hash), BENCH_MAX_SESSIONS,
			     sizeof(struct xepc_charge), e->charging)))
		goto out;
	printf("# mem: 2 x %u hash elements filled in %.2f s (batched)\n", BENCH_MAX_SESSIONS,
	       (now_ns() - t0) / 1e9);
	/* the value with the default rating group's slot inside (bench_big) */
	for (__u32 sid = 0; sid < BENCH_MAX_SESSIONS; sid++) {
		char *v = (char *)e->big + (size_t)sid * BENCH_BIG_SIZE;
		const struct xepc_session *ss = &e->usage[sid].sess;

		memcpy(v, &e->usage[sid], sizeof(struct xepc_usage));
		memcpy(v + sizeof(struct xepc_usage),
		       &e->charging[(ss->charge_base + ss->default_slot) % BENCH_MAX_SESSIONS],
		       sizeof(struct xepc_charge));
	}

	memset(cost, 0, sizeof(cost));
	e->bp->bss->model_zero = 0;
	e->bp->bss->rot_addr_base = BENCH_UE_BASE;
	for (t = 0; t < o->trials; t++) {
		for (k = 0; k < NM; k++)
			for (cold = 0; cold < 2; cold++) {
				e->bp->bss->rot_n = cold ? e->n_sessions : 1;
				e->bp->bss->runs = 0;
				if ((err = test_run(m[k].fd, f, len, e->if_sgi, o->repeat,
						    NULL, NULL, &ret, &ns)))
					goto out;
				if (ret != XDP_PASS) {
					fprintf(stderr, "dp_bench: mem %s failed\n", m[k].name);
					err = -EPROTO;
					goto out;
				}
				raw[k][cold] = ns;
			}
		if ((err = test_run(e->prog_pass, f, len, e->if_sgi, o->repeat, NULL,
				    NULL, &ret, &ns)))
			goto out;
		for (k = 0; k < NM; k++)
			for (cold = 0; cold < 2; cold++)
				ser_add(&cost[k][cold], raw[k][cold] - ns);
	}
	e->bp->bss->rot_n = 0;
	for (k = 0; k < NM; k++) {
		fig("ns/pkt", &cost[k][0], 0, "dp_mem_%s_hot", m[k].name);
		fig("ns/pkt", &cost[k][1], 0, "dp_mem_%s_cold_s%s", m[k].name,
		    count_str(e->n_sessions));
	}
	err = mem_writers(e, o);
	if (!err)
		err = mem_floor(o);
out:
	/* the inner arrays stay until the process exits (deleting them one by
	 * one would wait for a grace period each) */
	free(rs_all);
	return err;
}

/* Spread over the sessions, with the full policy; then the same with the
 * APN-AMBR in xepc_meters (the layout before), and the first again; then
 * the full policy
 * with every session on one ruleset (what the 1024 rulesets' lines cost
 * when they miss too); then every session stripped of rules, meters and
 * quota (what the lookups alone cost when their entries are cold). */
static int spread(struct bench_env *e, const struct opts *o_all)
{
	/* these runs are µs per packet: three trials are plenty */
	struct opts ob = *o_all, *o = &ob;
	int err;

	if (ob.trials > 3)
		ob.trials = 3;
	err = spread_one(e, o, "");
	if (!err)
		err = lookup_costs(e, o);
	if (!err)
		err = layout_model(e, o);

	if (err)
		return err;
	/* the same with the APN-AMBR where it was before (xepc_meters), in
	 * the same run: what moving it into xepc_usage bought */
	if ((err = bench_sessions_rewrite(e, BENCH_POLICY_AMBR_METERS)))
		return err;
	err = spread_one(e, o, "_ambr_in_meters");
	/* and the layout of today again (A-B-A): what the order of the runs
	 * alone moves */
	if (!err && !(err = bench_sessions_rewrite(e, BENCH_POLICY_FULL)))
		err = spread_one(e, o, "_again");
	if (err)
		return err;
	if ((err = bench_sessions_rewrite(e, BENCH_POLICY_ONE_RULESET)))
		return err;
	err = spread_one(e, o, "_one_ruleset");
	if (err)
		return err;
	if ((err = bench_sessions_rewrite(e, BENCH_POLICY_NONE)))
		return err;
	err = spread_one(e, o, "_nopolicy");
	if (!err)
		err = bench_sessions_rewrite(e, BENCH_POLICY_FULL);
	return err;
}

/* Building blocks alone, each a program of its own run directly (no
 * packet changes, no wrapper): one trial, its cost above the bare program
 * added to cost[]. */
struct block_prog {
	const char *name;
	int fd;
	__u32 fib_flags;	/* bench_fib only */
	__u32 expect;
};

static int blocks_trial(struct bench_env *e, const struct opts *o,
			const struct block_prog *m, int nb, struct ser *cost,
			struct ser *bare)
{
	double raw[16];
	uint8_t f[128];
	__u32 len = (__u32)bench_frame_dl(f, BENCH_UE_BASE + 1, 64), ret;
	double ns;
	int k, err;

	e->bp->bss->fib_src = htonl(BENCH_UE_BASE + 1);
	e->bp->bss->fib_dst = htonl(BENCH_SERVER_ADDR);
	for (k = 0; k < nb; k++) {
		e->bp->bss->fib_flags = m[k].fib_flags;
		e->bp->bss->fib_tbid = m[k].fib_flags ? 254 : 0;	/* RT_TABLE_MAIN */
		if ((err = test_run(m[k].fd, f, len, e->if_s1u, o->repeat, NULL, NULL,
				    &ret, &ns)))
			return err;
		if (ret != m[k].expect) {
			fprintf(stderr, "dp_bench: %s returned XDP_%s\n", m[k].name, act_str(ret));
			return -EPROTO;
		}
		raw[k] = ns;
	}
	if ((err = test_run(e->prog_pass, f, len, e->if_s1u, o->repeat, NULL, NULL,
			    &ret, &ns)))
		return err;
	for (k = 0; k < nb; k++)
		ser_add(&cost[k], raw[k] - ns);
	ser_add(bare, ns);
	return 0;
}

/*
 * Where the cost goes: the same 64-byte packets with parts of the session
 * switched off (the session entry rewritten, then put back), a packet that
 * is only parsed, and the building blocks alone.  All of it interleaved
 * trial by trial, so that a noisy second on the shared machine hits every
 * figure rather than one.
 */
enum { RULES_SAME_BUCKET = 17, RULES_UNINDEXED = 18 };

static int breakdown(struct bench_env *e, const struct opts *o)
{
	/* clock: the time from xepc_config.clock_ns (the selftests' knob)
	 * instead of bpf_ktime_get_ns; rcoff: route cache off, every packet
	 * asks bpf_fib_lookup; nat: NAT mode, uplink decapsulated to the
	 * stack with no route lookup at all (downlink is then tc_ue's:
	 * skipped).  rules: 16 = the benchmark's ruleset (its candidate
	 * index leaves one rule to test), 1 = only the matching rule,
	 * RULES_SAME_BUCKET = 16 rules whose port ranges all share the
	 * flow's port bucket (all 16 are candidates: the index's worst
	 * case), RULES_UNINDEXED = the benchmark's ruleset without its index
	 * (every rule walked) */
	static const struct {
		const char *name;
		int rules, meters, quota, clock, rcoff, nat;
	} v[] = {
		{ "full", 16, 1, 1, 0, 0, 0 },
		{ "full_16_candidates", RULES_SAME_BUCKET, 1, 1, 0, 0, 0 },
		{ "full_rules_unindexed", RULES_UNINDEXED, 1, 1, 0, 0, 0 },
		{ "full_route_cache_off", 16, 1, 1, 0, 1, 0 },
		{ "full_clock_from_config", 16, 1, 1, 1, 0, 0 },
		{ "no_quota", 16, 1, 0, 0, 0, 0 },
		{ "no_quota_no_meters", 16, 0, 0, 0, 0, 0 },
		{ "rules1_only", 1, 0, 0, 0, 0, 0 },
		{ "lookup_decap_route", 0, 0, 0, 0, 0, 0 },
		{ "lookup_decap_route_clock_from_config", 0, 0, 0, 1, 0, 0 },
		{ "lookup_decap_fib", 0, 0, 0, 0, 1, 0 },
		{ "lookup_decap_nat_no_route", 0, 0, 0, 0, 0, 1 },
	};
	const struct block_prog m[] = {
		{ "fib_lookup", e->prog_fib, 0, XDP_REDIRECT },
		{ "fib_lookup_direct", e->prog_fib, BPF_FIB_LOOKUP_DIRECT, XDP_REDIRECT },
		{ "spinlock", bpf_program__fd(e->bp->progs.bench_spin_only), 0, XDP_PASS },
		{ "ktime_get_ns", bpf_program__fd(e->bp->progs.bench_ktime), 0, XDP_PASS },
		{ "spinlock_ktime_div", bpf_program__fd(e->bp->progs.bench_spinlock), 0, XDP_PASS },
		{ "gcra_ktime_cas", bpf_program__fd(e->bp->progs.bench_gcra), 0, XDP_PASS },
		{ "atomic_add_x4", bpf_program__fd(e->bp->progs.bench_atomic4), 0, XDP_PASS },
		{ "percpu_add_x4", bpf_program__fd(e->bp->progs.bench_percpu4), 0, XDP_PASS },
	};
	enum { NV = sizeof(v) / sizeof(v[0]), NB = sizeof(m) / sizeof(m[0]) };
	struct pcase c, pc, fc;
	__u32 sid = e->n_sessions, rs1 = BENCH_N_RULESETS + 1;
	__u32 rs_bucket = BENCH_N_RULESETS + 2, rs_walk = BENCH_N_RULESETS + 3;
	struct xepc_session full = bench_session(sid);
	static struct pser best[NV][2];
	struct pser parse, fibw;
	struct ser bcost[NB], bbare, fibnet;
	struct opts o1 = *o;
	struct xepc_config cfg0, cfg;
	struct xepc_ruleset one, same, walk;
	__u32 zero = 0;
	int i, t, dir, err = 0;

	if (bpf_map_lookup_elem(e->fd_config, &zero, &cfg0))
		return -errno;
	memset(&one, 0, sizeof(one));
	if (bpf_map_lookup_elem(e->fd_rulesets, &full.ruleset_id, &one))
		return -errno;
	one.rules[0] = one.rules[XEPC_MAX_RULES - 1];
	one.n_rules = 1;
	xepc_ruleset_index(&one);
	if (bpf_map_update_elem(e->fd_rulesets, &rs1, &one, BPF_ANY))
		return -errno;
	/* the 15 non-matching rules 5120-5122, 5125-5127, ...: the flow's
	 * port 5201 is in the same bucket (5120-5375), not in a range */
	if (bpf_map_lookup_elem(e->fd_rulesets, &full.ruleset_id, &same))
		return -errno;
	walk = same;
	for (i = 0; i < XEPC_MAX_RULES - 1; i++) {
		same.rules[i].remote_port_lo = 5120 + 5 * i;
		same.rules[i].remote_port_hi = 5122 + 5 * i;
	}
	xepc_ruleset_index(&same);
	walk.flags &= ~XEPC_RS_INDEXED;
	if (bpf_map_update_elem(e->fd_rulesets, &rs_bucket, &same, BPF_ANY) ||
	    bpf_map_update_elem(e->fd_rulesets, &rs_walk, &walk, BPF_ANY))
		return -errno;
	o1.trials = 1;
	o1.verbose = 0;

	/* parse and pass: UDP to another port on the S1-U address */
	case_ul(e, &pc, sid, 64);
	pc.name = "not_gtpu";
	pc.frame[14 + 22] = 0x12;	/* destination port 0x1268 = 4712 */
	pc.frame[14 + 23] = 0x68;
	pc.head_delta = 0;
	pc.expect = XDP_PASS;
	pc.stat_key = XEPC_STAT_CNT(XEPC_CNT_NOT_GTPU_PASS);
	pc.usage_sid = 0;

	memset(best, 0, sizeof(best));
	memset(&parse, 0, sizeof(parse));
	memset(&fibw, 0, sizeof(fibw));
	memset(bcost, 0, sizeof(bcost));
	memset(&bbare, 0, sizeof(bbare));
	memset(&fibnet, 0, sizeof(fibnet));
	/* bench_fib behind the wrapper too: the building blocks measured the
	 * way the datapath is */
	memset(&fc, 0, sizeof(fc));
	fc.name = "fib_wrapped";
	fc.prog = e->prog_fib;
	fc.ifindex = e->if_s1u;
	fc.len = (__u32)bench_frame_dl(fc.frame, BENCH_UE_BASE + 1, 64);
	fc.expect = XDP_REDIRECT;
	fc.stat_key = NO_STAT;

	for (t = 0; t < o->trials && !err; t++) {
		for (i = 0; i < NV && !err; i++) {
			struct xepc_session s = full;

			s.ruleset_id = v[i].rules == 16 ? full.ruleset_id :
					v[i].rules == RULES_SAME_BUCKET ? rs_bucket :
					v[i].rules == RULES_UNINDEXED ? rs_walk : v[i].rules ? rs1 : 0;
			if (!v[i].meters)
				s.ul_meter_id = s.dl_meter_id = 0;
			if (!v[i].quota)
				s.charge_base = s.n_charge = 0;
			if (bpf_map_update_elem(e->fd_sessions, &sid, &s, BPF_EXIST))
				return -errno;
			cfg = cfg0;
			if (v[i].clock)
				cfg.clock_ns = XEPC_NS_PER_SEC;
			if (v[i].nat)
				cfg.mode = XEPC_MODE_NAT;
			if (v[i].rcoff)
				cfg.route_flags |= XEPC_RC_OFF;
			if (bpf_map_update_elem(e->fd_config, &zero, &cfg, BPF_ANY))
				return -errno;
			for (dir = 0; dir < 2 - v[i].nat && !err; dir++) {
				if (dir)
					case_dl(e, &c, sid, 64);
				else
					case_ul(e, &c, sid, 64);
				if (v[i].nat) {
					c.expect = XDP_PASS;
					c.stat_key = XEPC_STAT_CNT(XEPC_CNT_UL_NAT_PASS);
				}
				c.name = v[i].name;
				err = measure(e, &o1, &c, &best[i][dir]);
			}
			if (bpf_map_update_elem(e->fd_config, &zero, &cfg0, BPF_ANY))
				return -errno;
		}
		if (!err)
			err = measure(e, &o1, &pc, &parse);
		if (!err)
			err = blocks_trial(e, o, m, NB, bcost, &bbare);
		e->bp->bss->fib_flags = 0;
		e->bp->bss->fib_tbid = 0;
		if (!err)
			err = measure(e, &o1, &fc, &fibw);
		if (!err)
			ser_add(&fibnet, fibw.raw.v[fibw.raw.n - 1] - fibw.wrap.v[fibw.wrap.n - 1]);
	}
	if (bpf_map_update_elem(e->fd_sessions, &sid, &full, BPF_EXIST))
		return -errno;
	if (err)
		return err;

	for (i = 0; i < NV; i++)
		for (dir = 0; dir < 2 - v[i].nat; dir++)
			fig("ns/pkt", &best[i][dir].net, 0, "dp_cost_%s_%s", dir ? "dl" : "ul",
			    v[i].name);
	fig("ns/pkt", &parse.net, 0, "dp_cost_ul_not_gtpu_pass");
	fig("ns/pkt", &bbare, 0, "dp_cost_bare");
	fig("ns/pkt", &fibnet, 0, "dp_cost_fib_lookup_wrapped");
	for (i = 0; i < NB; i++)
		fig("ns/pkt", &bcost[i], 0, "dp_cost_%s", m[i].name);
	return 0;
}

/* ---------------------------------------------------------- live mode ---- */

static void on_alarm(int sig)
{
	(void)sig;	/* interrupts a live run that takes too long */
}

/* Sends o->live_frames copies of c's frame into the ingress of c->ifindex
 * through bench_wrap -> callee; returns the packets per second counted on
 * the far side of the veths, over wall time (*pps) and over the CPU time
 * of the thread that injects them (*pps_cpu: the test run, and the peer's
 * NAPI when it runs in this thread's softirq; not the time this thread
 * waited for a CPU on a shared host). */
static int live(struct bench_env *e, const struct opts *o, const struct pcase *c,
		int callee, double *pps, double *pps_cpu, long long *lost)
{
	struct xdp_md ctx = { .data_end = c->len, .ingress_ifindex = c->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = c->frame,
		    .data_size_in = c->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = o->live_frames,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	__u64 got;
	double t0, t1, c0, c1;
	int err;

	/* live mode resets the frame pointers itself: head_delta 0 */
	err = wrap_setup(e, c, callee, 0);
	if (!err)
		err = bench_rx_reset(e);
	if (err)
		return err;
	alarm(60);
	t0 = wall_s();
	c0 = cpu_ns();
	err = bpf_prog_test_run_opts(e->prog_wrap, &ro);
	c1 = cpu_ns();
	t1 = wall_s();
	alarm(0);
	if (err)
		return -errno;
	usleep(20000);	/* let the peer's NAPI finish */
	got = bench_rx_count(e);
	if (e->bp->bss->runs != o->live_frames || e->bp->bss->wrap_errors) {
		fprintf(stderr, "dp_bench: live %s: wrapper ran %llu of %u\n", c->name,
			(unsigned long long)e->bp->bss->runs, o->live_frames);
		return -EPROTO;
	}
	*pps = got / (t1 - t0);
	*pps_cpu = got / ((c1 - c0) * 1e-9);
	*lost = (long long)o->live_frames - (long long)got;	/* < 0: strays */
	return 0;
}

/*
 * Live frames through the veths, uplink and downlink: the datapath, then
 * the bare redirect behind the same wrapper, then the bare redirect alone,
 * in every trial; with spread, every frame is for another session of all
 * installed (the wrapper rewrites its TEID / UE address, as in the spread
 * per-packet runs).  Rates: median, best and spread of the trials; the
 * ratio to the bare redirect from the medians (median of the per-trial
 * ratios: the two runs of a trial are seconds apart and see the same
 * host), and from the bests.
 */
static int forwarding_one(struct bench_env *e, const struct opts *o, int spread)
{
	struct ser dp[2], bare[2], direct[2], ratio[2], dpc[2], barec[2], ratioc[2];
	long long lost, lost_max[2] = { 0, 0 };
	const char *tag = spread ? "_spread" : "";
	struct pcase c[2];
	double pps, dp_pps, pc, dp_pc;
	int dir, t, err;

	memset(dp, 0, sizeof(dp));
	memset(bare, 0, sizeof(bare));
	memset(direct, 0, sizeof(direct));
	memset(ratio, 0, sizeof(ratio));
	memset(dpc, 0, sizeof(dpc));
	memset(barec, 0, sizeof(barec));
	memset(ratioc, 0, sizeof(ratioc));
	case_ul(e, &c[0], spread ? 1 : e->n_sessions, 64);
	c[0].name = spread ? "uplink spread" : "uplink";
	case_dl(e, &c[1], spread ? 1 : e->n_sessions, 64);
	c[1].name = spread ? "downlink spread" : "downlink";
	if (spread) {
		c[0].rot_n = c[1].rot_n = e->n_sessions;
		c[0].rot_teid_off = BENCH_OFF_UL_TEID;
		c[0].rot_addr_off = BENCH_OFF_UL_UE;
		c[1].rot_addr_off = BENCH_OFF_DL_UE;
	}
	/* trials outermost, both directions in each: a slow stretch of the
	 * shared host hits one trial of each rather than all of one */
	for (t = 0; t < o->trials; t++) {
		for (dir = 0; dir < 2; dir++) {
			__u32 key = c[dir].stat_key;
			__u64 st0 = bench_stat(e, key);

			if ((err = live(e, o, &c[dir], c[dir].prog, &pps, &pc, &lost)))
				return err;
			if (bench_stat(e, key) - st0 != o->live_frames) {
				fprintf(stderr, "dp_bench: live %s: %llu forwarded of %u\n",
					c[dir].name, (unsigned long long)(bench_stat(e, key) - st0),
					o->live_frames);
				return -EPROTO;
			}
			ser_add(&dp[dir], pps);
			lost_max[dir] = lost > lost_max[dir] ? lost : lost_max[dir];
			dp_pps = pps;
			dp_pc = pc;
			ser_add(&dpc[dir], pc);

			/* bare redirect to the same egress veth, same wrapper */
			e->bp->bss->redirect_ifindex = dir ? e->if_s1u : e->if_sgi;
			if ((err = live(e, o, &c[dir], e->prog_redirect, &pps, &pc, &lost)))
				return err;
			ser_add(&bare[dir], pps);
			ser_add(&ratio[dir], 100.0 * dp_pps / pps);
			ser_add(&barec[dir], pc);
			ser_add(&ratioc[dir], 100.0 * dp_pc / pc);

			/* and without the wrapper, for reference */
			{
				struct xdp_md ctx = { .data_end = c[dir].len,
						      .ingress_ifindex = c[dir].ifindex };
				LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = c[dir].frame,
					    .data_size_in = c[dir].len, .ctx_in = &ctx,
					    .ctx_size_in = sizeof(ctx),
					    .repeat = o->live_frames,
					    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
				double t0;

				bench_rx_reset(e);
				alarm(60);
				t0 = wall_s();
				err = bpf_prog_test_run_opts(e->prog_redirect, &ro);
				pps = wall_s() - t0;
				alarm(0);
				if (err)
					return -errno;
				usleep(20000);
				pps = bench_rx_count(e) / pps;
				ser_add(&direct[dir], pps);
			}
		}
	}
	for (dir = 0; dir < 2; dir++) {
		const char *d = dir ? "dl" : "ul";
		char a[32], b2[32], lo[32], hi[32];

		if (o->verbose)
			printf("# %s live: %u frames/run, lost at most %lld\n", c[dir].name,
			       o->live_frames, lost_max[dir]);
		fig("pps", &dp[dir], 1, "dp_fwd_%s64%s_s%s", d, tag, count_str(e->n_sessions));
		fig("pps", &bare[dir], 1, "dp_fwd_bare_redirect_%s%s", d, tag);
		fig("pps", &direct[dir], 1, "dp_fwd_bare_redirect_%s%s_nowrap", d, tag);
		printf("bench: dp_fwd_%s64%s_vs_bare %s %% (median of per-trial ratios; "
		       "best/best %s, per-trial spread %s-%s)\n", d, tag,
		       num(a, ser_med(&ratio[dir])),
		       num(b2, 100.0 * ser_max(&dp[dir]) / ser_max(&bare[dir])),
		       num(lo, ser_min(&ratio[dir])), num(hi, ser_max(&ratio[dir])));
		/* the same runs over the injecting thread's CPU time: what a
		 * loaded host's scheduling adds to the wall time is left out */
		fig("pps", &dpc[dir], 1, "dp_fwd_%s64%s_s%s_cpu", d, tag, count_str(e->n_sessions));
		fig("pps", &barec[dir], 1, "dp_fwd_bare_redirect_%s%s_cpu", d, tag);
		printf("bench: dp_fwd_%s64%s_vs_bare_cpu %s %% (median of per-trial ratios; "
		       "best/best %s, per-trial spread %s-%s)\n", d, tag,
		       num(a, ser_med(&ratioc[dir])),
		       num(b2, 100.0 * ser_max(&dpc[dir]) / ser_max(&barec[dir])),
		       num(lo, ser_min(&ratioc[dir])), num(hi, ser_max(&ratioc[dir])));
	}
	return 0;
}

static int forwarding(struct bench_env *e, const struct opts *o)
{
	int err = forwarding_one(e, o, 0);

	return err ? err : forwarding_one(e, o, 1);
}

/* ----------------------------------------------------------- sessions ---- */

static int memory(struct bench_env *e)
{
	const struct { const char *name; int fd; } m[] = {
		{ XEPC_MAP_SESSIONS, e->fd_sessions }, { XEPC_MAP_UE, e->fd_ue },
		{ XEPC_MAP_USAGE, e->fd_usage }, { XEPC_MAP_UE_DIRECT, e->fd_ue_direct },
		{ XEPC_MAP_METERS, e->fd_meters },
		{ XEPC_MAP_CHARGING, e->fd_charging },
	};
	long long core = 0, all = 0, v;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		v = bench_map_memlock(m[i].fd);
		if (v < 0)
			return -EIO;
		printf("# memlock %-15s %lld bytes\n", m[i].name, v);
		all += v;
		if (i < 4)
			core += v;
	}
	v = bench_map_memlock(e->fd_rulesets);
	printf("# memlock %-14s %lld bytes (%u shared rulesets of 16 rules)\n",
	       XEPC_MAP_RULESETS, v, BENCH_N_RULESETS);
	fig1("bytes/session", (double)core / BENCH_MAX_SESSIONS, "dp_mem_per_session_core");
	fig1("bytes/session", (double)all / BENCH_MAX_SESSIONS, "dp_mem_per_session_full");
	return 0;
}

static void usage(const char *argv0)
{
	printf("usage: %s [-q] [-v] [-r REPEAT] [-t TRIALS] [-s MAX_SESSIONS] [-l LIVE_FRAMES]\n"
	       "          [-p PARTS]\n"
	       "\n"
	       "Measures the XDP datapath of bpf/ in a private network namespace:\n"
	       "per-packet cost (BPF_PROG_TEST_RUN, wrapper subtracted, against a bare\n"
	       "XDP_PASS program) with 1, 100k and 1M sessions, packets per second\n"
	       "through veths (live frames) against a bare redirect, session install\n"
	       "rate and kernel memory per session.  Needs root.\n"
	       "\n"
	       "  -r N   repeats per BPF_PROG_TEST_RUN (default 1000000)\n"
	       "  -t N   trials per figure: median, best and spread printed (default 7,\n"
	       "         at most 64)\n"
	       "  -s N   sessions at most: 1, 100000 or 1000000 (default)\n"
	       "  -l N   frames per live-mode run (default 2000000)\n"
	       "  -q     quick: -r 100000 -t 1 -l 200000\n"
	       "  -v     details (raw, wrapper and bare costs) and libbpf messages\n"
	       "  -p P   parts to run, comma-separated: table, spread, breakdown,\n"
	       "         forward, install, mem (default all; the batched install that\n"
	       "         fills the maps always runs)\n",
	       argv0);
}

static int quiet_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	if (l == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static void machine(void)
{
	char line[256], model[200] = "?";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %199[^\n]", model) == 1)
			break;
	if (f)
		fclose(f);
	uname(&u);
	printf("# cpu: %s, %ld online; kernel %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

static int parse_parts(char *s)
{
	static const char *const names[] = { "table", "spread", "breakdown", "forward",
					      "install", "mem" };
	int parts = 0;
	size_t i;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			fprintf(stderr, "dp_bench: unknown part '%s'\n", tok);
			return -1;
		}
		parts |= 1 << i;
	}
	return parts;
}

int main(int argc, char **argv)
{
	struct opts o = { .repeat = 1000000, .trials = 7, .max_sessions = 1000000,
			  .live_frames = 2000000, .parts = PART_ALL };
	static const __u32 steps[] = { 1, 100000, 1000000 };
	struct bench_install ti, tot;
	struct sigaction sa = { .sa_handler = on_alarm };
	double ul1m = 0, dl1m = 0;
	struct ser bare_all = { 0 };
	int c, err = 0;
	struct bench_env e;
	size_t i;

	while ((c = getopt(argc, argv, "qvr:t:s:l:p:h")) != -1) {
		switch (c) {
		case 'p':
			o.parts = parse_parts(optarg);
			if (o.parts < 0) {
				usage(argv[0]);
				return 2;
			}
			break;
		case 'q':
			o.repeat = 100000, o.trials = 1, o.live_frames = 200000;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'r':
			o.repeat = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.trials = atoi(optarg);
			break;
		case 's':
			o.max_sessions = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			o.live_frames = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!o.repeat || o.trials < 1 || o.trials > BENCH_MAX_TRIALS || !o.live_frames) {
		usage(argv[0]);
		return 2;
	}
	memset(&tot, 0, sizeof(tot));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("# dp_bench: needs root (network namespace, XDP); skipped\n");
		return 0;
	}
	if (!o.verbose)
		libbpf_set_print(quiet_print);
	sigaction(SIGALRM, &sa, NULL);
	machine();
	err = bench_env_open(&e);
	if (err) {
		fprintf(stderr, "dp_bench: cannot set up the datapath: %s\n", strerror(-err));
		bench_env_close(&e);
		return 1;
	}
	printf("# repeat %u, %d trials per figure; sessions with 16 rules (the packet "
	       "matches the 16th), UL/DL AMBR meters, online quota\n", o.repeat, o.trials);

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) && steps[i] <= o.max_sessions; i++) {
		err = bench_install_batch(&e, steps[i], &ti);
		if (err)
			goto out;
		tot.core_s += ti.core_s;
		tot.policy_s += ti.policy_s;
		tot.ue_s += ti.ue_s;
		tot.direct_s += ti.direct_s;
		tot.usage_s += ti.usage_s;
		tot.sess_s += ti.sess_s;
		tot.charge_s += ti.charge_s;
		if (!(o.parts & PART_TABLE))
			continue;
		err = block(&e, &o, steps[i] == 1000000 ? &ul1m : NULL,
			    steps[i] == 1000000 ? &dl1m : NULL, &bare_all);
		if (err)
			goto out;
	}
	if (bare_all.n)
		fig("ns/pkt", &bare_all, 0, "dp_bare_xdp_pass");
	if (((o.parts & PART_SPREAD) && (err = spread(&e, &o))) ||
	    ((o.parts & PART_BREAKDOWN) && (err = breakdown(&e, &o))) ||
	    ((o.parts & PART_MEM) && (err = mem_kinds(&e, &o))) ||
	    ((o.parts & PART_FORWARD) && (err = forwarding(&e, &o))))
		goto out;

	printf("# batched install of %u sessions, ns/session: UE hash %.0f, UE slot (mmap) %.0f, "
	       "usage with the 2 AMBR buckets %.0f, session %.0f, charging slot (mmap) %.0f\n",
	       e.n_sessions, tot.ue_s * 1e9 / e.n_sessions, tot.direct_s * 1e9 / e.n_sessions,
	       tot.usage_s * 1e9 / e.n_sessions,
	       tot.sess_s * 1e9 / e.n_sessions, tot.charge_s * 1e9 / e.n_sessions);
	fig1("sessions/s", e.n_sessions / tot.core_s, "dp_session_install_batch");
	fig1("sessions/s", e.n_sessions / (tot.core_s + tot.policy_s),
	     "dp_session_install_batch_full");
	if (o.parts & PART_INSTALL) {
		__u32 n = e.n_sessions < SINGLE_N ? e.n_sessions : SINGLE_N;

		if ((err = bench_install_single(&e, n, &ti)))
			goto out;
		fig1("sessions/s", n / ti.core_s, "dp_session_install_single");
		fig1("sessions/s", n / (ti.core_s + ti.policy_s), "dp_session_install_single_full");
	}
	if ((o.parts & PART_INSTALL) && (err = memory(&e)))
		goto out;
	if (ul1m > 0)
		printf("# target: uplink and downlink at 1M sessions <= 4x bare (medians): "
		       "uplink %.2fx (%s), downlink %.2fx (%s)\n",
		       ul1m, ul1m <= 4 ? "met" : "NOT met", dl1m, dl1m <= 4 ? "met" : "NOT met");
out:
	if (err)
		fprintf(stderr, "dp_bench: failed: %s\n", strerror(-err));
	bench_env_close(&e);
	return err ? 1 : 0;
}
