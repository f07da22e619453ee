// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtpu_parse: xdp_s1u's packet walk on good and malformed frames — every
 * parse drop reason, VLAN, IPv4 options, fragments, the extension-header
 * chain (TS 29.281 5.2), message types.  NAT mode, so that a good G-PDU
 * ends in XDP_PASS (decapsulated) without needing a route.
 */
#include <arpa/inet.h>
#include "../dp_env.h"
#include "../pkt.h"

#define SID 1

struct parse_case {
	const char *name;
	struct gtp_spec g;
	struct inner_spec in;	/* .proto 0 -> default UDP */
	int tpdu_extra;		/* bytes of garbage after the inner packet */
	int cut;		/* bytes removed from the end of the frame */
	int ip_tot;		/* > 0: force outer tot_len (and UDP length) */
	int mangle;		/* see apply_mangle() */
	__u32 ret;		/* XDP_* */
	__u32 stat;		/* the xepc_stats key that must count it */
};

/* ETH_TRUNC has no case: BPF_PROG_TEST_RUN refuses frames shorter than
 * ETH_HLEN (EINVAL), as drivers never hand them to XDP. */
enum { M_NONE, M_ETH_SHORT, M_VLAN_SHORT, M_IP_SHORT, M_IHL4, M_ARP, M_QINQ };

static const __u8 ext_pdu_container[] = { 1, 0x10, 0x05, 0x00 };
static const __u8 ext_unknown_then_container[] = {
	2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x85,	/* unknown 8 octets */
	1, 0x10, 0x05, 0x00,				/* PDU Session Container */
};
static const __u8 ext_zero_len[] = { 0, 0, 0, 0 };
static const __u8 ext_beyond[] = { 3, 0, 0, 0 };
static const __u8 ext_too_many[] = {
	1, 0, 0, 0x40, 1, 0, 0, 0x40, 1, 0, 0, 0x40, 1, 0, 0, 0x40,
	1, 0, 0, 0x40, 1, 0, 0, 0x40, 1, 0, 0, 0x40, 1, 0, 0, 0x40,
	1, 0, 0, 0,
};

#define DROP(r)	XEPC_STAT_DROP(XEPC_DROP_##r)
#define CNT(c)	XEPC_STAT_CNT(XEPC_CNT_##c)
#define TEID	(0x01000000u | SID)

