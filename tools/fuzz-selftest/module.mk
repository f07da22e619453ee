# tools/fuzz-selftest: proof that sanitizer reports are fatal.  One source
# with a deliberate UBSan report, built as a libFuzzer target and as a
# unit-test-flavoured program; run-fuzzers-selftest.sh expects both to fail
# (and run-fuzzers.sh to say "not ok").  Not in FUZZERS: `make fuzz` never
# runs it.
SELFTEST_FUZZERS += fuzz_selftest_ubsan
fuzz_selftest_ubsan_SRCS := tools/fuzz-selftest/fuzz_selftest_ubsan.c
SELFTEST_SANS += san_selftest_ubsan
san_selftest_ubsan_SRCS := tools/fuzz-selftest/fuzz_selftest_ubsan.c

SCRIPT_TESTS += tools/fuzz-selftest/run-fuzzers-selftest.sh
