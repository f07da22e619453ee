/* Table-driven REST resources (see orc_res.h). */
#include "orc/orc_res.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/hex.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* ------------------------------------------------------------ checks ---- */

const char *orc_check_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return "must be 1 to 64 characters";
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
        return "may hold only letters, digits, '_', '.' and '-'";
    if (s[0] == '.')
        return "must not start with '.'";
    return NULL;
}

const char *orc_check_digits(const char *s)
{
    return strspn(s, "0123456789") == strlen(s) ? NULL : "must be decimal digits";
}

const char *orc_check_imsi(const char *s)
{
    /* TS 23.003 2.2: MCC (3) + MNC (2 or 3) + MSIN, at most 15 digits. */
    size_t n = strlen(s);
    if (n < 6 || n > 15 || orc_check_digits(s))
        return "an IMSI is 6 to 15 decimal digits (TS 23.003 2.2)";
    return NULL;
}

const char *orc_check_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1 ? NULL : "not an IPv4 address (dotted quad)";
}

const char *orc_check_cidr(const char *s)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    struct in_addr a;
    if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1] || strlen(slash + 1) > 2 ||
        orc_check_digits(slash + 1))
        return "not an IPv4 CIDR (a.b.c.d/len)";
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    if (inet_pton(AF_INET, ip, &a) != 1)
        return "not an IPv4 CIDR: bad address";
    unsigned len = (unsigned)atoi(slash + 1);
    if (len < 8 || len > 32)
        return "prefix length out of range 8..32";
    uint32_t mask = len ? ~UINT32_C(0) << (32 - len) : 0;
    if (len < 32 && (ntohl(a.s_addr) & ~mask))
        return "host bits are set";
    return NULL;
}

const char *orc_check_apn_name(const char *s)
{
    /* TS 23.003 9.1: labels of letters, digits and '-' (RFC 1035 2.3.1)
     * separated by '.', at most 100 octets in all. */
    size_t n = strlen(s), label = 0;
    if (n < 1 || n > 100)
        return "an APN is 1 to 100 characters (TS 23.003 9.1)";
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0 || i + 1 == n)
                return "an APN label must not be empty (TS 23.003 9.1)";
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-') {
            label++;
        } else {
            return "an APN holds letters, digits, '-' and '.' only (TS 23.003 9.1)";
        }
    }
    return NULL;
}

/* -------------------------------------------------------- validation ---- */

void orc_field_error(json_t *errs, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (json_array_size(errs) < 100)
        json_array_append_new(errs, json_pack("{s:s,s:s}", "field", field, "reason", msg));
}

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static json_t *check_str(const struct orc_field *f, json_t *v, const char *path, json_t *errs,
                         int64_t minlen, int64_t maxlen)
{
    if (!json_is_string(v)) {
        orc_field_error(errs, path, "expected a string, got %s", jtype(v));
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n) {
        orc_field_error(errs, path, "contains a NUL character");
        return NULL;
    }
    if ((int64_t)n < minlen || (int64_t)n > maxlen) {
        orc_field_error(errs, path, "length %zu is out of range %" PRId64 "..%" PRId64, n, minlen,
                        maxlen);
        return NULL;
    }
    const char *why = f->check ? f->check(s) : NULL;
    if (why) {
        orc_field_error(errs, path, "'%.80s': %s", s, why);
        return NULL;
    }
    return json_incref(v);
}

