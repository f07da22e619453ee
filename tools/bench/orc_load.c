/* orc-load: gateway check-ins against one xepc-orcd, as a fleet makes them.
 *
 * It registers --gateways gateways with the operator token (each with its
 * own ECDSA P-256 key), bootstraps each as a gateway does (challenge signed
 * with its key, CSR, client certificate from orcd's CA), then every
 * gateway checks in over its own mutual-TLS connection, kept alive, for
 * --seconds:
 *   --rate 0   closed loop: each gateway sends its next check-in as soon
 *              as the previous one is answered (the server's capacity);
 *   --rate R   open loop: R check-ins per second in total, each given to
 *              an idle gateway; a latency runs from when the check-in was
 *              due, so a server that falls behind shows it (no coordinated
 *              omission), and check-ins due while every gateway waits are
 *              counted as "late".
 * The check-in carries counters that grow (traffic, --subscribers IMSIs)
 * so that orcd records usage, as for a real gateway.  libcurl multi over
 * GnuTLS, one thread.  Prints one line:
 *   result checkins=N seconds=S rate=R p50_ms=. p99_ms=. max_ms=. errors=E late=L connections=C
 *          server_cpu_ms=. (orcd's CPU time per check-in, with --server-pid)
 * Used by tools/bench/orc_checkin_bench.py (docs/PERFORMANCE.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* curl's type-checking macros trip -Werror with this GCC (pragmas in
 * expressions); the calls are checked by hand. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct opts {
    const char *url, *cacert, *token, *network, *dir, *prefix;
    int gateways, subscribers;
    double seconds, rate;
    int server_pid; /* > 0: report the CPU time orcd used in the run */
};

/* utime + stime of a process, in seconds (proc(5)); -1 if unknown. */
static double proc_cpu_s(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    /* after the name: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *d, size_t sz, size_t n, void *arg)
{
    struct buf *b = arg;
    char *p = realloc(b->p, b->n + sz * n + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, d, sz * n);
    b->p = p;
    b->n += sz * n;
    b->p[b->n] = 0;
    return sz * n;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------- setup ---- */

/* One request on the setup handle: status, body in *out (caller frees). */
static long request(CURL *h, const struct opts *o, const char *path, const char *token,
                    const char *body, char **out)
{
    char url[512], auth[256];
    snprintf(url, sizeof(url), "%s%s", o->url, path);
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hd = curl_slist_append(hd, auth);
    }
    struct buf b = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL); /* only orcd's certificate, not /etc/ssl/certs */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    long status = 0;
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "orc-load: %s: %s\n", path, curl_easy_strerror(rc));
    curl_slist_free_all(hd);
    *out = b.p;
    return status;
}

static char *pem_of(EVP_PKEY *k, bool pub)
{
    BIO *b = BIO_new(BIO_s_mem());
    int ok = pub ? PEM_write_bio_PUBKEY(b, k) : PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0,
                                                                         NULL, NULL);
    char *p = NULL, *s = NULL;
    long n = ok ? BIO_get_mem_data(b, &p) : 0;
    if (n > 0 && (s = malloc((size_t)n + 1))) {
        memcpy(s, p, (size_t)n);
        s[n] = 0;
    }
    BIO_free(b);
    return s;
}

/* ECDSA-SHA256 over text, DER as hex (what orcd's bootstrap checks). */
static char *sign_hex(EVP_PKEY *k, const char *text)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[256];
    size_t n = sizeof(sig);
    char *hex = NULL;
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &n, (const unsigned char *)text, strlen(text)) == 1 &&
        (hex = malloc(2 * n + 1))) {
        for (size_t i = 0; i < n; i++)
            sprintf(hex + 2 * i, "%02x", sig[i]);
    }
    EVP_MD_CTX_free(md);
    return hex;
}

