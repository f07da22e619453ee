// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_dp — the BPF side of tools/bench/dp_bench (benchmarks only).
 *
 * BPF_PROG_TEST_RUN with repeat > 1 runs every repeat on the same buffer
 * (and BPF_F_TEST_XDP_LIVE_FRAMES recycles pages without rewriting their
 * contents), so a program that decapsulates or encapsulates would see its
 * own output from the second repeat on.  bench_wrap puts the original
 * frame back before every repeat and tail-calls the program under test
 * (bench_progs[0]); its own cost is measured by tail-calling bench_pass
 * instead, with the same frame and the same work, and subtracted.
 *
 *   bench_wrap        restore the frame, optionally rotate the session,
 *                     tail-call bench_progs[0]
 *   bench_pass        the bare program: XDP_PASS
 *   bench_redirect    the bare forwarder: bpf_redirect(redirect_ifindex)
 *   bench_fib         one bpf_fib_lookup (cost analysis), XDP_REDIRECT on
 *                     success
 *   bench_count_drop  the far side of the veths: count, XDP_DROP
 *   bench_atomic4     four atomic adds to one map value (cost analysis)
 *   bench_percpu4     four plain adds to a per-CPU map value
 *   bench_spinlock    one bpf_spin_lock/unlock around a token-bucket-like
 *                     update with a 64-bit division
 *   bench_spin_only   one bpf_spin_lock/unlock, nothing inside
 *   bench_ktime       one bpf_ktime_get_ns
 *   bench_gcra        a lock-free meter: ktime + one compare-and-swap of a
 *                     theoretical arrival time (GCRA), no division
 *   bench_ue_lookup   xepc_ue (hash) lookup of the UE of session
 *                     1 + hash(i) % rot_n — hot when rot_n is 1
 *   bench_sess_lookup xepc_sessions (array) lookup of the same session
 *   bench_ue_direct   xepc_ue_direct (array) lookup of the same UE, as the
 *                     datapath does it (slot, one 8-byte load, compare)
 *   bench_model_maps  what an uplink packet does to its session's state in
 *                     the maps of today (docs/datapath.md "What one packet
 *                     touches"): copy the session, the AMBR meter's
 *                     compare-and-swap and green counters, the rating
 *                     group's quota and counters, the usage counters —
 *                     eight locked instructions on four maps
 *   bench_model_touch the same, every entry loaded first (dp_touch())
 *   bench_model_hot   the same eight locked instructions and the same
 *                     session copy on one 128-byte value per session
 *                     (bench_hot): the layout the docs propose
 *   bench_model_hot2  the same with two locked instructions (meter,
 *                     quota) and the six counters added plainly
 *                   (the model programs add zero: the maps keep their
 *                   state; the rulesets, shared, are left out of all of them)
 *   bench_mem_*       the per-session state of today's datapath (the
 *                     session's bank, the APN-AMBR bucket's compare-and-swap,
 *                     the usage counters of its xepc_usage value; the rating
 *                     group's quota and counters: six locked instructions)
 *                     with the values in memory of another kind: mmapable
 *                     arrays (vmalloc, 4 KiB pages: today), arrays of maps
 *                     whose inner arrays are at most 32 KiB (kmalloc: the
 *                     kernel's direct map, 2 MiB / 1 GiB pages), elements of
 *                     BPF_F_NO_PREALLOC hashes (kmalloc too, behind a
 *                     vmalloc'ed bucket array); the downlink's UE slot and a
 *                     ruleset's lines likewise (docs/PERFORMANCE.md "Cold
 *                     sessions, step 3")
 *
 * Configuration and results are global variables (the skeleton maps them).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xepc_dp.h"

char LICENSE[] SEC("license") = "GPL";

#define BENCH_FRAME_MAX 2048	/* power of 2 */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_progs SEC(".maps");

/* far-side packet counter, one per CPU (NAPI of the peer veth) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_rx SEC(".maps");

struct bench_cell {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 a, b, c, d;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_cell);
} bench_cells SEC(".maps");

/* The per-CPU cell has no lock: the kernel refuses a bpf_spin_lock in a
 * per-CPU map's value (libbpf then printed "Error in
 * bpf_create_map_xattr(bench_pcpu)" and retried without BTF). */
struct bench_pcpu_cell {
	__u64 a, b, c, d;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_pcpu_cell);
} bench_pcpu SEC(".maps");

/* the datapath's own maps, given to this object with bpf_map__reuse_fd */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __be32);
	__type(value, __u32);
} bench_ue SEC(".maps");

