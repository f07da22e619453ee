/* The gateway's own policy (docs/agw.md "policy", docs/charging.md "Local
 * policy"): PCC rules defined in the configuration, base names grouping
 * them, rating groups with their charging semantics, and the rules and
 * base names every PDN connection gets when no PCRF is configured.
 *
 *   policy.rules         predefined PCC rules (TS 29.212 4.5.2.1, 5.3.4):
 *                        a PCRF installs and removes them by
 *                        Charging-Rule-Name
 *   policy.base_names    groups of them, by Charging-Rule-Base-Name
 *   policy.rating_groups unmetered (not counted by rating group), metered
 *                        (counted), finite (a quota the kernel enforces,
 *                        then its final_action: drop, redirect, restrict,
 *                        terminate)
 *   policy.static        rules and base names of every PDN connection
 *                        when diameter.gx is not configured
 *   policy.apns          per APN, the rules and base names its PDN
 *                        connections get instead of policy.static
 *
 * Parsed by agw_config.c (strict, as the rest of the file); the parsing
 * lives in agw_policy.c. */
#ifndef XEPC_AGW_POLICY_H
#define XEPC_AGW_POLICY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGW_MAX_PCC_RULES 32
#define AGW_PCC_NAME_MAX 64     /* as DIAM_STR_MAX: a Charging-Rule-Name */
#define AGW_PCC_FLOW_MAX 128    /* as DIAM_FLOW_MAX: an IPFilterRule */
#define AGW_PCC_MAX_FLOWS 4     /* as DIAM_MAX_FLOWS */
#define AGW_MAX_BASE_NAMES 16
#define AGW_BASE_MAX_RULES 8    /* as DIAM_MAX_RULES: what one session holds */
#define AGW_MAX_RATING_GROUPS 16
#define AGW_MAX_STATIC 8
#define AGW_MAX_APN_POLICIES 64 /* as AGW_MAX_APNS */
#define AGW_POLICY_APN_MAX 101  /* as AGW_APN_NAME_MAX + 1 */

/* TS 29.212 5.3.48 Flow-Status */
enum agw_pcc_action {
    AGW_PCC_ENABLED_UPLINK = 0,
    AGW_PCC_ENABLED_DOWNLINK = 1,
    AGW_PCC_PASS = 2,           /* ENABLED */
    AGW_PCC_DROP = 3,           /* DISABLED */
    AGW_PCC_REDIRECT = 4,       /* ENABLED, uplink to the datapath's portal
                                 * (the orchestrator's redirect rules) */
};

struct agw_pcc_rule {
    char name[AGW_PCC_NAME_MAX];
    uint32_t precedence;                /* 1..16383 (4 dp rules each) */
    unsigned n_flows;
    char flows[AGW_PCC_MAX_FLOWS][AGW_PCC_FLOW_MAX]; /* IPFilterRules */
    uint32_t direction;                 /* 5.3.65 Flow-Direction: 1 DL, 2 UL, 3 both */
    uint32_t action;                    /* enum agw_pcc_action */
    uint32_t rating_group;              /* 0 = none */
    uint64_t mbr_ul_bps, mbr_dl_bps;    /* 0 = none */
    char monitoring_key[AGW_PCC_NAME_MAX]; /* "" = none */
};

struct agw_base_name {
    char name[AGW_PCC_NAME_MAX];
    unsigned n_rules;
    uint16_t rules[AGW_BASE_MAX_RULES]; /* indices into policy.rules */
};

enum agw_rg_type {
    AGW_RG_METERED = 0,         /* counted per rating group (default) */
    AGW_RG_UNMETERED = 1,       /* not counted by rating group */
    AGW_RG_FINITE = 2,          /* counted, and a quota of quota_bytes */
    AGW_RG_ONLINE = 3,          /* charged over Gy where the APN has it
                                 * (its own MSCC), else metered */
};

/* What a finite rating group's quota is the allowance of (docs/charging.md
 * "Local policy"). */
