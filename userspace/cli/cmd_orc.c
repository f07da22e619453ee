/* xepcctl orc: the orchestrator's REST API (docs/orchestrator.md) from the
 * command line, over HTTPS with libcurl.  The token comes from the
 * environment or a file, never from the command line (ps shows it). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli.h"

static const char orc_help[] =
    "NAME\n"
    "    xepcctl orc - talk to the orchestrator xepc-orcd\n"
    "\n"
    "SYNOPSIS\n"
    "    xepcctl orc [OPTIONS] health\n"
    "    xepcctl orc [OPTIONS] list RESOURCE [-n NETWORK] [--limit N] [--all]\n"
    "    xepcctl orc [OPTIONS] get RESOURCE [-n NETWORK] ID\n"
    "    xepcctl orc [OPTIONS] create RESOURCE [-n NETWORK] FILE|-\n"
    "    xepcctl orc [OPTIONS] replace RESOURCE [-n NETWORK] ID FILE|- [--if-match ETAG]\n"
    "    xepcctl orc [OPTIONS] update RESOURCE [-n NETWORK] ID FILE|- [--if-match ETAG]\n"
    "    xepcctl orc [OPTIONS] delete RESOURCE [-n NETWORK] ID [--if-match ETAG]\n"
    "    xepcctl orc [OPTIONS] import -n NETWORK FILE.csv|-\n"
    "    xepcctl orc [OPTIONS] state -n NETWORK GATEWAY\n"
    "    xepcctl orc [OPTIONS] events -n NETWORK GATEWAY [--limit N]\n"
    "    xepcctl orc [OPTIONS] token create NAME read|write|admin [--lifetime SECONDS]\n"
    "    xepcctl orc [OPTIONS] token list | token revoke ID\n"
    "    xepcctl orc [OPTIONS] audit [--limit N]\n"
    "\n"
    "DESCRIPTION\n"
    "    RESOURCE is network, gateway, apn, subscriber, policy, base-name,\n"
    "    rating-group or qos-profile; all but network need -n NETWORK.  create and\n"
    "    replace read the resource as JSON from FILE (\"-\": stdin), so that\n"
    "    subscriber keys never appear on a command line; import sends a CSV file of\n"
    "    subscribers (imsi,k,opc[,amf,msisdn,state,apns]), all or nothing.\n"
    "    update sends FILE as a JSON Merge Patch (RFC 7386): only the members it\n"
    "    names change, null resets one to its default.\n"
    "    Lists are printed as a table, one resource a line, objects as a list of\n"
    "    KEY VALUE lines; --json prints the server's JSON instead.\n"
    "\n"
    "OPTIONS\n"
    "    --url URL          the orchestrator (env XEPC_ORC_URL, default\n"
    "                       https://127.0.0.1:9443)\n"
    "    --token-file FILE  a file holding the API token (env XEPC_ORC_TOKEN_FILE);\n"
    "                       or the token itself in env XEPC_ORC_TOKEN\n"
    "    --ca FILE          CA certificate(s) to verify the server (env XEPC_ORC_CA;\n"
    "                       default: the system's)\n"
    "    --json             print JSON\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done, 1 the server refused or could not be reached (its message is\n"
    "    printed, with every bad field), 2 usage.\n";

struct orc_cli {
    const char *url, *ca;
    char token[256];
    bool json;
};

/* -------------------------------------------------------------- HTTP ---- */

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t k = size * nmemb;
    char *q = realloc(b->p, b->n + k + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, ptr, k);
    b->n += k;
    q[b->n] = 0;
    b->p = q;
    return k;
}

/* One request; returns the HTTP status (or -1, message printed) and the
 * body in *out (malloc'd, may be NULL). */
