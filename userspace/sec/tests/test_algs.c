/* EEA0-3 / EIA0-3, SNOW 3G and ZUC: published vectors, bit-length
 * round trips, and the wrong-MAC cases. */
#include <openssl/rand.h>

#include "testutil.h"

#include "sec/nas_algs.h"
#include "sec/snow3g.h"
#include "sec/snow3g_tables.h"
#include "sec/zuc.h"

/* ------------------------------------------------------------ vectors -- */

struct cipher_vec {
    const char *name;
    unsigned alg;
    const char *key;
    uint32_t count;
    uint8_t bearer, dir;
    size_t bits;
    const char *pt, *ct;
};

static const struct cipher_vec cipher_vecs[] = {
    /* TS 33.401 Annex C.1 set 1 */
    {"EEA2 set 1", 2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78"},
    /* TS 33.401 Annex C.1 (128-EEA1) set 1 */
    {"EEA1 set 1", 1, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "5d5bfe75eb04f68ce0a12377ea00b37d47c6a0ba06309155086a859c4341b378"},
    /* TS 33.401 Annex C set 2 (128-EEA2) and UEA2 conformance test set 2
     * (128-EEA1): 798 bits, the last octet has 6 bits. */
    {"EEA2 set 2", 2, "2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798,
     "7ec61272743bf1614726446a6c38ced166f6ca76eb5430044286346cef130f92922b03450d3a9975"
     "e5bd2ea0eb55ad8e1b199e3ec4316020e9a1b285e762795359b7bdfd39bef4b2484583d5afe082ae"
     "e638bf5fd5a606193901a08f4ab41aab9b134880",
     "5961605353c64bdca15b195e288553a910632506d6200aa790c4c806c99904cf2445cc50bb1cf168"
     "a49673734e081b57e324ce5259c0e78d4cd97b870976503c0943f2cb5ae8f052c7b7d392239587b8"
     "956086bcab18836042e2e6ce42432a17105c53d0"},
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

struct mac_vec {
    const char *name;
    unsigned alg;
    const char *key;
    uint32_t count;
    uint8_t bearer, dir;
    size_t bits;
    const char *msg, *mac;
};

static const struct mac_vec mac_vecs[] = {
    /* TS 33.401 Annex C.2 (128-EIA2) sets 1 and 2 */
    {"EIA2 set 1", 2, "2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x18, 0, 58,
     "3332346263393840", "118c6eb8"},
    {"EIA2 set 2", 2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x1a, 1, 64,
     "484583d5afe082ae", "b93787e6"},
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

static void test_eea_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cipher_vecs) / sizeof(cipher_vecs[0]); i++) {
        const struct cipher_vec *v = &cipher_vecs[i];
        uint8_t key[16], pt[128], ct[128], out[128];
        size_t len = strlen(v->pt) / 2;

        hx(v->key, key, 16);
        hx(v->pt, pt, len);
        hx(v->ct, ct, len);
        assert_int_equal(sec_eea(v->alg, key, v->count, v->bearer, v->dir, pt, out, v->bits), 0);
        if (memcmp(out, ct, (v->bits + 7) / 8) != 0)
            fail_msg("%s: ciphertext differs", v->name);
        /* and back */
        assert_int_equal(sec_eea(v->alg, key, v->count, v->bearer, v->dir, ct, out, v->bits), 0);
        if (memcmp(out, pt, (v->bits + 7) / 8) != 0)
            fail_msg("%s: decryption differs", v->name);
        /* in place */
        memcpy(out, pt, len);
        assert_int_equal(sec_eea(v->alg, key, v->count, v->bearer, v->dir, out, out, v->bits), 0);
        if (memcmp(out, ct, (v->bits + 7) / 8) != 0)
            fail_msg("%s: in-place ciphertext differs", v->name);
    }
}

static void test_eia_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mac_vecs) / sizeof(mac_vecs[0]); i++) {
        const struct mac_vec *v = &mac_vecs[i];
        uint8_t key[16], msg[128], mac[4], want[4];
        size_t len = strlen(v->msg) / 2;

        hx(v->key, key, 16);
        hx(v->msg, msg, len);
        hx(v->mac, want, 4);
        assert_int_equal(sec_eia(v->alg, key, v->count, v->bearer, v->dir, msg, v->bits, mac), 0);
        if (memcmp(mac, want, 4) != 0)
            fail_msg("%s: MAC %02x%02x%02x%02x, want %s", v->name, mac[0], mac[1], mac[2],
                     mac[3], v->mac);
    }
}

