/* Shared by the sec tests: hex literals into buffers. */
#ifndef XEPC_SEC_TESTUTIL_H
#define XEPC_SEC_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"

/* Decodes exactly n octets of hex (spaces allowed) or fails the test. */
static inline void hx(const char *hex, uint8_t *out, size_t n)
{
    int rc = hex_decode(hex, out, n);
    if (rc != (int)n)
        fail_msg("bad test vector literal (%d octets, want %zu): %s", rc, n, hex);
}

/* Compares and, on a mismatch, prints both in hex. */
#define assert_hex_equal(got, want_hex, n)                                               \
    do {                                                                                 \
        uint8_t want_[256];                                                              \
        char g_[520], w_[520];                                                           \
        hx((want_hex), want_, (n));                                                      \
        if (memcmp((got), want_, (n)) != 0) {                                            \
            hex_encode((got), (n), g_);                                                  \
            hex_encode(want_, (n), w_);                                                  \
            fail_msg("%s: got %s, want %s", #got, g_, w_);                               \
        }                                                                                \
    } while (0)

#endif
