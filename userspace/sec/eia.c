/* 128-EIA0/1/2/3 (TS 33.401 Annex B.2) over bit lengths. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "sec/aes_block.h"
#include "sec/keystream_mb.h"
#include "sec/nas_algs.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

const char *sec_eia_name(unsigned alg)
{
    static const char *const names[] = {"EIA0", "EIA1", "EIA2", "EIA3"};
    return alg < SEC_ALG_COUNT ? names[alg] : "?";
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Octet i of a message of `bits` bits, zero past the end and in the unused
 * bits of the last octet: the zero padding that f9, CMAC and EIA3 assume. */
static inline uint8_t msg_octet(const uint8_t *msg, size_t bits, size_t i)
{
    size_t len = (bits + 7) / 8;

    if (i >= len)
        return 0;
    if (i == len - 1 && bits % 8)
        return msg[i] & (uint8_t)(0xff00 >> (bits % 8));
    return msg[i];
}

/* ---------------------------------------------------------------- EIA2 -- */

/* The CMAC implementation is fetched once per process (an immutable
 * algorithm handle). */
static EVP_MAC *cmac_alg;
static pthread_once_t cmac_once = PTHREAD_ONCE_INIT;

static void cmac_fetch(void)
{
    cmac_alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
}

/* SP 800-38B 6.1: doubling in GF(2^128), R = 0x87. */
static void cmac_double(const uint8_t in[16], uint8_t out[16])
{
    uint8_t carry = (uint8_t)(-(in[0] >> 7) & 0x87);

    for (int i = 0; i < 15; i++)
        out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
    out[15] = (uint8_t)(in[15] << 1) ^ carry;
}

static int eia2_init(struct sec_integrity *c)
{
    static char cipher[] = "AES-128-CBC";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
        OSSL_PARAM_construct_end(),
    };
    uint8_t l[16] = {0};

    pthread_once(&cmac_once, cmac_fetch);
    if (!cmac_alg)
        return -EIO;
    c->cmac = EVP_MAC_CTX_new(cmac_alg);
    /* The AES-ECB context serves the subkeys now and bit-length messages
     * later, which NAS never sends: it is made again on first use rather
     * than kept, as an MME holds one of these per UE. */
    EVP_CIPHER_CTX *ecb = sec_aes_ecb_new(c->key);
    if (!c->cmac || !ecb) {
        EVP_CIPHER_CTX_free(ecb);
        return -ENOMEM;
    }
    int rc = EVP_MAC_init(c->cmac, c->key, SEC_KEY_LEN, params) != 1 || sec_aes_block(ecb, l, l)
                 ? -EIO
                 : 0;
    EVP_CIPHER_CTX_free(ecb);
    if (rc)
        return rc;
    cmac_double(l, c->k1);
    cmac_double(c->k1, c->k2);
    OPENSSL_cleanse(l, sizeof(l));
    return 0;
}

/* B.2.3: M = COUNT || BEARER || DIRECTION || 0^26 || MESSAGE. */
static void eia2_prefix(uint8_t p[8], uint32_t count, uint8_t bearer, uint8_t dir)
{
    put_be32(p, count);
    p[4] = (uint8_t)(bearer << 3 | dir << 2);
    p[5] = p[6] = p[7] = 0;
}

/* Whole-octet messages: OpenSSL's CMAC, re-initialised with the key it
 * holds (EVP_MAC_init with a NULL key keeps the key schedule). */
static int eia2_octets(struct sec_integrity *c, const uint8_t prefix[8], const uint8_t *msg,
                       size_t len, uint8_t mac[4])
{
    uint8_t full[16];
    size_t n = 0;

    if (EVP_MAC_init(c->cmac, NULL, 0, NULL) != 1 || EVP_MAC_update(c->cmac, prefix, 8) != 1 ||
        (len && EVP_MAC_update(c->cmac, msg, len) != 1) ||
        EVP_MAC_final(c->cmac, full, &n, sizeof(full)) != 1 || n != 16)
        return -EIO;
    memcpy(mac, full, 4);
    return 0;
}

/* Any bit length: CMAC (SP 800-38B 6.2) on AES blocks, because OpenSSL's
 * CMAC pads at octet granularity.  Mlen = 64 + bits. */
int sec_eia2_cmac_bits(struct sec_integrity *c, const uint8_t prefix[8], const uint8_t *msg,
                       size_t bits, uint8_t mac[4]);
