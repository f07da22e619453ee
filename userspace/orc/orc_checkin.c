/* What orcd learns from a gateway's check-in besides its state: the usage
 * history (bytes per time bucket, per gateway and per subscriber) and the
 * gateway's events; and the periodic sweep that notices gateways going
 * stale and deletes what is past its retention.  docs/orchestrator.md,
 * "Usage history" and "Gateway events".
 *
 * Counters in a check-in (ul_bytes, dl_bytes at the top level or in
 * "metrics"; per subscriber in "subscribers": {IMSI: {ul_bytes,
 * dl_bytes}}) grow from the gateway's start.  The bytes of a check-in are
 * its counters minus the previous check-in's; counters that went down
 * (traffic, or a "..._total" in "metrics"), or a different "started_at",
 * mean the gateway restarted, and then the counters themselves are the
 * bytes since.
 *
 * "final": [{key, imsi, ul_bytes, dl_bytes}] are bytes, not counters: the
 * last bytes of sessions that ended since the gateway's last acknowledged
 * check-in.  The gateway sends each until a check-in that carries it is
 * acknowledged, so the same key can come again (an answer lost, a restart
 * in between): a key is counted once, remembered per gateway as a
 * "usage_final" object (pruned with the usage history). */
#include "orc/orc_res.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECKIN_MAX_SUBSCRIBERS 20000 /* per check-in; more are not recorded */
#define CHECKIN_MAX_EVENTS 64         /* per check-in */
#define CHECKIN_MAX_ENBS 1024
#define CHECKIN_MAX_FINAL 1000        /* per check-in; the gateway sends at most that */

/* A non-negative integer counter: v (an integer, or a real that is one). */
static bool counter_of(json_t *v, int64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return true;
    }
    double d = json_is_real(v) ? json_real_value(v) : -1;
    if (d >= 0 && d < 9e18 && d == floor(d)) {
        *out = (int64_t)d;
        return true;
    }
    return false;
}

/* A counter of the report, at its top level or in its "metrics". */
static bool report_counter(json_t *rep, const char *key, int64_t *out)
{
    return counter_of(json_object_get(rep, key), out) ||
           counter_of(json_object_get(json_object_get(rep, "metrics"), key), out);
}

struct traffic {
    bool have;
    int64_t ul, dl;
};

static struct traffic traffic_of(json_t *o)
{
    struct traffic t = {0};
    bool u = report_counter(o, "ul_bytes", &t.ul), d = report_counter(o, "dl_bytes", &t.dl);
    t.have = u || d;
    return t;
}

/* The bytes since prev (restart: the counters started again from zero). */
static void traffic_delta(const struct traffic *cur, const struct traffic *prev, bool restart,
                          int64_t *ul, int64_t *dl)
{
    bool from_zero = restart || !prev || !prev->have || cur->ul < prev->ul || cur->dl < prev->dl;
    *ul = from_zero ? cur->ul : cur->ul - prev->ul;
    *dl = from_zero ? cur->dl : cur->dl - prev->dl;
}

/* ------------------------------------------------------------ events ---- */

struct events {
    struct orc_conn *c;
    const char *net, *gw;
    int64_t now, now_ms;
    int sub_us;                 /* microseconds within now_ms */
    int n;
    int rc;
};

/* Ids sort by time: 13 digits of Unix milliseconds, then a suffix (the
 * check-in's microseconds and the event's place in it, or "st" for a
 * stale event). */
static int event_put(struct orc_conn *c, const char *net, const char *gw, int64_t at_ms,
                     const char *suffix, const char *type, const char *enb, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static int event_put(struct orc_conn *c, const char *net, const char *gw, int64_t at_ms,
                     const char *suffix, const char *type, const char *enb, const char *fmt, ...)
{
    char id[40], msg[256];
    snprintf(id, sizeof(id), "%013" PRId64 "-%s", at_ms, suffix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *e = json_pack("{s:s,s:I,s:s,s:s}", "id", id, "at", (json_int_t)(at_ms / 1000), "type",
                          type, "message", msg);
    if (e && enb)
        json_object_set_new(e, "enb", json_string(enb));
    char *body = e ? json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(e);
    int rc = body ? orc_event_add(c, net, gw, id, body, at_ms / 1000) : -ENOMEM;
    free(body);
    return rc;
}

#define EVENT(ev, type, enb, ...)                                                            \
    do {                                                                                     \
        if ((ev)->rc >= 0 && (ev)->n < CHECKIN_MAX_EVENTS) {                                 \
            char sfx_[16];                                                                   \
            /* the microseconds too: two check-ins of one gateway within a \
             * millisecond must not share an id (the second's were lost) */ \
            snprintf(sfx_, sizeof(sfx_), "%03d%02d", (ev)->sub_us, (ev)->n++);               \
            (ev)->rc = event_put((ev)->c, (ev)->net, (ev)->gw, (ev)->now_ms, sfx_, (type),   \
                                 (enb), __VA_ARGS__);                                        \
        }                                                                                    \
    } while (0)

static bool has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return true;
    }
    return false;
}

