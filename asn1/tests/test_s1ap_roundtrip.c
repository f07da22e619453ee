/* Every S1AP message type, filled through its descriptor with valid values
 * (all optional IEs and extension IEs present, none, and a random mix),
 * encodes, decodes and re-encodes to the same bytes.  This walks every
 * generated type that a message can reach.  With S1AP_RT_HEX=path set, the
 * encodings are also written there as "<message> <hex>" lines, and with
 * S1AP_RT_HEX_MIN those without optional IEs (tshark checks while
 * developing the codec). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "s1ap.h"

enum fill_mode { FILL_ALL, FILL_NONE, FILL_RANDOM };

struct filler {
    enum fill_mode mode;
    uint64_t rng;
    struct aper_arena *arena;
};

static uint64_t rnd(struct filler *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return f->rng;
}

static bool want(struct filler *f, unsigned depth)
{
    if (depth > 12)
        return false;
    return f->mode == FILL_ALL || (f->mode == FILL_RANDOM && (rnd(f) & 1));
}

static uint64_t pick(struct filler *f, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + rnd(f) % (hi - lo + 1);
}

static void fill(struct filler *f, const struct aper_type *t, void *v, unsigned depth);

static void fill_int(struct filler *f, const struct aper_type *t, void *v)
{
    aper_int_t lo = t->c.has_lb ? t->c.lb : 0, hi = t->c.has_ub ? t->c.ub : lo + 1000;
    aper_int_t x;
    int r = (int)(rnd(f) % 3);
    aper_int_t span = hi - lo;
    x = r == 0 ? lo : r == 1 ? hi
                             : lo + (span >= (aper_int_t)UINT64_MAX
                                         ? (aper_int_t)rnd(f)
                                         : (aper_int_t)(rnd(f) % ((uint64_t)span + 1)));
    switch (t->repr) {
    case APER_R_U8:  *(uint8_t *)v = (uint8_t)x; break;
    case APER_R_U16: *(uint16_t *)v = (uint16_t)x; break;
    case APER_R_U32: *(uint32_t *)v = (uint32_t)x; break;
    case APER_R_U64: *(uint64_t *)v = (uint64_t)x; break;
    case APER_R_I32: *(int32_t *)v = (int32_t)x; break;
    case APER_R_I64: *(int64_t *)v = (int64_t)x; break;
    default: fail_msg("%s: bad INTEGER repr", t->name);
    }
}

static uint8_t *bytes(struct filler *f, size_t n)
{
    uint8_t *p = aper_arena_alloc(f->arena, n ? n : 1, 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd(f);
    return p;
}

static size_t size_in(struct filler *f, const struct aper_type *t, size_t cap)
{
    uint64_t lo = t->c.has_lb ? (uint64_t)t->c.lb : 0;
    uint64_t hi = t->c.has_ub ? (uint64_t)t->c.ub : lo + cap;
    if (hi > lo + cap)
        hi = lo + cap;
    return (size_t)pick(f, lo, hi);
}

static void fill(struct filler *f, const struct aper_type *t, void *v, unsigned depth)
{
    switch (t->kind) {
    case APER_INTEGER:
        fill_int(f, t, v);
        return;
    case APER_ENUMERATED:
        *(int *)v = (int)(rnd(f) % t->n_items);
        return;
    case APER_BOOLEAN:
        *(bool *)v = rnd(f) & 1;
        return;
    case APER_NULL:
        return;
    case APER_BIT_STRING: {
        unsigned n = (unsigned)t->c.ub;
        if (t->repr == APER_R_BITS_U32) {
            *(uint32_t *)v = (uint32_t)(rnd(f) & (n == 32 ? 0xffffffffu : ((1u << n) - 1)));
            return;
        }
        if (t->repr == APER_R_BITS_U64) {
            *(uint64_t *)v = rnd(f) & (n == 64 ? ~0ull : ((1ull << n) - 1));
            return;
        }
        struct aper_bits *b = v;
        b->nbits = (uint32_t)size_in(f, t, 48);
        uint8_t *p = bytes(f, (b->nbits + 7) / 8);
        if (b->nbits % 8)
            p[b->nbits / 8] &= (uint8_t)(0xff << (8 - b->nbits % 8));
        b->buf = p;
        return;
    }
    case APER_OCTET_STRING:
        if (t->repr == APER_R_ARRAY && !strcmp(t->name, "TBCD-STRING")) {
            /* a PLMN identity whose digits tshark accepts: MCC 2xx, MNC yy */
            uint8_t *p = v;
            p[0] = (uint8_t)(0x02 | (rnd(f) % 10) << 4);
            p[1] = (uint8_t)(0xf0 | (rnd(f) % 10));
            p[2] = (uint8_t)((rnd(f) % 10) << 4 | (rnd(f) % 10));
            return;
        }
        if (t->repr == APER_R_ARRAY) {
            for (size_t i = 0; i < (size_t)t->c.ub; i++)
                ((uint8_t *)v)[i] = (uint8_t)rnd(f);
            return;
        }
        ((struct aper_octets *)v)->len = (uint32_t)size_in(f, t, 24);
        ((struct aper_octets *)v)->buf = bytes(f, ((struct aper_octets *)v)->len);
        return;
    case APER_CHAR_STRING: {
        struct aper_octets *o = v;
        const char *alpha = t->alphabet ? t->alphabet : "abcdefghijklmnopqrstuvwxyz";
        size_t na = strlen(alpha);
        o->len = (uint32_t)size_in(f, t, 12);
        uint8_t *p = bytes(f, o->len);
        for (size_t i = 0; i < o->len; i++)
            p[i] = (uint8_t)alpha[p[i] % na];
        o->buf = p;
        return;
    }
    case APER_SEQUENCE:
        for (unsigned i = 0; i < t->n_items; i++) {
            const struct aper_member *m = &t->members[i];
            if (m->offset < 0)
                continue;
            if (m->optional && m->present_offset >= 0) {
                if (!want(f, depth))
                    continue;
                *(bool *)((uint8_t *)v + m->present_offset) = true;
            } else if (m->optional && m->type->kind == APER_IE_CONTAINER && !want(f, depth)) {
                continue;            /* an extension container left empty */
            }
            fill(f, m->type, (uint8_t *)v + m->offset, depth + 1);
        }
        return;
    case APER_CHOICE: {
        unsigned idx;
        for (int tries = 0;; tries++) {
            idx = (unsigned)(rnd(f) % t->n_items);
            const struct aper_type *at = t->members[idx].type;
            if (!(at->kind == APER_IE_SINGLE && at->n_ies == 0))
                break;
            assert_true(tries < 100);
        }
        ((struct aper_choice_hdr *)v)->present = idx + 1;
        fill(f, t->members[idx].type, (uint8_t *)v + t->members[idx].offset, depth + 1);
        return;
    }
    case APER_SEQUENCE_OF: {
        struct aper_seqof *so = v;
        uint64_t lo = t->c.has_lb ? (uint64_t)t->c.lb : 0;
        uint64_t hi = depth > 8 ? lo : lo + 2;
        if (t->c.has_ub && hi > (uint64_t)t->c.ub)
            hi = (uint64_t)t->c.ub;
        so->count = (uint32_t)pick(f, lo ? lo : (depth > 8 ? 0 : 1), hi < 1 ? lo : hi);
        if (so->count < lo)
            so->count = (uint32_t)lo;
        so->items = aper_arena_alloc(f->arena, (size_t)so->count * t->elem->c_size + 1, 8);
        assert_non_null(so->items);
        for (uint32_t i = 0; i < so->count; i++)
            fill(f, t->elem, (uint8_t *)so->items + i * t->elem->c_size, depth + 1);
        return;
    }
    case APER_IE_CONTAINER:
        for (unsigned i = 0; i < t->n_ies; i++) {
            const struct aper_ie *ie = &t->ies[i];
            if (ie->present_offset >= 0) {
                if (!want(f, depth))
                    continue;
                *(bool *)((uint8_t *)v + ie->present_offset) = true;
            }
            fill(f, ie->type, (uint8_t *)v + ie->offset, depth + 1);
        }
        return;
    case APER_IE_SINGLE:
        fill(f, t->ies[0].type, v, depth + 1);
        return;
    }
    fail_msg("%s: bad kind %d", t->name, t->kind);
}

