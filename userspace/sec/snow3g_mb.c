/* SNOW 3G, 16 streams in the lanes of AVX-512 registers (keystream_mb.h).
 *
 * The clock of snow3g.c, one lane per stream, with the tables replaced by
 * register operations (ETSI/SAGE UEA2 & UIA2 Document 2 numbering):
 *   - S1, S2 (3.3): SubBytes with SR or SQ as a 256-octet permutation
 *     (mb_lookup), then MixColumn computed: with s the substituted word and
 *     m = MULx(s) octet-wise, the column sum is m ^ ror8(m ^ s) ^ ror16(s)
 *     ^ ror24(s) (the rotations of snow3g.c's four tables);
 *   - MULalpha, DIValpha (3.4.4): GF(2)-linear in their octet, so each is
 *     the xor of two 16-entry dword tables, one per nibble, looked up with
 *     vpermd (one register each).
 * None of these reads memory at a secret address. */
#include "sec/mb_avx2.h"
#include "sec/mb_avx512.h"

#if defined(__x86_64__)
#include <openssl/crypto.h>

#include "sec/snow3g_tables.h"

#define LOW8(x) (uint8_t)(x),
#define WORD(x) (uint32_t)(x),
/* SR and SQ are the low octet of the S1 and S2 columns (s, s, 3s, 2s). */
static const uint8_t snow_sr[256] = {SNOW3G_T1(LOW8)};
static const uint8_t snow_sq[256] = {SNOW3G_T2(LOW8)};
static const uint32_t snow_mul_alpha[256] = {SNOW3G_MUL_ALPHA(WORD)};
static const uint32_t snow_div_alpha[256] = {SNOW3G_DIV_ALPHA(WORD)};

struct snow_consts {
    struct mb_tab256 sr, sq;
    __m512i ma_lo, ma_hi, da_lo, da_hi; /* MULalpha, DIValpha by nibble */
};

/* 3.3.1 / 3.3.2: S1 (poly 0x1b) or S2 (poly 0x69) on every lane. */
MB_INLINE __m512i snow_sbox(const struct mb_tab256 *t, __m512i w, uint8_t poly)
{
    __m512i s = mb_lookup(t, w, _mm512_movepi8_mask(w));
    __m512i m = mb_mulx(s, poly);
    __m512i r = _mm512_xor_si512(m, _mm512_ror_epi32(_mm512_xor_si512(m, s), 8));
    return _mm512_xor_si512(r, _mm512_xor_si512(_mm512_ror_epi32(s, 16),
                                                 _mm512_ror_epi32(s, 24)));
}

/* One clock with the head at cell a0 (see SNOW_CLOCK in snow3g.c): F, the
 * keystream word F ^ s0 into zout, the FSM update, then the LFSR feedback
 * (xored with F in initialisation mode) into a0. */
#define MB_SNOW_CLOCK(init, zout, a0, a2, a5, a11, a15)                                    \
    do {                                                                                   \
        __m512i f_ = _mm512_xor_si512(_mm512_add_epi32((a15), r1), r2);                   \
        zout = _mm512_xor_si512(f_, (a0));                                                 \
        __m512i r_ = _mm512_add_epi32(r2, _mm512_xor_si512(r3, (a5)));                    \
        r3 = snow_sbox(&k.sq, r2, 0x69);                                                   \
        r2 = snow_sbox(&k.sr, r1, 0x1b);                                                   \
        r1 = r_;                                                                           \
        __m512i ma_ = _mm512_xor_si512(                                                    \
            _mm512_permutexvar_epi32(_mm512_srli_epi32((a0), 24), k.ma_lo),               \
            _mm512_permutexvar_epi32(_mm512_srli_epi32((a0), 28), k.ma_hi));              \
        __m512i da_ = _mm512_xor_si512(                                                    \
            _mm512_permutexvar_epi32((a11), k.da_lo),                                      \
            _mm512_permutexvar_epi32(_mm512_srli_epi32((a11), 4), k.da_hi));              \
        __m512i v_ = _mm512_xor_si512(                                                     \
            _mm512_xor_si512(_mm512_slli_epi32((a0), 8), ma_),                             \
            _mm512_xor_si512(_mm512_xor_si512((a2), _mm512_srli_epi32((a11), 8)), da_)); \
        (a0) = (init) ? _mm512_xor_si512(v_, f_) : v_;                                     \
    } while (0)

