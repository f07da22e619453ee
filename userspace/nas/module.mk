# userspace/nas: the EPS NAS codec (TS 24.301) and its security layer.
LIBRARIES += nas
nas_SRCS := $(wildcard userspace/nas/*.c)