/* ZUC 1.6 keystream, ETSI/SAGE ZUC specification test sets 1-3. */
static void test_zuc_keystream_sets(void **state)
{
    (void)state;
    static const struct {
        const char *key, *iv;
        uint32_t z1, z2;
    } sets[] = {
        {"00000000000000000000000000000000", "00000000000000000000000000000000", 0x27bede74,
         0x018082da},
        {"ffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffff", 0x0657cfa0,
         0x7096398b},
        {"3d4c4be96a82fdaeb58f641db17b455b", "84319aa8de6915ca1f6bda6bfbd8c766", 0x14f1c272,
         0x3279c419},
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        uint8_t key[16], iv[16];
        uint32_t z[2];
        struct zuc st;

        hx(sets[i].key, key, 16);
        hx(sets[i].iv, iv, 16);
        zuc_init(&st, key, iv);
        zuc_words(&st, z, 2);
        if (z[0] != sets[i].z1 || z[1] != sets[i].z2)
            fail_msg("ZUC set %zu: %08x %08x, want %08x %08x", i + 1, z[0], z[1], sets[i].z1,
                     sets[i].z2);
    }
}

/* ------------------------------------------------ SNOW 3G derivations -- */

static uint8_t gf_mul(uint8_t a, uint8_t b, unsigned poly)
{
    unsigned r = 0, x = a;
    while (b) {
        if (b & 1)
            r ^= x;
        b >>= 1;
        x <<= 1;
        if (x & 0x100)
            x ^= poly;
    }
    return (uint8_t)r;
}

static uint8_t gf_pow(uint8_t a, unsigned e, unsigned poly)
{
    uint8_t r = 1;
    while (e) {
        if (e & 1)
            r = gf_mul(r, a, poly);
        a = gf_mul(a, a, poly);
        e >>= 1;
    }
    return r;
}

static uint8_t mulx(uint8_t v, uint8_t c)
{
    return v & 0x80 ? (uint8_t)(v << 1) ^ c : (uint8_t)(v << 1);
}

static uint8_t mulxpow(uint8_t v, unsigned i, uint8_t c)
{
    while (i--)
        v = mulx(v, c);
    return v;
}

static uint32_t column(uint8_t s, uint8_t c)
{
    uint8_t s2 = mulx(s, c);
    return (uint32_t)s2 << 24 | (uint32_t)(s2 ^ s) << 16 | (uint32_t)s << 8 | s;
}

/* Every entry of the SNOW 3G tables from its definition: SR is the AES
 * S-box (inverse in GF(2^8)/0x11b, affine map, 0x63), SQ the Dickson
 * polynomial g49 over GF(2^8)/0x169 xor 0x25, MULalpha/DIValpha powers of
 * MULx with 0xa9 (SNOW 3G spec 3.3, 3.4). */
static void test_snow3g_tables_match_the_specification(void **state)
{
    (void)state;
    static const unsigned dickson[] = {1, 9, 13, 15, 33, 41, 45, 47, 49};

    for (unsigned x = 0; x < 256; x++) {
        uint8_t inv = x ? gf_pow((uint8_t)x, 254, 0x11b) : 0;
        uint8_t sr = inv;
        for (int r = 1; r <= 4; r++)
            sr ^= (uint8_t)(inv << r | inv >> (8 - r));
        sr ^= 0x63;
        uint8_t sq = 0x25;
        for (size_t e = 0; e < sizeof(dickson) / sizeof(dickson[0]); e++)
            sq ^= x ? gf_pow((uint8_t)x, dickson[e], 0x169) : 0;
        uint8_t c = (uint8_t)x;
        uint32_t ma = (uint32_t)mulxpow(c, 23, 0xa9) << 24 | (uint32_t)mulxpow(c, 245, 0xa9) << 16 |
                      (uint32_t)mulxpow(c, 48, 0xa9) << 8 | mulxpow(c, 239, 0xa9);
        uint32_t da = (uint32_t)mulxpow(c, 16, 0xa9) << 24 | (uint32_t)mulxpow(c, 39, 0xa9) << 16 |
                      (uint32_t)mulxpow(c, 6, 0xa9) << 8 | mulxpow(c, 64, 0xa9);
        if (snow3g_t1[x] != column(sr, 0x1b) || snow3g_t2[x] != column(sq, 0x69) ||
            snow3g_mul_alpha[x] != ma || snow3g_div_alpha[x] != da)
            fail_msg("SNOW 3G table entry %u differs from its definition", x);
    }
    /* Spot values printed in the specification. */
    assert_int_equal(snow3g_t1[0] & 0xff, 0x63);
    assert_int_equal(snow3g_t2[0] & 0xff, 0x25);
    assert_int_equal(snow3g_t2[1] & 0xff, 0x24);
}

