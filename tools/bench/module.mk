# tools/bench: benchmark drivers run by `make bench` (figures in
# docs/PERFORMANCE.md).  dp_bench measures the XDP datapath of bpf/ with
# BPF_PROG_TEST_RUN and live frames in a private network namespace; its BPF
# helpers are selftests/progs/bench_dp.bpf.c.  Needs root.
BENCHES += dp_bench
dp_bench_SRCS := tools/bench/dp_bench.c tools/bench/dp_bench_env.c
dp_bench_LIBS :=
dp_bench_LDLIBS := -lbpf -lelf -lz
# xepc-agwd with enbsim: attach rate, memory per UE, restart time; attach
# rate with the local HSS against S6a + Gx toward diamsim (diam_bench.sh).
BENCH_SCRIPTS += tools/bench/ambr_bench.sh tools/bench/agw_bench.sh tools/bench/agw_idle_bench.sh \
                 tools/bench/diam_bench.sh
# X2 handovers per second (issue 12)
BENCH_SCRIPTS += tools/bench/ho_bench.sh
# the bulk install (dp_session_add_bulk) of IPv4, IPv4v6 and IPv6-only sessions
BENCH_SCRIPTS += tools/bench/bulk_bench.sh
# xepc-agwd with Gy toward diamsim: CCR-U rate, usage accuracy.
BENCH_SCRIPTS += tools/bench/gy_bench.sh

# orc-load: gateway check-ins against one xepc-orcd (each gateway
# bootstrapped, its own mutual-TLS connection kept alive; closed or open
# loop), driven by orc_checkin_bench.py on SQLite and PostgreSQL.
PROGRAMS += orc-load
orc-load_SRCS := tools/bench/orc_load.c
orc-load_LIBS :=
orc-load_LDLIBS := -lcurl -lcrypto -ljansson
BENCH_SCRIPTS += tools/bench/orc_checkin_bench.py
# libxepcdp's session delete and add with 100k sessions sharing a ruleset
# (the ruleset's count of users, docs/PERFORMANCE.md "Session delete")
BENCHES += dp_del_bench
dp_del_bench_SRCS := tools/bench/dp_del_bench.c
dp_del_bench_LIBS := dp
dp_del_bench_LDLIBS := -lbpf -lelf -lz
