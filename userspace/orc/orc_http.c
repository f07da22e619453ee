/* xepc-orcd's HTTP(S) front: libmicrohttpd with GnuTLS, a bounded pool of
 * worker threads, HTTP/1.1 keep-alive, limits (connections in total and
 * per address, header size, body size, idle and whole-request time),
 * table-driven routing, token authentication before the body is read, the
 * audit log of writes, and graceful shutdown. */
#include "orc/orc.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "lib/hex.h"

int64_t orc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const scope_names[] = {"public", "read", "write", "admin", "gateway"};

const char *orc_scope_str(enum orc_scope s)
{
    return (unsigned)s < 5 ? scope_names[s] : "?";
}

int orc_scope_parse(const char *s, enum orc_scope *out)
{
    for (int i = ORC_SCOPE_READ; i <= ORC_SCOPE_ADMIN; i++)
        if (s && !strcmp(s, scope_names[i])) {
            *out = (enum orc_scope)i;
            return 0;
        }
    return -EINVAL;
}

/* ----------------------------------------------------------- answers ---- */

void orc_reply(struct orc_req *r, int status, json_t *j)
{
    if (r->answered) {
        json_decref(j);
        return;
    }
    r->answered = true;
    r->status = status;
    r->resp = j;
}

static json_t *error_obj(int status, const char *msg)
{
    return json_pack("{s:{s:i,s:s}}", "error", "status", status, "message", msg);
}

void orc_reply_error(struct orc_req *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!r->audit_detail[0])
        snprintf(r->audit_detail, sizeof(r->audit_detail), "%.200s", msg);
    orc_reply(r, status, error_obj(status, msg));
}

void orc_reply_invalid(struct orc_req *r, json_t *fields)
{
    json_t *e = error_obj(422, "validation failed");
    json_object_set_new(json_object_get(e, "error"), "fields", fields);
    snprintf(r->audit_detail, sizeof(r->audit_detail), "validation failed");
    orc_reply(r, 422, e);
}

void orc_reply_store_error(struct orc_req *r, int rc)
{
    switch (rc) {
    case -ENOENT:
        orc_reply_error(r, 404, "not found");
        break;
    case -EEXIST:
        orc_reply_error(r, 409, "already exists");
        break;
    case -ESTALE:
        orc_reply_error(r, 412, "the resource was changed (If-Match does not match its ETag)");
        break;
    case -EBUSY:
        snprintf(r->retry_after, sizeof(r->retry_after), "1");
        orc_reply_error(r, 503, "the store is busy; retry");
        break;
    default:
        fprintf(stderr, "xepc-orcd: store error: %s\n", r->db ? r->db->err : "?");
        orc_reply_error(r, 500, "store error");
    }
}

/* NULL without a connection: a request made by fuzz_orc_api. */
const char *orc_query(struct orc_req *r, const char *key)
{
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

const char *orc_header(struct orc_req *r, const char *key)
{
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key) : NULL;
}

/* ----------------------------------------------------------- routing ---- */

/* 0 and captures when pattern matches url; -1 otherwise. */
static int match(const char *pattern, const char *url, struct orc_req *r)
{
    const char *p = pattern, *u = url;
    int n = 0;
    while (*p && *u) {
        if (*p != '/' || *u != '/')
            return -1;
        p++;
        u++;
        const char *pe = strchrnul(p, '/'), *ue = strchrnul(u, '/');
        if (*p == '{') {
            if (ue == u || n >= ORC_MAX_PARAMS)
                return -1;
            if (r) {
                r->param[n] = strndup(u, (size_t)(ue - u));
                if (!r->param[n])
                    return -1;
            }
            n++;
        } else if (pe - p != ue - u || memcmp(p, u, (size_t)(pe - p))) {
            return -1;
        }
        p = pe;
        u = ue;
    }
    if (*p || *u)
        return -1;
    if (r)
        r->n_param = n;
    return 0;
}

