/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xepc_dp.h — the contract between the kernel datapath (bpf/NAME.bpf.c) and
 * userspace (userspace/dp/, xepcctl, selftests).
 *
 * Every map key/value, every ring-buffer event and the drop-reason table is
 * declared here once.  Included by BPF programs (clang -target bpf) and by
 * userspace (gcc), so only fixed-width types, explicit padding, no pointers.
 *
 * Units: "bytes" of traffic are always the length of the *inner* IPv4
 * packet (IP total length), in both directions, for counters, meters and
 * quotas.  Addresses marked __be32 are in network byte order, TEIDs and
 * ports marked host order are in host byte order.
 *
 * Compatibility: pinned maps outlive the programs (hitless upgrade), so a
 * change of any struct here is a change of the on-kernel ABI.  Change it
 * only in a commit whose message says what changed.
 */
#ifndef XEPC_DP_H
#define XEPC_DP_H

#include <linux/types.h>
#include <linux/bpf.h>	/* struct bpf_spin_lock */

/* ------------------------------------------------------------ names ---- */

#define XEPC_PIN_ROOT_DEFAULT	"/sys/fs/bpf/xepc"

/* Programs (the ELF function names, also the skeleton program names). */
#define XEPC_PROG_XDP_S1U	"xdp_s1u"	/* XDP, S1-U ingress: uplink + echo */
#define XEPC_PROG_XDP_SGI	"xdp_sgi"	/* XDP, SGi ingress: downlink (routed) */
#define XEPC_PROG_TC_UE		"tc_ue"		/* TC egress of the UE-pool device (NAT) */

/* Maps: pinned by name under the pin root (LIBBPF_PIN_BY_NAME). */
#define XEPC_MAP_CONFIG		"xepc_config"	/* array[1] of struct xepc_config */
#define XEPC_MAP_SESSIONS	"xepc_sessions"	/* array[sid] of struct xepc_session */
#define XEPC_MAP_UE		"xepc_ue"	/* hash be32 UE addr -> __u32 sid */
#define XEPC_MAP_UE_DIRECT	"xepc_ue_direct" /* array[slot] of struct
						  * xepc_ue_direct, mmapable */
#define XEPC_MAP_USAGE		"xepc_usage"	/* array[sid] of struct xepc_usage, mmapable */
#define XEPC_MAP_RULESETS	"xepc_rulesets"	/* array[id] of struct xepc_ruleset */
#define XEPC_MAP_METERS		"xepc_meters"	/* array[id] of struct xepc_meter */
#define XEPC_MAP_CHARGING	"xepc_charging"	/* array[idx] of struct xepc_charge, mmapable */
#define XEPC_MAP_STATS		"xepc_stats"	/* percpu array[XEPC_STATS_MAX] of struct xepc_stat */
#define XEPC_MAP_EVENTS		"xepc_events"	/* ringbuf of struct xepc_ev_* */
#define XEPC_MAP_PKTBUF		"xepc_pktbuf"	/* ringbuf of struct xepc_ev_buffered */
#define XEPC_MAP_ERR_RL		"xepc_err_rl"	/* lru hash xepc_err_rl_key -> __u64 ns */
#define XEPC_MAP_TEID_EV	"xepc_teid_ev"	/* ringbuf of struct xepc_ev_unknown_teid
						 * only: a flood of unknown TEIDs
						 * cannot take xepc_events' room */
#define XEPC_MAP_RL		"xepc_rl"	/* array[XEPC_RL__MAX] of struct xepc_rl */
#define XEPC_MAP_PEER_RL	"xepc_peer_rl"	/* lru hash xepc_peer_rl_key ->
						 * struct xepc_rl_win */
#define XEPC_MAP_ROUTES		"xepc_routes"	/* percpu array[slot] of struct xepc_route */
#define XEPC_MAP_UE6		"xepc_ue6"	/* hash __u64 IPv6 /64 prefix (the 8
						 * octets as in the packet) -> __u32 sid */
#define XEPC_MAP_SESS6		"xepc_sess6"	/* array[sid] of struct xepc_session6 */
#define XEPC_MAP_TAIL6		"xepc_tail6"	/* prog array[XEPC_TAIL6__MAX]: the
						 * IPv6 programs, tail-called */
#define XEPC_MAP_S1U6		"xepc_s1u6"	/* array[sid] of struct xepc_s1u6: the
						 * eNB's IPv6 S1-U address of session
						 * sid; entry 0, the gateway's own */
#define XEPC_MAP_RS_REFS	"xepc_rs_refs"	/* array[id] of __u32, mmapable: how
						 * many active sessions point to
						 * ruleset id (userspace only) */
#define XEPC_MAP_UNCHARGED	"xepc_uncharged" /* array[idx] of struct xepc_uncharged,
						  * mmapable: per charging slot, what
						  * its final-unit action let through
						  * without quota */
#define XEPC_TAIL6_S1U		0	/* xdp_s1u_ipv6 */
#define XEPC_TAIL6_SGI		1	/* xdp_sgi_ipv6 */
#define XEPC_TAIL6__MAX		2

/* Suggested pin names for the bpf_links (owned by userspace/dp). */
#define XEPC_LINK_XDP_S1U	"link_xdp_s1u"
#define XEPC_LINK_XDP_SGI	"link_xdp_sgi"
#define XEPC_LINK_TC_UE		"link_tc_ue"

/* BPF-side default sizes; the loader overrides them from configuration with
 * bpf_map__set_max_entries() before load. */
#define XEPC_DEF_MAX_SESSIONS	65536		/* xepc_sessions, xepc_usage, xepc_ue */
#define XEPC_DEF_MAX_RULESETS	4096
#define XEPC_DEF_MAX_METERS	65536
#define XEPC_DEF_MAX_CHARGING	65536
#define XEPC_DEF_EVENTS_BYTES	(256 * 1024)	/* ringbuf size, power of 2 */
#define XEPC_DEF_PKTBUF_BYTES	(4 * 1024 * 1024)
#define XEPC_DEF_ERR_RL_ENTRIES	4096
#define XEPC_DEF_TEID_EV_BYTES	(64 * 1024)	/* xepc_teid_ev: ~1600 events */
#define XEPC_DEF_PEER_RL_ENTRIES 4096
#define XEPC_ROUTE_SLOT_BITS	12		/* xepc_routes: 4096 slots per CPU;
						 * fixed (the hash uses it) */
#define XEPC_ROUTE_SLOTS	(1u << XEPC_ROUTE_SLOT_BITS)

/* ----------------------------------------------------------- config ---- */

enum xepc_mode {
	XEPC_MODE_ROUTED = 0,	/* UE pool routed to the AGW; pure XDP forwarding */
	XEPC_MODE_NAT = 1,	/* uplink goes up the stack (nftables masquerade),
				 * downlink encapsulated by tc_ue */
};

