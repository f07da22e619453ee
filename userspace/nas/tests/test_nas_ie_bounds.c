/* Bounds of the NAS IE codecs (issue 8, finding 3): every IE decoder fed
 * every length it can be given by the message decoder, with extreme first
 * octets, from buffers of exactly that length (ASan sees any overread of
 * the input), into fields of exactly their size (ASan sees any overrun of
 * the output); then printed (the printers must stay inside the field and
 * print something sane) and encoded again.  Built with ASan+UBSan, so an
 * out-of-bounds access is a test failure by itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/hex.h"
#include "nas/nas.h"
#include "nas/nas_internal.h"

/* nas_print() of a message into a string (caller frees). */
static char *print_msg(const struct nas_message *m)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);

    assert_non_null(f);
    nas_print(f, m);
    fclose(f);
    return s;
}

static struct nas_message *decode_hex(const char *hex, int *r)
{
    uint8_t buf[512];
    int n = hex_decode(hex, buf, sizeof(buf));
    struct nas_message *m = calloc(1, sizeof(*m));
    uint8_t *exact;

    assert_true(n > 0);
    exact = malloc((size_t)n);  /* exactly n octets: ASan sees an overread */
    memcpy(exact, buf, (size_t)n);
    *r = nas_decode_plain(exact, (size_t)n, m);
    free(exact);
    return m;
}

/* The review's input: EMM information, full name of length 1 whose octet 3
 * says "5 spare bits" with no text octet: nchars underflowed and the
 * printer read ~95 octets past text[128] (255 characters printed). */
static void test_netname_len1_spare5_prints_empty(void **state)
{
    int r;
    struct nas_message *m = decode_hex("0761430105", &r);
    char *s, *line;

    (void)state;
    assert_int_equal(r, 5);
    assert_int_equal(m->id, NAS_MSG_EMM_INFORMATION);
    assert_true(m->emm_information.has_full_name);
    assert_int_equal(m->emm_information.full_name.len, 0);
    s = print_msg(m);
    line = strstr(s, "full_name (0x43): ");
    if (!line)
        print_error("no full_name line in:\n%s", s);
    assert_non_null(line);
    if (strncmp(line, "full_name (0x43): \"\" (GSM 7-bit)\n", 33))
        print_error("full name printed as %.80s", line);
    assert_memory_equal(line, "full_name (0x43): \"\" (GSM 7-bit)\n", 33);
    free(s);
    free(m);
}

/* nas_network_name_to_ascii() on every (length, spare bits, coding): at
 * most floor((8 len - spare) / 7) characters for GSM 7-bit, len / 2 for
 * UCS2, never reading past text[len]. */
static void test_netname_to_ascii_every_length_and_spare(void **state)
{
    (void)state;
    for (unsigned coding = 0; coding < 2; coding++)
        for (unsigned len = 0; len <= NAS_NETWORK_NAME_MAX; len++)
            for (unsigned spare = 0; spare < 8; spare++) {
                struct nas_network_name *nn = malloc(sizeof(*nn));
                char out[NAS_NETWORK_NAME_MAX * 2];
                size_t want;

                memset(nn, 0xff, sizeof(*nn));  /* octets past len would print */
                nn->coding = (uint8_t)coding;
                nn->add_ci = false;
                nn->spare_bits = (uint8_t)spare;
                nn->len = (uint8_t)len;
                memset(nn->text, 'A', len);
                nas_network_name_to_ascii(nn, out, sizeof(out));
                want = coding ? len / 2 : (8 * len >= spare ? (8 * len - spare) / 7 : 0);
                if (strlen(out) != want)
                    print_error("coding %u len %u spare %u: %zu characters, wanted %zu\n",
                                coding, len, spare, strlen(out), want);
                assert_int_equal(strlen(out), want);
                free(nn);
            }
}

/* A struct nas_network_name whose len field exceeds the array (built by a
 * caller, not by the decoder) is clamped, not read past. */
static void test_netname_to_ascii_len_beyond_array(void **state)
{
    struct nas_network_name *nn = calloc(1, sizeof(*nn));
    char out[512];

    (void)state;
    nn->len = 255;
    nas_network_name_to_ascii(nn, out, sizeof(out));
    assert_true(strlen(out) <= NAS_NETWORK_NAME_MAX * 8 / 7);
    nn->coding = 1;
    nas_network_name_to_ascii(nn, out, sizeof(out));
    assert_true(strlen(out) <= NAS_NETWORK_NAME_MAX / 2);
    free(nn);
}

