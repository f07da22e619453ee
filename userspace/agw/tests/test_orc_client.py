#!/usr/bin/python3
"""xepc-agwd's orchestrator client (userspace/agw/orc_*.c) against a real
xepc-orcd: the identity (--print-identity, key 0600), bootstrap with the
registered key, check-in over mutual TLS (orcd shows the gateway healthy with
its report), renewal before a short certificate expires, config sync into
agwd's SQLite (a subscriber added, changed, deleted; an APN's values; SQN kept),
orcd stopped -> failures counted and logged, last good config kept -> orcd back
-> a change made meanwhile converges; a full resync when orcd's stream is new;
orcd's CA pinned at the bootstrap: a server of another CA is refused although
orchestrator.ca's bundle holds that CA too.

Runs in a private network namespace (unshare -n) so that agwd's S1-MME
stack and the loopback ports touch nobody else's.  TAP."""
import json
import os
import socket
import sqlite3
import ssl
import threading
import subprocess
import sys
import time

if os.environ.get("XEPC_ORC_CLIENT_NS") != "1":
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (network namespace)")
        sys.exit(0)
    env = dict(os.environ, XEPC_ORC_CLIENT_NS="1")
    os.execvpe("unshare", ["unshare", "-n", "--", sys.executable, os.path.abspath(__file__)], env)
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "orc", "tests"))
import orc_harness as H  # noqa: E402

AGWD = os.path.join(H.ROOT, H.BUILD, "bin", "xepc-agwd")
XEPCCTL = H.XEPCCTL
t = H.Tap()
if not os.access(AGWD, os.X_OK) or not os.access(H.ORCD, os.X_OK):
    print("1..0 # SKIP build first: make all")
    sys.exit(0)
d = H.tmpdir("orccl")


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, check=True).stdout


ca_crt, ca_key = os.path.join(d, "ca.crt"), os.path.join(d, "ca.key")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=orc-ca",
   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
dbpath = os.path.join(d, "orc.db")
# another server certificate for 127.0.0.1 (an impostor's, of another CA)
imp_crt, imp_key = os.path.join(d, "imp.crt"), os.path.join(d, "imp.key")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", imp_key, "-out", imp_crt, "-days", "2", "-subj", "/CN=impostor",
   "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
o = H.Orcd(d, ("sqlite", dbpath),
           f"gateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, cert_lifetime: 6s, challenge_lifetime: 30s}}\n").start()
admin = o.client(o.token("admin"))
port = o.port

# orchestrator.ca: a bundle of orcd's certificate and the impostor's
bundle = os.path.join(d, "bundle.pem")
with open(bundle, "w") as f:
    f.write(open(o.cert).read() + open(imp_crt).read())
agw_db = os.path.join(d, "agw.db")
agw_yaml = os.path.join(d, "agw.yaml")
gwdir = os.path.join(d, "gw")
with open(agw_yaml, "w") as f:
    f.write(f"""logger: {{level: debug}}
mme:
  tai: [{{plmn: {{mcc: "001", mnc: "01"}}, tac: [1]}}]
  s1ap: {{backend: usrsctp-udp, address: 127.0.0.1, udp_port: {H.free_port()}}}
gtpu: {{address: 127.0.0.1}}
datapath: {{s1u: lo, sgi: lo, mode: nat}}
apns:
  - {{name: internet, pool: 10.45.0.0/16}}
database: {{path: {agw_db}}}
control: {{socket: {d}/agwd.sock}}
metrics: {{port: 0}}
orchestrator:
  url: https://127.0.0.1:{port}
  ca: {bundle}
  dir: {gwdir}
  network: net1
  gateway: gw1
  hardware_id: hw-sync-1
  checkin_interval: 1s
  sync_interval: 1s
  connect_timeout: 1s
  timeout: 5s
  backoff_max: 2s
""")

# --- identity
r = subprocess.run([AGWD, "-c", agw_yaml, "--print-identity"], capture_output=True, text=True)
t.ok(r.returncode == 0, "--print-identity exits 0", r.stderr)
ident = json.loads(r.stdout)
t.ok(ident["id"] == "gw1" and ident["hardware_id"] == "hw-sync-1" and
     "BEGIN PUBLIC KEY" in ident["public_key"], "it prints the gateway object to register", ident)
