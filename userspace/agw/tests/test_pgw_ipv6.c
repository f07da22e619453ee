/* PDN types IPv6 and IPv4v6 in xepc-agwd (pgw_ipv6.c, esm_build.c): the
 * PDN type granted per APN with ESM causes #50/#51 (TS 24.301 6.5.1.3,
 * 6.5.1.4), the session's /64 in the APN's pool6, the interface
 * identifier, and the PDN Address IE of the ACTIVATE DEFAULT EPS BEARER
 * CONTEXT REQUEST (TS 24.301 9.9.4.9) as encoded, and the IPv6 DNS
 * servers and P-CSCFs of its PCO (TS 24.008 10.5.6.3). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"

static void test_grant(void **state)
{
    (void)state;
    static const struct {
        enum agw_pdn_type apn;
        uint8_t req, granted, cause, reject;
    } rows[] = {
        {AGW_PDN_IPV4, NAS_PDN_IPV4, NAS_PDN_IPV4, 0, 0},
        {AGW_PDN_IPV4, NAS_PDN_IPV6, 0, 0, 50},       /* #50 IPv4 only allowed */
        {AGW_PDN_IPV4, NAS_PDN_IPV4V6, NAS_PDN_IPV4, 50, 0},
        {AGW_PDN_IPV6, NAS_PDN_IPV4, 0, 0, 51},       /* #51 IPv6 only allowed */
        {AGW_PDN_IPV6, NAS_PDN_IPV6, NAS_PDN_IPV6, 0, 0},
        {AGW_PDN_IPV6, NAS_PDN_IPV4V6, NAS_PDN_IPV6, 51, 0},
        {AGW_PDN_IPV4V6, NAS_PDN_IPV4, NAS_PDN_IPV4, 0, 0},
        {AGW_PDN_IPV4V6, NAS_PDN_IPV6, NAS_PDN_IPV6, 0, 0},
        {AGW_PDN_IPV4V6, NAS_PDN_IPV4V6, NAS_PDN_IPV4V6, 0, 0},
        {AGW_PDN_IPV4V6, 0, 0, 0, 28},                /* #28 unknown PDN type */
        {AGW_PDN_IPV4V6, 4, 0, 0, 28},                /* unused (TS 24.301 9.9.4.10) */
        {AGW_PDN_IPV4, 7, 0, 0, 28},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t granted = 0xee, cause = 0xee;
        int rc = pgw_pdn_type_grant(rows[i].apn, rows[i].req, &granted, &cause);
        if (rc != rows[i].reject)
            fail_msg("row %zu: returned %d, want %u", i, rc, rows[i].reject);
        if (!rc && (granted != rows[i].granted || cause != rows[i].cause))
            fail_msg("row %zu: granted %u cause %u, want %u cause %u", i, granted, cause,
                     rows[i].granted, rows[i].cause);
    }
}

static void test_prefix_and_iid(void **state)
{
    (void)state;
    struct agw_apn apn;
    memset(&apn, 0, sizeof(apn));
    static const uint8_t pool[8] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0}; /* /40 */
    memcpy(apn.pool6, pool, 8);
    apn.pool6_prefix = 40;
    uint8_t p[8], iid[8];
    /* the session id (low 24 bits of the TEID) in the bits 40..63; the
     * TEID's generation byte does not move the /64 */
    pgw_prefix6(&apn, 0xab123456, p);
    assert_memory_equal(p, ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0x01, 0x12, 0x34, 0x56}), 8);
    pgw_prefix6(&apn, 0x01000001, p);
    assert_memory_equal(p, ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 1}), 8);
    pgw_iid6(0x00000001, iid);  /* never the gateway's ::1 */
    assert_memory_equal(iid, ((uint8_t[]){0, 0, 0, 1, 0, 0, 0, 1}), 8);
    pgw_iid6(0xab123456, iid);
    assert_memory_equal(iid, ((uint8_t[]){0, 0, 0, 1, 0xab, 0x12, 0x34, 0x56}), 8);
}

/* One APN "v6" of PDN type `allowed` in a configuration, and a PDN
 * connection on it (EBI 5, TEID 0x07000002, 10.45.0.2) granted
 * `requested`: what esm_build_act_default() reads. */
struct fixture {
    struct agw_config cfg;
    struct agw_apn apn;
    struct agw_ctx ctx;
    struct agw_ue ue;
    struct agw_pdn pdn;
};