static long request(struct orc_cli *o, const char *method, const char *path, const char *ctype,
                    const char *body, size_t body_len, const char *if_match, char **out)
{
    CURL *c = curl_easy_init();
    struct buf b = {0};
    struct curl_slist *h = NULL;
    char url[2048], auth[300], im[128];
    long status = -1;
    *out = NULL;
    if (!c)
        return -1;
    snprintf(url, sizeof(url), "%s%s", o->url, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
    h = curl_slist_append(h, auth);
    if (ctype) {
        char ct[100];
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    if (if_match) {
        snprintf(im, sizeof(im), "If-Match: %s", if_match);
        h = curl_slist_append(h, im);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    if (o->ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        fprintf(stderr, "xepcctl orc: %s: %s\n", o->url, curl_easy_strerror(rc));
        free(b.p);
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        *out = b.p;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* Prints the server's error (and every bad field) to stderr. */
static void print_error(long status, const char *body)
{
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    fprintf(stderr, "xepcctl orc: %ld: %s\n", status,
            json_string_value(json_object_get(e, "message")) ?: "(no message)");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(e, "fields"), i, f)
        fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(f, "field")),
                json_string_value(json_object_get(f, "reason")));
    json_decref(j);
}

/* ------------------------------------------------------------ output ---- */

static void print_value(FILE *out, json_t *v)
{
    if (json_is_string(v)) {
        fputs(json_string_value(v), out);
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        fputs(s ? s : "?", out);
        free(s);
    }
}

struct kind {
    const char *name, *path, *cols[8];
};

static const struct kind kinds[] = {
    {"network", "networks", {"id", "name", "plmn", "tacs", NULL}},
    {"gateway", "gateways", {"id", "name", "hardware_id", "status", "last_checkin", NULL}},
    {"apn", "apns", {"id", "qci", "ambr", "pools", NULL}},
    {"subscriber", "subscribers", {"imsi", "name", "state", "msisdn", "apns", "policies", NULL}},
    {"policy", "policies", {"id", "precedence", "action", "rating_group", NULL}},
    {"base-name", "base_names", {"id", "rules", NULL}},
    {"rating-group", "rating_groups", {"id", "limit_type", "description", NULL}},
    {"qos-profile", "qos_profiles", {"id", "qci", "mbr", "gbr", NULL}},
    {"token", "tokens", {"id", "scope", "name", "created_at", "expires_at", NULL}},
    {"audit", "audit", {"seq", "at", "token_id", "client", "method", "path", "status", NULL}},
    {"event", "events", {"id", "at", "type", "message", NULL}},
};

static const struct kind *kind_find(const char *name)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strcmp(kinds[i].name, name) || !strcmp(kinds[i].path, name))
            return &kinds[i];
    return NULL;
}

static void print_table(const struct kind *k, json_t *items, bool header)
{
    if (header) {
        for (int c = 0; k->cols[c]; c++)
            printf("%s%-16s", c ? " " : "", k->cols[c]);
        printf("\n");
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        for (int c = 0; k->cols[c]; c++) {
            char *s;
            json_t *v = json_object_get(it, k->cols[c]);
            if (!v)
                s = strdup("-");
            else if (json_is_string(v))
                s = strdup(json_string_value(v));
            else
                s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s%-16s", c ? " " : "", s ? s : "?");
            free(s);
        }
        printf("\n");
    }
}

static void print_object(json_t *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        printf("%-16s ", key);
        print_value(stdout, v);
        printf("\n");
    }
}

/* ------------------------------------------------------------ helpers ---- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "xepcctl orc: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (!on_data(chunk, 1, n, &b)) {
            free(b.p);
            b.p = NULL;
            break;
        }
    if (f != stdin)
        fclose(f);
    *len = b.n;
    return b.p ? b.p : strdup("");
}

static int load_token(struct orc_cli *o, const char *file)
{
    const char *env = getenv("XEPC_ORC_TOKEN");
    if (!file)
        file = getenv("XEPC_ORC_TOKEN_FILE");
    if (file) {
        size_t n;
        char *t = read_all(file, &n);
        if (!t)
            return -1;
        t[strcspn(t, "\r\n")] = 0;
        snprintf(o->token, sizeof(o->token), "%s", t);
        free(t);
    } else if (env) {
        snprintf(o->token, sizeof(o->token), "%s", env);
    }
    return 0;
}

/* One call and its printing: list/object as table/lines or JSON. */
static int call(struct orc_cli *o, const char *method, const char *path, const char *ctype,
                const char *body, size_t len, const char *if_match, const struct kind *table)
{
    char *resp;
    long st = request(o, method, path, ctype, body, len, if_match, &resp);
    if (st < 0)
        return CLI_FAIL;
    if (st < 200 || st > 299) {
        print_error(st, resp);
        free(resp);
        return CLI_FAIL;
    }
    json_t *j = resp && *resp ? json_loads(resp, 0, NULL) : NULL;
    if (o->json && resp) {
        fputs(resp, stdout);
    } else if (j && table && json_is_array(json_object_get(j, "items"))) {
        print_table(table, json_object_get(j, "items"), true);
        json_t *next = json_object_get(j, "next_page_token");
        if (json_is_string(next))
            fprintf(stderr, "(more pages: --all lists them all)\n");
    } else if (j) {
        print_object(j);
    } else if (resp && *resp) {
        fputs(resp, stdout);
    }
    json_decref(j);
    free(resp);
    return CLI_OK;
}

