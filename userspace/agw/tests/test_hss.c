/* The local HSS: provisioning, vectors checked by the USIM side of
 * userspace/sec (with the TS 35.208 test set 1 subscriber), SQN
 * monotonicity across calls and reopens, re-synchronisation with a real
 * AUTS, the subscriber states, CSV import (whole or nothing, bad rows with
 * their line numbers, no key in any message) and two processes writing at
 * once. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "agw/hss.h"
#include "lib/hex.h"

/* TS 35.208 test set 1 */
#define K1 "465b5ce8b199b49faa5f0a2ee238a6bc"
#define OP1 "cdc202d5123e20f62b6d676ac72cb318"
#define OPC1 "cd63cb71954a9f4e48a5994e37a02baf"

static const uint8_t plmn00101[3] = {0x00, 0xf1, 0x10};
static char dir[64], path[128], errbuf[8192];
static struct agw_db db;
static struct hss h;

static void hx(const char *s, uint8_t *out, size_t n)
{
    if (hex_decode_exact(s, out, n) != 0)
        fail_msg("bad literal %s", s);
}

static void reopen(void)
{
    agw_db_close(&db);
    if (agw_db_open(path, &db, errbuf, sizeof(errbuf)))
        fail_msg("reopen: %s", errbuf);
    hss_init(&h, &db);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/xepc-hss-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/agw.db", dir);
    if (agw_db_open(path, &db, errbuf, sizeof(errbuf)))
        return -1;
    hss_init(&h, &db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    agw_db_close(&db);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void sub_set1(struct hss_subscriber *s, const char *imsi)
{
    hss_subscriber_init(s);
    snprintf(s->imsi, sizeof(s->imsi), "%s", imsi);
    hx(K1, s->k, 16);
    hx(OPC1, s->opc, 16);
}

static void add_ok(const struct hss_subscriber *s)
{
    enum hss_err e = hss_add(&h, s);
    if (e)
        fail_msg("hss_add %s: %s", s->imsi, hss_err_str(e));
}

static void test_add_get_update_delete(void **state)
{
    (void)state;
    struct hss_subscriber s, g;
    char why[128];
    sub_set1(&s, "001010000000001");
    strcpy(s.msisdn, "33612345678");
    s.ue_ambr_ul_bps = 5000000;
    s.ue_ambr_dl_bps = 10000000;
    assert_int_equal(hss_apn_parse("internet", &s.apns[0], why, sizeof(why)), 0);
    assert_int_equal(hss_apn_parse("ims:qci=5:arp=2/1/0:ambr=1Mbps/2Mbps:ip=10.46.0.9", &s.apns[1],
                                   why, sizeof(why)),
                     0);
    s.n_apns = 2;
    add_ok(&s);
    assert_int_equal(hss_add(&h, &s), HSS_ERR_EXISTS);

    assert_int_equal(hss_get(&h, "001010000000001", &g, false), HSS_OK);
    assert_string_equal(g.msisdn, "33612345678");
    assert_int_equal(g.state, HSS_STATE_ACTIVE);
    assert_memory_equal(g.amf, ((uint8_t[]){0x80, 0x00}), 2);
    assert_int_equal(g.ue_ambr_dl_bps, 10000000);
    /* without keys: none read */
    assert_memory_equal(g.k, ((uint8_t[16]){0}), 16);
    assert_memory_equal(g.opc, ((uint8_t[16]){0}), 16);
    assert_int_equal(g.n_apns, 2);
    assert_string_equal(g.apns[0].name, "internet");
    assert_int_equal(g.apns[0].qci, 0);
    assert_string_equal(g.apns[1].name, "ims");
    assert_int_equal(g.apns[1].qci, 5);
    assert_int_equal(g.apns[1].arp_priority, 2);
    assert_true(g.apns[1].arp_capability);
    assert_false(g.apns[1].arp_vulnerability);
    assert_int_equal(g.apns[1].ambr_ul_bps, 1000000);
    assert_int_equal(g.apns[1].ambr_dl_bps, 2000000);
    assert_int_equal(g.apns[1].static_ipv4.s_addr, inet_addr("10.46.0.9"));

    assert_int_equal(hss_get(&h, "001010000000001", &g, true), HSS_OK);
    assert_memory_equal(g.k, s.k, 16);
    assert_memory_equal(g.opc, s.opc, 16);
    hss_subscriber_wipe(&g);
    assert_memory_equal(g.k, ((uint8_t[16]){0}), 16);

    /* update: everything replaced, SQN kept */
    assert_int_equal(hss_auth_vector(&h, "001010000000001", plmn00101,
                                     &(struct sec_eps_vector){0}),
                     HSS_OK);
    assert_int_equal(hss_get(&h, "001010000000001", &g, false), HSS_OK);
    uint64_t sqn = g.sqn;
    assert_true(sqn > 0);
    s.n_apns = 1;
    s.msisdn[0] = 0;
    assert_int_equal(hss_update(&h, &s, true), HSS_OK);
    assert_int_equal(hss_get(&h, "001010000000001", &g, false), HSS_OK);
    assert_int_equal(g.sqn, sqn);
    assert_int_equal(g.n_apns, 1);
    assert_string_equal(g.msisdn, "");
    sub_set1(&s, "001010000000099");
    assert_int_equal(hss_update(&h, &s, true), HSS_ERR_NOT_FOUND);

    assert_int_equal(hss_delete(&h, "001010000000001"), HSS_OK);
    assert_int_equal(hss_delete(&h, "001010000000001"), HSS_ERR_NOT_FOUND);
    assert_int_equal(hss_get(&h, "001010000000001", &g, false), HSS_ERR_NOT_FOUND);
    /* its APN rows went with it */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db.db, "SELECT COUNT(*) FROM subscriber_apns", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
}

static void test_bad_subscribers_refused(void **state)
{
    (void)state;
    struct hss_subscriber s;
    char why[128];
    sub_set1(&s, "00101000000001"); /* 14 digits */
    assert_int_equal(hss_add(&h, &s), HSS_ERR_INVALID);
    sub_set1(&s, "00101000000001x");
    assert_int_equal(hss_add(&h, &s), HSS_ERR_INVALID);
    sub_set1(&s, "001010000000001");
    strcpy(s.msisdn, "12a");
    assert_int_equal(hss_add(&h, &s), HSS_ERR_INVALID);
    sub_set1(&s, "001010000000001");
    s.sqn = UINT64_C(1) << 48;
    assert_int_equal(hss_add(&h, &s), HSS_ERR_INVALID);
    sub_set1(&s, "001010000000001");
    hss_apn_parse("internet", &s.apns[0], why, sizeof(why));
    hss_apn_parse("INTERNET", &s.apns[1], why, sizeof(why));
    s.n_apns = 2;
    assert_int_equal(hss_add(&h, &s), HSS_ERR_INVALID);
    assert_int_equal(hss_apn_parse("a_b", &s.apns[0], why, sizeof(why)), -EINVAL);
    assert_int_equal(hss_apn_parse("ims:qci=10", &s.apns[0], why, sizeof(why)), -EINVAL);
    assert_int_equal(hss_apn_parse("ims:arp=16", &s.apns[0], why, sizeof(why)), -EINVAL);
    assert_int_equal(hss_apn_parse("ims:ambr=1Mbps", &s.apns[0], why, sizeof(why)), -EINVAL);
    assert_int_equal(hss_apn_parse("ims:ip=10.0.0", &s.apns[0], why, sizeof(why)), -EINVAL);
    assert_int_equal(hss_apn_parse("ims:foo=1", &s.apns[0], why, sizeof(why)), -EINVAL);
    /* a static address is one subscriber's */
    sub_set1(&s, "001010000000001");
    hss_apn_parse("internet:ip=10.45.0.9", &s.apns[0], why, sizeof(why));
    s.n_apns = 1;
    add_ok(&s);
    sub_set1(&s, "001010000000002");
    hss_apn_parse("Internet:ip=10.45.0.9", &s.apns[0], why, sizeof(why));
    s.n_apns = 1;
    assert_int_equal(hss_add(&h, &s), HSS_ERR_EXISTS);
}

/* OP given: OPc = E_K(OP) xor OP is what is stored (TS 35.208 set 1). */
static void test_opc_derived_from_op(void **state)
{
    (void)state;
    struct hss_subscriber s, g;
    sub_set1(&s, "001010000000001");
    memset(s.opc, 0, 16);
    hx(OP1, s.op, 16);
    s.use_op = true;
    add_ok(&s);
    assert_int_equal(hss_get(&h, "001010000000001", &g, true), HSS_OK);
    uint8_t want[16];
    hx(OPC1, want, 16);
    assert_memory_equal(g.opc, want, 16);
    assert_true(g.op_derived);
    hss_subscriber_wipe(&g);
}

/* The HSS's vector is what sec_eps_vector_make gives for its SQN and RAND
 * with the set-1 keys, and the USIM (sec_usim_authenticate) accepts it
 * with RES = XRES and the same CK/IK. */
static void test_vector_accepted_by_usim(void **state)
{
    (void)state;
    struct hss_subscriber s;
    struct sec_eps_vector v, w;
    struct milenage m;
    uint8_t k[16], opc[16], res[8], ck[16], ik[16], auts[14];
    sub_set1(&s, "001010000000001");
    hx("b9b9", s.amf, 2);
    /* the last SQN issued such that the next is test set 1's ff9bb4d0b607 */
    s.sqn = ((UINT64_C(0xff9bb4d0b607) >> 5) - 1) << 5 | 6;
    add_ok(&s);
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
    assert_int_equal(v.sqn, UINT64_C(0xff9bb4d0b607));

    hx(K1, k, 16);
    hx(OPC1, opc, 16);
    assert_int_equal(milenage_init(&m, k, opc), 0);
    const uint8_t amf[2] = {0xb9, 0xb9};
    assert_int_equal(sec_eps_vector_make(&m, v.sqn, amf, plmn00101, v.rand, &w), SEC_AUTH_OK);
    assert_memory_equal(v.autn, w.autn, 16);
    assert_memory_equal(v.xres, w.xres, 8);
    assert_memory_equal(v.kasme, w.kasme, 32);
    /* AUTN's AMF is the subscriber's (its separation bit already set). */
    assert_memory_equal(v.autn + 6, amf, 2);

    /* a USIM that has seen the SEQs up to just below (within DELTA) */
    struct sec_usim_sqn usim;
    for (int i = 0; i < 32; i++)
        usim.seq_ms[i] = (v.sqn >> 5) - 1;
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, res, ck, ik, auts),
                     SEC_AUTH_OK);
    assert_memory_equal(res, v.xres, 8);
    assert_memory_equal(ck, v.ck, 16);
    assert_memory_equal(ik, v.ik, 16);
    milenage_free(&m);
}

