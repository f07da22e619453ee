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

#include <arpa/inet.h>

#include "agw/agw_config.h"
#include "agw/agw_db.h"
#include "agw/agw_orc.h"
#include "agw/agw_policy.h"

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


/* orc_policy.c: orcd's policy objects over the YAML file's policy, by
 * name; what the datapath cannot take is skipped and said; deleting
 * orcd's object gives the file's back. */
static void test_policy_over_yaml(void **state)
{
    (void)state;
    struct orc_apply_stats st;
    struct agw_policy yaml, out;
    char why[512];
    memset(&yaml, 0, sizeof(yaml));
    /* the file: rule "web" (precedence 10), rule "keep", rating group 7 */
    snprintf(yaml.rules[0].name, sizeof(yaml.rules[0].name), "web");
    yaml.rules[0].precedence = 10;
    yaml.rules[0].n_flows = 1;
    snprintf(yaml.rules[0].flows[0], sizeof(yaml.rules[0].flows[0]),
             "permit out 6 from any 80 to assigned");
    snprintf(yaml.rules[1].name, sizeof(yaml.rules[1].name), "keep");
    yaml.rules[1].precedence = 11;
    yaml.n_rules = 2;
    yaml.rating_groups[0] = (struct agw_rating_group){.id = 7, .type = AGW_RG_UNMETERED};
    yaml.n_rating_groups = 1;
    yaml.static_set.rules[0] = 1;
    yaml.static_set.n_rules = 1;

    assert_int_equal(orc_policy_build(&db, &yaml, &out, why, sizeof(why)), 0);
    assert_memory_equal(&out, &yaml, sizeof(out));     /* nothing from orcd: the file's */

    assert_int_equal(apply(
        "[{\"kind\":\"qos_profile\",\"id\":\"slow\",\"body\":{\"id\":\"slow\",\"qci\":9,"
        "\"mbr\":{\"ul\":64000,\"dl\":128000}}},"
        "{\"kind\":\"rating_group\",\"id\":\"7\",\"body\":{\"id\":\"7\",\"limit_type\":\"finite\","
        "\"quota\":5000}},"
        "{\"kind\":\"rating_group\",\"id\":\"8\",\"body\":{\"id\":\"8\",\"limit_type\":\"finite\"}},"
        "{\"kind\":\"policy\",\"id\":\"web\",\"body\":{\"id\":\"web\",\"precedence\":4,"
        "\"action\":\"deny\",\"rating_group\":\"7\",\"qos_profile\":\"slow\",\"flows\":["
        "{\"direction\":\"uplink\",\"protocol\":17,\"remote\":\"10.9.0.0/16\",\"port_lo\":53,"
        "\"port_hi\":53}]}},"
        "{\"kind\":\"policy\",\"id\":\"mixed\",\"body\":{\"id\":\"mixed\",\"precedence\":0,"
        "\"flows\":[{\"direction\":\"uplink\"},{\"direction\":\"downlink\",\"protocol\":6,"
        "\"port_lo\":1000,\"port_hi\":2000}]}},"
        "{\"kind\":\"policy\",\"id\":\"redir\",\"body\":{\"id\":\"redir\",\"precedence\":5,"
        "\"action\":\"redirect\",\"flows\":[{\"direction\":\"uplink\"}]}},"
        "{\"kind\":\"policy\",\"id\":\"high\",\"body\":{\"id\":\"high\",\"precedence\":20000,"
        "\"flows\":[{\"direction\":\"uplink\"}]}},"
        "{\"kind\":\"policy\",\"id\":\"icmpports\",\"body\":{\"id\":\"icmpports\",\"precedence\":6,"
        "\"flows\":[{\"direction\":\"uplink\",\"protocol\":1,\"port_lo\":5,\"port_hi\":5}]}},"
        "{\"kind\":\"base_name\",\"id\":\"bundle\",\"body\":{\"id\":\"bundle\","
        "\"rules\":[\"mixed\",\"redir\",\"web\"]}}]", 0, &st, NULL), 0);
    assert_int_equal(st.puts, 9);
    int n = orc_policy_build(&db, &yaml, &out, why, sizeof(why));
    assert_int_equal(n, 2);     /* redir (no portal), icmpports */
    assert_non_null(strstr(why, "policy 'redir' not enforced: redirect without an IPv4 portal"));
    assert_non_null(strstr(why, "policy 'icmpports' not enforced"));
    assert_null(strstr(why, "'high'"));
    assert_int_equal(out.n_rules, 4);                   /* web (replaced), keep, mixed, high */
    /* orcd's 20000: the gateway's last precedence */
    assert_int_equal(agw_policy_rule(&out, "high")->precedence, 16382);
    const struct agw_pcc_rule *w = agw_policy_rule(&out, "web");
    assert_ptr_equal(w, &out.rules[0]);                 /* in place: indices stay */
    assert_int_equal(w->precedence, 5);
    assert_int_equal(w->action, AGW_PCC_DROP);
    assert_int_equal(w->direction, 2);
    assert_int_equal(w->n_flows, 1);
    assert_string_equal(w->flows[0], "permit out 17 from assigned to 10.9.0.0/16 53");
    assert_int_equal(w->rating_group, 7);
    assert_int_equal(w->mbr_ul_bps, 64000);
    assert_int_equal(w->mbr_dl_bps, 128000);
    const struct agw_pcc_rule *m = agw_policy_rule(&out, "mixed");
    assert_non_null(m);
    assert_int_equal(m->precedence, 1);
    assert_int_equal(m->action, AGW_PCC_PASS);
    assert_int_equal(m->direction, 3);
    assert_string_equal(m->flows[0], "permit out ip from any to assigned");
    assert_string_equal(m->flows[1], "permit out 6 from any 1000-2000 to assigned");
    assert_string_equal(out.rules[1].name, "keep");
    assert_int_equal(out.static_set.n_rules, 1);
    assert_int_equal(out.static_set.rules[0], 1);
    const struct agw_base_name *b = agw_policy_base(&out, "bundle");
    assert_non_null(b);
    assert_int_equal(b->n_rules, 2);                    /* redir is not enforced */
    const struct agw_rating_group *g = agw_policy_rating_group(&out, 7);
    assert_non_null(g);
    assert_int_equal(g->type, AGW_RG_FINITE);
    assert_int_equal(g->quota_bytes, 5000);
    g = agw_policy_rating_group(&out, 8);
    assert_non_null(g);
    assert_int_equal(g->type, AGW_RG_METERED);          /* finite without a quota */

    /* orcd deletes its "web" and rating group 7: the file's come back */
    assert_int_equal(apply("[{\"kind\":\"policy\",\"id\":\"web\",\"op\":\"delete\"},"
                           "{\"kind\":\"rating_group\",\"id\":\"7\",\"op\":\"delete\"}]",
                           0, &st, NULL), 0);
    orc_policy_build(&db, &yaml, &out, why, sizeof(why));
    w = agw_policy_rule(&out, "web");
    assert_non_null(w);
    assert_int_equal(w->precedence, 10);
    assert_string_equal(w->flows[0], "permit out 6 from any 80 to assigned");
    assert_int_equal(agw_policy_rating_group(&out, 7)->type, AGW_RG_UNMETERED);
}

