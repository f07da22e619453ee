#!/usr/bin/python3
"""The web UI: static files (no path traversal: "..", its encoded forms,
a symbolic link out of the root), security headers on every answer,
sessions (cookie, CSRF) at the HTTP level; then in headless Chromium
(ui_browser.cjs): sign in, register a gateway, add, edit, import and find
subscribers (one named <img src=x onerror=alert(1)> shows as text), see
the gateway check in (mutual TLS, as test_orc_gateway.py), dashboard and
usage graphs, zero CSP violations on every page, CSRF refusals, cookie
flags.  Screenshots go to $BUILD/test-artifacts/orc-ui/.  TAP."""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UI_SRC = os.path.join(H.ROOT, "userspace", "orc", "ui")
NPM_PREFIX = os.environ.get("NPM_PREFIX", "/usr/local/lib/xepc-npm")
SHOTS = os.path.join(H.ROOT, H.BUILD, "test-artifacts", "orc-ui")

t = H.Tap()
d = H.tmpdir("ui")


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, check=True).stdout


def raw_get(port, cafile, path, headers=None):
    """GET with the path sent exactly as given (no client normalisation)."""
    ctx = ssl.create_default_context(cafile=cafile)
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    c.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return H.Resp(r.status, r.getheaders(), body)


# ---------------------------------------------------------------- setup ----
ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=orc-ui-ca",
   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
gw_key = os.path.join(d, "gw1.key")
sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", gw_key)
gw_pub = sh("openssl", "ec", "-in", gw_key, "-pubout").decode()

# The UI root: the shipped files, plus traps for the traversal checks.
root = os.path.join(d, "ui")
shutil.copytree(UI_SRC, root)
secret = os.path.join(d, "secret.txt")
with open(secret, "w") as f:
    f.write("TOP SECRET\n")
os.symlink(secret, os.path.join(root, "leak.txt"))             # out of the root
os.symlink("app.css", os.path.join(root, "alias.css"))        # inside it
os.mkdir(os.path.join(root, "dir.txt"))

o = H.Orcd(d, ("sqlite", os.path.join(d, "orc.db")),
           f"gateways: {{ca_cert: {ca_crt}, ca_key: {ca_key}}}\nui: {{root: {root}}}\n").start()
token = o.token("admin")
api = o.client(token)

# ------------------------------------------------------- static files ----
r = raw_get(o.port, o.cert, "/ui/")
t.ok(r.status == 200 and b"<title>xepc orchestrator</title>" in r.raw and
     (r.header("Content-Type") or "").startswith("text/html"), "GET /ui/ serves index.html", r)
csp = r.header("Content-Security-Policy") or ""
t.ok("default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
     and "unsafe" not in csp, "the UI's CSP: self only, no inline, no framing", csp)
t.ok(r.header("X-Frame-Options") == "DENY" and r.header("X-Content-Type-Options") == "nosniff" and
     r.header("Referrer-Policy") == "no-referrer" and r.header("Strict-Transport-Security"),
     "the usual security headers", r.headers)
r = raw_get(o.port, o.cert, "/ui/app.js")
t.ok(r.status == 200 and (r.header("Content-Type") or "").startswith("text/javascript"), "app.js as JavaScript", r)
t.ok(b"innerHTML" not in r.raw.replace(b"never through innerHTML", b""), "app.js never uses innerHTML")
r = raw_get(o.port, o.cert, "/ui")
t.ok(r.status == 308 and r.header("Location") == "/ui/", "/ui redirects to /ui/", r)
r = raw_get(o.port, o.cert, "/v1/networks", {"Authorization": f"Bearer {token}"})
t.ok((r.header("Content-Security-Policy") or "").startswith("default-src 'none'") and
     r.header("X-Frame-Options") == "DENY", "API answers carry a deny-all CSP too", r.headers)
t.eq(raw_get(o.port, o.cert, "/ui/alias.css").status, 200, "a relative link inside the root is served")
os.symlink(os.path.join(root, "app.css"), os.path.join(root, "abs.css"))
for p in ["/ui/../orc.db", "/ui/..", "/ui/%2e%2e", "/ui/..%2forc.db", "/ui/%2e%2e%2fsecret.txt",
          "/ui/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/ui/%252e%252e%252fsecret.txt", "/ui/..%5csecret.txt",
          "/ui/....//secret.txt", "/ui/.%2e/secret.txt", "/ui/%00index.html", "/ui/index.html%00.txt",
          "/ui//etc/passwd", "/ui/leak.txt", "/ui/dir.txt", "/ui/.hidden.txt", "/ui/orc.db",
          "/ui/index.html/..", "/ui/%2fetc%2fpasswd", "/ui/abs.css"]:
    r = raw_get(o.port, o.cert, p)
    t.ok(r.status in (400, 404) and b"TOP SECRET" not in r.raw and b"root:" not in r.raw,
         f"{p}: refused ({r.status})", r)

