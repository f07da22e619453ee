/* Secrets are cleansed (issue 8): Milenage's intermediates (RAND xor OPc,
 * TEMP, the inputs of every OUTn, OUT1 of f1, E_K(OP)), the EPS vector on
 * failure, and whatever auth_vector.c derives on the way.
 *
 * How it is observed: this program defines OPENSSL_cleanse() itself, so
 * that the calls from the project's code (linked statically into it)
 * reach this one instead of libcrypto's.  It keeps a copy of every region
 * before zeroing it; a test then computes the intermediate values with
 * OpenSSL on its own and checks that each was handed to OPENSSL_cleanse().
 * What this cannot see: copies the compiler makes in registers or spill
 * slots, and buffers cleansed with memset/explicit_bzero instead (none in
 * the code tested here). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sec/auth_vector.h"
#include "sec/milenage.h"

#define SNAP_MAX 512
#define SNAP_LEN 64

static struct {
    size_t len;
    uint8_t v[SNAP_LEN];
} snaps[SNAP_MAX];
static unsigned nsnaps;

void OPENSSL_cleanse(void *ptr, size_t len)
{
    volatile uint8_t *p = ptr;

    if (nsnaps < SNAP_MAX) {
        snaps[nsnaps].len = len;
        memcpy(snaps[nsnaps].v, ptr, len < SNAP_LEN ? len : SNAP_LEN);
        nsnaps++;
    }
    for (size_t i = 0; i < len; i++)
        p[i] = 0;
}

/* Was a region holding these 16 (or n) octets cleansed since the reset? */
static bool cleansed(const uint8_t *want, size_t n)
{
    for (unsigned i = 0; i < nsnaps; i++)
        for (size_t off = 0; off + n <= snaps[i].len && off + n <= SNAP_LEN; off++)
            if (!memcmp(snaps[i].v + off, want, n))
                return true;
    return false;
}

/* ... as a region of exactly n octets (the function's own buffer, not a
 * larger one of Milenage that happens to contain the value) */
static bool cleansed_exact(const uint8_t *want, size_t n)
{
    for (unsigned i = 0; i < nsnaps; i++)
        if (snaps[i].len == n && !memcmp(snaps[i].v, want, n))
            return true;
    return false;
}

#define assert_cleansed_exact(buf, n, what)                                                \
    do {                                                                                   \
        if (!cleansed_exact((buf), (n)))                                                   \
            fail_msg("%s: no %zu-octet buffer holding it was cleansed", what, (size_t)(n)); \
    } while (0)

#define assert_cleansed(buf, n, what)                                                      \
    do {                                                                                   \
        if (!cleansed((buf), (n))) {                                                       \
            char h_[2 * 64 + 1];                                                           \
            hex_encode((buf), (n), h_);                                                    \
            fail_msg("%s (%s) was never passed to OPENSSL_cleanse()", what, h_);           \
        }                                                                                  \
    } while (0)

/* TS 35.208 test set 1 */
static uint8_t K[16], OP[16], OPC[16], RAND[16], SQN[6], AMF[2];

static int setup(void **state)
{
    (void)state;
    hx("465b5ce8b199b49faa5f0a2ee238a6bc", K, 16);
    hx("cdc202d5123e20f62b6d676ac72cb318", OP, 16);
    hx("cd63cb71954a9f4e48a5994e37a02baf", OPC, 16);
    hx("23553cbe9637a89d218ae64dae47bf35", RAND, 16);
    hx("ff9bb4d0b607", SQN, 6);
    hx("b9b9", AMF, 2);
    nsnaps = 0;
    return 0;
}

/* AES-128 of one block under K, independently of aes_block.h. */
static void aes_k(const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;

    assert_non_null(c);
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, K, NULL), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, out, &n, in, 16), 1);
    assert_int_equal(n, 16);
    EVP_CIPHER_CTX_free(c);
}

static void xor16(uint8_t *o, const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 16; i++)
        o[i] = a[i] ^ b[i];
}