static void fixture_init(struct fixture *f, enum agw_pdn_type allowed)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->apn.name, sizeof(f->apn.name), "v6");
    f->apn.pdn_type = allowed;
    f->cfg.apns = &f->apn;
    f->cfg.n_apns = 1;
    f->ctx.cfg = &f->cfg;
    f->pdn.ebi = 5;
    f->pdn.pti = 1;
    f->pdn.qci = 9;
    f->pdn.ul_teid = 0x07000002;
    f->pdn.ue_ip.s_addr = htonl(0x0a2d0002);
}

/* The ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST of f's PDN connection
 * once granted `requested`, encoded into out. */
static size_t fixture_encode(struct fixture *f, uint8_t requested, uint8_t *out, size_t cap)
{
    assert_int_equal(pgw_pdn_type_grant(f->apn.pdn_type, requested, &f->pdn.pdn_type,
                                        &f->pdn.type_cause), 0);
    if (!pgw_pdn_has_v4(&f->pdn))
        f->pdn.ue_ip.s_addr = 0;
    struct nas_message m;
    assert_int_equal(esm_build_act_default(&f->ctx, &f->ue, &f->pdn, &m), 0);
    int n = nas_encode_plain(&m, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* The encoded PDN Address IE (IEI-less LV after the APN) and the ESM
 * cause IE 0x58 of the message esm_build_act_default() builds. */
static size_t encode_act_default(enum agw_pdn_type allowed, uint8_t requested, uint8_t *out,
                                 size_t cap)
{
    static struct fixture f;
    fixture_init(&f, allowed);
    return fixture_encode(&f, requested, out, cap);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return hay + i;
    return NULL;
}

static void test_pdn_address_ie(void **state)
{
    (void)state;
    uint8_t b[512];
    /* IPv4v6 on an IPv4v6 APN: length 13, type 3, IID then IPv4, no cause */
    size_t n = encode_act_default(AGW_PDN_IPV4V6, NAS_PDN_IPV4V6, b, sizeof(b));
    static const uint8_t v4v6[] = {13, 3, 0, 0, 0, 1, 0x07, 0, 0, 2, 10, 45, 0, 2};
    assert_non_null(find(b, n, v4v6, sizeof(v4v6)));
    assert_null(find(b, n, (uint8_t[]){0x58, 50}, 2));
    /* IPv6: length 9, type 2, the IID */
    n = encode_act_default(AGW_PDN_IPV6, NAS_PDN_IPV6, b, sizeof(b));
    static const uint8_t v6[] = {9, 2, 0, 0, 0, 1, 0x07, 0, 0, 2};
    assert_non_null(find(b, n, v6, sizeof(v6)));
    /* IPv4v6 asked on an IPv6 APN: IPv6 with ESM cause #51 */
    n = encode_act_default(AGW_PDN_IPV6, NAS_PDN_IPV4V6, b, sizeof(b));
    assert_non_null(find(b, n, v6, sizeof(v6)));
    assert_non_null(find(b, n, (uint8_t[]){0x58, 51}, 2));
    /* IPv4v6 asked on an IPv4 APN: IPv4 with ESM cause #50 */
    n = encode_act_default(AGW_PDN_IPV4, NAS_PDN_IPV4V6, b, sizeof(b));
    static const uint8_t v4[] = {5, 1, 10, 45, 0, 2};
    assert_non_null(find(b, n, v4, sizeof(v4)));
    assert_non_null(find(b, n, (uint8_t[]){0x58, 50}, 2));
}

/* The PCO of the ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST for a UE
 * whose request (esm_pco_request()) carried `asked`, on an APN with two
 * IPv6 DNS servers and an IPv6 P-CSCF (TS 24.008 10.5.6.3), decoded. */
static void pco_answer(enum agw_pdn_type allowed, uint8_t requested, const uint16_t *asked,
                       size_t n_asked, struct nas_pco *out, bool *has)
{
    static struct fixture f;
    fixture_init(&f, allowed);
    f.apn.ims = true;
    f.apn.n_pcscf = 1;
    f.apn.pcscf[0].s_addr = htonl(0x0a2e0001);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:53::1", &f.apn.dns6[0]), 1);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:53::2", &f.apn.dns6[1]), 1);
    f.apn.n_dns6 = 2;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:5060::1", &f.apn.pcscf6[0]), 1);
    f.apn.n_pcscf6 = 1;
    struct nas_pco req;
    nas_pco_init(&req);
    for (size_t i = 0; i < n_asked; i++)
        assert_int_equal(nas_pco_add(&req, asked[i], NULL, 0), 0);
    esm_pco_request(&f.ue, true, &req);
    f.pdn.pco_dns6 = f.ue.req_pco_dns6;     /* as pdn_setup() copies them */
    f.pdn.pco_pcscf6 = f.ue.req_pco_pcscf6;
    uint8_t b[512];
    size_t n = fixture_encode(&f, requested, b, sizeof(b));
    struct nas_message d;
    assert_true(nas_decode_plain(b, n, &d) >= 0);
    assert_int_equal(d.id, NAS_MSG_ACT_DEFAULT_REQUEST);
    *has = d.act_default_request.has_pco;
    *out = d.act_default_request.pco;
}

