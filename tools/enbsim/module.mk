# tools/enbsim: the eNodeB + UE simulator (issue 9).  Everything but main
# is the library enbsim, so that the unit tests link what the program runs.
LIBRARIES += enbsim
enbsim_SRCS := tools/enbsim/ue_usim.c tools/enbsim/ue_nas.c tools/enbsim/enb_s1ap.c \
               tools/enbsim/names.c

# the UE side against the network side of the same libraries: AKA (RES,
# KASME, AUTS/resync), NAS protection in both roles, a whole NAS attach
# against a scripted network (a test double, not the MME)
UNIT_TESTS += test_enbsim_ue
test_enbsim_ue_SRCS := tools/enbsim/tests/test_enbsim_ue.c
test_enbsim_ue_LIBS := enbsim nas sec xepc
test_enbsim_ue_LDLIBS := -lcmocka -lcrypto

# S1AP builders decode with our codec; writes a pcap for tshark
UNIT_TESTS += test_enbsim_s1ap
test_enbsim_s1ap_SRCS := tools/enbsim/tests/test_enbsim_s1ap.c
test_enbsim_s1ap_LIBS := enbsim s1ap nas sec xepc
test_enbsim_s1ap_LDLIBS := -lcmocka -lcrypto

# tshark decodes the eNB messages (needs build/test/test_enbsim_s1ap)
SCRIPT_TESTS += tools/enbsim/tests/enbsim_tshark_test.sh
