// SPDX-License-Identifier: GPL-2.0-only
/*
 * flood: what a flood of unknown TEIDs (and of Echo Requests) can and
 * cannot take from userspace (docs/datapath.md "events under a flood").
 * Downlink-data (paging) and quota events have xepc_events to themselves:
 * 20000 G-PDUs with random unknown TEIDs, interleaved with 200 paging and
 * 200 quota triggers and consumed only afterwards (userspace late), lose
 * none of them; the unknown-TEID events are bounded per peer and in total,
 * and what was held back is counted.  Echo Requests are answered under the
 * same kind of limit.
 */
#include <arpa/inet.h>
#include "../dp_env.h"
#include "../pkt.h"

#define FLOOD		20000
#define N_TRIG		200		/* paging and quota triggers each */
#define IDLE_SID0	100		/* idle sessions 100..299 */
#define QUOTA_SID0	400		/* quota sessions 400..599 */
#define PEERS		20
#define TOTAL_MAX	500
#define PEER_MAX	50

struct tally {
	int ddn, quota, unknown;
	int per_peer[PEERS + 2];
};

static int tally_ev(void *arg, void *data, size_t size)
{
	const struct xepc_ev_hdr *h = data;
	struct tally *t = arg;

	if (size < sizeof(*h))
		return 0;
	if (h->type == XEPC_EV_DDN)
		t->ddn++;
	else if (h->type == XEPC_EV_QUOTA_EXHAUSTED || h->type == XEPC_EV_QUOTA_THRESHOLD)
		t->quota++;
	else if (h->type == XEPC_EV_UNKNOWN_TEID) {
		const struct xepc_ev_unknown_teid *u = data;
		__u32 p = ntohl(u->peer_addr) & 0xff;

		t->unknown++;
		if (p < PEERS + 2)
			t->per_peer[p]++;
	}
	return 0;
}

/* A G-PDU from peer 10.11.0.<peer> with a TEID that has no session. */
static size_t unknown_gpdu(uint8_t *f, __u32 n, __u32 peer)
{
	struct inner_spec in = { .src = ip4("10.45.9.9"), .dst = ip4("198.51.100.1"),
				 .proto = 17, .sport = 1, .dport = 2, .payload = 20 };
	/* session ids beyond the sessions map: never a session */
	struct gtp_spec g = { .teid = 0x01000000u | (0x10000u + n),
			      .src = htonl(0x0a0b0000u | peer) };
	uint8_t tpdu[256];
	size_t len = pkt_inner(tpdu, &in);

	return pkt_gtp(f, &g, tpdu, len);
}

static size_t echo_req(uint8_t *f, __u32 peer, __u16 seq)
{
	struct gtp_spec g = { .type = XEPC_GTP_ECHO_REQ, .seq = seq, .flags = 0x32,
			      .src = htonl(0x0a0b0000u | peer) };

	return pkt_gtp(f, &g, NULL, 0);
}

static int consume(struct dp_env *e, struct tally *t)
{
	struct ring_buffer *rb = ring_buffer__new(e->fd_events, tally_ev, t, NULL);
	int rc;

	if (!rb)
		return -1;
	rc = ring_buffer__add(rb, e->fd_teid_ev, tally_ev, t);
	if (!rc)
		rc = ring_buffer__consume(rb) < 0;
	ring_buffer__free(rb);
	return rc;
}

