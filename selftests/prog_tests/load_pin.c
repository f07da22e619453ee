// SPDX-License-Identifier: GPL-2.0-only
/* load_pin: the three programs load, share their maps by pinned name, and
 * the map sizes are the loader's, not the BPF defaults. */
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "../dp_env.h"
#include "xdp_s1u.skel.h"
#include "xdp_sgi.skel.h"
#include "tc_ue.skel.h"

static __u32 map_id(int fd, __u32 *max_entries)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	if (max_entries)
		*max_entries = info.max_entries;
	return info.id;
}

void test_load_pin(struct test_ctx *t)
{
	static const char *const maps[] = {
		XEPC_MAP_CONFIG, XEPC_MAP_SESSIONS, XEPC_MAP_UE, XEPC_MAP_UE_DIRECT,
		XEPC_MAP_USAGE,
		XEPC_MAP_RULESETS, XEPC_MAP_METERS, XEPC_MAP_CHARGING,
		XEPC_MAP_STATS, XEPC_MAP_EVENTS, XEPC_MAP_PKTBUF, XEPC_MAP_ERR_RL,
		XEPC_MAP_ROUTES,
	};
	struct dp_env e;
	char path[160];
	struct stat st;
	__u32 max = 0, id1, id2, id3;
	size_t i;

	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	test__start_subtest(t, "maps_pinned_by_name");
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", e.pin_dir, maps[i]);
		ASSERT_OK(stat(path, &st), path);
	}
	test__start_subtest(t, "maps_shared_between_programs");
	id1 = map_id(bpf_map__fd(e.s1u->maps.xepc_sessions), &max);
	id2 = map_id(bpf_map__fd(e.sgi->maps.xepc_sessions), NULL);
	id3 = map_id(bpf_map__fd(e.tc->maps.xepc_sessions), NULL);
	ASSERT_NEQ(id1, 0, "session map id");
	ASSERT_EQ(id2, id1, "xdp_sgi uses xdp_s1u's session map");
	ASSERT_EQ(id3, id1, "tc_ue uses xdp_s1u's session map");
	test__start_subtest(t, "sizes_from_loader");
	ASSERT_EQ(max, ENV_MAX_SESSIONS, "xepc_sessions max_entries");
	map_id(bpf_map__fd(e.s1u->maps.xepc_ue), &max);
	ASSERT_EQ(max, ENV_MAX_SESSIONS, "xepc_ue max_entries");
	test__start_subtest(t, "no_config_drops");
	{
		__u32 zero = 0, ret = 0;
		struct xepc_config cfg = { 0 };
		__u8 frame[64] = { 0 }, out[4096];

		/* an array map always has its entry; "missing" config is the
		 * zeroed one, which still parses: check the frame is passed */
		ASSERT_OK(bpf_map_update_elem(e.fd_config, &zero, &cfg, 0), "zero config");
		ASSERT_OK(env_run_xdp(e.prog_s1u, frame, sizeof(frame), 0, out, NULL, &ret), "run");
		ASSERT_EQ(ret, XDP_PASS, "non-IPv4 frame passes");
	}
out:
	env_close(&e);
}