/* An EPS mobile identity of 11 octets coded as an IMSI holds 21 digits;
 * digits[] holds 17.  The decoder wrote them all before checking the
 * count, over the fields that follow digits[] in struct nas_mobile_id. */
static void test_eps_id_imsi_11_octets_writes_nothing_past_digits(void **state)
{
    int r;
    /* detach request (UE originating), EPS detach, KSI 0, IMSI odd, 21 digits */
    struct nas_message *m = decode_hex("0745010b1911111111111111111111", &r);
    const struct nas_mobile_id *id = &m->detach_request_ue.eps_mobile_id;

    (void)state;
    assert_int_equal(m->id, NAS_MSG_DETACH_REQUEST_UE);
    assert_int_equal(r, -NAS_ERR_MANDATORY_INVALID);
    if (id->tmsi || id->guti.mmegi || id->guti.plmn.mcc)
        print_error("fields after digits[] written: tmsi 0x%08x\n", id->tmsi);
    assert_int_equal(id->tmsi, 0);
    assert_int_equal(id->guti.plmn.mcc, 0);
    free(m);
}

/* --------------------------------------------------- the whole class */

static const uint8_t first_octets[] = {
    0x00, 0xff, 0x05, 0x01, 0x07, 0x08, 0x0f, 0x10, 0x1f, 0x20, 0x3f, 0x40,
    0x5f, 0x7f, 0x80, 0x87, 0xa1, 0xc0, 0xe0, 0xf0, 0xf6, 0xfe,
};
static const uint8_t fills[] = { 0x00, 0xff, 0x01, 0x3f, 0x7f, 0x80 };

/* The value lengths the message decoder (nas_codec.c) can hand a codec
 * for this IE: the fixed length for V/TV, one octet (a nibble) for
 * VH/TV1, [min, max] for LV/TLV/LV-E/TLV-E, and up to the format's limit
 * for the codecs that read only the octets they know (extendable()). */
static void lengths_for(const struct nas_ie_desc *d, size_t *lo, size_t *hi)
{
    bool ext = d->codec == NAS_C_UENC || d->codec == NAS_C_UESC || d->codec == NAS_C_QOS ||
               d->codec == NAS_C_AMBR || d->codec == NAS_C_PDN_ADDR;

    switch (d->fmt) {
    case NAS_F_VH: case NAS_F_TV1: *lo = *hi = 1; break;
    case NAS_F_V: case NAS_F_TV: *lo = *hi = d->min; break;
    case NAS_F_LV: case NAS_F_TLV: *lo = d->min; *hi = ext ? 255 : d->max; break;
    default: *lo = d->min; *hi = ext ? 65535 : d->max; break;
    }
}

/* For long IEs every length up to 300, then the edges. */
static bool length_wanted(size_t l, size_t lo, size_t hi)
{
    return l <= 300 || l + 2 >= hi || l == 511 || l == 512 || l == 513 || l == 1024 ||
           (l < 2048 + 2 && l + 2 >= 2048) || l == lo;
}

/* Printed output: bounded and printable, one line or more. */
static void check_printed(const char *s, size_t n, const struct nas_ie_desc *d, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != '\n') {
            print_error("%s len %zu: unprintable 0x%02x in output\n", d->name, len, (uint8_t)s[i]);
            fail();
        }
    /* every printer shows at most two hex digits (plus separators) per
     * octet of value, or a fixed summary */
    if (n > 16 * len + 1024) {
        print_error("%s len %zu: %zu characters printed\n", d->name, len, n);
        fail();
    }
}

struct seen { uint8_t codec, fmt; uint16_t min, max, size; const char *name; };

