#!/bin/bash
# make bench: xepc-agwd under load from enbsim in another process, on the
# e2e topology (real usrsctp between namespaces, real XDP datapath).
#
#   agw_attach_rate   full attaches per second (EPS-AKA, SMC, default bearer,
#                     datapath session, SQLite commit before the answer),
#                     each UE attaching and detaching again for
#                     AGW_BENCH_SECONDS (60), median of AGW_BENCH_RUNS (5),
#                     with the attach latency p50/p99 of the median run
#   agw_rss_per_ue    resident memory of xepc-agwd per attached UE, with up
#                     to AGW_BENCH_UES (100000, the issue's figure) UEs attached by enbsim
#                     and held, within AGW_BENCH_MASS_SECONDS (900)
#   agw_restart_held  seconds from restarting xepc-agwd (SIGTERM) with the
#                     UEs above held attached to the daemon serving them
#                     again (every UE reloaded), and to the eNB set up again
#   agw_restart       seconds from starting xepc-agwd on AGW_BENCH_RESTART_UES
#                     (100000) stored UEs and their pinned sessions to the
#                     daemon serving again, every UE reloaded
#
# AGW_BENCH_RUNS=0 skips the attach rate (to measure memory and restart).
#
# Every figure is printed as "bench: <name> <value> <unit>".
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"

SECS=${AGW_BENCH_SECONDS:-60}
RUNS=${AGW_BENCH_RUNS:-5}
NUES=${AGW_BENCH_UES:-100000}
CYCLE_UES=${AGW_BENCH_CYCLE_UES:-2000}
CONC=${AGW_BENCH_CONCURRENCY:-256}

[ "$(id -u)" = 0 ] || { echo "agw_bench: needs root"; exit 0; }
[ -x "$AGWD" ] && [ -x "$ENBSIM" ] || { echo "agw_bench: build first"; exit 1; }
E2E_TMP=""
trap e2e_cleanup EXIT
e2e_topology || exit 1
agw_config
# a pool for every UE (the default /16 holds 65 533)
sed -i "s/max_sessions: 4096/max_sessions: $((NUES + 4096))/; s#pool: 10.45.0.0/16#pool: 10.64.0.0/11#" "$AGW_CONF"
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
head -n $((CYCLE_UES + 1)) "$E2E_TMP/subs.csv" >"$E2E_TMP/cycle.csv"
agw_start || exit 1
agw_pid() { pgrep -f "xepc-agwd -c $AGW_CONF" | tail -n 1; }
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"

# --- attach rate ----------------------------------------------------------
rates=()
[ "$RUNS" -gt 0 ] 2>/dev/null && for r in $(seq "$RUNS"); do
    out=$E2E_TMP/rate-$r.out
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
        --subscribers "$E2E_TMP/cycle.csv" --ues "$CYCLE_UES" --attaches 1000 --detach \
        --duration "$SECS" --concurrency "$CONC" --no-tun --timeout 20 >"$out" 2>&1
    rate=$(enbsim_val "$out" attaches_per_s)
    echo "# run $r: $rate attaches/s, p50 $(enbsim_val "$out" attach_p50_us) us, p99 $(enbsim_val "$out" attach_p99_us) us, failed $(enbsim_val "$out" failed)"
    rates+=("$rate $r")
