/* EPS NAS security layer: TS 24.301 4.4 (NAS security), 9.1 (security
 * protected NAS message), 8.2.25 (SERVICE REQUEST), TS 33.401 5.1.3-5.1.4
 * and Annex B (the algorithms' inputs).  See nas_security.h. */
#include "nas/nas_security.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sec/kdf.h"

const char *nas_sec_err_str(enum nas_sec_err e)
{
    switch (e) {
    case NAS_SEC_OK: return "ok";
    case NAS_SEC_ERR_INVALID: return "invalid argument";
    case NAS_SEC_ERR_TOO_SHORT: return "message shorter than its security header";
    case NAS_SEC_ERR_HDR_RESERVED: return "reserved security header type";
    case NAS_SEC_ERR_HDR_UNSUPPORTED: return "unsupported security header type";
    case NAS_SEC_ERR_NO_CONTEXT: return "protected message without a security context";
    case NAS_SEC_ERR_BAD_ALG: return "unknown algorithm id";
    case NAS_SEC_ERR_MAC: return "NAS-MAC does not verify";
    case NAS_SEC_ERR_REPLAY: return "replayed message (NAS COUNT already used)";
    case NAS_SEC_ERR_COUNT_EXHAUSTED: return "NAS COUNT exhausted";
    case NAS_SEC_ERR_NO_SPACE: return "output buffer too small";
    case NAS_SEC_ERR_CRYPTO: return "crypto library failure";
    }
    return "unknown error";
}

const char *nas_sec_hdr_str(unsigned hdr)
{
    switch (hdr) {
    case NAS_SEC_HDR_PLAIN: return "plain";
    case NAS_SEC_HDR_INTEGRITY: return "integrity protected";
    case NAS_SEC_HDR_INTEGRITY_CIPHERED: return "integrity protected and ciphered";
    case NAS_SEC_HDR_INTEGRITY_NEW_CTX: return "integrity protected with new EPS security context";
    case NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX:
        return "integrity protected and ciphered with new EPS security context";
    case NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED:
        return "integrity protected and partially ciphered";
    case NAS_SEC_HDR_SERVICE_REQUEST: return "security header for SERVICE REQUEST";
    }
    return "reserved";
}

enum nas_sec_err nas_sec_ctx_init(struct nas_sec_ctx *c, enum nas_sec_role role, uint8_t ksi,
                                  uint8_t eea, uint8_t eia,
                                  const uint8_t knas_enc[SEC_KEY_LEN],
                                  const uint8_t knas_int[SEC_KEY_LEN])
{
    memset(c, 0, sizeof(*c));
    if (eea >= SEC_ALG_COUNT || eia >= SEC_ALG_COUNT)
        return NAS_SEC_ERR_BAD_ALG;
    if (ksi > 7 || (role != NAS_SEC_ROLE_NETWORK && role != NAS_SEC_ROLE_UE))
        return NAS_SEC_ERR_INVALID;
    c->role = role;
    c->ksi = ksi;
    c->eea = eea;
    c->eia = eia;
    memcpy(c->knas_enc, knas_enc, SEC_KEY_LEN);
    memcpy(c->knas_int, knas_int, SEC_KEY_LEN);
    if (sec_cipher_init(&c->cipher, eea, knas_enc) ||
        sec_integrity_init(&c->integrity, eia, knas_int)) {
        nas_sec_ctx_free(c);
        return NAS_SEC_ERR_CRYPTO;
    }
    return NAS_SEC_OK;
}

enum nas_sec_err nas_sec_ctx_init_kasme(struct nas_sec_ctx *c, enum nas_sec_role role,
                                        uint8_t ksi, uint8_t eea, uint8_t eia,
                                        const uint8_t kasme[32])
{
    uint8_t kenc[SEC_KEY_LEN], kint[SEC_KEY_LEN];
    enum nas_sec_err e;

    memset(c, 0, sizeof(*c));
    if (eea >= SEC_ALG_COUNT || eia >= SEC_ALG_COUNT)
        return NAS_SEC_ERR_BAD_ALG;
    /* TS 33.401 A.7 */
    if (sec_alg_key(kasme, SEC_NAS_ENC, eea, kenc) || sec_alg_key(kasme, SEC_NAS_INT, eia, kint))
        return NAS_SEC_ERR_CRYPTO;
    e = nas_sec_ctx_init(c, role, ksi, eea, eia, kenc, kint);
    OPENSSL_cleanse(kenc, sizeof(kenc));
    OPENSSL_cleanse(kint, sizeof(kint));
    return e;
}

