// SPDX-License-Identifier: GPL-2.0-only
/* bench_maps: the benchmark's BPF object (selftests/progs/bench_dp.bpf.c,
 * driven by tools/bench/dp_bench) loads with every map created as declared,
 * BTF included: libbpf reports no error.  A map the kernel refuses with its
 * BTF (a bpf_spin_lock in a per-CPU value) made libbpf print "Error in
 * bpf_create_map_xattr(bench_pcpu)" in every dp_bench run and retry without
 * BTF. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "../dp_env.h"
#include "selftests/bench_dp.skel.h"

static char bench_maps_log[4096];

static int bench_maps_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(bench_maps_log);

	if (level == LIBBPF_DEBUG || n + 1 >= sizeof(bench_maps_log))
		return 0;
	return vsnprintf(bench_maps_log + n, sizeof(bench_maps_log) - n, fmt, ap);
}

void test_bench_maps(struct test_ctx *t)
{
	libbpf_print_fn_t old;
	struct bench_dp *bp;
	int err;

	test__start_subtest(t, "loads_without_libbpf_errors");
	bench_maps_log[0] = '\0';
	old = libbpf_set_print(bench_maps_print);
	bp = bench_dp__open();
	err = bp ? bench_dp__load(bp) : -ENOENT;
	libbpf_set_print(old);
	ASSERT_OK(err, "bench_dp loads");
	ASSERT_TRUE(!strstr(bench_maps_log, "Error") && !strstr(bench_maps_log, "Retrying"),
		    "libbpf printed no error while loading bench_dp");
	if (bench_maps_log[0])
		printf("# libbpf said: %s", bench_maps_log);
	if (bp)
		ASSERT_EQ(bpf_map__btf_value_type_id(bp->maps.bench_pcpu) != 0, 1,
			  "bench_pcpu created with its BTF value type");
	bench_dp__destroy(bp);
}