enum agw_rg_period {
    AGW_RG_PER_CONNECTION = 0,  /* each PDN connection's own (the default) */
    AGW_RG_DAILY = 1,           /* the subscriber's per UTC day, all its PDN
                                 * connections together, booked in SQLite */
    AGW_RG_MONTHLY = 2,         /* likewise per UTC calendar month */
};

/* What the kernel does with a finite rating group's traffic once its quota
 * is used (docs/charging.md "Local policy"): the final-unit actions of
 * RFC 4006 8.35 that Gy's Final-Unit-Indication brings, here from the
 * configuration. */
enum agw_rg_final {
    AGW_RG_FINAL_DROP = 0,      /* its packets dropped (the default) */
    AGW_RG_FINAL_REDIRECT = 1,  /* its HTTP (TCP to final_port) to the
                                 * datapath's portal, the rest dropped */
    AGW_RG_FINAL_RESTRICT = 2,  /* only the flows of final_rules pass */
    AGW_RG_FINAL_TERMINATE = 3, /* the PDN connection released (the UE
                                 * detached if it is its last) */
};

struct agw_rating_group {
    uint32_t id;                        /* RFC 4006 8.29, 1..2^32-1 */
    enum agw_rg_type type;
    uint64_t quota_bytes;               /* finite: the volume, both directions */
    enum agw_rg_period period;          /* finite: of what it is the allowance */
    enum agw_rg_final final_action;     /* finite: once the quota is used */
    struct in_addr final_portal;        /* redirect: the portal (IPv4) */
    uint16_t final_port;                /* redirect: the HTTP port (80) */
    unsigned n_final_rules;             /* restrict: names of policy.rules */
    char final_rules[AGW_BASE_MAX_RULES][AGW_PCC_NAME_MAX];
};

/* What the local policy gives a PDN connection (policy.static, or its
 * APN's entry of policy.apns): indices into rules and bases. */
struct agw_policy_set {
    uint16_t rules[AGW_MAX_STATIC];
    size_t n_rules;
    uint16_t bases[AGW_MAX_STATIC];
    size_t n_bases;
};

struct agw_apn_policy {
    char apn[AGW_POLICY_APN_MAX];       /* a configured APN, compared
                                         * case-insensitively */
    struct agw_policy_set set;
};

struct agw_policy {
    struct agw_pcc_rule rules[AGW_MAX_PCC_RULES];
    size_t n_rules;
    struct agw_base_name bases[AGW_MAX_BASE_NAMES];
    size_t n_bases;
    struct agw_rating_group rating_groups[AGW_MAX_RATING_GROUPS];
    size_t n_rating_groups;
    struct agw_policy_set static_set;   /* policy.static */
    struct agw_apn_policy apns[AGW_MAX_APN_POLICIES]; /* policy.apns */
    size_t n_apns;
};

const char *agw_rg_type_str(enum agw_rg_type t);
/* The rule, base name or rating group of that name/id; NULL if none. */
const struct agw_pcc_rule *agw_policy_rule(const struct agw_policy *p, const char *name);
const struct agw_base_name *agw_policy_base(const struct agw_policy *p, const char *name);
const struct agw_rating_group *agw_policy_rating_group(const struct agw_policy *p, uint32_t id);
/* The local policy of a PDN connection on apn: its policy.apns entry, else
 * policy.static. */
const struct agw_policy_set *agw_policy_local(const struct agw_policy *p, const char *apn);

/* The `policy` section into cfg->policy (agw_config.c calls it after the
 * apns, which policy.apns names). */
struct ycfg;
struct yaml_node_s;
struct agw_config;
void agw_policy_read(struct ycfg *c, struct yaml_node_s *n, struct agw_config *cfg);

/* IPFilterRule of TS 29.212 5.4.2 / RFC 6733 4.3 as the gateway takes it
 * ("permit out PROTO from SRC [PORTS] to DST [PORTS]"), checked alone:
 * 0 or -EINVAL.  gx_ipfilter_parse() (gx_policy.c) turns it into a dp
 * rule. */
int agw_ipfilter_check(const char *text);

#endif