/* The route for (method, url); *path_known says whether any method
 * matches, and allow lists them (for 405). */
static const struct orc_route *route_find(const char *method, const char *url, bool *path_known,
                                          char *allow, size_t allow_len)
{
    *path_known = false;
    allow[0] = 0;
    for (const struct orc_route *const *t = orc_route_tables; *t; t++)
        for (const struct orc_route *rt = *t; rt->method; rt++) {
            if (match(rt->pattern, url, NULL))
                continue;
            if (!strcmp(rt->method, method))
                return rt;
            *path_known = true;
            size_t l = strlen(allow);
            snprintf(allow + l, allow_len - l, "%s%s", l ? ", " : "", rt->method);
        }
    return NULL;
}

/* ------------------------------------------------------- rate limits ---- */

static size_t rl_slot(const char *client)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = client; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h % ORC_RL_SLOTS;
}

bool orc_rl_locked(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client, int64_t now_ms,
                   int64_t *retry_ms)
{
    pthread_mutex_lock(&ctx->rl_lock);
    struct orc_rl_slot *s = &ctx->rl[k][rl_slot(client)];
    bool locked = !strcmp(s->client, client) && s->locked_until_ms > now_ms;
    if (locked)
        *retry_ms = s->locked_until_ms - now_ms;
    pthread_mutex_unlock(&ctx->rl_lock);
    return locked;
}

void orc_rl_failure(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client, int64_t now_ms)
{
    pthread_mutex_lock(&ctx->rl_lock);
    struct orc_rl_slot *s = &ctx->rl[k][rl_slot(client)];
    /* A slot shared by two addresses goes to the latest offender: an
     * attacker cannot free its own slot by failing from another address
     * without also being counted there. */
    if (strcmp(s->client, client) || now_ms - s->window_start_ms > (int64_t)ctx->cfg.auth.window_ms) {
        memset(s, 0, sizeof(*s));
        snprintf(s->client, sizeof(s->client), "%s", client);
        s->window_start_ms = now_ms;
    }
    if (++s->failures >= ctx->cfg.auth.max_failures) {
        s->locked_until_ms = now_ms + (int64_t)ctx->cfg.auth.lockout_ms;
        s->failures = 0;
        s->window_start_ms = s->locked_until_ms;
        atomic_fetch_add(k == ORC_RL_TOKEN ? &ctx->stats.lockouts : &ctx->stats.session_lockouts,
                         1);
    }
    pthread_mutex_unlock(&ctx->rl_lock);
}

void orc_rl_success(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client)
{
    pthread_mutex_lock(&ctx->rl_lock);
    struct orc_rl_slot *s = &ctx->rl[k][rl_slot(client)];
    if (!strcmp(s->client, client) && s->locked_until_ms == 0)
        s->failures = 0;
    pthread_mutex_unlock(&ctx->rl_lock);
}

/* ------------------------------------------------------------ answer ---- */

