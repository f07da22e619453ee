/* Multi-buffer SNOW 3G / ZUC (keystream_mb.h) and the batch EEA/EIA built
 * on it: bit-identical to the single-stream code at every dispatch level
 * this CPU supports, and the published vectors through the batch path. */
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

#include "sec/keystream_mb.h"
#include "sec/nas_algs.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

/* A fixed-seed generator: a failure reproduces. */
static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void rnd_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* Runs body once per dispatch level this CPU supports, then restores the
 * default. */
#define FOR_EACH_LEVEL(lvl)                                                          \
    for (int lvl = 0; lvl < SEC_MB_LEVEL_COUNT; lvl++)                               \
        if (sec_mb_set_level((enum sec_mb_level)lvl) != 0)                           \
            printf("# level %s not supported here: skipped\n",                       \
                   sec_mb_level_name((enum sec_mb_level)lvl));                       \
        else

static void restore_best_level(void)
{
    assert_int_equal(sec_mb_set_level(sec_mb_best_level()), 0);
}

/* ------------------------------------------------------------ dispatch -- */

static void test_dispatch_levels(void **state)
{
    (void)state;
    assert_true(sec_mb_level_supported(SEC_MB_GENERIC));
    assert_int_equal(sec_mb_set_level(SEC_MB_GENERIC), 0);
    assert_int_equal(sec_mb_get_level(), SEC_MB_GENERIC);
    assert_int_equal(sec_mb_lanes(), 1);
    assert_int_equal(sec_mb_set_level((enum sec_mb_level)SEC_MB_LEVEL_COUNT), -ENOTSUP);
    if (sec_mb_level_supported(SEC_MB_AVX512)) {
        assert_int_equal(sec_mb_set_level(SEC_MB_AVX512), 0);
        assert_int_equal(sec_mb_lanes(), 16);
    } else {
        assert_int_equal(sec_mb_set_level(SEC_MB_AVX512), -ENOTSUP);
        assert_int_equal(sec_mb_get_level(), SEC_MB_GENERIC);
    }
    assert_string_equal(sec_mb_level_name(SEC_MB_AVX512), "avx512");
    assert_string_equal(sec_mb_level_name(SEC_MB_AVX2), "avx2");
    restore_best_level();
}

/* The AVX2 level runs wherever the CPU has AVX2, AVX-512 machines
 * included (forced there: the default would be AVX-512), so the tests
 * below do exercise it on this machine and are not skipped; and the best
 * level is AVX-512, then AVX2, then generic. */
static void test_dispatch_avx2_forced(void **state)
{
    (void)state;
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("aes");
    int avx512 = sec_mb_level_supported(SEC_MB_AVX512);
    assert_int_equal(sec_mb_level_supported(SEC_MB_AVX2), avx2);
    if (avx2) {
        assert_int_equal(sec_mb_set_level(SEC_MB_AVX2), 0);
        assert_int_equal(sec_mb_get_level(), SEC_MB_AVX2);
        assert_int_equal(sec_mb_lanes(), 8);
        printf("# AVX2 level forced and in use (8 lanes)%s\n",
               avx512 ? " on a CPU that also has AVX-512" : "");
    } else {
        assert_int_equal(sec_mb_set_level(SEC_MB_AVX2), -ENOTSUP);
        printf("# no AVX2 on this CPU: the AVX2 level is not tested here\n");
    }
    assert_int_equal(sec_mb_best_level(),
                     avx512 ? SEC_MB_AVX512 : avx2 ? SEC_MB_AVX2 : SEC_MB_GENERIC);
#else
    assert_int_equal(sec_mb_set_level(SEC_MB_AVX2), -ENOTSUP);
    assert_int_equal(sec_mb_best_level(), SEC_MB_GENERIC);
#endif
    restore_best_level();
}

/* ---------------------------------------------- multi vs single stream -- */

#define MAX_JOBS 40
#define MAX_LEN 2100

static size_t random_len(void)
{
    switch (rnd() % 8) {
    case 0:
        return rnd() % 9; /* 0..8: empty, partial word, one word */
    case 1:
        return MAX_LEN - rnd() % 200;
    case 2:
        return 64 * (1 + rnd() % 8) + (rnd() % 3) - 1; /* around block edges */
    default:
        return rnd() % 400;
    }
}

