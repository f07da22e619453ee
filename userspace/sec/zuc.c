/* ZUC 1.6 (ETSI/SAGE 128-EEA3 & 128-EIA3 Document 2).
 *
 * S0 and S1 (spec 3.4.2) are 256-octet tables indexed by secret state
 * (the FSM registers after L1/L2): a cache-timing side channel accepted as
 * in every deployed implementation; see docs/nas.md, "Security".  They
 * stay octet tables (four 64-octet cache lines each): 32-bit tables with
 * the output already in place were 5 % faster, but would spread each box
 * over sixteen lines and so show a cache observer two more bits of every
 * index.
 *
 * Speed: the sixteen LFSR cells and R1, R2 live in local variables for a
 * whole call; the LFSR is not shifted but addressed circularly, with
 * sixteen copies of the step, one per position of the head, so every cell
 * index is fixed at compile time. */
#include "sec/zuc.h"
#include "sec/zuc_tables.h"

#include <string.h>

/* 3.4.2: the S-boxes S0 and S1, as printed in the specification (shared
 * with zuc_mb.c through zuc_tables.h). */
const uint8_t sec_zuc_s0[256] = {
    0x3e, 0x72, 0x5b, 0x47, 0xca, 0xe0, 0x00, 0x33, 0x04, 0xd1, 0x54, 0x98, 0x09, 0xb9, 0x6d, 0xcb,
    0x7b, 0x1b, 0xf9, 0x32, 0xaf, 0x9d, 0x6a, 0xa5, 0xb8, 0x2d, 0xfc, 0x1d, 0x08, 0x53, 0x03, 0x90,
    0x4d, 0x4e, 0x84, 0x99, 0xe4, 0xce, 0xd9, 0x91, 0xdd, 0xb6, 0x85, 0x48, 0x8b, 0x29, 0x6e, 0xac,
    0xcd, 0xc1, 0xf8, 0x1e, 0x73, 0x43, 0x69, 0xc6, 0xb5, 0xbd, 0xfd, 0x39, 0x63, 0x20, 0xd4, 0x38,
    0x76, 0x7d, 0xb2, 0xa7, 0xcf, 0xed, 0x57, 0xc5, 0xf3, 0x2c, 0xbb, 0x14, 0x21, 0x06, 0x55, 0x9b,
    0xe3, 0xef, 0x5e, 0x31, 0x4f, 0x7f, 0x5a, 0xa4, 0x0d, 0x82, 0x51, 0x49, 0x5f, 0xba, 0x58, 0x1c,
    0x4a, 0x16, 0xd5, 0x17, 0xa8, 0x92, 0x24, 0x1f, 0x8c, 0xff, 0xd8, 0xae, 0x2e, 0x01, 0xd3, 0xad,
    0x3b, 0x4b, 0xda, 0x46, 0xeb, 0xc9, 0xde, 0x9a, 0x8f, 0x87, 0xd7, 0x3a, 0x80, 0x6f, 0x2f, 0xc8,
    0xb1, 0xb4, 0x37, 0xf7, 0x0a, 0x22, 0x13, 0x28, 0x7c, 0xcc, 0x3c, 0x89, 0xc7, 0xc3, 0x96, 0x56,
    0x07, 0xbf, 0x7e, 0xf0, 0x0b, 0x2b, 0x97, 0x52, 0x35, 0x41, 0x79, 0x61, 0xa6, 0x4c, 0x10, 0xfe,
    0xbc, 0x26, 0x95, 0x88, 0x8a, 0xb0, 0xa3, 0xfb, 0xc0, 0x18, 0x94, 0xf2, 0xe1, 0xe5, 0xe9, 0x5d,
    0xd0, 0xdc, 0x11, 0x66, 0x64, 0x5c, 0xec, 0x59, 0x42, 0x75, 0x12, 0xf5, 0x74, 0x9c, 0xaa, 0x23,
    0x0e, 0x86, 0xab, 0xbe, 0x2a, 0x02, 0xe7, 0x67, 0xe6, 0x44, 0xa2, 0x6c, 0xc2, 0x93, 0x9f, 0xf1,
    0xf6, 0xfa, 0x36, 0xd2, 0x50, 0x68, 0x9e, 0x62, 0x71, 0x15, 0x3d, 0xd6, 0x40, 0xc4, 0xe2, 0x0f,
    0x8e, 0x83, 0x77, 0x6b, 0x25, 0x05, 0x3f, 0x0c, 0x30, 0xea, 0x70, 0xb7, 0xa1, 0xe8, 0xa9, 0x65,
    0x8d, 0x27, 0x1a, 0xdb, 0x81, 0xb3, 0xa0, 0xf4, 0x45, 0x7a, 0x19, 0xdf, 0xee, 0x78, 0x34, 0x60,
};

