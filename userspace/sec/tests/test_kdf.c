/* TS 33.220 KDF and TS 33.401 Annex A derivations. */
#include "testutil.h"

#include "sec/kdf.h"

static void test_hmac_sha256_rfc4231_case2(void **state)
{
    (void)state;
    uint8_t out[32];
    const char *data = "what do ya want for nothing?";

    assert_int_equal(sec_hmac_sha256((const uint8_t *)"Jefe", 4, (const uint8_t *)data,
                                     strlen(data), out),
                     0);
    assert_hex_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32);
}

static void test_kasme_from_ts35208_set1(void **state)
{
    (void)state;
    uint8_t ck[16], ik[16], sn[3], sqn[6], ak[6], conc[6], kasme[32];

    hx("b40ba9a3c58b2a05bbf0d987b21bf8cb", ck, 16);
    hx("f769bcd751044604127672711c6d3441", ik, 16);
    hx("024830", sn, 3);
    hx("fd8eef40df7d", sqn, 6);
    hx("aa689c648370", ak, 6);
    for (int i = 0; i < 6; i++)
        conc[i] = sqn[i] ^ ak[i];
    assert_int_equal(sec_kasme(ck, ik, sn, conc, kasme), 0);
    assert_hex_equal(kasme, "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549", 32);
}

static void test_kasme_nas_keys_plmn_00101(void **state)
{
    (void)state;
    uint8_t ck[16], ik[16], sn[3], sqn[6], ak[6], conc[6], kasme[32], k[16];

    hx("7bc15d69309cf3ec5d324404edd6f0f9", ck, 16);
    hx("c15d69309cf3ec5d324404edd6f0f97b", ik, 16);
    hx("5d69309cf3ec", ak, 6);
    hx("0000000012d9", sqn, 6);
    assert_int_equal(sec_plmn_to_sn_id("00101", sn), 0);
    assert_hex_equal(sn, "00f110", 3);
    for (int i = 0; i < 6; i++)
        conc[i] = sqn[i] ^ ak[i];
    assert_int_equal(sec_kasme(ck, ik, sn, conc, kasme), 0);
    assert_hex_equal(kasme, "d5ef4d8f33266902295d42f322a2f2cf11fb2ccc124c09b4d88d361597037990", 32);

    /* A.7: the key is the last 16 octets of the KDF output. */
    assert_int_equal(sec_alg_key(kasme, SEC_NAS_INT, 1, k), 0);
    assert_hex_equal(k, "b79408e243dd367dc8c6392295b3b451", 16);
    assert_int_equal(sec_alg_key(kasme, SEC_NAS_ENC, 0, k), 0);
    assert_hex_equal(k, "e4cf7fecbad4b8c37db4a190e119225c", 16);

    /* The full outputs, through the generic KDF. */
    uint8_t t = SEC_NAS_INT, alg = 1, full[32];
    const struct sec_kdf_param p[] = {{&t, 1}, {&alg, 1}};
    assert_int_equal(sec_kdf(kasme, 32, 0x15, p, 2, full), 0);
    assert_hex_equal(full, "b855871d17d4a717e931d9a6069c6e54b79408e243dd367dc8c6392295b3b451", 32);
}

static void test_kenb_ul_count_0(void **state)
{
    (void)state;
    uint8_t kasme[32], kenb[32];

    hx("6144c681d1bea9dae1b8cf6cd10a686341db8046a1e7a9ab4d1ea0e33c994ac0", kasme, 32);
    assert_int_equal(sec_kenb(kasme, 0, kenb), 0);
    assert_hex_equal(kenb, "c4c7bc798ab94e3d354cd6608e79aa92f5569df46519507850051e36f018ca5f", 32);
}

/* NH and KeNB* have no published vectors: check that each is the generic
 * KDF with the FC and parameters of A.4 / A.5, built here by hand. */
static void test_nh_and_kenb_star_are_the_annex_a_kdf(void **state)
{
    (void)state;
    uint8_t kasme[32], sync[32], got[32], want[32], s[64];

    for (int i = 0; i < 32; i++) {
        kasme[i] = (uint8_t)i;
        sync[i] = (uint8_t)(0xa0 + i);
    }
    assert_int_equal(sec_nh(kasme, sync, got), 0);
    s[0] = 0x12;
    memcpy(s + 1, sync, 32);
    s[33] = 0x00;
    s[34] = 0x20;
    assert_int_equal(sec_hmac_sha256(kasme, 32, s, 35, want), 0);
    assert_memory_equal(got, want, 32);

    assert_int_equal(sec_kenb_star(kasme, 0x01f5, 3350, got), 0);
    const uint8_t s2[] = {0x13, 0x01, 0xf5, 0x00, 0x02, 0x0d, 0x16, 0x00, 0x02};
    assert_int_equal(sec_hmac_sha256(kasme, 32, s2, sizeof(s2), want), 0);
    assert_memory_equal(got, want, 32);

    /* EARFCN above 65535 takes three octets. */
    assert_int_equal(sec_kenb_star(kasme, 7, 0x10203, got), 0);
    const uint8_t s3[] = {0x13, 0x00, 0x07, 0x00, 0x02, 0x01, 0x02, 0x03, 0x00, 0x03};
    assert_int_equal(sec_hmac_sha256(kasme, 32, s3, sizeof(s3), want), 0);
    assert_memory_equal(got, want, 32);
}

static void test_plmn_encoding(void **state)
{
    (void)state;
    uint8_t sn[3];

    assert_int_equal(sec_plmn_to_sn_id("00101", sn), 0);
    assert_hex_equal(sn, "00f110", 3);
    assert_int_equal(sec_plmn_to_sn_id("310410", sn), 0);
    assert_hex_equal(sn, "130014", 3);
    assert_int_equal(sec_plmn_to_sn_id("20801", sn), 0);
    assert_hex_equal(sn, "02f810", 3);
    assert_int_equal(sec_plmn_to_sn_id("0010", sn), -EINVAL);
    assert_int_equal(sec_plmn_to_sn_id("0010a", sn), -EINVAL);
    assert_int_equal(sec_plmn_to_sn_id("1234567", sn), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_sha256_rfc4231_case2),
        cmocka_unit_test(test_kasme_from_ts35208_set1),
        cmocka_unit_test(test_kasme_nas_keys_plmn_00101),
        cmocka_unit_test(test_kenb_ul_count_0),
        cmocka_unit_test(test_nh_and_kenb_star_are_the_annex_a_kdf),
        cmocka_unit_test(test_plmn_encoding),
    };
    return cmocka_run_group_tests_name("sec_kdf", tests, NULL, NULL);
}
