/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dp_common.h — what uplink and downlink share once the packet is parsed:
 * statistics, the clock, events, SDF rules, meters, charging and the idle
 * buffer.  See docs/datapath.md for the order in which they apply.
 */
#ifndef XEPC_DP_COMMON_H
#define XEPC_DP_COMMON_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xepc_dp.h"
#include "maps.h"
#include "parse.h"

#ifndef AF_INET
#define AF_INET 2
#endif

/* ---------------------------------------------------- packet rewrites ---- */

/* Rewrite one address of an inner IPv4 packet (*field is iph->saddr or
 * iph->daddr) with incremental updates of the IPv4 header checksum and of
 * the TCP/UDP checksum over the pseudo header.  Non-first fragments carry
 * no L4 header; a UDP checksum of 0 means "none" and stays so; a result of
 * 0 is sent as 0xffff (RFC 768). */
static __always_inline void rewrite_ip_addr(void *end, struct iphdr *iph,
					    __u32 ihl, __be32 *field, __be32 to)
{
	__be32 from = *field;

	if (iph->frag_off & bpf_htons(IP_OFFMASK_) || ihl > 60)
		goto l3;
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)iph + ihl;

		if ((void *)(th + 1) <= end)
			csum_replace4(&th->check, from, to);
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)iph + ihl;

		if ((void *)(uh + 1) <= end && uh->check) {
			csum_replace4(&uh->check, from, to);
			if (!uh->check)
				uh->check = 0xffff;
		}
	}
l3:
	csum_replace4(&iph->check, from, to);
	*field = to;
}

/* -------------------------------------------------------- statistics ---- */

static __always_inline void stat_add(__u32 key, __u32 bytes)
{
	struct xepc_stat *st = bpf_map_lookup_elem(&xepc_stats, &key);

	if (st) {
		st->packets++;
		st->bytes += bytes;
	}
}

static __always_inline void stat_drop(__u32 reason, __u32 bytes)
{
	stat_add(XEPC_STAT_DROP(reason), bytes);
}

static __always_inline void stat_cnt(__u32 cnt, __u32 bytes)
{
	stat_add(XEPC_STAT_CNT(cnt), bytes);
}

static __always_inline struct xepc_config *get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xepc_config, &zero);
}

static __always_inline __u64 dp_now(const struct xepc_config *cfg)
{
	/* clock_ns is only ever set by the selftests (controllable time) */
	return cfg->clock_ns ? cfg->clock_ns : bpf_ktime_get_ns();
}

/* The kernel's tick rate, from its configuration (libbpf reads
 * /proc/config.gz or /boot/config-*); 0 when neither is there. */
extern int CONFIG_HZ __kconfig __weak;

/*
 * The meters' clock, ns: jiffies x (1e9 / HZ) (bpf_jiffies64() is inlined
 * by the verifier: no helper call), or bpf_ktime_get_coarse_ns() without
 * CONFIG_HZ, or the selftests' clock_ns.  Tick-granular on purpose: the
 * GCRA keeps an absolute time (tat), so a coarse clock loses or creates
 * no tokens over time; it only hands out the tokens of one tick at the
 * tick (docs/datapath.md "meters").  Read once per packet, and only when
 * a meter applies.
 */
static __always_inline __u64 meter_clock(const struct xepc_config *cfg)
{
	if (cfg->clock_ns)
		return cfg->clock_ns;
	/* the usual tick rates as constants: no division per packet */
	switch (CONFIG_HZ) {
	case 100:
		return bpf_jiffies64() * (XEPC_NS_PER_SEC / 100);
	case 250:
		return bpf_jiffies64() * (XEPC_NS_PER_SEC / 250);
	case 300:
		return bpf_jiffies64() * (XEPC_NS_PER_SEC / 300);
	case 1000:
		return bpf_jiffies64() * (XEPC_NS_PER_SEC / 1000);
	}
	if (CONFIG_HZ > 0)
		return bpf_jiffies64() * (XEPC_NS_PER_SEC / CONFIG_HZ);
	return bpf_ktime_get_coarse_ns();
}

/*
 * The L2 header of a frame (l2len bytes from parse_eth(): 14, or 18 with
 * one 802.1Q tag): its MAC addresses and tag, kept for a frame rebuilt in
 * front of the packet (an answer sent back, a decapsulated packet for the
 * stack).  0 or a drop reason.
 */
static __always_inline int l2_save(void *data, void *end, __u32 l2len, __u8 *dmac,
				   __u8 *smac, __be16 *tci)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XEPC_DROP_ETH_TRUNC;
	__builtin_memcpy(smac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);
	if (l2len == 18) {
		struct vlan_hdr_ *vh = (void *)(eth + 1);

		if ((void *)(vh + 1) > end)
			return XEPC_DROP_VLAN_TRUNC;
		*tci = vh->tci;
	} else if (l2len != 14) {
		return XEPC_DROP_ADJUST;
	}
	return 0;
}

/* ---------------------------------------------------------- sessions ---- */

#define XEPC_READ_ONCE(x)	(*(volatile typeof(x) *)&(x))
#define xepc_barrier()		asm volatile("" ::: "memory")

/*
 * A consistent copy of session sid in *copy (returned), or NULL.  The
 * session is read from its own xepc_usage value (struct xepc_usage: bank 0
 * in line 0, bank 1 in line 1), the page its counters and meters are in,
 * not from xepc_sessions.  The writer never touches the live bank: it
 * fills the other one and then increments sess.gen, so a copy taken
 * between two equal reads of gen is whole.  The loads are ordered by the
 * compiler barriers and by the CPU (x86-64 does not reorder loads with
 * loads).  A copy that changed three times while it was read (which needs
 * six writer stores within a few ns) is treated as not found.
 */
static __always_inline struct xepc_session *
session_get(const struct xepc_config *cfg, __u32 sid, struct xepc_session *copy)
{
	struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);
	struct xepc_session *s;
	__u32 g1, g2;
	int i;

	(void)cfg;
	if (!u)
		return NULL;
	for (i = 0; i < 3; i++) {
		g1 = XEPC_READ_ONCE(u->sess.gen);
		s = g1 & 1 ? &u->sess1 : &u->sess;
		xepc_barrier();
		__builtin_memcpy(copy, s, sizeof(*copy));
		xepc_barrier();
		g2 = XEPC_READ_ONCE(u->sess.gen);
		if (g1 == g2)
			return copy;
	}
	return NULL;
}

/*
 * The active session of a downlink packet's destination, or NULL (not a
 * UE: the caller passes the packet on).  The UE's direct slot first, the
 * hash when the slot holds another UE (xepc_dp.h, struct xepc_ue_direct);
 * either answer is checked against the session's own ue_addr.
 */
static __always_inline struct xepc_session *
ue_session(const struct xepc_config *cfg, __be32 ue, __u32 *sid_out,
	   struct xepc_session *copy)
{
	__u32 mask = cfg->ue_direct_mask, sid = 0, *sidp;
	struct xepc_session *s;