static json_t *check_value(const struct orc_field *f, json_t *v, const char *path, bool create,
                           json_t *errs)
{
    char ip[192];
    switch (f->type) {
    case ORC_F_STR:
        return check_str(f, v, path, errs, f->min, f->max ? f->max : 256);
    case ORC_F_INT:
        if (!json_is_integer(v)) {
            orc_field_error(errs, path, "expected an integer, got %s", jtype(v));
            return NULL;
        }
        if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
            orc_field_error(errs, path, "%" JSON_INTEGER_FORMAT " is out of range %" PRId64
                            "..%" PRId64, json_integer_value(v), f->min, f->max);
            return NULL;
        }
        if (f->icheck && f->icheck(json_integer_value(v))) {
            orc_field_error(errs, path, "%" JSON_INTEGER_FORMAT ": %s", json_integer_value(v),
                            f->icheck(json_integer_value(v)));
            return NULL;
        }
        return json_incref(v);
    case ORC_F_BOOL:
        if (!json_is_boolean(v)) {
            orc_field_error(errs, path, "expected true or false, got %s", jtype(v));
            return NULL;
        }
        return json_incref(v);
    case ORC_F_ENUM:
        if (json_is_string(v))
            for (const char *const *e = f->enums; *e; e++)
                if (!strcmp(*e, json_string_value(v)))
                    return json_incref(v);
        {
            char list[200] = "";
            for (const char *const *e = f->enums; *e; e++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         e == f->enums ? "" : " | ", *e);
            orc_field_error(errs, path, "must be one of %s", list);
        }
        return NULL;
    case ORC_F_ANY:
        if (!json_is_object(v)) {
            orc_field_error(errs, path, "expected an object, got %s", jtype(v));
            return NULL;
        }
        return json_incref(v);
    case ORC_F_OBJ: {
        json_t *o = NULL;
        if (!json_is_object(v)) {
            orc_field_error(errs, path, "expected an object, got %s", jtype(v));
            return NULL;
        }
        orc_validate(f->sub, v, path, true, errs, &o);
        return o;
    }
    case ORC_F_STRLIST:
    case ORC_F_INTLIST:
    case ORC_F_OBJLIST: {
        if (!json_is_array(v)) {
            orc_field_error(errs, path, "expected a list, got %s", jtype(v));
            return NULL;
        }
        if ((int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max) {
            orc_field_error(errs, path, "%zu items, allowed %" PRId64 "..%" PRId64,
                            json_array_size(v), f->min, f->max);
            return NULL;
        }
        json_t *out = json_array(), *item;
        size_t i;
        bool ok = true;
        json_array_foreach(v, i, item) {
            snprintf(ip, sizeof(ip), "%.160s[%zu]", path, i);
            json_t *c = NULL;
            if (f->type == ORC_F_STRLIST) {
                c = check_str(f, item, ip, errs, 1, 64);
            } else if (f->type == ORC_F_INTLIST) {
                if (!json_is_integer(item))
                    orc_field_error(errs, ip, "expected an integer, got %s", jtype(item));
                else if (json_integer_value(item) < f->lo || json_integer_value(item) > f->hi)
                    orc_field_error(errs, ip, "%" JSON_INTEGER_FORMAT " is out of range %" PRId64
                                    "..%" PRId64, json_integer_value(item), f->lo, f->hi);
                else
                    c = json_incref(item);
            } else if (!json_is_object(item)) {
                orc_field_error(errs, ip, "expected an object, got %s", jtype(item));
            } else {
                orc_validate(f->sub, item, ip, true, errs, &c);
            }
            if (c && (f->flags & ORC_F_UNIQUE)) {
                for (size_t j = 0; j < json_array_size(out); j++)
                    if (json_equal(json_array_get(out, j), c)) {
                        orc_field_error(errs, ip, "repeats an earlier item");
                        json_decref(c);
                        c = NULL;
                        break;
                    }
            }
            if (!c) {
                ok = false;
                continue;
            }
            json_array_append_new(out, c);
        }
        if (!ok) {
            json_decref(out);
            return NULL;
        }
        return out;
    }
    }
    (void)create;
    return NULL;
}