/* Sixteen clocks from head 0; STEP(i, a0, a2, a5, a11, a15) is clock i. */
#define MB_SNOW_TURN(STEP)                 \
    STEP(0, s0, s2, s5, s11, s15);         \
    STEP(1, s1, s3, s6, s12, s0);          \
    STEP(2, s2, s4, s7, s13, s1);          \
    STEP(3, s3, s5, s8, s14, s2);          \
    STEP(4, s4, s6, s9, s15, s3);          \
    STEP(5, s5, s7, s10, s0, s4);          \
    STEP(6, s6, s8, s11, s1, s5);          \
    STEP(7, s7, s9, s12, s2, s6);          \
    STEP(8, s8, s10, s13, s3, s7);         \
    STEP(9, s9, s11, s14, s4, s8);         \
    STEP(10, s10, s12, s15, s5, s9);       \
    STEP(11, s11, s13, s0, s6, s10);       \
    STEP(12, s12, s14, s1, s7, s11);       \
    STEP(13, s13, s15, s2, s8, s12);       \
    STEP(14, s14, s0, s3, s9, s13);        \
    STEP(15, s15, s1, s4, s10, s14)

__attribute__((target(MB_TARGET))) void sec_snow3g_group_avx512(const struct sec_ks_job *jobs,
                                                                unsigned n)
{
    /* key[4 * i ..] is k_{3-i}, iv[4 * i ..] is IV_{3-i} (snow3g.h). */
    uint32_t kw[4][MB_LANES] = {{0}}, ivw[4][MB_LANES] = {{0}};
    uint32_t lo[4][16];

    for (unsigned j = 0; j < n; j++)
        for (int i = 0; i < 4; i++) {
            kw[3 - i][j] = mb_be32(jobs[j].key + 4 * i);
            ivw[3 - i][j] = mb_be32(jobs[j].iv + 4 * i);
        }
    /* MULalpha(c) = MULalpha(c & 15) ^ MULalpha(c & 0xf0), likewise
     * DIValpha: both are linear over GF(2). */
    for (int i = 0; i < 16; i++) {
        lo[0][i] = snow_mul_alpha[i];
        lo[1][i] = snow_mul_alpha[i << 4];
        lo[2][i] = snow_div_alpha[i];
        lo[3][i] = snow_div_alpha[i << 4];
    }
    struct snow_consts k = {
        mb_tab256_load(snow_sr), mb_tab256_load(snow_sq),
        _mm512_loadu_si512(lo[0]), _mm512_loadu_si512(lo[1]),
        _mm512_loadu_si512(lo[2]), _mm512_loadu_si512(lo[3]),
    };
    const __m512i one = _mm512_set1_epi32(-1);
    const __m512i k0 = _mm512_loadu_si512(kw[0]), k1 = _mm512_loadu_si512(kw[1]),
                  k2 = _mm512_loadu_si512(kw[2]), k3 = _mm512_loadu_si512(kw[3]);
    const __m512i iv0 = _mm512_loadu_si512(ivw[0]), iv1 = _mm512_loadu_si512(ivw[1]),
                  iv2 = _mm512_loadu_si512(ivw[2]), iv3 = _mm512_loadu_si512(ivw[3]);

    /* 4.1 */
    __m512i s15 = _mm512_xor_si512(k3, iv0), s14 = k2, s13 = k1,
            s12 = _mm512_xor_si512(k0, iv1), s11 = _mm512_xor_si512(k3, one),
            s10 = _mm512_xor_si512(_mm512_xor_si512(k2, one), iv2),
            s9 = _mm512_xor_si512(_mm512_xor_si512(k1, one), iv3),
            s8 = _mm512_xor_si512(k0, one), s7 = k3, s6 = k2, s5 = k1, s4 = k0,
            s3 = _mm512_xor_si512(k3, one), s2 = _mm512_xor_si512(k2, one),
            s1 = _mm512_xor_si512(k1, one), s0 = _mm512_xor_si512(k0, one);
    OPENSSL_cleanse(kw, sizeof(kw)); /* the state registers are not scrubbed */
    __m512i r1 = _mm512_setzero_si512(), r2 = r1, r3 = r1, z[16], zd;

    /* 32 clocks in initialisation mode, then the discarded one (4.2). */
#define INIT_STEP(i, ...) MB_SNOW_CLOCK(1, zd, __VA_ARGS__)
    for (int turn = 0; turn < 2; turn++) {
        MB_SNOW_TURN(INIT_STEP);
    }
#undef INIT_STEP
    MB_SNOW_CLOCK(0, zd, s0, s2, s5, s11, s15);
    (void)zd;
    /* The head is now at cell 1: rename so that keystream turns start at
     * head 0 (register moves, once per group). */
    __m512i t = s0;
    s0 = s1, s1 = s2, s2 = s3, s3 = s4, s4 = s5, s5 = s6, s6 = s7, s7 = s8;
    s8 = s9, s9 = s10, s10 = s11, s11 = s12, s12 = s13, s13 = s14, s14 = s15, s15 = t;

    const size_t max = mb_max_len(jobs, n);
#define KS_STEP(i, ...) MB_SNOW_CLOCK(0, z[i], __VA_ARGS__)
    for (size_t off = 0; off < max; off += 64) {
        MB_SNOW_TURN(KS_STEP);
        mb_store16(z, jobs, n, off);
    }
#undef KS_STEP
}

