/* The gateway's own policy from its configuration (agw_policy.h): the
 * strict reader of the `policy` section (docs/agw.md "policy"), lookups by
 * name, and the IPFilterRule parser shared with Gx (gx_policy.c), so that
 * `xepcctl config check` refuses a flow the gateway would not install. */
#include "agw/agw_policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agw/agw_config.h"
#include "dp/dp_spec.h"
#include "lib/ycfg.h"

int gx_ipfilter_parse(const char *text, uint32_t flow_direction, struct dp_rule_spec *r);

/* ------------------------------------------------ IPFilterRule ---- */

static const char *tok(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    if (n == 0 || n >= cap)
        return NULL;
    memcpy(buf, s, n);
    buf[n] = 0;
    *p = s + n;
    return buf;
}

/* An address of RFC 6733 4.3: "any", "assigned" (the UE's address), or
 * ipno[/bits]. */
static int ipf_addr(const char *t, struct in_addr *a, uint8_t *plen, bool *assigned)
{
    *assigned = false;
    if (!strcmp(t, "any")) {
        a->s_addr = 0;
        *plen = 0;
        return 0;
    }
    if (!strcmp(t, "assigned")) {
        *assigned = true;
        return 0;
    }
    char buf[INET_ADDRSTRLEN + 4];
    snprintf(buf, sizeof(buf), "%s", t);
    char *slash = strchr(buf, '/');
    uint32_t bits = 32;
    if (slash) {
        *slash = 0;
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (*end || end == slash + 1 || v > 32)
            return -EINVAL;
        bits = (uint32_t)v;
    }
    if (inet_pton(AF_INET, buf, a) != 1)
        return -EINVAL;
    /* RFC 6733 4.3: the mask applies; host bits are cleared, not refused */
    uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
    a->s_addr &= mask;
    *plen = (uint8_t)bits;
    return 0;
}

/* "80" or "1000-2000" (a list with commas is not supported) */
static int ipf_ports(const char *t, uint16_t *lo, uint16_t *hi)
{
    char *end;
    unsigned long a = strtoul(t, &end, 10);
    if (end == t || a > 65535)
        return -EINVAL;
    unsigned long b = a;
    if (*end == '-') {
        const char *s = end + 1;
        b = strtoul(s, &end, 10);
        if (end == s || b > 65535 || b < a)
            return -EINVAL;
    }
    if (*end)
        return -EINVAL;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

static bool is_port(const char *t)
{
    return isdigit((unsigned char)t[0]);
}

int gx_ipfilter_parse(const char *text, uint32_t flow_direction, struct dp_rule_spec *r)
{
    char b[64], src_t[64], dst_t[64];
    const char *p = text;
    struct in_addr src = {0}, dst = {0};
    uint8_t src_plen = 0, dst_plen = 0;
    uint16_t sp_lo = 0, sp_hi = 65535, dp_lo = 0, dp_hi = 65535;
    bool src_ue, dst_ue;

    memset(r, 0, sizeof(*r));
    /* RFC 6733 4.3: action dir proto from src [ports] to dst [ports] */
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "permit"))
        return -EINVAL;         /* TS 29.212 5.3.8: only "permit" */
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "out"))
        return -EINVAL;         /* 5.3.8: only "out" */
    if (!tok(&p, b, sizeof(b)))
        return -EINVAL;
    if (!strcmp(b, "ip"))
        r->proto = 0;
    else if (!strcmp(b, "tcp"))
        r->proto = 6;
    else if (!strcmp(b, "udp"))
        r->proto = 17;
    else if (!strcmp(b, "icmp"))
        r->proto = 1;
    else {
        char *end;
        unsigned long v = strtoul(b, &end, 10);
        if (*end || v > 255)
            return -EINVAL;
        r->proto = (uint8_t)v;
    }
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "from") || !tok(&p, src_t, sizeof(src_t)) ||
        ipf_addr(src_t, &src, &src_plen, &src_ue) < 0)
        return -EINVAL;
    if (!tok(&p, b, sizeof(b)))
        return -EINVAL;
    if (is_port(b)) {
        if (ipf_ports(b, &sp_lo, &sp_hi) < 0 || !tok(&p, b, sizeof(b)))
            return -EINVAL;
    }
    if (strcmp(b, "to") || !tok(&p, dst_t, sizeof(dst_t)) ||
        ipf_addr(dst_t, &dst, &dst_plen, &dst_ue) < 0)
        return -EINVAL;
    if (tok(&p, b, sizeof(b))) {
        if (!is_port(b) || ipf_ports(b, &dp_lo, &dp_hi) < 0)
            return -EINVAL;
        if (tok(&p, b, sizeof(b)))
            return -EINVAL;     /* options (frag, established ...) are not supported */
    }
    if (r->proto != 6 && r->proto != 17 && r->proto != 132 &&
        (sp_lo != 0 || sp_hi != 65535 || dp_lo != 0 || dp_hi != 65535))
        return -EINVAL;         /* ports without a protocol that has them */
    /* TS 29.212 5.4.2: for an uplink flow (Flow-Direction UPLINK) the
     * source is the UE; otherwise the filter is written for the downlink:
     * the destination is the UE.  dp rules are written as the uplink flow
     * (src = the UE side). */
    bool ul = flow_direction == 2;
    if (ul) {
        r->src = src_ue ? (struct in_addr){0} : src;
        r->src_plen = src_ue ? 0 : src_plen;
        r->sport_lo = sp_lo, r->sport_hi = sp_hi;
        r->dst = dst, r->dst_plen = dst_plen;
        r->dport_lo = dp_lo, r->dport_hi = dp_hi;
    } else {
        r->src = dst_ue ? (struct in_addr){0} : dst;
        r->src_plen = dst_ue ? 0 : dst_plen;
        r->sport_lo = dp_lo, r->sport_hi = dp_hi;
        r->dst = src, r->dst_plen = src_plen;
        r->dport_lo = sp_lo, r->dport_hi = sp_hi;
    }
    /* 5.3.65 Flow-Direction: 1 DOWNLINK, 2 UPLINK, 3 BIDIRECTIONAL, 0
     * UNSPECIFIED (both) */
    r->dir = flow_direction == 1 ? DP_DIR_DL : flow_direction == 2 ? DP_DIR_UL : DP_DIR_BOTH;
    return 0;
}