struct bench_ue_direct_ {
	__be32 ue_addr;
	__u32 sid;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_ue_direct_);
} bench_ue_direct_map SEC(".maps");

struct bench_session_ {
	__u32 w[12];	/* struct xepc_session: 48 bytes, flags at w[4] */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_session_);
} bench_sessions SEC(".maps");

/* for the layout model: the datapath's maps (bpf_map__reuse_fd) and one
 * 128-byte value per session */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_session);
} bench_sess_model SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_usage);
} bench_usage_model SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_meter);
} bench_meters_model SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_charge);
} bench_charging_model SEC(".maps");

/* One session's state in one value: line 0 what a packet reads (the
 * session's 48 bytes and the meter's rate and reciprocal), line 1 what it
 * writes (mmapable: page-aligned, so each value is exactly two lines). */
struct bench_hot_ {
	__u64 ro[8];
	__u64 tat, green_pkts, green_bytes, remaining;
	__u64 rg_bytes, rg_pkts, bytes, pkts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__type(value, struct bench_hot_);
} bench_hot SEC(".maps");

/* ---- memory kinds (bench_mem_*): the same values as the datapath's
 * xepc_usage, xepc_charging, xepc_ue_direct and xepc_rulesets, copied by
 * userspace into maps the kernel allocates otherwise ---- */
#define BENCH_AOM_USAGE_SHIFT	6	/* 64 values of 256 B an inner array */
#define BENCH_AOM_CHARGE_SHIFT	8	/* 256 slots of 64 B */
#define BENCH_AOM_UED_SHIFT	11	/* 2048 slots of 8 B */

struct bench_usage_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << BENCH_AOM_USAGE_SHIFT);
	__type(key, __u32);
	__type(value, struct xepc_usage);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__array(values, struct bench_usage_inner);
} bench_usage_aom SEC(".maps");

struct bench_charge_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << BENCH_AOM_CHARGE_SHIFT);
	__type(key, __u32);
	__type(value, struct xepc_charge);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__array(values, struct bench_charge_inner);
} bench_charge_aom SEC(".maps");

struct bench_ued_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << BENCH_AOM_UED_SHIFT);
	__type(key, __u32);
	__type(value, struct bench_ue_direct_);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__array(values, struct bench_ued_inner);
} bench_ued_aom SEC(".maps");

struct bench_rs_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	/* by size: clang leaves the struct a forward declaration in the
	 * inner map's BTF, which libbpf refuses */
	__uint(value_size, sizeof(struct xepc_ruleset));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__array(values, struct bench_rs_inner);
} bench_rs_aom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__type(value, struct xepc_usage);
} bench_usage_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__type(value, struct xepc_charge);
} bench_charge_hash SEC(".maps");

/* the usage value with the default rating group's charging slot inside
 * (its fifth line), 512 bytes so that values stay page-aligned */
struct bench_big_ {
	struct xepc_usage u;
	struct xepc_charge c;
	__u8 pad[512 - sizeof(struct xepc_usage) - sizeof(struct xepc_charge)];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, __u32);
	__type(value, struct bench_big_);
} bench_big SEC(".maps");

/* the datapath's rulesets (bpf_map__reuse_fd) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_ruleset);
} bench_rs_model SEC(".maps");

/* ---- set by userspace before a run ---- */
volatile __u64 model_zero;	/* what the model programs add (0; volatile
				 * so that the adds stay locked adds) */
