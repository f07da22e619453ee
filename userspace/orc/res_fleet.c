/* The fleet on orcd's /metrics (res_admin.c calls orc_fleet_metrics()):
 * how many gateways are healthy, stale or unknown, each gateway's last
 * check-in and whether it is up, and the gateways' reported counters
 * summed per network.
 *
 * A check-in (POST /v1/gw/checkin, docs/orchestrator.md) is a JSON object;
 * its numeric top-level fields (ues, sessions, enbs, ...) and the numbers
 * in its "metrics" object are summed over the network's gateways that
 * are not stale, as xepc_fleet_<name>{network="..."}. */
#include "orc/orc_res.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strbuf.h"

#define FLEET_MAX_NAMES 128

struct fleet_sum {
    char net[72];
    char name[FLEET_MAX_NAMES][64];
    double val[FLEET_MAX_NAMES];
    int n;
};

struct fleet_acc {
    struct strbuf *per_gw;
    struct fleet_sum *sums; /* one per network seen, in order */
    size_t n_sums, cap;
    int64_t now, stale_s;
    uint64_t healthy, stale, unknown;
};

/* A Prometheus metric name from a JSON key: [a-zA-Z0-9_], else '_'. */
static void metric_name(const char *key, char *out, size_t len)
{
    size_t i = 0;
    for (; key[i] && i + 1 < len; i++)
        out[i] = isalnum((unsigned char)key[i]) ? key[i] : '_';
    out[i] = 0;
}

static void add(struct fleet_sum *s, const char *key, double v)
{
    char name[64];
    metric_name(key, name, sizeof(name));
    if (!name[0])
        return;
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) {
            s->val[i] += v;
            return;
        }
    if (s->n == FLEET_MAX_NAMES)
        return; /* a gateway reporting hundreds of names: the first ones */
    snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
    s->val[s->n++] = v;
}

static void add_numbers(struct fleet_sum *s, json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (json_is_number(v))
            add(s, k, json_number_value(v));
    }
}

static struct fleet_sum *sum_of(struct fleet_acc *a, const char *net)
{
    if (a->n_sums && !strcmp(a->sums[a->n_sums - 1].net, net))
        return &a->sums[a->n_sums - 1]; /* rows come in network order */
    if (a->n_sums == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        struct fleet_sum *n = realloc(a->sums, cap * sizeof(*n));
        if (!n)
            return NULL;
        a->sums = n;
        a->cap = cap;
    }
    struct fleet_sum *s = &a->sums[a->n_sums++];
    memset(s, 0, sizeof(*s));
    snprintf(s->net, sizeof(s->net), "%s", net);
    return s;
}

/* (network, id, state updated_at or NULL, state body or NULL) */
static int gw_row(void *arg, int ncol, char **cols)
{
    struct fleet_acc *a = arg;
    if (ncol < 4 || !cols[0] || !cols[1])
        return 1;
    const char *net = cols[0], *id = cols[1];
    struct fleet_sum *s = sum_of(a, net);
    if (!s)
        return 1;
    if (!cols[2]) {
        a->unknown++;
        strbuf_printf(a->per_gw, "xepc_orc_gateway_up{network=\"%s\",gateway=\"%s\"} 0\n", net,
                      id);
        return 0;
    }
    int64_t at = strtoll(cols[2], NULL, 10);
    bool up = a->now - at <= a->stale_s;
    if (up)
        a->healthy++;
    else
        a->stale++;
    strbuf_printf(a->per_gw,
                  "xepc_orc_gateway_up{network=\"%s\",gateway=\"%s\"} %d\n"
                  "xepc_orc_gateway_last_checkin_seconds{network=\"%s\",gateway=\"%s\"} %" PRId64
                  "\n",
                  net, id, up ? 1 : 0, net, id, at);
    if (!up || !cols[3])
        return 0;
    json_t *rep = json_loads(cols[3], 0, NULL);
    if (json_is_object(rep)) {
        add_numbers(s, rep);
        json_t *m = json_object_get(rep, "metrics");
        if (json_is_object(m))
            add_numbers(s, m);
    }
    json_decref(rep);
    return 0;
}

int orc_fleet_metrics(struct orc_req *r, struct strbuf *b)
{
    struct strbuf per_gw = {0};
    struct fleet_acc a = {.per_gw = &per_gw, .now = time(NULL), .stale_s = orc_gw_stale_s(r)};
    /* Network and gateway ids are [A-Za-z0-9_.-] (orc_check_id): safe in
     * label values as they are. */
    int rc = orc_q(r->db,
                   "SELECT g.network, g.id, s.updated_at, s.body FROM objects g "
                   "LEFT JOIN objects s ON s.kind = 'gateway_state' AND s.network = g.network "
                   "AND s.id = g.id WHERE g.kind = 'gateway' ORDER BY g.network, g.id",
                   0, NULL, gw_row, &a);
    if (rc < 0) {
        strbuf_free(&per_gw);
        free(a.sums);
        return rc;
    }
    strbuf_printf(b, "# HELP xepc_orc_gateways Registered gateways by status (stale: no check-in "
                     "for %" PRId64 " s; unknown: never checked in).\n"
                     "# TYPE xepc_orc_gateways gauge\n"
                     "xepc_orc_gateways{status=\"healthy\"} %" PRIu64 "\n"
                     "xepc_orc_gateways{status=\"stale\"} %" PRIu64 "\n"
                     "xepc_orc_gateways{status=\"unknown\"} %" PRIu64 "\n",
                  a.stale_s, a.healthy, a.stale, a.unknown);
    strbuf_printf(b, "# HELP xepc_orc_gateway_up 1 if the gateway checked in recently.\n"
                     "# TYPE xepc_orc_gateway_up gauge\n"
                     "# HELP xepc_orc_gateway_last_checkin_seconds Time of its last check-in "
                     "(Unix seconds).\n"
                     "# TYPE xepc_orc_gateway_last_checkin_seconds gauge\n");
    if (per_gw.buf)
        strbuf_printf(b, "%s", per_gw.buf);
    strbuf_free(&per_gw);
    /* Sums: one family per name, a sample per network. */
    for (size_t i = 0; i < a.n_sums; i++)
        for (int j = 0; j < a.sums[i].n; j++) {
            const char *name = a.sums[i].name[j];
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                for (int l = 0; l < a.sums[k].n && !seen; l++)
                    seen = !strcmp(a.sums[k].name[l], name);
            if (seen)
                continue;
            strbuf_printf(b,
                          "# HELP xepc_fleet_%s Sum of the gateways' reported %s (gateways "
                          "not stale).\n# TYPE xepc_fleet_%s gauge\n",
                          name, name, name);
            for (size_t k = i; k < a.n_sums; k++)
                for (int l = 0; l < a.sums[k].n; l++)
                    if (!strcmp(a.sums[k].name[l], name))
                        strbuf_printf(b, "xepc_fleet_%s{network=\"%s\"} %.17g\n", name,
                                      a.sums[k].net, a.sums[k].val[l]);
        }
    free(a.sums);
    return 0;
}
