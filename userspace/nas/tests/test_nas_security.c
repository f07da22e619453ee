/* NAS security layer: protect/unprotect in both directions under every
 * algorithm pair, COUNT estimation across the overflow, replay and MAC
 * failures, SERVICE REQUEST, and the header parsing errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "nas/nas_security.h"

static const uint8_t kasme[32] = {
    0x6c, 0x8d, 0x2d, 0x0b, 0x1c, 0x7e, 0x91, 0x5a, 0x33, 0x02, 0x44, 0xf0, 0x9e, 0x61, 0x17, 0x85,
    0xd3, 0xc5, 0xd5, 0x92, 0x32, 0x7f, 0xb1, 0x1c, 0x40, 0x35, 0xc6, 0x68, 0x0a, 0xf8, 0xc6, 0xd1,
};

/* An ATTACH ACCEPT-like EMM message body, long enough to cross blocks. */
static uint8_t sample[100];

struct pair {
    struct nas_sec_ctx net, ue;
};

static void pair_init(struct pair *p, uint8_t eea, uint8_t eia)
{
    assert_int_equal(nas_sec_ctx_init_kasme(&p->net, NAS_SEC_ROLE_NETWORK, 1, eea, eia, kasme),
                     NAS_SEC_OK);
    assert_int_equal(nas_sec_ctx_init_kasme(&p->ue, NAS_SEC_ROLE_UE, 1, eea, eia, kasme),
                     NAS_SEC_OK);
}

static void pair_free(struct pair *p)
{
    nas_sec_ctx_free(&p->net);
    nas_sec_ctx_free(&p->ue);
}

static int setup(void **state)
{
    (void)state;
    sample[0] = 0x07; /* plain EMM */
    sample[1] = 0x42; /* ATTACH ACCEPT */
    for (size_t i = 2; i < sizeof(sample); i++)
        sample[i] = (uint8_t)(i * 37 + 11);
    return 0;
}

/* Every header type, every algorithm pair, both directions: the receiver
 * gets the sender's message back, and a ciphered PDU does not show it. */
static void test_round_trip_all_algorithms_both_directions(void **state)
{
    (void)state;
    static const enum nas_sec_hdr hdrs[] = {
        NAS_SEC_HDR_INTEGRITY, NAS_SEC_HDR_INTEGRITY_CIPHERED, NAS_SEC_HDR_INTEGRITY_NEW_CTX,
        NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX};
    uint8_t pdu[128], back[128];
    size_t n, m;
    struct nas_sec_info info;

    for (uint8_t eea = 0; eea < 4; eea++) {
        for (uint8_t eia = 0; eia < 4; eia++) {
            struct pair p;
            pair_init(&p, eea, eia);
            for (size_t h = 0; h < 4; h++) {
                /* downlink: network protects, UE unprotects */
                assert_int_equal(nas_protect(&p.net, hdrs[h], sample, sizeof(sample), pdu,
                                             sizeof(pdu), &n),
                                 NAS_SEC_OK);
                assert_int_equal(n, sizeof(sample) + 6);
                assert_int_equal(pdu[0], hdrs[h] << 4 | 7);
                if (eea && (hdrs[h] == NAS_SEC_HDR_INTEGRITY_CIPHERED ||
                            hdrs[h] == NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX))
                    assert_memory_not_equal(pdu + 6, sample, sizeof(sample));
                else
                    assert_memory_equal(pdu + 6, sample, sizeof(sample));
                assert_int_equal(nas_unprotect(&p.ue, pdu, n, back, sizeof(back), &m, &info),
                                 NAS_SEC_OK);
                assert_int_equal(m, sizeof(sample));
                assert_memory_equal(back, sample, sizeof(sample));
                assert_int_equal(info.hdr, hdrs[h]);
                assert_int_equal(info.count, h);
                assert_int_equal(info.integrity_verified, eia != 0);

                /* uplink: UE protects, network unprotects */
                assert_int_equal(nas_protect(&p.ue, hdrs[h], sample, sizeof(sample), pdu,
                                             sizeof(pdu), &n),
                                 NAS_SEC_OK);
                assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info),
                                 NAS_SEC_OK);
                assert_memory_equal(back, sample, sizeof(sample));
            }
            assert_int_equal(p.net.dl_count, 4);
            assert_int_equal(p.net.ul_count, 4);
            assert_int_equal(p.ue.dl_count, 4);
            assert_int_equal(p.ue.ul_count, 4);
            pair_free(&p);
        }
    }
}

