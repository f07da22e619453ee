/* The orchestrator's store: one interface, two backends (SQLite, the
 * default, one file in WAL mode; PostgreSQL through libpq), the same schema
 * and the same numbered migrations (schema/orc/NNNN_name.sql, embedded at
 * build time).
 *
 * All SQL lives in orc_store.c and is written once in the subset both
 * engines share, with '?' placeholders; a backend only opens connections,
 * runs statements with text/integer parameters and hands rows back as
 * text (the PostgreSQL backend rewrites '?' to $1, $2, ...).
 *
 * A store holds a pool of connections (one per HTTP worker thread): a
 * request takes one with orc_store_get() and gives it back with
 * orc_store_put().  Several xepc-orcd may share one PostgreSQL database:
 * nothing is cached in the process, and concurrent writers are ordered by
 * the version column (conditional updates), not by process locks. */
#ifndef XEPC_ORC_STORE_H
#define XEPC_ORC_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct orc_migration {
    int version;      /* NNNN of the file name, from 1, no gaps */
    const char *name; /* the rest of the file name, without .sql */
    const char *sql;
};
extern const struct orc_migration orc_migrations[];
extern const size_t orc_n_migrations;

/* A statement parameter: text (NULL is SQL NULL) or a 64-bit integer. */
struct orc_val {
    const char *s;
    int64_t i;
    bool is_int;
};
#define ORC_S(x) ((struct orc_val){.s = (x)})
#define ORC_I(x) ((struct orc_val){.i = (x), .is_int = true})

/* A row: ncol text columns (NULL for SQL NULL).  Return non-zero to stop. */
typedef int (*orc_row_fn)(void *arg, int ncol, char **cols);

/* What a backend provides.  Errors: -EEXIST (unique key violated),
 * -EBUSY (lock timeout / serialization), -EIO (anything else; the message
 * is in err). */
struct orc_backend {
    const char *name;
    int (*open)(const char *dsn, void **conn, char *err, size_t errlen);
    void (*close)(void *conn);
    /* Runs one statement; rows go to fn (may be NULL).  Returns the number
     * of rows changed (INSERT/UPDATE/DELETE) or returned, or -errno. */
    int (*query)(void *conn, const char *sql, int nparams, const struct orc_val *params,
                 orc_row_fn fn, void *arg, char *err, size_t errlen);
    /* Runs a script of statements without parameters. */
    int (*exec)(void *conn, const char *sql, char *err, size_t errlen);
    const char *serial; /* what @SERIAL@ becomes in the migrations */
    /* Opens a transaction that excludes other migrating processes. */
    const char *begin_exclusive;
    /* Opens a transaction that will write (SQLite: take the write lock
     * now, so that a read-then-write never deadlocks on the upgrade). */
    const char *begin_write;
    /* One writer at a time in the process (SQLite has one write lock per
     * file; its busy handler would sleep and retry instead). */
    bool one_writer;
};
extern const struct orc_backend orc_backend_sqlite;
extern const struct orc_backend orc_backend_pg;

struct orc_store;

struct orc_conn {
    const struct orc_backend *be;
    struct orc_store *st;
    void *h;
    bool busy;
    bool writing; /* holds st->write_lock (SQLite) */
    char err[256]; /* last error message */
};

struct orc_store {
    const struct orc_backend *be;
    struct orc_conn *conns;
    size_t n_conns;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    pthread_mutex_t write_lock;
    int schema_version;
};

/* backend "sqlite" (dsn: a file path) or "postgresql" (dsn: a libpq
 * conninfo string).  Opens n connections and brings the schema up to date
 * (migrations run in one transaction each; a database newer than the
 * binary is refused). */
int orc_store_open(struct orc_store *st, const char *backend, const char *dsn, size_t n,
                   char *err, size_t errlen);
void orc_store_close(struct orc_store *st);
struct orc_conn *orc_store_get(struct orc_store *st);
void orc_store_put(struct orc_store *st, struct orc_conn *c);

/* Convenience on one connection. */
int orc_q(struct orc_conn *c, const char *sql, int n, const struct orc_val *p, orc_row_fn fn,
          void *arg);
int orc_begin(struct orc_conn *c);
int orc_commit(struct orc_conn *c);
void orc_rollback(struct orc_conn *c);

/* ---------------------------------------------------------- objects ---- */

struct orc_obj {
    char *id;
    int64_t version;
    char *body; /* JSON text */
    int64_t created_at, updated_at;
};
void orc_obj_free(struct orc_obj *o);

/* 0 and *o filled, -ENOENT, or -EIO. */
int orc_obj_get(struct orc_conn *c, const char *kind, const char *net, const char *id,
                struct orc_obj *o);
/* The gw_cert object of a gateway that is registered (a "gateway" object
 * of the same network and id exists): 0, -ENOENT or -EIO. */
int orc_gw_cert_get(struct orc_conn *c, const char *net, const char *id, struct orc_obj *o);
/* Inserts version 1; -EEXIST when the id is taken. */
int orc_obj_create(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   const char *body, int64_t now);
/* Replaces the body when the stored version is `version` and increments
 * it; -ENOENT (no such object) or -ESTALE (another version is stored). */
int orc_obj_update(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   int64_t version, const char *body, int64_t now);
/* Creates the object (version 1) or replaces its body (version + 1) in
 * one statement, whatever its version; for kinds that are not synced
 * (e.g. a gateway's reported state). */
int orc_obj_put(struct orc_conn *c, const char *kind, const char *net, const char *id,
                const char *body, int64_t now);
