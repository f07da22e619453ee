/* ASN.1 Aligned PER primitives (ITU-T X.691, ALIGNED variant).
 * Clause numbers below are those of X.691 (02/2021). */
#include <errno.h>
#include <string.h>

#include "aper.h"

#define K16 16384u
#define K64 65536u

/* ------------------------------------------------------------ buffers -- */

void aper_writer_init(struct aper_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->bitpos = 0;
}

void aper_reader_init(struct aper_reader *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->nbits = len * 8;
    r->bitpos = 0;
}

static inline uint64_t low_bits(uint64_t v, unsigned n)
{
    return n >= 64 ? v : v & (((uint64_t)1 << n) - 1);
}

int aper_put_bits(struct aper_writer *w, uint64_t v, unsigned n)
{
    if (n > 64)
        return -EINVAL;
    if (n == 0)
        return 0;
    if (w->bitpos / 8 > w->cap || n > w->cap * 8 - w->bitpos)
        return -ENOSPC;
    size_t byte = w->bitpos >> 3;
    unsigned off = w->bitpos & 7, total = off + n;
    if (total > 64) {                             /* split: at most 71 bits */
        int rc = aper_put_bits(w, v >> 32, n - 32);
        return rc ?: aper_put_bits(w, v & 0xffffffffu, 32);
    }
    /* the bits already in the first octet, then v, left-aligned to an
     * octet boundary, stored big-endian over the octets they touch */
    unsigned nb = (total + 7) / 8;
    uint64_t acc = off ? (uint64_t)(w->buf[byte] >> (8 - off)) : 0;
    acc = (n == 64 ? 0 : acc << n) | low_bits(v, n);
    acc <<= nb * 8 - total;
    for (unsigned i = nb; i--;) {
        w->buf[byte + i] = (uint8_t)acc;
        acc >>= 8;
    }
    w->bitpos += n;
    return 0;
}

int aper_get_bits(struct aper_reader *r, unsigned n, uint64_t *v)
{
    if (n > 64)
        return -EINVAL;
    if (r->bitpos > r->nbits || n > r->nbits - r->bitpos)
        return -EBADMSG;
    if (n == 0) {
        *v = 0;
        return 0;
    }
    size_t byte = r->bitpos >> 3;
    unsigned off = r->bitpos & 7, total = off + n;
    if (total > 64) {
        uint64_t hi, lo;
        aper_get_bits(r, n - 32, &hi);            /* bounds checked above */
        aper_get_bits(r, 32, &lo);
        *v = hi << 32 | lo;
        return 0;
    }
    unsigned nb = (total + 7) / 8;
    uint64_t acc = 0;
    for (unsigned i = 0; i < nb; i++)
        acc = acc << 8 | r->buf[byte + i];
    *v = low_bits(acc >> (nb * 8 - total), n);
    r->bitpos += n;
    return 0;
}

int aper_put_align(struct aper_writer *w)
{
    unsigned pad = (8 - (w->bitpos & 7)) & 7;
    return aper_put_bits(w, 0, pad);
}

int aper_get_align(struct aper_reader *r)
{
    size_t to = (r->bitpos + 7) & ~(size_t)7;
    if (to > r->nbits)
        return -EBADMSG;
    r->bitpos = to;
    return 0;
}

int aper_put_bytes(struct aper_writer *w, const uint8_t *p, size_t n)
{
    if ((w->bitpos & 7) == 0) {
        if (w->bitpos / 8 > w->cap || n > w->cap - w->bitpos / 8)
            return -ENOSPC;
        if (n)
            memcpy(w->buf + w->bitpos / 8, p, n);
        w->bitpos += n * 8;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = aper_put_bits(w, p[i], 8);
        if (rc)
            return rc;
    }
    return 0;
}

/* Copies n bits from the reader into dst (MSB first, dst zeroed). */
static int get_bits_into(struct aper_reader *r, uint8_t *dst, size_t dst_bitpos, size_t n)
{
    if (n > r->nbits - r->bitpos)
        return -EBADMSG;
    while (n) {
        unsigned take = n >= 8 ? 8 : (unsigned)n;
        uint64_t v;
        int rc = aper_get_bits(r, take, &v);
        if (rc)
            return rc;
        struct aper_writer w = { .buf = dst, .cap = (dst_bitpos + take + 7) / 8, .bitpos = dst_bitpos };
        /* the byte at dst_bitpos may already hold bits: OR them in */
        unsigned used = dst_bitpos & 7;
        if (used) {
            uint8_t keep = dst[dst_bitpos >> 3];
            aper_put_bits(&w, v, take);
            dst[dst_bitpos >> 3] |= keep;
        } else {
            aper_put_bits(&w, v, take);
        }
        dst_bitpos += take;
        n -= take;
    }
    return 0;
}