struct rt_state {
    uint8_t fill_mem[1 << 20];
    uint8_t dec_mem[1 << 20];
    uint8_t enc1[1 << 16], enc2[1 << 16];
    struct s1ap_pdu pdu, back;
};

static void roundtrip_all(struct rt_state *s, enum fill_mode mode, uint64_t seed, FILE *hex)
{
    unsigned done = 0;
    for (unsigned k = 1; k < S1AP_MSG__COUNT; k++) {
        struct aper_arena fa, da;
        struct filler f = { .mode = mode, .rng = seed * 7919 + k, .arena = &fa };
        struct s1ap_decode_error err;

        if (k == S1AP_MSG_PrivateMessage)
            continue;                             /* decode only: no private IEs */
        aper_arena_init(&fa, s->fill_mem, sizeof(s->fill_mem));
        aper_arena_init(&da, s->dec_mem, sizeof(s->dec_mem));
        assert_int_equal(s1ap_pdu_init(&s->pdu, (enum s1ap_msg_kind)k), 0);
        fill(&f, s1ap_msgs[k].desc, s1ap_pdu_msg(&s->pdu), 0);
        int n = s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1));
        if (n <= 0)
            fail_msg("%s (mode %d): encode %d", s1ap_msgs[k].name, mode, n);
        int rc = s1ap_decode(s->enc1, (size_t)n, &s->back, &da, &err);
        if (rc)
            fail_msg("%s (mode %d): decode %d: %s in %s at bit %zu", s1ap_msgs[k].name, mode,
                     rc, err.detail ? err.detail : "?", err.type_name ? err.type_name : "?",
                     err.bit_offset);
        assert_int_equal(s->back.kind, k);
        assert_int_equal(err.n_ies, 0);
        int m = s1ap_encode(&s->back, s->enc2, sizeof(s->enc2));
        if (m != n || memcmp(s->enc1, s->enc2, (size_t)n))
            fail_msg("%s (mode %d): re-encoding differs (%d vs %d bytes)", s1ap_msgs[k].name,
                     mode, n, m);
        if (hex) {
            fprintf(hex, "%s ", s1ap_msgs[k].name);
            for (int i = 0; i < n; i++)
                fprintf(hex, "%02x", s->enc1[i]);
            fputc('\n', hex);
        }
        done++;
    }
    assert_true(done >= 90);
}

static void test_every_message_all_optional_present(void **state)
{
    struct rt_state *s = *state;
    const char *path = getenv("S1AP_RT_HEX");
    FILE *hex = path ? fopen(path, "w") : NULL;
    roundtrip_all(s, FILL_ALL, 1, hex);
    if (hex)
        fclose(hex);
}

static void test_every_message_no_optional(void **state)
{
    const char *path = getenv("S1AP_RT_HEX_MIN");
    FILE *hex = path ? fopen(path, "w") : NULL;
    roundtrip_all(*state, FILL_NONE, 2, hex);
    if (hex)
        fclose(hex);
}

static void test_every_message_random_mix(void **state)
{
    for (uint64_t seed = 3; seed < 23; seed++)
        roundtrip_all(*state, FILL_RANDOM, seed, NULL);
}

static int setup(void **state)
{
    struct rt_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_all_optional_present),
        cmocka_unit_test(test_every_message_no_optional),
        cmocka_unit_test(test_every_message_random_mix),
    };
    return cmocka_run_group_tests_name("s1ap_roundtrip", tests, setup, teardown);
}
