// SPDX-License-Identifier: GPL-2.0-only
/*
 * dp_bench_env.c — namespace, programs, maps and sessions for dp_bench
 * (see dp_bench.h for the topology).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp_s1u.skel.h"
#include "xdp_sgi.skel.h"
#include "selftests/bench_dp.skel.h"
#include "dp_bench.h"

static const char *const mac_s1u = "02:00:00:00:01:01";
static const char *const mac_enb = "02:00:00:00:01:02";
static const char *const mac_sgi = "02:00:00:00:02:01";
static const char *const mac_pdn = "02:00:00:00:02:02";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "dp_bench: '%s' failed (%d)\n", cmd, rc);
	return rc == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

/* The private netns: nothing outside this process sees or keeps it. */
static int topo_setup(struct bench_env *e)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add s1u type veth peer name enb",
		"ip link add sgi type veth peer name pdn",
		"ip link set s1u address 02:00:00:00:01:01",
		"ip link set enb address 02:00:00:00:01:02",
		"ip link set sgi address 02:00:00:00:02:01",
		"ip link set pdn address 02:00:00:00:02:02",
		"ip addr add 10.10.0.1/24 dev s1u",
		"ip addr add 192.0.2.1/24 dev sgi",
		"ip link set s1u up",
		"ip link set enb up",
		"ip link set sgi up",
		"ip link set pdn up",
		"ip neigh replace 10.10.0.2 lladdr 02:00:00:00:01:02 dev s1u nud permanent",
		"ip neigh replace 192.0.2.2 lladdr 02:00:00:00:02:02 dev sgi nud permanent",
		"ip route add 198.51.100.0/24 via 192.0.2.2 dev sgi",
	};
	size_t i;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "dp_bench: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -errno;
	}
	/* bpf_fib_lookup answers only where forwarding is on */
	if (write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1") ||
	    write_file("/proc/sys/net/ipv4/conf/default/forwarding", "1"))
		return -EPERM;
	/* no IPv6 (router solicitations, MLD) for the far-side counters */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (sh(cmds[i]))
			return -EIO;
	e->if_s1u = if_nametoindex("s1u");
	e->if_sgi = if_nametoindex("sgi");
	e->if_enb = if_nametoindex("enb");
	e->if_pdn = if_nametoindex("pdn");
	if (!e->if_s1u || !e->if_sgi || !e->if_enb || !e->if_pdn)
		return -ENODEV;
	return 0;
}

/* Sizes for 1M sessions, and no pinning: the two objects share the maps of
 * the first through bpf_map__reuse_fd. */
static int prepare_maps(struct bpf_object *obj, struct bpf_object *share)
{
	struct bpf_map *m;
	int err = 0;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (bpf_map__set_pin_path(m, NULL))
			return -EINVAL;
		if (!strcmp(n, XEPC_MAP_SESSIONS)) /* two banks, as dp_up() */
			err |= bpf_map__set_max_entries(m, 2 * BENCH_MAX_SESSIONS);
		else if (!strcmp(n, XEPC_MAP_USAGE) ||
		    !strcmp(n, XEPC_MAP_UE) || !strcmp(n, XEPC_MAP_CHARGING) ||
		    !strcmp(n, XEPC_MAP_UNCHARGED))
			err |= bpf_map__set_max_entries(m, BENCH_MAX_SESSIONS);
		else if (!strcmp(n, XEPC_MAP_METERS))
			err |= bpf_map__set_max_entries(m, 2 * BENCH_MAX_SESSIONS);
		else if (!strcmp(n, XEPC_MAP_UE_DIRECT))
			err |= bpf_map__set_max_entries(m, BENCH_UE_DIRECT_SLOTS);
		else if (!strcmp(n, XEPC_MAP_RULESETS))
			err |= bpf_map__set_max_entries(m, BENCH_N_RULESETS + 4);
		if (share && !strncmp(n, "xepc_", 5)) {
			struct bpf_map *o = bpf_object__find_map_by_name(share, n);

			if (!o || bpf_map__reuse_fd(m, bpf_map__fd(o)))
				return -EINVAL;
		}
	}
	return err ? -EINVAL : 0;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

