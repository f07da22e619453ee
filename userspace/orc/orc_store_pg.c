/* The PostgreSQL backend of the orchestrator's store (libpq).  Statements
 * are sent with PQexecParams (parameters never enter the SQL text); '?'
 * placeholders become $1, $2, ... */
#include "orc/orc_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postgresql/libpq-fe.h>

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
    *conn = pg;
    return 0;
}

static void pg_close(void *conn)
{
    PQfinish(conn);
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

static int pg_query(void *conn, const char *sql, int nparams, const struct orc_val *params,
                    orc_row_fn fn, void *arg, char *err, size_t errlen)
{
    PGconn *pg = conn;
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
    PGresult *r = PQexecParams(pg, q, nparams, NULL, vals, NULL, NULL, 0);
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
    PGresult *r = PQexec(conn, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : pg_err(r, conn, err, errlen);
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
