/* APER primitives against hand-computed encodings (X.691 ALIGNED), and the
 * descriptor codec on a few generated S1AP types. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aper.h"
#include "s1ap.h"

struct buf {
    uint8_t b[256];
    struct aper_writer w;
};

static struct aper_writer *wr(struct buf *b)
{
    memset(b->b, 0xee, sizeof(b->b));
    aper_writer_init(&b->w, b->b, sizeof(b->b));
    return &b->w;
}

#define ASSERT_BYTES(bf, ...)                                                   \
    do {                                                                        \
        const uint8_t exp_[] = { __VA_ARGS__ };                                 \
        assert_int_equal(aper_writer_len(&(bf)->w), sizeof(exp_));             \
        assert_memory_equal((bf)->b, exp_, sizeof(exp_));                       \
    } while (0)

static const struct aper_constraint UNCONSTRAINED = { 0 };

static struct aper_constraint range(aper_int_t lb, aper_int_t ub, bool ext)
{
    struct aper_constraint c = { .lb = lb, .ub = ub, .has_lb = true, .has_ub = true, .ext = ext };
    return c;
}

static void test_bits_reader_stops_at_end(void **state)
{
    (void)state;
    const uint8_t in[] = { 0xa5 };
    struct aper_reader r;
    uint64_t v;
    aper_reader_init(&r, in, 1);
    assert_int_equal(aper_get_bits(&r, 3, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(aper_get_bits(&r, 6, &v), -EBADMSG);    /* only 5 left */
    assert_int_equal(aper_get_bits(&r, 5, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(aper_get_bits(&r, 1, &v), -EBADMSG);
    assert_int_equal(aper_get_align(&r), 0);
}

static void test_bits_writer_full_is_enospc(void **state)
{
    (void)state;
    uint8_t b[2];
    struct aper_writer w;
    aper_writer_init(&w, b, sizeof(b));
    assert_int_equal(aper_put_bits(&w, 0x3ff, 10), 0);
    assert_int_equal(aper_put_bits(&w, 0x7f, 7), -ENOSPC);
    assert_int_equal(aper_put_bits(&w, 0x3f, 6), 0);
    assert_int_equal(b[0], 0xff);
    assert_int_equal(b[1], 0xff);
}

/* X.691 11.5.7: the four constrained whole number cases */
static void test_cwn_cases(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    uint64_t v;

    w = wr(&b);                                   /* range 1: empty */
    assert_int_equal(aper_put_cwn(w, 0, 0), 0);
    assert_int_equal(w->bitpos, 0);

    w = wr(&b);                                   /* range 3: 2-bit field */
    assert_int_equal(aper_put_cwn(w, 2, 2), 0);
    ASSERT_BYTES(&b, 0x80);

    w = wr(&b);                                   /* range 256: aligned octet */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_cwn(w, 0x11, 255), 0);
    ASSERT_BYTES(&b, 0x80, 0x11);

    w = wr(&b);                                   /* range 64K: two octets */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_cwn(w, 0x1234, 65535), 0);
    ASSERT_BYTES(&b, 0x80, 0x12, 0x34);

    w = wr(&b);                                   /* range 2^32: length + octets */
    assert_int_equal(aper_put_cwn(w, 33554623, 0xffffffffu), 0);
    ASSERT_BYTES(&b, 0xc0, 0x02, 0x00, 0x00, 0xbf);

    w = wr(&b);
    assert_int_equal(aper_put_cwn(w, 1, 0xffffffffu), 0);
    ASSERT_BYTES(&b, 0x00, 0x01);

    w = wr(&b);                                   /* range 2^64 */
    assert_int_equal(aper_put_cwn(w, UINT64_MAX, UINT64_MAX), 0);
    ASSERT_BYTES(&b, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

    w = wr(&b);
    assert_int_equal(aper_put_cwn(w, 3, 2), -ERANGE);

    struct aper_reader r;
    const uint8_t in[] = { 0xc0, 0x02, 0x00, 0x00, 0xbf };
    aper_reader_init(&r, in, sizeof(in));
    assert_int_equal(aper_get_cwn(&r, 0xffffffffu, &v), 0);
    assert_int_equal(v, 33554623);
    aper_reader_init(&r, in, 4);                  /* truncated */
    assert_int_equal(aper_get_cwn(&r, 0xffffffffu, &v), -EBADMSG);
    const uint8_t over[] = { 0x80 };              /* 2 > span 1... */
    aper_reader_init(&r, over, 1);
    assert_int_equal(aper_get_cwn(&r, 2, &v), 0);  /* "10" = 2 fits span 2 */
    const uint8_t bad[] = { 0xc0 };               /* "11" = 3 > span 2 */
    aper_reader_init(&r, bad, 1);
    assert_int_equal(aper_get_cwn(&r, 2, &v), -EBADMSG);
}

