/* ZUC 1.6 (ETSI/SAGE 128-EEA3 & 128-EIA3 Document 2).
 *
 * S0 and S1 (spec 3.4.2) are 256-octet tables indexed by secret state
 * (the FSM registers after L1/L2): a cache-timing side channel accepted as
 * in every deployed implementation; see docs/nas.md, "Security".
 *
 * Speed: the sixteen LFSR cells and R1, R2 live in local variables for a
 * whole call; the LFSR is not shifted but addressed circularly, with
 * sixteen copies of the step, one per position of the head, so every cell
 * index is fixed at compile time. */
#include "sec/zuc.h"

#include <string.h>

/* 3.4.2: the S-boxes S0 and S1, as printed in the specification, as lists
 * X(S(0)) X(S(1)) ... from which the tables below are made. */
#define ZUC_S0(X) \
    X(0x3e) X(0x72) X(0x5b) X(0x47) X(0xca) X(0xe0) X(0x00) X(0x33) \
    X(0x04) X(0xd1) X(0x54) X(0x98) X(0x09) X(0xb9) X(0x6d) X(0xcb) \
    X(0x7b) X(0x1b) X(0xf9) X(0x32) X(0xaf) X(0x9d) X(0x6a) X(0xa5) \
    X(0xb8) X(0x2d) X(0xfc) X(0x1d) X(0x08) X(0x53) X(0x03) X(0x90) \
    X(0x4d) X(0x4e) X(0x84) X(0x99) X(0xe4) X(0xce) X(0xd9) X(0x91) \
    X(0xdd) X(0xb6) X(0x85) X(0x48) X(0x8b) X(0x29) X(0x6e) X(0xac) \
    X(0xcd) X(0xc1) X(0xf8) X(0x1e) X(0x73) X(0x43) X(0x69) X(0xc6) \
    X(0xb5) X(0xbd) X(0xfd) X(0x39) X(0x63) X(0x20) X(0xd4) X(0x38) \
    X(0x76) X(0x7d) X(0xb2) X(0xa7) X(0xcf) X(0xed) X(0x57) X(0xc5) \
    X(0xf3) X(0x2c) X(0xbb) X(0x14) X(0x21) X(0x06) X(0x55) X(0x9b) \
    X(0xe3) X(0xef) X(0x5e) X(0x31) X(0x4f) X(0x7f) X(0x5a) X(0xa4) \
    X(0x0d) X(0x82) X(0x51) X(0x49) X(0x5f) X(0xba) X(0x58) X(0x1c) \
    X(0x4a) X(0x16) X(0xd5) X(0x17) X(0xa8) X(0x92) X(0x24) X(0x1f) \
    X(0x8c) X(0xff) X(0xd8) X(0xae) X(0x2e) X(0x01) X(0xd3) X(0xad) \
    X(0x3b) X(0x4b) X(0xda) X(0x46) X(0xeb) X(0xc9) X(0xde) X(0x9a) \
    X(0x8f) X(0x87) X(0xd7) X(0x3a) X(0x80) X(0x6f) X(0x2f) X(0xc8) \
    X(0xb1) X(0xb4) X(0x37) X(0xf7) X(0x0a) X(0x22) X(0x13) X(0x28) \
    X(0x7c) X(0xcc) X(0x3c) X(0x89) X(0xc7) X(0xc3) X(0x96) X(0x56) \
    X(0x07) X(0xbf) X(0x7e) X(0xf0) X(0x0b) X(0x2b) X(0x97) X(0x52) \
    X(0x35) X(0x41) X(0x79) X(0x61) X(0xa6) X(0x4c) X(0x10) X(0xfe) \
    X(0xbc) X(0x26) X(0x95) X(0x88) X(0x8a) X(0xb0) X(0xa3) X(0xfb) \
    X(0xc0) X(0x18) X(0x94) X(0xf2) X(0xe1) X(0xe5) X(0xe9) X(0x5d) \
    X(0xd0) X(0xdc) X(0x11) X(0x66) X(0x64) X(0x5c) X(0xec) X(0x59) \
    X(0x42) X(0x75) X(0x12) X(0xf5) X(0x74) X(0x9c) X(0xaa) X(0x23) \
    X(0x0e) X(0x86) X(0xab) X(0xbe) X(0x2a) X(0x02) X(0xe7) X(0x67) \
    X(0xe6) X(0x44) X(0xa2) X(0x6c) X(0xc2) X(0x93) X(0x9f) X(0xf1) \
    X(0xf6) X(0xfa) X(0x36) X(0xd2) X(0x50) X(0x68) X(0x9e) X(0x62) \
    X(0x71) X(0x15) X(0x3d) X(0xd6) X(0x40) X(0xc4) X(0xe2) X(0x0f) \
    X(0x8e) X(0x83) X(0x77) X(0x6b) X(0x25) X(0x05) X(0x3f) X(0x0c) \
    X(0x30) X(0xea) X(0x70) X(0xb7) X(0xa1) X(0xe8) X(0xa9) X(0x65) \
    X(0x8d) X(0x27) X(0x1a) X(0xdb) X(0x81) X(0xb3) X(0xa0) X(0xf4) \
    X(0x45) X(0x7a) X(0x19) X(0xdf) X(0xee) X(0x78) X(0x34) X(0x60)

