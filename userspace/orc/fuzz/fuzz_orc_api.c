/* fuzz_orc_api: xepc-orcd's resource handlers under arbitrary requests.
 *
 * What an API client sends reaches a handler as a route, its path
 * parameters and a JSON body (orc_http.c has parsed the HTTP by then; MHD
 * is not what is tested here).  The input picks a route from every route
 * table, gives it up to ORC_MAX_PARAMS path segments and a body, and runs
 * the handler as an admin on a private SQLite store, inside a transaction
 * that is rolled back, so that the store stays small and every input sees
 * the same one.  Any sanitizer report is a failure.
 *
 * Input: byte 0 = route index (mod the number of routes), then the
 * route's path segments, each ended by '\n' (a missing, empty or
 * '/'-holding one becomes "x", as the router would never pass it), then
 * the body.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orc/orc.h"
#include "orc/orc_store.h"

static struct orc_ctx ctx;
static const struct orc_route *routes[512];
static size_t n_routes;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256], path[] = "/tmp/xepc-fuzz-orc.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    orc_config_defaults(&ctx.cfg);
    if (orc_store_open(&ctx.store, "sqlite", path, 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_orc_api: %s\n", err);
        abort();
    }
    unlink(path); /* the open connection keeps it */
    pthread_mutex_init(&ctx.rl_lock, NULL);
    for (size_t t = 0; orc_route_tables[t]; t++)
        for (const struct orc_route *r = orc_route_tables[t]; r->method; r++)
            if (n_routes < sizeof(routes) / sizeof(routes[0]))
                routes[n_routes++] = r;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || !n_routes)
        return 0;
    struct orc_req r;
    memset(&r, 0, sizeof(r));
    r.ctx = &ctx;
    r.route = routes[data[0] % n_routes];
    r.method = r.route->method;
    r.url = r.route->pattern;
    snprintf(r.client, sizeof(r.client), "192.0.2.9");
    r.scope = ORC_SCOPE_ADMIN;
    snprintf(r.token_id, sizeof(r.token_id), "fuzz");
    snprintf(r.gw_net, sizeof(r.gw_net), "net1");
    snprintf(r.gw_id, sizeof(r.gw_id), "gw1");

    /* the router captures exactly one non-empty segment per "{name}" */
    int want = 0;
    for (const char *c = r.route->pattern; *c; c++)
        want += *c == '{';
    size_t off = 1;
    for (; r.n_param < want && r.n_param < ORC_MAX_PARAMS; r.n_param++) {
        const uint8_t *nl = off < size ? memchr(data + off, '\n', size - off) : NULL;
        if (!nl || nl == data + off || memchr(data + off, '/', (size_t)(nl - data - off))) {
            r.param[r.n_param] = strdup("x");
            continue;
        }
        r.param[r.n_param] = strndup((const char *)data + off, (size_t)(nl - data - off));
        off = (size_t)(nl - data) + 1;
    }
    r.body_len = size - off;
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, data + off, r.body_len);
    r.body[r.body_len] = 0;
    if (r.route->body == ORC_BODY_JSON) {
        r.json = json_loadb(r.body, r.body_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(r.json))
            goto out; /* orc_http.c answers 400 before any handler */
    }
    r.db = orc_store_get(&ctx.store);
    if (r.db && orc_begin(r.db) == 0) {
        r.route->fn(&r);
        orc_rollback(r.db);
    }
    if (r.db)
        orc_store_put(&ctx.store, r.db);
out:
    for (int i = 0; i < r.n_param; i++)
        free(r.param[i]);
    json_decref(r.json);
    json_decref(r.resp);
    free(r.text);
    free(r.body);
    return 0;
}
