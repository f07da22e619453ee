/* Operator administration and the daemon itself: health, API tokens
 * (admin scope), the audit log (admin scope), Prometheus metrics. */
#include "orc/orc_res.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strbuf.h"

static void health(struct orc_req *r)
{
    orc_reply(r, 200, json_pack("{s:s,s:s,s:i}", "status", "ok", "store",
                                r->ctx->store.be->name, "schema_version",
                                r->ctx->store.schema_version));
}

/* ------------------------------------------------------------ tokens ---- */

static const char *const scopes[] = {"read", "write", "admin", NULL};
static const struct orc_field token_fields[] = {
    {.name = "name", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 100,
     .doc = "what the token is for"},
    {.name = "scope", .type = ORC_F_ENUM, .flags = ORC_F_REQUIRED, .enums = scopes},
    {.name = "lifetime", .type = ORC_F_INT, .min = 1, .max = ORC_TOKEN_MAX_LIFETIME,
     .doc = "seconds until the token expires; absent or null: it does not"},
    {0}};

static json_t *expiry_json(int64_t expires_at)
{
    return expires_at > 0 ? json_integer(expires_at) : json_null();
}

static void token_create(struct orc_req *r)
{
    json_t *obj = orc_body_valid(r, token_fields);
    if (!obj)
        return;
    enum orc_scope sc;
    orc_scope_parse(json_string_value(json_object_get(obj, "scope")), &sc);
    char tok[128], id[32];
    const char *name = json_string_value(json_object_get(obj, "name"));
    json_t *lt = json_object_get(obj, "lifetime");
    int64_t expires_at = lt ? (int64_t)time(NULL) + json_integer_value(lt) : 0;
    int rc = orc_token_create(r->db, name, sc, expires_at, tok, sizeof(tok), id, sizeof(id));
    if (rc < 0) {
        json_decref(obj);
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->audit_detail, sizeof(r->audit_detail), "created token %s (%s)", id,
             orc_scope_str(sc));
    snprintf(r->location, sizeof(r->location), "/v1/tokens/%s", id);
    /* The token itself is shown once, here; only its hash is kept. */
    orc_reply(r, 201, json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "name", name, "scope",
                                orc_scope_str(sc), "token", tok, "expires_at",
                                expiry_json(expires_at)));
    json_decref(obj);
}

static int token_row(void *arg, int ncol, char **cols)
{
    (void)ncol;
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:I,s:o}", "id", cols[0], "name", cols[1],
                                         "scope", cols[2], "created_at",
                                         (json_int_t)strtoll(cols[3], NULL, 10), "expires_at",
                                         expiry_json(cols[4] ? strtoll(cols[4], NULL, 10) : 0)));
    return 0;
}

static void token_list(struct orc_req *r)
{
    json_t *items = json_array();
    int rc = orc_token_list(r->db, token_row, items);
    if (rc < 0) {
        json_decref(items);
        orc_reply_store_error(r, rc);
        return;
    }
    orc_reply(r, 200, json_pack("{s:o,s:n}", "items", items, "next_page_token"));
}

static void token_delete(struct orc_req *r)
{
    const char *id = r->param[0];
    int rc = strlen(id) == 12 && strspn(id, "0123456789abcdef") == 12
                 ? orc_token_delete(r->db, id)
                 : -ENOENT;
    if (rc == -ENOENT) {
        orc_reply_error(r, 404, "no token '%.32s'", id);
        return;
    }
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->audit_detail, sizeof(r->audit_detail), "revoked token %s", id);
    orc_reply(r, 204, NULL);
}

/* ------------------------------------------------------------- audit ---- */

struct audit_acc {
    json_t *items;
    int64_t last;
};

static int audit_row(void *arg, int ncol, char **cols)
{
    struct audit_acc *a = arg;
    (void)ncol;
    a->last = strtoll(cols[0], NULL, 10);
    json_array_append_new(
        a->items, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:i,s:s}", "seq", (json_int_t)a->last, "at",
                            (json_int_t)strtoll(cols[1], NULL, 10), "token_id", cols[2],
                            "client", cols[3], "method", cols[4], "path", cols[5], "status",
                            atoi(cols[6]), "detail", cols[7] ? cols[7] : ""));
    return 0;
}