static int list_all(struct orc_cli *o, const char *base, const struct kind *k, int limit)
{
    char path[1024], token[256] = "";
    bool first = true;
    json_t *all = json_array();
    int rc = CLI_OK;
    for (;;) {
        snprintf(path, sizeof(path), "%s?limit=%d%s%s", base, limit, token[0] ? "&page_token=" : "",
                 token);
        char *resp;
        long st = request(o, "GET", path, NULL, NULL, 0, NULL, &resp);
        if (st != 200) {
            if (st > 0)
                print_error(st, resp);
            free(resp);
            rc = CLI_FAIL;
            break;
        }
        json_t *j = json_loads(resp, 0, NULL);
        free(resp);
        json_t *items = json_object_get(j, "items");
        if (o->json)
            json_array_extend(all, items);
        else
            print_table(k, items, first);
        first = false;
        const char *next = json_string_value(json_object_get(j, "next_page_token"));
        snprintf(token, sizeof(token), "%s", next ? next : "");
        json_decref(j);
        if (!next)
            break;
    }
    if (o->json && rc == CLI_OK) {
        char *s = json_dumps(all, JSON_COMPACT);
        printf("{\"items\":%s,\"next_page_token\":null}\n", s ? s : "[]");
        free(s);
    }
    json_decref(all);
    return rc;
}

/* -------------------------------------------------------------- main ---- */