static void test_integer_kinds(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct aper_constraint erab = range(0, 15, true);      /* E-RAB-ID */
    struct aper_constraint rfp = range(1, 256, false);     /* SubscriberProfileIDforRFP */
    struct aper_constraint semi = { .lb = 0, .has_lb = true };

    w = wr(&b);                                   /* in the root: ext bit 0 */
    assert_int_equal(aper_put_integer(w, &erab, 5), 0);
    ASSERT_BYTES(&b, 0x28);
    w = wr(&b);                                   /* outside: unconstrained */
    assert_int_equal(aper_put_integer(w, &erab, 20), 0);
    ASSERT_BYTES(&b, 0x80, 0x01, 0x14);
    w = wr(&b);
    assert_int_equal(aper_put_integer(w, &rfp, 256), 0);
    ASSERT_BYTES(&b, 0xff);
    w = wr(&b);
    assert_int_equal(aper_put_integer(w, &rfp, 0), -ERANGE);
    w = wr(&b);                                   /* 11.7 semi-constrained */
    assert_int_equal(aper_put_integer(w, &semi, 256), 0);
    ASSERT_BYTES(&b, 0x02, 0x01, 0x00);
    w = wr(&b);                                   /* 11.8 unconstrained */
    assert_int_equal(aper_put_integer(w, &UNCONSTRAINED, -1), 0);
    ASSERT_BYTES(&b, 0x01, 0xff);
    w = wr(&b);
    assert_int_equal(aper_put_integer(w, &UNCONSTRAINED, 128), 0);
    ASSERT_BYTES(&b, 0x02, 0x00, 0x80);
    w = wr(&b);
    assert_int_equal(aper_put_integer(w, &UNCONSTRAINED, -129), 0);
    ASSERT_BYTES(&b, 0x02, 0xff, 0x7f);

    /* round trips through each shape */
    struct aper_constraint big = range(10000000001LL, 4000000000000LL, true);
    const struct { struct aper_constraint c; aper_int_t v; } cases[] = {
        { range(0, 15, true), 20 }, { range(0, 15, true), 15 }, { semi, 70000 },
        { UNCONSTRAINED, -129 }, { UNCONSTRAINED, INT64_MIN }, { big, 10000000001LL },
        { big, 4000000000000LL }, { big, 5 }, { range(0, (aper_int_t)UINT64_MAX, false), 77 },
        { range(-5, 5, false), -5 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aper_reader r;
        aper_int_t got;
        w = wr(&b);
        assert_int_equal(aper_put_integer(w, &cases[i].c, cases[i].v), 0);
        aper_reader_init(&r, b.b, aper_writer_len(w));
        assert_int_equal(aper_get_integer(&r, &cases[i].c, &got), 0);
        assert_true(got == cases[i].v);
    }
}

static void test_nsnnwn_and_lengths(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    uint64_t enc, n;
    bool more;
    struct aper_reader r;

    w = wr(&b);
    assert_int_equal(aper_put_nsnnwn(w, 5), 0);
    ASSERT_BYTES(&b, 0x0a);
    w = wr(&b);
    assert_int_equal(aper_put_nsnnwn(w, 100), 0);
    ASSERT_BYTES(&b, 0x80, 0x01, 0x64);
    aper_reader_init(&r, b.b, 3);
    assert_int_equal(aper_get_nsnnwn(&r, &n), 0);
    assert_int_equal(n, 100);

    w = wr(&b);                                   /* 11.9.3.6 */
    assert_int_equal(aper_put_length(w, 0, 0, false, 5, &enc), 0);
    ASSERT_BYTES(&b, 0x05);
    w = wr(&b);                                   /* 11.9.3.7 */
    assert_int_equal(aper_put_length(w, 0, 0, false, 200, &enc), 0);
    ASSERT_BYTES(&b, 0x80, 0xc8);
    w = wr(&b);                                   /* 11.9.3.8 fragments */
    assert_int_equal(aper_put_length(w, 0, 0, false, 16384, &enc), 0);
    assert_int_equal(enc, 16384);
    ASSERT_BYTES(&b, 0xc1);
    w = wr(&b);
    assert_int_equal(aper_put_length(w, 0, 0, false, 70000, &enc), 0);
    assert_int_equal(enc, 65536);
    ASSERT_BYTES(&b, 0xc4);
    aper_reader_init(&r, b.b, 1);
    assert_int_equal(aper_get_length(&r, 0, 0, false, &n, &more), 0);
    assert_int_equal(n, 65536);
    assert_true(more);
    const uint8_t bad[] = { 0xc5 };               /* m = 5: invalid */
    aper_reader_init(&r, bad, 1);
    assert_int_equal(aper_get_length(&r, 0, 0, false, &n, &more), -EBADMSG);
    w = wr(&b);                                   /* constrained: ub < 64K */
    assert_int_equal(aper_put_length(w, 0, 65535, true, 4, &enc), 0);
    ASSERT_BYTES(&b, 0x00, 0x04);
    w = wr(&b);
    assert_int_equal(aper_put_length(w, 1, 4, true, 5, &enc), -ERANGE);
}

static void test_enumerated_and_boolean(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct aper_reader r;
    unsigned idx;

    w = wr(&b);
    assert_int_equal(aper_put_enumerated(w, 4, true, 3), 0);
    ASSERT_BYTES(&b, 0x60);                       /* 0 11 */
    w = wr(&b);                                   /* 14.3: extension value */
    assert_int_equal(aper_put_enumerated(w, 4, true, 5), 0);
    ASSERT_BYTES(&b, 0x81);                       /* 1 0000001 */
    aper_reader_init(&r, b.b, 1);
    assert_int_equal(aper_get_enumerated(&r, 4, true, 2, &idx), 0);
    assert_int_equal(idx, 5);
    aper_reader_init(&r, b.b, 1);                 /* receiver knows fewer */
    assert_int_equal(aper_get_enumerated(&r, 4, true, 1, &idx), -EBADMSG);
    w = wr(&b);
    assert_int_equal(aper_put_enumerated(w, 3, false, 3), -ERANGE);
    w = wr(&b);
    aper_put_boolean(w, true);
    aper_put_boolean(w, false);
    aper_put_boolean(w, true);
    ASSERT_BYTES(&b, 0xa0);
}

static void test_octet_string_sizes(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct aper_constraint plmn = range(3, 3, false), tac = range(2, 2, false);
    struct aper_constraint small = range(1, 4, false);
    uint8_t mem[64];
    struct aper_arena a;
    struct aper_reader r;
    const uint8_t *p;
    size_t len;

    w = wr(&b);                                   /* 17.7: fixed 3, aligned */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_octets(w, &plmn, (const uint8_t *)"\x00\xf1\x10", 3), 0);
    ASSERT_BYTES(&b, 0x80, 0x00, 0xf1, 0x10);
    w = wr(&b);                                   /* 17.6: fixed 2, unaligned */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_octets(w, &tac, (const uint8_t *)"\x30\x39", 2), 0);
    ASSERT_BYTES(&b, 0x98, 0x1c, 0x80);
    aper_arena_init(&a, mem, sizeof(mem));
    aper_reader_init(&r, b.b, 3);
    aper_get_bits(&r, 1, (uint64_t[1]){ 0 });
    assert_int_equal(aper_get_octets(&r, &tac, &a, &p, &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(p, "\x30\x39", 2);
    w = wr(&b);                                   /* 17.8: length + aligned */
    assert_int_equal(aper_put_octets(w, &small, (const uint8_t *)"\xab\xcd", 2), 0);
    ASSERT_BYTES(&b, 0x40, 0xab, 0xcd);
    w = wr(&b);
    assert_int_equal(aper_put_octets(w, &small, (const uint8_t *)"12345", 5), -ERANGE);
    w = wr(&b);                                   /* unconstrained */
    assert_int_equal(aper_put_octets(w, NULL, (const uint8_t *)"\xaa\xbb\xcc", 3), 0);
    ASSERT_BYTES(&b, 0x03, 0xaa, 0xbb, 0xcc);
    aper_reader_init(&r, b.b, 3);                 /* length says 3, 2 left */
    assert_int_equal(aper_get_octets(&r, NULL, &a, &p, &len), -EBADMSG);
    aper_reader_init(&r, b.b, 4);                 /* aligned: points into input */
    assert_int_equal(aper_get_octets(&r, NULL, &a, &p, &len), 0);
    assert_ptr_equal(p, b.b + 1);
}

static void test_bit_string_sizes(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct aper_constraint macro = range(20, 20, false), tla = range(1, 160, true);
    struct aper_constraint sixteen = range(16, 16, false);

    w = wr(&b);                                   /* 16.10: > 16 bits aligned */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_bitstring(w, &macro, (const uint8_t *)"\xab\xcd\xe0", 20), 0);
    ASSERT_BYTES(&b, 0x80, 0xab, 0xcd, 0xe0);
    w = wr(&b);                                   /* 16.9: 16 bits, unaligned */
    aper_put_bits(w, 1, 1);
    assert_int_equal(aper_put_bitstring(w, &sixteen, (const uint8_t *)"\xff\x00", 16), 0);
    ASSERT_BYTES(&b, 0xff, 0x80, 0x00);
    w = wr(&b);                                   /* 16.11: TransportLayerAddress */
    aper_put_bits(w, 0, 4);
    assert_int_equal(aper_put_bitstring(w, &tla, (const uint8_t *)"\x0a\x01\x23\xc6", 32), 0);
    ASSERT_BYTES(&b, 0x00, 0xf8, 0x0a, 0x01, 0x23, 0xc6);

    uint8_t mem[32];
    struct aper_arena a;
    struct aper_reader r;
    const uint8_t *p;
    size_t n;
    aper_arena_init(&a, mem, sizeof(mem));
    aper_reader_init(&r, b.b, 6);
    aper_get_bits(&r, 4, (uint64_t[1]){ 0 });
    assert_int_equal(aper_get_bitstring(&r, &tla, &a, &p, &n), 0);
    assert_int_equal(n, 32);
    assert_memory_equal(p, "\x0a\x01\x23\xc6", 4);
}