/* The separation bit is forced for EPS even when the stored AMF lacks it. */
static void test_vector_sets_separation_bit(void **state)
{
    (void)state;
    struct hss_subscriber s;
    struct sec_eps_vector v;
    sub_set1(&s, "001010000000001");
    s.amf[0] = 0x00;
    add_ok(&s);
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
    assert_int_equal(v.autn[6] & 0x80, 0x80);
}

/* TS 33.102 C.3.2: each vector SEQ_HE + 1 with the next IND (cyclic), also
 * after a reopen of the database. */
static void test_sqn_monotonic_across_calls_and_reopen(void **state)
{
    (void)state;
    struct hss_subscriber s;
    struct sec_eps_vector v;
    sub_set1(&s, "001010000000001");
    add_ok(&s);
    uint64_t prev_seq = 0;
    unsigned prev_ind = 0;
    for (int i = 0; i < 70; i++) {
        if (i == 35)
            reopen();
        assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
        uint64_t seq = v.sqn >> 5;
        unsigned ind = v.sqn & 31;
        if (seq != prev_seq + 1)
            fail_msg("vector %d: SEQ %llu after %llu", i, (unsigned long long)seq,
                     (unsigned long long)prev_seq);
        if (i > 0 && ind != (prev_ind + 1) % 32)
            fail_msg("vector %d: IND %u after %u", i, ind, prev_ind);
        prev_seq = seq;
        prev_ind = ind;
    }
    struct hss_subscriber g;
    assert_int_equal(hss_get(&h, s.imsi, &g, false), HSS_OK);
    assert_int_equal(g.sqn, v.sqn); /* the stored SQN is the last issued */
}