/* -------------------------------------------------------------- arena -- */

void aper_arena_init(struct aper_arena *a, void *mem, size_t cap)
{
    a->base = mem;
    a->cap = cap;
    a->used = 0;
}

void aper_arena_reset(struct aper_arena *a)
{
    a->used = 0;
}

void *aper_arena_alloc(struct aper_arena *a, size_t size, size_t align)
{
    size_t at;

    if (!a || !a->base || align == 0)
        return NULL;
    /* align the address, not the offset: the caller's buffer may be odd */
    at = (size_t)((((uintptr_t)a->base + a->used + align - 1) & ~(uintptr_t)(align - 1))
                  - (uintptr_t)a->base);
    if (at > a->cap || size > a->cap - at)
        return NULL;
    a->used = at + size;
    memset(a->base + at, 0, size);
    return a->base + at;
}

/* ------------------------------------------------------ whole numbers -- */

/* Bits needed for 0..span. */
static inline unsigned bits_for(uint64_t span)
{
    return span ? 64 - (unsigned)__builtin_clzll(span) : 0;
}

/* Octets needed for v, at least one. */
static inline unsigned octets_for(uint64_t v)
{
    return v ? (bits_for(v) + 7) / 8 : 1;
}

/* 11.5.7 constrained whole number */
int aper_put_cwn(struct aper_writer *w, uint64_t off, uint64_t span)
{
    int rc;

    if (off > span)
        return -ERANGE;
    if (span == 0)
        return 0;                                 /* 11.5.4: range 1, empty */
    if (span < 255)                               /* 11.5.7.1 bit-field case */
        return aper_put_bits(w, off, bits_for(span));
    if (span == 255) {                            /* 11.5.7.2 one-octet case */
        if ((rc = aper_put_align(w)))
            return rc;
        return aper_put_bits(w, off, 8);
    }
    if (span < K64) {                             /* 11.5.7.3 two-octet case */
        if ((rc = aper_put_align(w)))
            return rc;
        return aper_put_bits(w, off, 16);
    }
    /* 11.5.7.4 indefinite-length case: length 1..octets(span) as a
     * constrained whole number (11.9.4.1), then the octets, aligned. */
    unsigned n = octets_for(off), max = octets_for(span);
    if ((rc = aper_put_cwn(w, n - 1, max - 1)))
        return rc;
    if ((rc = aper_put_align(w)))
        return rc;
    return aper_put_bits(w, off, 8 * n);
}

int aper_get_cwn(struct aper_reader *r, uint64_t span, uint64_t *off)
{
    int rc;

    *off = 0;
    if (span == 0)
        return 0;
    if (span < 255)
        rc = aper_get_bits(r, bits_for(span), off);
    else if (span == 255)
        rc = aper_get_align(r) ?: aper_get_bits(r, 8, off);
    else if (span < K64)
        rc = aper_get_align(r) ?: aper_get_bits(r, 16, off);
    else {
        uint64_t n;
        unsigned max = octets_for(span);
        if ((rc = aper_get_cwn(r, max - 1, &n)))
            return rc;
        rc = aper_get_align(r) ?: aper_get_bits(r, 8 * ((unsigned)n + 1), off);
    }
    if (rc)
        return rc;
    return *off > span ? -EBADMSG : 0;
}

/* Non-negative-binary-integer in the minimum octets, with an unconstrained
 * length determinant (11.7 semi-constrained whole number). */
static int put_semi(struct aper_writer *w, uint64_t off)
{
    unsigned n = octets_for(off);
    uint64_t enc;
    int rc = aper_put_length(w, 0, 0, false, n, &enc);
    return rc ?: aper_put_align(w) ?: aper_put_bits(w, off, 8 * n);
}