static enum MHD_Result send_answer(struct orc_req *r)
{
    char *text = NULL;
    size_t len = 0;
    if (r->text) {
        text = r->text;
        r->text = NULL;
        len = r->text_len ? r->text_len : strlen(text);
    } else if (r->resp) {
        text = json_dumps(r->resp, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (!text) {
            r->status = 500;
            text = strdup("{\"error\":{\"status\":500,\"message\":\"out of memory\"}}");
        }
        if (text) {
            len = strlen(text);
            text[len++] = '\n'; /* json_dumps leaves room: replace the NUL */
        }
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, text ? text : (void *)"",
                                        text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    if (text)
        MHD_add_response_header(resp, "Content-Type",
                                r->text_type ? r->text_type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* Every answer forbids framing and referrers; the web UI's pages
     * may load their own script, style and images and talk to this
     * origin only (no inline script or style, no eval), anything else
     * (the API's JSON) may load nothing at all. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            r->ui ? "default-src 'self'; script-src 'self'; style-src 'self'; "
                                    "img-src 'self'; connect-src 'self'; object-src 'none'; "
                                    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
                                  : "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    if (r->ctx->cfg.tls.enabled)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (r->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->etag[0])
        MHD_add_response_header(resp, "ETag", r->etag);
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    if (r->retry_after[0])
        MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"xepc-orcd\"");
    if (r->status == 405 && r->audit_detail[0])
        MHD_add_response_header(resp, "Allow", r->audit_detail);
    unsigned k = (unsigned)r->status / 100;
    if (k < 6)
        atomic_fetch_add(&r->ctx->stats.status[k], 1);
    enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    json_decref(r->resp);
    r->resp = NULL;
    return rc;
}

static bool is_write(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD");
}

static void audit(struct orc_req *r)
{
    struct orc_conn *c = r->db ? r->db : orc_store_get(&r->ctx->store);
    char detail[sizeof(r->audit_detail)];
    snprintf(detail, sizeof(detail), "%s", r->audit_detail);
    if (orc_audit_add(c, time(NULL), r->token_id, r->client, r->method, r->url, r->status,
                      detail) < 0)
        fprintf(stderr, "xepc-orcd: audit: %s\n", c->err);
    if (!r->db)
        orc_store_put(&r->ctx->store, c);
    atomic_fetch_add(&r->ctx->stats.writes, 1);
}

/* -------------------------------------------------- request lifecycle ---- */

static void req_free(struct orc_req *r)
{
    for (int i = 0; i < r->n_param; i++)
        free(r->param[i]);
    free(r->body);
    json_decref(r->json);
    json_decref(r->resp);
    free(r->text);
    free(r);
}

static bool content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n))
        return false;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

static void client_name(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

/* Client certificates that verified against orcd's CA, by the SHA-256 of
 * their DER, each valid until the certificate's notAfter (the CA does not
 * change while orcd runs).  Sized for a fleet: VCACHE_SETS sets of
 * VCACHE_WAYS entries, each certificate in the emptier of its two
 * candidate sets (32768 entries; about 9 MiB, touched as it fills).
 * With the former 256 direct-mapped slots, 200 gateways already evicted
 * each other and most check-ins verified their certificate again. */
#define VCACHE_SETS 8192
#define VCACHE_WAYS 4
static struct vcache_slot {
    uint8_t h[32];
    int64_t not_after;
    uint64_t stamp; /* insertion order: the oldest of two full sets goes */
    char cn[160], serial_hex[65];
    bool used;
} vcache[VCACHE_SETS][VCACHE_WAYS];
static uint64_t vcache_stamp;
static pthread_mutex_t vcache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Two candidate sets from independent bits of the hash ("two choices":
 * an entry goes where there is room, so that sets rarely overflow). */
static struct vcache_slot *vcache_set(const uint8_t h[32], int which)
{
    const uint8_t *b = h + 3 * which;
    return vcache[(b[0] | b[1] << 8 | (uint32_t)b[2] << 16) % VCACHE_SETS];
}

static struct vcache_slot *vcache_find(const uint8_t h[32])
{
    for (int w = 0; w < 2; w++) {
        struct vcache_slot *set = vcache_set(h, w);
        for (int i = 0; i < VCACHE_WAYS; i++)
            if (set[i].used && !memcmp(set[i].h, h, 32))
                return &set[i];
    }
    return NULL;
}

bool orc_vcache_get(const uint8_t h[32], int64_t now, char cn[160], char serial_hex[65])
{
    pthread_mutex_lock(&vcache_lock);
    struct vcache_slot *e = vcache_find(h);
    /* "now > notAfter" is expired, as GnuTLS has it (RFC 5280 4.1.2.5). */
    bool hit = e && now <= e->not_after;
    if (hit) {
        memcpy(cn, e->cn, sizeof(e->cn));
        memcpy(serial_hex, e->serial_hex, sizeof(e->serial_hex));
    }
    pthread_mutex_unlock(&vcache_lock);
    return hit;
}

void orc_vcache_put(const uint8_t h[32], int64_t not_after, const char *cn,
                    const char *serial_hex)
{
    pthread_mutex_lock(&vcache_lock);
    struct vcache_slot *e = vcache_find(h);
    if (!e) { /* a free slot of the emptier set */
        struct vcache_slot *free_in[2] = {NULL, NULL};
        int n_used[2] = {0, 0};
        for (int w = 0; w < 2; w++)
            for (int i = 0; i < VCACHE_WAYS; i++) {
                struct vcache_slot *x = &vcache_set(h, w)[i];
                if (x->used)
                    n_used[w]++;
                else if (!free_in[w])
                    free_in[w] = x;
            }
        e = free_in[0] && (!free_in[1] || n_used[0] <= n_used[1]) ? free_in[0] : free_in[1];
    }
    if (!e) { /* both sets full: the oldest entry of the two goes */
        e = vcache_set(h, 0);
        for (int w = 0; w < 2; w++)
            for (int i = 0; i < VCACHE_WAYS; i++)
                if (vcache_set(h, w)[i].stamp < e->stamp)
                    e = &vcache_set(h, w)[i];
    }
    memcpy(e->h, h, 32);
    e->not_after = not_after;
    e->stamp = ++vcache_stamp;
    snprintf(e->cn, sizeof(e->cn), "%s", cn);
    snprintf(e->serial_hex, sizeof(e->serial_hex), "%s", serial_hex);
    e->used = true;
    pthread_mutex_unlock(&vcache_lock);
}

/* Mutual TLS: the client certificate verifies against orcd's CA (which
 * also refuses an expired one), names "<network>/<gateway>" of a
 * registered gateway, and is the newest one issued to it (an older one
 * is revoked by the renewal).  False when answered (401/501). */
static bool gateway_auth(struct orc_req *r)
{
    if (!r->ctx->gwca) {
        orc_reply_error(r, 501, "the gateway API is not configured (gateways.ca_cert)");
        return false;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned n = 0, status = 0;
    const gnutls_datum_t *peers = s ? gnutls_certificate_get_peers(s, &n) : NULL;
    if (!peers || n == 0) {
        orc_reply_error(r, 401, "a client certificate from orcd's CA is required");
        return false;
    }
    /* A gateway keeps its connection and calls every few seconds: the
     * chain is verified (an ECDSA verification and DER parsing, most of
     * a check-in's CPU) once per certificate and remembered until its
     * notAfter; whether it is still the current one is asked below every
     * time. */
    char cn[160] = "", serial_hex[65] = "";
    uint8_t h[32];
    bool ok = gnutls_hash_fast(GNUTLS_DIG_SHA256, peers[0].data, peers[0].size, h) >= 0 &&
              orc_vcache_get(h, time(NULL), cn, serial_hex);
    if (!ok) {
        if (gnutls_certificate_verify_peers2(s, &status) < 0 || status) {
            orc_reply_error(r, 401, "client certificate refused: %s",
                            status & GNUTLS_CERT_EXPIRED ? "expired"
                            : status & GNUTLS_CERT_NOT_ACTIVATED ? "not yet valid"
                            : status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)
                                ? "not issued by orcd's CA"
                                : "does not verify");
            return false;
        }
        gnutls_x509_crt_t crt;
        uint8_t serial[32];
        size_t cn_len = sizeof(cn), sl = sizeof(serial);
        if (gnutls_x509_crt_init(&crt) < 0)
            return orc_reply_error(r, 500, "out of memory"), false;
        ok = gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) >= 0 &&
             gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
                                           &cn_len) >= 0 &&
             gnutls_x509_crt_get_serial(crt, serial, &sl) >= 0 && sl <= 32;
        time_t not_after = ok ? gnutls_x509_crt_get_expiration_time(crt) : (time_t)-1;
        gnutls_x509_crt_deinit(crt);
        if (ok) {
            hex_encode(serial, sl, serial_hex);
            if (not_after != (time_t)-1)
                orc_vcache_put(h, (int64_t)not_after, cn, serial_hex);
        }
    }
    const char *slash = ok ? strchr(cn, '/') : NULL;
    if (!slash || (size_t)(slash - cn) >= sizeof(r->gw_net) ||
        strlen(slash + 1) >= sizeof(r->gw_id)) {
        orc_reply_error(r, 401, "client certificate refused: not a gateway certificate");
        return false;
    }
    memcpy(r->gw_net, cn, (size_t)(slash - cn));
    r->gw_net[slash - cn] = 0;
    snprintf(r->gw_id, sizeof(r->gw_id), "%s", slash + 1);
    struct orc_conn *c = orc_store_get(&r->ctx->store);
    struct orc_obj cert;
    /* The certificate record of a gateway that is still registered, in
     * one query (every gateway call comes here first). */
    int rc = orc_gw_cert_get(c, r->gw_net, r->gw_id, &cert);
    bool current = false;
    if (rc == 0) {
        json_t *j = json_loads(cert.body, 0, NULL);
        const char *want = json_string_value(json_object_get(j, "serial"));
        current = want && orc_serial_eq(want, serial_hex);
        json_decref(j);
        orc_obj_free(&cert);
    }
    orc_store_put(&r->ctx->store, c);
    if (rc < 0 && rc != -ENOENT) {
        orc_reply_error(r, 503, "the store is unavailable");
        return false;
    }
    if (!current) {
        orc_reply_error(r, 401, "client certificate refused: revoked (gateway not registered, "
                                "or a newer certificate was issued)");
        return false;
    }
    return true;
}

