/* libFuzzer target for the S1AP decoder.
 *
 * Decode the input; when it decodes, encode the result, decode that again
 * and check that the two decoded values are equal field by field and that
 * encoding the second gives the same bytes (our encodings are canonical).
 * Any crash, sanitizer report or abort() here is a codec bug.
 * Seed corpus: asn1/fuzz/fuzz_s1ap_decode.corpus (the golden messages and
 * every sample message type, mandatory-only and with optional IEs). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s1ap.h"
#include "asn1/tests/s1ap_samples.h"

static uint8_t arena1[1 << 18], arena2[1 << 18];
static uint8_t enc1[1 << 16], enc2[1 << 16];
static struct s1ap_pdu pdu1, pdu2;

static void die(const char *what, int a, int b)
{
    fprintf(stderr, "fuzz_s1ap_decode: %s (%d, %d)\n", what, a, b);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aper_arena a1, a2;
    struct s1ap_decode_error err;
    char where[512];

    aper_arena_init(&a1, arena1, sizeof(arena1));
    int rc = s1ap_decode(data, size, &pdu1, &a1, &err);
    if (rc) {
        if (rc != -EBADMSG && rc != -EPROTO && rc != -ENOMEM)
            die("decode returned an undocumented error", rc, 0);
        if (err.cause == S1AP_DECODE_OK)
            die("decode failed with cause ok", rc, 0);
        return 0;
    }
    int n = s1ap_encode(&pdu1, enc1, sizeof(enc1));
    if (n < 0) {
        /* a missing mandatory IE with criticality ignore leaves a zero
         * value that may be outside its constraint or an empty CHOICE */
        if (n != -ERANGE && n != -EINVAL && n != -ENOSPC)
            die("encode of a decoded message returned an undocumented error", n, 0);
        return 0;
    }
    aper_arena_init(&a2, arena2, sizeof(arena2));
    rc = s1ap_decode(enc1, (size_t)n, &pdu2, &a2, &err);
    if (rc)
        die("our own encoding does not decode", rc, n);
    if (pdu2.kind != pdu1.kind)
        die("message kind changed", pdu1.kind, pdu2.kind);
    if (!s1ap_sample_equal(s1ap_msgs[pdu1.kind].desc, s1ap_pdu_msg(&pdu1), s1ap_pdu_msg(&pdu2),
                           where, sizeof(where))) {
        fprintf(stderr, "fuzz_s1ap_decode: %s: value changed at %s\n", s1ap_msg_name(pdu1.kind), where);
        abort();
    }
    int m = s1ap_encode(&pdu2, enc2, sizeof(enc2));
    if (m != n || memcmp(enc1, enc2, (size_t)n))
        die("re-encoding differs", n, m);
    return 0;
}