int agw_ipfilter_check(const char *text)
{
    struct dp_rule_spec r;
    return gx_ipfilter_parse(text, 0, &r);
}

/* ------------------------------------------------------ lookups ---- */

const char *agw_rg_type_str(enum agw_rg_type t)
{
    switch (t) {
    case AGW_RG_METERED: return "metered";
    case AGW_RG_UNMETERED: return "unmetered";
    case AGW_RG_FINITE: return "finite";
    case AGW_RG_ONLINE: return "online";
    }
    return "?";
}

const struct agw_pcc_rule *agw_policy_rule(const struct agw_policy *p, const char *name)
{
    for (size_t i = 0; i < p->n_rules; i++)
        if (!strcmp(p->rules[i].name, name))
            return &p->rules[i];
    return NULL;
}

const struct agw_base_name *agw_policy_base(const struct agw_policy *p, const char *name)
{
    for (size_t i = 0; i < p->n_bases; i++)
        if (!strcmp(p->bases[i].name, name))
            return &p->bases[i];
    return NULL;
}

const struct agw_rating_group *agw_policy_rating_group(const struct agw_policy *p, uint32_t id)
{
    for (size_t i = 0; i < p->n_rating_groups; i++)
        if (p->rating_groups[i].id == id)
            return &p->rating_groups[i];
    return NULL;
}

const struct agw_policy_set *agw_policy_local(const struct agw_policy *p, const char *apn)
{
    for (size_t i = 0; apn && i < p->n_apns; i++)
        if (!strcasecmp(p->apns[i].apn, apn))
            return &p->apns[i].set;
    return &p->static_set;
}

/* ------------------------------------------------------- reader ---- */

/* a rule's MBR is a Max-Requested-Bandwidth (TS 29.212 5.3.15,
 * Unsigned32 bit/s) */
static const struct ycfg_unit rate_units[] = {
    {"bps", 1}, {"kbps", 1000}, {"Mbps", 1000000}, {"Gbps", 1000000000}};