/* For batch sizes 1..40 with random keys, IVs and lengths: the keystream
 * (in NULL), out-of-place xor and in-place xor equal the single-stream
 * code's, and no octet past a job's length is written. */
static void check_random_batches(int zuc, unsigned rounds)
{
    static uint8_t key[MAX_JOBS][16], iv[MAX_JOBS][16], in[MAX_JOBS][MAX_LEN + 64],
        out[MAX_JOBS][MAX_LEN + 64], want[MAX_JOBS][MAX_LEN + 64];
    struct sec_ks_job jobs[MAX_JOBS];

    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned n = 1; n <= MAX_JOBS; n++) {
            unsigned mode = rnd() % 3; /* keystream, xor, xor in place */
            for (unsigned j = 0; j < n; j++) {
                size_t len = random_len();
                rnd_fill(key[j], 16);
                rnd_fill(iv[j], 16);
                rnd_fill(in[j], len);
                memset(out[j], 0xa5, sizeof(out[j]));
                if (mode == 2)
                    memcpy(out[j], in[j], len);
                jobs[j] = (struct sec_ks_job){key[j], iv[j], mode == 0 ? NULL : mode == 1 ? in[j] : out[j],
                                              out[j], len};
                /* The reference: the single-stream code. */
                memset(want[j], 0xa5, sizeof(want[j]));
                if (mode)
                    memcpy(want[j], in[j], len);
                else
                    memset(want[j], 0, len);
                if (zuc) {
                    struct zuc st;
                    zuc_init(&st, key[j], iv[j]);
                    zuc_xor(&st, want[j], want[j], len);
                } else {
                    struct snow3g st;
                    snow3g_init(&st, key[j], iv[j]);
                    snow3g_xor(&st, want[j], want[j], len);
                }
            }
            if (zuc)
                zuc_mb_xor(jobs, n);
            else
                snow3g_mb_xor(jobs, n);
            for (unsigned j = 0; j < n; j++)
                if (memcmp(out[j], want[j], sizeof(out[j])) != 0) {
                    size_t at = 0;
                    while (out[j][at] == want[j][at])
                        at++;
                    fail_msg("%s level %s: batch of %u, job %u (%zu octets, mode %u): "
                             "first difference at octet %zu",
                             zuc ? "ZUC" : "SNOW 3G", sec_mb_level_name(sec_mb_get_level()), n,
                             j, jobs[j].len, mode, at);
                }
        }
    }
}

static void test_snow3g_mb_matches_single_stream(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15ull;
    FOR_EACH_LEVEL(lvl) check_random_batches(0, 3);
    restore_best_level();
}

static void test_zuc_mb_matches_single_stream(void **state)
{
    (void)state;
    rng_state = 0x2545f4914f6cdd1dull;
    FOR_EACH_LEVEL(lvl) check_random_batches(1, 3);
    restore_best_level();
}

/* Buffers of exactly each job's length on the heap: the masked loads and
 * stores of the last block touch nothing past them (ASan would report). */
static void test_mb_exact_heap_buffers(void **state)
{
    (void)state;
    uint8_t key[16] = {1, 2, 3}, iv[16] = {4, 5, 6};
    struct sec_ks_job jobs[17];
    uint8_t *in[17], *out[17];

    FOR_EACH_LEVEL(lvl) {
        for (int alg = 0; alg < 2; alg++) {
            for (int j = 0; j < 17; j++) {
                size_t len = (size_t)(j * 37) % 200 + 1;
                in[j] = malloc(len);
                out[j] = malloc(len);
                assert_non_null(in[j]);
                assert_non_null(out[j]);
                memset(in[j], j, len);
                jobs[j] = (struct sec_ks_job){key, iv, j % 2 ? in[j] : NULL, out[j], len};
            }
            if (alg)
                zuc_mb_xor(jobs, 17);
            else
                snow3g_mb_xor(jobs, 17);
            for (int j = 0; j < 17; j++) {
                free(in[j]);
                free(out[j]);
            }
        }
    }
    restore_best_level();
}