/* xepc_config[0]; written by userspace, read by every program. */
struct xepc_config {
	__be32 gtpu_addr;	/* local S1-U GTP-U IPv4 address; also the outer
				 * source of encapsulated packets.  0 = accept
				 * GTP-U to any local address */
	__be32 portal_addr;	/* captive portal IPv4 for redirect; 0 = none */
	__u32 mode;		/* enum xepc_mode */
	__u32 idle_buffer_max;	/* packets kept per idle UE (0 = drop at once);
				 * see docs/datapath.md "idle UE" */
	__u8 recovery;		/* restart counter sent in the Recovery IE of
				 * Echo Responses (TS 29.281 7.2.2, TS 29.274 8.5) */
	__u8 outer_ttl;		/* TTL of the outer IPv4 header (0 -> 64) */
	__u8 route_flags;	/* XEPC_RC_*: route cache, docs/datapath.md
				 * "route cache"; 0 = cache on, keyed by
				 * (ingress ifindex, destination, TOS) */
	__u8 route_gen;		/* route cache generation: entries written
				 * under another value are misses, so that
				 * userspace flushes the cache by incrementing
				 * it (mod 256) after a routing change */
	__u32 route_ttl_ms;	/* route cache entry lifetime, ms (0 -> 100):
				 * a routing/neighbour change takes effect
				 * within this time, or at once with a
				 * route_gen increment */
	__u64 ddn_interval_ns;	/* min interval between downlink-data events of
				 * one session, ns (0 -> 1 s) */
	__u64 errind_interval_ns; /* min interval between unknown-TEID events for
				   * one (TEID, peer), ns (0 -> 1 s) */
	__u64 clock_ns;		/* selftests only: when non-zero, the datapath uses
				 * this as "now" (ns) instead of bpf_ktime_get_ns()
				 * (and of the route cache's clock) */
	__u32 ue_direct_mask;	/* max_entries - 1 of xepc_ue_direct (a power
				 * of 2); 0 = the UE hash alone */
	__u32 session_bank;	/* max sessions N: xepc_sessions holds two
				 * banks of N entries, and the live copy of
				 * session sid is bank (gen & 1) of entry
				 * sid's gen (struct xepc_session); 0 = one
				 * bank updated in place (was pad0) */
	__u32 s1u_mtu;		/* MTU of the S1-U path, bytes of the outer
				 * IPv4 packet; a downlink packet that would
				 * exceed it after encapsulation is answered
				 * with ICMP Fragmentation Needed (inner DF)
				 * or fragmented on the outer header by
				 * userspace (XEPC_EV_OVERSIZE); 0 = only the
				 * egress device's MTU applies */
	__u32 pad1;
};

/* struct xepc_config.route_flags */
#define XEPC_RC_OFF		(1u << 0)	/* no route cache: bpf_fib_lookup
						 * for every forwarded packet */
#define XEPC_RC_BY_SRC		(1u << 1)	/* uplink entries keyed by the
						 * source (UE) address too: for
						 * source-based policy routing
						 * (ip rule from ...) or
						 * multipath routes hashed on it */
#define XEPC_DEF_ROUTE_TTL_MS	100

/* --------------------------------------------------------- sessions ---- */

/*
 * Downlink lookup, UE address -> session id, is one array access too for
 * almost every UE: xepc_ue_direct is a direct-mapped table indexed by the
 * low bits of the address (host order), so the consecutive addresses of a
 * pool up to the table's size never share a slot.  xepc_ue (hash) holds
 * every UE and is the authority; a UE is also in its slot when the slot was
 * free when it was installed.  The datapath tries the slot first and falls
 * back to the hash when the slot holds another address (or nothing), then
 * checks the session's ue_addr as always.  Userspace writes a slot as one
 * 8-byte store on the mmapped map, and the datapath reads it as one load,
 * so that a reader never sees one UE's address with another's sid.
 */
struct xepc_ue_direct {
	__be32 ue_addr;		/* 0 = empty */
	__u32 sid;
};

/* Slot of a UE address in a table of mask + 1 slots. */
static inline __u32 xepc_ue_slot(__be32 ue_addr, __u32 mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(ue_addr) & mask;
#else
	return ue_addr & mask;
#endif
}

/* Uplink lookup is one array access: the session id is the low 24 bits of
 * the local (uplink) TEID, which the AGW allocates.  The upper 8 bits are
 * free for userspace (e.g. a generation, so that a stale TEID of a deleted
 * session is "unknown" rather than hitting its successor).  TEID 0 is
 * reserved (TS 29.281 5.1), so session id 0 is never used. */
#define XEPC_TEID_SID_MASK	0x00ffffffu
#define XEPC_TEID_SID(teid)	((teid) & XEPC_TEID_SID_MASK)

/* struct xepc_session.flags */
#define XEPC_SF_ACTIVE		(1u << 0)	/* slot in use */
#define XEPC_SF_TUNNEL		(1u << 1)	/* eNB tunnel set (enb_addr,
						 * teid_remote valid); clear =
						 * idle UE: buffer + DDN event */
#define XEPC_SF_BEARER		(1u << 2)	/* a dedicated bearer (TS 23.401
						 * 4.7.2): uplink through its own
						 * TEID like any session; downlink
						 * only through the XEPC_ACT_BEARER
						 * rules of its default bearer's
						 * session (same ue_addr), never
						 * through xepc_ue */
#define XEPC_SF_ENB6		(1u << 3)	/* with SF_TUNNEL: the eNB's S1-U
						 * address is IPv6, in
						 * xepc_s1u6[sid] (enb_addr 0):
						 * GTP-U over IPv6 (TS 29.281
						 * 4.4.1); the downlink takes
						 * xdp_sgi_ipv6 */
#define XEPC_SF_SHARED_POLICY	(1u << 4)	/* with XEPC_SF_BEARER: ruleset_id,
						 * charge_base, n_charge and
						 * default_slot are those of the
						 * default bearer's session (same
						 * ue_addr, the charging slots'
						 * session_id), so that the bearer's
						 * uplink is charged against the same
						 * quota (TS 29.212 4.5.2: one grant per
						 * rating group whatever bearer carries
						 * it).  Userspace only: the datapath
						 * reads the fields as always */
#define XEPC_SF_POLICY_SHARERS	(1u << 5)	/* on a default bearer's session:
						 * dedicated bearers may share its
						 * policy (set before the first one
						 * takes it, never cleared), so that
						 * changing or deleting a session
						 * without scans the sessions only
						 * when it has.  Userspace only */

/* Actions of rules, of a session's default, of final-unit handling. */
enum xepc_action {
	XEPC_ACT_PASS = 0,
	XEPC_ACT_DROP = 1,
	XEPC_ACT_REDIRECT = 2,	/* uplink: destination rewritten to portal_addr */
	XEPC_ACT_BEARER = 3,	/* downlink: sent through the dedicated bearer
				 * of the rule's bearer_sid (its eNB TEID, its
				 * usage, its MBR meter) — a TFT packet filter
				 * (TS 24.008 10.5.6.12); uplink: pass */
};

