# tools/gtpu-ue: UE-side GTP-U endpoint on TUN devices (tests, demo).
PROGRAMS += gtpu-ue
gtpu-ue_SRCS := tools/gtpu-ue/gtpu_ue.c
gtpu-ue_LIBS :=
gtpu-ue_LDLIBS :=