static void assert_pco_ipv6(const struct nas_pco *pco, uint16_t id, unsigned idx, const char *want)
{
    uint8_t len = 0;
    const uint8_t *v = nas_pco_find(pco, id, idx, &len);
    char got[INET6_ADDRSTRLEN] = "(none)";
    if (v && len == 16)
        inet_ntop(AF_INET6, v, got, sizeof(got));
    if (!want) {
        if (v)
            fail_msg("PCO container 0x%04x #%u: expected none, got %u bytes (%s)", id, idx, len,
                     got);
        return;
    }
    if (!v || len != 16 || strcmp(got, want))
        fail_msg("PCO container 0x%04x #%u: expected %s, got %s (%u bytes)", id, idx, want, got,
                 v ? len : 0);
}

static void test_pco_ipv6_dns_pcscf(void **state)
{
    (void)state;
    static const uint16_t both[] = {NAS_PCO_DNS_IPV4, NAS_PCO_DNS_IPV6, NAS_PCO_P_CSCF_IPV6};
    static const uint16_t dns_only[] = {NAS_PCO_DNS_IPV6};
    static const uint16_t v4_only[] = {NAS_PCO_DNS_IPV4, NAS_PCO_P_CSCF_IPV4};
    struct nas_pco pco;
    bool has;
    /* asked for both on IPv4v6: every IPv6 DNS server, one container
     * each, and the IPv6 P-CSCF, beside the IPv4 P-CSCF */
    pco_answer(AGW_PDN_IPV4V6, NAS_PDN_IPV4V6, both, 3, &pco, &has);
    assert_true(has);
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 0, "2001:db8:53::1");
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 1, "2001:db8:53::2");
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 2, NULL);
    assert_pco_ipv6(&pco, NAS_PCO_P_CSCF_IPV6, 0, "2001:db8:5060::1");
    uint8_t len;
    assert_non_null(nas_pco_find(&pco, NAS_PCO_P_CSCF_IPV4, 0, &len));
    /* IPv6 only: the same */
    pco_answer(AGW_PDN_IPV6, NAS_PDN_IPV6, both, 3, &pco, &has);
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 0, "2001:db8:53::1");
    assert_pco_ipv6(&pco, NAS_PCO_P_CSCF_IPV6, 0, "2001:db8:5060::1");
    /* only what was asked for */
    pco_answer(AGW_PDN_IPV4V6, NAS_PDN_IPV4V6, dns_only, 1, &pco, &has);
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 0, "2001:db8:53::1");
    assert_pco_ipv6(&pco, NAS_PCO_P_CSCF_IPV6, 0, NULL);
    pco_answer(AGW_PDN_IPV4V6, NAS_PDN_IPV4V6, v4_only, 2, &pco, &has);
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 0, NULL);
    assert_pco_ipv6(&pco, NAS_PCO_P_CSCF_IPV6, 0, NULL);
    /* IPv4v6 asked, IPv4 granted (#50): no IPv6 server to reach */
    pco_answer(AGW_PDN_IPV4, NAS_PDN_IPV4V6, both, 3, &pco, &has);
    assert_pco_ipv6(&pco, NAS_PCO_DNS_IPV6, 0, NULL);
    assert_pco_ipv6(&pco, NAS_PCO_P_CSCF_IPV6, 0, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grant),
        cmocka_unit_test(test_prefix_and_iid),
        cmocka_unit_test(test_pdn_address_ie),
        cmocka_unit_test(test_pco_ipv6_dns_pcscf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
