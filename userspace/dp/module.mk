# userspace/dp: the datapath controller library — loads, attaches, adopts and
# upgrades the BPF programs of bpf/, programs sessions into their maps, reads
# counters and consumes ring-buffer events.  Used by xepcctl and xepc-agwd;
# users link it with -lbpf -lelf -lz -lm.
LIBRARIES += dp
dp_SRCS := $(wildcard userspace/dp/*.c)

# The unit tests take the pure sources only (no libbpf, no root).
UNIT_TESTS += test_dp_spec
test_dp_spec_SRCS := userspace/dp/tests/test_dp_spec.c userspace/dp/dp_spec.c
test_dp_spec_LDLIBS := -lcmocka -lm

UNIT_TESTS += test_dp_nd
test_dp_nd_SRCS := userspace/dp/tests/test_dp_nd.c userspace/dp/dp_nd.c
test_dp_nd_LDLIBS := -lcmocka

UNIT_TESTS += test_dp_gtpu
test_dp_gtpu_SRCS := userspace/dp/tests/test_dp_gtpu.c userspace/dp/dp_gtpu.c
test_dp_gtpu_LDLIBS := -lcmocka

# The userspace GTP-U receive path (Echo Responses for path management).
FUZZERS += fuzz_dp_gtpu
fuzz_dp_gtpu_SRCS := userspace/dp/fuzz/fuzz_dp_gtpu.c userspace/dp/dp_gtpu.c

# xepcctl's spec parsers: rules, quotas, numbers, prefixes, ports, sessions.
FUZZERS += fuzz_dp_spec
fuzz_dp_spec_SRCS := userspace/dp/fuzz/fuzz_dp_spec.c userspace/dp/dp_spec.c
fuzz_dp_spec_LDLIBS := -lm

# Root: a session moved between two tunnels while tc_ue runs (BPF_PROG_TEST_RUN)
# is never seen half updated; brings a datapath up in a private netns/bpffs.
UNIT_TESTS += test_dp_torn
test_dp_torn_SRCS := userspace/dp/tests/test_dp_torn.c
test_dp_torn_LIBS := dp
test_dp_torn_LDLIBS := -lbpf -lelf -lz -lpthread

# Root: the meter allocator stays next-fit over several turns of sessions
# added, given new meters and deleted in batches (the 100k-UE attach stall).
UNIT_TESTS += test_dp_meters
test_dp_meters_SRCS := userspace/dp/tests/test_dp_meters.c
test_dp_meters_LIBS := dp
test_dp_meters_LDLIBS := -lbpf -lelf -lz

# Root: each idle period raises its downlink-data event at its first packet,
# even within ddn_interval of the last one (a UE released right after it
# was paged is paged again).
UNIT_TESTS += test_dp_ddn
test_dp_ddn_SRCS := userspace/dp/tests/test_dp_ddn.c
test_dp_ddn_LIBS := dp
test_dp_ddn_LDLIBS := -lbpf -lelf -lz

# Root: a dedicated bearer's uplink is charged against its default bearer's
# quota (policy_teid), across a rebuild of that policy and its deletion.
UNIT_TESTS += test_dp_shared
test_dp_shared_SRCS := userspace/dp/tests/test_dp_shared.c
test_dp_shared_LIBS := dp
test_dp_shared_LDLIBS := -lbpf -lelf -lz

# Root: a pinned map whose value type has this build's name and size but
# another layout (fields moved) is refused instead of adopted.
UNIT_TESTS += test_dp_layout
test_dp_layout_SRCS := userspace/dp/tests/test_dp_layout.c
test_dp_layout_LIBS := dp
test_dp_layout_LDLIBS := -lbpf -lelf -lz

# Root: the packets read a session from its copy in xepc_usage, which add,
# modify, bulk and delete keep in step with xepc_sessions; dp check finds
# and repairs a stale copy; bank 1 of the copy is live while gen is odd.
UNIT_TESTS += test_dp_copy
test_dp_copy_SRCS := userspace/dp/tests/test_dp_copy.c
test_dp_copy_LIBS := dp
test_dp_copy_LDLIBS := -lbpf -lelf -lz

# Root: a session with rules finds its shared or free ruleset with a few
# reads (dp_ruleset.c), not a walk of the table; another process's changes
# are never shared by mistake.
UNIT_TESTS += test_dp_rulesets
test_dp_rulesets_SRCS := userspace/dp/tests/test_dp_rulesets.c
test_dp_rulesets_LIBS := dp
test_dp_rulesets_LDLIBS := -lbpf -lelf -lz

# Root: what a final-unit action lets through, counted apart beside each
# charging slot (xepc_uncharged): read back, carried, zeroed, and added by
# dp upgrade to a datapath pinned without it.
UNIT_TESTS += test_dp_uncharged
test_dp_uncharged_SRCS := userspace/dp/tests/test_dp_uncharged.c
test_dp_uncharged_LIBS := dp
test_dp_uncharged_LDLIBS := -lbpf -lelf -lz