static int get_semi(struct aper_reader *r, uint64_t *off)
{
    uint64_t n;
    bool more;
    int rc = aper_get_length(r, 0, 0, false, &n, &more);
    if (rc)
        return rc;
    if (more || n < 1 || n > 8)
        return -EBADMSG;   /* more than 64 bits: beyond any S1AP value */
    return aper_get_align(r) ?: aper_get_bits(r, 8 * (unsigned)n, off);
}

/* 11.6 normally small non-negative whole number */
int aper_put_nsnnwn(struct aper_writer *w, uint64_t n)
{
    if (n <= 63)
        return aper_put_bits(w, n, 7);            /* 0 + 6-bit value */
    return aper_put_bits(w, 1, 1) ?: put_semi(w, n);
}

int aper_get_nsnnwn(struct aper_reader *r, uint64_t *n)
{
    uint64_t big;
    int rc = aper_get_bits(r, 1, &big);
    if (rc)
        return rc;
    if (!big)
        return aper_get_bits(r, 6, n);
    return get_semi(r, n);
}

/* ------------------------------------------------- length determinant -- */

/* 11.9 */
int aper_put_length(struct aper_writer *w, uint64_t lb, uint64_t ub, bool has_ub,
                    uint64_t n, uint64_t *encoded)
{
    int rc;

    *encoded = n;
    if (has_ub && ub < K64) {                     /* 11.9.3.3 / 11.9.4.1 */
        if (n < lb || n > ub)
            return -ERANGE;
        return aper_put_cwn(w, n - lb, ub - lb);
    }
    if ((rc = aper_put_align(w)))                 /* 11.9.3.5 - 11.9.3.8 */
        return rc;
    if (n < 128)
        return aper_put_bits(w, n, 8);
    if (n < K16)
        return aper_put_bits(w, 0x8000 | n, 16);
    uint64_t m = n / K16;                         /* 11.9.3.8: fragment */
    if (m > 4)
        m = 4;
    *encoded = m * K16;
    return aper_put_bits(w, 0xc0 | m, 8);
}

int aper_get_length(struct aper_reader *r, uint64_t lb, uint64_t ub, bool has_ub,
                    uint64_t *n, bool *more)
{
    uint64_t v;
    int rc;

    *more = false;
    if (has_ub && ub < K64) {
        if (ub < lb)
            return -EINVAL;
        if ((rc = aper_get_cwn(r, ub - lb, &v)))
            return rc;
        *n = lb + v;
        return 0;
    }
    if ((rc = aper_get_align(r)) || (rc = aper_get_bits(r, 8, &v)))
        return rc;
    if (!(v & 0x80)) {
        *n = v;
    } else if (!(v & 0x40)) {
        uint64_t lo;
        if ((rc = aper_get_bits(r, 8, &lo)))
            return rc;
        *n = ((v & 0x3f) << 8) | lo;
    } else {
        v &= 0x3f;
        if (v < 1 || v > 4)
            return -EBADMSG;                      /* 11.9.3.8.1: m is 1..4 */
        *n = v * K16;
        *more = true;
    }
    return 0;
}

/* ------------------------------------------------------------ INTEGER -- */

static bool in_root(const struct aper_constraint *c, aper_int_t v)
{
    if ((c->has_lb && v < c->lb) || (c->has_ub && v > c->ub))
        return false;
    if (!c->n_ranges)
        return true;
    /* X.691 13 (extension bit): a value is "within the extension root"
     * when it is one of the root's values, not merely between the extremes
     * that PER uses for the constrained encoding */
    for (unsigned i = 0; i < c->n_ranges; i++)
        if (v >= c->ranges[i].lo && v <= c->ranges[i].hi)
            return true;
    return false;
}

/* 11.8 unconstrained whole number: 2's complement, minimum octets. */
static int put_unconstrained(struct aper_writer *w, aper_int_t v)
{
    unsigned n = 1;
    uint64_t enc;
    int rc;

    if (v < INT64_MIN || v > INT64_MAX)
        return -ERANGE;
    while (n < 8) {
        aper_int_t lim = (aper_int_t)1 << (8 * n - 1);
        if (v >= -lim && v < lim)
            break;
        n++;
    }
    if ((rc = aper_put_length(w, 0, 0, false, n, &enc)) || (rc = aper_put_align(w)))
        return rc;
    return aper_put_bits(w, (uint64_t)(int64_t)v, 8 * n);
}

