# selftests: BPF selftests in the style of the kernel's
# tools/testing/selftests/bpf — prog_tests/<feature>.c drive the datapath
# programs (bpf/) through their skeletons with BPF_PROG_TEST_RUN; the runner
# prints TAP.  Needs root (it makes a private netns and pins under
# /sys/fs/bpf/xepc-test-<pid>-<n>); prints "1..0 # SKIP" otherwise.
# Run alone with `make -C selftests run_tests`.
UNIT_TESTS += test_progs
test_progs_SRCS := selftests/test_progs.c selftests/dp_env.c selftests/pkt.c \
                   $(sort $(wildcard selftests/prog_tests/*.c))
test_progs_LIBS :=
test_progs_LDLIBS := -lbpf -lelf -lz -lpthread

# The BPF packet parsers (bpf/parse.h) under libFuzzer in userspace.
FUZZERS += fuzz_bpf_parse
fuzz_bpf_parse_SRCS := selftests/fuzz/fuzz_bpf_parse.c