static char *csr_pem(EVP_PKEY *k)
{
    X509_REQ *req = X509_REQ_new();
    char *s = NULL;
    if (req && X509_REQ_set_pubkey(req, k) &&
        X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"gateway", -1, -1, 0) &&
        X509_REQ_sign(req, k, EVP_sha256())) {
        BIO *b = BIO_new(BIO_s_mem());
        char *p;
        long n = PEM_write_bio_X509_REQ(b, req) ? BIO_get_mem_data(b, &p) : 0;
        if (n > 0 && (s = malloc((size_t)n + 1))) {
            memcpy(s, p, (size_t)n);
            s[n] = 0;
        }
        BIO_free(b);
    }
    X509_REQ_free(req);
    return s;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fchmod(fileno(f), 0600);
    fputs(text, f);
    return fclose(f) ? -EIO : 0;
}

/* Registers gateway i and gets its certificate; writes dir/<id>.crt, .key. */
static int bootstrap(CURL *h, const struct opts *o, int i)
{
    char id[64], path[256], *out = NULL;
    snprintf(id, sizeof(id), "%s%d", o->prefix, i);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    char *pub = k ? pem_of(k, true) : NULL, *priv = k ? pem_of(k, false) : NULL;
    char *csr = k ? csr_pem(k) : NULL, *sig = NULL, *text = NULL;
    json_t *j = NULL;
    int rc = -EIO;
    long st;
    if (!pub || !priv || !csr)
        goto out;
    snprintf(path, sizeof(path), "/v1/networks/%s/gateways", o->network);
    j = json_pack("{s:s,s:s,s:s}", "id", id, "hardware_id", id, "public_key", pub);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    j = NULL;
    if ((st = request(h, o, path, o->token, text, &out)) != 201) {
        fprintf(stderr, "orc-load: register %s: %ld %s\n", id, st, out ? out : "");
        goto out;
    }
    free(text);
    free(out);
    out = NULL;
    j = json_pack("{s:s,s:s,s:s}", "network", o->network, "gateway", id, "hardware_id", id);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    st = request(h, o, "/v1/gw/challenge", NULL, text, &out);
    j = st == 200 ? json_loads(out, 0, NULL) : NULL;
    const char *ch = json_string_value(json_object_get(j, "challenge"));
    if (!ch || !(sig = sign_hex(k, ch))) {
        fprintf(stderr, "orc-load: challenge for %s: %ld %s\n", id, st, out ? out : "");
        goto out;
    }
    json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "network", o->network, "gateway", id,
                            "challenge", ch, "signature", sig, "csr", csr);
    free(text);
    free(out);
    out = NULL;
    text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_decref(j);
    j = NULL;
    st = request(h, o, "/v1/gw/certificate", NULL, text, &out);
    j = st == 200 ? json_loads(out, 0, NULL) : NULL;
    const char *cert = json_string_value(json_object_get(j, "certificate"));
    if (!cert) {
        fprintf(stderr, "orc-load: certificate for %s: %ld %s\n", id, st, out ? out : "");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/%s.crt", o->dir, id);
    rc = write_file(path, cert);
    snprintf(path, sizeof(path), "%s/%s.key", o->dir, id);
    if (rc == 0)
        rc = write_file(path, priv);
out:
    json_decref(j);
    free(out);
    free(text);
    free(sig);
    free(csr);
    free(pub);
    free(priv);
    EVP_PKEY_free(k);
    return rc;
}

/* --------------------------------------------------------- check-ins ---- */

struct gw {
    CURL *h;
    struct curl_slist *hd;
    char *body;
    struct buf resp;
    int64_t due_us; /* when this check-in was due (latency origin) */
    uint64_t n;     /* check-ins sent */
    bool busy;
};

struct run {
    const struct opts *o;
    struct gw *gws;
    CURLM *m;
    int *idle; /* stack of idle gateway indexes */
    int n_idle;
    double *lat_ms;
    size_t n_lat, cap_lat;
    uint64_t errors, late, done;
    int64_t t0, t_end;
    bool record;
};

