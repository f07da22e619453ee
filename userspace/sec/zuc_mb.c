/* ZUC 1.6, 16 streams in the lanes of AVX-512 registers (keystream_mb.h).
 *
 * The step of zuc.c, one lane per stream (ZUC specification numbering):
 *   - bit reorganisation (3.3) and L1/L2 (3.4.1): shifts and rotations;
 *   - S = (S0, S1, S0, S1) (3.4.2): both boxes as 256-octet permutations
 *     between registers (mb_lookup) on all four octets, then the odd
 *     octets (bits 31..24 and 15..8) taken from S0, the even ones from S1;
 *   - the LFSR (3.2) modulo 2^31 - 1 in 32-bit lanes: 2^k x is a 31-bit
 *     rotation of x, and a + b is folded once (2^31 = 1).  Inputs in
 *     [1, 2^31 - 1] give a sum in the same range, so 0 is always written
 *     2^31 - 1, as 3.2 requires and as zuc.c does.
 * No memory access depends on secret data. */
#include "sec/mb_avx2.h"
#include "sec/mb_avx512.h"

#if defined(__x86_64__)
#include <openssl/crypto.h>

#include "sec/zuc_tables.h"

#define P31 0x7fffffff

/* 3.5: d_0..d_15 */
static const uint16_t zuc_mb_d[16] = {
    0x44d7, 0x26bc, 0x626b, 0x135e, 0x5789, 0x35e2, 0x7135, 0x09af,
    0x4d78, 0x2f13, 0x6bc4, 0x1af1, 0x5e26, 0x3c4d, 0x789a, 0x47ac,
};

/* a + b mod 2^31 - 1, a and b in [0, 2^31 - 1], not both 0. */
MB_INLINE __m512i add31(__m512i a, __m512i b)
{
    __m512i t = _mm512_add_epi32(a, b);
    return _mm512_add_epi32(_mm512_and_si512(t, _mm512_set1_epi32(P31)),
                            _mm512_srli_epi32(t, 31));
}

/* 2^k x mod 2^31 - 1: x rotated left by k within 31 bits. */
#define ROT31(x, k)                                                                  \
    _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi32((x), (k)), _mm512_set1_epi32(P31)), \
                    _mm512_srli_epi32((x), 31 - (k)))

MB_INLINE __m512i zuc_l1(__m512i x)
{
    return _mm512_xor_si512(
        _mm512_xor_si512(x, _mm512_rol_epi32(x, 2)),
        _mm512_xor_si512(_mm512_rol_epi32(x, 10),
                         _mm512_xor_si512(_mm512_rol_epi32(x, 18), _mm512_rol_epi32(x, 24))));
}

MB_INLINE __m512i zuc_l2(__m512i x)
{
    return _mm512_xor_si512(
        _mm512_xor_si512(x, _mm512_rol_epi32(x, 8)),
        _mm512_xor_si512(_mm512_rol_epi32(x, 14),
                         _mm512_xor_si512(_mm512_rol_epi32(x, 22), _mm512_rol_epi32(x, 30))));
}

/* S0 on octets 3 and 1 of each lane, S1 on octets 2 and 0. */
MB_INLINE __m512i zuc_sbox(const struct mb_tab256 *t0, const struct mb_tab256 *t1, __m512i x)
{
    __mmask64 hi = _mm512_movepi8_mask(x);
    return _mm512_mask_blend_epi8((__mmask64)0xaaaaaaaaaaaaaaaaull, mb_lookup(t1, x, hi),
                                  mb_lookup(t0, x, hi));
}

/* (hi << 16) | (lo >> 16) in each lane. */
#define HI_LO(hi, lo) _mm512_or_si512(_mm512_slli_epi32((hi), 16), _mm512_srli_epi32((lo), 16))

