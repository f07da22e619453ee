/* EPS confidentiality and integrity algorithms, dispatched by algorithm id
 * (TS 33.401 5.1.3, 5.1.4 and Annex B):
 *
 *   id  cipher     integrity   built on
 *   0   128-EEA0   128-EIA0    null (EIA0: MAC is four zero octets)
 *   1   128-EEA1   128-EIA1    SNOW 3G (snow3g.c), UEA2 f8 / UIA2 f9
 *   2   128-EEA2   128-EIA2    AES-128 (OpenSSL EVP): CTR / CMAC
 *   3   128-EEA3   128-EIA3    ZUC 1.6 (zuc.c)
 *
 * Every length is in BITS.  Inputs are read for ceil(bits/8) octets and the
 * bits past `bits` in the last octet are ignored; the cipher output has the
 * same ceil(bits/8) octets with the unused trailing bits set to zero, as in
 * the test data of TS 33.401 Annex C and the EEA3 specification.
 *
 * A keyed context (struct sec_cipher / struct sec_integrity) does the key
 * set-up once (AES key schedule, CMAC subkeys) and is then used for any
 * number of messages; it is not thread safe (the OpenSSL contexts inside are
 * re-initialised per message).  The one-shot sec_eea() / sec_eia() build a
 * context, use it once and free it.
 *
 * Errors: 0, or a negative errno: -EINVAL (algorithm id > 3, bearer > 31,
 * direction > 1), -ENOMEM, -EIO (OpenSSL failed). */
#ifndef XEPC_SEC_NAS_ALGS_H
#define XEPC_SEC_NAS_ALGS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum sec_alg {
    SEC_ALG_0 = 0, /* EEA0 / EIA0 */
    SEC_ALG_1 = 1, /* EEA1 / EIA1: SNOW 3G */
    SEC_ALG_2 = 2, /* EEA2 / EIA2: AES */
    SEC_ALG_3 = 3, /* EEA3 / EIA3: ZUC */
};
#define SEC_ALG_COUNT 4

#define SEC_KEY_LEN 16 /* 128-bit NAS / AS keys */
#define SEC_MAC_LEN 4  /* NAS-MAC, MAC-I */

struct sec_cipher {
    uint8_t alg;
    uint8_t key[SEC_KEY_LEN];
    EVP_CIPHER_CTX *aes; /* EEA2: AES-128-CTR, keyed once */
};

struct sec_integrity {
    uint8_t alg;
    uint8_t key[SEC_KEY_LEN];
    EVP_MAC_CTX *cmac;   /* EIA2, whole-octet messages: OpenSSL CMAC */
    EVP_CIPHER_CTX *ecb; /* EIA2, bit-length messages: AES-128-ECB blocks */
    uint8_t k1[16], k2[16]; /* EIA2: CMAC subkeys (SP 800-38B) */
};

int sec_cipher_init(struct sec_cipher *c, unsigned alg, const uint8_t key[SEC_KEY_LEN]);
void sec_cipher_free(struct sec_cipher *c);
/* out may equal in (in-place); otherwise they must not overlap. */
int sec_cipher_apply(struct sec_cipher *c, uint32_t count, uint8_t bearer, uint8_t dir,
                     const uint8_t *in, uint8_t *out, size_t bits);

int sec_integrity_init(struct sec_integrity *c, unsigned alg, const uint8_t key[SEC_KEY_LEN]);
void sec_integrity_free(struct sec_integrity *c);
int sec_integrity_mac(struct sec_integrity *c, uint32_t count, uint8_t bearer, uint8_t dir,
                      const uint8_t *msg, size_t bits, uint8_t mac[SEC_MAC_LEN]);

/* One-shot forms. */
int sec_eea(unsigned alg, const uint8_t key[SEC_KEY_LEN], uint32_t count, uint8_t bearer,
            uint8_t dir, const uint8_t *in, uint8_t *out, size_t bits);
int sec_eia(unsigned alg, const uint8_t key[SEC_KEY_LEN], uint32_t count, uint8_t bearer,
            uint8_t dir, const uint8_t *msg, size_t bits, uint8_t mac[SEC_MAC_LEN]);

/* Batches: many messages, each with its own key, COUNT, BEARER and
 * DIRECTION, under one algorithm.  Why: a single SNOW 3G or ZUC stream is
 * bound by its serial FSM, but independent messages can be clocked together
 * in SIMD lanes (keystream_mb.h), so an MME or eNB with several messages to
 * protect at once (many UEs) gets them for little more than the cost of
 * one.  EEA1/EIA1 and EEA3/EIA3 take that path; 0 and 2 go message by
 * message.  Every message is checked before any output is written:
 * -EINVAL (alg > 3, bearer > 31 or dir > 1 in any message), -ENOMEM, -EIO. */
struct sec_eea_msg {
    const uint8_t *key; /* SEC_KEY_LEN octets */
    uint32_t count;
    uint8_t bearer, dir;
    const uint8_t *in;
    uint8_t *out; /* may equal in */
    size_t bits;
};

struct sec_eia_msg {
    const uint8_t *key; /* SEC_KEY_LEN octets */
    uint32_t count;
    uint8_t bearer, dir;
    const uint8_t *msg;
    size_t bits;
    uint8_t mac[SEC_MAC_LEN]; /* out */
};

int sec_eea_batch(unsigned alg, const struct sec_eea_msg *msgs, size_t n);
int sec_eia_batch(unsigned alg, struct sec_eia_msg *msgs, size_t n);

/* Algorithm selection (TS 33.401 7.2.4.2, 8.2): the first algorithm of
 * the operator's preference list that the UE supports.  ue_caps is the
 * octet of the UE network capability IE (TS 24.301 9.9.3.34) listing
 * them: bit 8 (0x80) is EEA0/EIA0, bit 7 EEA1/EIA1, bit 6 EEA2/EIA2, bit 5
 * EEA3/EIA3.  pref NULL means the default preference, 2, 3, 1 (AES, ZUC,
 * SNOW 3G).
 *
 * Ciphering never falls to EEA0 while the UE supports a real cipher,
 * whatever the list says: EEA0 is chosen only when the UE has none of
 * EEA1-3.  Integrity never chooses EIA0 (only for unauthenticated
 * emergency calls, TS 33.401 5.1.4.1, which the caller sets up itself).
 * Returns the id, or -1 when nothing fits (the MME rejects: the UE has no
 * integrity algorithm in common with us). */
int sec_select_eea(uint8_t ue_caps, const uint8_t *pref, size_t n);
int sec_select_eia(uint8_t ue_caps, const uint8_t *pref, size_t n);

/* "EEA2", "EIA0", ... for logs; "?" for an unknown id. */
const char *sec_eea_name(unsigned alg);
const char *sec_eia_name(unsigned alg);

#endif