/* The layout of 9.1 and the inputs of 4.4.3.3/4.4.5, rebuilt here from
 * the EEA/EIA primitives (which are checked against TS 33.401 Annex C). */
static void test_layout_matches_primitives(void **state)
{
    (void)state;
    struct pair p;
    uint8_t pdu[128], want[128], mac[4];
    size_t n;

    pair_init(&p, 2, 2);
    p.net.dl_count = 0x1234; /* overflow 0x12, SQN 0x34 */
    assert_int_equal(nas_protect(&p.net, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, sizeof(sample),
                                 pdu, sizeof(pdu), &n),
                     NAS_SEC_OK);
    want[0] = 0x27;
    want[5] = 0x34;
    assert_int_equal(sec_eea(2, p.net.knas_enc, 0x1234, 0, 1, sample, want + 6, 8 * sizeof(sample)),
                     0);
    assert_int_equal(sec_eia(2, p.net.knas_int, 0x1234, 0, 1, want + 5, 8 * (sizeof(sample) + 1), mac),
                     0);
    memcpy(want + 1, mac, 4);
    assert_memory_equal(pdu, want, n);
    pair_free(&p);
}

/* The receiver follows the sender across the SQN wrap (the overflow
 * counter), and over gaps of lost messages shorter than 256. */
static void test_count_estimation_across_overflow_and_gaps(void **state)
{
    (void)state;
    struct pair p;
    uint8_t pdu[128], back[128];
    size_t n, m;
    struct nas_sec_info info;

    pair_init(&p, 1, 1);
    p.ue.ul_count = 0x1fd;
    p.net.ul_count = 0x1fd;
    for (uint32_t want = 0x1fd; want < 0x205; want++) {
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 20, pdu,
                                     sizeof(pdu), &n),
                         NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info), NAS_SEC_OK);
        assert_int_equal(info.count, want);
        assert_int_equal(info.sqn, want & 0xff);
    }
    /* 200 messages lost, then one arrives: still found. */
    p.ue.ul_count += 200;
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 20, pdu, sizeof(pdu), &n),
                     NAS_SEC_OK);
    assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info), NAS_SEC_OK);
    assert_int_equal(info.count, 0x205 + 200);
    assert_int_equal(p.net.ul_count, 0x205 + 201);
    pair_free(&p);
}

/* 4.4.3.2: the same PDU twice, or an older one after a newer one, is a
 * replay; the context does not move. */
static void test_replay_rejected(void **state)
{
    (void)state;
    uint8_t pdu1[128], pdu2[128], back[128];
    size_t n1, n2, m;
    struct nas_sec_info info;

    for (uint8_t alg = 1; alg < 4; alg++) {
        struct pair p;
        pair_init(&p, alg, alg);
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 30, pdu1,
                                     sizeof(pdu1), &n1),
                         NAS_SEC_OK);
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 30, pdu2,
                                     sizeof(pdu2), &n2),
                         NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, pdu1, n1, back, sizeof(back), &m, NULL), NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, pdu1, n1, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(info.count, 0);
        assert_int_equal(m, 0);
        assert_int_equal(p.net.ul_count, 1);
        assert_int_equal(nas_unprotect(&p.net, pdu2, n2, back, sizeof(back), &m, NULL), NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, pdu1, n1, back, sizeof(back), &m, NULL),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(nas_unprotect(&p.net, pdu2, n2, back, sizeof(back), &m, NULL),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(p.net.ul_count, 2);
        pair_free(&p);
    }
}

/* A wrong MAC, a tampered message, the other direction's PDU or another
 * key: NAS_SEC_ERR_MAC, the message still handed over (4.4.4.3), the
 * COUNT unchanged. */