/* The answer makes the browser forget the session cookie (RFC 6265
 * 5.3: a cookie whose Max-Age is 0 is removed). */
static void clear_session_cookie(struct orc_req *r)
{
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "%s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", ORC_SESSION_COOKIE);
}

/* Everything decided from the request line and headers, before the body:
 * route, method, content type, size, token.  False when answered. */
static bool admit(struct orc_req *r)
{
    struct orc_ctx *ctx = r->ctx;
    bool known;
    char allow[128];
    const struct orc_route *rt = route_find(r->method, r->url, &known, allow, sizeof(allow));
    if (!rt) {
        if (known) {
            snprintf(r->audit_detail, sizeof(r->audit_detail), "%s", allow);
            orc_reply(r, 405, error_obj(405, "method not allowed"));
        } else {
            orc_reply_error(r, 404, "no such route");
        }
        return false;
    }
    r->route = rt;
    if (match(rt->pattern, r->url, r)) {
        orc_reply_error(r, 500, "out of memory");
        return false;
    }

    /* Authentication first: nothing else is told to an unauthenticated
     * client. */
    if (rt->scope == ORC_SCOPE_GATEWAY && !gateway_auth(r))
        return false;
    if (rt->scope != ORC_SCOPE_PUBLIC && rt->scope != ORC_SCOPE_GATEWAY) {
        int64_t now = orc_now_ms(), retry;
        if (orc_rl_locked(ctx, ORC_RL_TOKEN, r->client, now, &retry)) {
            snprintf(r->retry_after, sizeof(r->retry_after), "%lld",
                     (long long)(retry + 999) / 1000);
            orc_reply_error(r, 429, "too many failed authentications from this address");
            return false;
        }
        const char *auth = orc_header(r, "Authorization");
        const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                                         ORC_SESSION_COOKIE);
        if (!auth && cookie) {
            /* The web UI: a session cookie instead of a token.  A refused
             * one is most likely a tab left open after its session ended,
             * which polls: it is limited apart from the tokens (it only
             * refuses further cookies from the address), and the answer
             * tells the browser to drop it. */
            if (orc_rl_locked(ctx, ORC_RL_SESSION, r->client, now, &retry)) {
                snprintf(r->retry_after, sizeof(r->retry_after), "%lld",
                         (long long)(retry + 999) / 1000);
                clear_session_cookie(r);
                orc_reply_error(r, 429, "too many ended sessions presented from this address");
                return false;
            }
            struct orc_conn *c = orc_store_get(&ctx->store);
            int rc = orc_session_auth(r, c, cookie);
            orc_store_put(&ctx->store, c);
            if (rc == -EACCES) {
                atomic_fetch_add(&ctx->stats.session_failures, 1);
                orc_rl_failure(ctx, ORC_RL_SESSION, r->client, now);
                clear_session_cookie(r);
                orc_reply_error(r, 401, "the session has ended; sign in again");
                return false;
            }
            if (rc < 0) {
                orc_reply_error(r, 503, "the store is unavailable");
                return false;
            }
            /* CSRF: a browser sends the cookie with any request to this
             * origin (SameSite=Strict aside), but only our own page can
             * read the CSRF token (GET /v1/session, same origin, no CORS)
             * and repeat it in a header. */
            const char *x = orc_header(r, "X-CSRF-Token");
            if (is_write(r->method) &&
                (!x || strlen(x) != strlen(r->csrf) || CRYPTO_memcmp(x, r->csrf, strlen(x)))) {
                orc_reply_error(r, 403, "a write with the session cookie needs its CSRF token "
                                        "in X-CSRF-Token");
                return false;
            }
            orc_rl_success(ctx, ORC_RL_SESSION, r->client);
            if (r->scope < rt->scope) {
                orc_reply_error(r, 403, "this needs a token with scope %s (this one has %s)",
                                orc_scope_str(rt->scope), orc_scope_str(r->scope));
                return false;
            }
            goto authenticated;
        }
        if (!auth || strncasecmp(auth, "Bearer ", 7)) {
            orc_reply_error(r, 401, "an API token is required (Authorization: Bearer ...)");
            return false;
        }
        struct orc_conn *c = orc_store_get(&ctx->store);
        int rc = orc_token_check(c, auth + 7, &r->scope, r->token_id, sizeof(r->token_id));
        orc_store_put(&ctx->store, c);
        if (rc == -EACCES) {
            atomic_fetch_add(&ctx->stats.auth_failures, 1);
            orc_rl_failure(ctx, ORC_RL_TOKEN, r->client, now);
            orc_reply_error(r, 401, "invalid API token");
            return false;
        }
        if (rc < 0) {
            orc_reply_error(r, 503, "the store is unavailable");
            return false;
        }
        orc_rl_success(ctx, ORC_RL_TOKEN, r->client);
        if (r->scope < rt->scope) {
            orc_reply_error(r, 403, "this needs a token with scope %s (this one has %s)",
                            orc_scope_str(rt->scope), orc_scope_str(r->scope));
            return false;
        }
    }
