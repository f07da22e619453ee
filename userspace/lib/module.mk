# userspace/lib: small helpers every component shares.
LIBRARIES += xepc
xepc_SRCS := $(wildcard userspace/lib/*.c)

UNIT_TESTS += test_lib_hex
test_lib_hex_SRCS := userspace/lib/tests/test_hex.c
test_lib_hex_LIBS := xepc
test_lib_hex_LDLIBS := -lcmocka

UNIT_TESTS += test_lib_strbuf
test_lib_strbuf_SRCS := userspace/lib/tests/test_strbuf.c
test_lib_strbuf_LIBS := xepc
test_lib_strbuf_LDLIBS := -lcmocka