/* Keystream in pieces of any size equals the keystream in one go. */
static void test_stream_chunking(void **state)
{
    (void)state;
    uint8_t key[16], iv[16];
    uint32_t all[100], part[100];
    struct snow3g a;
    struct zuc b;
    static const size_t cuts[] = {1, 15, 16, 3, 17, 32, 5, 11};

    for (int i = 0; i < 16; i++) {
        key[i] = (uint8_t)(i * 7 + 1);
        iv[i] = (uint8_t)(0xf0 - i);
    }
    snow3g_init(&a, key, iv);
    snow3g_words(&a, all, 100);
    snow3g_init(&a, key, iv);
    for (size_t i = 0, off = 0; off < 100; i++) {
        size_t n = cuts[i % 8] < 100 - off ? cuts[i % 8] : 100 - off;
        snow3g_words(&a, part + off, n);
        off += n;
    }
    assert_memory_equal(all, part, sizeof(all));

    zuc_init(&b, key, iv);
    zuc_words(&b, all, 100);
    zuc_init(&b, key, iv);
    for (size_t i = 0, off = 0; off < 100; i++) {
        size_t n = cuts[i % 8] < 100 - off ? cuts[i % 8] : 100 - off;
        zuc_words(&b, part + off, n);
        off += n;
    }
    assert_memory_equal(all, part, sizeof(all));
}

/* --------------------------------------------- round trips, negatives -- */

/* For every cipher and many bit lengths (odd ones included): decrypt
 * (encrypt (p)) == p on the first LENGTH bits, the unused bits come out
 * zero, and nothing past ceil(LENGTH/8) is written. */
static void test_eea_round_trip_bit_lengths(void **state)
{
    (void)state;
    uint8_t key[16], pt[300], ct[302], back[302];

    assert_int_equal(RAND_bytes(key, 16), 1);
    assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
    for (unsigned alg = 0; alg < 4; alg++) {
        for (size_t bits = 1; bits <= 8 * 260; bits += (bits < 140 ? 1 : 37)) {
            size_t len = (bits + 7) / 8;
            memset(ct, 0xee, sizeof(ct));
            memset(back, 0xee, sizeof(back));
            assert_int_equal(sec_eea(alg, key, 0x1234567, 3, 1, pt, ct, bits), 0);
            assert_int_equal(ct[len], 0xee);
            assert_int_equal(sec_eea(alg, key, 0x1234567, 3, 1, ct, back, bits), 0);
            assert_int_equal(back[len], 0xee);
            assert_memory_equal(back, pt, bits / 8);
            if (bits % 8) {
                uint8_t mask = (uint8_t)(0xff00 >> (bits % 8));
                assert_int_equal(back[len - 1], pt[len - 1] & mask);
                assert_int_equal(ct[len - 1] & (uint8_t)~mask, 0);
            }
            if (alg != 0 && bits >= 64)
                assert_memory_not_equal(ct, pt, 8);
        }
    }
}

/* A MAC covers exactly LENGTH bits: bits past it do not change it, and
 * flipping any bit inside it, or changing COUNT, BEARER, DIRECTION or the
 * key, does (the receiver's "wrong MAC" case). */