/* xepc_sessions[sid]; written by userspace only. */
struct xepc_session {
	__be32 ue_addr;		/* UE IPv4 address */
	__be32 enb_addr;	/* eNB S1-U IPv4 address (valid with SF_TUNNEL) */
	__u32 teid_local;	/* uplink TEID (host order); XEPC_TEID_SID() == sid */
	__u32 teid_remote;	/* downlink TEID at the eNB (host order) */
	__u32 flags;		/* XEPC_SF_* */
	__u32 ruleset_id;	/* index in xepc_rulesets; 0 = no rules */
	__u32 ul_meter_id;	/* UL APN-AMBR meter index in xepc_meters;
				 * XEPC_METER_SESSION = xepc_usage[sid].ul_ambr;
				 * 0 = none */
	__u32 dl_meter_id;	/* DL APN-AMBR meter (a dedicated bearer's: its
				 * MBR), likewise */
	__u32 charge_base;	/* index in xepc_charging of this session's charge
				 * slot 0; 0 = no charging/per-RG usage */
	__u8 n_charge;		/* number of charge slots from charge_base (<= 16) */
	__u8 default_action;	/* enum xepc_action when no rule matches */
	__u8 default_slot;	/* charge slot of traffic matching no rule / rules
				 * with charge_slot 0xff */
	__u8 pad0;
	__u32 cookie;		/* generation: userspace gives every add a new
				 * non-zero value (modify keeps it); copied into
				 * the events about the session, so that one
				 * that outlives it is told from its successor
				 * in the same slot (struct xepc_ev_hdr) */
	__u32 gen;		/* bank 0 only (entry sid), with
				 * xepc_config.session_bank: which copy of the
				 * session is live: entry sid when even, entry
				 * session_bank + sid when odd.  Userspace
				 * writes the other bank, then increments gen, so
				 * that a reader never sees half an update: it
				 * reads gen, copies the live entry, reads gen
				 * again and retries if it changed (was pad1) */
};

/*
 * xepc_sess6[sid]: the IPv6 side of session sid, for PDN type IPv6 or
 * IPv4v6 (TS 23.401 5.3.1.2.2: the UE gets a /64 by stateless address
 * autoconfiguration; its prefix is what the uplink checks and the downlink
 * looks up in xepc_ue6).  Kept beside struct xepc_session rather than in
 * it: an entry counts only while its cookie equals the live session's, so
 * that an entry left by a deleted session is never taken for its
 * successor's.  The gateway's link-local address toward every UE is
 * XEPC_LL_GW (fe80::1): the source of its Router and Neighbor
 * Advertisements.
 */
struct xepc_session6 {
	__u8 prefix[8];		/* the UE's /64, network order */
	__u32 cookie;		/* struct xepc_session.cookie when written */
	__u32 flags;		/* XEPC_S6_* */
};

#define XEPC_S6_VALID		(1u << 0)	/* the session has this prefix */

/*
 * xepc_s1u6[sid]: the IPv6 S1-U transport address of session sid's eNB
 * (TS 36.413 9.2.2.1, a 128-bit Transport Layer Address; TS 29.281 4.4.1
 * GTP-U over IPv6), used while the session has XEPC_SF_ENB6 and the
 * cookie is the live session's, like struct xepc_session6.  Entry 0 (sid 0
 * is never a session) is the gateway's own IPv6 S1-U address: the source
 * of what it sends over IPv6, and the only IPv6 destination xdp_s1u takes
 * GTP-U for (cookie 0; without XEPC_S1U6_VALID no GTP-U over IPv6 is
 * taken).  A map of its own rather than fields of struct xepc_session: the
 * IPv4 walk never reads it, and it is 16 bytes per session.
 */
struct xepc_s1u6 {
	__u8 addr[16];		/* network order */
	__u32 cookie;		/* struct xepc_session.cookie when written */
	__u32 flags;		/* XEPC_S1U6_* */
};

#define XEPC_S1U6_VALID		(1u << 0)

/*
 * The packet state of a token bucket, the fields of struct xepc_meter from
 * rate to tat in the same order and units (the meters' comment below): an
 * APN-AMBR meter kept in the session's own xepc_usage value, so that a
 * packet of a cold session finds its meter in the line beside its counters
 * instead of in a page of xepc_meters (docs/datapath.md "What one packet
 * touches").  Userspace writes it through the mmapped map, field by field:
 * inc_per_byte = 0 first (the datapath then divides by rate), rate, burst,
 * tat = 0 (a full bucket), inc_per_byte last.
 */
struct xepc_bucket {
	__u64 rate;		/* bytes per second; 0 = unlimited */
	__u64 burst;		/* bucket depth, bytes */
	__u64 inc_per_byte;	/* meter ticks per byte, 32.32 fixed point
				 * (xepc_meter_inc_per_byte()); 0 = divide */
	__u64 tat;		/* theoretical arrival time, 1/16 ns of the
				 * meter clock; 0 = full bucket */
};

/* struct xepc_session.ul_meter_id / dl_meter_id: the APN-AMBR meter is the
 * session's own xepc_usage[sid].ul_ambr / dl_ambr, not an xepc_meters
 * entry (which stays the place of rule MBR meters and of dedicated
 * bearers' MBR). */
#define XEPC_METER_SESSION	0xffffffffu

/*
 * xepc_usage[sid]: everything a packet of session sid touches of its own,
 * in one 256-byte value (an mmapable array's values start on a page, so a
 * value never straddles two): a cold packet costs one page of per-session
 * state instead of one per map (docs/datapath.md "What one packet
 * touches").
 *
 *   line 0  sess: the packets' copy of the session, bank 0 (its gen says
 *           which bank is live, as in xepc_sessions)      read-mostly
 *   line 1  sess1: bank 1, live while sess.gen is odd    read-mostly
 *   line 2  the counters                                  atomic adds
 *   line 3  the APN-AMBR buckets (rate, burst, reciprocal, tat)
 *
 * The programs read the session only here (session_get()); xepc_sessions
 * stays the control plane's record of it (bpftool, scans, batched
 * writes), and userspace writes this copy after it, through the mmapped
 * map and with the banks' discipline: the other bank filled, then gen
 * incremented — never a whole-value update of a live session, which would
 * lose the counters' concurrent increments.  Userspace also resets
 * `buffered` (and clears a session's counters) with atomic stores on the
 * mapped memory.  Changed in this layout (2026-12-03, second step): the
 * session's two banks were added in front (the value was 128 bytes: the
 * counters, then the buckets).
 */
struct xepc_usage {
	struct xepc_session sess;	/* line 0: bank 0 of the session
					 * (sess.gen: the live bank) */
	__u8 pad_sess[64 - sizeof(struct xepc_session)];
	struct xepc_session sess1;	/* line 1: bank 1 (its gen unused) */
	__u8 pad_sess1[64 - sizeof(struct xepc_session)];
	__u64 ul_bytes;		/* uplink bytes forwarded (inner IP length) */
	__u64 ul_pkts;		/* uplink packets forwarded */
	__u64 dl_bytes;		/* downlink bytes forwarded/buffered */
	__u64 dl_pkts;		/* downlink packets forwarded/buffered */
	__u64 ul_drops;		/* uplink packets of this session dropped */
	__u64 dl_drops;		/* downlink packets of this session dropped */
	__u64 last_ddn_ns;	/* time of the last downlink-data event, ns */
	__u32 buffered;		/* packets buffered since the UE went idle;
				 * userspace resets to 0 when it flushes */
	__be32 redirect_orig;	/* original destination of the last uplink packet
				 * redirected to the portal (restored as source
				 * of downlink packets from the portal) */
	struct xepc_bucket ul_ambr; /* UL APN-AMBR, with ul_meter_id
				     * XEPC_METER_SESSION (line 3) */
	struct xepc_bucket dl_ambr; /* DL APN-AMBR, with dl_meter_id
				     * XEPC_METER_SESSION */
};

_Static_assert(sizeof(struct xepc_usage) == 256, "xepc_usage: four cache lines");
_Static_assert(__builtin_offsetof(struct xepc_usage, sess1) == 64,
	       "xepc_usage: bank 1 in the second line");
