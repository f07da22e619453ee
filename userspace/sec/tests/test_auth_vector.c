/* Authentication vectors, the USIM's checks, SQN windows and
 * re-synchronisation (TS 33.102 6.3, Annex C; TS 33.401 6.1.2). */
#include "testutil.h"

#include "sec/auth_vector.h"
#include "sec/kdf.h"

static struct milenage m;

static int setup(void **state)
{
    (void)state;
    uint8_t k[16], opc[16];
    hx("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
    hx("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
    return milenage_init(&m, k, opc);
}

static int teardown(void **state)
{
    (void)state;
    milenage_free(&m);
    return 0;
}

/* TS 35.208 set 1 inputs make the AUTN, XRES, CK, IK, AK of that set, and
 * the KASME of shared/vectors (SN id 02 48 30 with the SQN fd8eef40df7d of
 * set 2 is the pairing used there; here the set-1 SQN gives its own). */
static void test_vector_from_test_set_1(void **state)
{
    (void)state;
    uint8_t rand[16], amf[2], sn[3];
    struct sec_eps_vector v;

    hx("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    hx("b9b9", amf, 2);
    hx("024830", sn, 3);
    assert_int_equal(sec_eps_vector_make(&m, 0xff9bb4d0b607, amf, sn, rand, &v), SEC_AUTH_OK);
    assert_hex_equal(v.xres, "a54211d5e3ba50bf", 8);
    assert_hex_equal(v.ck, "b40ba9a3c58b2a05bbf0d987b21bf8cb", 16);
    assert_hex_equal(v.ik, "f769bcd751044604127672711c6d3441", 16);
    assert_hex_equal(v.ak, "aa689c648370", 6);
    /* AUTN = SQN ^ AK || AMF || MAC-A */
    assert_hex_equal(v.autn, "55f328b43577b9b94a9ffac354dfafb3", 16);

    /* The KASME of the shared vector: same CK/IK, SQN fd8eef40df7d. */
    assert_int_equal(sec_eps_vector_make(&m, 0xfd8eef40df7d, amf, sn, rand, &v), SEC_AUTH_OK);
    assert_hex_equal(v.kasme, "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549", 32);
}

/* HE makes vectors, the USIM accepts each once; RES = XRES and the keys
 * agree. */
static void test_he_vectors_accepted_by_usim(void **state)
{
    (void)state;
    struct sec_sqn_he he = {.seq_he = 1000, .ind = 30};
    struct sec_usim_sqn usim = {{0}};
    const uint8_t amf[2] = {0x00, 0x00}, sn[3] = {0x00, 0xf1, 0x10};
    uint8_t res[8], ck[16], ik[16], auts[14];

    usim.seq_ms[0] = 990;
    for (int i = 0; i < 5; i++) {
        struct sec_eps_vector v;
        assert_int_equal(sec_he_eps_vector(&m, &he, amf, sn, &v), SEC_AUTH_OK);
        assert_true(v.autn[6] & 0x80); /* separation bit forced on */
        assert_int_equal(v.sqn >> SEC_SQN_IND_BITS, 1001 + i);
        assert_int_equal(v.sqn & 31, (30 + i) % 32);
        assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, res, ck, ik, auts),
                         SEC_AUTH_OK);
        assert_memory_equal(res, v.xres, 8);
        assert_memory_equal(ck, v.ck, 16);
        assert_memory_equal(ik, v.ik, 16);
        /* replay: the same vector a second time is refused */
        assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, res, ck, ik, auts),
                         SEC_AUTH_SYNCH_FAILURE);
    }
    assert_int_equal(he.seq_he, 1005);
}

/* Vectors used out of order are accepted as long as each IND slot moves
 * forward (the point of the IND array, C.1.2). */
static void test_usim_accepts_out_of_order_within_ind_array(void **state)
{
    (void)state;
    struct sec_sqn_he he = {.seq_he = 50, .ind = 0};
    struct sec_usim_sqn usim = {{0}};
    const uint8_t amf[2] = {0x80, 0x00}, sn[3] = {0x00, 0xf1, 0x10};
    struct sec_eps_vector v[3];

    for (int i = 0; i < 3; i++)
        assert_int_equal(sec_he_eps_vector(&m, &he, amf, sn, &v[i]), SEC_AUTH_OK);
    const int order[] = {2, 0, 1};
    for (int i = 0; i < 3; i++)
        assert_int_equal(sec_usim_authenticate(&m, &usim, v[order[i]].rand, v[order[i]].autn, true,
                                               NULL, NULL, NULL, NULL),
                         SEC_AUTH_OK);
}