static void test_printable_string(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct aper_constraint name = range(1, 150, true);        /* ENBname */
    const char *printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?";
    uint8_t mem[32];
    struct aper_arena a;
    struct aper_reader r;
    const uint8_t *p;
    size_t n;

    w = wr(&b);                                   /* 27.5.7 */
    assert_int_equal(aper_put_charstring(w, &name, 8, (const uint8_t *)"JLT-621", 7), 0);
    ASSERT_BYTES(&b, 0x03, 0x00, 'J', 'L', 'T', '-', '6', '2', '1');
    aper_arena_init(&a, mem, sizeof(mem));
    aper_reader_init(&r, b.b, 9);
    assert_int_equal(aper_get_charstring(&r, &name, 8, printable, &a, &p, &n), 0);
    assert_int_equal(n, 7);
    assert_memory_equal(p, "JLT-621", 7);
    b.b[4] = '@';                                 /* not a PrintableString char */
    aper_reader_init(&r, b.b, 9);
    assert_int_equal(aper_get_charstring(&r, &name, 8, printable, &a, &p, &n), -EBADMSG);
}

/* X.691 11.9.3.8: 70000 octets = one 64K fragment + 4464 */
static void test_fragmented_octet_string(void **state)
{
    (void)state;
    size_t n = 70000, cap = n + 16;
    uint8_t *src = malloc(n), *out = malloc(cap), *mem = malloc(n + 64);
    struct aper_writer w;
    struct aper_reader r;
    struct aper_arena a;
    const uint8_t *p;
    size_t len;

    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 7);
    aper_writer_init(&w, out, cap);
    assert_int_equal(aper_put_octets(&w, NULL, src, n), 0);
    assert_int_equal(aper_writer_len(&w), n + 3);
    assert_int_equal(out[0], 0xc4);
    assert_int_equal(out[1 + 65536], 0x91);       /* 4464 = 0x1170 */
    assert_int_equal(out[2 + 65536], 0x70);
    aper_arena_init(&a, mem, n + 64);
    aper_reader_init(&r, out, n + 3);
    assert_int_equal(aper_get_octets(&r, NULL, &a, &p, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(p, src, n);
    aper_arena_init(&a, mem, 100);                /* arena too small */
    aper_reader_init(&r, out, n + 3);
    assert_int_equal(aper_get_octets(&r, NULL, &a, &p, &len), -ENOMEM);
    aper_reader_init(&r, out, n + 2);             /* truncated */
    aper_arena_init(&a, mem, n + 64);
    assert_int_equal(aper_get_octets(&r, NULL, &a, &p, &len), -EBADMSG);

    /* exactly 16K: fragment, then an empty final length */
    aper_writer_init(&w, out, cap);
    assert_int_equal(aper_put_octets(&w, NULL, src, 16384), 0);
    assert_int_equal(aper_writer_len(&w), 16386);
    assert_int_equal(out[0], 0xc1);
    assert_int_equal(out[16385], 0x00);
    free(src);
    free(out);
    free(mem);
}

static void test_open_type_lengths(void **state)
{
    (void)state;
    size_t cap = 40000;
    uint8_t *out = malloc(cap), mem[64];
    const size_t sizes[] = { 0, 1, 127, 128, 16383, 16384, 20000 };
    struct aper_arena a;

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct aper_writer w, inner;
        struct aper_reader r, in;
        size_t n = sizes[k];
        aper_writer_init(&w, out, cap);
        aper_put_bits(&w, 1, 1);
        assert_int_equal(aper_open_begin(&w, &inner), 0);
        for (size_t i = 0; i < n; i++)
            aper_put_bits(&inner, (i * 13) & 0xff, 8);
        assert_int_equal(aper_open_end(&w, &inner), 0);
        size_t total = aper_writer_len(&w);
        size_t body = n ? n : 1;                  /* 11.1: empty -> one 0 octet */
        size_t hdr = body < 128 ? 1 : body < 16384 ? 2 : 1 + (body - 16384 < 128 ? 1 : 2);
        assert_int_equal(total, 1 + hdr + body);
        aper_reader_init(&r, out, total);
        aper_get_bits(&r, 1, (uint64_t[1]){ 0 });
        aper_arena_init(&a, mem, sizeof(mem));
        if (n >= 16384) {
            uint8_t *big = malloc(n);
            aper_arena_init(&a, big, n);
            assert_int_equal(aper_open_get(&r, &a, &in), 0);
            assert_int_equal(in.nbits, 8 * n);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(in.buf[i], (i * 13) & 0xff);
            free(big);
        } else {
            assert_int_equal(aper_open_get(&r, &a, &in), 0);
            assert_int_equal(in.nbits, 8 * body);
            if (n)
                assert_int_equal(in.buf[n - 1], ((n - 1) * 13) & 0xff);
        }
        assert_int_equal(r.bitpos, total * 8);
    }
    free(out);
}

