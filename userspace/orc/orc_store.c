/* The orchestrator's store: connection pool, migrations and every SQL
 * statement (see orc_store.h). */
#include "orc/orc_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/hex.h"

/* ------------------------------------------------------------ pool ---- */

int orc_q(struct orc_conn *c, const char *sql, int n, const struct orc_val *p, orc_row_fn fn,
          void *arg)
{
    return c->be->query(c->h, sql, n, p, fn, arg, c->err, sizeof(c->err));
}

static void write_unlock(struct orc_conn *c)
{
    if (c->writing) {
        c->writing = false;
        pthread_mutex_unlock(&c->st->write_lock);
    }
}

int orc_begin(struct orc_conn *c)
{
    if (c->be->one_writer && c->st) {
        pthread_mutex_lock(&c->st->write_lock);
        c->writing = true;
    }
    int rc = c->be->exec(c->h, c->be->begin_write, c->err, sizeof(c->err));
    if (rc < 0)
        write_unlock(c);
    return rc;
}

int orc_commit(struct orc_conn *c)
{
    int rc = c->be->exec(c->h, "COMMIT", c->err, sizeof(c->err));
    if (rc == 0)
        write_unlock(c);
    return rc; /* on failure the caller rolls back, which unlocks */
}

void orc_rollback(struct orc_conn *c)
{
    char e[128];
    c->be->exec(c->h, "ROLLBACK", e, sizeof(e));
    write_unlock(c);
}

static int row_int(void *arg, int ncol, char **cols)
{
    if (ncol > 0 && cols[0])
        *(int64_t *)arg = strtoll(cols[0], NULL, 10);
    return 0;
}

/* Replaces @SERIAL@ with the backend's auto-increment key. */
static char *dialect(const struct orc_backend *be, const char *sql)
{
    const char *tag = "@SERIAL@";
    size_t n = 1, tl = strlen(tag), sl = strlen(be->serial);
    for (const char *p = sql; (p = strstr(p, tag)); p += tl)
        n++;
    char *out = malloc(strlen(sql) + n * sl + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = sql;;) {
        const char *q = strstr(p, tag);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, be->serial, sl);
        o += sl;
        p = q + tl;
    }
    return out;
}

static int migrate(struct orc_conn *c, int *version, char *err, size_t errlen)
{
    static const char create[] = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
                                 "NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT "
                                 "NOT NULL)";
    int rc;
    for (size_t i = 0; i < orc_n_migrations; i++) {
        const struct orc_migration *m = &orc_migrations[i];
        if ((rc = c->be->exec(c->h, c->be->begin_exclusive, c->err, sizeof(c->err))) < 0) {
            snprintf(err, errlen, "migration %04d_%s: %s", m->version, m->name, c->err);
            return rc;
        }
        int64_t have = -1;
        struct orc_val p[] = {ORC_I(m->version)};
        rc = c->be->exec(c->h, create, c->err, sizeof(c->err));
        if (rc >= 0)
            rc = orc_q(c, "SELECT version FROM schema_version WHERE version = ?", 1, p, row_int,
                   &have);
        if (rc >= 0 && have < 0) {
            char *sql = dialect(c->be, m->sql);
            rc = sql ? c->be->exec(c->h, sql, c->err, sizeof(c->err)) : -ENOMEM;
            free(sql);
            struct orc_val r[] = {ORC_I(m->version), ORC_S(m->name), ORC_I(time(NULL))};
            if (rc >= 0)
                rc = orc_q(c, "INSERT INTO schema_version (version, name, applied_at) "
                              "VALUES (?, ?, ?)", 3, r, NULL, NULL);
        }
        if (rc >= 0)
            rc = orc_commit(c);
        if (rc < 0) {
            snprintf(err, errlen, "migration %04d_%s failed: %s", m->version, m->name, c->err);
            orc_rollback(c);
            return rc;
        }
    }
    int64_t top = 0;
    orc_q(c, "SELECT MAX(version) FROM schema_version", 0, NULL, row_int, &top);
    if (top > (int64_t)orc_n_migrations) {
        snprintf(err, errlen,
                 "the database has schema version %" PRId64 ", newer than this binary's %zu",
                 top, orc_n_migrations);
        return -EPROTO;
    }
    *version = (int)top;
    return 0;
}

