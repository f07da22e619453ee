/* Internal to the multi-buffer keystream (keystream_mb.c, snow3g_mb.c,
 * zuc_mb.c): the AVX2 helpers shared by SNOW 3G and ZUC, for CPUs with
 * AVX2 but not AVX-512 (AMD Zen 2/3, Intel before Skylake-SP).
 *
 * Layout: one __m256i per LFSR cell or FSM register, lane j (32 bits)
 * holding stream j of a group of 8.  Only functions carrying MB2_TARGET
 * use these, so the rest of the build needs no -mavx2; keystream_mb.c
 * calls them only after checking the CPU.
 *
 * Constant time: AVX2 has no octet permutation across a register (the
 * AVX-512 level's vpermi2b), and vpgatherdd would be a load at a secret
 * address.  A 256-entry S-box is therefore 16 rows of 16 octets, each row
 * looked up with vpshufb (register operands only) for every input octet,
 * and the row of the octet's high nibble selected by blends on the
 * octet's bits (mb2_lookup): the same work whatever the input. */
#ifndef XEPC_SEC_MB_AVX2_H
#define XEPC_SEC_MB_AVX2_H

#include <stddef.h>
#include <stdint.h>

#include "sec/keystream_mb.h"

#define MB2_LANES 8

/* Process up to MB2_LANES jobs (n >= 1) in one group. */
void sec_snow3g_group_avx2(const struct sec_ks_job *jobs, unsigned n);
void sec_zuc_group_avx2(const struct sec_ks_job *jobs, unsigned n);

#if defined(__x86_64__)
#include <immintrin.h>

#include <openssl/crypto.h>

#define MB2_TARGET "avx2,aes"
#define MB2_INLINE static inline __attribute__((target(MB2_TARGET), always_inline))

/* A 256-entry octet table: row h (entries 16h..16h+15) in both 128-bit
 * halves of row[h], as vpshufb looks up within each half. */
struct mb2_tab256 {
    __m256i row[16];
};

MB2_INLINE void mb2_tab256_load(struct mb2_tab256 *t, const uint8_t tab[256])
{
    for (int h = 0; h < 16; h++)
        t->row[h] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tab + 16 * h)));
}

/* t[x] for each of the 32 octets x.  vpshufb gives entry x & 15 of a row,
 * or 0 when bit 7 of its index is set.  All 16 rows are looked up for
 * every octet, rows 0-7 with x itself (0 for x >= 128) and rows 8-15 with
 * x ^ 0x80 (0 for x < 128); within each half, bits 4, 5 and 6 of x pick
 * the row through a tree of vpblendvb (which reads bit 7 of its mask
 * octets, hence x shifted left by 3, 2 and 1), and the halves are ored.
 * Register operations only: no address and no branch depends on x. */
MB2_INLINE __m256i mb2_lookup(const struct mb2_tab256 *t, __m256i x)
{
    const __m256i m4 = _mm256_slli_epi16(x, 3), m5 = _mm256_slli_epi16(x, 2),
                  m6 = _mm256_slli_epi16(x, 1);
    const __m256i xh = _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80));

    /* Written out: gcc -O2 keeps arrays of vectors in memory. */
#define MB2_PAIR(i, r) \
    _mm256_blendv_epi8(_mm256_shuffle_epi8(t->row[r], i), _mm256_shuffle_epi8(t->row[(r) + 1], i), m4)
#define MB2_HALF(i, r)                                                                  \
    _mm256_blendv_epi8(_mm256_blendv_epi8(MB2_PAIR(i, r), MB2_PAIR(i, (r) + 2), m5),     \
                       _mm256_blendv_epi8(MB2_PAIR(i, (r) + 4), MB2_PAIR(i, (r) + 6), m5), m6)
    __m256i lo = MB2_HALF(x, 0), hi = MB2_HALF(xh, 8);
#undef MB2_HALF
#undef MB2_PAIR
    return _mm256_or_si256(lo, hi);
}

/* The AES S-box (SNOW 3G's SR) on each of the 32 octets, with AES-NI:
 * AESENCLAST with a zero round key is SubBytes after ShiftRows, so the
 * octets are first moved by the inverse of ShiftRows (a fixed vpshufb:
 * octet 4c + r of a block from 4((c - r) mod 4) + r) and each comes back
 * to its place, substituted.  Two 128-bit AESENCLAST (VAES would do it in
 * one, but Zen 2 lacks it).  Constant time like AES-NI itself. */
