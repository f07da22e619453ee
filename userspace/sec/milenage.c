/* Milenage (TS 35.206 clause 4). */
#include "sec/milenage.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sec/aes_block.h"

static void xor16(uint8_t *out, const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 16; i++)
        out[i] = a[i] ^ b[i];
}

int milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
    EVP_CIPHER_CTX *aes = sec_aes_ecb_new(k);
    uint8_t e[16];
    int rc;

    if (!aes)
        return -ENOMEM;
    rc = sec_aes_block(aes, op, e);
    EVP_CIPHER_CTX_free(aes);
    if (!rc)
        xor16(opc, e, op);
    OPENSSL_cleanse(e, sizeof(e));  /* E_K(OP): OPc is one xor away */
    return rc ? -EIO : 0;
}

int milenage_init(struct milenage *m, const uint8_t k[16], const uint8_t opc[16])
{
    m->aes = sec_aes_ecb_new(k);
    if (!m->aes)
        return -ENOMEM;
    memcpy(m->opc, opc, 16);
    return 0;
}

int milenage_init_op(struct milenage *m, const uint8_t k[16], const uint8_t op[16])
{
    uint8_t e[16];
    int rc;

    m->aes = sec_aes_ecb_new(k);
    if (!m->aes)
        return -ENOMEM;
    rc = sec_aes_block(m->aes, op, e);
    if (rc) {
        OPENSSL_cleanse(e, sizeof(e));
        milenage_free(m);
        return -EIO;
    }
    xor16(m->opc, e, op);
    OPENSSL_cleanse(e, sizeof(e));
    return 0;
}

void milenage_free(struct milenage *m)
{
    EVP_CIPHER_CTX_free(m->aes);
    m->aes = NULL;
    OPENSSL_cleanse(m->opc, sizeof(m->opc));
}

/* TEMP = E_K(RAND xor OPc).  Every intermediate below is cleansed on
 * every path: RAND is public, so RAND xor OPc is OPc, and TEMP and the
 * OUTn inputs are one AES away from the outputs. */
static int temp_of(struct milenage *m, const uint8_t rand[16], uint8_t temp[16])
{
    uint8_t x[16];
    int rc;

    xor16(x, rand, m->opc);
    rc = sec_aes_block(m->aes, x, temp);
    OPENSSL_cleanse(x, sizeof(x));
    return rc;
}

/* OUTn = E_K(rot(TEMP xor OPc, r) xor c) xor OPc, for n = 2..5 with the
 * rotations r2..r5 = 0, 32, 64, 96 bits and c2..c5 = 1, 2, 4, 8 in the last
 * octet (TS 35.206 4.1, constants of 4.2). */
static int out_n(struct milenage *m, const uint8_t temp[16], unsigned rot_octets, uint8_t c,
                 uint8_t out[16])
{
    uint8_t x[16];
    int rc;

    for (unsigned i = 0; i < 16; i++)
        x[i] = temp[(i + rot_octets) & 15] ^ m->opc[(i + rot_octets) & 15];
    x[15] ^= c;
    rc = sec_aes_block(m->aes, x, out);
    OPENSSL_cleanse(x, sizeof(x));
    if (rc)
        return -EIO;
    xor16(out, out, m->opc);
    return 0;
}

int milenage_f1(struct milenage *m, const uint8_t rand[16], const uint8_t sqn[6],
                const uint8_t amf[2], uint8_t mac_a[8], uint8_t mac_s[8])
{
    uint8_t temp[16], in1[16], x[16], out1[16];
    int rc = -EIO;

    if (temp_of(m, rand, temp))
        goto out;
    /* IN1 = SQN || AMF || SQN || AMF */
    memcpy(in1, sqn, 6);
    memcpy(in1 + 6, amf, 2);
    memcpy(in1 + 8, sqn, 6);
    memcpy(in1 + 14, amf, 2);
    /* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1 = 64) xor c1 = 0) xor OPc */
    for (int i = 0; i < 16; i++)
        x[i] = temp[i] ^ in1[(i + 8) & 15] ^ m->opc[(i + 8) & 15];
    if (sec_aes_block(m->aes, x, out1))
        goto out;
    xor16(out1, out1, m->opc);
    if (mac_a)
        memcpy(mac_a, out1, 8);
    if (mac_s)
        memcpy(mac_s, out1 + 8, 8);
    rc = 0;
out:
    OPENSSL_cleanse(temp, sizeof(temp));
    OPENSSL_cleanse(in1, sizeof(in1));
    OPENSSL_cleanse(x, sizeof(x));
    OPENSSL_cleanse(out1, sizeof(out1));
    return rc;
}

int milenage_f2345(struct milenage *m, const uint8_t rand[16], uint8_t res[8], uint8_t ck[16],
                   uint8_t ik[16], uint8_t ak[6], uint8_t ak_s[6])
{
    uint8_t temp[16], out[16];
    int rc = -EIO;

    if (temp_of(m, rand, temp))
        goto done;
    if (res || ak) {
        if (out_n(m, temp, 0, 1, out))
            goto done;
        if (ak)
            memcpy(ak, out, 6);
        if (res)
            memcpy(res, out + 8, 8);
    }
    if (ck && out_n(m, temp, 4, 2, ck))
        goto done;
    if (ik && out_n(m, temp, 8, 4, ik))
        goto done;
    if (ak_s) {
        if (out_n(m, temp, 12, 8, out))
            goto done;
        memcpy(ak_s, out, 6);
    }
    rc = 0;
done:
    OPENSSL_cleanse(temp, sizeof(temp));
    OPENSSL_cleanse(out, sizeof(out));
    return rc;
}