static int get_unconstrained(struct aper_reader *r, aper_int_t *v)
{
    uint64_t n, raw;
    bool more;
    int rc = aper_get_length(r, 0, 0, false, &n, &more);
    if (rc)
        return rc;
    if (more || n < 1 || n > 8)
        return -EBADMSG;
    if ((rc = aper_get_align(r)) || (rc = aper_get_bits(r, 8 * (unsigned)n, &raw)))
        return rc;
    if (n < 8 && (raw >> (8 * n - 1)) & 1)
        raw |= ~(uint64_t)0 << (8 * n);           /* sign-extend */
    *v = (int64_t)raw;
    return 0;
}

/* 13: INTEGER */
int aper_put_integer(struct aper_writer *w, const struct aper_constraint *c, aper_int_t v)
{
    bool root = in_root(c, v);
    int rc;

    if (c->ext) {                                 /* 13.2.6 extension bit */
        if ((rc = aper_put_bits(w, !root, 1)))
            return rc;
        if (!root)
            return put_unconstrained(w, v);
    } else if (!root) {
        return -ERANGE;
    }
    if (c->has_lb && c->has_ub) {                 /* 13.2.2 constrained */
        aper_int_t span = c->ub - c->lb;
        if (span > (aper_int_t)UINT64_MAX)
            return -ERANGE;
        return aper_put_cwn(w, (uint64_t)(v - c->lb), (uint64_t)span);
    }
    if (c->has_lb) {                              /* 13.2.3 semi-constrained */
        aper_int_t off = v - c->lb;
        if (off > (aper_int_t)UINT64_MAX)
            return -ERANGE;
        return put_semi(w, (uint64_t)off);
    }
    return put_unconstrained(w, v);               /* 13.2.4 */
}

int aper_get_integer(struct aper_reader *r, const struct aper_constraint *c, aper_int_t *v)
{
    uint64_t bit = 0, off;
    int rc;

    if (c->ext && (rc = aper_get_bits(r, 1, &bit)))
        return rc;
    if (bit)
        return get_unconstrained(r, v);
    if (c->has_lb && c->has_ub) {
        aper_int_t span = c->ub - c->lb;
        if (span > (aper_int_t)UINT64_MAX)
            return -EINVAL;
        if ((rc = aper_get_cwn(r, (uint64_t)span, &off)))
            return rc;
        *v = c->lb + off;
        return 0;
    }
    if (c->has_lb) {
        if ((rc = get_semi(r, &off)))
            return rc;
        *v = c->lb + off;
        return 0;
    }
    return get_unconstrained(r, v);
}

/* --------------------------------------------------- ENUMERATED, BOOL -- */

/* 14 */
int aper_put_enumerated(struct aper_writer *w, unsigned n_root, bool ext, unsigned idx)
{
    int rc;

    if (n_root == 0)
        return -EINVAL;
    if (ext) {
        if ((rc = aper_put_bits(w, idx >= n_root, 1)))
            return rc;
        if (idx >= n_root)                        /* 14.3 */
            return aper_put_nsnnwn(w, idx - n_root);
    } else if (idx >= n_root) {
        return -ERANGE;
    }
    return aper_put_cwn(w, idx, n_root - 1);      /* 14.2 */
}

int aper_get_enumerated(struct aper_reader *r, unsigned n_root, bool ext, unsigned n_ext,
                        unsigned *idx)
{
    uint64_t bit = 0, v;
    int rc;

    if (n_root == 0)
        return -EINVAL;
    if (ext && (rc = aper_get_bits(r, 1, &bit)))
        return rc;
    if (bit) {
        if ((rc = aper_get_nsnnwn(r, &v)))
            return rc;
        if (v >= n_ext)
            return -EBADMSG;                      /* an extension we do not know */
        *idx = n_root + (unsigned)v;
        return 0;
    }
    if ((rc = aper_get_cwn(r, n_root - 1, &v)))
        return rc;
    *idx = (unsigned)v;
    return 0;
}

/* 12 */
int aper_put_boolean(struct aper_writer *w, bool v)
{
    return aper_put_bits(w, v, 1);
}

int aper_get_boolean(struct aper_reader *r, bool *v)
{
    uint64_t b;
    int rc = aper_get_bits(r, 1, &b);
    if (!rc)
        *v = b;
    return rc;
}