/* TS 35.206 4.1: RAND xor OPc, TEMP */
static void temp_of(uint8_t rx[16], uint8_t temp[16])
{
    xor16(rx, RAND, OPC);
    aes_k(rx, temp);
}

static void test_milenage_opc_cleanses_ek_op(void **state)
{
    uint8_t opc[16], e[16];

    (void)state;
    assert_int_equal(milenage_opc(K, OP, opc), 0);
    assert_memory_equal(opc, OPC, 16);
    aes_k(OP, e);
    assert_cleansed(e, 16, "E_K(OP) in milenage_opc");
    nsnaps = 0;
    struct milenage m;
    assert_int_equal(milenage_init_op(&m, K, OP), 0);
    assert_cleansed(e, 16, "E_K(OP) in milenage_init_op");
    milenage_free(&m);
    assert_cleansed(OPC, 16, "OPc in milenage_free");
}

static void test_milenage_f1_cleanses_intermediates(void **state)
{
    struct milenage m;
    uint8_t rx[16], temp[16], in1[16], x[16], out1[16], mac_a[8], mac_s[8];

    (void)state;
    assert_int_equal(milenage_init(&m, K, OPC), 0);
    nsnaps = 0;
    assert_int_equal(milenage_f1(&m, RAND, SQN, AMF, mac_a, mac_s), 0);
    assert_hex_equal(mac_a, "4a9ffac354dfafb3", 8);
    temp_of(rx, temp);
    memcpy(in1, SQN, 6);
    memcpy(in1 + 6, AMF, 2);
    memcpy(in1 + 8, SQN, 6);
    memcpy(in1 + 14, AMF, 2);
    for (int i = 0; i < 16; i++)
        x[i] = temp[i] ^ in1[(i + 8) & 15] ^ OPC[(i + 8) & 15];
    aes_k(x, out1);
    xor16(out1, out1, OPC);
    assert_cleansed(rx, 16, "RAND xor OPc (f1)");
    assert_cleansed(temp, 16, "TEMP (f1)");
    assert_cleansed(x, 16, "the AES input of OUT1 (f1)");
    assert_cleansed(out1, 16, "OUT1 (f1)");
    milenage_free(&m);
}

static void test_milenage_f2345_cleanses_intermediates(void **state)
{
    static const uint8_t c[4] = { 1, 2, 4, 8 };
    static const unsigned rot[4] = { 0, 4, 8, 12 };
    struct milenage m;
    uint8_t rx[16], temp[16], res[8], ck[16], ik[16], ak[6], ak_s[6];

    (void)state;
    assert_int_equal(milenage_init(&m, K, OPC), 0);
    nsnaps = 0;
    assert_int_equal(milenage_f2345(&m, RAND, res, ck, ik, ak, ak_s), 0);
    assert_hex_equal(res, "a54211d5e3ba50bf", 8);
    temp_of(rx, temp);
    assert_cleansed(rx, 16, "RAND xor OPc (f2-f5*)");
    assert_cleansed(temp, 16, "TEMP (f2-f5*)");
    for (int n = 0; n < 4; n++) {
        uint8_t x[16], out[16];
        char what[64];

        for (unsigned i = 0; i < 16; i++)
            x[i] = temp[(i + rot[n]) & 15] ^ OPC[(i + rot[n]) & 15];
        x[15] ^= c[n];
        snprintf(what, sizeof(what), "the AES input of OUT%d", n + 2);
        assert_cleansed(x, 16, what);
        if (n == 3) {  /* OUT5 (AK*) passes through out[], after OUT2 */
            aes_k(x, out);
            xor16(out, out, OPC);
            assert_cleansed(out, 16, "OUT5");
        }
    }
    /* without AK*, out[] holds OUT2 (RES, AK) to the end */
    nsnaps = 0;
    assert_int_equal(milenage_f2345(&m, RAND, res, NULL, NULL, ak, NULL), 0);
    {
        uint8_t x[16], out[16];

        xor16(x, temp, OPC);
        x[15] ^= 1;
        aes_k(x, out);
        xor16(out, out, OPC);
        assert_cleansed(out, 16, "OUT2");
    }
    milenage_free(&m);
}