_Static_assert(__builtin_offsetof(struct xepc_usage, ul_bytes) == 128,
	       "xepc_usage: the counters in the third line");
_Static_assert(__builtin_offsetof(struct xepc_usage, ul_ambr) == 192,
	       "xepc_usage: the buckets in the fourth line");

/* ------------------------------------------------------------ rules ---- */

#define XEPC_MAX_RULES		16	/* per ruleset */
#define XEPC_MAX_CHARGE_SLOTS	16	/* per session */
#define XEPC_SLOT_DEFAULT	0xff	/* rule charge_slot: use session default */

/* struct xepc_rule.dir */
#define XEPC_DIR_UL		(1u << 0)
#define XEPC_DIR_DL		(1u << 1)

/* struct xepc_rule.flags */
#define XEPC_RF_ALWAYS_ALLOWED	(1u << 0)	/* never charged; passes even when
						 * the quota is exhausted */

/*
 * An SDF filter.  Written from the UE's point of view so that one rule
 * matches both directions of a flow: "ue" is the UE side (source of uplink,
 * destination of downlink), "remote" the network side.  A packet matches
 * when: dir has its direction bit, proto is 0 or equal, (addr & mask) ==
 * rule addr on both sides, and the ports (TCP/UDP/SCTP only) are within the
 * inclusive ranges.  A range 0..65535 matches packets without ports too.
 */
struct xepc_rule {
	__u32 precedence;	/* TS 29.212 5.3.50: lower first; informative —
				 * the kernel evaluates rules in array order,
				 * userspace keeps them sorted by precedence */
	__u8 dir;		/* XEPC_DIR_* */
	__u8 proto;		/* IP protocol number; 0 = any */
	__u8 action;		/* enum xepc_action */
	__u8 flags;		/* XEPC_RF_* */
	__be32 remote_addr;	/* network-side prefix */
	__be32 remote_mask;	/* 0 = any */
	__be32 ue_addr;		/* UE-side prefix */
	__be32 ue_mask;		/* 0 = any */
	__u16 remote_port_lo;	/* host order, inclusive */
	__u16 remote_port_hi;
	__u16 ue_port_lo;
	__u16 ue_port_hi;
	__u32 meter_id;		/* MBR meter index in xepc_meters; 0 = none */
	__u8 charge_slot;	/* rating-group slot (0..n_charge-1) relative to the
				 * session's charge_base; XEPC_SLOT_DEFAULT = the
				 * session's default_slot */
	__u8 tos;		/* type of service / traffic class (TS 24.008
				 * 10.5.6.12): (packet TOS & tos_mask) == tos */
	__u8 tos_mask;		/* 0 = any TOS (was pad) */
	__u8 pad;
	__u32 bearer_sid;	/* XEPC_ACT_BEARER: session id of the dedicated
				 * bearer (XEPC_SF_BEARER) whose tunnel the
				 * downlink takes; otherwise 0.  Added: the
				 * rule was 40 bytes */
};

/* Candidate index of a ruleset: the port space in 256 buckets of 256 */
#define XEPC_PORT_BUCKET_SHIFT	8
#define XEPC_PORT_BUCKETS	(65536 >> XEPC_PORT_BUCKET_SHIFT)

/* struct xepc_ruleset.flags */
#define XEPC_RS_INDEXED		(1u << 0)	/* the masks are valid */

/*
 * xepc_rulesets[id]; may be shared by many sessions (same policy).
 *
 * The masks (bit i = rules[i]) let the datapath test only the rules that
 * can match a packet instead of walking all of them: the rules of its
 * direction, whose remote prefix covers some address of the first octet
 * of its remote address, whose port ranges meet the buckets of its ports
 * (or, without ports, whose ranges are both full).  They are supersets: every
 * candidate is still matched field by field, in array order.  Userspace
 * builds them with xepc_ruleset_index() after filling rules[]; without
 * XEPC_RS_INDEXED the datapath walks every rule.
 */
struct xepc_ruleset {
	__u32 n_rules;		/* valid entries in rules[], <= XEPC_MAX_RULES */
	__u32 flags;		/* XEPC_RS_* */
	struct xepc_rule rules[XEPC_MAX_RULES];
	__u16 ul_mask;		/* rules with XEPC_DIR_UL */
	__u16 dl_mask;		/* rules with XEPC_DIR_DL */
	__u16 noport_mask;	/* rules whose two port ranges are 0..65535 */
	__u16 pad;
	__u16 remote_port_mask[XEPC_PORT_BUCKETS]; /* [port >> 8]: rules whose
						    * remote range meets it */
	__u16 ue_port_mask[XEPC_PORT_BUCKETS];
	__u16 remote_octet_mask[256];	/* [first octet of the remote address]:
					 * rules whose remote prefix meets it */
};

/*
 * xepc_rs_refs[id]: the number of active sessions in xepc_sessions whose
 * ruleset_id is id (dedicated bearers sharing their default bearer's
 * included), so that a delete knows whether the ruleset is still used
 * without scanning the sessions.  Kept by userspace only, in the pinned
 * map (every writer process sees the same counts), with atomic adds on the
 * mmapped array under the writers' lock: incremented before a session
 * points to the ruleset, decremented after it no longer does, so that a
 * writer killed between the two leaves a count too high (a leak that
 * `dp check --repair` mends), never too low.  Entry 0 (no ruleset has id
 * 0) is XEPC_RS_REFS_EXACT once the counts were taken from the sessions
 * (a fresh map, or one an upgrade added to a datapath pinned without it,
 * holds 0 there: the first writer counts).  A map of its own, not a
 * field of struct xepc_ruleset, whose 16-bit pad is too small and whose
 * layout the pinned datapaths share.
 */
#define XEPC_RS_REFS_EXACT	0x52454653u	/* "REFS" */

#ifndef __bpf__
/* Fills the candidate masks of rs from rs->rules[0 .. n_rules - 1]. */
static inline void xepc_ruleset_index(struct xepc_ruleset *rs)
{
	__u32 i, b, n = rs->n_rules < XEPC_MAX_RULES ? rs->n_rules : XEPC_MAX_RULES;

	rs->ul_mask = rs->dl_mask = rs->noport_mask = rs->pad = 0;
	for (b = 0; b < XEPC_PORT_BUCKETS; b++)
		rs->remote_port_mask[b] = rs->ue_port_mask[b] = 0;
	for (b = 0; b < 256; b++)
		rs->remote_octet_mask[b] = 0;
	for (i = 0; i < n; i++) {
		const struct xepc_rule *r = &rs->rules[i];
		__u16 bit = (__u16)(1u << i);

		if (r->dir & XEPC_DIR_UL)
			rs->ul_mask |= bit;
		if (r->dir & XEPC_DIR_DL)
			rs->dl_mask |= bit;
		if (r->remote_port_lo == 0 && r->remote_port_hi == 0xffff &&
		    r->ue_port_lo == 0 && r->ue_port_hi == 0xffff)
			rs->noport_mask |= bit;
		/* lo > hi matches no port: in no bucket */
		if (r->remote_port_lo <= r->remote_port_hi)
			for (b = r->remote_port_lo >> XEPC_PORT_BUCKET_SHIFT;
			     b <= (__u32)r->remote_port_hi >> XEPC_PORT_BUCKET_SHIFT; b++)
				rs->remote_port_mask[b] |= bit;
		if (r->ue_port_lo <= r->ue_port_hi)
			for (b = r->ue_port_lo >> XEPC_PORT_BUCKET_SHIFT;
			     b <= (__u32)r->ue_port_hi >> XEPC_PORT_BUCKET_SHIFT; b++)
				rs->ue_port_mask[b] |= bit;
		/* first octets o with (o.x.y.z & mask) == addr possible: the
		 * octet's bits under the mask's first octet equal addr's */
		{
			const __u8 *ma = (const __u8 *)&r->remote_mask;
			const __u8 *ad = (const __u8 *)&r->remote_addr;

			for (b = 0; b < 256; b++)
				if ((b & ma[0]) == ad[0])
					rs->remote_octet_mask[b] |= bit;
		}
	}
	rs->flags |= XEPC_RS_INDEXED;
}
#endif