__u8 frame[BENCH_FRAME_MAX];	/* the original frame */
__u32 frame_len;		/* its length, bytes */
__u32 restore_len;		/* bytes of frame[] written back every repeat
				 * (<= frame_len): at least every byte the
				 * program under test writes */
__s32 head_delta;		/* bytes the program under test moves the
				 * head forward (bpf_xdp_adjust_head); 0 in
				 * live-frames mode, where the kernel resets
				 * the pointers itself */
__u32 rot_n;			/* 0: always the same session; else the
				 * session id of repeat i is 1 + hash(i) % rot_n */
__u32 rot_teid_off;		/* offset of a be32 TEID := sid (0 = none) */
__u32 rot_addr_off;		/* offset of a be32 address := base + sid */
__u32 rot_addr_base;		/* host order */
__u32 ue_direct_mask;		/* xepc_config.ue_direct_mask */
__u32 redirect_ifindex;		/* bench_redirect target */
__be32 fib_src, fib_dst;	/* bench_fib lookup */
__u32 fib_flags;		/* bench_fib: e.g. BPF_FIB_LOOKUP_DIRECT */
__u32 fib_tbid;			/* table for BPF_FIB_LOOKUP_DIRECT */

/* ---- results ---- */
__u64 runs;			/* repeats bench_wrap saw (reset by userspace) */
__u64 wrap_errors;		/* restore failed (XDP_ABORTED returned) */
__u64 tail_fail;		/* tail call did not happen */

static __always_inline int put_be32(struct xdp_md *ctx, __u32 off, __u32 v)
{
	__be32 be = bpf_htonl(v);

	return bpf_xdp_store_bytes(ctx, off, &be, sizeof(be));
}

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	__u32 len = frame_len, rlen = restore_len, cur;
	__u64 i = runs++;
	int delta = i ? -head_delta : 0;

	/* Both helpers run on every repeat (with delta 0 when nothing
	 * moved) so that the wrapper costs the same in front of any program. */
	if (bpf_xdp_adjust_head(ctx, delta))
		goto err;
	{
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;

		cur = end - data;
		/* keep the compiler from folding len - (end - data) into
		 * pointer arithmetic the verifier refuses */
		asm volatile("" : "+r"(cur));
	}
	if (bpf_xdp_adjust_tail(ctx, (int)len - (int)cur))
		goto err;
	if (rlen - 1 >= BENCH_FRAME_MAX)
		goto err;
	if (bpf_xdp_store_bytes(ctx, 0, frame, rlen))
		goto err;
	if (rot_n) {
		/* Knuth's multiplicative hash: consecutive repeats land on
		 * sessions far apart, so the lookups miss the caches the way
		 * traffic of many UEs does. */
		__u32 sid = 1 + (__u32)(i * 2654435761u) % rot_n;

		if (rot_teid_off && put_be32(ctx, rot_teid_off, sid))
			goto err;
		if (rot_addr_off && put_be32(ctx, rot_addr_off, rot_addr_base + sid))
			goto err;
	}
	bpf_tail_call(ctx, &bench_progs, 0);
	tail_fail++;
	return XDP_ABORTED;
err:
	wrap_errors++;
	return XDP_ABORTED;
}

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bench_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(redirect_ifindex, 0);
}

#ifndef AF_INET
#define AF_INET 2
#endif

SEC("xdp")
int bench_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib = {};

	fib.family = AF_INET;
	fib.l4_protocol = 17;
	fib.tot_len = 64;
	fib.ipv4_src = fib_src;
	fib.ipv4_dst = fib_dst;
	fib.ifindex = ctx->ingress_ifindex;
	fib.tbid = fib_tbid;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), fib_flags) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_ABORTED;
	return XDP_REDIRECT;
}