/* ---- descriptor codec: SEQUENCE extension additions (X.691 19.7-19.9) -- */

struct ext_seq {
    uint8_t a;
    bool b_present;
    bool b;
};

static const struct aper_type t_u3 = {
    .name = "U3", .kind = APER_INTEGER, .repr = APER_R_U8, .c_size = 1,
    .c = { .lb = 0, .ub = 7, .has_lb = true, .has_ub = true },
};
static const struct aper_type t_bool = {
    .name = "B", .kind = APER_BOOLEAN, .repr = APER_R_BOOL, .c_size = sizeof(bool),
};
static const struct aper_member ext_members[] = {
    { "a", &t_u3, offsetof(struct ext_seq, a), -1, false, false },
    { "b", &t_bool, offsetof(struct ext_seq, b), offsetof(struct ext_seq, b_present), true, true },
};
static const struct aper_type t_ext_seq = {
    .name = "ExtSeq", .kind = APER_SEQUENCE, .ext = true, .c_size = sizeof(struct ext_seq),
    .n_items = 2, .n_root = 1, .members = ext_members,
};
/* the same type as an older receiver knows it: no additions */
static const struct aper_type t_old_seq = {
    .name = "OldSeq", .kind = APER_SEQUENCE, .ext = true, .c_size = sizeof(struct ext_seq),
    .n_items = 1, .n_root = 1, .members = ext_members,
};

