// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame_restore — test-only XDP wrapper for BPF_PROG_TEST_RUN with
 * repeat > 1.  The kernel runs every repeat on the same buffer, so a
 * program that encapsulates or decapsulates would see its own output from
 * the second repeat on.  This wrapper puts the original frame back (length
 * and first XEPC_RESTORE_MAX bytes, from the `orig` map) and tail-calls the
 * program under test (`target[0]`).  Its own cost is measured by pointing
 * target at `bare`, which only returns XDP_PASS.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define XEPC_RESTORE_MAX 256

struct restore_frame {
	__u32 len;			/* original frame length, bytes */
	__u32 pad;
	__u8 data[XEPC_RESTORE_MAX];	/* its first bytes */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct restore_frame);
} orig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

SEC("xdp")
int restore(struct xdp_md *ctx)
{
	struct restore_frame *fr;
	__u32 zero = 0, n;
	int cur;

	fr = bpf_map_lookup_elem(&orig, &zero);
	if (!fr || !fr->len)
		return XDP_ABORTED;
	/* The head moved by encapsulation (-36) or decapsulation (+outer):
	 * put it back.  Valid for frames whose tail the program keeps
	 * (G-PDUs and SGi frames without Ethernet padding). */
	cur = ctx->data_end - ctx->data;
	if (cur != (int)fr->len && bpf_xdp_adjust_head(ctx, cur - (int)fr->len))
		return XDP_ABORTED;
	n = fr->len < XEPC_RESTORE_MAX ? fr->len : XEPC_RESTORE_MAX;
	if (n < 1 || n > XEPC_RESTORE_MAX)
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, fr->data, n))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}
