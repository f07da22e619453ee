#!/usr/bin/python3
"""What orcd keeps from check-ins besides the last state: the usage history
(bytes per time bucket, per gateway and per subscriber, across a gateway's
restart, pruned after usage.retention) served by the /usage routes, and
the gateway events (up, eNB connected/lost, restart, stale and back up),
on SQLite and PostgreSQL.  TAP."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("usage")
S1, S2 = "001010000000001", "001010000000002"


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, check=True).stdout


ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=usage-ca",
   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
gw_key = os.path.join(d, "gw.key")
sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", gw_key)
gw_pub = sh("openssl", "ec", "-in", gw_key, "-pubout").decode()
GWCFG = f"gateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, stale_after: 4s}}\n"


def totals(points):
    return (sum(p["ul_bytes"] for p in points), sum(p["dl_bytes"] for p in points))


def scenario(label, store):
    t.prefix = f"[{label}] "
    o = H.Orcd(d, store, GWCFG + "usage: {resolution: 60s, retention: 1h}\n").start()
    a = o.client(o.token("admin"))
    t.eq(a.post("/v1/networks", {"id": "net1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]}).status,
         201, "network")
    t.eq(a.post("/v1/networks/net1/gateways", {"id": "gw1", "hardware_id": "hw-u1", "public_key": gw_pub}).status,
         201, "gateway registered")
    pub = o.client()
    ch = pub.post("/v1/gw/challenge", {"network": "net1", "gateway": "gw1", "hardware_id": "hw-u1"}).json["challenge"]
    r = pub.post("/v1/gw/certificate", {"network": "net1", "gateway": "gw1", "challenge": ch,
                                        "signature": sh("openssl", "dgst", "-sha256", "-sign", gw_key, inp=ch.encode()).hex(),
                                        "csr": sh("openssl", "req", "-new", "-key", gw_key, "-subj", "/CN=gw").decode()})
    crt = os.path.join(d, f"gw-{label}.crt")
    with open(crt, "w") as f:
        f.write(r.json["certificate"])
    m = H.Client(o.port, o.cert, client_cert=(crt, gw_key))
    G = "/v1/networks/net1/gateways/gw1"
    t.eq(a.get(G + "/events").json["items"], [], "no event before the first check-in")

    def ci(body):
        return m.post("/v1/gw/checkin", body).status

    t.eq(ci({"started_at": 100, "ues": 3, "enb_ids": ["e1", "e2"], "ul_bytes": 1000, "dl_bytes": 2000,
             "subscribers": {S1: {"ul_bytes": 100, "dl_bytes": 200}}}), 200, "check-in A")
    t.eq(ci({"started_at": 100, "ues": 4, "enb_ids": ["e1"], "ul_bytes": 1500, "dl_bytes": 2600,
             "subscribers": {S1: {"ul_bytes": 150, "dl_bytes": 260}, S2: {"ul_bytes": 10, "dl_bytes": 20}}}),
         200, "check-in B: counters grew, e2 gone, a second subscriber")

    r = a.get(G + "/usage")
    t.ok(r.status == 200 and totals(r.json["points"]) == (1500, 2600),
         "the gateway's usage: A's counters, then B minus A", r)
    t.ok(r.status == 200 and r.json["resolution"] == 60 and r.json["step"] == 60 and
         all(p["t"] % 60 == 0 for p in r.json["points"]) and max(p["ues"] for p in r.json["points"]) == 4,
         "in buckets of usage.resolution, with the most UEs reported", r)
    r = a.get(f"/v1/networks/net1/subscribers/{S1}/usage")
    t.ok(r.status == 200 and totals(r.json["points"]) == (150, 260), "a subscriber's usage", r)
    r = a.get(f"/v1/networks/net1/subscribers/{S2}/usage")
    t.ok(r.status == 200 and totals(r.json["points"]) == (10, 20), "the second subscriber's", r)
    r = a.get("/v1/networks/net1/usage")
    t.ok(r.status == 200 and totals(r.json["points"]) == (1500, 2600), "the network's usage", r)
    r = a.get("/v1/networks/net1/usage/top?by=subscriber")
    t.ok(r.status == 200 and [x["id"] for x in r.json["items"]] == [S1, S2] and r.json["items"][0]["ul_bytes"] == 150,
         "top subscribers, largest first", r)
    r = a.get("/v1/networks/net1/usage/top?by=gateway&limit=5")
    t.ok(r.status == 200 and r.json["items"] == [{"id": "gw1", "ul_bytes": 1500, "dl_bytes": 2600}], "top gateways", r)

    # restarts: started_at changes, then counters go down without it
    t.eq(ci({"started_at": 200, "ues": 1, "ul_bytes": 10, "dl_bytes": 20,
             "subscribers": {S1: {"ul_bytes": 1, "dl_bytes": 2}}}), 200, "check-in C: restarted (started_at)")
    t.eq(ci({"ul_bytes": 5, "dl_bytes": 5}), 200, "check-in D: counters went down")
    r = a.get(G + "/usage")
    t.ok(totals(r.json["points"]) == (1515, 2625), "after a restart the counters count from zero", r)
    r = a.get(f"/v1/networks/net1/subscribers/{S1}/usage")
    t.ok(totals(r.json["points"]) == (151, 262), "the subscriber's too", r)
    # what a gateway may get wrong is skipped, never refused
    for bad in ({"subscribers": "x"}, {"subscribers": {"not-an-imsi": {"ul_bytes": 9}}},
                {"subscribers": {S1: {"ul_bytes": 1.5}}}, {"ul_bytes": -5, "dl_bytes": "lots"}):
        t.eq(ci(dict(bad, ul_bytes=bad.get("ul_bytes", 5), dl_bytes=bad.get("dl_bytes", 5))), 200,
             f"a check-in with {str(bad)[:40]}: 200")
    r = a.get("/v1/networks/net1/usage")
    t.ok(totals(r.json["points"]) == (1515, 2625), "and adds nothing it cannot read", r)
    # the last bytes of ended sessions ("final"): bytes, each key counted
    # once, also when the gateway sends them again (an answer lost)
    fin = [{"key": "00000001-1", "imsi": S2, "ul_bytes": 7, "dl_bytes": 70},
           {"key": "00000002-1", "imsi": S2, "ul_bytes": 3, "dl_bytes": 30}]
    t.eq(ci({"final": fin}), 200, "a check-in with 2 ended sessions' bytes")
    t.eq(ci({"final": fin + [{"key": "00000003-1", "ul_bytes": 1, "dl_bytes": 1}, {"key": "", "ul_bytes": 9},
                             {"key": "x", "ul_bytes": -1, "dl_bytes": 1}, {"key": "y", "imsi": "no",
                                                                            "ul_bytes": 1, "dl_bytes": 1}]}),
         200, "the same again, one more without a subscriber and bad ones: 200")
    r = a.get(G + "/usage")
    t.ok(totals(r.json["points"]) == (1515 + 11, 2625 + 101), "the gateway's usage: each ended session once", r)
    r = a.get(f"/v1/networks/net1/subscribers/{S2}/usage")
    t.ok(totals(r.json["points"]) == (10 + 10, 20 + 100), "the subscriber's: its 2 sessions once", r)

    ev = a.get(G + "/events?limit=1000").json["items"]
    kinds = [(e["type"], e.get("enb")) for e in ev]
    t.eq(kinds, [("up", None), ("enb_connected", "e1"), ("enb_connected", "e2"), ("enb_lost", "e2"),
                 ("restart", None), ("restart", None)], "events: up, eNBs connected and lost, two restarts")
    t.ok([e["id"] for e in ev] == sorted(e["id"] for e in ev) and all(e["message"] and e["at"] > 0 for e in ev),
         "events are in time order, each with a time and a message", ev)
    r = a.get(G + "/events?limit=2")
    t.ok(len(r.json["items"]) == 2 and r.json["next_page_token"], "events are paged", r)

    # stale, then back
    stale = None
    for _ in range(60):
        time.sleep(0.25)
        ev = a.get(G + "/events?limit=1000").json["items"]
        stale = [e for e in ev if e["type"] == "stale"]
        if stale:
            break
    t.ok(stale and len(stale) == 1, "no check-in for gateways.stale_after: a stale event", ev[-3:])
    time.sleep(2.5)  # another sweep: still one
    ev = a.get(G + "/events?limit=1000").json["items"]
    t.eq(sum(e["type"] == "stale" for e in ev), 1, "found again by the next sweeps, stored once")
    t.eq(ci({"ul_bytes": 5, "dl_bytes": 5}), 200, "check-in E")
    ev = a.get(G + "/events?limit=1000").json["items"]
    t.ok(ev[-1]["type"] == "up" and "again" in ev[-1]["message"], "it is up again", ev[-2:])
    # a gateway that reports no traffic counters (xepc-agwd's metrics): a
    # "..._total" that went down is a restart too
    t.eq(ci({"ues": 1, "metrics": {"attach_accept_total": 10, "ues_now": 4}}), 200, "check-in F")
    t.eq(ci({"ues": 1, "metrics": {"attach_accept_total": 12, "ues_now": 1}}), 200, "check-in G: counters grew")
    t.eq(a.get(G + "/events?limit=1000").json["items"][-1]["type"], "up", "no restart for it (a gauge fell)")
    t.eq(ci({"ues": 1, "metrics": {"attach_accept_total": 2}}), 200, "check-in H: a counter went down")
    t.eq(a.get(G + "/events?limit=1000").json["items"][-1]["type"], "restart", "a restart event")

    # bad queries
    for q, want in (("?from=abc", 400), ("?step=0", 400), ("?from=100&to=100", 400),
                    ("?from=0&to=100000000&step=60", 400)):
        t.eq(a.get(G + "/usage" + q).status, want, f"usage{q}: {want}")
    t.eq(a.get("/v1/networks/net1/usage/top?by=apn").status, 400, "top by=apn: 400")
    t.eq(a.get("/v1/networks/net1/gateways/nogw/usage").status, 404, "an unknown gateway: 404")
    t.eq(a.get("/v1/networks/net1/subscribers/12ab/usage").status, 404, "not an IMSI: 404")
    t.eq(a.get("/v1/networks/nonet/usage").status, 404, "an unknown network: 404")
    t.eq(o.client().get("/v1/networks/net1/usage").status, 401, "without a token: 401")
    m.close()
    t.eq(o.stop(), 0, "orcd stops")

    # retention: the same store with a 2 s retention loses the old buckets
    o2 = H.Orcd(d, store, GWCFG + "usage: {resolution: 1s, retention: 2s}\n").start()
    a2 = o2.client(o2.token("admin"))
    left = None
    for _ in range(40):
        time.sleep(0.25)
        left = a2.get(G + "/usage?from=0&step=1000000").json["points"]
        if not left:
            break
    t.eq(left, [], "buckets older than usage.retention are deleted")
    t.eq(o2.stop(), 0, "orcd stops")


scenario("sqlite", ("sqlite", os.path.join(d, "orc.db")))
if H.have_postgres():
    pg = H.Postgres()
    scenario("postgresql", ("pg", pg.createdb("orcusage")))
else:
    t.skip("usage and events on PostgreSQL", "no PostgreSQL 15")
t.done()
