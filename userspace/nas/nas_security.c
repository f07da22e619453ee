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

/* The COUNT of the direction this end sends, and that DIRECTION. */
static uint32_t *send_count(struct nas_sec_ctx *c, uint8_t *dir)
{
    if (c->role == NAS_SEC_ROLE_NETWORK) {
        *dir = NAS_SEC_DOWNLINK;
        return &c->dl_count;
    }
    *dir = NAS_SEC_UPLINK;
    return &c->ul_count;
}

/* nas_protect() up to the crypto: every check, then the octets of the
 * security header that do not depend on it.  Shared with the batch, so
 * that both refuse the same things with the same errors. */
static enum nas_sec_err protect_begin(struct nas_sec_ctx *c, enum nas_sec_hdr hdr,
                                      const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    uint8_t dir;

    if (!c || !msg || !out)
        return NAS_SEC_ERR_INVALID;
    const uint32_t count = *send_count(c, &dir);
    if (count > NAS_COUNT_MAX)
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
        out[1] = (uint8_t)((msg[1] & 0xe0) | (count & 0x1f));
        return NAS_SEC_OK;
    }

    if (hdr < NAS_SEC_HDR_INTEGRITY || hdr > NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX || len < 1)
        return NAS_SEC_ERR_INVALID;
    if (cap < len + NAS_SEC_HDR_LEN)
        return NAS_SEC_ERR_NO_SPACE;
    /* 9.1: header, MAC, SQN, message. */
    out[0] = (uint8_t)(hdr << 4 | NAS_PD_EMM);
    out[5] = (uint8_t)count;
    return NAS_SEC_OK;
}

/* The octets the NAS-MAC covers (4.4.3.3): SQN || message as sent, or,
 * for SERVICE REQUEST, octets 1-2. */
static size_t mac_input(enum nas_sec_hdr hdr, uint8_t *out, size_t len, const uint8_t **data)
{
    if (hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        *data = out;
        return 2;
    }
    *data = out + 5;
    return len + 1;
}

/* The message into the PDU: ciphered one by one (4.4.5), or copied. */
static enum nas_sec_err protect_cipher(struct nas_sec_ctx *c, enum nas_sec_hdr hdr,
                                       const uint8_t *msg, size_t len, uint8_t *out)
{
    uint8_t dir;
    const uint32_t count = *send_count(c, &dir);

    if (hdr == NAS_SEC_HDR_SERVICE_REQUEST)
        return NAS_SEC_OK;
    if (!is_ciphered(hdr)) {
        memcpy(out + NAS_SEC_HDR_LEN, msg, len);
        return NAS_SEC_OK;
    }
    if (sec_cipher_apply(&c->cipher, count, NAS_SEC_BEARER, dir, msg, out + NAS_SEC_HDR_LEN,
                         8 * len))
        return NAS_SEC_ERR_CRYPTO;
    return NAS_SEC_OK;
}

/* The NAS-MAC of an item one by one, after its ciphering. */
static enum nas_sec_err protect_mac(struct nas_sec_ctx *c, enum nas_sec_hdr hdr, uint8_t *out,
                                    size_t len, uint8_t mac[SEC_MAC_LEN])
{
    const uint8_t *data;
    size_t n = mac_input(hdr, out, len, &data);
    uint8_t dir;
    const uint32_t count = *send_count(c, &dir);

    return nas_mac(c, count, dir, data, n, mac) ? NAS_SEC_ERR_CRYPTO : NAS_SEC_OK;
}

/* The MAC into the PDU, its length, and the COUNT moves on. */
static size_t protect_finish(struct nas_sec_ctx *c, enum nas_sec_hdr hdr, size_t len,
                             uint8_t *out, const uint8_t mac[SEC_MAC_LEN])
{
    uint8_t dir;

    (*send_count(c, &dir))++;
    if (hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        out[2] = mac[2];
        out[3] = mac[3];
        return NAS_SEC_SERVICE_REQUEST_LEN;
    }
    memcpy(out + 1, mac, SEC_MAC_LEN);
    return len + NAS_SEC_HDR_LEN;
}