static const char *const directions[] = {"downlink", "uplink", "both"};
static const char *const actions[] = {"uplink-only", "downlink-only", "pass", "drop"};
static const char *const rg_types[] = {"metered", "unmetered", "finite", "online"};
static const char *const periods[] = {"connection", "daily", "monthly"};

/* The largest finite quota: the kernel's quotas are below 2^62 (bpf
 * XEPC_QUOTA_MAX); 1 PB is more than any volume plan. */
#define QUOTA_MAX UINT64_C(1000000000000000)

static void rd_rule(struct ycfg *c, yaml_node_t *n, const char *path, struct agw_pcc_rule *r)
{
    static const char *const keys[] = {"name", "precedence", "flows", "direction",
                                       "action", "rating_group", "mbr", "monitoring_key"};
    struct ycfg_map m;
    char kp[YCFG_PATH_LEN], fp[YCFG_PATH_LEN];
    r->direction = 3;
    r->action = AGW_PCC_PASS;
    if (!ycfg_map_open(c, n, path, keys, 8, &m))
        return;
    ycfg_rd_str(c, ycfg_map_need(c, &m, "name"), ycfg_pj(kp, sizeof(kp), path, "name"), r->name,
                sizeof(r->name), 1);
    /* TS 29.212 5.3.50 Precedence; the rules' order becomes their dp
     * precedences by rank, below Gy's 65535 (gx_rules_to_dp) */
    YCFG_RD_UINT(c, ycfg_map_need(c, &m, "precedence"), ycfg_pj(kp, sizeof(kp), path, "precedence"),
                 1, 16382, r->precedence);
    yaml_node_t *fl = ycfg_map_need(c, &m, "flows");
    ycfg_pj(fp, sizeof(fp), path, "flows");
    if (fl && ycfg_want_seq(c, fl, fp)) {
        size_t cnt = ycfg_seq_len(fl);
        if (cnt == 0 || cnt > AGW_PCC_MAX_FLOWS)
            ycfg_err(c, fl, fp, "%zu flows, 1..%d allowed", cnt, AGW_PCC_MAX_FLOWS);
        size_t i = 0;
        YCFG_SEQ_FOREACH(c, fl, it, item)
        {
            if (i >= AGW_PCC_MAX_FLOWS)
                break;
            ycfg_pidx(kp, sizeof(kp), fp, i);
            if (ycfg_rd_str(c, item, kp, r->flows[i], sizeof(r->flows[i]), 1) &&
                agw_ipfilter_check(r->flows[i]) < 0)
                ycfg_err(c, item, kp, "'%s' is not an IPFilterRule the gateway takes (\"permit out "
                         "ip|tcp|udp|icmp|N from A[/len] [PORTS] to B[/len] [PORTS]\", A or B "
                         "'assigned' or 'any', TS 29.212 5.4.2)", r->flows[i]);
            i++;
        }
        r->n_flows = (unsigned)i;
    }
    if (m.val[3]) {
        int d = 2;
        if (ycfg_rd_enum(c, m.val[3], ycfg_pj(kp, sizeof(kp), path, "direction"), directions, 3, &d))
            r->direction = (uint32_t)d + 1;     /* 5.3.65: 1 DOWNLINK 2 UPLINK 3 BIDIRECTIONAL */
    }
    if (m.val[4])
        YCFG_RD_ENUM(c, m.val[4], ycfg_pj(kp, sizeof(kp), path, "action"), actions, r->action);
    YCFG_RD_UINT(c, m.val[5], ycfg_pj(kp, sizeof(kp), path, "rating_group"), 1, UINT32_MAX,
                 r->rating_group);
    if (m.val[6]) {
        static const char *const mk[] = {"ul", "dl"};
        struct ycfg_map mm;
        ycfg_pj(fp, sizeof(fp), path, "mbr");
        if (ycfg_map_open(c, m.val[6], fp, mk, 2, &mm)) {
            if (mm.val[0])
                ycfg_rd_unit(c, mm.val[0], ycfg_pj(kp, sizeof(kp), fp, "ul"), rate_units, 4,
                             "a bit rate (integer with bps, kbps, Mbps or Gbps)", "1kbps..4Gbps",
                             1000, 4000000000ull, &r->mbr_ul_bps);
            if (mm.val[1])
                ycfg_rd_unit(c, mm.val[1], ycfg_pj(kp, sizeof(kp), fp, "dl"), rate_units, 4,
                             "a bit rate (integer with bps, kbps, Mbps or Gbps)", "1kbps..4Gbps",
                             1000, 4000000000ull, &r->mbr_dl_bps);
        }
    }
    if (m.val[7])
        ycfg_rd_str(c, m.val[7], ycfg_pj(kp, sizeof(kp), path, "monitoring_key"),
                    r->monitoring_key, sizeof(r->monitoring_key), 1);
}

