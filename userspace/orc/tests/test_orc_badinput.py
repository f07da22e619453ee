#!/usr/bin/python3
"""xepc-orcd under bad input: malformed JSON, oversize bodies and headers,
wrong content types, SQL metacharacters, path traversal, slow clients,
token brute force; then graceful shutdown with a request in flight.  TAP."""
import os
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("bad")
extra = ("http: {max_body: 4KiB, max_header: 8KiB, request_timeout: 1s, idle_timeout: 2s}\n"
         "auth: {max_failures: 5, window: 30s, lockout: 2s}\n"
         "shutdown_grace: 5s\n")
o = H.Orcd(d, ("sqlite", os.path.join(d, "orc.db")), extra).start()
tok = o.token("admin")
c = o.client(tok)
NET = {"id": "net1", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]}
t.eq(c.post("/v1/networks", NET).status, 201, "a network to work on")


def err(r):
    return (r.json or {}).get("error", {}).get("message", "")


# --- malformed JSON
r = c.post("/v1/networks", '{"id": "x", "plmn": ')
t.ok(r.status == 400 and "line 1" in err(r), "truncated JSON: 400 naming the position", r)
r = c.post("/v1/networks", '{"id": "a", "id": "b"}')
t.ok(r.status == 400 and "duplicate" in err(r), "duplicate keys: 400", r)
t.eq(c.post("/v1/networks", '[1, 2]').status, 400, "a JSON list instead of an object: 400")
t.eq(c.post("/v1/networks", '"\\ud800"').status, 400, "a lone surrogate: 400")
t.eq(c.post("/v1/networks", b'{"id": "\xff\xfe"}').status, 400, "invalid UTF-8: 400")
r = c.post("/v1/networks", "[" * 5000 + "]" * 5000)
t.ok(r.status in (400, 413), "deeply nested JSON: refused", r)
r = c.post("/v1/networks", dict(NET, id="n2", tacs=[1.5]))
t.ok(r.status == 422 and "fraction" in r.raw.decode(), "a real where an integer belongs: 422", r)
r = c.post("/v1/networks", dict(NET, id="n2", tacs=[2**70]))
t.ok(r.status in (400, 422), "an integer beyond 64 bits: refused", r)
t.eq(c.post("/v1/networks", "").status, 400, "an empty body: 400")

