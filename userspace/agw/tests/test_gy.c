/* gy_build.c: the MSCCs of a Gy CCR from the books of each rating group
 * (RFC 4006 8.16, TS 32.299 7.1.9): which rating groups a CCR-I/U/T
 * carries, their Used-Service-Units, Reporting-Reasons and RSUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agw/gy_int.h"

/* A session with the catch-all rating group 1 and the groups of rgs[1..]. */
static void sess(struct gy_sess *g, const uint32_t *rgs, unsigned n)
{
    memset(g, 0, sizeof(*g));
    g->rg = rgs[0];
    for (unsigned i = 0; i < GY_MAX_RG; i++)
        g->rgs[i].g = g;
    for (unsigned i = 0; i < n; i++) {
        struct gy_rg *r = gy_rg_add(g, rgs[i]);
        assert_non_null(r);
        r->asked = true;
    }
}

static const struct diam_mscc *of(const struct diam_mscc *ms, unsigned n, uint32_t rg)
{
    for (unsigned i = 0; i < n; i++)
        if (ms[i].has_rating_group && ms[i].rating_group == rg)
            return &ms[i];
    return NULL;
}

static void test_ccr_i_asks_every_live_rating_group(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1, 20};
    struct gy_sess g;
    struct diam_mscc ms[DIAM_MAX_MSCC];
    struct gy_settle set[DIAM_MAX_MSCC];
    uint64_t charged[GY_MAX_RG] = {0};
    sess(&g, rgs, 2);
    unsigned n = gy_mscc_build(&g, DIAM_CC_INITIAL, charged, ms, set);
    assert_int_equal(n, 2);
    for (unsigned i = 0; i < n; i++) {
        assert_true(ms[i].requested.present);   /* an empty RSU each */
        assert_false(ms[i].used.present);       /* nothing used yet */
        assert_false(ms[i].has_reporting_reason);
    }
    assert_non_null(of(ms, n, 1));
    assert_non_null(of(ms, n, 20));
    assert_true(g.rgs[0].busy && g.rgs[1].busy);
}

/* A CCR-U carries the rating groups that have something to say, each with
 * its own Reporting-Reason (TS 32.299 7.2.175); the others are left out. */
static void test_ccr_u_batches_only_the_rating_groups_with_a_trigger(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1, 20, 30, 40};
    struct gy_sess g;
    struct diam_mscc ms[DIAM_MAX_MSCC];
    struct gy_settle set[DIAM_MAX_MSCC];
    sess(&g, rgs, 4);
    g.rgs[0].reported = 1000;
    g.rgs[0].want = true;
    g.rgs[0].want_reason = DIAM_RR_THRESHOLD;
    g.rgs[1].reported = 500;                    /* 20: nothing to report */
    g.rgs[2].asked = false;                     /* 30: new, not asked yet */
    g.rgs[3].reported = 100;                    /* 40: its validity ran out */
    g.rgs[3].want = true;
    g.rgs[3].want_reason = DIAM_RR_VALIDITY_TIME;
    uint64_t charged[GY_MAX_RG] = {4000, 900, 0, 350};
    unsigned n = gy_mscc_build(&g, DIAM_CC_UPDATE, charged, ms, set);
    assert_int_equal(n, 3);
    const struct diam_mscc *a = of(ms, n, 1), *c = of(ms, n, 30), *d = of(ms, n, 40);
    assert_null(of(ms, n, 20));
    assert_non_null(a);
    assert_true(a->used.present && a->used.has_total);
    assert_int_equal(a->used.total, 3000);      /* 4000 - 1000 reported */
    assert_int_equal(a->reporting_reason, DIAM_RR_THRESHOLD);
    assert_true(a->requested.present);
    assert_non_null(c);
    assert_false(c->used.present);              /* only its RSU */
    assert_true(c->requested.present);
    assert_non_null(d);
    assert_int_equal(d->used.total, 250);
    assert_int_equal(d->reporting_reason, DIAM_RR_VALIDITY_TIME);
    /* what the journal settles per rating group */
    for (unsigned i = 0; i < n; i++)
        if (set[i].rg == 1)
            assert_true(set[i].base == 4000 && set[i].used == 3000);
    assert_false(g.rgs[1].busy);                /* 20 is not in flight */
    assert_true(g.rgs[0].busy && g.rgs[2].busy && g.rgs[3].busy);
    assert_true(g.rgs[2].asked);
    assert_false(g.rgs[0].want || g.rgs[3].want);
}