/* ------------------------------------------------------------- AVX2 -- */

/* The same clock, 8 streams in the lanes of AVX2 registers (mb_avx2.h):
 *   - S1, S2: SubBytes with SR (the AES S-box: AESENCLAST,
 *     mb2_aes_subbytes) or SQ (16 vpshufb row lookups, mb2_lookup), then
 *     MixColumn computed as above, the octet rotations by vpshufb;
 *   - MULalpha, DIValpha: linear in their octet, so each is the xor of
 *     three 8-entry dword tables, one per 3, 3 and 2 bits of the octet,
 *     looked up with vpermd (AVX2's dword permutation has 8 entries). */
struct snow2_consts {
    struct mb2_tab256 sq;
    __m256i ma[3], da[3]; /* MULalpha, DIValpha by bits 0-2, 3-5, 6-7 */
};

/* MixColumn of S1 (poly 0x1b) or S2 (poly 0x69) after SubBytes: s. */
MB2_INLINE __m256i snow2_mixcolumn(__m256i s, uint8_t poly)
{
    __m256i m = mb2_mulx(s, poly);
    __m256i r = _mm256_xor_si256(m, mb2_ror8(_mm256_xor_si256(m, s)));
    return _mm256_xor_si256(r, _mm256_xor_si256(mb2_ror16(s), mb2_ror24(s)));
}

/* vpermd uses the low 3 bits of each index lane: for MULalpha of the top
 * octet of a0, bits 24-26, 27-29 and 30-31 (a logical shift brings zeros
 * above); for DIValpha of the low octet of a11, bits 0-2, 3-5 and 6-8,
 * whose third table ignores bit 8 (entries 4-7 repeat 0-3). */
#define MB2_SNOW_CLOCK(init, zout, a0, a2, a5, a11, a15)                                   \
    do {                                                                                   \
        __m256i f_ = _mm256_xor_si256(_mm256_add_epi32((a15), r1), r2);                   \
        zout = _mm256_xor_si256(f_, (a0));                                                 \
        __m256i r_ = _mm256_add_epi32(r2, _mm256_xor_si256(r3, (a5)));                    \
        r3 = snow2_mixcolumn(mb2_lookup(&k.sq, r2), 0x69);                                 \
        r2 = snow2_mixcolumn(mb2_aes_subbytes(r1), 0x1b);                                  \
        r1 = r_;                                                                           \
        __m256i ma_ = _mm256_xor_si256(                                                    \
            _mm256_xor_si256(_mm256_permutevar8x32_epi32(k.ma[0], _mm256_srli_epi32((a0), 24)), \
                             _mm256_permutevar8x32_epi32(k.ma[1], _mm256_srli_epi32((a0), 27))), \
            _mm256_permutevar8x32_epi32(k.ma[2], _mm256_srli_epi32((a0), 30)));           \
        __m256i da_ = _mm256_xor_si256(                                                    \
            _mm256_xor_si256(_mm256_permutevar8x32_epi32(k.da[0], (a11)),                  \
                             _mm256_permutevar8x32_epi32(k.da[1], _mm256_srli_epi32((a11), 3))), \
            _mm256_permutevar8x32_epi32(k.da[2], _mm256_srli_epi32((a11), 6)));           \
        __m256i v_ = _mm256_xor_si256(                                                     \
            _mm256_xor_si256(_mm256_slli_epi32((a0), 8), ma_),                             \
            _mm256_xor_si256(_mm256_xor_si256((a2), _mm256_srli_epi32((a11), 8)), da_)); \
        (a0) = (init) ? _mm256_xor_si256(v_, f_) : v_;                                     \
    } while (0)