	if (mask) {
		__u32 slot = xepc_ue_slot(ue, mask);
		struct xepc_ue_direct *d;

		d = bpf_map_lookup_elem(&xepc_ue_direct, &slot);
		if (d) {
			/* one load: address and sid of the same write */
			union {
				__u64 w;
				struct xepc_ue_direct d;
			} v = { .w = *(volatile __u64 *)d };

			if (v.d.ue_addr == ue)
				sid = v.d.sid;
		}
	}
	if (!sid) {
		sidp = bpf_map_lookup_elem(&xepc_ue, &ue);
		if (!sidp)
			return NULL;
		sid = *sidp;
	}
	s = session_get(cfg, sid, copy);
	if (!s || !(s->flags & XEPC_SF_ACTIVE) || s->ue_addr != ue)
		return NULL;
	*sid_out = sid;
	return s;
}

/*
 * Notes orig, the destination an uplink packet of session sid had before
 * it was redirected to the portal, where the portal's replies will look
 * for it: in the xepc_usage of the session the downlink finds by the UE's
 * address (ue_session()).  For a default bearer that is sid itself; a
 * dedicated bearer (XEPC_SF_BEARER) is never in xepc_ue, and the replies
 * to what went up its TEID come down as the default bearer's (the same UE
 * address), so the note goes there (docs/charging.md "Dedicated
 * bearers").  A bearer whose default bearer is gone keeps it itself.
 * A global function: the default bearer's copy is on its own stack, and
 * only a redirected packet pays for it.
 */
__attribute__((noinline)) int xepc_redirect_note(__u32 sid, __u32 sflags, __be32 ue,
						 __be32 orig)
{
	struct xepc_config *cfg = get_config();
	struct xepc_session copy, *d;
	struct xepc_usage *u;
	__u32 dsid = sid;

	if (!cfg)
		return 0;
	if (sflags & XEPC_SF_BEARER) {
		d = ue_session(cfg, ue, &dsid, &copy);
		if (!d || (d->flags & XEPC_SF_BEARER))
			dsid = sid;
	}
	u = bpf_map_lookup_elem(&xepc_usage, &dsid);
	if (!u)
		return 0;
	u->redirect_orig = orig;
	return 1;
}

/* ------------------------------------------------------------ events ---- */

/* s: the session the event is about (its identity goes with the event,
 * struct xepc_ev_hdr), or NULL */
static __always_inline void ev_hdr(struct xepc_ev_hdr *h, __u16 type,
				   __u32 sid, const struct xepc_session *s,
				   __u64 now)
{
	h->type = type;
	h->pad = 0;
	h->session_id = sid;
	h->ts_ns = now;
	h->teid_local = s ? s->teid_local : 0;
	h->cookie = s ? s->cookie : 0;
}

/* ------------------------------------------------------- rate limits ---- */

/*
 * A fixed one-second window of the meters' clock (meter_clock(): a tick
 * is fine for a second, and it costs no helper call) (struct xepc_rl): at
 * most limit grants per window.  The CPU that opens a new window resets
 * the count (a grant racing with the reset adds at most one per CPU).
 * Once a window is spent, a packet only reads the shared line: a flood
 * does not bounce it between CPUs.
 */
static __always_inline void rl_roll(__u64 *start, __u64 *count, __u64 now)
{
	__u64 s = *(volatile __u64 *)start;

	if (now - s >= XEPC_NS_PER_SEC &&
	    __sync_val_compare_and_swap(start, s, now) == s)
		*(volatile __u64 *)count = 0;
}

static __always_inline int rl_spent(__u64 *count, __u64 limit)
{
	return limit != XEPC_RL_UNLIMITED && *(volatile __u64 *)count >= limit;
}

static __always_inline int rl_take(__u64 *count, __u64 limit)
{
	if (limit == XEPC_RL_UNLIMITED)
		return 1;
	if (*(volatile __u64 *)count >= limit)
		return 0;
	return __sync_fetch_and_add(count, 1) < limit;
}

/* The window of (peer, kind), created on first use; NULL only when the
 * LRU cannot take it (then the caller refuses: a flood gets nothing). */
static __always_inline struct xepc_rl_win *rl_peer_win(__u32 kind, __be32 peer,
						       __u64 now)
{
	struct xepc_peer_rl_key k = { .peer_addr = peer, .kind = kind };
	struct xepc_rl_win *w = bpf_map_lookup_elem(&xepc_peer_rl, &k);

	if (!w) {
		struct xepc_rl_win nw = { .start = now, .count = 0 };

		bpf_map_update_elem(&xepc_peer_rl, &k, &nw, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&xepc_peer_rl, &k);
	}
	return w;
}

/*
 * May a peer make the kernel do one more thing of kind (struct xepc_rl)?
 * The total is checked first and read-only, so that a flood from spoofed
 * addresses creates no per-peer entries once the total is spent; then the
 * peer's budget is taken, then the total's.  Returns 1 when allowed.
 */
static __always_inline int rl_allow(__u32 kind, __be32 peer, __u64 now,
				    __u64 def_total, __u64 def_peer)
{
	struct xepc_rl *rl = bpf_map_lookup_elem(&xepc_rl, &kind);
	__u64 total = def_total, per_peer = def_peer;
	struct xepc_rl_win *w;

	if (rl) {
		total = rl->total_per_s ?: def_total;
		per_peer = rl->peer_per_s ?: def_peer;
		rl_roll(&rl->win_start, &rl->win_count, now);
		if (rl_spent(&rl->win_count, total))
			return 0;
	}
	if (per_peer != XEPC_RL_UNLIMITED) {
		w = rl_peer_win(kind, peer, now);
		if (!w)
			return 0;
		rl_roll(&w->start, &w->count, now);
		if (!rl_take(&w->count, per_peer))
			return 0;
	}
	return !rl || rl_take(&rl->win_count, total);
}

/*
 * TS 29.281 7.3.1: Error Indication per unknown TEID.  Bounded per peer
 * and in total (a flood of random TEIDs gets at most that many events,
 * the rest counted), then once per (TEID, peer) interval.  Returns 1 with
 * *now set when the event may be sent.  peer: the IPv4 address, or an
 * IPv6 one folded (ip6_key32()).
 */
static __always_inline int ev_teid_allowed(const struct xepc_config *cfg,
					   __u32 teid, __be32 peer, __u64 *now)
{
	struct xepc_err_rl_key key = { .teid = teid, .peer_addr = peer };
	__u64 iv = cfg->errind_interval_ns ?: XEPC_NS_PER_SEC;
	__u64 *last;

	if (!rl_allow(XEPC_RL_TEID_EV, peer, meter_clock(cfg), XEPC_DEF_TEID_EV_PER_S,
		      XEPC_DEF_TEID_EV_PEER_PER_S)) {
		stat_cnt(XEPC_CNT_EV_TEID_SUPPRESSED, 0);
		return 0;
	}
	*now = dp_now(cfg);
	last = bpf_map_lookup_elem(&xepc_err_rl, &key);
	if (last) {
		__u64 old = *last;

		if (*now - old < iv)
			return 0;
		if (__sync_val_compare_and_swap(last, old, *now) != old)
			return 0;
	} else if (bpf_map_update_elem(&xepc_err_rl, &key, now, BPF_NOEXIST)) {
		return 0;
	}
	return 1;
}