/* A list of names, each found by find() (an index, or -1): into idx[]. */
static size_t rd_names(struct ycfg *c, yaml_node_t *n, const char *path, const char *what,
                       const struct agw_policy *p, int (*find)(const struct agw_policy *, const char *),
                       uint16_t *idx, size_t max)
{
    char kp[YCFG_PATH_LEN], name[AGW_PCC_NAME_MAX];
    size_t k = 0, i = 0;
    if (!ycfg_want_seq(c, n, path))
        return 0;
    if (ycfg_seq_len(n) > max) {
        ycfg_err(c, n, path, "%zu entries, at most %zu allowed", ycfg_seq_len(n), max);
        return 0;
    }
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        ycfg_pidx(kp, sizeof(kp), path, i++);
        if (!ycfg_rd_str(c, item, kp, name, sizeof(name), 1))
            continue;
        int x = find(p, name);
        if (x < 0) {
            ycfg_err(c, item, kp, "'%s' is not a %s", name, what);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= idx[j] == (uint16_t)x;
        if (dup) {
            ycfg_err(c, item, kp, "'%s' is listed twice", name);
            continue;
        }
        idx[k++] = (uint16_t)x;
    }
    return k;
}

static int find_rule(const struct agw_policy *p, const char *name)
{
    const struct agw_pcc_rule *r = agw_policy_rule(p, name);
    return r ? (int)(r - p->rules) : -1;
}

/* policy.rating_groups[].final_action of a finite group (docs/charging.md
 * "Local policy"): RFC 4006 8.35 Final-Unit-Action from the file.
 *   drop                                  (the default)
 *   terminate                             5.6.1: the PDN connection ends
 *   { redirect: { address: A, port: N } } RFC 4006 5.6.2: its HTTP to the
 *                                         portal A (the datapath has one)
 *   { restrict: { rules: [NAMES] } }      5.6.3: only those rules' flows */
