/*
 * fuzz_dp_spec — xepcctl's spec parsers (userspace/dp/dp_spec.c) on
 * arbitrary text.  The input is split into lines; each line goes through
 * every parser.  What parses must print back (dp_rule_format,
 * dp_quota_format) into text that parses to the same value, prefixes have
 * no host bits, port ranges are ordered, and the accepted rules and quotas
 * together make a session that dp_session_spec_check judges without
 * crashing.  Error texts must be terminated strings inside their buffer.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_spec.h"

#define MAX_LINES 24

static void check(int cond)
{
    if (!cond)
        abort();
}

static int rule_eq(const struct dp_rule_spec *a, const struct dp_rule_spec *b)
{
    return a->precedence == b->precedence && a->dir == b->dir && a->proto == b->proto &&
           a->src.s_addr == b->src.s_addr && a->src_plen == b->src_plen &&
           a->dst.s_addr == b->dst.s_addr && a->dst_plen == b->dst_plen &&
           a->sport_lo == b->sport_lo && a->sport_hi == b->sport_hi &&
           a->dport_lo == b->dport_lo && a->dport_hi == b->dport_hi &&
           a->action == b->action && a->mbr_bps == b->mbr_bps &&
           a->burst_bytes == b->burst_bytes && a->rating_group == b->rating_group &&
           a->always_allowed == b->always_allowed;
}

static int quota_eq(const struct dp_quota_spec *a, const struct dp_quota_spec *b)
{
    return a->rating_group == b->rating_group && a->bytes == b->bytes &&
           a->threshold_pct == b->threshold_pct && a->threshold_bytes == b->threshold_bytes &&
           a->fua == b->fua;
}

static void check_err(const char *err, size_t len)
{
    check(memchr(err, 0, len) != NULL);
}

static void one_line(const char *text, struct dp_session_spec *s)
{
    char err[128], out[512];
    struct dp_rule_spec r, r2;
    struct dp_quota_spec q, q2;
    struct in_addr a;
    uint8_t plen;
    uint16_t lo, hi;
    uint64_t v;
    uint32_t u;

    memset(err, 'x', sizeof(err));
    err[sizeof(err) - 1] = 0;
    if (!dp_parse_rule(text, &r, err, sizeof(err))) {
        check(dp_rule_format(&r, out, sizeof(out)) == 0);
        memset(&r2, 0xa5, sizeof(r2));
        check(dp_parse_rule(out, &r2, err, sizeof(err)) == 0);
        check(rule_eq(&r, &r2));
        if (s->n_rules < DP_MAX_RULES)
            s->rules[s->n_rules++] = r;
    }
    check_err(err, sizeof(err));
    if (!dp_parse_quota(text, &q, err, sizeof(err))) {
        check(dp_quota_format(&q, out, sizeof(out)) == 0);
        memset(&q2, 0xa5, sizeof(q2));
        check(dp_parse_quota(out, &q2, err, sizeof(err)) == 0);
        check(quota_eq(&q, &q2));
        if (s->n_quotas < DP_MAX_QUOTAS)
            s->quotas[s->n_quotas++] = q;
    }
    check_err(err, sizeof(err));
    (void)dp_parse_scaled(text, &v);
    (void)dp_parse_u32(text, &u);
    if (!dp_parse_prefix(text, &a, &plen)) {
        check(plen <= 32);
        check(!plen ? !a.s_addr : !(ntohl(a.s_addr) & (plen == 32 ? 0 : ~0u >> plen)));
    }
    if (!dp_parse_port_range(text, &lo, &hi))
        check(lo <= hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
    struct dp_session_spec s = {
        .ul_teid = 0x100, .ue_addr = { htonl(0x0a2d0002) }, .has_tunnel = true,
        .enb_addr = { htonl(0xc0000232) }, .dl_teid = 0x200,
    };
    char err[128];
    char *text, *line, *save = NULL;
    int lines = 0;

    if (n > 4096)
        return 0;
    text = malloc(n + 1);
    if (!text)
        return 0;
    memcpy(text, in, n);
    text[n] = 0;
    for (line = strtok_r(text, "\n", &save); line && lines < MAX_LINES;
         line = strtok_r(NULL, "\n", &save), lines++)
        one_line(line, &s);
    int rc = dp_session_spec_check(&s, err, sizeof(err));
    /* -ERANGE: a rate or quota beyond what the datapath takes (dp_spec.c) */
    check(rc == 0 || rc == -EINVAL || rc == -E2BIG || rc == -ERANGE);
    if (rc)
        check_err(err, sizeof(err));
    free(text);
    return 0;
}
