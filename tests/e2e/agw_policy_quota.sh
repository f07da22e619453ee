#!/bin/bash
# The local policy's finite rating group with a period (docs/charging.md
# "Local policy"): 5000 bytes a day for the subscriber, shared by its PDN
# connections, booked in SQLite; real UDP downlink through the XDP
# datapath (datagrams of 1000 bytes from the PDN's port 7001).
#   config:  a period on a metered rating group is refused
#   day:     a connection uses 2000 and ends: 2000 booked (the rest of its
#            reservation given back); the daemon restarted, a new
#            connection passes 1000, the daemon is killed (SIGKILL) and
#            started again, 1000 more pass, the connection ends: 4000
#            booked (each byte once, not refilled by the restarts nor the
#            new connection); the next connection gets the 1000 left
#   new day: the book moved to the day before (the daemon stopped): the
#            next connection gets the whole 5000 again; then a connection
#            with nothing left, the daemon stopped and the books moved a
#            day back: started again, the running connection gets the new
#            day's 5000 (local_quota_rollover at start)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing"
trap 'diam_cleanup; e2e_cleanup' EXIT
tap_plan 11

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
cat >>"$AGW_CONF" <<EOF
policy:
  rules:
    - { name: rated-7001, precedence: 20, rating_group: 20,
        flows: ["permit out 17 from $PDN_ADDR 7001 to assigned"] }
  rating_groups:
    - { id: 20, type: finite, quota: 5000, period: daily }
  static: { rules: [rated-7001] }
EOF
sed 's/type: finite, quota: 5000, period: daily/type: metered, period: daily/' "$AGW_CONF" \
    >"$E2E_TMP/bad.yaml"
out=$("$XEPCCTL" config check "$E2E_TMP/bad.yaml" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "policy.rating_groups\[0\].period: only a finite rating group has a period" <<<"$out" &&
    "$XEPCCTL" config check "$AGW_CONF" >/dev/null &&
    ok "xepcctl config check takes period: daily on a finite group, refuses it on a metered one" ||
    not_ok "config check: rc $rc, '$out'"
AGW_SUB_APNS=internet agw_subscribers 1 >/dev/null || not_ok "subscriber import"

ue_up() { rm -f "$E2E_TMP/ue.ues"; diam_ue_up 60; }
ue_down() { diam_ue_down; }
# flow COUNT: COUNT datagrams of 1000 bytes from the PDN's port 7001 to the
# UE, a receiver that waits 8 s (a loaded machine); "received bytes"
flow() { diam_flow "$UE_IP" "$1" 1000 50 7001 8; }
booked() { diam_local_booked 20; }

# --- one day -------------------------------------------------------------------
agw_start || { not_ok "xepc-agwd start"; exit 1; }
ue_up
got=$(flow 2)
ue_down
used=$(booked)
[ "$got" = "2 2000" ] && [ "$used" = 2000 ] &&
    ok "a connection uses 2000 of the day's 5000 bytes: 2000 booked when it ends" ||
    not_ok "first connection: received '$got' (want 2 2000), booked '$used' (want 2000)"
agw_stop TERM
agw_start || { not_ok "xepc-agwd restart"; exit 1; }
ue_up
got=$(flow 1)
[ "$got" = "1 1000" ] && ok "after a restart, a new connection passes 1000" ||
    not_ok "second connection: received '$got' (want 1 1000)"
check "its reservation is what was left of the day (3000)" \
    test "$(sqlite3 "$AGW_DB" "SELECT reserved FROM local_quota_sess")" = 3000
agw_stop KILL
agw_start || { not_ok "xepc-agwd start after SIGKILL"; exit 1; }
got=$(flow 1)
ue_down
used=$(booked)
[ "$got" = "1 1000" ] && [ "$used" = 4000 ] &&
    ok "killed and started again: 1000 more pass, 4000 booked at the end (each byte once)" ||
    not_ok "across SIGKILL: received '$got' (want 1 1000), booked '$used' (want 4000)"
ue_up
got=$(flow 3)
[ "$got" = "1 1000" ] && ok "the next connection gets the 1000 bytes left of the day" ||
    not_ok "third connection: received '$got' (want 1 1000)"
ue_down
used=$(booked)
[ "$used" = 5000 ] && ok "the day's 5000 bytes are booked" || not_ok "booked '$used' (want 5000)"
agw_stop TERM

# --- the next day ----------------------------------------------------------------
sqlite3 "$AGW_DB" "UPDATE local_quota SET period = period - 86400"
agw_start || { not_ok "xepc-agwd start (new day)"; exit 1; }
ue_up
got=$(flow 6)
[ "$got" = "5 5000" ] && ok "a new day: the connection gets the whole 5000 bytes again" ||
    not_ok "new day: received '$got' (want 5 5000)"
ue_down
used=$(booked)
[ "$used" = 5000 ] && ok "the new day's book: 5000 used" || not_ok "new day booked '$used' (want 5000)"
agw_stop TERM

# --- a new day while connected -----------------------------------------------------
agw_start || { not_ok "xepc-agwd start (connected)"; exit 1; }
ue_up
got0=$(flow 1)
agw_stop TERM
sqlite3 "$AGW_DB" "UPDATE local_quota SET period = period - 86400;
                   UPDATE local_quota_sess SET period = period - 86400"
agw_start || { not_ok "xepc-agwd start (a new day while connected)"; exit 1; }
for _ in $(seq 300); do grep -q "a new period, its allowance again" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
got=$(flow 6)
[ "$got0" = "0 0" ] && [ "$got" = "5 5000" ] &&
    ok "a connection that spans the day's start: nothing left before, the new day's 5000 after" ||
    not_ok "across the day's start: before '$got0' (want 0 0), after '$got' (want 5 5000)"
ue_down
used=$(booked)
[ "$used" = 5000 ] && ok "the new day's book after that connection: 5000 used" ||
    not_ok "booked '$used' (want 5000)"
agw_stop TERM
exit $((TAP_FAILED > 0))
