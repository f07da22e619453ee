/* esm_bearer: the packet filters of dedicated bearers — the IPFilterRule
 * text (xepcctl, the PCRF's Flow-Description) parsed and written back, its
 * TS 24.008 10.5.6.12 form through the NAS codec and back, and what a
 * UE's filter may not carry; the GBR QCIs of TS 23.203; which PCC rules
 * stay datapath rules of the default bearer (esm_bearer_pcc.c). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agw/agw.h"
#include "diameter/diam.h"
#include "dp/dp.h"

static uint32_t ip(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a.s_addr;
}

static void test_pf_parse_downlink_rule(void **state)
{
    (void)state;
    struct agw_pf pf;
    char err[128];
    assert_int_equal(agw_pf_parse("permit out udp from any to 10.45.0.0/16 49152-65535", &pf,
                                  err, sizeof(err)), 0);
    assert_int_equal(pf.proto, 17);
    assert_int_equal(pf.dir, NAS_PF_DIR_BOTH);
    assert_int_equal(pf.rplen, 0);
    assert_int_equal(pf.rport_lo, 0);
    assert_int_equal(pf.rport_hi, 65535);
    assert_int_equal(pf.laddr.s_addr, ip("10.45.0.0"));
    assert_int_equal(pf.lplen, 16);
    assert_int_equal(pf.lport_lo, 49152);
    assert_int_equal(pf.lport_hi, 65535);
    assert_int_equal(pf.tos_mask, 0);
}

static void test_pf_parse_uplink_rule_with_tos(void **state)
{
    (void)state;
    struct agw_pf pf;
    char err[128];
    /* "in": written as the uplink, the UE first */
    assert_int_equal(agw_pf_parse("permit in tcp from 10.45.0.2 5060 to 192.0.2.0/24 5060-5061 "
                                  "tos 0xb8/0xfc", &pf, err, sizeof(err)), 0);
    assert_int_equal(pf.proto, 6);
    assert_int_equal(pf.laddr.s_addr, ip("10.45.0.2"));
    assert_int_equal(pf.lplen, 32);
    assert_int_equal(pf.lport_lo, 5060);
    assert_int_equal(pf.lport_hi, 5060);
    assert_int_equal(pf.raddr.s_addr, ip("192.0.2.0"));
    assert_int_equal(pf.rplen, 24);
    assert_int_equal(pf.rport_lo, 5060);
    assert_int_equal(pf.rport_hi, 5061);
    assert_int_equal(pf.tos, 0xb8);
    assert_int_equal(pf.tos_mask, 0xfc);
}

static void test_pf_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "deny out udp from any to any",
        "permit sideways udp from any to any",
        "permit out udp from 10.0.0.1/8 to any",          /* host bits */
        "permit out icmp from any 80 to any",             /* ports without tcp/udp */
        "permit out udp from any to any 70000",
        "permit out udp from any to any 200-100",
        "permit out udp from any to any junk",
        "permit out udp from any",
        "permit out 300 from any to any",
        "permit out ip from any to any tos 0x03/0xfc",    /* bits outside the mask */
        "permit out udp from 10.0.0.0/33 to any",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct agw_pf pf;
        char err[128] = "";
        int rc = agw_pf_parse(bad[i], &pf, err, sizeof(err));
        if (rc != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(err[0] != 0);
    }
}

static void test_pf_format_round_trip(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "permit out udp from any to 10.45.0.0/16 49152-65535",
        "permit out tcp from 192.0.2.7 443 to any",
        "permit out ip from any to any tos 0xb8/0xfc",
        "permit out 132 from 198.51.100.0/24 to 10.45.0.9 36412",
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        struct agw_pf a, b;
        char err[128], text[160];
        assert_int_equal(agw_pf_parse(rules[i], &a, err, sizeof(err)), 0);
        assert_int_equal(agw_pf_format(&a, text, sizeof(text)), 0);
        assert_string_equal(text, rules[i]);
        assert_int_equal(agw_pf_parse(text, &b, err, sizeof(err)), 0);
        assert_memory_equal(&a, &b, sizeof(a));
    }
}

/* agw_pf -> TS 24.008 components -> ACTIVATE DEDICATED EPS BEARER CONTEXT
 * REQUEST on the wire -> decoded -> agw_pf: the same filter */
