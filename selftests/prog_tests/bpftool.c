// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpftool: the pinned maps carry BTF, so that an operator's
 * `bpftool map dump pinned <root>/xepc_sessions` prints named fields.
 */
#include <stdlib.h>
#include "../dp_env.h"
#include "../pkt.h"

static int dump_has(const char *path, const char *const *needles, int n,
		    char *missing, size_t mlen)
{
	char cmd[256], line[512];
	int found[8] = { 0 }, ok = 1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s 2>&1", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		for (int i = 0; i < n; i++)
			if (strstr(line, needles[i]))
				found[i] = 1;
	pclose(p);
	missing[0] = 0;
	for (int i = 0; i < n; i++)
		if (!found[i]) {
			ok = 0;
			snprintf(missing, mlen, "%s", needles[i]);
		}
	return ok ? 0 : 1;
}

void test_bpftool(struct test_ctx *t)
{
	struct xepc_session s = env_default_session(1);
	static const char *const sess[] = {
		"\"ue_addr\":", "\"teid_local\":", "\"enb_addr\":",
		"\"teid_remote\":", "\"ruleset_id\":",
	};
	static const char *const stats[] = { "\"packets\":", "\"bytes\":" };
	static const char *const meters[] = { "\"rate\":", "\"burst\":", "\"inc_per_byte\":" };
	char path[160], missing[64];
	struct dp_env e;

	if (system("command -v bpftool >/dev/null 2>&1")) {
		test__start_subtest(t, "SKIP bpftool not installed");
		return;
	}
	if (!ASSERT_OK(env_open(t, &e), "env_open"))
		goto out;
	ASSERT_OK(env_session(&e, 1, &s), "session");
	ASSERT_OK(env_meter(&e, 1, 1000, 1000), "meter");

	test__start_subtest(t, "session_map_named_fields");
	snprintf(path, sizeof(path), "%s/%s", e.pin_dir, XEPC_MAP_SESSIONS);
	if (!ASSERT_EQ(dump_has(path, sess, 5, missing, sizeof(missing)), 0, "bpftool dump"))
		printf("# missing in the dump: %s\n", missing);

	test__start_subtest(t, "stats_map_named_fields");
	snprintf(path, sizeof(path), "%s/%s", e.pin_dir, XEPC_MAP_STATS);
	if (!ASSERT_EQ(dump_has(path, stats, 2, missing, sizeof(missing)), 0, "bpftool dump"))
		printf("# missing in the dump: %s\n", missing);

	test__start_subtest(t, "meter_map_named_fields");
	snprintf(path, sizeof(path), "%s/%s", e.pin_dir, XEPC_MAP_METERS);
	if (!ASSERT_EQ(dump_has(path, meters, 3, missing, sizeof(missing)), 0, "bpftool dump"))
		printf("# missing in the dump: %s\n", missing);
out:
	env_close(&e);
}