static void audit_list(struct orc_req *r)
{
    int limit;
    char after[80];
    if (!orc_paging(r, &limit, after, sizeof(after)))
        return;
    int64_t from = 0;
    if (after[0]) {
        char *end;
        from = strtoll(after, &end, 10);
        if (*end || from < 0) {
            orc_reply_error(r, 400, "bad page_token");
            return;
        }
    }
    struct audit_acc a = {json_array(), 0};
    int rc = orc_audit_list(r->db, from, limit + 1, audit_row, &a);
    if (rc < 0) {
        json_decref(a.items);
        orc_reply_store_error(r, rc);
        return;
    }
    bool more = rc > limit;
    char last[32] = "";
    if (more) {
        json_array_remove(a.items, (size_t)limit);
        snprintf(last, sizeof(last), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(json_array_get(a.items, (size_t)limit - 1),
                                                    "seq")));
    }
    json_t *resp = json_pack("{s:o}", "items", a.items);
    orc_page_token(resp, last, more);
    orc_reply(r, 200, resp);
}

/* ----------------------------------------------------------- metrics ---- */

static void metrics(struct orc_req *r)
{
    struct orc_stats *s = &r->ctx->stats;
    struct strbuf b = {0};
    strbuf_printf(&b, "# HELP xepc_orc_requests_total HTTP requests received.\n"
                      "# TYPE xepc_orc_requests_total counter\n"
                      "xepc_orc_requests_total %" PRIuFAST64 "\n",
                  atomic_load(&s->requests));
    strbuf_printf(&b, "# HELP xepc_orc_responses_total HTTP answers by status class.\n"
                      "# TYPE xepc_orc_responses_total counter\n");
    for (int k = 1; k < 6; k++)
        strbuf_printf(&b, "xepc_orc_responses_total{class=\"%dxx\"} %" PRIuFAST64 "\n", k,
                      atomic_load(&s->status[k]));
    strbuf_printf(&b, "# HELP xepc_orc_auth_failures_total Requests with an invalid token.\n"
                      "# TYPE xepc_orc_auth_failures_total counter\n"
                      "xepc_orc_auth_failures_total %" PRIuFAST64 "\n"
                      "# HELP xepc_orc_lockouts_total Addresses locked out after bad tokens.\n"
                      "# TYPE xepc_orc_lockouts_total counter\n"
                      "xepc_orc_lockouts_total %" PRIuFAST64 "\n"
                      "# HELP xepc_orc_session_failures_total Requests with an ended or "
                      "unknown web UI session cookie.\n"
                      "# TYPE xepc_orc_session_failures_total counter\n"
                      "xepc_orc_session_failures_total %" PRIuFAST64 "\n"
                      "# HELP xepc_orc_session_lockouts_total Addresses refused session "
                      "cookies after too many ended ones.\n"
                      "# TYPE xepc_orc_session_lockouts_total counter\n"
                      "xepc_orc_session_lockouts_total %" PRIuFAST64 "\n"
                      "# HELP xepc_orc_writes_total Audited write requests.\n"
                      "# TYPE xepc_orc_writes_total counter\n"
                      "xepc_orc_writes_total %" PRIuFAST64 "\n",
                  atomic_load(&s->auth_failures), atomic_load(&s->lockouts),
                  atomic_load(&s->session_failures), atomic_load(&s->session_lockouts),
                  atomic_load(&s->writes));
    int rc = orc_fleet_metrics(r, &b);
    if (rc < 0) {
        strbuf_free(&b);
        orc_reply_store_error(r, rc);
        return;
    }
    if (b.oom) {
        strbuf_free(&b);
        orc_reply_error(r, 500, "out of memory");
        return;
    }
    r->text = b.buf;
    r->text_type = "text/plain; version=0.0.4";
    orc_reply(r, 200, NULL);
}

const struct orc_route orc_routes_admin[] = {
    {"GET", "/healthz", ORC_SCOPE_PUBLIC, ORC_BODY_NONE, health, NULL},
    {"GET", "/metrics", ORC_SCOPE_READ, ORC_BODY_NONE, metrics, NULL},
    {"GET", "/v1/tokens", ORC_SCOPE_ADMIN, ORC_BODY_NONE, token_list, NULL},
    {"POST", "/v1/tokens", ORC_SCOPE_ADMIN, ORC_BODY_JSON, token_create, NULL},
    {"DELETE", "/v1/tokens/{id}", ORC_SCOPE_ADMIN, ORC_BODY_NONE, token_delete, NULL},
    {"GET", "/v1/audit", ORC_SCOPE_ADMIN, ORC_BODY_NONE, audit_list, NULL},
    {0}};