enum nas_sec_err nas_protect(struct nas_sec_ctx *c, enum nas_sec_hdr hdr, const uint8_t *msg,
                             size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t mac[SEC_MAC_LEN];
    enum nas_sec_err e;

    if (out_len)
        *out_len = 0;
    if (!out_len)
        return NAS_SEC_ERR_INVALID;
    /* 4.4.5: cipher the message, then MAC over SQN || ciphered message. */
    if ((e = protect_begin(c, hdr, msg, len, out, cap)) != NAS_SEC_OK ||
        (e = protect_cipher(c, hdr, msg, len, out)) != NAS_SEC_OK ||
        (e = protect_mac(c, hdr, out, len, mac)) != NAS_SEC_OK)
        return e;
    *out_len = protect_finish(c, hdr, len, out, mac);
    return NAS_SEC_OK;
}

/* ------------------------------------------------------------- batch -- */

/* Items per pass of the batch: the sec batch functions' own chunk. */
#define NAS_BATCH_CHUNK 64

/* rank[i] = how many items before i have the same context (ctx[0..n)); the
 * items of one rank ("wave") have distinct contexts and are protected
 * together, wave after wave, so a context's items take its COUNTs in array
 * order.  A small open-addressed table of the contexts seen.  Returns the
 * number of waves. */
static unsigned occurrence_ranks(struct nas_sec_ctx *const *ctx, size_t n, uint8_t *rank)
{
    struct { const struct nas_sec_ctx *c; uint8_t seen; } slot[2 * NAS_BATCH_CHUNK];
    unsigned waves = 1;

    memset(slot, 0, sizeof(slot));
    for (size_t i = 0; i < n; i++) {
        if (!ctx[i]) { /* fails (or needs no COUNT): any wave will do */
            rank[i] = 0;
            continue;
        }
        size_t h = (size_t)(((uintptr_t)ctx[i] >> 4) * 0x9e3779b97f4a7c15ull >> 32) %
                   (2 * NAS_BATCH_CHUNK);
        while (slot[h].c && slot[h].c != ctx[i])
            h = (h + 1) % (2 * NAS_BATCH_CHUNK);
        slot[h].c = ctx[i];
        rank[i] = slot[h].seen++;
        if (rank[i] + 1u > waves)
            waves = rank[i] + 1u;
    }
    return waves;
}

/*
 * The batch functions' common walk: the items in chunks of NAS_BATCH_CHUNK,
 * each chunk in waves of distinct contexts (occurrence_ranks()), wave(items
 * of the chunk, indexes of the wave) for each.  Returns the items failed.
 */
static size_t run_in_waves(void *items, size_t n, size_t size,
                           struct nas_sec_ctx *(*ctx_of)(const void *items, size_t i),
                           bool (*failed_at)(const void *items, size_t i),
                           void (*wave)(void *items, const size_t *idx, size_t m))
{
    size_t failed = 0;

    for (size_t i = 0; i < n; i += NAS_BATCH_CHUNK) {
        void *it = (uint8_t *)items + i * size;
        size_t c = n - i < NAS_BATCH_CHUNK ? n - i : NAS_BATCH_CHUNK, idx[NAS_BATCH_CHUNK];
        struct nas_sec_ctx *ctx[NAS_BATCH_CHUNK];
        uint8_t rank[NAS_BATCH_CHUNK];
        for (size_t j = 0; j < c; j++)
            ctx[j] = ctx_of(it, j);
        unsigned waves = occurrence_ranks(ctx, c, rank);

        for (unsigned w = 0; w < waves; w++) {
            size_t m = 0;
            for (size_t j = 0; j < c; j++)
                if (rank[j] == w)
                    idx[m++] = j;
            wave(it, idx, m);
        }
        for (size_t j = 0; j < c; j++)
            failed += failed_at(it, j);
    }
    return failed;
}

/* Ciphering of the wave's items idx[0..m) still without error: EEA1 and
 * EEA3 through sec_eea_batch(), the rest one by one.  Should a batch call
 * fail, its items are redone one by one, each with its own result. */
