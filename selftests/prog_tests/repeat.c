// SPDX-License-Identifier: GPL-2.0-only
/*
 * repeat: the frame_restore wrapper (selftests/progs) makes repeat > 1
 * meaningful for programs that rewrite the frame: every repeat must take
 * the full forwarding path (the datapath's own counters say so) and end in
 * XDP_REDIRECT.  Also prints the per-packet cost as a diagnostic (never
 * asserted: benchmarks measure, tests do not).
 */
#include "../dp_env.h"
#include "../pkt.h"
#include "selftests/frame_restore.skel.h"

#define SID 23
#define REPEAT 10000

struct restore_frame {
	__u32 len;
	__u32 pad;
	__u8 data[256];
};

static int run_wrapped(struct frame_restore *w, int target, const uint8_t *f,
		       size_t len, int ifindex, __u32 *retval, __u32 *ns)
{
	struct restore_frame fr = { .len = len };
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	uint8_t out[4096];
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = REPEAT);

	memcpy(fr.data, f, len < sizeof(fr.data) ? len : sizeof(fr.data));
	if (bpf_map_update_elem(bpf_map__fd(w->maps.orig), &zero, &fr, 0) ||
	    bpf_map_update_elem(bpf_map__fd(w->maps.target), &zero, &target, 0))
		return -errno;
	if (bpf_prog_test_run_opts(bpf_program__fd(w->progs.restore), &o))
		return -errno;
	*retval = o.retval;
	*ns = o.duration;
	return 0;
}

void test_repeat(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(SID);
	struct frame_restore *w = NULL;
	__u32 ret = 0, ns_bare = 0, ns = 0;
	uint8_t f[2048];
	struct dp_env e;
	size_t len, il;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	w = frame_restore__open_and_load();
	if (!ASSERT_OK_PTR(w, "frame_restore load"))
		goto out;
	ASSERT_OK(env_session(&e, SID, &s), "session");

	test__start_subtest(t, "wrapper_alone");
	len = env_ul(f, SID, "10.45.0.23", "198.51.100.10", 17, 1000, 2000, 36, &il);
	ASSERT_OK(run_wrapped(w, bpf_program__fd(w->progs.bare), f, len, t->if_s1u,
			      &ret, &ns_bare), "run");
	ASSERT_EQ(ret, XDP_PASS, "bare target reached");

	test__start_subtest(t, "uplink_every_repeat_forwarded");
	ASSERT_OK(run_wrapped(w, e.prog_s1u, f, len, t->if_s1u, &ret, &ns), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	ASSERT_EQ(env_cnt(&e, UL_FWD), REPEAT, "UL_FWD on every repeat");
	printf("# uplink: %u ns/packet, wrapper %u ns\n", ns, ns_bare);

	test__start_subtest(t, "downlink_every_repeat_forwarded");
	len = env_dl(f, "198.51.100.10", "10.45.0.23", 17, 2000, 1000, 36, &il);
	ASSERT_OK(run_wrapped(w, e.prog_sgi, f, len, t->if_sgi, &ret, &ns), "run");
	ASSERT_EQ(ret, XDP_REDIRECT, "XDP_REDIRECT");
	ASSERT_EQ(env_cnt(&e, DL_FWD), REPEAT, "DL_FWD on every repeat");
	printf("# downlink: %u ns/packet, wrapper %u ns\n", ns, ns_bare);
out:
	frame_restore__destroy(w);
	env_close(&e);
}