static void rd_final(struct ycfg *c, yaml_node_t *n, const char *path, struct agw_config *cfg,
                     struct agw_rating_group *g)
{
    static const char *const scalar[] = {"drop", "terminate"};
    static const char *const kinds[] = {"redirect", "restrict"};
    struct agw_policy *p = &cfg->policy;
    struct ycfg_map m, km;
    char kp[YCFG_PATH_LEN], fp[YCFG_PATH_LEN];
    if (g->type != AGW_RG_FINITE) {
        ycfg_err(c, n, path, "only a finite rating group has a final_action");
        return;
    }
    if (n->type == YAML_SCALAR_NODE) {
        int d;
        if (ycfg_rd_enum(c, n, path, scalar, 2, &d))
            g->final_action = d ? AGW_RG_FINAL_TERMINATE : AGW_RG_FINAL_DROP;
        return;
    }
    if (!ycfg_map_open(c, n, path, kinds, 2, &m))
        return;
    if (!m.val[0] == !m.val[1]) {
        ycfg_err(c, n, path, "one of drop, terminate, redirect or restrict");
        return;
    }
    if (m.val[0]) {
        static const char *const rk[] = {"address", "port"};
        ycfg_pj(fp, sizeof(fp), path, "redirect");
        g->final_action = AGW_RG_FINAL_REDIRECT;
        g->final_port = 80;
        if (!ycfg_map_open(c, m.val[0], fp, rk, 2, &km))
            return;
        yaml_node_t *a = ycfg_map_need(c, &km, "address");
        ycfg_pj(kp, sizeof(kp), fp, "address");
        if (a && ycfg_rd_ipv4(c, a, kp, &g->final_portal)) {
            /* the kernel has one portal address (xepc_config.portal_addr),
             * shared with Gy's REDIRECT: every local redirect names it */
            struct in_addr gy = cfg->diameter.gy.enabled ? cfg->diameter.gy.portal
                                                         : (struct in_addr){0};
            char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &g->final_portal, x, sizeof(x));
            if (!g->final_portal.s_addr)
                ycfg_err(c, a, kp, "0.0.0.0 is no portal");
            else if (gy.s_addr && gy.s_addr != g->final_portal.s_addr)
                ycfg_err(c, a, kp, "%s is not diameter.gy.portal (%s): the datapath has one "
                         "portal", x, inet_ntop(AF_INET, &gy, y, sizeof(y)));
            for (size_t j = 0; g->final_portal.s_addr && j + 1 < p->n_rating_groups; j++) {
                const struct agw_rating_group *o = &p->rating_groups[j];
                if (o->final_action == AGW_RG_FINAL_REDIRECT && o->final_portal.s_addr &&
                    o->final_portal.s_addr != g->final_portal.s_addr) {
                    ycfg_err(c, a, kp, "%s is not rating group %u's portal (%s): the datapath "
                             "has one portal", x, o->id,
                             inet_ntop(AF_INET, &o->final_portal, y, sizeof(y)));
                    break;
                }
            }
        }
        if (km.val[1])
            YCFG_RD_UINT(c, km.val[1], ycfg_pj(kp, sizeof(kp), fp, "port"), 1, 65535,
                         g->final_port);
        return;
    }
    static const char *const sk[] = {"rules"};
    ycfg_pj(fp, sizeof(fp), path, "restrict");
    g->final_action = AGW_RG_FINAL_RESTRICT;
    if (!ycfg_map_open(c, m.val[1], fp, sk, 1, &km))
        return;
    yaml_node_t *rl = ycfg_map_need(c, &km, "rules");
    if (!rl)
        return;
    ycfg_pj(kp, sizeof(kp), fp, "rules");
    uint16_t idx[AGW_BASE_MAX_RULES];
    size_t k = rd_names(c, rl, kp, "rule of policy.rules", p, find_rule, idx, AGW_BASE_MAX_RULES);
    if (rl->type == YAML_SEQUENCE_NODE && !ycfg_seq_len(rl))
        ycfg_err(c, rl, kp, "restrict names at least one rule (else: drop)");
    for (size_t i = 0; i < k; i++)
        snprintf(g->final_rules[i], sizeof(g->final_rules[i]), "%s", p->rules[idx[i]].name);
    g->n_final_rules = (unsigned)k;
}

static int find_base(const struct agw_policy *p, const char *name)
{
    const struct agw_base_name *b = agw_policy_base(p, name);
    return b ? (int)(b - p->bases) : -1;
}

/* policy.static, or an entry of policy.apns (with_apn: its `apn` key, a
 * configured APN, into apn): the rules and base names of a PDN connection
 * without a PCRF.  They must fit one session: at most 8 PCC rules
 * (DIAM_MAX_RULES), distinct precedences. */