static __always_inline void ev_unknown_teid(const struct xepc_config *cfg,
					    __u32 teid, __be32 peer,
					    __be32 local, __be16 port)
{
	struct xepc_ev_unknown_teid *ev;
	__u64 now;

	if (!ev_teid_allowed(cfg, teid, peer, &now))
		return;
	ev = bpf_ringbuf_reserve(&xepc_teid_ev, sizeof(*ev), 0);
	if (!ev) {
		stat_cnt(XEPC_CNT_EV_TEID_LOST, 0);
		return;
	}
	ev_hdr(&ev->hdr, XEPC_EV_UNKNOWN_TEID, 0, NULL, now);
	ev->teid = teid;
	ev->peer_addr = peer;
	ev->local_addr = local;
	ev->peer_port = port;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
	stat_cnt(XEPC_CNT_EV_UNKNOWN_TEID, 0);
}

static __always_inline void ev_quota(__u16 type, __u32 idx,
				     struct xepc_charge *c,
				     const struct xepc_session *s,
				     __s64 remaining, __u64 now)
{
	struct xepc_ev_quota *ev;

	ev = bpf_ringbuf_reserve(&xepc_events, sizeof(*ev), 0);
	if (!ev) {
		stat_cnt(XEPC_CNT_EV_LOST, 0);
		return;
	}
	ev_hdr(&ev->hdr, type, c->session_id, s, now);
	ev->charge_idx = idx;
	ev->rating_group = c->rating_group;
	ev->remaining = remaining;
	bpf_ringbuf_submit(ev, 0);
	stat_cnt(XEPC_CNT_EV_QUOTA, 0);
}

/* ------------------------------------------------------------- flows ---- */

/* A packet seen from the UE's point of view (see struct xepc_rule). */
struct flow {
	__be32 ue_addr;
	__be32 remote_addr;
	__u16 ue_port;		/* host order; 0 without ports */
	__u16 remote_port;
	__u8 proto;
	__u8 dir;		/* XEPC_DIR_UL / XEPC_DIR_DL */
	__u8 has_ports;
	__u8 from_portal;	/* downlink packet whose source was the portal */
	__u8 tos;		/* the inner IPv4 TOS octet */
	__u8 pad[3];
};

/*
 * Ports of TCP/UDP/SCTP (all start with source, destination port).  Only
 * the first fragment has them; later fragments are matched without ports.
 */
static __always_inline void flow_ports(void *end, struct iphdr *iph,
				       __u32 ihl, __u16 *sport, __u16 *dport,
				       __u8 *has)
{
	__u16 *p;

	*sport = *dport = 0;
	*has = 0;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP &&
	    iph->protocol != IPPROTO_SCTP)
		return;
	if (iph->frag_off & bpf_htons(IP_OFFMASK_))
		return;
	if (ihl > 60)
		return;
	p = (void *)iph + ihl;
	if ((void *)(p + 2) > end)
		return;
	*sport = bpf_ntohs(p[0]);
	*dport = bpf_ntohs(p[1]);
	*has = 1;
}

/* A flow's port for rule matching: the port, or XEPC_NO_PORT without
 * ports, which only the full range 0..65535 contains. */
#define XEPC_NO_PORT		0x10000u
#define XEPC_PORTS_ANY		0xffff0000u	/* lo 0, hi 65535 */

/* The two 16-bit ends of a range (lo first in memory) in one load. */
static __always_inline __u32 port_range(const __u16 *lo)
{
	__u32 v = *(const __u32 *)lo;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return v;			/* hi << 16 | lo */
#else
	return v << 16 | v >> 16;
#endif
}

static __always_inline int port_in(__u32 range, __u32 p)
{
	if (range == XEPC_PORTS_ANY)
		return 1;
	return p >= (range & 0xffff) && p <= (range >> 16);
}

/*
 * Every condition of struct xepc_rule must hold; they are tested most
 * selective first (rules of one policy differ mostly in the remote port and
 * address, and share direction and protocol), so that a rule that does not
 * match costs one or two loads.  ue_port/remote_port: port or XEPC_NO_PORT.
 */
static __always_inline int rule_match(const struct xepc_rule *r,
				      const struct flow *f,
				      __u32 ue_port, __u32 remote_port)
{
	__u8 proto;

	if (!port_in(port_range(&r->remote_port_lo), remote_port))
		return 0;
	if ((f->remote_addr & r->remote_mask) != r->remote_addr)
		return 0;
	proto = r->proto;
	if (proto && proto != f->proto)
		return 0;
	if (!port_in(port_range(&r->ue_port_lo), ue_port))
		return 0;
	if ((f->ue_addr & r->ue_mask) != r->ue_addr)
		return 0;
	/* TS 24.008 10.5.6.12: type of service / traffic class and mask */
	if ((f->tos & r->tos_mask) != r->tos)
		return 0;
	return r->dir & f->dir;
}

/* Index of the lowest set bit of a non-zero 16-bit mask, in registers (BPF
 * has no count-trailing-zeros): a de Bruijn sequence, 0x09af, whose
 * 16-entry table is packed into one 64-bit constant. */
static __always_inline __u32 lowest_bit16(__u32 m)
{
	__u32 low = m & -m;
	__u32 idx = ((low * 0x09afu) >> 12) & 15;

	return (__u32)(0xcd7ea84fb6935210ull >> (idx * 4)) & 15;
}

/*
 * Index of the first rule of rs (array = precedence order) that matches
 * the flow, or -1.  Only the candidates of the ruleset's index are tested
 * (struct xepc_ruleset), lowest first; when every rule is a candidate, or
 * without an index, a plain walk is cheaper than picking bits.
 */
static __always_inline int rule_first_match(const struct xepc_ruleset *rs,
					    const struct flow *f)
{
	__u32 n = rs->n_rules, all, cand, k;
	__u32 up = f->has_ports ? f->ue_port : XEPC_NO_PORT;
	__u32 rp = f->has_ports ? f->remote_port : XEPC_NO_PORT;
	int i;

	all = n >= XEPC_MAX_RULES ? 0xffff : (1u << n) - 1;
	cand = all;
	if (rs->flags & XEPC_RS_INDEXED) {
		cand &= f->dir == XEPC_DIR_UL ? rs->ul_mask : rs->dl_mask;
		cand &= rs->remote_octet_mask[*(const __u8 *)&f->remote_addr];
		if (f->has_ports)
			cand &= rs->remote_port_mask[(rp & 0xffff) >> XEPC_PORT_BUCKET_SHIFT] &
				rs->ue_port_mask[(up & 0xffff) >> XEPC_PORT_BUCKET_SHIFT];
		else
			cand &= rs->noport_mask;
	}
	if (cand == all) {
		int found = -1;

		for (i = 0; i < XEPC_MAX_RULES; i++) {
			if (i >= n)
				break;
			if (rule_match(&rs->rules[i], f, up, rp)) {
				found = i;
				break;
			}
		}
		return found;
	}
	for (k = 0; k < XEPC_MAX_RULES && cand; k++) {
		i = lowest_bit16(cand);
		cand &= cand - 1;
		if (rule_match(&rs->rules[i], f, up, rp))
			return i;
	}
	return -1;
}

