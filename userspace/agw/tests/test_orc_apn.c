/* orc_apn.c and pgw_pool.c: the orchestrator's APNs and pools on the
 * gateway — orcd's pools replace the file's for new sessions, a running
 * session's address is never given out again (also when the pool shrinks
 * onto it), invalid or overlapping pool sets are refused and counted with
 * the pools in use kept, an APN only orcd defines is created and, removed
 * there, refuses new sessions while its running ones stay, and the APNs
 * of stored sessions exist again before a restart restores them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>

#include <ev.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_orc.h"

static const char config_yaml[] =
    "logger: { level: error }\n"
    "mme:\n"
    "  gummei: { plmn: { mcc: \"001\", mnc: \"01\" }, mme_gid: 1, mme_code: 1 }\n"
    "  tai: [ { plmn: { mcc: \"001\", mnc: \"01\" }, tac: [1, 2] } ]\n"
    "gtpu: { address: 127.0.0.1 }\n"
    "datapath: { s1u: lo, sgi: lo, max_sessions: 64 }\n"
    "apns:\n"
    "  - { name: Internet, pool: 10.45.0.0/16 }\n"
    "  - { name: ims, pool: 10.46.0.0/24 }\n"
    "control: { socket: /nonexistent/agwd.sock }\n"
    "metrics: { port: 0 }\n"
    "orchestrator: { url: \"https://127.0.0.1:9443\", dir: /nonexistent, network: n1, "
    "gateway: g1 }\n";

static struct agw_ctx ctx;
static struct agw_config cfg;
static struct agw_db db;
static struct agw_apn yaml[2];
static char db_path[96];

static void ctx_up(void)
{
    static char errbuf[4096];
    memset(&ctx, 0, sizeof(ctx));
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(agw_config_load_string("t.yaml", config_yaml, sizeof(config_yaml) - 1, &cfg,
                                            errbuf, sizeof(errbuf)), 0);
    assert_int_equal(agw_db_open(db_path, &db, errbuf, sizeof(errbuf)), 0);
    ctx.cfg = &cfg;
    ctx.db = &db;
    ctx.no_datapath = true;
    ctx.loop = ev_default_loop(0);
    agw_log_init(&ctx.log, AGW_LOG_ERROR, true, stderr);
    assert_int_equal(agw_hash_init(&ctx.ue_by_id, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_imsi, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_tmsi, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_enb, 64), 0);
    assert_int_equal(orc_apn_preload(&ctx), 0);
    assert_int_equal(pgw_init(&ctx), 0);
    memcpy(yaml, cfg.apns, sizeof(yaml));
}

static void ctx_down(void)
{
    struct agw_ue *u;
    while ((u = ue_find_imsi(&ctx, "001010000000001")))
        ue_free(&ctx, u);
    pgw_fini(&ctx);
    agw_hash_free(&ctx.ue_by_id);
    agw_hash_free(&ctx.ue_by_imsi);
    agw_hash_free(&ctx.ue_by_tmsi);
    agw_hash_free(&ctx.ue_by_enb);
    agw_db_close(&db);
    agw_config_free(&cfg);
}

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof(db_path), "/tmp/test_orc_apn.%d.db", (int)getpid());
    unlink(db_path);
    ctx_up();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ctx_down();
    char p[128];
    unlink(db_path);
    snprintf(p, sizeof(p), "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db_path);
    unlink(p);
    return 0;
}

/* orcd items applied (orc_apply.c), then the loop's reload of the APNs */
static void sync_items(const char *items)
{
    json_error_t je;
    json_t *j = json_loads(items, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", je.text, items);
    struct orc_apply_stats st;
    char why[256];
    assert_int_equal(orc_apply_items(&db, j, 0, &st, NULL, why, sizeof(why)), 0);
    json_decref(j);
    orc_apn_sync(&ctx, yaml, 2);
}

static const char *addr(struct in_addr a)
{
    static char b[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &a, b, sizeof(b));
}

/* A PDN connection on APN name through the daemon's allocator: its
 * address ("" when refused, the ESM cause in *cause). */
static const char *session(struct agw_ue *ue, unsigned slot, const char *name, int *cause)
{
    const struct agw_apn *apn = agw_config_apn(&cfg, name);
    if (!apn) {
        *cause = 27;        /* as esm_handler.c's pdn_setup */
        return "";
    }
    struct agw_pdn *p = &ue->pdn[slot];
    memset(p, 0, sizeof(*p));
    p->ebi = (uint8_t)(5 + slot);
    p->apn_idx = (uint8_t)(apn - cfg.apns);
    p->pdn_type = 1;        /* NAS_PDN_IPV4 */
    *cause = pgw_pdn_alloc(&ctx, ue, p, apn, NULL);
    if (*cause)
        return "";
    p->state = PDN_ACTIVE;
    return addr(p->ue_ip);
}

static void test_pool_parse(void **state)
{
    (void)state;
    struct pgw_prefix p;
    assert_int_equal(orc_pool_parse("10.48.0.0/24", &p), 0);
    assert_int_equal(p.base, 0x0a300000);
    assert_int_equal(p.len, 24);
    assert_int_equal(orc_pool_parse("10.48.0.1/24", &p), -EDOM);
    assert_int_equal(orc_pool_parse("10.48.0.0/31", &p), -ERANGE);
    assert_int_equal(orc_pool_parse("10.0.0.0/7", &p), -ERANGE);
    assert_int_equal(orc_pool_parse("10.48.0/24", &p), -EINVAL);
    assert_int_equal(orc_pool_parse("10.48.0.0/", &p), -EINVAL);
    assert_int_equal(orc_pool_parse("10.48.0.0", &p), -EINVAL);
    struct pgw_prefix two[2] = {{0x0a300000, 24}, {0x0a300080, 25}};
    char why[128];
    assert_int_equal(orc_pool_check(two, 2, why, sizeof(why)), -EEXIST);
    assert_string_equal(why, "10.48.0.128/25 overlaps 10.48.0.0/24 of the same APN");
}

static void test_pools_from_orcd(void **state)
{
    (void)state;
    struct agw_ue *ue = ue_new(&ctx);
    assert_non_null(ue);
    assert_int_equal(ue_set_imsi(&ctx, ue, "001010000000001"), 0);
    int cause;
    /* the file's pool before orcd says anything */
    assert_string_equal(session(ue, 0, "internet", &cause), "10.45.0.2");
    /* orcd's pools replace it for the next sessions: a /30 holds one */
    sync_items("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.48.0.0/30\"]}}]");
    assert_string_equal(session(ue, 1, "internet", &cause), "10.48.0.2");
    /* ... and it is full: #26, not the running session's address */
    assert_string_equal(session(ue, 2, "internet", &cause), "");
    assert_int_equal(cause, 26);
    /* two prefixes: the second once the first is full */
    sync_items("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.48.0.0/30\",\"10.49.0.0/29\"]}}]");
    assert_string_equal(session(ue, 2, "internet", &cause), "10.49.0.2");
    /* grown onto the running sessions: neither address given again */
    sync_items("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.48.0.0/29\",\"10.45.0.0/29\"]}}]");
    assert_string_equal(session(ue, 3, "internet", &cause), "10.48.0.3");
    pgw_pdn_release(&ctx, ue, &ue->pdn[3]);
    assert_string_equal(session(ue, 3, "internet", &cause), "10.48.0.4");
    pgw_pdn_release(&ctx, ue, &ue->pdn[3]);
    unsigned used = ctx.pools[0].next->used;
    assert_int_equal(used, 4);          /* 3 reserved + 10.45.0.2 */
    /* a session whose address no pool holds any more ends: nothing freed */
    pgw_pdn_release(&ctx, ue, &ue->pdn[2]);     /* 10.49.0.2 */
    assert_int_equal(ctx.pools[0].used, 4);
    assert_int_equal(ctx.pools[0].next->used, 4);
    pgw_pdn_release(&ctx, ue, &ue->pdn[0]);     /* 10.45.0.2: freed */
    assert_int_equal(ctx.pools[0].next->used, 3);
    assert_int_equal(ctx.stats.orc_pool_refused, 0);
    /* pools gone from orcd: the file's again */
    sync_items("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000}}}]");
    assert_string_equal(session(ue, 0, "internet", &cause), "10.45.0.2");
    pgw_pdn_release(&ctx, ue, &ue->pdn[0]);
    pgw_pdn_release(&ctx, ue, &ue->pdn[1]);
}

static void test_pools_refused(void **state)
{
    (void)state;
    struct agw_ue *ue = ue_new(&ctx);
    assert_non_null(ue);
    assert_int_equal(ue_set_imsi(&ctx, ue, "001010000000001"), 0);
    int cause;
    sync_items("[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{\"id\":\"internet\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.48.0.0/24\"]}}]");
    assert_string_equal(session(ue, 0, "internet", &cause), "10.48.0.2");
    /* each refused as a whole, the pools in use kept, counted */
    static const char *const bad[] = {
        "\"10.46.0.128/25\"",                    /* the file's ims pool */
        "\"10.50.0.0/24\",\"10.50.0.0/25\"",     /* within the set */
        "\"10.50.0.1/24\"",                      /* host bits */
        "\"10.50.0.0/31\"",                      /* too small */
    };
    for (unsigned i = 0; i < 4; i++) {
        char items[256];
        snprintf(items, sizeof(items), "[{\"kind\":\"apn\",\"id\":\"internet\",\"body\":{"
                 "\"id\":\"internet\",\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[%s]}}]",
                 bad[i]);
        sync_items(items);
        assert_int_equal(ctx.stats.orc_pool_refused, i + 1);
        assert_non_null(strstr(session(ue, 1, "internet", &cause), "10.48.0."));
        pgw_pdn_release(&ctx, ue, &ue->pdn[1]);
    }
    /* an orcd-only APN cannot take a pool internet holds either */
    sync_items("[{\"kind\":\"apn\",\"id\":\"corp\",\"body\":{\"id\":\"corp\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.48.0.0/16\"]}}]");
    /* internet's refused set is refused again at this reload, corp's too */
    assert_int_equal(ctx.stats.orc_pool_refused, 6);
    assert_non_null(agw_config_apn(&cfg, "corp"));
    assert_string_equal(session(ue, 1, "corp", &cause), "");
    assert_int_equal(cause, 26);        /* created, but without a pool */
    pgw_pdn_release(&ctx, ue, &ue->pdn[0]);
}

static void test_orcd_only_apn(void **state)
{
    (void)state;
    struct agw_ue *ue = ue_new(&ctx);
    assert_non_null(ue);
    assert_int_equal(ue_set_imsi(&ctx, ue, "001010000000001"), 0);
    int cause;
    assert_null(agw_config_apn(&cfg, "corp"));
    sync_items("[{\"kind\":\"apn\",\"id\":\"corp\",\"body\":{\"id\":\"corp\",\"qci\":7,"
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"dns\":[\"10.99.0.53\"],"
               "\"pools\":[\"10.49.0.0/24\"]}}]");
    const struct agw_apn *a = agw_config_apn(&cfg, "CORP");
    assert_non_null(a);
    assert_true(a->orc_only);
    assert_int_equal(a->qci, 7);
    assert_int_equal(a->ambr.dl_bps, 9000);
    assert_int_equal(a->mtu, 1400);     /* the default of docs/agw.md */
    assert_string_equal(addr(a->dns[0]), "10.99.0.53");
    size_t idx = (size_t)(a - cfg.apns);
    assert_int_equal(idx, 2);
    assert_string_equal(session(ue, 0, "corp", &cause), "10.49.0.2");
    /* removed in orcd: no new session (#27), the running one stays */
    sync_items("[{\"kind\":\"apn\",\"id\":\"corp\",\"op\":\"delete\"}]");
    assert_null(agw_config_apn(&cfg, "corp"));
    assert_true(cfg.apns[idx].removed);
    assert_int_equal(ue->pdn[0].state, PDN_ACTIVE);
    assert_int_equal(ue->pdn[0].apn_idx, idx);
    assert_string_equal(session(ue, 1, "corp", &cause), "");
    assert_int_equal(cause, 27);
    /* the stored session's APN exists again after a restart, before the
     * sessions are restored; the first reload marks it removed again */
    assert_int_equal(sqlite3_exec(db.db, "PRAGMA foreign_keys = OFF; INSERT INTO pdn_session "
                                  "(imsi, ebi, pti, apn, ue_ipv4, static_ip, ul_teid, dl_teid, "
                                  "enb_ipv4, ambr_ul, ambr_dl, qci, arp_prio, arp_cap, arp_vul, "
                                  "state) VALUES ('001010000000001', 5, 0, 'corp', '10.49.0.2', "
                                  "0, 16777217, 0, '0.0.0.0', 1, 1, 9, 15, 0, 1, 1)",
                                  NULL, NULL, NULL), SQLITE_OK);
    pgw_pdn_release(&ctx, ue, &ue->pdn[0]);
    ctx_down();
    ctx_up();
    assert_int_equal(cfg.n_apns, 3);
    assert_non_null(agw_config_apn(&cfg, "corp"));
    orc_apn_sync(&ctx, yaml, 2);
    assert_null(agw_config_apn(&cfg, "corp"));
    /* back in orcd: the same entry */
    sync_items("[{\"kind\":\"apn\",\"id\":\"corp\",\"body\":{\"id\":\"corp\","
               "\"ambr\":{\"ul\":5000,\"dl\":9000},\"pools\":[\"10.49.0.0/24\"]}}]");
    assert_ptr_equal(agw_config_apn(&cfg, "corp"), &cfg.apns[2]);
    assert_int_equal(cfg.n_apns, 3);
}

/* orc_network.c: orcd's network replaces the file's PLMN and TACs, which
 * come back when it goes; one the gateway cannot read changes nothing. */
static void test_network(void **state)
{
    (void)state;
    struct agw_plmn yplmn = cfg.mme.gummei.plmn;
    struct agw_tai ytai[AGW_MAX_TAIS];
    memcpy(ytai, cfg.mme.tai, sizeof(ytai));
    size_t yn = cfg.mme.n_tai;
    uint8_t enc[3];
    sync_items("[{\"kind\":\"network\",\"id\":\"n1\",\"body\":{\"id\":\"n1\","
               "\"plmn\":{\"mcc\":\"001\",\"mnc\":\"002\"},\"tacs\":[7,8]}}]");
    orc_network_sync(&ctx, &yplmn, ytai, yn);
    assert_string_equal(cfg.mme.gummei.plmn.mnc, "002");
    agw_plmn_encode(&cfg.mme.gummei.plmn, enc);
    assert_true(agw_config_tai_served(&cfg, enc, 7));
    assert_true(agw_config_tai_served(&cfg, enc, 8));
    assert_false(agw_config_tai_served(&cfg, enc, 1));
    agw_plmn_encode(&yplmn, enc);
    assert_false(agw_config_tai_served(&cfg, enc, 1));  /* the file's TA */
    assert_false(agw_config_plmn_served(&cfg, enc));
    /* unreadable (a TAC out of range): the last good values stay */
    sync_items("[{\"kind\":\"network\",\"id\":\"n1\",\"body\":{\"id\":\"n1\","
               "\"plmn\":{\"mcc\":\"001\",\"mnc\":\"03\"},\"tacs\":[70000]}}]");
    orc_network_sync(&ctx, &yplmn, ytai, yn);
    assert_string_equal(cfg.mme.gummei.plmn.mnc, "002");
    assert_int_equal(cfg.mme.tai[0].n_tacs, 2);
    /* gone from orcd: the file's again */
    sync_items("[{\"kind\":\"network\",\"id\":\"n1\",\"op\":\"delete\"}]");
    orc_network_sync(&ctx, &yplmn, ytai, yn);
    assert_string_equal(cfg.mme.gummei.plmn.mnc, "01");
    assert_true(agw_config_tai_served(&cfg, enc, 1));
    assert_true(agw_config_tai_served(&cfg, enc, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_parse),
        cmocka_unit_test_setup_teardown(test_pools_from_orcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pools_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orcd_only_apn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_network, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
