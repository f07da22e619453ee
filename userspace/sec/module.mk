# userspace/sec: EPS security primitives — Milenage, authentication vectors
# and SQN management, the TS 33.220/33.401 key derivations, and the
# EEA0-3/EIA0-3 algorithms (SNOW 3G and ZUC written here, AES from OpenSSL).
# No network code.  Users link `sec xepc` and -lcrypto.
LIBRARIES += sec
sec_SRCS := $(wildcard userspace/sec/*.c)

UNIT_TESTS += test_sec_milenage test_sec_kdf test_sec_algs test_sec_auth_vector
test_sec_milenage_SRCS := userspace/sec/tests/test_milenage.c
test_sec_milenage_LIBS := sec xepc
test_sec_milenage_LDLIBS := -lcmocka -lcrypto
test_sec_kdf_SRCS := userspace/sec/tests/test_kdf.c
test_sec_kdf_LIBS := sec xepc
test_sec_kdf_LDLIBS := -lcmocka -lcrypto
test_sec_algs_SRCS := userspace/sec/tests/test_algs.c
test_sec_algs_LIBS := sec xepc
test_sec_algs_LDLIBS := -lcmocka -lcrypto
test_sec_auth_vector_SRCS := userspace/sec/tests/test_auth_vector.c
test_sec_auth_vector_LIBS := sec xepc
test_sec_auth_vector_LDLIBS := -lcmocka -lcrypto

# Multi-buffer SNOW 3G / ZUC and the batch EEA/EIA: every dispatch level
# the CPU supports against the single-stream code and the vectors.
UNIT_TESTS += test_sec_keystream_mb
test_sec_keystream_mb_SRCS := userspace/sec/tests/test_keystream_mb.c
test_sec_keystream_mb_LIBS := sec xepc
test_sec_keystream_mb_LDLIBS := -lcmocka -lcrypto

# libFuzzer: the same differential check on fuzzer-chosen keys, IVs,
# lengths and batch sizes, every level the CPU supports forced in turn
# (so the AVX2 level runs on an AVX-512 machine too), exact heap buffers.
FUZZERS += fuzz_sec_keystream_mb
fuzz_sec_keystream_mb_SRCS := userspace/sec/tests/fuzz_sec_keystream_mb.c
fuzz_sec_keystream_mb_LIBS := sec xepc
fuzz_sec_keystream_mb_LDLIBS := -lcrypto

# Secrets cleansed: an OPENSSL_cleanse() of its own records what the code
# hands it (issue 8); see the file's comment for what it cannot see.
UNIT_TESTS += test_sec_cleanse
test_sec_cleanse_SRCS := userspace/sec/tests/test_sec_cleanse.c
test_sec_cleanse_LIBS := sec xepc
test_sec_cleanse_LDLIBS := -lcmocka -lcrypto

# xepcctl sim against the vectors (needs build/bin/xepcctl from `make all`).
SCRIPT_TESTS += userspace/sec/tests/test_xepcctl_sim.sh

# Benchmarks (`make bench`): vectors/s beside AES blocks/s, NAS protect and
# unprotect per message, SNOW 3G / ZUC keystream beside AES-CTR.  Links
# nas_security.c itself (see userspace/nas/module.mk).
BENCHES += bench_sec
bench_sec_SRCS := userspace/sec/tests/bench_sec.c userspace/nas/nas_security.c
bench_sec_LIBS := sec xepc
bench_sec_LDLIBS := -lcrypto