static void batch_cipher(struct nas_protect_item *it, const size_t *idx, size_t m)
{
    struct sec_eea_msg msgs[2][NAS_BATCH_CHUNK];
    size_t who[2][NAS_BATCH_CHUNK], k[2] = {0, 0};

    for (size_t j = 0; j < m; j++) {
        struct nas_protect_item *p = &it[idx[j]];
        struct nas_sec_ctx *c = p->ctx;
        if (p->err != NAS_SEC_OK)
            continue;
        unsigned alg = c->cipher.alg;
        if (is_ciphered(p->hdr) && (alg == SEC_ALG_1 || alg == SEC_ALG_3)) {
            unsigned g = alg == SEC_ALG_3;
            uint8_t dir;
            uint32_t count = *send_count(c, &dir);
            msgs[g][k[g]] = (struct sec_eea_msg){c->cipher.key, count, NAS_SEC_BEARER, dir,
                                                 p->msg, p->out + NAS_SEC_HDR_LEN, 8 * p->len};
            who[g][k[g]++] = idx[j];
        } else {
            p->err = protect_cipher(c, p->hdr, p->msg, p->len, p->out);
        }
    }
    for (unsigned g = 0; g < 2; g++) {
        if (k[g] == 0 || sec_eea_batch(g ? SEC_ALG_3 : SEC_ALG_1, msgs[g], k[g]) == 0)
            continue;
        for (size_t j = 0; j < k[g]; j++) {
            struct nas_protect_item *p = &it[who[g][j]];
            p->err = protect_cipher(p->ctx, p->hdr, p->msg, p->len, p->out);
        }
    }
}

/* The NAS-MACs of the wave's items still without error (after the
 * ciphering: the MAC covers the ciphered message), then each item is
 * finished: MAC in place, length, COUNT + 1.  EIA1 and EIA3 through
 * sec_eia_batch(), the rest (and a failed batch) one by one. */
static void batch_mac(struct nas_protect_item *it, const size_t *idx, size_t m)
{
    struct sec_eia_msg msgs[2][NAS_BATCH_CHUNK];
    size_t who[2][NAS_BATCH_CHUNK], k[2] = {0, 0};
    uint8_t mac[SEC_MAC_LEN];

    for (size_t j = 0; j < m; j++) {
        struct nas_protect_item *p = &it[idx[j]];
        struct nas_sec_ctx *c = p->ctx;
        if (p->err != NAS_SEC_OK)
            continue;
        unsigned alg = c->integrity.alg;
        if (alg == SEC_ALG_1 || alg == SEC_ALG_3) {
            unsigned g = alg == SEC_ALG_3;
            const uint8_t *data;
            size_t bytes = mac_input(p->hdr, p->out, p->len, &data);
            uint8_t dir;
            uint32_t count = *send_count(c, &dir);
            msgs[g][k[g]] = (struct sec_eia_msg){c->integrity.key, count, NAS_SEC_BEARER, dir,
                                                 data, 8 * bytes, {0}};
            who[g][k[g]++] = idx[j];
        } else if ((p->err = protect_mac(c, p->hdr, p->out, p->len, mac)) == NAS_SEC_OK) {
            p->out_len = protect_finish(c, p->hdr, p->len, p->out, mac);
        }
    }
    for (unsigned g = 0; g < 2; g++) {
        if (k[g] == 0)
            continue;
        int ok = sec_eia_batch(g ? SEC_ALG_3 : SEC_ALG_1, msgs[g], k[g]) == 0;
        for (size_t j = 0; j < k[g]; j++) {
            struct nas_protect_item *p = &it[who[g][j]];
            const uint8_t *m4 = msgs[g][j].mac;
            if (!ok) {
                p->err = protect_mac(p->ctx, p->hdr, p->out, p->len, mac);
                m4 = mac;
            }
            if (p->err == NAS_SEC_OK)
                p->out_len = protect_finish(p->ctx, p->hdr, p->len, p->out, m4);
        }
    }
}

/* One wave of nas_protect_batch(): items it[idx[0..m)], distinct contexts. */
static void protect_wave(void *items, const size_t *idx, size_t m)
{
    struct nas_protect_item *it = items;

    for (size_t j = 0; j < m; j++) {
        struct nas_protect_item *p = &it[idx[j]];
        p->out_len = 0;
        p->err = protect_begin(p->ctx, p->hdr, p->msg, p->len, p->out, p->cap);
    }
    /* TS 24.301 4.4.5: cipher first, then the MAC over SQN || ciphered
     * message; the COUNTs move on only at the end. */
    batch_cipher(it, idx, m);
    batch_mac(it, idx, m);
}

static struct nas_sec_ctx *protect_item_ctx(const void *items, size_t i)
{
    return ((const struct nas_protect_item *)items)[i].ctx;
}

static bool protect_item_failed(const void *items, size_t i)
{
    return ((const struct nas_protect_item *)items)[i].err != NAS_SEC_OK;
}