authenticated:;

    const char *cl = orc_header(r, "Content-Length");
    const char *te = orc_header(r, "Transfer-Encoding");
    bool has_body = (cl && strcmp(cl, "0")) || te;
    uint64_t limit = rt->body == ORC_BODY_CSV ? ctx->cfg.http.max_import_body
                     : rt->body == ORC_BODY_JSON ? ctx->cfg.http.max_body
                                                 : 0;
    if (!has_body && rt->body != ORC_BODY_NONE) {
        orc_reply_error(r, 400, "a request body is required");
        return false;
    }
    if (has_body) {
        const char *ct = orc_header(r, "Content-Type");
        const char *want = rt->body == ORC_BODY_CSV ? "text/csv" : "application/json";
        /* PATCH also takes RFC 7386's own media type. */
        if (rt->body != ORC_BODY_NONE && !content_type_is(ct, want) &&
            !(rt->body == ORC_BODY_JSON && !strcmp(r->method, "PATCH") &&
              content_type_is(ct, "application/merge-patch+json"))) {
            orc_reply_error(r, 415, "Content-Type must be %s", want);
            return false;
        }
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end || errno || n > limit) {
                orc_reply_error(r, 413, "the body is larger than %llu bytes",
                                (unsigned long long)limit);
                return false;
            }
        }
    }
    return true;
}

