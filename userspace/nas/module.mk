# userspace/nas: the EPS NAS codec (TS 24.301) and its security layer.
LIBRARIES += nas
nas_SRCS := $(wildcard userspace/nas/*.c)

# The NAS security layer (H1).  Its test links nas_security.c itself rather
# than the whole nas library, so that it runs whatever state the codec is in.
UNIT_TESTS += test_nas_security
test_nas_security_SRCS := userspace/nas/tests/test_nas_security.c userspace/nas/nas_security.c
test_nas_security_LIBS := sec xepc
test_nas_security_LDLIBS := -lcmocka -lcrypto

# nas_protect_batch against nas_protect, at every multi-buffer level.
UNIT_TESTS += test_nas_protect_batch
test_nas_protect_batch_SRCS := userspace/nas/tests/test_nas_protect_batch.c userspace/nas/nas_security.c
test_nas_protect_batch_LIBS := sec xepc
test_nas_protect_batch_LDLIBS := -lcmocka -lcrypto

# libFuzzer: nas_unprotect on arbitrary bytes, then protected sequences with
# keys, algorithms, COUNTs (near the 24-bit end) and delivery order (replays)
# from the input.
FUZZERS += fuzz_nas_unprotect
fuzz_nas_unprotect_SRCS := userspace/nas/tests/fuzz_nas_unprotect.c userspace/nas/nas_security.c
fuzz_nas_unprotect_LIBS := sec xepc
fuzz_nas_unprotect_LDLIBS := -lcrypto

# libFuzzer: the batch API against the single-message one, byte for byte
# (issue 8); random keys, algorithms, COUNTs near the end, corrupted and
# replayed PDUs.
FUZZERS += fuzz_nas_batch
fuzz_nas_batch_SRCS := userspace/nas/tests/fuzz_nas_batch.c userspace/nas/nas_security.c
fuzz_nas_batch_LIBS := sec xepc
fuzz_nas_batch_LDLIBS := -lcrypto

# The codec (H2): round trips, clause 7 errors, the golden vector.
UNIT_TESTS += test_nas_codec
test_nas_codec_SRCS := userspace/nas/tests/test_nas_codec.c userspace/nas/tests/nas_samples.c
test_nas_codec_LIBS := nas sec xepc
test_nas_codec_LDLIBS := -lcmocka -lcrypto

# tshark judges every message the codec encodes.
UNIT_TESTS += test_nas_tshark
test_nas_tshark_SRCS := userspace/nas/tests/test_nas_tshark.c userspace/nas/tests/nas_samples.c
test_nas_tshark_LIBS := nas xepc
test_nas_tshark_LDLIBS := -lcmocka

# The plain NAS decoder under libFuzzer; seeds in fuzz_nas_decode.corpus/.
FUZZERS += fuzz_nas_decode
fuzz_nas_decode_SRCS := userspace/nas/tests/fuzz_nas_decode.c
fuzz_nas_decode_LIBS := nas xepc

# Attach Request (+ PDN Connectivity Request) decode and encode, ns each.
BENCHES += bench_nas_codec
bench_nas_codec_SRCS := userspace/nas/tests/bench_nas_codec.c userspace/nas/tests/nas_samples.c
bench_nas_codec_LIBS := nas xepc

# Every IE codec at every length it can be handed, extreme first octets,
# exact-size buffers under ASan/UBSan (issue 8, finding 3).
UNIT_TESTS += test_nas_ie_bounds
test_nas_ie_bounds_SRCS := userspace/nas/tests/test_nas_ie_bounds.c
test_nas_ie_bounds_LIBS := nas xepc
test_nas_ie_bounds_LDLIBS := -lcmocka