int orc_store_open(struct orc_store *st, const char *backend, const char *dsn, size_t n,
                   char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(backend, "sqlite"))
        st->be = &orc_backend_sqlite;
    else if (!strcmp(backend, "postgresql"))
        st->be = &orc_backend_pg;
    else {
        snprintf(err, errlen, "unknown store backend '%s'", backend);
        return -EINVAL;
    }
    if (n == 0)
        n = 1;
    st->conns = calloc(n, sizeof(*st->conns));
    if (!st->conns)
        return -ENOMEM;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->freed, NULL);
    pthread_mutex_init(&st->write_lock, NULL);
    for (size_t i = 0; i < n; i++) {
        st->conns[i].be = st->be;
        st->conns[i].st = st;
        int rc = st->be->open(dsn, &st->conns[i].h, err, errlen);
        if (rc < 0) {
            orc_store_close(st);
            return rc;
        }
        st->n_conns++;
        if (i == 0 && (rc = migrate(&st->conns[0], &st->schema_version, err, errlen)) < 0) {
            orc_store_close(st);
            return rc;
        }
    }
    return 0;
}

void orc_store_close(struct orc_store *st)
{
    for (size_t i = 0; i < st->n_conns; i++)
        st->be->close(st->conns[i].h);
    free(st->conns);
    if (st->conns) {
        pthread_mutex_destroy(&st->lock);
        pthread_cond_destroy(&st->freed);
        pthread_mutex_destroy(&st->write_lock);
    }
    memset(st, 0, sizeof(*st));
}

struct orc_conn *orc_store_get(struct orc_store *st)
{
    pthread_mutex_lock(&st->lock);
    for (;;) {
        for (size_t i = 0; i < st->n_conns; i++)
            if (!st->conns[i].busy) {
                st->conns[i].busy = true;
                pthread_mutex_unlock(&st->lock);
                return &st->conns[i];
            }
        pthread_cond_wait(&st->freed, &st->lock);
    }
}

void orc_store_put(struct orc_store *st, struct orc_conn *c)
{
    pthread_mutex_lock(&st->lock);
    c->busy = false;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->lock);
}

/* ------------------------------------------------------ change log ---- */

const char *const orc_sync_kinds[] = {"network", "gateway",     "apn",       "qos_profile",
                                      "rating_group", "policy", "base_name", "subscriber",
                                      NULL};

bool orc_sync_kind(const char *kind)
{
    for (size_t i = 0; orc_sync_kinds[i]; i++)
        if (!strcmp(kind, orc_sync_kinds[i]))
            return true;
    return false;
}

/* Takes n numbers from net's head (creating it with a new stream id):
 * *last is the highest; they are last - n + 1 .. last. */
static int change_reserve(struct orc_conn *c, const char *net, int64_t n, int64_t *last)
{
    uint8_t rnd[ORC_STREAM_LEN / 2];
    char stream[ORC_STREAM_LEN + 1];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return -EIO;
    hex_encode(rnd, sizeof(rnd), stream);
    *last = -1;
    struct orc_val p[] = {ORC_S(net), ORC_I(n), ORC_S(stream)};
    int rc = orc_q(c,
                   "INSERT INTO change_head (network, seq, stream) VALUES (?, ?, ?) "
                   "ON CONFLICT (network) DO UPDATE SET seq = change_head.seq + excluded.seq "
                   "RETURNING seq",
                   3, p, row_int, last);
    if (rc < 0)
        return rc;
    return *last < 0 ? -EIO : 0;
}

static const char change_upsert[] =
    "INSERT INTO changes (network, seq, kind, id, op) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (network, kind, id) DO UPDATE SET seq = excluded.seq, op = excluded.op";

static int change_log(struct orc_conn *c, const char *kind, const char *net, const char *id,
                      const char *op)
{
    if (!orc_sync_kind(kind))
        return 0;
    const char *scope = strcmp(kind, "network") ? net : id;
    int64_t seq;
    int rc = change_reserve(c, scope, 1, &seq);
    if (rc < 0)
        return rc;
    struct orc_val p[] = {ORC_S(scope), ORC_I(seq), ORC_S(kind), ORC_S(id), ORC_S(op)};
    rc = orc_q(c, change_upsert, 5, p, NULL, NULL);
    return rc < 0 ? rc : 0;
}

struct head_row {
    int64_t seq;
    char *stream;
    bool found;
};

static int row_head(void *arg, int ncol, char **cols)
{
    struct head_row *h = arg;
    if (ncol < 2 || !cols[0] || !cols[1])
        return 1;
    h->seq = strtoll(cols[0], NULL, 10);
    snprintf(h->stream, ORC_STREAM_LEN + 1, "%s", cols[1]);
    h->found = true;
    return 0;
}

