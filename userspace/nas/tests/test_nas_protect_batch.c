/* nas_protect_batch(): every item as nas_protect() would protect it, byte
 * for byte, with the same error and the same COUNT handling, under every
 * algorithm pair and at every multi-buffer dispatch level; the peer's
 * nas_unprotect() accepts the result; error items fail alone; a context
 * that appears more than once takes its COUNTs in array order.  And
 * nas_unprotect_batch() against nas_unprotect() on twin receivers, with
 * forged, replayed and malformed PDUs among the good ones. */
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
    sec_mb_set_level(sec_mb_best_level());
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

/* --------------------------------------------------- nas_unprotect_batch -- */

#define PDU_MAX (MAX_LEN + NAS_SEC_HDR_LEN)
#define KEEP 64 /* earlier PDUs kept per round, for replays */

struct updu {
    uint8_t pdu[PDU_MAX];
    size_t len;
    int ctx; /* receiver index, -1 for none */
    uint8_t out[PDU_MAX + 8], ref[PDU_MAX + 8];
};

/* trio.batch sends (nas_protect), trio.peer receives through the batch,
 * trio.ref (re-keyed with the peer's role) through nas_unprotect(). */
static void pool_init_rx(struct trio *pool, size_t npool)
{
    pool_init(pool, npool);
    for (size_t t = 0; t < npool; t++) {
        uint8_t kasme[32];
        enum nas_sec_role role = pool[t].peer.role;
        uint32_t ul = pool[t].peer.ul_count, dl = pool[t].peer.dl_count;
        for (int i = 0; i < 32; i++)
            kasme[i] = (uint8_t)(t * 71 + i * 13 + 5);
        nas_sec_ctx_free(&pool[t].ref);
        assert_int_equal(nas_sec_ctx_init_kasme(&pool[t].ref, role, 1, (uint8_t)(t % 4),
                                                (uint8_t)(t / 4 % 4), kasme),
                         NAS_SEC_OK);
        pool[t].ref.ul_count = ul;
        pool[t].ref.dl_count = dl;
    }
}

static void test_unprotect_batch_matches_nas_unprotect(void **state)
{
    (void)state;
    struct trio *pool = calloc(NCTX, sizeof(*pool));
    struct updu *u = calloc(200, sizeof(*u)), *kept = calloc(KEEP, sizeof(*kept));
    struct nas_unprotect_item *items = calloc(200, sizeof(*items));
    uint8_t msg[MAX_LEN];
    assert_non_null(pool);
    assert_non_null(u);
    assert_non_null(kept);
    assert_non_null(items);

    for (int lvl = 0; lvl < SEC_MB_LEVEL_COUNT; lvl++) {
        if (sec_mb_set_level((enum sec_mb_level)lvl) != 0)
            continue;
        pool_init_rx(pool, NCTX);
        size_t nkept = 0;
        for (int r = 0; r < 300; r++) {
            unsigned long long seed = 0xdec0de00ull + (unsigned long long)lvl * 100000 + r;
            rng_state = seed;
            size_t n = 1 + rnd() % (r % 10 == 0 ? 200 : 40);
            size_t npool = rnd() % 3 == 0 ? 1 + rnd() % 4 : NCTX;
            for (size_t i = 0; i < n; i++) {
                struct updu *x = &u[i];
                x->ctx = (int)(rnd() % npool);
                struct nas_sec_ctx *snd = &pool[x->ctx].batch;
                size_t len = 1 + rnd() % (rnd() % 4 == 0 ? MAX_LEN : 120);
                for (size_t k = 0; k < len; k++)
                    msg[k] = (uint8_t)rnd();
                msg[0] = 0x07;
                enum nas_sec_hdr hdr = good_hdrs[rnd() % 4];
                if (snd->role == NAS_SEC_ROLE_UE && rnd() % 4 == 0) {
                    msg[0] = 0xc7;
                    msg[1] = (uint8_t)(rnd() % 7 << 5);
                    hdr = NAS_SEC_HDR_SERVICE_REQUEST;
                    len = 4;
                }
                assert_int_equal(nas_protect(snd, hdr, msg, len, x->pdu, PDU_MAX, &x->len),
                                 NAS_SEC_OK);
                switch (rnd() % 16) {
                case 0: x->pdu[rnd() % x->len] ^= (uint8_t)(1u << rnd() % 8); break;
                case 1: /* a replay of an earlier PDU of the round or before */
                    if (nkept) {
                        struct updu *o = &kept[rnd() % nkept];
                        memcpy(x->pdu, o->pdu, o->len);
                        x->len = o->len;
                        x->ctx = o->ctx;
                    }
                    break;
                case 2: x->len = rnd() % 8; break; /* truncated */
                case 3: x->pdu[0] = (uint8_t)((rnd() % 16) << 4 | 7); break;
                case 4: x->ctx = -1; break;
                case 5: memcpy(x->pdu, msg, len); x->len = len; break; /* plain */
                }
                if (rnd() % 4 == 0 && nkept < KEEP)
                    kept[nkept++] = *x;
                /* lost in transit now and then: the receiver skips a COUNT */
                if (rnd() % 32 == 0 && x->ctx >= 0)
                    x->len = 0;
                items[i] = (struct nas_unprotect_item){
                    .ctx = x->ctx < 0 ? NULL : &pool[x->ctx].peer,
                    .pdu = x->pdu,
                    .len = x->len,
                    .out = x->out,
                    .cap = rnd() % 16 == 0 ? rnd() % PDU_MAX : PDU_MAX,
                    .out_len = 999,
                    .err = NAS_SEC_ERR_CRYPTO};
                memset(x->out, 0x5a, sizeof(x->out));
                memset(x->ref, 0x5a, sizeof(x->ref));
            }
            nas_unprotect_batch(items, n);
            for (size_t i = 0; i < n; i++) {
                struct updu *x = &u[i];
                struct nas_sec_info info;
                size_t out_len = 777;
                enum nas_sec_err e =
                    nas_unprotect(x->ctx < 0 ? NULL : &pool[x->ctx].ref, x->pdu, x->len, x->ref,
                                  items[i].cap, &out_len, &info);
                const struct nas_sec_info *b = &items[i].info;
                if (e != items[i].err || out_len != items[i].out_len ||
                    memcmp(x->out, x->ref, sizeof(x->out)) != 0 || info.hdr != b->hdr ||
                    info.pd != b->pd || info.sqn != b->sqn || info.ksi != b->ksi ||
                    info.mac != b->mac || info.count != b->count ||
                    info.integrity_verified != b->integrity_verified ||
                    info.ciphered != b->ciphered)
                    fail_msg("seed %llu item %zu/%zu (ctx %d, len %zu): batch %s len %zu count "
                             "%u, nas_unprotect %s len %zu count %u",
                             seed, i, n, x->ctx, x->len, nas_sec_err_str(items[i].err),
                             items[i].out_len, b->count, nas_sec_err_str(e), out_len, info.count);
            }
            for (size_t t = 0; t < NCTX; t++) {
                assert_int_equal(pool[t].peer.ul_count, pool[t].ref.ul_count);
                assert_int_equal(pool[t].peer.dl_count, pool[t].ref.dl_count);
            }
        }
        pool_free(pool, NCTX);
    }
    sec_mb_set_level(sec_mb_best_level());
    free(pool);
    free(u);
    free(kept);
    free(items);
}

