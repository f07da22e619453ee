/* The SQLite state store and its migrations (see agw_db.h). */
#include "agw/agw_db.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t len, const char *fmt,
                                                      ...)
{
    if (!buf || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static int rc_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_CANTOPEN:
        return -ENOENT;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return -EACCES;
    default:
        return -EIO;
    }
}

static int exec(struct agw_db *db, const char *sql, char *errbuf, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        say(errbuf, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return rc_errno(rc);
    }
    return 0;
}

/* Transactions nest: inside an open one (xepc-agwd keeps one per loop
 * iteration, committed before its messages leave), begin/commit become a
 * savepoint and its release, so that a caller such as the HSS is atomic on
 * its own and durable with the daemon's group commit. */
int agw_db_begin(struct agw_db *db)
{
    if (db->depth > 0) {
        int rc = exec(db, "SAVEPOINT agw_nested", NULL, 0);
        if (!rc)
            db->depth++;
        return rc;
    }
    int rc = exec(db, "BEGIN IMMEDIATE", NULL, 0);
    if (!rc)
        db->depth = 1;
    return rc;
}

int agw_db_commit(struct agw_db *db)
{
    if (db->depth > 1) {
        int rc = exec(db, "RELEASE agw_nested", NULL, 0);
        if (!rc)
            db->depth--;
        return rc;
    }
    int rc = exec(db, "COMMIT", NULL, 0);
    if (!rc)
        db->depth = 0;
    return rc;
}

void agw_db_rollback(struct agw_db *db)
{
    if (db->depth > 1) {
        exec(db, "ROLLBACK TO agw_nested", NULL, 0);
        exec(db, "RELEASE agw_nested", NULL, 0);
        db->depth--;
        return;
    }
    if (!sqlite3_get_autocommit(db->db))
        exec(db, "ROLLBACK", NULL, 0);
    db->depth = 0;
}