/* version < 0: unconditional.  -ENOENT or -ESTALE as above. */
int orc_obj_delete(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   int64_t version);
/* Objects of (kind, net) with id > after (keyset paging), in id order, at
 * most limit; fn gets (id, version, body, created_at, updated_at). */
int orc_obj_list(struct orc_conn *c, const char *kind, const char *net, const char *after,
                 int limit, orc_row_fn fn, void *arg);
/* How many objects of kind (any kind if NULL) belong to net. */
int64_t orc_obj_count(struct orc_conn *c, const char *kind, const char *net);
/* Multi-row INSERTs for the store's files: "head row, row, ... tail" with
 * at most ORC_INSERT_BATCH rows of ncols parameters a statement; fill sets
 * the parameters of row i.  0 or -errno. */
#define ORC_INSERT_BATCH 200
typedef void (*orc_fill_fn)(void *arg, size_t i, struct orc_val *p);
int orc_insert_rows(struct orc_conn *c, const char *head, const char *row, const char *tail,
                    int ncols, size_t n, orc_fill_fn fill, void *arg);
/* Inserts many objects of one kind at once (bulk import), inside the
 * caller's transaction: -EEXIST if any id is taken. */
int orc_obj_insert_many(struct orc_conn *c, const char *kind, const char *net, size_t n,
                        const char *const *ids, const char *const *bodies, int64_t now);

/* ------------------------------------------------------ change log ---- */

/* The change log gateways sync from (schema/orc/0003_changes.sql).  The
 * object writes above log changes of the synced kinds themselves, in the
 * caller's transaction: a network is logged in its own log, anything else
 * in its network's. */
bool orc_sync_kind(const char *kind);
/* The kinds a gateway syncs, in the order of a full sync; NULL-ended. */
extern const char *const orc_sync_kinds[];

#define ORC_STREAM_LEN 8 /* hex digits of a stream id */
/* net's head: 0 with *seq and stream (ORC_STREAM_LEN + 1 bytes), or
 * -ENOENT when nothing was ever logged in net. */
int orc_change_head(struct orc_conn *c, const char *net, int64_t *seq, char *stream);
/* Changes of net with after < seq <= upto in seq order, at most limit; fn
 * gets (seq, kind, id, op, body) where body is the object's current JSON
 * (NULL for a delete). */
int orc_change_list(struct orc_conn *c, const char *net, int64_t after, int64_t upto, int limit,
                    orc_row_fn fn, void *arg);

/* ------------------------------------------- usage history, events ---- */

/* schema/orc/0004_usage_history.sql; orc_store_hist.c. */
struct orc_usage_row {
    const char *subscriber; /* "" : the gateway's total */
    int64_t ul_bytes, dl_bytes, ues;
};
/* Adds n rows' bytes to the bucket of (net, gw) (ues: the larger one). */
int orc_usage_add(struct orc_conn *c, const char *net, const char *gw, int64_t bucket, size_t n,
                  const struct orc_usage_row *rows);
/* What a series sums over: one network's gateways' totals (gw and sub
 * NULL), one gateway's total (gw), or one subscriber on every gateway of
 * the network (sub). */
struct orc_usage_sel {
    const char *net, *gw, *sub;
    int64_t from, to, step; /* buckets from <= b < to, summed by step */
};
/* fn gets (t, ul_bytes, dl_bytes, ues) per step with data, in time order. */
int orc_usage_series(struct orc_conn *c, const struct orc_usage_sel *s, orc_row_fn fn, void *arg);
/* The largest users of net in [from, to): by_subscriber or by gateway;
 * fn gets (id, ul_bytes, dl_bytes), largest first, at most limit. */
int orc_usage_top(struct orc_conn *c, const char *net, bool by_subscriber, int64_t from,
                  int64_t to, int limit, orc_row_fn fn, void *arg);
/* Deletes the buckets before `before` (Unix s): rows deleted, or -errno. */
int orc_usage_prune(struct orc_conn *c, int64_t before);

/* A gateway event (kind "gateway_event", network "<net>/<gw>"): created
 * unless one with this id exists (0 either way; an id is made from the
 * time, so the same event found twice is stored once). */
int orc_event_add(struct orc_conn *c, const char *net, const char *gw, const char *id,
                  const char *body, int64_t now);
/* Deletes events made before `before` (Unix s). */
int orc_event_prune(struct orc_conn *c, int64_t before);

/* ----------------------------------------------------- tokens, audit ---- */

/* expires_at: Unix time, 0 for never. */
int orc_token_insert(struct orc_conn *c, const char *id, const char *name, const char *scope,
                     const char *hash_hex, int64_t now, int64_t expires_at);
/* 0 and scope/hash/expiry copied (expires_at may be NULL), or -ENOENT. */
int orc_token_lookup(struct orc_conn *c, const char *id, char *scope, size_t scope_len,
                     char *hash_hex, size_t hash_len, int64_t *expires_at);
int orc_token_delete(struct orc_conn *c, const char *id);
/* fn gets (id, name, scope, created_at, expires_at). */
int orc_token_list(struct orc_conn *c, orc_row_fn fn, void *arg);

int orc_audit_add(struct orc_conn *c, int64_t now, const char *token_id, const char *client,
                  const char *method, const char *path, int status, const char *detail);
/* Entries with seq > after, oldest first; fn gets (seq, at, token_id,
 * client, method, path, status, detail). */
int orc_audit_list(struct orc_conn *c, int64_t after, int limit, orc_row_fn fn, void *arg);

#endif
