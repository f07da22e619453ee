/* TS 33.220 B.2 KDF and TS 33.401 Annex A. */
#include "sec/kdf.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* The HMAC implementation is fetched once per process: an immutable
 * algorithm handle, not state; fetching it per call costs more than the
 * HMAC itself. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static EVP_MAC_CTX *hmac_start(const uint8_t *key, size_t key_len)
{
    static char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *ctx;

    pthread_once(&hmac_once, hmac_fetch);
    if (!hmac_alg)
        return NULL;
    ctx = EVP_MAC_CTX_new(hmac_alg);
    if (ctx && EVP_MAC_init(ctx, key, key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static int hmac_finish(EVP_MAC_CTX *ctx, uint8_t out[32])
{
    size_t n = 0;
    int ok = EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32;

    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -EIO;
}

int sec_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                    uint8_t out[32])
{
    EVP_MAC_CTX *ctx = hmac_start(key, key_len);

    if (!ctx)
        return -EIO;
    if (EVP_MAC_update(ctx, data, len) != 1) {
        EVP_MAC_CTX_free(ctx);
        return -EIO;
    }
    return hmac_finish(ctx, out);
}

int sec_kdf(const uint8_t *key, size_t key_len, uint8_t fc, const struct sec_kdf_param *params,
            size_t n, uint8_t out[32])
{
    /* S is assembled in one buffer: one EVP_MAC_update instead of 2n+1. */
    uint8_t s[256];
    size_t len = 0;

    s[len++] = fc;
    for (size_t i = 0; i < n; i++) {
        if (len + params[i].len + 2 > sizeof(s))
            return -EINVAL;
        memcpy(s + len, params[i].p, params[i].len);
        len += params[i].len;
        s[len++] = (uint8_t)(params[i].len >> 8);
        s[len++] = (uint8_t)params[i].len;
    }
    int rc = sec_hmac_sha256(key, key_len, s, len, out);
    OPENSSL_cleanse(s, len);
    return rc;
}

int sec_kasme(const uint8_t ck[16], const uint8_t ik[16], const uint8_t sn_id[3],
              const uint8_t sqn_xor_ak[6], uint8_t kasme[32])
{
    uint8_t key[32];
    const struct sec_kdf_param p[] = {{sn_id, 3}, {sqn_xor_ak, 6}};

    memcpy(key, ck, 16);
    memcpy(key + 16, ik, 16);
    int rc = sec_kdf(key, sizeof(key), 0x10, p, 2, kasme);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int sec_alg_key(const uint8_t key[32], enum sec_alg_type type, uint8_t alg_id, uint8_t out[16])
{
    uint8_t t = (uint8_t)type, full[32];
    const struct sec_kdf_param p[] = {{&t, 1}, {&alg_id, 1}};
    int rc = sec_kdf(key, 32, 0x15, p, 2, full);

    if (rc == 0)
        memcpy(out, full + 16, 16);
    OPENSSL_cleanse(full, sizeof(full));
    return rc;
}

int sec_kenb(const uint8_t kasme[32], uint32_t ul_nas_count, uint8_t kenb[32])
{
    const uint8_t c[4] = {(uint8_t)(ul_nas_count >> 24), (uint8_t)(ul_nas_count >> 16),
                          (uint8_t)(ul_nas_count >> 8), (uint8_t)ul_nas_count};
    const struct sec_kdf_param p[] = {{c, 4}};

    return sec_kdf(kasme, 32, 0x11, p, 1, kenb);
}

int sec_nh(const uint8_t kasme[32], const uint8_t sync_input[32], uint8_t nh[32])
{
    const struct sec_kdf_param p[] = {{sync_input, 32}};

    return sec_kdf(kasme, 32, 0x12, p, 1, nh);
}

int sec_kenb_star(const uint8_t key[32], uint16_t pci, uint32_t earfcn_dl, uint8_t out[32])
{
    const uint8_t p0[2] = {(uint8_t)(pci >> 8), (uint8_t)pci};
    uint8_t p1[3];
    struct sec_kdf_param p[] = {{p0, 2}, {p1, 2}};

    if (earfcn_dl > 0xffffff)
        return -EINVAL;
    if (earfcn_dl <= 0xffff) {
        p1[0] = (uint8_t)(earfcn_dl >> 8);
        p1[1] = (uint8_t)earfcn_dl;
    } else {
        p1[0] = (uint8_t)(earfcn_dl >> 16);
        p1[1] = (uint8_t)(earfcn_dl >> 8);
        p1[2] = (uint8_t)earfcn_dl;
        p[1].len = 3;
    }
    return sec_kdf(key, 32, 0x13, p, 2, out);
}

int sec_plmn_to_sn_id(const char *mccmnc, uint8_t sn_id[3])
{
    size_t n = strlen(mccmnc);
    uint8_t d[6];

    if (n != 5 && n != 6)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (mccmnc[i] < '0' || mccmnc[i] > '9')
            return -EINVAL;
        d[i] = (uint8_t)(mccmnc[i] - '0');
    }
    /* octet 1: MCC digit 2 | MCC digit 1; octet 2: MNC digit 3 (f when the
     * MNC has two digits) | MCC digit 3; octet 3: MNC digit 2 | digit 1. */
    sn_id[0] = (uint8_t)(d[1] << 4 | d[0]);
    sn_id[1] = (uint8_t)((n == 6 ? d[5] : 0xf) << 4 | d[2]);
    sn_id[2] = (uint8_t)(d[4] << 4 | d[3]);
    return 0;
}
