# userspace/cli: xepcctl.  Each command family is a cmd_<family>.c whose
# entry point is listed in main.c; add the libraries it needs to _LIBS
# (most dependent first) and system libraries to _LDLIBS.
PROGRAMS += xepcctl
xepcctl_SRCS := $(wildcard userspace/cli/*.c)
xepcctl_LIBS := sec xepc
xepcctl_LDLIBS := -lcrypto
# datapath families (cmd_dp/session/stats/events.c): the dp library, libbpf
xepcctl_LIBS := dp $(xepcctl_LIBS)
xepcctl_LDLIBS += -lbpf -lelf -lz -lm
# config/subscriber families (cmd_config.c, cmd_subscriber.c): agwcore
xepcctl_LIBS := agwcore $(xepcctl_LIBS)
xepcctl_LDLIBS += -lyaml -lsqlite3
# orchestrator family (cmd_orc.c): libcurl (GnuTLS) and jansson
xepcctl_LDLIBS += -lcurl -ljansson
