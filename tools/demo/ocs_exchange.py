#!/usr/bin/env python3
"""The Gy exchange of one subscriber in diamsim's record, for make demo
(tools/demo/demo.sh; diamsim ran with --record FILE --record-answers).

  ocs_exchange.py RECORD IMSI

prints one line per credit-control request of the IMSI's Gy sessions with
the answer diamsim sent to it: the request type and number, the
Used-Service-Unit and Reporting-Reason of each MSCC (TS 32.299 7.2.175),
the answer's result, Granted-Service-Unit, Volume-Quota-Threshold and
Final-Unit-Action.  The last line is

  total reported R granted G requests I/U/T reasons REASON:N,... final T

R: the used octets the OCS counted (requests diamsim recognised as
duplicates, or left unanswered, are not counted, docs/charging.md
"diamsim and diamc"); G: the quota the gateway was given in all.  A grant
replaces what was left of the grant its request settled (RFC 4006 5.1.2),
so after a grant made when R0 octets had been reported the gateway holds
R0 + the grant; G is that sum for the last grant.  The reasons are those of
the CCR-Us' MSCCs, counted; T is what the CCR-T reported (part of R)."""
import json
import sys

REASONS = {0: "THRESHOLD", 1: "QHT", 2: "FINAL", 3: "QUOTA_EXHAUSTED", 4: "VALIDITY_TIME",
           5: "OTHER_QUOTA_TYPE", 6: "RATING_CONDITION_CHANGE", 7: "FORCED_REAUTHORISATION",
           8: "POOL_EXHAUSTED"}
FUA = {0: "TERMINATE", 1: "REDIRECT", 2: "RESTRICT_ACCESS"}
TYPES = {1: "CCR-I", 2: "CCR-U", 3: "CCR-T", 4: "CCR-E"}


def units(u):
    return u.get("total", u.get("input", 0) + u.get("output", 0))


def main(path, imsi):
    lines = []
    with open(path) as f:
        for raw in f:
            if raw.strip():
                lines.append(json.loads(raw))
    sids = set(l["msg"].get("sid") for l in lines
               if l["msg"].get("app") == "gy" and l["msg"].get("cmd") == "CCR"
               and l["msg"].get("imsi") == imsi)
    reported = granted = 0
    count = {1: 0, 2: 0, 3: 0}
    reasons = {}
    in_ccrt = 0
    pending = None            # the request whose answer comes next
    out = []

    def flush(req, ans):
        nonlocal reported, granted, in_ccrt
        m = req["msg"]
        counted = not m.get("dup") and not m.get("silenced")
        used = []
        for x in m.get("mscc", []):
            if "usu" in x:
                used.append("used %d%s" % (units(x["usu"]),
                                          " " + REASONS.get(x.get("reason"), "?")
                                          if "reason" in x else ""))
                if counted:
                    reported += units(x["usu"])
                    if m.get("cc_type") == 3:
                        in_ccrt += units(x["usu"])
            if counted and m.get("cc_type") == 2 and "reason" in x:
                r = REASONS.get(x["reason"], str(x["reason"]))
                reasons[r] = reasons.get(r, 0) + 1
        if counted:
            count[m.get("cc_type")] = count.get(m.get("cc_type"), 0) + 1
        left = "%s #%d %s" % (TYPES.get(m.get("cc_type"), "CCR-?"), m.get("cc_number", -1),
                              ", ".join(used) or "")
        right = "no answer"
        if ans:
            a = ans["msg"]
            right = "CCA %s" % a.get("result", a.get("exp_result", "?"))
            for x in a.get("mscc", []):
                if "gsu" in x:
                    right += ", granted %d" % units(x["gsu"])
                    granted = reported + units(x["gsu"])
                if "volume_threshold" in x:
                    right += " (threshold %d)" % x["volume_threshold"]
                if x.get("result") not in (None, 2001):
                    right += ", MSCC %d" % x["result"]
                if "fua" in x:
                    right += ", final units: %s" % FUA.get(x["fua"], "?")
                    if "redirect" in x:
                        right += " " + x["redirect"]
        dup = " (again: not counted)" if not counted else ""
        out.append("%-36s -> %s%s" % (left.rstrip(), right, dup))

    for l in lines:
        m = l["msg"]
        if m.get("app") != "gy" or m.get("sid") not in sids:
            continue
        if m.get("cmd") == "CCR" and not l.get("sent"):
            if pending:
                flush(pending, None)
            pending = l
        elif m.get("cmd") == "CCA" and l.get("sent") and pending:
            flush(pending, l)
            pending = None
    if pending:
        flush(pending, None)
    for o in out:
        print(o)
    print("total reported %d granted %d requests %d/%d/%d reasons %s final %d"
          % (reported, granted, count.get(1, 0), count.get(2, 0), count.get(3, 0),
             ",".join("%s:%d" % kv for kv in sorted(reasons.items())) or "-", in_ccrt))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
