/* Policy and charging: policy rules, base names, rating groups and QoS
 * profiles, each under /v1/networks/{network}/.  The shapes follow the
 * PCC model of TS 23.203 (6.3: PCC rule; 6.1.7: QoS) and the charging
 * model of TS 32.299 (rating groups). */
#include "orc/orc_res.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------- QoS profiles ---- */

static const struct orc_field qos_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "qci", .type = ORC_F_INT, .flags = ORC_F_REQUIRED, .min = 1, .max = 86,
     .icheck = orc_check_qci},
    {.name = "arp", .type = ORC_F_OBJ, .sub = orc_arp_fields,
     .dflt = "{\"priority\":15,\"capability\":false,\"vulnerability\":true}"},
    {.name = "mbr", .type = ORC_F_OBJ, .sub = orc_ambr_fields, .doc = "maximum bit rate"},
    {.name = "gbr", .type = ORC_F_OBJ, .sub = orc_ambr_fields,
     .doc = "guaranteed bit rate (GBR QCIs 1..4, 65..67, 75, 82..85)"},
    {0}};

static bool gbr_qci(json_int_t q)
{
    /* TS 23.203 table 6.1.7-A: resource type GBR. */
    return (q >= 1 && q <= 4) || (q >= 65 && q <= 67) || q == 75 || (q >= 82 && q <= 85);
}

static void qos_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    (void)r;
    (void)net;
    json_int_t q = json_integer_value(json_object_get(obj, "qci"));
    json_t *gbr = json_object_get(obj, "gbr"), *mbr = json_object_get(obj, "mbr");
    if (gbr && !gbr_qci(q))
        orc_field_error(errs, "gbr", "QCI %" JSON_INTEGER_FORMAT " is a non-GBR QCI "
                        "(TS 23.203 table 6.1.7-A)", q);
    if (!gbr && gbr_qci(q))
        orc_field_error(errs, "gbr", "required for the GBR QCI %" JSON_INTEGER_FORMAT, q);
    if (gbr && mbr)
        for (int i = 0; i < 2; i++) {
            const char *d = i ? "dl" : "ul";
            if (json_integer_value(json_object_get(gbr, d)) >
                json_integer_value(json_object_get(mbr, d))) {
                char f[16];
                snprintf(f, sizeof(f), "gbr.%s", d);
                orc_field_error(errs, f, "greater than mbr.%s", d);
            }
        }
}

const struct orc_resource orc_res_qos_profile_desc = {
    .kind = "qos_profile",
    .path = "qos_profiles",
    .id_field = "id",
    .id_check = orc_check_id,
    .fields = qos_fields,
    .check = qos_check,
};

/* ---------------------------------------------------- rating groups ---- */

static const char *rg_id_check(const char *s)
{
    /* TS 32.299 7.2.181: Rating-Group is an Unsigned32. */
    if (!*s || strlen(s) > 10 || orc_check_digits(s) || strtoull(s, NULL, 10) > 4294967295ull ||
        (s[0] == '0' && s[1]))
        return "a rating group is a decimal number 0..4294967295 (TS 32.299 7.2.181)";
    return NULL;
}

static const char *const rg_types[] = {"finite", "unmetered", "metered", NULL};

static const struct orc_field rg_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 10,
     .check = rg_id_check, .doc = "the rating group number"},
    {.name = "limit_type", .type = ORC_F_ENUM, .flags = ORC_F_REQUIRED, .enums = rg_types,
     .doc = "finite: online credit (Gy); unmetered: free; metered: counted, not limited"},
    {.name = "description", .type = ORC_F_STR, .max = 200, .dflt = "\"\""},
    {.name = "quota", .type = ORC_F_INT, .min = 1, .max = INT64_C(1000000000000000),
     .doc = "finite only: the volume (bytes, both directions) a gateway without an OCS "
            "enforces itself per session"},
    {0}};

static void rg_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    (void)r;
    (void)net;
    if (json_object_get(obj, "quota") &&
        strcmp(json_string_value(json_object_get(obj, "limit_type")), "finite"))
        orc_field_error(errs, "quota", "only a finite rating group has a quota");
}

const struct orc_resource orc_res_rating_group_desc = {
    .kind = "rating_group",
    .path = "rating_groups",
    .id_field = "id",
    .id_check = rg_id_check,
    .fields = rg_fields,
    .check = rg_check,
};

/* ----------------------------------------------------- policy rules ---- */

static const char *const directions[] = {"uplink", "downlink", NULL};
static const char *const actions[] = {"permit", "deny", "redirect", NULL};

static const char *cidr_or_any(const char *s)
{
    return !strcmp(s, "any") ? NULL : orc_check_cidr(s);
}

static const struct orc_field flow_fields[] = {
    {.name = "direction", .type = ORC_F_ENUM, .flags = ORC_F_REQUIRED, .enums = directions},
    {.name = "protocol", .type = ORC_F_INT, .min = 0, .max = 255, .dflt = "0",
     .doc = "IP protocol number, 0 = any"},
    {.name = "remote", .type = ORC_F_STR, .min = 3, .max = 18, .check = cidr_or_any,
     .dflt = "\"any\"", .doc = "remote network (CIDR) or any"},
    {.name = "port_lo", .type = ORC_F_INT, .min = 0, .max = 65535, .dflt = "0"},
    {.name = "port_hi", .type = ORC_F_INT, .min = 0, .max = 65535, .dflt = "65535"},
    {0}};

