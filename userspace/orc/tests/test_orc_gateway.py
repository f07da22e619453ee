#!/usr/bin/python3
"""The gateway-facing API: bootstrap (challenge signed with the registered
ECDSA key + CSR -> client certificate from orcd's CA), then check-in over
mutual TLS; an unregistered, a foreign, a revoked (superseded or gateway
deleted) and an expired certificate are each refused.  TAP."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("gw")


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, check=True).stdout


def make_ca(name):
    key, crt = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.crt")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={name}",
       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    return crt, key


def gw_key(name):
    key = os.path.join(d, f"{name}.key")
    sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    return key, sh("openssl", "ec", "-in", key, "-pubout").decode()


def sign(key, text):
    return sh("openssl", "dgst", "-sha256", "-sign", key, inp=text.encode()).hex()


def csr(key, cn="gw"):
    return sh("openssl", "req", "-new", "-key", key, "-subj", f"/CN={cn}").decode()


ca_crt, ca_key = make_ca("orc-ca")
f_crt, f_key = make_ca("foreign-ca")


def scenario(label, store):
    global o, pub_c
    t.prefix = f"[{label}] "
    o = H.Orcd(d, store,
               f"gateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, cert_lifetime: 4s, challenge_lifetime: 30s}}\n").start()
    admin = o.client(o.token("admin"))
    pub_c = o.client()  # no token: the bootstrap routes are public
    key, pub = gw_key("gw1")
    other_key, other_pub = gw_key("other")
    t.eq(admin.post("/v1/networks", {"id": "net1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]}).status, 201, "network")
    r = admin.post("/v1/networks/net1/gateways", {"id": "gw1", "hardware_id": "hw-1", "public_key": pub})
    t.ok(r.status == 201 and r.json["status"] == "unknown", "register gw1 (status unknown)", r)
    r = admin.post("/v1/networks/net1/gateways", {"id": "gw2", "hardware_id": "hw-2", "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" + " " * 60})
    t.ok(r.status == 422 and r.json["error"]["fields"][0]["field"] == "public_key", "a public key that is not one: 422", r)


    def bootstrap(k=key, csr_key=None, hw="hw-1", sig_key=None, reuse=None):
        r = pub_c.post("/v1/gw/challenge", {"network": "net1", "gateway": "gw1", "hardware_id": hw})
        if r.status != 200:
            return r, None
        ch = reuse or r.json["challenge"]
        r = pub_c.post("/v1/gw/certificate", {"network": "net1", "gateway": "gw1", "challenge": ch,
                                              "signature": sign(sig_key or k, ch), "csr": csr(csr_key or k)})
        return r, ch


    def certfiles(r, name):
        p = os.path.join(d, f"{name}.crt")
        with open(p, "w") as f:
            f.write(r.json["certificate"])
        return p


    def checkin(cert, k=key, body=None):
        c = H.Client(o.port, o.cert, client_cert=(cert, k) if cert else None)
        try:
            return c.post("/v1/gw/checkin", body or {"version": "0.1", "ues": 3, "enbs": 1})
        finally:
            c.close()


    # --- refusals during bootstrap
    r, _ = bootstrap(hw="hw-x")
    t.ok(r.status == 404, "challenge with another hardware id: 404", r)
    r, _ = bootstrap(sig_key=other_key)
    t.ok(r.status == 403 and "signature" in r.json["error"]["message"], "challenge signed by another key: 403", r)
    r, _ = bootstrap(csr_key=other_key)
    t.ok(r.status == 403 and "registered key" in r.json["error"]["message"], "CSR for another key: 403", r)
    r, ch = bootstrap()
    t.ok(r.status == 200 and "BEGIN CERTIFICATE" in r.json["certificate"], "bootstrap: certificate issued", r)
    cert_a = certfiles(r, "a")
    r2 = pub_c.post("/v1/gw/certificate", {"network": "net1", "gateway": "gw1", "challenge": ch,
                                            "signature": sign(key, ch), "csr": csr(key)})
    t.ok(r2.status == 403 and "challenge" in r2.json["error"]["message"], "a used challenge again: 403", r2)
    subj = sh("openssl", "x509", "-in", cert_a, "-noout", "-subject", "-ext", "extendedKeyUsage").decode()
    t.ok("net1/gw1" in subj and "TLS Web Client Authentication" in subj, "the certificate names net1/gw1, clientAuth", subj)
    sh("openssl", "verify", "-CAfile", ca_crt, cert_a)
    t.ok(True, "it verifies against orcd's CA (openssl verify)")

    # --- check-in over mutual TLS
    r = checkin(cert_a)
    t.ok(r.status == 200 and r.json["status"] == "ok", "check-in with the certificate: 200", r)
    r = admin.get("/v1/networks/net1/gateways/gw1/state")
    t.ok(r.status == 200 and r.json["status"] == "healthy" and r.json["reported"]["ues"] == 3,
         "the operator sees the report, gateway healthy", r)
    t.eq(admin.get("/v1/networks/net1/gateways/gw1").json["status"], "healthy", "gateway status healthy")
    r = checkin(None)
    t.ok(r.status == 401, "check-in without a certificate: 401", r)
    r = admin.post("/v1/gw/checkin", {"x": 1})
    t.ok(r.status == 401, "check-in with an operator token instead: 401", r)
    # a certificate from another CA for the same name and key
    fcsr = os.path.join(d, "f.csr")
    with open(fcsr, "w") as f:
        f.write(csr(key, "net1\\/gw1"))
    fcert = os.path.join(d, "foreign.crt")
    sh("openssl", "x509", "-req", "-in", fcsr, "-CA", f_crt, "-CAkey", f_key, "-CAcreateserial",
       "-out", fcert, "-days", "1")
    r = checkin(fcert)
    t.ok(r.status == 401 and "CA" in r.json["error"]["message"], "a certificate from another CA: 401", r)

    # --- revoked by renewal
    r, _ = bootstrap()
    cert_b = certfiles(r, "b")
    r = checkin(cert_a)
    t.ok(r.status == 401 and "revoked" in r.json["error"]["message"], "the superseded certificate: 401 revoked", r)
    t.eq(checkin(cert_b).status, 200, "the renewed one: 200")

    # --- expired
    # notAfter has whole seconds and the check is "now > notAfter": wait
    # past the lifetime by more than a second.
    time.sleep(6)
    r = checkin(cert_b)
    t.ok(r.status == 401 and "expired" in r.json["error"]["message"], "after cert_lifetime: 401 expired", r)

    # --- gateway deleted (unregistered)
    r, _ = bootstrap()
    cert_c = certfiles(r, "c")
    t.eq(checkin(cert_c).status, 200, "a fresh certificate: 200")
    t.eq(admin.delete("/v1/networks/net1/gateways/gw1").status, 204, "the operator deletes gw1")
    r = checkin(cert_c)
    t.ok(r.status == 401 and "revoked" in r.json["error"]["message"], "its certificate after that: 401", r)
    r, _ = bootstrap()
    t.eq(r.status, 404, "and it cannot bootstrap again: 404")
    audit = admin.get("/v1/audit?limit=1000").json["items"]
    t.ok(sum(1 for a in audit if a["detail"].startswith("issued certificate")) == 3 and
         not any(a["path"] == "/v1/gw/checkin" for a in audit), "issued certificates are audited, check-ins are not")
    t.eq(o.stop(), 0, "orcd stops on SIGTERM")

scenario("sqlite", ("sqlite", os.path.join(d, "orc.db")))
if H.have_postgres():
    pg = H.Postgres()
    scenario("postgresql", ("pg", pg.createdb("orcgw")))
else:
    t.skip("gateway API on PostgreSQL", "no PostgreSQL 15")
t.done()
