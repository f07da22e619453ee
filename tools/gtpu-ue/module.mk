# tools/gtpu-ue: UE-side GTP-U endpoint on TUN devices (tests, demo), on
# the small library gtpuue (gtpu_ue_lib.c) that enbsim shares.
LIBRARIES += gtpuue
gtpuue_SRCS := tools/gtpu-ue/gtpu_ue_lib.c

PROGRAMS += gtpu-ue
gtpu-ue_SRCS := tools/gtpu-ue/gtpu_ue.c
gtpu-ue_LIBS := gtpuue
gtpu-ue_LDLIBS :=

UNIT_TESTS += test_gtpu_ue_lib
test_gtpu_ue_lib_SRCS := tools/gtpu-ue/tests/test_gtpu_ue_lib.c
test_gtpu_ue_lib_LIBS := gtpuue
test_gtpu_ue_lib_LDLIBS := -lcmocka

# its G-PDU decapsulation (gtpu_payload_offset) under libFuzzer, judged
# against bpf/parse.h
FUZZERS += fuzz_gtpu_ue
fuzz_gtpu_ue_SRCS := tools/gtpu-ue/fuzz_gtpu_ue.c
fuzz_gtpu_ue_LIBS := gtpuue