/* The keystream sets of the ZUC specification, all in one batch. */
static void test_zuc_mb_specification_sets(void **state)
{
    (void)state;
    static const struct {
        const char *key, *iv, *z;
    } sets[] = {
        {"00000000000000000000000000000000", "00000000000000000000000000000000", "27bede74018082da"},
        {"ffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffff", "0657cfa07096398b"},
        {"3d4c4be96a82fdaeb58f641db17b455b", "84319aa8de6915ca1f6bda6bfbd8c766", "14f1c2723279c419"},
    };
    uint8_t key[3][16], iv[3][16], out[3][8];
    struct sec_ks_job jobs[3];

    FOR_EACH_LEVEL(lvl) {
        for (int i = 0; i < 3; i++) {
            hx(sets[i].key, key[i], 16);
            hx(sets[i].iv, iv[i], 16);
            jobs[i] = (struct sec_ks_job){key[i], iv[i], NULL, out[i], 8};
        }
        zuc_mb_xor(jobs, 3);
        for (int i = 0; i < 3; i++)
            assert_hex_equal(out[i], sets[i].z, 8);
    }
    restore_best_level();
}

/* ------------------------------------------------------- EEA batches -- */

struct cipher_vec {
    const char *name;
    unsigned alg;
    const char *key;
    uint32_t count;
    uint8_t bearer, dir;
    size_t bits;
    const char *pt, *ct;
};

static const struct cipher_vec eea_vecs[] = {
    /* TS 33.401 Annex C (128-EEA1) set 1 */
    {"EEA1 set 1", 1, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "5d5bfe75eb04f68ce0a12377ea00b37d47c6a0ba06309155086a859c4341b378"},
    /* UEA2 conformance test set 2 as 128-EEA1: 798 bits */
    {"EEA1 set 2", 1, "2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798,
     "7ec61272743bf1614726446a6c38ced166f6ca76eb5430044286346cef130f92922b03450d3a9975"
     "e5bd2ea0eb55ad8e1b199e3ec4316020e9a1b285e762795359b7bdfd39bef4b2484583d5afe082ae"
     "e638bf5fd5a606193901a08f4ab41aab9b134880",
     "3f67850714b8da69efb727ed7a6c0c50714ad736c4f5600006e3525be807c467c677ff864af45fba"
     "09c27cde38f87a1f84d59ab255408f2c7b82f9ead41a1fe65eabebfbc1f3a4c56c9a26fcf7b3d66d"
     "0220ee4775bc58170a2b12f3431d11b344d6e36c"},
    /* ETSI/SAGE EEA3 implementors' test data, set 1 */
    {"EEA3 set 1", 3, "173d14ba5003731d7a60049470f00a29", 0x66035492, 0x0f, 0, 193,
     "6cf65340735552ab0c9752fa6f9025fe0bd675d9005875b200000000",
     "a6c85fc66afb8533aafc2518dfe784940ee1e4b030238cc800000000"},
};
#define N_EEA_VECS (sizeof(eea_vecs) / sizeof(eea_vecs[0]))

/* Each algorithm's vectors in one batch, mixed with messages of 0, 1, 7,
 * 31, 32 and 33 bits (compared with sec_eea), in both directions and in
 * place. */
