#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dp/dp_spec.h"

static void test_rule_full_syntax_parses(void **state)
{
    (void)state;
    struct dp_rule_spec r;
    char err[256] = "";
    int rc = dp_parse_rule("prec=10,dir=ul,proto=tcp,dst=10.0.0.0/8,dport=80-443,"
                           "action=redirect,mbr=2.5M,burst=30k,rg=7,always",
                           &r, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_int_equal(r.precedence, 10);
    assert_int_equal(r.dir, DP_DIR_UL);
    assert_int_equal(r.proto, 6);
    assert_int_equal(r.dst.s_addr, htonl(0x0a000000));
    assert_int_equal(r.dst_plen, 8);
    assert_int_equal(r.src_plen, 0);
    assert_int_equal(r.dport_lo, 80);
    assert_int_equal(r.dport_hi, 443);
    assert_int_equal(r.sport_lo, 0);
    assert_int_equal(r.sport_hi, 65535);
    assert_int_equal(r.action, DP_ACTION_REDIRECT);
    assert_int_equal(r.mbr_bps, 2500000);
    assert_int_equal(r.burst_bytes, 30000);
    assert_int_equal(r.rating_group, 7);
    assert_true(r.always_allowed);
}

static void test_rule_defaults_match_everything(void **state)
{
    (void)state;
    struct dp_rule_spec r;
    assert_int_equal(dp_parse_rule("action=drop", &r, NULL, 0), 0);
    assert_int_equal(r.dir, DP_DIR_BOTH);
    assert_int_equal(r.proto, 0);
    assert_int_equal(r.src_plen, 0);
    assert_int_equal(r.dst_plen, 0);
    assert_int_equal(r.dport_hi, 65535);
    assert_int_equal(r.action, DP_ACTION_DROP);
}

static void test_rule_rejects_bad_input_with_a_reason(void **state)
{
    (void)state;
    static const struct { const char *text; const char *says; } bad[] = {
        {"prec=70000", "prec"},
        {"dir=up", "dir"},
        {"proto=foo", "proto"},
        {"dst=10.0.0.1/8", "host bits"},
        {"dst=10.0.0.0/33", "dst"},
        {"proto=tcp,dport=443-80", "dport"},
        {"proto=tcp,dport=70000", "dport"},
        {"dport=80", "need proto"},
        {"action=jump", "action"},
        {"mbr=fast", "mbr"},
        {"burst=10k", "needs mbr"},
        {"rg=0", "rg"},
        {"colour=red", "unknown rule key"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dp_rule_spec r;
        char err[256] = "";
        int rc = dp_parse_rule(bad[i].text, &r, err, sizeof(err));
        if (rc == 0)
            fail_msg("rule '%s' was accepted", bad[i].text);
        if (!strstr(err, bad[i].says))
            fail_msg("rule '%s': error '%s' does not mention '%s'", bad[i].text, err,
                     bad[i].says);
    }
}

static void test_rule_format_round_trips(void **state)
{
    (void)state;
    struct dp_rule_spec a, b;
    char text[256];
    assert_int_equal(dp_parse_rule("prec=5,dir=dl,proto=udp,src=192.168.0.0/16,sport=53,"
                                   "action=pass,mbr=1M,rg=3", &a, NULL, 0), 0);
    assert_int_equal(dp_rule_format(&a, text, sizeof(text)), 0);
    assert_int_equal(dp_parse_rule(text, &b, NULL, 0), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(dp_rule_format(&a, text, 10), -ENOSPC);
}

static void test_quota_parses_and_checks(void **state)
{
    (void)state;
    struct dp_quota_spec q;
    char err[256] = "";
    assert_int_equal(dp_parse_quota("rg=7,bytes=500M,threshold=80%,fua=redirect",
                                    &q, err, sizeof(err)), 0);
    assert_int_equal(q.rating_group, 7);
    assert_int_equal(q.bytes, 500000000ull);
    assert_int_equal(q.threshold_pct, 80);
    assert_int_equal(q.fua, DP_FUA_REDIRECT);
    assert_int_equal(dp_parse_quota("rg=7,bytes=0", &q, NULL, 0), 0);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.fua, DP_FUA_DROP);

    const char *bad[] = {"bytes=1M", "rg=1", "rg=1,bytes=1M,threshold=80",
                         "rg=1,bytes=1M,threshold=100%", "rg=1,bytes=1M,to=1.2.3.4",
                         "rg=1,bytes=1M,fua=stop", "rg=1,bytes=-5", "rg=1,bytes=1M,x=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (dp_parse_quota(bad[i], &q, err, sizeof(err)) == 0)
            fail_msg("quota '%s' was accepted", bad[i]);
}

static void test_scaled_numbers(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(dp_parse_scaled("1000", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(dp_parse_scaled("1.5G", &v), 0);
    assert_int_equal(v, 1500000000ull);
    assert_int_equal(dp_parse_scaled("10k", &v), 0);
    assert_int_equal(v, 10000);
    assert_int_not_equal(dp_parse_scaled("1.5", &v), 0);
    assert_int_not_equal(dp_parse_scaled("12X", &v), 0);
    assert_int_not_equal(dp_parse_scaled("-1", &v), 0);
    assert_int_not_equal(dp_parse_scaled("", &v), 0);
    uint32_t u;
    assert_int_equal(dp_parse_u32("0x10", &u), 0);
    assert_int_equal(u, 16);
    assert_int_equal(dp_parse_u32("4294967296", &u), -ERANGE);
    assert_int_not_equal(dp_parse_u32("12a", &u), 0);
}

static void test_session_check(void **state)
{
    (void)state;
    struct dp_session_spec s = {0};
    char err[256] = "";
    assert_int_not_equal(dp_session_spec_check(&s, err, sizeof(err)), 0);
    s.ul_teid = 1;
    inet_pton(AF_INET, "10.45.0.2", &s.ue_addr);
    assert_int_equal(dp_session_spec_check(&s, err, sizeof(err)), 0);
    s.has_tunnel = true;
    assert_int_not_equal(dp_session_spec_check(&s, err, sizeof(err)), 0);
    inet_pton(AF_INET, "10.200.1.2", &s.enb_addr);
    s.dl_teid = 9;
    assert_int_equal(dp_session_spec_check(&s, err, sizeof(err)), 0);
    s.n_rules = 2;
    dp_parse_rule("prec=1,action=pass", &s.rules[0], NULL, 0);
    dp_parse_rule("prec=1,action=drop", &s.rules[1], NULL, 0);
    assert_int_not_equal(dp_session_spec_check(&s, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "precedence"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_full_syntax_parses),
        cmocka_unit_test(test_rule_defaults_match_everything),
        cmocka_unit_test(test_rule_rejects_bad_input_with_a_reason),
        cmocka_unit_test(test_rule_format_round_trips),
        cmocka_unit_test(test_quota_parses_and_checks),
        cmocka_unit_test(test_scaled_numbers),
        cmocka_unit_test(test_session_check),
    };
    return cmocka_run_group_tests_name("dp_spec", tests, NULL, NULL);
}