/* eNBs that appear in `a` and not in `b`: one event each. */
static void enb_diff(struct events *ev, json_t *a, json_t *b, const char *type, const char *what)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (i >= CHECKIN_MAX_ENBS)
            break;
        const char *id = json_string_value(v);
        if (id && strlen(id) <= 64 && !has_string(b, id))
            EVENT(ev, type, id, "eNB %s %s", id, what);
    }
}

/* The events a check-in shows against the previous one (prev NULL: the
 * first).  TS-free: these are orcd's own notions, documented in
 * docs/orchestrator.md. */
static void checkin_events(struct events *ev, json_t *cur, json_t *prev, int64_t prev_at,
                           int64_t stale_s, bool restart)
{
    if (!prev)
        EVENT(ev, "up", NULL, "first check-in");
    else if (ev->now - prev_at > stale_s)
        EVENT(ev, "up", NULL, "checked in again after %" PRId64 " s", ev->now - prev_at);
    if (restart)
        EVENT(ev, "restart", NULL, "the gateway restarted (its counters were reset)");
    json_t *ids = json_object_get(cur, "enb_ids"), *pids = json_object_get(prev, "enb_ids");
    if (json_is_array(ids)) {
        json_t *none = json_array();
        json_t *before = json_is_array(pids) ? pids : none;
        enb_diff(ev, ids, before, "enb_connected", "connected");
        enb_diff(ev, before, ids, "enb_lost", "lost");
        json_decref(none);
        return;
    }
    int64_t n, pn = 0;
    if (!counter_of(json_object_get(cur, "enbs"), &n))
        return;
    if (prev && !counter_of(json_object_get(prev, "enbs"), &pn))
        return; /* no count to compare with */
    if (n > pn)
        EVENT(ev, "enb_connected", NULL, "%" PRId64 " more eNB(s) connected (%" PRId64 " now)",
              n - pn, n);
    else if (n < pn)
        EVENT(ev, "enb_lost", NULL, "%" PRId64 " eNB(s) lost (%" PRId64 " now)", pn - n, n);
}

/* ------------------------------------------------------------- usage ---- */

static int checkin_usage(struct orc_req *r, json_t *cur, json_t *prev, bool restart, int64_t now)
{
    struct orc_config *cfg = &r->ctx->cfg;
    int64_t res = (int64_t)(cfg->usage.resolution_ms / 1000);
    int64_t bucket = now - now % res;
    json_t *subs = json_object_get(cur, "subscribers");
    json_t *psubs = restart ? NULL : json_object_get(prev, "subscribers");
    size_t cap = 1 + (json_is_object(subs) ? json_object_size(subs) : 0);
    if (cap > CHECKIN_MAX_SUBSCRIBERS + 1)
        cap = CHECKIN_MAX_SUBSCRIBERS + 1;
    struct orc_usage_row *rows = calloc(cap, sizeof(*rows));
    if (!rows)
        return -ENOMEM;
    size_t n = 0;
    struct traffic t = traffic_of(cur), pt = traffic_of(prev);
    int64_t ues = 0;
    if (!report_counter(cur, "ues", &ues))
        report_counter(cur, "attached_ues", &ues);
    if (t.have || ues) {
        rows[n] = (struct orc_usage_row){.subscriber = ""};
        if (t.have)
            traffic_delta(&t, prev ? &pt : NULL, restart, &rows[n].ul_bytes, &rows[n].dl_bytes);
        rows[n++].ues = ues;
    }
    const char *imsi;
    json_t *v;
    json_object_foreach(subs, imsi, v) {
        if (n == cap)
            break;
        /* Bad entries are skipped: a check-in is stored as it came. */
        if (!json_is_object(v) || orc_check_imsi(imsi))
            continue;
        struct traffic st = traffic_of(v), ps = traffic_of(json_object_get(psubs, imsi));
        if (!st.have)
            continue;
        struct orc_usage_row *u = &rows[n];
        traffic_delta(&st, ps.have ? &ps : NULL, restart, &u->ul_bytes, &u->dl_bytes);
        if (u->ul_bytes || u->dl_bytes) {
            u->subscriber = imsi;
            n++;
        }
    }
    int rc = n ? orc_usage_add(r->db, r->gw_net, r->gw_id, bucket, n, rows) : 0;
    free(rows);
    return rc;
}