/* ------------------------------------------------------------ meters ---- */

/*
 * Token bucket as a GCRA (struct xepc_meter): one compare-and-swap of tat
 * per packet, retried when another CPU moved it meanwhile, so two CPUs
 * never spend the same tokens.  now: meter_clock(), ns.  Returns 1 when
 * the packet conforms.  A packet that loses the race XEPC_METER_TRIES
 * times in a row is dropped (red): an under-grant, never an over-grant.
 * A tat more than burst/rate + 1 s ahead of now can only come from a clock
 * that went back (another clock source); the bucket is then full again.
 */
#define XEPC_METER_TRIES	16

#define XEPC_METER_TICKS_PER_SEC	(XEPC_NS_PER_SEC << XEPC_METER_TICK_SHIFT)

/* burst / rate in meter ticks (burst x 1e9 fits: burst is clamped to
 * XEPC_METER_BURST_MAX; a bigger one, which userspace never writes, would
 * wrap the product to almost nothing and drop every packet) */
static __always_inline __u64 meter_tau(__u64 burst, __u64 rate)
{
	__u64 tau;

	if (burst > XEPC_METER_BURST_MAX)
		burst = XEPC_METER_BURST_MAX;
	tau = burst * XEPC_NS_PER_SEC / rate;

	if (tau > (~0ull >> (XEPC_METER_TICK_SHIFT + 1)))
		tau = ~0ull >> (XEPC_METER_TICK_SHIFT + 1);
	return tau << XEPC_METER_TICK_SHIFT;
}

/* d <= burst / rate (d in ticks): a multiplication when it cannot
 * overflow (burst < 1 GB and either d < 268 ms and rate < 4.2 GB/s, or
 * d < 16 ms: the usual cases), else a division */
static __always_inline int meter_within(__u64 d, __u64 rate, __u64 burst)
{
	if (!(burst >> 30) && (!((d | rate) >> 32) || !(d >> 28 | rate >> 36)))
		return d * rate <= burst * XEPC_METER_TICKS_PER_SEC;
	return d <= meter_tau(burst, rate);
}

/* The GCRA of one bucket (an xepc_meters entry's or a session's own
 * APN-AMBR in xepc_usage): 1 when the packet conforms (tat advanced), 0
 * when it does not; the caller checked rate != 0. */
static __always_inline int bucket_take(struct xepc_bucket *m, __u64 rate, __u32 len,
				       __u64 now_ns)
{
	__u64 burst, inc, now, tat, next;
	int i;

	burst = m->burst;
	/* L / rate, rounded up: the rate is never exceeded; with the
	 * reciprocal userspace wrote, rounded up too (a division costs as
	 * much as the rest of the meter) */
	inc = m->inc_per_byte;
	if (inc && inc < XEPC_METER_IPB_MAX)
		inc = ((__u64)len * inc + 0xffffffffull) >> 32;
	else
		inc = ((__u64)len * XEPC_METER_TICKS_PER_SEC + rate - 1) / rate;
	now = now_ns << XEPC_METER_TICK_SHIFT;
	for (i = 0; i < XEPC_METER_TRIES; i++) {
		tat = *(volatile __u64 *)&m->tat;
		next = tat > now ? tat : now;
		/* tat further ahead than the bucket plus a second: the clock
		 * jumped back (a change of clock, e.g. clock_ns), not a CPU
		 * that read it a tick later; start again from a full bucket */
		if (((next - now) >> 32) &&
		    next - now > meter_tau(burst, rate) + XEPC_METER_TICKS_PER_SEC)
			next = now;
		next += inc;
		if (!meter_within(next - now, rate, burst))
			break;
		if (__sync_val_compare_and_swap(&m->tat, tat, next) == tat)
			return 1;
	}
	return 0;
}

/* An xepc_meters entry (rule MBR, a bearer's MBR, an AMBR of an earlier
 * build): the bucket and its green/red counters. */
static __always_inline int meter_conform(__u32 id, __u32 len, __u64 now_ns)
{
	struct xepc_meter *m = bpf_map_lookup_elem(&xepc_meters, &id);
	__u64 rate;

	if (!m)
		return 1;
	rate = m->rate;
	if (!rate)
		return 1;
	if (bucket_take((struct xepc_bucket *)&m->rate, rate, len, now_ns)) {
		__sync_fetch_and_add(&m->green_pkts, 1);
		__sync_fetch_and_add(&m->green_bytes, len);
		return 1;
	}
	__sync_fetch_and_add(&m->red_pkts, 1);
	__sync_fetch_and_add(&m->red_bytes, len);
	return 0;
}

/* The session's APN-AMBR: its own bucket in xepc_usage[sid] (no green/red
 * counters: the drops are counted as METER_AMBR and in the session's
 * ul_drops/dl_drops), or an xepc_meters entry. */
static __always_inline int ambr_conform(__u32 id, __u32 sid, __u8 dir, __u32 len,
					__u64 now_ns)
{
	struct xepc_usage *u;
	struct xepc_bucket *b;
	__u64 rate;

	if (id != XEPC_METER_SESSION)
		return meter_conform(id, len, now_ns);
	u = bpf_map_lookup_elem(&xepc_usage, &sid);
	if (!u)
		return 1;
	b = dir == XEPC_DIR_UL ? &u->ul_ambr : &u->dl_ambr;
	rate = b->rate;
	if (!rate)
		return 1;
	return bucket_take(b, rate, len, now_ns);
}

/*
 * The meters of a packet, in the order of docs/datapath.md "policy" step
 * 2: the rule's MBR meter (0 = none), then the session's APN-AMBR (0 =
 * none, XEPC_METER_SESSION = its own bucket in xepc_usage[sid]), with one
 * clock read for both.  0, XEPC_DROP_METER_RULE or XEPC_DROP_METER_AMBR.
 * A global (not inlined) function like xepc_bearer_copy(): the verifier
 * checks the buckets' compare-and-swap loops once here instead of in every
 * state of the rule walk that reaches them (inlined, the second bucket
 * took xdp_s1u_ipv6 over the verifier's million instructions).
 */
