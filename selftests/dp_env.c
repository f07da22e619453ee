// SPDX-License-Identifier: GPL-2.0-only
/*
 * dp_env.c — the datapath as a test sees it: three skeletons whose maps
 * are shared by pinning by name under /sys/fs/bpf/xepc-test-<pid>-<n>,
 * with map sizes set before load the way the real loader does it.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dp_env.h"
#include "pkt.h"
#include "xdp_s1u.skel.h"
#include "xdp_sgi.skel.h"
#include "tc_ue.skel.h"

static int set_sizes(struct bpf_object *obj)
{
	struct bpf_map *m;
	int err = 0;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (!strcmp(n, XEPC_MAP_SESSIONS) || !strcmp(n, XEPC_MAP_USAGE) ||
		    !strcmp(n, XEPC_MAP_UE) || !strcmp(n, XEPC_MAP_UE6) ||
		    !strcmp(n, XEPC_MAP_SESS6))
			err |= bpf_map__set_max_entries(m, ENV_MAX_SESSIONS);
		else if (!strcmp(n, XEPC_MAP_UE_DIRECT))
			err |= bpf_map__set_max_entries(m, ENV_UE_DIRECT_SLOTS);
		else if (!strcmp(n, XEPC_MAP_RULESETS))
			err |= bpf_map__set_max_entries(m, 64);
		else if (!strcmp(n, XEPC_MAP_METERS))
			err |= bpf_map__set_max_entries(m, 256);
		else if (!strcmp(n, XEPC_MAP_CHARGING) ||
			 !strcmp(n, XEPC_MAP_UNCHARGED))
			err |= bpf_map__set_max_entries(m, 256);
		else if (!strcmp(n, XEPC_MAP_PKTBUF))
			err |= bpf_map__set_max_entries(m, 256 * 1024);
	}
	return err;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

/* The IPv6 programs in slot 0 of their object's xepc_tail6, as the
 * loader (userspace/dp/dp_load.c) puts them. */
static int fill_tail6(struct bpf_object *obj, const char *prog, __u32 k)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, XEPC_MAP_TAIL6);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int fd;

	if (!m || !p)
		return -ENOENT;
	fd = bpf_program__fd(p);
	return bpf_map_update_elem(bpf_map__fd(m), &k, &fd, 0);
}

/* An mmapable map's first len bytes, shared with the kernel; *out stays
 * NULL (errno set) when it cannot be mapped. */
static int map_mmap(int fd, size_t len, void **out)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	*out = m;
	return 0;
}

static int gather(void *ctx, void *data, size_t len)
{
	struct dp_env *e = ctx;

	if (e->n_events >= ENV_MAX_EVENTS)
		return 0;
	if (len > sizeof(e->events[0]))
		len = sizeof(e->events[0]);
	memcpy(e->events[e->n_events], data, len);
	e->event_len[e->n_events] = len;
	e->n_events++;
	return 0;
}