static void test_wrong_mac_rejected(void **state)
{
    (void)state;
    uint8_t pdu[128], back[128];
    size_t n, m;
    struct nas_sec_info info;

    for (uint8_t alg = 1; alg < 4; alg++) {
        struct pair p;
        pair_init(&p, 0, alg);
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 40, pdu, sizeof(pdu), &n),
                         NAS_SEC_OK);
        pdu[3] ^= 0x01;
        assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_MAC);
        assert_false(info.integrity_verified);
        assert_int_equal(m, 40);
        assert_memory_equal(back, sample, 40);
        pdu[3] ^= 0x01;
        pdu[20] ^= 0x80;
        assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_MAC);
        pdu[20] ^= 0x80;
        /* reflected back to its sender (direction bit differs) */
        assert_int_equal(nas_unprotect(&p.ue, pdu, n, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_MAC);
        assert_int_equal(p.net.ul_count, 0);
        assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info), NAS_SEC_OK);
        pair_free(&p);

        /* another KASME */
        struct nas_sec_ctx other;
        uint8_t k2[32];
        memcpy(k2, kasme, 32);
        k2[0] ^= 1;
        assert_int_equal(nas_sec_ctx_init_kasme(&other, NAS_SEC_ROLE_NETWORK, 1, 0, alg, k2),
                         NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&other, pdu, n, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_MAC);
        nas_sec_ctx_free(&other);
    }
}

/* EIA0: no MAC, no replay check (TS 33.401 5.1.4.1). */
static void test_eia0_accepts_without_mac(void **state)
{
    (void)state;
    struct pair p;
    uint8_t pdu[128], back[128];
    size_t n, m;
    struct nas_sec_info info;

    pair_init(&p, 0, 0);
    assert_int_equal(nas_protect(&p.net, NAS_SEC_HDR_INTEGRITY, sample, 10, pdu, sizeof(pdu), &n),
                     NAS_SEC_OK);
    assert_memory_equal(pdu + 1, "\0\0\0\0", 4);
    pdu[2] = 0x55;
    assert_int_equal(nas_unprotect(&p.ue, pdu, n, back, sizeof(back), &m, &info), NAS_SEC_OK);
    assert_false(info.integrity_verified);
    pair_free(&p);
}

/* SERVICE REQUEST (8.2.25): KSI and 5-bit SQN, short MAC = the low two
 * octets of the NAS-MAC over octets 1-2; estimation over the 5 bits. */
static void test_service_request(void **state)
{
    (void)state;
    uint8_t sr[4] = {0xc7, 0x60, 0, 0}, pdu[4], back[8], mac[4];
    size_t n, m;
    struct nas_sec_info info;

    for (uint8_t alg = 1; alg < 4; alg++) {
        struct pair p;
        pair_init(&p, alg, alg);
        p.ue.ul_count = 0x3e;
        p.net.ul_count = 0x3e;
        for (uint32_t want = 0x3e; want < 0x44; want++) {
            assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_SERVICE_REQUEST, sr, 4, pdu,
                                         sizeof(pdu), &n),
                             NAS_SEC_OK);
            assert_int_equal(n, 4);
            assert_int_equal(pdu[1], 0x60 | (want & 0x1f));
            assert_int_equal(sec_eia(alg, p.ue.knas_int, want, 0, 0, pdu, 16, mac), 0);
            assert_memory_equal(pdu + 2, mac + 2, 2);
            assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, &info),
                             NAS_SEC_OK);
            assert_int_equal(info.hdr, NAS_SEC_HDR_SERVICE_REQUEST);
            assert_int_equal(info.ksi, 3);
            assert_int_equal(info.count, want);
            assert_int_equal(m, 4);
            assert_memory_equal(back, pdu, 4);
        }
        assert_int_equal(nas_unprotect(&p.net, pdu, 4, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_SERVICE_REQUEST, sr, 4, pdu, sizeof(pdu), &n),
                         NAS_SEC_OK);
        pdu[3] ^= 0x10;
        assert_int_equal(nas_unprotect(&p.net, pdu, 4, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_MAC);
        /* the network never sends one */
        assert_int_equal(nas_protect(&p.net, NAS_SEC_HDR_SERVICE_REQUEST, sr, 4, pdu, sizeof(pdu), &n),
                         NAS_SEC_ERR_INVALID);
        pair_free(&p);
    }
}

/* The NAS-PDU of the InitialUEMessage golden vector (shared/vectors):
 * integrity protected, MAC df675aa8, SQN 5; without a context the ATTACH
 * REQUEST inside is handed over with NAS_SEC_ERR_NO_CONTEXT. */