int cli_orc_main(int argc, char **argv)
{
    struct orc_cli o = {.url = getenv("XEPC_ORC_URL"), .ca = getenv("XEPC_ORC_CA")};
    const char *token_file = NULL, *net = NULL, *if_match = NULL, *lifetime = NULL;
    const char *pos[8];
    int npos = 0, limit = 100;
    bool all = false;
    if (!o.url)
        o.url = "https://127.0.0.1:9443";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(orc_help, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--url") && more) {
            o.url = argv[++i];
        } else if (!strcmp(a, "--token-file") && more) {
            token_file = argv[++i];
        } else if (!strcmp(a, "--ca") && more) {
            o.ca = argv[++i];
        } else if (!strcmp(a, "--json")) {
            o.json = true;
        } else if ((!strcmp(a, "-n") || !strcmp(a, "--network")) && more) {
            net = argv[++i];
        } else if (!strcmp(a, "--if-match") && more) {
            if_match = argv[++i];
        } else if (!strcmp(a, "--limit") && more) {
            limit = atoi(argv[++i]);
        } else if (!strcmp(a, "--lifetime") && more) {
            lifetime = argv[++i];
        } else if (!strcmp(a, "--all")) {
            all = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "xepcctl orc: unknown option '%s' (see xepcctl orc --help)\n", a);
            return CLI_USAGE;
        } else if (npos < 8) {
            pos[npos++] = a;
        }
    }
    if (npos == 0) {
        fputs(orc_help, stderr);
        return CLI_USAGE;
    }
    if (load_token(&o, token_file) < 0)
        return CLI_FAIL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = CLI_USAGE;
    const char *cmd = pos[0];
    char path[1024];
    char *file = NULL;
    size_t len = 0;

    if (!strcmp(cmd, "health") && npos == 1) {
        rc = call(&o, "GET", "/healthz", NULL, NULL, 0, NULL, NULL);
    } else if (!strcmp(cmd, "audit") && npos == 1) {
        snprintf(path, sizeof(path), "/v1/audit?limit=%d", limit);
        rc = call(&o, "GET", path, NULL, NULL, 0, NULL, kind_find("audit"));
    } else if (!strcmp(cmd, "token") && npos >= 2) {
        if (!strcmp(pos[1], "list") && npos == 2) {
            rc = call(&o, "GET", "/v1/tokens", NULL, NULL, 0, NULL, kind_find("token"));
        } else if (!strcmp(pos[1], "create") && npos == 4) {
            json_t *j = json_pack("{s:s,s:s}", "name", pos[2], "scope", pos[3]);
            if (lifetime) {
                char *end;
                long long v = strtoll(lifetime, &end, 10);
                if (*end || end == lifetime) {
                    fprintf(stderr, "xepcctl orc: --lifetime takes seconds\n");
                    json_decref(j);
                    goto out;
                }
                json_object_set_new(j, "lifetime", json_integer(v));
            }
            char *s = json_dumps(j, JSON_COMPACT);
            rc = call(&o, "POST", "/v1/tokens", "application/json", s, strlen(s), NULL, NULL);
            free(s);
            json_decref(j);
        } else if (!strcmp(pos[1], "revoke") && npos == 3) {
            snprintf(path, sizeof(path), "/v1/tokens/%s", pos[2]);
            rc = call(&o, "DELETE", path, NULL, NULL, 0, NULL, NULL);
        }
    } else if (!strcmp(cmd, "import") && npos == 2 && net) {
        if ((file = read_all(pos[1], &len))) {
            snprintf(path, sizeof(path), "/v1/networks/%s/subscribers:import", net);
            rc = call(&o, "POST", path, "text/csv", file, len, NULL, NULL);
        } else {
            rc = CLI_FAIL;
        }
    } else if (!strcmp(cmd, "state") && npos == 2 && net) {
        snprintf(path, sizeof(path), "/v1/networks/%s/gateways/%s/state", net, pos[1]);
        rc = call(&o, "GET", path, NULL, NULL, 0, NULL, NULL);
    } else if (!strcmp(cmd, "events") && npos == 2 && net) {
        snprintf(path, sizeof(path), "/v1/networks/%s/gateways/%s/events?limit=%d", net, pos[1],
                 limit);
        rc = call(&o, "GET", path, NULL, NULL, 0, NULL, kind_find("event"));
    } else if (npos >= 2) {
        const struct kind *k = kind_find(pos[1]);
        if (!k || k - kinds > 7) {
            fprintf(stderr, "xepcctl orc: unknown resource '%s' (see xepcctl orc --help)\n",
                    pos[1]);
            goto out;
        }
        bool top = k == &kinds[0];
        if (!top && !net) {
            fprintf(stderr, "xepcctl orc: a %s belongs to a network: give -n NETWORK\n", k->name);
            goto out;
        }
        char base[512];
        if (top)
            snprintf(base, sizeof(base), "/v1/%s", k->path);
        else
            snprintf(base, sizeof(base), "/v1/networks/%s/%s", net, k->path);
        if (!strcmp(cmd, "list") && npos == 2) {
            if (all) {
                rc = list_all(&o, base, k, 1000);
            } else {
                snprintf(path, sizeof(path), "%s?limit=%d", base, limit);
                rc = call(&o, "GET", path, NULL, NULL, 0, NULL, k);
            }
        } else if ((!strcmp(cmd, "get") || !strcmp(cmd, "delete")) && npos == 3) {
            snprintf(path, sizeof(path), "%s/%s", base, pos[2]);
            rc = call(&o, !strcmp(cmd, "get") ? "GET" : "DELETE", path, NULL, NULL, 0, if_match,
                      NULL);
        } else if (!strcmp(cmd, "create") && npos == 3) {
            if ((file = read_all(pos[2], &len)))
                rc = call(&o, "POST", base, "application/json", file, len, NULL, NULL);
            else
                rc = CLI_FAIL;
        } else if ((!strcmp(cmd, "replace") || !strcmp(cmd, "update")) && npos == 4) {
            snprintf(path, sizeof(path), "%s/%s", base, pos[2]);
            bool put = !strcmp(cmd, "replace");
            if ((file = read_all(pos[3], &len)))
                rc = call(&o, put ? "PUT" : "PATCH", path,
                          put ? "application/json" : "application/merge-patch+json", file, len,
                          if_match, NULL);
            else
                rc = CLI_FAIL;
        }
    }
    if (rc == CLI_USAGE)
        fprintf(stderr, "xepcctl orc: bad command line (see xepcctl orc --help)\n");
out:
    free(file);
    curl_global_cleanup();
    return rc;
}