static void test_unknown_inactive_barred(void **state)
{
    (void)state;
    struct hss_subscriber s, g;
    struct sec_eps_vector v;
    uint8_t rand[16] = {0}, auts[14] = {0};
    assert_int_equal(hss_auth_vector(&h, "001019999999999", plmn00101, &v), HSS_ERR_NOT_FOUND);
    assert_int_equal(hss_resync(&h, "001019999999999", rand, auts, NULL), HSS_ERR_NOT_FOUND);
    sub_set1(&s, "001010000000001");
    s.state = HSS_STATE_INACTIVE;
    add_ok(&s);
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_ERR_INACTIVE);
    assert_int_equal(hss_set_state(&h, s.imsi, HSS_STATE_BARRED), HSS_OK);
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_ERR_BARRED);
    assert_int_equal(hss_set_state(&h, s.imsi, HSS_STATE_ACTIVE), HSS_OK);
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
    /* no SQN was spent on the refusals */
    assert_int_equal(hss_get(&h, s.imsi, &g, false), HSS_OK);
    assert_int_equal(g.sqn >> 5, 1);
    assert_int_equal(hss_set_state(&h, "001019999999999", HSS_STATE_BARRED), HSS_ERR_NOT_FOUND);
}

/* A USIM far ahead (it was used with another HSS) answers synch failure
 * with an AUTS; the HSS verifies it, takes SQN_MS, and its next vector is
 * accepted.  A tampered AUTS is refused and changes nothing. */
