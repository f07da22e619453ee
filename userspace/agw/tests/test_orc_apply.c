/* orc_apply.c: the orchestrator's configuration into agwd's SQLite — a full
 * sync drops what orcd no longer has (orchestrator subscribers only), a
 * delta puts and deletes, an update keeps the gateway's SQN, an APN's
 * values reach its subscribers, items the gateway cannot hold are skipped
 * without losing the page, and the subscribers that lose service are
 * listed for the loop to detach. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "agw/agw_db.h"
#include "agw/agw_orc.h"

static char dir[64], path[128], errbuf[512];
static struct agw_db db;

#define K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define OPC "cd63cb71954a9f4e48a5994e37a02baf"

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/xepc-orcapply-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/agw.db", dir);
    return agw_db_open(path, &db, errbuf, sizeof(errbuf));
}

static int teardown(void **state)
{
    (void)state;
    agw_db_close(&db);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static long long q(const char *sql)
{
    sqlite3_stmt *s;
    long long v = -1;
    if (sqlite3_prepare_v2(db.db, sql, -1, &s, NULL) != SQLITE_OK)
        return -2;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static char *sub(const char *imsi, const char *extra)
{
    static char b[512];
    snprintf(b, sizeof(b),
             "{\"kind\":\"subscriber\",\"id\":\"%s\",\"body\":{\"imsi\":\"%s\",\"k\":\"" K
             "\",\"opc\":\"" OPC "\",\"amf\":\"8000\",\"state\":\"active\",\"apns\":[\"internet\"]%s}}",
             imsi, imsi, extra);
    return b;
}

static int apply(const char *text, int64_t gen, struct orc_apply_stats *st,
                 struct orc_imsi_list *lost)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", je.text, text);
    char why[256];
    int rc = orc_apply_items(&db, j, gen, st, lost, why, sizeof(why));
    json_decref(j);
    return rc;
}

static void test_full_then_delta(void **state)
{
    (void)state;
    struct orc_apply_stats st;
    struct orc_imsi_list lost = {0};
    char items[2048], v[80];
    /* a subscriber provisioned locally: never touched by a sync */
    assert_int_equal(sqlite3_exec(db.db, "INSERT INTO subscribers (imsi, k, opc, amf) VALUES "
                                         "('001019999999999', zeroblob(16), zeroblob(16), x'8000')",
                                  NULL, NULL, NULL), SQLITE_OK);
    int64_t gen = orc_apply_full_begin(&db);
    assert_true(gen > 0);
    snprintf(items, sizeof(items),
             "[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"ambr\":{\"ul\":5000,\"dl\":9000},"
             "\"qci\":8,\"arp\":{\"priority\":3,\"capability\":true,\"vulnerability\":false}}},");
    strcat(items, sub("001010000000001", ",\"msisdn\":\"331\""));
    strcat(items, ",");
    strcat(items, sub("001010000000002", ""));
    strcat(items, ",");
    strcat(items, sub("0010100001", "")); /* 10 digits: orcd allows it, we cannot */
    strcat(items, "]");
    assert_int_equal(apply(items, gen, &st, &lost), 0);
    assert_int_equal(st.puts, 3);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(orc_apply_full_end(&db, gen, "abcd0123.4", &st, &lost), 0);
    assert_int_equal(orc_apply_version(&db, v, sizeof(v)), 0);
    assert_string_equal(v, "abcd0123.4");
    assert_int_equal(q("SELECT count(*) FROM subscribers"), 3);
    assert_int_equal(q("SELECT qci FROM subscriber_apns WHERE imsi='001010000000001'"), 8);
    assert_int_equal(q("SELECT ambr_dl FROM subscriber_apns WHERE imsi='001010000000002'"), 9000);
    assert_int_equal(q("SELECT arp_priority*100 + arp_capability*10 + arp_vulnerability "
                       "FROM subscriber_apns WHERE imsi='001010000000002'"), 310);
    assert_int_equal(q("SELECT count(*) FROM orc_object WHERE body LIKE '%" K "%'"), 0);
    assert_int_equal(lost.n, 0);

    /* the gateway's SQN moves on; an update from orcd keeps it */
    assert_int_equal(sqlite3_exec(db.db, "UPDATE subscribers SET sqn = 77 WHERE imsi='001010000000001'",
                                  NULL, NULL, NULL), SQLITE_OK);
    snprintf(items, sizeof(items), "[%s", sub("001010000000001", ",\"msisdn\":\"332\""));
    strcat(items, ",{\"kind\":\"apn\",\"id\":\"internet\",\"op\":\"put\",\"seq\":6,\"body\":"
                  "{\"ambr\":{\"ul\":5000,\"dl\":9000},\"qci\":6}},"
                  "{\"kind\":\"subscriber\",\"id\":\"001010000000002\",\"op\":\"delete\",\"seq\":7}]");
    assert_int_equal(apply(items, 0, &st, &lost), 0);
    assert_int_equal(st.puts, 2);
    assert_int_equal(st.deletes, 1);
    assert_int_equal(q("SELECT sqn FROM subscribers WHERE imsi='001010000000001'"), 77);
    assert_int_equal(q("SELECT msisdn FROM subscribers WHERE imsi='001010000000001'"), 332);
    assert_int_equal(q("SELECT qci FROM subscriber_apns WHERE imsi='001010000000001'"), 6);
    assert_int_equal(q("SELECT count(*) FROM subscribers WHERE imsi='001010000000002'"), 0);
    assert_int_equal(lost.n, 1);
    assert_string_equal(lost.imsi[0], "001010000000002");
    /* deleting a local subscriber by name does nothing */
    assert_int_equal(apply("[{\"kind\":\"subscriber\",\"id\":\"001019999999999\",\"op\":\"delete\"}]",
                           0, &st, &lost), 0);
    assert_int_equal(q("SELECT count(*) FROM subscribers WHERE imsi='001019999999999'"), 1);
    assert_int_equal(lost.n, 1);

    /* suspended: inactive, and listed */
    snprintf(items, sizeof(items), "[%s]", sub("001010000000001", ",\"state\":\"suspended\""));
    /* the later "state" member wins in jansson's object: the body says suspended */
    assert_int_equal(apply(items, 0, &st, &lost), 0);
    assert_int_equal(q("SELECT state = 'inactive' FROM subscribers WHERE imsi='001010000000001'"), 1);
    assert_int_equal(lost.n, 2);

    /* a new full sync that no longer has subscriber 1: dropped, listed */
    gen = orc_apply_full_begin(&db);
    assert_int_equal(apply("[{\"kind\":\"network\",\"id\":\"n1\",\"body\":{}}]", gen, &st, &lost), 0);
    assert_int_equal(orc_apply_full_end(&db, gen, "ffff0000.1", &st, &lost), 0);
    assert_int_equal(q("SELECT count(*) FROM subscribers"), 1); /* the local one */
    assert_int_equal(q("SELECT count(*) FROM orc_object"), 1);  /* the network */
    assert_int_equal(lost.n, 3);
    assert_string_equal(lost.imsi[2], "001010000000001");
    orc_imsi_list_free(&lost);
}

/* Malformed items are skipped one by one; a non-array is refused whole. */
static void test_bad_items(void **state)
{
    (void)state;
    struct orc_apply_stats st;
    assert_int_equal(apply("{\"items\":1}", 0, &st, NULL), -EINVAL);
    assert_int_equal(apply("[1, {\"kind\":\"x\"}, {\"kind\":\"apn\",\"id\":\"a\",\"body\":3},"
                           "{\"kind\":\"subscriber\",\"id\":\"001010000000005\",\"body\":"
                           "{\"imsi\":\"001010000000005\",\"k\":\"zz\",\"opc\":\"" OPC "\"}},"
                           "{\"kind\":\"policy\",\"id\":\"p\",\"body\":{}}]",
                           0, &st, NULL), 0);
    assert_int_equal(st.rejected, 4);
    assert_int_equal(st.puts, 1);
    assert_int_equal(q("SELECT count(*) FROM orc_object WHERE kind='policy'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_then_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_items, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
