/* dp_nd.c: the unsolicited Router Advertisement (RFC 4861 4.2, 6.2.4) for
 * an IPv6 UE, checked field by field and by its ICMPv6 checksum. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dp/dp_nd.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    return s;
}

static void test_ra_fields_and_checksum(void **state)
{
    (void)state;
    static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x45, 0, 7};
    static const uint8_t ll_gw[16] = {0xfe, 0x80, [15] = 1};
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    uint8_t b[DP_ND_RA_LEN];
    assert_int_equal(dp_nd_build_ra(b, sizeof(b) - 1, pfx, 0), -ENOSPC);
    assert_int_equal(dp_nd_build_ra(b, sizeof(b), pfx, 0), DP_ND_RA_LEN);
    assert_int_equal(b[0] >> 4, 6);
    assert_int_equal(b[4] << 8 | b[5], 56);
    assert_int_equal(b[6], 58);
    assert_int_equal(b[7], 255);
    assert_memory_equal(b + 8, ll_gw, 16);
    assert_memory_equal(b + 24, all_nodes, 16);
    const uint8_t *o = b + 40;
    assert_int_equal(o[0], 134);
    assert_int_equal(o[16], 3);
    assert_int_equal(o[18], 64);
    assert_int_equal(o[19], 0x40);
    assert_memory_equal(o + 32, pfx, 8);
    assert_int_equal(o[48], 5);
    assert_int_equal(o[52] << 24 | o[53] << 16 | o[54] << 8 | o[55], 1464);
    /* the whole message with its checksum sums to 0xffff */
    uint32_t s = sum16(b + 8, 32, 0) + 56 + 58;
    s = sum16(o, 56, s);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    assert_int_equal(s, 0xffff);
    /* a small S1-U MTU never advertises less than IPv6's 1280 */
    assert_int_equal(dp_nd_build_ra(b, sizeof(b), pfx, 1300), DP_ND_RA_LEN);
    assert_int_equal(o[52] << 24 | o[53] << 16 | o[54] << 8 | o[55], 1280);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ra_fields_and_checksum),
    };
    return cmocka_run_group_tests_name("dp_nd", tests, NULL, NULL);
}