__attribute__((noinline)) int xepc_meters_conform(__u32 meter, __u32 ambr, __u32 sid,
						  __u32 dir, __u32 len)
{
	struct xepc_config *cfg = get_config();
	__u64 now;

	if (!cfg)
		return 0;
	now = meter_clock(cfg);
	if (meter && !meter_conform(meter, len, now))
		return XEPC_DROP_METER_RULE;
	if (ambr && !ambr_conform(ambr, sid, (__u8)dir, len, now))
		return XEPC_DROP_METER_AMBR;
	return 0;
}

/* ---------------------------------------------------------- charging ---- */

/*
 * Charge L bytes to an online quota, exactly: fetch-and-subtract, and if
 * the bytes were not there give them back.  Concurrent CPUs can only ever
 * under-grant transiently, never over-grant.  Returns 1 when granted.
 * When to ask for more (threshold, final unit) is decided in userspace; the kernel
 * only reports the crossings, once each until userspace clears the bits.
 */
static __always_inline int quota_take(struct xepc_charge *c, __u32 idx,
				      const struct xepc_session *s,
				      __u32 len, const struct xepc_config *cfg)
{
	__s64 old, left;
	__u32 prev;

	/* exhausted stays exhausted until userspace refills and clears the
	 * bit, even if a smaller packet would still fit the remainder */
	if (c->state & XEPC_CS_EXHAUSTED)
		return 0;
	old = __sync_fetch_and_add(&c->remaining, -(__s64)len);
	if (old < (__s64)len) {
		__sync_fetch_and_add(&c->remaining, (__s64)len);
		prev = __sync_fetch_and_or(&c->state, XEPC_CS_EXHAUSTED);
		if (!(prev & XEPC_CS_EXHAUSTED))
			ev_quota(XEPC_EV_QUOTA_EXHAUSTED, idx, c, s, old, dp_now(cfg));
		return 0;
	}
	left = old - len;
	if (c->threshold && left <= (__s64)c->threshold &&
	    !(c->state & XEPC_CS_THRESHOLD_SENT)) {
		prev = __sync_fetch_and_or(&c->state, XEPC_CS_THRESHOLD_SENT);
		if (!(prev & XEPC_CS_THRESHOLD_SENT))
			ev_quota(XEPC_EV_QUOTA_THRESHOLD, idx, c, s, left, dp_now(cfg));
	}
	if (left == 0) {
		/* the last byte went: the final-unit action applies from the
		 * next packet on; tell userspace now */
		prev = __sync_fetch_and_or(&c->state, XEPC_CS_EXHAUSTED);
		if (!(prev & XEPC_CS_EXHAUSTED))
			ev_quota(XEPC_EV_QUOTA_EXHAUSTED, idx, c, s, 0, dp_now(cfg));
	}
	return 1;
}

/* ------------------------------------------------------------ policy ---- */

struct verdict {
	__u8 action;		/* XEPC_ACT_PASS or XEPC_ACT_REDIRECT */
	__u8 quota_taken;	/* len bytes were taken from charge's quota */
	__u8 pad[2];
	__u32 bearer_sid;	/* downlink steered to a dedicated bearer: its
				 * session id (its copy is in dp_policy()'s
				 * bcopy), else 0 */
	struct xepc_charge *charge; /* the rating group's slot in xepc_charging,
				     * or NULL: no per-RG usage */
	struct xepc_uncharged *unch; /* or, for a packet its online rating
				      * group lets through without quota
				      * (final-unit action, always-allowed
				      * rule), the slot's xepc_uncharged */
};

/*
 * The dedicated bearer an XEPC_ACT_BEARER rule names, when it is there:
 * active, a bearer, the same UE, with its eNB tunnel.  Otherwise NULL and
 * the packet stays on the default bearer (TS 23.401 5.4.1: the traffic a
 * TFT does not take is the default bearer's; one whose bearer is being
 * set up or torn down is not lost either).
 */
/*
 * A global (not inlined) function: the verifier checks it once on its own
 * and sees only "a scalar came back, *out was written" at the call, so
 * that the rule walk's many states do not each carry a second session
 * read through the rest of the program (which took xdp_sgi over the
 * verifier's million instructions).  1 with the bearer copied to *out.
 */
__attribute__((noinline)) int xepc_bearer_copy(__u32 bsid, __be32 ue,
					       struct xepc_session *out)
{
	const __u32 want = XEPC_SF_ACTIVE | XEPC_SF_BEARER | XEPC_SF_TUNNEL;
	struct xepc_config *cfg = get_config();
	struct xepc_session *b;

	if (!out || !cfg)
		return 0;
	b = session_get(cfg, bsid, out);
	if (!b || (b->flags & want) != want || b->ue_addr != ue)
		return 0;
	if (b != out)
		__builtin_memcpy(out, b, sizeof(*out));
	return 1;
}

/*
 * Rules, meters, quota — the order of docs/datapath.md "policy":
 *  1. the first matching SDF rule (array order = precedence order), or the
 *     session default;  drop actions end here;
 *  2. the rule's MBR meter, then the session's APN-AMBR meter;
 *  3. the rating group's quota (online charging) and its final-unit action;
 *  4. usage of the rating group, or (what its final-unit action or an
 *     always-allowed rule lets through without quota) its xepc_uncharged.
 * Returns 0 with v filled in, or a drop reason.
 */
static __always_inline int dp_policy(const struct xepc_config *cfg,
				     const struct xepc_session *s,
				     const struct flow *f, __u32 len,
				     struct verdict *v, struct xepc_session *bcopy)
{
	struct xepc_ruleset *rs = NULL;
	__u8 action = s->default_action, slot = s->default_slot, rflags = 0;
	__u32 meter = 0, ambr, idx, bsid = 0;
	int matched = 0;

	if (s->ruleset_id) {
		__u32 id = s->ruleset_id;

		rs = bpf_map_lookup_elem(&xepc_rulesets, &id);
	}
	if (rs) {
		int i = rule_first_match(rs, f);

		if (i >= 0 && i < XEPC_MAX_RULES) {
			struct xepc_rule *r = &rs->rules[i];

			matched = 1;
			action = r->action;
			meter = r->meter_id;
			if (r->charge_slot != XEPC_SLOT_DEFAULT)
				slot = r->charge_slot;
			rflags = r->flags;
			bsid = r->bearer_sid;
		}
	}
	if (action == XEPC_ACT_DROP)
		return matched ? XEPC_DROP_RULE_DROP : XEPC_DROP_DEFAULT_DROP;
	ambr = f->dir == XEPC_DIR_UL ? s->ul_meter_id : s->dl_meter_id;
	v->bearer_sid = 0;
	if (action == XEPC_ACT_BEARER) {
		/* TS 23.401 5.4.1: a downlink packet filter of a dedicated
		 * bearer's TFT: that bearer's tunnel, and its MBR meter (a GBR
		 * bearer, TS 23.401 4.7.3) instead of the APN-AMBR, which
		 * covers the non-GBR bearers (dl_meter_id 0) only */
		if (f->dir == XEPC_DIR_DL && bcopy &&
		    xepc_bearer_copy(bsid, f->ue_addr, bcopy)) {
			v->bearer_sid = bsid;
			if (bcopy->dl_meter_id) {
				meter = bcopy->dl_meter_id;	/* METER_RULE */
				ambr = 0;
			}
		}
		action = XEPC_ACT_PASS;
	}
	/* A redirect applies to uplink; its downlink half is the portal's
	 * reply, restored before the rules ran. */
	if (f->dir == XEPC_DIR_DL)
		action = XEPC_ACT_PASS;

