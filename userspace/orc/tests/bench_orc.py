#!/usr/bin/python3
"""make bench: xepc-orcd's API throughput on SQLite and PostgreSQL.

For each store: a CSV bulk import of ORC_BENCH_IMPORT subscribers (default
1,000,000) timed end to end, then subscriber reads (GET one by IMSI) and
writes (PUT one) from ORC_BENCH_CLIENTS processes (default 2), each with
one kept-alive HTTPS connection, ORC_BENCH_RUNS runs (default 5) of
ORC_BENCH_SECONDS (default 3) each.  Prints every figure as
"bench: <name> <value> <unit>": the median and the spread (min and max)
of the runs.  The clients are Python and share the machine's CPUs with
orcd (and its database), so the rates are what this client gets, a lower
bound of the server's."""
import multiprocessing as mp
import os
import statistics
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


def worker(port, cert, tok, kind, secs, seed, q):
    c = H.Client(port, cert, tok)
    n = errors = 0
    i = seed * 7919
    end = time.monotonic() + secs
    while time.monotonic() < end:
        i = (i + 7) % READ_SET
        path = f"/v1/networks/bench/subscribers/{imsi(i)}"
        if kind == "read":
            r = c.get(path)
            ok = r.status == 200
        else:
            r = c.put(path, {"state": "suspended" if n % 2 else "active", "apns": ["internet"]})
            ok = r.status == 200
        n += 1
        errors += not ok
    q.put((n, errors, c.connects))


def rate(o, tok, kind):
    rates = []
    for _ in range(RUNS):
        q = mp.Queue()
        ps = [mp.Process(target=worker, args=(o.port, o.cert, tok, kind, SECS, s, q))
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
    return rates


def report(name, rates, unit):
    med = statistics.median(rates)
    print(f"# {name}: runs " + " ".join(f"{r:.0f}" for r in rates), flush=True)
    print(f"bench: {name} {med:.0f} {unit}", flush=True)
    print(f"bench: {name}_min {min(rates):.0f} {unit}", flush=True)
    print(f"bench: {name}_max {max(rates):.0f} {unit}", flush=True)


def one_store(label, store, d):
    o = H.Orcd(d, store, "http: {threads: 4}\n").start()
    tok = o.token("admin")
    c = o.client(tok)
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
    o.stop(60)


def main():
    print(f"# machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at start; "
          f"{CLIENTS} client processes, {RUNS} runs of {SECS:g} s, HTTPS keep-alive", flush=True)
    if os.geteuid() != 0:
        print("# bench_orc: PostgreSQL needs root (runuser); SQLite only", flush=True)
    d = H.tmpdir("bench")
    one_store("sqlite", ("sqlite", os.path.join(d, "orc.db")), d)
    if os.geteuid() == 0 and H.have_postgres():
        pg = H.Postgres()
        one_store("pg", ("pg", pg.createdb("bench")), d)


if __name__ == "__main__":
    main()