/* orc_policy.c: what the gateway's local policy could not take before —
 * redirect rules (the portal from the URL, else the fallback; a second
 * portal refused), precedences above 16381 and ties (distinct, in orcd's
 * order), and rules of more than 4 flows (in parts of 4). */
static void test_policy_redirect_parts(void **state)
{
    (void)state;
    struct orc_apply_stats st;
    struct agw_policy yaml, out;
    struct in_addr portal, fb = {0};
    char why[1024], items[8192];
    memset(&yaml, 0, sizeof(yaml));
    /* 9 flows: UDP to ports 1001..1009 */
    char flows[2048] = "";
    for (int i = 1; i <= 9; i++)
        snprintf(flows + strlen(flows), sizeof(flows) - strlen(flows),
                 "%s{\"direction\":\"uplink\",\"protocol\":17,\"port_lo\":%d,\"port_hi\":%d}",
                 i > 1 ? "," : "", 1000 + i, 1000 + i);
    snprintf(items, sizeof(items),
             "[{\"kind\":\"policy\",\"id\":\"big\",\"body\":{\"id\":\"big\",\"precedence\":100,"
             "\"rating_group\":\"9\",\"flows\":[%s]}},"
             "{\"kind\":\"policy\",\"id\":\"after\",\"body\":{\"id\":\"after\",\"precedence\":101,"
             "\"flows\":[{\"direction\":\"uplink\"}]}},"
             "{\"kind\":\"policy\",\"id\":\"portal\",\"body\":{\"id\":\"portal\",\"precedence\":7,"
             "\"action\":\"redirect\",\"redirect\":{\"url\":\"http://10.99.0.80:8080/x\"},"
             "\"flows\":[{\"direction\":\"uplink\",\"protocol\":6,\"port_lo\":80,\"port_hi\":80}]}},"
             "{\"kind\":\"policy\",\"id\":\"portal2\",\"body\":{\"id\":\"portal2\",\"precedence\":7,"
             "\"action\":\"redirect\",\"redirect\":{\"url\":\"http://10.99.0.81/\"},"
             "\"flows\":[{\"direction\":\"uplink\"}]}},"
             "{\"kind\":\"policy\",\"id\":\"hi1\",\"body\":{\"id\":\"hi1\",\"precedence\":65535,"
             "\"flows\":[{\"direction\":\"uplink\"}]}},"
             "{\"kind\":\"policy\",\"id\":\"hi0\",\"body\":{\"id\":\"hi0\",\"precedence\":30000,"
             "\"flows\":[{\"direction\":\"uplink\"}]}},"
             "{\"kind\":\"policy\",\"id\":\"tie\",\"body\":{\"id\":\"tie\",\"precedence\":30000,"
             "\"flows\":[{\"direction\":\"uplink\"}]}},"
             "{\"kind\":\"base_name\",\"id\":\"b\",\"body\":{\"id\":\"b\","
             "\"rules\":[\"big\",\"portal\"]}}]", flows);
    assert_int_equal(apply(items, 0, &st, NULL), 0);
    int n = orc_policy_build_portal(&db, &yaml, fb, &out, &portal, why, sizeof(why));
    assert_int_equal(n, 1);
    assert_non_null(strstr(why, "policy 'portal2' not enforced: redirect to another portal"));
    char a[INET_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET, &portal, a, sizeof(a)), "10.99.0.80");
    const struct agw_pcc_rule *r = agw_policy_rule(&out, "portal");
    assert_non_null(r);
    assert_int_equal(r->action, AGW_PCC_REDIRECT);
    assert_int_equal(r->precedence, 8);
    /* 9 flows: 3 rules of 4, 4, 1 with consecutive precedences */
    const struct agw_pcc_rule *parts[8];
    assert_int_equal(orc_rule_parts(&out, "big", parts, 8), 3);
    assert_string_equal(parts[1]->name, "big/2");
    assert_int_equal(parts[0]->n_flows, 4);
    assert_int_equal(parts[1]->n_flows, 4);
    assert_int_equal(parts[2]->n_flows, 1);
    assert_string_equal(parts[2]->flows[0], "permit out 17 from assigned to any 1009");
    assert_int_equal(parts[0]->precedence, 101);
    assert_int_equal(parts[1]->precedence, 102);
    assert_int_equal(parts[2]->precedence, 103);
    for (int i = 0; i < 3; i++)
        assert_int_equal(parts[i]->rating_group, 9);
    /* the next rule (orcd's 101) after all of big's parts */
    assert_int_equal(agw_policy_rule(&out, "after")->precedence, 104);
    /* above 16381, and a tie: distinct, in orcd's order (ties by id) */
    uint32_t p0 = agw_policy_rule(&out, "hi0")->precedence;
    uint32_t pt = agw_policy_rule(&out, "tie")->precedence;
    uint32_t p1 = agw_policy_rule(&out, "hi1")->precedence;
    assert_true(p0 < pt && pt < p1);
    assert_int_equal(p1, 16382);
    /* the base name gets every part */
    const struct agw_base_name *b = agw_policy_base(&out, "b");
    assert_int_equal(b->n_rules, 4);
    /* no portal in the URL: the fallback (diameter.gy.portal) */
    assert_int_equal(apply("[{\"kind\":\"policy\",\"id\":\"portal2\",\"op\":\"delete\"},"
                           "{\"kind\":\"policy\",\"id\":\"portal\",\"body\":{\"id\":\"portal\","
                           "\"precedence\":7,\"action\":\"redirect\",\"redirect\":{\"url\":"
                           "\"https://portal.example/\"},\"flows\":[{\"direction\":\"uplink\"}]}}]",
                           0, &st, NULL), 0);
    assert_int_equal(orc_policy_build_portal(&db, &yaml, fb, &out, &portal, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "policy 'portal' not enforced: redirect without an IPv4 portal"));
    inet_pton(AF_INET, "10.99.0.90", &fb);
    assert_int_equal(orc_policy_build_portal(&db, &yaml, fb, &out, &portal, why, sizeof(why)), 0);
    assert_string_equal(inet_ntop(AF_INET, &portal, a, sizeof(a)), "10.99.0.90");
    /* 16 flows: more than a session's datapath rules */
    for (int i = 10; i <= 16; i++)
        snprintf(flows + strlen(flows), sizeof(flows) - strlen(flows),
                 ",{\"direction\":\"uplink\",\"protocol\":17,\"port_lo\":%d,\"port_hi\":%d}",
                 1000 + i, 1000 + i);
    snprintf(items, sizeof(items), "[{\"kind\":\"policy\",\"id\":\"big\",\"body\":{\"id\":"
             "\"big\",\"precedence\":100,\"flows\":[%s]}}]", flows);
    assert_int_equal(apply(items, 0, &st, NULL), 0);
    assert_int_equal(orc_policy_build_portal(&db, &yaml, fb, &out, &portal, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "policy 'big' not enforced: more than 15 flows"));
    assert_null(agw_policy_rule(&out, "big"));
}