st = os.stat(os.path.join(gwdir, "gateway.key"))
t.eq(oct(st.st_mode & 0o777), "0o600", "the key is stored mode 0600")
out = sh("openssl", "ec", "-in", os.path.join(gwdir, "gateway.key"), "-pubout").decode()
t.eq(out, ident["public_key"], "the printed public key is the stored key's")
r2 = subprocess.run([AGWD, "-c", agw_yaml, "--print-identity"], capture_output=True, text=True)
t.eq(json.loads(r2.stdout)["public_key"], ident["public_key"], "a second run keeps the same key")

# --- orcd: network, APN, a subscriber; the gateway is NOT registered yet
K, OPC = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"
t.eq(admin.post("/v1/networks", {"id": "net1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]}).status, 201, "network")
t.eq(admin.post("/v1/networks/net1/apns", {"id": "internet", "ambr": {"ul": 5000000, "dl": 10000000}, "qci": 8}).status, 201, "APN")
t.eq(admin.post("/v1/networks/net1/subscribers", {"imsi": "001010000000001", "k": K, "opc": OPC, "apns": ["internet"],
                                                  "msisdn": "3361111"}).status, 201, "subscriber 1")

agw_log = open(os.path.join(d, "agwd.log"), "w")
if os.environ.get("XEPC_KEEP_LOG"):  # debugging: the daemon's log kept there
    H._cleanups.append(lambda: subprocess.run(["cp", os.path.join(d, "agwd.log"), os.environ["XEPC_KEEP_LOG"]]))
agw = subprocess.Popen([AGWD, "-c", agw_yaml, "--no-datapath"], stdout=agw_log, stderr=subprocess.STDOUT)
H._cleanups.append(lambda: (agw.poll() is None and (agw.kill(), agw.wait())))


def log():
    with open(os.path.join(d, "agwd.log")) as f:
        return f.read()


last = [None]


def wait(cond, secs=15):
    last[0] = None
    end = time.time() + secs
    while time.time() < end:
        try:
            v = cond()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - keep polling
            last[0] = e
        time.sleep(0.2)
    if last[0]:
        print(f"# last exception: {last[0]!r}")
    return None


def stats():
    r = subprocess.run([XEPCCTL, "agw", "stats", "--socket", f"{d}/agwd.sock"], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        p = line.split()
        if len(p) >= 2 and p[-1].isdigit():
            out[p[0].rstrip(":")] = int(p[-1])
    return out


def q(sql, *a):
    c = sqlite3.connect(agw_db, timeout=10)
    try:
        r = c.execute(sql, a).fetchall()
        c.commit()
        return r
    finally:
        c.close()


t.ok(wait(lambda: "identity" in log() and "hw-sync-1" in log()), "agwd logs its identity (hardware id, public key)")
t.ok(wait(lambda: "challenge refused (404" in log()), "unregistered: the bootstrap is refused and logged", log()[-2000:])
t.ok(wait(lambda: stats().get("orc_bootstrap_failure", 0) >= 1), "and counted (orc_bootstrap_failure)", stats())
t.ok(agw.poll() is None, "agwd keeps running meanwhile")

# --- the operator registers it: bootstrap, check-in, sync
r = admin.post("/v1/networks/net1/gateways", {"id": "gw1", "hardware_id": ident["hardware_id"], "public_key": ident["public_key"]})
t.eq(r.status, 201, "the operator registers the printed identity")
t.ok(wait(lambda: os.path.exists(os.path.join(gwdir, "gateway.crt"))), "the gateway gets its certificate")
t.eq(oct(os.stat(os.path.join(gwdir, "gateway.crt")).st_mode & 0o777), "0o600", "stored mode 0600")
pin = os.path.join(gwdir, "orcd-ca.pem")
t.ok(wait(lambda: os.path.exists(pin)), "orcd's CA is pinned at the bootstrap", os.listdir(gwdir))
der = lambda p: sh("openssl", "x509", "-in", p, "-outform", "DER")  # noqa: E731
t.ok(der(pin) == der(o.cert) and oct(os.stat(pin).st_mode & 0o777) == "0o600",
     "the pin is the certificate orcd presented (not the bundle's other one), mode 0600")
t.ok("CA pinned" in log(), "and logged")
subj = sh("openssl", "x509", "-in", os.path.join(gwdir, "gateway.crt"), "-noout", "-subject").decode()
t.ok("net1/gw1" in subj, "issued by orcd for net1/gw1", subj)
st_ = wait(lambda: (lambda j: j if j.get("status") == "healthy" else None)(admin.get("/v1/networks/net1/gateways/gw1/state").json))
t.ok(st_ and st_["reported"]["health"] == "ok" and st_["reported"]["ues"] == 0 and
     "attach_request_total" in st_["reported"]["metrics"], "check-in over mTLS: orcd shows it healthy with its report", st_)
rows = wait(lambda: q("SELECT imsi, msisdn, state, hex(k), hex(opc) FROM subscribers"))
t.ok(rows == [("001010000000001", "3361111", "active", K.upper(), OPC.upper())], "sync: the subscriber is in agwd's local HSS", rows)
apn = q("SELECT apn, ambr_ul, ambr_dl, qci FROM subscriber_apns WHERE imsi='001010000000001'")
t.eq(apn, [("internet", 5000000, 10000000, 8)], "with the orcd APN's AMBR and QCI")
ver = admin.get("/v1/networks/net1/gateways/gw1/state").json
t.ok(wait(lambda: admin.get("/v1/networks/net1/gateways/gw1/state").json["reported"]["config_version"] ==
          q("SELECT version FROM orc_sync")[0][0] != ""), "the check-in reports the config version it applied")

# --- changes: add, change (SQN kept), APN change, delete
q("UPDATE subscribers SET sqn = 1234 WHERE imsi='001010000000001'")
t.eq(admin.post("/v1/networks/net1/subscribers", {"imsi": "001010000000002", "k": K, "opc": OPC}).status, 201, "subscriber 2 added in orcd")
t.ok(wait(lambda: q("SELECT imsi FROM subscribers WHERE imsi='001010000000002'")), "it reaches agwd without a restart",
     (q("SELECT kind, id, gen, substr(body, 1, 80) FROM orc_object"), q("SELECT imsi FROM subscribers")))
r = admin.req("PATCH", "/v1/networks/net1/subscribers/001010000000001", {"msisdn": "3362222"})
t.eq(r.status, 200, "subscriber 1 changed in orcd")
t.ok(wait(lambda: q("SELECT msisdn, sqn FROM subscribers WHERE imsi='001010000000001'") == [("3362222", 1234)]),
     "the change is applied, the gateway's SQN kept", q("SELECT msisdn, sqn FROM subscribers"))
r = admin.req("PATCH", "/v1/networks/net1/apns/internet", {"qci": 7})
t.eq(r.status, 200, "APN changed in orcd")
t.ok(wait(lambda: q("SELECT qci FROM subscriber_apns WHERE imsi='001010000000001'") == [(7,)]), "its subscribers get the new QCI")
q("INSERT INTO subscribers (imsi, k, opc, amf) VALUES ('001019999999999', zeroblob(16), zeroblob(16), x'8000')")
t.eq(admin.delete("/v1/networks/net1/subscribers/001010000000002").status, 204, "subscriber 2 deleted in orcd")
t.ok(wait(lambda: not q("SELECT imsi FROM subscribers WHERE imsi='001010000000002'")), "it is deleted in agwd")
t.ok(q("SELECT imsi FROM subscribers WHERE imsi='001019999999999'"), "a locally provisioned subscriber is left alone")
t.ok(wait(lambda: stats().get("orc_sync_items", 0) >= 4 and stats().get("orc_checkin_ok", 0) >= 2), "counters: items applied, check-ins", stats())

# --- renewal before the 6 s certificate expires
n0 = stats().get("orc_bootstrap_ok", 0)
t.ok(wait(lambda: stats().get("orc_bootstrap_ok", 0) > n0, 10), "the certificate is renewed before it expires", stats())
time.sleep(7)
ok0 = stats().get("orc_checkin_ok", 0)
t.ok(wait(lambda: stats().get("orc_checkin_ok", 0) > ok0 + 1), "check-ins go on past the first certificate's lifetime")
t.ok("expired" not in log(), "no call was refused as expired")

# --- orcd unreachable: failures counted, the config kept, agwd serving
t.eq(o.stop(), 0, "orcd stopped")
t.ok(wait(lambda: stats().get("orc_checkin_failure", 0) >= 1 and stats().get("orc_sync_failure", 0) >= 1),
     "check-in and sync failures are counted", stats())
t.ok("orchestrator unreachable" in log(), "and logged")
t.ok(q("SELECT imsi FROM subscribers WHERE imsi='001010000000001'") and agw.poll() is None,
     "the last good config stays in SQLite, agwd runs")

# --- an impostor on orcd's address, with a certificate of another CA that
# orchestrator.ca's bundle holds: refused, since the pin is orcd's
class Impostor(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        self.ls.settimeout(0.2)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(imp_crt, imp_key)
        self.tried = self.done = 0
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                c, _ = self.ls.accept()
            except OSError:
                continue
            self.tried += 1
            try:
                # GnuTLS completes the handshake and verifies after it: a
                # client that trusts us sends its request, one that does
                # not closes
                c.settimeout(3)
                s = self.ctx.wrap_socket(c, server_side=True)
                if s.recv(1):
                    self.done += 1
                s.close()
            except (OSError, ssl.SSLError):
                c.close()

    def stop(self):
        self.stopping = True
        self.join(5)
        self.ls.close()


imp = Impostor()
imp.start()
t.ok(wait(lambda: imp.tried >= 2, 15), "agwd calls the impostor on orcd's address", imp.tried)
imp.stop()
t.ok(imp.done == 0, "and never sends it a request (its CA is not the pinned one)",
     f"{imp.done} of {imp.tried}")
o2 = H.Orcd(d, ("sqlite", dbpath), "", cert=(o.cert, o.key))
o2.port = port
with open(o2.cfg, "w") as f:
    f.write(f"listen: {{address: 127.0.0.1, port: {port}}}\ntls: {{cert: {o.cert}, key: {o.key}}}\n"
            f"store: {{backend: sqlite, path: {dbpath}}}\ngateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, cert_lifetime: 6s}}\n")
time.sleep(3)  # a few failed rounds while orcd is away
o2.start()
admin2 = H.Client(port, o.cert, admin.token)
t.eq(admin2.post("/v1/networks/net1/subscribers", {"imsi": "001010000000003", "k": K, "opc": OPC}).status, 201, "orcd back; subscriber 3 added")
t.ok(wait(lambda: q("SELECT imsi FROM subscribers WHERE imsi='001010000000003'"), 20), "the change converges")
t.ok(wait(lambda: "reachable again" in log()), "agwd logs that orcd is reachable again")
c0 = admin2.get("/v1/networks/net1/gateways/gw1/state").json["last_checkin"]
t.ok(wait(lambda: admin2.get("/v1/networks/net1/gateways/gw1/state").json["last_checkin"] != c0 and
          admin2.get("/v1/networks/net1/gateways/gw1/state").json["status"] == "healthy"), "check-ins resume: healthy")

# --- a new stream (orcd's store replaced): a full resync drops what is gone
o2.stop()
os.rename(dbpath, dbpath + ".old")
for sfx in ("-wal", "-shm"):
    if os.path.exists(dbpath + sfx):
        os.rename(dbpath + sfx, dbpath + ".old" + sfx)
o3 = H.Orcd(d, ("sqlite", dbpath), "", cert=(o.cert, o.key))
with open(o3.cfg, "w") as f:
    f.write(f"listen: {{address: 127.0.0.1, port: {port}}}\ntls: {{cert: {o.cert}, key: {o.key}}}\n"
            f"store: {{backend: sqlite, path: {dbpath}}}\ngateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}, cert_lifetime: 6s}}\n")
o3.port = port
o3.start()
a3 = H.Client(port, o.cert, o3.token("admin"))
a3.post("/v1/networks", {"id": "net1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]})
a3.post("/v1/networks/net1/apns", {"id": "internet", "ambr": {"ul": 5000000, "dl": 10000000}})
a3.post("/v1/networks/net1/subscribers", {"imsi": "001010000000004", "k": K, "opc": OPC})
t.eq(a3.post("/v1/networks/net1/gateways", {"id": "gw1", "hardware_id": ident["hardware_id"], "public_key": ident["public_key"]}).status,
     201, "a new orcd store: the gateway registered again")
t.ok(wait(lambda: [r[0] for r in q("SELECT imsi FROM subscribers ORDER BY imsi")] ==
          ["001010000000004", "001019999999999"], 25),
     "full resync: orcd's subscribers replace the old ones (the local one stays)",
     q("SELECT imsi FROM subscribers"))
t.ok("full resync" in log() or "full configuration" in log(), "the resync is logged")

agw.terminate()
t.eq(agw.wait(15), 0, "agwd stops on SIGTERM with the worker")
t.done()