static void test_resync_with_real_auts(void **state)
{
    (void)state;
    struct hss_subscriber s, g;
    struct sec_eps_vector v;
    struct milenage m;
    uint8_t k[16], opc[16], res[8], auts[14], bad[14];
    uint64_t sqn_ms;
    sub_set1(&s, "001010000000001");
    add_ok(&s);
    hx(K1, k, 16);
    hx(OPC1, opc, 16);
    assert_int_equal(milenage_init(&m, k, opc), 0);
    struct sec_usim_sqn usim = {{0}};
    for (int i = 0; i < 32; i++)
        usim.seq_ms[i] = 5000 + (uint64_t)i;

    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, res, NULL, NULL, auts),
                     SEC_AUTH_SYNCH_FAILURE);

    memcpy(bad, auts, 14);
    bad[13] ^= 1;
    assert_int_equal(hss_resync(&h, s.imsi, v.rand, bad, NULL), HSS_ERR_MAC_S);
    assert_int_equal(hss_get(&h, s.imsi, &g, false), HSS_OK);
    assert_int_equal(g.sqn, v.sqn);

    assert_int_equal(hss_resync(&h, s.imsi, v.rand, auts, &sqn_ms), HSS_OK);
    assert_int_equal(sqn_ms >> 5, 5031); /* the USIM's highest SEQ */
    reopen();                            /* and it is stored */
    assert_int_equal(hss_auth_vector(&h, s.imsi, plmn00101, &v), HSS_OK);
    assert_int_equal(v.sqn >> 5, 5032);
    assert_int_equal(sec_usim_authenticate(&m, &usim, v.rand, v.autn, true, res, NULL, NULL, auts),
                     SEC_AUTH_OK);
    assert_memory_equal(res, v.xres, 8);
    milenage_free(&m);
}

static FILE *text(const char *s)
{
    FILE *f = fmemopen((void *)s, strlen(s), "r");
    assert_non_null(f);
    return f;
}

#define HDR "imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4\n"

static void test_csv_import(void **state)
{
    (void)state;
    static const char csv[] =
        HDR "001010000000001," K1 "," OPC1 ",,,,,,,\n"
            "# a comment\n"
            "\n"
            "001010000000002," K1 ",," OP1 ",b9b9,0x1000,33612345678,barred,"
            "internet;ims:qci=5,ims=10.46.0.2\r\n";
    size_t n;
    struct hss_subscriber g;
    FILE *f = text(csv);
    enum hss_err e = hss_import_csv(&h, f, "subs.csv", false, &n, errbuf, sizeof(errbuf));
    fclose(f);
    if (e)
        fail_msg("import: %s\n%s", hss_err_str(e), errbuf);
    assert_int_equal(n, 2);
    assert_int_equal(hss_get(&h, "001010000000001", &g, true), HSS_OK);
    assert_memory_equal(g.amf, ((uint8_t[]){0x80, 0}), 2);
    assert_int_equal(g.sqn, 0);
    assert_int_equal(g.state, HSS_STATE_ACTIVE);
    assert_int_equal(g.n_apns, 0);
    assert_false(g.op_derived);
    assert_int_equal(hss_get(&h, "001010000000002", &g, true), HSS_OK);
    uint8_t opc[16];
    hx(OPC1, opc, 16);
    assert_memory_equal(g.opc, opc, 16);
    assert_true(g.op_derived);
    assert_memory_equal(g.amf, ((uint8_t[]){0xb9, 0xb9}), 2);
    assert_int_equal(g.sqn, 0x1000);
    assert_string_equal(g.msisdn, "33612345678");
    assert_int_equal(g.state, HSS_STATE_BARRED);
    assert_int_equal(g.n_apns, 2);
    assert_string_equal(g.apns[1].name, "ims");
    assert_int_equal(g.apns[1].qci, 5);
    assert_int_equal(g.apns[1].static_ipv4.s_addr, inet_addr("10.46.0.2"));
    assert_int_equal(g.apns[0].static_ipv4.s_addr, 0);
    hss_subscriber_wipe(&g);

    /* The same file again: every row exists; --replace takes it. */
    f = text(csv);
    assert_int_equal(hss_import_csv(&h, f, "subs.csv", false, &n, errbuf, sizeof(errbuf)),
                     HSS_ERR_INVALID);
    fclose(f);
    assert_non_null(strstr(errbuf, "subs.csv:2: IMSI 001010000000001 already exists"));
    assert_non_null(strstr(errbuf, "subs.csv:5: IMSI 001010000000002 already exists"));
    f = text(csv);
    assert_int_equal(hss_import_csv(&h, f, "subs.csv", true, &n, errbuf, sizeof(errbuf)), HSS_OK);
    fclose(f);
    assert_int_equal(n, 2);
}

