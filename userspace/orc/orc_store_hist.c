/* The orchestrator's store: the usage history and gateway events that
 * check-ins leave (orc_checkin.c), in the SQL subset both engines share
 * (see orc_store.h). */
#include "orc/orc_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct usage_fill {
    const char *net, *gw;
    int64_t bucket;
    const struct orc_usage_row *rows;
};

static void fill_usage(void *arg, size_t i, struct orc_val *q)
{
    const struct usage_fill *f = arg;
    const struct orc_usage_row *u = &f->rows[i];
    q[0] = ORC_S(f->net);
    q[1] = ORC_S(f->gw);
    q[2] = ORC_S(u->subscriber);
    q[3] = ORC_I(f->bucket);
    q[4] = ORC_I(u->ul_bytes);
    q[5] = ORC_I(u->dl_bytes);
    q[6] = ORC_I(u->ues);
}

int orc_usage_add(struct orc_conn *c, const char *net, const char *gw, int64_t bucket, size_t n,
                  const struct orc_usage_row *rows)
{
    struct usage_fill f = {net, gw, bucket, rows};
    return orc_insert_rows(c,
                           "INSERT INTO usage_history (network, gateway, subscriber, bucket, "
                           "ul_bytes, dl_bytes, ues) VALUES ",
                           "(?, ?, ?, ?, ?, ?, ?)",
                           " ON CONFLICT (network, gateway, subscriber, bucket) DO UPDATE SET "
                           "ul_bytes = usage_history.ul_bytes + excluded.ul_bytes, "
                           "dl_bytes = usage_history.dl_bytes + excluded.dl_bytes, "
                           "ues = CASE WHEN excluded.ues > usage_history.ues THEN excluded.ues "
                           "ELSE usage_history.ues END",
                           7, n, fill_usage, &f);
}

int orc_usage_series(struct orc_conn *c, const struct orc_usage_sel *s, orc_row_fn fn, void *arg)
{
    /* (bucket / step) * step: integer division on both engines (BIGINT). */
    char sql[512];
    struct orc_val p[6] = {ORC_I(s->step), ORC_I(s->step), ORC_S(s->net)};
    int n = 3;
    const char *where;
    if (s->sub) {
        where = "subscriber = ?";
        p[n++] = ORC_S(s->sub);
    } else if (s->gw) {
        where = "gateway = ? AND subscriber = ''";
        p[n++] = ORC_S(s->gw);
    } else {
        where = "subscriber = ''";
    }
    p[n++] = ORC_I(s->from);
    p[n++] = ORC_I(s->to);
    snprintf(sql, sizeof(sql),
             "SELECT (bucket / ?) * ? AS t, SUM(ul_bytes), SUM(dl_bytes), MAX(ues) "
             "FROM usage_history WHERE network = ? AND %s AND bucket >= ? AND bucket < ? "
             "GROUP BY t ORDER BY t",
             where);
    return orc_q(c, sql, n, p, fn, arg);
}

int orc_usage_top(struct orc_conn *c, const char *net, bool by_subscriber, int64_t from,
                  int64_t to, int limit, orc_row_fn fn, void *arg)
{
    struct orc_val p[] = {ORC_S(net), ORC_I(from), ORC_I(to), ORC_I(limit)};
    return orc_q(c,
                 by_subscriber
                     ? "SELECT subscriber, SUM(ul_bytes), SUM(dl_bytes) FROM usage_history "
                       "WHERE network = ? AND subscriber <> '' AND bucket >= ? AND bucket < ? "
                       "GROUP BY subscriber "
                       "ORDER BY SUM(ul_bytes) + SUM(dl_bytes) DESC, subscriber LIMIT ?"
                     : "SELECT gateway, SUM(ul_bytes), SUM(dl_bytes) FROM usage_history "
                       "WHERE network = ? AND subscriber = '' AND bucket >= ? AND bucket < ? "
                       "GROUP BY gateway "
                       "ORDER BY SUM(ul_bytes) + SUM(dl_bytes) DESC, gateway LIMIT ?",
                 4, p, fn, arg);
}

int orc_usage_prune(struct orc_conn *c, int64_t before)
{
    struct orc_val p[] = {ORC_I(before)};
    int rc = orc_q(c, "DELETE FROM usage_history WHERE bucket < ?", 1, p, NULL, NULL);
    /* the keys of the ended sessions' bytes counted (orc_checkin.c) */
    if (rc >= 0)
        rc = orc_q(c, "DELETE FROM objects WHERE kind = 'usage_final' AND created_at < ?", 1, p,
                   NULL, NULL);
    return rc;
}

int orc_event_add(struct orc_conn *c, const char *net, const char *gw, const char *id,
                  const char *body, int64_t now)
{
    char scope[160];
    snprintf(scope, sizeof(scope), "%s/%s", net, gw);
    struct orc_val p[] = {ORC_S("gateway_event"), ORC_S(scope), ORC_S(id), ORC_S(body),
                          ORC_I(now), ORC_I(now)};
    int rc = orc_q(c,
                   "INSERT INTO objects (kind, network, id, version, body, created_at, "
                   "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) "
                   "ON CONFLICT (kind, network, id) DO NOTHING",
                   6, p, NULL, NULL);
    return rc < 0 ? rc : 0;
}

int orc_event_prune(struct orc_conn *c, int64_t before)
{
    struct orc_val p[] = {ORC_I(before)};
    return orc_q(c, "DELETE FROM objects WHERE kind = 'gateway_event' AND created_at < ?", 1, p,
                 NULL, NULL);
}