/* One UE's three uplink messages in one batch, the middle one forged: the
 * first and third are accepted in order, the forged one fails alone and a
 * replay of the first at the end is recognised as one. */
static void test_unprotect_batch_same_context_in_order(void **state)
{
    (void)state;
    struct trio t;
    uint8_t pdu[4][70], out[4][70];
    size_t len[4];
    struct nas_unprotect_item items[4];

    trio_init(&t, NAS_SEC_ROLE_UE, 3, 1, 300, 9);
    for (int i = 0; i < 3; i++) {
        uint8_t msg[60];
        memset(msg, 0x30 + i, sizeof(msg));
        msg[0] = 0x07;
        assert_int_equal(nas_protect(&t.batch, NAS_SEC_HDR_INTEGRITY_CIPHERED, msg, 60, pdu[i],
                                     sizeof(pdu[i]), &len[i]),
                         NAS_SEC_OK);
    }
    pdu[1][10] ^= 1;
    memcpy(pdu[3], pdu[0], len[0]);
    len[3] = len[0];
    for (int i = 0; i < 4; i++)
        items[i] = (struct nas_unprotect_item){&t.peer, pdu[i], len[i], out[i], sizeof(out[i]), 0,
                                               {0}, NAS_SEC_OK};
    assert_int_equal(nas_unprotect_batch(items, 4), 2);
    assert_int_equal(items[0].err, NAS_SEC_OK);
    assert_int_equal(items[0].info.count, 300);
    assert_int_equal(items[1].err, NAS_SEC_ERR_MAC);
    assert_int_equal(items[2].err, NAS_SEC_OK);
    assert_int_equal(items[2].info.count, 302);
    assert_int_equal(items[3].err, NAS_SEC_ERR_REPLAY);
    assert_int_equal(t.peer.ul_count, 303);
    assert_int_equal(out[2][5], 0x32);
    trio_free(&t);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    assert_int_equal(nas_protect_batch(NULL, 0), 0);
    assert_int_equal(nas_protect_batch(NULL, 3), 3);
    struct nas_protect_item it = {0};
    assert_int_equal(nas_protect_batch(&it, 0), 0);
    assert_int_equal(nas_unprotect_batch(NULL, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_batches_match_nas_protect),
        cmocka_unit_test(test_large_batches_across_chunks),
        cmocka_unit_test(test_error_items_fail_alone),
        cmocka_unit_test(test_same_context_twice_in_order),
        cmocka_unit_test(test_unprotect_batch_matches_nas_unprotect),
        cmocka_unit_test(test_unprotect_batch_same_context_in_order),
        cmocka_unit_test(test_empty_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