static void test_usim_sqn_window(void **state)
{
    (void)state;
    struct sec_usim_sqn usim = {{0}};

    usim.seq_ms[3] = 5000;
    /* same IND, not newer: refused */
    assert_false(sec_usim_sqn_acceptable(&usim, 5000ull << 5 | 3));
    assert_true(sec_usim_sqn_acceptable(&usim, 5001ull << 5 | 3));
    /* another IND, a little older than the highest: within L */
    assert_true(sec_usim_sqn_acceptable(&usim, (5000ull - SEC_SQN_AGE_LIMIT + 1) << 5 | 4));
    /* older than the highest by L or more: refused */
    assert_false(sec_usim_sqn_acceptable(&usim, (5000ull - SEC_SQN_AGE_LIMIT) << 5 | 4));
    /* DELTA ahead: accepted; one more: refused */
    assert_true(sec_usim_sqn_acceptable(&usim, (5000ull + SEC_SQN_DELTA) << 5 | 3));
    assert_false(sec_usim_sqn_acceptable(&usim, (5000ull + SEC_SQN_DELTA + 1) << 5 | 3));
}

/* A vector far ahead of the USIM: synch failure, AUTS; the HE checks MAC-S,
 * learns SQN_MS and its next vector is accepted. */
static void test_resync_round_trip(void **state)
{
    (void)state;
    struct sec_sqn_he he = {.seq_he = 7, .ind = 0};
    struct sec_usim_sqn usim = {{0}};
    const uint8_t amf[2] = {0x80, 0x00}, sn[3] = {0x00, 0xf1, 0x10};
    struct sec_eps_vector v;
    uint8_t auts[14];
    uint64_t sqn_ms = 0;

    usim.seq_ms[9] = 123456; /* the USIM has been used elsewhere */
    assert_int_equal(sec_he_eps_vector(&m, &he, amf, sn, &v), SEC_AUTH_OK);
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, NULL, NULL, NULL, auts),
                     SEC_AUTH_SYNCH_FAILURE);
    assert_int_equal(sec_he_resync(&m, &he, v.rand, auts, &sqn_ms), SEC_AUTH_OK);
    assert_int_equal(sqn_ms, 123456ull << SEC_SQN_IND_BITS);
    assert_int_equal(he.seq_he, 123456);
    assert_int_equal(sec_he_eps_vector(&m, &he, amf, sn, &v), SEC_AUTH_OK);
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, NULL, NULL, NULL, auts),
                     SEC_AUTH_OK);
}

/* A wrong MAC-S (tampered AUTS, or AUTS for another RAND) is refused and
 * the HE's SQN is left alone. */
static void test_resync_wrong_mac_s_rejected(void **state)
{
    (void)state;
    struct sec_sqn_he he = {.seq_he = 7, .ind = 0};
    uint8_t rand[16], auts[14];
    uint64_t sqn_ms = 0;

    hx("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    assert_int_equal(sec_usim_auts(&m, rand, 0x0000deadbe00, auts), SEC_AUTH_OK);
    auts[13] ^= 1;
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, &sqn_ms), SEC_AUTH_MAC_S_FAILURE);
    auts[13] ^= 1;
    auts[2] ^= 0x10; /* the concealed SQN */
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, &sqn_ms), SEC_AUTH_MAC_S_FAILURE);
    auts[2] ^= 0x10;
    rand[0] ^= 1;
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, &sqn_ms), SEC_AUTH_MAC_S_FAILURE);
    assert_int_equal(he.seq_he, 7);
    rand[0] ^= 1;
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, &sqn_ms), SEC_AUTH_OK);
    assert_int_equal(sqn_ms, 0x0000deadbe00);
}