static enum MHD_Result finish(struct orc_req *r)
{
    struct orc_ctx *ctx = r->ctx;
    if (r->too_large) {
        orc_reply_error(r, 413, "the body is larger than allowed");
        return send_answer(r);
    }
    if (r->route->body == ORC_BODY_JSON) {
        json_error_t je;
        r->json = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
        if (!r->json) {
            orc_reply_error(r, 400, "bad JSON at line %d column %d: %s", je.line, je.column,
                            je.text);
        } else if (!json_is_object(r->json)) {
            orc_reply_error(r, 400, "the body must be a JSON object");
        }
    }
    if (!r->answered) {
        /* A write and its audit entry are one transaction: a change is
         * never without its entry, and a refused change leaves nothing. */
        bool tx = is_write(r->method);
        r->db = orc_store_get(&ctx->store);
        int rc = tx ? orc_begin(r->db) : 0;
        if (rc < 0) {
            orc_reply_store_error(r, rc == -EBUSY ? rc : -EIO);
        } else {
            r->route->fn(r);
            if (!r->answered)
                orc_reply_error(r, 500, "no answer");
        }
        /* Audited: what an operator's token did, and certificates issued
         * (res_gwapi.c sets token_id "gw:..."); not the gateways' check-ins. */
        bool aud = r->token_id[0] != 0;
        if (tx && rc >= 0) {
            if (r->status < 400) {
                if (aud)
                    audit(r);
                if ((rc = orc_commit(r->db)) < 0) {
                    orc_rollback(r->db);
                    json_decref(r->resp);
                    r->resp = NULL;
                    r->answered = false;
                    r->etag[0] = r->location[0] = 0;
                    orc_reply_store_error(r, rc == -EBUSY ? rc : -EIO);
                    if (aud)
                        audit(r);
                }
            } else {
                orc_rollback(r->db);
                if (aud)
                    audit(r);
            }
        }
    } else if (is_write(r->method) && r->token_id[0]) {
        audit(r);
    }
    if (r->db) {
        orc_store_put(&ctx->store, r->db);
        r->db = NULL;
    }
    return send_answer(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct orc_ctx *ctx = cls;
    struct orc_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->ctx = ctx;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->start_ms = orc_now_ms();
        client_name(conn, r->client, sizeof(r->client));
        *con_cls = r;
        atomic_fetch_add(&ctx->in_flight, 1);
        atomic_fetch_add(&ctx->stats.requests, 1);
        if (!admit(r)) {
            if (is_write(method) && r->token_id[0])
                audit(r); /* refused after authentication (scope, type, size) */
            /* A refusal queued now closes the connection (MHD cannot
             * skip the unread body): right for a body we will not read,
             * wasteful for a GET, whose answer waits for the next call. */
            const char *cl = orc_header(r, "Content-Length");
            if ((cl && strcmp(cl, "0")) || orc_header(r, "Transfer-Encoding"))
                return send_answer(r);
        }
        return MHD_YES;
    }
    if (r->answered) {
        if (*upload_data_size) {
            *upload_data_size = 0; /* discard */
            return MHD_YES;
        }
        return send_answer(r);
    }
    if (*upload_data_size) {
        uint64_t limit = r->route->body == ORC_BODY_CSV ? ctx->cfg.http.max_import_body
                         : r->route->body == ORC_BODY_JSON ? ctx->cfg.http.max_body
                                                           : 0;
        uint64_t tmo = r->route->body == ORC_BODY_CSV ? ctx->cfg.http.import_timeout_ms
                                                      : ctx->cfg.http.request_timeout_ms;
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (orc_now_ms() - r->start_ms > (int64_t)tmo)
            return MHD_NO; /* too slow: the connection is closed */
        if (r->too_large || r->body_len + n > limit) {
            /* chunked body past the limit: stop reading it at all */
            r->too_large = true;
            return MHD_NO;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 4096;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b)
                return MHD_NO;
            r->body = b;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = 0;
        return MHD_YES;
    }
    return finish(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct orc_ctx *ctx = cls;
    struct orc_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    req_free(r);
    atomic_fetch_sub(&ctx->in_flight, 1);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* MHD's URL decoding (RFC 3986 2.1), except that %00 stays as it is: a
 * decoded NUL would end the path early ("/ui/index.html%00.txt" would be
 * "/ui/index.html"); kept, it makes an id or file name that cannot exist. */
static size_t unescape_keep_nul(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *w = s;
    const char *r = s;
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct orc_ctx *ctx = cls;
    if (ctx->cfg.logger.level < ORC_LOG_DEBUG)
        return;
    fprintf(stderr, "xepc-orcd: mhd: ");
    vfprintf(stderr, fmt, ap);
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = 0;
    return buf;
}

int orc_http_start(struct orc_ctx *ctx, char *err, size_t errlen)
{
    struct orc_config *cfg = &ctx->cfg;
    pthread_mutex_init(&ctx->rl_lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (cfg->tls.enabled) {
        flags |= MHD_USE_TLS;
        if (!(ctx->tls_cert = read_file(cfg->tls.cert, err, errlen)) ||
            !(ctx->tls_key = read_file(cfg->tls.key, err, errlen)))
            return -ENOENT;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(cfg->listen.port)};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(cfg->listen.port)};
    const struct sockaddr *sa;
    if (cfg->listen.v6) {
        flags |= MHD_USE_IPv6;
        sin6.sin6_addr = cfg->listen.address;
        sa = (const struct sockaddr *)&sin6;
    } else {
        memcpy(&sin.sin_addr, &cfg->listen.address.s6_addr[12], 4);
        sa = (const struct sockaddr *)&sin;
    }
    ctx->mhd = MHD_start_daemon(
        flags, cfg->listen.port, NULL, NULL, on_request, ctx,
        MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->http.max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((cfg->http.idle_timeout_ms + 999) / 1000),
        /* The request line and headers must fit in the connection's
         * memory pool: past it MHD answers 431 (RFC 6585 section 5). */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->http.max_header,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, ctx,
        cfg->tls.enabled ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, ctx->tls_cert,
        MHD_OPTION_HTTPS_MEM_KEY, ctx->tls_key,
        /* orcd's CA: MHD then asks clients for a certificate (optional;
         * operators present none) that gateway_auth() verifies. */
        ctx->gwca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, ctx->gwca_pem,
        MHD_OPTION_END);
    if (!ctx->mhd) {
        snprintf(err, errlen, "cannot listen on port %u (address in use, or bad TLS key/cert)",
                 cfg->listen.port);
        return -EADDRINUSE;
    }
    return 0;
}

void orc_http_stop(struct orc_ctx *ctx)
{
    if (!ctx->mhd)
        return;
    MHD_socket s = MHD_quiesce_daemon(ctx->mhd);
    if (s != MHD_INVALID_SOCKET)
        close(s);
    int64_t end = orc_now_ms() + (int64_t)ctx->cfg.shutdown_grace_ms;
    while (atomic_load(&ctx->in_flight) > 0 && orc_now_ms() < end)
        usleep(20 * 1000);
    MHD_stop_daemon(ctx->mhd);
    ctx->mhd = NULL;
    free(ctx->tls_cert);
    free(ctx->tls_key);
    ctx->tls_cert = ctx->tls_key = NULL;
    pthread_mutex_destroy(&ctx->rl_lock);
}
