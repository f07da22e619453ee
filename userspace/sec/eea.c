/* 128-EEA0/1/2/3 (TS 33.401 Annex B.1) over bit lengths. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sec/keystream_mb.h"
#include "sec/nas_algs.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

const char *sec_eea_name(unsigned alg)
{
    static const char *const names[] = {"EEA0", "EEA1", "EEA2", "EEA3"};
    return alg < SEC_ALG_COUNT ? names[alg] : "?";
}

int sec_cipher_init(struct sec_cipher *c, unsigned alg, const uint8_t key[SEC_KEY_LEN])
{
    memset(c, 0, sizeof(*c));
    if (alg >= SEC_ALG_COUNT)
        return -EINVAL;
    c->alg = (uint8_t)alg;
    memcpy(c->key, key, SEC_KEY_LEN);
    if (alg == SEC_ALG_2) {
        c->aes = EVP_CIPHER_CTX_new();
        if (!c->aes)
            return -ENOMEM;
        if (EVP_EncryptInit_ex(c->aes, EVP_aes_128_ctr(), NULL, key, NULL) != 1) {
            sec_cipher_free(c);
            return -EIO;
        }
    }
    return 0;
}

void sec_cipher_free(struct sec_cipher *c)
{
    EVP_CIPHER_CTX_free(c->aes);
    c->aes = NULL;
    OPENSSL_cleanse(c->key, sizeof(c->key));
}

/* COUNT || BEARER || DIRECTION || 0..0, the IV shape shared by EEA2 (T1,
 * B.1.3) and EEA3 (the first half of its IV, EEA3 spec 3.3). */
static void count_bearer_dir(uint8_t iv[8], uint32_t count, uint8_t bearer, uint8_t dir)
{
    iv[0] = (uint8_t)(count >> 24);
    iv[1] = (uint8_t)(count >> 16);
    iv[2] = (uint8_t)(count >> 8);
    iv[3] = (uint8_t)count;
    iv[4] = (uint8_t)(bearer << 3 | dir << 2);
    iv[5] = iv[6] = iv[7] = 0;
}

int sec_cipher_apply(struct sec_cipher *c, uint32_t count, uint8_t bearer, uint8_t dir,
                     const uint8_t *in, uint8_t *out, size_t bits)
{
    size_t len = (bits + 7) / 8;
    uint8_t iv[16];

    if (bearer > 31 || dir > 1)
        return -EINVAL;
    if (len == 0)
        return 0;
    switch (c->alg) {
    case SEC_ALG_0:
        if (out != in)
            memmove(out, in, len);
        break;
    case SEC_ALG_1: {
        /* UEA2 f8 (UEA2 & UIA2 Document 1, 3.4.1) with COUNT-C = COUNT:
         * IV3 = COUNT, IV2 = BEARER || DIRECTION || 0^26, IV1 = IV3, IV0 = IV2. */
        struct snow3g st;
        count_bearer_dir(iv, count, bearer, dir);
        memcpy(iv + 8, iv, 8);
        snow3g_init(&st, c->key, iv);
        snow3g_xor(&st, in, out, len);
        OPENSSL_cleanse(&st, sizeof(st));
        break;
    }
    case SEC_ALG_2: {
        /* B.1.3: AES-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64. */
        int n = 0, m = 0;
        count_bearer_dir(iv, count, bearer, dir);
        memset(iv + 8, 0, 8);
        if (EVP_EncryptInit_ex(c->aes, NULL, NULL, NULL, iv) != 1 ||
            EVP_EncryptUpdate(c->aes, out, &n, in, (int)len) != 1 ||
            EVP_EncryptFinal_ex(c->aes, out + n, &m) != 1 || (size_t)(n + m) != len)
            return -EIO;
        break;
    }
    case SEC_ALG_3: {
        /* EEA3 spec 3.3: IV = COUNT || BEARER || DIRECTION || 0^26, twice. */
        struct zuc st;
        count_bearer_dir(iv, count, bearer, dir);
        memcpy(iv + 8, iv, 8);
        zuc_init(&st, c->key, iv);
        zuc_xor(&st, in, out, len);
        OPENSSL_cleanse(&st, sizeof(st));
        break;
    }
    default:
        return -EINVAL;
    }
    /* The bits past LENGTH in the last octet are zero in the output. */
    if (bits % 8)
        out[len - 1] &= (uint8_t)(0xff00 >> (bits % 8));
    return 0;
}

int sec_eea(unsigned alg, const uint8_t key[SEC_KEY_LEN], uint32_t count, uint8_t bearer,
            uint8_t dir, const uint8_t *in, uint8_t *out, size_t bits)
{
    struct sec_cipher c;
    int rc = sec_cipher_init(&c, alg, key);

    if (rc == 0)
        rc = sec_cipher_apply(&c, count, bearer, dir, in, out, bits);
    sec_cipher_free(&c);
    return rc;
}

/* Messages per call of the multi-buffer code: several groups of lanes, the
 * IVs on the stack. */
#define EEA_BATCH_CHUNK 64

int sec_eea_batch(unsigned alg, const struct sec_eea_msg *msgs, size_t n)
{
    if (alg >= SEC_ALG_COUNT)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (msgs[i].bearer > 31 || msgs[i].dir > 1)
            return -EINVAL;
    if (alg == SEC_ALG_0 || alg == SEC_ALG_2) {
        for (size_t i = 0; i < n; i++) {
            const struct sec_eea_msg *m = &msgs[i];
            int rc = sec_eea(alg, m->key, m->count, m->bearer, m->dir, m->in, m->out, m->bits);
            if (rc)
                return rc;
        }
        return 0;
    }

    struct sec_ks_job jobs[EEA_BATCH_CHUNK];
    uint8_t iv[EEA_BATCH_CHUNK][16];

    for (size_t i = 0; i < n; i += EEA_BATCH_CHUNK) {
        size_t c = n - i < EEA_BATCH_CHUNK ? n - i : EEA_BATCH_CHUNK;
        for (size_t j = 0; j < c; j++) {
            const struct sec_eea_msg *m = &msgs[i + j];
            /* The same IV for both: UEA2 f8 with COUNT-C = COUNT (EEA1)
             * and the EEA3 IV are COUNT || BEARER || DIRECTION || 0^26,
             * twice (see sec_cipher_apply). */
            count_bearer_dir(iv[j], m->count, m->bearer, m->dir);
            memcpy(iv[j] + 8, iv[j], 8);
            jobs[j] = (struct sec_ks_job){m->key, iv[j], m->in, m->out, (m->bits + 7) / 8};
        }
        if (alg == SEC_ALG_1)
            snow3g_mb_xor(jobs, c);
        else
            zuc_mb_xor(jobs, c);
        for (size_t j = 0; j < c; j++) {
            const struct sec_eea_msg *m = &msgs[i + j];
            if (m->bits % 8)
                m->out[m->bits / 8] &= (uint8_t)(0xff00 >> (m->bits % 8));
        }
    }
    return 0;
}
