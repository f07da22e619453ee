/* gx_policy.c: Flow-Descriptions (IPFilterRule, RFC 6733 4.3 with TS 29.212
 * 5.4.2) and Charging-Rule-Definitions into datapath rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"
#include "dp/dp_spec.h"

static uint32_t ip(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a.s_addr;
}

/* Downlink-written filter (Flow-Direction BIDIRECTIONAL): the source is
 * the network side, the destination the UE ("assigned"). */
static void test_ipfilter_downlink_form(void **state)
{
    (void)state;
    struct dp_rule_spec r;
    assert_int_equal(gx_ipfilter_parse("permit out 17 from 198.51.100.0/24 5000-5010 to assigned",
                                       3, &r), 0);
    assert_int_equal(r.proto, 17);
    assert_int_equal(r.dir, DP_DIR_BOTH);
    assert_int_equal(r.src_plen, 0);                /* the UE side: any of its addresses */
    assert_int_equal(r.dst.s_addr, ip("198.51.100.0"));
    assert_int_equal(r.dst_plen, 24);
    assert_int_equal(r.dport_lo, 5000);
    assert_int_equal(r.dport_hi, 5010);
    assert_int_equal(r.sport_lo, 0);
    assert_int_equal(r.sport_hi, 65535);
}

/* Flow-Direction UPLINK: the source is the UE. */
static void test_ipfilter_uplink_form(void **state)
{
    (void)state;
    struct dp_rule_spec r;
    assert_int_equal(gx_ipfilter_parse("permit out tcp from assigned 1024-65535 to 203.0.113.7 443",
                                       2, &r), 0);
    assert_int_equal(r.proto, 6);
    assert_int_equal(r.dir, DP_DIR_UL);
    assert_int_equal(r.dst.s_addr, ip("203.0.113.7"));
    assert_int_equal(r.dst_plen, 32);
    assert_int_equal(r.dport_lo, 443);
    assert_int_equal(r.dport_hi, 443);
    assert_int_equal(r.sport_lo, 1024);
    assert_int_equal(r.sport_hi, 65535);
    /* host bits are cleared by the mask (RFC 6733 4.3) */
    assert_int_equal(gx_ipfilter_parse("permit out ip from 10.1.2.3/8 to any", 1, &r), 0);
    assert_int_equal(r.dst.s_addr, ip("10.0.0.0"));
    assert_int_equal(r.dir, DP_DIR_DL);
}