const uint8_t sec_zuc_s1[256] = {
    0x55, 0xc2, 0x63, 0x71, 0x3b, 0xc8, 0x47, 0x86, 0x9f, 0x3c, 0xda, 0x5b, 0x29, 0xaa, 0xfd, 0x77,
    0x8c, 0xc5, 0x94, 0x0c, 0xa6, 0x1a, 0x13, 0x00, 0xe3, 0xa8, 0x16, 0x72, 0x40, 0xf9, 0xf8, 0x42,
    0x44, 0x26, 0x68, 0x96, 0x81, 0xd9, 0x45, 0x3e, 0x10, 0x76, 0xc6, 0xa7, 0x8b, 0x39, 0x43, 0xe1,
    0x3a, 0xb5, 0x56, 0x2a, 0xc0, 0x6d, 0xb3, 0x05, 0x22, 0x66, 0xbf, 0xdc, 0x0b, 0xfa, 0x62, 0x48,
    0xdd, 0x20, 0x11, 0x06, 0x36, 0xc9, 0xc1, 0xcf, 0xf6, 0x27, 0x52, 0xbb, 0x69, 0xf5, 0xd4, 0x87,
    0x7f, 0x84, 0x4c, 0xd2, 0x9c, 0x57, 0xa4, 0xbc, 0x4f, 0x9a, 0xdf, 0xfe, 0xd6, 0x8d, 0x7a, 0xeb,
    0x2b, 0x53, 0xd8, 0x5c, 0xa1, 0x14, 0x17, 0xfb, 0x23, 0xd5, 0x7d, 0x30, 0x67, 0x73, 0x08, 0x09,
    0xee, 0xb7, 0x70, 0x3f, 0x61, 0xb2, 0x19, 0x8e, 0x4e, 0xe5, 0x4b, 0x93, 0x8f, 0x5d, 0xdb, 0xa9,
    0xad, 0xf1, 0xae, 0x2e, 0xcb, 0x0d, 0xfc, 0xf4, 0x2d, 0x46, 0x6e, 0x1d, 0x97, 0xe8, 0xd1, 0xe9,
    0x4d, 0x37, 0xa5, 0x75, 0x5e, 0x83, 0x9e, 0xab, 0x82, 0x9d, 0xb9, 0x1c, 0xe0, 0xcd, 0x49, 0x89,
    0x01, 0xb6, 0xbd, 0x58, 0x24, 0xa2, 0x5f, 0x38, 0x78, 0x99, 0x15, 0x90, 0x50, 0xb8, 0x95, 0xe4,
    0xd0, 0x91, 0xc7, 0xce, 0xed, 0x0f, 0xb4, 0x6f, 0xa0, 0xcc, 0xf0, 0x02, 0x4a, 0x79, 0xc3, 0xde,
    0xa3, 0xef, 0xea, 0x51, 0xe6, 0x6b, 0x18, 0xec, 0x1b, 0x2c, 0x80, 0xf7, 0x74, 0xe7, 0xff, 0x21,
    0x5a, 0x6a, 0x54, 0x1e, 0x41, 0x31, 0x92, 0x35, 0xc4, 0x33, 0x07, 0x0a, 0xba, 0x7e, 0x0e, 0x34,
    0x88, 0xb1, 0x98, 0x7c, 0xf3, 0x3d, 0x60, 0x6c, 0x7b, 0xca, 0xd3, 0x1f, 0x32, 0x65, 0x04, 0x28,
    0x64, 0xbe, 0x85, 0x9b, 0x2f, 0x59, 0x8a, 0xd7, 0xb0, 0x25, 0xac, 0xaf, 0x12, 0x03, 0xe2, 0xf2,
};

/* 3.5: the constants d_0..d_15 (15 bits each) of the key loading. */
static const uint16_t zuc_d[16] = {
    0x44d7, 0x26bc, 0x626b, 0x135e, 0x5789, 0x35e2, 0x7135, 0x09af,
    0x4d78, 0x2f13, 0x6bc4, 0x1af1, 0x5e26, 0x3c4d, 0x789a, 0x47ac,
};

#define P31 0x7fffffffu

static inline uint32_t rol32(uint32_t x, unsigned n)
{
    return x << n | x >> (32 - n);
}

/* 3.4.1 */
static inline uint32_t l1(uint32_t x)
{
    return x ^ rol32(x, 2) ^ rol32(x, 10) ^ rol32(x, 18) ^ rol32(x, 24);
}

static inline uint32_t l2(uint32_t x)
{
    return x ^ rol32(x, 8) ^ rol32(x, 14) ^ rol32(x, 22) ^ rol32(x, 30);
}

