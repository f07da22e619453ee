# tools/enbsim: the eNodeB + UE simulator (issue 9).  Everything but main
# is in libraries, so that the tests link what the program runs:
#   enbsimcore  the protocol side (USIM, UE NAS, eNB S1AP)
#   enbsimrun   the program (options, run, transport, user plane, report)
LIBRARIES += enbsimcore
enbsimcore_SRCS := tools/enbsim/ue_usim.c tools/enbsim/ue_nas.c tools/enbsim/enb_s1ap.c \
               tools/enbsim/names.c

# the UE side against the network side of the same libraries: AKA (RES,
# KASME, AUTS/resync), NAS protection in both roles, a whole NAS attach
# against a scripted network (a test double, not the MME)
UNIT_TESTS += test_enbsim_ue
test_enbsim_ue_SRCS := tools/enbsim/tests/test_enbsim_ue.c
test_enbsim_ue_LIBS := enbsimcore nas sec xepc
test_enbsim_ue_LDLIBS := -lcmocka -lcrypto

# S1AP builders decode with our codec; --dump feeds the tshark test
UNIT_TESTS += test_enbsim_s1ap
test_enbsim_s1ap_SRCS := tools/enbsim/tests/test_enbsim_s1ap.c
test_enbsim_s1ap_LIBS := enbsimcore s1ap nas sec xepc
test_enbsim_s1ap_LDLIBS := -lcmocka -lcrypto

# tshark decodes the eNB messages (needs build/test/test_enbsim_s1ap)
SCRIPT_TESTS += tools/enbsim/tests/enbsim_tshark_test.sh

DEBIAN_PACKAGES += libev-dev

# The program and its flow test need the SCTP transport's API
# (userspace/sctp, its own module).
ifneq ($(wildcard userspace/sctp/module.mk),)
LIBRARIES += enbsimrun
enbsimrun_SRCS := tools/enbsim/cli.c tools/enbsim/load.c tools/enbsim/enb_path.c \
                  tools/enbsim/ue_tun.c tools/enbsim/report.c tools/enbsim/mobility.c

# the whole program (enbsim_run) against a scripted MME (a test double)
# over an in-process SCTP double (tests/fake_sctp.c), one libev loop
UNIT_TESTS += test_enbsim_flow
test_enbsim_flow_SRCS := tools/enbsim/tests/test_enbsim_flow.c tools/enbsim/tests/fake_sctp.c
test_enbsim_flow_LIBS := enbsimrun enbsimcore gtpuue s1ap nas sec xepc
test_enbsim_flow_LDLIBS := -lcmocka -lcrypto -lev -lm

# the same test over the real transport (usrsctp over raw IPv4, both
# ends in one process): run in a private network namespace by
# enbsim_flow_sctp.sh, so not itself in UNIT_TESTS
ENBSIM_FLOW_SCTP := $(BUILD)/test/test_enbsim_flow_sctp
$(ENBSIM_FLOW_SCTP): $(BUILD)/obj/san/tools/enbsim/tests/test_enbsim_flow.o \
    $(foreach l,enbsimrun enbsimcore gtpuue s1ap nas sec xepc sctp,$(BUILD)/lib/san/lib$(l).a)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_san) -o $@ $^ -lcmocka -lcrypto -lm $(sctp_LDLIBS)
test-build: $(ENBSIM_FLOW_SCTP)
SCRIPT_TESTS += tools/enbsim/tests/enbsim_flow_sctp.sh

# the command line, and gen-subscribers' CSV through xepcctl subscriber import
SCRIPT_TESTS += tools/enbsim/tests/enbsim_cli.sh

PROGRAMS += enbsim
enbsim_SRCS := tools/enbsim/main.c
enbsim_LIBS := enbsimrun enbsimcore gtpuue s1ap nas sec xepc sctp
enbsim_LDLIBS = -lcrypto -lm $(sctp_LDLIBS)
endif

# libFuzzer: S1AP from the MME and downlink NAS into the UE side
FUZZERS += fuzz_enbsim_dl
fuzz_enbsim_dl_SRCS := tools/enbsim/tests/fuzz_enbsim_dl.c
fuzz_enbsim_dl_LIBS := enbsimcore s1ap nas sec xepc
fuzz_enbsim_dl_LDLIBS := -lcrypto
