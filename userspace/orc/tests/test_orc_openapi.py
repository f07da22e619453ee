#!/usr/bin/python3
"""xepc-orcd against its OpenAPI document (schema/orc/openapi.json), both
ways: every route the server has is documented (`xepc-orcd routes`), every
documented operation exists, and a real request to each answers a
documented status with a body of the documented shape (write-only fields
never in an answer).  TAP."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

t = H.Tap()
DOC = json.load(open(os.path.join(H.ROOT, "schema", "orc", "openapi.json")))
SCHEMAS = DOC["components"]["schemas"]
METHODS = ("get", "post", "put", "delete", "patch", "head")


def resolve(s):
    while "$ref" in s:
        s = SCHEMAS[s["$ref"].split("/")[-1]]
    return s


def validate(v, s, path="$", response=True):
    """The subset of JSON Schema the document uses; returns errors."""
    s = resolve(s)
    errs = []
    types = s.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        pytypes = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list,
                   "null": type(None), "number": (int, float)}
        okt = any(isinstance(v, pytypes[x]) and not (x == "integer" and isinstance(v, bool)) for x in types)
        if not okt:
            return [f"{path}: {type(v).__name__} is not {types}"]
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {v!r} not in {s['enum']}")
    if isinstance(v, str):
        if "pattern" in s and not re.search(s["pattern"], v):
            errs.append(f"{path}: {v!r} does not match {s['pattern']}")
        if len(v) < s.get("minLength", 0) or len(v) > s.get("maxLength", 1 << 30):
            errs.append(f"{path}: length {len(v)}")
    if isinstance(v, int) and not isinstance(v, bool):
        if v < s.get("minimum", -(1 << 63)) or v > s.get("maximum", 1 << 63):
            errs.append(f"{path}: {v} out of range")
    if isinstance(v, list):
        if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", 1 << 30):
            errs.append(f"{path}: {len(v)} items")
        for i, x in enumerate(v):
            errs += validate(x, s.get("items", {}), f"{path}[{i}]", response)
    if isinstance(v, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v and not (response and resolve(props.get(k, {})).get("writeOnly")):
                errs.append(f"{path}: required '{k}' missing")
        for k, x in v.items():
            if k in props:
                if response and resolve(props[k]).get("writeOnly"):
                    errs.append(f"{path}.{k}: write-only field in an answer")
                errs += validate(x, props[k], f"{path}.{k}", response)
            elif s.get("additionalProperties", True) is False:
                errs.append(f"{path}: undocumented field '{k}'")
    return errs


# ------------------------------------------------------------ both ways ----
documented = {(m.upper(), p) for p, item in DOC["paths"].items() for m in item if m in METHODS}
out = subprocess.run([H.ORCD, "routes"], capture_output=True, text=True, check=True).stdout
served = set()
for line in out.splitlines():
    m, pat, _scope = line.split()
    served.add((m, pat))
t.ok(served - documented == set(), "every route of the server is documented", sorted(served - documented))
t.ok(documented - served == set(), "every documented route is served", sorted(documented - served))

# --------------------------------------------------------- real requests ----
d = H.tmpdir("openapi")
o = H.Orcd(d, ("sqlite", os.path.join(d, "orc.db"))).start()
c = o.client(o.token("admin"))
key = os.path.join(d, "gw.key")
subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True)
pub = subprocess.run(["openssl", "ec", "-in", key, "-pubout"], capture_output=True, text=True, check=True).stdout

PARAMS = {"network": "net1", "gateway": "gw1", "apn": "internet", "imsi": "001010000000001",
          "policy": "web", "base_name": "bn1", "rating_group": "100", "qos_profile": "video", "id": None}
BODIES = {"Gateway": {"id": "gw1", "hardware_id": "hw-0001", "public_key": pub, "name": "gw one"},
          "BaseName": {"id": "bn1", "rules": ["web"]}}
# creation order (references first), deletion in reverse
ORDER = ["/v1/networks", "/v1/networks/{network}/apns", "/v1/networks/{network}/rating_groups",
         "/v1/networks/{network}/qos_profiles", "/v1/networks/{network}/policies",
         "/v1/networks/{network}/base_names", "/v1/networks/{network}/gateways",
         "/v1/networks/{network}/subscribers", "/v1/networks/{network}/subscribers:import", "/v1/tokens"]


def body_for(op):
    content = op["requestBody"]["content"]
    ctype = next(iter(content))
    media = content[ctype]
    if ctype != "application/json":
        return media["example"], ctype
    name = media["schema"]["$ref"].split("/")[-1]
    return (BODIES.get(name) or SCHEMAS[name]["example"]), ctype


def url(p):
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], p)


def check(method, p, op, r, want=None):
    code = str(r.status)
    desc = f"{method} {p} -> {r.status}"
    if not t.ok(code in op["responses"], f"{desc} is a documented status", r):
        return
    if want is not None and not t.eq(r.status, want, f"{desc}: the expected status"):
        return
    resp = op["responses"][code]
    content = resp.get("content")
    if not content:
        t.ok(not r.raw, f"{desc}: no body, as documented", r)
        return
    ctype = (r.header("Content-Type") or "").split(";")[0]
    if not t.ok(ctype in content, f"{desc}: Content-Type {ctype} documented", r):
        return
    if ctype == "application/json":
        errs = validate(r.json, content[ctype]["schema"])
        t.ok(r.json is not None and not errs, f"{desc}: body matches the documented schema", errs or r)


# POST in dependency order
for p in ORDER:
    op = DOC["paths"][p]["post"]
    b, ctype = body_for(op)
    r = c.req("POST", url(p), b if ctype != "application/json" else json.dumps(b), ctype=ctype)
    check("POST", p, op, r, 201 if ctype == "application/json" and p != "/v1/tokens" else None)
    if p == "/v1/tokens" and r.json:
        PARAMS["id"] = r.json["id"]
    # and a refused one: validation
    if ctype == "application/json":
        check("POST", p, op, c.post(url(p), {"bogus": 1}), 422)
# the web UI's routes (files, redirects, sessions) are driven by test_orc_ui.py
def ui(item):
    return any("web UI" in op.get("tags", []) for m, op in item.items() if m in METHODS)


# every GET
for p, item in DOC["paths"].items():
    if "get" in item and not ui(item) and not p.startswith("/v1/gw/"):
        r = c.get(url(p))
        if p == "/metrics":
            t.ok(r.status == 200 and (r.header("Content-Type") or "").startswith("text/plain") and
                 b"xepc_orc_requests_total" in r.raw, "GET /metrics: Prometheus text", r)
            continue
        check("GET", p, item["get"], r, 200)
        if "{" in p and p.count("{") > (1 if "/networks/{network}/" in p else 0) or p == "/v1/networks/{network}":
            if not p.endswith("}"):
                continue  # .../state, /events, /usage: the parent's 404 is checked
            missing = re.sub(r"\{(\w+)\}$", "zz-missing", p)
            check("GET", p, item["get"], c.get(url(missing)), 404)
# every PUT with the creation body, then a stale If-Match
for p, item in DOC["paths"].items():
    if "put" in item:
        b, _ = body_for(item["put"])
        check("PUT", p, item["put"], c.put(url(p), b), 200)
        check("PUT", p, item["put"], c.put(url(p), b, headers={"If-Match": '"99"'}), 412)
# every PATCH: an empty merge patch changes nothing but the version, then
# a stale If-Match
for p, item in DOC["paths"].items():
    if "patch" in item:
        check("PATCH", p, item["patch"], c.req("PATCH", url(p), {}), 200)
        check("PATCH", p, item["patch"], c.req("PATCH", url(p), {}, headers={"If-Match": '"99"'}), 412)
        check("PATCH", p, item["patch"], c.req("PATCH", url(p), {"bogus": 1}), 422)
# the subscriber the import example made
t.eq(c.delete("/v1/networks/net1/subscribers/001010000000099").status, 204, "delete the imported subscriber")
# every DELETE, in reverse dependency order
dels = [p for p, item in DOC["paths"].items() if "delete" in item and not ui(item)]
rank = {p: i for i, p in enumerate(ORDER)}
dels.sort(key=lambda p: -max((rank[q] for q in rank if p.startswith(q + "/")), default=-1))
for p in dels:
    op = DOC["paths"][p]["delete"]
    check("DELETE", p, op, c.delete(url(p)), 204)
    check("DELETE", p, op, c.delete(url(p)), 404)
# the gateway API, not configured here (no gateways.ca_cert): 501 as documented
# (test_orc_gateway.py drives it configured)
for p in ("/v1/gw/challenge", "/v1/gw/certificate", "/v1/gw/checkin"):
    check("POST", p, DOC["paths"][p]["post"], c.post(p, {"network": "net1"}), 501)
check("GET", "/v1/gw/config", DOC["paths"]["/v1/gw/config"]["get"], c.get("/v1/gw/config"), 501)
# unauthenticated: 401 with an Error body, as documented
op = DOC["paths"]["/v1/networks"]["get"]
check("GET", "/v1/networks", op, c.get("/v1/networks", token=""), 401)
# no undocumented method on a documented path: 405
r = c.req("POST", "/v1/networks/net1", {})
t.ok(r.status == 405 and "PATCH" in (r.header("Allow") or ""), "POST (undocumented) on a documented path: 405 with Allow", r)
t.eq(c.get("/v1/nothing").status, 404, "an undocumented path: 404")
t.eq(o.stop(), 0, "orcd stops on SIGTERM")
t.done()