static void test_eea_batch_vectors_and_short_lengths(void **state)
{
    (void)state;
    static const size_t short_bits[] = {0, 1, 7, 31, 32, 33, 64, 100};
    enum { N_SHORT = sizeof(short_bits) / sizeof(short_bits[0]) };
    uint8_t key[N_EEA_VECS + N_SHORT][16], pt[N_EEA_VECS + N_SHORT][128],
        ct[N_EEA_VECS + N_SHORT][128], out[N_EEA_VECS + N_SHORT][128];
    struct sec_eea_msg msgs[N_EEA_VECS + N_SHORT];

    rng_state = 0x853c49e6748fea9bull;
    FOR_EACH_LEVEL(lvl) {
        for (unsigned alg = 1; alg <= 3; alg += 2) {
            size_t n = 0;
            /* Short messages first and between the vectors. */
            for (size_t s = 0; s < N_SHORT; s++) {
                if (s == 3 || s == 6) {
                    for (size_t v = 0; v < N_EEA_VECS; v++) {
                        const struct cipher_vec *e = &eea_vecs[v];
                        size_t len = strlen(e->pt) / 2;
                        if (e->alg != alg || (s == 6) != (v % 2 == 1))
                            continue;
                        hx(e->key, key[n], 16);
                        hx(e->pt, pt[n], len);
                        hx(e->ct, ct[n], len);
                        msgs[n] = (struct sec_eea_msg){key[n], e->count, e->bearer, e->dir,
                                                       pt[n], out[n], e->bits};
                        n++;
                    }
                }
                rnd_fill(key[n], 16);
                rnd_fill(pt[n], sizeof(pt[n]));
                uint32_t count = rnd();
                uint8_t bearer = (uint8_t)(rnd() % 32), dir = (uint8_t)(rnd() % 2);
                memset(ct[n], 0, sizeof(ct[n]));
                assert_int_equal(sec_eea(alg, key[n], count, bearer, dir, pt[n], ct[n],
                                         short_bits[s]), 0);
                msgs[n] = (struct sec_eea_msg){key[n], count, bearer, dir, pt[n], out[n],
                                               short_bits[s]};
                n++;
            }
            memset(out, 0, sizeof(out));
            assert_int_equal(sec_eea_batch(alg, msgs, n), 0);
            for (size_t i = 0; i < n; i++)
                if (memcmp(out[i], ct[i], (msgs[i].bits + 7) / 8) != 0)
                    fail_msg("EEA%u batch (%s), message %zu of %zu bits: ciphertext differs", alg,
                             sec_mb_level_name(sec_mb_get_level()), i, msgs[i].bits);
            /* back, in place */
            for (size_t i = 0; i < n; i++)
                msgs[i].in = out[i];
            assert_int_equal(sec_eea_batch(alg, msgs, n), 0);
            for (size_t i = 0; i < n; i++) {
                size_t bits = msgs[i].bits;
                if (bits % 8)
                    pt[i][bits / 8] &= (uint8_t)(0xff00 >> (bits % 8));
                if (memcmp(out[i], pt[i], (bits + 7) / 8) != 0)
                    fail_msg("EEA%u batch (%s), message %zu of %zu bits: round trip differs",
                             alg, sec_mb_level_name(sec_mb_get_level()), i, bits);
            }
        }
    }
    restore_best_level();
}

/* Random batches of 1..40 messages agree with sec_eea, all algorithms. */
static void test_eea_batch_matches_one_by_one(void **state)
{
    (void)state;
    static uint8_t key[MAX_JOBS][16], in[MAX_JOBS][600], out[MAX_JOBS][600], want[MAX_JOBS][600];
    struct sec_eea_msg msgs[MAX_JOBS];

    rng_state = 0xda942042e4dd58b5ull;
    FOR_EACH_LEVEL(lvl) {
        for (unsigned alg = 0; alg < SEC_ALG_COUNT; alg++)
            for (unsigned n = 1; n <= MAX_JOBS; n += 3) {
                for (unsigned j = 0; j < n; j++) {
                    size_t bits = rnd() % (8 * 600 + 1);
                    rnd_fill(key[j], 16);
                    rnd_fill(in[j], 600);
                    msgs[j] = (struct sec_eea_msg){key[j], rnd(), (uint8_t)(rnd() % 32),
                                                   (uint8_t)(rnd() % 2), in[j], out[j], bits};
                    assert_int_equal(sec_eea(alg, key[j], msgs[j].count, msgs[j].bearer,
                                             msgs[j].dir, in[j], want[j], bits), 0);
                }
                assert_int_equal(sec_eea_batch(alg, msgs, n), 0);
                for (unsigned j = 0; j < n; j++)
                    if (memcmp(out[j], want[j], (msgs[j].bits + 7) / 8) != 0)
                        fail_msg("EEA%u batch of %u (%s): message %u differs", alg, n,
                                 sec_mb_level_name(sec_mb_get_level()), j);
            }
    }
    restore_best_level();
}

