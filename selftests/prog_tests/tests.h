/* SPDX-License-Identifier: GPL-2.0-only */
/* Every test_<name>() of prog_tests/, in the order the runner runs them. */
#ifndef XEPC_SELFTESTS_LIST_H
#define XEPC_SELFTESTS_LIST_H
#define XEPC_SELFTESTS(X)	\
	X(load_pin)		\
	X(gtpu_parse)		\
	X(echo)			\
	X(uplink)		\
	X(downlink)		\
	X(downlink_mtu)		\
	X(idle)			\
	X(idle_ttl)		\
	X(rules)		\
	X(bearer)		\
	X(meter)		\
	X(quota)		\
	X(flood)		\
	X(tc_ue)		\
	X(tc_ue6)		\
	X(route_cache)		\
	X(repeat)		\
	X(random_frames)	\
	X(ipv6)			\
	X(outer6)		\
	X(bpftool)		\
	X(bench_maps)
#endif