# --- sizes
r = c.post("/v1/networks", dict(NET, id="big", description="x" * 5000))
t.ok(r.status == 413, "a body over http.max_body (Content-Length): 413", r)
s = socket.create_connection(("127.0.0.1", o.port))
ts = ssl.create_default_context(cafile=o.cert).wrap_socket(s, server_hostname="127.0.0.1")
ts.sendall(f"POST /v1/networks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
closed = False
try:
    for _ in range(10):
        ts.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
    ts.settimeout(3)
    data = ts.recv(4096)
    closed = data == b"" or b" 413 " in data
except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
    closed = True
except socket.timeout:
    closed = False
t.ok(closed, "a chunked body past the limit: 413 or the connection is closed")
ts.close()
r = c.get("/v1/networks", headers={"X-Pad": "a" * 10000})
t.ok(r.status in (431, 413), "headers over http.max_header: 431", r)

# --- content types
r = c.post("/v1/networks", NET, ctype="text/plain")
t.ok(r.status == 415 and "application/json" in err(r), "JSON sent as text/plain: 415", r)
t.eq(c.post("/v1/networks", NET, ctype="application/jsonx").status, 415, "application/jsonx: 415")
t.eq(c.post("/v1/networks", NET, ctype="application/json; charset=utf-8").status, 409,
     "application/json with a charset is accepted (409: exists)")
t.eq(c.post("/v1/networks/net1/subscribers:import", "imsi,k,opc\n").status, 415, "CSV sent as JSON: 415")
t.eq(c.req("GET", "/v1/networks", "{}").status, 413, "a body where none belongs: 413")

# --- SQL metacharacters: in ids (never a valid id) and in values (stored verbatim)
for evil in ["x'; DROP TABLE objects;--", 'a" OR "1"="1', "1 OR 1=1", "net1'--", "%27"]:
    q = evil.replace("%", "%25").replace(" ", "%20").replace("'", "%27").replace('"', "%22").replace(";", "%3B").replace("=", "%3D")
    r = c.get(f"/v1/networks/{q}")
    t.ok(r.status == 404, f"id {evil!r} in a path: 404", r)
    r = c.get(f"/v1/networks?page_token={evil.encode().hex()}")
    t.ok(r.status == 200 and all(n["id"] > evil for n in r.json["items"]),
         f"page_token of {evil!r}: the networks after it, no error", r)
name = "Robert'); DROP TABLE objects;-- \" \\ %s %n"
r = c.post("/v1/networks", dict(NET, id="bobby", name=name))
t.ok(r.status == 201 and c.get("/v1/networks/bobby").json["name"] == name, "SQL and format metacharacters in a value: stored verbatim", r)
t.eq(len(c.get("/v1/networks").json["items"]), 2, "the table is still there")
r = c.post("/v1/networks", dict(NET, id="x'--"))
t.ok(r.status == 422, "an id with a quote: 422", r)

# --- path traversal
for p in ["/v1/networks/..", "/v1/networks/%2e%2e", "/v1/networks/..%2f..%2fetc%2fpasswd",
          "/v1/networks/net1/subscribers/..%2F..%2F..%2Fetc%2Fpasswd", "/../../etc/passwd",
          "/v1/networks/net1/../../tokens", "/v1//networks"]:
    r = c.get(p)
    t.ok(r.status in (400, 404) and b"root:" not in r.raw, f"GET {p}: {r.status}, no file", r)

# --- slow clients
s = socket.create_connection(("127.0.0.1", o.port))
ts = ssl.create_default_context(cafile=o.cert).wrap_socket(s, server_hostname="127.0.0.1")
ts.sendall(f"POST /v1/networks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode())
start = time.time()
ts.settimeout(8)
try:
    while True:
        time.sleep(0.3)
        ts.sendall(b" ")  # a byte now and then: never idle, never done
except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
    pass
t.ok(time.time() - start < 6, f"a body trickled byte by byte is cut after request_timeout ({time.time() - start:.1f} s)")
ts.close()
s = socket.create_connection(("127.0.0.1", o.port))
s.settimeout(8)
start = time.time()
try:
    while s.recv(1024):  # a TLS alert may come before the end
        pass
    gone = True
except ConnectionResetError:
    gone = True
except socket.timeout:
    gone = False
t.ok(gone and time.time() - start < 5, f"an idle connection is closed after idle_timeout ({time.time() - start:.1f} s)")
s.close()

# --- token brute force
bad = H.Client(o.port, o.cert)
codes = [bad.get("/v1/networks", token=f"xo_{i:012x}_{'0' * 64}").status for i in range(5)]
t.eq(codes, [401] * 5, "5 bad tokens: 401 each")
r = bad.get("/v1/networks", token="xo_garbage")
t.ok(r.status == 429 and r.header("Retry-After"), "the 6th: 429 with Retry-After", r)
t.eq(bad.get("/v1/networks", token=tok).status, 429, "locked out: even a good token gets 429")
time.sleep(2.2)
t.eq(bad.get("/v1/networks", token=tok).status, 200, "after auth.lockout the good token works again")
r = c.get("/metrics")
t.ok(b"xepc_orc_lockouts_total 1" in r.raw and b"xepc_orc_auth_failures_total 5" in r.raw,
     "metrics count the failures and the lockout", r.raw[-400:])

# --- a stale web UI session cookie is not a token guess
# A browser tab left open after its session ended (expired, signed out
# elsewhere, token revoked) sends the cookie with every poll, several
# requests at once per refresh.  Those must not lock the address out of
# token authentication (nor out of signing in again): they are limited on
# their own, and the 401 tells the browser to drop the cookie.
stale = H.Client(o.port, o.cert)
ck = {"Cookie": "xo_session=" + os.urandom(32).hex()}
rs = [stale.get("/v1/networks", headers=ck) for _ in range(12)]
codes = [x.status for x in rs]
t.ok(codes[:5] == [401] * 5 and set(codes[5:]) <= {401, 429},
     "12 requests with a stale session cookie: 401 (then 429 for the cookie)", codes)
t.ok(all("Max-Age=0" in (x.header("Set-Cookie") or "") for x in rs),
     "each answer clears the cookie (Set-Cookie ... Max-Age=0)", rs[0].headers)
r = stale.get("/v1/networks", token=tok)
t.eq(r.status, 200, "after them a good token from the same address still works")
r = stale.post("/v1/session", {"token": tok})
t.eq(r.status, 201, "and signing in again works (no lockout)")
r = c.get("/metrics")
t.ok(b"xepc_orc_lockouts_total 1\n" in r.raw and b"xepc_orc_auth_failures_total 5\n" in r.raw,
     "stale cookies are not counted as bad tokens", r.raw[-600:])
t.ok(b"xepc_orc_session_failures_total " in r.raw, "they have a counter of their own", r.raw[-600:])

# --- graceful shutdown with a request in flight
s = socket.create_connection(("127.0.0.1", o.port))
ts = ssl.create_default_context(cafile=o.cert).wrap_socket(s, server_hostname="127.0.0.1")
body = b'{"id": "late", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [7]}'
ts.sendall(f"POST /v1/networks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10])
time.sleep(0.2)
o.proc.send_signal(15)
time.sleep(0.3)
refused = False
try:
    socket.create_connection(("127.0.0.1", o.port), timeout=1).close()
except OSError:
    refused = True
t.ok(refused, "after SIGTERM no new connection is accepted")
ts.sendall(body[10:])
ts.settimeout(5)
reply = ts.recv(4096)
t.ok(reply.startswith(b"HTTP/1.1 201"), "the request in flight is still answered (201)", reply[:80])
ts.close()
t.eq(o.proc.wait(10), 0, "then orcd exits 0")
t.done()