static void rd_set(struct ycfg *c, yaml_node_t *n, const char *path, bool with_apn,
                   const struct agw_config *cfg, struct agw_policy_set *set, char *apn)
{
    static const char *const keys[] = {"rules", "base_names", "apn"};
    const struct agw_policy *p = &cfg->policy;
    struct ycfg_map m;
    char kp[YCFG_PATH_LEN];
    if (!ycfg_map_open(c, n, path, keys, with_apn ? 3 : 2, &m))
        return;
    if (with_apn) {
        yaml_node_t *an = ycfg_map_need(c, &m, "apn");
        ycfg_pj(kp, sizeof(kp), path, "apn");
        if (an && ycfg_rd_str(c, an, kp, apn, AGW_POLICY_APN_MAX, 1) &&
            !agw_config_apn(cfg, apn)) {
            ycfg_err(c, an, kp, "'%s' is not a configured APN", apn);
            apn[0] = 0;
        }
    }
    if (m.val[0])
        set->n_rules = rd_names(c, m.val[0], ycfg_pj(kp, sizeof(kp), path, "rules"),
                                "rule of policy.rules", p, find_rule, set->rules,
                                AGW_MAX_STATIC);
    if (m.val[1])
        set->n_bases = rd_names(c, m.val[1], ycfg_pj(kp, sizeof(kp), path, "base_names"),
                                "base name of policy.base_names", p, find_base, set->bases,
                                AGW_MAX_STATIC);
    uint16_t all[AGW_MAX_STATIC * (1 + AGW_BASE_MAX_RULES)];
    size_t na = 0;
    for (size_t i = 0; i < set->n_rules; i++)
        all[na++] = set->rules[i];
    for (size_t i = 0; i < set->n_bases; i++)
        for (unsigned j = 0; j < p->bases[set->bases[i]].n_rules; j++) {
            uint16_t x = p->bases[set->bases[i]].rules[j];
            bool dup = false;
            for (size_t k = 0; k < na; k++)
                dup |= all[k] == x;
            if (!dup)
                all[na++] = x;
        }
    if (na > AGW_BASE_MAX_RULES)
        ycfg_err(c, n, path, "%zu rules in all, at most %d fit a session", na,
                 AGW_BASE_MAX_RULES);
    for (size_t i = 0; i < na; i++)
        for (size_t j = i + 1; j < na; j++)
            if (p->rules[all[i]].precedence == p->rules[all[j]].precedence)
                ycfg_err(c, n, path, "rules '%s' and '%s' have the same precedence %u",
                         p->rules[all[i]].name, p->rules[all[j]].name,
                         p->rules[all[i]].precedence);
}

