/* The SQLite backend of the orchestrator's store: one file in WAL mode,
 * one connection per worker (readers do not wait for the writer), each
 * with a cache of prepared statements: compiling the SQL was the largest
 * part of a gateway check-in's CPU (docs/PERFORMANCE.md). */
#include "orc/orc_store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 10000
#define STMT_CACHE 64          /* statements kept per connection */
#define STMT_CACHE_MAX_SQL 8192 /* longer ones are compiled each time */

struct sq_stmt {
    uint64_t hash;
    char *sql;
    sqlite3_stmt *st;
};

struct sq_conn {
    sqlite3 *db;
    struct sq_stmt cache[STMT_CACHE];
    unsigned next; /* the slot the next new statement takes */
};

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* A prepared statement for sql, reset and unbound: from the cache (then
 * *cached), or compiled now.  SQLite recompiles a cached statement by
 * itself when the schema changed (sqlite3_prepare_v2). */
static int stmt_get(struct sq_conn *c, const char *sql, sqlite3_stmt **st, bool *cached)
{
    size_t len = strlen(sql);
    uint64_t h = len < STMT_CACHE_MAX_SQL ? sql_hash(sql) : 0;
    *cached = false;
    bool again = false;
    if (h)
        for (unsigned i = 0; i < STMT_CACHE; i++)
            if (c->cache[i].hash == h && !strcmp(c->cache[i].sql, sql)) {
                /* In use (a row callback running the same statement on
                 * this connection): a fresh one, not cached. */
                if ((again = sqlite3_stmt_busy(c->cache[i].st)))
                    break;
                *st = c->cache[i].st;
                *cached = true;
                return SQLITE_OK;
            }
    int rc = sqlite3_prepare_v2(c->db, sql, (int)len + 1, st, NULL);
    struct sq_stmt *e = &c->cache[c->next];
    if (rc != SQLITE_OK || !h || !*st || again || (e->st && sqlite3_stmt_busy(e->st)))
        return rc; /* not cached: finalized after use */
    char *copy = strdup(sql);
    if (!copy)
        return SQLITE_OK;
    c->next = (c->next + 1) % STMT_CACHE;
    sqlite3_finalize(e->st);
    free(e->sql);
    *e = (struct sq_stmt){h, copy, *st};
    *cached = true;
    return SQLITE_OK;
}

static void stmt_done(sqlite3_stmt *st, bool cached)
{
    if (cached) {
        /* Releases its locks and the parameters' memory now. */
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static int sq_err(sqlite3 *db, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return -EEXIST;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static int sq_open(const char *dsn, void **conn, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(dsn, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                           SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", dsn, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -EIO;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    char *msg = NULL;
    /* WAL: readers never wait for the writer; NORMAL sync is durable
     * across process crashes and loses at most the last transactions on
     * power loss (https://sqlite.org/wal.html). */
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                          "PRAGMA foreign_keys=ON",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", dsn, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return -EIO;
    }
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        sqlite3_close(db);
        return -ENOMEM;
    }
    c->db = db;
    *conn = c;
    return 0;
}

static void sq_close(void *conn)
{
    struct sq_conn *c = conn;
    if (!c)
        return;
    for (unsigned i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

static int sq_query(void *conn, const char *sql, int nparams, const struct orc_val *params,
                    orc_row_fn fn, void *arg, char *err, size_t errlen)
{
    struct sq_conn *c = conn;
    sqlite3 *db = c->db;
    sqlite3_stmt *st = NULL;
    bool cached;
    int rc = stmt_get(c, sql, &st, &cached);
    if (rc != SQLITE_OK)
        return sq_err(db, rc, err, errlen);
    for (int i = 0; i < nparams; i++) {
        if (params[i].is_int)
            rc = sqlite3_bind_int64(st, i + 1, params[i].i);
        else if (params[i].s)
            rc = sqlite3_bind_text(st, i + 1, params[i].s, -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            rc = sq_err(db, rc, err, errlen);
            stmt_done(st, cached);
            return rc;
        }
    }
    int rows = 0, ncol = sqlite3_column_count(st);
    char *cols[16];
    if (ncol > 16)
        ncol = 16;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        if (!fn)
            continue;
        for (int i = 0; i < ncol; i++)
            cols[i] = (char *)sqlite3_column_text(st, i);
        if (fn(arg, ncol, cols))
            break;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        rc = sq_err(db, rc, err, errlen);
        stmt_done(st, cached);
        return rc;
    }
    int changes = sqlite3_changes(db);
    stmt_done(st, cached);
    return ncol > 0 ? rows : changes;
}

static int sq_exec(void *conn, const char *sql, char *err, size_t errlen)
{
    sqlite3 *db = ((struct sq_conn *)conn)->db;
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST
                                                                                    : -EIO;
    }
    return 0;
}

const struct orc_backend orc_backend_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .query = sq_query,
    .exec = sq_exec,
    .serial = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .begin_exclusive = "BEGIN IMMEDIATE",
    .begin_write = "BEGIN IMMEDIATE",
    .one_writer = true,
};