void test_flood(struct test_ctx *t)
{
	uint8_t f[2048], out[4096];
	size_t len, out_len = 0;
	struct tally tl = { 0 };
	struct dp_env e;
	__u32 ret = 0, i;
	int tx, rl;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	for (i = 0; i < N_TRIG; i++) {
		struct xepc_session s = env_default_session(IDLE_SID0 + i);
		struct xepc_session q = env_default_session(QUOTA_SID0 + i);
		struct xepc_charge *c = &e.charging[1 + i];

		s.flags = XEPC_SF_ACTIVE;	/* idle: downlink raises paging */
		s.enb_addr = 0;
		ASSERT_OK(env_session(&e, IDLE_SID0 + i, &s), "idle session");
		memset(c, 0, sizeof(*c));
		c->remaining = 100;		/* one 1000-byte packet exhausts it */
		c->rating_group = 1;
		c->session_id = QUOTA_SID0 + i;
		c->flags = XEPC_CF_VALID | XEPC_CF_ONLINE;
		q.charge_base = 1 + i;
		q.n_charge = 1;
		ASSERT_OK(env_session(&e, QUOTA_SID0 + i, &q), "quota session");
	}
	ASSERT_OK(env_rate_limit(&e, XEPC_RL_TEID_EV, TOTAL_MAX, PEER_MAX), "limits");

	test__start_subtest(t, "paging_and_quota_never_lost_to_unknown_teids");
	for (i = 0; i < FLOOD; i++) {
		len = unknown_gpdu(f, i, 1 + i % PEERS);
		env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
		if (i % (FLOOD / N_TRIG) == 0) {
			char ue[16];
			__u32 k = i / (FLOOD / N_TRIG);

			snprintf(ue, sizeof(ue), "10.45.%u.%u", (IDLE_SID0 + k) >> 8,
				 (IDLE_SID0 + k) & 0xff);
			len = env_dl(f, "198.51.100.10", ue, 17, 53, 4000, 100, NULL);
			env_run_xdp(e.prog_sgi, f, len, t->if_sgi, out, &out_len, &ret);
			snprintf(ue, sizeof(ue), "10.45.%u.%u", (QUOTA_SID0 + k) >> 8,
				 (QUOTA_SID0 + k) & 0xff);
			len = env_ul(f, QUOTA_SID0 + k, ue, "198.51.100.10", 17, 1, 2,
				     1000 - 28, NULL);
			env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
		}
	}
	ASSERT_OK(consume(&e, &tl), "consume the rings");
	ASSERT_EQ(tl.ddn, N_TRIG, "every downlink-data (paging) event arrived");
	ASSERT_EQ(tl.quota, N_TRIG, "every quota event arrived");
	ASSERT_EQ(env_cnt(&e, EV_LOST), 0, "EV_LOST (paging/quota) = 0");
	ASSERT_EQ(tl.unknown, TOTAL_MAX, "unknown-TEID events = the total limit");
	ASSERT_EQ(env_cnt(&e, EV_UNKNOWN_TEID), TOTAL_MAX, "EV_UNKNOWN_TEID counter");
	ASSERT_EQ(env_cnt(&e, EV_TEID_SUPPRESSED), FLOOD - TOTAL_MAX,
		  "suppressed unknown-TEID events counted");
	ASSERT_EQ(env_cnt(&e, EV_TEID_LOST), 0, "EV_TEID_LOST");
	ASSERT_EQ(env_drops(&e, UNKNOWN_TEID), FLOOD, "every flood packet dropped");
	for (i = 1; i <= PEERS; i++)
		if (!ASSERT_LE(tl.per_peer[i], PEER_MAX, "per-peer bound"))
			break;

	test__start_subtest(t, "per_peer_limit_leaves_room_for_others");
	ASSERT_OK(env_set_clock(&e, 3 * XEPC_NS_PER_SEC), "next window");
	memset(&tl, 0, sizeof(tl));
	for (i = 0; i < 1000; i++) {
		len = unknown_gpdu(f, FLOOD + i, 1);
		env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
	}
	len = unknown_gpdu(f, FLOOD + 1000, PEERS + 1);
	env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
	ASSERT_OK(consume(&e, &tl), "consume");
	ASSERT_EQ(tl.per_peer[1], PEER_MAX, "the flooding peer: its limit");
	ASSERT_EQ(tl.per_peer[PEERS + 1], 1, "another peer still heard");

	test__start_subtest(t, "window_rolls");
	ASSERT_OK(env_set_clock(&e, 5 * XEPC_NS_PER_SEC), "next window");
	memset(&tl, 0, sizeof(tl));
	len = unknown_gpdu(f, FLOOD + 2000, 1);
	env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
	ASSERT_OK(consume(&e, &tl), "consume");
	ASSERT_EQ(tl.per_peer[1], 1, "the peer is heard again in a new second");

	test__start_subtest(t, "echo_answered_under_rate_limit");
	/* the defaults: XEPC_DEF_ECHO_PEER_PER_S per peer */
	tx = rl = 0;
	for (i = 0; i < 3 * XEPC_DEF_ECHO_PEER_PER_S; i++) {
		len = echo_req(f, 1, (__u16)i);
		ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
		tx += ret == XDP_TX;
		rl += ret == XDP_DROP;
	}
	ASSERT_EQ(tx, XEPC_DEF_ECHO_PEER_PER_S, "answered: the per-peer limit");
	ASSERT_EQ(env_drops(&e, ECHO_RATE_LIMIT), 2 * XEPC_DEF_ECHO_PEER_PER_S,
		  "ECHO_RATE_LIMIT counts the rest");
	len = echo_req(f, 2, 1);
	ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret), "run");
	ASSERT_EQ(ret, XDP_TX, "another peer is answered");
	ASSERT_OK(env_rate_limit(&e, XEPC_RL_ECHO, 3, XEPC_RL_UNLIMITED), "total 3");
	tx = 0;
	for (i = 0; i < 10; i++) {
		len = echo_req(f, 3 + i, 1);
		env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret);
		tx += ret == XDP_TX;
	}
	ASSERT_EQ(tx, 3, "total limit over all peers");
out:
	env_close(&e);
}