int orc_change_head(struct orc_conn *c, const char *net, int64_t *seq, char *stream)
{
    struct head_row h = {0, stream, false};
    struct orc_val p[] = {ORC_S(net)};
    int rc = orc_q(c, "SELECT seq, stream FROM change_head WHERE network = ?", 1, p, row_head,
                   &h);
    if (rc < 0)
        return rc;
    if (!h.found)
        return -ENOENT;
    *seq = h.seq;
    return 0;
}

int orc_change_list(struct orc_conn *c, const char *net, int64_t after, int64_t upto, int limit,
                    orc_row_fn fn, void *arg)
{
    /* A network object is stored under network '' (orc_obj_create). */
    struct orc_val p[] = {ORC_S(net), ORC_I(after), ORC_I(upto), ORC_I(limit)};
    return orc_q(c,
                 "SELECT ch.seq, ch.kind, ch.id, ch.op, o.body FROM changes ch "
                 "LEFT JOIN objects o ON ch.op = 'put' AND o.kind = ch.kind AND o.id = ch.id "
                 "AND o.network = CASE WHEN ch.kind = 'network' THEN '' ELSE ch.network END "
                 "WHERE ch.network = ? AND ch.seq > ? AND ch.seq <= ? ORDER BY ch.seq LIMIT ?",
                 4, p, fn, arg);
}

/* --------------------------------------------------------- objects ---- */

void orc_obj_free(struct orc_obj *o)
{
    free(o->id);
    free(o->body);
    memset(o, 0, sizeof(*o));
}

static int row_obj(void *arg, int ncol, char **cols)
{
    struct orc_obj *o = arg;
    if (ncol < 5)
        return 1;
    o->id = strdup(cols[0] ? cols[0] : "");
    o->version = strtoll(cols[1], NULL, 10);
    o->body = strdup(cols[2] ? cols[2] : "{}");
    o->created_at = strtoll(cols[3], NULL, 10);
    o->updated_at = strtoll(cols[4], NULL, 10);
    return 0;
}

/* One object from a query of (id, version, body, created_at, updated_at):
 * 0 and *o filled, -ENOENT, -ENOMEM or the query's error. */
static int obj_one(struct orc_conn *c, const char *sql, int n, const struct orc_val *p,
                   struct orc_obj *o)
{
    memset(o, 0, sizeof(*o));
    int rc = orc_q(c, sql, n, p, row_obj, o);
    if (rc >= 0 && (!o->id || !o->body))
        rc = o->id ? -ENOMEM : -ENOENT;
    if (rc < 0)
        orc_obj_free(o);
    return rc < 0 ? rc : 0;
}

int orc_obj_get(struct orc_conn *c, const char *kind, const char *net, const char *id,
                struct orc_obj *o)
{
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(id)};
    return obj_one(c,
                   "SELECT id, version, body, created_at, updated_at FROM objects "
                   "WHERE kind = ? AND network = ? AND id = ?",
                   3, p, o);
}

int orc_gw_cert_get(struct orc_conn *c, const char *net, const char *id, struct orc_obj *o)
{
    struct orc_val p[] = {ORC_S(net), ORC_S(id)};
    return obj_one(c,
                   "SELECT c.id, c.version, c.body, c.created_at, c.updated_at FROM objects c "
                   "JOIN objects g ON g.kind = 'gateway' AND g.network = c.network "
                   "AND g.id = c.id WHERE c.kind = 'gw_cert' AND c.network = ? AND c.id = ?",
                   2, p, o);
}

int orc_obj_create(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   const char *body, int64_t now)
{
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(id), ORC_S(body), ORC_I(now), ORC_I(now)};
    int rc = orc_q(c,
                   "INSERT INTO objects (kind, network, id, version, body, created_at, "
                   "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                   6, p, NULL, NULL);
    if (rc < 0)
        return rc;
    return change_log(c, kind, net, id, "put");
}

static int exists(struct orc_conn *c, const char *kind, const char *net, const char *id)
{
    int64_t v = -1;
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(id)};
    int rc = orc_q(c, "SELECT version FROM objects WHERE kind = ? AND network = ? AND id = ?", 3,
                   p, row_int, &v);
    if (rc < 0)
        return rc;
    return v >= 0;
}

/* A conditional write changed rc rows: 0 if one, else why not. */
static int outcome(struct orc_conn *c, int rc, const char *kind, const char *net, const char *id)
{
    if (rc < 0)
        return rc;
    if (rc > 0)
        return 0;
    rc = exists(c, kind, net, id);
    return rc < 0 ? rc : rc ? -ESTALE : -ENOENT;
}

