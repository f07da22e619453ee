/* The orchestrator's policy objects and APN values enforced by agwd
 * (docs/orchestrator.md "What the gateway enforces").
 *
 * orc_apply.c keeps every object orcd syncs in orc_object (the last good
 * configuration on disk).  Here, on the loop, after each sync that changed
 * something and once at start, they are mapped onto what agwd enforces:
 *
 *   policy        a rule of the effective `policy.rules` (agw_policy.h),
 *                 named by its id: flows as IPFilterRules (TS 29.212
 *                 5.4.2), precedence + 1, permit/deny as Flow-Status
 *                 ENABLED/DISABLED (5.3.48), the rating group, the
 *                 monitoring key, the QoS profile's MBR as the rule's MBR
 *   base_name     a base name of `policy.base_names`
 *   rating_group  a rating group of `policy.rating_groups`: finite with a
 *                 quota (bytes) is enforced by the kernel; finite without
 *                 one is counted as metered
 *   subscriber    its `policies`: the rules its PDN connections get, with
 *                 those of policy.static, when there is no PCRF
 *   apn           DNS (or the network's), MTU, APN-AMBR, QCI and ARP of the
 *                 APN of that name in the YAML file
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

struct build {
    struct agw_db *db;
    struct agw_policy *p;
    char *why;
    size_t whylen;
    unsigned skipped;
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

static int rule_of(struct build *b, const char *id, json_t *j, struct agw_pcc_rule *r)
{
    memset(r, 0, sizeof(*r));
    if (strlen(id) >= sizeof(r->name))
        return -EINVAL;
    snprintf(r->name, sizeof(r->name), "%s", id);
    /* TS 23.203 6.3.1: orcd's precedence 0..65535, lower first; the
     * gateway's rules take 1..16382 (agw_policy.c): one more, in order */
    json_int_t prec = json_integer_value(json_object_get(j, "precedence"));
    if (prec < 0 || prec + 1 > 16382)
        return -ERANGE;
    r->precedence = (uint32_t)prec + 1;
    const char *action = json_string_value(json_object_get(j, "action"));
    /* TS 29.212 5.3.48 Flow-Status: permit ENABLED, deny DISABLED; a
     * redirect (5.3.82 Redirect-Information) is not one the gateway's
     * local policy can do */
    if (!action || !strcmp(action, "permit"))
        r->action = AGW_PCC_PASS;
    else if (!strcmp(action, "deny"))
        r->action = AGW_PCC_DROP;
    else
        return -EOPNOTSUPP;
    json_t *flows = json_object_get(j, "flows"), *f;
    size_t i;
    if (!json_array_size(flows) || json_array_size(flows) > AGW_PCC_MAX_FLOWS)
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
    json_array_foreach(flows, i, f) {
        if (flow_text(f, r->direction, r->flows[i], sizeof(r->flows[i])) < 0)
            return -EINVAL;
    }
    r->n_flows = (unsigned)json_array_size(flows);
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
    case -ERANGE: return "precedence above 16381";
    case -EOPNOTSUPP: return "redirect is not enforced by the gateway";
    case -E2BIG: return "more than 4 flows";
    default: return "a flow the datapath does not take";
    }
}