static void test_eea_batch_bad_arguments_write_nothing(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[2][8];
    struct sec_eea_msg msgs[2] = {
        {key, 1, 1, 0, in, out[0], 64},
        {key, 1, 32, 0, in, out[1], 64}, /* bearer > 31 */
    };

    memset(out, 0x5a, sizeof(out));
    assert_int_equal(sec_eea_batch(1, msgs, 2), -EINVAL);
    assert_int_equal(sec_eea_batch(4, msgs, 1), -EINVAL);
    msgs[1].bearer = 0;
    msgs[1].dir = 2;
    assert_int_equal(sec_eea_batch(3, msgs, 2), -EINVAL);
    for (int i = 0; i < 8; i++)
        if (out[0][i] != 0x5a || out[1][i] != 0x5a)
            fail_msg("a rejected batch wrote output");
    assert_int_equal(sec_eea_batch(3, msgs, 0), 0);
}

/* ------------------------------------------------------- EIA batches -- */

struct mac_vec {
    const char *name;
    unsigned alg;
    const char *key;
    uint32_t count;
    uint8_t bearer, dir;
    size_t bits;
    const char *msg, *mac;
};

static const struct mac_vec eia_vecs[] = {
    /* TS 33.401 Annex C.2 (128-EIA1) set 1 */
    {"EIA1 set 1", 1, "2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x1f, 0, 88,
     "3332346263393861373479", "731f1165"},
    /* ETSI/SAGE EIA3 test data, sets 1 and 3 */
    {"EIA3 set 1", 3, "00000000000000000000000000000000", 0, 0, 0, 1, "00000000", "c8a9595e"},
    {"EIA3 set 3", 3, "c9e6cec4607c72db000aefa88385ab0a", 0xa94059da, 0x0a, 1, 577,
     "983b41d47d780c9e1ad11d7eb70391b1de0b35da2dc62f83e7b78d6306ca0ea07e941b7be91348f9"
     "fcb170e2217fecd97f9f68adb16e5d7d21e569d280ed775cebde3f4093c5388100000000",
     "fae8ff0b"},
};
#define N_EIA_VECS (sizeof(eia_vecs) / sizeof(eia_vecs[0]))

/* Each algorithm's vectors in one batch between messages of 0, 1, 31, 32,
 * 33, 63, 64 and 65 bits (compared with sec_eia). */
static void test_eia_batch_vectors_and_short_lengths(void **state)
{
    (void)state;
    static const size_t short_bits[] = {0, 1, 31, 32, 33, 63, 64, 65};
    enum { N_SHORT = sizeof(short_bits) / sizeof(short_bits[0]), N = N_EIA_VECS + N_SHORT };
    uint8_t key[N][16], msg[N][128], want[N][4];
    struct sec_eia_msg msgs[N];

    rng_state = 0x5851f42d4c957f2dull;
    FOR_EACH_LEVEL(lvl) {
        for (unsigned alg = 1; alg <= 3; alg += 2) {
            size_t n = 0;
            for (size_t s = 0; s < N_SHORT; s++) {
                if (s == 2 || s == 5) {
                    for (size_t v = 0; v < N_EIA_VECS; v++) {
                        const struct mac_vec *e = &eia_vecs[v];
                        if (e->alg != alg || (s == 5) != (v == 2))
                            continue;
                        hx(e->key, key[n], 16);
                        hx(e->msg, msg[n], strlen(e->msg) / 2);
                        hx(e->mac, want[n], 4);
                        msgs[n] = (struct sec_eia_msg){key[n], e->count, e->bearer, e->dir,
                                                       msg[n], e->bits, {0}};
                        n++;
                    }
                }
                rnd_fill(key[n], 16);
                rnd_fill(msg[n], sizeof(msg[n]));
                msgs[n] = (struct sec_eia_msg){key[n], rnd(), (uint8_t)(rnd() % 32),
                                               (uint8_t)(rnd() % 2), msg[n], short_bits[s], {0}};
                assert_int_equal(sec_eia(alg, key[n], msgs[n].count, msgs[n].bearer, msgs[n].dir,
                                         msg[n], short_bits[s], want[n]), 0);
                n++;
            }
            assert_int_equal(sec_eia_batch(alg, msgs, n), 0);
            for (size_t i = 0; i < n; i++)
                if (memcmp(msgs[i].mac, want[i], 4) != 0)
                    fail_msg("EIA%u batch (%s), message %zu of %zu bits: MAC %02x%02x%02x%02x, "
                             "want %02x%02x%02x%02x",
                             alg, sec_mb_level_name(sec_mb_get_level()), i, msgs[i].bits,
                             msgs[i].mac[0], msgs[i].mac[1], msgs[i].mac[2], msgs[i].mac[3],
                             want[i][0], want[i][1], want[i][2], want[i][3]);
        }
    }
    restore_best_level();
}