__attribute__((target(MB2_TARGET))) void sec_snow3g_group_avx2(const struct sec_ks_job *jobs,
                                                              unsigned n)
{
    /* key[4 * i ..] is k_{3-i}, iv[4 * i ..] is IV_{3-i} (snow3g.h). */
    uint32_t kw[4][MB2_LANES] = {{0}}, ivw[4][MB2_LANES] = {{0}};
    uint32_t lo[6][8];
    struct snow2_consts k;

    for (unsigned j = 0; j < n; j++)
        for (int i = 0; i < 4; i++) {
            kw[3 - i][j] = mb_be32(jobs[j].key + 4 * i);
            ivw[3 - i][j] = mb_be32(jobs[j].iv + 4 * i);
        }
    for (int i = 0; i < 8; i++) {
        lo[0][i] = snow_mul_alpha[i];
        lo[1][i] = snow_mul_alpha[i << 3];
        lo[2][i] = snow_mul_alpha[(i & 3) << 6];
        lo[3][i] = snow_div_alpha[i];
        lo[4][i] = snow_div_alpha[i << 3];
        lo[5][i] = snow_div_alpha[(i & 3) << 6];
    }
    mb2_tab256_load(&k.sq, snow_sq);
    for (int i = 0; i < 3; i++) {
        k.ma[i] = _mm256_loadu_si256((const __m256i *)lo[i]);
        k.da[i] = _mm256_loadu_si256((const __m256i *)lo[3 + i]);
    }
    const __m256i one = _mm256_set1_epi32(-1);
    const __m256i k0 = _mm256_loadu_si256((const __m256i *)kw[0]),
                  k1 = _mm256_loadu_si256((const __m256i *)kw[1]),
                  k2 = _mm256_loadu_si256((const __m256i *)kw[2]),
                  k3 = _mm256_loadu_si256((const __m256i *)kw[3]);
    const __m256i iv0 = _mm256_loadu_si256((const __m256i *)ivw[0]),
                  iv1 = _mm256_loadu_si256((const __m256i *)ivw[1]),
                  iv2 = _mm256_loadu_si256((const __m256i *)ivw[2]),
                  iv3 = _mm256_loadu_si256((const __m256i *)ivw[3]);

    /* 4.1 */
    __m256i s15 = _mm256_xor_si256(k3, iv0), s14 = k2, s13 = k1,
            s12 = _mm256_xor_si256(k0, iv1), s11 = _mm256_xor_si256(k3, one),
            s10 = _mm256_xor_si256(_mm256_xor_si256(k2, one), iv2),
            s9 = _mm256_xor_si256(_mm256_xor_si256(k1, one), iv3),
            s8 = _mm256_xor_si256(k0, one), s7 = k3, s6 = k2, s5 = k1, s4 = k0,
            s3 = _mm256_xor_si256(k3, one), s2 = _mm256_xor_si256(k2, one),
            s1 = _mm256_xor_si256(k1, one), s0 = _mm256_xor_si256(k0, one);
    OPENSSL_cleanse(kw, sizeof(kw)); /* the state registers are not scrubbed */
    __m256i r1 = _mm256_setzero_si256(), r2 = r1, r3 = r1, z[16], zd;

    /* 32 clocks in initialisation mode, then the discarded one (4.2). */
#define INIT_STEP(i, ...) MB2_SNOW_CLOCK(1, zd, __VA_ARGS__)
    for (int turn = 0; turn < 2; turn++) {
        MB_SNOW_TURN(INIT_STEP);
    }
#undef INIT_STEP
    MB2_SNOW_CLOCK(0, zd, s0, s2, s5, s11, s15);
    (void)zd;
    __m256i t = s0;
    s0 = s1, s1 = s2, s2 = s3, s3 = s4, s4 = s5, s5 = s6, s6 = s7, s7 = s8;
    s8 = s9, s9 = s10, s10 = s11, s11 = s12, s12 = s13, s13 = s14, s14 = s15, s15 = t;

    /* 16 clocks a turn (the LFSR's period of names), stored as two blocks
     * of 8 words. */
    const size_t max = mb_max_len(jobs, n);
#define KS_STEP(i, ...) MB2_SNOW_CLOCK(0, z[i], __VA_ARGS__)
    for (size_t off = 0; off < max; off += 64) {
        MB_SNOW_TURN(KS_STEP);
        mb2_store8(z, jobs, n, off);
        if (max > off + 32)
            mb2_store8(z + 8, jobs, n, off + 32);
    }
#undef KS_STEP
}

#else
typedef int snow3g_mb_no_simd; /* not x86-64: the generic level only */
#endif