/* ----------------------------------------------------------- meters ---- */

#define XEPC_NS_PER_SEC		1000000000ull

/*
 * Token bucket (single rate, two colours), lock-free and exact under
 * concurrency, kept as a GCRA (ITU-T I.371 virtual scheduling): the bucket
 * is one 64-bit word, tat, the time at which it would be full again,
 * updated with one compare-and-swap per packet.  A packet of L bytes
 * conforms when max(tat, now) + L/rate - now <= burst/rate, i.e. when a
 * token bucket refilled at rate up to burst would hold L bytes; it then
 * advances tat by L/rate, otherwise it is dropped.  Time is in units of
 * 1/16 ns (XEPC_METER_TICK_SHIFT) so that L/rate (rounded up) loses at most
 * 1/16 ns per packet; now is the meter clock (docs/datapath.md "meters").
 * Limits: burst <= XEPC_METER_BURST_MAX (1.8e10 B: burst x 1e9 must fit 64
 * bits; the datapath clamps a larger one, userspace never writes one), any
 * rate up to the 10 Tbit/s userspace accepts (extended APN-AMBR, TS 24.301
 * 9.9.4.29, reaches 4.29 Tbit/s).
 * Userspace writes the whole value (BPF_F_LOCK), tat = 0 for a full bucket.
 * The lock is no longer taken by the datapath (kept for the layout and
 * for BPF_F_LOCK reads/writes of the whole value by userspace).
 */
#define XEPC_METER_TICK_SHIFT	4	/* tat unit: 2^-4 ns */

/* Deepest bucket, bytes: burst x 1e9 (ns per second) < 2^64 */
#define XEPC_METER_BURST_MAX	18000000000ull

#ifndef __bpf__
/* The bucket depth userspace writes for a rate (bytes/s) without an
 * explicit burst: 100 ms of traffic, at least ten full-size packets, at
 * most XEPC_METER_BURST_MAX (about 34 ms at 4.29 Tbit/s). */
static inline __u64 xepc_meter_default_burst(__u64 rate)
{
	__u64 b = rate / 10;

	if (b < 15000)
		b = 15000;
	return b > XEPC_METER_BURST_MAX ? XEPC_METER_BURST_MAX : b;
}
#endif

/* inc_per_byte is used when below this: len (< 2^16) x it stays < 2^63 */
#define XEPC_METER_IPB_MAX	(1ull << 47)

#ifndef __bpf__
/* struct xepc_meter.inc_per_byte for a rate (bytes/s): ceil(ticks per
 * second x 2^32 / rate), or 0 when that is too big for the datapath's
 * multiplication (rates under about 490 kB/s, which it then divides). */
static inline __u64 xepc_meter_inc_per_byte(__u64 rate)
{
	unsigned __int128 n = ((unsigned __int128)1000000000ull << XEPC_METER_TICK_SHIFT) << 32;
	unsigned __int128 q;

	if (!rate)
		return 0;
	q = (n + rate - 1) / rate;
	return q < XEPC_METER_IPB_MAX ? (__u64)q : 0;
}
#endif

struct xepc_meter {
	struct bpf_spin_lock lock;
	__u32 owner;		/* userspace only: session id that took the
				 * meter (0 = unknown); checked before a
				 * meter is freed, and by dp check (was pad) */
	__u64 rate;		/* bytes per second; 0 = unlimited */
	__u64 burst;		/* bucket depth, bytes */
	__u64 inc_per_byte;	/* L/rate without a division: meter ticks
				 * per byte, 32.32 fixed point, rounded up
				 * (xepc_meter_inc_per_byte()); 0 = the
				 * datapath divides (was: tokens, unused) */
	__u64 tat;		/* theoretical arrival time, 1/16 ns of the
				 * meter clock; 0 (or any past time) = full
				 * bucket (was last_ns, same offset) */
	__u64 green_pkts;	/* packets that conformed (atomic adds) */
	__u64 green_bytes;
	__u64 red_pkts;		/* packets dropped by this meter */
	__u64 red_bytes;
};

_Static_assert(__builtin_offsetof(struct xepc_meter, tat) -
	       __builtin_offsetof(struct xepc_meter, rate) ==
	       __builtin_offsetof(struct xepc_bucket, tat),
	       "xepc_meter: rate .. tat laid out as struct xepc_bucket");

/* --------------------------------------------------------- charging ---- */

/* struct xepc_charge.flags (userspace) */
#define XEPC_CF_VALID		(1u << 0)	/* slot in use: count usage */
#define XEPC_CF_ONLINE		(1u << 1)	/* quota enforced (Gy) */

/* struct xepc_charge.state (kernel sets with atomic or; userspace clears
 * with atomic and after a refill) */
#define XEPC_CS_THRESHOLD_SENT	(1u << 0)
#define XEPC_CS_EXHAUSTED	(1u << 1)

/* struct xepc_charge.fua — final-unit action, RFC 4006 8.35 */
enum xepc_fua {
	XEPC_FUA_DROP = 0,	/* TERMINATE: drop the rating group's traffic */
	XEPC_FUA_REDIRECT = 1,	/* REDIRECT: uplink to the portal */
	XEPC_FUA_RESTRICT = 2,	/* RESTRICT_ACCESS: only ALWAYS_ALLOWED rules */
};

/*
 * xepc_charging[idx]: one (session, rating group).  The map is
 * BPF_F_MMAPABLE so that userspace refills with an atomic add on the shared
 * memory (__atomic_fetch_add(&c->remaining, grant)) and then clears state
 * bits with __atomic_fetch_and — never with a whole-value update, which
 * would lose concurrent counter increments.
 *
 * Enforcement (exact): a packet of L bytes is granted when remaining >= L;
 * the kernel subtracts with an atomic fetch-add and gives the bytes back if
 * the packet did not fit, so concurrent CPUs never grant more than the
 * quota.  A packet that does not fit, or the one after the last byte went,
 * sets XEPC_CS_EXHAUSTED and is handled by fua, as is every later one until
 * userspace refills (atomic add to remaining) and clears the bit.
 */
/* Largest quota userspace gives a slot, bytes (2^62, 4.6 EB): remaining
 * is signed and the kernel adds bytes back that it took a moment before, so
 * a grant or refill never goes above this (a refill saturates) and the sum
 * can never wrap negative (issue 8 item 6). */
#define XEPC_QUOTA_MAX		(1ll << 62)