/* Every bad row is reported with its line; nothing of the file is kept;
 * no key appears in any message. */
static void test_csv_bad_rows_reject_the_file(void **state)
{
    (void)state;
    static const char csv[] =
        HDR "001010000000001," K1 "," OPC1 ",,,,,,,\n"          /* 2: good */
            "00101000000000," K1 "," OPC1 ",,,,,,,\n"           /* 3: 14 digits */
            "001010000000003,465b5ce8," OPC1 ",,,,,,,\n"        /* 4: short k */
            "001010000000004," K1 "," OPC1 "," OP1 ",,,,,,\n"   /* 5: opc and op */
            "001010000000005," K1 ",,,,,,,,\n"                  /* 6: neither */
            "001010000000006," K1 "," OPC1 ",,b9,,,,,\n"        /* 7: amf */
            "001010000000007," K1 "," OPC1 ",,,281474976710656,,,,\n" /* 8: sqn */
            "001010000000008," K1 "," OPC1 ",,,,12ab,,,\n"      /* 9: msisdn */
            "001010000000009," K1 "," OPC1 ",,,,,frozen,,\n"    /* 10: state */
            "001010000000010," K1 "," OPC1 ",,,,,,in_ternet,\n" /* 11: apn */
            "001010000000011," K1 "," OPC1 ",,,,,,internet,ims=10.0.0.1\n" /* 12 */
            "001010000000012," K1 "," OPC1 ",,,,,,internet,internet=10.0.0\n" /* 13 */
            "001010000000013," K1 "," OPC1 ",,,,,\n"            /* 14: fields */
            "001010000000001," K1 "," OPC1 ",,,,,,,\n"          /* 15: repeated */
            "001010000000014," K1 "," OPC1 ",,,,,,,,\n"         /* 16: 11 fields */
            "001010000000015,\"" K1 "\"," OPC1 ",,,,,,,\n";     /* 17: quotes */
    static const char *const want[] = {
        "bad.csv:3: imsi '00101000000000' is not 15 digits",
        "bad.csv:4: k is not 32 hex digits",
        "bad.csv:5: exactly one of opc and op must be given",
        "bad.csv:6: exactly one of opc and op must be given",
        "bad.csv:7: amf 'b9' is not 4 hex digits",
        "bad.csv:8: sqn '281474976710656' does not fit 48 bits",
        "bad.csv:9: msisdn '12ab' is not 1..15 digits",
        "bad.csv:10: state 'frozen' is not active, inactive or barred",
        "bad.csv:11: 'in_ternet' is not an APN name",
        "bad.csv:12: static_ipv4 for APN 'ims', which is not in apns",
        "bad.csv:13: static_ipv4 for internet: '10.0.0' is not an IPv4 address",
        "bad.csv:14: 8 fields, 10 expected",
        "bad.csv:15: IMSI 001010000000001 already exists",
        "bad.csv:16: more than 10 fields",
        "bad.csv:17: ",
    };
    size_t n = 99;
    uint64_t count;
    FILE *f = text(csv);
    assert_int_equal(hss_import_csv(&h, f, "bad.csv", false, &n, errbuf, sizeof(errbuf)),
                     HSS_ERR_INVALID);
    fclose(f);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(errbuf, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], errbuf);
    assert_null(strstr(errbuf, "bad.csv:2:"));
    assert_null(strstr(errbuf, K1));
    assert_null(strstr(errbuf, OPC1));
    assert_null(strstr(errbuf, OP1));
    assert_null(strstr(errbuf, "465b5ce8"));
    assert_int_equal(n, 0);
    assert_int_equal(hss_count(&h, &count), HSS_OK);
    assert_int_equal(count, 0);

    f = text("imsi,k,opc\n");
    assert_int_equal(hss_import_csv(&h, f, "h.csv", false, &n, errbuf, sizeof(errbuf)),
                     HSS_ERR_INVALID);
    fclose(f);
    assert_non_null(strstr(errbuf, "h.csv:1: the first line must be the header"));
    f = text("");
    assert_int_equal(hss_import_csv(&h, f, "e.csv", false, &n, errbuf, sizeof(errbuf)),
                     HSS_ERR_INVALID);
    fclose(f);
    assert_non_null(strstr(errbuf, "e.csv: empty file"));
}

