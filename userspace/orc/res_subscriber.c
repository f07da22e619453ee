/* Subscribers: /v1/networks/{network}/subscribers[/{imsi}] and the CSV
 * bulk import POST /v1/networks/{network}/subscribers:import.
 *
 * K and OPc are write-only: stored (the gateways need them for EPS-AKA,
 * TS 33.401 6.1), never returned by the API. */
#include "orc/orc_res.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *hex128(const char *s)
{
    /* TS 35.206 (Milenage): K and OPc are 128 bits. */
    return strlen(s) == 32 && strspn(s, "0123456789abcdefABCDEF") == 32
               ? NULL
               : "must be 32 hex digits (128 bits, TS 35.206)";
}

static const char *amf_check(const char *s)
{
    /* TS 33.102 6.3.2: the AMF is 16 bits. */
    return strlen(s) == 4 && strspn(s, "0123456789abcdefABCDEF") == 4
               ? NULL
               : "must be 4 hex digits (16 bits, TS 33.102 6.3.2)";
}

static const char *msisdn_check(const char *s)
{
    /* TS 23.003 3.3 / E.164: at most 15 digits; "" is none (the default,
     * stored as such: a PATCH or a PUT of what GET returned sends it back) */
    return orc_check_digits(s) ? "an MSISDN is up to 15 decimal digits (E.164), \"\" for none"
                               : NULL;
}

static const char *const sub_states[] = {"active", "suspended", NULL};

static const struct orc_field static_ip_fields[] = {
    {.name = "apn", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 100,
     .check = orc_check_apn_name},
    {.name = "ip", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 7, .max = 15,
     .check = orc_check_ipv4},
    {0}};

static const struct orc_field sub_fields[] = {
    {.name = "imsi", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 6, .max = 15,
     .check = orc_check_imsi, .doc = "IMSI, 6 to 15 digits"},
    {.name = "name", .type = ORC_F_STR, .max = 100, .dflt = "\"\"",
     .doc = "display name (free text: the web UI shows it as text, never as markup)"},
    {.name = "k", .type = ORC_F_STR, .flags = ORC_F_REQUIRED | ORC_F_WRITE_ONLY, .min = 32,
     .max = 32, .check = hex128, .doc = "Milenage K (write-only)"},
    {.name = "opc", .type = ORC_F_STR, .flags = ORC_F_REQUIRED | ORC_F_WRITE_ONLY, .min = 32,
     .max = 32, .check = hex128, .doc = "Milenage OPc (write-only)"},
    {.name = "amf", .type = ORC_F_STR, .min = 4, .max = 4, .check = amf_check,
     .dflt = "\"8000\"", .doc = "authentication management field"},
    {.name = "msisdn", .type = ORC_F_STR, .min = 0, .max = 15, .check = msisdn_check,
     .dflt = "\"\"", .doc = "MSISDN (E.164 digits), \"\" for none"},
    {.name = "state", .type = ORC_F_ENUM, .enums = sub_states, .dflt = "\"active\""},
    {.name = "apns", .type = ORC_F_STRLIST, .flags = ORC_F_UNIQUE, .max = 16,
     .check = orc_check_apn_name, .dflt = "[]",
     .doc = "APN profile: the APNs (ids) this subscriber may use, the first is the default"},
    {.name = "policies", .type = ORC_F_STRLIST, .flags = ORC_F_UNIQUE, .max = 64,
     .check = orc_check_id, .dflt = "[]", .doc = "policy rule ids"},
    {.name = "static_ips", .type = ORC_F_OBJLIST, .max = 16, .sub = static_ip_fields,
     .dflt = "[]"},
    {0}};

/* Every id of `ids` must name an object of kind in net. */
static void refs_exist(struct orc_req *r, const char *net, const char *kind, json_t *ids,
                       const char *field, json_t *errs)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        struct orc_obj o;
        int rc = orc_obj_get(r->db, kind, net, json_string_value(v), &o);
        char path[64];
        snprintf(path, sizeof(path), "%s[%zu]", field, i);
        if (rc == -ENOENT)
            orc_field_error(errs, path, "no %s '%s' in this network", kind, json_string_value(v));
        else if (rc < 0) {
            orc_reply_store_error(r, rc);
            return;
        } else
            orc_obj_free(&o);
    }
}

static void sub_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    json_t *apns = json_object_get(obj, "apns");
    refs_exist(r, net, "apn", apns, "apns", errs);
    refs_exist(r, net, "policy", json_object_get(obj, "policies"), "policies", errs);
    size_t i, j;
    json_t *s, *a;
    json_array_foreach(json_object_get(obj, "static_ips"), i, s) {
        const char *apn = json_string_value(json_object_get(s, "apn"));
        bool found = false;
        json_array_foreach(apns, j, a)
            found |= !strcmp(json_string_value(a), apn);
        if (!found) {
            char path[64];
            snprintf(path, sizeof(path), "static_ips[%zu].apn", i);
            orc_field_error(errs, path, "'%s' is not among the subscriber's apns", apn);
        }
    }
}

static const struct orc_resource sub_desc = {
    .kind = "subscriber",
    .path = "subscribers",
    .id_field = "imsi",
    .id_check = orc_check_imsi,
    .fields = sub_fields,
    .check = sub_check,
};

/* ------------------------------------------------------------- import ---- */

#define IMPORT_BATCH 500
#define IMPORT_MAX_ERRORS 50

/* CSV (RFC 4180 without quoted fields: none of the columns can hold a
 * comma): a header line naming the columns, imsi, k and opc required,
 * amf, msisdn, state, apns (';'-separated) optional. */
static const char *const import_cols[] = {"imsi", "k", "opc", "amf", "msisdn", "state", "apns"};
#define N_COLS 7

