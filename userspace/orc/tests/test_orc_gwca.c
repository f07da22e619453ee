/* orcd's CA for gateways (res_gwapi.c): what a client certificate's serial
 * is compared with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orc_serial_eq_leading_zero_octets),
    };
    return cmocka_run_group_tests_name("orc_gwca", tests, NULL, NULL);
}