static void run_ie(const struct nas_ie_desc *d, unsigned long *calls)
{
    const struct nas_codec_ops *ops = nas_codecs[d->codec];
    size_t lo, hi;
    static uint8_t enc[70000];

    lengths_for(d, &lo, &hi);
    for (size_t len = lo; len <= hi; len++) {
        if (!length_wanted(len, lo, hi))
            continue;
        /* every combination on short values, the two extremes on long ones */
        size_t nfo = len <= 48 ? sizeof(first_octets) : 3, nfi = len <= 48 ? sizeof(fills) : 2;

        for (size_t fo = 0; fo < nfo; fo++)
            for (size_t fi = 0; fi < nfi; fi++) {
                uint8_t *p = malloc(len ? len : 1);
                void *field = malloc(d->size);
                void *again;
                char *s = NULL;
                size_t n = 0;
                FILE *f;
                int r, e;

                memset(p, fills[fi], len);
                if (len)
                    p[0] = d->fmt == NAS_F_VH || d->fmt == NAS_F_TV1 ? first_octets[fo] & 0xf
                                                                      : first_octets[fo];
                memset(field, 0, d->size);
                r = ops->dec(d, p, len, field);
                (*calls)++;
                free(p);
                if (r < 0) {
                    free(field);
                    continue;
                }
                if (ops->print) {
                    f = open_memstream(&s, &n);
                    assert_non_null(f);
                    ops->print(f, d, field, 2);
                    fclose(f);
                    check_printed(s, n, d, len);
                    free(s);
                }
                /* what was decoded encodes, within the buffer, to a value
                 * that decodes to the same field */
                e = ops->enc(d, field, enc, sizeof(enc));
                if (e >= 0) {
                    assert_true((size_t)e <= sizeof(enc));
                    again = calloc(1, d->size);
                    if (ops->dec(d, enc, (size_t)e, again) != 0 || memcmp(field, again, d->size)) {
                        print_error("%s: len %zu first 0x%02x fill 0x%02x decodes, encodes to "
                                    "%d octets that decode differently\n", d->name, len,
                                    first_octets[fo], fills[fi], e);
                        fail();
                    }
                    free(again);
                }
                free(field);
            }
    }
}

static void test_every_ie_every_length(void **state)
{
    static struct seen seen[1024];
    unsigned nseen = 0;
    unsigned long calls = 0;

    (void)state;
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        const struct nas_msg_spec *s = &nas_msg_specs[id];

        for (unsigned i = 0; i < s->n_ies; i++) {
            const struct nas_ie_desc *d = &s->ies[i];
            bool dup = false;

            for (unsigned k = 0; k < nseen && !dup; k++)
                dup = seen[k].codec == d->codec && seen[k].fmt == d->fmt &&
                      seen[k].min == d->min && seen[k].max == d->max &&
                      seen[k].size == d->size && !strcmp(seen[k].name, d->name);
            if (dup)
                continue;
            assert_true(nseen < 1024);
            seen[nseen++] = (struct seen){ d->codec, d->fmt, d->min, d->max, d->size, d->name };
            run_ie(d, &calls);
        }
    }
    print_message("# %u distinct IEs, %lu decodes\n", nseen, calls);
}

/* fuzz_nas_decode.dict (run-fuzzers.sh passes it to libFuzzer) names
 * every message type and every optional IEI of the tables, so that a new
 * message or IE does not leave the fuzzer's dictionary behind. */
static void test_fuzz_dictionary_covers_the_tables(void **state)
{
    FILE *f = fopen("userspace/nas/tests/fuzz_nas_decode.dict", "r");
    char *text = calloc(1, 65536), want[32];
    size_t n;

    (void)state;
    if (!f)
        skip();  /* run from elsewhere than the top of the tree */
    n = fread(text, 1, 65535, f);
    fclose(f);
    text[n] = '\0';
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        const struct nas_msg_spec *sp = &nas_msg_specs[id];

        if (id != NAS_MSG_SERVICE_REQUEST) {
            snprintf(want, sizeof(want), sp->pd == NAS_PD_EMM ? "\"\\x07\\x%02x\"" : "\\x%02x\"",
                     sp->type);
            if (!strstr(text, want))
                fail_msg("fuzz_nas_decode.dict lacks %s (%s): regenerate it", want, sp->name);
        }
        for (unsigned i = 0; i < sp->n_ies; i++) {
            if (sp->ies[i].has_off == NAS_NO_FLAG)
                continue;
            snprintf(want, sizeof(want), "=\"\\x%02x\"", sp->ies[i].iei);
            if (!strstr(text, want))
                fail_msg("fuzz_nas_decode.dict lacks IEI %s (%s): regenerate it", want,
                         sp->ies[i].name);
        }
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netname_len1_spare5_prints_empty),
        cmocka_unit_test(test_netname_to_ascii_every_length_and_spare),
        cmocka_unit_test(test_netname_to_ascii_len_beyond_array),
        cmocka_unit_test(test_eps_id_imsi_11_octets_writes_nothing_past_digits),
        cmocka_unit_test(test_every_ie_every_length),
        cmocka_unit_test(test_fuzz_dictionary_covers_the_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