/* A rating group whose last rule went reports its last units with FINAL
 * and asks for nothing; one after its final units or blocked asks for
 * nothing either (RFC 4006 5.6, TS 32.299 6.3.3). */
static void test_ccr_u_gone_final_blocked_ask_nothing(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1, 20, 30};
    struct gy_sess g;
    struct diam_mscc ms[DIAM_MAX_MSCC];
    sess(&g, rgs, 3);
    g.rgs[1].live = false;
    g.rgs[1].gone = true;
    g.rgs[1].off = 7000;                        /* its slot went: off has it all */
    g.rgs[1].reported = 5000;
    g.rgs[2].final = true;
    g.rgs[2].want = true;
    g.rgs[2].want_reason = DIAM_RR_FINAL;
    g.rgs[0].blocked = true;
    g.rgs[0].want = true;
    g.rgs[0].want_reason = DIAM_RR_QUOTA_EXHAUSTED;
    uint64_t charged[GY_MAX_RG] = {10, 7000, 20};
    unsigned n = gy_mscc_build(&g, DIAM_CC_UPDATE, charged, ms, NULL);
    assert_int_equal(n, 3);
    const struct diam_mscc *b = of(ms, n, 20), *c = of(ms, n, 30), *a = of(ms, n, 1);
    assert_int_equal(b->used.total, 2000);
    assert_int_equal(b->reporting_reason, DIAM_RR_FINAL);
    assert_false(b->requested.present);
    assert_int_equal(c->reporting_reason, DIAM_RR_FINAL);
    assert_false(c->requested.present);
    assert_int_equal(a->reporting_reason, DIAM_RR_QUOTA_EXHAUSTED);
    assert_false(a->requested.present);
}

/* CCR-T: every rating group, FINAL, no RSU (RFC 4006 5.4). */
static void test_ccr_t_reports_every_rating_group(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1, 20, 30};
    struct gy_sess g;
    struct diam_mscc ms[DIAM_MAX_MSCC];
    sess(&g, rgs, 3);
    g.rgs[2].blocked = true;
    uint64_t charged[GY_MAX_RG] = {100, 200, 300};
    unsigned n = gy_mscc_build(&g, DIAM_CC_TERMINATION, charged, ms, NULL);
    assert_int_equal(n, 3);
    assert_int_equal(of(ms, n, 1)->used.total, 100);
    assert_int_equal(of(ms, n, 20)->used.total, 200);
    assert_int_equal(of(ms, n, 30)->used.total, 300);   /* blocked, still reported */
    for (unsigned i = 0; i < n; i++) {
        assert_true(ms[i].used.present);
        assert_int_equal(ms[i].reporting_reason, DIAM_RR_FINAL);
        assert_false(ms[i].requested.present);
    }
}

/* Rules sharing a rating group share its entry (its quota); a ninth
 * rating group finds no room. */
static void test_rating_group_entries(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1};
    struct gy_sess g;
    sess(&g, rgs, 1);
    struct gy_rg *a = gy_rg_add(&g, 20);
    assert_ptr_equal(gy_rg_add(&g, 20), a);
    assert_ptr_equal(gy_rg_find(&g, 20), a);
    assert_null(gy_rg_add(&g, 0));
    for (uint32_t rg = 21; rg < 21 + GY_MAX_RG - 2; rg++)
        assert_non_null(gy_rg_add(&g, rg));
    assert_null(gy_rg_add(&g, 99));
    struct diam_rule_def d;
    memset(&d, 0, sizeof(d));
    d.has_rating_group = true;
    d.rating_group = 20;
    assert_false(gy_rule_online(&d));           /* no Online AVP: offline */
    d.has_online = true;
    d.online = 1;
    assert_true(gy_rule_online(&d));
    d.online = 0;
    assert_false(gy_rule_online(&d));
}

