/* Single AES-128 block encryptions through OpenSSL EVP (ECB, no padding),
 * keyed once: for Milenage and the CMAC of bit-length EIA2 messages. */
#ifndef XEPC_SEC_AES_BLOCK_H
#define XEPC_SEC_AES_BLOCK_H

#include <stdint.h>

#include <openssl/evp.h>

/* A new AES-128-ECB encryption context keyed with key, or NULL. */
EVP_CIPHER_CTX *sec_aes_ecb_new(const uint8_t key[16]);

/* out = E_K(in), 16 octets; in and out may be equal.  0 or -EIO. */
static inline int sec_aes_block(EVP_CIPHER_CTX *ctx, const uint8_t in[16], uint8_t out[16])
{
    int n = 0;
    return EVP_EncryptUpdate(ctx, out, &n, in, 16) == 1 && n == 16 ? 0 : -5 /* -EIO */;
}

#endif
