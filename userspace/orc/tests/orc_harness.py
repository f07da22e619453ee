"""Test harness of xepc-orcd: TAP output, a throw-away TLS certificate, a
private PostgreSQL (initdb + pg_ctl as the postgres user, unique directory,
Unix socket only, torn down at exit), xepc-orcd processes on loopback, and
an HTTPS client that keeps its connection alive.

Used by test_orc_api.py, test_orc_badinput.py and bench_orc.py."""
import atexit
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.environ.get("BUILD", "build")
ORCD = os.path.join(ROOT, BUILD, "bin", "xepc-orcd")
XEPCCTL = os.path.join(ROOT, BUILD, "bin", "xepcctl")
PGBIN = "/usr/lib/postgresql/15/bin"

_cleanups = []


def _cleanup():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - teardown must go on
            print(f"# cleanup: {e}", file=sys.stderr)


atexit.register(_cleanup)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, lambda *a: sys.exit(1))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.prefix = ""  # put before every description (e.g. "[sqlite] ")

    def ok(self, cond, desc, detail=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {self.prefix}{desc}", flush=True)
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines()[:20]:
                    print(f"#   {line}", flush=True)
        return cond

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, f"got {got!r}, want {want!r}")

    def skip(self, desc, why):
        self.n += 1
        print(f"ok {self.n} - {desc} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        _cleanup()
        sys.exit(1 if self.failed else 0)


def tmpdir(tag):
    d = tempfile.mkdtemp(prefix=f"xepc-orc-{tag}-{os.getpid()}-")
    _cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_cert(d):
    """A self-signed P-256 certificate for 127.0.0.1, made now, never kept."""
    cert, key = os.path.join(d, "server.crt"), os.path.join(d, "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=xepc-orcd-test",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class Postgres:
    """A private PostgreSQL 15 cluster in a fresh directory, listening on a
    Unix socket in that directory only (no TCP port to collide with)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix=f"xepc-orc-pg-{os.getpid()}-")
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        self.port = free_port()
        run = ["runuser", "-u", "postgres", "--"]
        subprocess.run(run + [f"{PGBIN}/initdb", "-D", f"{self.dir}/data", "-A", "trust",
                              "-U", "postgres", "--no-sync"],
                       check=True, capture_output=True)
        _cleanups.append(self.stop)
        opts = (f"-k {self.dir} -p {self.port} -c listen_addresses= -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        subprocess.run(run + [f"{PGBIN}/pg_ctl", "-D", f"{self.dir}/data", "-o", opts, "-w",
                              "-l", f"{self.dir}/log", "start"],
                       check=True, capture_output=True)
        self.conninfo = f"host={self.dir} port={self.port} user=postgres dbname=postgres"

    def createdb(self, name):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PGBIN}/createdb", "-h", self.dir,
                        "-p", str(self.port), name], check=True, capture_output=True)
        return f"host={self.dir} port={self.port} user=postgres dbname={name}"

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PGBIN}/pg_ctl", "-D",
                        f"{self.dir}/data", "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def have_postgres():
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return os.access(f"{PGBIN}/initdb", os.X_OK)


class Orcd:
    """One xepc-orcd on 127.0.0.1:<free port> with a fresh certificate."""

    def __init__(self, d, store, extra="", cert=None):
        self.dir = d
        self.port = free_port()
        self.cert, self.key = cert or make_cert(d)
        self.cfg = os.path.join(d, f"orc-{self.port}.yaml")
        if store[0] == "sqlite":
            st = f"store: {{backend: sqlite, path: {store[1]}}}"
        else:
            st = f"store: {{backend: postgresql, conninfo: '{store[1]}'}}"
        with open(self.cfg, "w") as f:
            f.write(f"listen: {{address: 127.0.0.1, port: {self.port}}}\n"
                    f"tls: {{cert: {self.cert}, key: {self.key}}}\n"
                    f"{st}\n{extra}")
        self.log = os.path.join(d, f"orcd-{self.port}.log")
        self.proc = None

    def admin(self, *args):
        r = subprocess.run([ORCD, "-c", self.cfg] + list(args), capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    def token(self, scope="admin", name="test"):
        rc, out, err = self.admin("token", "create", "--name", name, "--scope", scope)
        if rc != 0:
            raise RuntimeError(f"token create: {err}")
        return out.strip()

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([ORCD, "-c", self.cfg], stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        _cleanups.append(self.kill)
        for _ in range(200):
            if self.proc.poll() is not None:
                raise RuntimeError(f"xepc-orcd exited: {open(self.log).read()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.025)
        raise RuntimeError("xepc-orcd did not start listening")

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def client(self, token=None):
        return Client(self.port, self.cert, token)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


class Client:
    """HTTPS with keep-alive: one connection, reopened only when the server
    closed it (self.connects counts the openings)."""

    def __init__(self, port, cafile, token=None, client_cert=None, timeout=30):
        self.port = port
        self.timeout = timeout
        self.ctx = ssl.create_default_context(cafile=cafile)
        if client_cert:  # (certificate file, key file): mutual TLS
            self.ctx.load_cert_chain(*client_cert)
        self.token = token
        self.conn = None
        self.connects = 0

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                                    timeout=self.timeout)
            self.connects += 1
        return self.conn

    def req(self, method, path, body=None, headers=None, ctype="application/json", token=None):
        h = dict(headers or {})
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None and ctype:
            h.setdefault("Content-Type", ctype)
        for attempt in range(2):
            c = self._conn()
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    self.conn = None
                return Resp(r.status, r.getheaders(), data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    ssl.SSLEOFError):  # the server closed an idle connection
                c.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.req("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.req("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.req("DELETE", path, **kw)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None