/* One step with the head at cell a0 (see ZUC_STEP in zuc.c). */
#define MB_ZUC_STEP(init, zout, a0, a2, a4, a5, a7, a9, a10, a11, a13, a14, a15)          \
    do {                                                                                 \
        __m512i x0_ = _mm512_mask_blend_epi16(0xaaaaaaaau, (a14),                         \
                                              _mm512_slli_epi32((a15), 1));              \
        __m512i x1_ = _mm512_or_si512(_mm512_slli_epi32((a11), 16),                      \
                                      _mm512_srli_epi32((a9), 15));                      \
        __m512i x2_ = _mm512_or_si512(_mm512_slli_epi32((a7), 16),                       \
                                      _mm512_srli_epi32((a5), 15));                      \
        __m512i w_ = _mm512_add_epi32(_mm512_xor_si512(x0_, r1), r2);                    \
        __m512i w1_ = _mm512_add_epi32(r1, x1_), w2_ = _mm512_xor_si512(r2, x2_);        \
        r1 = zuc_sbox(&t0, &t1, zuc_l1(HI_LO(w1_, w2_)));                                \
        r2 = zuc_sbox(&t0, &t1, zuc_l2(HI_LO(w2_, w1_)));                                \
        __m512i v_ = add31((a0), ROT31((a0), 8));                                        \
        v_ = add31(v_, ROT31((a4), 20));                                                 \
        v_ = add31(v_, ROT31((a10), 21));                                                \
        v_ = add31(v_, ROT31((a13), 17));                                                \
        v_ = add31(v_, ROT31((a15), 15));                                                \
        if (init)                                                                        \
            v_ = add31(v_, _mm512_srli_epi32(w_, 1));                                    \
        else                                                                             \
            zout = _mm512_xor_si512(w_, _mm512_or_si512(_mm512_slli_epi32((a2), 16),     \
                                                        _mm512_srli_epi32((a0), 15)));   \
        (a0) = v_;                                                                       \
    } while (0)

#define MB_ZUC_TURN(STEP)                                                 \
    STEP(0, s0, s2, s4, s5, s7, s9, s10, s11, s13, s14, s15);             \
    STEP(1, s1, s3, s5, s6, s8, s10, s11, s12, s14, s15, s0);             \
    STEP(2, s2, s4, s6, s7, s9, s11, s12, s13, s15, s0, s1);              \
    STEP(3, s3, s5, s7, s8, s10, s12, s13, s14, s0, s1, s2);              \
    STEP(4, s4, s6, s8, s9, s11, s13, s14, s15, s1, s2, s3);              \
    STEP(5, s5, s7, s9, s10, s12, s14, s15, s0, s2, s3, s4);              \
    STEP(6, s6, s8, s10, s11, s13, s15, s0, s1, s3, s4, s5);              \
    STEP(7, s7, s9, s11, s12, s14, s0, s1, s2, s4, s5, s6);               \
    STEP(8, s8, s10, s12, s13, s15, s1, s2, s3, s5, s6, s7);              \
    STEP(9, s9, s11, s13, s14, s0, s2, s3, s4, s6, s7, s8);               \
    STEP(10, s10, s12, s14, s15, s1, s3, s4, s5, s7, s8, s9);             \
    STEP(11, s11, s13, s15, s0, s2, s4, s5, s6, s8, s9, s10);             \
    STEP(12, s12, s14, s0, s1, s3, s5, s6, s7, s9, s10, s11);             \
    STEP(13, s13, s15, s1, s2, s4, s6, s7, s8, s10, s11, s12);            \
    STEP(14, s14, s0, s2, s3, s5, s7, s8, s9, s11, s12, s13);             \
    STEP(15, s15, s1, s3, s4, s6, s8, s9, s10, s12, s13, s14)

__attribute__((target(MB_TARGET))) void sec_zuc_group_avx512(const struct sec_ks_job *jobs,
                                                             unsigned n)
{
    /* 3.5: s_i = k_i || d_i || iv_i, lane by lane. */
    uint32_t cell[16][MB_LANES];

    for (int i = 0; i < 16; i++)
        for (unsigned j = 0; j < MB_LANES; j++)
            cell[i][j] = j < n ? (uint32_t)jobs[j].key[i] << 23 | (uint32_t)zuc_mb_d[i] << 8 |
                                     jobs[j].iv[i]
                               : (uint32_t)zuc_mb_d[i] << 8;
    const struct mb_tab256 t0 = mb_tab256_load(sec_zuc_s0), t1 = mb_tab256_load(sec_zuc_s1);
    __m512i s0 = _mm512_loadu_si512(cell[0]), s1 = _mm512_loadu_si512(cell[1]),
            s2 = _mm512_loadu_si512(cell[2]), s3 = _mm512_loadu_si512(cell[3]),
            s4 = _mm512_loadu_si512(cell[4]), s5 = _mm512_loadu_si512(cell[5]),
            s6 = _mm512_loadu_si512(cell[6]), s7 = _mm512_loadu_si512(cell[7]),
            s8 = _mm512_loadu_si512(cell[8]), s9 = _mm512_loadu_si512(cell[9]),
            s10 = _mm512_loadu_si512(cell[10]), s11 = _mm512_loadu_si512(cell[11]),
            s12 = _mm512_loadu_si512(cell[12]), s13 = _mm512_loadu_si512(cell[13]),
            s14 = _mm512_loadu_si512(cell[14]), s15 = _mm512_loadu_si512(cell[15]);
    OPENSSL_cleanse(cell, sizeof(cell)); /* the state registers are not scrubbed */
    __m512i r1 = _mm512_setzero_si512(), r2 = r1, z[16], zd = r1;

    /* 3.6.1: 32 steps in initialisation mode; 3.6.2: one working step,
     * its output discarded. */
#define INIT_STEP(i, ...) MB_ZUC_STEP(1, zd, __VA_ARGS__)
    for (int turn = 0; turn < 2; turn++) {
        MB_ZUC_TURN(INIT_STEP);
    }
#undef INIT_STEP
    MB_ZUC_STEP(0, zd, s0, s2, s4, s5, s7, s9, s10, s11, s13, s14, s15);
    (void)zd;
    /* The head is now at cell 1: rename so that turns start at head 0. */
    __m512i t = s0;
    s0 = s1, s1 = s2, s2 = s3, s3 = s4, s4 = s5, s5 = s6, s6 = s7, s7 = s8;
    s8 = s9, s9 = s10, s10 = s11, s11 = s12, s12 = s13, s13 = s14, s14 = s15, s15 = t;

    const size_t max = mb_max_len(jobs, n);
#define KS_STEP(i, ...) MB_ZUC_STEP(0, z[i], __VA_ARGS__)
    for (size_t off = 0; off < max; off += 64) {
        MB_ZUC_TURN(KS_STEP);
        mb_store16(z, jobs, n, off);
    }
#undef KS_STEP
}