void nas_sec_ctx_free(struct nas_sec_ctx *c)
{
    sec_cipher_free(&c->cipher);
    sec_integrity_free(&c->integrity);
    OPENSSL_cleanse(c->knas_enc, sizeof(c->knas_enc));
    OPENSSL_cleanse(c->knas_int, sizeof(c->knas_int));
}

enum nas_sec_err nas_sec_peek(const uint8_t *pdu, size_t len, struct nas_sec_info *info)
{
    struct nas_sec_info tmp;

    if (!info)
        info = &tmp;
    memset(info, 0, sizeof(*info));
    info->ksi = 7;
    if (!pdu || len < 1)
        return NAS_SEC_ERR_TOO_SHORT;
    info->pd = pdu[0] & 0x0f;
    /* Only EMM has a security header; in ESM those bits are the EPS
     * bearer identity (TS 24.301 9.3.1, 9.3.2). */
    if (info->pd != NAS_PD_EMM)
        return NAS_SEC_OK;
    info->hdr = pdu[0] >> 4;
    switch (info->hdr) {
    case NAS_SEC_HDR_PLAIN:
        return NAS_SEC_OK;
    case NAS_SEC_HDR_INTEGRITY:
    case NAS_SEC_HDR_INTEGRITY_CIPHERED:
    case NAS_SEC_HDR_INTEGRITY_NEW_CTX:
    case NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX:
    case NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED:
        /* The security header and at least one octet of message. */
        if (len < NAS_SEC_HDR_LEN + 1)
            return NAS_SEC_ERR_TOO_SHORT;
        info->mac = (uint32_t)pdu[1] << 24 | (uint32_t)pdu[2] << 16 | (uint32_t)pdu[3] << 8 | pdu[4];
        info->sqn = pdu[5];
        return info->hdr == NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED ? NAS_SEC_ERR_HDR_UNSUPPORTED
                                                                     : NAS_SEC_OK;
    case NAS_SEC_HDR_SERVICE_REQUEST:
        if (len < NAS_SEC_SERVICE_REQUEST_LEN)
            return NAS_SEC_ERR_TOO_SHORT;
        /* 9.9.3.19 KSI and sequence number; 9.9.3.28 short MAC */
        info->ksi = pdu[1] >> 5;
        info->sqn = pdu[1] & 0x1f;
        info->mac = (uint32_t)pdu[2] << 8 | pdu[3];
        return NAS_SEC_OK;
    default:
        return NAS_SEC_ERR_HDR_RESERVED;
    }
}

static int is_ciphered(unsigned hdr)
{
    return hdr == NAS_SEC_HDR_INTEGRITY_CIPHERED || hdr == NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX;
}

/* The NAS-MAC over data[0..len) under count (TS 24.301 4.4.3.3: BEARER 0). */
static int nas_mac(struct nas_sec_ctx *c, uint32_t count, uint8_t dir, const uint8_t *data,
                   size_t len, uint8_t mac[SEC_MAC_LEN])
{
    return sec_integrity_mac(&c->integrity, count, NAS_SEC_BEARER, dir, data, 8 * len, mac);
}

