/* The PostgreSQL backend of the orchestrator's store (libpq).  Statements
 * are prepared once per connection (PQprepare, kept in a small cache) and
 * run with PQexecPrepared: parameters never enter the SQL text, and the
 * server does not parse and plan the same statement on every request.
 * '?' placeholders become $1, $2, ... */
#include "orc/orc_store.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <postgresql/libpq-fe.h>

#define STMT_CACHE 64
#define STMT_CACHE_MAX_SQL 8192

struct pg_stmt {
    uint64_t hash;
    char *sql; /* as given (with '?') */
};

struct pg_conn {
    PGconn *pg;
    struct pg_stmt cache[STMT_CACHE]; /* slot i is prepared as "s<i>" */
    unsigned next;
};

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int pg_open(const char *dsn, void **conn, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(dsn);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "postgresql: %s", pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return -EIO;
    }
    /* Notices (e.g. "relation already exists, skipping") are not errors. */
    PQsetNoticeProcessor(pg, NULL, NULL);
    PGresult *r = PQexec(pg, "SET client_min_messages = warning");
    PQclear(r);
    struct pg_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        PQfinish(pg);
        return -ENOMEM;
    }
    c->pg = pg;
    *conn = c;
    return 0;
}

static void pg_close(void *conn)
{
    struct pg_conn *c = conn;
    if (!c)
        return;
    for (unsigned i = 0; i < STMT_CACHE; i++)
        free(c->cache[i].sql);
    PQfinish(c->pg);
    free(c);
}

static int pg_err(PGresult *r, PGconn *pg, char *err, size_t errlen)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(err, errlen, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
    size_t n = strlen(err);
    if (n && err[n - 1] == '\n')
        err[n - 1] = 0;
    /* SQLSTATE classes (PostgreSQL manual, appendix A): 23505
     * unique_violation; 40001 serialization_failure, 40P01 deadlock. */
    if (state && !strcmp(state, "23505"))
        return -EEXIST;
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
        return -EBUSY;
    return -EIO;
}

/* "... ? ..." -> "... $1 ..." (no '?' appears in our SQL otherwise). */
static char *numbered(const char *sql)
{
    size_t n = 0;
    for (const char *p = sql; *p; p++)
        n += *p == '?';
    char *out = malloc(strlen(sql) + n * 6 + 1), *o = out;
    if (!out)
        return NULL;
    int k = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '?')
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *p;
    }
    *o = 0;
    return out;
}

/* The name of sql's prepared statement on this connection, preparing it
 * first if needed; NULL: run it unprepared (too long, or the prepare
 * failed: PQexecParams then reports the error). */
static const char *prepared(struct pg_conn *c, const char *sql, const char *q, int nparams,
                            char name[16])
{
    size_t len = strlen(sql);
    if (len >= STMT_CACHE_MAX_SQL)
        return NULL;
    uint64_t h = sql_hash(sql);
    for (unsigned i = 0; i < STMT_CACHE; i++)
        if (c->cache[i].hash == h && c->cache[i].sql && !strcmp(c->cache[i].sql, sql)) {
            snprintf(name, 16, "s%u", i);
            return name;
        }
    unsigned i = c->next;
    c->next = (c->next + 1) % STMT_CACHE;
    snprintf(name, 16, "s%u", i);
    if (c->cache[i].sql) {
        /* The slot's previous statement goes (PostgreSQL manual, 55.2.3:
         * a named prepared statement lasts until the session ends or it
         * is deallocated). */
        char dealloc[32];
        snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", name);
        PQclear(PQexec(c->pg, dealloc));
        free(c->cache[i].sql);
        c->cache[i] = (struct pg_stmt){0};
    }
    PGresult *r = PQprepare(c->pg, name, q, nparams, NULL);
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || !(c->cache[i].sql = strdup(sql)))
        return NULL;
    c->cache[i].hash = h;
    return name;
}

static int pg_query(void *conn, const char *sql, int nparams, const struct orc_val *params,
                    orc_row_fn fn, void *arg, char *err, size_t errlen)
{
    struct pg_conn *c = conn;
    PGconn *pg = c->pg;
    char *q = numbered(sql);
    const char **vals = calloc((size_t)(nparams ? nparams : 1), sizeof(*vals));
    char (*ints)[24] = calloc((size_t)(nparams ? nparams : 1), sizeof(*ints));
    int rc;
    if (!q || !vals || !ints) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < nparams; i++) {
        if (params[i].is_int) {
            snprintf(ints[i], sizeof(ints[i]), "%" PRId64, params[i].i);
            vals[i] = ints[i];
        } else {
            vals[i] = params[i].s;
        }
    }
    char name[16];
    const char *stmt = prepared(c, sql, q, nparams, name);
    PGresult *r = stmt ? PQexecPrepared(pg, stmt, nparams, vals, NULL, NULL, 0)
                       : PQexecParams(pg, q, nparams, NULL, vals, NULL, NULL, 0);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_TUPLES_OK) {
        int rows = PQntuples(r), ncol = PQnfields(r);
        char *cols[16];
        if (ncol > 16)
            ncol = 16;
        for (int i = 0; fn && i < rows; i++) {
            for (int j = 0; j < ncol; j++)
                cols[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
            if (fn(arg, ncol, cols))
                break;
        }
        rc = rows;
    } else if (s == PGRES_COMMAND_OK) {
        rc = atoi(PQcmdTuples(r));
    } else {
        rc = pg_err(r, pg, err, errlen);
    }
    PQclear(r);
out:
    free(q);
    free(vals);
    free(ints);
    return rc;
}

static int pg_exec(void *conn, const char *sql, char *err, size_t errlen)
{
    PGconn *pg = ((struct pg_conn *)conn)->pg;
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : pg_err(r, pg, err, errlen);
    PQclear(r);
    return rc;
}

const struct orc_backend orc_backend_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .query = pg_query,
    .exec = pg_exec,
    .serial = "BIGSERIAL PRIMARY KEY",
    /* Two orcd starting at once on one database: the second waits here
     * for the first to finish migrating (any constant key will do). */
    .begin_exclusive = "BEGIN; SELECT pg_advisory_xact_lock(7002001)",
    .begin_write = "BEGIN",
};