int env_open(struct test_ctx *t, struct dp_env *e)
{
	struct xepc_config cfg = { 0 };
	int err;

	memset(e, 0, sizeof(*e));
	snprintf(e->pin_dir, sizeof(e->pin_dir), "/sys/fs/bpf/xepc-test-%d-%d",
		 (int)getpid(), ++t->seq);
	if (mkdir(e->pin_dir, 0700) && errno != EEXIST)
		return -errno;
	{
		LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = e->pin_dir);

		e->s1u = xdp_s1u__open_opts(&o);
		e->sgi = xdp_sgi__open_opts(&o);
		e->tc = tc_ue__open_opts(&o);
	}
	if (!e->s1u || !e->sgi || !e->tc)
		return -ENOENT;
	if (set_sizes(e->s1u->obj) || set_sizes(e->sgi->obj) ||
	    set_sizes(e->tc->obj))
		return -EINVAL;
	err = xdp_s1u__load(e->s1u);
	if (!err)
		err = xdp_sgi__load(e->sgi);
	if (!err)
		err = tc_ue__load(e->tc);
	if (err)
		return err;
	if (fill_tail6(e->s1u->obj, "xdp_s1u_ipv6", XEPC_TAIL6_S1U) ||
	    fill_tail6(e->sgi->obj, "xdp_sgi_ipv6", XEPC_TAIL6_SGI))
		return -ENOENT;
	e->prog_s1u = bpf_program__fd(e->s1u->progs.xdp_s1u);
	e->prog_sgi = bpf_program__fd(e->sgi->progs.xdp_sgi);
	e->prog_tc = bpf_program__fd(e->tc->progs.tc_ue);
	e->fd_config = map_fd(e->s1u->obj, XEPC_MAP_CONFIG);
	e->fd_sessions = map_fd(e->s1u->obj, XEPC_MAP_SESSIONS);
	e->fd_ue = map_fd(e->s1u->obj, XEPC_MAP_UE);
	e->fd_ue_direct = map_fd(e->s1u->obj, XEPC_MAP_UE_DIRECT);
	e->fd_usage = map_fd(e->s1u->obj, XEPC_MAP_USAGE);
	e->fd_rulesets = map_fd(e->s1u->obj, XEPC_MAP_RULESETS);
	e->fd_meters = map_fd(e->s1u->obj, XEPC_MAP_METERS);
	e->fd_charging = map_fd(e->s1u->obj, XEPC_MAP_CHARGING);
	e->fd_stats = map_fd(e->s1u->obj, XEPC_MAP_STATS);
	e->fd_events = map_fd(e->s1u->obj, XEPC_MAP_EVENTS);
	e->fd_pktbuf = map_fd(e->s1u->obj, XEPC_MAP_PKTBUF);
	e->fd_err_rl = map_fd(e->s1u->obj, XEPC_MAP_ERR_RL);
	e->fd_routes = map_fd(e->s1u->obj, XEPC_MAP_ROUTES);
	e->fd_teid_ev = map_fd(e->s1u->obj, XEPC_MAP_TEID_EV);
	e->fd_rl = map_fd(e->s1u->obj, XEPC_MAP_RL);
	e->fd_ue6 = map_fd(e->s1u->obj, XEPC_MAP_UE6);
	e->fd_sess6 = map_fd(e->s1u->obj, XEPC_MAP_SESS6);
	e->fd_s1u6 = map_fd(e->s1u->obj, XEPC_MAP_S1U6);

	e->fd_uncharged = map_fd(e->s1u->obj, XEPC_MAP_UNCHARGED);
	e->uncharged_len = 256 * sizeof(struct xepc_uncharged);
	e->charging_len = 256 * sizeof(struct xepc_charge);
	if (map_mmap(e->fd_uncharged, e->uncharged_len, (void **)&e->uncharged) ||
	    map_mmap(e->fd_charging, e->charging_len, (void **)&e->charging))
		return -errno;
	e->rb = ring_buffer__new(e->fd_events, gather, e, NULL);
	if (!e->rb || ring_buffer__add(e->rb, e->fd_pktbuf, gather, e) ||
	    ring_buffer__add(e->rb, e->fd_teid_ev, gather, e))
		return -errno;

	cfg.gtpu_addr = inet_addr("10.10.0.1");
	cfg.mode = XEPC_MODE_ROUTED;
	cfg.idle_buffer_max = 4;
	cfg.recovery = 7;
	cfg.clock_ns = XEPC_NS_PER_SEC;
	cfg.ue_direct_mask = ENV_UE_DIRECT_SLOTS - 1;
	return env_config(e, &cfg);
}

void env_close(struct dp_env *e)
{
	struct bpf_map *m;

	if (e->rb)
		ring_buffer__free(e->rb);
	if (e->charging)
		munmap(e->charging, e->charging_len);
	if (e->uncharged)
		munmap(e->uncharged, e->uncharged_len);
	/* unpin what this env pinned (its own directory only) */
	if (e->s1u) {
		bpf_object__for_each_map(m, e->s1u->obj)
			if (bpf_map__pin_path(m))	/* not .kconfig */
				bpf_map__unpin(m, NULL);
	}
	tc_ue__destroy(e->tc);
	xdp_sgi__destroy(e->sgi);
	xdp_s1u__destroy(e->s1u);
	if (e->pin_dir[0])
		rmdir(e->pin_dir);
	memset(e, 0, sizeof(*e));
}

