/* nas_protect_batch(): every item as nas_protect() would protect it, byte
 * for byte, with the same error and the same COUNT handling, under every
 * algorithm pair and at every multi-buffer dispatch level; the peer's
 * nas_unprotect() accepts the result; error items fail alone; a context
 * that appears more than once takes its COUNTs in array order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nas/nas_security.h"
#include "sec/keystream_mb.h"

#define MAX_LEN 300
#define NCTX 24

/* One sender context, a twin keyed alike for nas_protect() (contexts own
 * OpenSSL state and are not copied), and the peer that unprotects. */
struct trio {
    struct nas_sec_ctx batch, ref, peer;
};

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: reproducible from the seed printed on failure */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void trio_init(struct trio *t, enum nas_sec_role role, uint8_t eea, uint8_t eia,
                      uint32_t count, unsigned seed)
{
    uint8_t kasme[32];
    enum nas_sec_role peer = role == NAS_SEC_ROLE_NETWORK ? NAS_SEC_ROLE_UE : NAS_SEC_ROLE_NETWORK;

    for (int i = 0; i < 32; i++)
        kasme[i] = (uint8_t)(seed * 71 + i * 13 + 5);
    assert_int_equal(nas_sec_ctx_init_kasme(&t->batch, role, 1, eea, eia, kasme), NAS_SEC_OK);
    assert_int_equal(nas_sec_ctx_init_kasme(&t->ref, role, 1, eea, eia, kasme), NAS_SEC_OK);
    assert_int_equal(nas_sec_ctx_init_kasme(&t->peer, peer, 1, eea, eia, kasme), NAS_SEC_OK);
    /* sender's next COUNT; the peer expects it */
    t->batch.dl_count = t->ref.dl_count = t->peer.dl_count = count;
    t->batch.ul_count = t->ref.ul_count = t->peer.ul_count = count;
}

static void trio_free(struct trio *t)
{
    nas_sec_ctx_free(&t->batch);
    nas_sec_ctx_free(&t->ref);
    nas_sec_ctx_free(&t->peer);
}

static uint32_t send_count(const struct nas_sec_ctx *c)
{
    return c->role == NAS_SEC_ROLE_NETWORK ? c->dl_count : c->ul_count;
}

/* One item's buffers, with guard octets after the capacity. */
struct slot {
    uint8_t msg[MAX_LEN];
    uint8_t out[MAX_LEN + 16], ref[MAX_LEN + 16];
    size_t ref_len;
    enum nas_sec_err ref_err;
    int trio; /* index into the pool, -1 for a NULL context */
};

/* Runs items[0..n) through nas_protect_batch() on the batch contexts and,
 * in array order, through nas_protect() on the twins; checks that every
 * item has the same error, length and octets (and nothing past its
 * capacity is written), that every context's COUNT ended where the twin's
 * did, and that the peer unprotects every protected item back to its
 * message. */
static void run_and_compare(struct trio *pool, size_t npool, struct nas_protect_item *items,
                            struct slot *slots, size_t n, unsigned long long seed)
{
    size_t ref_failed = 0;

    for (size_t i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        memset(s->out, 0xa5, sizeof(s->out));
        memset(s->ref, 0xa5, sizeof(s->ref));
        items[i].out = s->out;
        items[i].out_len = 12345;
        items[i].err = NAS_SEC_ERR_CRYPTO;
    }
    size_t failed = nas_protect_batch(items, n);