static void test_ipfilter_refused(void **state)
{
    (void)state;
    struct dp_rule_spec r;
    static const char *const bad[] = {
        "deny out ip from any to assigned",             /* 29.212 5.3.8: permit only */
        "permit in ip from any to assigned",            /* out only */
        "permit out ip from any",                       /* no "to" */
        "permit out ip from any to assigned 80",        /* ports without TCP/UDP/SCTP */
        "permit out tcp from 1.2.3.4/33 to assigned",
        "permit out tcp from any 90-80 to assigned",
        "permit out tcp from any to assigned 70000",
        "permit out tcp from any to assigned 80 established",
        "permit out 300 from any to assigned",
        "permit out tcp from any to assigned 80,443",   /* port lists: not supported */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (gx_ipfilter_parse(bad[i], 3, &r) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
}

static struct diam_rule_def def(const char *name, uint32_t prec, int status, const char *flow)
{
    struct diam_rule_def d;
    memset(&d, 0, sizeof(d));
    snprintf(d.name, sizeof(d.name), "%s", name);
    d.precedence = prec;
    if (status >= 0) {
        d.has_flow_status = true;
        d.flow_status = (uint32_t)status;
    }
    snprintf(d.flows[0].description, sizeof(d.flows[0].description), "%s", flow);
    d.flows[0].direction = 3;
    d.n_flows = 1;
    return d;
}

/* Precedence, Flow-Status, rating group and MBR become the dp rule's. */
static void test_rules_to_dp(void **state)
{
    (void)state;
    struct diam_rule_def d[3];
    struct dp_rule_spec out[DP_MAX_RULES];
    const char *bad;
    d[0] = def("video", 10, 2, "permit out 17 from any to assigned 5000");
    d[0].has_rating_group = true;
    d[0].rating_group = 20;
    d[0].qos.present = true;
    d[0].qos.mbr_ul = 1000000;
    d[0].qos.mbr_dl = 3000000;
    d[1] = def("block-icmp", 20, 3, "permit out 1 from any to assigned");
    d[2] = def("ul-only", 30, 0, "permit out 6 from any to assigned");
    int n = gx_rules_to_dp(d, 3, out, DP_MAX_RULES, &bad);
    assert_int_equal(n, 4);
    assert_int_equal(out[0].precedence, 4);         /* the first by Precedence */
    assert_int_equal(out[0].action, DP_ACTION_PASS);
    assert_int_equal(out[0].rating_group, 20);
    assert_int_equal(out[0].mbr_bps, 3000000);      /* both directions: the larger */
    assert_int_equal(out[1].precedence, 8);
    assert_int_equal(out[1].action, DP_ACTION_DROP);  /* DISABLED */
    /* ENABLED-UPLINK on a bidirectional flow: uplink passes, downlink drops */
    assert_int_equal(out[2].dir, DP_DIR_UL);
    assert_int_equal(out[2].action, DP_ACTION_PASS);
    assert_int_equal(out[3].dir, DP_DIR_DL);
    assert_int_equal(out[3].action, DP_ACTION_DROP);
    assert_true(out[2].precedence != out[3].precedence);
    /* the result is a valid dp session */
    struct dp_session_spec s;
    memset(&s, 0, sizeof(s));
    s.ul_teid = 1;
    s.ue_addr.s_addr = ip("10.45.0.2");
    memcpy(s.rules, out, sizeof(out[0]) * (size_t)n);
    s.n_rules = (uint32_t)n;
    char err[128];
    if (dp_session_spec_check(&s, err, sizeof(err)))
        fail_msg("dp refuses the rules: %s", err);
}

/* Without a Precedence (or with one past 16382) a rule is the last of the
 * PCC rules, and still before Gy's rating-group rule at 65535 (gy_build.c):
 * the drop half of an ENABLED-UPLINK flow took 4 x 16383 + 3 = 65535. */
static void test_rules_to_dp_leave_gy_precedence(void **state)
{
    (void)state;
    struct diam_rule_def d[1];
    struct dp_rule_spec out[DP_MAX_RULES];
    const char *bad;
    d[0] = def("no-prec", 0, 0, "permit out 6 from any to assigned");
    int n = gx_rules_to_dp(d, 1, out, DP_MAX_RULES, &bad);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++)
        if (out[i].precedence >= 65535)
            fail_msg("dp rule %d has precedence %u: Gy's rating-group rule is 65535", i,
                     out[i].precedence);
    d[0] = def("big", 70000, 2, "permit out 6 from any to assigned");
    n = gx_rules_to_dp(d, 1, out, DP_MAX_RULES, &bad);
    assert_int_equal(n, 1);
    assert_true(out[0].precedence < 65535);
}

static void test_rules_to_dp_refused(void **state)
{
    (void)state;
    struct diam_rule_def d[2];
    struct dp_rule_spec out[DP_MAX_RULES];
    const char *bad = NULL;
    d[0] = def("a", 10, -1, "permit out 17 from any to assigned 5000");
    d[1] = def("b", 11, 7, "permit out 6 from any to assigned 80");
    assert_int_equal(gx_rules_to_dp(d, 2, out, DP_MAX_RULES, &bad), -EINVAL);
    assert_string_equal(bad, "b");                  /* Flow-Status 7 */
    d[1] = def("c", 11, -1, "permit out 6 from any to nowhere");
    assert_int_equal(gx_rules_to_dp(d, 2, out, DP_MAX_RULES, &bad), -EINVAL);
    assert_string_equal(bad, "c");
    assert_int_equal(gx_rules_to_dp(d, 1, out, 0, &bad), -E2BIG);
}

/* The dp precedences of rules that keep the order of their Precedences
 * (TS 29.212 5.3.50: 32 bits, the lowest first), checked rule by rule
 * against the expected order exp (indexes into d). */
static void assert_order(const struct dp_rule_spec *out, int n, const struct diam_rule_def *d,
                         const unsigned *exp, unsigned n_exp, const char *where)
{
    assert_int_equal(n, (int)n_exp);
    for (unsigned k = 0; k + 1 < n_exp; k++)
        if (out[exp[k]].precedence >= out[exp[k + 1]].precedence)
            fail_msg("%s: rule %s (Precedence %u) has dp precedence %u, not below %s's "
                     "(Precedence %u) %u", where, d[exp[k]].name, d[exp[k]].precedence,
                     out[exp[k]].precedence, d[exp[k + 1]].name, d[exp[k + 1]].precedence,
                     out[exp[k + 1]].precedence);
    for (int i = 0; i < n; i++)
        if (out[i].precedence >= 65535)
            fail_msg("%s: rule %s has dp precedence %u (Gy's is 65535)", where, d[i].name,
                     out[i].precedence);
}

/* Precedences past what the datapath's 16 bits hold (TS 29.212 5.3.50:
 * Unsigned32) keep their order: before, every Precedence above 16382
 * became 16382 (gx_rules_to_dp), and with TFT filters every one of 12287
 * or more became the same (esm_pcc_rules), so such rules were refused or
 * lost their order.  Ties go by rule name. */
static void test_rules_to_dp_precedence_order(void **state)
{
    (void)state;
    static const uint32_t prec[] = { 40000, 1, 4294967295u, 16382, 65535, 16381 };
    static const unsigned exp[] = { 1, 5, 3, 0, 4, 2 };     /* by Precedence */
    struct diam_rule_def d[8];
    struct dp_rule_spec out[DP_MAX_RULES];
    const char *bad;
    char name[16], flow[64];
    for (unsigned i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "r%u", i);
        snprintf(flow, sizeof(flow), "permit out 17 from any to assigned %u", 5000 + i);
        d[i] = def(name, prec[i], -1, flow);
    }
    int n = gx_rules_to_dp(d, 6, out, DP_MAX_RULES, &bad);
    assert_order(out, n, d, exp, 6, "gx_rules_to_dp");

    /* the same rules of a PDN connection with a dedicated bearer's TFT
     * filter in the spec (pgw_pdn_spec): after it, still in order */
    struct agw_pdn p;
    memset(&p, 0, sizeof(p));
    p.qci = 9;
    p.arp_prio = 15;
    struct dp_session_spec s;
    memset(&s, 0, sizeof(s));
    s.ul_teid = 1;
    s.ue_addr.s_addr = ip("10.45.0.2");
    s.n_rules = 1;
    s.rules[0] = out[0];
    s.rules[0].precedence = 4 + (255 << 6);         /* the last TFT precedence */
    s.rules[0].dport_lo = s.rules[0].dport_hi = 6000;
    n = esm_pcc_rules(&p, d, 6, &s, &bad);
    assert_order(s.rules + 1, n, d, exp, 6, "esm_pcc_rules");
    for (int i = 1; i <= n; i++)
        if (s.rules[i].precedence <= s.rules[0].precedence)
            fail_msg("rule %s: dp precedence %u not after the TFT filter's %u", d[i - 1].name,
                     s.rules[i].precedence, s.rules[0].precedence);
    char err[128];
    if (dp_session_spec_check(&s, err, sizeof(err)))
        fail_msg("dp refuses the rules: %s", err);

    /* two rules of one Precedence: by name, whatever their positions */
    d[0] = def("zeta", 7, -1, "permit out 17 from any to assigned 5000");
    d[1] = def("alpha", 7, -1, "permit out 6 from any to assigned 80");
    n = gx_rules_to_dp(d, 2, out, DP_MAX_RULES, &bad);
    assert_int_equal(n, 2);
    assert_true(out[1].precedence < out[0].precedence);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipfilter_downlink_form),
        cmocka_unit_test(test_ipfilter_uplink_form),
        cmocka_unit_test(test_ipfilter_refused),
        cmocka_unit_test(test_rules_to_dp),
        cmocka_unit_test(test_rules_to_dp_refused),
        cmocka_unit_test(test_rules_to_dp_leave_gy_precedence),
        cmocka_unit_test(test_rules_to_dp_precedence_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