/* The ended sessions' last bytes ("final"): each key counted once, into
 * the gateway's row and its subscriber's row of the current bucket. */
static int row_seen(void *arg, int ncol, char **cols)
{
    (void)cols;
    *(bool *)arg = ncol > 0;
    return 0;
}

static int checkin_final(struct orc_req *r, json_t *cur, int64_t now)
{
    json_t *fin = json_object_get(cur, "final"), *v;
    if (!json_array_size(fin))
        return 0;
    struct orc_config *cfg = &r->ctx->cfg;
    int64_t res = (int64_t)(cfg->usage.resolution_ms / 1000);
    int64_t bucket = now - now % res;
    size_t cap = json_array_size(fin) + 1;
    if (cap > CHECKIN_MAX_FINAL + 1)
        cap = CHECKIN_MAX_FINAL + 1;
    struct orc_usage_row *rows = calloc(cap, sizeof(*rows));
    if (!rows)
        return -ENOMEM;
    char scope[160];
    snprintf(scope, sizeof(scope), "%s/%s", r->gw_net, r->gw_id);
    rows[0] = (struct orc_usage_row){.subscriber = ""};
    size_t n = 1, i;
    int rc = 0;
    json_array_foreach(fin, i, v) {
        if (i >= CHECKIN_MAX_FINAL)
            break;
        const char *key = json_string_value(json_object_get(v, "key"));
        const char *imsi = json_string_value(json_object_get(v, "imsi"));
        int64_t ul, dl;
        /* bad entries are skipped, as in "subscribers" */
        if (!key || !*key || strlen(key) > 64 || !counter_of(json_object_get(v, "ul_bytes"), &ul) ||
            !counter_of(json_object_get(v, "dl_bytes"), &dl) || (imsi && orc_check_imsi(imsi)))
            continue;
        char body[160];
        snprintf(body, sizeof(body), "{\"imsi\":\"%s\",\"ul_bytes\":%" PRId64
                 ",\"dl_bytes\":%" PRId64 "}", imsi ? imsi : "", ul, dl);
        struct orc_val p[] = {ORC_S("usage_final"), ORC_S(scope), ORC_S(key), ORC_S(body),
                              ORC_I(now), ORC_I(now)};
        bool fresh = false;
        rc = orc_q(r->db,
                   "INSERT INTO objects (kind, network, id, version, body, created_at, "
                   "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) "
                   "ON CONFLICT (kind, network, id) DO NOTHING RETURNING id",
                   6, p, row_seen, &fresh);
        if (rc < 0)
            break;
        if (!fresh)
            continue;           /* counted by an earlier check-in */
        rows[0].ul_bytes += ul;
        rows[0].dl_bytes += dl;
        if (!imsi)
            continue;
        size_t k;
        for (k = 1; k < n && strcmp(rows[k].subscriber, imsi); k++)
            ;
        if (k == n)
            rows[n++] = (struct orc_usage_row){.subscriber = imsi};
        rows[k].ul_bytes += ul;
        rows[k].dl_bytes += dl;
    }
    if (rc >= 0 && (rows[0].ul_bytes || rows[0].dl_bytes))
        rc = orc_usage_add(r->db, r->gw_net, r->gw_id, bucket, n, rows);
    free(rows);
    return rc < 0 ? rc : 0;
}

/* --------------------------------------------------------- check-in ---- */

/* A counter of "metrics" ("..._total", Prometheus' convention for a
 * counter) that went down: the gateway counts from zero again. */
static bool counter_went_down(json_t *cur, json_t *prev)
{
    json_t *m = json_object_get(cur, "metrics"), *pm = json_object_get(prev, "metrics");
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v) {
        size_t n = strlen(k);
        int64_t a, b;
        if (n > 6 && !strcmp(k + n - 6, "_total") && counter_of(v, &a) &&
            counter_of(json_object_get(pm, k), &b) && a < b)
            return true;
    }
    return false;
}