/* A CCR-U that goes for one group's trigger takes the groups whose
 * Validity-Time ends within half of it (plus the last round trip) along,
 * with Reporting-Reason VALIDITY_TIME (TS 32.299 7.2.175), so that the
 * groups re-align; the others, and groups in flight, final, blocked,
 * gone or never granted, stay out; each MSCC is settled once. */
static void test_ccr_u_takes_the_groups_due_soon(void **state)
{
    (void)state;
    static const uint32_t rgs[] = {1, 20, 30, 40, 50, 60};
    struct gy_sess g;
    struct diam_mscc ms[DIAM_MAX_MSCC];
    struct gy_settle set[DIAM_MAX_MSCC];
    sess(&g, rgs, 6);
    for (unsigned i = 0; i < 6; i++)
        g.rgs[i].validity_s = 2;
    g.rgs[0].reported = 1000;                   /* 1: its threshold */
    g.rgs[0].want = true;
    g.rgs[0].want_reason = DIAM_RR_THRESHOLD;
    g.rgs[1].reported = 500;                    /* 20: 1.05 s left of 2 */
    g.rgs[2].reported = 100;                    /* 30: 1.2 s left */
    g.rgs[3].final = true;                      /* 40: final units, 0.1 s */
    g.rgs[4].blocked = true;                    /* 50: blocked, 0.1 s */
    g.rgs[5].validity_s = 0;                    /* 60: no Validity-Time */
    double left[GY_MAX_RG] = {-1, 1.05, 1.2, 0.1, 0.1, 0.1, -1, -1};
    /* the window: 2 / 2 + the round trip of 0.1 s */
    assert_int_equal(gy_join_due(&g, left, 0.1), 1);
    assert_true(g.rgs[1].want && g.rgs[1].early);
    assert_int_equal(g.rgs[1].want_reason, DIAM_RR_VALIDITY_TIME);
    assert_int_equal(g.rgs[0].want_reason, DIAM_RR_THRESHOLD);  /* its own */
    assert_false(g.rgs[0].early);
    assert_false(g.rgs[2].want || g.rgs[3].want || g.rgs[4].want || g.rgs[5].want);
    uint64_t charged[GY_MAX_RG] = {4000, 900, 700, 0, 0, 0};
    unsigned n = gy_mscc_build(&g, DIAM_CC_UPDATE, charged, ms, set);
    assert_int_equal(n, 2);
    const struct diam_mscc *a = of(ms, n, 1), *b = of(ms, n, 20);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->used.total, 3000);
    assert_int_equal(a->reporting_reason, DIAM_RR_THRESHOLD);
    assert_int_equal(b->used.total, 400);
    assert_int_equal(b->reporting_reason, DIAM_RR_VALIDITY_TIME);
    assert_true(b->requested.present);
    for (unsigned i = 0; i < n; i++)
        if (set[i].rg == 20)
            assert_true(set[i].base == 900 && set[i].used == 400);
    /* in flight now: a second request takes neither again */
    assert_int_equal(gy_join_due(&g, left, 0.1), 0);
    /* a late answer does not widen the window past the whole validity:
     * 30's 1.2 s of 2 join with a round trip of 5 s (the window is 2 s),
     * 2.5 s left does not */
    g.rgs[0].busy = g.rgs[1].busy = false;
    double left2[GY_MAX_RG] = {-1, 2.5, 1.2, -1, -1, -1, -1, -1};
    assert_int_equal(gy_join_due(&g, left2, 5.0), 1);
    assert_true(g.rgs[2].want && !g.rgs[1].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ccr_i_asks_every_live_rating_group),
        cmocka_unit_test(test_ccr_u_batches_only_the_rating_groups_with_a_trigger),
        cmocka_unit_test(test_ccr_u_gone_final_blocked_ask_nothing),
        cmocka_unit_test(test_ccr_t_reports_every_rating_group),
        cmocka_unit_test(test_rating_group_entries),
        cmocka_unit_test(test_ccr_u_takes_the_groups_due_soon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