static void test_sequence_extension_additions(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    struct ext_seq v = { .a = 5, .b_present = true, .b = true }, got;
    struct aper_reader r;
    uint8_t mem[16];
    struct aper_arena a;
    struct aper_diag d = { 0 };

    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &t_ext_seq, &v), 0);
    ASSERT_BYTES(&b, 0xd0, 0x10, 0x01, 0x80);
    aper_arena_init(&a, mem, sizeof(mem));
    memset(&got, 0, sizeof(got));
    aper_reader_init(&r, b.b, 4);
    assert_int_equal(aper_decode_type(&r, &t_ext_seq, &got, &a, &d), 0);
    assert_int_equal(got.a, 5);
    assert_true(got.b_present);
    assert_true(got.b);
    /* an old receiver skips the addition it does not know */
    memset(&got, 0, sizeof(got));
    aper_reader_init(&r, b.b, 4);
    assert_int_equal(aper_decode_type(&r, &t_old_seq, &got, &a, &d), 0);
    assert_int_equal(got.a, 5);
    assert_int_equal(r.bitpos, 32);
    /* without the addition: the extension bit stays 0 */
    v.b_present = false;
    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &t_ext_seq, &v), 0);
    ASSERT_BYTES(&b, 0x50);
}

/* ENB-ID ::= CHOICE { macroENB-ID, homeENB-ID, ..., short-macroENB-ID
 * BIT STRING (SIZE(18)), long-macroENB-ID } (generated) */