static void test_eia_wrong_mac_detected(void **state)
{
    (void)state;
    uint8_t key[16], msg[80], mac[4], mac2[4];

    assert_int_equal(RAND_bytes(key, 16), 1);
    assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
    for (unsigned alg = 1; alg < 4; alg++) {
        for (size_t bits = 1; bits <= 8 * 70; bits += 13) {
            size_t len = (bits + 7) / 8;
            assert_int_equal(sec_eia(alg, key, 77, 0, 0, msg, bits, mac), 0);
            /* the unused bits of the last octet are ignored */
            if (bits % 8) {
                msg[len - 1] ^= 1;
                assert_int_equal(sec_eia(alg, key, 77, 0, 0, msg, bits, mac2), 0);
                assert_memory_equal(mac, mac2, 4);
                msg[len - 1] ^= 1;
            }
            size_t flip = (bits * 7) % bits;
            msg[flip / 8] ^= (uint8_t)(0x80 >> (flip % 8));
            assert_int_equal(sec_eia(alg, key, 77, 0, 0, msg, bits, mac2), 0);
            assert_memory_not_equal(mac, mac2, 4);
            msg[flip / 8] ^= (uint8_t)(0x80 >> (flip % 8));
            assert_int_equal(sec_eia(alg, key, 78, 0, 0, msg, bits, mac2), 0);
            assert_memory_not_equal(mac, mac2, 4);
            assert_int_equal(sec_eia(alg, key, 77, 1, 0, msg, bits, mac2), 0);
            assert_memory_not_equal(mac, mac2, 4);
            assert_int_equal(sec_eia(alg, key, 77, 0, 1, msg, bits, mac2), 0);
            assert_memory_not_equal(mac, mac2, 4);
            key[3] ^= 0x40;
            assert_int_equal(sec_eia(alg, key, 77, 0, 0, msg, bits, mac2), 0);
            assert_memory_not_equal(mac, mac2, 4);
            key[3] ^= 0x40;
        }
    }
    /* EIA0: four zero octets whatever the input. */
    assert_int_equal(sec_eia(0, key, 77, 0, 0, msg, 100, mac), 0);
    assert_memory_equal(mac, "\0\0\0\0", 4);
}

/* EIA2's two paths (OpenSSL CMAC for whole octets, the block-level CMAC for
 * bit lengths) agree on whole-octet messages, and a keyed context gives the
 * same MAC on reuse. */
int sec_eia2_cmac_bits(struct sec_integrity *c, const uint8_t prefix[8], const uint8_t *msg,
                       size_t bits, uint8_t mac[4]);

static void test_eia2_paths_agree_and_context_reuse(void **state)
{
    (void)state;
    uint8_t key[16], msg[100], a[4], b[4], c[4];
    struct sec_integrity ctx;

    assert_int_equal(RAND_bytes(key, 16), 1);
    assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
    assert_int_equal(sec_integrity_init(&ctx, 2, key), 0);
    for (size_t len = 0; len <= 100; len++) {
        const uint8_t prefix[8] = {0, 0, 0, (uint8_t)len, 0, 0, 0, 0};
        assert_int_equal(sec_integrity_mac(&ctx, len, 0, 0, msg, 8 * len, a), 0);
        assert_int_equal(sec_eia2_cmac_bits(&ctx, prefix, msg, 8 * len, b), 0);
        assert_memory_equal(a, b, 4);
        assert_int_equal(sec_integrity_mac(&ctx, len, 0, 0, msg, 8 * len, c), 0);
        assert_memory_equal(a, c, 4);
    }
    sec_integrity_free(&ctx);
}

static void test_bad_arguments_rejected(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, buf[8] = {0}, mac[4];
    struct sec_cipher c;
    struct sec_integrity i;

    assert_int_equal(sec_cipher_init(&c, 4, key), -EINVAL);
    sec_cipher_free(&c);
    assert_int_equal(sec_integrity_init(&i, 9, key), -EINVAL);
    sec_integrity_free(&i);
    assert_int_equal(sec_eea(1, key, 0, 32, 0, buf, buf, 64), -EINVAL);
    assert_int_equal(sec_eia(3, key, 0, 0, 2, buf, 64, mac), -EINVAL);
    assert_string_equal(sec_eea_name(2), "EEA2");
    assert_string_equal(sec_eia_name(7), "?");
}

/* EIA1's GF(2^64) product: the portable loop and PCLMULQDQ agree, and
 * both satisfy x * x^63 = x^64 = x^4 + x^3 + x + 1. */
uint64_t sec_eia1_mul64(uint64_t v, uint64_t p, int impl);

