#!/usr/bin/python3
"""make bench: xepc-orcd's API throughput on SQLite and PostgreSQL.

For each store: a CSV bulk import of ORC_BENCH_IMPORT subscribers (default
1,000,000) timed end to end, then subscriber reads (GET one by IMSI),
writes (PUT one) and gateway check-ins (mutual TLS, each client a
bootstrapped gateway) from ORC_BENCH_CLIENTS processes (default 2), each
with one kept-alive HTTPS connection, ORC_BENCH_RUNS runs (default 5) of
ORC_BENCH_SECONDS (default 3) each; check-ins also give their latency
(p50, p99 of the median run).  Prints every figure as
"bench: <name> <value> <unit>": the median and the spread (min and max)
of the runs.  The clients are Python and share the machine's CPUs with
orcd (and its database), so the rates are what this client gets, a lower
bound of the server's."""
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orc_harness as H  # noqa: E402

N_IMPORT = int(os.environ.get("ORC_BENCH_IMPORT", "1000000"))
CLIENTS = int(os.environ.get("ORC_BENCH_CLIENTS", "2"))
RUNS = int(os.environ.get("ORC_BENCH_RUNS", "5"))
SECS = float(os.environ.get("ORC_BENCH_SECONDS", "3"))
K = "000102030405060708090a0b0c0d0e0f"
READ_SET = 10000  # IMSIs the readers and writers pick from


def imsi(i):
    return f"00101{i:010d}"


def worker(port, cert, tok, kind, secs, seed, q, client_cert=None):
    c = H.Client(port, cert, tok, client_cert=client_cert)
    n = errors = 0
    lat = []
    i = seed * 7919
    end = time.monotonic() + secs
    while time.monotonic() < end:
        i = (i + 7) % READ_SET
        path = f"/v1/networks/bench/subscribers/{imsi(i)}"
        t0 = time.monotonic()
        if kind == "read":
            r = c.get(path)
            ok = r.status == 200
        elif kind == "checkin":
            r = c.post("/v1/gw/checkin", {"version": "0.1", "ues": n, "enbs": 2, "health": "ok"})
            ok = r.status == 200
            lat.append(time.monotonic() - t0)
        else:
            r = c.put(path, {"state": "suspended" if n % 2 else "active", "apns": ["internet"]})
            ok = r.status == 200
        n += 1
        errors += not ok
    q.put((n, errors, c.connects, lat))


