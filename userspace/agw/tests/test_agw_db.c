/* agw_db: a fresh database gets every migration, a reopen applies none, a
 * newer database or another schema history is refused, and a migration
 * that fails or is killed half-way leaves the file at the previous
 * version. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agw/agw_db.h"

static char dir[64], path[128], errbuf[512];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/xepc-agwdb-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/agw.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static long long q(struct agw_db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_prepare_v2(db->db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void open_ok(struct agw_db *db, const struct agw_migration *m, size_t n)
{
    int rc = agw_db_open_migrations(path, m, n, db, errbuf, sizeof(errbuf));
    if (rc)
        fail_msg("open failed (%d): %s", rc, errbuf);
}

static void test_fresh_database_gets_every_migration(void **state)
{
    (void)state;
    struct agw_db db;
    struct stat sb;
    assert_true(agw_n_migrations >= 1);
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(db.version, (int)agw_n_migrations);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM schema_version"), (long long)agw_n_migrations);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'subscribers'"), 1);
    /* WAL, synchronous=FULL (2), foreign keys, a busy timeout. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db.db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(q(&db, "PRAGMA synchronous"), 2);
    assert_int_equal(q(&db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(q(&db, "PRAGMA busy_timeout"), AGW_DB_BUSY_TIMEOUT_MS);
    agw_db_close(&db);
    /* It holds keys: owner only. */
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_reopen_applies_nothing(void **state)
{
    (void)state;
    struct agw_db db;
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    long long at = q(&db, "SELECT MAX(applied_at) FROM schema_version");
    sqlite3_exec(db.db, "UPDATE schema_version SET applied_at = 1", NULL, NULL, NULL);
    agw_db_close(&db);
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(db.version, (int)agw_n_migrations);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM schema_version"), (long long)agw_n_migrations);
    /* Nothing re-applied: the marks we left are still there. */
    assert_int_equal(q(&db, "SELECT MAX(applied_at) FROM schema_version"), 1);
    assert_true(at > 1);
    agw_db_close(&db);
}

static void test_newer_database_refused(void **state)
{
    (void)state;
    struct agw_db db;
    char sql[160];
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    snprintf(sql, sizeof(sql),
             "INSERT INTO schema_version VALUES (%zu, 'from_the_future', 0)", agw_n_migrations + 1);
    assert_int_equal(sqlite3_exec(db.db, sql, NULL, NULL, NULL), SQLITE_OK);
    agw_db_close(&db);
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), -ENOTSUP);
    assert_null(db.db);
    if (!strstr(errbuf, "is newer than this binary"))
        fail_msg("message: %s", errbuf);
}

static void test_other_schema_history_refused(void **state)
{
    (void)state;
    struct agw_db db;
    /* the binary's migrations with the first one renamed: same versions,
     * another history (whatever the number of migrations in schema/agw/) */
    struct agw_migration other[64];
    assert_true(agw_n_migrations <= 64);
    memcpy(other, agw_migrations, agw_n_migrations * sizeof(other[0]));
    other[0].name = "something_else";
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    agw_db_close(&db);
    assert_int_equal(agw_db_open_migrations(path, other, agw_n_migrations, &db, errbuf,
                                            sizeof(errbuf)), -EINVAL);
    if (!strstr(errbuf, "not the same schema history"))
        fail_msg("message: %s", errbuf);
}

/* A migration whose second statement fails: its first statement is undone
 * and the version stays; with the fix it applies. */
static void test_failing_migration_leaves_previous_version(void **state)
{
    (void)state;
    struct agw_db db;
    struct agw_migration m[2] = {agw_migrations[0],
                                 {2, "broken", "CREATE TABLE t2 (x); INSERT INTO nope VALUES (1);"}};
    assert_int_equal(agw_db_open_migrations(path, m, 2, &db, errbuf, sizeof(errbuf)), -EIO);
    if (!strstr(errbuf, "migration 0002_broken failed: no such table: nope"))
        fail_msg("message: %s", errbuf);
    open_ok(&db, m, 1);
    assert_int_equal(db.version, 1);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't2'"), 0);
    agw_db_close(&db);
    m[1].sql = "CREATE TABLE t2 (x); INSERT INTO t2 VALUES (1);";
    open_ok(&db, m, 2);
    assert_int_equal(db.version, 2);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM t2"), 1);
    agw_db_close(&db);
}