	if (meter | ambr) {
		int mr = xepc_meters_conform(meter, ambr, XEPC_TEID_SID(s->teid_local),
					     f->dir, len);

		if (mr == XEPC_DROP_METER_RULE)
			return XEPC_DROP_METER_RULE;
		if (mr)
			return XEPC_DROP_METER_AMBR;
	}

	v->charge = NULL;
	v->unch = NULL;
	v->quota_taken = 0;
	if (s->charge_base && slot < s->n_charge && slot < XEPC_MAX_CHARGE_SLOTS) {
		struct xepc_charge *c;

		idx = s->charge_base + slot;
		c = bpf_map_lookup_elem(&xepc_charging, &idx);
		if (c && (c->flags & XEPC_CF_VALID)) {
			v->charge = c;
			if ((c->flags & XEPC_CF_ONLINE) &&
			    ((rflags & XEPC_RF_ALWAYS_ALLOWED) ||
			     !(v->quota_taken = quota_take(c, idx, s, len, cfg)))) {
				/* RFC 4006 8.35 Final-Unit-Action */
				if (!(rflags & XEPC_RF_ALWAYS_ALLOWED)) {
					switch (c->fua) {
					case XEPC_FUA_REDIRECT:
						if (f->dir == XEPC_DIR_UL)
							action = XEPC_ACT_REDIRECT;
						else if (!f->from_portal)
							return XEPC_DROP_QUOTA_EXHAUSTED;
						break;
					case XEPC_FUA_RESTRICT:
						return XEPC_DROP_QUOTA_RESTRICTED;
					default:
						return XEPC_DROP_QUOTA_EXHAUSTED;
					}
				}
				/* RFC 4006 5.6.2/5.6.3: what the action lets
				 * through took no quota and is not the rating
				 * group's used units: counted apart */
				v->charge = NULL;
				v->unch = bpf_map_lookup_elem(&xepc_uncharged, &idx);
			}
		}
	}
	if (action == XEPC_ACT_REDIRECT && !cfg->portal_addr)
		return XEPC_DROP_NO_PORTAL;
	v->action = action;
	return 0;
}

/*
 * dp_policy() of a downlink packet for session *s (id *sid, a copy in
 * *scopy): when a dedicated bearer's TFT takes it (TS 23.401 5.4.1), that
 * bearer's session from here on — usage, tunnel, buffering: *s and *sid
 * become the bearer's (its copy in *scopy) — and a bearer's MBR drop
 * counts on the bearer; *sid_out is the session the packet counts on.
 * The same in xdp_sgi and tc_ue, for IPv4 and IPv6.  0 or a drop reason.
 */
static __always_inline int dl_policy(const struct xepc_config *cfg,
				     struct xepc_session **s,
				     struct xepc_session *scopy, __u32 *sid,
				     __u32 *sid_out, const struct flow *f,
				     __u32 len, struct verdict *v)
{
	struct xepc_session bcopy;
	int rc = dp_policy(cfg, *s, f, len, v, &bcopy);

	if (rc) {
		if (v->bearer_sid)
			*sid_out = v->bearer_sid;
		return rc;
	}
	if (v->bearer_sid) {
		__builtin_memcpy(scopy, &bcopy, sizeof(*scopy));
		*s = scopy;
		*sid = v->bearer_sid;
		*sid_out = *sid;
	}
	return 0;
}

/* Adds bytes and pkts (both negative, two's complement, to take a packet
 * out again) to the session's and the rating group's usage. */
static __always_inline void usage_add(__u32 sid, struct xepc_charge *c,
				      __u8 dir, __u64 bytes, __u64 pkts)
{
	struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);

	if (dir == XEPC_DIR_UL) {
		if (u) {
			__sync_fetch_and_add(&u->ul_bytes, bytes);
			__sync_fetch_and_add(&u->ul_pkts, pkts);
		}
		if (c) {
			__sync_fetch_and_add(&c->ul_bytes, bytes);
			__sync_fetch_and_add(&c->ul_pkts, pkts);
		}
	} else {
		if (u) {
			__sync_fetch_and_add(&u->dl_bytes, bytes);
			__sync_fetch_and_add(&u->dl_pkts, pkts);
		}
		if (c) {
			__sync_fetch_and_add(&c->dl_bytes, bytes);
			__sync_fetch_and_add(&c->dl_pkts, pkts);
		}
	}
}

/* The same for what a rating group let through uncharged (xepc_uncharged). */
static __always_inline void unch_add(struct xepc_uncharged *n, __u8 dir,
				     __u64 bytes, __u64 pkts)
{
	if (dir == XEPC_DIR_UL) {
		__sync_fetch_and_add(&n->ul_bytes, bytes);
		__sync_fetch_and_add(&n->ul_pkts, pkts);
	} else {
		__sync_fetch_and_add(&n->dl_bytes, bytes);
		__sync_fetch_and_add(&n->dl_pkts, pkts);
	}
}

/* Usage of a forwarded (or buffered) packet, per session and per RG (the
 * slot dp_policy() found, without a second lookup). */
static __always_inline void count_usage(__u32 sid, const struct verdict *v,
					__u8 dir, __u32 len)
{
	usage_add(sid, v->charge, dir, len, 1);
	if (v->unch)
		unch_add(v->unch, dir, len, 1);
}

/* A packet counted by count_usage() (and charged by dp_policy()) that is
 * then dropped on its way out (TTL exceeded, no route, a failed header
 * adjustment) was not delivered: take it out of the usage again and give
 * its bytes back to the quota, so that the subscriber pays only for what
 * left the gateway.  Drop paths only; the fast path never comes here. */
static __always_inline void uncount_usage(__u32 sid, const struct verdict *v,
					  __u8 dir, __u32 len)
{
	usage_add(sid, v->charge, dir, -(__u64)len, -1ULL);
	if (v->unch)
		unch_add(v->unch, dir, -(__u64)len, -1ULL);
	if (v->charge && v->quota_taken)
		__sync_fetch_and_add(&v->charge->remaining, (__s64)len);
}

static __always_inline void count_session_drop(__u32 sid, __u8 dir)
{
	struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);

	if (!u)
		return;
	if (dir == XEPC_DIR_UL)
		__sync_fetch_and_add(&u->ul_drops, 1);
	else
		__sync_fetch_and_add(&u->dl_drops, 1);
}

/* --------------------------------------------------------- idle UE ---- */