static void put_rule(const char *id, json_t *j, void *arg)
{
    struct build *b = arg;
    struct agw_pcc_rule r;
    int rc = rule_of(b, id, j, &r);
    if (rc < 0) {
        b->skipped++;
        why_add(b->why, b->whylen, "policy '%s' not enforced: %s; ", id, rule_err_str(rc));
        return;
    }
    struct agw_policy *p = b->p;
    const struct agw_pcc_rule *old = agw_policy_rule(p, id);
    if (old) {
        p->rules[old - p->rules] = r;   /* orcd's replaces the YAML file's */
        return;
    }
    if (p->n_rules >= AGW_MAX_PCC_RULES) {
        b->skipped++;
        why_add(b->why, b->whylen, "policy '%s' not enforced: more than %d rules; ", id,
                AGW_MAX_PCC_RULES);
        return;
    }
    p->rules[p->n_rules++] = r;
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
    json_array_foreach(json_object_get(j, "rules"), i, v) {
        const struct agw_pcc_rule *r = agw_policy_rule(p, json_string_value(v) ?: "");
        if (!r)
            continue;           /* a rule that is not enforced (said above) */
        if (bn.n_rules >= AGW_BASE_MAX_RULES) {
            b->skipped++;
            why_add(b->why, b->whylen, "base name '%s': rules after the %dth not enforced; ",
                    id, AGW_BASE_MAX_RULES);
            break;
        }
        bn.rules[bn.n_rules++] = (uint16_t)(r - p->rules);
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

int orc_policy_build(struct agw_db *db, const struct agw_policy *yaml, struct agw_policy *out,
                     char *why, size_t whylen)
{
    struct build b = {.db = db, .p = out, .why = why, .whylen = whylen};
    if (whylen)
        why[0] = 0;
    *out = *yaml;
    int rc;
    /* rules first: the base names and the subscribers name them */
    if ((rc = each_obj(db, "policy", put_rule, &b)) < 0 ||
        (rc = each_obj(db, "base_name", put_base, &b)) < 0 ||
        (rc = each_obj(db, "rating_group", put_rg, &b)) < 0) {
        *out = *yaml;
        return rc;
    }
    return (int)b.skipped;
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
    /* the pools: the YAML file's (the gateway's addresses are allocated
     * from them at start); orcd's are compared only */
    json_t *pools = json_object_get(j, "pools");
    if (json_array_size(pools)) {
        char mine[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &yaml->pool, a, sizeof(a));
        snprintf(mine, sizeof(mine), "%s/%u", a, yaml->pool_prefix);
        bool same = json_array_size(pools) == 1 &&
                    !strcmp(json_string_value(json_array_get(pools, 0)) ?: "", mine);
        if (!same && whylen)
            why_add(why, whylen, "apn '%s': orcd's pools differ from the YAML file's %s, which "
                    "stay in use until a restart with them; ", id, mine);
    }
    json_decref(j);
    return 1;
}

/* ------------------------------------------------------- the loop ---- */

struct orc_policy_yaml {
    struct agw_policy policy;
    struct agw_apn *apns;
    size_t n_apns;
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
    memcpy(y->apns, cfg->apns, cfg->n_apns * sizeof(*y->apns));
    y->n_apns = cfg->n_apns;
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
    int n = orc_policy_build(ctx->db, &y->policy, next, why, sizeof(why));
    if (n < 0) {
        LOG_WARN(ctx, "orc", "policy: cannot read the orchestrator's objects (%s): the last "
                 "policy stays", strerror(-n));
        free(next);
        return;
    }
    if (n > 0)
        LOG_WARN(ctx, "orc", "policy: %s", why);
    /* the loop is the only reader: the next PDN connection sees it */
    bool changed = memcmp(&ctx->cfg->policy, next, sizeof(*next)) != 0;
    ctx->cfg->policy = *next;
    free(next);
    unsigned refreshed = changed ? refresh_sessions(ctx) : 0;
    unsigned from_orc = 0;
    why[0] = 0;
    for (size_t i = 0; i < y->n_apns && i < ctx->cfg->n_apns; i++) {
        struct agw_apn a;
        from_orc += orc_apn_build(ctx->db, &y->apns[i], &a, why, sizeof(why)) > 0;
        ctx->cfg->apns[i] = a;
    }
    if (why[0])
        LOG_WARN(ctx, "orc", "%s", why);
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
        const struct agw_pcc_rule *r = agw_policy_rule(&ctx->cfg->policy, json_string_value(v) ?: "");
        if (r && n < max)
            out[n++] = r;
    }
    json_decref(j);
    return n;
}