struct xepc_charge {
	__s64 remaining;	/* bytes of quota left (ONLINE only), <= XEPC_QUOTA_MAX */
	__u64 threshold;	/* bytes: event when remaining drops to <= this */
	__u64 ul_bytes;		/* usage of this rating group, bytes */
	__u64 ul_pkts;
	__u64 dl_bytes;
	__u64 dl_pkts;
	__u32 rating_group;	/* RFC 4006 8.29, for events and display */
	__u32 session_id;	/* owner session id, for events */
	__u32 state;		/* XEPC_CS_* */
	__u8 flags;		/* XEPC_CF_* */
	__u8 fua;		/* enum xepc_fua */
	__u8 pad[2];
};

/*
 * xepc_uncharged[idx]: beside xepc_charging[idx] (same index, same size),
 * the traffic of an online rating group (XEPC_CF_ONLINE) that passed
 * without taking quota: after the final units, what the final-unit action
 * lets through (REDIRECT: the uplink sent to the portal and the portal's
 * replies; RESTRICT_ACCESS: the XEPC_RF_ALWAYS_ALLOWED flows), and an
 * always-allowed flow of the group at any time.  The OCS granted nothing
 * for it (RFC 4006 5.6.2, 5.6.3), so it is not in the slot's
 * ul_bytes/dl_bytes, which are the rating group's used units; it is
 * counted here instead, for the operator (bpftool, xepcctl, metrics).
 * The kernel only adds (atomics); userspace zeroes an entry when it gives
 * the slot to a session and carries it over like the slot's counters.
 * A map of its own rather than fields of struct xepc_charge: the pinned
 * charging map keeps its layout (a datapath pinned before this map gets
 * it at `dp upgrade`), and the packets that take quota never touch it.
 */
struct xepc_uncharged {
	__u64 ul_bytes;		/* uplink bytes let through uncharged */
	__u64 ul_pkts;
	__u64 dl_bytes;		/* downlink bytes let through uncharged */
	__u64 dl_pkts;
};

/* ------------------------------------------------------ drop reasons ---- */

/* X(name, "text").  Index = the reason's xepc_stats key. */
#define XEPC_DROP_REASONS(X)						\
	X(NONE,			"none")					\
	X(ETH_TRUNC,		"truncated Ethernet header")		\
	X(VLAN_TRUNC,		"truncated 802.1Q tag")			\
	X(IP_TRUNC,		"truncated outer IPv4 header")		\
	X(IP_HDR_LEN,		"bad outer IPv4 IHL")			\
	X(IP_TOT_LEN,		"outer IPv4 total length vs frame")	\
	X(UDP_TRUNC,		"truncated UDP header")			\
	X(UDP_LEN,		"UDP length vs IPv4 length")		\
	X(GTP_TRUNC,		"truncated GTP-U header")		\
	X(GTP_VERSION,		"GTP version not 1")			\
	X(GTP_PT,		"GTP' (PT=0) on GTP-U port")		\
	X(GTP_LEN_LONG,		"GTP length beyond the packet")		\
	X(GTP_LEN_SHORT,	"GTP length shorter than the packet")	\
	X(GTP_EXT_TRUNC,	"truncated GTP extension header")	\
	X(GTP_EXT_LEN,		"GTP extension header length 0")	\
	X(GTP_EXT_TOO_MANY,	"too many GTP extension headers")	\
	X(GTP_MSG_TYPE,		"unsupported GTP-U message type")	\
	X(GTP_END_MARKER,	"GTP-U End Marker")			\
	X(ECHO_BAD,		"malformed Echo Request")		\
	X(UNKNOWN_TEID,		"unknown TEID")				\
	X(INNER_TRUNC,		"truncated inner IPv4 header")		\
	X(INNER_NOT_IPV4,	"inner packet not IPv4")		\
	X(INNER_LEN,		"inner IPv4 length vs T-PDU")		\
	X(SPOOFED_SRC,		"inner source is not the UE address")	\
	X(RULE_DROP,		"SDF rule action drop")			\
	X(DEFAULT_DROP,		"no SDF rule matched, default drop")	\
	X(METER_RULE,		"rule MBR meter exceeded")		\
	X(METER_AMBR,		"APN-AMBR meter exceeded")		\
	X(QUOTA_EXHAUSTED,	"quota exhausted (final unit drop)")	\
	X(QUOTA_RESTRICTED,	"quota exhausted, rule not allowed")	\
	X(NO_PORTAL,		"redirect without a portal address")	\
	X(IDLE_NO_BUFFER,	"idle UE, buffering disabled")		\
	X(IDLE_BUFFER_FULL,	"idle UE, per-UE buffer bound reached")	\
	X(IDLE_TOO_BIG,		"idle UE, packet larger than buffer slot") \
	X(IDLE_RINGBUF_FULL,	"idle UE, packet ring buffer full")	\
	X(TTL_EXCEEDED,		"inner TTL exceeded")			\
	X(FIB_UNREACHABLE,	"no route (blackhole/unreachable/prohibit)") \
	X(FIB_OTHER,		"route lookup failed")			\
	X(ADJUST,		"headroom/tailroom adjust failed")	\
	X(GSO,			"GSO packet cannot be encapsulated")	\
	X(NO_CONFIG,		"configuration missing")		\
	X(MTU,			"encapsulated packet exceeds egress MTU")	\
	X(ECHO_RATE_LIMIT,	"Echo Request over the rate limit (peer/total)") \
	X(NO_IPV6,		"inner IPv6, but the session has no IPv6 prefix") \
	X(ND_LOCAL,		"IPv6 link-local/ND from a UE, consumed (DAD, not for us)") \
	X(ND_RATE_LIMIT,	"Router/Neighbor Solicitation over the rate limit") \
	X(UDP6_CSUM_ZERO,	"UDP checksum 0 over outer IPv6 (RFC 8200 8.1)") \
	X(NO_S1U6,		"IPv6 tunnel without the eNB's or our IPv6 S1-U address")

#define XEPC_DROP_ENUM(n, s) XEPC_DROP_##n,
enum xepc_drop_reason {
	XEPC_DROP_REASONS(XEPC_DROP_ENUM)
	XEPC_DROP__MAX
};
#undef XEPC_DROP_ENUM