static void test_tft_through_the_nas_codec(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "permit out udp from any to 10.45.0.0/16 49152-65535",
        "permit out tcp from 192.0.2.0/24 5060-5070 to 10.45.0.2 5060 tos 0xb8/0xfc",
        "permit out ip from any to any",
    };
    struct nas_message m, d;
    uint8_t buf[512];
    nas_message_init(&m, NAS_MSG_ACT_DEDICATED_REQUEST);
    m.ebi = 6;
    m.pti = 0;
    m.act_dedicated_request.linked_ebi = 5;
    assert_int_equal(nas_eps_qos_set(&m.act_dedicated_request.eps_qos, 1, 64, 64, 64, 64), 0);
    struct nas_tft *t = &m.act_dedicated_request.tft;
    struct agw_pf in[3];
    t->op = NAS_TFT_OP_CREATE;
    for (int i = 0; i < 3; i++) {
        char err[128];
        assert_int_equal(agw_pf_parse(rules[i], &in[i], err, sizeof(err)), 0);
        in[i].id = (uint8_t)i;
        in[i].prec = (uint8_t)(10 + i);
        agw_pf_to_nas(&in[i], &t->pf[t->n++]);
    }
    int len = nas_encode_plain(&m, buf, sizeof(buf));
    assert_true(len > 0);
    assert_int_equal(nas_decode_plain(buf, (size_t)len, &d), len);
    assert_int_equal(d.id, NAS_MSG_ACT_DEDICATED_REQUEST);
    assert_int_equal(d.act_dedicated_request.linked_ebi, 5);
    assert_int_equal(d.act_dedicated_request.eps_qos.qci, 1);
    assert_int_equal(nas_eps_qos_kbps(&d.act_dedicated_request.eps_qos, NAS_QOS_GBR_DL), 64);
    assert_int_equal(d.act_dedicated_request.tft.n, 3);
    for (int i = 0; i < 3; i++) {
        struct agw_pf out;
        assert_int_equal(agw_pf_from_nas(&d.act_dedicated_request.tft.pf[i], &out), 0);
        assert_memory_equal(&out, &in[i], sizeof(out));
    }
}

static void test_pf_from_nas_refuses_what_the_datapath_cannot_match(void **state)
{
    (void)state;
    struct nas_packet_filter f;
    struct agw_pf pf;
    memset(&f, 0, sizeof(f));
    f.dir = NAS_PF_DIR_BOTH;
    f.n = 1;
    f.c[0].type = NAS_PF_IPV6_REMOTE;
    assert_int_equal(agw_pf_from_nas(&f, &pf), 44);
    f.c[0].type = NAS_PF_SPI;
    assert_int_equal(agw_pf_from_nas(&f, &pf), 44);
    f.c[0].type = NAS_PF_IPV4_REMOTE;
    memcpy(f.c[0].u.ipv4.addr, "\x0a\x00\x00\x00", 4);
    memcpy(f.c[0].u.ipv4.mask, "\xff\x00\xff\x00", 4);   /* not contiguous */
    assert_int_equal(agw_pf_from_nas(&f, &pf), 44);
    f.c[0].type = NAS_PF_REMOTE_PORT_RANGE;
    f.c[0].u.port_range.lo = 9;
    f.c[0].u.port_range.hi = 8;
    assert_int_equal(agw_pf_from_nas(&f, &pf), 44);
    f.c[0].u.port_range.hi = 10;
    assert_int_equal(agw_pf_from_nas(&f, &pf), 0);
}

static void test_gbr_qcis(void **state)
{
    (void)state;
    static const uint8_t gbr[] = {1, 2, 3, 4, 65, 66, 67, 71, 72, 73, 74, 75, 76, 82, 83, 84, 85};
    static const uint8_t non[] = {5, 6, 7, 8, 9, 69, 70, 79, 80};
    for (size_t i = 0; i < sizeof(gbr); i++)
        assert_true(agw_qci_is_gbr(gbr[i]));
    for (size_t i = 0; i < sizeof(non); i++)
        assert_false(agw_qci_is_gbr(non[i]));
}

static void rule_def(struct diam_rule_def *d, const char *name, uint32_t prec, uint32_t qci,
                     const char *flow)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->precedence = prec;
    d->n_flows = 1;
    snprintf(d->flows[0].description, sizeof(d->flows[0].description), "%s", flow);
    d->flows[0].direction = 3;
    if (qci) {
        d->qos.present = true;
        d->qos.qci = qci;
    }
}

