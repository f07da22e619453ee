/* Config sync: what a gateway pulls from orcd (docs/orchestrator.md,
 * "Config sync").
 *
 *   GET /v1/gw/config                       full sync, first page
 *   GET /v1/gw/config?page_token=T          full sync, next page
 *   GET /v1/gw/config?since=STREAM.SEQ      the changes after SEQ; 304 when
 *                                           there are none
 *
 * Mutual TLS (ORC_SCOPE_GATEWAY): the gateway is r->gw_net / r->gw_id.
 * It gets its network, its own gateway object, and the network's APNs,
 * QoS profiles, rating groups, policies, base names and subscribers (keys
 * included: the gateway authenticates the UEs).
 *
 * Versions are "<stream>.<seq>" of the network's change log
 * (schema/orc/0003_changes.sql).  A full sync answers the head it started
 * from in every page (the page token carries it); objects written while
 * the pages are read may be seen old or new, and the gateway then asks for
 * the changes after that head, which brings each such object to its last
 * state.  A `since` from another stream (the database was replaced) or
 * ahead of the head answers a full sync (mode "full"): the gateway drops
 * what it holds once the last page is in. */
#include "orc/orc_res.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/strbuf.h"

#define SYNC_LIMIT_DEFAULT 1000
#define SYNC_LIMIT_MAX 10000

/* A JSON string of s (ids are checked on write; escape anyway). */
static void put_str(struct strbuf *b, const char *s)
{
    strbuf_printf(b, "\"");
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"
                              "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                              "\x1e\x1f");
        if (n)
            strbuf_printf(b, "%.*s", (int)n, p);
        p += n;
        if (*p)
            strbuf_printf(b, "\\u%04x", (unsigned char)*p++);
    }
    strbuf_printf(b, "\"");
}

static void put_item(struct strbuf *b, bool *first, const char *kind, const char *id,
                     const char *op, int64_t seq, const char *body)
{
    strbuf_printf(b, "%s{\"kind\":\"%s\",\"id\":", *first ? "" : ",", kind);
    *first = false;
    put_str(b, id);
    if (op)
        strbuf_printf(b, ",\"op\":\"%s\",\"seq\":%" PRId64, op, seq);
    if (body)
        strbuf_printf(b, ",\"body\":%s", body);
    strbuf_printf(b, "}");
}

static void send_text(struct orc_req *r, struct strbuf *b)
{
    if (b->oom) {
        strbuf_free(b);
        orc_reply_error(r, 500, "out of memory");
        return;
    }
    r->text = b->buf;
    r->text_type = "application/json";
    orc_reply(r, 200, NULL);
}

/* ------------------------------------------------------------- delta ---- */

struct delta_acc {
    struct orc_req *r;
    struct strbuf *b;
    bool first;
    int n, limit;
    int64_t last;
};

static int delta_row(void *arg, int ncol, char **cols)
{
    struct delta_acc *a = arg;
    if (ncol < 5 || !cols[0] || !cols[1] || !cols[2] || !cols[3])
        return 1;
    if (a->n++ == a->limit)
        return 1; /* one more than the page: there is more */
    a->last = strtoll(cols[0], NULL, 10);
    /* The other gateways of the network are not this one's business. */
    if (!strcmp(cols[1], "gateway") && strcmp(cols[2], a->r->gw_id))
        return 0;
    bool put = !strcmp(cols[3], "put") && cols[4];
    put_item(a->b, &a->first, cols[1], cols[2], put ? "put" : "delete", a->last,
             put ? cols[4] : NULL);
    return 0;
}

static void delta(struct orc_req *r, const char *stream, int64_t since, int64_t head, int limit)
{
    struct strbuf b = {0};
    struct delta_acc a = {r, &b, true, 0, limit, since};
    strbuf_printf(&b, "{\"mode\":\"delta\",\"items\":[");
    int rc = orc_change_list(r->db, r->gw_net, since, head, limit + 1, delta_row, &a);
    if (rc < 0) {
        strbuf_free(&b);
        orc_reply_store_error(r, rc);
        return;
    }
    bool more = a.n > limit;
    int64_t v = more ? a.last : head;
    strbuf_printf(&b, "],\"version\":\"%s.%" PRId64 "\",\"more\":%s}\n", stream, v,
                  more ? "true" : "false");
    if (!more)
        snprintf(r->etag, sizeof(r->etag), "\"%s.%" PRId64 "\"", stream, v);
    send_text(r, &b);
}

/* -------------------------------------------------------------- full ---- */

struct full_acc {
    struct strbuf *b;
    bool *first;
    const char *kind;
    int n, limit;
    char last[80];
};

static int full_row(void *arg, int ncol, char **cols)
{
    struct full_acc *a = arg;
    if (ncol < 3 || !cols[0] || !cols[2])
        return 1;
    if (a->n++ == a->limit)
        return 1;
    snprintf(a->last, sizeof(a->last), "%s", cols[0]);
    put_item(a->b, a->first, a->kind, cols[0], NULL, 0, cols[2]);
    return 0;
}