void orc_validate(const struct orc_field *fields, json_t *in, const char *prefix, bool create,
                  json_t *errs, json_t **out)
{
    char path[192];
    json_t *o = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        const struct orc_field *f;
        for (f = fields; f->name; f++)
            if (!strcmp(f->name, key))
                break;
        snprintf(path, sizeof(path), "%.120s%s%.60s", prefix, *prefix ? "." : "", key);
        if (!f->name) {
            orc_field_error(errs, path, "unknown field");
            continue;
        }
        if (json_is_null(v) && !(f->flags & ORC_F_REQUIRED))
            continue; /* null: the default */
        json_t *c = check_value(f, v, path, create, errs);
        if (c)
            json_object_set_new(o, key, c);
    }
    for (const struct orc_field *f = fields; f->name; f++) {
        if (json_object_get(o, f->name) || json_object_get(in, f->name))
            continue;
        snprintf(path, sizeof(path), "%.120s%s%.60s", prefix, *prefix ? "." : "", f->name);
        if ((f->flags & ORC_F_REQUIRED) && (create || !(f->flags & ORC_F_WRITE_ONLY)))
            orc_field_error(errs, path, "required");
        else if (f->dflt)
            json_object_set_new(o, f->name, json_loads(f->dflt, JSON_DECODE_ANY, NULL));
    }
    *out = o;
}

/* ------------------------------------------------------------- output ---- */

static json_t *render_obj(struct orc_req *r, const struct orc_resource *res, const char *net,
                          json_t *o)
{
    for (const struct orc_field *f = res->fields; f->name; f++)
        if (f->flags & ORC_F_WRITE_ONLY)
            json_object_del(o, f->name);
    if (res->render)
        res->render(r, net, o);
    return o;
}

static json_t *render(struct orc_req *r, const struct orc_resource *res, const char *net,
                      const char *body)
{
    json_t *o = json_loads(body, 0, NULL);
    return o ? render_obj(r, res, net, o) : json_object();
}

static void set_etag(struct orc_req *r, int64_t version)
{
    snprintf(r->etag, sizeof(r->etag), "\"%" PRId64 "\"", version);
}

/* If-Match: "*" or "N" (one value); -1 when absent, -2 when malformed. */
static int64_t if_match(struct orc_req *r, const char *hdr)
{
    const char *v = orc_header(r, hdr);
    if (!v)
        return -1;
    if (!strcmp(v, "*"))
        return -3;
    if (!strncmp(v, "W/", 2))
        v += 2;
    char *end;
    if (v[0] != '"' || !v[1] || v[1] == '-')
        return -2;
    long long n = strtoll(v + 1, &end, 10);
    if (end == v + 1 || strcmp(end, "\"") || n < 1)
        return -2;
    return n;
}

/* ------------------------------------------------------------ helpers ---- */

static const struct orc_resource *res_of(struct orc_req *r)
{
    return r->route->arg;
}

const char *orc_res_network(struct orc_req *r)
{
    const char *net = r->param[0];
    const char *why = orc_check_id(net);
    if (why) {
        orc_reply_error(r, 404, "network '%.64s' does not exist", net);
        return NULL;
    }
    struct orc_obj o;
    int rc = orc_obj_get(r->db, "network", "", net, &o);
    if (rc == -ENOENT) {
        orc_reply_error(r, 404, "network '%s' does not exist", net);
        return NULL;
    }
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        return NULL;
    }
    orc_obj_free(&o);
    return net;
}

/* The (network, id) of an item route; NULL when answered (404). */
static bool item_key(struct orc_req *r, const char **net, const char **id)
{
    const struct orc_resource *res = res_of(r);
    if (res->top) {
        *net = "";
        *id = r->param[0];
    } else {
        if (!(*net = orc_res_network(r)))
            return false;
        *id = r->param[1];
    }
    const char *why = res->id_check(*id);
    if (why) {
        /* An id that can never exist (path traversal, SQL, ...) */
        orc_reply_error(r, 404, "no %s '%.64s': %s", res->kind, *id, why);
        return false;
    }
    return true;
}

/* item_key and If-Match of a PUT or DELETE; false when answered. */
static bool write_key(struct orc_req *r, const char **net, const char **id, int64_t *want)
{
    if (!item_key(r, net, id))
        return false;
    *want = if_match(r, "If-Match");
    if (*want == -2) {
        orc_reply_error(r, 400, "If-Match must be one ETag (\"N\") or *");
        return false;
    }
    return true;
}

/* --------------------------------------------------------------- list ---- */

struct list_acc {
    struct orc_req *r;
    const struct orc_resource *res;
    const char *net;
    json_t *items;
    char last[80];
};