/* orc_policy.c: an APN's values from orcd over the file's, DNS from the
 * APN, else from the network, else the file's. */
static void test_apn_over_yaml(void **state)
{
    (void)state;
    struct orc_apply_stats st;
    struct agw_apn yaml, out;
    char why[512] = "";
    memset(&yaml, 0, sizeof(yaml));
    snprintf(yaml.name, sizeof(yaml.name), "Internet");
    inet_pton(AF_INET, "10.45.0.0", &yaml.pool);
    yaml.pool_prefix = 16;
    inet_pton(AF_INET, "8.8.8.8", &yaml.dns[0]);
    yaml.n_dns = 1;
    yaml.mtu = 1400;
    yaml.qci = 9;
    yaml.ambr = (struct agw_ambr){100000000, 200000000};
    yaml.arp = (struct agw_arp){15, false, true};
    assert_int_equal(orc_apn_build(&db, &yaml, &out, why, sizeof(why)), 0);
    assert_memory_equal(&out, &yaml, sizeof(out));
    assert_int_equal(apply("[{\"kind\":\"network\",\"id\":\"n1\",\"body\":{\"id\":\"n1\","
                           "\"dns\":[\"9.9.9.9\"]}},"
                           "{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
                           "\"ambr\":{\"ul\":5000,\"dl\":9000},\"qci\":8,\"mtu\":1300,"
                           "\"arp\":{\"priority\":3,\"capability\":true,\"vulnerability\":false},"
                           "\"pools\":[\"10.45.0.0/16\"],\"dns\":[\"1.1.1.1\",\"1.0.0.1\"]}}]",
                           0, &st, NULL), 0);
    assert_int_equal(orc_apn_build(&db, &yaml, &out, why, sizeof(why)), 1);
    assert_string_equal(why, "");                       /* the same pool */
    char a[INET_ADDRSTRLEN];
    assert_int_equal(out.n_dns, 2);
    assert_string_equal(inet_ntop(AF_INET, &out.dns[0], a, sizeof(a)), "1.1.1.1");
    assert_int_equal(out.mtu, 1300);
    assert_int_equal(out.qci, 8);
    assert_int_equal(out.ambr.dl_bps, 9000);
    assert_int_equal(out.arp.priority, 3);
    assert_true(out.arp.capability);
    assert_false(out.arp.vulnerability);
    assert_string_equal(out.name, "Internet");
    /* without DNS of its own: the network's (the pools are orc_apn.c's) */
    assert_int_equal(apply("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
                           "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.46.0.0/16\"]}}]",
                           0, &st, NULL), 0);
    assert_int_equal(orc_apn_build(&db, &yaml, &out, why, sizeof(why)), 1);
    assert_int_equal(out.n_dns, 1);
    assert_string_equal(inet_ntop(AF_INET, &out.dns[0], a, sizeof(a)), "9.9.9.9");
    assert_string_equal(why, "");
}

