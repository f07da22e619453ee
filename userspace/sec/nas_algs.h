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

/* "EEA2", "EIA0", ... for logs; "?" for an unknown id. */
const char *sec_eea_name(unsigned alg);
const char *sec_eia_name(unsigned alg);

#endif