enum nas_sec_err nas_protect(struct nas_sec_ctx *c, enum nas_sec_hdr hdr, const uint8_t *msg,
                             size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t dir, mac[SEC_MAC_LEN];
    uint32_t *count;

    if (out_len)
        *out_len = 0;
    if (!c || !msg || !out || !out_len)
        return NAS_SEC_ERR_INVALID;
    if (c->role == NAS_SEC_ROLE_NETWORK) {
        dir = NAS_SEC_DOWNLINK;
        count = &c->dl_count;
    } else {
        dir = NAS_SEC_UPLINK;
        count = &c->ul_count;
    }
    if (*count > NAS_COUNT_MAX)
        return NAS_SEC_ERR_COUNT_EXHAUSTED;

    if (hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        /* 8.2.25: sent by the UE only; octet 2 = KSI | 5 LSBs of COUNT,
         * octets 3-4 = the 2 least significant octets of the NAS-MAC over
         * octets 1-2 (9.9.3.28). */
        if (c->role != NAS_SEC_ROLE_UE || len < 2 || msg[0] != (NAS_SEC_HDR_SERVICE_REQUEST << 4 | NAS_PD_EMM))
            return NAS_SEC_ERR_INVALID;
        if (cap < NAS_SEC_SERVICE_REQUEST_LEN)
            return NAS_SEC_ERR_NO_SPACE;
        out[0] = msg[0];
        out[1] = (uint8_t)((msg[1] & 0xe0) | (*count & 0x1f));
        if (nas_mac(c, *count, dir, out, 2, mac))
            return NAS_SEC_ERR_CRYPTO;
        out[2] = mac[2];
        out[3] = mac[3];
        *out_len = NAS_SEC_SERVICE_REQUEST_LEN;
        (*count)++;
        return NAS_SEC_OK;
    }

    if (hdr < NAS_SEC_HDR_INTEGRITY || hdr > NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX || len < 1)
        return NAS_SEC_ERR_INVALID;
    if (cap < len + NAS_SEC_HDR_LEN)
        return NAS_SEC_ERR_NO_SPACE;
    /* 9.1: header, MAC, SQN, message; 4.4.5: cipher the message, then MAC
     * over SQN || ciphered message. */
    out[0] = (uint8_t)(hdr << 4 | NAS_PD_EMM);
    out[5] = (uint8_t)*count;
    if (is_ciphered(hdr)) {
        if (sec_cipher_apply(&c->cipher, *count, NAS_SEC_BEARER, dir, msg, out + NAS_SEC_HDR_LEN,
                             8 * len))
            return NAS_SEC_ERR_CRYPTO;
    } else {
        memcpy(out + NAS_SEC_HDR_LEN, msg, len);
    }
    if (nas_mac(c, *count, dir, out + 5, len + 1, mac))
        return NAS_SEC_ERR_CRYPTO;
    memcpy(out + 1, mac, SEC_MAC_LEN);
    *out_len = len + NAS_SEC_HDR_LEN;
    (*count)++;
    return NAS_SEC_OK;
}

/* Checks the PDU's MAC under count: 1 it verifies, 0 it does not, -1 error. */
static int mac_ok(struct nas_sec_ctx *c, const struct nas_sec_info *info, uint32_t count,
                  uint8_t dir, const uint8_t *pdu, size_t len)
{
    uint8_t mac[SEC_MAC_LEN];

    if (info->hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        if (nas_mac(c, count, dir, pdu, 2, mac))
            return -1;
        return CRYPTO_memcmp(mac + 2, pdu + 2, 2) == 0;
    }
    if (nas_mac(c, count, dir, pdu + 5, len - 5, mac))
        return -1;
    return CRYPTO_memcmp(mac, pdu + 1, SEC_MAC_LEN) == 0;
}

/* The inner message to out: deciphered under count, or copied. */
static enum nas_sec_err deliver(struct nas_sec_ctx *c, const struct nas_sec_info *info,
                                uint32_t count, uint8_t dir, const uint8_t *pdu, size_t len,
                                uint8_t *out, size_t *out_len)
{
    if (info->hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        memcpy(out, pdu, NAS_SEC_SERVICE_REQUEST_LEN);
        *out_len = NAS_SEC_SERVICE_REQUEST_LEN;
        return NAS_SEC_OK;
    }
    size_t n = len - NAS_SEC_HDR_LEN;
    if (is_ciphered(info->hdr)) {
        if (sec_cipher_apply(&c->cipher, count, NAS_SEC_BEARER, dir, pdu + NAS_SEC_HDR_LEN, out,
                             8 * n))
            return NAS_SEC_ERR_CRYPTO;
    } else {
        memcpy(out, pdu + NAS_SEC_HDR_LEN, n);
    }
    *out_len = n;
    return NAS_SEC_OK;
}