/* MAC-S is f1* with AMF 0000 (TS 33.102 6.3.3), not the vector's AMF. */
static void test_auts_uses_dummy_amf(void **state)
{
    (void)state;
    uint8_t rand[16], auts[14], sqn[6], mac_s[8], ak_s[6];
    const uint8_t zero_amf[2] = {0, 0};

    hx("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    hx("ff9bb4d0b607", sqn, 6);
    assert_int_equal(sec_usim_auts(&m, rand, sec_sqn_get(sqn), auts), SEC_AUTH_OK);
    assert_int_equal(milenage_f1(&m, rand, sqn, zero_amf, NULL, mac_s), 0);
    assert_memory_equal(auts + 6, mac_s, 8);
    /* concealed with f5* = 451e8beca43b */
    assert_int_equal(milenage_f2345(&m, rand, NULL, NULL, NULL, NULL, ak_s), 0);
    assert_hex_equal(ak_s, "451e8beca43b", 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(auts[i], sqn[i] ^ ak_s[i]);
}

/* Resync keeps SEQ_HE when it is already ahead within DELTA, and takes
 * SEQ_MS when SEQ_HE is too far ahead. */
static void test_resync_keeps_or_resets_seq_he(void **state)
{
    (void)state;
    uint8_t rand[16] = {1}, auts[14];
    struct sec_sqn_he he = {.seq_he = 900};

    assert_int_equal(sec_usim_auts(&m, rand, 800ull << 5, auts), SEC_AUTH_OK);
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, NULL), SEC_AUTH_OK);
    assert_int_equal(he.seq_he, 900);
    he.seq_he = 800 + SEC_SQN_DELTA;
    assert_int_equal(sec_he_resync(&m, &he, rand, auts, NULL), SEC_AUTH_OK);
    assert_int_equal(he.seq_he, 800);
}

static void test_usim_rejects_wrong_mac_and_non_eps_amf(void **state)
{
    (void)state;
    struct sec_usim_sqn usim = {{0}};
    const uint8_t sn[3] = {0x00, 0xf1, 0x10}, amf_eps[2] = {0x80, 0}, amf_umts[2] = {0, 0};
    struct sec_eps_vector v;
    uint8_t auts[14];

    assert_int_equal(sec_eps_vector_make(&m, 33 << 5, amf_eps, sn, NULL, &v), SEC_AUTH_OK);
    v.autn[15] ^= 4;
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, NULL, NULL, NULL, auts),
                     SEC_AUTH_MAC_FAILURE);
    v.autn[15] ^= 4;
    v.rand[5] ^= 1;
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, NULL, NULL, NULL, auts),
                     SEC_AUTH_MAC_FAILURE);
    assert_int_equal(sec_eps_vector_make(&m, 34 << 5, amf_umts, sn, NULL, &v), SEC_AUTH_OK);
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, NULL, NULL, NULL, auts),
                     SEC_AUTH_NOT_EPS);
    /* the same vector is fine for a non-EPS check */
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, false, NULL, NULL, NULL, auts),
                     SEC_AUTH_OK);
    assert_string_equal(sec_auth_err_str(SEC_AUTH_MAC_S_FAILURE), "MAC-S in AUTS does not verify");
}

static void test_seq_exhausted(void **state)
{
    (void)state;
    struct sec_sqn_he he = {.seq_he = SEC_SEQ_MAX};
    const uint8_t amf[2] = {0x80, 0}, sn[3] = {0x00, 0xf1, 0x10};
    struct sec_eps_vector v;

    assert_int_equal(sec_he_eps_vector(&m, &he, amf, sn, &v), SEC_AUTH_SEQ_EXHAUSTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_from_test_set_1),
        cmocka_unit_test(test_he_vectors_accepted_by_usim),
        cmocka_unit_test(test_usim_accepts_out_of_order_within_ind_array),
        cmocka_unit_test(test_usim_sqn_window),
        cmocka_unit_test(test_resync_round_trip),
        cmocka_unit_test(test_resync_wrong_mac_s_rejected),
        cmocka_unit_test(test_auts_uses_dummy_amf),
        cmocka_unit_test(test_resync_keeps_or_resets_seq_he),
        cmocka_unit_test(test_usim_rejects_wrong_mac_and_non_eps_amf),
        cmocka_unit_test(test_seq_exhausted),
    };
    return cmocka_run_group_tests_name("sec_auth_vector", tests, setup, teardown);
}
