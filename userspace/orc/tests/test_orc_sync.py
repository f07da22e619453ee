#!/usr/bin/python3
"""Config sync (GET /v1/gw/config over mutual TLS), on SQLite and
PostgreSQL: a full sync in pages holds the gateway's network, its own
gateway object (not the others'), the APNs, policies, rating groups and
the network's subscribers with their keys; an unchanged config is one 304
without a body; one changed subscriber among many is a delta of exactly
that subscriber; deletes, paging of deltas, a foreign stream (full sync
again), writes during a full sync (converge through the delta after it),
check-ins that do not move the version, and the refusals.  Answers are
checked against schema/orc/openapi.json.  TAP."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("sync")
DOC = json.load(open(os.path.join(H.ROOT, "schema", "orc", "openapi.json")))
SCHEMAS = DOC["components"]["schemas"]


def validate(v, s, path="$"):
    """The subset of JSON Schema the sync answers use; returns errors."""
    while "$ref" in s:
        s = SCHEMAS[s["$ref"].split("/")[-1]]
    types = s.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        py = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list,
              "null": type(None)}
        if not any(isinstance(v, py[x]) for x in types):
            return [f"{path}: {type(v).__name__} is not {types}"]
    errs = []
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {v!r} not in {s['enum']}")
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        errs.append(f"{path}: {v!r} does not match {s['pattern']}")
    if isinstance(v, list):
        for i, x in enumerate(v):
            errs += validate(x, s.get("items", {}), f"{path}[{i}]")
    if isinstance(v, dict):
        props = s.get("properties", {})
        errs += [f"{path}: '{k}' missing" for k in s.get("required", []) if k not in v]
        for k, x in v.items():
            if k in props:
                errs += validate(x, props[k], f"{path}.{k}")
            elif s.get("additionalProperties", True) is False:
                errs.append(f"{path}: undocumented field '{k}'")
    return errs


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, check=True).stdout


ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=sync-ca",
   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")


def gw_key(name):
    key = os.path.join(d, f"{name}.key")
    sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    return key, sh("openssl", "ec", "-in", key, "-pubout").decode()


def sub(imsi, **kw):
    b = {"imsi": imsi, "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
         "opc": "cd63cb71954a9f4e48a5994e37a02baf", "apns": ["internet"]}
    b.update(kw)
    return b


SCHEMA = {"$ref": "#/components/schemas/GwConfig"}


def scenario(label, store):
    t.prefix = f"[{label}] "
    o = H.Orcd(d, store, f"gateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, stale_after: 2s}}\n").start()
    admin = o.client(o.token("admin"))
    key, pub = gw_key(f"gw1-{label}")
    key2, pub2 = gw_key(f"gw2-{label}")
    for net in ("net1", "net2"):
        admin.post("/v1/networks", {"id": net, "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]})
        admin.post(f"/v1/networks/{net}/apns", {"id": "internet", "ambr": {"ul": 1000000, "dl": 2000000}})
    admin.post("/v1/networks/net1/rating_groups", {"id": "100", "limit_type": "unmetered"})
    t.eq(admin.post("/v1/networks/net1/gateways", {"id": "gw1", "hardware_id": "hw-1", "public_key": pub}).status, 201, "gw1 registered")
    t.eq(admin.post("/v1/networks/net1/gateways", {"id": "gw2", "hardware_id": "hw-2", "public_key": pub2}).status, 201, "gw2 registered")
    for i in range(5):
        admin.post("/v1/networks/net1/subscribers", sub(f"00101000000000{i}"))
    admin.post("/v1/networks/net2/subscribers", sub("001019999999999"))

    pc = o.client()

    def bootstrap(gwid, k):
        ch = pc.post("/v1/gw/challenge", {"network": "net1", "gateway": gwid,
                                          "hardware_id": "hw-" + gwid[-1]}).json["challenge"]
        r = pc.post("/v1/gw/certificate", {
            "network": "net1", "gateway": gwid, "challenge": ch,
            "signature": sh("openssl", "dgst", "-sha256", "-sign", k, inp=ch.encode()).hex(),
            "csr": sh("openssl", "req", "-new", "-key", k, "-subj", "/CN=" + gwid).decode()})
        cert = os.path.join(d, f"{gwid}-{label}.crt")
        with open(cert, "w") as f:
            f.write(r.json["certificate"])
        return H.Client(o.port, o.cert, client_cert=(cert, k))

    gw = bootstrap("gw1", key)

    def full(limit=None, between=None):
        """The whole configuration, page by page: (version, {(kind, id): body}, pages)."""
        items, pages, q = {}, 0, f"?limit={limit}" if limit else ""
        version = None
        while True:
            r = gw.get("/v1/gw/config" + q)
            if r.status != 200 or validate(r.json, SCHEMA):
                raise AssertionError(f"full sync page: {r} {validate(r.json, SCHEMA) if r.json else ''}")
            pages += 1
            version = version or r.json["version"]
            assert r.json["mode"] == "full" and r.json["version"] == version, r
            for it in r.json["items"]:
                items[(it["kind"], it["id"])] = it["body"]
            if between and pages == 1:
                between()
            if not r.json["next_page_token"]:
                return version, items, pages
            q = f"?page_token={r.json['next_page_token']}" + (f"&limit={limit}" if limit else "")

    def delta(version, limit=None):
        r = gw.get(f"/v1/gw/config?since={version}" + (f"&limit={limit}" if limit else ""))
        return r

    # --- full sync
    v0, items, pages = full(limit=3)
    kinds = sorted({k for k, _ in items})
    t.ok(pages >= 3 and ("network", "net1") in items and ("gateway", "gw1") in items and
         ("apn", "internet") in items and ("rating_group", "100") in items,
         "full sync in pages of 3: the network, gw1, the APN, the rating group", (pages, kinds))
    subs = {i: b for (k, i), b in items.items() if k == "subscriber"}
    t.ok(sorted(subs) == [f"00101000000000{i}" for i in range(5)] and
         all(b["k"] == "465b5ce8b199b49faa5f0a2ee238a6bc" and b["opc"] for b in subs.values()),
         "the network's 5 subscribers with their keys (the gateway authenticates)", subs)
    t.ok(("gateway", "gw2") not in items and ("subscriber", "001019999999999") not in items,
         "not the other gateway, not another network's subscriber", sorted(items))
    v1, items1, _ = full()
    t.ok(v1 == v0 and items1 == items, "one page (default limit): the same version and items", (v0, v1))

    # --- unchanged: one small request
    r = delta(v0)
    t.ok(r.status == 304 and r.raw == b"" and r.header("ETag") == f'"{v0}"',
         "unchanged: 304, no body, ETag the version", r)
    t.eq(gw.post("/v1/gw/checkin", {"version": "1", "ues": 1}).status, 200, "a check-in")
    t.eq(delta(v0).status, 304, "a check-in does not change the config version")

    # --- one subscriber changes
    t.eq(admin.put("/v1/networks/net1/subscribers/001010000000003", sub("001010000000003", msisdn="3312345")).status,
         200, "the operator changes one subscriber")
    r = delta(v0)
    ok = r.status == 200 and not validate(r.json, SCHEMA)
    t.ok(ok and r.json["mode"] == "delta" and len(r.json["items"]) == 1 and
         r.json["items"][0]["id"] == "001010000000003" and r.json["items"][0]["op"] == "put" and
         r.json["items"][0]["body"]["msisdn"] == "3312345" and r.json["more"] is False,
         "delta: exactly that subscriber, its new body", r)
    v2 = r.json["version"]
    t.ok(v2.split(".")[0] == v0.split(".")[0] and int(v2.split(".")[1]) > int(v0.split(".")[1])
         and r.header("ETag") == f'"{v2}"', "same stream, a higher sequence, ETag", (v0, v2))
    t.eq(delta(v2).status, 304, "then 304 again")

    # --- delete, another gateway, this gateway
    t.eq(admin.delete("/v1/networks/net1/subscribers/001010000000004").status, 204, "delete a subscriber")
    admin.put("/v1/networks/net1/gateways/gw2", {"id": "gw2", "hardware_id": "hw-2", "public_key": pub2, "name": "two"})
    r = delta(v2)
    t.ok(r.status == 200 and [(i["kind"], i["id"], i["op"], "body" in i) for i in r.json["items"]] ==
         [("subscriber", "001010000000004", "delete", False)],
         "delta: the delete (no body); gw2's change is not sent to gw1", r)
    v3 = r.json["version"]
    admin.put("/v1/networks/net1/gateways/gw1", {"id": "gw1", "hardware_id": "hw-1", "public_key": pub, "name": "one"})
    r = delta(v3)
    t.ok(r.status == 200 and [(i["kind"], i["id"]) for i in r.json["items"]] == [("gateway", "gw1")] and
         r.json["items"][0]["body"]["name"] == "one", "its own gateway object is sent", r)
    v4 = r.json["version"]
    admin.put("/v1/networks/net2/subscribers/001019999999999", sub("001019999999999", msisdn="9"))
    t.eq(delta(v4).status, 304, "a change in another network: still 304")

    # --- a bulk import pages through deltas
    csv = "imsi,k,opc\n" + "".join(f"0010120000{i:05d},465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf\n"
                                     for i in range(500))
    r = admin.req("POST", "/v1/networks/net1/subscribers:import", csv, ctype="text/csv")
    t.eq(r.status, 200, "import 500 subscribers")
    got, v, n = set(), v4, 0
    while True:
        r = delta(v, limit=120)
        n += 1
        if r.status != 200:
            break
        got |= {i["id"] for i in r.json["items"]}
        v = r.json["version"]
        if not r.json["more"]:
            break
    t.ok(len(got) == 500 and n == 5, "the import: 500 changes in 5 deltas of at most 120", (len(got), n))
    t.eq(delta(v).status, 304, "then 304")

    # --- writes during a full sync converge through the delta after it
    def write():
        admin.put("/v1/networks/net1/subscribers/001010000000000", sub("001010000000000", msisdn="777"))
        admin.post("/v1/networks/net1/subscribers", sub("001019000000001"))
    vf, items, _ = full(limit=2, between=write)
    r = delta(vf, limit=10000)
    for it in r.json["items"] if r.status == 200 else []:
        if it["op"] == "put":
            items[(it["kind"], it["id"])] = it["body"]
        else:
            items.pop((it["kind"], it["id"]), None)
    t.ok(items[("subscriber", "001010000000000")]["msisdn"] == "777" and
         ("subscriber", "001019000000001") in items and
         len([1 for k, _ in items if k == "subscriber"]) == 4 + 500 + 1,
         "a full sync with writes between pages, then the delta: the current state", r)

    # --- fleet health and metrics
    gw2 = bootstrap("gw2", key2)

    def metrics():
        r = admin.get("/metrics")
        return {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1]) for ln in r.raw.decode().splitlines()
                if ln and not ln.startswith("#")}
    m = metrics()
    t.ok(m.get('xepc_orc_gateway_up{network="net2",gateway="gw2"}') is None and
         m.get('xepc_orc_gateways{status="unknown"}') == 1 and
         m.get('xepc_orc_gateway_up{network="net1",gateway="gw2"}') == 0, "/metrics: gw2 never checked in", m)
    gw.post("/v1/gw/checkin", {"version": "1.2", "ues": 10, "sessions": 12, "enbs": 1, "health": "ok",
                               "metrics": {"attach_accept_total": 30, "s1-setup": 2}})
    gw2.post("/v1/gw/checkin", {"version": "1.2", "ues": 5, "sessions": 5, "enbs": 2, "health": "ok",
                                "metrics": {"attach_accept_total": 7}})
    m = metrics()
    t.ok(m.get('xepc_orc_gateways{status="healthy"}') == 2 and m.get('xepc_orc_gateways{status="unknown"}') == 0 and
         m.get('xepc_fleet_ues{network="net1"}') == 15 and m.get('xepc_fleet_enbs{network="net1"}') == 3 and
         m.get('xepc_fleet_attach_accept_total{network="net1"}') == 37 and
         m.get('xepc_fleet_s1_setup{network="net1"}') == 2 and
         m.get('xepc_orc_gateway_up{network="net1",gateway="gw2"}') == 1,
         "/metrics: both healthy, their counters summed per network", m)
    st = admin.get("/v1/networks/net1/gateways/gw2/state").json
    t.ok(st["status"] == "healthy" and st["reported"]["version"] == "1.2" and st["last_checkin"] > 0,
         "gw2's state: healthy, version, last check-in", st)
    import time
    time.sleep(3.2)
    gw.post("/v1/gw/checkin", {"version": "1.2", "ues": 11, "metrics": {"attach_accept_total": 31}})
    m = metrics()
    t.ok(m.get('xepc_orc_gateways{status="healthy"}') == 1 and m.get('xepc_orc_gateways{status="stale"}') == 1 and
         m.get('xepc_orc_gateway_up{network="net1",gateway="gw2"}') == 0 and
         m.get('xepc_fleet_ues{network="net1"}') == 11 and m.get('xepc_fleet_attach_accept_total{network="net1"}') == 31,
         "gw2 silent past stale_after: stale, left out of the sums", m)
    t.eq(admin.get("/v1/networks/net1/gateways/gw2").json["status"], "stale", "gw2's status: stale")
    gw2.close()

    # --- a foreign stream, refusals
    r = gw.get("/v1/gw/config?since=ffffffff.1")
    t.ok(r.status == 200 and r.json["mode"] == "full", "a version of another stream: a full sync", r)
    stream, seq = v.split(".")
    r = gw.get(f"/v1/gw/config?since={stream}.{int(seq) + 1000000}")
    t.ok(r.status == 200 and r.json["mode"] == "full", "a version ahead of the log: a full sync", r)
    for q in ("since=abc", "since=x.-1", "page_token=zz", "page_token=0.99.", "limit=0", "limit=10001",
              f"since={v}&page_token=0.0."):
        r = gw.get(f"/v1/gw/config?{q}")
        t.ok(r.status == 400 and not validate(r.json, {"$ref": "#/components/schemas/Error"}), f"?{q}: 400", r)
    r = admin.get("/v1/gw/config")
    t.ok(r.status == 401, "an operator token instead of a certificate: 401", r)
    r = H.Client(o.port, o.cert).get("/v1/gw/config")
    t.ok(r.status == 401, "no client certificate: 401", r)
    gw.close()
    t.eq(o.stop(), 0, "orcd stops on SIGTERM")


scenario("sqlite", ("sqlite", os.path.join(d, "orc.db")))
if H.have_postgres():
    pg = H.Postgres()
    scenario("postgresql", ("pg", pg.createdb("orcsync")))
else:
    t.skip("config sync on PostgreSQL", "no PostgreSQL 15")
t.done()