/* 16 rules: the first 15 match direction, protocol and both prefixes and
 * fail only on the remote port range, so each is evaluated almost to the
 * end; the 16th matches the benchmark's flow (pass, no meter). */
static void ruleset(struct xepc_ruleset *rs)
{
	int i;

	memset(rs, 0, sizeof(*rs));
	rs->n_rules = XEPC_MAX_RULES;
	for (i = 0; i < XEPC_MAX_RULES; i++) {
		struct xepc_rule *r = &rs->rules[i];

		r->precedence = 100 + i;
		r->dir = XEPC_DIR_UL | XEPC_DIR_DL;
		r->proto = 17;
		r->action = XEPC_ACT_PASS;
		r->remote_addr = htonl(BENCH_SERVER_ADDR & 0xffffff00u);
		r->remote_mask = htonl(0xffffff00u);
		r->ue_addr = htonl(BENCH_UE_BASE);
		r->ue_mask = htonl(0xff800000u);
		r->ue_port_lo = 0;
		r->ue_port_hi = 0xffff;
		r->charge_slot = XEPC_SLOT_DEFAULT;
		if (i < XEPC_MAX_RULES - 1) {
			r->remote_port_lo = 1000 + 10 * i;
			r->remote_port_hi = 1005 + 10 * i;
		} else {
			r->remote_port_lo = 0;
			r->remote_port_hi = 0xffff;
		}
	}
	xepc_ruleset_index(rs);
}