/* orc_usage.c: the check-in's counters never go down while sessions come
 * and go; the first step is the baseline (adopted sessions); a subscriber
 * counts from zero when it appears again. */
static void test_usage_counters(void **state)
{
    (void)state;
    struct orc_usage *u = orc_usage_new();
    assert_non_null(u);
    uint64_t ul, dl;
    const char *imsi;
    struct orc_usage_sample s[3] = {
        {0x10, "001010000000001", 1000, 5000},  /* adopted: the baseline */
    };
    assert_int_equal(orc_usage_step(u, s, 1), 0);
    orc_usage_totals(u, &ul, &dl);
    assert_int_equal(ul + dl, 0);
    assert_int_equal(orc_usage_subscriber(u, 0, &imsi, &ul, &dl), 1);
    assert_int_equal(ul + dl, 0);
    s[0].ul_bytes = 1500;
    s[0].dl_bytes = 7000;
    s[1] = (struct orc_usage_sample){0x20, "001010000000002", 300, 400};    /* new */
    s[2] = (struct orc_usage_sample){0x21, "001010000000002", 10, 20};      /* its 2nd PDN */
    assert_int_equal(orc_usage_step(u, s, 3), 0);
    orc_usage_totals(u, &ul, &dl);
    assert_int_equal(ul, 500 + 310);
    assert_int_equal(dl, 2000 + 420);
    assert_int_equal(orc_usage_subscriber(u, 1, &imsi, &ul, &dl), 2);
    assert_string_equal(imsi, "001010000000002");
    assert_int_equal(ul, 310);
    assert_int_equal(dl, 420);
    /* subscriber 1's session ends, a new one with lower counters starts:
     * the totals still grow */
    s[0] = (struct orc_usage_sample){0x11, "001010000000001", 5, 6};
    assert_int_equal(orc_usage_step(u, s, 1), 0);
    orc_usage_totals(u, &ul, &dl);
    assert_int_equal(ul, 810 + 5);
    assert_int_equal(dl, 2420 + 6);
    assert_int_equal(orc_usage_subscriber(u, 0, &imsi, &ul, &dl), 1);
    assert_string_equal(imsi, "001010000000001");
    assert_int_equal(ul, 500 + 5);
    assert_int_equal(dl, 2000 + 6);
    /* no session: nobody listed; subscriber 2 back: from zero */
    assert_int_equal(orc_usage_step(u, s, 0), 0);
    assert_int_equal(orc_usage_subscriber(u, 0, &imsi, &ul, &dl), 0);
    s[0] = (struct orc_usage_sample){0x20, "001010000000002", 100, 100};
    assert_int_equal(orc_usage_step(u, s, 1), 0);
    assert_int_equal(orc_usage_subscriber(u, 0, &imsi, &ul, &dl), 1);
    assert_int_equal(ul, 100);
    orc_usage_totals(u, &ul, &dl);
    assert_int_equal(ul, 815 + 100);
    orc_usage_free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_then_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_over_yaml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_redirect_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apn_over_yaml, setup, teardown),
        cmocka_unit_test(test_usage_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
