/* Internal to the multi-buffer keystream (keystream_mb.c, snow3g_mb.c,
 * zuc_mb.c): the AVX-512 helpers shared by SNOW 3G and ZUC.
 *
 * Layout: one __m512i per LFSR cell or FSM register, lane j (32 bits)
 * holding stream j of the group.  Only functions carrying MB_TARGET use
 * these, so the rest of the build needs no -mavx512 flag and runs on any
 * x86-64; keystream_mb.c calls them only after checking the CPU. */
#ifndef XEPC_SEC_MB_AVX512_H
#define XEPC_SEC_MB_AVX512_H

#include <stddef.h>
#include <stdint.h>

#include "sec/keystream_mb.h"

#define MB_LANES 16

/* Process up to MB_LANES jobs (n >= 1) in one group. */
void sec_snow3g_group_avx512(const struct sec_ks_job *jobs, unsigned n);
void sec_zuc_group_avx512(const struct sec_ks_job *jobs, unsigned n);

#if defined(__x86_64__)
#include <immintrin.h>

#define MB_TARGET "avx512f,avx512bw,avx512vl,avx512vbmi"
#define MB_INLINE static inline __attribute__((target(MB_TARGET), always_inline))

/* A 256-entry octet table in four registers. */
struct mb_tab256 {
    __m512i q0, q1, q2, q3;
};

MB_INLINE struct mb_tab256 mb_tab256_load(const uint8_t t[256])
{
    struct mb_tab256 r = {_mm512_loadu_si512(t), _mm512_loadu_si512(t + 64),
                          _mm512_loadu_si512(t + 128), _mm512_loadu_si512(t + 192)};
    return r;
}

/* t[x] for each of the 64 octets x: bits 6..0 pick an octet of a 128-octet
 * half (vpermi2b), bit 7 picks the half.  Register operations only: no
 * memory access depends on x. */
MB_INLINE __m512i mb_lookup(const struct mb_tab256 *t, __m512i x, __mmask64 hi)
{
    __m512i lo = _mm512_permutex2var_epi8(t->q0, x, t->q1);
    __m512i up = _mm512_permutex2var_epi8(t->q2, x, t->q3);
    return _mm512_mask_blend_epi8(hi, lo, up);
}

/* Octet-wise multiplication by x in GF(2^8) modulo x^8 + poly. */
MB_INLINE __m512i mb_mulx(__m512i s, uint8_t poly)
{
    __m512i red = _mm512_maskz_mov_epi8(_mm512_movepi8_mask(s), _mm512_set1_epi8((char)poly));
    return _mm512_xor_si512(_mm512_add_epi8(s, s), red);
}

/* The keystream octets of 16 clocks z[0..15] (z[i] lane j: word i of
 * stream j) go to the jobs: transposed so that a register holds 16
 * consecutive words of one stream, byte-swapped to most significant octet
 * first, xored with the input and stored, up to each job's length.  off is
 * the octet offset of z[0] in every stream. */
MB_INLINE void mb_store16(__m512i z[16], const struct sec_ks_job *jobs, unsigned n, size_t off)
{
    __m512i c[4][4];

    /* 4x4 dword transposes inside each 128-bit block, four rows at a time:
     * block b of c[g][k] = words 4g..4g+3 of stream 4b+k. */
    for (int g = 0; g < 4; g++) {
        __m512i a0 = _mm512_unpacklo_epi32(z[4 * g], z[4 * g + 1]);
        __m512i a1 = _mm512_unpackhi_epi32(z[4 * g], z[4 * g + 1]);
        __m512i a2 = _mm512_unpacklo_epi32(z[4 * g + 2], z[4 * g + 3]);
        __m512i a3 = _mm512_unpackhi_epi32(z[4 * g + 2], z[4 * g + 3]);
        c[g][0] = _mm512_unpacklo_epi64(a0, a2);
        c[g][1] = _mm512_unpackhi_epi64(a0, a2);
        c[g][2] = _mm512_unpacklo_epi64(a1, a3);
        c[g][3] = _mm512_unpackhi_epi64(a1, a3);
    }
    const __m512i bswap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
    for (int k = 0; k < 4; k++) {
        /* Then a 4x4 transpose of 128-bit blocks: stream 4b+k is block b
         * of c[0][k], c[1][k], c[2][k], c[3][k]. */
        __m512i e0 = _mm512_shuffle_i32x4(c[0][k], c[1][k], 0x44);
        __m512i e1 = _mm512_shuffle_i32x4(c[0][k], c[1][k], 0xee);
        __m512i e2 = _mm512_shuffle_i32x4(c[2][k], c[3][k], 0x44);
        __m512i e3 = _mm512_shuffle_i32x4(c[2][k], c[3][k], 0xee);
        __m512i w[4] = {
            _mm512_shuffle_i32x4(e0, e2, 0x88),
            _mm512_shuffle_i32x4(e0, e2, 0xdd),
            _mm512_shuffle_i32x4(e1, e3, 0x88),
            _mm512_shuffle_i32x4(e1, e3, 0xdd),
        };
        for (int b = 0; b < 4; b++) {
            unsigned j = 4 * (unsigned)b + (unsigned)k;
            if (j >= n || jobs[j].len <= off)
                continue;
            size_t left = jobs[j].len - off;
            __mmask64 m = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
            __m512i v = _mm512_shuffle_epi8(w[b], bswap);
            if (jobs[j].in)
                v = _mm512_xor_si512(v, _mm512_maskz_loadu_epi8(m, jobs[j].in + off));
            _mm512_mask_storeu_epi8(jobs[j].out + off, m, v);
        }
    }
}

/* The longest job of a group, in octets. */
static inline size_t mb_max_len(const struct sec_ks_job *jobs, unsigned n)
{
    size_t max = 0;
    for (unsigned j = 0; j < n; j++)
        if (jobs[j].len > max)
            max = jobs[j].len;
    return max;
}

static inline uint32_t mb_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
#endif /* __x86_64__ */

#endif