MB2_INLINE __m256i mb2_aes_subbytes(__m256i x)
{
    const __m256i inv_shift_rows = _mm256_setr_epi8(0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12,
                                                    9, 6, 3, 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2,
                                                    15, 12, 9, 6, 3);
    __m256i y = _mm256_shuffle_epi8(x, inv_shift_rows);
    __m128i lo = _mm_aesenclast_si128(_mm256_castsi256_si128(y), _mm_setzero_si128());
    __m128i hi = _mm_aesenclast_si128(_mm256_extracti128_si256(y, 1), _mm_setzero_si128());
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

/* Octet-wise multiplication by x in GF(2^8) modulo x^8 + poly. */
MB2_INLINE __m256i mb2_mulx(__m256i s, uint8_t poly)
{
    __m256i top = _mm256_cmpgt_epi8(_mm256_setzero_si256(), s); /* 0xff where bit 7 is set */
    return _mm256_xor_si256(_mm256_add_epi8(s, s),
                            _mm256_and_si256(top, _mm256_set1_epi8((char)poly)));
}

/* Rotations of each 32-bit lane.  By whole octets: one vpshufb. */
MB2_INLINE __m256i mb2_ror8(__m256i x)
{
    return _mm256_shuffle_epi8(x, _mm256_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3,
                                                  2, 1, 12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5,
                                                  0, 3, 2, 1));
}

MB2_INLINE __m256i mb2_ror16(__m256i x)
{
    return _mm256_shuffle_epi8(x, _mm256_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0,
                                                  3, 2, 13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6,
                                                  1, 0, 3, 2));
}

MB2_INLINE __m256i mb2_ror24(__m256i x)
{
    return _mm256_shuffle_epi8(x, _mm256_set_epi8(14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1,
                                                  0, 3, 14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7,
                                                  2, 1, 0, 3));
}

/* Left by k bits, 0 < k < 32. */
#define MB2_ROL(x, k) _mm256_or_si256(_mm256_slli_epi32((x), (k)), _mm256_srli_epi32((x), 32 - (k)))

/* The keystream octets of 8 clocks z[0..7] (z[i] lane j: word i of stream
 * j) go to the jobs: transposed so that a register holds 8 consecutive
 * words of one stream, byte-swapped to most significant octet first,
 * xored with the input and stored, up to each job's length (the last,
 * partial block through a buffer on the stack, octet by octet: AVX2 has
 * no octet-masked store).  off is the octet offset of z[0] in every
 * stream. */
MB2_INLINE void mb2_store8(const __m256i *z, const struct sec_ks_job *jobs, unsigned n, size_t off)
{
    __m256i t[8], u[8];

    /* Within each 128-bit half h: u[4g + k] = words 4g..4g+3 of stream
     * 4h + k. */
    for (int g = 0; g < 2; g++) {
        t[0] = _mm256_unpacklo_epi32(z[4 * g], z[4 * g + 1]);
        t[1] = _mm256_unpackhi_epi32(z[4 * g], z[4 * g + 1]);
        t[2] = _mm256_unpacklo_epi32(z[4 * g + 2], z[4 * g + 3]);
        t[3] = _mm256_unpackhi_epi32(z[4 * g + 2], z[4 * g + 3]);
        u[4 * g + 0] = _mm256_unpacklo_epi64(t[0], t[2]);
        u[4 * g + 1] = _mm256_unpackhi_epi64(t[0], t[2]);
        u[4 * g + 2] = _mm256_unpacklo_epi64(t[1], t[3]);
        u[4 * g + 3] = _mm256_unpackhi_epi64(t[1], t[3]);
    }
    const __m256i bswap = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12,
                                          13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    /* Then stream k is the low halves of u[k] and u[4 + k], stream 4 + k
     * their high halves. */
    for (int k = 0; k < 4; k++) {
        t[k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);
        t[4 + k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);
    }
    for (unsigned j = 0; j < n; j++) {
        if (jobs[j].len <= off)
            continue;
        size_t left = jobs[j].len - off;
        __m256i v = _mm256_shuffle_epi8(t[j], bswap);
        if (left >= 32) {
            if (jobs[j].in)
                v = _mm256_xor_si256(v, _mm256_loadu_si256((const __m256i *)(jobs[j].in + off)));
            _mm256_storeu_si256((__m256i *)(jobs[j].out + off), v);
        } else {
            uint8_t b[32];
            _mm256_storeu_si256((__m256i *)b, v);
            for (size_t i = 0; i < left; i++)
                jobs[j].out[off + i] = (uint8_t)((jobs[j].in ? jobs[j].in[off + i] : 0) ^ b[i]);
            OPENSSL_cleanse(b, sizeof(b));
        }
    }
}
#endif /* __x86_64__ */

#endif
