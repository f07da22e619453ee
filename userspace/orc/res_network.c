/* Networks: /v1/networks[/{id}].  A network is the PLMN an operator runs,
 * its tracking areas, DNS servers and features; every other resource
 * lives under one. */
#include "orc/orc_res.h"

#include <string.h>

static const char *mcc_check(const char *s)
{
    return strlen(s) == 3 && !orc_check_digits(s) ? NULL
                                                  : "an MCC is 3 decimal digits (TS 23.003 2.2)";
}

static const char *mnc_check(const char *s)
{
    size_t n = strlen(s);
    return (n == 2 || n == 3) && !orc_check_digits(s)
               ? NULL
               : "an MNC is 2 or 3 decimal digits (TS 23.003 2.2)";
}

static const struct orc_field plmn_fields[] = {
    {.name = "mcc", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 3, .max = 3,
     .check = mcc_check, .doc = "mobile country code, 3 digits"},
    {.name = "mnc", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 2, .max = 3,
     .check = mnc_check, .doc = "mobile network code, 2 or 3 digits"},
    {0}};

static const struct orc_field feature_fields[] = {
    {.name = "ims", .type = ORC_F_BOOL, .dflt = "false", .doc = "IMS APNs may be configured"},
    {.name = "sms_over_nas", .type = ORC_F_BOOL, .dflt = "false", .doc = "SMS over NAS"},
    {.name = "roaming", .type = ORC_F_BOOL, .dflt = "false", .doc = "inbound roamers accepted"},
    {0}};

static const struct orc_field network_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id, .doc = "the network's id"},
    {.name = "name", .type = ORC_F_STR, .max = 100, .dflt = "\"\"", .doc = "display name"},
    {.name = "description", .type = ORC_F_STR, .max = 1000, .dflt = "\"\""},
    {.name = "plmn", .type = ORC_F_OBJ, .flags = ORC_F_REQUIRED, .sub = plmn_fields},
    /* TS 23.003 19.4.2.3: a TAC is 16 bits. */
    {.name = "tacs", .type = ORC_F_INTLIST, .flags = ORC_F_REQUIRED | ORC_F_UNIQUE, .min = 1,
     .max = 256, .lo = 0, .hi = 65535, .doc = "tracking area codes (16-bit)"},
    {.name = "dns", .type = ORC_F_STRLIST, .flags = ORC_F_UNIQUE, .max = 4,
     .check = orc_check_ipv4, .dflt = "[]", .doc = "DNS servers given to UEs (IPv4)"},
    {.name = "features", .type = ORC_F_OBJ, .sub = feature_fields,
     .dflt = "{\"ims\":false,\"sms_over_nas\":false,\"roaming\":false}"},
    {0}};

const struct orc_resource orc_res_network_desc = {
    .kind = "network",
    .path = "networks",
    .top = true,
    .id_field = "id",
    .id_check = orc_check_id,
    .fields = network_fields,
    .has_children = true,
};

const struct orc_route orc_routes_network[] = {
    ORC_RES_ROUTES(orc_res_network_desc, "/v1/networks", "/v1/networks/{network}"),
    {0}};