int bench_env_open(struct bench_env *e)
{
	struct xepc_config cfg = { 0 };
	struct xepc_ruleset rs;
	__u32 zero = 0, id;
	int err;

	memset(e, 0, sizeof(*e));
	e->ncpu = libbpf_num_possible_cpus();
	if (e->ncpu <= 0)
		return -EINVAL;
	err = topo_setup(e);
	if (err)
		return err;

	e->s1u = xdp_s1u__open();
	e->sgi = xdp_sgi__open();
	e->bp = bench_dp__open();
	if (!e->s1u || !e->sgi || !e->bp)
		return -ENOENT;
	if (prepare_maps(e->s1u->obj, NULL))
		return -EINVAL;
	err = xdp_s1u__load(e->s1u);
	if (err)
		return err;
	if (prepare_maps(e->sgi->obj, e->s1u->obj))
		return -EINVAL;
	err = xdp_sgi__load(e->sgi);
	if (err)
		return err;
	if (bpf_map__reuse_fd(e->bp->maps.bench_ue, map_fd(e->s1u->obj, XEPC_MAP_UE)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_ue_direct_map,
			      map_fd(e->s1u->obj, XEPC_MAP_UE_DIRECT)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_sessions,
			      map_fd(e->s1u->obj, XEPC_MAP_SESSIONS)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_sess_model,
			      map_fd(e->s1u->obj, XEPC_MAP_SESSIONS)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_usage_model,
			      map_fd(e->s1u->obj, XEPC_MAP_USAGE)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_meters_model,
			      map_fd(e->s1u->obj, XEPC_MAP_METERS)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_charging_model,
			      map_fd(e->s1u->obj, XEPC_MAP_CHARGING)) ||
	    bpf_map__reuse_fd(e->bp->maps.bench_rs_model,
			      map_fd(e->s1u->obj, XEPC_MAP_RULESETS)) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_hot, BENCH_MAX_SESSIONS) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_big, BENCH_MAX_SESSIONS) ||
	    /* the memory kinds of dp_bench's mem part (bench_mem_*): filled
	     * there, the hashes' elements allocated only then */
	    bpf_map__set_max_entries(e->bp->maps.bench_usage_aom,
				     BENCH_MAX_SESSIONS >> BENCH_AOM_USAGE_SHIFT) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_charge_aom,
				     BENCH_MAX_SESSIONS >> BENCH_AOM_CHARGE_SHIFT) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_ued_aom,
				     BENCH_UE_DIRECT_SLOTS >> BENCH_AOM_UED_SHIFT) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_rs_aom, BENCH_N_RULESETS + 4) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_usage_hash, BENCH_MAX_SESSIONS) ||
	    bpf_map__set_max_entries(e->bp->maps.bench_charge_hash, BENCH_MAX_SESSIONS))
		return -EINVAL;
	err = bench_dp__load(e->bp);
	if (err)
		return err;

	e->prog_s1u = bpf_program__fd(e->s1u->progs.xdp_s1u);
	e->prog_sgi = bpf_program__fd(e->sgi->progs.xdp_sgi);
	e->prog_wrap = bpf_program__fd(e->bp->progs.bench_wrap);
	e->prog_pass = bpf_program__fd(e->bp->progs.bench_pass);
	e->prog_redirect = bpf_program__fd(e->bp->progs.bench_redirect);
	e->prog_fib = bpf_program__fd(e->bp->progs.bench_fib);
	e->prog_count = bpf_program__fd(e->bp->progs.bench_count_drop);
	e->fd_progs = bpf_map__fd(e->bp->maps.bench_progs);
	e->fd_rx = bpf_map__fd(e->bp->maps.bench_rx);
	e->fd_config = map_fd(e->s1u->obj, XEPC_MAP_CONFIG);
	e->fd_sessions = map_fd(e->s1u->obj, XEPC_MAP_SESSIONS);
	e->fd_ue = map_fd(e->s1u->obj, XEPC_MAP_UE);
	e->fd_ue_direct = map_fd(e->s1u->obj, XEPC_MAP_UE_DIRECT);
	e->fd_usage = map_fd(e->s1u->obj, XEPC_MAP_USAGE);
	e->fd_rulesets = map_fd(e->s1u->obj, XEPC_MAP_RULESETS);
	e->fd_meters = map_fd(e->s1u->obj, XEPC_MAP_METERS);
	e->fd_charging = map_fd(e->s1u->obj, XEPC_MAP_CHARGING);
	e->fd_stats = map_fd(e->s1u->obj, XEPC_MAP_STATS);
	if (map_fd(e->sgi->obj, XEPC_MAP_SESSIONS) < 0 || e->fd_sessions < 0)
		return -EINVAL;
	{
		/* the echo figure measures answering, not the rate limit that
		 * turns a million requests a second away (xepc_rl) */
		struct xepc_rl unl = { .total_per_s = XEPC_RL_UNLIMITED,
				       .peer_per_s = XEPC_RL_UNLIMITED };
		__u32 k = XEPC_RL_ECHO;

		if (bpf_map_update_elem(map_fd(e->s1u->obj, XEPC_MAP_RL), &k, &unl, 0))
			return -errno;
	}

	e->charging_len = (size_t)BENCH_MAX_SESSIONS * sizeof(struct xepc_charge);
	e->charging = mmap(NULL, e->charging_len, PROT_READ | PROT_WRITE,
			   MAP_SHARED, e->fd_charging, 0);
	if (e->charging == MAP_FAILED) {
		e->charging = NULL;
		return -errno;
	}

	e->usage_len = (size_t)BENCH_MAX_SESSIONS * sizeof(struct xepc_usage);
	e->usage = mmap(NULL, e->usage_len, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd_usage, 0);
	if (e->usage == MAP_FAILED) {
		e->usage = NULL;
		return -errno;
	}

	e->ue_direct_len = (size_t)BENCH_UE_DIRECT_SLOTS * sizeof(struct xepc_ue_direct);
	e->ue_direct = mmap(NULL, e->ue_direct_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, e->fd_ue_direct, 0);
	if (e->ue_direct == MAP_FAILED) {
		e->ue_direct = NULL;
		return -errno;
	}
	e->bp->bss->ue_direct_mask = BENCH_UE_DIRECT_SLOTS - 1;

	/* the layout model's one value per session (bench_model_hot) */
	e->hot_len = (size_t)BENCH_MAX_SESSIONS * BENCH_HOT_SIZE;
	e->hot = mmap(NULL, e->hot_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      bpf_map__fd(e->bp->maps.bench_hot), 0);
	if (e->hot == MAP_FAILED) {
		e->hot = NULL;
		return -errno;
	}
	e->big_len = (size_t)BENCH_MAX_SESSIONS * BENCH_BIG_SIZE;
	e->big = mmap(NULL, e->big_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      bpf_map__fd(e->bp->maps.bench_big), 0);
	if (e->big == MAP_FAILED) {
		e->big = NULL;
		return -errno;
	}
	for (size_t i = 0; i < BENCH_MAX_SESSIONS; i++) {
		__u64 *v = (__u64 *)((char *)e->hot + i * BENCH_HOT_SIZE);

		v[0] = v[6] = v[7] = 1;	/* "an installed session" */
	}

	/* routed mode, real clock */
	cfg.gtpu_addr = htonl(BENCH_GTPU_ADDR);
	cfg.mode = XEPC_MODE_ROUTED;
	cfg.recovery = 1;
	cfg.outer_ttl = 64;
	cfg.ue_direct_mask = BENCH_UE_DIRECT_SLOTS - 1;
	cfg.session_bank = BENCH_MAX_SESSIONS; /* the datapath's session read as
						* dp_up() configures it */
	if (bpf_map_update_elem(e->fd_config, &zero, &cfg, BPF_ANY))
		return -errno;
	ruleset(&rs);
	for (id = 1; id <= BENCH_N_RULESETS; id++)
		if (bpf_map_update_elem(e->fd_rulesets, &id, &rs, BPF_ANY))
			return -errno;

	/* the far ends count what the gateway forwards */
	if (bpf_xdp_attach(e->if_enb, e->prog_count, XDP_FLAGS_DRV_MODE, NULL) ||
	    bpf_xdp_attach(e->if_pdn, e->prog_count, XDP_FLAGS_DRV_MODE, NULL))
		return -errno;
	return 0;
}