int env_config(struct dp_env *e, const struct xepc_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(e->fd_config, &zero, cfg, BPF_ANY);
}

int env_get_config(struct dp_env *e, struct xepc_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(e->fd_config, &zero, cfg);
}

int env_set_clock(struct dp_env *e, __u64 ns)
{
	struct xepc_config cfg;
	int err = env_get_config(e, &cfg);

	if (err)
		return err;
	cfg.clock_ns = ns;
	return env_config(e, &cfg);
}

int env_route_flush(struct dp_env *e)
{
	struct xepc_config cfg;
	int err = env_get_config(e, &cfg);

	if (err)
		return err;
	cfg.route_gen++;
	return env_config(e, &cfg);
}

struct xepc_session env_default_session(__u32 sid)
{
	struct xepc_session s = { 0 };

	s.ue_addr = htonl(ntohl(inet_addr("10.45.0.0")) + sid);
	s.enb_addr = inet_addr("10.10.0.2");
	s.teid_local = 0x01000000u | sid;
	s.teid_remote = 0x5000 + sid;
	s.flags = XEPC_SF_ACTIVE | XEPC_SF_TUNNEL;
	s.default_action = XEPC_ACT_PASS;
	return s;
}

int env_sess6(struct dp_env *e, __u32 sid, const uint8_t pfx[8], __u32 cookie)
{
	struct xepc_session6 v = { .cookie = cookie, .flags = XEPC_S6_VALID };
	__u64 k;

	memcpy(v.prefix, pfx, 8);
	memcpy(&k, pfx, 8);
	if (bpf_map_update_elem(e->fd_sess6, &sid, &v, BPF_ANY))
		return -1;
	return bpf_map_update_elem(e->fd_ue6, &k, &sid, BPF_ANY);
}

/* The session entry alone: xepc_sessions (the control plane's record) and
 * the packets' copy in its xepc_usage value (bank 0, struct xepc_usage),
 * the rest of the value kept.  The tests write while no packet runs. */
int env_session_entry(struct dp_env *e, __u32 sid, const struct xepc_session *s)
{
	struct xepc_usage u;
	int err = bpf_map_update_elem(e->fd_sessions, &sid, s, BPF_ANY);

	if (!err)
		err = bpf_map_lookup_elem(e->fd_usage, &sid, &u);
	if (!err) {
		u.sess = *s;
		u.sess.gen = 0;
		err = bpf_map_update_elem(e->fd_usage, &sid, &u, BPF_ANY);
	}
	return err;
}

int env_session(struct dp_env *e, __u32 sid, const struct xepc_session *s)
{
	int err = env_session_entry(e, sid, s);

	if (!err)
		err = bpf_map_update_elem(e->fd_ue, &s->ue_addr, &sid, BPF_ANY);
	if (!err) {
		/* its direct slot too when free, as userspace/dp does */
		__u32 slot = xepc_ue_slot(s->ue_addr, ENV_UE_DIRECT_SLOTS - 1);
		struct xepc_ue_direct d, mine = { s->ue_addr, sid };

		err = bpf_map_lookup_elem(e->fd_ue_direct, &slot, &d);
		if (!err && (!d.ue_addr || d.ue_addr == s->ue_addr))
			err = bpf_map_update_elem(e->fd_ue_direct, &slot, &mine, BPF_ANY);
	}
	return err;
}

int env_ruleset(struct dp_env *e, __u32 id, const struct xepc_ruleset *rs)
{
	struct xepc_ruleset ix = *rs;

	xepc_ruleset_index(&ix);	/* as userspace/dp writes them */
	return bpf_map_update_elem(e->fd_rulesets, &id, &ix, BPF_ANY);
}

int env_ruleset_unindexed(struct dp_env *e, __u32 id, const struct xepc_ruleset *rs)
{
	struct xepc_ruleset raw = *rs;

	raw.flags &= ~XEPC_RS_INDEXED;
	return bpf_map_update_elem(e->fd_rulesets, &id, &raw, BPF_ANY);
}