static void test_golden_initial_ue_message_pdu(void **state)
{
    (void)state;
    static const char hex[] =
        "17df675aa8050741020bf600f110000201030003e605f07000001000050215d011d15200f11030395c0a00"
        "3103e5e0349011035758a65d0100e0c1";
    uint8_t pdu[64], back[64];
    int len = hex_decode(hex, pdu, sizeof(pdu));
    size_t m;
    struct nas_sec_info info;

    assert_int_equal(len, 59);
    assert_int_equal(nas_sec_peek(pdu, (size_t)len, &info), NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY);
    assert_int_equal(info.pd, NAS_PD_EMM);
    assert_int_equal(info.mac, 0xdf675aa8);
    assert_int_equal(info.sqn, 5);
    assert_int_equal(nas_unprotect(NULL, pdu, (size_t)len, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_NO_CONTEXT);
    assert_int_equal(m, 53);
    assert_int_equal(back[0], 0x07);
    assert_int_equal(back[1], 0x41); /* ATTACH REQUEST */
}

static void test_plain_and_malformed(void **state)
{
    (void)state;
    struct pair p;
    uint8_t back[128], pdu[128];
    size_t m, n;
    struct nas_sec_info info;
    static const uint8_t esm[] = {0x52, 0x01, 0xd1}; /* EBI 5, PD ESM */

    pair_init(&p, 2, 2);
    assert_int_equal(nas_unprotect(&p.net, sample, 10, back, sizeof(back), &m, &info), NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_PLAIN);
    assert_int_equal(m, 10);
    assert_int_equal(nas_unprotect(&p.net, esm, 3, back, sizeof(back), &m, &info), NAS_SEC_OK);
    assert_int_equal(info.pd, NAS_PD_ESM);
    assert_int_equal(info.hdr, NAS_SEC_HDR_PLAIN);

    static const uint8_t short6[] = {0x17, 1, 2, 3, 4, 5};
    assert_int_equal(nas_unprotect(&p.net, short6, 6, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_TOO_SHORT);
    assert_int_equal(nas_unprotect(&p.net, short6, 0, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_TOO_SHORT);
    static const uint8_t sr3[] = {0xc7, 1, 2};
    assert_int_equal(nas_unprotect(&p.net, sr3, 3, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_TOO_SHORT);
    static const uint8_t reserved[] = {0x67, 1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(nas_unprotect(&p.net, reserved, 8, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_HDR_RESERVED);
    static const uint8_t partial[] = {0x57, 1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(nas_unprotect(&p.net, partial, 8, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_HDR_UNSUPPORTED);
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 50, pdu, 55, &n),
                     NAS_SEC_ERR_NO_SPACE);
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 50, pdu, 56, &n), NAS_SEC_OK);
    assert_int_equal(nas_unprotect(&p.net, pdu, n, back, 49, &m, &info), NAS_SEC_ERR_NO_SPACE);
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_PLAIN, sample, 50, pdu, sizeof(pdu), &n),
                     NAS_SEC_ERR_INVALID);
    /* a ciphered PDU without a context gives nothing */
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 50, pdu,
                                 sizeof(pdu), &n),
                     NAS_SEC_OK);
    assert_int_equal(nas_unprotect(NULL, pdu, n, back, sizeof(back), &m, &info),
                     NAS_SEC_ERR_NO_CONTEXT);
    assert_int_equal(m, 0);
    pair_free(&p);

    struct nas_sec_ctx c;
    uint8_t k[16] = {0};
    assert_int_equal(nas_sec_ctx_init(&c, NAS_SEC_ROLE_UE, 0, 4, 0, k, k), NAS_SEC_ERR_BAD_ALG);
    assert_string_equal(nas_sec_err_str(NAS_SEC_ERR_REPLAY),
                        "replayed message (NAS COUNT already used)");
    assert_string_equal(nas_sec_hdr_str(12), "security header for SERVICE REQUEST");
}

/* The 24-bit NAS COUNT does not wrap: the sender refuses, and so does the
 * receiver for a SQN that would need it. */