def rate(o, tok, kind, certs=None):
    rates, lats = [], []
    for _ in range(RUNS):
        q = mp.Queue()
        ps = [mp.Process(target=worker, args=(o.port, o.cert, tok, kind, SECS, s, q,
                                              certs[s] if certs else None))
              for s in range(CLIENTS)]
        t0 = time.monotonic()
        for p in ps:
            p.start()
        res = [q.get() for _ in ps]
        for p in ps:
            p.join()
        el = time.monotonic() - t0
        n = sum(r[0] for r in res)
        errs = sum(r[1] for r in res)
        if errs:
            print(f"# {kind}: {errs} of {n} requests failed", flush=True)
        rates.append(n / max(el, SECS))
        lats.append(sorted(x for r in res for x in r[3]))
    if kind == "checkin":
        med = sorted(range(RUNS), key=lambda i: rates[i])[RUNS // 2]
        ls = lats[med]
        return rates, (ls[len(ls) // 2] * 1000, ls[min(len(ls) - 1, int(len(ls) * 0.99))] * 1000)
    return rates


def bootstrap(o, admin, d, i):
    """Registers gateway gw<i> and gets its certificate (as a gateway does)."""
    key = os.path.join(d, f"gw{i}.key")
    run = lambda *a, inp=None: subprocess.run(list(a), input=inp, capture_output=True,  # noqa: E731
                                              check=True).stdout
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    pub = run("openssl", "ec", "-in", key, "-pubout").decode()
    admin.post("/v1/networks/bench/gateways", {"id": f"gw{i}", "hardware_id": f"hw{i}", "public_key": pub})
    c = o.client()
    ch = c.post("/v1/gw/challenge", {"network": "bench", "gateway": f"gw{i}", "hardware_id": f"hw{i}"}).json["challenge"]
    sig = run("openssl", "dgst", "-sha256", "-sign", key, inp=ch.encode()).hex()
    csr = run("openssl", "req", "-new", "-key", key, "-subj", "/CN=gw").decode()
    r = c.post("/v1/gw/certificate", {"network": "bench", "gateway": f"gw{i}", "challenge": ch,
                                      "signature": sig, "csr": csr})
    crt = os.path.join(d, f"gw{i}-{o.port}.crt")
    with open(crt, "w") as f:
        f.write(r.json["certificate"])
    return crt, key


def sync_bench(label, o, admin, cert, n):
    """Config sync of gateway gw0: the whole configuration (n subscribers)
    from scratch in pages of 10000, then after one subscriber changed, then
    unchanged.  Bytes are the answers' bodies (HTTP headers not counted:
    about 200 bytes per answer)."""
    c = H.Client(o.port, o.cert, client_cert=cert, timeout=300)
    t0 = time.monotonic()
    q, nbytes, items, pages, version = "?limit=10000", 0, 0, 0, None
    while True:
        r = c.get("/v1/gw/config" + q)
        if r.status != 200:
            print(f"# {label}: full sync failed: {r}", flush=True)
            return
        nbytes += len(r.raw)
        pages += 1
        j = r.json
        version = version or j["version"]
        items += len(j["items"])
        if not j["next_page_token"]:
            break
        q = f"?limit=10000&page_token={j['next_page_token']}"
    el = time.monotonic() - t0
    print(f"# {label}: full sync {items} objects in {pages} answers", flush=True)
    print(f"bench: orc_{label}_sync_full_{n}_time {el:.1f} s", flush=True)
    print(f"bench: orc_{label}_sync_full_{n}_bytes {nbytes} B", flush=True)
    r = c.get(f"/v1/gw/config?since={version}")
    print(f"# {label}: then since={version}: {r.status}, {len(r.raw)} bytes", flush=True)
    admin.put(f"/v1/networks/bench/subscribers/{imsi(n // 2)}",
              {"k": K, "opc": K, "msisdn": "4999", "apns": ["internet"]})
    t0 = time.monotonic()
    r = c.get(f"/v1/gw/config?since={version}")
    el = time.monotonic() - t0
    ok = r.status == 200 and len(r.json["items"]) == 1
    print(f"# {label}: after one change: {r.status}, {len(r.json['items']) if r.json else '-'} items"
          + ("" if ok else " (UNEXPECTED)"), flush=True)
    print(f"bench: orc_{label}_sync_one_change_time {el * 1000:.1f} ms", flush=True)
    print(f"bench: orc_{label}_sync_one_change_bytes {len(r.raw)} B", flush=True)
    v2 = r.json["version"] if r.json else version
    t0 = time.monotonic()
    r = c.get(f"/v1/gw/config?since={v2}")
    el = time.monotonic() - t0
    print(f"# {label}: unchanged: {r.status}", flush=True)
    print(f"bench: orc_{label}_sync_unchanged_time {el * 1000:.1f} ms", flush=True)
    print(f"bench: orc_{label}_sync_unchanged_bytes {len(r.raw)} B", flush=True)
    c.close()


def report(name, rates, unit):
    med = statistics.median(rates)
    print(f"# {name}: runs " + " ".join(f"{r:.0f}" for r in rates), flush=True)
    print(f"bench: {name} {med:.0f} {unit}", flush=True)
    print(f"bench: {name}_min {min(rates):.0f} {unit}", flush=True)
    print(f"bench: {name}_max {max(rates):.0f} {unit}", flush=True)


def one_store(label, store, d, ca):
    o = H.Orcd(d, store, f"http: {{threads: 4}}\ngateways: {{ca_cert: {ca[0]}, ca_key: {ca[1]}}}\n").start()
    tok = o.token("admin")
    c = H.Client(o.port, o.cert, tok, timeout=900)  # the 1M import takes a while
    c.post("/v1/networks", {"id": "bench", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1]})
    c.post("/v1/networks/bench/apns", {"id": "internet", "ambr": {"ul": 10**8, "dl": 10**8}})
    n = max(N_IMPORT, READ_SET)
    csv = "imsi,k,opc,msisdn,apns\n" + "".join(
        f"{imsi(i)},{K},{K},49{i},internet\n" for i in range(n))
    t0 = time.monotonic()
    r = c.post("/v1/networks/bench/subscribers:import", csv, ctype="text/csv")
    el = time.monotonic() - t0
    if r.status != 200:
        print(f"# {label}: import failed: {r}", flush=True)
    print(f"bench: orc_{label}_import_{n}_time {el:.1f} s", flush=True)
    print(f"bench: orc_{label}_import_rate {n / el:.0f} subscribers/s", flush=True)
    del csv
    report(f"orc_{label}_sub_read", rate(o, tok, "read"), "req/s")
    report(f"orc_{label}_sub_write", rate(o, tok, "write"), "req/s")
    certs = [bootstrap(o, c, d, i) for i in range(CLIENTS)]
    rates, (p50, p99) = rate(o, tok, "checkin", certs)
    report(f"orc_{label}_checkin", rates, "checkins/s")
    print(f"bench: orc_{label}_checkin_p50 {p50:.1f} ms", flush=True)
    print(f"bench: orc_{label}_checkin_p99 {p99:.1f} ms", flush=True)
    sync_bench(label, o, c, certs[0], n)
    o.stop(60)


def main():
    print(f"# machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at start; "
          f"{CLIENTS} client processes, {RUNS} runs of {SECS:g} s, HTTPS keep-alive", flush=True)
    if os.geteuid() != 0:
        print("# bench_orc: PostgreSQL needs root (runuser); SQLite only", flush=True)
    d = H.tmpdir("bench")
    ca = (os.path.join(d, "ca.crt"), os.path.join(d, "ca.key"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", ca[1], "-out", ca[0], "-days", "2", "-subj", "/CN=bench CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign"], check=True, capture_output=True)
    one_store("sqlite", ("sqlite", os.path.join(d, "orc.db")), d, ca)
    if os.geteuid() == 0 and H.have_postgres():
        pg = H.Postgres()
        one_store("pg", ("pg", pg.createdb("bench")), d, ca)


if __name__ == "__main__":
    main()