int env_meter(struct dp_env *e, __u32 id, __u64 rate, __u64 burst)
{
	struct xepc_meter m = { 0 };

	m.rate = rate;
	m.burst = burst;
	m.inc_per_byte = xepc_meter_inc_per_byte(rate);
	return bpf_map_update_elem(e->fd_meters, &id, &m, BPF_F_LOCK);
}

int env_get_meter(struct dp_env *e, __u32 id, struct xepc_meter *m)
{
	return bpf_map_lookup_elem_flags(e->fd_meters, &id, m, BPF_F_LOCK);
}

int env_get_usage(struct dp_env *e, __u32 sid, struct xepc_usage *u)
{
	return bpf_map_lookup_elem(e->fd_usage, &sid, u);
}

__u64 env_stat(struct dp_env *e, __u32 key)
{
	int n = libbpf_num_possible_cpus(), i;
	struct xepc_stat v[n > 0 ? n : 1];
	__u64 sum = 0;

	if (n <= 0 || bpf_map_lookup_elem(e->fd_stats, &key, v))
		return ~0ull;
	for (i = 0; i < n; i++)
		sum += v[i].packets;
	return sum;
}

int env_run_xdp(int prog_fd, const void *in, size_t len, int ifindex,
		void *out, size_t *out_len, __u32 *retval)
{
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = 4096,
		    .repeat = 1);
	int err;

	ctx.data_end = len;
	ctx.ingress_ifindex = ifindex;
	if (ifindex) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	*retval = o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

int env_run_tc(int prog_fd, const void *in, size_t len, int ifindex,
	       __u32 gso_segs, void *out, size_t *out_len, __u32 *retval)
{
	struct __sk_buff skb = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = 4096,
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb),
		    .repeat = 1);
	int err;

	skb.ifindex = ifindex;
	skb.gso_segs = gso_segs;
	if (gso_segs > 1)
		skb.gso_size = 500;
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	*retval = o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

int env_rate_limit(struct dp_env *e, __u32 kind, __u64 total_per_s, __u64 peer_per_s)
{
	struct xepc_rl rl = { .total_per_s = total_per_s, .peer_per_s = peer_per_s };

	return bpf_map_update_elem(e->fd_rl, &kind, &rl, 0);
}

int env_poll_events(struct dp_env *e)
{
	int before = e->n_events;

	ring_buffer__consume(e->rb);
	return e->n_events - before;
}

const void *env_event(struct dp_env *e, __u16 type, int idx)
{
	int i;

	for (i = 0; i < e->n_events; i++) {
		const struct xepc_ev_hdr *h = (const void *)e->events[i];

		if (h->type == type && idx-- == 0)
			return h;
	}
	return NULL;
}

size_t env_ul(uint8_t *f, __u32 sid, const char *src, const char *dst,
	      uint8_t proto, uint16_t sport, uint16_t dport, size_t payload,
	      size_t *il)
{
	struct inner_spec in = { .src = ip4(src), .dst = ip4(dst),
				 .proto = proto, .sport = sport, .dport = dport,
				 .payload = payload };
	struct gtp_spec g = { .teid = 0x01000000u | sid };
	uint8_t tpdu[4096];
	size_t n = pkt_inner(tpdu, &in);

	if (il)
		*il = n;
	return pkt_gtp(f, &g, tpdu, n);
}

size_t env_dl(uint8_t *f, const char *src, const char *dst, uint8_t proto,
	      uint16_t sport, uint16_t dport, size_t payload, size_t *il)
{
	struct inner_spec in = { .src = ip4(src), .dst = ip4(dst),
				 .proto = proto, .sport = sport, .dport = dport,
				 .payload = payload };
	uint8_t ip[4096];
	size_t n = pkt_inner(ip, &in);

	if (il)
		*il = n;
	return pkt_eth(f, 0, ip, n);
}

size_t env_dl6(uint8_t *f, const char *src, const char *dst, uint16_t sport,
	       uint16_t dport, uint8_t hl, size_t payload, size_t *il)
{
	uint8_t ip[4096];
	size_t n = pkt_udp6(ip, src, dst, sport, dport, hl, payload);

	if (il)
		*il = n;
	return pkt_eth6(f, ip, n);
}