/* A process killed with SIGKILL in the middle of a migration (after it
 * created a table and wrote rows): the next open finds the previous
 * version, no trace of the half-done migration, and applies it. */
static void kill_me(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    raise(SIGKILL);
}

static int add_kill_me(sqlite3 *db, char **err, const struct sqlite3_api_routines *api)
{
    (void)err;
    (void)api;
    return sqlite3_create_function(db, "kill_me", 0, SQLITE_UTF8, NULL, kill_me, NULL, NULL);
}

static void test_killed_migration_leaves_previous_version(void **state)
{
    (void)state;
    struct agw_db db;
    struct agw_migration m[2] = {
        agw_migrations[0],
        {2, "big", "CREATE TABLE t2 (x); INSERT INTO t2 VALUES (1), (2), (3); SELECT kill_me();"}};
    open_ok(&db, m, 1);
    agw_db_close(&db);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3_auto_extension((void (*)(void))add_kill_me);
        agw_db_open_migrations(path, m, 2, &db, errbuf, sizeof(errbuf));
        _exit(3); /* not reached: kill_me() */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("child was not killed in the migration (status %#x)", status);

    open_ok(&db, m, 1);
    assert_int_equal(db.version, 1);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't2'"), 0);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM schema_version"), 1);
    agw_db_close(&db);
    m[1].sql = "CREATE TABLE t2 (x); INSERT INTO t2 VALUES (1), (2), (3);";
    open_ok(&db, m, 2);
    assert_int_equal(db.version, 2);
    assert_int_equal(q(&db, "SELECT COUNT(*) FROM t2"), 3);
    agw_db_close(&db);
}

static void test_open_error_says_why(void **state)
{
    (void)state;
    struct agw_db db;
    assert_int_equal(agw_db_open("/nonexistent-dir-xepc/agw.db", &db, errbuf, sizeof(errbuf)),
                     -ENOENT);
    assert_non_null(strstr(errbuf, "No such file or directory"));
}


/* Transactions nest (the daemon's iteration transaction around the HSS's
 * own): an inner rollback undoes only the inner writes; nothing is durable
 * before the outermost commit; an outer rollback undoes the inner commit. */
static long long count_rows(struct agw_db *db)
{
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM nest_t", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* A second connection opened in the same process (xepc-agwd's orchestrator
 * worker) must not drop the first one's locks: POSIX closes every fcntl
 * lock of a process on a file when any descriptor of it is closed, and
 * then another process that closes its connection believes it is the last
 * one and deletes the WAL under the daemon (whose later commits go to an
 * unlinked file nobody else sees). */