void bench_env_close(struct bench_env *e)
{
	if (e->if_enb)
		bpf_xdp_detach(e->if_enb, XDP_FLAGS_DRV_MODE, NULL);
	if (e->if_pdn)
		bpf_xdp_detach(e->if_pdn, XDP_FLAGS_DRV_MODE, NULL);
	if (e->charging)
		munmap(e->charging, e->charging_len);
	if (e->ue_direct)
		munmap(e->ue_direct, e->ue_direct_len);
	if (e->usage)
		munmap(e->usage, e->usage_len);
	if (e->hot)
		munmap(e->hot, e->hot_len);
	if (e->big)
		munmap(e->big, e->big_len);
	bench_dp__destroy(e->bp);
	xdp_sgi__destroy(e->sgi);
	xdp_s1u__destroy(e->s1u);
	/* the veths go with the netns when the process exits */
	memset(e, 0, sizeof(*e));
}

struct xepc_session bench_session(__u32 sid)
{
	struct xepc_session s = { 0 };

	s.ue_addr = htonl(BENCH_UE_BASE + sid);
	s.enb_addr = htonl(BENCH_ENB_ADDR);
	s.teid_local = sid;
	s.teid_remote = 0x40000000u + sid;
	s.flags = XEPC_SF_ACTIVE | XEPC_SF_TUNNEL;
	s.ruleset_id = 1 + sid % BENCH_N_RULESETS;
	/* the APN-AMBR buckets in the session's own xepc_usage value, as
	 * userspace/dp writes them (bench_usage()) */
	s.ul_meter_id = XEPC_METER_SESSION;
	s.dl_meter_id = XEPC_METER_SESSION;
	s.charge_base = sid;
	s.n_charge = 1;
	s.default_action = XEPC_ACT_PASS;
	s.default_slot = 0;
	s.cookie = sid;
	return s;
}

static struct xepc_meter bench_meter(void)
{
	struct xepc_meter m = { 0 };