static void test_choice_extension_alternative(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    s1ap_ENB_ID id = { .present = S1AP_ENB_ID_PR_short_macroENB_ID }, got;
    struct aper_reader r;
    uint8_t mem[16];
    struct aper_arena a;

    id.u.short_macroENB_ID = 0x2abcd;
    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &s1ap_desc_ENB_ID, &id), 0);
    ASSERT_BYTES(&b, 0x80, 0x03, 0xaa, 0xf3, 0x40);
    aper_arena_init(&a, mem, sizeof(mem));
    aper_reader_init(&r, b.b, 5);
    memset(&got, 0, sizeof(got));
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_ENB_ID, &got, &a, NULL), 0);
    assert_int_equal(got.present, S1AP_ENB_ID_PR_short_macroENB_ID);
    assert_int_equal(got.u.short_macroENB_ID, 0x2abcd);
    /* an extension alternative beyond what we know */
    const uint8_t unknown[] = { 0x88, 0x01, 0x00 };
    aper_reader_init(&r, unknown, sizeof(unknown));
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_ENB_ID, &got, &a, NULL), -EBADMSG);
    /* root alternative: macroENB-ID (20 bits) */
    id.present = S1AP_ENB_ID_PR_macroENB_ID;
    id.u.macroENB_ID = 0xabcde;
    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &s1ap_desc_ENB_ID, &id), 0);
    ASSERT_BYTES(&b, 0x00, 0xab, 0xcd, 0xe0);
}