/*
 * A downlink packet for a UE without an eNB tunnel (TS 23.401 5.3.4.3):
 * raise a Downlink Data Notification at most once per ddn_interval_ns per
 * session, and keep at most idle_buffer_max packets of the UE in the
 * xepc_pktbuf ring buffer for userspace to send once the tunnel is back.
 * Returns 0 when the caller must copy the packet into *rec (reserved here),
 * or a drop reason.
 */
static __always_inline int idle_begin(const struct xepc_config *cfg,
				      __u32 sid, const struct xepc_session *s,
				      __u32 len, struct xepc_ev_buffered **rec)
{
	__u64 now = dp_now(cfg);
	struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);
	__u64 iv = cfg->ddn_interval_ns ?: XEPC_NS_PER_SEC;
	struct xepc_ev_buffered *r;
	__u32 n;

	if (!u)
		return XEPC_DROP_IDLE_NO_BUFFER;
	{
		__u64 last = u->last_ddn_ns;

		if ((!last || now - last >= iv) &&
		    __sync_val_compare_and_swap(&u->last_ddn_ns, last, now) == last) {
			struct xepc_ev_ddn *ev;

			ev = bpf_ringbuf_reserve(&xepc_events, sizeof(*ev), 0);
			if (ev) {
				ev_hdr(&ev->hdr, XEPC_EV_DDN, sid, s, now);
				ev->ue_addr = s->ue_addr;
				ev->buffered = u->buffered;
				bpf_ringbuf_submit(ev, 0);
				stat_cnt(XEPC_CNT_EV_DDN, 0);
			} else {
				stat_cnt(XEPC_CNT_EV_LOST, 0);
			}
		}
	}
	if (!cfg->idle_buffer_max)
		return XEPC_DROP_IDLE_NO_BUFFER;
	if (len > XEPC_BUF_PKT_MAX)
		return XEPC_DROP_IDLE_TOO_BIG;
	n = __sync_fetch_and_add(&u->buffered, 1);
	if (n >= cfg->idle_buffer_max) {
		__sync_fetch_and_add(&u->buffered, -1);
		return XEPC_DROP_IDLE_BUFFER_FULL;
	}
	r = bpf_ringbuf_reserve(&xepc_pktbuf, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&u->buffered, -1);
		return XEPC_DROP_IDLE_RINGBUF_FULL;
	}
	ev_hdr(&r->hdr, XEPC_EV_BUFFERED, sid, s, now);
	r->len = len;
	r->ue_addr = s->ue_addr;
	*rec = r;
	return 0;
}

/* Second half of idle_begin(): the caller copied the packet into rec
 * (err = its load helper's result, or non-zero when the length was out of
 * range).  Submits the record, or gives the slot back. */
static __always_inline int idle_end(__u32 sid, struct xepc_ev_buffered *rec,
				    long err)
{
	if (err) {
		struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);

		if (u)
			__sync_fetch_and_add(&u->buffered, -1);
		bpf_ringbuf_discard(rec, 0);
		return XEPC_DROP_IDLE_TOO_BIG;
	}
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* len in [1, XEPC_BUF_PKT_MAX] (checked by the caller) in a form the
 * verifier can bound: the copy size of the idle buffer. */
static __always_inline __u32 buf_len(__u32 len)
{
	_Static_assert((XEPC_BUF_PKT_MAX & (XEPC_BUF_PKT_MAX - 1)) == 0,
		       "XEPC_BUF_PKT_MAX must be a power of 2");
	return ((len - 1) & (XEPC_BUF_PKT_MAX - 1)) + 1;
}

/* --------------------------------------------------------- GTP-U out ---- */

/*
 * Four bytes of a header, in memory order, as one 32-bit store: b0..b3 are
 * octets; raw16 values are already in network order (bpf_htons), placed
 * at octets 0-1 (lo) and 2-3 (hi).
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HDR_W32(b0, b1, b2, b3)	((__u32)(b0) | (__u32)(b1) << 8 | \
				 (__u32)(b2) << 16 | (__u32)(b3) << 24)
#define HDR_W16X2(lo, hi)	((__u32)(lo) | (__u32)(hi) << 16)
#else
#define HDR_W32(b0, b1, b2, b3)	((__u32)(b0) << 24 | (__u32)(b1) << 16 | \
				 (__u32)(b2) << 8 | (__u32)(b3))
#define HDR_W16X2(lo, hi)	((__u32)(lo) << 16 | (__u32)(hi))
#endif

/*
 * Outer IPv4/UDP/GTP-U for a downlink T-PDU of inner_len bytes, written at
 * ip (36 bytes).  TS 29.281 5.1: version 1, PT 1, no optional fields,
 * G-PDU, length = T-PDU length, the eNB's TEID.  UDP checksum 0, allowed
 * for GTP-U over IPv4 (RFC 768: 0 = no checksum; TS 29.281 allows it).
 *
 * Written as nine 32-bit stores, with the IPv4 checksum summed from the
 * values in registers: reading back a header just written field by field
 * stalls on store forwarding (bytes of several stores in one load).
 */
static __always_inline void gtpu_encap_hdrs(struct iphdr *ip,
					    const struct xepc_config *cfg,
					    const struct xepc_session *s,
					    __u32 inner_len, __u8 tos)
{
	__u32 *w = (__u32 *)ip;
	__u8 ttl = cfg->outer_ttl ?: 64;
	__be32 saddr = cfg->gtpu_addr, daddr = s->enb_addr;
	__be16 tot = bpf_htons(inner_len + 36);
	__u32 w0 = HDR_W32(0x45, tos, 0, 0) | HDR_W16X2(0, tot);
	__u32 w2 = HDR_W32(ttl, IPPROTO_UDP, 0, 0), sum;

	/* RFC 1071: the one's complement sum of the raw 16-bit words */
	sum = (w0 & 0xffff) + (w0 >> 16) + (w2 & 0xffff) + (w2 >> 16) +
	      (saddr & 0xffff) + (saddr >> 16) + (daddr & 0xffff) + (daddr >> 16);
	w[0] = w0;
	w[1] = 0;				/* id 0, DF clear, offset 0 */
	w[2] = w2 | HDR_W16X2(0, csum_fold32(sum));
	w[3] = saddr;
	w[4] = daddr;
	w[5] = HDR_W16X2(bpf_htons(XEPC_GTPU_PORT), bpf_htons(XEPC_GTPU_PORT));
	w[6] = HDR_W16X2(bpf_htons(inner_len + 16), 0);	/* UDP checksum 0 */
	w[7] = HDR_W32(0x30, XEPC_GTP_GPDU, 0, 0) | HDR_W16X2(0, bpf_htons(inner_len));
	w[8] = bpf_htonl(s->teid_remote);
}

/* Map a failed bpf_fib_lookup to a drop reason (the pass cases are handled
 * by the callers). */
static __always_inline int fib_drop_reason(int rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return XEPC_DROP_FIB_UNREACHABLE;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return XEPC_DROP_MTU;
	default:
		return XEPC_DROP_FIB_OTHER;
	}
}