int sec_eia2_cmac_bits(struct sec_integrity *c, const uint8_t prefix[8], const uint8_t *msg,
                       size_t bits, uint8_t mac[4])
{
    size_t mlen = 64 + bits;
    size_t nblocks = (mlen + 127) / 128;
    int complete = mlen % 128 == 0;
    uint8_t x[16] = {0}, blk[16];

    if (!c->ecb && !(c->ecb = sec_aes_ecb_new(c->key)))
        return -ENOMEM;

    for (size_t b = 0; b < nblocks; b++) {
        for (size_t i = 0; i < 16; i++) {
            size_t pos = b * 16 + i;
            blk[i] = pos < 8 ? prefix[pos] : msg_octet(msg, bits, pos - 8);
        }
        if (b == nblocks - 1) {
            if (complete) {
                for (int i = 0; i < 16; i++)
                    blk[i] ^= c->k1[i];
            } else {
                size_t r = mlen % 128; /* bits used in this block */
                blk[r / 8] |= (uint8_t)(0x80 >> (r % 8));
                for (int i = 0; i < 16; i++)
                    blk[i] ^= c->k2[i];
            }
        }
        for (int i = 0; i < 16; i++)
            x[i] ^= blk[i];
        if (sec_aes_block(c->ecb, x, x))
            return -EIO;
    }
    memcpy(mac, x, 4);
    OPENSSL_cleanse(x, sizeof(x));
    return 0;
}

/* ---------------------------------------------------------------- EIA1 -- */

/* UIA2 Document 1, 3.3 MUL64x / MUL64: multiplication in GF(2^64) modulo
 * x^64 + x^4 + x^3 + x + 1 (c = 0x1b).  P and Q are keystream (secret), so
 * the loop runs the same 64 steps for every value, with masks, not
 * branches. */
static uint64_t mul64_soft(uint64_t v, uint64_t p)
{
    uint64_t r = 0;

    for (int i = 0; i < 64; i++) {
        r ^= v & (0 - ((p >> i) & 1));
        v = (v << 1) ^ (0x1b & (0 - (v >> 63)));
    }
    return r;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* The same product with the carry-less multiply instruction (constant
 * time as well): the 128-bit product lo + hi * x^64, and x^64 = x^4 + x^3
 * + x + 1 folds hi back in twice. */
__attribute__((target("pclmul,sse2"))) static uint64_t mul64_clmul(uint64_t v, uint64_t p)
{
    const __m128i poly = _mm_set_epi64x(0, 0x1b);
    __m128i prod = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)v),
                                        _mm_set_epi64x(0, (long long)p), 0x00);
    uint64_t lo = (uint64_t)_mm_cvtsi128_si64(prod);
    uint64_t hi = (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(prod, 8));
    __m128i fold = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)hi), poly, 0x00);
    uint64_t f_lo = (uint64_t)_mm_cvtsi128_si64(fold);
    uint64_t f_hi = (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(fold, 8)); /* < 16 */
    return lo ^ f_lo ^ f_hi ^ f_hi << 1 ^ f_hi << 3 ^ f_hi << 4;
}

static int have_clmul(void)
{
    return __builtin_cpu_supports("pclmul");
}
#else
static uint64_t mul64_clmul(uint64_t v, uint64_t p)
{
    return mul64_soft(v, p);
}

static int have_clmul(void)
{
    return 0;
}
#endif

/* For the tests: impl 0 the portable loop, 1 PCLMULQDQ (when present). */
uint64_t sec_eia1_mul64(uint64_t v, uint64_t p, int impl);
uint64_t sec_eia1_mul64(uint64_t v, uint64_t p, int impl)
{
    return impl && have_clmul() ? mul64_clmul(v, p) : mul64_soft(v, p);
}

static void eia1_iv(uint8_t iv[16], uint32_t count, uint8_t bearer, uint8_t dir)
{
    /* UIA2 f9 (Document 1, 3.4) with COUNT-I = COUNT, FRESH = BEARER ||
     * 0^27 (TS 33.401 B.2.2): IV3 = COUNT, IV2 = FRESH, IV1 = COUNT xor
     * DIRECTION << 31, IV0 = FRESH xor DIRECTION << 15. */
    uint32_t fresh = (uint32_t)bearer << 27;

    put_be32(iv, count);
    put_be32(iv + 4, fresh);
    put_be32(iv + 8, count ^ (uint32_t)dir << 31);
    put_be32(iv + 12, fresh ^ (uint32_t)dir << 15);
}