/* Counters of what was not dropped.  Stats key = XEPC_STAT_CNT_BASE + n. */
#define XEPC_COUNTERS(X)						\
	X(UL_GPDU,		"uplink G-PDUs received")		\
	X(UL_FWD,		"uplink forwarded (XDP_REDIRECT)")	\
	X(UL_NAT_PASS,		"uplink decapsulated to the stack (NAT)") \
	X(UL_NO_NEIGH_PASS,	"uplink decapsulated to the stack, no neighbour") \
	X(UL_FRAG_NEEDED_PASS,	"uplink decapsulated to the stack, MTU") \
	X(DL_RX,		"downlink packets for a UE")		\
	X(DL_FWD,		"downlink encapsulated and forwarded")	\
	X(DL_NO_NEIGH_PASS,	"downlink to the eNB through the stack, no neighbour") \
	X(DL_FRAG_NEEDED_PASS,	"downlink to the eNB through the stack, MTU") \
	X(DL_TC_FWD,		"downlink encapsulated by tc_ue")	\
	X(DL_NOT_UE_PASS,	"SGi/UE-side packet for no UE, passed")	\
	X(ECHO_REPLIED,		"GTP-U Echo Requests answered")		\
	X(GTP_TO_USER,		"GTP-U signalling passed to userspace")	\
	X(NOT_GTPU_PASS,	"non GTP-U traffic passed to the stack") \
	X(IP_FRAG_PASS,		"outer IPv4 fragments passed to the stack") \
	X(RULE_REDIRECT,	"packets redirected to the portal")	\
	X(PORTAL_RESTORE,	"portal replies with source restored")	\
	X(IDLE_BUFFERED,	"idle-UE packets handed to userspace")	\
	X(EV_DDN,		"downlink-data events sent")		\
	X(EV_UNKNOWN_TEID,	"unknown-TEID events sent")		\
	X(EV_QUOTA,		"quota events sent")			\
	X(EV_LOST,		"downlink-data/quota events lost (xepc_events full)") \
	X(UL_LOCAL_PASS,	"uplink to a local address, to the stack") \
	X(FIB_LOOKUP,		"bpf_fib_lookup calls (route cache misses)") \
	X(EV_TEID_SUPPRESSED,	"unknown-TEID events over the rate limit (peer/total)") \
	X(EV_TEID_LOST,		"unknown-TEID events lost (xepc_teid_ev full)") \
	X(UL_TTL_ICMP,		"uplink TTL exceeded: ICMP Time Exceeded to the UE") \
	X(UL_REASSEMBLED,	"uplink G-PDUs reassembled from outer fragments (userspace)") \
	X(DL_FRAG_USER,		"downlink over the S1-U MTU, to userspace for outer fragments") \
	X(DL_FRAG_ICMP,		"downlink over the S1-U MTU with DF: ICMP Fragmentation Needed sent") \
	X(UL6_RX,		"uplink inner IPv6 packets of a session") \
	X(DL6_RX,		"downlink IPv6 packets for a UE prefix") \
	X(RA_SENT,		"Router Advertisements sent to UEs (Router Solicitation)") \
	X(NA_SENT,		"Neighbor Advertisements sent to UEs") \
	X(UL_OUTER6,		"uplink G-PDUs over outer IPv6") \
	X(DL_ENB6,		"downlink encapsulated in outer IPv6 and forwarded") \
	X(DL_ENB6_USER,		"downlink to an IPv6 eNB sent by userspace (NAT mode)")

#define XEPC_CNT_ENUM(n, s) XEPC_CNT_##n,
enum xepc_counter {
	XEPC_COUNTERS(XEPC_CNT_ENUM)
	XEPC_CNT__MAX
};
#undef XEPC_CNT_ENUM

/* xepc_stats layout: keys 0..63 drop reasons, 64..127 counters.  Fixed so
 * that the pinned map survives program upgrades that add entries. */
#define XEPC_STAT_CNT_BASE	64
#define XEPC_STATS_MAX		128
#define XEPC_STAT_DROP(r)	((__u32)(r))
#define XEPC_STAT_CNT(c)	((__u32)(XEPC_STAT_CNT_BASE + (c)))

/* Per-CPU value of xepc_stats; userspace sums over CPUs. */
struct xepc_stat {
	__u64 packets;
	__u64 bytes;		/* frame bytes as seen by the program */
};

static inline const char *xepc_drop_reason_str(__u32 r)
{
#define XEPC_DROP_STR(n, s) case XEPC_DROP_##n: return s;
	switch (r) {
	XEPC_DROP_REASONS(XEPC_DROP_STR)
	}
#undef XEPC_DROP_STR
	return "?";
}

static inline const char *xepc_drop_reason_name(__u32 r)
{
#define XEPC_DROP_NAME(n, s) case XEPC_DROP_##n: return #n;
	switch (r) {
	XEPC_DROP_REASONS(XEPC_DROP_NAME)
	}
#undef XEPC_DROP_NAME
	return "?";
}

static inline const char *xepc_counter_str(__u32 c)
{
#define XEPC_CNT_STR(n, s) case XEPC_CNT_##n: return s;
	switch (c) {
	XEPC_COUNTERS(XEPC_CNT_STR)
	}
#undef XEPC_CNT_STR
	return "?";
}

static inline const char *xepc_counter_name(__u32 c)
{
#define XEPC_CNT_NAME(n, s) case XEPC_CNT_##n: return #n;
	switch (c) {
	XEPC_COUNTERS(XEPC_CNT_NAME)
	}
#undef XEPC_CNT_NAME
	return "?";
}

/* ----------------------------------------------------------- events ---- */

enum xepc_event_type {
	XEPC_EV_DDN = 1,		/* struct xepc_ev_ddn: page the UE */
	XEPC_EV_UNKNOWN_TEID = 2,	/* struct xepc_ev_unknown_teid */
	XEPC_EV_QUOTA_THRESHOLD = 3,	/* struct xepc_ev_quota */
	XEPC_EV_QUOTA_EXHAUSTED = 4,	/* struct xepc_ev_quota */
	XEPC_EV_BUFFERED = 5,		/* struct xepc_ev_buffered (xepc_pktbuf) */
	XEPC_EV_OVERSIZE = 6,		/* struct xepc_ev_buffered (xepc_pktbuf):
					 * a downlink packet (inner IPv4, TTL
					 * already decremented) above s1u_mtu
					 * once encapsulated, for userspace to
					 * send as outer fragments */
	XEPC_EV_TO_STACK = 7,		/* struct xepc_ev_buffered (xepc_pktbuf):
					 * a downlink packet (inner IPv4, TTL
					 * decremented) whose eNB has no
					 * neighbour entry yet or whose route
					 * MTU it exceeds, for userspace to send
					 * as a G-PDU through the kernel's stack
					 * (which resolves, fragments) */
	XEPC_EV_UNKNOWN_TEID6 = 8,	/* struct xepc_ev_unknown_teid6: a
					 * G-PDU over IPv6 with an unknown TEID
					 * (xepc_teid_ev) */
};

/*
 * Every event about a session carries the session's identity as the kernel
 * saw it: its id, its uplink TEID and its cookie (struct xepc_session),
 * which userspace changes on every add.  A session id is reused once its
 * session is deleted, so an event (or a buffered packet) that outlives its
 * session must be matched against the whole identity before it is acted
 * upon: userspace drops, and counts, what no longer matches (docs/datapath.md
 * "events").  Changed in this layout: teid_local and cookie were added
 * (the header was 16 bytes).
 */
struct xepc_ev_hdr {
	__u16 type;		/* enum xepc_event_type */
	__u16 pad;
	__u32 session_id;	/* 0 when not applicable */
	__u64 ts_ns;		/* bpf_ktime_get_ns() (CLOCK_MONOTONIC), ns */
	__u32 teid_local;	/* the session's teid_local; 0 = no session */
	__u32 cookie;		/* the session's cookie */
};

/* Downlink data for an idle UE (TS 23.401 5.3.4.3: Downlink Data
 * Notification), rate-limited per session by ddn_interval_ns. */
struct xepc_ev_ddn {
	struct xepc_ev_hdr hdr;
	__be32 ue_addr;
	__u32 buffered;		/* packets buffered so far for this UE */
};

/* G-PDU with an unknown TEID: userspace answers with an Error Indication
 * (TS 29.281 7.3.1), rate-limited per (TEID, peer) by errind_interval_ns. */
struct xepc_ev_unknown_teid {
	struct xepc_ev_hdr hdr;
	__u32 teid;		/* host order */
	__be32 peer_addr;	/* outer source (the eNB) */
	__be32 local_addr;	/* outer destination (our S1-U address) */
	__be16 peer_port;	/* outer UDP source port */
	__u16 pad;
};

