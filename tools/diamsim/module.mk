# tools/diamsim: diamsim, an HSS (S6a) + PCRF (Gx) + OCS (Gy) peer for
# tests and the demo, and diamc, a Diameter client for tests, both on
# userspace/diameter.
PROGRAMS += diamsim diamc
diamsim_SRCS := tools/diamsim/diamsim.c tools/diamsim/sim_util.c
diamsim_LIBS := diameter sec xepc
diamsim_LDLIBS := -lfdcore -lfdproto -lcrypto -lpthread
diamc_SRCS := tools/diamsim/diamc.c tools/diamsim/sim_util.c
diamc_LIBS := diameter sec xepc
diamc_LDLIBS := -lfdcore -lfdproto -lcrypto -lpthread

# diamc against diamsim over loopback TCP (and TLS) for S6a, Gx and Gy,
# with tshark decoding every message captured.
SCRIPT_TESTS += tools/diamsim/tests/test_diamsim.sh