/* f9 from the first five keystream words z1..z5. */
static void eia1_mac(const uint32_t z[5], const uint8_t *msg, size_t bits, uint8_t mac[4])
{
    uint64_t p = (uint64_t)z[0] << 32 | z[1], q = (uint64_t)z[2] << 32 | z[3];
    uint64_t eval = 0;
    size_t d = (bits + 63) / 64 + 1;
    uint64_t (*mul64)(uint64_t, uint64_t) = have_clmul() ? mul64_clmul : mul64_soft;

    /* M_0 .. M_{D-2}: the message in 64-bit blocks, the last zero padded. */
    for (size_t i = 0; i + 2 <= d; i++) {
        uint64_t m = 0;
        for (size_t j = 0; j < 8; j++)
            m = m << 8 | msg_octet(msg, bits, i * 8 + j);
        eval = mul64(eval ^ m, p);
    }
    eval ^= (uint64_t)bits; /* M_{D-1} = LENGTH */
    eval = mul64(eval, q);
    put_be32(mac, (uint32_t)(eval >> 32) ^ z[4]);
}

static void eia1(const uint8_t key[16], uint32_t count, uint8_t bearer, uint8_t dir,
                 const uint8_t *msg, size_t bits, uint8_t mac[4])
{
    uint32_t z[5];
    uint8_t iv[16];
    struct snow3g st;

    eia1_iv(iv, count, bearer, dir);
    snow3g_init(&st, key, iv);
    snow3g_words(&st, z, 5);
    OPENSSL_cleanse(&st, sizeof(st));
    eia1_mac(z, msg, bits, mac);
    OPENSSL_cleanse(z, sizeof(z));
}

/* ---------------------------------------------------------------- EIA3 -- */

/* The EIA3 accumulation for one 32-bit message word m (its first bit the
 * most significant) against the 64 keystream bits win starting at that
 * word: the xor of the 32-bit windows (win >> (32 - j)) for every bit j
 * of m that is set.  Portable: 32 masked steps, the same work for every
 * value (constant time). */
static uint32_t eia3_word_soft(uint32_t m, uint64_t win)
{
    uint32_t t = 0;

    for (unsigned j = 0; j < 32; j++)
        t ^= (uint32_t)(win >> (32 - j)) & (0 - ((m >> (31 - j)) & 1));
    return t;
}

#if defined(__x86_64__)
/* The same xor is the carry-less product win * m' with m' = m bit-reversed
 * (bit j of m' is message bit j), bits 63..32: (win << j) holds window j
 * in bits 63..32.  Constant time too. */
static inline uint32_t bitrev32(uint32_t x)
{
    x = __builtin_bswap32(x);
    x = (x & 0x0f0f0f0fu) << 4 | (x >> 4 & 0x0f0f0f0fu);
    x = (x & 0x33333333u) << 2 | (x >> 2 & 0x33333333u);
    return (x & 0x55555555u) << 1 | (x >> 1 & 0x55555555u);
}

__attribute__((target("pclmul,sse2"))) static uint32_t eia3_word_clmul(uint32_t m, uint64_t win)
{
    __m128i prod = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)win),
                                        _mm_set_epi64x(0, (long long)bitrev32(m)), 0x00);
    return (uint32_t)((uint64_t)_mm_cvtsi128_si64(prod) >> 32);
}
#else
static uint32_t eia3_word_clmul(uint32_t m, uint64_t win)
{
    return eia3_word_soft(m, win);
}
#endif

/* For the tests: impl 0 the portable loop, 1 PCLMULQDQ (when present). */
uint32_t sec_eia3_word(uint32_t m, uint64_t win, int impl);
uint32_t sec_eia3_word(uint32_t m, uint64_t win, int impl)
{
    return impl && have_clmul() ? eia3_word_clmul(m, win) : eia3_word_soft(m, win);
}

/* EEA3/EIA3 Document 1, 4.3: the IV. */
static void eia3_iv(uint8_t iv[16], uint32_t count, uint8_t bearer, uint8_t dir)
{
    put_be32(iv, count);
    iv[4] = (uint8_t)(bearer << 3);
    iv[5] = iv[6] = iv[7] = 0;
    iv[8] = iv[0] ^ (uint8_t)(dir << 7);
    iv[9] = iv[1];
    iv[10] = iv[2];
    iv[11] = iv[3];
    iv[12] = iv[4];
    iv[13] = iv[5];
    iv[14] = iv[6] ^ (uint8_t)(dir << 7);
    iv[15] = iv[7];
}

/* 4.4, for one message word w: its 32 bits as a word, zero past bits. */
static inline uint32_t eia3_msg_word(const uint8_t *msg, size_t bits, size_t w)
{
    if (32 * (w + 1) <= bits) /* a whole word of the message */
        return (uint32_t)msg[4 * w] << 24 | (uint32_t)msg[4 * w + 1] << 16 |
               (uint32_t)msg[4 * w + 2] << 8 | msg[4 * w + 3];
    return (uint32_t)msg_octet(msg, bits, 4 * w) << 24 |
           (uint32_t)msg_octet(msg, bits, 4 * w + 1) << 16 |
           (uint32_t)msg_octet(msg, bits, 4 * w + 2) << 8 | msg_octet(msg, bits, 4 * w + 3);
}