/* One integer from a query with no parameters; -1 on error. */
static long long query_int(struct agw_db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Checks the history the file has against ours: each applied version must
 * be one of ours, with the same name. */
static int check_history(struct agw_db *db, const struct agw_migration *migs, size_t n, int cur,
                         char *errbuf, size_t errlen)
{
    if (cur > (int)n) {
        say(errbuf, errlen,
            "database schema version %d is newer than this binary's (%zu): run the xepc version "
            "that wrote it, or a newer one",
            cur, n);
        return -ENOTSUP;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT version, name FROM schema_version ORDER BY version", -1,
                           &st, NULL) != SQLITE_OK) {
        say(errbuf, errlen, "schema_version: %s", sqlite3_errmsg(db->db));
        return -EIO;
    }
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (v < 1 || v > (int)n || !name || strcmp(name, migs[v - 1].name)) {
            say(errbuf, errlen,
                "database schema version %d is '%s', this binary's is '%s': not the same schema "
                "history",
                v, name ? name : "", v >= 1 && v <= (int)n ? migs[v - 1].name : "(none)");
            rc = -EINVAL;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Applies migration m in its own transaction, unless another process did
 * meanwhile (the version is re-read under the write lock). */
static int apply(struct agw_db *db, const struct agw_migration *migs, size_t n, size_t i,
                 char *errbuf, size_t errlen)
{
    char msg[256];
    int rc = agw_db_begin(db);
    if (rc) {
        say(errbuf, errlen, "migration %04d_%s: cannot lock the database: %s", migs[i].version,
            migs[i].name, sqlite3_errmsg(db->db));
        return rc;
    }
    long long cur = query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (cur < 0) {
        say(errbuf, errlen, "schema_version: %s", sqlite3_errmsg(db->db));
        agw_db_rollback(db);
        return -EIO;
    }
    if (cur >= migs[i].version) { /* someone else applied it */
        agw_db_rollback(db);
        return check_history(db, migs, n, (int)cur, errbuf, errlen);
    }
    rc = exec(db, migs[i].sql, msg, sizeof(msg));
    if (rc) {
        say(errbuf, errlen, "migration %04d_%s failed: %s", migs[i].version, migs[i].name, msg);
        agw_db_rollback(db);
        return rc == -ENOMEM ? rc : -EIO;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        say(errbuf, errlen, "schema_version: %s", sqlite3_errmsg(db->db));
        agw_db_rollback(db);
        return -EIO;
    }
    sqlite3_bind_int(st, 1, migs[i].version);
    sqlite3_bind_text(st, 2, migs[i].name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE || (rc = agw_db_commit(db))) {
        say(errbuf, errlen, "migration %04d_%s: %s", migs[i].version, migs[i].name,
            sqlite3_errmsg(db->db));
        agw_db_rollback(db);
        return -EIO;
    }
    return 0;
}

int agw_db_open_migrations(const char *path, const struct agw_migration *migs, size_t n,
                           struct agw_db *db, char *errbuf, size_t errlen)
{
    char msg[256];
    int rc;

    memset(db, 0, sizeof(*db));
    say(errbuf, errlen, "%s", "");
    /* Subscriber keys live here: create the file owner-only; SQLite gives
     * the -wal and -shm files the same mode.  Only when it does not exist:
     * closing a descriptor of a file drops every POSIX lock the process
     * holds on it (fcntl(2)), those of a connection already open here
     * included, and another process would then delete the WAL under it. */
    struct stat st;
    if (stat(path, &st) < 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            rc = -errno;
            say(errbuf, errlen, "%s: %s", path, strerror(-rc));
            return rc;
        }
        if (fd >= 0)
            close(fd);
    }

    rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        say(errbuf, errlen, "%s: %s", path, db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
        rc = rc_errno(rc);
        goto fail;
    }
    sqlite3_busy_timeout(db->db, AGW_DB_BUSY_TIMEOUT_MS);
    /* WAL: readers (xepcctl list) never block the daemon's writes.
     * synchronous=FULL: a COMMIT is on disk when it returns, so state is
     * durable before the peer is answered (issue 9, "State"). */
    if ((rc = exec(db, "PRAGMA journal_mode=WAL", msg, sizeof(msg))) ||
        (rc = exec(db, "PRAGMA synchronous=FULL", msg, sizeof(msg))) ||
        (rc = exec(db, "PRAGMA foreign_keys=ON", msg, sizeof(msg)))) {
        say(errbuf, errlen, "%s: %s", path, msg);
        goto fail;
    }
    if ((rc = exec(db,
                   "CREATE TABLE IF NOT EXISTS schema_version ("
                   " version INTEGER PRIMARY KEY,"
                   " name TEXT NOT NULL,"
                   " applied_at INTEGER NOT NULL)",
                   msg, sizeof(msg)))) {
        say(errbuf, errlen, "%s: schema_version: %s", path, msg);
        goto fail;
    }
    long long cur = query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (cur < 0) {
        say(errbuf, errlen, "%s: schema_version: %s", path, sqlite3_errmsg(db->db));
        rc = -EIO;
        goto fail;
    }
    if ((rc = check_history(db, migs, n, (int)cur, msg, sizeof(msg)))) {
        say(errbuf, errlen, "%s: %s", path, msg);
        goto fail;
    }
    for (size_t i = (size_t)cur; i < n; i++)
        if ((rc = apply(db, migs, n, i, msg, sizeof(msg)))) {
            say(errbuf, errlen, "%s: %s", path, msg);
            goto fail;
        }
    db->version = (int)query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    return 0;
fail:
    sqlite3_close(db->db);
    db->db = NULL;
    return rc;
}

int agw_db_open(const char *path, struct agw_db *db, char *errbuf, size_t errlen)
{
    return agw_db_open_migrations(path, agw_migrations, agw_n_migrations, db, errbuf, errlen);
}

void agw_db_close(struct agw_db *db)
{
    if (db && db->db) {
        sqlite3_close(db->db);
        db->db = NULL;
    }
}