static void test_second_connection_keeps_locks(void **state)
{
    (void)state;
    struct agw_db a, b;
    assert_int_equal(agw_db_open(path, &a, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(sqlite3_exec(a.db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(agw_db_open(path, &b, errbuf, sizeof(errbuf)), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* another program writes and closes, as xepcctl does (exec: a fork
         * alone would inherit SQLite's in-process lock bookkeeping) */
        execlp("sqlite3", "sqlite3", path, "INSERT INTO t VALUES (0)", (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char wal[160];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    if (access(wal, F_OK) != 0)
        fail_msg("the WAL was deleted by another process while two connections of ours had it open");
    /* and a write of ours is seen by a new reader */
    assert_int_equal(sqlite3_exec(b.db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    struct agw_db c;
    assert_int_equal(agw_db_open(path, &c, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(q(&c, "SELECT count(*) FROM t"), 2);
    agw_db_close(&c);
    agw_db_close(&b);
    agw_db_close(&a);
}

static void test_nested_transactions(void **state)
{
    (void)state;
    struct agw_db db, other;
    assert_int_equal(agw_db_open(path, &db, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(sqlite3_exec(db.db, "CREATE TABLE nest_t (a)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(agw_db_begin(&db), 0);
    assert_int_equal(sqlite3_exec(db.db, "INSERT INTO nest_t VALUES (1)", NULL, NULL, NULL), 0);
    assert_int_equal(agw_db_begin(&db), 0);
    assert_int_equal(db.depth, 2);
    assert_int_equal(sqlite3_exec(db.db, "INSERT INTO nest_t VALUES (2)", NULL, NULL, NULL), 0);
    agw_db_rollback(&db);
    assert_int_equal(db.depth, 1);
    assert_int_equal(count_rows(&db), 1);
    assert_int_equal(agw_db_begin(&db), 0);
    assert_int_equal(sqlite3_exec(db.db, "INSERT INTO nest_t VALUES (3)", NULL, NULL, NULL), 0);
    assert_int_equal(agw_db_commit(&db), 0);
    /* inner commit: not yet visible to another connection */
    assert_int_equal(agw_db_open(path, &other, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(count_rows(&other), 0);
    assert_int_equal(agw_db_commit(&db), 0);
    assert_int_equal(db.depth, 0);
    assert_int_equal(count_rows(&other), 2);
    /* an outer rollback takes the inner commit with it */
    assert_int_equal(agw_db_begin(&db), 0);
    assert_int_equal(agw_db_begin(&db), 0);
    assert_int_equal(sqlite3_exec(db.db, "INSERT INTO nest_t VALUES (4)", NULL, NULL, NULL), 0);
    assert_int_equal(agw_db_commit(&db), 0);
    agw_db_rollback(&db);
    assert_int_equal(db.depth, 0);
    assert_int_equal(count_rows(&other), 2);
    agw_db_close(&other);
    agw_db_close(&db);
}

/* 0017_gx_events: a Gx session stored before it (its armed triggers and
 * CCFH) keeps them, and gets no events (ev_size 0: the loader, gx_policy.c,
 * then takes the UE as it is as the reference) and the configured PCRF
 * (alternate 0); a row written after it holds both. */
static void test_gx_events_migration_keeps_old_rows(void **state)
{
    (void)state;
    struct agw_db db;
    size_t at = 0;
    for (size_t i = 0; i < agw_n_migrations; i++)
        if (!strcmp(agw_migrations[i].name, "gx_events"))
            at = i;
    if (!at)
        fail_msg("no migration named gx_events among the %zu", agw_n_migrations);
    assert_int_equal(agw_migrations[at].version, 17);
    open_ok(&db, agw_migrations, at);
    assert_int_equal(db.version, 16);
    assert_int_equal(sqlite3_exec(db.db,
                                  "INSERT INTO gx_session (ul_teid, session_id, imsi, ebi, "
                                  "cc_number, rule_size, triggers, ccfh) VALUES (7, 'agw;1;7', "
                                  "'001010000000001', 5, 3, 0, 4194306, 3)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    agw_db_close(&db);
    open_ok(&db, agw_migrations, agw_n_migrations);
    assert_int_equal(db.version, (int)agw_n_migrations);
    assert_int_equal(q(&db, "SELECT triggers FROM gx_session WHERE ul_teid = 7"), 4194306);
    assert_int_equal(q(&db, "SELECT ccfh FROM gx_session WHERE ul_teid = 7"), 3);
    assert_int_equal(q(&db, "SELECT ev_size FROM gx_session WHERE ul_teid = 7"), 0);
    assert_int_equal(q(&db, "SELECT events IS NULL FROM gx_session WHERE ul_teid = 7"), 1);
    assert_int_equal(q(&db, "SELECT alternate FROM gx_session WHERE ul_teid = 7"), 0);
    assert_int_equal(sqlite3_exec(db.db,
                                  "INSERT INTO gx_session (ul_teid, session_id, imsi, ebi, "
                                  "cc_number, rule_size, ev_size, events, alternate) VALUES (8, "
                                  "'agw;1;8', '001010000000002', 5, 1, 0, 4, x'01020304', 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(q(&db, "SELECT length(events) + alternate FROM gx_session WHERE ul_teid = 8"),
                     5);
    agw_db_close(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_database_gets_every_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_applies_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_schema_history_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_migration_leaves_previous_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_killed_migration_leaves_previous_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_error_says_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_connection_keeps_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gx_events_migration_keeps_old_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
