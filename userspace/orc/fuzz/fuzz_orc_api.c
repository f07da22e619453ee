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

/* Runs the handler of METHOD pattern with params and body, committed:
 * the store every input starts from. */
static void fixture(const char *method, const char *pattern, const char *p0, const char *p1,
                    const char *body)
{
    for (size_t i = 0; i < n_routes; i++) {
        if (strcmp(routes[i]->method, method) || strcmp(routes[i]->pattern, pattern))
            continue;
        struct orc_req r;
        memset(&r, 0, sizeof(r));
        r.ctx = &ctx;
        r.route = routes[i];
        r.method = method;
        r.url = pattern;
        r.scope = ORC_SCOPE_ADMIN;
        r.param[0] = (char *)p0;
        r.param[1] = (char *)p1;
        r.n_param = p1 ? 2 : p0 ? 1 : 0;
        r.body = (char *)body;
        r.body_len = strlen(body);
        r.json = json_loads(body, 0, NULL);
        r.db = orc_store_get(&ctx.store);
        if (orc_begin(r.db) == 0) {
            r.route->fn(&r);
            if (r.status < 400 ? orc_commit(r.db) : (orc_rollback(r.db), -1))
                fprintf(stderr, "fuzz_orc_api: fixture %s %s: %d\n", method, pattern, r.status);
        }
        orc_store_put(&ctx.store, r.db);
        json_decref(r.json);
        json_decref(r.resp);
        free(r.text);
        return;
    }
    fprintf(stderr, "fuzz_orc_api: no route %s %s\n", method, pattern);
}

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
    /* a network with an APN, a subscriber and a gateway, so that inputs
     * naming them reach past the lookups */
    fixture("POST", "/v1/networks", NULL, NULL,
            "{\"id\":\"net1\",\"plmn\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"tacs\":[1]}");
    fixture("POST", "/v1/networks/{network}/apns", "net1", NULL,
            "{\"id\":\"item1\",\"ambr\":{\"ul\":1000000,\"dl\":2000000},\"qci\":9,"
            "\"arp\":{\"priority\":15,\"capability\":false,\"vulnerability\":true},"
            "\"pools\":[\"10.45.0.0/16\"]}");
    fixture("POST", "/v1/networks/{network}/subscribers", "net1", NULL,
            "{\"imsi\":\"001010000000001\",\"k\":\"465b5ce8b199b49faa5f0a2ee238a6bc\","
            "\"opc\":\"cd63cb71954a9f4e48a5994e37a02baf\",\"apns\":[\"item1\"]}");
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
