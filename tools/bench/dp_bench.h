/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dp_bench.h — the datapath benchmark's environment: a private network
 * namespace with two veth pairs (S1-U and SGi), the datapath programs of
 * bpf/ loaded with maps sized for 1M sessions (not pinned: the maps are
 * shared between the two objects by fd), the helpers of
 * selftests/progs/bench_dp.bpf.c, and sessions installed straight into the
 * maps of bpf/xepc_dp.h with batched updates.
 *
 *   eNB side                 gateway (XDP)                   PDN side
 *   enb <--veth--> s1u 10.10.0.1/24      sgi 192.0.2.1/24 <--veth--> pdn
 *   10.10.0.2 (permanent neighbour)      192.0.2.2 (permanent neighbour),
 *                                        198.51.100.0/24 via 192.0.2.2
 *
 * bench_count_drop runs on enb and pdn: what the gateway forwards is
 * counted there.  Everything lives in the process's own netns and dies
 * with it.
 */
#ifndef XEPC_DP_BENCH_H
#define XEPC_DP_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "xepc_dp.h"

#define BENCH_MAX_SESSIONS	(1u << 20)	/* map size: 1M sessions fit */
#define BENCH_UE_DIRECT_SLOTS	(2u * BENCH_MAX_SESSIONS) /* as userspace/dp sizes it */
#define BENCH_N_RULESETS	1024		/* shared by the sessions */
#define BENCH_FRAME_MAX		2048

/* Addresses (host order). */
#define BENCH_GTPU_ADDR		0x0a0a0001u	/* 10.10.0.1, s1u */
#define BENCH_ENB_ADDR		0x0a0a0002u	/* 10.10.0.2, enb */
#define BENCH_SGI_ADDR		0xc0000201u	/* 192.0.2.1, sgi */
#define BENCH_PDN_GW		0xc0000202u	/* 192.0.2.2, pdn */
#define BENCH_SERVER_ADDR	0xc6336410u	/* 198.51.100.16 behind pdn */
#define BENCH_UE_BASE		0x0a800000u	/* UE of sid n: 10.128.0.0 + n */
#define BENCH_UE_PORT		40000
#define BENCH_SERVER_PORT	5201

#define BENCH_HOT_SIZE		128	/* struct bench_hot_ of bench_dp.bpf.c */
/* inner arrays of bench_dp.bpf.c's arrays of maps (bench_mem_*): 2^SHIFT
 * entries each, at most 32 KiB with the kernel's header so that the kernel
 * kmallocs them (the direct map) */
#define BENCH_AOM_USAGE_SHIFT	6
#define BENCH_AOM_CHARGE_SHIFT	8
#define BENCH_AOM_UED_SHIFT	11
#define BENCH_BIG_SIZE		512	/* bench_dp.bpf.c's struct bench_big_ */

struct bench_env {
	struct xdp_s1u *s1u;
	struct xdp_sgi *sgi;
	struct bench_dp *bp;
	int prog_s1u, prog_sgi;
	int prog_wrap, prog_pass, prog_redirect, prog_fib, prog_count;
	int fd_progs, fd_rx;
	int fd_config, fd_sessions, fd_ue, fd_ue_direct, fd_usage, fd_rulesets;
	int fd_meters, fd_charging, fd_stats;
	struct xepc_charge *charging;	/* mmapped xepc_charging */
	size_t charging_len;
	struct xepc_usage *usage;	/* mmapped xepc_usage */
	size_t usage_len;
	__u64 *ue_direct;		/* mmapped xepc_ue_direct, one word a slot */
	size_t ue_direct_len;
	void *hot;			/* mmapped bench_hot (layout model) */
	size_t hot_len;
	void *big;			/* mmapped bench_big (bench_mem_charge_inside) */
	size_t big_len;
	int if_s1u, if_sgi, if_enb, if_pdn;
	int ncpu;
	__u32 n_sessions;		/* installed: sids 1..n_sessions */
};

/* Session install timings, seconds. */
struct bench_install {
	double core_s;		/* UE hash + UE slot + usage (with the AMBR
				 * buckets) + session entries */
	double policy_s;	/* 1 charging slot */
	double ue_s, direct_s, usage_s, sess_s, charge_s; /* batched: per map */
};

int bench_env_open(struct bench_env *e);
void bench_env_close(struct bench_env *e);

/* The session of sid as the benchmark installs it: 16-rule ruleset
 * 1 + sid % BENCH_N_RULESETS, UL/DL AMBR meters 2*sid and 2*sid+1 (rates
 * far above what a run offers), one online charging slot with a quota that
 * never runs out, tunnel to the eNB. */
struct xepc_session bench_session(__u32 sid);

/* Installs sessions n_sessions+1 .. upto with batched map updates. */
int bench_install_batch(struct bench_env *e, __u32 upto, struct bench_install *t);
/* Rewrites every installed session entry: BENCH_POLICY_FULL as
 * bench_session() (one of BENCH_N_RULESETS rulesets each),
 * BENCH_POLICY_ONE_RULESET the same with every session on ruleset 1 (the
 * rulesets' lines stay in the cache), BENCH_POLICY_NONE without rules,
 * meters and quota. */
enum { BENCH_POLICY_NONE = 0, BENCH_POLICY_FULL = 1, BENCH_POLICY_ONE_RULESET = 2,
       BENCH_POLICY_AMBR_METERS = 3 /* full, the APN-AMBR in xepc_meters entries
				     * 2 sid, 2 sid + 1 (the layout before it
				     * moved into xepc_usage) */ };
int bench_sessions_rewrite(struct bench_env *e, int policy);
/* Writes sessions 1..n again, one map update per entry. */
int bench_install_single(struct bench_env *e, __u32 n, struct bench_install *t);
/* Kernel memory (memlock of /proc/self/fdinfo) of the per-session maps. */
long long bench_map_memlock(int fd);

/* Sum over CPUs of the xepc_stats key's packet count. */
__u64 bench_stat(struct bench_env *e, __u32 key);
__u64 bench_rx_count(struct bench_env *e);
int bench_rx_reset(struct bench_env *e);

/* Frames (returns the length).  inner_len is the inner IPv4 total length. */
size_t bench_frame_ul(uint8_t *f, __u32 teid, __u32 ue, size_t inner_len);
size_t bench_frame_dl(uint8_t *f, __u32 ue, size_t inner_len);
size_t bench_frame_echo(uint8_t *f);

/* Offsets in the frames above (for bench_wrap's session rotation). */
#define BENCH_OFF_UL_TEID	(14 + 20 + 8 + 4)
#define BENCH_OFF_UL_UE		(14 + 20 + 8 + 8 + 12)
#define BENCH_OFF_DL_UE		(14 + 16)
#define BENCH_UL_OUTER		(14 + 20 + 8 + 8)

#endif /* XEPC_DP_BENCH_H */