/* ------------------------------------------------------- route cache ---- */

/*
 * The route cache's clock and a lifetime of ttl_ms in its units: jiffies
 * (bpf_jiffies64() is inlined by the verifier, no helper call), or ns of
 * bpf_ktime_get_coarse_ns() without CONFIG_HZ, or the selftests' clock_ns.
 * All three are tick-granular.
 */
static __always_inline __u64 route_clock(const struct xepc_config *cfg)
{
	if (cfg->clock_ns)
		return cfg->clock_ns;
	if (CONFIG_HZ > 0)
		return bpf_jiffies64();
	return bpf_ktime_get_coarse_ns();
}

static __always_inline __u64 route_ttl(const struct xepc_config *cfg)
{
	__u64 ms = cfg->route_ttl_ms ?: XEPC_DEF_ROUTE_TTL_MS;

	if (cfg->clock_ns || CONFIG_HZ <= 0)
		return ms * 1000000ull;
	/* rounded up: never shorter than asked */
	return (ms * CONFIG_HZ + 999) / 1000;
}

/* A route lookup: what bpf_fib_lookup() is asked (IPv4, the fields the
 * datapath sets), and what the forwarding needs of its answer. */
struct route_req {
	__u32 ifindex;		/* ingress */
	__be32 src, dst;
	__u16 tot_len;		/* length of the packet to send */
	__u8 tos, l4_protocol;
	__be16 sport, dport;	/* 0 when not UDP/TCP */
};

struct route_res {
	__u32 ifindex;		/* egress */
	__u8 dmac[ETH_ALEN];	/* next hop */
	__u8 smac[ETH_ALEN];	/* egress interface */
};

/* The 16 bytes of a struct xepc_route_key as two words, composed in
 * registers: compared with a slot's key without writing the key first
 * (a load of bytes from several smaller stores stalls). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ROUTE_KEY_W0(ifindex, dst)	((__u64)(ifindex) | (__u64)(dst) << 32)
#define ROUTE_KEY_W1(src, tos, dir)	((__u64)(src) | (__u64)(tos) << 32 | \
					 (__u64)(dir) << 40)
#else
#define ROUTE_KEY_W0(ifindex, dst)	((__u64)(ifindex) << 32 | (__u64)(dst))
#define ROUTE_KEY_W1(src, tos, dir)	((__u64)(src) << 32 | (__u64)(tos) << 24 | \
					 (__u64)(dir) << 16)
#endif

/* bpf_fib_lookup() itself, for a miss or with the cache off. */
static __always_inline int route_fib(void *ctx, const struct route_req *q,
				     struct route_res *res,
				     struct bpf_fib_lookup *fib)
{
	int rc;

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->tos = q->tos;
	fib->l4_protocol = q->l4_protocol;
	fib->sport = q->sport;
	fib->dport = q->dport;
	fib->tot_len = q->tot_len;
	fib->ipv4_src = q->src;
	fib->ipv4_dst = q->dst;
	fib->ifindex = q->ifindex;
	stat_cnt(XEPC_CNT_FIB_LOOKUP, 0);
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		res->ifindex = fib->ifindex;
		__builtin_memcpy(res->dmac, fib->dmac, ETH_ALEN);
		__builtin_memcpy(res->smac, fib->smac, ETH_ALEN);
	}
	return rc;
}

/*
 * bpf_fib_lookup() through the route cache (docs/datapath.md "route
 * cache").  The return value and, on BPF_FIB_LKUP_RET_SUCCESS, res are
 * what bpf_fib_lookup() gave, at most route_ttl_ms ago.  Only successes
 * are kept; a packet longer than the kept MTU asks the kernel again, so
 * FRAG_NEEDED comes from the kernel as before.  by_src: the source is
 * part of the key (always downlink, where it is our GTP-U address; uplink
 * with XEPC_RC_BY_SRC).  The slots are per CPU: no other CPU writes them.
 * A hit touches no struct bpf_fib_lookup (64 bytes to clear and fill).
 */
static __always_inline int route_lookup(void *ctx,
					const struct xepc_config *cfg,
					const struct route_req *q, __u8 dir,
					int by_src, struct route_res *res)
{
	struct bpf_fib_lookup fib;
	__be32 src = by_src ? q->src : 0;
	__u64 w0 = ROUTE_KEY_W0(q->ifindex, q->dst);
	__u64 w1 = ROUTE_KEY_W1(src, q->tos, dir);
	__u8 gen = cfg->route_gen;
	struct xepc_route *r;
	__u32 slot;
	__u64 now;
	int rc;

	if (cfg->route_flags & XEPC_RC_OFF)
		return route_fib(ctx, q, res, &fib);
	slot = xepc_route_slot_of(q->ifindex, q->dst, src, q->tos, dir);
	r = bpf_map_lookup_elem(&xepc_routes, &slot);
	if (!r)
		return route_fib(ctx, q, res, &fib);
	now = route_clock(cfg);
	if (((__u64 *)&r->key)[0] == w0 && ((__u64 *)&r->key)[1] == w1 &&
	    now < r->expires && r->gen == gen && q->tot_len <= r->mtu) {
		res->ifindex = r->ifindex;
		__builtin_memcpy(res->dmac, r->dmac, ETH_ALEN);
		__builtin_memcpy(res->smac, r->smac, ETH_ALEN);
		return BPF_FIB_LKUP_RET_SUCCESS;
	}

	rc = route_fib(ctx, q, res, &fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return rc;	/* failures are never cached */
	((__u64 *)&r->key)[0] = w0;
	((__u64 *)&r->key)[1] = w1;
	r->expires = now + route_ttl(cfg);
	r->ifindex = fib.ifindex;
	r->mtu = fib.mtu_result;
	r->gen = gen;
	__builtin_memcpy(r->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(r->smac, fib.smac, ETH_ALEN);
	return rc;
}

/* The route to session s's eNB over IPv4 for a G-PDU of inner_len bytes
 * (36 of encapsulation), from our gtpu_addr (route_lookup(), downlink key):
 * what xdp_sgi and tc_ue ask before they encapsulate. */
static __always_inline int route_to_enb(void *ctx, const struct xepc_config *cfg,
					__u32 ifindex, const struct xepc_session *s,
					__u32 inner_len, __u8 tos, struct route_res *rt)
{
	struct route_req rq = {
		.ifindex = ifindex,
		.src = cfg->gtpu_addr,
		.dst = s->enb_addr,
		.tot_len = inner_len + 36,
		.tos = tos,
		.l4_protocol = IPPROTO_UDP,
		.sport = bpf_htons(XEPC_GTPU_PORT),
		.dport = bpf_htons(XEPC_GTPU_PORT),
	};

	return route_lookup(ctx, cfg, &rq, XEPC_DIR_DL, 1, rt);
}

#endif /* XEPC_DP_COMMON_H */
