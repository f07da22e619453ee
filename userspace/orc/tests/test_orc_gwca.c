/* orcd's CA for gateways (res_gwapi.c): what a client certificate's serial
 * is compared with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "orc/orc.h"

/* A serial whose first octet is zero: the certificate carries 15 octets
 * (DER drops the zero), the record the 16 that were drawn.  Before the
 * comparison ignored leading zero octets on both sides, such a gateway
 * (1 in 128) was refused as "revoked" on every call. */
static void test_orc_serial_eq_leading_zero_octets(void **state)
{
    (void)state;
    assert_true(orc_serial_eq("00a1b2c3d4e5f60718293a4b5c6d7e8f", "a1b2c3d4e5f60718293a4b5c6d7e8f"));
    assert_true(orc_serial_eq("a1b2c3d4e5f60718293a4b5c6d7e8f", "00a1b2c3d4e5f60718293a4b5c6d7e8f"));
    /* GnuTLS's leading 00 before a set top bit */
    assert_true(orc_serial_eq("00ff01", "FF01"));
    assert_true(orc_serial_eq("7dc0bc91", "7DC0BC91"));
    assert_false(orc_serial_eq("7dc0bc91", "7dc0bc92"));
    assert_false(orc_serial_eq("0001", "01ff"));
    assert_true(orc_serial_eq("00", "00"));
}

/* 10000 gateways' certificates, each verified once: every later check-in
 * finds its own (with the former 256 direct-mapped slots, most were
 * evicted by others and verified again, ECDSA and DER parsing each time). */
static void test_orc_vcache_holds_a_fleet(void **state)
{
    (void)state;
    enum { N = 10000 };
    uint8_t h[32];
    char cn[160], serial[65], want[160];
    for (int round = 0; round < 2; round++)
        for (uint32_t i = 0; i < N; i++) {
            snprintf(want, sizeof(want), "net1/gw%u", i);
            SHA256((const uint8_t *)want, strlen(want), h); /* as from a certificate */
            if (round == 0) {
                orc_vcache_put(h, 2000000000, want, "0a");
                continue;
            }
            if (!orc_vcache_get(h, 1800000000, cn, serial))
                fail_msg("certificate %u was evicted", i);
            assert_string_equal(cn, want);
        }
    /* past its notAfter it is not used */
    assert_false(orc_vcache_get(h, 2000000001, cn, serial));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orc_vcache_holds_a_fleet),
        cmocka_unit_test(test_orc_serial_eq_leading_zero_octets),
    };
    return cmocka_run_group_tests_name("orc_gwca", tests, NULL, NULL);
}