/* --------------------------------------------------- string families -- */

/* BIT STRING (unit 1 bit), OCTET STRING (8) and known-multiplier character
 * strings (char_bits) share one shape: 16.8-16.11, 17.5-17.8, 27.5.5-27.5.7.
 * A fixed size of at most 16 bits is not octet-aligned. */

/* Writes n items of `unit` bits starting at item 0 of p (items are
 * bytes for unit 8 and char strings, bits for unit 1). */
static int put_items(struct aper_writer *w, unsigned unit, const uint8_t *p, size_t from,
                     size_t n)
{
    int rc;

    if (unit == 8)
        return aper_put_bytes(w, p + from, n);
    if (unit == 1) {
        size_t i = from, end = from + n;
        if ((i & 7) == 0) {                       /* whole source octets */
            if ((w->bitpos & 7) == 0 && n >= 8) {
                if ((rc = aper_put_bytes(w, p + i / 8, n / 8)))
                    return rc;
                i += n / 8 * 8;
            }
            for (; i + 8 <= end; i += 8)
                if ((rc = aper_put_bits(w, p[i >> 3], 8)))
                    return rc;
            if (i < end)                          /* the last, partial octet */
                return aper_put_bits(w, p[i >> 3] >> (8 - (end - i)), (unsigned)(end - i));
            return 0;
        }
        for (; i < end; i++)
            if ((rc = aper_put_bits(w, (p[i >> 3] >> (7 - (i & 7))) & 1, 1)))
                return rc;
        return 0;
    }
    for (size_t i = from; i < from + n; i++)      /* char_bits < 8: low bits */
        if ((rc = aper_put_bits(w, p[i], unit)))
            return rc;
    return 0;
}

static int put_string(struct aper_writer *w, const struct aper_constraint *c, unsigned unit,
                      const uint8_t *p, size_t n)
{
    bool constrained = c && c->has_ub;
    int rc;

    if (c && c->ext) {                            /* 16.6, 17.3, 27.5.3 */
        bool root = constrained && n >= (size_t)c->lb && n <= (size_t)c->ub;
        if ((rc = aper_put_bits(w, !root, 1)))
            return rc;
        if (!root)
            constrained = false;
    } else if (c && ((c->has_lb && n < (size_t)c->lb) || (c->has_ub && n > (size_t)c->ub))) {
        return -ERANGE;
    }
    if (constrained && c->lb == c->ub && c->ub * unit <= 16) {
        /* 16.9, 17.6, 27.5.6: fixed, at most 16 bits: no length, unaligned */
        return put_items(w, unit, p, 0, n);
    }
    if (constrained && c->lb == c->ub && c->ub < K64) {
        /* 16.10, 17.7: fixed, under 64K: no length, octet-aligned */
        if (n && (rc = aper_put_align(w)))
            return rc;
        return put_items(w, unit, p, 0, n);
    }
    if (constrained && c->ub < K64) {
        /* 16.11, 17.8, 27.5.7: length as a constrained whole number */
        uint64_t enc;
        if ((rc = aper_put_length(w, (uint64_t)c->lb, (uint64_t)c->ub, true, n, &enc)))
            return rc;
        if (n && c->ub * unit > 16 && (rc = aper_put_align(w)))
            return rc;
        return put_items(w, unit, p, 0, n);
    }
    /* unconstrained length, fragmented in 16K items (11.9.3.8) */
    size_t done = 0;
    uint64_t enc;
    do {
        if ((rc = aper_put_length(w, 0, 0, false, n - done, &enc)))
            return rc;
        if (enc && (rc = put_items(w, unit, p, done, enc)))
            return rc;
        done += enc;
    } while (enc >= K16);
    return 0;
}

/* Reads n items into the arena (items packed as they are in memory). */
static int get_items_copy(struct aper_reader *r, unsigned unit, uint8_t *dst, size_t at,
                          size_t n)
{
    int rc;

    if (unit == 8 || unit == 1)
        return get_bits_into(r, dst, at * unit, n * unit);
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if ((rc = aper_get_bits(r, unit, &v)))
            return rc;
        dst[at + i] = (uint8_t)v;
    }
    return 0;
}