	m.rate = 10000000000ull;	/* 10 GB/s */
	m.burst = 1000000000ull;	/* 1 GB */
	m.inc_per_byte = xepc_meter_inc_per_byte(m.rate);
	return m;
}

/* A session's usage value as userspace/dp writes it on add: zero counters
 * and the two APN-AMBR buckets (10 GB/s: every packet conforms). */
static struct xepc_usage bench_usage(void)
{
	struct xepc_meter m = bench_meter();
	struct xepc_usage u = { 0 };

	u.ul_ambr.rate = u.dl_ambr.rate = m.rate;
	u.ul_ambr.burst = u.dl_ambr.burst = m.burst;
	u.ul_ambr.inc_per_byte = u.dl_ambr.inc_per_byte = m.inc_per_byte;
	return u;
}

/* The UE's direct slot, claimed when free the way userspace/dp does it
 * (one compare-and-swap of the slot's word on the mmapped map). */
static void bench_ue_slot(struct bench_env *e, __be32 ue, __u32 sid)
{
	union {
		__u64 w;
		struct xepc_ue_direct d;
	} v = { .d = { ue, sid } };
	__u64 empty = 0;

	__atomic_compare_exchange_n(&e->ue_direct[xepc_ue_slot(ue, BENCH_UE_DIRECT_SLOTS - 1)],
				    &empty, v.w, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

static void bench_charge(struct xepc_charge *c, __u32 sid)
{
	memset(c, 0, sizeof(*c));
	c->remaining = 1ll << 62;
	c->rating_group = 1;
	c->session_id = sid;
	c->flags = XEPC_CF_VALID | XEPC_CF_ONLINE;
}

enum { CHUNK = 8192 };

struct chunk {
	__u32 sids[CHUNK], ues[CHUNK], mids[2 * CHUNK];
	struct xepc_session sess[CHUNK];
	struct xepc_usage usage[CHUNK];
	struct xepc_meter meters[2 * CHUNK];
};

int bench_install_batch(struct bench_env *e, __u32 upto, struct bench_install *t)
{
	LIBBPF_OPTS(bpf_map_batch_opts, any);
	LIBBPF_OPTS(bpf_map_batch_opts, lock, .elem_flags = BPF_F_LOCK);
	struct chunk *c = calloc(1, sizeof(*c));
	struct xepc_meter m = bench_meter();
	__u32 sid = e->n_sessions + 1;
	int rc = 0;

	if (!c)
		return -ENOMEM;
	if (upto >= BENCH_MAX_SESSIONS) {
		free(c);
		return -E2BIG;
	}
	memset(t, 0, sizeof(*t));
	while (sid <= upto) {
		__u32 n = upto - sid + 1 < CHUNK ? upto - sid + 1 : CHUNK, i, cnt;
		double t0 = now_s(), t1, t1d, t2, t3, t4;

		/* what dp_session_add_bulk does: UE first, then usage (zeroed)
		 * and the session that makes it reachable.  (The kernel takes
		 * only BPF_F_LOCK in a batch's elem_flags, not BPF_NOEXIST.) */
		for (i = 0; i < n; i++) {
			c->sids[i] = sid + i;
			c->sess[i] = bench_session(sid + i);
			c->ues[i] = c->sess[i].ue_addr;
			c->usage[i] = bench_usage();
			/* the packets' copy of the session (bank 0), as
			 * userspace/dp writes it after xepc_sessions */
			c->usage[i].sess = c->sess[i];
		}
		cnt = n;
		if (bpf_map_update_batch(e->fd_ue, c->ues, c->sids, &cnt, &any))
			goto fail;
		t1 = now_s();
		for (i = 0; i < n; i++)
			bench_ue_slot(e, c->ues[i], c->sids[i]);
		t1d = now_s();
		cnt = n;
		if (bpf_map_update_batch(e->fd_usage, c->sids, c->usage, &cnt, &any))
			goto fail;
		t2 = now_s();
		cnt = n;
		if (bpf_map_update_batch(e->fd_sessions, c->sids, c->sess, &cnt, &any))
			goto fail;
		t3 = now_s();
		t->ue_s += t1 - t0;
		t->direct_s += t1d - t1;
		t->usage_s += t2 - t1d;
		t->sess_s += t3 - t2;
		t->core_s += t3 - t0;

		/* xepc_meters entries 2 sid, 2 sid + 1 for the layout model of
		 * the maps before the AMBR moved into xepc_usage
		 * (bench_model_maps); not part of an install any more, so
		 * not timed */
		for (i = 0; i < 2 * n; i++) {
			c->mids[i] = 2 * sid + i;
			c->meters[i] = m;
		}
		cnt = 2 * n;
		if (bpf_map_update_batch(e->fd_meters, c->mids, c->meters, &cnt, &lock))
			goto fail;
		t4 = now_s();
		for (i = 0; i < n; i++)
			bench_charge(&e->charging[sid + i], sid + i);
		t->charge_s += now_s() - t4;
		t->policy_s += now_s() - t4;
		sid += n;
		e->n_sessions = sid - 1;
	}
	free(c);
	return rc;
fail:
	rc = -errno;
	fprintf(stderr, "dp_bench: batch update at sid %u: %s\n", sid, strerror(errno));
	free(c);
	return rc;
}

int bench_sessions_rewrite(struct bench_env *e, int policy)
{
	LIBBPF_OPTS(bpf_map_batch_opts, any);
	struct chunk *c = calloc(1, sizeof(*c));
	__u32 sid = 1, n, i, cnt;
	int rc = 0;

	if (!c)
		return -ENOMEM;
	while (sid <= e->n_sessions) {
		n = e->n_sessions - sid + 1 < CHUNK ? e->n_sessions - sid + 1 : CHUNK;
		for (i = 0; i < n; i++) {
			c->sids[i] = sid + i;
			c->sess[i] = bench_session(sid + i);
			if (policy == BENCH_POLICY_AMBR_METERS) {
				c->sess[i].ul_meter_id = 2 * (sid + i);
				c->sess[i].dl_meter_id = 2 * (sid + i) + 1;
			}
			if (policy == BENCH_POLICY_ONE_RULESET)
				c->sess[i].ruleset_id = 1;
			if (policy == BENCH_POLICY_NONE) {
				c->sess[i].ruleset_id = 0;
				c->sess[i].ul_meter_id = c->sess[i].dl_meter_id = 0;
				c->sess[i].charge_base = c->sess[i].n_charge = 0;
			}
		}
		cnt = n;
		if (bpf_map_update_batch(e->fd_sessions, c->sids, c->sess, &cnt, &any)) {
			rc = -errno;
			break;
		}
		/* the packets' copy (bank 0; no packet runs meanwhile) */
		for (i = 0; i < n; i++)
			memcpy(&e->usage[sid + i].sess, &c->sess[i], sizeof(c->sess[i]));
		sid += n;
	}
	free(c);
	return rc;
}

int bench_install_single(struct bench_env *e, __u32 n, struct bench_install *t)
{
	struct xepc_usage zero = bench_usage();
	__u32 sid;
	double t0 = now_s(), t1;

	for (sid = 1; sid <= n; sid++) {
		struct xepc_session s = bench_session(sid);

		zero.sess = s;
		if (bpf_map_update_elem(e->fd_ue, &s.ue_addr, &sid, BPF_ANY) ||
		    bpf_map_update_elem(e->fd_usage, &sid, &zero, BPF_ANY) ||
		    bpf_map_update_elem(e->fd_sessions, &sid, &s, BPF_ANY))
			return -errno;
		bench_ue_slot(e, s.ue_addr, sid);
	}
	t1 = now_s();
	/* the AMBR buckets went with the usage value above */
	for (sid = 1; sid <= n; sid++)
		bench_charge(&e->charging[sid], sid);
	t->core_s = t1 - t0;
	t->policy_s = now_s() - t1;
	return 0;
}

long long bench_map_memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

__u64 bench_stat(struct bench_env *e, __u32 key)
{
	struct xepc_stat v[e->ncpu];
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(e->fd_stats, &key, v))
		return ~0ull;
	for (i = 0; i < e->ncpu; i++)
		sum += v[i].packets;
	return sum;
}

__u64 bench_rx_count(struct bench_env *e)
{
	__u64 v[e->ncpu], sum = 0;
	__u32 zero = 0;
	int i;

	if (bpf_map_lookup_elem(e->fd_rx, &zero, v))
		return ~0ull;
	for (i = 0; i < e->ncpu; i++)
		sum += v[i];
	return sum;
}

int bench_rx_reset(struct bench_env *e)
{
	__u64 v[e->ncpu];
	__u32 zero = 0;

	memset(v, 0, sizeof(v));
	return bpf_map_update_elem(e->fd_rx, &zero, v, BPF_ANY) ? -errno : 0;
}

/* ------------------------------------------------------------ frames ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void eth(uint8_t *f, const char *dst, const char *src)
{
	unsigned int d[6], s[6];
	int i;

	sscanf(dst, "%x:%x:%x:%x:%x:%x", &d[0], &d[1], &d[2], &d[3], &d[4], &d[5]);
	sscanf(src, "%x:%x:%x:%x:%x:%x", &s[0], &s[1], &s[2], &s[3], &s[4], &s[5]);
	for (i = 0; i < 6; i++) {
		f[i] = (uint8_t)d[i];
		f[6 + i] = (uint8_t)s[i];
	}
	put16(f + 12, 0x0800);
}

/* IPv4 + UDP header of a packet of tot bytes (payload zero-filled by the
 * caller); the UDP checksum is left 0 (allowed over IPv4). */
static void ip_udp(uint8_t *p, uint32_t src, uint32_t dst, size_t tot,
		   uint16_t sport, uint16_t dport)
{
	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)tot);
	put16(p + 4, 0x1234);
	p[8] = 64;
	p[9] = 17;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum(p, 20));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put16(p + 24, (uint16_t)(tot - 20));
}