# ------------------------------------------------------------ sessions ----
pub = o.client()
r = pub.post("/v1/session", {"token": "xo_000000000000_" + "0" * 64})
t.eq(r.status, 401, "POST /v1/session with a bad token: 401")
r = pub.post("/v1/session", {"token": token})
cookie = r.header("Set-Cookie") or ""
t.ok(r.status == 201 and len(r.json.get("csrf_token", "")) == 64 and token not in r.raw.decode(),
     "POST /v1/session: a session and its CSRF token (the token not echoed)", r)
t.ok(cookie.startswith("xo_session=") and all(a in cookie for a in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/")),
     "the cookie is HttpOnly, Secure, SameSite=Strict", cookie)
sess = cookie.split(";")[0]
csrf = r.json["csrf_token"]
r = pub.get("/v1/session", headers={"Cookie": sess})
t.ok(r.status == 200 and r.json["csrf_token"] == csrf, "GET /v1/session gives the page its CSRF token back", r)
net = {"id": "netc", "plmn": {"mcc": "001", "mnc": "03"}, "tacs": [1]}
t.eq(pub.post("/v1/networks", net, headers={"Cookie": sess}).status, 403, "a write with the cookie, no CSRF token: 403")
t.eq(pub.post("/v1/networks", net, headers={"Cookie": sess, "X-CSRF-Token": "0" * 64}).status, 403,
     "a write with a wrong CSRF token: 403")
t.eq(pub.post("/v1/networks", net, headers={"Cookie": sess, "X-CSRF-Token": csrf}).status, 201,
     "a write with the cookie and the CSRF token: 201")
t.eq(api.delete("/v1/networks/netc").status, 204, "bearer-token writes need no CSRF token")
r = pub.delete("/v1/session", headers={"Cookie": sess, "X-CSRF-Token": csrf})
t.ok(r.status == 204 and "Max-Age=0" in (r.header("Set-Cookie") or ""), "DELETE /v1/session signs out", r)
t.eq(pub.get("/v1/networks", headers={"Cookie": sess}).status, 401, "the session is gone")
# a session ends with its token
tk = api.post("/v1/tokens", {"name": "short", "scope": "read"}).json
r = pub.post("/v1/session", {"token": tk["token"]})
s2 = (r.header("Set-Cookie") or "").split(";")[0]
t.eq(pub.get("/v1/networks", headers={"Cookie": s2}).status, 200, "a read-scope session reads")
t.eq(pub.post("/v1/networks", net, headers={"Cookie": s2, "X-CSRF-Token": r.json["csrf_token"]}).status, 403,
     "and cannot write (scope)")
api.delete(f"/v1/tokens/{tk['id']}")
t.eq(pub.get("/v1/networks", headers={"Cookie": s2}).status, 401, "its token revoked: the session ends")
audit = api.get("/v1/audit?limit=1000").json["items"]
t.ok(any(a["detail"] == "signed in (web UI session)" for a in audit), "sign-ins are audited")
t.ok(any(a["path"] == "/v1/networks" and a["method"] == "POST" and a["status"] == 201 and
         a["token_id"] == token.split("_")[1] for a in audit), "a write made with the cookie is audited under its token")
# ... and with its token's expiry
tk = api.post("/v1/tokens", {"name": "brief", "scope": "read", "lifetime": 2}).json
r = pub.post("/v1/session", {"token": tk["token"]})
s3 = (r.header("Set-Cookie") or "").split(";")[0]
t.eq(pub.get("/v1/networks", headers={"Cookie": s3}).status, 200, "a session of a 2 s token reads")
time.sleep(2.5)
t.eq(pub.get("/v1/networks", headers={"Cookie": s3}).status, 401, "past the token's lifetime the session has ended")
t.eq(pub.post("/v1/session", {"token": tk["token"]}).status, 401, "and the expired token cannot sign in again")

# ------------------------------------------------------------- browser ----
have = os.access("/usr/bin/chromium", os.X_OK) and os.path.isdir(
    os.path.join(NPM_PREFIX, "node_modules", "playwright-core")) and shutil.which("node")
if not have:
    t.skip("the browser run", "no /usr/bin/chromium or playwright-core (make deps)")
    t.done()

shutil.rmtree(SHOTS, ignore_errors=True)
os.makedirs(SHOTS)
cfgf = os.path.join(d, "browser.json")
with open(cfgf, "w") as f:
    json.dump({"url": f"https://127.0.0.1:{o.port}", "token": token, "pubkey": gw_pub, "shots": SHOTS}, f)


def checkin():
    """Bootstrap gw1 (registered by the browser) and check in once."""
    c = H.Client(o.port, o.cert)
    r = c.post("/v1/gw/challenge", {"network": "net1", "gateway": "gw1", "hardware_id": "hw-ui-1"})
    if r.status != 200:
        return r.status
    ch = r.json["challenge"]
    sig = sh("openssl", "dgst", "-sha256", "-sign", gw_key, inp=ch.encode()).hex()
    csr = sh("openssl", "req", "-new", "-key", gw_key, "-subj", "/CN=gw1").decode()
    r = c.post("/v1/gw/certificate", {"network": "net1", "gateway": "gw1", "challenge": ch,
                                      "signature": sig, "csr": csr})
    if r.status != 200:
        return r.status
    crt = os.path.join(d, "gw1.crt")
    with open(crt, "w") as f:
        f.write(r.json["certificate"])
    m = H.Client(o.port, o.cert, client_cert=(crt, gw_key))
    # Two check-ins with a restart between them: the history holds the
    # traffic of both (1.2 MB + 5.4 MB, then 0.1 + 0.2 MB counted from
    # zero = 6.9 MB; subscriber ...001: 10000 + 500 B), which the last
    # check-in alone (0.3 MB) cannot give.
    r = m.post("/v1/gw/checkin", {"version": "0.9-test", "started_at": 1000, "ues": 5,
                                  "sessions": 6, "enbs": 2, "enb_ids": ["00101-1", "00101-2"],
                                  "ul_bytes": 1200000, "dl_bytes": 5400000,
                                  "subscribers": {"001010000000001": {"ul_bytes": 1000, "dl_bytes": 9000},
                                                  "001010000000010": {"ul_bytes": 500, "dl_bytes": 700}}})
    if r.status == 200:
        r = m.post("/v1/gw/checkin", {"version": "0.9-test", "started_at": 2000, "ues": 5,
                                      "sessions": 6, "enbs": 2, "enb_ids": ["00101-1", "00101-2"],
                                      "ul_bytes": 100000, "dl_bytes": 200000,
                                      "subscribers": {"001010000000001": {"ul_bytes": 200, "dl_bytes": 300},
                                                      "001010000000010": {"ul_bytes": 500, "dl_bytes": 700}}})
    m.close()
    return r.status


env = dict(os.environ, NPM_PREFIX=NPM_PREFIX)
p = subprocess.Popen(["node", os.path.join(HERE, "ui_browser.cjs"), cfgf], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
shots = []
ended = False
for line in p.stdout:
    line = line.rstrip("\n")
    if line.startswith("ok - "):
        t.ok(True, "browser: " + line[5:])
    elif line.startswith("not ok - "):
        t.ok(False, "browser: " + line[9:])
    elif line.startswith("SHOT "):
        shots.append(line[5:])
    elif line == "CHECKIN":
        p.stdin.write(f"DONE {checkin()}\n")
        p.stdin.flush()
    elif line == "END":
        ended = True
    else:
        print(f"# {line}", flush=True)
rc = p.wait(timeout=120)
err = p.stderr.read()
t.ok(ended and rc == 0, "the browser run completed", err[-2000:])
t.ok(len(shots) >= 6 and all(os.path.getsize(s) > 1000 for s in shots), f"{len(shots)} screenshots kept")
for s in shots:
    print(f"# screenshot: {os.path.relpath(s, H.ROOT)}", flush=True)
# sign-in attempts count towards the brute-force lockout (last: it locks
# this address out)
codes = [pub.post("/v1/session", {"token": "xo_000000000000_" + "1" * 64}).status for _ in range(12)]
t.ok(429 in codes and codes[-1] == 429, "bad sign-ins lock the address out (429)", codes)
t.eq(pub.post("/v1/session", {"token": token}).status, 429, "then even the right token is refused")
t.eq(o.stop(), 0, "orcd stops on SIGTERM")
t.done()
