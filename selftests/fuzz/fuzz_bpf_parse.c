// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_bpf_parse — the datapath's packet parsers (bpf/parse.h), compiled
 * for userspace and fed arbitrary frames under ASan/UBSan.  In the kernel
 * the verifier already proves every access in bounds; this target checks
 * the logic: a parser that accepts a frame must describe a layout that
 * lies inside it (lengths consistent, offsets in the frame), and one that
 * rejects it must say why with a real drop reason.
 *
 * The frame is copied to the end of a heap buffer, so any read past the
 * end is an ASan report.  It starts FRAME_ALIGN_OFF bytes into the buffer
 * (malloc returns 16-byte aligned memory) so that, as in the kernel, the IP
 * header behind a 14-byte Ethernet header is 4-byte aligned: drivers
 * reserve NET_IP_ALIGN (2) bytes of headroom, and the XDP headroom
 * (XDP_PACKET_HEADROOM, 256) keeps that alignment.  UBSan's alignment check
 * then judges the parsers' loads as the kernel's layout would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

#define FRAME_ALIGN_OFF 2	/* NET_IP_ALIGN */

static void check(int cond)
{
	if (!cond)
		abort();
}

static int walk(void *data, void *end)
{
	struct gtpu_info gi = { 0 };
	struct l2_info l2 = { 0 };
	struct iphdr *iph = NULL;
	struct udphdr *uh = NULL;
	__u32 ihl = 0, off, size = (__u32)((char *)end - (char *)data);
	int rc;

	rc = parse_eth(data, end, &l2);
	if (rc)
		return rc;
	check(l2.len == 14 || l2.len == 18);
	check(l2.len <= size);
	if (l2.proto != ETH_P_IP)
		return PARSE_PASS;
	rc = parse_ipv4(data, end, l2.len, &iph, &ihl);
	if (rc)
		return rc;
	check(ihl >= 20 && ihl <= 60);
	check(l2.len + bpf_ntohs(iph->tot_len) <= size);
	off = l2.len + ihl;
	rc = parse_udp(data, end, off, bpf_ntohs(iph->tot_len) - ihl, &uh);
	if (rc)
		return rc;
	check(off + bpf_ntohs(uh->len) <= size);
	off += sizeof(*uh);
	rc = parse_gtpu(data, end, off, bpf_ntohs(uh->len) - sizeof(*uh), &gi);
	if (rc)
		return rc;
	/* TS 29.281 5.1: the header and its extensions lie inside the message */
	check(gi.hdr_len >= 8 && gi.hdr_len <= gi.msg_len);
	check(gi.msg_len == bpf_ntohs(uh->len) - sizeof(*uh));
	check(off + gi.msg_len <= size);
	check((gi.hdr_len - 8) % 4 == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	uint8_t *buf;
	int rc;

	if (n > 4096)
		return 0;
	buf = malloc(FRAME_ALIGN_OFF + n);
	if (!buf)
		return 0;
	memcpy(buf + FRAME_ALIGN_OFF, in, n);
	rc = walk(buf + FRAME_ALIGN_OFF, buf + FRAME_ALIGN_OFF + n);
	check(rc == 0 || rc == PARSE_PASS || (rc > 0 && rc < XEPC_DROP__MAX));
	free(buf);
	return 0;
}
