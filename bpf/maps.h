/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h — the map definitions every datapath program shares.
 *
 * Every object declares the same maps, pinned by name, so that the loader
 * (with bpf_object_open_opts.pin_root_path) makes the three programs share
 * one set of maps under the pin root.  The max_entries below are defaults;
 * the loader sets the real sizes from configuration before load.
 * Layouts are in xepc_dp.h.
 */
#ifndef XEPC_MAPS_H
#define XEPC_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xepc_dp.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xepc_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct xepc_session);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __be32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_ue SEC(".maps");

/* max_entries: a power of 2, set by the loader (2 x max sessions rounded
 * up); xepc_config.ue_direct_mask says what the datapath uses of it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * XEPC_DEF_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct xepc_ue_direct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_ue_direct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct xepc_usage);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_usage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_DEF_MAX_RULESETS);
	__type(key, __u32);
	__type(value, struct xepc_ruleset);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_rulesets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_DEF_MAX_METERS);
	__type(key, __u32);
	__type(value, struct xepc_meter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_meters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XEPC_DEF_MAX_CHARGING);
	__type(key, __u32);
	__type(value, struct xepc_charge);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_charging SEC(".maps");

/* Beside each charging slot, what its final-unit action let through
 * uncharged (xepc_dp.h); sized like xepc_charging by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XEPC_DEF_MAX_CHARGING);
	__type(key, __u32);
	__type(value, struct xepc_uncharged);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_uncharged SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XEPC_STATS_MAX);
	__type(key, __u32);
	__type(value, struct xepc_stat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XEPC_DEF_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XEPC_DEF_PKTBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_pktbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XEPC_DEF_ERR_RL_ENTRIES);
	__type(key, struct xepc_err_rl_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_err_rl SEC(".maps");

/* Unknown-TEID events have a ring of their own, so that a flood of them
 * never takes the room of downlink-data and quota events (xepc_events). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XEPC_DEF_TEID_EV_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_teid_ev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_RL__MAX);
	__type(key, __u32);
	__type(value, struct xepc_rl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XEPC_DEF_PEER_RL_ENTRIES);
	__type(key, struct xepc_peer_rl_key);
	__type(value, struct xepc_rl_win);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_peer_rl SEC(".maps");

/* Route cache (docs/datapath.md "route cache"): bounded-lifetime copies of
 * successful bpf_fib_lookup() answers, per CPU, direct-mapped by
 * xepc_route_slot(). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XEPC_ROUTE_SLOTS);
	__type(key, __u32);
	__type(value, struct xepc_route);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_routes SEC(".maps");

/* IPv6 UEs (docs/datapath.md "IPv6 UEs"): the downlink key (the /64) and
 * the uplink's prefix per session; sized like xepc_sessions by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_ue6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct xepc_session6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_sess6 SEC(".maps");

/* IPv6 S1-U addresses (struct xepc_s1u6): [0] ours, [sid] the eNB's. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XEPC_DEF_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct xepc_s1u6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_s1u6 SEC(".maps");

/* How many sessions point to each ruleset (xepc_dp.h): userspace's only,
 * sized like xepc_rulesets by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XEPC_DEF_MAX_RULESETS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_rs_refs SEC(".maps");

/* The IPv6 halves of xdp_s1u and xdp_sgi, reached by a tail call (slots
 * XEPC_TAIL6_*), put there by the loader.  Pinned: a program array loses
 * its entries when no file descriptor or pin holds it any more. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XEPC_TAIL6__MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xepc_tail6 SEC(".maps");

#endif /* XEPC_MAPS_H */
