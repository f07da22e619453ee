/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp.h — what the datapath needs to answer with ICMP errors (RFC 792):
 * the checksum of an ICMP message whose quoted part lies in the packet.
 */
#ifndef XEPC_ICMP_H
#define XEPC_ICMP_H

#include "parse.h"

/* RFC 792: an error quotes the internet header + 64 bits of data */
static __always_inline __u32 icmp_quote_len(__u32 len, __u32 ihl)
{
	return len < ihl + 8 ? len : ihl + 8;
}

/*
 * RFC 1071 checksum of an ICMP message: the 8-byte header at icmp (whose
 * 16-bit words, checksum 0, are summed in hdr_sum by the caller, raw) and
 * quote bytes after it (at most 60 + 8).  Returns 0 when the quote runs
 * past end (the caller then drops).
 */
static __always_inline int icmp_csum(__u8 *icmp, __u32 quote, void *end,
				     __u32 hdr_sum, __u16 *out)
{
	__u32 sum = hdr_sum, i;

	for (i = 0; i < 34; i++) {
		__u8 *w = icmp + 8 + 2 * i;

		if (2 * i + 2 > quote || (void *)(w + 2) > end)
			break;
		sum += *(__u16 *)w;
	}
	if (quote & 1) {
		__u8 *b = icmp + 8 + (quote & 0x7e);

		if ((void *)(b + 1) > end)
			return 0;
		sum += bpf_htons((__u16)*b << 8);
	}
	*out = csum_fold32(sum);
	return 1;
}

#endif /* XEPC_ICMP_H */