/* SourceNodeID ::= CHOICE { sourceNgRanNode-ID, sourceNodeID-Extension
 * ProtocolIE-SingleContainer {{ SourceNodeID-ExtensionIE }} } where the set
 * is still empty in Rel-17: whatever comes there is not comprehended. */
static void test_single_container_of_empty_set(void **state)
{
    (void)state;
    const uint8_t ignore[] = { 0x80, 0x03, 0xe7, 0x40, 0x01, 0x00 };
    const uint8_t reject[] = { 0x80, 0x03, 0xe7, 0x00, 0x01, 0x00 };
    s1ap_SourceNodeID id;
    struct aper_reader r;
    struct aper_diag d;
    uint8_t mem[16];
    struct aper_arena a;
    struct buf b;

    aper_arena_init(&a, mem, sizeof(mem));
    memset(&d, 0, sizeof(d));
    aper_reader_init(&r, ignore, sizeof(ignore));
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_SourceNodeID, &id, &a, &d), 0);
    assert_int_equal(id.present, S1AP_SourceNodeID_PR_sourceNodeID_Extension);
    assert_false(d.reject);
    memset(&d, 0, sizeof(d));
    aper_reader_init(&r, reject, sizeof(reject));
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_SourceNodeID, &id, &a, &d), -EPROTO);
    assert_true(d.reject);
    assert_int_equal(d.n_ies, 1);
    assert_int_equal(d.ies[0].id, 999);
    /* and nothing can be sent there */
    assert_int_equal(aper_encode_type(wr(&b), &s1ap_desc_SourceNodeID, &id), -EINVAL);
}

/* BPLMNs ::= SEQUENCE (SIZE(1..maxnoofBPLMNs)) OF PLMNidentity */
static void test_sequence_of_size(void **state)
{
    (void)state;
    struct buf b;
    struct aper_writer *w;
    s1ap_PLMNidentity items[7] = { { 0x00, 0xf1, 0x10 }, { 0x21, 0xf3, 0x54 } };
    s1ap_BPLMNs l = { .count = 2, .items = items }, got;
    struct aper_reader r;
    uint8_t mem[64];
    struct aper_arena a;

    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &s1ap_desc_BPLMNs, &l), 0);
    ASSERT_BYTES(&b, 0x20, 0x00, 0xf1, 0x10, 0x21, 0xf3, 0x54);
    aper_arena_init(&a, mem, sizeof(mem));
    aper_reader_init(&r, b.b, 7);
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_BPLMNs, &got, &a, NULL), 0);
    assert_int_equal(got.count, 2);
    assert_memory_equal(got.items[1], items[1], 3);
    l.count = 7;                                  /* > maxnoofBPLMNs */
    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &s1ap_desc_BPLMNs, &l), -ERANGE);
    l.count = 0;
    w = wr(&b);
    assert_int_equal(aper_encode_type(w, &s1ap_desc_BPLMNs, &l), -ERANGE);
    /* a count of 6 with the data of 2: the reader stops at the end */
    const uint8_t lie[] = { 0xa0, 0x00, 0xf1, 0x10, 0x21, 0xf3, 0x54 };
    aper_reader_init(&r, lie, sizeof(lie));
    aper_arena_init(&a, mem, sizeof(mem));
    assert_int_equal(aper_decode_type(&r, &s1ap_desc_BPLMNs, &got, &a, NULL), -EBADMSG);
}