    for (size_t i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        struct nas_sec_ctx *ref = s->trio < 0 ? NULL : &pool[s->trio].ref;
        s->ref_err = nas_protect(ref, items[i].hdr, items[i].msg, items[i].len,
                                 items[i].out ? s->ref : NULL, items[i].cap, &s->ref_len);
        ref_failed += s->ref_err != NAS_SEC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        if (items[i].err != s->ref_err || items[i].out_len != s->ref_len)
            fail_msg("seed %llu item %zu/%zu (ctx %d, hdr %d, len %zu, cap %zu): batch gave %s "
                     "len %zu, nas_protect %s len %zu",
                     seed, i, n, s->trio, items[i].hdr, items[i].len, items[i].cap,
                     nas_sec_err_str(items[i].err), items[i].out_len,
                     nas_sec_err_str(s->ref_err), s->ref_len);
        if (s->ref_err == NAS_SEC_OK && memcmp(s->out, s->ref, s->ref_len) != 0)
            fail_msg("seed %llu item %zu/%zu (ctx %d eea %u eia %u, hdr %d, len %zu): batch "
                     "octets differ from nas_protect()",
                     seed, i, n, s->trio, pool[s->trio].ref.eea, pool[s->trio].ref.eia,
                     items[i].hdr, items[i].len);
        for (size_t k = items[i].cap; k < sizeof(s->out); k++)
            if (s->out[k] != 0xa5)
                fail_msg("seed %llu item %zu: octet %zu written past cap %zu", seed, i, k,
                         items[i].cap);
    }
    assert_int_equal(failed, ref_failed);
    for (size_t t = 0; t < npool; t++)
        if (send_count(&pool[t].batch) != send_count(&pool[t].ref))
            fail_msg("seed %llu ctx %zu: COUNT %u after the batch, %u after nas_protect", seed, t,
                     send_count(&pool[t].batch), send_count(&pool[t].ref));

    /* The receiving end, in array order (its COUNT estimate follows). */
    for (size_t i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        uint8_t back[MAX_LEN];
        size_t m;
        struct nas_sec_info info;
        if (items[i].err != NAS_SEC_OK)
            continue;
        enum nas_sec_err e = nas_unprotect(&pool[s->trio].peer, s->out, items[i].out_len, back,
                                           sizeof(back), &m, &info);
        if (e != NAS_SEC_OK)
            fail_msg("seed %llu item %zu: the peer's nas_unprotect says %s", seed, i,
                     nas_sec_err_str(e));
        if (items[i].hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
            assert_int_equal(m, NAS_SEC_SERVICE_REQUEST_LEN);
            assert_int_equal(back[1] >> 5, items[i].msg[1] >> 5);
        } else {
            assert_int_equal(m, items[i].len);
            assert_memory_equal(back, items[i].msg, m);
        }
        assert_int_equal(info.integrity_verified, pool[s->trio].peer.eia != 0);
    }
}

static const enum nas_sec_hdr good_hdrs[] = {
    NAS_SEC_HDR_INTEGRITY, NAS_SEC_HDR_INTEGRITY_CIPHERED, NAS_SEC_HDR_INTEGRITY_NEW_CTX,
    NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX};

/* A random item on a random pool context; one in eight is an error case. */
static void random_item(struct nas_protect_item *it, struct slot *s, struct trio *pool,
                        size_t npool)
{
    s->trio = (int)(rnd() % npool);
    size_t len = 1 + rnd() % (rnd() % 4 == 0 ? MAX_LEN : 120);
    for (size_t k = 0; k < len; k++)
        s->msg[k] = (uint8_t)rnd();
    s->msg[0] = 0x07;
    *it = (struct nas_protect_item){.ctx = &pool[s->trio].batch,
                                    .hdr = good_hdrs[rnd() % 4],
                                    .msg = s->msg,
                                    .len = len,
                                    .cap = len + NAS_SEC_HDR_LEN + rnd() % 8};
    if (pool[s->trio].batch.role == NAS_SEC_ROLE_UE && rnd() % 4 == 0) {
        /* SERVICE REQUEST: KSI in octet 2 bits 8-6 */
        s->msg[0] = 0xc7;
        s->msg[1] = (uint8_t)(rnd() % 7 << 5);
        it->hdr = NAS_SEC_HDR_SERVICE_REQUEST;
        it->len = 4;
        it->cap = 4 + rnd() % 4;
    }
    switch (rnd() % 64) {
    case 0: it->cap = it->len + 5; break;           /* one octet short */
    case 1: it->cap = 0; break;
    case 2: it->hdr = NAS_SEC_HDR_PLAIN; break;
    case 3: it->hdr = NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED; break;
    case 4: it->len = 0; break;
    case 5: it->msg = NULL; break;
    case 6: it->ctx = NULL; s->trio = -1; break;
    case 7: it->hdr = NAS_SEC_HDR_SERVICE_REQUEST; break; /* from the network, or bad octet 1 */
    }
}

/* A pool with every (EEA, EIA) pair, both roles, COUNTs near the SQN and
 * overflow wraps. */