struct batch {
    size_t n;
    char *ids[IMPORT_BATCH];
    char *bodies[IMPORT_BATCH];
};

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
        free(b->bodies[i]);
    }
    b->n = 0;
}

static void sub_import(struct orc_req *r)
{
    const char *net = orc_res_network(r);
    if (!net)
        return;
    json_t *errs = json_array();
    /* APN ids known to exist (each looked up once per import). */
    json_t *apn_ids = json_object();
    char *text = r->body, *save = NULL;
    int col_of[N_COLS];
    size_t line = 0, rows = 0;
    struct batch *b = calloc(1, sizeof(*b));
    int rc = 0;
    /* One transaction (orc_http.c opens it for every write): all or
     * nothing. */
    if (!b) {
        orc_reply_error(r, 500, "out of memory");
        goto out;
    }
    for (int i = 0; i < N_COLS; i++)
        col_of[i] = -1;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t len = strlen(ln);
        if (len && ln[len - 1] == '\r')
            ln[--len] = 0;
        if (!len)
            continue;
        char *cells[16];
        int nc = 0;
        /* strtok_r would merge empty cells: split by hand */
        for (char *p = ln;; ) {
            if (nc == 16)
                break;
            cells[nc++] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = 0;
            p = comma + 1;
        }
        char where[32];
        snprintf(where, sizeof(where), "line %zu", line);
        if (line == 1) {
            for (int c = 0; c < nc; c++) {
                int k;
                for (k = 0; k < N_COLS; k++)
                    if (!strcmp(cells[c], import_cols[k]))
                        break;
                if (k == N_COLS)
                    orc_field_error(errs, where, "unknown column '%.40s'", cells[c]);
                else if (col_of[k] >= 0)
                    orc_field_error(errs, where, "column '%s' twice", cells[c]);
                else
                    col_of[k] = c;
            }
            for (int k = 0; k < 3; k++)
                if (col_of[k] < 0)
                    orc_field_error(errs, where, "the header must name column '%s'",
                                    import_cols[k]);
            if (json_array_size(errs))
                break;
            continue;
        }
        json_t *in = json_object();
        for (int k = 0; k < N_COLS; k++) {
            if (col_of[k] < 0 || col_of[k] >= nc || !*cells[col_of[k]])
                continue;
            const char *v = cells[col_of[k]];
            if (k == 6) {
                json_t *l = json_array();
                char *sv = NULL, *dup = strdup(v);
                for (char *t = strtok_r(dup, ";", &sv); t; t = strtok_r(NULL, ";", &sv))
                    json_array_append_new(l, json_string(t));
                free(dup);
                json_object_set_new(in, "apns", l);
            } else {
                json_object_set_new(in, import_cols[k], json_string(v));
            }
        }
        json_t *rowerrs = json_array(), *obj = NULL;
        orc_validate(sub_fields, in, where, true, rowerrs, &obj);
        json_decref(in);
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(obj, "apns"), i, a) {
            const char *id = json_string_value(a);
            if (json_object_get(apn_ids, id))
                continue;
            struct orc_obj ap;
            int g = orc_obj_get(r->db, "apn", net, id, &ap);
            if (g == 0) {
                orc_obj_free(&ap);
                json_object_set_new(apn_ids, id, json_true());
            } else {
                char f[64];
                snprintf(f, sizeof(f), "%s.apns[%zu]", where, i);
                orc_field_error(rowerrs, f, "no apn '%s' in this network", id);
            }
        }
        if (json_array_size(rowerrs)) {
            json_array_extend(errs, rowerrs);
            json_decref(rowerrs);
            json_decref(obj);
            if (json_array_size(errs) >= IMPORT_MAX_ERRORS)
                break;
            continue;
        }
        json_decref(rowerrs);
        if (json_array_size(errs)) { /* keep validating, stop inserting */
            json_decref(obj);
            continue;
        }
        b->ids[b->n] = strdup(json_string_value(json_object_get(obj, "imsi")));
        b->bodies[b->n] = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        b->n++;
        json_decref(obj);
        rows++;
        if (b->n == IMPORT_BATCH) {
            rc = orc_obj_insert_many(r->db, "subscriber", net, b->n,
                                     (const char *const *)b->ids,
                                     (const char *const *)b->bodies, time(NULL));
            batch_clear(b);
            if (rc < 0)
                break;
        }
    }
    if (line == 0)
        orc_field_error(errs, "line 1", "the file is empty (a header line is required)");
    if (rc >= 0 && !json_array_size(errs) && b->n)
        rc = orc_obj_insert_many(r->db, "subscriber", net, b->n, (const char *const *)b->ids,
                                 (const char *const *)b->bodies, time(NULL));
    if (json_array_size(errs)) {
        orc_reply_invalid(r, json_incref(errs));
    } else if (rc == -EEXIST) {
        orc_reply_error(r, 409, "an IMSI of the file already exists; nothing was imported");
    } else if (rc < 0) {
        orc_reply_store_error(r, rc);
    } else {
        snprintf(r->audit_detail, sizeof(r->audit_detail), "imported %zu subscribers", rows);
        orc_reply(r, 200, json_pack("{s:I}", "imported", (json_int_t)rows));
    }
out:
    if (b)
        batch_clear(b);
    free(b);
    json_decref(apn_ids);
    json_decref(errs);
}

const struct orc_route orc_routes_subscriber[] = {
    ORC_RES_ROUTES(sub_desc, "/v1/networks/{network}/subscribers",
                   "/v1/networks/{network}/subscribers/{imsi}"),
    {"POST", "/v1/networks/{network}/subscribers:import", ORC_SCOPE_WRITE, ORC_BODY_CSV,
     sub_import, NULL},
    {0}};