void agw_policy_read(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"rules", "base_names", "rating_groups", "static", "apns"};
    struct agw_policy *p = &cfg->policy;
    struct ycfg_map m;
    char ip[YCFG_PATH_LEN], kp[YCFG_PATH_LEN];
    if (!ycfg_map_open(c, n, "policy", keys, 5, &m))
        return;
    yaml_node_t *v;
    if ((v = m.val[0]) && ycfg_want_seq(c, v, "policy.rules")) {
        if (ycfg_seq_len(v) > AGW_MAX_PCC_RULES) {
            ycfg_err(c, v, "policy.rules", "%zu rules, at most %d allowed", ycfg_seq_len(v),
                     AGW_MAX_PCC_RULES);
        } else {
            YCFG_SEQ_FOREACH(c, v, it, item)
            {
                ycfg_pidx(ip, sizeof(ip), "policy.rules", p->n_rules);
                struct agw_pcc_rule *r = &p->rules[p->n_rules];
                rd_rule(c, item, ip, r);
                /* TS 29.212 5.3.6: a Charging-Rule-Name names one rule */
                if (r->name[0] && find_rule(p, r->name) >= 0)
                    ycfg_err(c, item, ip, "rule '%s' is already defined", r->name);
                p->n_rules++;
            }
        }
    }
    if ((v = m.val[1]) && ycfg_want_seq(c, v, "policy.base_names")) {
        if (ycfg_seq_len(v) > AGW_MAX_BASE_NAMES) {
            ycfg_err(c, v, "policy.base_names", "%zu base names, at most %d allowed",
                     ycfg_seq_len(v), AGW_MAX_BASE_NAMES);
        } else {
            YCFG_SEQ_FOREACH(c, v, it, item)
            {
                static const char *const bk[] = {"name", "rules"};
                struct ycfg_map bm;
                struct agw_base_name *b = &p->bases[p->n_bases];
                ycfg_pidx(ip, sizeof(ip), "policy.base_names", p->n_bases);
                p->n_bases++;
                if (!ycfg_map_open(c, item, ip, bk, 2, &bm))
                    continue;
                ycfg_rd_str(c, ycfg_map_need(c, &bm, "name"), ycfg_pj(kp, sizeof(kp), ip, "name"),
                            b->name, sizeof(b->name), 1);
                if (b->name[0] && find_base(p, b->name) != (int)(b - p->bases))
                    ycfg_err(c, item, ip, "base name '%s' is already defined", b->name);
                yaml_node_t *rl = ycfg_map_need(c, &bm, "rules");
                if (rl) {
                    ycfg_pj(kp, sizeof(kp), ip, "rules");
                    b->n_rules = (unsigned)rd_names(c, rl, kp, "rule of policy.rules", p,
                                                    find_rule, b->rules, AGW_BASE_MAX_RULES);
                    if (rl->type == YAML_SEQUENCE_NODE && !ycfg_seq_len(rl))
                        ycfg_err(c, rl, kp, "a base name groups at least one rule");
                }
            }
        }
    }
    if ((v = m.val[2]) && ycfg_want_seq(c, v, "policy.rating_groups")) {
        if (ycfg_seq_len(v) > AGW_MAX_RATING_GROUPS) {
            ycfg_err(c, v, "policy.rating_groups", "%zu rating groups, at most %d allowed",
                     ycfg_seq_len(v), AGW_MAX_RATING_GROUPS);
        } else {
            YCFG_SEQ_FOREACH(c, v, it, item)
            {
                static const char *const gk[] = {"id", "type", "quota", "period",
                                                  "final_action"};
                struct ycfg_map gm;
                struct agw_rating_group *g = &p->rating_groups[p->n_rating_groups];
                ycfg_pidx(ip, sizeof(ip), "policy.rating_groups", p->n_rating_groups);
                p->n_rating_groups++;
                if (!ycfg_map_open(c, item, ip, gk, 5, &gm))
                    continue;
                uint64_t id = 0;
                /* RFC 4006 8.29 Rating-Group (Unsigned32; 0 is the gateway's
                 * "no rating group") */
                if (ycfg_rd_uint(c, ycfg_map_need(c, &gm, "id"), ycfg_pj(kp, sizeof(kp), ip, "id"), 1,
                                 UINT32_MAX, &id)) {
                    g->id = (uint32_t)id;
                    for (size_t j = 0; j + 1 < p->n_rating_groups; j++)
                        if (p->rating_groups[j].id == g->id)
                            ycfg_err(c, item, ip, "rating group %u is already defined", g->id);
                }
                yaml_node_t *t = ycfg_map_need(c, &gm, "type");
                if (t)
                    YCFG_RD_ENUM(c, t, ycfg_pj(kp, sizeof(kp), ip, "type"), rg_types, g->type);
                ycfg_pj(kp, sizeof(kp), ip, "quota");
                if (g->type == AGW_RG_FINITE && !gm.val[2] && t)
                    ycfg_err(c, item, kp, "a finite rating group needs its quota (bytes)");
                else if (g->type != AGW_RG_FINITE && gm.val[2])
                    ycfg_err(c, gm.val[2], kp, "only a finite rating group has a quota");
                else if (gm.val[2])
                    ycfg_rd_uint(c, gm.val[2], kp, 1, QUOTA_MAX, &g->quota_bytes);
                ycfg_pj(kp, sizeof(kp), ip, "period");
                if (gm.val[3] && g->type != AGW_RG_FINITE)
                    ycfg_err(c, gm.val[3], kp, "only a finite rating group has a period");
                else if (gm.val[3])
                    YCFG_RD_ENUM(c, gm.val[3], kp, periods, g->period);
                if (gm.val[4] && t)
                    rd_final(c, gm.val[4], ycfg_pj(kp, sizeof(kp), ip, "final_action"), cfg, g);
            }
        }
    }
    if (m.val[3])
        rd_set(c, m.val[3], "policy.static", false, cfg, &p->static_set, NULL);
    if ((v = m.val[4]) && ycfg_want_seq(c, v, "policy.apns")) {
        if (ycfg_seq_len(v) > AGW_MAX_APN_POLICIES) {
            ycfg_err(c, v, "policy.apns", "%zu entries, at most %d allowed", ycfg_seq_len(v),
                     AGW_MAX_APN_POLICIES);
        } else {
            YCFG_SEQ_FOREACH(c, v, it, item)
            {
                struct agw_apn_policy *a = &p->apns[p->n_apns];
                ycfg_pidx(ip, sizeof(ip), "policy.apns", p->n_apns);
                p->n_apns++;
                rd_set(c, item, ip, true, cfg, &a->set, a->apn);
                for (size_t j = 0; a->apn[0] && j + 1 < p->n_apns; j++)
                    if (!strcasecmp(p->apns[j].apn, a->apn))
                        ycfg_err(c, item, ip, "APN '%s' already has its policy in "
                                 "policy.apns[%zu]", a->apn, j);
            }
        }
    }
}