static void eia3(const uint8_t key[16], uint32_t count, uint8_t bearer, uint8_t dir,
                 const uint8_t *msg, size_t bits, uint8_t mac[4])
{
    uint8_t iv[16];
    struct zuc st;

    eia3_iv(iv, count, bearer, dir);
    zuc_init(&st, key, iv);

    /* 4.4: L = ceil((LENGTH + 64) / 32) keystream words; T = the xor of
     * the keystream word z_i starting at bit i for every message bit i set,
     * then of z_LENGTH; MAC = T xor z_{32(L-1)}, the last word.  The words
     * are generated 16 at a time into a window with two words of
     * look-ahead (z_LENGTH and the last word can be two words past the last
     * message word). */
    const size_t total = (bits + 64 + 31) / 32, words = (bits + 31) / 32;
    uint32_t z[18], t = 0;
    size_t base = 0; /* index of z[0] among all keystream words */
    uint32_t (*word)(uint32_t, uint64_t) = have_clmul() ? eia3_word_clmul : eia3_word_soft;

    zuc_words(&st, z, total < 18 ? total : 18);
    for (size_t w = 0; w <= bits / 32; w++) {
        if (w - base == 16) {
            z[0] = z[16];
            z[1] = z[17];
            base += 16;
            size_t more = total - (base + 2);
            zuc_words(&st, z + 2, more < 16 ? more : 16);
        }
        uint64_t win = (uint64_t)z[w - base] << 32 | z[w - base + 1];
        if (w < words)
            t ^= word(eia3_msg_word(msg, bits, w), win);
        if (w == bits / 32)
            t ^= (uint32_t)(win >> (32 - bits % 32)) ^ z[total - 1 - base];
    }
    put_be32(mac, t);
    OPENSSL_cleanse(&st, sizeof(st));
    OPENSSL_cleanse(z, sizeof(z));
}

/* ------------------------------------------------------------- batches -- */

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* EIA3 4.4 from the message's whole keystream (L words, as octets most
 * significant first): the same sums as eia3(). */
static void eia3_mac_ks(const uint8_t *ks, const uint8_t *msg, size_t bits, uint8_t mac[4],
                        uint32_t (*word)(uint32_t, uint64_t))
{
    const size_t total = (bits + 64 + 31) / 32, words = (bits + 31) / 32;
    uint32_t t = 0;

    for (size_t w = 0; w <= bits / 32; w++) {
        uint64_t win = (uint64_t)get_be32(ks + 4 * w) << 32 | get_be32(ks + 4 * w + 4);
        if (w < words)
            t ^= word(eia3_msg_word(msg, bits, w), win);
        if (w == bits / 32)
            t ^= (uint32_t)(win >> (32 - bits % 32)) ^ get_be32(ks + 4 * (total - 1));
    }
    put_be32(mac, t);
}

/* Keystream octets EIA1 (z1..z5) or EIA3 (L words) needs for a message. */
static size_t eia_ks_len(unsigned alg, size_t bits)
{
    return alg == SEC_ALG_1 ? 20 : 4 * ((bits + 64 + 31) / 32);
}

/* Messages per call of the multi-buffer code. */
#define EIA_BATCH_CHUNK 64