static const char *url_check(const char *s)
{
    return strncmp(s, "http://", 7) && strncmp(s, "https://", 8)
               ? "must be an http:// or https:// URL"
               : strpbrk(s, " \t\r\n\"<>") ? "must not hold spaces, quotes or angle brackets"
                                           : NULL;
}

static const struct orc_field redirect_fields[] = {
    {.name = "url", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 8, .max = 2000,
     .check = url_check},
    {0}};

static const struct orc_field policy_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "precedence", .type = ORC_F_INT, .flags = ORC_F_REQUIRED, .min = 0, .max = 65535,
     .doc = "lower is evaluated first (TS 23.203 6.3.1)"},
    {.name = "flows", .type = ORC_F_OBJLIST, .flags = ORC_F_REQUIRED, .min = 1, .max = 32,
     .sub = flow_fields, .doc = "service data flow filters"},
    {.name = "action", .type = ORC_F_ENUM, .enums = actions, .dflt = "\"permit\""},
    {.name = "redirect", .type = ORC_F_OBJ, .sub = redirect_fields},
    {.name = "rating_group", .type = ORC_F_STR, .min = 1, .max = 10, .check = rg_id_check},
    {.name = "monitoring_key", .type = ORC_F_STR, .min = 1, .max = 64, .check = orc_check_id},
    {.name = "qos_profile", .type = ORC_F_STR, .min = 1, .max = 64, .check = orc_check_id},
    {0}};

static void ref_exists(struct orc_req *r, const char *net, const char *kind, json_t *v,
                       const char *field, json_t *errs)
{
    if (!v)
        return;
    struct orc_obj o;
    int rc = orc_obj_get(r->db, kind, net, json_string_value(v), &o);
    if (rc == -ENOENT)
        orc_field_error(errs, field, "no %s '%s' in this network", kind, json_string_value(v));
    else if (rc < 0)
        orc_reply_store_error(r, rc);
    else
        orc_obj_free(&o);
}

static void policy_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    const char *action = json_string_value(json_object_get(obj, "action"));
    bool redir = json_object_get(obj, "redirect") != NULL;
    if (!strcmp(action, "redirect") && !redir)
        orc_field_error(errs, "redirect", "required when action is redirect");
    if (strcmp(action, "redirect") && redir)
        orc_field_error(errs, "redirect", "only with action redirect");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(obj, "flows"), i, f) {
        if (json_integer_value(json_object_get(f, "port_lo")) >
            json_integer_value(json_object_get(f, "port_hi"))) {
            char p[48];
            snprintf(p, sizeof(p), "flows[%zu].port_lo", i);
            orc_field_error(errs, p, "greater than port_hi");
        }
    }
    ref_exists(r, net, "rating_group", json_object_get(obj, "rating_group"), "rating_group", errs);
    ref_exists(r, net, "qos_profile", json_object_get(obj, "qos_profile"), "qos_profile", errs);
}

const struct orc_resource orc_res_policy_desc = {
    .kind = "policy",
    .path = "policies",
    .id_field = "id",
    .id_check = orc_check_id,
    .fields = policy_fields,
    .check = policy_check,
};

/* ------------------------------------------------------- base names ---- */

static const struct orc_field base_name_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "rules", .type = ORC_F_STRLIST, .flags = ORC_F_REQUIRED | ORC_F_UNIQUE, .max = 256,
     .check = orc_check_id, .doc = "policy rule ids installed together (TS 29.212 charging "
                                   "rule base name)"},
    {0}};

static void base_name_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(obj, "rules"), i, v) {
        char p[32];
        snprintf(p, sizeof(p), "rules[%zu]", i);
        ref_exists(r, net, "policy", v, p, errs);
    }
}

static const struct orc_resource base_name_desc = {
    .kind = "base_name",
    .path = "base_names",
    .id_field = "id",
    .id_check = orc_check_id,
    .fields = base_name_fields,
    .check = base_name_check,
};

const struct orc_route orc_routes_policy[] = {
    ORC_RES_ROUTES(orc_res_policy_desc, "/v1/networks/{network}/policies",
                   "/v1/networks/{network}/policies/{policy}"),
    ORC_RES_ROUTES(base_name_desc, "/v1/networks/{network}/base_names",
                   "/v1/networks/{network}/base_names/{base_name}"),
    ORC_RES_ROUTES(orc_res_rating_group_desc, "/v1/networks/{network}/rating_groups",
                   "/v1/networks/{network}/rating_groups/{rating_group}"),
    ORC_RES_ROUTES(orc_res_qos_profile_desc, "/v1/networks/{network}/qos_profiles",
                   "/v1/networks/{network}/qos_profiles/{qos_profile}"),
    {0}};