static void test_list_pages(void **state)
{
    (void)state;
    struct hss_subscriber s, page[4];
    size_t n, total = 0;
    char last[16] = "";
    for (int i = 9; i >= 0; i--) { /* added out of order */
        char imsi[32];
        snprintf(imsi, sizeof(imsi), "0010100000000%02d", i % 100);
        sub_set1(&s, imsi);
        add_ok(&s);
    }
    do {
        assert_int_equal(hss_list(&h, last, page, 4, &n), HSS_OK);
        for (size_t i = 0; i < n; i++) {
            char want[32];
            snprintf(want, sizeof(want), "0010100000000%02zu", (total + i) % 100);
            assert_string_equal(page[i].imsi, want);
            assert_memory_equal(page[i].k, ((uint8_t[16]){0}), 16);
        }
        total += n;
        if (n)
            strcpy(last, page[n - 1].imsi);
    } while (n == 4);
    assert_int_equal(total, 10);
    uint64_t c;
    assert_int_equal(hss_count(&h, &c), HSS_OK);
    assert_int_equal(c, 10);
}

/* Two processes at once, each importing its own 500 subscribers and taking
 * 100 vectors of one shared subscriber: every import lands, and no SQN is
 * issued twice (the shared SEQ advanced by exactly 200). */
static void test_concurrent_writers(void **state)
{
    (void)state;
    struct hss_subscriber s, g;
    sub_set1(&s, "001019999999999");
    add_ok(&s);
    pid_t pids[2];
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            struct agw_db cdb;
            struct hss ch;
            size_t len = 64 + 500 * 100, off = 0, n;
            char *csv = malloc(len);
            int bad = 0;
            if (!csv || agw_db_open(path, &cdb, NULL, 0))
                _exit(10);
            hss_init(&ch, &cdb);
            off += (size_t)snprintf(csv + off, len - off, "%s", HDR);
            for (int i = 0; i < 500; i++)
                off += (size_t)snprintf(csv + off, len - off, "00101%d%09d," K1 "," OPC1 ",,,,,,,\n",
                                        p, i);
            FILE *f = fmemopen(csv, off, "r");
            for (int i = 0; i < 100; i++) {
                struct sec_eps_vector v;
                if (i == 50 && hss_import_csv(&ch, f, "c.csv", false, &n, NULL, 0))
                    bad |= 1;
                if (hss_auth_vector(&ch, "001019999999999", plmn00101, &v))
                    bad |= 2;
            }
            fclose(f);
            free(csv);
            agw_db_close(&cdb);
            _exit(bad);
        }
    }
    for (int p = 0; p < 2; p++) {
        int st;
        assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
        if (!WIFEXITED(st) || WEXITSTATUS(st))
            fail_msg("writer %d failed (status %#x)", p, st);
    }
    uint64_t c;
    assert_int_equal(hss_count(&h, &c), HSS_OK);
    assert_int_equal(c, 1001);
    assert_int_equal(hss_get(&h, "001019999999999", &g, false), HSS_OK);
    assert_int_equal(g.sqn >> 5, 200);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_get_update_delete),
        T(test_bad_subscribers_refused),
        T(test_opc_derived_from_op),
        T(test_vector_accepted_by_usim),
        T(test_vector_sets_separation_bit),
        T(test_sqn_monotonic_across_calls_and_reopen),
        T(test_unknown_inactive_barred),
        T(test_resync_with_real_auts),
        T(test_csv_import),
        T(test_csv_bad_rows_reject_the_file),
        T(test_list_pages),
        T(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