/* Random batches of 1..40 messages (up to 4800 bits, so also the
 * allocated keystream buffer) agree with sec_eia, all algorithms. */
static void test_eia_batch_matches_one_by_one(void **state)
{
    (void)state;
    static uint8_t key[MAX_JOBS][16], msg[MAX_JOBS][600], want[MAX_JOBS][4];
    struct sec_eia_msg msgs[MAX_JOBS];

    rng_state = 0x14057b7ef767814full;
    FOR_EACH_LEVEL(lvl) {
        for (unsigned alg = 0; alg < SEC_ALG_COUNT; alg++)
            for (unsigned n = 1; n <= MAX_JOBS; n += 3) {
                for (unsigned j = 0; j < n; j++) {
                    size_t bits = rnd() % 4 ? rnd() % 1200 : rnd() % (8 * 600 + 1);
                    rnd_fill(key[j], 16);
                    rnd_fill(msg[j], 600);
                    msgs[j] = (struct sec_eia_msg){key[j], rnd(), (uint8_t)(rnd() % 32),
                                                   (uint8_t)(rnd() % 2), msg[j], bits, {0}};
                    assert_int_equal(sec_eia(alg, key[j], msgs[j].count, msgs[j].bearer,
                                             msgs[j].dir, msg[j], bits, want[j]), 0);
                }
                assert_int_equal(sec_eia_batch(alg, msgs, n), 0);
                for (unsigned j = 0; j < n; j++)
                    if (memcmp(msgs[j].mac, want[j], 4) != 0)
                        fail_msg("EIA%u batch of %u (%s): message %u (%zu bits) differs", alg, n,
                                 sec_mb_level_name(sec_mb_get_level()), j, msgs[j].bits);
            }
    }
    restore_best_level();
}

static void test_eia_batch_bad_arguments_rejected(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, msg[4] = {0};
    struct sec_eia_msg msgs[2] = {
        {key, 0, 0, 0, msg, 32, {0x5a, 0x5a, 0x5a, 0x5a}},
        {key, 0, 0, 2, msg, 32, {0x5a, 0x5a, 0x5a, 0x5a}}, /* direction > 1 */
    };

    assert_int_equal(sec_eia_batch(3, msgs, 2), -EINVAL);
    assert_int_equal(sec_eia_batch(1, msgs, 2), -EINVAL);
    assert_int_equal(sec_eia_batch(7, msgs, 1), -EINVAL);
    if (msgs[0].mac[0] != 0x5a)
        fail_msg("a rejected batch wrote a MAC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_levels),
        cmocka_unit_test(test_dispatch_avx2_forced),
        cmocka_unit_test(test_snow3g_mb_matches_single_stream),
        cmocka_unit_test(test_zuc_mb_matches_single_stream),
        cmocka_unit_test(test_mb_exact_heap_buffers),
        cmocka_unit_test(test_zuc_mb_specification_sets),
        cmocka_unit_test(test_eea_batch_vectors_and_short_lengths),
        cmocka_unit_test(test_eea_batch_matches_one_by_one),
        cmocka_unit_test(test_eea_batch_bad_arguments_write_nothing),
        cmocka_unit_test(test_eia_batch_vectors_and_short_lengths),
        cmocka_unit_test(test_eia_batch_matches_one_by_one),
        cmocka_unit_test(test_eia_batch_bad_arguments_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