/* A vector that fails half way leaves nothing behind: here the AES
 * context has no key, so f2-f5 fail at once; before, CK/IK/XRES kept
 * whatever was there and the caller's struct still held the old values. */
static void test_eps_vector_make_failure_cleanses_vector(void **state)
{
    struct milenage m = { .aes = EVP_CIPHER_CTX_new() };
    struct sec_eps_vector *v = malloc(sizeof(*v));
    static const uint8_t zero[sizeof(*v)];
    const uint8_t sn[3] = { 0x00, 0xf1, 0x10 };

    (void)state;
    assert_non_null(m.aes);
    memcpy(m.opc, OPC, 16);
    memset(v, 0xa5, sizeof(*v));
    assert_int_equal(sec_eps_vector_make(&m, 1, AMF, sn, RAND, v), SEC_AUTH_CRYPTO);
    assert_memory_equal(v, zero, sizeof(*v));
    milenage_free(&m);
    free(v);
}

static void test_eps_vector_cleanse_and_derivations(void **state)
{
    struct milenage m;
    struct sec_eps_vector v;
    const uint8_t sn[3] = { 0x00, 0xf1, 0x10 };
    uint8_t ck[16], ik[16], ak_s[6], auts[14], res[8];
    static const uint8_t zero[sizeof(v)];
    struct sec_usim_sqn usim = { { 0 } };
    uint64_t sqn_ms = 0;

    (void)state;
    assert_int_equal(milenage_init(&m, K, OPC), 0);
    assert_int_equal(sec_eps_vector_make(&m, 0x20, AMF, sn, RAND, &v), SEC_AUTH_OK);
    memcpy(ck, v.ck, 16);
    memcpy(ik, v.ik, 16);
    sec_eps_vector_cleanse(&v);
    assert_memory_equal(&v, zero, sizeof(v));

    /* the USIM's copies of RES, CK, IK */
    nsnaps = 0;
    assert_int_equal(sec_eps_vector_make(&m, 0x40, AMF, sn, RAND, &v), SEC_AUTH_OK);
    v.autn[15] ^= 1;  /* not a valid MAC any more: a MAC failure path */
    nsnaps = 0;
    assert_int_equal(sec_usim_authenticate(&m, &usim, RAND, v.autn, true, res, NULL, NULL, NULL),
                     SEC_AUTH_MAC_FAILURE);
    assert_cleansed_exact(ck, 16, "CK in sec_usim_authenticate (MAC failure)");
    assert_cleansed_exact(ik, 16, "IK in sec_usim_authenticate (MAC failure)");
    assert_cleansed_exact(v.xres, 8, "RES in sec_usim_authenticate (MAC failure)");

    /* AK* in an AUTS made and checked */
    assert_int_equal(milenage_f2345(&m, RAND, NULL, NULL, NULL, NULL, ak_s), 0);
    nsnaps = 0;
    assert_int_equal(sec_usim_auts(&m, RAND, 0x1234, auts), SEC_AUTH_OK);
    assert_cleansed_exact(ak_s, 6, "AK* in sec_usim_auts");
    nsnaps = 0;
    assert_int_equal(sec_he_resync(&m, NULL, RAND, auts, &sqn_ms), SEC_AUTH_OK);
    assert_int_equal(sqn_ms, 0x1234);
    assert_cleansed_exact(ak_s, 6, "AK* in sec_he_resync");
    sec_eps_vector_cleanse(&v);
    milenage_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_milenage_opc_cleanses_ek_op, setup),
        cmocka_unit_test_setup(test_milenage_f1_cleanses_intermediates, setup),
        cmocka_unit_test_setup(test_milenage_f2345_cleanses_intermediates, setup),
        cmocka_unit_test_setup(test_eps_vector_make_failure_cleanses_vector, setup),
        cmocka_unit_test_setup(test_eps_vector_cleanse_and_derivations, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