int sec_eia_batch(unsigned alg, struct sec_eia_msg *msgs, size_t n)
{
    if (alg >= SEC_ALG_COUNT)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (msgs[i].bearer > 31 || msgs[i].dir > 1)
            return -EINVAL;
    if (alg == SEC_ALG_0 || alg == SEC_ALG_2) {
        for (size_t i = 0; i < n; i++) {
            struct sec_eia_msg *m = &msgs[i];
            int rc = sec_eia(alg, m->key, m->count, m->bearer, m->dir, m->msg, m->bits, m->mac);
            if (rc)
                return rc;
        }
        return 0;
    }

    /* The keystreams of one chunk side by side: on the stack for NAS-sized
     * messages, else one allocation for the largest chunk, made before any
     * MAC is written. */
    uint8_t stack_ks[8192], *ks = stack_ks;
    size_t need = 0;
    for (size_t i = 0; i < n; i += EIA_BATCH_CHUNK) {
        size_t sum = 0;
        for (size_t j = i; j < n && j < i + EIA_BATCH_CHUNK; j++)
            sum += eia_ks_len(alg, msgs[j].bits);
        if (sum > need)
            need = sum;
    }
    if (need > sizeof(stack_ks) && !(ks = malloc(need)))
        return -ENOMEM;

    struct sec_ks_job jobs[EIA_BATCH_CHUNK];
    uint8_t iv[EIA_BATCH_CHUNK][16];
    uint32_t (*word)(uint32_t, uint64_t) = have_clmul() ? eia3_word_clmul : eia3_word_soft;

    for (size_t i = 0; i < n; i += EIA_BATCH_CHUNK) {
        size_t c = n - i < EIA_BATCH_CHUNK ? n - i : EIA_BATCH_CHUNK, at = 0;
        for (size_t j = 0; j < c; j++) {
            const struct sec_eia_msg *m = &msgs[i + j];
            size_t len = eia_ks_len(alg, m->bits);
            if (alg == SEC_ALG_1)
                eia1_iv(iv[j], m->count, m->bearer, m->dir);
            else
                eia3_iv(iv[j], m->count, m->bearer, m->dir);
            jobs[j] = (struct sec_ks_job){m->key, iv[j], NULL, ks + at, len};
            at += len;
        }
        if (alg == SEC_ALG_1)
            snow3g_mb_xor(jobs, c);
        else
            zuc_mb_xor(jobs, c);
        for (size_t j = 0; j < c; j++) {
            struct sec_eia_msg *m = &msgs[i + j];
            if (alg == SEC_ALG_1) {
                uint32_t z[5];
                for (int k = 0; k < 5; k++)
                    z[k] = get_be32(jobs[j].out + 4 * k);
                eia1_mac(z, m->msg, m->bits, m->mac);
                OPENSSL_cleanse(z, sizeof(z));
            } else {
                eia3_mac_ks(jobs[j].out, m->msg, m->bits, m->mac, word);
            }
        }
        OPENSSL_cleanse(ks, at);
    }
    if (ks != stack_ks)
        free(ks);
    return 0;
}

/* -------------------------------------------------------------- dispatch -- */

int sec_integrity_init(struct sec_integrity *c, unsigned alg, const uint8_t key[SEC_KEY_LEN])
{
    memset(c, 0, sizeof(*c));
    if (alg >= SEC_ALG_COUNT)
        return -EINVAL;
    c->alg = (uint8_t)alg;
    memcpy(c->key, key, SEC_KEY_LEN);
    if (alg == SEC_ALG_2) {
        int rc = eia2_init(c);
        if (rc) {
            sec_integrity_free(c);
            return rc;
        }
    }
    return 0;
}

void sec_integrity_free(struct sec_integrity *c)
{
    EVP_MAC_CTX_free(c->cmac);
    EVP_CIPHER_CTX_free(c->ecb);
    c->cmac = NULL;
    c->ecb = NULL;
    OPENSSL_cleanse(c->key, sizeof(c->key));
    OPENSSL_cleanse(c->k1, sizeof(c->k1));
    OPENSSL_cleanse(c->k2, sizeof(c->k2));
}

int sec_integrity_mac(struct sec_integrity *c, uint32_t count, uint8_t bearer, uint8_t dir,
                      const uint8_t *msg, size_t bits, uint8_t mac[SEC_MAC_LEN])
{
    uint8_t prefix[8];

    if (bearer > 31 || dir > 1)
        return -EINVAL;
    switch (c->alg) {
    case SEC_ALG_0:
        memset(mac, 0, SEC_MAC_LEN); /* TS 33.401 5.1.4.1: EIA0 gives 32 zero bits */
        return 0;
    case SEC_ALG_1:
        eia1(c->key, count, bearer, dir, msg, bits, mac);
        return 0;
    case SEC_ALG_2:
        eia2_prefix(prefix, count, bearer, dir);
        if (bits % 8 == 0)
            return eia2_octets(c, prefix, msg, bits / 8, mac);
        return sec_eia2_cmac_bits(c, prefix, msg, bits, mac);
    case SEC_ALG_3:
        eia3(c->key, count, bearer, dir, msg, bits, mac);
        return 0;
    default:
        return -EINVAL;
    }
}

int sec_eia(unsigned alg, const uint8_t key[SEC_KEY_LEN], uint32_t count, uint8_t bearer,
            uint8_t dir, const uint8_t *msg, size_t bits, uint8_t mac[SEC_MAC_LEN])
{
    struct sec_integrity c;
    int rc = sec_integrity_init(&c, alg, key);

    if (rc == 0)
        rc = sec_integrity_mac(&c, count, bearer, dir, msg, bits, mac);
    sec_integrity_free(&c);
    return rc;
}
