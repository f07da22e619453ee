#!/usr/bin/python3
"""PATCH (JSON Merge Patch, RFC 7386) with ETags, API tokens with a
lifetime (refused once expired, on the API and on the command line), and
one hardware id per gateway in the whole fleet (409), on SQLite and
PostgreSQL.  TAP."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("patch")


def pubkey(name):
    key = os.path.join(d, f"{name}.key")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key],
                   check=True, capture_output=True)
    return subprocess.run(["openssl", "ec", "-in", key, "-pubout"], capture_output=True, text=True,
                          check=True).stdout


PUB = pubkey("gw")
K, OPC = "465b5ce8b199b49faa5f0a2ee238a6bc", "e8ed289deba952e4283b54e88e6183ca"


def scenario(label, store):
    t.prefix = f"[{label}] "
    o = H.Orcd(d, store).start()
    c = o.client(o.token("admin"))
    t.eq(c.post("/v1/networks", {"id": "n1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1, 2]}).status, 201, "network")
    t.eq(c.post("/v1/networks", {"id": "n2", "plmn": {"mcc": "001", "mnc": "02"}, "tacs": [1]}).status, 201, "second network")

    # ------------------------------------------------------------ PATCH ----
    r = c.post("/v1/networks/n1/subscribers", {"imsi": "001010000000001", "k": K, "opc": OPC,
                                               "msisdn": "1555", "apns": [], "name": "Alice"})
    t.eq(r.status, 201, "subscriber")
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"msisdn": "1666"})
    t.ok(r.status == 200 and r.json["msisdn"] == "1666" and r.json["name"] == "Alice" and
         r.json["state"] == "active" and "k" not in r.json and r.header("ETag") == '"2"',
         "PATCH changes one field, keeps the others, ETag 2", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"state": "suspended"},
              headers={"If-Match": '"1"'})
    t.eq(r.status, 412, "PATCH with a stale If-Match: 412")
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"state": "suspended"},
              headers={"If-Match": '"2"'})
    t.ok(r.status == 200 and r.json["state"] == "suspended" and r.header("ETag") == '"3"',
         "PATCH with the current If-Match: 200, ETag 3", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"name": None},
              ctype="application/merge-patch+json")
    t.ok(r.status == 200 and r.json["name"] == "", "null removes a member (default again), merge-patch+json accepted", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"msisdn": "x", "bogus": 1})
    t.ok(r.status == 422 and {f["field"] for f in r.json["error"]["fields"]} == {"msisdn", "bogus"},
         "a bad PATCH: 422 naming each field", r)
    # a subscriber created without an MSISDN (the default "" is stored):
    # a PATCH of another field, a PUT of what GET returned, and removing
    # the MSISDN again must all validate (the schema allows 0 to 15 digits)
    r = c.post("/v1/networks/n1/subscribers", {"imsi": "001010000000003", "k": K, "opc": OPC})
    t.ok(r.status == 201 and r.json["msisdn"] == "", "subscriber without an msisdn", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000003", {"name": "Bob"})
    t.ok(r.status == 200 and r.json["name"] == "Bob" and r.json["msisdn"] == "",
         "PATCH of a subscriber without an msisdn: 200", r)
    body = c.get("/v1/networks/n1/subscribers/001010000000003").json
    r = c.put("/v1/networks/n1/subscribers/001010000000003", dict(body, k=K, opc=OPC))
    t.eq(r.status, 200, "PUT back what GET returned (msisdn \"\"): 200")
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"msisdn": None})
    t.ok(r.status == 200 and r.json["msisdn"] == "", "PATCH msisdn null removes it: 200", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"msisdn": "1555"})
    t.ok(r.status == 200 and r.json["msisdn"] == "1555", "and sets it again", r)
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"msisdn": "1234567890123456"})
    t.eq(r.status, 422, "16 digits: 422")
    r = c.req("PATCH", "/v1/networks/n1/subscribers/001010000000001", {"imsi": "001010000000002"})
    t.eq(r.status, 422, "PATCH cannot change the id")
    t.eq(c.req("PATCH", "/v1/networks/n1/subscribers/001010000000009", {"name": "x"}).status, 404,
         "PATCH of a missing subscriber: 404")
    # the subscriber's keys survive PATCHes: a CSV export has none, but the
    # store keeps them (the sync and HSS read them); check via a PUT without
    # keys, which keeps write-only fields, then a PATCH of the network
    r = c.req("PATCH", "/v1/networks/n1", {"plmn": {"mnc": "011"}})
    t.ok(r.status == 200 and r.json["plmn"] == {"mcc": "001", "mnc": "011"} and r.json["tacs"] == [1, 2],
         "PATCH merges nested objects (plmn.mnc only)", r)
    t.eq(c.req("PATCH", "/v1/networks/n1", {"x": 1}, ctype="text/plain").status, 415, "PATCH with text/plain: 415")

    # --------------------------------------------------- hardware ids ----
    gw = {"id": "gw1", "hardware_id": "hw-1", "public_key": PUB}
    t.eq(c.post("/v1/networks/n1/gateways", gw).status, 201, "gateway gw1 with hw-1")
    r = c.post("/v1/networks/n1/gateways", dict(gw, id="gw2"))
    t.ok(r.status == 409 and "hw-1" in r.json["error"]["message"], "gw2 with the same hardware id: 409", r)
    r = c.post("/v1/networks/n2/gateways", dict(gw, id="gw9"))
    t.eq(r.status, 409, "the same hardware id in another network: 409")
    t.eq(c.post("/v1/networks/n1/gateways", dict(gw, id="gw2", hardware_id="hw-2")).status, 201, "gw2 with hw-2")
    t.eq(c.put("/v1/networks/n1/gateways/gw1", dict(gw, name="renamed")).status, 200, "PUT gw1 keeping its hardware id")
    t.eq(c.req("PATCH", "/v1/networks/n1/gateways/gw1", {"name": "again"}).status, 200, "PATCH gw1 keeping it")
    t.eq(c.req("PATCH", "/v1/networks/n1/gateways/gw1", {"hardware_id": "hw-2"}).status, 409,
         "PATCH gw1 to gw2's hardware id: 409")
    t.eq(c.req("PATCH", "/v1/networks/n1/gateways/gw1", {"hardware_id": "hw-1b"}).status, 200,
         "PATCH gw1 to a new hardware id")
    t.eq(c.post("/v1/networks/n2/gateways", dict(gw, id="gw9")).status, 201, "its old one is free again")
    t.eq(c.delete("/v1/networks/n1/gateways/gw2").status, 204, "delete gw2")
    t.eq(c.post("/v1/networks/n2/gateways", dict(gw, id="gw8", hardware_id="hw-2")).status, 201,
         "a deleted gateway's hardware id is free")
    t.eq(c.post("/v1/networks/n2/gateways", dict(gw, id="gw9", hardware_id="hw-3")).status, 409,
         "an existing gateway id: still 409 (and nothing else changed)")
    t.eq(c.post("/v1/networks/n1/gateways", dict(gw, id="gw3", hardware_id="hw-3")).status, 201,
         "hw-3 was not taken by the refused request")

    if label == "sqlite":
        # a gateway registered before the index existed (no gw_hwid entry)
        import sqlite3
        db = sqlite3.connect(store[1])
        db.execute("DELETE FROM objects WHERE kind = 'gw_hwid'")
        db.commit()
        db.close()
        r = c.post("/v1/networks/n2/gateways", dict(gw, id="gw7", hardware_id="hw-3"))
        t.ok(r.status == 409 and "n1/gw3" in r.json["error"]["message"],
             "a gateway without an index entry still holds its hardware id (409)", r)
        t.eq(c.req("PATCH", "/v1/networks/n1/gateways/gw3", {"name": "x"}).status, 200,
             "and writing it again indexes it")
        t.eq(c.post("/v1/networks/n2/gateways", dict(gw, id="gw7", hardware_id="hw-3")).status, 409,
             "409 from the index then")

    # ---------------------------------------------------- token expiry ----
    r = c.post("/v1/tokens", {"name": "short", "scope": "read", "lifetime": 2})
    t.ok(r.status == 201 and isinstance(r.json["expires_at"], int) and
         abs(r.json["expires_at"] - time.time() - 2) < 3, "a token with a 2 s lifetime", r)
    short = r.json["token"]
    r = c.post("/v1/tokens", {"name": "forever", "scope": "read"})
    t.ok(r.status == 201 and r.json["expires_at"] is None, "a token without lifetime never expires", r)
    t.eq(c.post("/v1/tokens", {"name": "bad", "scope": "read", "lifetime": 0}).status, 422, "lifetime 0: 422")
    t.eq(c.get("/v1/networks", token=short).status, 200, "the short token works now")
    rc, out, err = o.admin("token", "create", "--name", "cli", "--scope", "read", "--lifetime", "2s")
    cli = out.strip()
    t.ok(rc == 0 and cli.startswith("xo_"), "xepc-orcd token create --lifetime 2s", err)
    t.eq(c.get("/v1/networks", token=cli).status, 200, "the CLI one works now")
    rc, _, err = o.admin("token", "create", "--name", "x", "--scope", "read", "--lifetime", "5y")
    t.ok(rc == 2 and "lifetime" in err, "--lifetime 5y refused", err)
    lst = {x["name"]: x for x in c.get("/v1/tokens").json["items"]}
    t.ok(lst["short"]["expires_at"] and lst["forever"]["expires_at"] is None, "the list shows expiry", lst)
    time.sleep(3.2)
    r = c.get("/v1/networks", token=short)
    t.ok(r.status == 401, "after its lifetime the token is refused: 401", r)
    t.eq(c.get("/v1/networks", token=cli).status, 401, "the CLI one likewise")
    t.eq(c.get("/v1/networks").status, 200, "the admin token still works")
    t.eq(o.stop(), 0, "orcd stops on SIGTERM")


scenario("sqlite", ("sqlite", os.path.join(d, "orc.db")))
if H.have_postgres():
    pg = H.Postgres()
    scenario("postgresql", ("pg", pg.createdb("orcpatch")))
else:
    t.skip("PATCH, hardware ids and token expiry on PostgreSQL", "no PostgreSQL 15")
t.done()
