/*
 * fuzz_gtpu_ue — gtpu-ue's G-PDU decapsulation (gtpu_payload_offset)
 * under libFuzzer, judged against the datapath's own GTP-U parser
 * (bpf/parse.h, compiled for userspace) on the same bytes:
 *
 *   - an accepted message has its T-PDU inside it, after the 8-octet
 *     header and whole 4-octet extension units;
 *   - what the datapath accepts, gtpu-ue accepts with the same header
 *     length (TS 29.281 5.1, 5.2);
 *   - what gtpu-ue accepts and the datapath refuses is refused only for the
 *     datapath's own bounds (at most XEPC_GTP_MAX_EXT_HDRS extension
 *     headers, headers before PARSE_MAX_OFF).
 *
 * The input is the UDP payload, copied to a buffer of exactly its size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* From tools/gtpu-ue/gtpu_ue_lib.h, which cannot be included beside
 * parse.h (<netinet/in.h> and <linux/in.h> clash). */
int gtpu_payload_offset(const uint8_t *p, size_t len);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	struct gtpu_info gi = { 0 };
	uint8_t *buf;
	int off, rc;

	if (n > 70000)
		return 0;
	buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, in, n);
	off = gtpu_payload_offset(buf, n);
	if (off >= 0) {
		check(off >= 8 && (size_t)off <= n);
		check((off - 8) % 4 == 0);
	}
	if (n <= 0xffff + 8) {
		rc = parse_gtpu(buf, buf + n, 0, (__u32)n, &gi);
		if (rc == 0)
			check(off == (int)gi.hdr_len);
		else if (off >= 0)
			check(rc == XEPC_DROP_GTP_EXT_TOO_MANY ||
			      (rc == XEPC_DROP_GTP_EXT_TRUNC && off > PARSE_MAX_OFF));
	}
	free(buf);
	return 0;
}
