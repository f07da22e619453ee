/* Datapath session specifications as operators and the control plane write
 * them, independent of the map layouts of bpf/xepc_dp.h, and their parsers
 * (the compact text syntax of xepcctl, documented in docs/cli.md).
 *
 * Addresses are in network byte order, everything else in host order. */
#ifndef XEPC_DP_SPEC_H
#define XEPC_DP_SPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_MAX_RULES 16
#define DP_MAX_QUOTAS 8

enum dp_dir {
    DP_DIR_UL = 1,
    DP_DIR_DL = 2,
    DP_DIR_BOTH = 3,
};

enum dp_action {
    DP_ACTION_PASS = 0,
    DP_ACTION_DROP = 1,
    DP_ACTION_REDIRECT = 2,
    DP_ACTION_BEARER = 3,    /* downlink into the dedicated bearer of
                              * bearer_teid (a TFT packet filter) */
};

/* Final-unit action when a rating group's quota runs out. */
enum dp_fua {
    DP_FUA_DROP = 0,
    DP_FUA_REDIRECT = 1,
    DP_FUA_RESTRICT = 2,
};

/* One SDF rule.  A zero prefix length matches any address, proto 0 any
 * protocol, the port range 0-65535 any port. */
struct dp_rule_spec {
    uint16_t precedence;     /* lower wins */
    uint8_t dir;             /* enum dp_dir */
    uint8_t proto;           /* IP protocol number, 0 = any */
    /* Written as the uplink flow: src/sport are the UE side, dst/dport the
     * network side; downlink packets of the flow match them reversed. */
    struct in_addr src;
    uint8_t src_plen;
    struct in_addr dst;
    uint8_t dst_plen;
    uint16_t sport_lo, sport_hi;
    uint16_t dport_lo, dport_hi;
    uint8_t action;          /* enum dp_action; redirect = to the portal */
    uint64_t mbr_bps;        /* per-rule meter rate in bits/s, 0 = none */
    uint32_t burst_bytes;    /* meter bucket depth in bytes, 0 = default */
    uint32_t rating_group;   /* 0 = the session's default counting only */
    bool always_allowed;     /* still passes under fua=restrict */
    uint8_t tos, tos_mask;   /* (TOS & tos_mask) == tos; mask 0 = any
                              * (TS 24.008 10.5.6.12 type of service) */
    uint32_t bearer_teid;    /* DP_ACTION_BEARER: the uplink TEID of the
                              * dedicated bearer's session (spec.bearer) */
};

struct dp_quota_spec {
    uint32_t rating_group;
    uint64_t bytes;          /* granted volume, both directions */
    uint8_t threshold_pct;   /* threshold event at this % used, 0 = none */
    uint64_t threshold_bytes; /* if not 0: event when this many bytes remain
                               * (overrides threshold_pct; what a session
                               * read back from the maps carries) */
    uint8_t fua;             /* enum dp_fua; redirect = to the portal */
    bool keep;               /* dp_session_modify: the slot goes on from the
                              * session's current online slot of this
                              * rating group (its counters, remainder and
                              * event state; `bytes` then unused), so that
                              * what it counted and what is left of the
                              * grant survive a policy rebuild in the
                              * kernel itself, with no write in userspace
                              * that a crash could lose */
};

struct dp_session_spec {
    uint32_t ul_teid;        /* the gateway's S1-U TEID (key for uplink) */
    struct in_addr ue_addr;  /* key for downlink */
    bool has_tunnel;         /* false: idle UE, downlink is buffered/paged */
    struct in_addr enb_addr;
    uint32_t dl_teid;        /* the eNB's TEID */
    bool bearer;             /* a dedicated bearer (TS 23.401 4.7.2): no UE
                              * entry; ue_addr is its default bearer's, whose
                              * DP_ACTION_BEARER rules send it its downlink;
                              * ul/dl_ambr_bps are then its MBR (GBR bearer)
                              * or 0 (non-GBR) */
    uint32_t policy_teid;    /* a dedicated bearer only: the uplink TEID of
                              * its default bearer's session, whose rules
                              * and charging slots its uplink takes
                              * (XEPC_SF_SHARED_POLICY): a rating group's
                              * quota is one, whatever bearer carries it
                              * (TS 29.212 4.5.2, TS 32.299 5.1); the
                              * library keeps it in step when that
                              * session's policy changes.  0 = the
                              * bearer's own rules (none: counted on the
                              * bearer only) */
    uint64_t ul_ambr_bps;    /* 0 = unlimited */
    uint64_t dl_ambr_bps;
    uint32_t n_rules;
    struct dp_rule_spec rules[DP_MAX_RULES];
    uint32_t n_quotas;
    struct dp_quota_spec quotas[DP_MAX_QUOTAS];
    uint64_t ambr_burst_bytes; /* APN-AMBR bucket depth, bytes, both
                                * directions; 0 = dp_ambr_default_burst() of
                                * each direction's rate (docs/datapath.md
                                * "meters") */
    bool has_ue6;            /* PDN type IPv6 or IPv4v6 (TS 23.401
                              * 5.3.1.2.2): the UE has the /64 below; with
                              * ue_addr 0.0.0.0 the session is IPv6 only */
    uint8_t ue6_prefix[8];   /* the UE's /64, network order (the key of
                              * the IPv6 downlink, the uplink's source) */
    bool enb_is6;            /* the tunnel's eNB is on IPv6 (GTP-U over IPv6,
                              * TS 29.281 4.4.1): enb6_addr, enb_addr 0 */
    struct in6_addr enb6_addr;
};

