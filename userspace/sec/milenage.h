/* Milenage, the 3GPP example authentication and key generation functions
 * f1, f1*, f2, f3, f4, f5, f5* (TS 35.206), on AES-128 from OpenSSL.
 *
 * A struct milenage holds one subscriber's K (as a keyed AES context, so
 * that the key schedule is done once) and OPc; it is not thread safe.
 * Errors: 0, -ENOMEM, -EIO (OpenSSL failed). */
#ifndef XEPC_SEC_MILENAGE_H
#define XEPC_SEC_MILENAGE_H

#include <stdint.h>

#include <openssl/evp.h>

#define MILENAGE_KEY_LEN 16
#define MILENAGE_RAND_LEN 16
#define MILENAGE_SQN_LEN 6
#define MILENAGE_AMF_LEN 2
#define MILENAGE_MAC_LEN 8
#define MILENAGE_RES_LEN 8
#define MILENAGE_AK_LEN 6

struct milenage {
    EVP_CIPHER_CTX *aes; /* AES-128-ECB keyed with K */
    uint8_t opc[16];
};

/* OPc = E_K(OP) xor OP (TS 35.206 4.1). */
int milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

int milenage_init(struct milenage *m, const uint8_t k[16], const uint8_t opc[16]);
/* As milenage_init() with OPc computed from OP. */
int milenage_init_op(struct milenage *m, const uint8_t k[16], const uint8_t op[16]);
void milenage_free(struct milenage *m);

/* f1 (MAC-A) and f1* (MAC-S) over RAND, SQN, AMF; either output may be NULL. */
int milenage_f1(struct milenage *m, const uint8_t rand[16], const uint8_t sqn[6],
                const uint8_t amf[2], uint8_t mac_a[8], uint8_t mac_s[8]);

/* f2 (RES), f3 (CK), f4 (IK), f5 (AK) and f5* (AK for re-synchronisation)
 * over RAND; any output may be NULL (and is then not computed). */
int milenage_f2345(struct milenage *m, const uint8_t rand[16], uint8_t res[8], uint8_t ck[16],
                   uint8_t ik[16], uint8_t ak[6], uint8_t ak_s[6]);

#endif