/* The same for a G-PDU that came over IPv6 (TS 29.281 7.3.1). */
struct xepc_ev_unknown_teid6 {
	struct xepc_ev_hdr hdr;
	__u32 teid;		/* host order */
	__be16 peer_port;	/* outer UDP source port */
	__u16 pad;
	__u8 peer_addr[16];	/* outer IPv6 source (the eNB) */
	__u8 local_addr[16];	/* outer IPv6 destination (our S1-U address) */
};

struct xepc_ev_quota {
	struct xepc_ev_hdr hdr;
	__u32 charge_idx;	/* index in xepc_charging */
	__u32 rating_group;
	__s64 remaining;	/* bytes left when the event fired */
};

/* An idle UE's downlink packet kept for re-injection: the inner IPv4 packet
 * as it arrived (no L2), to be sent encapsulated once the tunnel is set. */
#define XEPC_BUF_PKT_MAX	2048	/* bytes; longer packets are dropped */
struct xepc_ev_buffered {
	struct xepc_ev_hdr hdr;
	__u32 len;		/* bytes valid in data[] */
	__be32 ue_addr;		/* the session's UE address (was pad) */
	__u8 data[XEPC_BUF_PKT_MAX];
};

/*
 * Rate limits of what a peer can make the kernel do (docs/datapath.md
 * "events under a flood"): unknown-TEID events, and Echo Responses.  Each
 * kind has a budget per second over all peers and one per peer address,
 * counted in fixed one-second windows of the datapath clock.  What goes
 * over is counted (EV_TEID_SUPPRESSED, drop reason ECHO_RATE_LIMIT).
 */
enum xepc_rl_kind {
	XEPC_RL_TEID_EV = 0,	/* unknown-TEID events (Error Indication) */
	XEPC_RL_ECHO = 1,	/* Echo Requests answered in the kernel */
	XEPC_RL_ICMP = 2,	/* ICMP errors the datapath sends (Time
				 * Exceeded to a UE, Fragmentation Needed);
				 * "peer" = the address the error goes to */
	XEPC_RL_ND = 3,		/* Router/Neighbor Advertisements the
				 * datapath answers UEs with; "peer" =
				 * the session id */
	XEPC_RL__MAX = 8	/* xepc_rl max_entries (room for more) */
};

#define XEPC_DEF_TEID_EV_PER_S		1000	/* in total */
#define XEPC_DEF_TEID_EV_PEER_PER_S	100	/* per peer address */
#define XEPC_DEF_ECHO_PER_S		1000	/* in total */
#define XEPC_DEF_ECHO_PEER_PER_S	10	/* per peer address: TS 29.281
						 * 7.2.1 asks peers for at most
						 * one request a minute per path */
#define XEPC_DEF_ICMP_PER_S		1000	/* in total */
#define XEPC_DEF_ICMP_PEER_PER_S	10	/* per destination (RFC 1812
						 * 4.3.2.8: a router limits the
						 * ICMP errors it sends) */
#define XEPC_DEF_ND_PER_S		1000	/* in total */
#define XEPC_DEF_ND_PEER_PER_S		10	/* per session (RFC 4861 6.2.6:
						 * a router rate-limits its
						 * solicited advertisements) */
#define XEPC_RL_UNLIMITED		(~0ull)	/* a limit that never applies */

/* xepc_rl[kind]: limits written by userspace (dp up), window of the total
 * written by the kernel.  A whole-value update resets the window (harmless). */
struct xepc_rl {
	__u64 total_per_s;	/* events/answers per second in total; 0 = the
				 * default above, XEPC_RL_UNLIMITED = none */
	__u64 peer_per_s;	/* per peer address; 0 = default */
	__u64 win_start;	/* kernel: start of the current window, ns */
	__u64 win_count;	/* kernel: taken in it (may pass the limit by
				 * the refused ones) */
};

/* Key and value of xepc_peer_rl: the window of one (peer, kind). */
struct xepc_peer_rl_key {
	__be32 peer_addr;
	__u32 kind;		/* enum xepc_rl_kind */
};

struct xepc_rl_win {
	__u64 start;		/* ns */
	__u64 count;
};

/* Key of xepc_err_rl (rate limit of unknown-TEID events). */
struct xepc_err_rl_key {
	__u32 teid;		/* host order */
	__be32 peer_addr;
};

/*
 * xepc_routes: the route cache (docs/datapath.md "route cache").  A copy,
 * for at most route_ttl_ms, of a successful bpf_fib_lookup() answer — the
 * kernel's routing and neighbour tables stay the only source of truth; no
 * failed lookup (no neighbour, MTU, unreachable, ...) is ever kept.
 * Per-CPU and direct-mapped: the key hashes to one slot (xepc_route_slot()),
 * which holds the key it was written for; another key there is a miss and
 * overwrites it.  Written by the kernel only; userspace flushes with a
 * route_gen increment (or by zeroing slots).
 */
struct xepc_route_key {
	__u32 ifindex;		/* ingress interface of the lookup */
	__be32 dst;		/* destination (UE's peer uplink, eNB downlink) */
	__be32 src;		/* source: outer GTP-U source downlink; uplink
				 * the UE address with XEPC_RC_BY_SRC, else 0 */
	__u8 tos;		/* TOS of the lookup */
	__u8 dir;		/* XEPC_DIR_UL / XEPC_DIR_DL */
	__u8 pad[2];
};

struct xepc_route {
	struct xepc_route_key key; /* what this slot answers for */
	__u64 expires;		/* in the cache's clock: jiffies, or ns of
				 * bpf_ktime_get_coarse_ns() when the kernel
				 * config is unknown, or of clock_ns; 0 = empty */
	__u32 ifindex;		/* egress interface */
	__u16 mtu;		/* route MTU (mtu_result); bigger packets look up */
	__u8 gen;		/* route_gen when written */
	__u8 pad0;
	__u8 dmac[6];		/* next hop's MAC */
	__u8 smac[6];		/* egress interface's MAC */
	__u32 pad1;
};

/* Slot of a key in xepc_routes (multiplicative hash of its fields). */
static inline __u32 xepc_route_slot_of(__u32 ifindex, __be32 dst, __be32 src,
				       __u8 tos, __u8 dir)
{
	__u32 h = dst ^ (src * 0x85ebca77u) ^ (ifindex << 20) ^ ((__u32)tos << 8) ^ dir;

	return (h * 0x9e3779b1u) >> (32 - XEPC_ROUTE_SLOT_BITS);
}

static inline __u32 xepc_route_slot(const struct xepc_route_key *k)
{
	return xepc_route_slot_of(k->ifindex, k->dst, k->src, k->tos, k->dir);
}

/* GTP-U constants (TS 29.281). */
#define XEPC_GTPU_PORT		2152	/* 4.4.2.3 */
#define XEPC_GTP_ECHO_REQ	1	/* 6.1 */
#define XEPC_GTP_ECHO_RSP	2
#define XEPC_GTP_ERROR_IND	26
#define XEPC_GTP_SUPP_EXT_HDR	31
#define XEPC_GTP_END_MARKER	254
#define XEPC_GTP_GPDU		255
#define XEPC_GTP_IE_RECOVERY	14	/* 8.2 */
#define XEPC_GTP_MAX_EXT_HDRS	8	/* chain walked at most this far */

#endif /* XEPC_DP_H */
