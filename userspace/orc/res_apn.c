/* APNs: /v1/networks/{network}/apns[/{apn}]: AMBR, QCI/ARP, address pools,
 * DNS. */
#include "orc/orc_res.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pdn_types[] = {"ipv4", NULL};

/* S1AP Extended-BitRate (TS 36.413 9.2.1.19a) reaches 4 Tbit/s. */
#define RATE_MAX INT64_C(4000000000000)

const struct orc_field orc_ambr_fields[] = {
    {.name = "ul", .type = ORC_F_INT, .flags = ORC_F_REQUIRED, .min = 1000, .max = RATE_MAX,
     .doc = "uplink bit/s"},
    {.name = "dl", .type = ORC_F_INT, .flags = ORC_F_REQUIRED, .min = 1000, .max = RATE_MAX,
     .doc = "downlink bit/s"},
    {0}};

/* TS 23.401 4.7.3 / TS 36.413 9.2.1.60: priority level 1..15. */
const struct orc_field orc_arp_fields[] = {
    {.name = "priority", .type = ORC_F_INT, .min = 1, .max = 15, .dflt = "15"},
    {.name = "capability", .type = ORC_F_BOOL, .dflt = "false", .doc = "may pre-empt"},
    {.name = "vulnerability", .type = ORC_F_BOOL, .dflt = "true", .doc = "may be pre-empted"},
    {0}};

static const struct orc_field apn_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 100,
     .check = orc_check_apn_name, .doc = "the APN (network identifier, TS 23.003 9.1)"},
    {.name = "pdn_type", .type = ORC_F_ENUM, .enums = pdn_types, .dflt = "\"ipv4\""},
    {.name = "ambr", .type = ORC_F_OBJ, .flags = ORC_F_REQUIRED, .sub = orc_ambr_fields,
     .doc = "APN-AMBR"},
    {.name = "qci", .type = ORC_F_INT, .min = 1, .max = 86, .icheck = orc_check_qci, .dflt = "9",
     .doc = "QCI of the default bearer (TS 23.203 6.1.7.2)"},
    {.name = "arp", .type = ORC_F_OBJ, .sub = orc_arp_fields,
     .dflt = "{\"priority\":15,\"capability\":false,\"vulnerability\":true}"},
    {.name = "pools", .type = ORC_F_STRLIST, .flags = ORC_F_UNIQUE, .max = 16,
     .check = orc_check_cidr, .dflt = "[]", .doc = "UE address pools (IPv4 CIDR)"},
    {.name = "dns", .type = ORC_F_STRLIST, .flags = ORC_F_UNIQUE, .max = 4,
     .check = orc_check_ipv4, .dflt = "[]"},
    {.name = "mtu", .type = ORC_F_INT, .min = 576, .max = 9000, .dflt = "1400"},
    {0}};

/* TS 23.203 6.1.7.2: standardized QCIs 1..9 and 65..86. */
const char *orc_check_qci(int64_t v)
{
    return v > 9 && v < 65 ? "not a standardized QCI (1..9, 65..86; TS 23.203 6.1.7.2)" : NULL;
}

static int cidr_parse(const char *s, uint32_t *net, uint32_t *mask)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    struct in_addr a;
    if (!slash || (size_t)(slash - s) >= sizeof(ip))
        return -1;
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    if (inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    int len = atoi(slash + 1);
    *mask = len ? ~UINT32_C(0) << (32 - len) : 0;
    *net = ntohl(a.s_addr) & *mask;
    return 0;
}

static void apn_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    (void)r;
    (void)net;
    json_t *pools = json_object_get(obj, "pools");
    for (size_t i = 0; i < json_array_size(pools); i++)
        for (size_t j = i + 1; j < json_array_size(pools); j++) {
            uint32_t n1, m1, n2, m2;
            if (cidr_parse(json_string_value(json_array_get(pools, i)), &n1, &m1) ||
                cidr_parse(json_string_value(json_array_get(pools, j)), &n2, &m2))
                continue;
            uint32_t m = m1 & m2;
            if ((n1 & m) == (n2 & m)) {
                char f[32];
                snprintf(f, sizeof(f), "pools[%zu]", j);
                orc_field_error(errs, f, "overlaps pools[%zu]", i);
            }
        }
}

const struct orc_resource orc_res_apn_desc = {
    .kind = "apn",
    .path = "apns",
    .id_field = "id",
    .id_check = orc_check_apn_name,
    .fields = apn_fields,
    .check = apn_check,
};

const struct orc_route orc_routes_apn[] = {
    ORC_RES_ROUTES(orc_res_apn_desc, "/v1/networks/{network}/apns",
                   "/v1/networks/{network}/apns/{apn}"),
    {0}};