static bool restarted(json_t *cur, json_t *prev)
{
    if (!prev)
        return false;
    json_t *s = json_object_get(cur, "started_at"), *ps = json_object_get(prev, "started_at");
    if (s && ps && !json_equal(s, ps))
        return true;
    struct traffic t = traffic_of(cur), pt = traffic_of(prev);
    return (t.have && pt.have && (t.ul < pt.ul || t.dl < pt.dl)) ||
           counter_went_down(cur, prev);
}

int orc_checkin_record(struct orc_req *r, json_t *report, int64_t now)
{
    struct orc_obj st;
    json_t *prev = NULL;
    int64_t prev_at = 0;
    int rc = orc_obj_get(r->db, "gateway_state", r->gw_net, r->gw_id, &st);
    if (rc == 0) {
        prev = json_loads(st.body, 0, NULL);
        prev_at = st.updated_at;
        orc_obj_free(&st);
        if (!json_is_object(prev)) {
            json_decref(prev);
            prev = json_object(); /* unreadable: compare with nothing */
        }
    } else if (rc != -ENOENT) {
        return rc;
    }
    bool restart = restarted(report, prev);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct events ev = {r->db, r->gw_net, r->gw_id, now,
                        (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000,
                        (int)(wall.tv_nsec / 1000 % 1000), 0, 0};
    checkin_events(&ev, report, prev, prev_at, orc_gw_stale_s(r), restart);
    rc = ev.rc;
    if (rc >= 0)
        rc = checkin_usage(r, report, prev, restart, now);
    if (rc >= 0)
        rc = checkin_final(r, report, now);
    json_decref(prev);
    return rc;
}

/* ------------------------------------------------------------ sweep ---- */

struct stale_gw {
    char net[72], gw[72];
    int64_t at;
};

struct stale_acc {
    struct stale_gw *v;
    size_t n, cap;
    bool oom;
};

/* (network, gateway, updated_at) of a gateway past stale_after: collected,
 * written after the query. */
static int stale_row(void *arg, int ncol, char **cols)
{
    struct stale_acc *a = arg;
    if (ncol < 3 || !cols[0] || !cols[1] || !cols[2])
        return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        struct stale_gw *v = realloc(a->v, cap * sizeof(*v));
        if (!v) {
            a->oom = true;
            return 1;
        }
        a->v = v;
        a->cap = cap;
    }
    struct stale_gw *g = &a->v[a->n++];
    snprintf(g->net, sizeof(g->net), "%s", cols[0]);
    snprintf(g->gw, sizeof(g->gw), "%s", cols[1]);
    g->at = strtoll(cols[2], NULL, 10);
    return 0;
}

int orc_sweep(struct orc_ctx *ctx, struct orc_conn *c, int64_t now)
{
    int64_t stale_s = (int64_t)(ctx->cfg.gateways.stale_after_ms / 1000);
    int64_t keep_ev = (int64_t)(ctx->cfg.gateways.event_retention_ms / 1000);
    int64_t keep_use = (int64_t)(ctx->cfg.usage.retention_ms / 1000);
    int rc = orc_begin(c);
    if (rc < 0)
        return rc;
    struct stale_acc a = {0};
    /* Gateways stale since less than the events' retention (older ones
     * had their event, which may have been deleted since). */
    struct orc_val p[] = {ORC_I(now - stale_s), ORC_I(now - stale_s - keep_ev)};
    rc = orc_q(c,
               "SELECT s.network, s.id, s.updated_at FROM objects s JOIN objects g "
               "ON g.kind = 'gateway' AND g.network = s.network AND g.id = s.id "
               "WHERE s.kind = 'gateway_state' AND s.updated_at < ? AND s.updated_at >= ?",
               2, p, stale_row, &a);
    if (rc >= 0 && a.oom)
        rc = -ENOMEM;
    /* The id is made from the last check-in: found again by the next
     * sweep, or by another orcd on the same database, it is stored once. */
    for (size_t i = 0; rc >= 0 && i < a.n; i++)
        rc = event_put(c, a.v[i].net, a.v[i].gw, (a.v[i].at + stale_s) * 1000, "st", "stale",
                       NULL, "no check-in for %" PRId64 " s (last at %" PRId64 ")", stale_s,
                       a.v[i].at);
    free(a.v);
    if (rc >= 0)
        rc = orc_event_prune(c, now - keep_ev);
    if (rc >= 0)
        rc = orc_usage_prune(c, now - keep_use);
    if (rc >= 0)
        rc = orc_commit(c);
    if (rc < 0)
        orc_rollback(c);
    return rc < 0 ? rc : 0;
}