static void pool_init(struct trio *pool, size_t npool)
{
    for (size_t t = 0; t < npool; t++) {
        static const uint32_t counts[] = {0, 1, 250, 0xff, 0x1fe, 0x12345};
        trio_init(&pool[t], t % 3 == 2 ? NAS_SEC_ROLE_UE : NAS_SEC_ROLE_NETWORK,
                  (uint8_t)(t % 4), (uint8_t)(t / 4 % 4), counts[t % 6], (unsigned)t);
    }
}

static void pool_free(struct trio *pool, size_t npool)
{
    for (size_t t = 0; t < npool; t++)
        trio_free(&pool[t]);
}

/* Random batches of 1..max items, mixed algorithms, lengths, header types,
 * roles and error items, contexts drawn with repetition, at every
 * dispatch level this CPU has. */
static void random_batches(size_t max, int rounds)
{
    struct trio *pool = calloc(NCTX, sizeof(*pool));
    struct nas_protect_item *items = calloc(max, sizeof(*items));
    struct slot *slots = calloc(max, sizeof(*slots));
    assert_non_null(pool);
    assert_non_null(items);
    assert_non_null(slots);

    for (int lvl = 0; lvl < SEC_MB_LEVEL_COUNT; lvl++) {
        if (sec_mb_set_level((enum sec_mb_level)lvl) != 0)
            continue;
        pool_init(pool, NCTX);
        for (int r = 0; r < rounds; r++) {
            unsigned long long seed = 0x5eed0000ull + (unsigned long long)lvl * 100000 + r;
            rng_state = seed;
            /* some rounds on few contexts, so that duplicates are common */
            size_t n = 1 + rnd() % max, npool = rnd() % 3 == 0 ? 1 + rnd() % 4 : NCTX;
            for (size_t i = 0; i < n; i++)
                random_item(&items[i], &slots[i], pool, npool);
            run_and_compare(pool, NCTX, items, slots, n, seed);
        }
        pool_free(pool, NCTX);
    }
    sec_mb_set_level(sec_mb_level_supported(SEC_MB_AVX512) ? SEC_MB_AVX512 : SEC_MB_GENERIC);
    free(pool);
    free(items);
    free(slots);
}

static void test_random_batches_match_nas_protect(void **state)
{
    (void)state;
    random_batches(40, 300);
}

/* More than one internal chunk (64 items), contexts repeated across and
 * within chunks. */
static void test_large_batches_across_chunks(void **state)
{
    (void)state;
    random_batches(200, 20);
}

/* Fixed batch: 16 network contexts with EEA1/EIA1 and EEA3/EIA3 (the
 * multi-buffer case), three items broken in different ways: they fail
 * with nas_protect()'s error, leave their context's COUNT alone, and the
 * other thirteen come out as nas_protect() makes them. */
static void test_error_items_fail_alone(void **state)
{
    (void)state;
    struct trio pool[16];
    struct nas_protect_item items[16];
    struct slot *slots = calloc(16, sizeof(*slots));
    assert_non_null(slots);

    for (int t = 0; t < 16; t++)
        trio_init(&pool[t], NAS_SEC_ROLE_NETWORK, t % 2 ? 3 : 1, t % 2 ? 3 : 1, 7, (unsigned)t);
    for (int i = 0; i < 16; i++) {
        for (int k = 0; k < 100; k++)
            slots[i].msg[k] = (uint8_t)(i + k * 3);
        slots[i].msg[0] = 0x07;
        slots[i].trio = i;
        items[i] = (struct nas_protect_item){&pool[i].batch, NAS_SEC_HDR_INTEGRITY_CIPHERED,
                                             slots[i].msg, 100, NULL, 106, 0, NAS_SEC_OK};
    }
    items[3].cap = 105;
    items[7].hdr = NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED;
    pool[11].batch.dl_count = pool[11].ref.dl_count = NAS_COUNT_MAX + 1;

    run_and_compare(pool, 16, items, slots, 16, 0);
    assert_int_equal(items[3].err, NAS_SEC_ERR_NO_SPACE);
    assert_int_equal(items[7].err, NAS_SEC_ERR_INVALID);
    assert_int_equal(items[11].err, NAS_SEC_ERR_COUNT_EXHAUSTED);
    for (int i = 0; i < 16; i++) {
        if (i == 3 || i == 7 || i == 11) {
            assert_int_equal(items[i].out_len, 0);
            assert_int_equal(pool[i].batch.dl_count, i == 11 ? NAS_COUNT_MAX + 1 : 7);
        } else {
            assert_int_equal(items[i].err, NAS_SEC_OK);
            assert_int_equal(items[i].out_len, 106);
            assert_int_equal(pool[i].batch.dl_count, 8);
        }
    }
    for (int t = 0; t < 16; t++)
        trio_free(&pool[t]);
    free(slots);
}

