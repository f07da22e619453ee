/* Parsing and printing of session specifications (rules, quotas). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp/dp_spec.h"
#include "xepc_dp.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int dp_parse_u32(const char *text, uint32_t *out)
{
    char *end;
    if (!text || !*text || *text == '-' || *text == '+')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end)
        return -EINVAL;
    if (v > UINT32_MAX)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}

int dp_parse_scaled(const char *text, uint64_t *out)
{
    char *end;
    if (!text || !*text || *text == '-' || *text == '+')
        return -EINVAL;
    if (strspn(text, "0123456789") == strlen(text)) {
        /* a plain integer exactly (a double keeps only 53 bits) */
        errno = 0;
        unsigned long long u = strtoull(text, &end, 10);
        if (errno == ERANGE)
            return -ERANGE;
        if (errno || *end)
            return -EINVAL;
        *out = u;
        return 0;
    }
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || !isfinite(v) || v < 0)
        return -EINVAL;
    double mult = 1;
    switch (*end) {
    case 0:
        break;
    case 'k': case 'K': mult = 1e3; end++; break;
    case 'm': case 'M': mult = 1e6; end++; break;
    case 'g': case 'G': mult = 1e9; end++; break;
    case 't': case 'T': mult = 1e12; end++; break;
    default:
        return -EINVAL;
    }
    if (*end)
        return -EINVAL;
    v *= mult;
    if (v >= 18446744073709551615.0)
        return -ERANGE;
    if (v != floor(v))
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int dp_parse_prefix(const char *text, struct in_addr *addr, uint8_t *plen)
{
    char buf[INET_ADDRSTRLEN + 4];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    uint32_t p = 32;

    if (alen >= INET_ADDRSTRLEN)
        return -EINVAL;
    memcpy(buf, text, alen);
    buf[alen] = 0;
    if (inet_pton(AF_INET, buf, addr) != 1)
        return -EINVAL;
    if (slash) {
        if (dp_parse_u32(slash + 1, &p) || p > 32)
            return -EINVAL;
    }
    uint32_t mask = p ? htonl(~0u << (32 - p)) : 0;
    if (addr->s_addr & ~mask)
        return -EINVAL; /* host bits set: a typo more often than not */
    *plen = (uint8_t)p;
    return 0;
}

