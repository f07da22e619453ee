#!/usr/bin/python3
"""xepcctl orc against a real xepc-orcd: token from a file or the
environment, table and JSON output, create/get/replace/delete, CSV import,
the server's validation errors printed field by field, exit codes.  TAP."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
d = H.tmpdir("cli")
o = H.Orcd(d, ("sqlite", os.path.join(d, "orc.db"))).start()
tok = o.token("admin")
tokfile = os.path.join(d, "token")
with open(tokfile, "w") as f:
    f.write(tok + "\n")
ENV = dict(os.environ, XEPC_ORC_URL=f"https://127.0.0.1:{o.port}", XEPC_ORC_CA=o.cert,
           XEPC_ORC_TOKEN_FILE=tokfile)
ENV.pop("XEPC_ORC_TOKEN", None)


def x(*args, stdin=None, env=None):
    r = subprocess.run([H.XEPCCTL, "orc"] + list(args), input=stdin, capture_output=True,
                       text=True, env=env or ENV)
    return r.returncode, r.stdout, r.stderr


def jfile(name, obj):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        json.dump(obj, f)
    return p


K = "000102030405060708090a0b0c0d0e0f"
rc, out, err = x("health")
t.ok(rc == 0 and "status" in out and "ok" in out, "health", out + err)
rc, out, err = x("create", "network", jfile("n.json", {"id": "lab", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]}))
t.ok(rc == 0 and "lab" in out, "create network from a file (token from XEPC_ORC_TOKEN_FILE)", out + err)
rc, out, err = x("create", "apn", "-n", "lab", "-", stdin=json.dumps({"id": "internet", "ambr": {"ul": 1000000, "dl": 2000000}}))
t.ok(rc == 0, "create APN from stdin", out + err)
rc, out, err = x("create", "subscriber", "-n", "lab", jfile("s.json", {"imsi": "001010000000001", "k": K, "opc": K, "apns": ["internet"]}))
t.ok(rc == 0 and K not in out, "create subscriber; keys not printed", out + err)
rows = "imsi,k,opc,apns\n" + "".join(f"00101000000010{i},{K},{K},internet\n" for i in range(5))
rc, out, err = x("import", "-n", "lab", "-", stdin=rows)
t.ok(rc == 0 and "imported" in out and "5" in out, "import CSV", out + err)
rc, out, err = x("list", "subscriber", "-n", "lab")
lines = out.strip().splitlines()
t.ok(rc == 0 and lines[0].split()[:4] == ["imsi", "name", "state", "msisdn"] and len(lines) == 7,
     "list subscribers as a table: header + 6 rows", out + err)
rc, out, err = x("list", "subscriber", "-n", "lab", "--limit", "2", "--all", "--json")
t.ok(rc == 0 and len(json.loads(out)["items"]) == 6, "--all --json follows the pages (2 per page)", out + err)
rc, out, err = x("get", "subscriber", "-n", "lab", "001010000000001")
t.ok(rc == 0 and any(l.split()[:2] == ["state", "active"] for l in out.splitlines()), "get: KEY VALUE lines", out)
rc, out, err = x("replace", "subscriber", "-n", "lab", "001010000000001", "--if-match", '"7"',
                 jfile("s2.json", {"state": "suspended", "apns": ["internet"]}))
t.ok(rc == 1 and "412" in err, "replace with a stale --if-match: exit 1, 412 printed", out + err)
rc, out, err = x("replace", "subscriber", "-n", "lab", "001010000000001", "--if-match", '"1"', os.path.join(d, "s2.json"))
t.ok(rc == 0 and "suspended" in out, "replace with the right --if-match", out + err)
rc, out, err = x("update", "subscriber", "-n", "lab", "001010000000001", "--if-match", '"1"', "-",
                 stdin=json.dumps({"msisdn": "15551234"}))
t.ok(rc == 1 and "412" in err, "update (PATCH) with a stale --if-match: exit 1, 412", out + err)
rc, out, err = x("update", "subscriber", "-n", "lab", "001010000000001", "--if-match", '"2"', "-",
                 stdin=json.dumps({"msisdn": "15551234"}))
t.ok(rc == 0 and "15551234" in out and "suspended" in out, "update (PATCH) changes one field, keeps the rest", out + err)
rc, out, err = x("create", "network", jfile("bad.json", {"id": "x", "plmn": {"mcc": "1", "mnc": "01"}, "tacs": [99999]}))
t.ok(rc == 1 and "422" in err and "plmn.mcc" in err and "tacs[0]" in err, "validation errors printed field by field", err)
rc, out, err = x("delete", "subscriber", "-n", "lab", "001010000000001")
t.ok(rc == 0, "delete", out + err)
rc, out, err = x("get", "subscriber", "-n", "lab", "001010000000001")
t.ok(rc == 1 and "404" in err, "get a deleted subscriber: exit 1, 404", err)
rc, out, err = x("token", "create", "ro", "read")
t.ok(rc == 0 and "xo_" in out, "token create through the API", out + err)
ro = [l.split()[1] for l in out.splitlines() if l.startswith("token")][0]
env2 = dict(ENV, XEPC_ORC_TOKEN=ro)
env2.pop("XEPC_ORC_TOKEN_FILE")
rc, out, err = x("token", "create", "brief", "read", "--lifetime", "2")
brief = [l.split()[1] for l in out.splitlines() if l.startswith("token ")]
t.ok(rc == 0 and brief and any(l.startswith("expires_at") and l.split()[1].isdigit() for l in out.splitlines()),
     "token create --lifetime 2: expires_at shown", out + err)
rc, out, err = x("token", "list")
t.ok(rc == 0 and "expires_at" in out.splitlines()[0], "token list has an expires_at column", out + err)
rc, out, err = x("events", "-n", "lab", "gw-none")
t.ok(rc == 1 and "404" in err, "events of an unknown gateway: 404", out + err)
rc, out, err = x("list", "network", env=env2)
t.ok(rc == 0 and "lab" in out, "a read token from XEPC_ORC_TOKEN lists", out + err)
rc, out, err = x("delete", "network", "lab", env=env2)
t.ok(rc == 1 and "403" in err, "a read token cannot delete: 403", err)
rc, out, err = x("audit", "--limit", "1000")
t.ok(rc == 0 and "DELETE" in out and "/v1/networks/lab/subscribers/001010000000001" in out, "audit log as a table", out + err)
rc, out, err = x("list", "subscriber")
t.ok(rc == 2 and "-n NETWORK" in err, "a subscriber without -n: usage, exit 2", err)
rc, out, err = x("list", "widget", "-n", "lab")
t.ok(rc == 2 and "unknown resource" in err, "unknown resource: exit 2", err)
rc, out, err = x("health", env=dict(ENV, XEPC_ORC_URL="https://127.0.0.1:1"))
t.ok(rc == 1 and "127.0.0.1:1" in err, "server unreachable: exit 1, says where", err)
rc, out, err = x("health", env=dict(ENV, XEPC_ORC_CA="/dev/null"))
t.ok(rc == 1, "a server certificate that does not verify: exit 1", err)
import time  # noqa: E402
time.sleep(2.5)
rc, out, err = x("list", "network", env=dict(env2, XEPC_ORC_TOKEN=brief[0] if brief else "x"))
t.ok(rc == 1 and "401" in err, "the 2 s token after its lifetime: 401", err)
rc, out, err = x("--help")
t.ok(rc == 0 and "SYNOPSIS" in out, "--help", out)
t.done()
