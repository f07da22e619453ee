/* The orchestrator's policy objects and APN values enforced by agwd
 * (docs/orchestrator.md "What the gateway enforces").
 *
 * orc_apply.c keeps every object orcd syncs in orc_object (the last good
 * configuration on disk).  Here, on the loop, after each sync that changed
 * something and once at start, they are mapped onto what agwd enforces:
 *
 *   policy        a rule of the effective `policy.rules` (agw_policy.h),
 *                 named by its id: flows as IPFilterRules (TS 29.212
 *                 5.4.2), precedences in orcd's order (put_rules),
 *                 permit/deny as Flow-Status ENABLED/DISABLED (5.3.48),
 *                 redirect to the datapath's portal, the rating group, the
 *                 monitoring key, the QoS profile's MBR as the rule's MBR;
 *                 more than 4 flows as one rule per 4 ("id", "id/2" ...)
 *   base_name     a base name of `policy.base_names`
 *   rating_group  a rating group of `policy.rating_groups`: finite with a
 *                 quota (bytes) is enforced by the kernel; finite without
 *                 one is counted as metered
 *   subscriber    its `policies`: the rules its PDN connections get, with
 *                 those of policy.static, when there is no PCRF
 *   apn           DNS (or the network's), MTU, APN-AMBR, QCI and ARP of the
 *                 APN of that name (orc_apn.c: orcd's own APNs, the pools)
 *   network       the PLMN and TACs served (orc_network.c)
 *
 * Precedence: what orcd defines replaces what the YAML file defines under
 * the same name (rule, base name, rating group id, APN); the YAML file is
 * the fallback for everything orcd does not have, and comes back when
 * orcd deletes its object.  What applies is read when a PDN connection is
 * created; when the rules, base names or rating groups changed, the
 * running sessions get them too (without a PCRF), a finite quota keeping
 * what is left of it; a subscriber's own list and the APN values reach its
 * next session (docs/orchestrator.md). */
#include "agw/agw_orc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "dp/dp.h"