size_t bench_frame_ul(uint8_t *f, __u32 teid, __u32 ue, size_t inner_len)
{
	size_t tot = BENCH_UL_OUTER + inner_len;
	uint8_t *g = f + 14 + 28;

	memset(f, 0, tot);
	eth(f, mac_s1u, mac_enb);
	ip_udp(f + 14, BENCH_ENB_ADDR, BENCH_GTPU_ADDR, tot - 14,
	       XEPC_GTPU_PORT, XEPC_GTPU_PORT);
	g[0] = 0x30;			/* v1, PT, no options */
	g[1] = XEPC_GTP_GPDU;
	put16(g + 2, (uint16_t)inner_len);
	put32(g + 4, teid);
	ip_udp(g + 8, ue, BENCH_SERVER_ADDR, inner_len, BENCH_UE_PORT,
	       BENCH_SERVER_PORT);
	return tot;
}

size_t bench_frame_dl(uint8_t *f, __u32 ue, size_t inner_len)
{
	size_t tot = 14 + inner_len;

	memset(f, 0, tot);
	eth(f, mac_sgi, mac_pdn);
	ip_udp(f + 14, BENCH_SERVER_ADDR, ue, inner_len, BENCH_SERVER_PORT,
	       BENCH_UE_PORT);
	return tot;
}

size_t bench_frame_echo(uint8_t *f)
{
	size_t tot = 14 + 28 + 12;
	uint8_t *g = f + 14 + 28;

	memset(f, 0, tot);
	eth(f, mac_s1u, mac_enb);
	ip_udp(f + 14, BENCH_ENB_ADDR, BENCH_GTPU_ADDR, tot - 14,
	       XEPC_GTPU_PORT, XEPC_GTPU_PORT);
	g[0] = 0x32;			/* v1, PT, S */
	g[1] = XEPC_GTP_ECHO_REQ;
	put16(g + 2, 4);
	put16(g + 8, 0x0042);		/* sequence number */
	return tot;
}
