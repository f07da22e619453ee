#!/usr/bin/python3
"""make bench: gateway check-ins per second against one xepc-orcd, on SQLite
and PostgreSQL, driven by the C load generator orc-load (build/bin): each
of ORC_LOAD_GATEWAYS gateways (default 200) is registered and bootstrapped
(its own key and client certificate from orcd's CA) and checks in over its
own mutual-TLS connection, kept alive, with growing traffic counters for
ORC_LOAD_SUBSCRIBERS subscribers (default 10), so that orcd records usage.

- capacity: closed loop (each gateway sends again as soon as it is
  answered), ORC_LOAD_RUNS runs (default 5) of ORC_LOAD_SECONDS (default 5);
- target: open loop at ORC_LOAD_RATE check-ins/s (default 500, i.e. 10k
  gateways every 20 s, 30k every 60 s), the same runs; latency from when
  each check-in was due.

Prints "bench: <name> <value> <unit>": the median run, and the min and max
of the runs; also orcd's CPU time per check-in in the capacity runs (from
/proc, so that the figure does not depend on what else runs).  The load generator shares the 2 CPUs with orcd and its
database: the rates are a lower bound of what orcd serves."""
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "userspace", "orc", "tests"))
import orc_harness as H  # noqa: E402

GWS = int(os.environ.get("ORC_LOAD_GATEWAYS", "200"))
SUBS = int(os.environ.get("ORC_LOAD_SUBSCRIBERS", "10"))
RUNS = int(os.environ.get("ORC_LOAD_RUNS", "5"))
SECS = float(os.environ.get("ORC_LOAD_SECONDS", "5"))
RATE = float(os.environ.get("ORC_LOAD_RATE", "500"))
THREADS = int(os.environ.get("ORC_LOAD_THREADS", "4"))
LOAD = os.path.join(H.ROOT, H.BUILD, "bin", "orc-load")


def load(o, tok, d, prefix, rate):
    r = subprocess.run([LOAD, "--url", f"https://127.0.0.1:{o.port}", "--cacert", o.cert,
                        "--token", tok, "--gateways", str(GWS), "--subscribers", str(SUBS),
                        "--seconds", str(SECS), "--rate", str(rate), "--dir", d,
                        "--prefix", prefix, "--server-pid", str(o.proc.pid)],
                       capture_output=True, text=True, timeout=600)
    for line in r.stderr.splitlines():
        print(f"# {line}", flush=True)
    m = re.search(r"^result (.*)$", r.stdout, re.M)
    if not m:
        raise RuntimeError(f"orc-load failed ({r.returncode}): {r.stdout} {r.stderr[-500:]}")
    print(f"# {m.group(1)}", flush=True)
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def report(name, vals, unit, fmt="{:.0f}"):
    med = statistics.median(vals)
    print(f"# {name}: runs " + " ".join(fmt.format(v) for v in vals), flush=True)
    print(f"bench: {name} {fmt.format(med)} {unit}", flush=True)
    print(f"bench: {name}_min {fmt.format(min(vals))} {unit}", flush=True)
    print(f"bench: {name}_max {fmt.format(max(vals))} {unit}", flush=True)


def one_store(label, store, d, ca):
    extra = (f"http: {{threads: {THREADS}, max_connections: {GWS + 64}, "
             f"max_connections_per_ip: {GWS + 64}}}\n"
             f"gateways: {{ca_cert: {ca[0]}, ca_key: {ca[1]}}}\n")
    o = H.Orcd(d, store, extra).start()
    tok = o.token("admin")
    print(f"# {label}: {GWS} gateways, {SUBS} subscribers each, {RUNS} runs of {SECS} s, "
          f"orcd http.threads {THREADS}; load average {os.getloadavg()[0]:.1f}", flush=True)
    cap = [load(o, tok, d, f"c{i}x", 0) for i in range(RUNS)]
    rates = [x["rate"] for x in cap]
    report(f"orc_{label}_checkins_capacity", rates, "checkins/s")
    med = sorted(cap, key=lambda x: x["rate"])[RUNS // 2]
    print(f"bench: orc_{label}_checkins_capacity_p50 {med['p50_ms']:.1f} ms", flush=True)
    print(f"bench: orc_{label}_checkins_capacity_p99 {med['p99_ms']:.1f} ms", flush=True)
    # orcd's own CPU time per check-in (its database server's not counted:
    # PostgreSQL runs in processes of its own): the rate one core of orcd
    # would sustain, whatever else loads the machine.
    report(f"orc_{label}_checkin_cpu", [x["server_cpu_ms"] for x in cap], "ms", "{:.3f}")
    tgt = [load(o, tok, d, f"t{i}x", RATE) for i in range(RUNS)]
    report(f"orc_{label}_checkins_at_{RATE:.0f}_rate", [x["rate"] for x in tgt], "checkins/s")
    report(f"orc_{label}_checkins_at_{RATE:.0f}_p50", [x["p50_ms"] for x in tgt], "ms", "{:.1f}")
    report(f"orc_{label}_checkins_at_{RATE:.0f}_p99", [x["p99_ms"] for x in tgt], "ms", "{:.1f}")
    print(f"# {label}: late (no idle gateway when due) per run: "
          + " ".join(f"{x['late']:.0f}" for x in tgt)
          + f"; errors {sum(x['errors'] for x in cap + tgt):.0f}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    o.stop(60)


def main():
    d = H.tmpdir("load")
    key, crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=load-ca",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign"], check=True, capture_output=True)
    one_store("sqlite", ("sqlite", os.path.join(d, "orc.db")), d, (crt, key))
    if H.have_postgres():
        pg = H.Postgres()
        one_store("postgresql", ("pg", pg.createdb("orcload")), d, (crt, key))
    else:
        print("# postgresql: skipped (no PostgreSQL 15)", flush=True)


if __name__ == "__main__":
    main()