done
if [ "$RUNS" -gt 0 ] 2>/dev/null; then
    median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    mr=${median#* }
    lo=$(printf '%s\n' "${rates[@]}" | sort -n | head -n 1 | cut -d' ' -f1)
    hi=$(printf '%s\n' "${rates[@]}" | sort -n | tail -n 1 | cut -d' ' -f1)
    echo "bench: agw_attach_rate ${median% *} attaches/s"
    echo "bench: agw_attach_rate_min $lo attaches/s"
    echo "bench: agw_attach_rate_max $hi attaches/s"
    echo "bench: agw_attach_p50 $(enbsim_val "$E2E_TMP/rate-$mr.out" attach_p50_us) us"
    echo "bench: agw_attach_p99 $(enbsim_val "$E2E_TMP/rate-$mr.out" attach_p99_us) us"
fi

# --- memory per attached UE ----------------------------------------------
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$(agw_pid)/status"; }
ues_attached() { "$XEPCCTL" agw stats --socket "$AGW_SOCK" 2>/dev/null | awk '$1 == "ues_attached" {print $2}'; }
base=$(rss_kb)
enbsim_bg "$E2E_TMP/mass.out" --ues "$NUES" --hold -1 --no-tun --concurrency "$CONC" --timeout 30
t0=$(date +%s)
while [ "$(ues_attached)" -lt "$NUES" ] 2>/dev/null; do
    kill -0 $ENBSIM_PID 2>/dev/null || break
    [ $(($(date +%s) - t0)) -gt "${AGW_BENCH_MASS_SECONDS:-900}" ] && break
    sleep 1
done
attached=$(ues_attached)
rss=$(rss_kb)
echo "# $attached of $NUES UEs attached in $(($(date +%s) - t0)) s; RSS $base kB -> $rss kB"
echo "bench: agw_rss_per_ue $(((rss - base) * 1024 / (attached > 0 ? attached : 1))) bytes"
echo "bench: agw_rss_ues $attached UEs"

# --- restart with the UEs held ----------------------------------------------
# SIGTERM, then a new daemon on the same SQLite file and pinned datapath;
# enbsim keeps its UEs and sets its eNB up again when the association is back.
enbs_setup() { "$XEPCCTL" enb list --socket "$AGW_SOCK" 2>/dev/null | awk 'NR > 1' | wc -l; }
agw_stop TERM
t0=$(date +%s.%N)
agw_start || exit 1
t1=$(date +%s.%N)
for _ in $(seq 600); do
    [ "$(enbs_setup)" -ge 1 ] && break
    sleep 0.05
done
t2=$(date +%s.%N)
restored=$(grep -o '[0-9]* attached UEs restored' "$E2E_TMP/agwd.log" | tail -n 1 | cut -d' ' -f1)
echo "# restart with $attached UEs held: $restored restored, $(ues_attached) registered, eNBs set up again: $(enbs_setup)"
echo "bench: agw_restart_held_ues $restored UEs"
echo "bench: agw_restart_held $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"
echo "bench: agw_restart_held_enb $(awk -v a="$t0" -v b="$t2" 'BEGIN {printf "%.2f", b - a}') s"
kill -INT $ENBSIM_PID 2>/dev/null
wait $ENBSIM_PID 2>/dev/null
agw_stop TERM

# --- restart with AGW_BENCH_RESTART_UES stored UEs ---------------------------
# The UEs are written straight into SQLite and their sessions into the
# datapath (xepcctl session bulk), as a daemon that attached them would
# have left them (columns named: later migrations add some with defaults);
# then the time from start to serving again.
RN=${AGW_BENCH_RESTART_UES:-100000}
"$XEPCCTL" dp down --force --pin-dir "$PIN" >/dev/null 2>&1
rm -f "$AGW_DB" "$AGW_DB-wal" "$AGW_DB-shm"
"$XEPCCTL" subscriber list --db "$AGW_DB" >/dev/null          # creates the schema
sed -i "s/max_sessions: [0-9]*/max_sessions: $((RN * 2))/" "$AGW_CONF"
sqlite3 "$AGW_DB" <<SQL || exit 1
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $RN)
INSERT INTO ue_context (imsi, m_tmsi, emm_state, ksi, kasme, eea, eia, ul_count, dl_count,
    ue_net_cap, ue_ambr_ul, ue_ambr_dl, msisdn, tai_plmn, tac, updated) SELECT printf('0010100%08d', i), i, 3, 1, randomblob(32), 2, 2, 5, 7,
    zeroblob(14), 1000000000, 2000000000, '', x'00f110', 1, 0 FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $RN)
INSERT INTO pdn_session (imsi, ebi, pti, apn, ue_ipv4, static_ip, ul_teid, dl_teid, enb_ipv4,
    ambr_ul, ambr_dl, qci, arp_prio, arp_cap, arp_vul, state) SELECT printf('0010100%08d', i), 5, 1, 'internet',
    printf('10.%d.%d.%d', 64 + (i + 2) / 65536 % 32, (i + 2) / 256 % 256, (i + 2) % 256), 0,
    16777216 + i, i, '$ENB_ADDR', 100000000, 200000000, 9, 15, 0, 1, 2 FROM c;
COMMIT;
SQL
in_gw "$XEPCCTL" dp up --s1u "$S_IF" --sgi "$G_IF" --mode routed --gtpu-addr $S1U_ADDR \
    --max-sessions $((RN * 2)) --pin-dir "$PIN" >/dev/null || exit 1
in_gw "$XEPCCTL" session bulk --count "$RN" --teid 0x01000001 --ue 10.64.0.3 --enb $ENB_ADDR \
    --dl-teid 1 --pin-dir "$PIN" | sed 's/^/# /'
t0=$(date +%s.%N)
agw_start || exit 1
t1=$(date +%s.%N)
restored=$(grep -o '[0-9]* attached UEs restored' "$E2E_TMP/agwd.log" | tail -n 1 | cut -d' ' -f1)
echo "# restored $restored UEs, $(ues_attached) registered; RSS $(rss_kb) kB"
echo "bench: agw_restart_ues $restored UEs"
echo "bench: agw_restart $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"
exit 0