SEC("xdp")
int bench_count_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bench_rx, &zero);

	if (n)
		(*n)++;
	return XDP_DROP;
}

SEC("xdp")
int bench_atomic4(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_cell *c = bpf_map_lookup_elem(&bench_cells, &zero);

	if (!c)
		return XDP_ABORTED;
	__sync_fetch_and_add(&c->a, 1);
	__sync_fetch_and_add(&c->b, 64);
	__sync_fetch_and_add(&c->c, 1);
	__sync_fetch_and_add(&c->d, 64);
	return XDP_PASS;
}

SEC("xdp")
int bench_percpu4(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_pcpu_cell *c = bpf_map_lookup_elem(&bench_pcpu, &zero);

	if (!c)
		return XDP_ABORTED;
	c->a += 1;
	c->b += 64;
	c->c += 1;
	c->d += 64;
	return XDP_PASS;
}

SEC("xdp")
int bench_spinlock(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_cell *c = bpf_map_lookup_elem(&bench_cells, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!c)
		return XDP_ABORTED;
	bpf_spin_lock(&c->lock);
	if (now > c->a)
		c->b += (now - c->a) / (c->c | 1);
	c->a = now;
	bpf_spin_unlock(&c->lock);
	return XDP_PASS;
}

SEC("xdp")
int bench_spin_only(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_cell *c = bpf_map_lookup_elem(&bench_cells, &zero);

	if (!c)
		return XDP_ABORTED;
	bpf_spin_lock(&c->lock);
	c->a++;
	bpf_spin_unlock(&c->lock);
	return XDP_PASS;
}

