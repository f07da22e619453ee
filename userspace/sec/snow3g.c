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
 * avoid.
 *
 * Speed: the sixteen LFSR cells and the three FSM registers live in local
 * variables (registers, or the stack when registers run out) for a whole
 * call; the LFSR is not shifted but addressed circularly, with sixteen
 * copies of the clock, one per position of the head, so every cell index
 * is fixed at compile time. */
#include "sec/snow3g.h"

#include <string.h>

#include "sec/snow3g_tables.h"

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The tables of snow3g_tables.h laid out for the clock: S1 and S2 each as
 * four copies of the column table, rotated right by 0, 8, 16 and 24 bits
 * (the column for the octet at bits 31..24, 23..16, 15..8 and 7..0), so
 * that an S-box is four lookups xored, no rotation; all in one array so
 * that one base register addresses every table. */
#define ROR0(x) (uint32_t)(x),
#define ROR8(x) ((uint32_t)(x) >> 8 | (uint32_t)(x) << 24),
#define ROR16(x) ((uint32_t)(x) >> 16 | (uint32_t)(x) << 16),
#define ROR24(x) ((uint32_t)(x) >> 24 | (uint32_t)(x) << 8),
static const struct {
    uint32_t s1[4][256], s2[4][256], mul_alpha[256], div_alpha[256];
} tab = {
    .s1 = {{SNOW3G_T1(ROR0)}, {SNOW3G_T1(ROR8)}, {SNOW3G_T1(ROR16)}, {SNOW3G_T1(ROR24)}},
    .s2 = {{SNOW3G_T2(ROR0)}, {SNOW3G_T2(ROR8)}, {SNOW3G_T2(ROR16)}, {SNOW3G_T2(ROR24)}},
    .mul_alpha = {SNOW3G_MUL_ALPHA(ROR0)},
    .div_alpha = {SNOW3G_DIV_ALPHA(ROR0)},
};

/* 3.3.1 / 3.3.2: S1 and S2, one table lookup per octet. */
static inline uint32_t sbox_s1(uint32_t w)
{
    return tab.s1[0][w >> 24] ^ tab.s1[1][(w >> 16) & 0xff] ^ tab.s1[2][(w >> 8) & 0xff] ^
           tab.s1[3][w & 0xff];
}