static int list_row(void *arg, int ncol, char **cols)
{
    struct list_acc *a = arg;
    (void)ncol;
    json_array_append_new(a->items, render(a->r, a->res, a->net, cols[2]));
    snprintf(a->last, sizeof(a->last), "%s", cols[0]);
    return 0;
}

/* limit and page_token of a list request; false when answered (400). */
bool orc_paging(struct orc_req *r, int *limit, char *after, size_t after_len)
{
    const char *l = orc_query(r, "limit"), *t = orc_query(r, "page_token");
    *limit = PAGE_DEFAULT;
    after[0] = 0;
    if (l) {
        char *end;
        long v = strtol(l, &end, 10);
        if (!*l || *end || v < 1 || v > PAGE_MAX) {
            orc_reply_error(r, 400, "limit must be an integer 1..%d", PAGE_MAX);
            return false;
        }
        *limit = (int)v;
    }
    if (t) {
        /* The token is the hex of the last id of the previous page. */
        uint8_t raw[80];
        int n = hex_decode(t, raw, sizeof(raw) - 1);
        if (n <= 0 || (size_t)n >= after_len) {
            orc_reply_error(r, 400, "bad page_token");
            return false;
        }
        memcpy(after, raw, (size_t)n);
        after[n] = 0;
    }
    return true;
}

void orc_page_token(json_t *resp, const char *last, bool more)
{
    if (!more) {
        json_object_set_new(resp, "next_page_token", json_null());
        return;
    }
    char hex[161];
    hex_encode((const uint8_t *)last, strlen(last), hex);
    json_object_set_new(resp, "next_page_token", json_string(hex));
}

void orc_res_list(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net = "";
    if (!res->top && !(net = orc_res_network(r)))
        return;
    int limit;
    char after[80];
    if (!orc_paging(r, &limit, after, sizeof(after)))
        return;
    struct list_acc a = {r, res, net, json_array(), ""};
    int rc = orc_obj_list(r->db, res->kind, net, after, limit + 1, list_row, &a);
    if (rc < 0) {
        json_decref(a.items);
        orc_reply_store_error(r, rc);
        return;
    }
    bool more = rc > limit;
    if (more) {
        json_array_remove(a.items, (size_t)limit);
        json_t *lastv = json_object_get(json_array_get(a.items, (size_t)limit - 1),
                                        res->id_field);
        snprintf(a.last, sizeof(a.last), "%s", json_string_value(lastv) ? json_string_value(lastv) : "");
    }
    json_t *resp = json_pack("{s:o}", "items", a.items);
    orc_page_token(resp, a.last, more);
    orc_reply(r, 200, resp);
}

/* ---------------------------------------------------------------- get ---- */

void orc_res_get(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net, *id;
    if (!item_key(r, &net, &id))
        return;
    struct orc_obj o;
    int rc = orc_obj_get(r->db, res->kind, net, id, &o);
    if (rc < 0) {
        if (rc == -ENOENT)
            orc_reply_error(r, 404, "no %s '%s'", res->kind, id);
        else
            orc_reply_store_error(r, rc);
        return;
    }
    set_etag(r, o.version);
    int64_t inm = if_match(r, "If-None-Match");
    if (inm == o.version || inm == -3)
        orc_reply(r, 304, NULL);
    else
        orc_reply(r, 200, render(r, res, net, o.body));
    orc_obj_free(&o);
}

/* ------------------------------------------------------------- writes ---- */

/* Fields, then (when res has one) its cross-object check; NULL when
 * answered (422, or the store's error). */
static json_t *validate_in(struct orc_req *r, json_t *in, const struct orc_field *fields,
                           bool create, const struct orc_resource *res, const char *net)
{
    json_t *errs = json_array(), *obj = NULL;
    orc_validate(fields, in, "", create, errs, &obj);
    if (!json_array_size(errs) && res && res->check)
        res->check(r, net, obj, errs);
    if (r->answered) { /* the check failed on the store */
        json_decref(errs);
        json_decref(obj);
        return NULL;
    }
    if (json_array_size(errs)) {
        json_decref(obj);
        orc_reply_invalid(r, errs);
        return NULL;
    }
    json_decref(errs);
    return obj;
}

