/* The SQLite backend of the orchestrator's store: one file in WAL mode,
 * one connection per worker (readers do not wait for the writer). */
#include "orc/orc_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 10000

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
    *conn = db;
    return 0;
}

static void sq_close(void *conn)
{
    sqlite3_close(conn);
}

static int sq_query(void *conn, const char *sql, int nparams, const struct orc_val *params,
                    orc_row_fn fn, void *arg, char *err, size_t errlen)
{
    sqlite3 *db = conn;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
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
            sqlite3_finalize(st);
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
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    return ncol > 0 ? rows : sqlite3_changes(db);
}

static int sq_exec(void *conn, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(conn));
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
