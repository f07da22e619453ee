/* SNOW 3G (ETSI/SAGE UEA2 & UIA2 Document 2).
 *
 * The S-boxes S1 and S2 (spec 3.3) are a Rijndael-like round on one column:
 * SubBytes with SR (the AES S-box) or SQ, then MixColumn with 0x1b or 0x69.
 * Both are evaluated with a 256-entry 32-bit table per box whose entry for
 * octet x is the column (2s, 3s, s, s), s = SR(x) or SQ(x); the other three
 * octets use the same table rotated.  MULalpha and DIValpha (3.4) are one
 * table each.  These tables are indexed by secret state (R1, R2, s0, s11):
 * a cache-timing side channel on a machine shared with an attacker; see
 * docs/nas.md, "Security", for why that is accepted and what it costs to
 * avoid. */
#include "sec/snow3g.h"

#include <string.h>

#include "sec/snow3g_tables.h"

static inline uint32_t ror32(uint32_t x, unsigned n)
{
    return x >> n | x << (32 - n);
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t s1(uint32_t w)
{
    return snow3g_t1[w >> 24] ^ ror32(snow3g_t1[(w >> 16) & 0xff], 8) ^
           ror32(snow3g_t1[(w >> 8) & 0xff], 16) ^ ror32(snow3g_t1[w & 0xff], 24);
}

static inline uint32_t s2(uint32_t w)
{
    return snow3g_t2[w >> 24] ^ ror32(snow3g_t2[(w >> 16) & 0xff], 8) ^
           ror32(snow3g_t2[(w >> 8) & 0xff], 16) ^ ror32(snow3g_t2[w & 0xff], 24);
}

/* The keystream word as it lies in memory, most significant octet first. */
static inline uint32_t host_to_be32(uint32_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap32(x);
#else
    return x;
#endif
}

#define S(k) st->s[(h + (k)) & 15]

/* One clock: the FSM (3.4.6) and then the LFSR (3.4.4 with u = F in
 * initialisation mode, 3.4.5 with no input in keystream mode).  Returns F. */
static inline uint32_t snow_clock(struct snow3g *st, unsigned h, int init)
{
    uint32_t f = (S(15) + st->r1) ^ st->r2;
    uint32_t r = st->r2 + (st->r3 ^ S(5));

    st->r3 = s2(st->r2);
    st->r2 = s1(st->r1);
    st->r1 = r;

    uint32_t s0 = S(0), s11 = S(11);
    uint32_t v = (s0 << 8) ^ snow3g_mul_alpha[s0 >> 24] ^ S(2) ^ (s11 >> 8) ^
                 snow3g_div_alpha[s11 & 0xff];
    if (init)
        v ^= f;
    S(0) = v; /* becomes s15 once head moves on */
    return f;
}

void snow3g_init(struct snow3g *st, const uint8_t key[16], const uint8_t iv[16])
{
    const uint32_t k3 = be32(key), k2 = be32(key + 4), k1 = be32(key + 8), k0 = be32(key + 12);
    const uint32_t iv3 = be32(iv), iv2 = be32(iv + 4), iv1 = be32(iv + 8), iv0 = be32(iv + 12);
    const uint32_t one = 0xffffffffu;

    /* 4.1 */
    st->s[15] = k3 ^ iv0;
    st->s[14] = k2;
    st->s[13] = k1;
    st->s[12] = k0 ^ iv1;
    st->s[11] = k3 ^ one;
    st->s[10] = k2 ^ one ^ iv2;
    st->s[9] = k1 ^ one ^ iv3;
    st->s[8] = k0 ^ one;
    st->s[7] = k3;
    st->s[6] = k2;
    st->s[5] = k1;
    st->s[4] = k0;
    st->s[3] = k3 ^ one;
    st->s[2] = k2 ^ one;
    st->s[1] = k1 ^ one;
    st->s[0] = k0 ^ one;
    st->r1 = st->r2 = st->r3 = 0;
    st->head = 0;

    for (unsigned i = 0; i < 32; i++)
        snow_clock(st, i & 15, 1);
    snow_clock(st, 0, 0); /* 4.2: the first FSM output is discarded */
    st->head = 1;
}

void snow3g_words(struct snow3g *st, uint32_t *z, size_t n)
{
    unsigned h = st->head;

    for (;;) {
        /* Sixteen clocks at a time with the LFSR positions known at
         * compile time whenever the head is at 0; else one by one. */
        while (h == 0 && n >= 16) {
#pragma GCC unroll 16
            for (unsigned i = 0; i < 16; i++) {
                uint32_t s0 = st->s[i];
                z[i] = snow_clock(st, i, 0) ^ s0;
            }
            z += 16;
            n -= 16;
        }
        if (n == 0)
            break;
        uint32_t s0 = st->s[h];
        *z++ = snow_clock(st, h, 0) ^ s0;
        h = (h + 1) & 15;
        n--;
    }
    st->head = h;
}

void snow3g_xor(struct snow3g *st, const uint8_t *in, uint8_t *out, size_t len)
{
    uint32_t z[16];

    while (len >= 64) {
        snow3g_words(st, z, 16);
        for (unsigned w = 0; w < 16; w++) {
            uint32_t x;
            memcpy(&x, in + 4 * w, 4);
            x ^= host_to_be32(z[w]);
            memcpy(out + 4 * w, &x, 4);
        }
        in += 64;
        out += 64;
        len -= 64;
    }
    if (len) {
        size_t words = (len + 3) / 4;
        snow3g_words(st, z, words);
        for (size_t i = 0; i < len; i++)
            out[i] = in[i] ^ (uint8_t)(z[i / 4] >> (24 - 8 * (i % 4)));
    }
}
