// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_progs — runs every prog_tests/ test and prints TAP.
 *
 * The runner moves itself into a private network namespace and a private
 * mount namespace with its own bpffs on /sys/fs/bpf first, builds the
 * topology there, and everything it creates disappears with the process:
 * no interface or pin of anyone else is ever touched.  BPF objects are
 * pinned under /sys/fs/bpf/xepc-test-<pid>-<n>, removed by each test
 * (see dp_env.c).
 *
 *   eNB side   s1u0 10.10.0.1/24 --veth-- enb0   (eNB 10.10.0.2, permanent neigh)
 *   PDN side   sgi0 10.20.0.1/24 --veth-- pdn0   (router 10.20.0.2, permanent neigh)
 *   UE pool    10.45.0.0/16 dev ue0 (veth, arp off: the NOARP UE device)
 *   198.51.100.0/24 via 10.20.0.2      reachable, neighbour known
 *   203.0.113.0/24  via 10.20.0.3      no neighbour
 *   unreachable 192.0.2.0/24
 *
 * Usage: test_progs [-t substring]
 */
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_progs.h"
#include "prog_tests/tests.h"

#define X(name) void test_##name(struct test_ctx *t);
XEPC_SELFTESTS(X)
#undef X

struct test_def {
	const char *name;
	void (*fn)(struct test_ctx *t);
};

static const struct test_def tests[] = {
#define X(name) { #name, test_##name },
	XEPC_SELFTESTS(X)
#undef X
};

static void tap_line(struct test_ctx *t, bool ok, const char *name)
{
	t->tap_n++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", t->tap_n, name);
	fflush(stdout);
	if (!ok)
		t->failed_tests++;
}

void test__fail(struct test_ctx *t, const char *file, int line,
		const char *fmt, ...)
{
	va_list ap;

	t->fails++;
	printf("# %s%s%s: %s:%d: ", t->test, t->subtest[0] ? "/" : "",
	       t->subtest, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void test__end_subtest(struct test_ctx *t)
{
	char name[160];

	if (!t->subtest[0])
		return;
	snprintf(name, sizeof(name), "%s/%s", t->test, t->subtest);
	tap_line(t, t->fails == 0, name);
	t->subtest[0] = 0;
	t->fails = 0;
}

bool test__start_subtest(struct test_ctx *t, const char *name)
{
	test__end_subtest(t);
	snprintf(t->subtest, sizeof(t->subtest), "%s", name);
	t->fails = 0;
	return true;
}

int test__sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

static int setup_netns(struct test_ctx *t)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add s1u0 address 02:00:00:00:01:01 type veth peer name enb0 address 02:00:00:00:0e:02",
		"ip link add sgi0 address 02:00:00:00:02:01 type veth peer name pdn0 address 02:00:00:00:0d:02",
		"ip link add ue0 type veth peer name ue1",
		"ip link set ue0 arp off", "ip link set ue1 up",
		"ip link set s1u0 up", "ip link set enb0 up",
		"ip link set sgi0 up", "ip link set pdn0 up",
		"ip link set ue0 up",
		"ip addr add 10.10.0.1/24 dev s1u0",
		"ip addr add 10.20.0.1/24 dev sgi0",
		"ip neigh replace 10.10.0.2 lladdr 02:00:00:00:0e:02 nud permanent dev s1u0",
		"ip neigh replace 10.20.0.2 lladdr 02:00:00:00:0d:02 nud permanent dev sgi0",
		"ip route add 198.51.100.0/24 via 10.20.0.2 dev sgi0",
		"ip route add 203.0.113.0/24 via 10.20.0.3 dev sgi0",
		"ip route add unreachable 192.0.2.0/24",
		"ip route add 10.45.0.0/16 dev ue0",
		"sysctl -qw net.ipv4.ip_forward=1",
		"sysctl -qw net.ipv4.conf.all.forwarding=1",
		/* IPv6 UEs (prog_tests/ipv6.c) */
		"sysctl -qw net.ipv6.conf.all.forwarding=1",
		"ip -6 addr add 2001:db8:20::1/64 dev sgi0 nodad",
		"ip -6 neigh replace 2001:db8:20::2 lladdr 02:00:00:00:0d:02 nud permanent dev sgi0",
		"ip -6 route add 2001:db8:51::/48 via 2001:db8:20::2 dev sgi0",
		"ip -6 route add 2001:db8:113::/48 via 2001:db8:20::3 dev sgi0",
		/* eNBs on IPv6 (prog_tests/outer6.c): 2001:db8:10::2 with a
		 * neighbour entry, 2001:db8:10::3 without */
		"ip -6 addr add 2001:db8:10::1/64 dev s1u0 nodad",
		"ip -6 neigh replace 2001:db8:10::2 lladdr 02:00:00:00:0e:02 nud permanent dev s1u0",
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (test__sh("%s >/dev/null 2>&1", cmds[i])) {
			printf("# setup failed: %s\n", cmds[i]);
			return -1;
		}
	}
	t->if_s1u = if_nametoindex("s1u0");
	t->if_sgi = if_nametoindex("sgi0");
	t->if_ue = if_nametoindex("ue0");
	t->if_enb = if_nametoindex("enb0");
	t->if_pdn = if_nametoindex("pdn0");
	return t->if_s1u && t->if_sgi && t->if_ue ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct test_ctx t = { 0 };
	const char *filter = NULL;
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "-t"))
		filter = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("1..0 # SKIP BPF selftests need root\n");
		return 0;
	}
	/* private netns and mount namespace: our own bpffs instance on
	 * /sys/fs/bpf, so that pins never meet anyone else's */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		printf("1..0 # SKIP cannot create private net/mount namespaces: %s\n",
		       strerror(errno));
		return 0;
	}
	if (setup_netns(&t)) {
		printf("not ok 1 - netns topology\n1..1\n");
		return 1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int before;

		if (filter && !strstr(tests[i].name, filter))
			continue;
		t.test = tests[i].name;
		t.subtest[0] = 0;
		t.fails = 0;
		before = t.tap_n;
		tests[i].fn(&t);
		if (t.subtest[0]) {
			test__end_subtest(&t);
		} else if (t.tap_n == before || t.fails) {
			/* no subtests, or asserts after the last one */
			tap_line(&t, t.fails == 0, t.test);
			t.fails = 0;
		}
	}
	printf("1..%d\n", t.tap_n);
	return t.failed_tests ? 1 : 0;
}