SEC("xdp")
int bench_ktime(struct xdp_md *ctx)
{
	return bpf_ktime_get_ns() ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bench_gcra(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_pcpu_cell *c = bpf_map_lookup_elem(&bench_pcpu, &zero);
	__u64 now = bpf_ktime_get_ns(), tat, next, inc;

	if (!c)
		return XDP_ABORTED;
	/* c->b: ns per byte in 32.32 fixed point, c->d: burst as ns */
	inc = (64 * c->b) >> 32;
	tat = c->a;
	next = (tat > now ? tat : now) + inc;
	if (next - now > c->d + inc)
		return XDP_DROP;
	if (__sync_val_compare_and_swap(&c->a, tat, next) != tat)
		return XDP_DROP;
	return XDP_PASS;
}

static __always_inline __u32 rot_sid(void)
{
	__u64 i = runs++;

	return 1 + (__u32)(i * 2654435761u) % (rot_n ? rot_n : 1);
}

SEC("xdp")
int bench_ue_lookup(struct xdp_md *ctx)
{
	__be32 ue = bpf_htonl(rot_addr_base + rot_sid());
	__u32 *sid = bpf_map_lookup_elem(&bench_ue, &ue);

	return sid && *sid ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int bench_ue_direct(struct xdp_md *ctx)
{
	__u32 host = rot_addr_base + rot_sid(), slot = host & ue_direct_mask;
	struct bench_ue_direct_ *d = bpf_map_lookup_elem(&bench_ue_direct_map, &slot);
	union {
		__u64 w;
		struct bench_ue_direct_ d;
	} v;

	if (!d)
		return XDP_ABORTED;
	v.w = *(volatile __u64 *)d;
	return v.d.ue_addr == bpf_htonl(host) && v.d.sid ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int bench_sess_lookup(struct xdp_md *ctx)
{
	__u32 sid = rot_sid();
	struct bench_session_ *s = bpf_map_lookup_elem(&bench_sessions, &sid);

	return s && s->w[4] ? XDP_PASS : XDP_ABORTED;
}

/* ------------------------------------------------ the layout model ---- */

static __always_inline void model_touch(const void *p)
{
	__u8 v = *(const volatile __u8 *)p;

	(void)v;
}

static __always_inline int model_maps(int touch)
{
	__u32 sid = rot_sid(), mid, idx;
	__u64 z = model_zero, tat;
	struct xepc_session *s, copy;
	struct xepc_usage *u;
	struct xepc_meter *m;
	struct xepc_charge *c;

	u = bpf_map_lookup_elem(&bench_usage_model, &sid);
	if (!u)
		return XDP_ABORTED;
	if (touch)
		model_touch(u);
	s = bpf_map_lookup_elem(&bench_sess_model, &sid);
	if (!s)
		return XDP_ABORTED;
	__builtin_memcpy(&copy, s, sizeof(copy));
	if (!(copy.flags & XEPC_SF_ACTIVE))
		return XDP_ABORTED;
	/* the meter the bench writes for this model (the AMBR in xepc_meters,
	 * as before it moved into xepc_usage) */
	mid = 2 * sid;
	idx = copy.charge_base + copy.default_slot;
	m = bpf_map_lookup_elem(&bench_meters_model, &mid);
	c = bpf_map_lookup_elem(&bench_charging_model, &idx);
	if (!m || !c)
		return XDP_ABORTED;
	if (touch) {
		model_touch(&m->rate);
		model_touch(&m->green_bytes);
		model_touch(c);
	}
	if (!m->rate || !m->inc_per_byte)
		return XDP_ABORTED;
	tat = *(volatile __u64 *)&m->tat;
	__sync_val_compare_and_swap(&m->tat, tat, tat);
	__sync_fetch_and_add(&m->green_pkts, z);
	__sync_fetch_and_add(&m->green_bytes, z);
	if (__sync_fetch_and_add(&c->remaining, -(__s64)z) < 0)
		return XDP_ABORTED;
	__sync_fetch_and_add(&c->ul_bytes, z);
	__sync_fetch_and_add(&c->ul_pkts, z);
	__sync_fetch_and_add(&u->ul_bytes, z);
	__sync_fetch_and_add(&u->ul_pkts, z);
	return XDP_PASS;
}

SEC("xdp")
int bench_model_maps(struct xdp_md *ctx)
{
	return model_maps(0);
}

SEC("xdp")
int bench_model_touch(struct xdp_md *ctx)
{
	return model_maps(1);
}

/* locked: every counter with a locked add (as today); else only the two
 * that must be exact across CPUs (the meter's compare-and-swap and the
 * quota's fetch-and-add) and the six counters with plain adds (what they
 * would cost kept per CPU, at best) */
static __always_inline int model_hot(int locked)
{
	__u32 sid = rot_sid();
	__u64 z = model_zero, tat, ro[8];
	struct bench_hot_ *h = bpf_map_lookup_elem(&bench_hot, &sid);

	if (!h)
		return XDP_ABORTED;
	__builtin_memcpy(ro, h->ro, sizeof(ro));
	if (!ro[0] || !ro[6] || !ro[7])
		return XDP_ABORTED;
	tat = *(volatile __u64 *)&h->tat;
	__sync_val_compare_and_swap(&h->tat, tat, tat);
	if (__sync_fetch_and_add(&h->remaining, -(__s64)z) < 0)
		return XDP_ABORTED;
	if (locked) {
		__sync_fetch_and_add(&h->green_pkts, z);
		__sync_fetch_and_add(&h->green_bytes, z);
		__sync_fetch_and_add(&h->rg_bytes, z);
		__sync_fetch_and_add(&h->rg_pkts, z);
		__sync_fetch_and_add(&h->bytes, z);
		__sync_fetch_and_add(&h->pkts, z);
	} else {
		*(volatile __u64 *)&h->green_pkts += z;
		*(volatile __u64 *)&h->green_bytes += z;
		*(volatile __u64 *)&h->rg_bytes += z;
		*(volatile __u64 *)&h->rg_pkts += z;
		*(volatile __u64 *)&h->bytes += z;
		*(volatile __u64 *)&h->pkts += z;
	}
	return XDP_PASS;
}

SEC("xdp")
int bench_model_hot(struct xdp_md *ctx)
{
	return model_hot(1);
}

SEC("xdp")
int bench_model_hot2(struct xdp_md *ctx)
{
	return model_hot(0);
}

/* ------------------------------------------ memory kinds (bench_mem_*) ---- */

enum { MK_MMAP, MK_AOM, MK_HASH, MK_BIG };

static __always_inline struct xepc_usage *mem_usage(int kind, __u32 sid)
{
	__u32 hi = sid >> BENCH_AOM_USAGE_SHIFT, lo = sid & ((1 << BENCH_AOM_USAGE_SHIFT) - 1);
	void *in;

	if (kind == MK_MMAP)
		return bpf_map_lookup_elem(&bench_usage_model, &sid);
	if (kind == MK_HASH)
		return bpf_map_lookup_elem(&bench_usage_hash, &sid);
	if (kind == MK_BIG)
		return bpf_map_lookup_elem(&bench_big, &sid);
	in = bpf_map_lookup_elem(&bench_usage_aom, &hi);
	return in ? bpf_map_lookup_elem(in, &lo) : NULL;
}

static __always_inline struct xepc_charge *mem_charge(int kind, __u32 idx)
{
	__u32 hi = idx >> BENCH_AOM_CHARGE_SHIFT, lo = idx & ((1 << BENCH_AOM_CHARGE_SHIFT) - 1);
	void *in;

	if (kind == MK_MMAP)
		return bpf_map_lookup_elem(&bench_charging_model, &idx);
	if (kind == MK_HASH)
		return bpf_map_lookup_elem(&bench_charge_hash, &idx);
	in = bpf_map_lookup_elem(&bench_charge_aom, &hi);
	return in ? bpf_map_lookup_elem(in, &lo) : NULL;
}

/* the downlink's UE slot: UE address -> session id, as bench_ue_direct */
static __always_inline __u32 mem_ued(int kind, __u32 host)
{
	__u32 slot = host & ue_direct_mask;
	__u32 hi = slot >> BENCH_AOM_UED_SHIFT, lo = slot & ((1 << BENCH_AOM_UED_SHIFT) - 1);
	struct bench_ue_direct_ *d;
	union {
		__u64 w;
		struct bench_ue_direct_ d;
	} v;
	void *in;

	if (kind == MK_AOM) {
		in = bpf_map_lookup_elem(&bench_ued_aom, &hi);
		d = in ? bpf_map_lookup_elem(in, &lo) : NULL;
	} else {
		d = bpf_map_lookup_elem(&bench_ue_direct_map, &slot);
	}
	if (!d)
		return 0;
	v.w = *(volatile __u64 *)d;
	return v.d.ue_addr == bpf_htonl(host) ? v.d.sid : 0;
}

/* What a packet reads of its ruleset with the candidate index: the header,
 * the direction masks, three candidate-index entries, one rule (six lines). */
static __always_inline int mem_ruleset(int kind, __u32 id)
{
	struct xepc_ruleset *rs;
	__u32 zero = 0, m;
	void *in;

	if (kind == MK_AOM) {
		in = bpf_map_lookup_elem(&bench_rs_aom, &id);
		rs = in ? bpf_map_lookup_elem(in, &zero) : NULL;
	} else {
		rs = bpf_map_lookup_elem(&bench_rs_model, &id);
	}
	if (!rs)
		return -1;
	m = *(volatile __u16 *)&rs->ul_mask;
	m &= *(volatile __u16 *)&rs->remote_port_mask[4];
	m &= *(volatile __u16 *)&rs->ue_port_mask[200];
	m &= *(volatile __u16 *)&rs->remote_octet_mask[10];
	m |= *(volatile __u32 *)&rs->n_rules;
	m |= *(volatile __u32 *)&rs->rules[XEPC_MAX_RULES - 1];
	return m ? 0 : -1;
}

/* The session's state as an uplink packet with full policy uses it today:
 * the live bank (line 0), the APN-AMBR bucket's compare-and-swap (line 3),
 * the usage counters (line 2), the rating group's quota and counters
 * (its xepc_charging slot): six locked instructions. */
static __always_inline int mem_state(struct xepc_usage *u, struct xepc_charge *c)
{
	__u64 z = model_zero, tat;
	struct xepc_session copy;

	__builtin_memcpy(&copy, &u->sess, sizeof(copy));
	if (!(copy.flags & XEPC_SF_ACTIVE))
		return XDP_ABORTED;
	if (!u->ul_ambr.inc_per_byte)
		return XDP_ABORTED;
	tat = *(volatile __u64 *)&u->ul_ambr.tat;
	__sync_val_compare_and_swap(&u->ul_ambr.tat, tat, tat);
	if (c) {
		if (__sync_fetch_and_add(&c->remaining, -(__s64)z) < 0)
			return XDP_ABORTED;
		__sync_fetch_and_add(&c->ul_bytes, z);
		__sync_fetch_and_add(&c->ul_pkts, z);
	}
	__sync_fetch_and_add(&u->ul_bytes, z);
	__sync_fetch_and_add(&u->ul_pkts, z);
	return XDP_PASS;
}

/* uk: the usage value's kind; ck: the charging slot's (-1: none); dk: the
 * UE slot's (-1: none, uplink); rk: the ruleset's (-1: none) */
static __always_inline int mem_model(int uk, int ck, int dk, int rk)
{
	__u32 sid = rot_sid(), idx;
	struct xepc_usage *u;
	struct xepc_charge *c = NULL;

	/* the downlink finds the session id in the UE's slot: the value's
	 * load depends on it, as in the datapath */
	if (dk >= 0 && !(sid = mem_ued(dk, rot_addr_base + sid)))
		return XDP_ABORTED;
	u = mem_usage(uk, sid);
	if (!u)
		return XDP_ABORTED;
	if (rk >= 0 && mem_ruleset(rk, u->sess.ruleset_id))
		return XDP_ABORTED;
	if (ck == MK_BIG) {
		c = &((struct bench_big_ *)u)->c;
	} else if (ck >= 0) {
		idx = u->sess.charge_base + u->sess.default_slot;
		c = mem_charge(ck, idx);
		if (!c)
			return XDP_ABORTED;
	}
	return mem_state(u, c);
}

#define MEM_PROG(name, uk, ck, dk, rk)				\
SEC("xdp")							\
int bench_mem_##name(struct xdp_md *ctx)			\
{								\
	return mem_model(uk, ck, dk, rk);			\
}

MEM_PROG(mmap_value, MK_MMAP, -1, -1, -1)
MEM_PROG(aom_value, MK_AOM, -1, -1, -1)
MEM_PROG(hash_value, MK_HASH, -1, -1, -1)
MEM_PROG(mmap, MK_MMAP, MK_MMAP, -1, -1)
MEM_PROG(aom, MK_AOM, MK_AOM, -1, -1)
MEM_PROG(aom_value_mmap_charge, MK_AOM, MK_MMAP, -1, -1)
MEM_PROG(hash, MK_HASH, MK_HASH, -1, -1)
MEM_PROG(hash_value_mmap_charge, MK_HASH, MK_MMAP, -1, -1)
MEM_PROG(ruleset_array, MK_MMAP, -1, -1, MK_MMAP)
MEM_PROG(ruleset_aom, MK_AOM, -1, -1, MK_AOM)
MEM_PROG(dl_mmap, MK_MMAP, MK_MMAP, MK_MMAP, MK_MMAP)
MEM_PROG(dl_aom, MK_AOM, MK_AOM, MK_AOM, MK_AOM)
MEM_PROG(charge_inside, MK_BIG, MK_BIG, -1, -1)
MEM_PROG(dl_charge_inside, MK_BIG, MK_BIG, MK_MMAP, MK_MMAP)
