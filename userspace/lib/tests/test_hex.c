#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"

static void test_hex_decode_skips_separators(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_int_equal(hex_decode("0xde ad:be-ef", out, sizeof(out)), 4);
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
}

static void test_hex_decode_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[2];
    assert_int_equal(hex_decode("abc", out, sizeof(out)), -EINVAL);
    assert_int_equal(hex_decode("zz", out, sizeof(out)), -EINVAL);
    assert_int_equal(hex_decode("001122", out, sizeof(out)), -ENOSPC);
    assert_int_equal(hex_decode_exact("00", out, 2), -EINVAL);
    assert_int_equal(hex_decode_exact("0011", out, 2), 0);
}

static void test_hex_encode_round_trips(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x7f, 0xa5, 0xff};
    char text[9];
    uint8_t back[4];
    hex_encode(in, sizeof(in), text);
    assert_string_equal(text, "007fa5ff");
    assert_int_equal(hex_decode(text, back, sizeof(back)), 4);
    assert_memory_equal(in, back, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_decode_skips_separators),
        cmocka_unit_test(test_hex_decode_rejects_bad_input),
        cmocka_unit_test(test_hex_encode_round_trips),
    };
    return cmocka_run_group_tests_name("lib_hex", tests, NULL, NULL);
}