static void test_count_exhausted(void **state)
{
    (void)state;
    struct pair p;
    uint8_t pdu[64], back[64];
    size_t n, m;

    pair_init(&p, 3, 3);
    p.ue.ul_count = NAS_COUNT_MAX;
    p.net.ul_count = NAS_COUNT_MAX;
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 8, pdu, sizeof(pdu), &n),
                     NAS_SEC_OK);
    assert_int_equal(nas_unprotect(&p.net, pdu, n, back, sizeof(back), &m, NULL), NAS_SEC_OK);
    assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 8, pdu, sizeof(pdu), &n),
                     NAS_SEC_ERR_COUNT_EXHAUSTED);
    pdu[5] = 0x00; /* would be COUNT 2^24 */
    assert_int_equal(nas_unprotect(&p.net, pdu, 14, back, sizeof(back), &m, NULL),
                     NAS_SEC_ERR_COUNT_EXHAUSTED);
    pair_free(&p);
}

/* The message just before a wrap of the 8-bit SQN, replayed once the
 * receiver expects the next COUNT: a replay, not a MAC failure (found by
 * fuzz_nas_unprotect). */
static void test_replay_across_sqn_wrap(void **state)
{
    (void)state;
    uint8_t a[64], back[64];
    size_t na, m;
    struct nas_sec_info info;

    for (uint8_t alg = 1; alg < 4; alg++) {
        struct pair p;

        pair_init(&p, alg, alg);
        p.ue.ul_count = p.net.ul_count = 0x1ff;
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY, sample, 8, a, sizeof(a), &na),
                         NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, NULL), NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(info.count, 0x1ff);
        assert_int_equal(p.net.ul_count, 0x200);
        a[1] ^= 1;
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, NULL),
                         NAS_SEC_ERR_MAC);
        pair_free(&p);
    }
}

/* A replay at the very end of the COUNT space is a replay, not "COUNT
 * exhausted" (found by fuzz_nas_unprotect): the receiver's next expected
 * COUNT estimate for the old SQN lies past 2^24 - 1. */
static void test_replay_at_count_end(void **state)
{
    (void)state;
    uint8_t a[64], b[64], back[64];
    size_t na, nb, m;
    struct nas_sec_info info;

    for (uint8_t alg = 1; alg < 4; alg++) {
        struct pair p;

        pair_init(&p, alg, alg);
        p.ue.ul_count = p.net.ul_count = NAS_COUNT_MAX - 1;
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 8, a,
                                     sizeof(a), &na), NAS_SEC_OK);
        assert_int_equal(nas_protect(&p.ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, sample, 8, b,
                                     sizeof(b), &nb), NAS_SEC_OK);
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, NULL), NAS_SEC_OK);
        /* COUNT 2^24 - 2 again, the receiver expecting 2^24 - 1 */
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(info.count, NAS_COUNT_MAX - 1);
        assert_int_equal(nas_unprotect(&p.net, b, nb, back, sizeof(back), &m, NULL), NAS_SEC_OK);
        /* both again, the receiver past the last COUNT */
        assert_int_equal(nas_unprotect(&p.net, b, nb, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        assert_int_equal(info.count, NAS_COUNT_MAX);
        assert_int_equal(nas_unprotect(&p.net, a, na, back, sizeof(back), &m, &info),
                         NAS_SEC_ERR_REPLAY);
        /* a forged one there is still "re-key" */
        b[1] ^= 1;
        assert_int_equal(nas_unprotect(&p.net, b, nb, back, sizeof(back), &m, NULL),
                         NAS_SEC_ERR_COUNT_EXHAUSTED);
        assert_int_equal(p.net.ul_count, NAS_COUNT_MAX + 1);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_all_algorithms_both_directions),
        cmocka_unit_test(test_layout_matches_primitives),
        cmocka_unit_test(test_count_estimation_across_overflow_and_gaps),
        cmocka_unit_test(test_replay_rejected),
        cmocka_unit_test(test_wrong_mac_rejected),
        cmocka_unit_test(test_eia0_accepts_without_mac),
        cmocka_unit_test(test_service_request),
        cmocka_unit_test(test_golden_initial_ue_message_pdu),
        cmocka_unit_test(test_plain_and_malformed),
        cmocka_unit_test(test_count_exhausted),
        cmocka_unit_test(test_replay_across_sqn_wrap),
        cmocka_unit_test(test_replay_at_count_end),
    };
    return cmocka_run_group_tests_name("nas_security", tests, setup, NULL);
}