int orc_obj_update(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   int64_t version, const char *body, int64_t now)
{
    struct orc_val p[] = {ORC_S(body), ORC_I(now), ORC_S(kind), ORC_S(net), ORC_S(id),
                          ORC_I(version)};
    int rc = orc_q(c,
                   "UPDATE objects SET body = ?, version = version + 1, updated_at = ? "
                   "WHERE kind = ? AND network = ? AND id = ? AND version = ?",
                   6, p, NULL, NULL);
    rc = outcome(c, rc, kind, net, id);
    return rc < 0 ? rc : change_log(c, kind, net, id, "put");
}

int orc_obj_put(struct orc_conn *c, const char *kind, const char *net, const char *id,
                const char *body, int64_t now)
{
    if (orc_sync_kind(kind))
        return -EINVAL; /* those go through create/update, which log them */
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(id), ORC_S(body), ORC_I(now), ORC_I(now)};
    int rc = orc_q(c,
                   "INSERT INTO objects (kind, network, id, version, body, created_at, "
                   "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (kind, network, id) "
                   "DO UPDATE SET body = excluded.body, version = objects.version + 1, "
                   "updated_at = excluded.updated_at",
                   6, p, NULL, NULL);
    return rc < 0 ? rc : 0;
}

int orc_obj_delete(struct orc_conn *c, const char *kind, const char *net, const char *id,
                   int64_t version)
{
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(id), ORC_I(version)};
    int rc = version < 0 ? orc_q(c, "DELETE FROM objects WHERE kind = ? AND network = ? AND id = ?",
                                 3, p, NULL, NULL)
                         : orc_q(c,
                                 "DELETE FROM objects WHERE kind = ? AND network = ? AND id = ? "
                                 "AND version = ?",
                                 4, p, NULL, NULL);
    rc = outcome(c, rc, kind, net, id);
    return rc < 0 ? rc : change_log(c, kind, net, id, "delete");
}

int orc_obj_list(struct orc_conn *c, const char *kind, const char *net, const char *after,
                 int limit, orc_row_fn fn, void *arg)
{
    struct orc_val p[] = {ORC_S(kind), ORC_S(net), ORC_S(after ? after : ""), ORC_I(limit)};
    return orc_q(c,
                 "SELECT id, version, body, created_at, updated_at FROM objects "
                 "WHERE kind = ? AND network = ? AND id > ? ORDER BY id LIMIT ?",
                 4, p, fn, arg);
}

int64_t orc_obj_count(struct orc_conn *c, const char *kind, const char *net)
{
    int64_t n = 0;
    struct orc_val p[] = {ORC_S(net), ORC_S(kind)};
    int rc = kind ? orc_q(c, "SELECT COUNT(*) FROM objects WHERE network = ? AND kind = ?", 2, p,
                          row_int, &n)
                  : orc_q(c, "SELECT COUNT(*) FROM objects WHERE network = ?", 1, p, row_int, &n);
    return rc < 0 ? rc : n;
}

int orc_insert_rows(struct orc_conn *c, const char *head, const char *row, const char *tail,
                    int ncols, size_t n, orc_fill_fn fill, void *arg)
{
    size_t k_max = n < ORC_INSERT_BATCH ? n : ORC_INSERT_BATCH;
    char *sql = malloc(strlen(head) + k_max * (strlen(row) + 2) + strlen(tail) + 1);
    struct orc_val *p = malloc((k_max ? k_max : 1) * (size_t)ncols * sizeof(*p));
    int rc = sql && p ? 0 : -ENOMEM;
    for (size_t done = 0; done < n && rc >= 0;) {
        size_t k = n - done < ORC_INSERT_BATCH ? n - done : ORC_INSERT_BATCH;
        char *s = sql + sprintf(sql, "%s", head);
        for (size_t i = 0; i < k; i++) {
            s += sprintf(s, "%s%s", i ? ", " : "", row);
            fill(arg, done + i, &p[i * (size_t)ncols]);
        }
        strcpy(s, tail);
        rc = orc_q(c, sql, (int)k * ncols, p, NULL, NULL);
        done += k;
    }
    free(sql);
    free(p);
    return rc < 0 ? rc : 0;
}

struct many {
    const char *kind, *net;
    const char *const *ids, *const *bodies;
    int64_t now, seq;
};

static void fill_change(void *arg, size_t i, struct orc_val *q)
{
    struct many *m = arg;
    q[0] = ORC_S(m->net);
    q[1] = ORC_I(m->seq + (int64_t)i);
    q[2] = ORC_S(m->kind);
    q[3] = ORC_S(m->ids[i]);
}

static void fill_object(void *arg, size_t i, struct orc_val *q)
{
    struct many *m = arg;
    q[0] = ORC_S(m->kind);
    q[1] = ORC_S(m->net);
    q[2] = ORC_S(m->ids[i]);
    q[3] = ORC_S(m->bodies[i]);
    q[4] = ORC_I(m->now);
    q[5] = ORC_I(m->now);
}