static size_t item_bytes(unsigned unit, size_t n)
{
    return unit == 1 ? (n + 7) / 8 : n;
}

/* Items stay in the input when they are whole aligned octets (unit 8). */
static int get_items(struct aper_reader *r, unsigned unit, struct aper_arena *a, size_t n,
                     const uint8_t **out)
{
    if (n * unit > r->nbits - r->bitpos)
        return -EBADMSG;
    if ((unit == 8 || (unit == 1 && n % 8 == 0)) && (r->bitpos & 7) == 0) {
        *out = r->buf + r->bitpos / 8;
        r->bitpos += n * unit;
        return 0;
    }
    uint8_t *dst = aper_arena_alloc(a, item_bytes(unit, n) ?: 1, 1);
    if (!dst)
        return -ENOMEM;
    *out = dst;
    return get_items_copy(r, unit, dst, 0, n);
}

static int get_string(struct aper_reader *r, const struct aper_constraint *c, unsigned unit,
                      struct aper_arena *a, const uint8_t **out, size_t *len)
{
    bool constrained = c && c->has_ub;
    uint64_t n, bit = 0;
    bool more;
    int rc;

    *out = NULL;
    *len = 0;
    if (c && c->ext) {
        if ((rc = aper_get_bits(r, 1, &bit)))
            return rc;
        if (bit)
            constrained = false;
    }
    if (constrained && c->lb == c->ub && c->ub * unit <= 16) {
        n = (uint64_t)c->ub;
        *len = n;
        if (n == 0)
            return 0;
        uint8_t *dst = aper_arena_alloc(a, item_bytes(unit, n), 1);
        if (!dst)
            return -ENOMEM;
        *out = dst;
        return get_items_copy(r, unit, dst, 0, n);
    }
    if (constrained && c->lb == c->ub && c->ub < K64) {
        n = (uint64_t)c->ub;
        if (n && (rc = aper_get_align(r)))
            return rc;
        *len = n;
        return get_items(r, unit, a, n, out);
    }
    if (constrained && c->ub < K64) {
        if ((rc = aper_get_length(r, (uint64_t)c->lb, (uint64_t)c->ub, true, &n, &more)))
            return rc;
        if (n > (uint64_t)c->ub)
            return -EBADMSG;
        if (n && c->ub * unit > 16 && (rc = aper_get_align(r)))
            return rc;
        *len = n;
        return get_items(r, unit, a, n, out);
    }
    /* unconstrained: possibly fragmented */
    if ((rc = aper_get_length(r, 0, 0, false, &n, &more)))
        return rc;
    if (!more) {
        *len = n;
        rc = get_items(r, unit, a, n, out);
    } else {
        /* first pass: total size; bounded by the input that remains */
        struct aper_reader scan = *r;
        uint64_t total = 0, part = n;
        bool m = more;
        for (;;) {
            if (part * unit > scan.nbits - scan.bitpos)
                return -EBADMSG;
            scan.bitpos += part * unit;
            total += part;
            if (!m)
                break;
            if ((rc = aper_get_length(&scan, 0, 0, false, &part, &m)))
                return rc;
        }
        uint8_t *dst = aper_arena_alloc(a, item_bytes(unit, total) ?: 1, 1);
        if (!dst)
            return -ENOMEM;
        size_t at = 0;
        part = n;
        m = more;
        for (;;) {
            if ((rc = get_items_copy(r, unit, dst, at, part)))
                return rc;
            at += part;
            if (!m)
                break;
            if ((rc = aper_get_length(r, 0, 0, false, &part, &m)))
                return rc;
        }
        *out = dst;
        *len = total;
        rc = 0;
    }
    if (rc)
        return rc;
    if (c && !bit && ((c->has_lb && *len < (size_t)c->lb) || (c->has_ub && *len > (size_t)c->ub)))
        return -EBADMSG;
    return 0;
}

int aper_put_octets(struct aper_writer *w, const struct aper_constraint *c,
                    const uint8_t *p, size_t len)
{
    return put_string(w, c, 8, p, len);
}

int aper_get_octets(struct aper_reader *r, const struct aper_constraint *c,
                    struct aper_arena *a, const uint8_t **out, size_t *len)
{
    return get_string(r, c, 8, a, out, len);
}