/* One UE, several messages in one batch between other UEs' messages: its
 * items take COUNTs 5, 6, 7 in array order (the SQN octet shows it), an
 * item of it that fails takes none, and the UE unprotects them in order.
 * Also at the COUNT's end: the last COUNT is used once, the next item of
 * that context is refused. */
static void test_same_context_twice_in_order(void **state)
{
    (void)state;
    struct trio pool[3];
    struct nas_protect_item items[7];
    struct slot *slots = calloc(7, sizeof(*slots));
    static const int ctx_of[7] = {0, 1, 0, 1, 0, 2, 0};
    assert_non_null(slots);

    trio_init(&pool[0], NAS_SEC_ROLE_NETWORK, 1, 3, 5, 0);
    trio_init(&pool[1], NAS_SEC_ROLE_NETWORK, 3, 1, 0, 1);
    trio_init(&pool[2], NAS_SEC_ROLE_NETWORK, 2, 2, NAS_COUNT_MAX, 2);
    for (int i = 0; i < 7; i++) {
        for (int k = 0; k < 60; k++)
            slots[i].msg[k] = (uint8_t)(i * 9 + k);
        slots[i].msg[0] = 0x07;
        slots[i].trio = ctx_of[i];
        items[i] = (struct nas_protect_item){&pool[ctx_of[i]].batch, NAS_SEC_HDR_INTEGRITY_CIPHERED,
                                             slots[i].msg, 60, NULL, 66, 0, NAS_SEC_OK};
    }
    items[2].cap = 10; /* UE 0's second message fails: the third takes its COUNT */

    run_and_compare(pool, 3, items, slots, 7, 1);
    assert_int_equal(items[0].err, NAS_SEC_OK);
    assert_int_equal(slots[0].out[5], 5);
    assert_int_equal(items[2].err, NAS_SEC_ERR_NO_SPACE);
    assert_int_equal(slots[4].out[5], 6);
    assert_int_equal(slots[6].out[5], 7);
    assert_int_equal(slots[1].out[5], 0);
    assert_int_equal(slots[3].out[5], 1);
    assert_int_equal(pool[0].batch.dl_count, 8);
    assert_int_equal(pool[1].batch.dl_count, 2);
    assert_int_equal(items[5].err, NAS_SEC_OK); /* COUNT 2^24 - 1: the last one */
    assert_int_equal(pool[2].batch.dl_count, NAS_COUNT_MAX + 1);

    /* The context at its last COUNT twice in one batch. */
    pool[2].batch.dl_count = pool[2].ref.dl_count = NAS_COUNT_MAX;
    pool[2].peer.dl_count = NAS_COUNT_MAX;
    struct nas_protect_item two[2] = {items[5], items[5]};
    struct slot two_slots[2] = {slots[5], slots[5]};
    run_and_compare(pool, 3, two, two_slots, 2, 2);
    assert_int_equal(two[0].err, NAS_SEC_OK);
    assert_int_equal(two[1].err, NAS_SEC_ERR_COUNT_EXHAUSTED);

    for (int t = 0; t < 3; t++)
        trio_free(&pool[t]);
    free(slots);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    assert_int_equal(nas_protect_batch(NULL, 0), 0);
    assert_int_equal(nas_protect_batch(NULL, 3), 3);
    struct nas_protect_item it = {0};
    assert_int_equal(nas_protect_batch(&it, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_batches_match_nas_protect),
        cmocka_unit_test(test_large_batches_across_chunks),
        cmocka_unit_test(test_error_items_fail_alone),
        cmocka_unit_test(test_same_context_twice_in_order),
        cmocka_unit_test(test_empty_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
