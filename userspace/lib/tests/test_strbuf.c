/* strbuf: appends across the initial capacity and reallocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/strbuf.h"

static void test_strbuf_grows_and_keeps_text(void **state)
{
    (void)state;
    struct strbuf b = {0};
    char expect[20000];
    size_t n = 0;
    for (int i = 0; i < 2000; i++) {
        strbuf_printf(&b, "%d,", i);
        n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%d,", i);
    }
    assert_false(b.oom);
    assert_int_equal(b.len, n);
    assert_string_equal(b.buf, expect);
    strbuf_free(&b);
    assert_null(b.buf);
}

static void test_strbuf_one_long_write(void **state)
{
    (void)state;
    struct strbuf b = {0};
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    strbuf_printf(&b, "a%sb", big);
    assert_int_equal(b.len, sizeof(big) + 1);
    assert_int_equal(b.buf[0], 'a');
    assert_int_equal(b.buf[b.len - 1], 'b');
    assert_int_equal(b.buf[b.len], 0);
    strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_grows_and_keeps_text),
        cmocka_unit_test(test_strbuf_one_long_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