#define ZUC_S1(X) \
    X(0x55) X(0xc2) X(0x63) X(0x71) X(0x3b) X(0xc8) X(0x47) X(0x86) \
    X(0x9f) X(0x3c) X(0xda) X(0x5b) X(0x29) X(0xaa) X(0xfd) X(0x77) \
    X(0x8c) X(0xc5) X(0x94) X(0x0c) X(0xa6) X(0x1a) X(0x13) X(0x00) \
    X(0xe3) X(0xa8) X(0x16) X(0x72) X(0x40) X(0xf9) X(0xf8) X(0x42) \
    X(0x44) X(0x26) X(0x68) X(0x96) X(0x81) X(0xd9) X(0x45) X(0x3e) \
    X(0x10) X(0x76) X(0xc6) X(0xa7) X(0x8b) X(0x39) X(0x43) X(0xe1) \
    X(0x3a) X(0xb5) X(0x56) X(0x2a) X(0xc0) X(0x6d) X(0xb3) X(0x05) \
    X(0x22) X(0x66) X(0xbf) X(0xdc) X(0x0b) X(0xfa) X(0x62) X(0x48) \
    X(0xdd) X(0x20) X(0x11) X(0x06) X(0x36) X(0xc9) X(0xc1) X(0xcf) \
    X(0xf6) X(0x27) X(0x52) X(0xbb) X(0x69) X(0xf5) X(0xd4) X(0x87) \
    X(0x7f) X(0x84) X(0x4c) X(0xd2) X(0x9c) X(0x57) X(0xa4) X(0xbc) \
    X(0x4f) X(0x9a) X(0xdf) X(0xfe) X(0xd6) X(0x8d) X(0x7a) X(0xeb) \
    X(0x2b) X(0x53) X(0xd8) X(0x5c) X(0xa1) X(0x14) X(0x17) X(0xfb) \
    X(0x23) X(0xd5) X(0x7d) X(0x30) X(0x67) X(0x73) X(0x08) X(0x09) \
    X(0xee) X(0xb7) X(0x70) X(0x3f) X(0x61) X(0xb2) X(0x19) X(0x8e) \
    X(0x4e) X(0xe5) X(0x4b) X(0x93) X(0x8f) X(0x5d) X(0xdb) X(0xa9) \
    X(0xad) X(0xf1) X(0xae) X(0x2e) X(0xcb) X(0x0d) X(0xfc) X(0xf4) \
    X(0x2d) X(0x46) X(0x6e) X(0x1d) X(0x97) X(0xe8) X(0xd1) X(0xe9) \
    X(0x4d) X(0x37) X(0xa5) X(0x75) X(0x5e) X(0x83) X(0x9e) X(0xab) \
    X(0x82) X(0x9d) X(0xb9) X(0x1c) X(0xe0) X(0xcd) X(0x49) X(0x89) \
    X(0x01) X(0xb6) X(0xbd) X(0x58) X(0x24) X(0xa2) X(0x5f) X(0x38) \
    X(0x78) X(0x99) X(0x15) X(0x90) X(0x50) X(0xb8) X(0x95) X(0xe4) \
    X(0xd0) X(0x91) X(0xc7) X(0xce) X(0xed) X(0x0f) X(0xb4) X(0x6f) \
    X(0xa0) X(0xcc) X(0xf0) X(0x02) X(0x4a) X(0x79) X(0xc3) X(0xde) \
    X(0xa3) X(0xef) X(0xea) X(0x51) X(0xe6) X(0x6b) X(0x18) X(0xec) \
    X(0x1b) X(0x2c) X(0x80) X(0xf7) X(0x74) X(0xe7) X(0xff) X(0x21) \
    X(0x5a) X(0x6a) X(0x54) X(0x1e) X(0x41) X(0x31) X(0x92) X(0x35) \
    X(0xc4) X(0x33) X(0x07) X(0x0a) X(0xba) X(0x7e) X(0x0e) X(0x34) \
    X(0x88) X(0xb1) X(0x98) X(0x7c) X(0xf3) X(0x3d) X(0x60) X(0x6c) \
    X(0x7b) X(0xca) X(0xd3) X(0x1f) X(0x32) X(0x65) X(0x04) X(0x28) \
    X(0x64) X(0xbe) X(0x85) X(0x9b) X(0x2f) X(0x59) X(0x8a) X(0xd7) \
    X(0xb0) X(0x25) X(0xac) X(0xaf) X(0x12) X(0x03) X(0xe2) X(0xf2)

/* S = (S0, S1, S0, S1) (3.4.2) looks up each octet in a table of 32-bit
 * words with the S-box output already in that octet's position, so the
 * four results are simply or-ed together.  One array, so that one base
 * register addresses all four. */
#define AT24(x) (uint32_t)(x) << 24,
#define AT16(x) (uint32_t)(x) << 16,
#define AT8(x) (uint32_t)(x) << 8,
#define AT0(x) (uint32_t)(x),
static const uint32_t zuc_sbox[4][256] = {
    {ZUC_S0(AT24)}, {ZUC_S1(AT16)}, {ZUC_S0(AT8)}, {ZUC_S1(AT0)},
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
    return zuc_sbox[0][x >> 24] | zuc_sbox[1][(x >> 16) & 0xff] | zuc_sbox[2][(x >> 8) & 0xff] |
           zuc_sbox[3][x & 0xff];
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