/* TS 29.212 4.5.2, TS 23.203 6.1.1.4: rules with the default bearer's QCI
 * and ARP (or none) are the default bearer's datapath rules; a rule with
 * another QCI or ARP is a dedicated bearer's, unless it is disabled or a
 * GBR rule without any bit rate */
static void test_pcc_rules_of_the_default_bearer(void **state)
{
    (void)state;
    struct agw_pdn p;
    memset(&p, 0, sizeof(p));
    p.qci = 9;
    p.arp_prio = 15;
    struct diam_rule_def d[6];
    rule_def(&d[0], "web", 50, 0, "permit out 6 from 192.0.2.1 to assigned");
    rule_def(&d[1], "voice", 10, 1, "permit out 17 from 192.0.2.1 30000 to assigned 49152");
    d[1].qos.gbr_ul = d[1].qos.gbr_dl = 64000;
    rule_def(&d[2], "same-qos", 20, 9, "permit out 17 from 192.0.2.2 to assigned");
    rule_def(&d[3], "other-arp", 30, 9, "permit out 17 from 192.0.2.3 to assigned");
    d[3].qos.has_arp = true;
    d[3].qos.arp.priority = 2;
    rule_def(&d[4], "voice-off", 40, 1, "permit out 17 from 192.0.2.4 to assigned");
    d[4].qos.gbr_ul = d[4].qos.gbr_dl = 64000;
    d[4].has_flow_status = true;
    d[4].flow_status = 3;
    rule_def(&d[5], "gbr-no-rate", 60, 2, "permit out 17 from 192.0.2.5 to assigned");

    struct dp_session_spec s;
    memset(&s, 0, sizeof(s));
    const char *bad = NULL;
    int n = esm_pcc_rules(&p, d, 6, &s, &bad);
    assert_int_equal(n, 4);     /* web, same-qos, voice-off, gbr-no-rate */
    assert_int_equal(s.n_rules, 4);
    uint32_t dsts[4];
    for (int i = 0; i < 4; i++)
        dsts[i] = s.rules[i].dst.s_addr;
    assert_int_equal(dsts[0], ip("192.0.2.1"));
    assert_int_equal(dsts[1], ip("192.0.2.2"));
    assert_int_equal(dsts[2], ip("192.0.2.4"));
    assert_int_equal(s.rules[2].action, DP_ACTION_DROP);
    assert_int_equal(dsts[3], ip("192.0.2.5"));
    /* no TFT filters before: precedences by rank among the rules kept
     * (gx_rules_to_dp: 4 (R + 1)), same-qos 20 < voice-off 40 < web 50 <
     * gbr-no-rate 60 */
    assert_int_equal(s.rules[1].precedence, 1 * 4);
    assert_int_equal(s.rules[2].precedence, 2 * 4);
    assert_int_equal(s.rules[0].precedence, 3 * 4);
    assert_int_equal(s.rules[3].precedence, 4 * 4);

    /* after TFT filters (4..16387) the rules' precedences come after them */
    memset(&s, 0, sizeof(s));
    s.n_rules = 2;
    s.rules[0].precedence = 1 << 6;
    s.rules[1].precedence = 2 << 6;
    n = esm_pcc_rules(&p, d, 6, &s, &bad);
    assert_int_equal(n, 4);
    assert_int_equal(s.n_rules, 6);
    for (unsigned i = 2; i < 6; i++)
        assert_true(s.rules[i].precedence >= 16388);
    assert_int_equal(s.rules[2].precedence, 16388 + 3 * 4);    /* web, rank 2 */

    /* a rule the datapath cannot take is named */
    rule_def(&d[0], "bad-flow", 50, 0, "permit out 6 from nowhere to assigned");
    memset(&s, 0, sizeof(s));
    assert_true(esm_pcc_rules(&p, d, 6, &s, &bad) < 0);
    assert_non_null(bad);
    assert_string_equal(bad, "bad-flow");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pf_parse_downlink_rule),
        cmocka_unit_test(test_pf_parse_uplink_rule_with_tos),
        cmocka_unit_test(test_pf_parse_rejects),
        cmocka_unit_test(test_pf_format_round_trip),
        cmocka_unit_test(test_tft_through_the_nas_codec),
        cmocka_unit_test(test_pf_from_nas_refuses_what_the_datapath_cannot_match),
        cmocka_unit_test(test_gbr_qcis),
        cmocka_unit_test(test_pcc_rules_of_the_default_bearer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
