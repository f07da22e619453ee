/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dp_env.h — load the three datapath programs for a test, sharing their
 * maps under a unique pin root, and run packets through them.
 */
#ifndef XEPC_SELFTEST_DP_ENV_H
#define XEPC_SELFTEST_DP_ENV_H

#include <stddef.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xepc_dp.h"
#include "test_progs.h"

#define ENV_MAX_SESSIONS	1024
#define ENV_UE_DIRECT_SLOTS	2048	/* 2 x ENV_MAX_SESSIONS, as the loader */
#define ENV_MAX_EVENTS		64

struct dp_env {
	char pin_dir[96];
	struct xdp_s1u *s1u;
	struct xdp_sgi *sgi;
	struct tc_ue *tc;
	int prog_s1u, prog_sgi, prog_tc;
	int fd_config, fd_sessions, fd_ue, fd_ue_direct, fd_usage, fd_rulesets, fd_meters;
	int fd_charging, fd_stats, fd_events, fd_pktbuf, fd_err_rl, fd_routes;
	int fd_teid_ev, fd_rl;
	int fd_ue6, fd_sess6, fd_s1u6;
	struct xepc_charge *charging;	/* mmapped xepc_charging */
	size_t charging_len;
	int fd_uncharged;
	struct xepc_uncharged *uncharged; /* mmapped xepc_uncharged */
	size_t uncharged_len;
	/* events gathered by env_poll_events() */
	struct ring_buffer *rb;
	int n_events;
	unsigned char events[ENV_MAX_EVENTS][sizeof(struct xepc_ev_buffered)]
		__attribute__((aligned(8)));
	size_t event_len[ENV_MAX_EVENTS];
};

/* Opens and loads everything with a default routed-mode config
 * (gtpu 10.10.0.1, no portal, idle buffer 4, clock 1 s). */
int env_open(struct test_ctx *t, struct dp_env *e);
void env_close(struct dp_env *e);

int env_config(struct dp_env *e, const struct xepc_config *cfg);
int env_get_config(struct dp_env *e, struct xepc_config *cfg);
int env_set_clock(struct dp_env *e, __u64 ns);
/* Sets the rate limits of kind (struct xepc_rl; 0 = default). */
int env_rate_limit(struct dp_env *e, __u32 kind, __u64 total_per_s, __u64 peer_per_s);
/* Flushes the route cache the way userspace does: route_gen + 1. */
int env_route_flush(struct dp_env *e);

/* A session with sid, UE address, eNB tunnel (enb may be 0 = idle); its UE
 * goes into xepc_ue and, when free, into its xepc_ue_direct slot. */
int env_session_entry(struct dp_env *e, __u32 sid, const struct xepc_session *s);
int env_session(struct dp_env *e, __u32 sid, const struct xepc_session *s);
/* The IPv6 side of session sid: its /64 in xepc_sess6 (valid with cookie,
 * which must be the session's) and xepc_ue6 -> sid. */
int env_sess6(struct dp_env *e, __u32 sid, const uint8_t pfx[8], __u32 cookie);
struct xepc_session env_default_session(__u32 sid);
/* Writes rs with its candidate index (xepc_ruleset_index()), or without
 * it (the datapath then walks every rule). */
int env_ruleset(struct dp_env *e, __u32 id, const struct xepc_ruleset *rs);
int env_ruleset_unindexed(struct dp_env *e, __u32 id, const struct xepc_ruleset *rs);
int env_meter(struct dp_env *e, __u32 id, __u64 rate, __u64 burst);
int env_get_meter(struct dp_env *e, __u32 id, struct xepc_meter *m);
int env_get_usage(struct dp_env *e, __u32 sid, struct xepc_usage *u);

/* Sums a stats key over the CPUs (packets). */
__u64 env_stat(struct dp_env *e, __u32 key);
#define env_drops(e, r)	env_stat((e), XEPC_STAT_DROP(XEPC_DROP_##r))
#define env_cnt(e, c)	env_stat((e), XEPC_STAT_CNT(XEPC_CNT_##c))

/* Runs one frame; out (>= 4096 bytes) gets the result.  Returns 0 or -errno. */
int env_run_xdp(int prog_fd, const void *in, size_t len, int ifindex,
		void *out, size_t *out_len, __u32 *retval);
int env_run_tc(int prog_fd, const void *in, size_t len, int ifindex,
	       __u32 gso_segs, void *out, size_t *out_len, __u32 *retval);

/* An uplink G-PDU for session sid (TEID 0x01000000|sid) carrying a
 * TCP/UDP/ICMP packet from src:sport to dst:dport; returns the frame length
 * and the inner length in *il. */
size_t env_ul(uint8_t *f, __u32 sid, const char *src, const char *dst,
	      uint8_t proto, uint16_t sport, uint16_t dport, size_t payload,
	      size_t *il);
/* A downlink Ethernet frame from src:sport to the UE dst:dport. */
size_t env_dl(uint8_t *f, const char *src, const char *dst, uint8_t proto,
	      uint16_t sport, uint16_t dport, size_t payload, size_t *il);

/* A downlink Ethernet frame with a UDP datagram from src:sport to the UE's
 * IPv6 address dst:dport (hop limit hl). */
size_t env_dl6(uint8_t *f, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, uint8_t hl, size_t payload, size_t *il);

/* Drains both ring buffers into e->events; returns how many came. */
int env_poll_events(struct dp_env *e);
/* The idx-th gathered event of that type, or NULL. */
const void *env_event(struct dp_env *e, __u16 type, int idx);

#endif /* XEPC_SELFTEST_DP_ENV_H */