static json_t *validate_fields(struct orc_req *r, const struct orc_field *fields, bool create,
                               const struct orc_resource *res, const char *net)
{
    return validate_in(r, r->json, fields, create, res, net);
}

json_t *orc_body_valid(struct orc_req *r, const struct orc_field *fields)
{
    return validate_fields(r, fields, true, NULL, NULL);
}

static json_t *validate_body(struct orc_req *r, const struct orc_resource *res, const char *net,
                             bool create)
{
    return validate_fields(r, res->fields, create, res, net);
}

void orc_res_create(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net = "";
    if (!res->top && !(net = orc_res_network(r)))
        return;
    json_t *obj = validate_body(r, res, net, true);
    if (!obj)
        return;
    const char *id = json_string_value(json_object_get(obj, res->id_field));
    const char *why = id ? res->id_check(id) : "required";
    if (why) {
        json_t *errs = json_array();
        orc_field_error(errs, res->id_field, "%s", why);
        orc_reply_invalid(r, errs);
        json_decref(obj);
        return;
    }
    char *body = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = body ? orc_obj_create(r->db, res->kind, net, id, body, time(NULL)) : -ENOMEM;
    free(body);
    if (rc < 0) {
        if (rc == -EEXIST)
            orc_reply_error(r, 409, "%s '%s' already exists", res->kind, id);
        else
            orc_reply_store_error(r, rc);
    } else {
        set_etag(r, 1);
        if (res->top)
            snprintf(r->location, sizeof(r->location), "/v1/%s/%s", res->path, id);
        else
            snprintf(r->location, sizeof(r->location), "/v1/networks/%s/%s/%s", net, res->path,
                     id);
        snprintf(r->audit_detail, sizeof(r->audit_detail), "created %s %s", res->kind, id);
        orc_reply(r, 201, render_obj(r, res, net, json_deep_copy(obj)));
    }
    json_decref(obj);
}

/* The id a PUT or PATCH body gives, if any, is the one in the path;
 * false when answered (422). */
static bool body_id_is(struct orc_req *r, const struct orc_resource *res, const char *id)
{
    json_t *given = json_object_get(r->json, res->id_field);
    if (given && (!json_is_string(given) || strcmp(json_string_value(given), id))) {
        json_t *errs = json_array();
        orc_field_error(errs, res->id_field, "does not match the id in the path ('%s')", id);
        orc_reply_invalid(r, errs);
        return false;
    }
    return true;
}

/* The stored object an update starts from, at the If-Match version if one
 * was given (want >= 0); false when answered (404, 412, 5xx). */
static bool update_base(struct orc_req *r, const struct orc_resource *res, const char *net,
                        const char *id, int64_t want, struct orc_obj *cur)
{
    int rc = orc_obj_get(r->db, res->kind, net, id, cur);
    if (rc == -ENOENT)
        orc_reply_error(r, 404, "no %s '%s'", res->kind, id);
    else if (rc < 0)
        orc_reply_store_error(r, rc);
    else if (want >= 0 && want != cur->version) {
        orc_obj_free(cur);
        orc_reply_store_error(r, -ESTALE);
        rc = -ESTALE;
    }
    return rc == 0;
}

/* Writes obj over cur (which it frees) and answers 200 with it; -ESTALE
 * without an answer when someone wrote in between and the update is
 * unconditional (the caller reads again), else 0 (answered). */
static int update_write(struct orc_req *r, const struct orc_resource *res, const char *net,
                        const char *id, int64_t want, struct orc_obj *cur, json_t *obj,
                        const char *verb)
{
    char *body = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = body ? orc_obj_update(r->db, res->kind, net, id, cur->version, body, time(NULL))
                  : -ENOMEM;
    free(body);
    int64_t v = cur->version;
    orc_obj_free(cur);
    if (rc == -ESTALE && want < 0)
        return -ESTALE;
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        return 0;
    }
    set_etag(r, v + 1);
    snprintf(r->audit_detail, sizeof(r->audit_detail), "%s %s %s", verb, res->kind, id);
    orc_reply(r, 200, render_obj(r, res, net, json_deep_copy(obj)));
    return 0;
}