/* 3.4.2: S = (S0, S1, S0, S1) on the four octets, most significant first. */
static inline uint32_t sbox(uint32_t x)
{
    return (uint32_t)sec_zuc_s0[x >> 24] << 24 | (uint32_t)sec_zuc_s1[(x >> 16) & 0xff] << 16 |
           (uint32_t)sec_zuc_s0[(x >> 8) & 0xff] << 8 | sec_zuc_s1[x & 0xff];
}

static inline uint32_t host_to_be32(uint32_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap32(x);
#else
    return x;
#endif
}

/* One step with the head at cell a0 (s0 of the specification); the other
 * arguments are the cells s2 .. s15 at that head.  Bit reorganisation
 * (3.3), F (3.4), then the LFSR (3.2) in initialisation mode (u = W >> 1)
 * or working mode, which overwrites a0 with s16 (s15 once the head has
 * moved on).  Leaves the keystream word Z = W xor X3 in z (W itself is used
 * only in initialisation).
 *
 * s16 = 2^15 s15 + 2^17 s13 + 2^21 s10 + 2^20 s4 + (1 + 2^8) s0 mod
 * (2^31 - 1): the terms are summed as plain 64-bit shifts (each below
 * 2^52) and folded twice with 2^31 = 1; the result is never 0 (0 mod p
 * comes out as p = 2^31 - 1, as 3.2 requires), because the cells never
 * are. */
#define ZUC_STEP(init, a0, a2, a4, a5, a7, a9, a10, a11, a13, a14, a15)            \
    do {                                                                            \
        uint32_t x0_ = ((a15) >> 15) << 16 | ((a14) & 0xffff);                     \
        uint32_t x1_ = (a11) << 16 | (a9) >> 15;                                    \
        uint32_t x2_ = (a7) << 16 | (a5) >> 15;                                     \
        uint32_t x3_ = (a2) << 16 | (a0) >> 15;                                     \
        uint32_t w_ = (x0_ ^ r1) + r2;                                              \
        uint32_t w1_ = r1 + x1_, w2_ = r2 ^ x2_;                                    \
        r1 = sbox(l1(w1_ << 16 | w2_ >> 16));                                       \
        r2 = sbox(l2(w2_ << 16 | w1_ >> 16));                                       \
        uint64_t v_ = ((uint64_t)(a15) << 15) + ((uint64_t)(a13) << 17) +           \
                      ((uint64_t)(a10) << 21) + ((uint64_t)(a4) << 20) +            \
                      ((uint64_t)(a0) << 8) + (a0);                                 \
        if (init)                                                                   \
            v_ += w_ >> 1;                                                          \
        v_ = (v_ & P31) + (v_ >> 31);                                               \
        v_ = (v_ & P31) + (v_ >> 31);                                               \
        (a0) = (uint32_t)v_;                                                        \
        z = w_ ^ x3_;                                                               \
    } while (0)

/* The sixteen steps of one turn of the head, as the cases of a switch on
 * the head position (so a run may start at any head and stop after any
 * step).  STEP(i, ...) is ZUC_STEP at head i plus what the caller does
 * with the word. */
#define ZUC_TURN(STEP)                                                      \
    case 0: STEP(0, s0, s2, s4, s5, s7, s9, s10, s11, s13, s14, s15);       \
    /* fallthrough */                                                       \
    case 1: STEP(1, s1, s3, s5, s6, s8, s10, s11, s12, s14, s15, s0);       \
    /* fallthrough */                                                       \
    case 2: STEP(2, s2, s4, s6, s7, s9, s11, s12, s13, s15, s0, s1);        \
    /* fallthrough */                                                       \
    case 3: STEP(3, s3, s5, s7, s8, s10, s12, s13, s14, s0, s1, s2);        \
    /* fallthrough */                                                       \
    case 4: STEP(4, s4, s6, s8, s9, s11, s13, s14, s15, s1, s2, s3);        \
    /* fallthrough */                                                       \
    case 5: STEP(5, s5, s7, s9, s10, s12, s14, s15, s0, s2, s3, s4);        \
    /* fallthrough */                                                       \
    case 6: STEP(6, s6, s8, s10, s11, s13, s15, s0, s1, s3, s4, s5);        \
    /* fallthrough */                                                       \
    case 7: STEP(7, s7, s9, s11, s12, s14, s0, s1, s2, s4, s5, s6);         \
    /* fallthrough */                                                       \
    case 8: STEP(8, s8, s10, s12, s13, s15, s1, s2, s3, s5, s6, s7);        \
    /* fallthrough */                                                       \
    case 9: STEP(9, s9, s11, s13, s14, s0, s2, s3, s4, s6, s7, s8);         \
    /* fallthrough */                                                       \
    case 10: STEP(10, s10, s12, s14, s15, s1, s3, s4, s5, s7, s8, s9);      \
    /* fallthrough */                                                       \
    case 11: STEP(11, s11, s13, s15, s0, s2, s4, s5, s6, s8, s9, s10);      \
    /* fallthrough */                                                       \
    case 12: STEP(12, s12, s14, s0, s1, s3, s5, s6, s7, s9, s10, s11);      \
    /* fallthrough */                                                       \
    case 13: STEP(13, s13, s15, s1, s2, s4, s6, s7, s8, s10, s11, s12);     \
    /* fallthrough */                                                       \
    case 14: STEP(14, s14, s0, s2, s3, s5, s7, s8, s9, s11, s12, s13);      \
    /* fallthrough */                                                       \
    case 15: STEP(15, s15, s1, s3, s4, s6, s8, s9, s10, s12, s13, s14)