/* Page token: "<start seq>.<kind index>.<hex of the last id>". */
static bool parse_token(const char *t, int64_t *start, size_t *kind, char *after, size_t len)
{
    char *end;
    *start = strtoll(t, &end, 10);
    if (end == t || *end != '.' || *start < 0)
        return false;
    t = end + 1;
    unsigned long k = strtoul(t, &end, 10);
    size_t nk = 0;
    while (orc_sync_kinds[nk])
        nk++;
    if (end == t || *end != '.' || k >= nk)
        return false;
    *kind = k;
    t = end + 1;
    after[0] = 0;
    if (*t) {
        uint8_t raw[80];
        int n = hex_decode(t, raw, sizeof(raw) - 1);
        if (n <= 0 || (size_t)n >= len)
            return false;
        memcpy(after, raw, (size_t)n);
        after[n] = 0;
    }
    return true;
}

static void full(struct orc_req *r, const char *stream, int64_t start, size_t k, const char *after,
                 int limit)
{
    struct strbuf b = {0};
    bool first = true;
    int left = limit;
    char next[200] = "";
    strbuf_printf(&b, "{\"mode\":\"full\",\"version\":\"%s.%" PRId64 "\",\"items\":[", stream,
                  start);
    for (; orc_sync_kinds[k] && !next[0]; k++, after = "") {
        const char *kind = orc_sync_kinds[k];
        bool one = !strcmp(kind, "network") || !strcmp(kind, "gateway");
        if (one) {
            /* Singletons: the network itself, this gateway. */
            if (after[0])
                continue;
            if (left == 0) {
                snprintf(next, sizeof(next), "%" PRId64 ".%zu.", start, k);
                break;
            }
            const char *net = strcmp(kind, "network") ? r->gw_net : "";
            const char *id = strcmp(kind, "network") ? r->gw_id : r->gw_net;
            struct orc_obj o;
            int rc = orc_obj_get(r->db, kind, net, id, &o);
            if (rc == -ENOENT)
                continue;
            if (rc < 0) {
                strbuf_free(&b);
                orc_reply_store_error(r, rc);
                return;
            }
            put_item(&b, &first, kind, id, NULL, 0, o.body);
            orc_obj_free(&o);
            left--;
            continue;
        }
        struct full_acc a = {&b, &first, kind, 0, left, ""};
        int rc = orc_obj_list(r->db, kind, r->gw_net, after, left + 1, full_row, &a);
        if (rc < 0) {
            strbuf_free(&b);
            orc_reply_store_error(r, rc);
            return;
        }
        if (a.n > left) {
            char hex[161];
            hex_encode((const uint8_t *)a.last, strlen(a.last), hex);
            snprintf(next, sizeof(next), "%" PRId64 ".%zu.%s", start, k, hex);
            break;
        }
        left -= a.n;
    }
    if (next[0])
        strbuf_printf(&b, "],\"next_page_token\":\"%s\"}\n", next);
    else
        strbuf_printf(&b, "],\"next_page_token\":null}\n");
    send_text(r, &b);
}

/* ------------------------------------------------------------- route ---- */

static void gw_config(struct orc_req *r)
{
    const char *l = orc_query(r, "limit"), *since = orc_query(r, "since"),
               *tok = orc_query(r, "page_token");
    int limit = SYNC_LIMIT_DEFAULT;
    if (l) {
        char *end;
        long v = strtol(l, &end, 10);
        if (!*l || *end || v < 1 || v > SYNC_LIMIT_MAX) {
            orc_reply_error(r, 400, "limit must be an integer 1..%d", SYNC_LIMIT_MAX);
            return;
        }
        limit = (int)v;
    }
    if (since && tok) {
        orc_reply_error(r, 400, "since and page_token exclude each other");
        return;
    }
    int64_t head = 0;
    char stream[ORC_STREAM_LEN + 1];
    int rc = orc_change_head(r->db, r->gw_net, &head, stream);
    if (rc == -ENOENT) {
        /* Nothing logged yet (a network from before the change log): a
         * stream of zeros, which the first logged change replaces. */
        memset(stream, '0', ORC_STREAM_LEN);
        stream[ORC_STREAM_LEN] = 0;
        head = 0;
    } else if (rc < 0) {
        orc_reply_store_error(r, rc);
        return;
    }
    if (tok) {
        int64_t start;
        size_t k;
        char after[80];
        if (!parse_token(tok, &start, &k, after, sizeof(after)) || start > head) {
            orc_reply_error(r, 400, "bad page_token");
            return;
        }
        full(r, stream, start, k, after, limit);
        return;
    }
    if (since) {
        const char *dot = strchr(since, '.');
        char *end;
        int64_t seq = dot ? strtoll(dot + 1, &end, 10) : -1;
        if (!dot || dot[1] < '0' || dot[1] > '9' || *end || seq < 0) {
            orc_reply_error(r, 400, "since must be a version \"<stream>.<seq>\" from an answer");
            return;
        }
        bool ours = (size_t)(dot - since) == ORC_STREAM_LEN &&
                    !strncmp(since, stream, ORC_STREAM_LEN) && seq <= head;
        if (ours && seq == head) {
            /* Unchanged: one small answer. */
            snprintf(r->etag, sizeof(r->etag), "\"%s.%" PRId64 "\"", stream, head);
            orc_reply(r, 304, NULL);
            return;
        }
        if (ours) {
            delta(r, stream, seq, head, limit);
            return;
        }
        /* Another stream, or ahead of ours: start over. */
    }
    full(r, stream, head, 0, "", limit);
}

const struct orc_route orc_routes_gwsync[] = {
    {"GET", "/v1/gw/config", ORC_SCOPE_GATEWAY, ORC_BODY_NONE, gw_config, NULL},
    {0}};