/* ------------------------------------------------------------- AVX2 -- */

/* The same step, 8 streams in the lanes of AVX2 registers (mb_avx2.h).
 * AVX2 has no rotate: shifts and an or.  S is applied to the two words
 * of a step together: their S0 octets (3 and 1) are gathered into one
 * register and their S1 octets (2 and 0) into another, so each box is
 * looked up once per step (mb2_lookup, 16 vpshufb), not twice. */
MB2_INLINE __m256i add31_2(__m256i a, __m256i b)
{
    __m256i t = _mm256_add_epi32(a, b);
    return _mm256_add_epi32(_mm256_and_si256(t, _mm256_set1_epi32(P31)),
                            _mm256_srli_epi32(t, 31));
}

#define ROT31_2(x, k)                                                                    \
    _mm256_or_si256(_mm256_and_si256(_mm256_slli_epi32((x), (k)), _mm256_set1_epi32(P31)), \
                    _mm256_srli_epi32((x), 31 - (k)))

MB2_INLINE __m256i zuc2_l1(__m256i x)
{
    return _mm256_xor_si256(
        _mm256_xor_si256(x, MB2_ROL(x, 2)),
        _mm256_xor_si256(MB2_ROL(x, 10), _mm256_xor_si256(MB2_ROL(x, 18), mb2_ror8(x))));
}

MB2_INLINE __m256i zuc2_l2(__m256i x)
{
    return _mm256_xor_si256(
        _mm256_xor_si256(x, mb2_ror24(x)),
        _mm256_xor_si256(MB2_ROL(x, 14), _mm256_xor_si256(MB2_ROL(x, 22), MB2_ROL(x, 30))));
}

/* *su = S(u), *sv = S(v).  Octets 3 and 1 of u, and of v moved down one
 * octet into 2 and 0, make S0's input; octets 2 and 0 of u, and of v
 * moved up into 3 and 1, make S1's; the results go back the same way. */
MB2_INLINE void zuc2_sbox2(const struct mb2_tab256 *t0, const struct mb2_tab256 *t1, __m256i u,
                           __m256i v, __m256i *su, __m256i *sv)
{
    const __m256i odd = _mm256_set1_epi32((int)0xff00ff00);
    __m256i q0 = mb2_lookup(t0, _mm256_blendv_epi8(_mm256_srli_epi16(v, 8), u, odd));
    __m256i q1 = mb2_lookup(t1, _mm256_blendv_epi8(u, _mm256_slli_epi16(v, 8), odd));
    *su = _mm256_blendv_epi8(q1, q0, odd);
    *sv = _mm256_or_si256(_mm256_slli_epi16(q0, 8), _mm256_srli_epi16(q1, 8));
}

#define HI_LO2(hi, lo) _mm256_or_si256(_mm256_slli_epi32((hi), 16), _mm256_srli_epi32((lo), 16))

