# asn1/tests, asn1/fuzz, asn1/bench: the test and tool layer of the S1AP
# codec (message round trips, malformed input, tshark, fuzzer, benchmarks).
# s1ap_samples builds every message type of issue 4 with distinctive values.
LIBRARIES += s1ap_samples
s1ap_samples_SRCS := asn1/tests/s1ap_samples.c

UNIT_TESTS += test_s1ap_messages
test_s1ap_messages_SRCS := asn1/tests/test_s1ap_messages.c
test_s1ap_messages_LIBS := s1ap_samples s1ap
test_s1ap_messages_LDLIBS := -lcmocka

# tshark judges every encoded message type (needs build/test/test_s1ap_messages)
SCRIPT_TESTS += asn1/tests/s1ap_tshark_test.sh

UNIT_TESTS += test_s1ap_malformed
test_s1ap_malformed_SRCS := asn1/tests/test_s1ap_malformed.c
test_s1ap_malformed_LIBS := s1ap_samples s1ap
test_s1ap_malformed_LDLIBS := -lcmocka

# decode -> encode -> decode -> compare; seeds in asn1/fuzz/fuzz_s1ap_decode.corpus,
# dictionary fuzz_s1ap_decode.dict, flags fuzz_s1ap_decode.options (max_len)
FUZZERS += fuzz_s1ap_decode
fuzz_s1ap_decode_SRCS := asn1/fuzz/fuzz_s1ap_decode.c
fuzz_s1ap_decode_LIBS := s1ap_samples s1ap

# ns per decode/encode, heap allocations per decode (malloc wrapped), arena use
BENCHES += s1ap_bench
s1ap_bench_SRCS := asn1/bench/s1ap_bench.c
s1ap_bench_LIBS := s1ap
s1ap_bench_LDLIBS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

# the fuzzing dictionary is what asn1/fuzz/s1ap_dict.py writes
SCRIPT_TESTS += asn1/fuzz/s1ap_dict_check.sh