/* Parsers: 0 or -EINVAL/-ERANGE; on error, err (if not NULL, errlen > 0)
 * receives a sentence saying what was wrong. */
int dp_parse_rule(const char *text, struct dp_rule_spec *rule, char *err, size_t errlen);
int dp_parse_quota(const char *text, struct dp_quota_spec *quota, char *err, size_t errlen);

/* "1000", "10k", "2.5M", "1G" -> 1000, 10e3, 2.5e6, 1e9 (SI, decimal). */
int dp_parse_scaled(const char *text, uint64_t *out);
/* "10.0.0.0/8" or "10.1.2.3" (= /32). */
int dp_parse_prefix(const char *text, struct in_addr *addr, uint8_t *plen);
/* "80", "80-443". */
int dp_parse_port_range(const char *text, uint16_t *lo, uint16_t *hi);
/* "2001:db8:1:2::/64" (or without /64): an IPv6 /64, whose last 64 bits
 * must be 0, into its first 8 octets. */
int dp_parse_prefix6(const char *text, uint8_t prefix[8], char *err, size_t errlen);
/* 0 when the /64 can be a UE's (global unicast or unique local); -EINVAL
 * with a sentence for ::/64, link-local fe80::/10 and multicast ff00::/8
 * (RFC 4291 2.4), which the UE's link already uses or cannot route. */
int dp_ue6_prefix_check(const uint8_t prefix[8], char *err, size_t errlen);
/* Text form "2001:db8:1:2::/64" of a /64 (buf >= INET6_ADDRSTRLEN + 3). */
const char *dp_prefix6_str(const uint8_t prefix[8], char *buf, size_t len);

/* 0 when a can be an S1-U transport address (global or unique-local
 * unicast); -EINVAL with a sentence in err for ::, multicast, link-local,
 * loopback and IPv4-mapped addresses. */
int dp_s1u6_addr_check(const struct in6_addr *a, char *err, size_t errlen);

/* Decimal or 0x-hex 32-bit value. */
int dp_parse_u32(const char *text, uint32_t *out);

/* Checks the whole session: TEIDs non-zero, precedences distinct, rule
 * rating groups have quotas only where needed, quotas and rates in range,
 * a UE address that can be a UE (dp_ue_addr_check()), etc. */
int dp_session_spec_check(const struct dp_session_spec *s, char *err, size_t errlen);

/* Every quota of s is for a rating group that some rule of s carries
 * (otherwise it would never be charged nor run out): 0 or -EINVAL with a
 * sentence.  Checked when quotas are given (add, modify with
 * DP_MOD_QUOTAS); a modify that only replaces the rules keeps the quotas
 * as they are. */
int dp_session_quotas_check(const struct dp_session_spec *s, char *err, size_t errlen);

/* The APN-AMBR bucket depth a session gets without ambr_burst_bytes, for
 * a rate in bit/s (docs/datapath.md "meters", "AMBR and TCP"). */
uint64_t dp_ambr_default_burst(uint64_t bps);
/* The default APN-AMBR bucket: this many ms of the rate */
#define DP_AMBR_BURST_DEFAULT_MS 500u
/* Smallest explicit AMBR burst, bytes: one full-size Ethernet payload */
#define DP_AMBR_BURST_MIN 1500u

/* Highest AMBR/MBR accepted, bit/s: 10 Tbit/s (extended APN-AMBR, TS
 * 24.301 9.9.4.29, reaches 4.29 Tbit/s). */
#define DP_RATE_MAX_BPS 10000000000000ull

/* 0 when addr (network order) can be a UE's address; -EINVAL with a
 * sentence otherwise: 0.0.0.0/8 ("this network", RFC 1122 3.2.1.3),
 * 127.0.0.0/8 (loopback), 224.0.0.0/4 (multicast, RFC 5771), 240.0.0.0/4
 * (reserved, RFC 1112) including 255.255.255.255 (broadcast, RFC 919). */
int dp_ue_addr_check(struct in_addr addr, char *err, size_t errlen);

/* cur + add, saturated at XEPC_QUOTA_MAX (*saturated then true). */
int64_t dp_quota_sum(int64_t cur, uint64_t add, bool *saturated);

/* Text forms for output (static strings). */
const char *dp_dir_str(uint8_t dir);
const char *dp_action_str(uint8_t action);
const char *dp_fua_str(uint8_t fua);
const char *dp_proto_str(uint8_t proto, char *buf, size_t len);

/* Writes the rule back in the syntax dp_parse_rule reads. */
int dp_rule_format(const struct dp_rule_spec *r, char *buf, size_t len);
int dp_quota_format(const struct dp_quota_spec *q, char *buf, size_t len);

#endif