int orc_obj_insert_many(struct orc_conn *c, const char *kind, const char *net, size_t n,
                        const char *const *ids, const char *const *bodies, int64_t now)
{
    struct many m = {kind, net, ids, bodies, now, 0};
    int rc = orc_insert_rows(c,
                             "INSERT INTO objects (kind, network, id, version, body, created_at, "
                             "updated_at) VALUES ",
                             "(?, ?, ?, 1, ?, ?, ?)", "", 6, n, fill_object, &m);
    if (rc < 0 || n == 0 || !orc_sync_kind(kind))
        return rc;
    /* The change rows: n numbers from the network's head. */
    int64_t last;
    if ((rc = change_reserve(c, net, (int64_t)n, &last)) < 0)
        return rc;
    m.seq = last - (int64_t)n + 1;
    return orc_insert_rows(c, "INSERT INTO changes (network, seq, kind, id, op) VALUES ",
                           "(?, ?, ?, ?, 'put')",
                           " ON CONFLICT (network, kind, id) DO UPDATE SET seq = excluded.seq, "
                           "op = excluded.op",
                           4, n, fill_change, &m);
}

/* ----------------------------------------------------- tokens, audit ---- */

int orc_token_insert(struct orc_conn *c, const char *id, const char *name, const char *scope,
                     const char *hash_hex, int64_t now, int64_t expires_at)
{
    struct orc_val p[] = {ORC_S(id),  ORC_S(name),      ORC_S(scope), ORC_S(hash_hex),
                          ORC_I(now), ORC_I(expires_at)};
    int rc = orc_q(c, "INSERT INTO tokens (id, name, scope, hash, created_at, expires_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                   6, p, NULL, NULL);
    return rc < 0 ? rc : 0;
}

struct tok_row {
    char *scope, *hash;
    size_t scope_len, hash_len;
    int64_t expires_at;
    bool found;
};

static int row_tok(void *arg, int ncol, char **cols)
{
    struct tok_row *t = arg;
    if (ncol < 2 || !cols[0] || !cols[1])
        return 1;
    snprintf(t->scope, t->scope_len, "%s", cols[0]);
    snprintf(t->hash, t->hash_len, "%s", cols[1]);
    t->expires_at = ncol > 2 && cols[2] ? strtoll(cols[2], NULL, 10) : 0;
    t->found = true;
    return 0;
}

int orc_token_lookup(struct orc_conn *c, const char *id, char *scope, size_t scope_len,
                     char *hash_hex, size_t hash_len, int64_t *expires_at)
{
    struct tok_row t = {scope, hash_hex, scope_len, hash_len, 0, false};
    struct orc_val p[] = {ORC_S(id)};
    int rc = orc_q(c, "SELECT scope, hash, expires_at FROM tokens WHERE id = ?", 1, p, row_tok, &t);
    if (rc < 0)
        return rc;
    if (expires_at)
        *expires_at = t.expires_at;
    return t.found ? 0 : -ENOENT;
}

int orc_token_delete(struct orc_conn *c, const char *id)
{
    struct orc_val p[] = {ORC_S(id)};
    int rc = orc_q(c, "DELETE FROM tokens WHERE id = ?", 1, p, NULL, NULL);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

int orc_token_list(struct orc_conn *c, orc_row_fn fn, void *arg)
{
    return orc_q(c, "SELECT id, name, scope, created_at, expires_at FROM tokens ORDER BY id", 0,
                 NULL, fn, arg);
}

int orc_audit_add(struct orc_conn *c, int64_t now, const char *token_id, const char *client,
                  const char *method, const char *path, int status, const char *detail)
{
    struct orc_val p[] = {ORC_I(now),    ORC_S(token_id), ORC_S(client), ORC_S(method),
                          ORC_S(path),   ORC_I(status),   ORC_S(detail)};
    int rc = orc_q(c,
                   "INSERT INTO audit (at, token_id, client, method, path, status, detail) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   7, p, NULL, NULL);
    return rc < 0 ? rc : 0;
}

int orc_audit_list(struct orc_conn *c, int64_t after, int limit, orc_row_fn fn, void *arg)
{
    struct orc_val p[] = {ORC_I(after), ORC_I(limit)};
    return orc_q(c,
                 "SELECT seq, at, token_id, client, method, path, status, detail FROM audit "
                 "WHERE seq > ? ORDER BY seq LIMIT ?",
                 2, p, fn, arg);
}
