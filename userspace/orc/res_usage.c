/* The usage history (orc_checkin.c fills it from the check-ins):
 *
 *   GET /v1/networks/{network}/usage                       the network's traffic
 *   GET /v1/networks/{network}/gateways/{gateway}/usage    one gateway's
 *   GET /v1/networks/{network}/subscribers/{imsi}/usage    one subscriber's, on every gateway
 *       ?from=&to= (Unix s; default the last 24 h) &step= (s; default usage.resolution)
 *       -> {resolution, step, from, to, points: [{t, ul_bytes, dl_bytes, ues}]}
 *   GET /v1/networks/{network}/usage/top?by=gateway|subscriber&from=&to=&limit=
 *       -> {by, from, to, items: [{id, ul_bytes, dl_bytes}]}, largest first
 *
 * Points are the steps that have data (a gap is no traffic reported),
 * oldest first; a step is a multiple of usage.resolution. */
#include "orc/orc_res.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USAGE_MAX_POINTS 10000
#define USAGE_DEFAULT_SPAN (24 * 3600)
#define USAGE_TOP_MAX 1000

/* An integer query parameter (absent: dflt); false when answered (400). */
static bool q_int(struct orc_req *r, const char *key, int64_t lo, int64_t hi, int64_t dflt,
                  int64_t *out)
{
    const char *v = orc_query(r, key);
    *out = dflt;
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi) {
        orc_reply_error(r, 400, "%s must be an integer %" PRId64 "..%" PRId64, key, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

/* from, to and step of a request; false when answered (400). */
static bool span(struct orc_req *r, int64_t *from, int64_t *to, int64_t *step)
{
    int64_t res = (int64_t)(r->ctx->cfg.usage.resolution_ms / 1000), now = time(NULL);
    if (!q_int(r, "to", 0, INT64_MAX / 4, now + res, to) ||
        !q_int(r, "from", 0, INT64_MAX / 4, *to - USAGE_DEFAULT_SPAN, from))
        return false;
    if (*from >= *to) {
        orc_reply_error(r, 400, "from must be before to");
        return false;
    }
    if (!step)
        return true;
    if (!q_int(r, "step", 1, INT64_MAX / 4, res, step))
        return false;
    *step = (*step + res - 1) / res * res; /* a whole number of buckets */
    if ((*to - *from) / *step > USAGE_MAX_POINTS) {
        orc_reply_error(r, 400, "more than %d points: make step larger or the span shorter",
                        USAGE_MAX_POINTS);
        return false;
    }
    return true;
}

static json_int_t num(const char *s)
{
    return s ? (json_int_t)strtoll(s, NULL, 10) : 0;
}

/* (t, ul_bytes, dl_bytes, ues) */
static int point_row(void *arg, int ncol, char **cols)
{
    if (ncol < 4 || !cols[0])
        return 0;
    json_array_append_new(arg, json_pack("{s:I,s:I,s:I,s:I}", "t", num(cols[0]), "ul_bytes",
                                         num(cols[1]), "dl_bytes", num(cols[2]), "ues",
                                         num(cols[3])));
    return 0;
}

static void series(struct orc_req *r, const char *net, const char *gw, const char *sub)
{
    struct orc_usage_sel s = {.net = net, .gw = gw, .sub = sub};
    if (!span(r, &s.from, &s.to, &s.step))
        return;
    json_t *points = json_array();
    int rc = orc_usage_series(r->db, &s, point_row, points);
    if (rc < 0) {
        json_decref(points);
        orc_reply_store_error(r, rc);
        return;
    }
    orc_reply(r, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:o}", "resolution",
                        (json_int_t)(r->ctx->cfg.usage.resolution_ms / 1000), "step",
                        (json_int_t)s.step, "from", (json_int_t)s.from, "to", (json_int_t)s.to,
                        "points", points));
}

static void usage_network(struct orc_req *r)
{
    const char *net = orc_res_network(r);
    if (net)
        series(r, net, NULL, NULL);
}

static void usage_gateway(struct orc_req *r)
{
    const char *id = orc_res_gateway(r);
    if (id)
        series(r, r->param[0], id, NULL);
}

/* A subscriber's history outlives it (a deleted subscriber's traffic was
 * still carried): any well-formed IMSI answers. */
static void usage_subscriber(struct orc_req *r)
{
    const char *net = orc_res_network(r);
    if (!net)
        return;
    if (orc_check_imsi(r->param[1])) {
        orc_reply_error(r, 404, "no subscriber '%.64s': not an IMSI", r->param[1]);
        return;
    }
    series(r, net, NULL, r->param[1]);
}

/* (id, ul_bytes, dl_bytes) */
static int top_row(void *arg, int ncol, char **cols)
{
    if (ncol < 3 || !cols[0])
        return 0;
    json_array_append_new(arg, json_pack("{s:s,s:I,s:I}", "id", cols[0], "ul_bytes",
                                         num(cols[1]), "dl_bytes", num(cols[2])));
    return 0;
}

static void usage_top(struct orc_req *r)
{
    const char *net = orc_res_network(r);
    if (!net)
        return;
    const char *by = orc_query(r, "by");
    if (!by)
        by = "gateway";
    if (strcmp(by, "gateway") && strcmp(by, "subscriber")) {
        orc_reply_error(r, 400, "by must be gateway or subscriber");
        return;
    }
    int64_t from, to, limit;
    if (!span(r, &from, &to, NULL) || !q_int(r, "limit", 1, USAGE_TOP_MAX, 20, &limit))
        return;
    json_t *items = json_array();
    int rc = orc_usage_top(r->db, net, by[0] == 's', from, to, (int)limit, top_row, items);
    if (rc < 0) {
        json_decref(items);
        orc_reply_store_error(r, rc);
        return;
    }
    orc_reply(r, 200, json_pack("{s:s,s:I,s:I,s:o}", "by", by, "from", (json_int_t)from, "to",
                                (json_int_t)to, "items", items));
}

const struct orc_route orc_routes_usage[] = {
    {"GET", "/v1/networks/{network}/usage", ORC_SCOPE_READ, ORC_BODY_NONE, usage_network, NULL},
    {"GET", "/v1/networks/{network}/usage/top", ORC_SCOPE_READ, ORC_BODY_NONE, usage_top, NULL},
    {"GET", "/v1/networks/{network}/gateways/{gateway}/usage", ORC_SCOPE_READ, ORC_BODY_NONE,
     usage_gateway, NULL},
    {"GET", "/v1/networks/{network}/subscribers/{imsi}/usage", ORC_SCOPE_READ, ORC_BODY_NONE,
     usage_subscriber, NULL},
    {0}};