int dp_parse_port_range(const char *text, uint16_t *lo, uint16_t *hi)
{
    char buf[16];
    uint32_t a, b;
    const char *dash = strchr(text, '-');

    if (strlen(text) >= sizeof(buf))
        return -EINVAL;
    strcpy(buf, text);
    if (dash) {
        buf[dash - text] = 0;
        if (dp_parse_u32(buf, &a) || dp_parse_u32(buf + (dash - text) + 1, &b))
            return -EINVAL;
    } else {
        if (dp_parse_u32(buf, &a))
            return -EINVAL;
        b = a;
    }
    if (a > 65535 || b > 65535 || a > b)
        return -ERANGE;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

static int parse_proto(const char *v, uint8_t *proto)
{
    static const struct { const char *name; uint8_t num; } names[] = {
        {"any", 0}, {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"gre", 47},
        {"esp", 50}, {"sctp", 132},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(v, names[i].name)) {
            *proto = names[i].num;
            return 0;
        }
    uint32_t n;
    if (dp_parse_u32(v, &n) || n > 255)
        return -EINVAL;
    *proto = (uint8_t)n;
    return 0;
}

/* Splits "k=v,k=v,flag" in place; calls fn for each pair. */
typedef int (*kv_fn)(void *obj, const char *key, const char *val, char *err, size_t errlen);

static int parse_kv_list(const char *text, void *obj, kv_fn fn, char *err, size_t errlen)
{
    char buf[512];
    if (!text || !*text)
        return fail(err, errlen, -EINVAL, "empty specification");
    if (strlen(text) >= sizeof(buf))
        return fail(err, errlen, -EINVAL, "specification longer than %zu characters",
                    sizeof(buf) - 1);
    strcpy(buf, text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        const char *val = "";
        if (eq) {
            *eq = 0;
            val = eq + 1;
        }
        int rc = fn(obj, tok, val, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int rule_kv(void *obj, const char *key, const char *val, char *err, size_t errlen)
{
    struct dp_rule_spec *r = obj;
    uint32_t n;
    uint64_t v;

    if (!strcmp(key, "prec") || !strcmp(key, "precedence")) {
        if (dp_parse_u32(val, &n) || n > 65535)
            return fail(err, errlen, -EINVAL, "prec wants 0..65535, not '%s'", val);
        r->precedence = (uint16_t)n;
    } else if (!strcmp(key, "dir")) {
        if (!strcmp(val, "ul"))
            r->dir = DP_DIR_UL;
        else if (!strcmp(val, "dl"))
            r->dir = DP_DIR_DL;
        else if (!strcmp(val, "both"))
            r->dir = DP_DIR_BOTH;
        else
            return fail(err, errlen, -EINVAL, "dir wants ul, dl or both, not '%s'", val);
    } else if (!strcmp(key, "proto")) {
        if (parse_proto(val, &r->proto))
            return fail(err, errlen, -EINVAL,
                        "proto wants any, tcp, udp, icmp, ... or 0..255, not '%s'", val);
    } else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
        bool src = key[0] == 's';
        if (dp_parse_prefix(val, src ? &r->src : &r->dst, src ? &r->src_plen : &r->dst_plen))
            return fail(err, errlen, -EINVAL,
                        "%s wants an IPv4 prefix like 10.0.0.0/8 (no host bits), not '%s'",
                        key, val);
    } else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
        bool s = key[0] == 's';
        if (dp_parse_port_range(val, s ? &r->sport_lo : &r->dport_lo,
                                s ? &r->sport_hi : &r->dport_hi))
            return fail(err, errlen, -EINVAL, "%s wants a port or LO-HI (0..65535), not '%s'",
                        key, val);
    } else if (!strcmp(key, "action")) {
        if (!strcmp(val, "pass") || !strcmp(val, "allow"))
            r->action = DP_ACTION_PASS;
        else if (!strcmp(val, "drop") || !strcmp(val, "deny"))
            r->action = DP_ACTION_DROP;
        else if (!strcmp(val, "redirect"))
            r->action = DP_ACTION_REDIRECT;
        else
            return fail(err, errlen, -EINVAL, "action wants pass, drop or redirect, not '%s'",
                        val);
    } else if (!strcmp(key, "bearer")) {
        if (dp_parse_u32(val, &n) || !n)
            return fail(err, errlen, -EINVAL, "bearer wants the dedicated bearer's uplink "
                        "TEID, not '%s'", val);
        r->action = DP_ACTION_BEARER;
        r->bearer_teid = n;
    } else if (!strcmp(key, "tos")) {
        char tv[16];
        snprintf(tv, sizeof(tv), "%s", val);
        char *slash = strchr(tv, '/');
        uint32_t mask = 0xff;
        if (slash)
            *slash = 0;
        if (strlen(val) >= sizeof(tv) || dp_parse_u32(tv, &n) || n > 255 ||
            (slash && (dp_parse_u32(slash + 1, &mask) || mask > 255 || !mask)))
            return fail(err, errlen, -EINVAL, "tos wants VALUE[/MASK], each 0..255, not '%s'",
                        val);
        if (n & ~mask)
            return fail(err, errlen, -EINVAL, "tos 0x%02x has bits outside its mask 0x%02x", n,
                        mask);
        r->tos = (uint8_t)n;
        r->tos_mask = (uint8_t)mask;
    } else if (!strcmp(key, "mbr") || !strcmp(key, "meter")) {
        if (dp_parse_scaled(val, &v) || !v)
            return fail(err, errlen, -EINVAL,
                        "%s wants a rate in bit/s like 10M (k, M, G = 10^3, 10^6, 10^9), not '%s'",
                        key, val);
        r->mbr_bps = v;
    } else if (!strcmp(key, "burst")) {
        if (dp_parse_scaled(val, &v) || !v || v > UINT32_MAX)
            return fail(err, errlen, -EINVAL, "burst wants bytes (1..4G), not '%s'", val);
        r->burst_bytes = (uint32_t)v;
    } else if (!strcmp(key, "rg")) {
        if (dp_parse_u32(val, &n) || !n)
            return fail(err, errlen, -EINVAL, "rg wants a rating group 1..4294967295, not '%s'",
                        val);
        r->rating_group = n;
    } else if (!strcmp(key, "always")) {
        if (*val)
            return fail(err, errlen, -EINVAL, "'always' takes no value");
        r->always_allowed = true;
    } else {
        return fail(err, errlen, -EINVAL,
                    "unknown rule key '%s' (prec, dir, proto, src, dst, sport, dport, action, "
                    "mbr, burst, rg, always, tos, bearer)", key);
    }
    return 0;
}

int dp_parse_rule(const char *text, struct dp_rule_spec *rule, char *err, size_t errlen)
{
    struct dp_rule_spec r = {
        .dir = DP_DIR_BOTH,
        .sport_hi = 65535,
        .dport_hi = 65535,
        .precedence = 65535,
    };
    int rc = parse_kv_list(text, &r, rule_kv, err, errlen);
    if (rc)
        return rc;
    if (r.burst_bytes && !r.mbr_bps)
        return fail(err, errlen, -EINVAL, "burst= needs mbr=");
    bool ports = r.sport_lo || r.sport_hi != 65535 || r.dport_lo || r.dport_hi != 65535;
    if (ports && r.proto != 6 && r.proto != 17 && r.proto != 132)
        return fail(err, errlen, -EINVAL, "port ranges need proto=tcp, udp or sctp");
    *rule = r;
    return 0;
}

static int quota_kv(void *obj, const char *key, const char *val, char *err, size_t errlen)
{
    struct dp_quota_spec *q = obj;
    uint32_t n;
    uint64_t v;

    if (!strcmp(key, "rg")) {
        if (dp_parse_u32(val, &n) || !n)
            return fail(err, errlen, -EINVAL, "rg wants a rating group 1..4294967295, not '%s'",
                        val);
        q->rating_group = n;
    } else if (!strcmp(key, "bytes")) {
        if (dp_parse_scaled(val, &v))
            return fail(err, errlen, -EINVAL, "bytes wants a volume like 500M, not '%s'", val);
        q->bytes = v;
    } else if (!strcmp(key, "threshold")) {
        size_t l = strlen(val);
        char num[8];
        if (!l || l >= sizeof(num) || val[l - 1] != '%')
            return fail(err, errlen, -EINVAL, "threshold wants a percentage like 80%%, not '%s'",
                        val);
        memcpy(num, val, l - 1);
        num[l - 1] = 0;
        if (dp_parse_u32(num, &n) || n > 99)
            return fail(err, errlen, -EINVAL, "threshold wants 0%%..99%%, not '%s'", val);
        q->threshold_pct = (uint8_t)n;
    } else if (!strcmp(key, "fua")) {
        if (!strcmp(val, "drop"))
            q->fua = DP_FUA_DROP;
        else if (!strcmp(val, "redirect"))
            q->fua = DP_FUA_REDIRECT;
        else if (!strcmp(val, "restrict"))
            q->fua = DP_FUA_RESTRICT;
        else
            return fail(err, errlen, -EINVAL, "fua wants drop, redirect or restrict, not '%s'",
                        val);
    } else {
        return fail(err, errlen, -EINVAL,
                    "unknown quota key '%s' (rg, bytes, threshold, fua)", key);
    }
    return 0;
}

int dp_parse_quota(const char *text, struct dp_quota_spec *quota, char *err, size_t errlen)
{
    struct dp_quota_spec q = {.fua = DP_FUA_DROP, .bytes = UINT64_MAX};
    int rc = parse_kv_list(text, &q, quota_kv, err, errlen);
    if (rc)
        return rc;
    if (!q.rating_group)
        return fail(err, errlen, -EINVAL, "a quota needs rg=");
    if (q.bytes == UINT64_MAX)
        return fail(err, errlen, -EINVAL, "a quota needs bytes=");
    *quota = q;
    return 0;
}

int dp_ue_addr_check(struct in_addr addr, char *err, size_t errlen)
{
    char a[INET_ADDRSTRLEN];
    uint32_t h = ntohl(addr.s_addr);
    const char *why = NULL;
    if (!h)
        return fail(err, errlen, -EINVAL, "a session needs a UE address");
    if (h >> 24 == 0)
        why = "in 0.0.0.0/8 (this network, RFC 1122 3.2.1.3)";
    else if (h >> 24 == 127)
        why = "a loopback address (127.0.0.0/8)";
    else if (h == 0xffffffffu)
        why = "the limited broadcast address (RFC 919)";
    else if (h >> 28 == 0xe)
        why = "a multicast address (224.0.0.0/4, RFC 5771)";
    else if (h >> 28 == 0xf)
        why = "a reserved address (240.0.0.0/4, RFC 1112)";
    if (!why)
        return 0;
    inet_ntop(AF_INET, &addr, a, sizeof(a));
    return fail(err, errlen, -EINVAL, "UE address %s is %s: it can never be a UE's", a, why);
}

int64_t dp_quota_sum(int64_t cur, uint64_t add, bool *saturated)
{
    /* Room up to the cap, in unsigned arithmetic (cur may be negative: a
     * quota the kernel found exhausted is never below 0, but do not trust
     * the map); a cur above the cap (not written by us) has none. */
    uint64_t room = cur >= XEPC_QUOTA_MAX ? 0 : (uint64_t)XEPC_QUOTA_MAX - (uint64_t)cur;
    *saturated = add > room;
    if (*saturated)
        return cur > XEPC_QUOTA_MAX ? cur : XEPC_QUOTA_MAX;
    return (int64_t)((uint64_t)cur + add);
}

/* DP_AMBR_BURST_DEFAULT_MS of the rate, at least 15 000 bytes (ten
 * full-size packets), at most XEPC_METER_BURST_MAX.  Why 500 ms and not the
 * 100 ms of xepc_meter_default_burst(): a TCP sender that overruns a drop
 * policer loses a run of segments and often waits out a retransmission
 * timeout (at least 200 ms in Linux, 1 s in RFC 6298 2.4) with nothing
 * to send; a bucket shallower than rate x that idle time throws away the
 * tokens of the wait, and TCP got 52 % of a 20 Mbit/s AMBR.  Measured in
 * docs/datapath.md "AMBR and TCP". */
uint64_t dp_ambr_default_burst(uint64_t bps)
{
    uint64_t rate = bps / 8 ? bps / 8 : 1;
    uint64_t b = rate / 1000 * DP_AMBR_BURST_DEFAULT_MS + rate % 1000 * DP_AMBR_BURST_DEFAULT_MS / 1000;
    if (b < 15000)
        b = 15000;
    return b > XEPC_METER_BURST_MAX ? XEPC_METER_BURST_MAX : b;
}

int dp_parse_prefix6(const char *text, uint8_t prefix[8], char *err, size_t errlen)
{
    char buf[INET6_ADDRSTRLEN + 8];
    struct in6_addr a;
    if (!text || strlen(text) >= sizeof(buf))
        return fail(err, errlen, -EINVAL, "bad IPv6 prefix '%s'", text ? text : "");
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        if (strcmp(slash + 1, "64"))
            return fail(err, errlen, -EINVAL, "IPv6 prefix '%s': a UE gets a /64 "
                        "(TS 23.401 5.3.1.2.2), not /%s", text, slash + 1);
    }
    if (inet_pton(AF_INET6, buf, &a) != 1)
        return fail(err, errlen, -EINVAL, "bad IPv6 prefix '%s'", text);
    for (int i = 8; i < 16; i++)
        if (a.s6_addr[i])
            return fail(err, errlen, -EINVAL, "IPv6 prefix '%s' has bits set after the "
                        "first 64", text);
    memcpy(prefix, a.s6_addr, 8);
    return 0;
}

int dp_ue6_prefix_check(const uint8_t p[8], char *err, size_t errlen)
{
    static const uint8_t zero[8];
    char b[INET6_ADDRSTRLEN + 4];
    if (!memcmp(p, zero, 8))
        return fail(err, errlen, -EINVAL, "IPv6 prefix ::/64 cannot be a UE's");
    if (p[0] == 0xfe && (p[1] & 0xc0) == 0x80)
        return fail(err, errlen, -EINVAL, "IPv6 prefix %s is link-local (RFC 4291 2.5.6): "
                    "every UE's link has it", dp_prefix6_str(p, b, sizeof(b)));
    if (p[0] == 0xff)
        return fail(err, errlen, -EINVAL, "IPv6 prefix %s is multicast (RFC 4291 2.7)",
                    dp_prefix6_str(p, b, sizeof(b)));
    return 0;
}

const char *dp_prefix6_str(const uint8_t prefix[8], char *buf, size_t len)
{
    struct in6_addr a;
    char t[INET6_ADDRSTRLEN];
    memset(&a, 0, sizeof(a));
    memcpy(a.s6_addr, prefix, 8);
    inet_ntop(AF_INET6, &a, t, sizeof(t));
    snprintf(buf, len, "%s/64", t);
    return buf;
}

/* An address that can be an S1-U end point: not ::, not multicast, not
 * link-local (a tunnel end point is reached by routing, without a scope),
 * not an IPv4-mapped one (that eNB is on IPv4). */
int dp_s1u6_addr_check(const struct in6_addr *a, char *err, size_t errlen)
{
    const char *why = NULL;
    if (IN6_IS_ADDR_UNSPECIFIED(a))
        why = "the unspecified address ::";
    else if (IN6_IS_ADDR_MULTICAST(a))
        why = "a multicast address";
    else if (IN6_IS_ADDR_LINKLOCAL(a))
        why = "a link-local address (fe80::/10)";
    else if (IN6_IS_ADDR_V4MAPPED(a))
        why = "an IPv4-mapped address (use the IPv4 address)";
    else if (IN6_IS_ADDR_LOOPBACK(a))
        why = "the loopback address";
    if (!why)
        return 0;
    if (err && errlen) {
        char b[INET6_ADDRSTRLEN];
        snprintf(err, errlen, "%s is %s, not an S1-U transport address",
                 inet_ntop(AF_INET6, a, b, sizeof(b)) ? b : "?", why);
    }
    return -EINVAL;
}

int dp_session_spec_check(const struct dp_session_spec *s, char *err, size_t errlen)
{
    if (!s->ul_teid)
        return fail(err, errlen, -EINVAL, "the uplink TEID must not be 0 (TS 29.281 5.1)");
    int rc;
    if (s->has_ue6) {
        rc = dp_ue6_prefix_check(s->ue6_prefix, err, errlen);
        if (rc)
            return rc;
    }
    /* PDN type IPv6 (TS 24.301 9.9.4.10): no IPv4 address, 0.0.0.0 */
    if (!(s->has_ue6 && !s->ue_addr.s_addr)) {
        rc = dp_ue_addr_check(s->ue_addr, err, errlen);
        if (rc)
            return rc;
    }
    if (s->ul_ambr_bps > DP_RATE_MAX_BPS || s->dl_ambr_bps > DP_RATE_MAX_BPS)
        return fail(err, errlen, -ERANGE, "an AMBR above 10T bit/s (%llu) is not supported",
                    (unsigned long long)(s->ul_ambr_bps > s->dl_ambr_bps ? s->ul_ambr_bps
                                                                         : s->dl_ambr_bps));
    if (s->ambr_burst_bytes) {
        if (!s->ul_ambr_bps && !s->dl_ambr_bps)
            return fail(err, errlen, -EINVAL, "an AMBR burst needs an AMBR (ul or dl)");
        if (s->ambr_burst_bytes < DP_AMBR_BURST_MIN)
            return fail(err, errlen, -ERANGE, "an AMBR burst of %llu bytes is less than one "
                        "full-size packet (%u): such packets would all be dropped",
                        (unsigned long long)s->ambr_burst_bytes, DP_AMBR_BURST_MIN);
        if (s->ambr_burst_bytes > XEPC_METER_BURST_MAX)
            return fail(err, errlen, -ERANGE, "an AMBR burst above %llu bytes is not supported",
                        (unsigned long long)XEPC_METER_BURST_MAX);
    }
    for (uint32_t i = 0; i < s->n_rules && i < DP_MAX_RULES; i++)
        if (s->rules[i].mbr_bps > DP_RATE_MAX_BPS)
            return fail(err, errlen, -ERANGE, "rule %u: an MBR above 10T bit/s is not supported",
                        i + 1);
    for (uint32_t i = 0; i < s->n_quotas && i < DP_MAX_QUOTAS; i++)
        if (s->quotas[i].bytes > (uint64_t)XEPC_QUOTA_MAX)
            return fail(err, errlen, -ERANGE, "quota of rating group %u: %llu bytes is more "
                        "than the %lld a quota can hold", s->quotas[i].rating_group,
                        (unsigned long long)s->quotas[i].bytes, (long long)XEPC_QUOTA_MAX);
    if (s->has_tunnel && (!s->dl_teid || (!s->enb_addr.s_addr && !s->enb_is6)))
        return fail(err, errlen, -EINVAL,
                    "a tunnel needs both the eNB address and a non-zero downlink TEID");
    if (s->has_tunnel && s->enb_is6) {
        /* TS 36.413 9.2.2.1: one transport address, IPv4 or IPv6 */
        if (s->enb_addr.s_addr)
            return fail(err, errlen, -EINVAL, "a tunnel has one eNB address, IPv4 or IPv6, "
                        "not both");
        int rc = dp_s1u6_addr_check(&s->enb6_addr, err, errlen);
        if (rc)
            return rc;
    }
    if (s->n_rules > DP_MAX_RULES)
        return fail(err, errlen, -E2BIG, "at most %d rules per session", DP_MAX_RULES);
    for (uint32_t i = 0; i < s->n_rules; i++) {
        const struct dp_rule_spec *r = &s->rules[i];
        if (r->action == DP_ACTION_BEARER &&
            (s->bearer || !r->bearer_teid || r->bearer_teid == s->ul_teid))
            return fail(err, errlen, -EINVAL, "rule %u: a bearer rule belongs to a default "
                        "bearer and names another session's TEID", i + 1);
        if (r->action > DP_ACTION_BEARER)
            return fail(err, errlen, -EINVAL, "rule %u: unknown action %u", i + 1, r->action);
        if ((r->tos & ~r->tos_mask) != 0)
            return fail(err, errlen, -EINVAL, "rule %u: TOS bits outside the mask", i + 1);
    }
    if (s->n_quotas > DP_MAX_QUOTAS)
        return fail(err, errlen, -E2BIG, "at most %d quotas per session", DP_MAX_QUOTAS);
    if (s->policy_teid && (!s->bearer || s->policy_teid == s->ul_teid))
        return fail(err, errlen, -EINVAL, "a shared policy (policy_teid) is a dedicated "
                    "bearer's, and names its default bearer's session");
    if (s->policy_teid && (s->n_rules || s->n_quotas))
        return fail(err, errlen, -EINVAL, "a bearer with its default bearer's policy "
                    "(policy_teid) has no rules or quotas of its own");
    for (uint32_t i = 0; i < s->n_rules; i++)
        for (uint32_t j = 0; j < i; j++)
            if (s->rules[i].precedence == s->rules[j].precedence)
                return fail(err, errlen, -EINVAL, "rules %u and %u share precedence %u", j + 1,
                            i + 1, s->rules[i].precedence);
    for (uint32_t i = 0; i < s->n_quotas; i++)
        for (uint32_t j = 0; j < i; j++)
            if (s->quotas[i].rating_group == s->quotas[j].rating_group)
                return fail(err, errlen, -EINVAL, "two quotas for rating group %u",
                            s->quotas[i].rating_group);
    return 0;
}

int dp_session_quotas_check(const struct dp_session_spec *s, char *err, size_t errlen)
{
    /* A quota is charged by the packets of the rules that carry its
     * rating group (TS 29.212 5.3.2: the PCC rule names its Rating-Group);
     * one that no rule maps would never be used, nor ever run out. */
    for (uint32_t i = 0; i < s->n_quotas; i++) {
        bool mapped = false;
        for (uint32_t j = 0; j < s->n_rules && !mapped; j++)
            mapped = s->rules[j].rating_group == s->quotas[i].rating_group;
        if (!mapped)
            return fail(err, errlen, -EINVAL, "the quota of rating group %u is never used: no "
                        "rule has rg=%u (add it to the rules it charges)",
                        s->quotas[i].rating_group, s->quotas[i].rating_group);
    }
    return 0;
}

const char *dp_dir_str(uint8_t dir)
{
    switch (dir) {
    case DP_DIR_UL: return "ul";
    case DP_DIR_DL: return "dl";
    case DP_DIR_BOTH: return "both";
    default: return "?";
    }
}

const char *dp_action_str(uint8_t action)
{
    switch (action) {
    case DP_ACTION_PASS: return "pass";
    case DP_ACTION_DROP: return "drop";
    case DP_ACTION_REDIRECT: return "redirect";
    case DP_ACTION_BEARER: return "bearer";
    default: return "?";
    }
}

const char *dp_fua_str(uint8_t fua)
{
    switch (fua) {
    case DP_FUA_DROP: return "drop";
    case DP_FUA_REDIRECT: return "redirect";
    case DP_FUA_RESTRICT: return "restrict";
    default: return "?";
    }
}

const char *dp_proto_str(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 0: return "any";
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 132: return "sctp";
    default:
        snprintf(buf, len, "%u", proto);
        return buf;
    }
}

