/* Authentication vectors, SQN management and re-synchronisation
 * (TS 33.102 6.3, Annex C; TS 33.401 6.1). */
#include "sec/auth_vector.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sec/kdf.h"

const char *sec_auth_err_str(enum sec_auth_err e)
{
    switch (e) {
    case SEC_AUTH_OK: return "ok";
    case SEC_AUTH_MAC_FAILURE: return "MAC failure (MAC-A in AUTN does not verify)";
    case SEC_AUTH_SYNCH_FAILURE: return "synch failure (SQN not acceptable)";
    case SEC_AUTH_NOT_EPS: return "non-EPS authentication unacceptable (AMF separation bit clear)";
    case SEC_AUTH_MAC_S_FAILURE: return "MAC-S in AUTS does not verify";
    case SEC_AUTH_SEQ_EXHAUSTED: return "SEQ exhausted";
    case SEC_AUTH_CRYPTO: return "crypto library failure";
    }
    return "unknown error";
}

uint64_t sec_sqn_get(const uint8_t b[6])
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | b[i];
    return v;
}

void sec_sqn_put(uint8_t b[6], uint64_t sqn)
{
    for (int i = 5; i >= 0; i--, sqn >>= 8)
        b[i] = (uint8_t)sqn;
}

void sec_eps_vector_cleanse(struct sec_eps_vector *v)
{
    OPENSSL_cleanse(v, sizeof(*v));
}

enum sec_auth_err sec_eps_vector_make(struct milenage *m, uint64_t sqn, const uint8_t amf[2],
                                      const uint8_t sn_id[3], const uint8_t *rand,
                                      struct sec_eps_vector *v)
{
    uint8_t sqn_b[6], conc[6];
    enum sec_auth_err e = SEC_AUTH_CRYPTO;

    if (rand)
        memcpy(v->rand, rand, 16);
    else if (RAND_bytes(v->rand, 16) != 1)
        goto out;
    v->sqn = sqn;
    sec_sqn_put(sqn_b, sqn);
    if (milenage_f2345(m, v->rand, v->xres, v->ck, v->ik, v->ak, NULL) ||
        milenage_f1(m, v->rand, sqn_b, amf, v->autn + 8, NULL))
        goto out;
    /* AUTN = SQN xor AK || AMF || MAC-A (TS 33.102 6.3.2) */
    for (int i = 0; i < 6; i++)
        conc[i] = sqn_b[i] ^ v->ak[i];
    memcpy(v->autn, conc, 6);
    memcpy(v->autn + 6, amf, 2);
    /* TS 33.401 A.2 */
    if (sec_kasme(v->ck, v->ik, sn_id, conc, v->kasme))
        goto out;
    e = SEC_AUTH_OK;
out:
    /* a half-made vector holds CK, IK, XRES or AK: none of it leaves */
    if (e != SEC_AUTH_OK)
        sec_eps_vector_cleanse(v);
    OPENSSL_cleanse(conc, sizeof(conc));
    return e;
}

enum sec_auth_err sec_he_eps_vector(struct milenage *m, struct sec_sqn_he *he,
                                    const uint8_t amf[2], const uint8_t sn_id[3],
                                    struct sec_eps_vector *v)
{
    /* TS 33.401 6.1.2: the "separation bit", AMF bit 0, is 1 in vectors for
     * E-UTRAN. */
    const uint8_t eps_amf[2] = {(uint8_t)(amf[0] | 0x80), amf[1]};

    if (he->seq_he >= SEC_SEQ_MAX)
        return SEC_AUTH_SEQ_EXHAUSTED;
    uint64_t seq = he->seq_he + 1;
    uint64_t sqn = seq << SEC_SQN_IND_BITS | (he->ind & (SEC_SQN_IND_COUNT - 1));
    enum sec_auth_err e = sec_eps_vector_make(m, sqn, eps_amf, sn_id, NULL, v);

    if (e == SEC_AUTH_OK) {
        he->seq_he = seq;
        he->ind = (uint8_t)((he->ind + 1) % SEC_SQN_IND_COUNT);
    }
    return e;
}

enum sec_auth_err sec_he_resync(struct milenage *m, struct sec_sqn_he *he, const uint8_t rand[16],
                                const uint8_t auts[14], uint64_t *sqn_ms)
{
    static const uint8_t amf_star[2] = {0, 0}; /* TS 33.102 6.3.3: dummy AMF */
    uint8_t ak_s[6], sqn_b[6], mac_s[8];

    enum sec_auth_err e = SEC_AUTH_CRYPTO;

    if (milenage_f2345(m, rand, NULL, NULL, NULL, NULL, ak_s))
        goto out;
    for (int i = 0; i < 6; i++)
        sqn_b[i] = auts[i] ^ ak_s[i];
    if (milenage_f1(m, rand, sqn_b, amf_star, NULL, mac_s))
        goto out;
    e = CRYPTO_memcmp(mac_s, auts + 6, 8) ? SEC_AUTH_MAC_S_FAILURE : SEC_AUTH_OK;
out:
    OPENSSL_cleanse(ak_s, sizeof(ak_s));
    OPENSSL_cleanse(mac_s, sizeof(mac_s));
    if (e != SEC_AUTH_OK)
        return e;
    uint64_t sqn = sec_sqn_get(sqn_b);
    if (sqn_ms)
        *sqn_ms = sqn;
    if (he) {
        /* TS 33.102 6.3.5: keep SEQ_HE if the next SEQ it makes would be
         * accepted by the USIM, otherwise take SEQ_MS. */
        uint64_t seq_ms = sqn >> SEC_SQN_IND_BITS;
        if (seq_ms >= he->seq_he || he->seq_he + 1 > seq_ms + SEC_SQN_DELTA)
            he->seq_he = seq_ms;
    }
    return SEC_AUTH_OK;
}

