/* xepc-orcd: the orchestrator daemon's context, requests and routes.
 *
 * Requests are served by libmicrohttpd's worker threads (a bounded pool,
 * http.threads); each request is routed through the route tables
 * (orc_routes.c lists them, one table per resource group, each in its own
 * res_<group>.c), authenticated (API token, scope) before its body is
 * read, and handed to its handler with the parsed body and a store
 * connection of its own.  See docs/orchestrator.md. */
#ifndef XEPC_ORC_H
#define XEPC_ORC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "orc/orc_config.h"
#include "orc/orc_store.h"

struct MHD_Daemon;
struct MHD_Connection;

enum orc_scope {
    ORC_SCOPE_PUBLIC, /* no token (health) */
    ORC_SCOPE_READ,
    ORC_SCOPE_WRITE,
    ORC_SCOPE_ADMIN,
    /* Reserved for the gateway-facing routes (mutual TLS, a client
     * certificate from orcd's CA): refused until that part exists. */
    ORC_SCOPE_GATEWAY,
};
const char *orc_scope_str(enum orc_scope s);
/* "read" | "write" | "admin" -> scope; -EINVAL otherwise. */
int orc_scope_parse(const char *s, enum orc_scope *out);

enum orc_body {
    ORC_BODY_NONE, /* a body is refused (413 if non-empty) */
    ORC_BODY_JSON, /* application/json, at most http.max_body */
    ORC_BODY_CSV,  /* text/csv, at most http.max_import_body */
};

struct orc_req;
typedef void (*orc_handler_fn)(struct orc_req *r);

/* One route: METHOD + pattern of '/'-separated segments, where "{name}"
 * captures one non-empty segment (r->param[i], in order). */
struct orc_route {
    const char *method;
    const char *pattern;
    enum orc_scope scope;
    enum orc_body body;
    orc_handler_fn fn;
    const void *arg; /* the handler's own (e.g. a resource descriptor) */
};
#define ORC_MAX_PARAMS 4

/* Every route table, each ending with an entry whose method is NULL. */
extern const struct orc_route *const orc_route_tables[];

/* Brute-force protection per client address, one table per kind of
 * credential: bad API tokens lock the address out of everything; refused
 * web UI session cookies (a stale tab, not a guess: the cookie's secret
 * has 256 bits) are limited on their own and only refuse further
 * cookies, so that they never lock an operator out of tokens or of
 * signing in again. */
enum orc_rl_kind {
    ORC_RL_TOKEN,
    ORC_RL_SESSION,
    ORC_RL_KINDS,
};
#define ORC_RL_SLOTS 1024
struct orc_rl_slot {
    char client[48];
    int64_t window_start_ms, locked_until_ms;
    unsigned failures;
};

struct orc_stats {
    atomic_uint_fast64_t requests, status[6]; /* status[k]: kxx answers */
    atomic_uint_fast64_t auth_failures, lockouts, writes;
    atomic_uint_fast64_t session_failures, session_lockouts;
};

struct orc_gwca;

struct orc_ctx {
    struct orc_config cfg;
    struct orc_gwca *gwca; /* orcd's CA for gateways (res_gwapi.c), NULL: off */
    char *gwca_pem;
    struct orc_store store;
    struct MHD_Daemon *mhd;
    char *tls_cert, *tls_key; /* PEM text, kept for MHD */
    pthread_mutex_t rl_lock;
    struct orc_rl_slot rl[ORC_RL_KINDS][ORC_RL_SLOTS];
    struct orc_stats stats;
    atomic_int in_flight;
};

struct orc_req {
    struct orc_ctx *ctx;
    struct MHD_Connection *conn;
    const char *method, *url;
    const struct orc_route *route;
    char *param[ORC_MAX_PARAMS];
    int n_param;
    int64_t start_ms;
    char client[48];

    char *body; /* NUL-terminated */
    size_t body_len, body_cap;
    bool too_large;
    json_t *json; /* ORC_BODY_JSON: the parsed body */

    enum orc_scope scope; /* of the token */
    char token_id[32];
    char gw_net[72], gw_id[72]; /* ORC_SCOPE_GATEWAY: who the client certificate names */
    struct orc_conn *db;  /* for the handler's duration */

    /* the answer */
    int status;
    json_t *resp;
    char *text;            /* a non-JSON answer (malloc'd), e.g. metrics */
    size_t text_len;       /* its length (0: strlen) */
    const char *text_type; /* its Content-Type */
    bool ui;               /* a web UI page: the UI's Content-Security-Policy */
    char set_cookie[160];

