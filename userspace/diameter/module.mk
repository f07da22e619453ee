# userspace/diameter: one Diameter node per process on freeDiameter
# (Debian's libfdcore/libfdproto and its dict_* extensions), the
# dictionary additions for S6a/Gx/Gy in one place (diam_int.h's table,
# diam_dict.c), and typed encoders/decoders (diam_s6a.c, diam_gx.c,
# diam_gy.c).  Users link `diameter` and $(DIAM_LDLIBS).
LIBRARIES += diameter
diameter_SRCS := $(wildcard userspace/diameter/*.c)
DIAM_LDLIBS := -lfdcore -lfdproto -lcrypto -lpthread
DEBIAN_PACKAGES += libfreediameter-dev libfdcore6 freediameter-extensions

# Encode -> bytes -> parse -> decode for every message type, and the
# dictionary table against Debian's dictionaries.
UNIT_TESTS += test_diam_codec
test_diam_codec_SRCS := userspace/diameter/tests/test_diam_codec.c
test_diam_codec_LIBS := diameter
test_diam_codec_LDLIBS := -lcmocka $(DIAM_LDLIBS)

# Raw bytes through freeDiameter's parser and every typed decoder.
FUZZERS += fuzz_diam_msg
fuzz_diam_msg_SRCS := userspace/diameter/fuzz/fuzz_diam_msg.c
fuzz_diam_msg_LIBS := diameter
fuzz_diam_msg_LDLIBS := -lfdcore -lfdproto -lcrypto -lpthread