/* Appends to buf; keeps track of truncation in *off (> len = truncated). */
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*off < len ? buf + *off : NULL, *off < len ? len - *off : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *off += (size_t)n;
}

int dp_rule_format(const struct dp_rule_spec *r, char *buf, size_t len)
{
    char a[INET_ADDRSTRLEN], pb[8];
    size_t off = 0;

    if (len)
        buf[0] = 0;
    append(buf, len, &off, "prec=%u,dir=%s,proto=%s", r->precedence, dp_dir_str(r->dir),
           dp_proto_str(r->proto, pb, sizeof(pb)));
    if (r->src_plen)
        append(buf, len, &off, ",src=%s/%u", inet_ntop(AF_INET, &r->src, a, sizeof(a)),
               r->src_plen);
    if (r->dst_plen)
        append(buf, len, &off, ",dst=%s/%u", inet_ntop(AF_INET, &r->dst, a, sizeof(a)),
               r->dst_plen);
    if (r->sport_lo || r->sport_hi != 65535)
        append(buf, len, &off, ",sport=%u-%u", r->sport_lo, r->sport_hi);
    if (r->dport_lo || r->dport_hi != 65535)
        append(buf, len, &off, ",dport=%u-%u", r->dport_lo, r->dport_hi);
    if (r->tos_mask)
        append(buf, len, &off, ",tos=0x%02x/0x%02x", r->tos, r->tos_mask);
    if (r->action == DP_ACTION_BEARER)
        append(buf, len, &off, ",bearer=0x%08x", r->bearer_teid);
    else
        append(buf, len, &off, ",action=%s", dp_action_str(r->action));
    if (r->mbr_bps)
        append(buf, len, &off, ",mbr=%llu", (unsigned long long)r->mbr_bps);
    if (r->burst_bytes)
        append(buf, len, &off, ",burst=%u", r->burst_bytes);
    if (r->rating_group)
        append(buf, len, &off, ",rg=%u", r->rating_group);
    if (r->always_allowed)
        append(buf, len, &off, ",always");
    return off < len ? 0 : -ENOSPC;
}

int dp_quota_format(const struct dp_quota_spec *q, char *buf, size_t len)
{
    size_t off = 0;

    if (len)
        buf[0] = 0;
    append(buf, len, &off, "rg=%u,bytes=%llu,threshold=%u%%,fua=%s", q->rating_group,
           (unsigned long long)q->bytes, q->threshold_pct, dp_fua_str(q->fua));
    return off < len ? 0 : -ENOSPC;
}
