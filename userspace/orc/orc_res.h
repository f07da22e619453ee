/* REST resources described by tables: a resource is a kind, an id rule
 * and a list of fields with their types, ranges and flags; orc_res.c
 * serves every resource the same way (list with keyset paging, get with
 * ETag, create, replace with If-Match, delete) and validates bodies field
 * by field, answering 422 with every bad field named.  A resource group
 * (res_<group>.c) declares its descriptors and its route table. */
#ifndef XEPC_ORC_RES_H
#define XEPC_ORC_RES_H

#include "orc/orc.h"

enum orc_ftype {
    ORC_F_STR,     /* string, length min..max, optional check() */
    ORC_F_INT,     /* integer min..max */
    ORC_F_BOOL,
    ORC_F_ENUM,    /* one of enums[] */
    ORC_F_STRLIST, /* list (at most max items) of strings (1..64 chars, check()) */
    ORC_F_INTLIST, /* list (at most max items) of integers lo..hi, no repeats */
    ORC_F_OBJ,     /* object with the fields of sub[] */
    ORC_F_OBJLIST, /* list (at most max items) of such objects */
    ORC_F_ANY,     /* any JSON object (free-form, e.g. config overrides) */
};

#define ORC_F_REQUIRED 1u   /* must be given on create */
#define ORC_F_WRITE_ONLY 2u /* accepted, stored, never returned (keys) */
#define ORC_F_UNIQUE 4u     /* STRLIST/INTLIST: no repeated items */

struct orc_field {
    const char *name;
    enum orc_ftype type;
    unsigned flags;
    int64_t min, max;          /* INT: value; STR: length; lists: max is the item count */
    int64_t lo, hi;            /* INTLIST items */
    const char *const *enums;  /* ENUM: NULL-terminated */
    const struct orc_field *sub; /* OBJ, OBJLIST: ends with name == NULL */
    /* STR / STRLIST item: NULL if s is acceptable, else why not. */
    const char *(*check)(const char *s);
    /* INT: NULL if v is acceptable (within min..max), else why not. */
    const char *(*icheck)(int64_t v);
    const char *dflt; /* JSON text of the default, or NULL */
    const char *doc;  /* one line for the API document */
};

struct orc_resource {
    const char *kind;     /* store kind: "network", "subscriber", ... */
    const char *path;     /* collection segment: "networks", "subscribers" */
    bool top;             /* /v1/<path>; else /v1/networks/{network}/<path> */
    const char *id_field; /* the field that is the id ("id", "imsi") */
    const char *(*id_check)(const char *id);
    const struct orc_field *fields;
    /* After field validation: cross-field and cross-object checks
     * (references to other resources); add {field, reason} to errs. */
    void (*check)(struct orc_req *r, const char *net, json_t *obj, json_t *errs);
    /* Output decoration (e.g. a gateway's status); may be NULL. */
    void (*render)(struct orc_req *r, const char *net, json_t *obj);
    /* Kinds that live under an object of this kind (refuse delete). */
    bool has_children;
    /* After a delete, in its transaction: remove what hangs off it. */
    int (*deleted)(struct orc_req *r, const char *net, const char *id);
};

/* Generic handlers; the route's arg is the struct orc_resource. */
void orc_res_list(struct orc_req *r);
void orc_res_get(struct orc_req *r);
void orc_res_create(struct orc_req *r);
void orc_res_replace(struct orc_req *r);
void orc_res_delete(struct orc_req *r);
/* PATCH: a JSON Merge Patch (RFC 7386) of the stored resource, validated
 * whole as on create; If-Match as for PUT. */
void orc_res_patch(struct orc_req *r);

/* The six routes of a resource. */
#define ORC_RES_ROUTES(res, collection, item)                                                \
    {"GET", collection, ORC_SCOPE_READ, ORC_BODY_NONE, orc_res_list, &(res)},                \
    {"POST", collection, ORC_SCOPE_WRITE, ORC_BODY_JSON, orc_res_create, &(res)},            \
    {"GET", item, ORC_SCOPE_READ, ORC_BODY_NONE, orc_res_get, &(res)},                       \
    {"PUT", item, ORC_SCOPE_WRITE, ORC_BODY_JSON, orc_res_replace, &(res)},                  \
    {"PATCH", item, ORC_SCOPE_WRITE, ORC_BODY_JSON, orc_res_patch, &(res)},                  \
    {"DELETE", item, ORC_SCOPE_WRITE, ORC_BODY_NONE, orc_res_delete, &(res)}

/* Validates `in` against fields into a new normalized object (*out):
 * unknown fields, wrong types and bad values are added to errs as
 * {"field": prefix+name, "reason": ...}.  create: required fields must be
 * present and defaults are filled. */
void orc_validate(const struct orc_field *fields, json_t *in, const char *prefix, bool create,
                  json_t *errs, json_t **out);
/* The request's body validated as a new object of fields, or NULL
 * (answered 422). */
json_t *orc_body_valid(struct orc_req *r, const struct orc_field *fields);
void orc_field_error(json_t *errs, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The network of a request (first path parameter) or NULL if the network
 * does not exist (404 answered). */
const char *orc_res_network(struct orc_req *r);

/* The gateway of a request (path parameters network, gateway) or NULL
 * if either does not exist (404 answered). */
const char *orc_res_gateway(struct orc_req *r);

/* ?limit=&page_token= of a list request (keyset paging: the token is the
 * hex of the last id of the previous page); false when answered (400). */
bool orc_paging(struct orc_req *r, int *limit, char *after, size_t after_len);
/* Sets "next_page_token" (null when there is no more). */
void orc_page_token(json_t *resp, const char *last, bool more);

/* Checks usable everywhere: NULL when fine, else the reason. */
const char *orc_check_id(const char *s);       /* [A-Za-z0-9_.-]{1,64}, not "." / ".." */
const char *orc_check_imsi(const char *s);     /* TS 23.003 2.2: 6..15 digits */
const char *orc_check_ipv4(const char *s);
const char *orc_check_cidr(const char *s);
const char *orc_check_apn_name(const char *s); /* TS 23.003 9.1 */
const char *orc_check_digits(const char *s);

/* Shared field tables (res_apn.c) and checks. */
extern const struct orc_field orc_ambr_fields[];
extern const struct orc_field orc_arp_fields[];
/* A standardized QCI (TS 23.203 6.1.7.2). */
const char *orc_check_qci(int64_t v);

/* A gateway is stale after this long without a check-in (seconds). */
static inline int64_t orc_gw_stale_s(const struct orc_req *r)
{
    return (int64_t)(r->ctx->cfg.gateways.stale_after_ms / 1000);
}

/* The fleet's part of /metrics (res_fleet.c), appended to b. */
struct strbuf;
int orc_fleet_metrics(struct orc_req *r, struct strbuf *b);

/* A check-in's usage and events (orc_checkin.c), in the check-in's
 * transaction, before its state replaces the previous one. */
int orc_checkin_record(struct orc_req *r, json_t *report, int64_t now);

/* Resource descriptors other groups refer to. */
extern const struct orc_resource orc_res_network_desc;
extern const struct orc_resource orc_res_apn_desc;
extern const struct orc_resource orc_res_policy_desc;
extern const struct orc_resource orc_res_qos_profile_desc;
extern const struct orc_resource orc_res_rating_group_desc;

#endif