int aper_put_bitstring(struct aper_writer *w, const struct aper_constraint *c,
                       const uint8_t *p, size_t nbits)
{
    return put_string(w, c, 1, p, nbits);
}

int aper_get_bitstring(struct aper_reader *r, const struct aper_constraint *c,
                       struct aper_arena *a, const uint8_t **out, size_t *nbits)
{
    return get_string(r, c, 1, a, out, nbits);
}

int aper_put_charstring(struct aper_writer *w, const struct aper_constraint *c,
                        unsigned char_bits, const uint8_t *p, size_t len)
{
    if (char_bits == 0 || char_bits > 8)
        return -EINVAL;
    return put_string(w, c, char_bits, p, len);
}

int aper_get_charstring(struct aper_reader *r, const struct aper_constraint *c,
                        unsigned char_bits, const char *alphabet, struct aper_arena *a,
                        const uint8_t **out, size_t *len)
{
    int rc;

    if (char_bits == 0 || char_bits > 8)
        return -EINVAL;
    if ((rc = get_string(r, c, char_bits, a, out, len)))
        return rc;
    if (alphabet)
        for (size_t i = 0; i < *len; i++)
            if (!(*out)[i] || !strchr(alphabet, (*out)[i]))
                return -EBADMSG;                  /* 27.5.3: not in the set */
    return 0;
}

/* ---------------------------------------------------------- open type -- */

/* 11.2: contents written two octets after the aligned position; on the
 * way out the length determinant is placed in front of them and the
 * contents moved if it is not exactly two octets. */
int aper_open_begin(struct aper_writer *w, struct aper_writer *inner)
{
    int rc = aper_put_align(w);
    size_t at = w->bitpos / 8 + 2;

    if (rc)
        return rc;
    if (at > w->cap)
        return -ENOSPC;
    aper_writer_init(inner, w->buf + at, w->cap - at);
    return 0;
}

int aper_open_end(struct aper_writer *w, struct aper_writer *inner)
{
    size_t at = w->bitpos / 8, len;
    int rc;

    if (inner->bitpos == 0 && (rc = aper_put_bits(inner, 0, 8)))
        return rc;                                /* 11.1: at least one octet */
    len = aper_writer_len(inner);
    if (len < 128) {
        memmove(w->buf + at + 1, w->buf + at + 2, len);
        w->buf[at] = (uint8_t)len;
        w->bitpos = (at + 1 + len) * 8;
        return 0;
    }
    if (len < K16) {
        w->buf[at] = (uint8_t)(0x80 | (len >> 8));
        w->buf[at + 1] = (uint8_t)len;
        w->bitpos = (at + 2 + len) * 8;
        return 0;
    }
    /* 11.9.3.8: fragments of up to 64K (m * 16K), one header octet each,
     * then a final length (1 or 2 octets, 0 when nothing is left). */
    size_t hdr = 0, rest = len;
    while (rest >= K16) {
        size_t m = rest / K16 > 4 ? 4 : rest / K16;
        rest -= m * K16;
        hdr++;
    }
    hdr += rest < 128 ? 1 : 2;
    if (at + hdr + len > w->cap)
        return -ENOSPC;
    uint8_t *data = w->buf + at + hdr;
    memmove(data, w->buf + at + 2, len);
    size_t out = at, src = 0;
    rest = len;
    for (;;) {
        if (rest >= K16) {
            size_t m = rest / K16 > 4 ? 4 : rest / K16;
            w->buf[out++] = (uint8_t)(0xc0 | m);
            memmove(w->buf + out, data + src, m * K16);
            out += m * K16;
            src += m * K16;
            rest -= m * K16;
            continue;
        }
        if (rest < 128) {
            w->buf[out++] = (uint8_t)rest;
        } else {
            w->buf[out++] = (uint8_t)(0x80 | (rest >> 8));
            w->buf[out++] = (uint8_t)rest;
        }
        memmove(w->buf + out, data + src, rest);
        out += rest;
        break;
    }
    w->bitpos = out * 8;
    return 0;
}

int aper_open_get(struct aper_reader *r, struct aper_arena *a, struct aper_reader *inner)
{
    const uint8_t *p;
    size_t n;
    int rc = get_string(r, NULL, 8, a, &p, &n);

    if (rc)
        return rc;
    aper_reader_init(inner, p, n);
    return 0;
}