static uint64_t seq_ms_max(const struct sec_usim_sqn *usim)
{
    uint64_t max = 0;
    for (unsigned i = 0; i < SEC_SQN_IND_COUNT; i++)
        if (usim->seq_ms[i] > max)
            max = usim->seq_ms[i];
    return max;
}

bool sec_usim_sqn_acceptable(const struct sec_usim_sqn *usim, uint64_t sqn)
{
    uint64_t seq = sqn >> SEC_SQN_IND_BITS, max = seq_ms_max(usim);
    unsigned ind = sqn & (SEC_SQN_IND_COUNT - 1);

    /* TS 33.102 C.2.1: fresher than the last one used with this IND. */
    if (seq <= usim->seq_ms[ind])
        return false;
    /* C.2.2: not too far ahead of the highest accepted (DELTA)... */
    if (seq > max + SEC_SQN_DELTA)
        return false;
    /* ...and not too old (L). */
    if (seq + SEC_SQN_AGE_LIMIT <= max)
        return false;
    return true;
}

enum sec_auth_err sec_usim_auts(struct milenage *m, const uint8_t rand[16], uint64_t sqn_ms,
                                uint8_t auts[14])
{
    static const uint8_t amf_star[2] = {0, 0};
    uint8_t ak_s[6], sqn_b[6];

    enum sec_auth_err e = SEC_AUTH_CRYPTO;

    sec_sqn_put(sqn_b, sqn_ms);
    if (!milenage_f2345(m, rand, NULL, NULL, NULL, NULL, ak_s) &&
        !milenage_f1(m, rand, sqn_b, amf_star, NULL, auts + 6)) {
        for (int i = 0; i < 6; i++)
            auts[i] = sqn_b[i] ^ ak_s[i];
        e = SEC_AUTH_OK;
    }
    OPENSSL_cleanse(ak_s, sizeof(ak_s));
    return e;
}

enum sec_auth_err sec_usim_authenticate(struct milenage *m, struct sec_usim_sqn *usim,
                                        const uint8_t rand[16], const uint8_t autn[16], bool eps,
                                        uint8_t res[8], uint8_t ck[16], uint8_t ik[16],
                                        uint8_t auts[14])
{
    uint8_t ak[6], sqn_b[6], xmac[8], r[8], c[16], i_[16];
    enum sec_auth_err e = SEC_AUTH_OK;

    if (milenage_f2345(m, rand, r, c, i_, ak, NULL)) {
        e = SEC_AUTH_CRYPTO;
        goto done;
    }
    for (int i = 0; i < 6; i++)
        sqn_b[i] = autn[i] ^ ak[i];
    if (milenage_f1(m, rand, sqn_b, autn + 6, xmac, NULL)) {
        e = SEC_AUTH_CRYPTO;
        goto done;
    }
    /* TS 33.102 6.3.3: MAC first, then the separation bit (TS 33.401
     * 6.1.2), then SQN. */
    if (CRYPTO_memcmp(xmac, autn + 8, 8) != 0) {
        e = SEC_AUTH_MAC_FAILURE;
        goto done;
    }
    if (eps && !(autn[6] & 0x80)) {
        e = SEC_AUTH_NOT_EPS;
        goto done;
    }
    uint64_t sqn = sec_sqn_get(sqn_b);
    if (!sec_usim_sqn_acceptable(usim, sqn)) {
        uint64_t max = seq_ms_max(usim);
        /* SQN_MS: the highest accepted, with IND 0. */
        if (auts)
            e = sec_usim_auts(m, rand, max << SEC_SQN_IND_BITS, auts);
        if (e == SEC_AUTH_OK)
            e = SEC_AUTH_SYNCH_FAILURE;
        goto done;
    }
    usim->seq_ms[sqn & (SEC_SQN_IND_COUNT - 1)] = sqn >> SEC_SQN_IND_BITS;
    if (res)
        memcpy(res, r, 8);
    if (ck)
        memcpy(ck, c, 16);
    if (ik)
        memcpy(ik, i_, 16);
done:
    OPENSSL_cleanse(r, sizeof(r));
    OPENSSL_cleanse(xmac, sizeof(xmac));
    OPENSSL_cleanse(c, sizeof(c));
    OPENSSL_cleanse(i_, sizeof(i_));
    OPENSSL_cleanse(ak, sizeof(ak));
    return e;
}
