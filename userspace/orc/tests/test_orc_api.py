#!/usr/bin/python3
"""xepc-orcd's REST API, run against both store backends (SQLite and a
private PostgreSQL), then two xepc-orcd on one PostgreSQL with requests
alternating between them.  TAP."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
K = "000102030405060708090a0b0c0d0e0f"
OPC = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
NET = {"id": "net1", "name": "Test net", "plmn": {"mcc": "001", "mnc": "01"},
       "tacs": [1, 2, 3], "dns": ["8.8.8.8"], "features": {"ims": True}}
APN = {"id": "internet", "ambr": {"ul": 100000000, "dl": 200000000}, "qci": 9,
       "arp": {"priority": 15, "capability": False, "vulnerability": True},
       "pools": ["10.45.0.0/16"]}


def sub(imsi, **kw):
    d = {"imsi": imsi, "k": K, "opc": OPC, "apns": ["internet"], "msisdn": "491234"}
    d.update(kw)
    return d


def fields(r):
    try:
        return sorted(f["field"] for f in r.json["error"]["fields"])
    except (TypeError, KeyError):
        return None


def suite(name, orcd):
    admin = orcd.token("admin")
    reader = orcd.token("read", "reader")
    writer = orcd.token("write", "writer")
    c = orcd.client(admin)
    n = f"[{name}]"

    r = c.get("/healthz", token="")
    t.ok(r.status == 200 and r.json["store"] == ("sqlite" if name == "sqlite" else "postgresql"),
         f"{n} /healthz answers without a token and names the store", r)

    # --- authentication and scopes
    t.eq(c.get("/v1/networks", token="").status, 401, f"{n} no token: 401")
    r = c.get("/v1/networks", token="xo_000000000000_" + "0" * 64)
    t.ok(r.status == 401 and r.header("WWW-Authenticate"), f"{n} unknown token: 401 + WWW-Authenticate", r)
    t.eq(c.get("/v1/networks", token=admin[:-1] + ("0" if admin[-1] != "0" else "1")).status, 401,
         f"{n} right id, wrong secret: 401")
    t.eq(c.get("/v1/networks", token=reader).status, 200, f"{n} read token can list")
    r = c.post("/v1/networks", NET, token=reader)
    t.ok(r.status == 403 and "write" in r.json["error"]["message"], f"{n} read token cannot write: 403", r)
    t.eq(c.get("/v1/audit", token=writer).status, 403, f"{n} write token cannot read the audit log")

    # --- networks
    r = c.post("/v1/networks", NET, token=writer)
    t.ok(r.status == 201 and r.header("ETag") == '"1"' and r.header("Location") == "/v1/networks/net1",
         f"{n} create network: 201, ETag \"1\", Location", r)
    t.eq(r.json and r.json["features"], {"ims": True, "sms_over_nas": False, "roaming": False},
         f"{n} defaults fill the features left out")
    t.eq(c.post("/v1/networks", NET).status, 409, f"{n} same id again: 409")
    r = c.get("/v1/networks/net1")
    t.ok(r.status == 200 and r.json["plmn"] == {"mcc": "001", "mnc": "01"} and r.header("ETag") == '"1"',
         f"{n} get network with its ETag", r)
    t.eq(c.get("/v1/networks/net1", headers={"If-None-Match": '"1"'}).status, 304,
         f"{n} If-None-Match with the current ETag: 304")
    bad = dict(NET, id="net2", plmn={"mcc": "01", "mnc": "0a1"}, tacs=[1, 70000], color="red")
    r = c.post("/v1/networks", bad)
    t.ok(r.status == 422 and fields(r) == ["color", "plmn.mcc", "plmn.mnc", "tacs[1]"],
         f"{n} every bad field is named in one 422", r)
    r = c.post("/v1/networks", dict(NET, id="net2", tacs=[5, 5]))
    t.ok(r.status == 422 and fields(r) == ["tacs[1]"], f"{n} repeated TAC: 422 tacs[1]", r)
    r = c.post("/v1/networks", {"id": "net3"})
    t.ok(r.status == 422 and fields(r) == ["plmn", "tacs"], f"{n} required fields missing: 422", r)
    t.eq(c.get("/v1/networks/nope").status, 404, f"{n} unknown network: 404")

    # --- APNs
    r = c.post("/v1/networks/net1/apns", APN)
    t.ok(r.status == 201 and r.json["pdn_type"] == "ipv4", f"{n} create APN", r)
    r = c.post("/v1/networks/net1/apns", dict(APN, id="bad_apn!", qci=20, pools=["10.0.0.1/8"]))
    t.ok(r.status == 422 and fields(r) == ["id", "pools[0]", "qci"], f"{n} bad APN name, QCI, pool: 422", r)
    t.eq(c.post("/v1/networks/nope/apns", APN).status, 404, f"{n} APN in an unknown network: 404")

    # --- subscribers: keys are write-only
    r = c.post("/v1/networks/net1/subscribers", sub("001010000000001"))
    t.ok(r.status == 201 and "k" not in r.json and "opc" not in r.json and r.json["amf"] == "8000",
         f"{n} create subscriber: keys not echoed, AMF defaulted", r)
    r = c.get("/v1/networks/net1/subscribers/001010000000001")
    t.ok(r.status == 200 and "k" not in r.json and "opc" not in r.json and K not in r.raw.decode(),
         f"{n} get subscriber never returns K or OPc", r)
    r = c.post("/v1/networks/net1/subscribers", sub("001010000000002", apns=["nope"], k="xyz"))
    t.ok(r.status == 422 and fields(r) == ["k"], f"{n} bad K: 422 (refs checked after fields)", r)
    r = c.post("/v1/networks/net1/subscribers", sub("001010000000002", apns=["nope"]))
    t.ok(r.status == 422 and fields(r) == ["apns[0]"], f"{n} unknown APN in profile: 422 apns[0]", r)
    r = c.post("/v1/networks/net1/subscribers", sub("001010000000002", static_ips=[{"apn": "ims", "ip": "10.45.0.9"}]))
    t.ok(r.status == 422 and fields(r) == ["static_ips[0].apn"], f"{n} static IP on an APN not in the profile: 422", r)

    # --- replace with ETags
    path = "/v1/networks/net1/subscribers/001010000000001"
    r = c.put(path, sub("001010000000001", state="suspended"), headers={"If-Match": '"9"'})
    t.eq(r.status, 412, f"{n} PUT with a stale If-Match: 412")
    r = c.put(path, {"state": "suspended", "apns": ["internet"]}, headers={"If-Match": '"1"'})
    t.ok(r.status == 200 and r.header("ETag") == '"2"' and r.json["state"] == "suspended",
         f"{n} PUT with the current If-Match (keys left out are kept): 200, ETag \"2\"", r)
    r = c.put(path, {"imsi": "001010000000009"})
    t.ok(r.status == 422 and fields(r) == ["imsi"], f"{n} PUT with another id in the body: 422", r)
    t.eq(c.put("/v1/networks/net1/subscribers/001010000000077", {}).status, 404, f"{n} PUT of a missing subscriber: 404")

    # --- CSV import and paging
    rows = ["imsi,k,opc,msisdn,apns"] + [f"0010100000001{i:02d},{K},{OPC},4930{i},internet" for i in range(25)]
    r = c.post("/v1/networks/net1/subscribers:import", "\n".join(rows) + "\n", ctype="text/csv")
    t.ok(r.status == 200 and r.json == {"imported": 25}, f"{n} CSV import of 25", r)
    r = c.post("/v1/networks/net1/subscribers:import", "imsi,k,opc\n001010000000100," + K + "," + OPC + "\n", ctype="text/csv")
    t.eq(r.status, 409, f"{n} importing an existing IMSI: 409, nothing imported")
    r = c.post("/v1/networks/net1/subscribers:import", f"imsi,k\n001010000000300,{K}\n", ctype="text/csv")
    t.ok(r.status == 422 and fields(r) == ["line 1"], f"{n} CSV without an opc column: 422 line 1", r)
    r = c.post("/v1/networks/net1/subscribers:import",
               f"imsi,k,opc,apns\n00101000000x,{K},{OPC},\n001010000000301,{K},{OPC},\n001010000000302,{K[:-1]},{OPC},\n"
               f"001010000000303,{K},{OPC},nope\n", ctype="text/csv")
    t.ok(r.status == 422 and fields(r) == ["line 2.imsi", "line 4.k", "line 5.apns[0]"], f"{n} CSV errors name their lines", r)
    t.eq(c.get("/v1/networks/net1/subscribers/001010000000301").status, 404, f"{n} a rejected import imports nothing")
    seen, token, pages = [], None, 0
    while True:
        q = "/v1/networks/net1/subscribers?limit=10" + (f"&page_token={token}" if token else "")
        r = c.get(q)
        if r.status != 200:
            break
        pages += 1
        seen += [s["imsi"] for s in r.json["items"]]
        token = r.json["next_page_token"]
        if not token:
            break
    t.ok(pages == 3 and len(seen) == 26 and seen == sorted(set(seen)), f"{n} paging: 26 in 3 pages, in order, no repeats",
         f"pages={pages} n={len(seen)}")
    t.eq(c.get("/v1/networks/net1/subscribers?limit=0").status, 400, f"{n} limit=0: 400")
    t.eq(c.get("/v1/networks/net1/subscribers?page_token=zz").status, 400, f"{n} bad page_token: 400")

    # --- deletes
    r = c.delete("/v1/networks/net1")
    t.ok(r.status == 409, f"{n} a network that holds resources cannot be deleted: 409", r)
    t.eq(c.delete(path, headers={"If-Match": '"1"'}).status, 412, f"{n} DELETE with a stale If-Match: 412")
    t.eq(c.delete(path).status, 204, f"{n} DELETE subscriber: 204")
    t.eq(c.delete(path).status, 404, f"{n} DELETE again: 404")

    # --- tokens through the API, audit
    r = c.post("/v1/tokens", {"name": "ci", "scope": "read"})
    t.ok(r.status == 201 and r.json["token"].startswith("xo_"), f"{n} admin creates a token", r)
    tok, tid = r.json["token"], r.json["id"]
    t.eq(c.get("/v1/networks", token=tok).status, 200, f"{n} the new token works")
    r = c.get("/v1/tokens")
    t.ok(r.status == 200 and all("hash" not in x and "token" not in x for x in r.json["items"]),
         f"{n} token list shows no secret or hash", r)
    t.eq(c.delete(f"/v1/tokens/{tid}").status, 204, f"{n} revoke it")
    t.eq(c.get("/v1/networks", token=tok).status, 401, f"{n} a revoked token: 401")
    r = c.get("/v1/audit?limit=1000")
    writes = [a for a in (r.json or {}).get("items", []) if a["method"] != "TOKEN"]
    t.ok(r.status == 200 and any(a["status"] == 403 and a["path"] == "/v1/networks" for a in writes)
         and any(a["status"] == 201 and a["detail"] == "created network net1" for a in writes)
         and any(a["status"] == 422 for a in writes) and any(a["method"] == "DELETE" and a["status"] == 204 for a in writes),
         f"{n} the audit log holds refused, failed and done writes", r)
    t.ok(all(a["token_id"] and a["client"] == "127.0.0.1" for a in writes), f"{n} audit entries name token and client")
    # The refused POST (403) closes its connection: its body is not read.
    t.ok(c.connects == 2, f"{n} all of it on kept-alive connections (one more after the refused POST)",
         f"connections opened: {c.connects}")
    c.close()


d = H.tmpdir("api")
o = H.Orcd(d, ("sqlite", os.path.join(d, "orc.db"))).start()
suite("sqlite", o)
t.eq(o.stop(), 0, "[sqlite] SIGTERM: exits 0")

if H.have_postgres():
    pg = H.Postgres()
    o = H.Orcd(d, ("pg", pg.createdb("orc1"))).start()
    suite("postgresql", o)
    t.eq(o.stop(), 0, "[postgresql] SIGTERM: exits 0")

    # Two orcd on one database, requests alternating.
    ci = pg.createdb("orc2")
    a = H.Orcd(d, ("pg", ci)).start()
    b = H.Orcd(d, ("pg", ci), cert=(a.cert, a.key)).start()
    tok = a.token("admin")
    ca, cb = a.client(tok), b.client(tok)
    t.eq(ca.post("/v1/networks", NET).status, 201, "[2 orcd] create on A")
    t.eq(cb.post("/v1/networks", NET).status, 409, "[2 orcd] the same on B: 409")
    t.eq(cb.post("/v1/networks/net1/apns", APN).status, 201, "[2 orcd] APN on B")
    ok = True
    for i in range(20):
        w, rd = (ca, cb) if i % 2 == 0 else (cb, ca)
        r = w.post("/v1/networks/net1/subscribers", sub(f"0010100000020{i:02d}"))
        g = rd.get(f"/v1/networks/net1/subscribers/0010100000020{i:02d}")
        ok &= r.status == 201 and g.status == 200 and g.header("ETag") == '"1"'
    t.ok(ok, "[2 orcd] 20 creates alternating A/B, each read back on the other")
    p = "/v1/networks/net1/subscribers/001010000002000"
    r1 = ca.put(p, {"state": "suspended", "apns": ["internet"]}, headers={"If-Match": '"1"'})
    r2 = cb.put(p, {"state": "active", "apns": ["internet"]}, headers={"If-Match": '"1"'})
    t.ok(r1.status == 200 and r2.status == 412, "[2 orcd] the same ETag on A then B: 200 then 412", (r1, r2))
    r = cb.get("/v1/networks/net1/subscribers?limit=1000")
    t.ok(r.status == 200 and len(r.json["items"]) == 20, "[2 orcd] B lists all 20", r)
    t.eq((a.stop(), b.stop()), (0, 0), "[2 orcd] both stop on SIGTERM")
else:
    t.skip("PostgreSQL suite", "no PostgreSQL 15 (make deps installs it)")

t.done()