size_t nas_protect_batch(struct nas_protect_item *items, size_t n)
{
    return items ? run_in_waves(items, n, sizeof(*items), protect_item_ctx,
                                protect_item_failed, protect_wave)
                 : n;
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

/* What unprotect_begin() found for a protected PDU with a context. */
struct unprotect_est {
    uint8_t dir;
    uint32_t *count;            /* the receive COUNT to move on */
    uint32_t est, older;        /* estimated COUNT; the older one the SQN names */
    int replay_candidate;
};

/* nas_unprotect() up to the MAC check: parsing, capacity, the context, the
 * COUNT estimate.  Returns 1 with *x filled (info->count = x->est) when
 * the MAC (and deciphering) remain to be done; 0 when *e is the final
 * result.  Shared with the batch. */
static int unprotect_begin(struct nas_sec_ctx *c, const uint8_t *pdu, size_t len, uint8_t *out,
                           size_t cap, size_t *out_len, struct nas_sec_info *info,
                           enum nas_sec_err *e, struct unprotect_est *x)
{
    if (!out || !out_len) {
        memset(info, 0, sizeof(*info));
        *e = NAS_SEC_ERR_INVALID;
        return 0;
    }
    *out_len = 0;
    *e = nas_sec_peek(pdu, len, info);
    if (*e != NAS_SEC_OK)
        return 0;

    if (info->hdr == NAS_SEC_HDR_PLAIN) {
        if (cap < len) {
            *e = NAS_SEC_ERR_NO_SPACE;
            return 0;
        }
        memcpy(out, pdu, len);
        *out_len = len;
        return 0;
    }

    int sr = info->hdr == NAS_SEC_HDR_SERVICE_REQUEST;
    size_t inner = sr ? NAS_SEC_SERVICE_REQUEST_LEN : len - NAS_SEC_HDR_LEN;
    if (cap < inner) {
        *e = NAS_SEC_ERR_NO_SPACE;
        return 0;
    }

    if (!c) {
        /* 4.4.4.3: some messages are processed without integrity; hand
         * over what can be read without keys. */
        if (!is_ciphered(info->hdr))
            deliver(NULL, info, 0, 0, pdu, len, out, out_len);
        *e = NAS_SEC_ERR_NO_CONTEXT;
        return 0;
    }

    if (c->role == NAS_SEC_ROLE_NETWORK) {
        x->dir = NAS_SEC_UPLINK;
        x->count = &c->ul_count;
    } else {
        x->dir = NAS_SEC_DOWNLINK;
        x->count = &c->dl_count;
    }

    /* 4.4.3.1: estimate the NAS COUNT from the SQN (8 bits, or 5 for
     * SERVICE REQUEST): the smallest COUNT >= the next expected one with
     * those low bits; below the expected low bits means the overflow
     * counter moved on. */
    const uint32_t mask = sr ? 0x1f : 0xff;
    const uint32_t expected = *x->count;
    x->est = (expected & ~mask) | info->sqn;
    if (x->est < expected)
        x->est += mask + 1;
    /* The COUNT one SQN wrap earlier is below the expected one: a message
     * whose MAC verifies there is a replay (4.4.3.2), whether or not the
     * expected COUNT's low bits passed the SQN (before, only then; a
     * replay of the message just before a wrap of the SQN was reported as
     * a MAC failure; found by fuzz_nas_unprotect). */
    x->replay_candidate = x->est > mask;
    x->older = x->est - (mask + 1);
    if (expected > NAS_COUNT_MAX || x->est > NAS_COUNT_MAX) {
        /* 4.4.3.2: no new message fits in the COUNT space any more, but
         * one whose MAC verifies under the last COUNT with its SQN below
         * the next expected one is still a replay, and says so (the
         * caller must not take a replayed old message for the need to
         * re-key).  Found by fuzz_nas_unprotect. */
        uint32_t cand = x->older;

        if (c->eia != SEC_ALG_0 && x->replay_candidate && cand <= NAS_COUNT_MAX) {
            int ok = mac_ok(c, info, cand, x->dir, pdu, len);

            if (ok != 0) {
                if (ok > 0)
                    info->count = cand;
                *e = ok > 0 ? NAS_SEC_ERR_REPLAY : NAS_SEC_ERR_CRYPTO;
                return 0;
            }
        }
        *e = NAS_SEC_ERR_COUNT_EXHAUSTED;
        return 0;
    }
    info->count = x->est;
    return 1;
}

/* A MAC that does not verify under the estimated COUNT. */
static enum nas_sec_err unprotect_mac_failed(struct nas_sec_ctx *c, struct nas_sec_info *info,
                                             const struct unprotect_est *x, const uint8_t *pdu,
                                             size_t len, uint8_t *out, size_t *out_len)
{
    /* 4.4.3.2: a COUNT is accepted at most once.  If the MAC verifies
     * under the older COUNT the SQN names, this is a message already
     * received: a replay. */
    if (x->replay_candidate) {
        int old_ok = mac_ok(c, info, x->older, x->dir, pdu, len);
        if (old_ok < 0)
            return NAS_SEC_ERR_CRYPTO;
        if (old_ok) {
            info->count = x->older;
            return NAS_SEC_ERR_REPLAY;
        }
    }
    enum nas_sec_err e = deliver(c, info, x->est, x->dir, pdu, len, out, out_len);
    info->ciphered = is_ciphered(info->hdr);
    return e != NAS_SEC_OK ? e : NAS_SEC_ERR_MAC;
}

enum nas_sec_err nas_unprotect(struct nas_sec_ctx *c, const uint8_t *pdu, size_t len,
                               uint8_t *out, size_t cap, size_t *out_len,
                               struct nas_sec_info *info)
{
    struct nas_sec_info tmp;
    struct unprotect_est x;
    enum nas_sec_err e;

    if (!info)
        info = &tmp;
    if (!unprotect_begin(c, pdu, len, out, cap, out_len, info, &e, &x))
        return e;

    if (c->eia != SEC_ALG_0) {
        int ok = mac_ok(c, info, x.est, x.dir, pdu, len);
        if (ok < 0)
            return NAS_SEC_ERR_CRYPTO;
        if (!ok)
            return unprotect_mac_failed(c, info, &x, pdu, len, out, out_len);
        info->integrity_verified = true;
    }
    /* EIA0 (TS 33.401 5.1.4.1): no MAC to check and no replay protection. */
    e = deliver(c, info, x.est, x.dir, pdu, len, out, out_len);
    if (e != NAS_SEC_OK)
        return e;
    info->ciphered = is_ciphered(info->hdr);
    *x.count = x.est + 1;
    return NAS_SEC_OK;
}

/* ----------------------------------------------------- unprotect batch -- */

/* Deciphering and completion of one verified item (COUNT moves on). */
static void unprotect_finish(struct nas_unprotect_item *p, const struct unprotect_est *x,
                             enum nas_sec_err e)
{
    if (e == NAS_SEC_OK) {
        p->out_len = p->info.hdr == NAS_SEC_HDR_SERVICE_REQUEST ? NAS_SEC_SERVICE_REQUEST_LEN
                                                                 : p->len - NAS_SEC_HDR_LEN;
        p->info.ciphered = is_ciphered(p->info.hdr);
        *x->count = x->est + 1;
    }
    p->err = e;
}

/* One wave (distinct contexts) of items idx[0..m). */
static void unprotect_wave(void *items, const size_t *idx, size_t m)
{
    struct nas_unprotect_item *it = items;
    struct unprotect_est x[NAS_BATCH_CHUNK];
    struct sec_eia_msg mmsg[2][NAS_BATCH_CHUNK];
    struct sec_eea_msg cmsg[2][NAS_BATCH_CHUNK];
    size_t who[2][NAS_BATCH_CHUNK], k[2] = {0, 0}, ready[NAS_BATCH_CHUNK], r = 0;

    /* Checks and the COUNT estimate; MACs of EIA0/EIA2 one by one. */
    for (size_t j = 0; j < m; j++) {
        struct nas_unprotect_item *p = &it[idx[j]];
        struct nas_sec_ctx *c = p->ctx;
        if (!unprotect_begin(c, p->pdu, p->len, p->out, p->cap, &p->out_len, &p->info, &p->err,
                             &x[j]))
            continue;
        unsigned alg = c->integrity.alg;
        if (c->eia == SEC_ALG_0) {
            ready[r++] = j;
        } else if (alg == SEC_ALG_1 || alg == SEC_ALG_3) {
            unsigned g = alg == SEC_ALG_3;
            int sr = p->info.hdr == NAS_SEC_HDR_SERVICE_REQUEST;
            mmsg[g][k[g]] = (struct sec_eia_msg){c->integrity.key, x[j].est, NAS_SEC_BEARER,
                                                 x[j].dir, sr ? p->pdu : p->pdu + 5,
                                                 8 * (sr ? 2 : p->len - 5), {0}};
            who[g][k[g]++] = j;
        } else {
            int ok = mac_ok(c, &p->info, x[j].est, x[j].dir, p->pdu, p->len);
            if (ok < 0)
                p->err = NAS_SEC_ERR_CRYPTO;
            else if (!ok)
                p->err = unprotect_mac_failed(c, &p->info, &x[j], p->pdu, p->len, p->out,
                                              &p->out_len);
            else {
                p->info.integrity_verified = true;
                ready[r++] = j;
            }
        }
    }
    /* EIA1/EIA3 MACs together; a MAC that does not verify goes the way
     * nas_unprotect() takes (replay check, deliver, NAS_SEC_ERR_MAC). */
    for (unsigned g = 0; g < 2; g++) {
        if (k[g] == 0)
            continue;
        int batch_ok = sec_eia_batch(g ? SEC_ALG_3 : SEC_ALG_1, mmsg[g], k[g]) == 0;
        for (size_t q = 0; q < k[g]; q++) {
            size_t j = who[g][q];
            struct nas_unprotect_item *p = &it[idx[j]];
            int ok;
            if (!batch_ok)
                ok = mac_ok(p->ctx, &p->info, x[j].est, x[j].dir, p->pdu, p->len);
            else if (p->info.hdr == NAS_SEC_HDR_SERVICE_REQUEST)
                ok = CRYPTO_memcmp(mmsg[g][q].mac + 2, p->pdu + 2, 2) == 0;
            else
                ok = CRYPTO_memcmp(mmsg[g][q].mac, p->pdu + 1, SEC_MAC_LEN) == 0;
            if (ok < 0)
                p->err = NAS_SEC_ERR_CRYPTO;
            else if (!ok)
                p->err = unprotect_mac_failed(p->ctx, &p->info, &x[j], p->pdu, p->len, p->out,
                                              &p->out_len);
            else {
                p->info.integrity_verified = true;
                ready[r++] = j;
            }
        }
    }
    /* Deciphering of the accepted: EEA1/EEA3 together, the rest one by one. */
    k[0] = k[1] = 0;
    for (size_t q = 0; q < r; q++) {
        size_t j = ready[q];
        struct nas_unprotect_item *p = &it[idx[j]];
        struct nas_sec_ctx *c = p->ctx;
        unsigned alg = c->cipher.alg;
        if (is_ciphered(p->info.hdr) && (alg == SEC_ALG_1 || alg == SEC_ALG_3)) {
            unsigned g = alg == SEC_ALG_3;
            cmsg[g][k[g]] = (struct sec_eea_msg){c->cipher.key, x[j].est, NAS_SEC_BEARER,
                                                 x[j].dir, p->pdu + NAS_SEC_HDR_LEN, p->out,
                                                 8 * (p->len - NAS_SEC_HDR_LEN)};
            who[g][k[g]++] = j;
        } else {
            size_t n;
            unprotect_finish(p, &x[j],
                             deliver(c, &p->info, x[j].est, x[j].dir, p->pdu, p->len, p->out, &n));
        }
    }
    for (unsigned g = 0; g < 2; g++) {
        if (k[g] == 0)
            continue;
        int batch_ok = sec_eea_batch(g ? SEC_ALG_3 : SEC_ALG_1, cmsg[g], k[g]) == 0;
        for (size_t q = 0; q < k[g]; q++) {
            size_t j = who[g][q], n;
            struct nas_unprotect_item *p = &it[idx[j]];
            enum nas_sec_err e = NAS_SEC_OK;
            if (!batch_ok)
                e = deliver(p->ctx, &p->info, x[j].est, x[j].dir, p->pdu, p->len, p->out, &n);
            unprotect_finish(p, &x[j], e);
        }
    }
}

static struct nas_sec_ctx *unprotect_item_ctx(const void *items, size_t i)
{
    return ((const struct nas_unprotect_item *)items)[i].ctx;
}

static bool unprotect_item_failed(const void *items, size_t i)
{
    return ((const struct nas_unprotect_item *)items)[i].err != NAS_SEC_OK;
}

size_t nas_unprotect_batch(struct nas_unprotect_item *items, size_t n)
{
    return items ? run_in_waves(items, n, sizeof(*items), unprotect_item_ctx,
                                unprotect_item_failed, unprotect_wave)
                 : n;
}