enum nas_sec_err nas_unprotect(struct nas_sec_ctx *c, const uint8_t *pdu, size_t len,
                               uint8_t *out, size_t cap, size_t *out_len,
                               struct nas_sec_info *info)
{
    struct nas_sec_info tmp;
    enum nas_sec_err e;

    if (!info)
        info = &tmp;
    if (!out || !out_len) {
        memset(info, 0, sizeof(*info));
        return NAS_SEC_ERR_INVALID;
    }
    *out_len = 0;
    e = nas_sec_peek(pdu, len, info);
    if (e != NAS_SEC_OK)
        return e;

    if (info->hdr == NAS_SEC_HDR_PLAIN) {
        if (cap < len)
            return NAS_SEC_ERR_NO_SPACE;
        memcpy(out, pdu, len);
        *out_len = len;
        return NAS_SEC_OK;
    }

    int sr = info->hdr == NAS_SEC_HDR_SERVICE_REQUEST;
    size_t inner = sr ? NAS_SEC_SERVICE_REQUEST_LEN : len - NAS_SEC_HDR_LEN;
    if (cap < inner)
        return NAS_SEC_ERR_NO_SPACE;

    if (!c) {
        /* 4.4.4.3: some messages are processed without integrity; hand
         * over what can be read without keys. */
        if (!is_ciphered(info->hdr))
            deliver(NULL, info, 0, 0, pdu, len, out, out_len);
        return NAS_SEC_ERR_NO_CONTEXT;
    }

    uint8_t dir;
    uint32_t *count;
    if (c->role == NAS_SEC_ROLE_NETWORK) {
        dir = NAS_SEC_UPLINK;
        count = &c->ul_count;
    } else {
        dir = NAS_SEC_DOWNLINK;
        count = &c->dl_count;
    }

    /* 4.4.3.1: estimate the NAS COUNT from the SQN (8 bits, or 5 for
     * SERVICE REQUEST): the smallest COUNT >= the next expected one with
     * those low bits; below the expected low bits means the overflow
     * counter moved on. */
    const uint32_t mask = sr ? 0x1f : 0xff;
    const uint32_t expected = *count;
    uint32_t older = (expected & ~mask) | info->sqn, est = older;
    int replay_candidate = 0;
    if (older < expected) {
        est = older + mask + 1;
        replay_candidate = 1;
    }
    if (expected > NAS_COUNT_MAX || est > NAS_COUNT_MAX)
        return NAS_SEC_ERR_COUNT_EXHAUSTED;
    info->count = est;

    if (c->eia != SEC_ALG_0) {
        int ok = mac_ok(c, info, est, dir, pdu, len);
        if (ok < 0)
            return NAS_SEC_ERR_CRYPTO;
        if (!ok) {
            /* 4.4.3.2: a COUNT is accepted at most once.  If the MAC
             * verifies under the older COUNT the SQN names, this is a
             * message already received: a replay. */
            if (replay_candidate) {
                int old_ok = mac_ok(c, info, older, dir, pdu, len);
                if (old_ok < 0)
                    return NAS_SEC_ERR_CRYPTO;
                if (old_ok) {
                    info->count = older;
                    return NAS_SEC_ERR_REPLAY;
                }
            }
            e = deliver(c, info, est, dir, pdu, len, out, out_len);
            info->ciphered = is_ciphered(info->hdr);
            return e != NAS_SEC_OK ? e : NAS_SEC_ERR_MAC;
        }
        info->integrity_verified = true;
    }
    /* EIA0 (TS 33.401 5.1.4.1): no MAC to check and no replay protection. */
    e = deliver(c, info, est, dir, pdu, len, out, out_len);
    if (e != NAS_SEC_OK)
        return e;
    info->ciphered = is_ciphered(info->hdr);
    *count = est + 1;
    return NAS_SEC_OK;
}