#define MB2_ZUC_STEP(init, zout, a0, a2, a4, a5, a7, a9, a10, a11, a13, a14, a15)         \
    do {                                                                                 \
        __m256i x0_ = _mm256_blend_epi16((a14), _mm256_slli_epi32((a15), 1), 0xaa);     \
        __m256i x1_ = _mm256_or_si256(_mm256_slli_epi32((a11), 16),                      \
                                      _mm256_srli_epi32((a9), 15));                      \
        __m256i x2_ = _mm256_or_si256(_mm256_slli_epi32((a7), 16),                       \
                                      _mm256_srli_epi32((a5), 15));                      \
        __m256i w_ = _mm256_add_epi32(_mm256_xor_si256(x0_, r1), r2);                    \
        __m256i w1_ = _mm256_add_epi32(r1, x1_), w2_ = _mm256_xor_si256(r2, x2_);        \
        zuc2_sbox2(&t0, &t1, zuc2_l1(HI_LO2(w1_, w2_)), zuc2_l2(HI_LO2(w2_, w1_)), &r1, &r2); \
        __m256i v_ = add31_2((a0), ROT31_2((a0), 8));                                    \
        v_ = add31_2(v_, ROT31_2((a4), 20));                                             \
        v_ = add31_2(v_, ROT31_2((a10), 21));                                            \
        v_ = add31_2(v_, ROT31_2((a13), 17));                                            \
        v_ = add31_2(v_, ROT31_2((a15), 15));                                            \
        if (init)                                                                        \
            v_ = add31_2(v_, _mm256_srli_epi32(w_, 1));                                  \
        else                                                                             \
            zout = _mm256_xor_si256(w_, _mm256_or_si256(_mm256_slli_epi32((a2), 16),     \
                                                        _mm256_srli_epi32((a0), 15)));   \
        (a0) = v_;                                                                       \
    } while (0)

__attribute__((target(MB2_TARGET))) void sec_zuc_group_avx2(const struct sec_ks_job *jobs,
                                                           unsigned n)
{
    /* 3.5: s_i = k_i || d_i || iv_i, lane by lane. */
    uint32_t cell[16][MB2_LANES];
    struct mb2_tab256 t0, t1;

    for (int i = 0; i < 16; i++)
        for (unsigned j = 0; j < MB2_LANES; j++)
            cell[i][j] = j < n ? (uint32_t)jobs[j].key[i] << 23 | (uint32_t)zuc_mb_d[i] << 8 |
                                     jobs[j].iv[i]
                               : (uint32_t)zuc_mb_d[i] << 8;
    mb2_tab256_load(&t0, sec_zuc_s0);
    mb2_tab256_load(&t1, sec_zuc_s1);
#define LD(i) _mm256_loadu_si256((const __m256i *)cell[i])
    __m256i s0 = LD(0), s1 = LD(1), s2 = LD(2), s3 = LD(3), s4 = LD(4), s5 = LD(5), s6 = LD(6),
            s7 = LD(7), s8 = LD(8), s9 = LD(9), s10 = LD(10), s11 = LD(11), s12 = LD(12),
            s13 = LD(13), s14 = LD(14), s15 = LD(15);
#undef LD
    OPENSSL_cleanse(cell, sizeof(cell)); /* the state registers are not scrubbed */
    __m256i r1 = _mm256_setzero_si256(), r2 = r1, z[16], zd = r1;

    /* 3.6.1: 32 steps in initialisation mode; 3.6.2: one working step,
     * its output discarded. */
#define INIT_STEP(i, ...) MB2_ZUC_STEP(1, zd, __VA_ARGS__)
    for (int turn = 0; turn < 2; turn++) {
        MB_ZUC_TURN(INIT_STEP);
    }
#undef INIT_STEP
    MB2_ZUC_STEP(0, zd, s0, s2, s4, s5, s7, s9, s10, s11, s13, s14, s15);
    (void)zd;
    __m256i t = s0;
    s0 = s1, s1 = s2, s2 = s3, s3 = s4, s4 = s5, s5 = s6, s6 = s7, s7 = s8;
    s8 = s9, s9 = s10, s10 = s11, s11 = s12, s12 = s13, s13 = s14, s14 = s15, s15 = t;

    const size_t max = mb_max_len(jobs, n);
#define KS_STEP(i, ...) MB2_ZUC_STEP(0, z[i], __VA_ARGS__)
    for (size_t off = 0; off < max; off += 64) {
        MB_ZUC_TURN(KS_STEP);
        mb2_store8(z, jobs, n, off);
        if (max > off + 32)
            mb2_store8(z + 8, jobs, n, off + 32);
    }
#undef KS_STEP
}

#else
typedef int zuc_mb_no_simd; /* not x86-64: the generic level only */
#endif
