#!/bin/bash
# make bench: X2 handovers through xepc-agwd (issue 12 section 4), enbsim
# in another namespace with two eNBs, real usrsctp and XDP datapath.
#
#   agw_x2_handover_rate   X2 handovers (Path Switch Request -> Acknowledge,
#                          tunnels switched in the datapath, End Marker,
#                          SQLite commit before the Acknowledge) per second,
#                          HO_BENCH_UES (1000) UEs x HO_BENCH_HANDOVERS (10)
#                          each, HO_BENCH_CONCURRENCY (256) at a time;
#                          median of HO_BENCH_RUNS (3) runs, with min/max
#   agw_x2_handover_p50/p99  Path Switch Request -> Acknowledge latency
#                          seen by enbsim, of the median run
#
# Every figure is printed as "bench: <name> <value> <unit>".
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"

NUES=${HO_BENCH_UES:-1000}
NHO=${HO_BENCH_HANDOVERS:-10}
RUNS=${HO_BENCH_RUNS:-3}
CONC=${HO_BENCH_CONCURRENCY:-256}

[ "$(id -u)" = 0 ] || { echo "ho_bench: needs root"; exit 0; }
[ -x "$AGWD" ] && [ -x "$ENBSIM" ] || { echo "ho_bench: build first"; exit 1; }
E2E_TMP=""
trap e2e_cleanup EXIT
e2e_topology || exit 1
in_enb ip addr add 172.16.1.3/24 dev "$E_IF"
agw_config
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
agw_start || exit 1
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

rates=()
for r in $(seq "$RUNS"); do
    out=$E2E_TMP/ho-$r.out
    enbsim_run "$out" --enbs 2 --ues "$NUES" --no-tun --x2-handover-after 0 --handovers "$NHO" \
        --detach --concurrency "$CONC" --timeout 30
    rate=$(enbsim_val "$out" handovers_per_s)
    grep failed_cause "$out" | sed "s/^/# run $r: /"
    echo "# run $r: $rate handovers/s, $(enbsim_val "$out" x2_handover_ok) ok, $(enbsim_val "$out" x2_handover_failed) failed, p50 $(enbsim_val "$out" x2_handover_p50_us) us, p99 $(enbsim_val "$out" x2_handover_p99_us) us, nh_mismatch $(enbsim_val "$out" nh_mismatch)"
    rates+=("${rate:-0} $r")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
mr=${median#* }
echo "bench: agw_x2_handover_rate ${median% *} handovers/s"
echo "bench: agw_x2_handover_rate_min $(printf '%s\n' "${rates[@]}" | sort -n | head -n 1 | cut -d' ' -f1) handovers/s"
echo "bench: agw_x2_handover_rate_max $(printf '%s\n' "${rates[@]}" | sort -n | tail -n 1 | cut -d' ' -f1) handovers/s"
echo "bench: agw_x2_handover_p50 $(enbsim_val "$E2E_TMP/ho-$mr.out" x2_handover_p50_us) us"
echo "bench: agw_x2_handover_p99 $(enbsim_val "$E2E_TMP/ho-$mr.out" x2_handover_p99_us) us"