static void make_body(const struct opts *o, struct gw *g, int i)
{
    /* Counters that grow with every check-in: usage to record. */
    size_t cap = 512 + (size_t)o->subscribers * 80;
    char *b = realloc(g->body, cap), *p;
    if (!b)
        return;
    g->body = b;
    uint64_t n = g->n + 1;
    p = b + sprintf(b,
                    "{\"version\":\"orc-load\",\"started_at\":1700000000,\"health\":\"ok\","
                    "\"ues\":%d,\"sessions\":%d,\"enbs\":2,\"enb_ids\":[\"b%d-1\",\"b%d-2\"],"
                    "\"ul_bytes\":%" PRIu64 ",\"dl_bytes\":%" PRIu64 ",\"subscribers\":{",
                    o->subscribers, o->subscribers, i, i, n * 100000, n * 900000);
    for (int s = 0; s < o->subscribers; s++)
        p += sprintf(p, "%s\"00101%05d%05d\":{\"ul_bytes\":%" PRIu64 ",\"dl_bytes\":%" PRIu64 "}",
                     s ? "," : "", i % 100000, s, n * 1000, n * 9000);
    sprintf(p, "}}");
}

static int gw_init(struct run *r, int i)
{
    const struct opts *o = r->o;
    struct gw *g = &r->gws[i];
    char url[512], path[512];
    g->h = curl_easy_init();
    if (!g->h)
        return -ENOMEM;
    snprintf(url, sizeof(url), "%s/v1/gw/checkin", o->url);
    curl_easy_setopt(g->h, CURLOPT_URL, url);
    curl_easy_setopt(g->h, CURLOPT_CAINFO, o->cacert);
    /* A gateway trusts orcd's certificate alone: loading the system's
     * trust directory (GnuTLS parses every file of it) on every
     * connection cost more than the whole check-in. */
    curl_easy_setopt(g->h, CURLOPT_CAPATH, NULL);
    snprintf(path, sizeof(path), "%s/%s%d.crt", o->dir, o->prefix, i);
    curl_easy_setopt(g->h, CURLOPT_SSLCERT, path);
    snprintf(path, sizeof(path), "%s/%s%d.key", o->dir, o->prefix, i);
    curl_easy_setopt(g->h, CURLOPT_SSLKEY, path);
    g->hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(g->h, CURLOPT_HTTPHEADER, g->hd);
    curl_easy_setopt(g->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(g->h, CURLOPT_WRITEDATA, &g->resp);
    curl_easy_setopt(g->h, CURLOPT_PRIVATE, (void *)(intptr_t)i);
    curl_easy_setopt(g->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(g->h, CURLOPT_TIMEOUT_MS, 30000L);
    if (i == 0 && getenv("ORC_LOAD_VERBOSE"))
        curl_easy_setopt(g->h, CURLOPT_VERBOSE, 1L);
    return 0;
}

static void send_checkin(struct run *r, int i, int64_t due)
{
    struct gw *g = &r->gws[i];
    make_body(r->o, g, i);
    g->n++;
    g->resp.n = 0;
    g->due_us = due;
    g->busy = true;
    curl_easy_setopt(g->h, CURLOPT_POSTFIELDS, g->body);
    curl_multi_add_handle(r->m, g->h);
}

static void record(struct run *r, double ms)
{
    if (r->n_lat == r->cap_lat) {
        size_t cap = r->cap_lat ? 2 * r->cap_lat : 65536;
        double *v = realloc(r->lat_ms, cap * sizeof(*v));
        if (!v)
            return;
        r->lat_ms = v;
        r->cap_lat = cap;
    }
    r->lat_ms[r->n_lat++] = ms;
}

/* Answers that came: count them, free their gateways. */
static void reap(struct run *r, bool closed_loop)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(r->m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *h = msg->easy_handle;
        char *pv = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, &pv);
        intptr_t i = (intptr_t)pv;
        struct gw *g = &r->gws[i];
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(r->m, h);
        g->busy = false;
        int64_t now = now_us();
        if (r->record) {
            r->done++;
            if (msg->data.result != CURLE_OK || status != 200) {
                if (r->errors++ < 5)
                    fprintf(stderr, "orc-load: check-in of gateway %d: %s, HTTP %ld %.*s\n", (int)i,
                            curl_easy_strerror(msg->data.result), status, (int)g->resp.n,
                            g->resp.p ? g->resp.p : "");
            }
            record(r, (double)(now - g->due_us) / 1000.0);
        }
        if (closed_loop && now < r->t_end)
            send_checkin(r, (int)i, now);
        else
            r->idle[r->n_idle++] = (int)i;
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: orc-load --url URL --cacert FILE --token ADMIN_TOKEN [--network NET]\n"
               "                [--gateways N] [--seconds S] [--rate R] [--subscribers K]\n"
               "                [--dir DIR] [--prefix ID_PREFIX] [--server-pid PID]\n"
               "Registers and bootstraps N gateways (default 100) in NET (default bench,\n"
               "created if missing), then checks in for S seconds (default 5): --rate 0\n"
               "(default) as fast as orcd answers, else R per second in total.\n");
}