static void test_eia1_mul64_implementations_agree(void **state)
{
    (void)state;
    uint64_t r[2 * 500];

    assert_int_equal(sec_eia1_mul64(2, 1ull << 63, 0), 0x1b);
    assert_int_equal(sec_eia1_mul64(2, 1ull << 63, 1), 0x1b);
    assert_int_equal(RAND_bytes((uint8_t *)r, sizeof(r)), 1);
    for (int i = 0; i < 500; i++)
        if (sec_eia1_mul64(r[2 * i], r[2 * i + 1], 0) != sec_eia1_mul64(r[2 * i], r[2 * i + 1], 1))
            fail_msg("MUL64(%016llx, %016llx) differs between implementations",
                     (unsigned long long)r[2 * i], (unsigned long long)r[2 * i + 1]);
}

/* EIA3's per-word accumulation (EEA3/EIA3 Document 1, 4.4): for every
 * message bit i that is set, the keystream word starting at bit i of the
 * 64-bit window is xored in.  The portable loop and PCLMULQDQ must agree. */
uint32_t sec_eia3_word(uint32_t m, uint64_t win, int impl);
static void test_eia3_word_implementations_agree(void **state)
{
    (void)state;
    uint64_t r[2 * 500];

    for (int impl = 0; impl < 2; impl++) {
        assert_int_equal(sec_eia3_word(0x80000000u, 0x123456789abcdef0ull, impl), 0x12345678u);
        assert_int_equal(sec_eia3_word(0x00000001u, 0x123456789abcdef0ull, impl), 0x4d5e6f78u);
        assert_int_equal(sec_eia3_word(0x80000001u, 0x123456789abcdef0ull, impl),
                         0x12345678u ^ 0x4d5e6f78u);
    }
    assert_int_equal(RAND_bytes((uint8_t *)r, sizeof(r)), 1);
    for (int i = 0; i < 500; i++)
        if (sec_eia3_word((uint32_t)r[2 * i], r[2 * i + 1], 0) !=
            sec_eia3_word((uint32_t)r[2 * i], r[2 * i + 1], 1))
            fail_msg("EIA3 word(%08x, %016llx) differs between implementations",
                     (unsigned)r[2 * i], (unsigned long long)r[2 * i + 1]);
}

/* The default never picks EEA0 while the UE has a real cipher, even when
 * the operator's list puts EEA0 first or leaves the UE's cipher out. */
static void test_algorithm_selection(void **state)
{
    (void)state;
    static const uint8_t null_first[] = {0, 1};
    static const uint8_t snow_only[] = {1};

    assert_int_equal(sec_select_eea(0xf0, NULL, 0), 2);
    assert_int_equal(sec_select_eia(0x70, NULL, 0), 2);
    assert_int_equal(sec_select_eea(0xd0, NULL, 0), 3); /* EEA0, 1, 3 */
    assert_int_equal(sec_select_eea(0xc0, NULL, 0), 1);
    assert_int_equal(sec_select_eea(0x80, NULL, 0), 0); /* only EEA0 */
    assert_int_equal(sec_select_eea(0xa0, null_first, 2), 2);
    assert_int_equal(sec_select_eea(0xe0, null_first, 2), 1);
    assert_int_equal(sec_select_eea(0x90, snow_only, 1), 3);
    assert_int_equal(sec_select_eea(0x00, NULL, 0), -1);
    assert_int_equal(sec_select_eia(0x80, NULL, 0), -1); /* never EIA0 */
    assert_int_equal(sec_select_eia(0x30, snow_only, 1), -1);
    assert_int_equal(sec_select_eia(0x50, snow_only, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eea_vectors),
        cmocka_unit_test(test_eia_vectors),
        cmocka_unit_test(test_zuc_keystream_sets),
        cmocka_unit_test(test_snow3g_tables_match_the_specification),
        cmocka_unit_test(test_stream_chunking),
        cmocka_unit_test(test_eea_round_trip_bit_lengths),
        cmocka_unit_test(test_eia_wrong_mac_detected),
        cmocka_unit_test(test_eia2_paths_agree_and_context_reuse),
        cmocka_unit_test(test_bad_arguments_rejected),
        cmocka_unit_test(test_algorithm_selection),
        cmocka_unit_test(test_eia1_mul64_implementations_agree),
        cmocka_unit_test(test_eia3_word_implementations_agree),
    };
    return cmocka_run_group_tests_name("sec_algs", tests, NULL, NULL);
}