static inline uint32_t sbox_s2(uint32_t w)
{
    return tab.s2[0][w >> 24] ^ tab.s2[1][(w >> 16) & 0xff] ^ tab.s2[2][(w >> 8) & 0xff] ^
           tab.s2[3][w & 0xff];
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

/* One clock with the head at cell a0 (s0 of the specification); a2, a5,
 * a11, a15 are the cells s2, s5, s11, s15 at that head.  The FSM (3.4.6)
 * gives F, then the LFSR (3.4.4 with v xor F in initialisation mode, 3.4.5
 * in keystream mode) overwrites a0 with v, which is s15 once the head has
 * moved on.  Leaves F in f and the keystream word F xor s0 (4.2) in z. */
#define SNOW_CLOCK(init, a0, a2, a5, a11, a15)                                             \
    do {                                                                                   \
        f = ((a15) + r1) ^ r2;                                                             \
        z = f ^ (a0);                                                                      \
        uint32_t r_ = r2 + (r3 ^ (a5));                                                    \
        r3 = sbox_s2(r2);                                                                     \
        r2 = sbox_s1(r1);                                                                     \
        r1 = r_;                                                                           \
        uint32_t v_ = ((a0) << 8) ^ tab.mul_alpha[(a0) >> 24] ^ (a2) ^ ((a11) >> 8) ^ \
                      tab.div_alpha[(a11) & 0xff];                                      \
        (a0) = (init) ? v_ ^ f : v_;                                                       \
    } while (0)

/* The sixteen clocks of one turn of the head, as the cases of a switch on
 * the head position (so a run may start at any head and stop after any
 * clock).  STEP(i, ...) is SNOW_CLOCK at head i plus what the caller does
 * with the word. */
#define SNOW_TURN(STEP)                                 \
    case 0: STEP(0, s0, s2, s5, s11, s15);     \
    /* fallthrough */                           \
    case 1: STEP(1, s1, s3, s6, s12, s0);      \
    /* fallthrough */                           \
    case 2: STEP(2, s2, s4, s7, s13, s1);      \
    /* fallthrough */                           \
    case 3: STEP(3, s3, s5, s8, s14, s2);      \
    /* fallthrough */                           \
    case 4: STEP(4, s4, s6, s9, s15, s3);      \
    /* fallthrough */                           \
    case 5: STEP(5, s5, s7, s10, s0, s4);      \
    /* fallthrough */                           \
    case 6: STEP(6, s6, s8, s11, s1, s5);      \
    /* fallthrough */                           \
    case 7: STEP(7, s7, s9, s12, s2, s6);      \
    /* fallthrough */                           \
    case 8: STEP(8, s8, s10, s13, s3, s7);     \
    /* fallthrough */                           \
    case 9: STEP(9, s9, s11, s14, s4, s8);     \
    /* fallthrough */                           \
    case 10: STEP(10, s10, s12, s15, s5, s9);  \
    /* fallthrough */                           \
    case 11: STEP(11, s11, s13, s0, s6, s10);  \
    /* fallthrough */                           \
    case 12: STEP(12, s12, s14, s1, s7, s11);  \
    /* fallthrough */                           \
    case 13: STEP(13, s13, s15, s2, s8, s12);  \
    /* fallthrough */                           \
    case 14: STEP(14, s14, s0, s3, s9, s13);   \
    /* fallthrough */                           \
    case 15: STEP(15, s15, s1, s4, s10, s14)

#define LOAD_STATE()                                                                   \
    uint32_t s0 = st->s[0], s1 = st->s[1], s2 = st->s[2], s3 = st->s[3], s4 = st->s[4],  \
             s5 = st->s[5], s6 = st->s[6], s7 = st->s[7], s8 = st->s[8], s9 = st->s[9],  \
             s10 = st->s[10], s11 = st->s[11], s12 = st->s[12], s13 = st->s[13],         \
             s14 = st->s[14], s15 = st->s[15];                                           \
    uint32_t r1 = st->r1, r2 = st->r2, r3 = st->r3, f, z

#define STORE_STATE()                                                                  \
    do {                                                                               \
        st->s[0] = s0, st->s[1] = s1, st->s[2] = s2, st->s[3] = s3, st->s[4] = s4;    \
        st->s[5] = s5, st->s[6] = s6, st->s[7] = s7, st->s[8] = s8, st->s[9] = s9;    \
        st->s[10] = s10, st->s[11] = s11, st->s[12] = s12, st->s[13] = s13;            \
        st->s[14] = s14, st->s[15] = s15;                                              \
        st->r1 = r1, st->r2 = r2, st->r3 = r3;                                         \
    } while (0)

/* n >= 1 keystream clocks from the head in st.  Each word goes to z[k]
 * (xor == 0) or is xored, most significant octet first, into octets 4k..
 * 4k+3 of in, giving out (xor == 1).  Instantiated once for each. */
static inline __attribute__((always_inline)) void snow_run(struct snow3g *st, size_t n,
                                                           uint32_t *zw, const uint8_t *in,
                                                           uint8_t *out, int xor)
{
    LOAD_STATE();
    unsigned h = st->head;
    size_t k = 0;

#define EMIT()                                             \
    if (xor) {                                             \
        uint32_t x_;                                       \
        memcpy(&x_, in + 4 * k, 4);                        \
        x_ ^= host_to_be32(z);                             \
        memcpy(out + 4 * k, &x_, 4);                       \
    } else {                                               \
        zw[k] = z;                                         \
    }                                                      \
    k++
#define TURN_STEP(i, ...)                                  \
    SNOW_CLOCK(0, __VA_ARGS__);                            \
    EMIT()
#define RUN_STEP(i, ...)                                   \
    SNOW_CLOCK(0, __VA_ARGS__);                            \
    EMIT();                                                \
    if (k == n) {                                          \
        h = ((i) + 1) & 15;                                \
        goto done;                                         \
    }

    for (;;) {
        /* Whole turns from head 0 without the count check, ... */
        while (h == 0 && n - k >= 16) {
            switch (0) {
                SNOW_TURN(TURN_STEP);
            }
        }
        if (k == n)
            goto done;
        /* ... else clock by clock until the count or the end of the turn. */
        switch (h) {
            SNOW_TURN(RUN_STEP);
        }
        h = 0;
    }
#undef RUN_STEP
#undef TURN_STEP
#undef EMIT
done:
    STORE_STATE();
    st->head = h;
    (void)f;
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

    /* 32 clocks in initialisation mode: two turns of the head. */
    LOAD_STATE();
#define INIT_STEP(i, a0, a2, a5, a11, a15) SNOW_CLOCK(1, a0, a2, a5, a11, a15)
    for (int turn = 0; turn < 2; turn++) {
        switch (0) {
            SNOW_TURN(INIT_STEP);
        }
    }
#undef INIT_STEP
    /* 4.2: the first clock in keystream mode, its output discarded. */
    SNOW_CLOCK(0, s0, s2, s5, s11, s15);
    STORE_STATE();
    st->head = 1;
    (void)z;
}

void snow3g_words(struct snow3g *st, uint32_t *z, size_t n)
{
    if (n)
        snow_run(st, n, z, NULL, NULL, 0);
}

void snow3g_xor(struct snow3g *st, const uint8_t *in, uint8_t *out, size_t len)
{
    if (len >= 4)
        snow_run(st, len / 4, NULL, in, out, 1);
    if (len % 4) {
        uint32_t z;
        size_t done = len & ~(size_t)3;
        snow_run(st, 1, &z, NULL, NULL, 0);
        for (size_t i = done; i < len; i++)
            out[i] = in[i] ^ (uint8_t)(z >> (24 - 8 * (i % 4)));
    }
}