int main(int argc, char **argv)
{
    struct opts o = {.network = "bench", .dir = "/tmp", .prefix = "lg", .gateways = 100,
                     .seconds = 5, .subscribers = 10};
    static const struct option lo[] = {
        {"url", 1, 0, 'u'},      {"cacert", 1, 0, 'c'},  {"token", 1, 0, 't'},
        {"network", 1, 0, 'n'},  {"gateways", 1, 0, 'g'}, {"seconds", 1, 0, 's'},
        {"rate", 1, 0, 'r'},     {"subscribers", 1, 0, 'k'}, {"dir", 1, 0, 'd'},
        {"prefix", 1, 0, 'p'},   {"server-pid", 1, 0, 'P'}, {"help", 0, 0, 'h'},
        {0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'u': o.url = optarg; break;
        case 'c': o.cacert = optarg; break;
        case 't': o.token = optarg; break;
        case 'n': o.network = optarg; break;
        case 'g': o.gateways = atoi(optarg); break;
        case 's': o.seconds = atof(optarg); break;
        case 'r': o.rate = atof(optarg); break;
        case 'k': o.subscribers = atoi(optarg); break;
        case 'd': o.dir = optarg; break;
        case 'p': o.prefix = optarg; break;
        case 'P': o.server_pid = atoi(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.url || !o.cacert || !o.token || o.gateways < 1 || o.gateways > 20000 ||
        o.seconds <= 0 || o.rate < 0 || o.subscribers < 0 || o.subscribers > 10000) {
        usage(stderr);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* Setup: the network (201, or 409 when it exists), the gateways. */
    CURL *h = curl_easy_init();
    char *out = NULL, net[256];
    snprintf(net, sizeof(net),
             "{\"id\":\"%s\",\"plmn\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"tacs\":[1]}", o.network);
    long st = request(h, &o, "/v1/networks", o.token, net, &out);
    free(out);
    if (st != 201 && st != 409) {
        fprintf(stderr, "orc-load: cannot create network %s: HTTP %ld\n", o.network, st);
        return 1;
    }
    int64_t t = now_us();
    for (int i = 0; i < o.gateways; i++)
        if (bootstrap(h, &o, i) < 0)
            return 1;
    curl_easy_cleanup(h);
    fprintf(stderr, "orc-load: %d gateways registered and bootstrapped in %.1f s\n", o.gateways,
            (double)(now_us() - t) / 1e6);

    struct run r = {.o = &o};
    r.gws = calloc((size_t)o.gateways, sizeof(*r.gws));
    r.idle = calloc((size_t)o.gateways, sizeof(*r.idle));
    r.m = curl_multi_init();
    if (!r.gws || !r.idle || !r.m)
        return 1;
    curl_multi_setopt(r.m, CURLMOPT_MAXCONNECTS, (long)o.gateways + 16);
    for (int i = 0; i < o.gateways; i++)
        if (gw_init(&r, i) < 0)
            return 1;

    /* Warm-up: one check-in per gateway, all at once (TLS handshakes,
     * first state rows); not measured. */
    t = now_us();
    r.t_end = t;
    for (int i = 0; i < o.gateways; i++)
        send_checkin(&r, i, t);
    int running = 1;
    while (r.n_idle < o.gateways) {
        curl_multi_perform(r.m, &running);
        reap(&r, false);
        if (r.n_idle < o.gateways)
            curl_multi_poll(r.m, NULL, 0, 100, NULL);
    }
    fprintf(stderr, "orc-load: warm-up (%d connections) %.1f s\n", o.gateways,
            (double)(now_us() - t) / 1e6);

    /* The measured run. */
    bool closed = o.rate == 0;
    r.record = true;
    double cpu0 = o.server_pid > 0 ? proc_cpu_s(o.server_pid) : -1;
    r.t0 = now_us();
    r.t_end = r.t0 + (int64_t)(o.seconds * 1e6);
    uint64_t sent = 0;
    if (closed) {
        r.n_idle = 0;
        for (int i = 0; i < o.gateways; i++)
            send_checkin(&r, i, r.t0);
    }
    for (;;) {
        int64_t now = now_us();
        if (!closed && now < r.t_end) {
            /* Check-ins due by now, each to an idle gateway. */
            for (;;) {
                int64_t due = r.t0 + (int64_t)((double)sent * 1e6 / o.rate);
                if (due > now || due >= r.t_end)
                    break;
                if (!r.n_idle) {
                    r.late++;
                    sent++;
                    continue;
                }
                send_checkin(&r, r.idle[--r.n_idle], due);
                sent++;
            }
        }
        curl_multi_perform(r.m, &running);
        reap(&r, closed);
        if (now >= r.t_end && r.n_idle == o.gateways)
            break;
        int wait_ms = 5;
        if (!closed && now < r.t_end) {
            int64_t due = r.t0 + (int64_t)((double)sent * 1e6 / o.rate);
            wait_ms = due > now ? (int)((due - now) / 1000) : 0;
            if (wait_ms > 5)
                wait_ms = 5;
        }
        curl_multi_poll(r.m, NULL, 0, wait_ms, NULL);
    }
    double el = (double)(now_us() - r.t0) / 1e6;
    double cpu1 = o.server_pid > 0 ? proc_cpu_s(o.server_pid) : -1;
    double server_ms = cpu0 >= 0 && cpu1 >= 0 && r.done ? (cpu1 - cpu0) * 1000 / (double)r.done
                                                        : 0;
    long conns = 0;
    for (int i = 0; i < o.gateways; i++) {
        long nc = 0;
        curl_easy_getinfo(r.gws[i].h, CURLINFO_NUM_CONNECTS, &nc);
        conns += nc;
    }
    qsort(r.lat_ms, r.n_lat, sizeof(double), cmp_d);
    double p50 = r.n_lat ? r.lat_ms[r.n_lat / 2] : 0;
    double p99 = r.n_lat ? r.lat_ms[(size_t)((double)(r.n_lat - 1) * 0.99)] : 0;
    double mx = r.n_lat ? r.lat_ms[r.n_lat - 1] : 0;
    printf("result checkins=%" PRIu64 " seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f errors=%" PRIu64 " late=%" PRIu64 " connections=%ld "
           "server_cpu_ms=%.3f\n",
           r.done, el, (double)r.done / el, p50, p99, mx, r.errors, r.late, conns, server_ms);
    for (int i = 0; i < o.gateways; i++) {
        curl_multi_remove_handle(r.m, r.gws[i].h);
        curl_easy_cleanup(r.gws[i].h);
        curl_slist_free_all(r.gws[i].hd);
        free(r.gws[i].body);
        free(r.gws[i].resp.p);
    }
    curl_multi_cleanup(r.m);
    free(r.gws);
    free(r.idle);
    free(r.lat_ms);
    curl_global_cleanup();
    return r.errors ? 1 : 0;
}
