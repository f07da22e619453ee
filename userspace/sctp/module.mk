# userspace/sctp: the SCTP transport of S1-MME (docs/sctp.md) — one API,
# three backends (kernel SCTP via libsctp, usrsctp over raw IPv4, usrsctp
# over UDP), on a libev loop.  Users link it with $(sctp_LDLIBS).
LIBRARIES += sctp
sctp_SRCS := $(wildcard userspace/sctp/*.c)
sctp_LDLIBS := -lusrsctp -lsctp -lev
DEBIAN_PACKAGES += libev-dev libusrsctp-dev libsctp-dev

# sctp_echo: the test program both sides of tests/sctp/*.sh run (server
# echoes, client sends and checks).  Built with the sanitizers like the
# unit tests, but not a TAP test itself, so not in UNIT_TESTS.
sctp_echo_SRCS := userspace/sctp/tests/sctp_echo.c
SCTP_ECHO := $(BUILD)/test/sctp_echo
$(SCTP_ECHO): $(patsubst %.c,$(BUILD)/obj/san/%.o,$(sctp_echo_SRCS)) $(BUILD)/lib/san/libsctp.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_san) -o $@ $^ $(sctp_LDLIBS)
test-build: $(SCTP_ECHO)

SCRIPT_TESTS += userspace/sctp/tests/sctp_usrsctp_raw.sh userspace/sctp/tests/sctp_usrsctp_udp.sh \
                userspace/sctp/tests/sctp_kernel.sh

UNIT_TESTS += test_sctp_path
test_sctp_path_SRCS := userspace/sctp/tests/test_sctp_path.c
test_sctp_path_LIBS := sctp
test_sctp_path_LDLIBS := -lcmocka $(sctp_LDLIBS)