#define LOAD_STATE()                                                                   \
    uint32_t s0 = st->s[0], s1 = st->s[1], s2 = st->s[2], s3 = st->s[3], s4 = st->s[4],  \
             s5 = st->s[5], s6 = st->s[6], s7 = st->s[7], s8 = st->s[8], s9 = st->s[9],  \
             s10 = st->s[10], s11 = st->s[11], s12 = st->s[12], s13 = st->s[13],         \
             s14 = st->s[14], s15 = st->s[15];                                           \
    uint32_t r1 = st->r1, r2 = st->r2, z

#define STORE_STATE()                                                                  \
    do {                                                                               \
        st->s[0] = s0, st->s[1] = s1, st->s[2] = s2, st->s[3] = s3, st->s[4] = s4;    \
        st->s[5] = s5, st->s[6] = s6, st->s[7] = s7, st->s[8] = s8, st->s[9] = s9;    \
        st->s[10] = s10, st->s[11] = s11, st->s[12] = s12, st->s[13] = s13;            \
        st->s[14] = s14, st->s[15] = s15;                                              \
        st->r1 = r1, st->r2 = r2;                                                      \
    } while (0)

/* n >= 1 working-stage steps from the head in st.  Each word goes to z[k]
 * (xor == 0) or is xored, most significant octet first, into octets 4k..
 * 4k+3 of in, giving out (xor == 1).  Instantiated once for each. */
static inline __attribute__((always_inline)) void zuc_run(struct zuc *st, size_t n, uint32_t *zw,
                                                          const uint8_t *in, uint8_t *out,
                                                          int xor)
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
    ZUC_STEP(0, __VA_ARGS__);                              \
    EMIT()
#define RUN_STEP(i, ...)                                   \
    ZUC_STEP(0, __VA_ARGS__);                              \
    EMIT();                                                \
    if (k == n) {                                          \
        h = ((i) + 1) & 15;                                \
        goto done;                                         \
    }

    for (;;) {
        /* Whole turns from head 0 without the count check, ... */
        while (h == 0 && n - k >= 16) {
            switch (0) {
                ZUC_TURN(TURN_STEP);
            }
        }
        if (k == n)
            goto done;
        /* ... else clock by clock until the count or the end of the turn. */
        switch (h) {
            ZUC_TURN(RUN_STEP);
        }
        h = 0;
    }
#undef RUN_STEP
#undef TURN_STEP
#undef EMIT
done:
    STORE_STATE();
    st->head = h;
}

void zuc_init(struct zuc *st, const uint8_t key[16], const uint8_t iv[16])
{
    /* 3.5: s_i = k_i || d_i || iv_i */
    for (unsigned i = 0; i < 16; i++)
        st->s[i] = (uint32_t)key[i] << 23 | (uint32_t)zuc_d[i] << 8 | iv[i];
    st->r1 = st->r2 = 0;

    /* 3.6.1: 32 steps in initialisation mode, two turns of the head. */
    LOAD_STATE();
#define INIT_STEP(i, ...) ZUC_STEP(1, __VA_ARGS__)
    for (int turn = 0; turn < 2; turn++) {
        switch (0) {
            ZUC_TURN(INIT_STEP);
        }
    }
#undef INIT_STEP
    /* 3.6.2: the first step of the working stage, its output discarded. */
    ZUC_STEP(0, s0, s2, s4, s5, s7, s9, s10, s11, s13, s14, s15);
    STORE_STATE();
    st->head = 1;
    (void)z;
}

void zuc_words(struct zuc *st, uint32_t *z, size_t n)
{
    if (n)
        zuc_run(st, n, z, NULL, NULL, 0);
}

void zuc_xor(struct zuc *st, const uint8_t *in, uint8_t *out, size_t len)
{
    if (len >= 4)
        zuc_run(st, len / 4, NULL, in, out, 1);
    if (len % 4) {
        uint32_t z;
        zuc_run(st, 1, &z, NULL, NULL, 0);
        for (size_t i = len & ~(size_t)3; i < len; i++)
            out[i] = in[i] ^ (uint8_t)(z >> (24 - 8 * (i % 4)));
    }
}