static const struct parse_case cases[] = {
	{ "gpdu_plain", { .teid = TEID }, {}, 0, 0, 0, 0, XDP_PASS, CNT(UL_NAT_PASS) },
	{ "gpdu_vlan", { .teid = TEID, .vlan = 1 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(UL_NAT_PASS) },
	{ "gpdu_ip_options", { .teid = TEID, .ip_opts = 8 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(UL_NAT_PASS) },
	{ "gpdu_seq", { .teid = TEID, .seq = 77 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(UL_NAT_PASS) },
	{ "gpdu_pdu_session_container", { .teid = TEID, .ext = ext_pdu_container,
	  .ext_len = sizeof(ext_pdu_container), .first_ext = 0x85 }, {}, 0, 0, 0, 0,
	  XDP_PASS, CNT(UL_NAT_PASS) },
	{ "gpdu_unknown_ext_then_container", { .teid = TEID, .ext = ext_unknown_then_container,
	  .ext_len = sizeof(ext_unknown_then_container), .first_ext = 0x40 }, {}, 0, 0, 0, 0,
	  XDP_PASS, CNT(UL_NAT_PASS) },
	{ "ip_fragment", { .teid = TEID, .frag_off = 0x2000 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(IP_FRAG_PASS) },
	{ "ip_fragment_offset", { .teid = TEID, .frag_off = 0x0010 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(IP_FRAG_PASS) },
	{ "not_gtpu_port", { .teid = TEID, .dport = 53 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(NOT_GTPU_PASS) },
	{ "not_our_address", { .teid = TEID, .dst = 0x0a0a0a0a }, {}, 0, 0, 0, 0, XDP_PASS, CNT(NOT_GTPU_PASS) },
	{ "arp", { .teid = TEID }, {}, 0, 0, 0, M_ARP, XDP_PASS, CNT(NOT_GTPU_PASS) },
	{ "qinq", { .teid = TEID, .vlan = 1 }, {}, 0, 0, 0, M_QINQ, XDP_PASS, CNT(NOT_GTPU_PASS) },
	{ "error_indication_to_user", { .type = 26, .seq = 1 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(GTP_TO_USER) },
	{ "echo_response_to_user", { .type = 2, .seq = 1 }, {}, 0, 0, 0, 0, XDP_PASS, CNT(GTP_TO_USER) },
	{ "vlan_trunc", { .teid = TEID, .vlan = 1 }, {}, 0, 0, 0, M_VLAN_SHORT, XDP_DROP, DROP(VLAN_TRUNC) },
	{ "ip_trunc", { .teid = TEID }, {}, 0, 0, 0, M_IP_SHORT, XDP_DROP, DROP(IP_TRUNC) },
	{ "ip_ihl_below_5", { .teid = TEID }, {}, 0, 0, 0, M_IHL4, XDP_DROP, DROP(IP_HDR_LEN) },
	{ "ip_tot_len_beyond_frame", { .teid = TEID }, {}, 0, 10, 0, 0, XDP_DROP, DROP(IP_TOT_LEN) },
	{ "udp_trunc", { .teid = TEID }, {}, 0, 0, 24, 0, XDP_DROP, DROP(UDP_TRUNC) },
	{ "udp_len_mismatch", { .teid = TEID, .udp_len_delta = -2 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(UDP_LEN) },
	{ "gtp_trunc", { .teid = TEID }, {}, 0, 0, 20 + 8 + 4, 0, XDP_DROP, DROP(GTP_TRUNC) },
	/* S set, GTP length 2: no room for the 4 optional octets */
	{ "gtp_opt_trunc", { .teid = TEID, .seq = 1, .len_delta = -2 }, { .version = -1 },
	  0, 0, 20 + 8 + 10, 0, XDP_DROP, DROP(GTP_TRUNC) },
	{ "gtp_version_2", { .teid = TEID, .flags = 0x50 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_VERSION) },
	{ "gtp_version_0", { .teid = TEID, .flags = 0x10 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_VERSION) },
	{ "gtp_prime", { .teid = TEID, .flags = 0x20 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_PT) },
	{ "gtp_len_larger", { .teid = TEID, .len_delta = 4 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_LEN_LONG) },
	{ "gtp_len_smaller", { .teid = TEID, .len_delta = -4 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_LEN_SHORT) },
	{ "ext_len_zero", { .teid = TEID, .ext = ext_zero_len, .ext_len = sizeof(ext_zero_len),
	  .first_ext = 0x85 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_EXT_LEN) },
	{ "ext_beyond_message", { .teid = TEID, .ext = ext_beyond, .ext_len = sizeof(ext_beyond),
	  .first_ext = 0x85 }, { .version = -1 }, 0, 0, 0, 0, XDP_DROP, DROP(GTP_EXT_TRUNC) },
	{ "ext_too_many", { .teid = TEID, .ext = ext_too_many, .ext_len = sizeof(ext_too_many),
	  .first_ext = 0x40 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_EXT_TOO_MANY) },
	{ "end_marker", { .teid = TEID, .type = 254 }, { .version = -1 }, 0, 0, 0, 0,
	  XDP_DROP, DROP(GTP_END_MARKER) },
	{ "unsupported_type", { .teid = TEID, .type = 100 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(GTP_MSG_TYPE) },
	/* an IPv6 T-PDU on a session without an IPv6 prefix (ipv6.c has
	 * the sessions with one) */
	{ "inner_ipv6_no_prefix", { .teid = TEID }, { .version = 6, .payload = 20 }, 0, 0, 0, 0,
	  XDP_DROP, DROP(NO_IPV6) },
	{ "inner_trunc", { .teid = TEID }, { .version = -2 }, 0, 0, 0, 0, XDP_DROP, DROP(INNER_TRUNC) },
	{ "inner_len_mismatch", { .teid = TEID }, {}, 4, 0, 0, 0, XDP_DROP, DROP(INNER_LEN) },
	{ "unknown_teid", { .teid = 0x01000063 }, {}, 0, 0, 0, 0, XDP_DROP, DROP(UNKNOWN_TEID) },
	{ "spoofed_source", { .teid = TEID }, { .src = 0x0b2d0a0a }, 0, 0, 0, 0,
	  XDP_DROP, DROP(SPOOFED_SRC) },
};

/* Outer lengths forced to tot (the frame cut to match). */
static size_t force_tot(uint8_t *f, size_t l2, int tot)
{
	uint8_t *ip = f + l2;
	size_t ihl = (ip[0] & 0xf) * 4;

	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[10] = ip[11] = 0;
	{
		uint16_t c = pkt_csum(ip, ihl);

		ip[10] = c >> 8;
		ip[11] = c & 0xff;
	}
	if ((size_t)tot >= ihl + 8) {
		ip[ihl + 4] = (tot - ihl) >> 8;
		ip[ihl + 5] = (tot - ihl) & 0xff;
	}
	return l2 + tot;
}

static size_t build(const struct parse_case *c, uint8_t *f)
{
	struct inner_spec in = c->in;
	uint8_t tpdu[256];
	size_t n = 0, len, l2 = c->g.vlan ? 18 : 14;

	if (in.version == -1) {
		n = 0;			/* no T-PDU */
	} else if (in.version == -2) {
		memset(tpdu, 0x45, 10);	/* 10 bytes of an IPv4 header */
		n = 10;
	} else {
		if (!in.proto)
			in.proto = 17;
		if (!in.src)
			in.src = ip4("10.45.0.1");
		if (!in.dst)
			in.dst = ip4("198.51.100.10");
		in.sport = 40000;
		in.dport = 53;
		if (!in.payload)
			in.payload = 32;
		n = pkt_inner(tpdu, &in);
		memset(tpdu + n, 0xee, c->tpdu_extra);
		n += c->tpdu_extra;
	}
	len = pkt_gtp(f, &c->g, tpdu, n);
	if (c->ip_tot)
		len = force_tot(f, l2, c->ip_tot);
	len -= c->cut;
	switch (c->mangle) {
	case M_ETH_SHORT:
		len = 10;
		break;
	case M_VLAN_SHORT:
		len = 16;
		break;
	case M_IP_SHORT:
		len = 14 + 12;
		break;
	case M_IHL4:
		f[14] = 0x44;
		break;
	case M_ARP:
		f[12] = 0x08;
		f[13] = 0x06;
		break;
	case M_QINQ:
		f[12] = 0x88;
		f[13] = 0xa8;
		f[16] = 0x81;
		f[17] = 0x00;
		break;
	}
	return len;
}

void test_gtpu_parse(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct xepc_config cfg;
	struct dp_env e;
	uint8_t f[2048], out[4096];
	size_t i, out_len = 0;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	env_get_config(&e, &cfg);
	cfg.mode = XEPC_MODE_NAT;
	ASSERT_OK(env_config(&e, &cfg), "config");
	ASSERT_OK(env_session(&e, SID, &s), "session");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		__u64 before = env_stat(&e, c->stat);
		__u32 ret = ~0u;
		size_t len = build(c, f);

		test__start_subtest(t, c->name);
		if (!ASSERT_OK(env_run_xdp(e.prog_s1u, f, len, 0, out, &out_len, &ret),
			       "test_run"))
			continue;
		ASSERT_EQ(ret, c->ret, "XDP action");
		ASSERT_EQ(env_stat(&e, c->stat) - before, 1, "its counter");
		if (c->stat == CNT(UL_NAT_PASS)) {
			/* decapsulated: L2 kept (with its tag), inner IPv4 next */
			size_t l2 = c->g.vlan ? 18 : 14;

			ASSERT_EQ(out[l2 - 2], 0x08, "ethertype IPv4 (hi)");
			ASSERT_EQ(out[l2 - 1], 0x00, "ethertype IPv4 (lo)");
			ASSERT_EQ(out[l2], 0x45, "inner IPv4 header follows L2");
			ASSERT_EQ(out_len, l2 + 20 + 8 + 32, "decapsulated length");
			if (c->g.vlan)
				ASSERT_EQ(out[12] << 8 | out[13], 0x8100, "VLAN tag kept");
			ASSERT_TRUE(pkt_ipv4_csum_ok(out + l2), "inner checksum intact");
		}
	}
	test__start_subtest(t, "every_drop_counted_per_session");
	{
		struct xepc_usage u;

		ASSERT_OK(env_get_usage(&e, SID, &u), "usage");
		/* spoofed_source, inner_* and length drops of session 1 */
		ASSERT_GE(u.ul_drops, 4, "session uplink drops");
	}
out:
	env_close(&e);
}