static void test_arena_bounds_and_alignment(void **state)
{
    (void)state;
    uint8_t mem[33];
    struct aper_arena a;
    aper_arena_init(&a, mem + 1, 32);             /* odd base address */
    void *p = aper_arena_alloc(&a, 8, 8);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 8, 0);
    assert_null(aper_arena_alloc(&a, 64, 1));
    assert_null(aper_arena_alloc(NULL, 1, 1));
    aper_arena_reset(&a);
    assert_non_null(aper_arena_alloc(&a, 16, 1));
}

/* ExpectedActivityPeriod ::= INTEGER (1..30|40|50|60|80|100|120|150|180|181,...)
 * (TS 36.413 9.2.1.73): root values in 1..181 with the extension bit 0; a
 * value outside the root's set (35, 200) is an extension: bit 1, then the
 * unconstrained form (X.691 13, 11.8: aligned length octet, value). */
static void test_integer_value_set_with_holes(void **state)
{
    (void)state;
    const struct aper_type *t = &s1ap_desc_ExpectedActivityPeriod;
    static const struct { uint8_t v; uint8_t enc[4]; size_t n; } cases[] = {
        { 40, { 0x13, 0x80 }, 2 },              /* root: 0, then 39 in 8 bits */
        { 1, { 0x00, 0x00 }, 2 },
        { 181, { 0x5a, 0x00 }, 2 },
        { 35, { 0x80, 0x01, 0x23 }, 3 },        /* in a hole: extension */
        { 200, { 0x80, 0x02, 0x00, 0xc8 }, 4 }, /* beyond 181: 2's complement */
    };
    uint8_t out[8];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s1ap_ExpectedActivityPeriod v = cases[i].v, back = 0;
        int n = aper_encode_complete(t, &v, out, sizeof(out));
        assert_int_equal(n, (int)cases[i].n);
        assert_memory_equal(out, cases[i].enc, cases[i].n);
        struct aper_reader r;
        aper_reader_init(&r, out, (size_t)n);
        assert_int_equal(aper_decode_type(&r, t, &back, NULL, NULL), 0);
        assert_int_equal(back, v);
    }
    /* the form xepc wrote before (and some encoders write): a hole value
     * with the extension bit 0, in 1..181 — still decoded */
    static const uint8_t old35[] = { 0x11, 0x00 };
    s1ap_ExpectedActivityPeriod back = 0;
    struct aper_reader r;
    aper_reader_init(&r, old35, sizeof(old35));
    assert_int_equal(aper_decode_type(&r, t, &back, NULL, NULL), 0);
    assert_int_equal(back, 35);
    /* and a root value sent as an extension */
    static const uint8_t ext40[] = { 0x80, 0x01, 40 };
    aper_reader_init(&r, ext40, sizeof(ext40));
    assert_int_equal(aper_decode_type(&r, t, &back, NULL, NULL), 0);
    assert_int_equal(back, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits_reader_stops_at_end),
        cmocka_unit_test(test_bits_writer_full_is_enospc),
        cmocka_unit_test(test_cwn_cases),
        cmocka_unit_test(test_integer_kinds),
        cmocka_unit_test(test_nsnnwn_and_lengths),
        cmocka_unit_test(test_enumerated_and_boolean),
        cmocka_unit_test(test_octet_string_sizes),
        cmocka_unit_test(test_bit_string_sizes),
        cmocka_unit_test(test_printable_string),
        cmocka_unit_test(test_fragmented_octet_string),
        cmocka_unit_test(test_open_type_lengths),
        cmocka_unit_test(test_sequence_extension_additions),
        cmocka_unit_test(test_choice_extension_alternative),
        cmocka_unit_test(test_single_container_of_empty_set),
        cmocka_unit_test(test_sequence_of_size),
        cmocka_unit_test(test_arena_bounds_and_alignment),
        cmocka_unit_test(test_integer_value_set_with_holes),
    };
    return cmocka_run_group_tests_name("aper", tests, NULL, NULL);
}