static void why_add(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_add(char *why, size_t whylen, const char *fmt, ...)
{
    size_t used = strnlen(why, whylen);
    if (used + 1 >= whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + used, whylen - used, fmt, ap);
    va_end(ap);
}

/* Calls fn on the body of every orc_object of kind (parsed). */
static int each_obj(struct agw_db *db, const char *kind,
                    void (*fn)(const char *id, json_t *body, void *arg), void *arg)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT id, body FROM orc_object WHERE kind = ? ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *j = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
        if (json_is_object(j))
            fn((const char *)sqlite3_column_text(s, 0), j, arg);
        json_decref(j);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static json_t *obj_get(struct agw_db *db, const char *kind, const char *id)
{
    sqlite3_stmt *s = NULL;
    json_t *j = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT body FROM orc_object WHERE kind = ? AND id = ?", -1,
                           &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        j = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    sqlite3_finalize(s);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* --------------------------------------------------------- policy ---- */

struct orc_rule_in;
struct build {
    struct agw_db *db;
    struct agw_policy *p;
    char *why;
    size_t whylen;
    unsigned skipped;
    struct orc_rule_in *in;         /* orcd's rules, collected */
    size_t n_in, cap_in;
    struct in_addr portal;          /* the redirect rules' portal */
    struct in_addr fallback_portal; /* diameter.gy.portal */
};

/* One flow of orcd ({direction, protocol, remote, port_lo, port_hi}) as an
 * IPFilterRule of TS 29.212 5.4.2 written for the rule's direction (dir 2:
 * the uplink form, from the UE; otherwise the downlink form, to it). */
static int flow_text(json_t *f, uint32_t dir, char *out, size_t cap)
{
    json_int_t proto = json_integer_value(json_object_get(f, "protocol"));
    const char *remote = json_string_value(json_object_get(f, "remote"));
    json_t *jl = json_object_get(f, "port_lo"), *jh = json_object_get(f, "port_hi");
    json_int_t lo = jl ? json_integer_value(jl) : 0, hi = jh ? json_integer_value(jh) : 65535;
    if (proto < 0 || proto > 255 || lo < 0 || hi > 65535 || lo > hi)
        return -EINVAL;
    if (!remote)
        remote = "any";
    char p[8], ports[16] = "";
    if (proto == 0)
        snprintf(p, sizeof(p), "ip");
    else
        snprintf(p, sizeof(p), "%d", (int)proto);
    if (lo != 0 || hi != 65535) {
        if (proto != 6 && proto != 17 && proto != 132)
            return -EINVAL;     /* ports without a protocol that has them */
        if (lo == hi)
            snprintf(ports, sizeof(ports), " %d", (int)lo);
        else
            snprintf(ports, sizeof(ports), " %d-%d", (int)lo, (int)hi);
    }
    int n = dir == 2 ? snprintf(out, cap, "permit out %s from assigned to %s%s", p, remote, ports)
                     : snprintf(out, cap, "permit out %s from %s%s to assigned", p, remote, ports);
    if (n < 0 || (size_t)n >= cap)
        return -EINVAL;
    return agw_ipfilter_check(out);
}

/* orcd's redirect.url: the portal, an IPv4 address as its host
 * ("http://10.99.0.80/", "10.99.0.80:8080"); 0 when it has none. */
int orc_redirect_portal(const char *url, struct in_addr *portal)
{
    char host[INET_ADDRSTRLEN];
    const char *h = url ? strstr(url, "://") : NULL;
    h = h ? h + 3 : url;
    portal->s_addr = 0;
    if (!h)
        return -EINVAL;
    size_t n = strcspn(h, ":/?#");
    if (n == 0 || n >= sizeof(host))
        return -EINVAL;
    memcpy(host, h, n);
    host[n] = 0;
    return inet_pton(AF_INET, host, portal) == 1 ? 0 : -EINVAL;
}

/* One orcd rule as it comes (before the precedences are given). */
struct orc_rule_in {
    const char *id;
    json_t *j;
    json_int_t prec;
};

static int rule_in_cmp(const void *a, const void *b)
{
    const struct orc_rule_in *x = a, *y = b;
    if (x->prec != y->prec)
        return x->prec < y->prec ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* A rule of up to 32 flows is installed as one rule per 4 flows (the
 * datapath gives each rule 4 dp precedences by its rank, gx_rules_to_dp):
 * "id", "id/2", "id/3" ... ('/' is not in orcd's ids), with consecutive
 * precedences, the same action, rating group, monitoring key and QoS. */
#define ORC_RULE_PARTS ((32 + AGW_PCC_MAX_FLOWS - 1) / AGW_PCC_MAX_FLOWS)

static unsigned parts_of(json_t *j)
{
    size_t n = json_array_size(json_object_get(j, "flows"));
    return (unsigned)((n + AGW_PCC_MAX_FLOWS - 1) / AGW_PCC_MAX_FLOWS);
}

/* Part k of rule id, precedence prec (the gateway's 1..16382). */
static int rule_of(struct build *b, const char *id, json_t *j, unsigned k, uint32_t prec,
                   struct agw_pcc_rule *r)
{
    memset(r, 0, sizeof(*r));
    int len = k ? snprintf(r->name, sizeof(r->name), "%s/%u", id, k + 1)
                : snprintf(r->name, sizeof(r->name), "%s", id);
    if (len < 0 || (size_t)len >= sizeof(r->name))
        return -ENAMETOOLONG;
    r->precedence = prec;
    const char *action = json_string_value(json_object_get(j, "action"));
    /* TS 29.212 5.3.48 Flow-Status: permit ENABLED, deny DISABLED; a
     * redirect (5.3.82 Redirect-Information) sends the uplink to the
     * datapath's portal (as Gy's final-unit REDIRECT, RFC 4006 5.6.2) */
    if (!action || !strcmp(action, "permit"))
        r->action = AGW_PCC_PASS;
    else if (!strcmp(action, "deny"))
        r->action = AGW_PCC_DROP;
    else if (!strcmp(action, "redirect"))
        r->action = AGW_PCC_REDIRECT;
    else
        return -EOPNOTSUPP;
    json_t *flows = json_object_get(j, "flows"), *f;
    size_t i, n = json_array_size(flows);
    /* a session holds DP_MAX_RULES - 1 dp rules of PCC rules
     * (gx_local_spec): one rule cannot have more flows */
    if (!n || n > DP_MAX_RULES - 1)
        return -E2BIG;
    bool ul = false, dl = false;
    json_array_foreach(flows, i, f) {
        const char *d = json_string_value(json_object_get(f, "direction"));
        ul |= d && !strcmp(d, "uplink");
        dl |= !d || strcmp(d, "uplink");
    }
    /* TS 29.212 5.3.65 Flow-Direction: 1 DOWNLINK, 2 UPLINK, 3 both (a
     * rule whose flows go both ways applies each of them both ways) */
    r->direction = ul && dl ? 3 : ul ? 2 : 1;
    for (i = k * AGW_PCC_MAX_FLOWS; i < n && r->n_flows < AGW_PCC_MAX_FLOWS; i++) {
        if (flow_text(json_array_get(flows, i), r->direction, r->flows[r->n_flows],
                      sizeof(r->flows[0])) < 0)
            return -EINVAL;
        r->n_flows++;
    }
    const char *rg = json_string_value(json_object_get(j, "rating_group"));
    if (rg) {
        char *end;
        unsigned long long v = strtoull(rg, &end, 10);
        if (*end || v > UINT32_MAX)
            return -EINVAL;
        r->rating_group = (uint32_t)v;  /* 0: none */
    }
    const char *mk = json_string_value(json_object_get(j, "monitoring_key"));
    if (mk)
        snprintf(r->monitoring_key, sizeof(r->monitoring_key), "%s", mk);
    const char *qp = json_string_value(json_object_get(j, "qos_profile"));
    if (qp) {
        /* the profile's MBR as the rule's Max-Requested-Bandwidth
         * (TS 29.212 5.3.15, Unsigned32 bit/s) */
        json_t *q = obj_get(b->db, "qos_profile", qp);
        json_t *mbr = json_object_get(q, "mbr");
        json_int_t ul_bps = json_integer_value(json_object_get(mbr, "ul"));
        json_int_t dl_bps = json_integer_value(json_object_get(mbr, "dl"));
        r->mbr_ul_bps = ul_bps > 4000000000 ? 4000000000u : (uint64_t)(ul_bps > 0 ? ul_bps : 0);
        r->mbr_dl_bps = dl_bps > 4000000000 ? 4000000000u : (uint64_t)(dl_bps > 0 ? dl_bps : 0);
        json_decref(q);
    }
    return 0;
}

static const char *rule_err_str(int rc)
{
    switch (rc) {
    case -ERANGE: return "no precedence left below 16383 for it";
    case -EOPNOTSUPP: return "an action the gateway does not know";
    case -E2BIG: return "more than 15 flows (a session's datapath rules)";
    case -ENAMETOOLONG: return "its id is too long for a rule in parts";
    case -EADDRNOTAVAIL: return "redirect without an IPv4 portal (redirect.url's host, "
                                "or diameter.gy.portal)";
    case -EADDRINUSE: return "redirect to another portal than the first redirect rule's "
                             "(the datapath has one)";
    default: return "a flow the datapath does not take";
    }
}

static void put_rule(struct build *b, const struct agw_pcc_rule *r)
{
    struct agw_policy *p = b->p;
    const struct agw_pcc_rule *old = agw_policy_rule(p, r->name);
    if (old) {
        p->rules[old - p->rules] = *r;  /* orcd's replaces the YAML file's */
        return;
    }
    if (p->n_rules >= AGW_MAX_PCC_RULES) {
        b->skipped++;
        why_add(b->why, b->whylen, "policy '%s' not enforced: more than %d rules; ", r->name,
                AGW_MAX_PCC_RULES);
        return;
    }
    p->rules[p->n_rules++] = *r;
}

static void collect_rule(const char *id, json_t *j, void *arg)
{
    struct build *b = arg;
    if (b->n_in >= b->cap_in)
        return;
    b->in[b->n_in].id = strdup(id);
    b->in[b->n_in].j = json_incref(j);
    b->in[b->n_in].prec = json_integer_value(json_object_get(j, "precedence"));
    if (b->in[b->n_in].id)
        b->n_in++;
    else
        json_decref(j);
}

/* Is the rule's redirect one the datapath can do?  Its portal, the first
 * redirect rule's (in precedence order), set in b->portal. */
static int portal_of(struct build *b, json_t *j)
{
    const char *action = json_string_value(json_object_get(j, "action"));
    if (!action || strcmp(action, "redirect"))
        return 0;
    struct in_addr a;
    const char *url = json_string_value(json_object_get(json_object_get(j, "redirect"), "url"));
    if (orc_redirect_portal(url, &a) < 0)
        a = b->fallback_portal;
    if (!a.s_addr)
        return -EADDRNOTAVAIL;
    if (b->portal.s_addr && b->portal.s_addr != a.s_addr)
        return -EADDRINUSE;
    b->portal = a;
    return 0;
}

/* orcd's rules in precedence order (ties by id), every part given a
 * distinct precedence of the gateway's 1..16382 that keeps that order:
 * orcd's precedence + 1 where it is free (what it was before, so that
 * the order against the YAML file's rules stays), else the next free one;
 * room is kept at the top for every part still to come, so that orcd's
 * 16382..65535 become the highest the gateway has, in their order. */
static void put_rules(struct build *b)
{
    qsort(b->in, b->n_in, sizeof(*b->in), rule_in_cmp);
    unsigned left = 0;
    for (size_t i = 0; i < b->n_in; i++)
        left += parts_of(b->in[i].j);
    uint32_t next = 1;
    for (size_t i = 0; i < b->n_in; i++) {
        const char *id = b->in[i].id;
        json_t *j = b->in[i].j;
        unsigned np = parts_of(j);
        struct agw_pcc_rule r[ORC_RULE_PARTS];
        int rc = np <= ORC_RULE_PARTS ? portal_of(b, j) : -E2BIG;
        unsigned after = left - np;     /* the parts of the rules still to come */
        left = after;
        for (unsigned k = 0; rc == 0 && k < np; k++) {
            json_int_t want = b->in[i].prec < 0 ? 0 : b->in[i].prec + 1;
            json_int_t top = 16382 - (json_int_t)(after + np - 1 - k);
            if (want > top)
                want = top;
            uint32_t prec = want > (json_int_t)next ? (uint32_t)want : next;
            if (prec > 16382) {
                rc = -ERANGE;
                break;
            }
            next = prec + 1;
            rc = rule_of(b, id, j, k, prec, &r[k]);
        }
        if (rc < 0) {
            b->skipped++;
            why_add(b->why, b->whylen, "policy '%s' not enforced: %s; ", id, rule_err_str(rc));
            continue;
        }
        for (unsigned k = 0; k < np; k++)
            put_rule(b, &r[k]);
    }
}

unsigned orc_rule_parts(const struct agw_policy *p, const char *name,
                        const struct agw_pcc_rule **out, unsigned max)
{
    unsigned n = 0;
    const struct agw_pcc_rule *r = agw_policy_rule(p, name);
    char part[AGW_PCC_NAME_MAX + 16];
    for (unsigned k = 1; r && n < max; k++) {
        out[n++] = r;
        snprintf(part, sizeof(part), "%s/%u", name, k + 1);
        r = agw_policy_rule(p, part);
    }
    return n;
}

static void put_base(const char *id, json_t *j, void *arg)
{
    struct build *b = arg;
    struct agw_policy *p = b->p;
    struct agw_base_name bn;
    memset(&bn, 0, sizeof(bn));
    if (strlen(id) >= sizeof(bn.name))
        return;
    snprintf(bn.name, sizeof(bn.name), "%s", id);
    json_t *v;
    size_t i;
    bool full = false;
    json_array_foreach(json_object_get(j, "rules"), i, v) {
        const struct agw_pcc_rule *parts[ORC_RULE_PARTS];
        /* a rule that is not enforced (said above) has none */
        unsigned np = orc_rule_parts(p, json_string_value(v) ?: "", parts, ORC_RULE_PARTS);
        for (unsigned k = 0; k < np && !full; k++) {
            if (bn.n_rules >= AGW_BASE_MAX_RULES) {
                b->skipped++;
                why_add(b->why, b->whylen, "base name '%s': rules after the %dth not enforced; ",
                        id, AGW_BASE_MAX_RULES);
                full = true;
                break;
            }
            bn.rules[bn.n_rules++] = (uint16_t)(parts[k] - p->rules);
        }
    }
    const struct agw_base_name *old = agw_policy_base(p, id);
    if (old)
        p->bases[old - p->bases] = bn;
    else if (p->n_bases < AGW_MAX_BASE_NAMES)
        p->bases[p->n_bases++] = bn;
    else {
        b->skipped++;
        why_add(b->why, b->whylen, "base name '%s' not enforced: more than %d; ", id,
                AGW_MAX_BASE_NAMES);
    }
}

static void put_rg(const char *id, json_t *j, void *arg)
{
    struct build *b = arg;
    struct agw_policy *p = b->p;
    char *end;
    unsigned long long v = strtoull(id, &end, 10);
    /* RFC 4006 8.29; 0 is the gateway's "no rating group" */
    if (*end || v == 0 || v > UINT32_MAX)
        return;
    struct agw_rating_group g = {.id = (uint32_t)v, .type = AGW_RG_METERED};
    const char *t = json_string_value(json_object_get(j, "limit_type"));
    json_int_t quota = json_integer_value(json_object_get(j, "quota"));
    if (t && !strcmp(t, "unmetered"))
        g.type = AGW_RG_UNMETERED;
    else if (t && !strcmp(t, "finite") && quota > 0) {
        g.type = AGW_RG_FINITE;
        g.quota_bytes = (uint64_t)quota;
    }
    const struct agw_rating_group *old = agw_policy_rating_group(p, g.id);
    if (old)
        p->rating_groups[old - p->rating_groups] = g;
    else if (p->n_rating_groups < AGW_MAX_RATING_GROUPS)
        p->rating_groups[p->n_rating_groups++] = g;
    else {
        b->skipped++;
        why_add(b->why, b->whylen, "rating group %s not enforced: more than %d; ", id,
                AGW_MAX_RATING_GROUPS);
    }
}

int orc_policy_build_portal(struct agw_db *db, const struct agw_policy *yaml,
                            struct in_addr fallback_portal, struct agw_policy *out,
                            struct in_addr *portal, char *why, size_t whylen)
{
    struct build b = {.db = db, .p = out, .why = why, .whylen = whylen,
                      .fallback_portal = fallback_portal};
    if (whylen)
        why[0] = 0;
    *out = *yaml;
    b.cap_in = 4 * AGW_MAX_PCC_RULES;
    b.in = calloc(b.cap_in, sizeof(*b.in));
    if (!b.in)
        return -ENOMEM;
    int rc;
    /* rules first: the base names and the subscribers name them */
    if ((rc = each_obj(db, "policy", collect_rule, &b)) == 0)
        put_rules(&b);
    for (size_t i = 0; i < b.n_in; i++) {
        free((char *)b.in[i].id);
        json_decref(b.in[i].j);
    }
    free(b.in);
    if (rc < 0 || (rc = each_obj(db, "base_name", put_base, &b)) < 0 ||
        (rc = each_obj(db, "rating_group", put_rg, &b)) < 0) {
        *out = *yaml;
        return rc;
    }
    if (portal)
        *portal = b.portal;
    return (int)b.skipped;
}

int orc_policy_build(struct agw_db *db, const struct agw_policy *yaml, struct agw_policy *out,
                     char *why, size_t whylen)
{
    return orc_policy_build_portal(db, yaml, (struct in_addr){0}, out, NULL, why, whylen);
}

/* ------------------------------------------------------------ APNs ---- */

static void dns_of(json_t *list, struct agw_apn *a)
{
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(list, i, v) {
        struct in_addr ia;
        if (n < AGW_MAX_DNS && inet_pton(AF_INET, json_string_value(v) ?: "", &ia) == 1)
            a->dns[n++] = ia;
    }
    if (n)
        a->n_dns = n;
}

int orc_apn_build(struct agw_db *db, const struct agw_apn *yaml, struct agw_apn *out, char *why,
                  size_t whylen)
{
    *out = *yaml;
    json_t *j = NULL;
    /* TS 23.003 9.1: APNs compare case-insensitively; orcd's ids are
     * lowercase (orc_check_apn_name), the YAML file's as written */
    char id[AGW_APN_NAME_MAX + 1];
    size_t i;
    for (i = 0; yaml->name[i] && i < AGW_APN_NAME_MAX; i++)
        id[i] = (char)(yaml->name[i] >= 'A' && yaml->name[i] <= 'Z' ? yaml->name[i] + 32
                                                                     : yaml->name[i]);
    id[i] = 0;
    if (!(j = obj_get(db, "apn", id)))
        return 0;
    json_t *ambr = json_object_get(j, "ambr"), *arp = json_object_get(j, "arp");
    json_int_t ul = json_integer_value(json_object_get(ambr, "ul"));
    json_int_t dl = json_integer_value(json_object_get(ambr, "dl"));
    if (ul > 0 && dl > 0) {
        out->ambr.ul_bps = (uint64_t)ul;
        out->ambr.dl_bps = (uint64_t)dl;
    }
    json_int_t qci = json_integer_value(json_object_get(j, "qci"));
    if ((qci >= 1 && qci <= 9) || (qci >= 65 && qci <= 86))
        out->qci = (uint8_t)qci;
    json_int_t prio = json_integer_value(json_object_get(arp, "priority"));
    if (prio >= 1 && prio <= 15) {
        out->arp.priority = (uint8_t)prio;
        out->arp.capability = json_is_true(json_object_get(arp, "capability"));
        out->arp.vulnerability = !json_is_false(json_object_get(arp, "vulnerability"));
    }
    json_int_t mtu = json_integer_value(json_object_get(j, "mtu"));
    if (mtu >= 576 && mtu <= 9000)
        out->mtu = (uint16_t)mtu;
    /* TS 24.008 10.5.6.3 (PCO DNS): the APN's, else the network's, else
     * the YAML file's */
    json_t *dns = json_object_get(j, "dns");
    if (json_array_size(dns))
        dns_of(dns, out);
    else {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db->db, "SELECT body FROM orc_object WHERE kind = 'network' "
                               "LIMIT 1", -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            json_t *n = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
            dns_of(json_object_get(n, "dns"), out);
            json_decref(n);
        }
        sqlite3_finalize(s);
    }
    /* the pools: orc_apn.c (they are the allocator's, pgw_pool.c) */
    (void)why;
    (void)whylen;
    json_decref(j);
    return 1;
}

/* ------------------------------------------------------- the loop ---- */

struct orc_policy_yaml {
    struct agw_policy policy;
    struct agw_apn *apns;
    size_t n_apns;
    struct agw_plmn plmn;               /* mme.gummei.plmn */
    struct agw_tai tai[AGW_MAX_TAIS];   /* mme.tai */
    size_t n_tai;
};

struct orc_policy_yaml *orc_policy_save(const struct agw_config *cfg)
{
    struct orc_policy_yaml *y = calloc(1, sizeof(*y));
    if (!y)
        return NULL;
    y->policy = cfg->policy;
    y->apns = calloc(cfg->n_apns ? cfg->n_apns : 1, sizeof(*y->apns));
    if (!y->apns) {
        free(y);
        return NULL;
    }
    /* the file's APNs come first; orcd's own (orc_apn_preload) after */
    while (y->n_apns < cfg->n_apns && !cfg->apns[y->n_apns].orc_only)
        y->n_apns++;
    memcpy(y->apns, cfg->apns, y->n_apns * sizeof(*y->apns));
    y->plmn = cfg->mme.gummei.plmn;
    memcpy(y->tai, cfg->mme.tai, sizeof(y->tai));
    y->n_tai = cfg->mme.n_tai;
    return y;
}

void orc_policy_free(struct orc_policy_yaml *y)
{
    if (!y)
        return;
    free(y->apns);
    free(y);
}

/* Without a PCRF, the running sessions' rules again from the changed
 * policy (gx_policy_refresh: one dp_session_modify each; a finite rating
 * group keeps what the kernel has left of its quota, local_rating).  With
 * a PCRF the rules in force are the PCRF's (installed by name, kept per
 * session): they change at its next Charging-Rule-Install. */
static unsigned refresh_sessions(struct agw_ctx *ctx)
{
    unsigned n = 0;
    if (ctx->cfg->diameter.gx.enabled || !ctx->dp)
        return 0;
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *hn = h->buckets[i]; hn; hn = hn->next) {
            struct agw_ue *ue = agw_container_of(hn, struct agw_ue, by_id);
            for (unsigned k = 0; k < AGW_MAX_PDN; k++) {
                struct agw_pdn *p = &ue->pdn[k];
                if (p->state == PDN_ACTIVE && p->dp_installed && gx_policy_refresh(ctx, ue, p) == 0)
                    n++;
            }
        }
    return n;
}

void orc_policy_reload(struct agw_ctx *ctx, const struct orc_policy_yaml *y)
{
    if (!y || !ctx->db)
        return;
    char why[1024];
    struct agw_policy *next = malloc(sizeof(*next));
    if (!next)
        return;
    struct in_addr portal;
    int n = orc_policy_build_portal(ctx->db, &y->policy, ctx->cfg->diameter.gy.portal, next,
                                    &portal, why, sizeof(why));
    if (n < 0) {
        LOG_WARN(ctx, "orc", "policy: cannot read the orchestrator's objects (%s): the last "
                 "policy stays", strerror(-n));
        free(next);
        return;
    }
    if (n > 0) {
        ctx->stats.orc_policy_not_enforced += (unsigned)n;
        LOG_WARN(ctx, "orc", "policy: %s", why);
    }
    /* orcd's redirect rules: the datapath's one portal (shared with Gy's
     * final-unit REDIRECT, gy_handler.c) */
    if (portal.s_addr && ctx->dp && dp_portal_set(ctx->dp, portal) < 0)
        LOG_WARN(ctx, "orc", "policy: redirect portal not set: %s", dp_ctx_error(ctx->dp));
    /* the loop is the only reader: the next PDN connection sees it */
    bool changed = memcmp(&ctx->cfg->policy, next, sizeof(*next)) != 0;
    ctx->cfg->policy = *next;
    free(next);
    unsigned refreshed = changed ? refresh_sessions(ctx) : 0;
    /* the APNs, orcd's own and the pools (orc_apn.c); the network's PLMN
     * and TACs (orc_network.c) */
    unsigned from_orc = orc_apn_sync(ctx, y->apns, y->n_apns);
    orc_network_sync(ctx, &y->plmn, y->tai, y->n_tai);
    LOG_INFO(ctx, "orc", "policy: %zu rule(s), %zu base name(s), %zu rating group(s); %u of "
             "%zu APN(s) with the orchestrator's values; %u running session(s) updated",
             ctx->cfg->policy.n_rules, ctx->cfg->policy.n_bases,
             ctx->cfg->policy.n_rating_groups, from_orc, ctx->cfg->n_apns, refreshed);
}

unsigned orc_policy_subscriber_rules(struct agw_ctx *ctx, const char *imsi,
                                     const struct agw_pcc_rule **out, unsigned max)
{
    if (!ctx->orc || !ctx->db || !imsi)
        return 0;
    json_t *j = obj_get(ctx->db, "subscriber", imsi);
    unsigned n = 0;
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(j, "policies"), i, v) {
        if (n < max)
            n += orc_rule_parts(&ctx->cfg->policy, json_string_value(v) ?: "", out + n, max - n);
    }
    json_decref(j);
    return n;
}