    /* A request authenticated by a web UI session cookie (res_ui.c). */
    char session_key[65]; /* "" : by bearer token (or none) */
    char csrf[65];
    int64_t session_expires;
    char etag[32];
    char location[512];
    char retry_after[24];
    char audit_detail[256];
    bool answered;
};

/* Gateway certificates that verified (orc_http.c), by the SHA-256 of
 * their DER: a hit gives the subject CN and serial (hex) while now <=
 * not_after.  Holds a fleet's worth (32768). */
bool orc_vcache_get(const uint8_t h[32], int64_t now, char cn[160], char serial_hex[65]);
void orc_vcache_put(const uint8_t h[32], int64_t not_after, const char *cn,
                    const char *serial_hex);

/* Two certificate serials in hex (DER octets) are the same number. */
bool orc_serial_eq(const char *a, const char *b);

/* orcd's CA for gateway certificates (res_gwapi.c): loaded from
 * gateways.ca_cert/ca_key when configured. */
int orc_gwca_load(struct orc_ctx *ctx, char *err, size_t errlen);
void orc_gwca_free(struct orc_ctx *ctx);

/* The periodic sweep (xepc-orcd's main thread, orc_checkin.c): a "stale"
 * event for each gateway past gateways.stale_after, and what is past
 * usage.retention and gateways.event_retention deleted.  One transaction
 * on c. */
int orc_sweep(struct orc_ctx *ctx, struct orc_conn *c, int64_t now);

/* ------------------------------------------------------------ server ---- */

int orc_http_start(struct orc_ctx *ctx, char *err, size_t errlen);
/* Stops accepting, waits up to shutdown_grace for requests in flight. */
void orc_http_stop(struct orc_ctx *ctx);
int64_t orc_now_ms(void);

/* ------------------------------------------------------------ answers ---- */

/* The answer is r->status with JSON body j (stolen; NULL: no body). */
void orc_reply(struct orc_req *r, int status, json_t *j);
/* {"error": {"status": N, "message": "..."}} */
void orc_reply_error(struct orc_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 422 with {"error": {..., "fields": [{"field": f, "reason": why}...]}} */
void orc_reply_invalid(struct orc_req *r, json_t *fields);
void orc_reply_store_error(struct orc_req *r, int rc);

/* Query-string value or NULL. */
const char *orc_query(struct orc_req *r, const char *key);
const char *orc_header(struct orc_req *r, const char *key);

/* ------------------------------------------------------------- tokens ---- */

#define ORC_TOKEN_PREFIX "xo_"
#define ORC_TOKEN_MAX_LIFETIME (10LL * 366 * 86400) /* seconds */
/* Creates a token in the store and writes "xo_<id>_<secret>" (at most
 * 100 bytes) into out; the secret is never stored (SHA-256 only).
 * expires_at: Unix time after which it is refused, 0 for never. */
int orc_token_create(struct orc_conn *c, const char *name, enum orc_scope scope,
                     int64_t expires_at, char *out, size_t outlen, char *id_out, size_t id_len);
/* Checks a presented token: 0 with scope and id, -EACCES if unknown,
 * wrong or expired, -EIO on a store failure. */
int orc_token_check(struct orc_conn *c, const char *token, enum orc_scope *scope, char *id_out,
                    size_t id_len);
/* The token with this id still exists and has not expired (a web UI
 * session lives no longer than its token): 0 with its scope, -EACCES,
 * -EIO. */
int orc_token_valid_id(struct orc_conn *c, const char *id, enum orc_scope *scope);

/* The web UI's session cookie (res_ui.c): checks it against the store;
 * 0 with r->scope, token_id, csrf and session_key set, -EACCES (unknown,
 * expired, or its token gone), -EIO. */
#define ORC_SESSION_COOKIE "xo_session"
int orc_session_auth(struct orc_req *r, struct orc_conn *c, const char *cookie);

/* Rate limiter (auth.max_failures within auth.window lock out for
 * auth.lockout): true if the address is locked out for this kind of
 * credential (retry_ms set). */
bool orc_rl_locked(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client, int64_t now_ms,
                   int64_t *retry_ms);
void orc_rl_failure(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client, int64_t now_ms);
void orc_rl_success(struct orc_ctx *ctx, enum orc_rl_kind k, const char *client);

#endif