void orc_res_replace(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net, *id;
    int64_t want;
    if (!write_key(r, &net, &id, &want) || !body_id_is(r, res, id))
        return;
    json_object_set_new(r->json, res->id_field, json_string(id));
    json_t *obj = validate_body(r, res, net, false);
    if (!obj)
        return;
    /* Without If-Match a write made in between is replaced again. */
    for (int attempt = 0; attempt < 3 && !r->answered; attempt++) {
        struct orc_obj cur;
        if (!update_base(r, res, net, id, want, &cur))
            break;
        /* Write-only fields that the body leaves out keep their values:
         * a client cannot read them back, so a read-modify-write must not
         * lose them. */
        json_t *old = json_loads(cur.body, 0, NULL);
        for (const struct orc_field *f = res->fields; f->name; f++)
            if ((f->flags & ORC_F_WRITE_ONLY) && !json_object_get(obj, f->name) && old &&
                json_object_get(old, f->name))
                json_object_set(obj, f->name, json_object_get(old, f->name));
        json_decref(old);
        update_write(r, res, net, id, want, &cur, obj, "replaced");
    }
    if (!r->answered)
        orc_reply_error(r, 409, "concurrent updates; retry");
    json_decref(obj);
}

void orc_res_delete(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net, *id;
    int64_t want;
    if (!write_key(r, &net, &id, &want))
        return;
    if (res->has_children) {
        int64_t n = orc_obj_count(r->db, NULL, id);
        if (n < 0) {
            orc_reply_store_error(r, (int)n);
            return;
        }
        if (n > 0) {
            orc_reply_error(r, 409, "%s '%s' still holds %" PRId64 " resources; delete them first",
                            res->kind, id, n);
            return;
        }
    }
    int rc = orc_obj_delete(r->db, res->kind, net, id, want >= 0 ? want : -1);
    if (rc == -ENOENT) {
        orc_reply_error(r, 404, "no %s '%s'", res->kind, id);
        return;
    }
    if (rc == 0 && res->deleted)
        rc = res->deleted(r, net, id);
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->audit_detail, sizeof(r->audit_detail), "deleted %s %s", res->kind, id);
    orc_reply(r, 204, NULL);
}

/* ------------------------------------------------------------- patch ---- */

/* RFC 7386 (JSON Merge Patch) section 2: members of patch replace those
 * of target, objects merge recursively, null removes a member. */
static void merge_patch(json_t *target, json_t *patch)
{
    const char *key;
    json_t *v;
    json_object_foreach(patch, key, v) {
        json_t *t = json_object_get(target, key);
        if (json_is_null(v))
            json_object_del(target, key);
        else if (json_is_object(v) && json_is_object(t))
            merge_patch(t, v);
        else
            json_object_set_new(target, key, json_deep_copy(v));
    }
}

void orc_res_patch(struct orc_req *r)
{
    const struct orc_resource *res = res_of(r);
    const char *net, *id;
    int64_t want;
    if (!write_key(r, &net, &id, &want) || !body_id_is(r, res, id))
        return;
    /* Read, merge, validate the whole result, write it if nobody wrote
     * in between (the version is the ETag); without If-Match a change
     * made meanwhile is merged into again. */
    for (int attempt = 0; attempt < 3 && !r->answered; attempt++) {
        struct orc_obj cur;
        if (!update_base(r, res, net, id, want, &cur))
            return;
        json_t *merged = json_loads(cur.body, 0, NULL);
        if (!merged)
            merged = json_object();
        merge_patch(merged, r->json);
        json_object_set_new(merged, res->id_field, json_string(id));
        json_t *obj = validate_in(r, merged, res->fields, true, res, net);
        json_decref(merged);
        if (!obj) {
            orc_obj_free(&cur);
            return;
        }
        update_write(r, res, net, id, want, &cur, obj, "updated");
        json_decref(obj);
    }
    if (!r->answered)
        orc_reply_error(r, 409, "concurrent updates; retry");
}
